"""Text search over spacecraft that stays fast at any size: through an index on every database.

`search=` means what DRF's SearchFilter means (every term, case-insensitively, somewhere in the
spacecraft's name or its configuration's name), but the name half goes through a trigram index:
SQLite's FTS5 trigram table `catalog_spacecraft_name_fts` (kept by triggers), PostgreSQL's pg_trgm
GIN index on UPPER(name). Configurations are few; their names are scanned.
"""
import hashlib

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from . import orm_internals
from .models import Spacecraft, SpacecraftConfiguration

FTS_TABLE = "catalog_spacecraft_name_fts"


def spacecraft_matching(term: str, each_row: bool = False) -> Q:
    """Spacecraft whose name or configuration's name holds `term`, case-insensitively.

    `each_row`: for a query that reads few rows (say the live ones), test each row it reads against the
    index, instead of collecting every match first (on SQLite that costs milliseconds for a common term)."""
    configurations = SpacecraftConfiguration.objects.filter(name__icontains=term).values("pk")
    if connection.vendor == "postgresql":
        # The few matching configurations' ids, as values: with a subquery in the OR, PostgreSQL cannot
        # combine the two indexes (trigram, configuration) and scans every row for a rare term.
        configurations = list(configurations.values_list("pk", flat=True))
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


# --- per-connection match tables (SQLite) ---------------------------------------------------------------
MATCH_PREFIX = "sd_match_"
MATCH_TABLES = 16  # per connection and data version, at most


def match_table(terms, version) -> str | None:
    """On SQLite, with a data version: the name of a temporary table of this connection holding the ids
    of the spacecraft that match every term, filled on first use (one search, as the index answers it).

    Why: `id IN (<FTS matches>)` makes SQLite collect every match afresh for each query (5 ms for a term
    in a fifth of 100,000 names) even when the query then reads only a few hundred rows in another
    index's order; a table keyed by id answers each row's question directly. The data version is in the
    name, so a write (which bumps it) is never answered from an older table; other versions' tables are
    dropped when a new one is made. None elsewhere (PostgreSQL tests each row's name itself)."""
    if connection.vendor != "sqlite" or version is None or not terms:
        return None
    digest = hashlib.sha1("\x00".join(terms).encode()).hexdigest()[:16]
    name = f"{MATCH_PREFIX}{int(version)}_{digest}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE %s",
                       [MATCH_PREFIX + "%"])
        existing = [row[0] for row in cursor.fetchall() if row[0].startswith(MATCH_PREFIX)]
        if name in existing:
            return name
        current = [table for table in existing if table.startswith(f"{MATCH_PREFIX}{int(version)}_")]
        for table in existing if len(current) >= MATCH_TABLES else set(existing) - set(current):
            cursor.execute(f'DROP TABLE temp."{table}"')
        queryset = Spacecraft.objects.all()
        for term in terms:
            queryset = queryset.filter(spacecraft_matching(term))
        sql, params = orm_internals.compiled_sql(queryset.order_by().values_list("id"))
        cursor.execute(f'CREATE TEMP TABLE "{name}" (id INTEGER PRIMARY KEY)')
        cursor.execute(f'INSERT INTO temp."{name}" (id) {sql}', params)
    return name


def in_match_table(name: str, each_row: bool = False) -> Q:
    """Spacecraft in a `match_table`; `each_row` as for `spacecraft_matching`."""
    own = f' WHERE id = "{Spacecraft._meta.db_table}"."id"' if each_row else ""
    return Q(pk__in=RawSQL(f'SELECT id FROM temp."{name}"{own}', ()))
