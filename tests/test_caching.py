"""HTTP caching (`api.caching.CacheFirst`, the WSGI layer the server runs): Cache-Control, ETag and 304,
gzip, the response cache in local memory and Redis, and its invalidation by writes."""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import time

import orjson
import pytest

from spacedock import wsgi
from spacedock.api import caching
from spacedock.api.render.shared import SHARED
from spacedock.catalog import models as m
from spacedock.ingest.importer import import_paths

from .helpers import ONE_WINDOW, PROD, REDIS_URL, RedisServer, call_wsgi, clear_cache, skip_unless_redis

PAGE = "/2.3.0/spacecraft/?limit=5&format=json"
DETAIL = "/2.3.0/spacecraft/627/?format=json&mode=normal"


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def cached(request, settings, db):
    """The response cache on, with a max-age of 30 s, in local memory or in Redis."""
    if request.param == "redis":
        skip_unless_redis()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": REDIS_URL, "KEY_PREFIX": "spacedock-tests"}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "test-caching"}}
    settings.SPACEDOCK_MAX_AGE = 30
    settings.SPACEDOCK_NOW = ONE_WINDOW
    clear_cache()
    yield settings
    clear_cache()


def get(path=PAGE, **headers):
    # One request id for all: the rest of the headers of a stored response are compared as they were sent.
    return call_wsgi(wsgi.application, path, **{"HTTP_X_REQUEST_ID": "test-caching", **headers})


def test_cache_control_says_the_max_age(cached):
    response = get()
    assert response["Cache-Control"] == "max-age=30"
    assert response.has_header("ETag")


def test_a_repeated_url_is_answered_from_the_cache_without_django(cached, monkeypatch):
    first = get()
    monkeypatch.setattr(wsgi.django_application, "get_response", lambda request: pytest.fail("Django ran"))
    again = get("/2.3.0/spacecraft/?format=json&limit=5")  # same query, other key order
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert list(again.items()) == list(first.items())  # the same headers, Content-Length too, in the same order
    assert first.queries > 3 and again.queries == 1  # only the data version is read


def test_a_repeated_parameter_keeps_its_values_order_in_the_key(cached):
    """The key sorts parameters by name only: `ordering=id&ordering=-id` is not `ordering=-id&ordering=id`
    (DRF takes the last one), so neither may answer for the other."""
    first = get("/2.3.0/spacecraft/?limit=5&ordering=id&ordering=-id")
    other = get("/2.3.0/spacecraft/?ordering=-id&limit=5&ordering=id")
    same = get("/2.3.0/spacecraft/?ordering=id&limit=5&ordering=-id")
    assert first["ETag"] != other["ETag"] and first.content != other.content
    assert same["ETag"] == first["ETag"] and same.content == first.content and same.queries == 1


def test_hosts_and_formats_are_cached_apart(cached):
    ll = get()
    dev = get(host="lldev.thespacedevs.com")
    plain = get("/2.3.0/spacecraft/?limit=5")
    assert b"https://ll.thespacedevs.com/" in ll.content
    assert b"https://lldev.thespacedevs.com/" in dev.content and b"https://ll.thespacedevs.com/" not in dev.content
    assert b"?format=json" not in plain.content


