"""Shared fixtures: the bundled real LL2 data, loaded once per test database, request helpers, the console
script, a small history. Shared helpers and constants are in tests/helpers.py."""
import datetime as dt
import os
import subprocess
import sys

import orjson
import pytest

from spacedock import wsgi
from spacedock.api.caching import reset_caches
from spacedock.catalog import figures
from spacedock.ingest.importer import import_paths

from .helpers import DATA, DEV, PROD, at, call_wsgi, iso, make_docking, make_flight, make_spacecraft


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The bundled dataset in the test database; each test's changes are rolled back after it."""
    with django_db_blocker.unblock():
        import_paths(sorted(DATA.glob("*.json")))


@pytest.fixture(autouse=True)
def fresh_caches(settings):
    """The response cache is off unless a test turns it on (tests/test_caching.py), and nothing a test kept
    is seen by another: each test's writes are rolled back, so a data version number can come back with
    other data."""
    settings.SPACEDOCK_MAX_AGE = 0
    settings.ALLOWED_HOSTS = [PROD, DEV, "testserver", "localhost", "127.0.0.1"]  # LL2's hosts, as pages name them
    reset_caches()


@pytest.fixture
def api(db):
    """GET a path through the server's WSGI application as LL2's production host over HTTPS; returns
    (status, parsed JSON, response)."""

    def get(path, host=PROD, **extra):
        response = call_wsgi(wsgi.application, path, host=host, **extra)
        json = response.get("Content-Type", "").startswith("application/json")
        body = orjson.loads(response.content) if json and response.content else None
        return response.status_code, body, response

    return get


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Runs `python -m spacedock.cli ...` against its own migrated SQLite file; returns (run, db file)."""
    home = tmp_path_factory.mktemp("cli")
    database = home / "cli.sqlite3"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SPACEDOCK_VAR_DIR=str(home))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "spacedock.cli", *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=120)

    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return run, database


@pytest.fixture
def history(db, settings):
    """100001: a flight of 10 days (docked 8), then one on since day 20 (docked since day 21).
    100002: one flight of 17 days. 100003: no flights stored, figures as reported. Refreshed at day 25."""
    settings.SPACEDOCK_NOW = iso(at(25))
    make_spacecraft(100001)
    make_flight(100011, 100001, at(0), at(10))
    make_flight(100012, 100001, at(20))
    make_docking(100011, 100011, at(1), at(9))
    make_docking(100012, 100012, at(21))
    make_spacecraft(100002)
    make_flight(100021, 100002, at(-30), at(-13))
    make_spacecraft(100003, reported_in_space=True, reported_time_in_space=dt.timedelta(days=3),
                    reported_time_docked=dt.timedelta(0), reported_flights_count=1, reported_mission_ends_count=0)
    figures.refresh([100001, 100002, 100003])
    return settings
