"""`api.direct.Direct`: a JSON API request goes straight to its view, and the client receives exactly what
Django's handler would have sent (status, headers in order, bytes, the number of queries)."""
from __future__ import annotations

import gzip

import orjson
import pytest

from spacedock import wsgi
from spacedock.access.gate import Gate
from spacedock.api.caching import CacheFirst, reset_caches
from spacedock.api.direct import DONE_HERE, Direct, api_middleware
from spacedock.api.endpoints import ENDPOINTS
from spacedock.ops.requests import Operable

from .helpers import call_wsgi

# The server's stack without Direct: every request through Django's handler, as before it.
THROUGH_DJANGO = Operable(Gate(CacheFirst(wsgi.django_application)))
SAME_ID = {"HTTP_X_REQUEST_ID": "test-direct"}


def both(path, **headers):
    """(Django's handler's answer, the server's), each from empty caches, after one request each (what a
    connection keeps, such as SQLite's table of a search's matches, is then there for both)."""
    answers = []
    for app in (THROUGH_DJANGO, wsgi.application, THROUGH_DJANGO, wsgi.application):
        reset_caches()
        answers.append(call_wsgi(app, path, **{**SAME_ID, **headers}))
    return answers[2:]


def assert_same(path, **headers):
    django, ours = both(path, **headers)
    assert ours.status_code == django.status_code, path
    if django.get("Content-Encoding") == "gzip":  # Django's gzip pads each answer at random (BREACH): unzipped
        assert gzip.decompress(ours.content) == gzip.decompress(django.content), path
        ours.headers.pop("Content-Length"), django.headers.pop("Content-Length")
    else:
        assert ours.content == django.content, path
    assert list(ours.items()) == list(django.items()), path
    if ours.status_code == 200:  # a refused request is answered by Django again: its queries twice
        assert ours.queries == django.queries, path
    return ours


def first_id(endpoint) -> int:
    body = orjson.loads(call_wsgi(wsgi.application, f"/2.3.0/{endpoint.path}/?limit=1").content)
    return body["results"][0]["id"]


@pytest.fixture(params=[0, 30], ids=["uncached", "cached"])
def max_age(request, settings, db):
    settings.SPACEDOCK_MAX_AGE = request.param
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # one max-age window for both answers: the same ETag
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "test-direct"}}
    return request.param


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.path)
def test_every_endpoint_and_mode_answers_as_through_django(max_age, endpoint):
    pk = first_id(endpoint)
    for mode in ("", *(f"mode={name}" for name in endpoint.modes)):
        assert_same(f"/2.3.0/{endpoint.path}/?limit=3&{mode}")
        assert_same(f"/2.3.0/{endpoint.path}/{pk}/?{mode}")


@pytest.mark.parametrize("path", [
    "/2.3.0/spacecraft/?limit=5&offset=10&ordering=-time_in_space&search=Soyuz",
    "/2.3.0/spacecraft/?in_space=true&format=json",
    "/2.3.0/spacecraft/?limit=abc",  # 400, logged by Django
    "/2.3.0/spacecraft/?ordering=nope",
    "/2.3.0/spacecraft/999999999/",  # 404
    "/2.3.0/spacecraft/?mode=nope",
    "/2.3.0/space_stations/?status=1&ordering=-founded",
    "/2.3.0/docking_events/?limit=2&docking__gte=2020-01-01T00:00:00Z",
    "/2.3.0/",
    "/2.3.0/nothing-here/",
])
def test_parameters_errors_and_other_paths_answer_as_through_django(max_age, path):
    assert_same(path)


@pytest.mark.parametrize("headers", [
    {"HTTP_ACCEPT_ENCODING": "gzip, deflate"},
    {"HTTP_ORIGIN": "https://app.example"},
    {"HTTP_ACCEPT": "application/json"},
    {"HTTP_IF_NONE_MATCH": '"not-the-tag"'},
    {"HTTP_IF_NONE_MATCH": "*"},  # Django's ConditionalGetMiddleware: 304 for any ETag
], ids=["gzip", "cors", "accept-json", "stale-tag", "any-tag"])
def test_headers_answer_as_through_django(max_age, headers):
    assert_same("/2.3.0/spacecraft/?limit=4", **headers)


def test_a_json_page_is_answered_without_djangos_handler(db, settings, monkeypatch):
    settings.SPACEDOCK_MAX_AGE = 30
    monkeypatch.setattr(wsgi.django_application, "get_response", lambda request: pytest.fail("Django ran"))
    response = call_wsgi(wsgi.application, "/2.3.0/spacecraft/?limit=2")
    assert response.status_code == 200 and len(orjson.loads(response.content)["results"]) == 2
    assert call_wsgi(wsgi.application, "/2.3.0/space_stations/4/").status_code == 200


@pytest.mark.parametrize("path,headers", [
    ("/2.3.0/spacecraft/?format=api", {}),
    ("/2.3.0/spacecraft/", {"HTTP_ACCEPT": "text/html"}),
    ("/2.3.0/api-throttle/", {}),
    ("/admin/", {}),
    ("/2.3.0/spacecraft/", {"HTTP_IF_NONE_MATCH": '"stale"'}),
])
def test_what_only_django_answers_reaches_it(db, settings, monkeypatch, path, headers):
    settings.SPACEDOCK_MAX_AGE = 30
    reached = []
    real = wsgi.django_application.get_response

    def spy(request):
        reached.append(request.path)
        return real(request)

    monkeypatch.setattr(wsgi.django_application, "get_response", spy)
    call_wsgi(wsgi.application, path, **headers)
    assert reached == [path.partition("?")[0]]


def test_the_site_middleware_is_skipped_and_the_rest_kept(settings):
    names = [f"{cls.__module__}.{cls.__qualname__}" for cls in api_middleware()]
    skipped = {*settings.SPACEDOCK_SITE_MIDDLEWARE, *DONE_HERE} - {"django.middleware.common.CommonMiddleware"}
    assert names == [path if path != "django.middleware.common.CommonMiddleware" else
                     "spacedock.api.direct.with_content_length" for path in settings.MIDDLEWARE if path not in skipped]
    assert "django.middleware.security.SecurityMiddleware" in names
    assert set(DONE_HERE) <= set(settings.MIDDLEWARE)  # each named as MIDDLEWARE names it


def test_paths_are_resolved_once_and_the_table_stays_bounded(db, monkeypatch):
    direct = Direct(wsgi.django_application)
    monkeypatch.setattr("spacedock.api.direct.MAX_ROUTES", 3)
    for pk in range(1, 10):
        direct.route(f"/2.3.0/spacecraft/{pk}/")
    assert 1 <= len(direct.routes) <= 3
    assert direct.route("/2.3.0/nothing/") is None and direct.route("/admin/") is None
