"""One sync at a time per database: a second `spacedock sync` stops at once, naming the one running.

- **PostgreSQL**: a session advisory lock (`pg_try_advisory_lock`), held by the sync's connection and
  released by PostgreSQL itself when that connection ends, however the sync ends (killed included). The
  holder names itself in its connection's `application_name`, which the refused one reads back from
  `pg_stat_activity`.
- **SQLite**: a row in `spacedock_sync_lock` (one row: pid, host, the process's start time, since when),
  written in a write transaction, so two syncs cannot both take it. A row whose process is gone is stale
  and taken over: on the same host, a pid that no longer runs, or runs a process started at another time
  (a reused pid). A row from another host is believed (SQLite files are not shared across hosts).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket

from django.db import connection, transaction

# The advisory lock's two keys: Spacedock's, then the sync's.
ADVISORY = (0x5D0C, 1)
TABLE = "spacedock_sync_lock"


class SyncRunning(Exception):
    """Another sync holds the lock; the message names it."""


def _started(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, /proc/<pid>/stat field 22), None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def _runs(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as another user
    now = _started(pid)
    return now is None or not started or now == started


@contextlib.contextmanager
def one_sync():
    """Held for the duration of a sync; raises SyncRunning when another one holds it."""
    if connection.vendor == "postgresql":
        with _advisory():
            yield
    else:
        with _row():
            yield


@contextlib.contextmanager
def _advisory():
    # application_name holds 63 bytes: "spacedock sync, pid 12345 since 2026-12-03 12:00:00Z on <host>"
    me = f"spacedock sync, pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ} on " \
         f"{socket.gethostname()}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", ADVISORY)
        if not cursor.fetchone()[0]:
            cursor.execute("SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a "
                           "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s "
                           "AND l.objid = %s AND l.objsubid = 2", ADVISORY)
            row = cursor.fetchone()
            if row and row[0].startswith("spacedock sync"):
                holder = row[0]
            else:
                holder = "a connection" + (f" from {row[1]}" if row and row[1] else "") + " holds its lock"
            raise SyncRunning(f"another sync is running on this database ({holder}); this one stops")
        cursor.execute("SELECT set_config('application_name', %s, false)", [me.encode()[:63].decode(errors="ignore")])
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:  # a lost connection released it
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", ADVISORY)
            cursor.execute("SELECT set_config('application_name', '', false)")


@contextlib.contextmanager
def _row():
    pid, host, started = os.getpid(), socket.gethostname(), _started(os.getpid()) or ""
    with transaction.atomic(), connection.cursor() as cursor:  # IMMEDIATE on SQLite: the write lock, now
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                       f"pid INTEGER NOT NULL, host TEXT NOT NULL, started TEXT NOT NULL, since TEXT NOT NULL)")
        cursor.execute(f"SELECT pid, host, started, since FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
        if row is not None and (row[1] != host or _runs(row[0], row[2])):
            raise SyncRunning(f"another sync is running on this database (spacedock sync, pid {row[0]} since "
                              f"{row[3]} on {row[1]}); this one stops")
        cursor.execute(f"INSERT OR REPLACE INTO {TABLE} (id, pid, host, started, since) VALUES (1, %s, %s, %s, %s)",
                       [pid, host, started, f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}"])
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = 1 AND pid = %s AND host = %s", [pid, host])
