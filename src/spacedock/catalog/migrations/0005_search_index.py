"""Trigram indexes for `search=` on spacecraft names (see catalog/search.py), per database."""
from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE catalog_spacecraft_name_fts USING fts5(name, tokenize='trigram')",
    "INSERT INTO catalog_spacecraft_name_fts(rowid, name) SELECT id, name FROM catalog_spacecraft",
    """CREATE TRIGGER catalog_spacecraft_fts_insert AFTER INSERT ON catalog_spacecraft BEGIN
         INSERT INTO catalog_spacecraft_name_fts(rowid, name) VALUES (new.id, new.name); END""",
    """CREATE TRIGGER catalog_spacecraft_fts_delete AFTER DELETE ON catalog_spacecraft BEGIN
         DELETE FROM catalog_spacecraft_name_fts WHERE rowid = old.id; END""",
    """CREATE TRIGGER catalog_spacecraft_fts_update AFTER UPDATE OF id, name ON catalog_spacecraft BEGIN
         DELETE FROM catalog_spacecraft_name_fts WHERE rowid = old.id;
         INSERT INTO catalog_spacecraft_name_fts(rowid, name) VALUES (new.id, new.name); END""",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS catalog_spacecraft_fts_insert",
    "DROP TRIGGER IF EXISTS catalog_spacecraft_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_spacecraft_fts_update",
    "DROP TABLE IF EXISTS catalog_spacecraft_name_fts",
]
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX catalog_spacecraft_name_trgm ON catalog_spacecraft USING gin ((UPPER("name"::text)) gin_trgm_ops)',
]
POSTGRESQL_UNDO = ["DROP INDEX IF EXISTS catalog_spacecraft_name_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_data_version")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO})),
    ]
