"""HTTP caching: Cache-Control, ETag and 304, gzip, and the response cache (local memory and Redis)
with its invalidation by writes."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time

import orjson
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spacedock.api.render.common import SHARED
from spacedock.catalog import models as m
from spacedock.ingest.importer import import_paths

from .conftest import DATA, PROD

PAGE = "/2.3.0/spacecraft/?limit=5&format=json"
REDIS_URL = os.environ.get("SPACEDOCK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:
        return False


def _skip_unless_redis():
    if not redis_answers():
        if os.environ.get("SPACEDOCK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_URL}, and SPACEDOCK_REQUIRE_SERVICES=1")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def cached(request, settings, db):
    """The response cache on, with a max-age of 30 s, in local memory or in Redis."""
    if request.param == "redis":
        _skip_unless_redis()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": REDIS_URL}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "test-caching"}}
    settings.SPACEDOCK_MAX_AGE = 30
    caches["default"].clear()
    yield settings
    caches["default"].clear()


def get(client, path=PAGE, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True, HTTP_HOST=PROD, **headers)
    return response, len(queries.captured_queries)


def test_cache_control_says_the_max_age(client, cached):
    response, _ = get(client)
    assert response["Cache-Control"] == "max-age=30"
    assert response.has_header("ETag")


def test_a_repeated_url_is_served_from_the_cache(client, cached):
    first, queries = get(client)
    again, cached_queries = get(client, "/2.3.0/spacecraft/?format=json&limit=5")  # same query, other key order
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert list(again.items()) == list(first.items())  # the same headers, Content-Length too, in the same order
    assert queries > 3 and cached_queries == 1  # only the data version is read


def test_a_repeated_parameter_keeps_its_values_order_in_the_key(client, cached):
    """The key sorts parameters by name only: `ordering=id&ordering=-id` is not `ordering=-id&ordering=id`
    (DRF takes the last one), so neither may answer for the other."""
    first, _ = get(client, "/2.3.0/spacecraft/?limit=5&ordering=id&ordering=-id")
    other, _ = get(client, "/2.3.0/spacecraft/?ordering=-id&limit=5&ordering=id")
    same, queries = get(client, "/2.3.0/spacecraft/?ordering=id&limit=5&ordering=-id")
    assert first["ETag"] != other["ETag"] and first.content != other.content
    assert same["ETag"] == first["ETag"] and same.content == first.content and queries == 1


def test_hosts_and_formats_are_cached_apart(client, cached):
    ll, _ = get(client)
    dev = client.get(PAGE, secure=True, HTTP_HOST="lldev.thespacedevs.com")
    plain, _ = get(client, "/2.3.0/spacecraft/?limit=5")
    assert b"https://ll.thespacedevs.com/" in ll.content
    assert b"https://lldev.thespacedevs.com/" in dev.content and b"https://ll.thespacedevs.com/" not in dev.content
    assert b"?format=json" not in plain.content


def test_if_none_match_gives_304(client, cached):
    """A revalidation costs one query (the data version): the ETag is known without the body."""
    first, _ = get(client)
    for _ in range(2):
        not_modified, queries = get(client, HTTP_IF_NONE_MATCH=first["ETag"])
        assert not_modified.status_code == 304 and not_modified.content == b"" and queries == 1
        assert not_modified["ETag"] == first["ETag"] and not_modified["Cache-Control"] == "max-age=30"
    caches["default"].clear()  # another process, which never stored it, answers the same
    assert get(client, HTTP_IF_NONE_MATCH=f'"other", {first["ETag"]}')[0].status_code == 304
    other, _ = get(client, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.content == first.content


def test_304_without_the_cache_too(client, settings, db):
    settings.SPACEDOCK_MAX_AGE = 0
    first, _ = get(client)
    assert first["Cache-Control"] == "max-age=0"
    again, _ = get(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("max_age", [30, 0])
def test_other_conditional_headers_are_djangos(client, cached, max_age):
    """If-Match and If-Unmodified-Since are answered as Django's ConditionalGetMiddleware answers them, whether
    or not the response cache has already checked If-None-Match or holds the page."""
    cached.SPACEDOCK_MAX_AGE = max_age
    first, _ = get(client)
    assert get(client, HTTP_IF_MATCH='"something-else"')[0].status_code == 412
    assert get(client, HTTP_IF_MATCH=first["ETag"])[0].status_code == 200
    # No Last-Modified: Django's middleware says the precondition fails.
    assert get(client, HTTP_IF_UNMODIFIED_SINCE="Sat, 01 Jan 2000 00:00:00 GMT")[0].status_code == 412
    assert get(client, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MATCH=first["ETag"])[0].status_code == 304


def test_gzip_only_for_clients_that_ask(client, cached):
    plain, _ = get(client)
    for _ in range(2):  # stored compressed, served compressed
        packed, _ = get(client, HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert "Accept-Encoding" in packed["Vary"]
        assert packed["ETag"].startswith('W/"') and packed["ETag"] != "W/" + plain["ETag"]
    assert not plain.has_header("Content-Encoding")
    revalidated, queries = get(client, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert (revalidated.status_code, revalidated["ETag"], queries) == (304, packed["ETag"], 1)


def test_an_import_is_visible_on_the_next_request(client, cached, tmp_path):
    before, _ = get(client, "/2.3.0/spacecraft/627/?format=json&mode=normal")
    record = orjson.loads(before.content)
    record["name"] = "Renamed by an import"
    path = tmp_path / "renamed.json"
    path.write_bytes(orjson.dumps(record))
    import_paths([path])
    after, queries = get(client, "/2.3.0/spacecraft/627/?format=json&mode=normal")
    assert orjson.loads(after.content)["name"] == "Renamed by an import"
    assert queries > 1 and after["ETag"] != before["ETag"]
    stale, _ = get(client, "/2.3.0/spacecraft/627/?format=json&mode=normal", HTTP_IF_NONE_MATCH=before["ETag"])
    assert stale.status_code == 200 and stale.content == after.content


def test_entries_expire_after_the_max_age(client, cached, settings):
    """An entry lives max-age seconds, and a new figures window is a new entry at once: a live figure in
    a cached response is never older than the max-age."""
    settings.SPACEDOCK_MAX_AGE = 2
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:34Z"  # pinned: the window does not move by itself
    url = "/2.3.0/spacecraft/627/?format=json&mode=normal"
    first, _ = get(client, url)
    assert get(client, url)[1] == 1  # from the cache
    time.sleep(2.2)
    SHARED.clear()  # rendered shapes are kept for the window too: only the response cache is under test
    again, queries = get(client, url)
    assert queries > 1 and again.content == first.content  # expired: rendered afresh, same moment
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:36Z"  # the next window
    later, queries = get(client, url)
    assert queries > 1 and orjson.loads(later.content)["time_in_space"] == "P74DT59M4S"


def test_errors_and_other_methods_are_not_cached(client, cached):
    missing, _ = get(client, "/2.3.0/spacecraft/999999/")
    again, queries = get(client, "/2.3.0/spacecraft/999999/")
    assert missing.status_code == again.status_code == 404 and queries > 1
    assert client.post("/2.3.0/spacecraft/", secure=True, HTTP_HOST=PROD).status_code == 405
    head = client.head(PAGE, secure=True, HTTP_HOST=PROD)
    assert head.status_code == 200 and head.content == b""


@pytest.mark.redis
def test_processes_render_the_same_bytes_within_a_window(client, cached, settings):
    """Live figures are computed for the start of the max-age window: a process that renders the URL
    later in the window (here: another client, cache emptied) gives the same bytes and ETag, so an
    ETag from one process is a 304 at another."""
    from django.test import Client

    settings.SPACEDOCK_NOW = "2026-07-24T01:13:31Z"  # window 01:13:30 - 01:14:00 (max-age 30)
    url = "/2.3.0/spacecraft/627/?format=json&mode=normal"
    first, _ = get(client, url)
    caches["default"].clear()
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:59Z"
    other = Client()
    second, _ = get(other, url)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert orjson.loads(first.content)["time_in_space"] == "P74DT58M58S"  # net 00:14:32 to 01:13:30
    assert get(other, url, HTTP_IF_NONE_MATCH=first["ETag"])[0].status_code == 304
    settings.SPACEDOCK_NOW = "2026-07-24T01:14:00Z"  # the next window: new bytes, a new ETag, even from the cache
    later, _ = get(other, url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert later.status_code == 200 and later["ETag"] != first["ETag"]
    assert orjson.loads(later.content)["time_in_space"] == "P74DT59M28S"
    assert get(other, url, HTTP_IF_NONE_MATCH=later["ETag"])[0].status_code == 304


def test_redis_cache_is_shared_between_processes(client, settings, db):
    """App processes share one Redis: what one stored, another serves (here a second client with its own
    handler and middleware), and the entry is there in Redis itself."""
    _skip_unless_redis()
    import redis
    from django.test import Client

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    settings.SPACEDOCK_MAX_AGE = 30
    caches["default"].clear()
    first, _ = get(client)
    second, queries = get(Client())
    assert second.content == first.content and queries == 1
    assert any(b"spacedock:response:" in key for key in redis.Redis.from_url(REDIS_URL).keys("*"))
    caches["default"].clear()


@pytest.mark.parametrize("name, value, message", [
    ("CACHE_URL", "memcached://x", "CACHE_URL='memcached://x': use locmem://, redis://host:port/db or dummy://"),
    ("SPACEDOCK_MAX_AGE", "soon", "SPACEDOCK_MAX_AGE='soon' is not a whole number of seconds"),
])
def test_bad_cache_settings_stop_start_up(name, value, message):
    env = dict(os.environ, **{name: value})
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and message in result.stderr


def test_data_version_is_bumped_by_every_import(db):
    from spacedock.catalog import changes

    before = changes.current()
    import_paths([DATA / "3-ll-spacecraft_configurations-detailed-all.json"])
    assert changes.current() == before + 1
    assert m.DataVersion.objects.count() == 1


def test_the_data_version_is_read_on_the_drivers_connection_unless_queries_are_logged(db, settings):
    """Read straight on sqlite3's or psycopg's connection (no query logged), it is the stored version, also
    within the transaction that bumped it; a test counting queries sees it as the one query it is."""
    from spacedock.catalog import changes

    settings.DEBUG = False
    stored = lambda: m.DataVersion.objects.get(pk=1).version  # noqa: E731
    assert changes.current() == stored()
    changes.bump()
    assert changes.current() == stored()
    with CaptureQueriesContext(connection) as queries:
        assert changes.current() == stored()
    assert len(queries) == 2 and changes.CURRENT_SQL in queries[0]["sql"]


def test_counts_are_kept_per_data_version(api):
    """A count is reused until the data changes; a single save is a change too."""
    assert api("/2.3.0/spacecraft/?search=Zulu")[1]["count"] == 0
    m.Spacecraft.objects.create(id=100001, name="Zulu One", status_id=1, spacecraft_config_id=6)
    assert api("/2.3.0/spacecraft/?search=Zulu")[1]["count"] == 1
