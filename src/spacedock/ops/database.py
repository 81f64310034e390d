"""What every `spacedock` command that reads or writes the catalogue does first: a database ready to use."""
from pathlib import Path

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def ensure_migrated(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Create the SQLite file's folder if missing, then apply the migrations not yet applied (as `migrate`
    does, quietly); returns whether any were. On a database already up to date this only reads the list of
    applied migrations, so it is cheap and safe against a server reading the same database."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    return True
