"""Shared fixtures: the bundled real LL2 data, loaded once per test database, and request helpers."""
from pathlib import Path

import orjson
import pytest
from django.db import connection

from spacedock.api.pagination import COUNTS
from spacedock.api.render.common import SHARED
from spacedock.ingest.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
PROD = "ll.thespacedevs.com"
DEV = "lldev.thespacedevs.com"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The bundled dataset in the test database; each test's changes are rolled back after it."""
    with django_db_blocker.unblock():
        import_paths(sorted(DATA.glob("*.json")))


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    """Tests change rows with the ORM, which bumps no data version: the response cache is off unless a
    test (tests/test_caching.py) turns it on."""
    settings.SPACEDOCK_MAX_AGE = 0
    SHARED.clear()  # rendered shapes and counts kept per data version: no test sees another's
    COUNTS.__init__()


@pytest.fixture
def api(client, db):
    """GET a path as LL2's production host over HTTPS; returns (status, parsed JSON, response)."""

    def get(path, host=PROD, **extra):
        response = client.get(path, secure=True, HTTP_HOST=host, **extra)
        json = response.get("Content-Type", "").startswith("application/json")
        body = orjson.loads(response.content) if json and response.content else None
        return response.status_code, body, response

    return get


def is_postgres():
    return connection.vendor == "postgresql"
