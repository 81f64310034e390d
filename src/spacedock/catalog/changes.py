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

from django.db import Error, connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .models import DataVersion

CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"
# Every API request reads the version, most of them (304s, cache hits) nothing else: the cursor is kept
# between reads (a new cursor costs more than the query on SQLite), per thread as connections are, and
# dropped when the thread's connection is replaced.
_kept = threading.local()


@receiver(connection_created)
def _forget_cursor(sender, connection, **kwargs):
    _kept.cursor = None


def current() -> int:
    """The data version, read on every API request (a 304 reads nothing else)."""
    cursor = getattr(_kept, "cursor", None)
    if cursor is not None and _kept.logged == connection.queries_logged:  # a test counting queries gets its own
        try:
            cursor.execute(CURRENT_SQL)
            row = cursor.fetchone()
            return row[0] if row else 0
        except Error:  # the connection or cursor was closed since (max age, an outage): read with a new one
            _kept.cursor = None
    cursor = connection.cursor()
    cursor.execute(CURRENT_SQL)
    row = cursor.fetchone()
    _kept.cursor, _kept.logged = cursor, connection.queries_logged
    return row[0] if row else 0
