"""The data-version triggers (migration 0009) on the tables migration 0010 made or rebuilt.

SQLite rebuilds a table for some column changes and drops its triggers with it, so every catalogue
table's triggers are dropped if present and made again: the same statements as 0009's.
"""
import importlib

from django.db import migrations

triggers = importlib.import_module("spacedock.catalog.migrations.0009_data_version_triggers")


def reinstall(apps, schema_editor):
    vendor, tables = schema_editor.connection.vendor, triggers.catalogue_tables(apps)
    statements = []
    if vendor == "sqlite":
        for table in tables:
            for event in triggers.SQLITE_EVENTS:
                name = triggers.sqlite_trigger(table, event)
                statements += [f'DROP TRIGGER IF EXISTS "{name}"',
                               f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON "{table}" '
                               f"BEGIN {triggers.upsert(triggers.SQLITE_NOW)} END"]
    elif vendor == "postgresql":
        for table in tables:
            name = triggers.postgresql_trigger(table)
            statements += [f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
                           f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                           f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {triggers.FUNCTION}()']
    else:
        raise NotImplementedError(f"no data version triggers for {vendor}: caches would never see writes")
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0010_stations_and_expeditions")]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
