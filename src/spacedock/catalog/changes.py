"""Which version of the data a response was built from: writers bump it, response caches read it.

Every write path (import, generate) calls `bump()` inside its transaction; the response cache keys
its entries by `current()`, so the first request after a write misses and sees the new data.
"""
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.utils import timezone

from .models import DataVersion


def bump() -> None:
    updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        DataVersion.objects.create(pk=1, version=1, changed_at=timezone.now())


CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"


def current() -> int:
    """The data version, read on every API request (a 304 reads nothing else). Straight on the database
    driver's connection (sqlite3's and psycopg's both have `execute`), within Django's error handling so a
    broken connection is still noticed and replaced: through Django's cursor a 6 us SQLite read cost 21 us.
    When queries are being logged (DEBUG, or a test counting them) it goes through Django's cursor."""
    database = connections[DEFAULT_DB_ALIAS]  # the thread's connection, looked up once
    if database.queries_logged:
        with database.cursor() as cursor:
            cursor.execute(CURRENT_SQL)
            row = cursor.fetchone()
    else:
        database.ensure_connection()
        with database.wrap_database_errors:
            row = database.connection.execute(CURRENT_SQL).fetchone()
    return row[0] if row else 0
