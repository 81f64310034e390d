"""Rate limits and `/2.3.0/api-throttle/`, through the server's whole WSGI stack (`spacedock.wsgi`): off by
default; per client address (behind trusted proxies only) and per key; DRF's 429 and LL2's schema;
counted before the response cache, so cache hits and 304s count too; a counters' outage serves
unthrottled; the counters in Redis; bad settings stop start-up in one line."""
import logging
import os
import subprocess
import sys

import orjson
import pytest
from django.core.cache import caches

from spacedock import wsgi
from spacedock.access.callers import Caller
from spacedock.access.models import ApiKey, new_key
from spacedock.access.rates import Rate, parse_rate
from spacedock.access.throttle import COUNTERS, Counters, window

from .helpers import ONE_WINDOW, PROD, REDIS_URL, call_wsgi, skip_unless_redis, spare_port, validate

PAGE = "/2.3.0/spacecraft/?limit=2"
THROTTLE = "/2.3.0/api-throttle/"


NOW = 5_000_000.5  # the counters' clock in these tests: a window never ends in the middle of one


@pytest.fixture(autouse=True)
def counters(settings, monkeypatch):
    """Throttling off (the default), no counts left over from another test, and the clocks still: the
    counters', and the responses' (a cached answer stays one until a test moves on)."""
    settings.SPACEDOCK_ANON_RATE = settings.SPACEDOCK_KEY_RATE = settings.SPACEDOCK_TRUSTED_PROXIES = ""
    settings.SPACEDOCK_NOW = ONE_WINDOW
    monkeypatch.setattr(COUNTERS, "clock", lambda: NOW)
    caches["throttle"].clear()


def get(path=PAGE, address="127.0.0.1", **headers):
    return call_wsgi(wsgi.application, path, REMOTE_ADDR=address, **headers)


def standing(address="127.0.0.1", **headers) -> dict:
    response = get(THROTTLE, address, **headers)
    assert response.status_code == 200, response.content
    body = orjson.loads(response.content)
    assert isinstance(body, list) and len(body) == 1, body
    validate(body[0], "APIThrottle")
    return body[0]


def make_key(name="client", rate="") -> str:
    key = new_key()
    record = ApiKey(name=name, rate=rate)
    record.set_key(key)
    record.save()
    return key


def test_off_by_default_nothing_is_counted_and_api_throttle_says_no_limit(db):
    for _ in range(30):
        assert get().status_code == 200
    # Throttling off: limit 0 and period 0 mean "no limit"; nothing is counted, nothing to wait for.
    assert standing() == {"your_request_limit": 0, "limit_frequency_secs": 0, "current_use": 0,
                          "next_use_secs": 0, "ident": "127.0.0.1"}
    response = get(THROTTLE)
    assert response["Cache-Control"] == "no-store" and "ETag" not in response


def test_off_costs_no_query_and_touches_no_counter(db, settings):
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                       "LOCATION": f"redis://127.0.0.1:{spare_port()}/0"}}
    assert get().status_code == 200  # the dead counters are never asked
    gate = wsgi.application.application
    assert type(gate).__name__ == "Gate"
    without_gate = call_wsgi(gate.application, PAGE)
    assert get().queries == without_gate.queries  # no key, no rate: no look-up


def test_an_address_is_limited_and_answered_as_drf_does(db, settings):
    settings.SPACEDOCK_ANON_RATE = "3/hour"
    assert [get().status_code for _ in range(3)] == [200, 200, 200]
    over = get()
    assert over.status_code == 429
    wait = int(over["Retry-After"])
    assert 1 <= wait <= 3600
    assert over.content == (b'{"detail":"Request was throttled. Expected available in %d second%s."}'
                            % (wait, b"" if wait == 1 else b"s"))
    assert over["Content-Type"] == "application/json"
    # /api-throttle/ is not counted: asked twice, it says the same, LL2's exhausted shape.
    assert standing() == standing() == {"your_request_limit": 3, "limit_frequency_secs": 3600, "current_use": 3,
                                        "next_use_secs": standing()["next_use_secs"], "ident": "127.0.0.1"}
    assert 0 < standing()["next_use_secs"] <= wait
    # Another address has its own count; paths outside the API are never limited.
    assert get(address="192.0.2.7").status_code == 200
    assert standing("192.0.2.7")["current_use"] == 1
    assert call_wsgi(wsgi.application, "/health/").status_code == 200


