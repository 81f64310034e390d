"""Running Spacedock (ops): the database down answered 503, CORS, request ids, access logs, /health/,
/ready/ and /metrics, for answers from Django and from the response cache (hits, 304s) alike."""
from __future__ import annotations

import datetime as dt
import logging
import re

import orjson
import pytest
from django.db import OperationalError

from spacedock import wsgi
from spacedock.catalog import changes
from spacedock.ingest.models import SyncEndpoint, SyncRun
from spacedock.ops import cors, logs, metrics, outages
from spacedock.ops.requests import Operable

from .helpers import ONE_WINDOW, PROD, call_wsgi, clear_cache

PAGE = "/2.3.0/spacecraft/?limit=5&format=json"
DB_DOWN = b'{"detail":"The database is unavailable; try again shortly."}'


@pytest.fixture
def cached(settings, db):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-operations"}}
    settings.SPACEDOCK_MAX_AGE = 30
    settings.SPACEDOCK_NOW = ONE_WINDOW
    clear_cache()
    yield settings
    clear_cache()


def layer(**options):
    """The server's application with other ops settings."""
    return Operable(wsgi.application.application, **options)


def get(path=PAGE, app=None, **headers):
    return call_wsgi(app or wsgi.application, path, **headers)


def down(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 1 failed: Connection refused')


# the database down ------------------------------------------------------------------------------------------
@pytest.fixture
def database_down(monkeypatch):
    """Every read of the data version (the first query of any API request) fails as an unreachable database."""
    monkeypatch.setattr(changes, "current", down)
    monkeypatch.setattr(outages.OUTAGE, "down", False)


@pytest.mark.parametrize("max_age", [30, 0], ids=["cache-first", "django"])
@pytest.mark.parametrize("path", [PAGE, "/2.3.0/spacecraft/627/", "/2.3.0/agencies/?mode=detailed"])
def test_an_unreachable_database_answers_503_with_retry_after(cached, database_down, caplog, max_age, path):
    cached.SPACEDOCK_MAX_AGE = max_age
    with caplog.at_level(logging.WARNING):
        first, second = get(path), get(path, HTTP_IF_NONE_MATCH='"anything"')
    for response in (first, second):
        assert response.status_code == 503
        assert response.content == DB_DOWN
        assert response["Retry-After"] == "5" and response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*" and response.has_header("X-Request-ID")
    # One warning line for the outage, no traceback, no "Internal Server Error".
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in records] == ["spacedock.outages"], [r.getMessage() for r in records]
    assert records[0].exc_info is None and "database unavailable" in records[0].getMessage()


def test_any_django_layer_meeting_an_unreachable_database_answers_503(db, monkeypatch):
    """Outside a view too (Django's 500 handler): 503, not 500."""
    monkeypatch.setattr(outages.OUTAGE, "down", True)
    from spacedock.api import errors

    try:
        down()
    except OperationalError:
        response = errors.server_error(None)
    assert response.status_code == 503 and response.content == DB_DOWN and response["Retry-After"] == "5"
    assert errors.server_error(None).status_code == 500  # anything else is still a 500


def test_the_database_back_is_served_and_said_once(cached, monkeypatch, caplog):
    monkeypatch.setattr(outages.OUTAGE, "down", False)
    with monkeypatch.context() as patch:
        patch.setattr(changes, "current", down)
        assert get().status_code == 503
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spacedock.outages"):
        assert get().status_code == 200
        assert get().status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "spacedock.outages"] == ["database answers again"]


# CORS ---------------------------------------------------------------------------------------------------------
def test_every_answer_allows_any_origin_by_default(cached):
    fresh = get(HTTP_ORIGIN="https://app.example")
    hit = get(HTTP_ORIGIN="https://other.example")
    revalidated = get(HTTP_IF_NONE_MATCH=fresh["ETag"])
    not_found = get("/2.3.0/nothing/")
    for response in (fresh, hit, revalidated, not_found):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response["Access-Control-Expose-Headers"]
        assert "Origin" not in response.get("Vary", "")
    assert (fresh.status_code, hit.status_code, revalidated.status_code) == (200, 200, 304)
    assert hit.queries == 1 and revalidated.queries == 1  # answered by the response cache


