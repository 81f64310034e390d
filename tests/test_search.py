"""`search=` on spacecraft goes through a trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) and
means exactly what DRF's search means: every term, case-insensitively, in the name or the
configuration's name."""
import pytest
from django.db import connection

from spacedock.catalog import models as m
from spacedock.catalog.search import FTS_TABLE


def ids(api, query):
    status, body, _ = api(f"/2.3.0/spacecraft/?limit=100&{query}")
    assert status == 200, body
    return {row["id"] for row in body["results"]}


def scanned(term):
    """What DRF's SearchFilter would find: a plain scan of both fields."""
    from django.db.models import Q

    return set(m.Spacecraft.objects.filter(Q(name__icontains=term) | Q(spacecraft_config__name__icontains=term))
               .values_list("pk", flat=True))


@pytest.mark.parametrize("term", ["Soyuz", "sOYUZ", "MS-2", "ms", "z", "Dragon", "Crew Dragon", "Tianzhou-10",
                                  "50%", "a_b", "back\\slash", "Shenzhou 2", 'Quote"d', "OR", "NEAR(a b)", "ya*",
                                  "-28", "(No"])
def test_index_finds_what_a_scan_finds(api, term):
    expected = set.intersection(*(scanned(word) for word in term.split()))
    assert ids(api, f"search={term.replace('%', '%25').replace(' ', '%20')}") == expected


def test_index_follows_inserts_renames_and_deletes(api):
    m.Spacecraft.objects.create(id=100001, name="Zulu Quokka", status_id=1, spacecraft_config_id=6)
    assert ids(api, "search=quokka") == {100001}
    m.Spacecraft.objects.filter(pk=100001).update(name="Zulu Wombat")
    assert ids(api, "search=quokka") == set() and ids(api, "search=wombat") == {100001}
    m.Spacecraft.objects.filter(pk=100001).delete()
    assert ids(api, "search=wombat") == set()


def test_the_index_is_used(db):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT rowid FROM {FTS_TABLE} WHERE name MATCH '\"soyuz\"'")
            assert "VIRTUAL TABLE INDEX" in " ".join(str(row) for row in cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_spacecraft_name_trgm'")
            assert "gin_trgm_ops" in cursor.fetchone()[0]


def test_postgresql_runs_without_jit(db):
    """PostgreSQL's JIT compiled the figures' CASE expressions for hundreds of milliseconds: off."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
