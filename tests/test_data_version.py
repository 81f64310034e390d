"""The data version is moved by the database (migration catalog 0009): every write to a catalogue table, by
whatever means and from whatever connection, moves it, and the next request sees the new data through every
layer of caching (see catalog/changes.py)."""
from __future__ import annotations

import copy
import datetime as dt
import io
import os
import sqlite3
import subprocess
import sys
from contextlib import closing, contextmanager

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from spacedock import wsgi
from spacedock.access.callers import InvalidToken, caller_of, policy
from spacedock.access.models import digest_of, new_key
from spacedock.catalog import changes, hot_reads, wal_watch
from spacedock.catalog import models as m
from spacedock.ingest.importer import import_paths

from .helpers import DATA, ONE_WINDOW, PROD

LIST, DETAIL = "/2.3.0/spacecraft/", "/2.3.0/spacecraft/{}/"
QUERY = "limit=100&mode=normal&format=json"


# --- every catalogue table has the triggers --------------------------------------------------------------
def catalogue_tables() -> list[str]:
    """The table of every model of the catalog app, as now (not as of the migration), but DataVersion's."""
    models = apps.get_app_config("catalog").get_models(include_auto_created=True)
    return sorted({model._meta.db_table for model in models if model._meta.managed and not model._meta.proxy
                   and model is not m.DataVersion})


def triggered_events(table: str) -> set[str]:
    """The statements on `table` that run a data version trigger after them: row by row on SQLite, once per
    statement on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            found = {name: sql.upper() for name, sql in cursor.fetchall()}
            return {event for event in ("INSERT", "UPDATE", "DELETE")
                    if f"AFTER {event} ON" in found.get(f"{table}_data_version_{event.lower()}", "")
                    and m.DataVersion._meta.db_table.upper() in found[f"{table}_data_version_{event.lower()}"]}
        cursor.execute("SELECT event_manipulation FROM information_schema.triggers WHERE event_object_table = %s "
                       "AND trigger_name = %s AND action_timing = 'AFTER' AND action_orientation = 'STATEMENT' "
                       "AND action_statement = 'EXECUTE FUNCTION catalog_data_version_bump()'",
                       [table, f"{table}_data_version"])
        return {row[0] for row in cursor.fetchall()}


def test_every_catalogue_table_moves_the_version(db):
    """A catalogue model whose table has no trigger (a new model, or a table SQLite rebuilt for an
    AlterField, which drops its triggers) needs a migration that installs them as catalog 0009 does."""
    tables = catalogue_tables()
    assert "catalog_spacecraft" in tables and "catalog_configurationfamily" in tables and len(tables) >= 20
    missing = {table: sorted({"INSERT", "UPDATE", "DELETE"} - triggered_events(table)) for table in tables}
    assert {table: events for table, events in missing.items() if events} == {}
    assert triggered_events(m.DataVersion._meta.db_table) == set()  # it would move itself
    assert m.DataVersion.objects.filter(pk=1).exists()


# --- writes through Django's connection -------------------------------------------------------------------
def moves(write) -> int:
    """How far `write()` moves the version, as read by `changes.current()`."""
    before = changes.current()
    write()
    return changes.current() - before


def new_spacecraft(*ids):
    return [m.Spacecraft(id=pk, name=f"Version test {pk}", status_id=1, spacecraft_config_id=6) for pk in ids]


def test_orm_bulk_writes_move_the_version(db):
    assert moves(lambda: m.Spacecraft.objects.bulk_create(new_spacecraft(900001, 900002))) > 0
    assert moves(lambda: m.Spacecraft.objects.filter(id__gte=900001).update(description="changed")) > 0
    assert moves(lambda: m.Spacecraft.objects.filter(id__gte=900001).delete()) > 0
    assert moves(lambda: m.Spacecraft.objects.bulk_update(
        [m.Spacecraft(id=627, name="Renamed in bulk")], ["name"])) > 0
    assert moves(lambda: m.SpacecraftStatus.objects.filter(pk=1).update(name="Lookup changed")) > 0
    assert moves(lambda: m.Spacecraft.objects.create(id=900003, name="One save", status_id=1,
                                                     spacecraft_config_id=6)) > 0


def test_raw_sql_moves_the_version_and_sets_when(db):
    with connection.cursor() as cursor:
        assert moves(lambda: cursor.execute("UPDATE catalog_spacecraft SET description = 'raw' WHERE id = 627")) > 0
    changed_at = m.DataVersion.objects.get(pk=1).changed_at
    assert changed_at is not None and abs(changed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_reads_and_a_rolled_back_write_do_not_move_it(db):
    before = changes.current()
    list(m.Spacecraft.objects.all())
    with transaction.atomic():
        m.Spacecraft.objects.filter(pk=627).update(name="Never seen")
        assert changes.current() > before  # the writing transaction sees its own version
        transaction.set_rollback(True)
    assert changes.current() == before


def test_the_version_is_one_query_through_djangos_cursor(db):
    with CaptureQueriesContext(connection) as queries:
        version = changes.current()
    assert version == m.DataVersion.objects.get(pk=1).version
    assert [query["sql"] for query in queries.captured_queries] == [changes.CURRENT_SQL]


# --- writes from another connection, seen by the next request ----------------------------------------------
def raw_connection(settings_dict, name=None):
    """A DB-API connection of its own (autocommit), outside Django, to `name` or the settings' database."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return sqlite3.connect(settings_dict["NAME"], isolation_level=None)
    import psycopg

    params = {"host": settings_dict["HOST"], "port": settings_dict["PORT"], "user": settings_dict["USER"],
              "password": settings_dict["PASSWORD"], "dbname": name or settings_dict["NAME"]}
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


