"""Writers, as separate `spacedock` processes on a database of the test's own, on SQLite and (in the
PostgreSQL run of the suite) on PostgreSQL:

- two imports at once both succeed: the second waits for the first, no traceback;
- `kill -9` of an import half-way through its writes leaves every catalogue row exactly as before.
"""
import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import dj_database_url
import orjson
import psycopg
import pytest

from .helpers import DATA, PAGE_1

DATABASES = ["sqlite", "postgresql"]
COMMAND = [sys.executable, "-m", "spacedock.cli"]


class Database:
    """A fresh database for the commands to write to, and a way to read it back without Django."""

    def __init__(self, kind: str, folder):
        self.kind, self.folder = kind, folder
        if kind == "sqlite":
            if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
                pytest.skip("SQLite: in the suite's SQLite run")
            self.file = folder / "writers.sqlite3"
            self.url = f"sqlite:///{self.file}"
            return
        server = os.environ.get("DATABASE_URL", "")
        if not server.startswith(("postgres://", "postgresql://")):
            pytest.skip("PostgreSQL: in the suite's PostgreSQL run (DATABASE_URL names a PostgreSQL server)")
        self.server = dj_database_url.parse(server)
        self.name = f"spacedock_writers_{uuid.uuid4().hex[:10]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = server.rsplit("/", 1)[0] + "/" + self.name

    def _connect(self, dbname):
        s = self.server
        return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                               password=s["PASSWORD"] or None, dbname=dbname, autocommit=True)

    def _admin(self):
        return self._connect("postgres")

    def drop(self):
        if self.kind == "postgresql":
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def env(self):
        env = dict(os.environ, DATABASE_URL=self.url, SPACEDOCK_VAR_DIR=str(self.folder))
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        return env

    def run(self, *args):
        done = subprocess.run([*COMMAND, *map(str, args)], env=self.env(), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    def query(self, sql):
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.file)) as db:
                return db.execute(sql).fetchall()
        with self._connect(self.name) as db:
            return db.execute(sql).fetchall()

    def checksum(self) -> dict:
        """Per catalogue table: its row count and a hash of its rows in id order."""
        tables = [row[0] for row in self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'catalog_%'" if self.kind == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'catalog_%'")]
        assert len(tables) > 10
        sums = {}
        for table in sorted(tables):
            rows = self.query(f'SELECT * FROM "{table}" ORDER BY 1')
            sums[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return sums

    def writing(self) -> bool:
        """Whether an import has begun to write (and not committed)."""
        if self.kind == "sqlite":  # its transaction holds the write lock from its start (IMMEDIATE)
            with contextlib.closing(sqlite3.connect(self.file, timeout=0, isolation_level=None)) as db:
                try:
                    db.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError:  # database is locked
                    return True
                db.execute("ROLLBACK")
                return False
        return bool(self.query(f"SELECT 1 FROM pg_stat_activity WHERE datname = '{self.name}' "
                               f"AND backend_xid IS NOT NULL")[0:1])


@pytest.fixture(params=DATABASES)
def database(request, tmp_path):
    db = Database(request.param, tmp_path)
    try:
        db.run("migrate", "--noinput")
        yield db
    finally:
        db.drop()


def bulk_spacecraft(path, count: int):
    """`count` new spacecraft (ids from 3,000,000) as one LL2 list: an import that writes for seconds."""
    record = orjson.loads(PAGE_1.read_bytes())["results"][0]
    records = []
    for i in range(count):
        pk = 3_000_000 + i
        records.append({**record, "id": pk, "name": f"Bulk {i}",
                        "url": record["url"].replace(f"/{record['id']}/", f"/{pk}/")})
    path.write_bytes(orjson.dumps(records))
    return path


def test_two_imports_at_once_both_succeed(database):
    files = [str(path) for path in sorted(DATA.glob("*.json"))]
    writers = [subprocess.Popen([*COMMAND, "import", *files], env=database.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(writer.wait(timeout=300), *writer.communicate()) for writer in writers]
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err and "locked" not in err, err
    counts = {table: count for table, (count, _) in database.checksum().items() if "_fts" not in table}
    assert counts["catalog_spacecraft"] > 0 and counts["catalog_spacecraftconfiguration"] > 0
    database.run("import", *files)  # the same data again adds nothing: the two imports wrote all of it, once
    assert {table: count for table, (count, _) in database.checksum().items() if "_fts" not in table} == counts


def test_kill_9_during_an_import_leaves_the_data_as_it_was(database, tmp_path):
    database.run("import", *sorted(DATA.glob("*.json")))
    before = database.checksum()
    big = bulk_spacecraft(tmp_path / "bulk.json", 3000)
    writer = subprocess.Popen([*COMMAND, "import", str(big)], env=database.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not database.writing():
            assert writer.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline, "the import was never seen writing"
            time.sleep(0.05)
        time.sleep(1.0)  # into its writes: the 3,000 rows take several seconds
        assert writer.poll() is None and database.writing(), "the import ended before it could be killed"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    if database.kind == "postgresql":  # the server ends the killed client's session and rolls it back
        deadline = time.monotonic() + 30
        while database.writing() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert database.checksum() == before
    assert not database.query("SELECT 1 FROM catalog_spacecraft WHERE id >= 3000000")
