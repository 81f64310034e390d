"""`spacedock serve` as a user runs it: a fresh database, the bundled data, granian on a real port."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing

import orjson
import pytest

from spacedock.ops.management.commands.serve import server_command

from .helpers import ONE_WINDOW


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
        # The command became granian (its pid: exec, so that SIGTERM reaches the server), without access log.
        with open(f"/proc/{server.pid}/cmdline", "rb") as file:
            cmdline = file.read().rstrip(b"\0").split(b"\0")
        assert cmdline[1:3] == [b"-m", b"granian"] and b"--no-access-log" in cmdline
        assert cmdline[-1] == b"spacedock.wsgi:application"
        # glibc keeps a page's buffers in its heap (README, "Worker memory"): the environment granian and
        # the workers it forks run in.
        workers = children(server.pid)
        assert workers, "granian's worker process"
        expected = {b"MALLOC_MMAP_THRESHOLD_": b"4194304", b"MALLOC_TRIM_THRESHOLD_": b"16777216"}
        for pid in [server.pid, *workers]:
            with open(f"/proc/{pid}/environ", "rb") as file:
                environ = dict(item.split(b"=", 1) for item in file.read().split(b"\0") if b"=" in item)
            assert {name: environ.get(name) for name in expected} == {
                name: os.environ.get(name.decode(), value.decode()).encode() for name, value in expected.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        started = time.monotonic()
        output = server.communicate(timeout=20)[0].decode()
    assert "bundled data: imported 81 records" in output
    assert output.splitlines()[1].startswith(f"serving http://127.0.0.1:{port}/2.3.0/spacecraft/ ")
    assert output.splitlines()[2].startswith(f"front page http://127.0.0.1:{port}/, API docs ")
    assert server.returncode == 0 and time.monotonic() - started < 10, output  # SIGTERM: a clean stop


def get(port, path, **headers):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["ETag"], response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers["ETag"], answer.read()


def test_a_write_from_another_process_is_seen_by_every_worker_at_once(tmp_path):
    """SQLite in WAL mode: the workers read the data version again only after a commit (catalog.wal_watch).
    A raw UPDATE from another process, between two requests, shows on the next ones, through the
    response cache, from both workers."""
    port = free_port()
    argv, env = command(tmp_path, "--port", str(port), "--workers", "2")
    env["SPACEDOCK_NOW"] = ONE_WINDOW
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    path = "/2.3.0/spacecraft/551/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                first = get(port, path)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(server.stdout.read().decode())
                time.sleep(0.3)
        assert first[0] == 200
        for _ in range(20):  # both workers answer, the page cached and the version known in each
            assert get(port, path) == first
            assert get(port, path, **{"If-None-Match": first[1]})[0] == 304
        with closing(sqlite3.connect(tmp_path / "serve.sqlite3", isolation_level=None)) as other:
            other.execute("UPDATE catalog_spacecraft SET name = 'Renamed by another process' WHERE id = 551")
        for _ in range(20):
            status, etag, body = get(port, path, **{"If-None-Match": first[1]})
            assert (status, etag != first[1]) == (200, True) and b"Renamed by another process" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=20)


def test_a_worker_that_dies_is_replaced_and_the_others_go_on(tmp_path):
    """One worker killed (as the kernel's OOM killer or a crash in native code would): the server does not stop,
    the other worker answers meanwhile, and a new worker takes its place."""
    port = free_port()
    argv, env = command(tmp_path, "--port", str(port), "--workers", "2")
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    path = "/2.3.0/spacecraft/?limit=1"
    try:
        deadline = time.monotonic() + 60
        while len(children(server.pid)) < 2 or get_or_none(port, path) != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(server.stdout.read().decode())
            time.sleep(0.3)
        workers = set(children(server.pid))
        os.kill(min(workers), signal.SIGKILL)
        time.sleep(0.5)
        assert [get_or_none(port, path) for _ in range(20)] == [200] * 20  # the other worker answers
        deadline = time.monotonic() + 30
        while len(set(children(server.pid)) - workers) < 1:
            assert server.poll() is None and time.monotonic() < deadline, "no worker took the dead one's place"
            time.sleep(0.3)
        assert server.poll() is None
        assert [get_or_none(port, path) for _ in range(20)] == [200] * 20
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=20)


def get_or_none(port, path):
    """The status of GET path, or None when the server does not answer."""
    try:
        return get(port, path)[0]
    except OSError:
        return None


def children(pid):
    """The pids whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    if int(file.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def test_serve_help_shows_the_defaults():
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "serve", "--help"], capture_output=True, text=True,
                            timeout=60)
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    for default in ("(default: 127.0.0.1)", "(default: 8000)", "(default: 2, one per core)", "(default: 1)"):
        assert default in text


def test_server_command_is_granian_wsgi_without_access_log():
    argv = server_command("0.0.0.0", 8080, 3, 1)
    assert argv[:3] == [sys.executable, "-m", "granian"] and argv[-1] == "spacedock.wsgi:application"
    flags = ("--interface", "--host", "--port", "--workers", "--blocking-threads")
    assert {flag: argv[argv.index(flag) + 1] for flag in flags} == {
        "--interface": "wsgi", "--host": "0.0.0.0", "--port": "8080", "--workers": "3", "--blocking-threads": "1"}
    assert "--no-access-log" in argv and "--access-log" in server_command("127.0.0.1", 8000, 2, 1, access_log=True)


@pytest.mark.parametrize("args", [["--workers", "0"], ["--threads", "0"], ["--port", "0"], ["--port", "x"]])
def test_serve_rejects_bad_options(tmp_path, args):
    argv, env = command(tmp_path, *args)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip()
