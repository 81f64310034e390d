"""PostgreSQL: planner statistics for the tables lists and live figures read (see catalog/figures.py
`refresh`, which renews them after every big write). Without them, with autovacuum off or not yet run,
the planner took a search of a fifth of the spacecraft for 38 rows, and a live spacecraft's dockings
for a hash join over all of them. Nothing on SQLite."""
from django.db import migrations

TABLES = ("catalog_spacecraft", "catalog_spacecraftflight", "catalog_dockingevent", "catalog_launch")


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f'ANALYZE "{table}"')


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_listing_indexes")]

    operations = [migrations.RunPython(analyze, migrations.RunPython.noop)]