@contextmanager
def default_database(settings_dict):
    """Django's default connection to another database for a while (the test database's is kept aside, as is)."""
    kept = connections[DEFAULT_DB_ALIAS]
    other = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = other
    try:
        yield other
    finally:
        other.close()
        connections[DEFAULT_DB_ALIAS] = kept


@pytest.fixture(scope="module")
def separate_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """A database of these tests' own, migrated and holding the bundled data, that other connections can
    write to while no test transaction is open: the test database is SQLite in memory (other connections
    would wait on the test's transaction) or held in a transaction, and `transaction=True` would empty it
    for the tests after. A file on SQLite; `<test database>_data_version` on PostgreSQL."""
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    postgres = settings_dict["ENGINE"].endswith("postgresql")
    if postgres:
        settings_dict["NAME"] = name = f"{settings_dict['NAME']}_data_version"
        with closing(raw_connection(settings_dict, "postgres")) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}"')
    else:
        settings_dict["NAME"] = str(tmp_path_factory.mktemp("data_version") / "spacedock.sqlite3")
    with django_db_blocker.unblock(), default_database(settings_dict):
        call_command("migrate", verbosity=0, stdout=io.StringIO())
        import_paths(sorted(DATA.glob("*.json")))
    yield settings_dict
    if postgres:
        with closing(raw_connection(settings_dict, "postgres")) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def served(separate_database, django_db_blocker, settings):
    """Requests served from the separate database, with the response cache on (local memory, max-age 60)."""
    settings.SPACEDOCK_MAX_AGE = 60
    settings.SPACEDOCK_NOW = ONE_WINDOW
    settings.ALLOWED_HOSTS = [PROD]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-data-version"}}
    caches["default"].clear()
    with django_db_blocker.unblock(), default_database(separate_database), \
            closing(raw_connection(separate_database)) as other:
        yield other
    caches["default"].clear()


