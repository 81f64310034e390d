"""Which version of the data a response was built from: the database moves it, response caches read it.

Triggers on every catalogue table (migration 0009) increment `catalog_dataversion.version` and set its
`changed_at` on any INSERT, UPDATE or DELETE, inside the writing transaction. Why in the database: a
writer that had to remember to bump it did not always (ORM `update()`, `delete()` and `bulk_*`, raw SQL,
psql), and the caches then served old data; now nothing can write without moving it, and a rolled-back
write moves nothing. The response caches key their entries by `current()`, so the first request after a
committed write misses and sees the new data. The number only ever means "changed": a statement on
PostgreSQL, a row on SQLite adds one.
"""
import threading

from django.db import DEFAULT_DB_ALIAS, connections

from . import orm_internals
from .models import DataVersion

CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"
# Every API request reads the version, most of them (304s, cache hits) nothing else. Through Django's cursor
# the read cost more than the rest of a 304 (its wrappers, not the query): it is read through a cursor of
# the driver's own, kept per thread as connections are, for as long as Django's connection is the same one.
# A kept cursor that fails (its connection closed, broken) is dropped, and that read goes through Django's
# cursor, which reconnects or raises Django's own error (`ops.outages`). While a test counts queries (debug
# cursors), every read goes through Django's cursor, so it is counted.
_kept = threading.local()


def current() -> int:
    """The data version, read on every API request (a 304 reads nothing else)."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    cursor = getattr(_kept, "cursor", None)
    if cursor is not None and _kept.raw is wrapper.connection and not wrapper.queries_logged:
        try:
            cursor.execute(CURRENT_SQL)
            row = cursor.fetchone()
            return row[0] if row else 0
        except Exception:  # noqa: BLE001 - the driver's error, whatever it is: Django's cursor answers instead
            _kept.cursor = None
    with wrapper.cursor() as django_cursor:
        django_cursor.execute(CURRENT_SQL)
        row = django_cursor.fetchone()
    if not wrapper.queries_logged:
        _kept.raw = orm_internals.driver_connection(wrapper)
        _kept.cursor = _kept.raw.cursor()
    return row[0] if row else 0