def test_a_matching_if_none_match_is_304_without_django(cached, monkeypatch):
    """A revalidation costs one query (the data version): the ETag is known without the body."""
    first = get()
    monkeypatch.setattr(wsgi.django_application, "get_response", lambda request: pytest.fail("Django ran"))
    for sent in (first["ETag"], f'"other", W/{first["ETag"]}', f"W/{first['ETag']}"):
        not_modified = get(HTTP_IF_NONE_MATCH=sent)
        assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified.queries == 1
        # then what every response gets (ops.requests: X-Request-ID, CORS)
        assert list(not_modified.items())[:3] == [("ETag", sent.split(", ")[-1]), ("Vary", caching.VARY),
                                                  ("Cache-Control", "max-age=30")]
    clear_cache()  # another process, which never stored it, answers the same
    assert get(HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    monkeypatch.undo()
    other = get(HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.content == first.content


def test_304_without_the_cache_too(settings, db):
    settings.SPACEDOCK_MAX_AGE = 0
    first = get()
    assert first["Cache-Control"] == "max-age=0"
    assert get(HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.parametrize("max_age", [30, 0])
def test_other_conditional_headers_are_djangos(cached, max_age):
    """If-Match and If-Unmodified-Since are answered as Django's ConditionalGetMiddleware answers them, whether
    or not the response cache holds the page."""
    cached.SPACEDOCK_MAX_AGE = max_age
    first = get()
    assert get(HTTP_IF_MATCH='"something-else"').status_code == 412
    assert get(HTTP_IF_MATCH=first["ETag"]).status_code == 200
    # No Last-Modified: Django's middleware says the precondition fails.
    assert get(HTTP_IF_UNMODIFIED_SINCE="Sat, 01 Jan 2000 00:00:00 GMT").status_code == 412
    assert get(HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MATCH=first["ETag"]).status_code == 304


def test_gzip_only_for_clients_that_ask(cached):
    plain = get()
    for _ in range(2):  # stored compressed, served compressed
        packed = get(HTTP_ACCEPT_ENCODING="gzip, deflate")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert "Accept-Encoding" in packed["Vary"]
        assert packed["ETag"].startswith('W/"') and packed["ETag"] != "W/" + plain["ETag"]
    assert not plain.has_header("Content-Encoding")
    revalidated = get(HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert (revalidated.status_code, revalidated["ETag"], revalidated.queries) == (304, packed["ETag"], 1)


def test_an_import_is_visible_on_the_next_request(cached, tmp_path):
    before = get(DETAIL)
    record = orjson.loads(before.content)
    record["name"] = "Renamed by an import"
    path = tmp_path / "renamed.json"
    path.write_bytes(orjson.dumps(record))
    import_paths([path])
    after = get(DETAIL)
    assert orjson.loads(after.content)["name"] == "Renamed by an import"
    assert after.queries > 1 and after["ETag"] != before["ETag"]
    stale = get(DETAIL, HTTP_IF_NONE_MATCH=before["ETag"])
    assert stale.status_code == 200 and stale.content == after.content


def test_entries_expire_after_the_max_age(cached, settings):
    """An entry lives max-age seconds, and a new figures window is a new entry at once: a live figure in
    a cached response is never older than the max-age."""
    settings.SPACEDOCK_MAX_AGE = 2
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:34Z"  # pinned: the window does not move by itself
    first = get(DETAIL)
    assert get(DETAIL).queries == 1  # from the cache
    time.sleep(2.2)
    SHARED.clear()  # rendered shapes are kept for the window too: only the response cache is under test
    again = get(DETAIL)
    assert again.queries > 1 and again.content == first.content  # expired: rendered afresh, same moment
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:36Z"  # the next window
    later = get(DETAIL)
    assert later.queries > 1 and orjson.loads(later.content)["time_in_space"] == "P74DT59M4S"


def test_errors_and_other_methods_are_not_cached(cached):
    missing = get("/2.3.0/spacecraft/999999/")
    again = get("/2.3.0/spacecraft/999999/")
    assert missing.status_code == again.status_code == 404 and again.queries > 1
    assert get(method="POST").status_code == 405
    head = get(method="HEAD")
    assert head.status_code == 200 and head.content == b"" and head["Cache-Control"] == "max-age=30"


@pytest.mark.parametrize("case", ["host not allowed", "failure on the way", "not the API"])
def test_what_the_cache_cannot_identify_is_djangos_answer(cached, monkeypatch, case):
    kwargs = {}
    if case == "host not allowed":
        cached.ALLOWED_HOSTS = [PROD]
        kwargs["host"] = "elsewhere.example"
    elif case == "not the API":
        kwargs["path"] = "/static/rest_framework/css/bootstrap.min.css"
    else:
        monkeypatch.setattr(caching.changes, "current", lambda: 1 / 0)
    expected = call_wsgi(wsgi.django_application, **kwargs)
    assert call_wsgi(wsgi.application, **kwargs).status_code == expected.status_code
    assert expected.status_code == {"host not allowed": 400, "failure on the way": 500, "not the API": 200}[case]


@pytest.mark.redis
def test_processes_render_the_same_bytes_within_a_window(cached, settings):
    """Live figures are computed for the start of the max-age window: a process that renders the URL
    later in the window (here: cache and kept shapes emptied) gives the same bytes and ETag, so an
    ETag from one process is a 304 at another."""
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:31Z"  # window 01:13:30 - 01:14:00 (max-age 30)
    first = get(DETAIL)
    clear_cache()
    SHARED.clear()
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:59Z"
    second = get(DETAIL)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert orjson.loads(first.content)["time_in_space"] == "P74DT58M58S"  # net 00:14:32 to 01:13:30
    assert get(DETAIL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    settings.SPACEDOCK_NOW = "2026-07-24T01:14:00Z"  # the next window: new bytes, a new ETag, even from the cache
    later = get(DETAIL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert later.status_code == 200 and later["ETag"] != first["ETag"]
    assert orjson.loads(later.content)["time_in_space"] == "P74DT59M28S"
    assert get(DETAIL, HTTP_IF_NONE_MATCH=later["ETag"]).status_code == 304


@pytest.mark.redis
def test_redis_cache_is_shared_between_processes(cached):
    """App processes share one Redis: what one stored, another serves (here: this process with its kept
    shapes emptied), and the entry is there in Redis itself."""
    import redis

    if cached.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        pytest.skip("Redis only")
    first = get()
    SHARED.clear()
    second = get()
    assert second.content == first.content and second.queries == 1
    assert any(b"spacedock:response:" in key for key in redis.Redis.from_url(REDIS_URL).keys("spacedock-tests*"))


@pytest.mark.parametrize("name, value, message", [
    ("CACHE_URL", "memcached://x", "CACHE_URL='memcached://x': use locmem://, redis://host:port/db or dummy://"),
    ("SPACEDOCK_MAX_AGE", "soon", "SPACEDOCK_MAX_AGE='soon' is not a whole number of seconds"),
])
def test_bad_cache_settings_stop_start_up(name, value, message):
    env = dict(os.environ, **{name: value})
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and message in result.stderr


def test_counts_are_kept_per_data_version(api):
    """A count is reused until the data changes; a single save is a change too."""
    assert api("/2.3.0/spacecraft/?search=Zulu")[1]["count"] == 0
    m.Spacecraft.objects.create(id=100001, name="Zulu One", status_id=1, spacecraft_config_id=6)
    assert api("/2.3.0/spacecraft/?search=Zulu")[1]["count"] == 1


@pytest.mark.redis
def test_a_redis_outage_serves_uncached_and_recovers_by_itself(settings, db, tmp_path, caplog):
    """Redis stopped: every answer is still right, uncached, with one warning for the outage (not one per
    request); Redis back on the same address: answers are cached again, without a restart."""
    server = RedisServer(tmp_path).start()
    try:
        settings.SPACEDOCK_MAX_AGE = 30
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url,
                                       "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
        first = get()
        assert get().queries == 1  # cached
        server.stop()
        caching.RECENT.clear()  # this process's own last answers would spare asking Redis at all
        with caplog.at_level("WARNING", logger="spacedock.api.caching"):
            answers = [get() for _ in range(3)]
        assert all(a.status_code == 200 and a.content == first.content for a in answers)
        assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["response cache unavailable"]
        server.start()
        caching.RECENT.clear()
        caplog.clear()
        with caplog.at_level("WARNING", logger="spacedock.api.caching"):
            get()  # stored again
            assert get().queries == 1
        assert [r.getMessage() for r in caplog.records] == ["response cache answers again"]
    finally:
        server.stop()
        caching.OUTAGE.down = False


def test_a_process_keeps_its_last_answers_within_bounds(settings):
    """`caching.Recent`: a few entries and bytes at most, the oldest making room, none past its max age."""
    recent = caching.Recent(max_entries=3, max_bytes=250)
    for number in range(5):
        recent.keep(f"k{number}", (b"x" * 100, "200 OK", ()), 30)
    assert list(recent.entries) == ["k3", "k4"] and recent.size == 200  # 250 bytes hold two bodies of 100
    assert recent.get("k4") == (b"x" * 100, "200 OK", ()) and recent.get("k0") is None
    recent.keep("old", (b"y", "200 OK", ()), -1)  # expired at once
    assert recent.get("old") is None and "old" not in recent.entries and recent.size == 200


def test_an_identity_is_worked_out_once_per_url_version_and_window(db, settings, monkeypatch):
    """`identify` keeps what it worked out (`IDENTITIES`, bounded) by what an identity is made of: the same
    request gets the same object; the parameters in another order, the same ETag; a write, another."""
    settings.ALLOWED_HOSTS = [PROD]
    settings.SPACEDOCK_NOW = ONE_WINDOW  # its 30 s and 60 s windows start apart

    def environ(query):
        return {"REQUEST_METHOD": "GET", "PATH_INFO": "/2.3.0/spacecraft/", "QUERY_STRING": query,
                "HTTP_HOST": PROD, "wsgi.url_scheme": "https", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "443",
                "wsgi.input": io.BytesIO(b"")}

    caching.reset_caches()
    first = caching.identify(environ("limit=2&offset=4"), 30)
    assert caching.identify(environ("limit=2&offset=4"), 30) is first
    assert caching.identify(environ("offset=4&limit=2"), 30).etag == first.etag
    assert caching.identify(environ("limit=2&offset=4"), 60).etag != first.etag  # another window
    m.Spacecraft.objects.filter(pk=627).update(name="Renamed")
    assert caching.identify(environ("limit=2&offset=4"), 30).etag != first.etag  # another data version
    monkeypatch.setattr(caching, "MAX_IDENTITIES", 3)
    for offset in range(10):
        caching.identify(environ(f"limit=2&offset={offset}"), 30)
        assert len(caching.IDENTITIES) <= 3