def call(path, query=QUERY, **headers):
    """GET through the WSGI application gunicorn serves (the response cache, then Django)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "443", "HTTP_HOST": PROD, "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""),
               "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1", **headers}
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    result = wsgi.application(environ, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()
    return answer["status"].split()[0], answer["headers"].get("ETag"), body


def cached(path):
    """The page, asked twice: the second answer comes from the response cache, the same bytes."""
    first = call(path)
    assert first[0] == "200" and call(path) == first
    assert call(path, HTTP_IF_NONE_MATCH=first[1])[:2] == ("304", first[1])
    return first


def test_an_update_from_another_connection_is_seen_at_once(served):
    page, detail = cached(LIST), cached(DETAIL.format(627))
    version = changes.current()
    served.execute("UPDATE catalog_spacecraft SET name = 'Renamed elsewhere' WHERE id = 627")
    assert changes.current() > version
    for path, before in ((LIST, page), (DETAIL.format(627), detail)):
        status, etag, body = call(path)
        assert status == "200" and etag != before[1] and body != before[2] and b"Renamed elsewhere" in body
        assert call(path, HTTP_IF_NONE_MATCH=before[1]) == (status, etag, body)  # not a 304: new bytes
        assert call(path, HTTP_IF_NONE_MATCH=etag)[:2] == ("304", etag)


def test_a_delete_from_another_connection_is_seen_at_once(served):
    gone = m.Spacecraft.objects.filter(flights=None).order_by("id").values_list("id", flat=True).first()
    page, detail = cached(LIST), cached(DETAIL.format(gone))
    served.execute(f"DELETE FROM catalog_spacecraft WHERE id = {int(gone)}")
    status, etag, body = call(LIST)
    assert status == "200" and etag != page[1] and body != page[2]
    assert f'"id":{gone},'.encode() in page[2] and f'"id":{gone},'.encode() not in body
    assert call(LIST, HTTP_IF_NONE_MATCH=page[1]) == (status, etag, body)
    assert call(DETAIL.format(gone))[0] == "404"
    assert call(DETAIL.format(gone), HTTP_IF_NONE_MATCH=detail[1])[0] == "404"


def test_a_write_to_a_related_table_from_another_connection_is_seen_at_once(served):
    """Not only the spacecraft table: the configuration a spacecraft page embeds."""
    config = m.Spacecraft.objects.get(pk=627).spacecraft_config_id
    detail = cached(DETAIL.format(627))
    served.execute(f"UPDATE catalog_spacecraftconfiguration SET name = 'Configuration renamed' WHERE id = {config}")
    status, etag, body = call(DETAIL.format(627), HTTP_IF_NONE_MATCH=detail[1])
    assert status == "200" and etag != detail[1] and b"Configuration renamed" in body


def test_the_kept_cursor_follows_the_connection(db):
    """`current()` keeps a cursor of the driver's between requests; one that fails (its connection closed
    since, at its max age or after an error) is replaced by the next read, which goes through Django."""
    before = changes.current()
    kept = hot_reads._kept.cursor
    assert changes.current() == before and hot_reads._kept.cursor is kept
    kept.close()  # as if its connection had been closed
    m.DataVersion.objects.filter(pk=1).update(version=before + 5)
    assert changes.current() == before + 5 and hot_reads._kept.cursor is not kept
    with CaptureQueriesContext(connection) as queries:  # a test counting queries counts this one too
        assert changes.current() == before + 5
    assert len(queries.captured_queries) == 1


# --- SQLite in WAL mode: the version is read again only after a commit ---------------------------------------
@contextmanager
def version_reads(table="catalog_dataversion"):
    """The reads of `table` the kept connection makes meanwhile (sqlite3's trace of its statements)."""
    raw = hot_reads._kept.raw
    reads: list[str] = []
    raw.set_trace_callback(lambda sql: reads.append(sql) if table in sql else None)
    try:
        yield reads
    finally:
        raw.set_trace_callback(None)


def test_no_commit_no_read_and_any_commit_is_seen(served):
    if connection.vendor != "sqlite":
        pytest.skip("the WAL watch is SQLite's")
    first = cached(LIST)
    changes.current()
    assert hot_reads.commit_stamp() is not None  # a file database in WAL mode, a kept connection: watched
    with version_reads() as reads:
        assert cached(LIST) == first and changes.current() == changes.current()
    assert reads == []  # nothing committed: the version is not read again
    version = changes.current()
    with version_reads() as reads:
        served.execute("UPDATE catalog_spacecraft SET name = 'Seen through the watch' WHERE id = 627")
        assert changes.current() > version
        assert changes.current() == changes.current()
    assert len(reads) == 1  # read once after the commit, then known again
    status, _, body = call(LIST)
    assert status == "200" and body != first[2] and b"Seen through the watch" in body


def test_a_write_after_the_log_restarts_is_seen(served):
    """A checkpoint that empties the WAL, then a write: the log starts again from its first frame (new
    salts), and the header still differs from the one seen before."""
    if connection.vendor != "sqlite":
        pytest.skip("the WAL watch is SQLite's")
    version = changes.current()
    served.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert changes.current() == version
    served.execute("UPDATE catalog_spacecraft SET name = 'After a restart of the log' WHERE id = 627")
    assert changes.current() > version


def test_a_transactions_own_writes_are_read_not_watched(served):
    if connection.vendor != "sqlite":
        pytest.skip("the WAL watch is SQLite's")
    before = changes.current()
    with transaction.atomic():
        m.Spacecraft.objects.filter(pk=627).update(name="Inside a transaction")
        assert hot_reads.commit_stamp() is None
        assert changes.current() > before  # not in the header until committed, yet this transaction's
        transaction.set_rollback(True)
    assert changes.current() == before


def test_a_header_being_rewritten_or_not_yet_written_is_not_trusted(tmp_path):
    shm = tmp_path / "db.sqlite3-shm"
    header = bytearray(48)
    header[wal_watch.IS_INIT] = 1
    shm.write_bytes(bytes(header) * 2 + bytes(32768 - 96))
    watch = wal_watch.WalWatch(str(tmp_path / "db.sqlite3"))
    assert watch.stamp() == bytes(header)
    with open(shm, "r+b") as file:  # the first copy changed, the second not yet: caught mid-write
        file.write(b"\x01")
    assert watch.stamp() is None
    shm.write_bytes(bytes(96 + 32768 - 96))  # never written by SQLite
    assert watch.stamp() is None
    assert not watch.release()  # the file is there: nothing closed
    shm.unlink()
    assert watch.release() and watch.stamp() is None


# Run in another process: who holds a lock on the WAL index's DMS byte (SQLite's claim that a connection of
# that process uses it), as `fcntl(F_GETLK)` tells; 0 for nobody.
LOCK_PROBE = """
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
asked = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0)
kind, _, _, _, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, asked))
print(0 if kind == fcntl.F_UNLCK else pid)
"""


def holder_of_wal_index(path: str) -> int:
    probe = subprocess.run([sys.executable, "-c", LOCK_PROBE, f"{path}-shm"], capture_output=True, text=True,
                           check=True, timeout=60)
    return int(probe.stdout)


def test_watching_keeps_sqlites_locks_on_the_wal_index(tmp_path):
    """Closing a descriptor of a file drops every POSIX lock the process holds on it: a watch that did so would
    leave its connection unclaimed, and another process's first connection would rebuild the WAL index under
    it (a worker was killed by SIGBUS that way). The claim stays, through a second watch and a reconnection."""
    path = str(tmp_path / "db.sqlite3")
    first = sqlite3.connect(path)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("CREATE TABLE t (x)")
    first.commit()
    assert holder_of_wal_index(path) == os.getpid()
    watch = wal_watch.watch_for(first, path)
    assert holder_of_wal_index(path) == os.getpid()
    second = sqlite3.connect(path)
    second.execute("SELECT * FROM t").fetchall()
    assert wal_watch.watch_for(second, path) is watch  # one descriptor per file, shared
    first.close()
    assert holder_of_wal_index(path) == os.getpid()


def test_a_new_wal_index_gets_a_new_watch_and_the_old_one_is_released(tmp_path):
    """SQLite deletes the WAL index with the last connection and makes a new one with the next: the old watch's
    descriptor is then closed (no lock to lose) and the new file watched."""
    path = str(tmp_path / "db.sqlite3")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    old = wal_watch.watch_for(db, path)
    db.close()
    assert not os.path.exists(f"{path}-shm")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    new = wal_watch.watch_for(db, path)
    assert new is not old and new.stamp() is not None and old.stamp() is None
    assert holder_of_wal_index(path) == os.getpid()


def test_nothing_to_watch_in_memory_or_without_wal(tmp_path):
    assert wal_watch.watch_for(sqlite3.connect(":memory:"), ":memory:") is None
    path = str(tmp_path / "rollback-journal.sqlite3")
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE t (x)")
    assert wal_watch.watch_for(plain, path) is None
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("INSERT INTO t VALUES (1)")
    assert wal_watch.watch_for(plain, path) is not None


def test_a_key_made_or_revoked_from_another_connection_counts_at_once(served):
    """API keys are read through the same kept connection: given again until a commit, to any table."""
    if connection.vendor != "sqlite":
        pytest.skip("the WAL watch is SQLite's")
    key = new_key()
    environ, rules = {"HTTP_AUTHORIZATION": f"Token {key}", "REMOTE_ADDR": "127.0.0.1"}, policy("", "", "")
    changes.current()
    with pytest.raises(InvalidToken):
        caller_of(environ, rules)
    served.execute("INSERT INTO access_apikey (name, prefix, digest, rate, created) "
                   "VALUES ('made elsewhere', ?, ?, '', CURRENT_TIMESTAMP)", (key[:6], digest_of(key)))
    with version_reads("access_apikey") as reads:
        assert caller_of(environ, rules).ident == caller_of(environ, rules).ident == "made elsewhere"
    assert len(reads) == 1  # read after the commit, then given again
    served.execute("UPDATE access_apikey SET revoked_at = CURRENT_TIMESTAMP WHERE digest = ?", (digest_of(key),))
    with pytest.raises(InvalidToken):
        caller_of(environ, rules)
    served.execute("DELETE FROM access_apikey WHERE digest = ?", (digest_of(key),))
