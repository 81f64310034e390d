"""One-row reads made on every request that needs them (the data version, an API key), through a cursor of
the database driver's own.

Through Django's cursor such a read cost more than the query itself (its wrappers, a new cursor each
time): more than the rest of a 304. Here a driver cursor is kept per thread, as connections are, for as
long as Django's connection is the same one. A kept cursor that fails (its connection closed since, at
its max age or after an error) is dropped, and that read goes through Django's cursor, which reconnects
or raises Django's own error (`ops.outages`). While a test counts queries (debug cursors), every read goes
through Django's cursor, so it is counted.
"""
from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections

from . import orm_internals

_kept = threading.local()  # .raw: the driver connection the cursor is of; .cursor
_DRIVER_SQL: dict = {}  # (Django's SQL, vendor) -> the driver's (sqlite3 takes `?` where Django writes `%s`)


def one_row(sql: str, params=()) -> tuple | None:
    """The first row of `sql` (Django's placeholders, `%s`) on the default database, or None."""
    wrapper = connections[DEFAULT_DB_ALIAS]
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
    return row


def _driver_sql(sql: str, vendor: str) -> str:
    known = _DRIVER_SQL.get((sql, vendor))
    if known is None:
        known = _DRIVER_SQL[(sql, vendor)] = sql.replace("%s", "?") if vendor == "sqlite" else sql
    return known


def forget() -> None:
    """Drop this thread's kept cursor (tests)."""
    _kept.cursor = None
