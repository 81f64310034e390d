"""Indexes that let a list walk its ordering from either end (see api/listing.py), per database.

Spacecraft orderings end with `id` ascending and sort nulls first ascending, last descending. An index
serves an ordering and its exact reverse when its column order matches one of them: `(figure, id)` for
`figure` ascending, `(figure, id DESC)` for `-figure` (walked backwards) — nulls first in both, which is
SQLite's only order and must be said on PostgreSQL. `(live, id)` walks the settled spacecraft by id.
"""
from django.db import migrations

COLUMNS = ("settled_time_in_space", "settled_time_docked", "settled_mission_ends_count", "flights_count")
SHORT = {"settled_time_in_space": "time_in_space", "settled_time_docked": "time_docked",
         "settled_mission_ends_count": "mission_ends_count", "flights_count": "flights_count"}
TABLE = "catalog_spacecraft"

# SQLite: the model's `sc_<figure>_id` (figure, id) indexes already sort nulls first.
SQLITE = [f"CREATE INDEX IF NOT EXISTS sc_{SHORT[c]}_id_desc ON {TABLE} ({c}, id DESC)" for c in COLUMNS]
SQLITE_UNDO = [f"DROP INDEX IF EXISTS sc_{SHORT[c]}_id_desc" for c in COLUMNS]
POSTGRESQL = [
    *(f"CREATE INDEX IF NOT EXISTS sc_{SHORT[c]}_nf_id ON {TABLE} ({c} ASC NULLS FIRST, id)" for c in COLUMNS),
    *(f"CREATE INDEX IF NOT EXISTS sc_{SHORT[c]}_nf_id_desc ON {TABLE} ({c} ASC NULLS FIRST, id DESC)"
      for c in COLUMNS),
    f"ANALYZE {TABLE}",  # statistics for the trigram index's UPPER(name), so the planner sees how common a term is
]
POSTGRESQL_UNDO = [f"DROP INDEX IF EXISTS sc_{SHORT[c]}_nf_id{suffix}" for c in COLUMNS for suffix in ("", "_desc")]
BOTH = [f"CREATE INDEX IF NOT EXISTS sc_live_id ON {TABLE} (live, id)"]
BOTH_UNDO = ["DROP INDEX IF EXISTS sc_live_id"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_older_versions_unknowns")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE + BOTH, "postgresql": POSTGRESQL + BOTH}),
                             _run({"sqlite": SQLITE_UNDO + BOTH_UNDO, "postgresql": POSTGRESQL_UNDO + BOTH_UNDO})),
    ]
