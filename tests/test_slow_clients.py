"""Idle and slowloris connections cannot starve `spacedock serve`, nor hold up its stop.

Under gunicorn's sync workers (the server before granian) two idle TCP connections held both workers for
30 s each. This starts the real command, holds 200 idle connections and 20 that send a request header a
byte a second and never finish it, checks that a normal client is still answered promptly, and that
SIGTERM stops the server cleanly and soon with all of them still open.
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

SPACEDOCK = Path(sys.executable).parent / "spacedock"
IDLE, SLOW, GETS = 200, 20, 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5.0):
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body = orjson.loads(response.read())
    return response.status, body, time.monotonic() - started


@pytest.fixture
def server(tmp_path):
    """`spacedock serve` on a free port and a fresh SQLite database: (port, base URL, process, log)."""
    if not SPACEDOCK.exists():
        pytest.skip(f"{SPACEDOCK} is not installed (pip install -e .)")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'slow.sqlite3'}", "SPACEDOCK_VAR_DIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(SPACEDOCK), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/2.3.0/spacecraft/?limit=1", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"spacedock serve did not answer:\n{log.read_text(errors='replace')}")
                time.sleep(0.3)
        for _ in range(6):  # each worker has run the code paths once
            get(f"{base}/2.3.0/spacecraft/?limit=10")
        yield port, base, process, log
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_idle_and_slowloris_connections_do_not_starve_the_server(server):
    port, base, process, log = server
    sockets, stop = [], threading.Event()

    def slowloris(conns):
        """A byte of header a second on every slow connection, until stopped; the request never ends."""
        while not stop.wait(1.0):
            for conn in conns:
                with contextlib.suppress(OSError):  # the server may close a client this slow: its right
                    conn.sendall(b"a")

    try:
        for _ in range(IDLE):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        slow = []
        for _ in range(SLOW):
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"GET /2.3.0/spacecraft/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(conn)
        sockets += slow
        feeder = threading.Thread(target=slowloris, args=(slow,), daemon=True)
        feeder.start()
        time.sleep(1.5)  # every connection accepted and the slow ones a byte further
        times = []
        for n in range(GETS):
            status, body, elapsed = get(f"{base}/2.3.0/spacecraft/?limit=10&n={n}")
            assert status == 200 and body["count"] == 28 and len(body["results"]) == 10
            times.append(elapsed)
        assert max(times) < 1.0, f"slowest of {GETS} answers: {max(times):.2f} s ({times})"
        # SIGTERM with every connection still open: granian waits for them, then kills its workers (after
        # serve's STOP_SECONDS), and exits 0. An idle connection alone would otherwise hold it 30 s.
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        assert process.returncode == 0, log.read_text(errors="replace")
        assert time.monotonic() - started < 15
    finally:
        stop.set()
        for conn in sockets:
            conn.close()
