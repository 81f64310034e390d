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


# Any number that is Spacedock's: the advisory lock every catalogue writer takes on PostgreSQL.
WRITER_LOCK = 0x5DC0_0C4E


def one_writer_at_a_time(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Called first inside a writer's transaction: waits until no other writer (an import, a sync) is inside
    its own, so two writers queue instead of racing. Without it, two imports of the same new rows on
    PostgreSQL both read them as absent, and the second fails on the first's keys when it commits.

    PostgreSQL: a transaction-level advisory lock, released by the commit or rollback (or by the server when
    the writer dies). SQLite: nothing to do; its writers' transactions are IMMEDIATE (settings.py), so the
    second already waits at its `BEGIN`."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("one_writer_at_a_time() belongs inside the writer's transaction")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK])
