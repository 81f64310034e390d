"""One-row reads made on every request that needs them (the data version, an API key), through a cursor of
the database driver's own.

Through Django's cursor such a read cost more than the query itself (its wrappers, a new cursor each
time): more than the rest of a 304. Here a driver cursor is kept per thread, as connections are, for as
long as Django's connection is the same one. A kept cursor that fails (its connection closed since, at
its max age or after an error) is dropped, and that read goes through Django's cursor, which reconnects
or raises Django's own error (`ops.outages`). While a test counts queries (debug cursors), every read goes
through Django's cursor, so it is counted.

On SQLite in WAL mode the kept connection also comes with a watch over the database's commits
(`wal_watch`): a row read is given again, without a query, until anything is committed, to any table,
from any process (`commit_stamp()`); the next read after a commit asks the database.
"""
from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections

from . import orm_internals
from .wal_watch import watch_for

# .raw: the driver connection the cursor is of; .cursor; .watch (SQLite in WAL mode); .rows: the rows read
# since .stamp, the commit stamp before they were read
_kept = threading.local()
_DRIVER_SQL: dict = {}  # (Django's SQL, vendor) -> the driver's (sqlite3 takes `?` where Django writes `%s`)
MAX_ROWS = 1024  # rows given again until the next commit (the data version, the keys in use)


def one_row(sql: str, params=()) -> tuple | None:
    """The first row of `sql` (Django's placeholders, `%s`) on the default database, or None."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    stamp = commit_stamp(wrapper)  # before the read: a commit after it makes the next stamp differ
    if stamp is None:
        return _read(wrapper, sql, params)
    key = (sql, tuple(params))
    if stamp == getattr(_kept, "stamp", None):
        rows = _kept.rows
        if key in rows:
            return rows[key]
    else:
        _kept.stamp, _kept.rows = stamp, {}
    row = _read(wrapper, sql, params)
    if len(_kept.rows) < MAX_ROWS:
        _kept.rows[key] = row
    return row


def _read(wrapper, sql: str, params) -> tuple | None:
    cursor = getattr(_kept, "cursor", None)
    if cursor is not None and _kept.raw is wrapper.connection and not wrapper.queries_logged:
        try:
            cursor.execute(_driver_sql(sql, wrapper.vendor), params)
            return cursor.fetchone()
        except Exception:  # noqa: BLE001 - the driver's error, whatever it is: Django's cursor answers instead
            _kept.cursor = None
    with wrapper.cursor() as django_cursor:
        django_cursor.execute(sql, params)
        row = django_cursor.fetchone()
    if not wrapper.queries_logged:
        _kept.raw = orm_internals.driver_connection(wrapper)
        _kept.cursor = _kept.raw.cursor()
        _kept.watch = watch_for(_kept.raw, str(wrapper.settings_dict["NAME"])) if wrapper.vendor == "sqlite" else None
    return row


def commit_stamp(wrapper=None) -> tuple | None:
    """(the watch, its stamp) of the default database's (Django's `wrapper` of it) commits as of now; equal
    stamps of the same watch mean nothing was committed in between. None when that cannot be told without
    a query: not SQLite in WAL mode, no cursor kept on Django's current connection, queries being counted,
    or a transaction open (its own writes are seen by its reads, not in the header)."""
    watch = getattr(_kept, "watch", None)
    if watch is None:
        return None
    wrapper = wrapper or connections[DEFAULT_DB_ALIAS]
    raw = _kept.raw
    if raw is not wrapper.connection or wrapper.queries_logged or wrapper.in_atomic_block or raw.in_transaction:
        return None
    stamp = watch.stamp()
    return None if stamp is None else (watch, stamp)


def _driver_sql(sql: str, vendor: str) -> str:
    known = _DRIVER_SQL.get((sql, vendor))
    if known is None:
        known = _DRIVER_SQL[(sql, vendor)] = sql.replace("%s", "?") if vendor == "sqlite" else sql
    return known


def forget() -> None:
    """Drop this thread's kept cursor, watch and rows (tests)."""
    _kept.cursor = _kept.watch = _kept.stamp = None
