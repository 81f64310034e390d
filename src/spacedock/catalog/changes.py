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

from django.db import connection

from .models import DataVersion

CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"
# Every API request reads the version, most of them (304s, cache hits) nothing else: the cursor is kept
# between reads (a new cursor costs more than the query on SQLite), per thread as connections are, for as
# long as the thread's connection is the same one.
_kept = threading.local()


def current() -> int:
    """The data version, read on every API request (a 304 reads nothing else)."""
    cursor = getattr(_kept, "cursor", None)
    # A new connection since (closed at its max age, or after an error), or a test now counting queries
    # (debug cursors log them): a new cursor.
    if cursor is None or _kept.raw is not connection.connection or _kept.logged != connection.queries_logged:
        cursor = connection.cursor()
        _kept.cursor, _kept.raw, _kept.logged = cursor, connection.connection, connection.queries_logged
    cursor.execute(CURRENT_SQL)
    row = cursor.fetchone()
    return row[0] if row else 0
