"""One sync at a time (ingest/locks.py), with real processes: while one process holds the sync lock, a
`spacedock sync` on the same database stops at once with one line naming it; once the holder is killed,
the next sync runs (PostgreSQL releases the advisory lock with the connection; on SQLite the row of a
process that is gone is stale)."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from .helpers import is_postgres, scratch_postgres_database

HOLD = ("from spacedock.ingest.locks import one_sync\n"
        "import sys, time\n"
        "with one_sync():\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n")
REFUSED = re.compile(r"CommandError: another sync is running on this database \(spacedock sync, pid (\d+) since "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ on [^)]+\); this one stops\n")


def spacedock(env, *args, **options):
    return subprocess.run([sys.executable, "-m", "spacedock.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, **options)


def holder(env):
    process = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "shell", "--no-imports", "-c", HOLD], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    line = process.stdout.readline()
    assert line == "held\n", line + process.stdout.read()
    return process


def sync(env):
    # Nothing answers on port 9: a sync that gets past the lock fails at its first request, quickly.
    return spacedock(env, "sync", "--base-url", "http://127.0.0.1:9/2.3.0/", "--tries", "1", "--timeout", "2")


def check(env):
    assert spacedock(env, "migrate", "--noinput").returncode == 0
    first = holder(env)
    try:
        refused = sync(env)
        assert refused.returncode == 1
        match = REFUSED.fullmatch(refused.stderr)
        assert match, refused.stderr
        assert int(match[1]) == first.pid  # `spacedock shell` runs in the process itself
        assert refused.stdout == ""
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # killed: no chance to release anything
        first.wait(timeout=10)
    time.sleep(0.5)
    after = sync(env)
    assert after.returncode == 1 and "another sync" not in after.stderr, after.stderr
    assert "127.0.0.1:9" in after.stderr  # it went on to LL2
    second = holder(env)  # and it released the lock when it ended
    os.killpg(second.pid, signal.SIGKILL)
    second.wait(timeout=10)


def test_one_sync_at_a_time_on_sqlite(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SPACEDOCK_VAR_DIR=str(tmp_path))
    check(env)


def test_a_stale_sqlite_row_of_a_reused_pid_is_taken_over(tmp_path):
    import sqlite3

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SPACEDOCK_VAR_DIR=str(tmp_path))
    assert spacedock(env, "migrate", "--noinput").returncode == 0
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:  # a row left by a process whose pid now runs another
        db.execute("CREATE TABLE spacedock_sync_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, "
                   "host TEXT NOT NULL, started TEXT NOT NULL, since TEXT NOT NULL)")
        db.execute("INSERT INTO spacedock_sync_lock VALUES (1, ?, ?, '1', '2026-01-01 00:00:00Z')",
                   (os.getpid(), os.uname().nodename))
    after = sync(env)
    assert "another sync" not in after.stderr, after.stderr


@pytest.mark.postgres
def test_one_sync_at_a_time_on_postgresql(db):
    if not is_postgres():
        pytest.skip("PostgreSQL only (DATABASE_URL names SQLite)")
    with scratch_postgres_database("spacedock_h14_lock") as url:
        check(dict(os.environ, DATABASE_URL=url))
