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

from . import hot_reads
from .models import DataVersion

CURRENT_SQL = f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1"
_last = threading.local()  # .seen: (the commit stamp before the last read, the version it read)


def current() -> int:
    """The data version, asked on every API request (a 304 asks nothing else): read through a kept cursor
    (`hot_reads`), or on SQLite in WAL mode the last one read, while no commit has been made since
    (`hot_reads.commit_stamp`, no query)."""
    stamp = hot_reads.commit_stamp()  # before the read: a commit after it makes the next stamp differ
    seen = getattr(_last, "seen", None)
    if stamp is not None and seen is not None and seen[0] == stamp:
        return seen[1]
    row = hot_reads.one_row(CURRENT_SQL)
    version = row[0] if row else 0
    _last.seen = (stamp, version) if stamp is not None else None
    return version
