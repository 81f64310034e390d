"""Which version of the data a response was built from: the database moves it, response caches read it.

Triggers on every catalogue table (migration 0009) increment `catalog_dataversion.version` and set its
`changed_at` on any INSERT, UPDATE or DELETE, inside the writing transaction. Why in the database: a
writer that had to remember to bump it did not always (ORM `update()`, `delete()` and `bulk_*`, raw SQL,
psql), and the caches then served old data; now nothing can write without moving it, and a rolled-back
write moves nothing. The response caches key their entries by `current()`, so the first request after a
committed write misses and sees the new data. The number only ever means "changed": a statement on
PostgreSQL, a row on SQLite adds one.
"""
from . import hot_reads
from .models import DataVersion

CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"


def current() -> int:
    """The data version, asked on every API request (a 304 asks nothing else): through a kept cursor, and on
    SQLite in WAL mode read again only after a commit (`hot_reads`)."""
    row = hot_reads.one_row(CURRENT_SQL)
    return row[0] if row else 0