def test_a_preflight_is_answered(db):
    response = get(PAGE, method="OPTIONS", HTTP_ORIGIN="https://app.example",
                   HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                   HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,if-none-match")
    assert response.status_code == 204 and response.content == b"" and response.queries == 0
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    for header in ("Authorization", "If-None-Match", "Content-Type"):
        assert header in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_specific_origins_vary_by_origin_and_never_leak_to_another(cached):
    app = layer(cors_origins="https://app.example, https://two.example/")
    allowed = get(app=app, HTTP_ORIGIN="https://app.example")
    hit_other = get(app=app, HTTP_ORIGIN="https://evil.example")  # the response cache's hit
    hit_two = get(app=app, HTTP_ORIGIN="https://two.example")
    revalidated = get(app=app, HTTP_ORIGIN="https://two.example", HTTP_IF_NONE_MATCH=allowed["ETag"])
    none = get(app=app)
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example"
    assert not hit_other.has_header("Access-Control-Allow-Origin") and hit_other.queries == 1
    assert hit_two["Access-Control-Allow-Origin"] == "https://two.example"
    assert revalidated.status_code == 304 and revalidated["Access-Control-Allow-Origin"] == "https://two.example"
    assert not none.has_header("Access-Control-Allow-Origin")
    for response in (allowed, hit_other, hit_two, revalidated, none):
        assert response["Vary"] == "Accept, Accept-Encoding, Origin"
    refused = get(app=app, method="OPTIONS", HTTP_ORIGIN="https://evil.example",
                  HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert refused.status_code == 204 and not refused.has_header("Access-Control-Allow-Origin")


def test_cors_can_be_turned_off(cached):
    app = layer(cors_origins="")
    response = get(app=app, HTTP_ORIGIN="https://app.example")
    assert not any(name.startswith("Access-Control") for name in response.headers)
    assert "Origin" not in response["Vary"]
    assert get(app=app, method="OPTIONS", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET").status_code != 204


def test_origins_setting_is_parsed():
    assert cors.parse_origins(None) == ("*",) and cors.parse_origins("*") == ("*",)
    assert cors.parse_origins("") == () and cors.parse_origins(" , ") == ()
    assert cors.parse_origins("https://a.example/, https://b.example,https://a.example") == (
        "https://a.example", "https://b.example")


# request ids and access logs ----------------------------------------------------------------------------------
def test_every_answer_carries_a_request_id(cached):
    fresh, hit = get(), get()
    revalidated = get(HTTP_IF_NONE_MATCH=fresh["ETag"])
    ids = [r["X-Request-ID"] for r in (fresh, hit, revalidated, get("/health/"), get("/nothing"))]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == len(ids)
    assert get(HTTP_X_REQUEST_ID="edge-42.abc")["X-Request-ID"] == "edge-42.abc"
    for insane in ("a b", "x" * 200, "bad\nline", "-leading", ""):
        assert get(HTTP_X_REQUEST_ID=insane)["X-Request-ID"] != insane


def test_one_access_line_per_request_with_its_id_and_client(cached, caplog):
    app = layer(access_log_on=True, trusted_proxies="10.0.0.1")
    with caplog.at_level(logging.INFO, logger="spacedock.access"):
        first = get(app=app, HTTP_X_REQUEST_ID="req-1", REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
        get(app=app, HTTP_IF_NONE_MATCH=first["ETag"], REMOTE_ADDR="198.51.100.4",
            HTTP_X_FORWARDED_FOR="6.6.6.6")
    lines = [r for r in caplog.records if r.name == "spacedock.access"]
    assert len(lines) == 2
    assert (lines[0].method, lines[0].path, lines[0].status, lines[0].request_id, lines[0].client) == (
        "GET", PAGE, 200, "req-1", "203.0.113.9")
    assert (lines[1].status, lines[1].client) == (304, "198.51.100.4")  # X-Forwarded-For of an untrusted peer
    assert lines[0].duration_ms >= 0
    formatted = orjson.loads(logs.JsonFormatter().format(lines[0]))
    assert {"time", "level", "logger", "message", "method", "path", "status", "duration_ms", "request_id",
            "client"} <= set(formatted)
    assert formatted["request_id"] == "req-1" and formatted["status"] == 200


def test_client_address_trusts_only_configured_proxies():
    trusted = frozenset({"10.0.0.1", "10.0.0.2"})
    assert logs.client_address({"REMOTE_ADDR": "1.2.3.4", "HTTP_X_FORWARDED_FOR": "9.9.9.9"}, frozenset()) == "1.2.3.4"
    assert logs.client_address({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 5.5.5.5, 10.0.0.2"},
                               trusted) == "5.5.5.5"
    assert logs.client_address({"REMOTE_ADDR": "10.0.0.1"}, trusted) == "10.0.0.1"


def test_log_lines_in_a_request_carry_its_id():
    record = logging.LogRecord("x", logging.WARNING, "", 0, "something", (), None)
    token = logs.REQUEST_ID.set("rid-7")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.REQUEST_ID.reset(token)
    assert "[rid-7] something" in logs.TextFormatter().format(record)
    assert orjson.loads(logs.JsonFormatter().format(record))["request_id"] == "rid-7"


# /health/, /ready/ ----------------------------------------------------------------------------------------------
def test_health_answers_without_the_database(db, monkeypatch):
    monkeypatch.setattr(changes, "current", down)
    response = get("/health/")
    assert response.status_code == 200 and orjson.loads(response.content) == {"status": "ok"}
    assert response.queries == 0


def test_ready_reports_database_cache_version_and_syncs(cached):
    run = SyncRun.objects.create(base_url="http://ll2.example/2.3.0/", endpoints="agencies,spacecraft",
                                 started_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                                 finished_at=dt.datetime(2026, 5, 1, 1, tzinfo=dt.UTC))
    SyncEndpoint.objects.create(run=run, position=0, endpoint="agencies", done=True,
                                finished_at=dt.datetime(2026, 5, 1, 0, 30, tzinfo=dt.UTC))
    SyncEndpoint.objects.create(run=run, position=1, endpoint="spacecraft", done=False, next_url="http://x/")
    response = get("/ready/")
    body = orjson.loads(response.content)
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["database"]["ok"] and body["cache"]["ok"]
    assert body["data_version"] == changes.current() and body["changed_at"]
    assert body["syncs"] == {"agencies": "2026-05-01T00:30:00Z"}  # an unfinished walk is not a success
    assert body["last_sync"] == "2026-05-01T01:00:00Z"
    assert response["Cache-Control"] == "no-store"


def test_ready_is_503_without_the_database_and_reports_a_cache_down(cached, monkeypatch):
    from spacedock.ops import health

    monkeypatch.setattr(outages.OUTAGE, "down", False)
    monkeypatch.setattr(health, "_database_state", down)
    cached.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                 "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.2}}}
    response = get("/ready/")
    body = orjson.loads(response.content)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert body["status"] == "unavailable" and not body["database"]["ok"] and not body["cache"]["ok"]
    monkeypatch.undo()
    cached.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                 "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.2}}}
    response = get("/ready/")  # the cache down alone is not fatal
    assert response.status_code == 200 and not orjson.loads(response.content)["cache"]["ok"]


# /metrics -------------------------------------------------------------------------------------------------------
def sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_cache_outcomes(cached):
    before = get("/metrics").content.decode()
    fresh = get()
    get()
    get(HTTP_IF_NONE_MATCH=fresh["ETag"])
    get("/2.3.0/spacecraft/627/")
    get("/2.3.0/no/such/thing/")
    response = get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    after = response.content.decode()

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("spacedock_requests_total", route="spacecraft-list", method="GET", status="200") == 2
    assert grew("spacedock_requests_total", route="spacecraft-list", method="GET", status="304") == 1
    assert grew("spacedock_requests_total", route="spacecraft-detail", method="GET", status="200") == 1
    assert grew("spacedock_requests_total", route="other", method="GET", status="404") == 1
    assert grew("spacedock_response_cache_total", outcome="hit") == 1
    assert grew("spacedock_response_cache_total", outcome="miss") == 3  # the 404 too: it went to Django
    assert grew("spacedock_response_cache_total", outcome="revalidated") == 1
    assert grew("spacedock_request_duration_seconds_count", route="spacecraft-list") == 3
    assert sample(after, "spacedock_database_up") == 1
    assert sample(after, "spacedock_data_version") == changes.current()


def test_metrics_show_the_last_successful_sync_per_endpoint(db):
    finished = dt.datetime(2026, 5, 1, 0, 30, tzinfo=dt.UTC)
    run = SyncRun.objects.create(base_url="http://ll2.example/2.3.0/", endpoints="agencies",
                                 started_at=finished - dt.timedelta(hours=1))
    SyncEndpoint.objects.create(run=run, position=0, endpoint="agencies", done=True, finished_at=finished)
    text = get("/metrics").content.decode()
    assert sample(text, "spacedock_sync_last_success_timestamp_seconds", endpoint="agencies") == finished.timestamp()


def test_routes_are_named_as_django_names_them():
    assert metrics.route_of("/2.3.0/spacecraft/") == "spacecraft-list"
    assert metrics.route_of("/2.3.0/spacecraft/551/") == "spacecraft-detail"
    assert metrics.route_of("/2.3.0/config/countries/3/") == "config/countries-detail"
    assert metrics.route_of("/2.3.0/spacecraft/abc/") == "other"
    assert metrics.route_of("/2.3.0/spacecraft") == "other"
    assert metrics.route_of("/health/") == "health" and metrics.route_of("/static/x.css") == "static"
    assert metrics.route_of("/wp-admin/") == "other"
    from django.urls import resolve

    assert resolve("/2.3.0/spacecraft/551/").url_name == "spacecraft-detail"


def test_the_layer_does_not_change_a_response(cached):
    """Bytes, status and headers are the cache's and Django's; ops only adds its own headers."""
    ours = get(HTTP_X_REQUEST_ID="same")
    bare = call_wsgi(wsgi.application.application, PAGE, host=PROD)
    added = {"X-Request-ID", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers"}
    assert ours.content == bare.content
    assert [(k, v) for k, v in ours.items() if k not in added] == list(bare.items())
