"""Text search over spacecraft that stays fast at any size: through an index on every database.

`search=` means what DRF's SearchFilter means (every term, case-insensitively, somewhere in the
spacecraft's name or its configuration's name), but the name half goes through a trigram index:
SQLite's FTS5 trigram table `catalog_spacecraft_name_fts` (kept by triggers), PostgreSQL's pg_trgm
GIN index on UPPER(name). Configurations are few; their names are scanned.
"""
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .models import Spacecraft, SpacecraftConfiguration

FTS_TABLE = "catalog_spacecraft_name_fts"


def spacecraft_matching(term: str) -> Q:
    configurations = SpacecraftConfiguration.objects.filter(name__icontains=term).values("pk")
    return Q(pk__in=_named(term)) | Q(spacecraft_config__in=configurations)


def _named(term: str):
    if connection.vendor == "sqlite" and len(term) >= 3:
        # A quoted FTS5 string: with the trigram tokenizer, a case-insensitive substring match through
        # the index (shorter terms have no trigram: they take the plain scan below).
        return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE name MATCH %s", ('"' + term.replace('"', '""') + '"',))
    return Spacecraft.objects.filter(name__icontains=term).values("pk")
