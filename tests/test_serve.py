"""`spacedock serve` as a user runs it: a fresh database, the bundled data, gunicorn on a real port."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import orjson
import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"}
    return [sys.executable, "-m", "spacedock.cli", "serve", *args], env


def test_serve_loads_bundled_data_and_answers(tmp_path):
    port = free_port()
    argv, env = command(tmp_path, "--port", str(port), "--workers", "1")
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/2.3.0/spacecraft/?limit=1", timeout=2) as r:
                    body = orjson.loads(r.read())
                    assert r.headers["Content-Type"] == "application/json"
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(server.stdout.read().decode())
                time.sleep(0.3)
        assert body["count"] == 28
        assert body["next"] == f"http://127.0.0.1:{port}/2.3.0/spacecraft/?limit=1&offset=1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/rest_framework/css/bootstrap.min.css") as r:
            assert r.status == 200 and len(r.read()) > 1000
        # glibc keeps a page's buffers in its heap (README, "Worker memory"): the environment gunicorn runs in.
        environ = dict(item.split(b"=", 1) for item in open(f"/proc/{server.pid}/environ", "rb").read().split(b"\0")
                       if b"=" in item)
        expected = {b"MALLOC_MMAP_THRESHOLD_": b"4194304", b"MALLOC_TRIM_THRESHOLD_": b"16777216"}
        assert {name: environ.get(name) for name in expected} == {
            name: os.environ.get(name.decode(), value.decode()).encode() for name, value in expected.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    assert "bundled data: imported 81 records" in output


@pytest.mark.parametrize("args", [["--workers", "0"], ["--port", "0"], ["--port", "x"]])
def test_serve_rejects_bad_options(tmp_path, args):
    argv, env = command(tmp_path, *args)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip()
