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


def spacecraft_matching(term: str, each_row: bool = False) -> Q:
    """Spacecraft whose name or configuration's name holds `term`, case-insensitively.

    `each_row`: for a query that reads few rows (say the live ones), test each row it reads against the
    index, instead of collecting every match first (on SQLite that costs milliseconds for a common term)."""
    configurations = SpacecraftConfiguration.objects.filter(name__icontains=term).values("pk")
    return _named(term, each_row) | Q(spacecraft_config__in=configurations)


def _named(term: str, each_row: bool) -> Q:
    if connection.vendor == "sqlite" and len(term) >= 3:
        # A quoted FTS5 string: with the trigram tokenizer, a case-insensitive substring match through
        # the index (shorter terms have no trigram: they take the plain comparison below). The same
        # match, asked for the outer row's id only, when `each_row`.
        own = f' AND rowid = "{Spacecraft._meta.db_table}"."id"' if each_row else ""
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE name MATCH %s{own}",
                               ('"' + term.replace('"', '""') + '"',)))
    # On PostgreSQL this is UPPER(name) LIKE UPPER('%term%'), the trigram index's expression: the planner
    # can drive a search by the index, or test each row it walks in another index's order.
    return Q(name__icontains=term)
