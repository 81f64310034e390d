"""SIGTERM drains `spacedock serve`: requests in flight when it arrives are answered in full, new connections
are refused, and the server exits 0 within its drain (serve.STOP_SECONDS), as deploy/spacedock.service's
`systemctl stop` and a `docker stop` rely on.

The real command serves a temporary SQLite database with the bundled data and 2,000 generated spacecraft.
Many clients each ask a different detailed page of 100 (about 1 MB each, none from the response cache), so
that the two workers are busy for a while; once every request has been sent and the first answer has come
back, SIGTERM goes to granian. Every request must then get a complete 200 (its body parses, with its 100
records), some of them after the signal (they were in flight), while a new connection is refused.
"""
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from spacedock.ops.management.commands.serve import STOP_SECONDS

from .helpers import DATA, spare_port

SPACEDOCK = Path(sys.executable).parent / "spacedock"
GENERATED = 2000
CLIENTS = 48  # a detailed page of 100 takes 10 to 30 ms here: 48 of them keep 2 workers busy a while
PAGE = "/2.3.0/spacecraft/?limit=100&mode=detailed&offset={offset}"


def run(argv, env):
    done = subprocess.run([str(SPACEDOCK), *argv], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"spacedock {' '.join(argv)}:\n{done.stdout}{done.stderr}"


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except ConnectionRefusedError:
        return False


@pytest.fixture
def server(tmp_path):
    """`spacedock serve` (2 workers) on a spare port, over the bundled data and 2,000 generated spacecraft."""
    if not SPACEDOCK.exists():
        pytest.skip(f"{SPACEDOCK} is not installed (pip install -e .)")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'drain.sqlite3'}", "SPACEDOCK_VAR_DIR": str(tmp_path),
           "CACHE_URL": "locmem://"}
    run(["migrate", "-v", "0"], env)
    run(["import", *map(str, sorted(DATA.glob("*.json")))], env)
    run(["generate", "--spacecraft", str(GENERATED)], env)
    port, log = spare_port(), tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(SPACEDOCK), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not listening_or_dead(port, process):
            if time.monotonic() > deadline:
                pytest.fail(f"spacedock serve did not listen:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        if process.poll() is not None:
            pytest.fail(f"spacedock serve exited {process.returncode}:\n{log.read_text(errors='replace')}")
        for offset in range(4):  # each worker has run the detailed code paths once
            assert fetch(port, PAGE.format(offset=GENERATED + offset))[0] == 200
        yield port, process, log
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def listening_or_dead(port, process) -> bool:
    return process.poll() is not None or listening(port)


def fetch(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_sigterm_drains_the_requests_in_flight(server):
    port, process, log = server
    sent, first_answer = threading.Barrier(CLIENTS + 1), threading.Event()
    results: dict[int, tuple] = {}

    def client(n):
        offset = n * (GENERATED // CLIENTS)  # every page different, and all within the catalogue
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", PAGE.format(offset=offset))  # the whole request is written here
            sent.wait(timeout=10)
            response = conn.getresponse()
            body = response.read()
            results[n] = (response.status, body, time.monotonic(), offset)
        except Exception as exc:  # noqa: BLE001 - reported below, per request
            results[n] = (repr(exc), b"", time.monotonic(), offset)
        finally:
            first_answer.set()
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    sent.wait(timeout=10)  # every request is on the wire
    assert first_answer.wait(timeout=10)  # and the workers are at them
    term = time.monotonic()
    process.send_signal(signal.SIGTERM)  # granian itself (serve execs it): what systemd's KillMode=mixed does

    # New connections are refused soon, while the server is still there to refuse them.
    refused_at = None
    while time.monotonic() - term < 2 and refused_at is None:
        if not listening(port):
            refused_at = time.monotonic()
        else:
            time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=STOP_SECONDS + 5)
    exit_code = process.wait(timeout=STOP_SECONDS + 5)
    exited = time.monotonic() - term
    output = log.read_text(errors="replace")

    failures = {n: r[0] for n, r in results.items() if r[0] != 200}
    assert len(results) == CLIENTS and not failures, (failures, output)
    for _, body, _, offset in results.values():
        page = orjson.loads(body)  # the complete body: a truncated one does not parse
        assert len(page["results"]) == 100 and page["results"][0]["response_mode"] == "detailed", offset
    after = sorted(round(r[2] - term, 3) for r in results.values() if r[2] > term)
    refused = f"{refused_at - term:.3f} s" if refused_at is not None else "not"
    print(f"{len(after)} of {CLIENTS} answered after SIGTERM (the last {after[-1] if after else '-'} s after it); "
          f"new connections refused {refused} after it; exited {exited:.3f} s after it")
    assert after, "every answer came before SIGTERM: nothing was in flight (too fast a machine for CLIENTS)"
    assert refused_at is not None, "a new connection was still accepted 2 s after SIGTERM"
    assert exit_code == 0, output
    assert exited < STOP_SECONDS, f"exited {exited:.1f} s after SIGTERM"
    assert "Granian shutdown completed" in output