def test_errors_cache_hits_and_304s_count_too(db, settings):
    settings.SPACEDOCK_ANON_RATE = "4/min"
    settings.SPACEDOCK_MAX_AGE = 60
    first = get()
    assert first.status_code == 200
    assert get().status_code == 200  # a cache hit, answered before Django
    assert get(HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert get("/2.3.0/spacecraft/?in_space=maybe").status_code == 400
    assert standing()["current_use"] == 4
    assert get(HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 429
    assert get().status_code == 429


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(db, settings):
    settings.SPACEDOCK_ANON_RATE = "2/hour"
    spoofed = {"HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    assert [get(**spoofed).status_code for _ in range(3)] == [200, 200, 429]  # counted as 127.0.0.1
    assert standing(**spoofed)["ident"] == "127.0.0.1"
    settings.SPACEDOCK_TRUSTED_PROXIES = "127.0.0.1"
    for client in ("203.0.113.1", "203.0.113.2"):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"10.9.9.9, {client}"}  # the proxy appended the client
        assert [get(**forwarded).status_code for _ in range(3)] == [200, 200, 429]
        assert standing(**forwarded)["ident"] == client


def test_a_key_has_its_own_rate_else_the_default_key_rate(db, settings):
    settings.SPACEDOCK_ANON_RATE = "1/hour"
    settings.SPACEDOCK_KEY_RATE = "3/hour"
    default, own = make_key("default"), make_key("own", rate="5/min")
    assert [get(HTTP_AUTHORIZATION=f"Token {default}").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [get(HTTP_AUTHORIZATION=f"token {own}").status_code for _ in range(6)] == [200] * 5 + [429]
    assert get().status_code == 200  # keyed requests did not use the address's one request
    assert get().status_code == 429
    assert standing(HTTP_AUTHORIZATION=f"Token {own}") == {
        "your_request_limit": 5, "limit_frequency_secs": 60, "current_use": 5,
        "next_use_secs": standing(HTTP_AUTHORIZATION=f"Token {own}")["next_use_secs"], "ident": "own"}
    # Another scheme is not a key (DRF leaves it to other authenticators): the address is counted.
    assert get(HTTP_AUTHORIZATION=f"Bearer {own}").status_code == 429


def test_a_key_without_any_rate_is_unlimited(db, settings):
    settings.SPACEDOCK_ANON_RATE = "1/hour"
    key = make_key()
    assert {get(HTTP_AUTHORIZATION=f"Token {key}").status_code for _ in range(5)} == {200}
    assert standing(HTTP_AUTHORIZATION=f"Token {key}")["your_request_limit"] == 0


@pytest.mark.parametrize("header, detail", [
    ("Token 0123456789abcdef0123456789abcdef01234567", "Invalid token."),
    ("Token", "Invalid token header. No credentials provided."),
    ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ("Token \xc3\x28", "Invalid token header. Token string should not contain invalid characters."),
])
@pytest.mark.parametrize("path", [PAGE, THROTTLE, "/2.3.0/nowhere/"])
def test_a_bad_key_is_drfs_401_even_with_throttling_off(db, settings, header, detail, path):
    settings.SPACEDOCK_MAX_AGE = 60
    get(path)  # a cached answer waiting
    response = get(path, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.content == orjson.dumps({"detail": detail})
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_key_is_refused_on_its_next_request(db):
    key = make_key()
    assert get(HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    ApiKey.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert get(HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_key_costs_one_query_and_counters_none(db, settings):
    settings.SPACEDOCK_MAX_AGE = 60
    key = make_key()
    get()
    hit = get()
    assert hit.queries == 1  # the data version
    assert get(HTTP_AUTHORIZATION=f"Token {key}").queries == 2
    settings.SPACEDOCK_ANON_RATE = settings.SPACEDOCK_KEY_RATE = "100/hour"
    assert get().queries == 1 and get(HTTP_AUTHORIZATION=f"Token {key}").queries == 2


def test_counters_down_serve_unthrottled_with_one_warning(db, settings, caplog):
    settings.SPACEDOCK_ANON_RATE = "1/hour"
    dead = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{spare_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    settings.CACHES = {**settings.CACHES, "throttle": dead}
    with caplog.at_level(logging.WARNING, logger="spacedock.access"):
        assert [get().status_code for _ in range(3)] == [200, 200, 200]
        assert standing()["current_use"] == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "spacedock.access"]
    assert len(warnings) == 1 and warnings[0].startswith("rate limit counters unavailable"), warnings
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                       "LOCATION": "h14-test"}}
    with caplog.at_level(logging.WARNING, logger="spacedock.access"):
        assert [get().status_code for _ in range(2)] == [200, 429]
    assert "rate limit counters answer again" in caplog.text


def test_windows_are_fixed_per_caller_and_counted_exactly():
    counters = Counters()
    caches["throttle"].clear()
    caller = Caller("192.0.2.1", "ip:192.0.2.1", Rate(2, 60))
    key, ends = window(caller, 1_000_000.0)
    assert window(caller, ends - 0.5) == (key, ends) and window(caller, ends)[0] != key
    assert ends - 60 <= 1_000_000 < ends
    now = ends - 10
    assert counters.hit(caller, now) is None and counters.hit(caller, now) is None
    assert counters.hit(caller, now) == pytest.approx(10)
    assert counters.peek(caller, now) == (2, 10)
    assert counters.hit(caller, ends + 1) is None  # a new window
    assert counters.peek(caller, ends + 1) == (1, 0)
    other = Caller("x", "key:1", Rate(2, 60))
    assert window(other, now)[1] != ends or window(other, now)[0] != key  # offsets differ per caller


def test_one_second_is_singular(db, settings):
    settings.SPACEDOCK_ANON_RATE = "1/second"
    assert get().status_code == 200
    over = get()
    assert (over.status_code, over["Retry-After"]) == (429, "1")
    assert over.content == b'{"detail":"Request was throttled. Expected available in 1 second."}'


@pytest.mark.redis
def test_counters_in_redis_are_shared(db, settings):
    skip_unless_redis()
    settings.SPACEDOCK_ANON_RATE = "3/hour"
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                       "LOCATION": REDIS_URL, "KEY_PREFIX": "spacedock-tests-h14"}}
    address = f"198.51.100.{os.getpid() % 250 + 1}"
    caller = Caller(address, f"ip:{address}", parse_rate("3/hour"))
    caches["throttle"].delete(window(caller, NOW)[0])
    assert get(address=address).status_code == 200
    assert Counters(clock=COUNTERS.clock).hit(caller) is None  # another process's counters: the same Redis keys
    assert get(address=address).status_code == 200
    assert get(address=address).status_code == 429
    assert standing(address)["current_use"] == 3


@pytest.mark.parametrize("name", ["SPACEDOCK_ANON_RATE", "SPACEDOCK_KEY_RATE"])
def test_a_bad_rate_stops_start_up_in_one_line(tmp_path, name):
    env = dict(os.environ, **{name: "15/fortnight"}, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               SPACEDOCK_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr == (f"spacedock: {name}='15/fortnight' is not a rate: use a number of requests per second, "
                           f"minute, hour or day, such as 15/hour (or leave it unset: no limit)\n")


@pytest.mark.parametrize("text, rate", [("15/hour", (15, 3600)), ("1000/day", (1000, 86400)), ("10/min", (10, 60)),
                                        ("2/s", (2, 1)), ("3/hours", (3, 3600)), ("", None), ("  ", None)])
def test_drf_rate_syntax(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["15", "0/hour", "-1/hour", "15/fortnight", "15/ho", "x/hour", "15 per hour"])
def test_not_a_rate(text):
    with pytest.raises(ValueError, match="is not a rate"):
        parse_rate(text)


def test_through_the_test_client_too(client, db, settings):
    """The view answers alone too (without access.gate): the same caller, the same 401."""
    settings.SPACEDOCK_ANON_RATE = "15/hour"
    body = client.get(THROTTLE, HTTP_HOST=PROD).json()
    assert body == [{"your_request_limit": 15, "limit_frequency_secs": 3600, "current_use": 0, "next_use_secs": 0,
                     "ident": "127.0.0.1"}]
    assert client.get(THROTTLE, HTTP_HOST=PROD, HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_the_browsable_page_too(db):
    response = get(THROTTLE + "?format=api")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "API Throttle" in response.content.decode() and "your_request_limit" in response.content.decode()
