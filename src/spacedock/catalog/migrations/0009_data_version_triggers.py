"""Triggers that move the data version on every write to a catalogue table (why: catalog/changes.py).

Every table of the catalog app's models except DataVersion's own gets them, listed from the models as
of this migration. PostgreSQL: one plpgsql function, run once per INSERT, UPDATE, DELETE or TRUNCATE
statement. SQLite (no statement triggers): AFTER INSERT, UPDATE and DELETE triggers run per row; each
is one upsert of one row, about 1 us: 0.3 s of a 34 s `spacedock generate --spacecraft 100000`.
The upsert also puts row 1 back if something deleted it (a flush).

A new catalogue table needs a migration that installs the same (tests/test_data_version.py fails until
then), and so does a table SQLite rebuilds (AlterField on SQLite drops the table's triggers).
"""
from django.db import migrations

TABLE = "catalog_dataversion"
FUNCTION = "catalog_data_version_bump"
SQLITE_EVENTS = ("insert", "update", "delete")
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"  # Django's text form of a UTC datetime on SQLite


def catalogue_tables(apps) -> list[str]:
    models = apps.get_app_config("catalog").get_models(include_auto_created=True)
    return sorted({model._meta.db_table for model in models
                   if model._meta.managed and not model._meta.proxy and model._meta.db_table != TABLE})


def upsert(now: str) -> str:
    return (f"INSERT INTO {TABLE} (id, version, changed_at) VALUES (1, 1, {now}) "
            f"ON CONFLICT (id) DO UPDATE SET version = {TABLE}.version + 1, changed_at = excluded.changed_at;")


def sqlite_trigger(table: str, event: str) -> str:
    return f"{table}_data_version_{event}"


def postgresql_trigger(table: str) -> str:
    return f"{table}_data_version"


def install(apps, schema_editor):
    vendor, tables = schema_editor.connection.vendor, catalogue_tables(apps)
    if vendor == "sqlite":
        statements = [f'CREATE TRIGGER "{sqlite_trigger(table, event)}" AFTER {event.upper()} ON "{table}" '
                      f"BEGIN {upsert(SQLITE_NOW)} END"
                      for table in tables for event in SQLITE_EVENTS]
    elif vendor == "postgresql":
        function = f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ " \
                   f"BEGIN {upsert('now()')} RETURN NULL; END $$"
        statements = [function]
        statements += [f'CREATE TRIGGER "{postgresql_trigger(table)}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()' for table in tables]
    else:
        raise NotImplementedError(f"no data version triggers for {vendor}: caches would never see writes")
    statements.append(f"INSERT INTO {TABLE} (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
    for statement in statements:
        schema_editor.execute(statement, params=None)  # no parameters: the % in strftime's format stay as they are


def uninstall(apps, schema_editor):
    vendor, tables = schema_editor.connection.vendor, catalogue_tables(apps)
    if vendor == "sqlite":
        statements = [f'DROP TRIGGER IF EXISTS "{sqlite_trigger(table, event)}"'
                      for table in tables for event in SQLITE_EVENTS]
    elif vendor == "postgresql":
        statements = [f'DROP TRIGGER IF EXISTS "{postgresql_trigger(table)}" ON "{table}"' for table in tables]
        statements.append(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_planner_statistics")]

    operations = [migrations.RunPython(install, uninstall)]
