"""Which version of the data a response was built from: writers bump it, response caches read it.

Every write path (import, generate) calls `bump()` inside its transaction; the response cache keys
its entries by `current()`, so the first request after a write misses and sees the new data.
"""
from django.db import connection
from django.db.models import F
from django.utils import timezone

from .models import DataVersion


def bump() -> None:
    updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        DataVersion.objects.create(pk=1, version=1, changed_at=timezone.now())


def current() -> int:
    # Read on every API request: plain SQL, without building an ORM query each time.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {DataVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0
