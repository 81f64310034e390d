"""Revalidations answered before Django's request cycle (`api.caching.RevalidationFirst`, the WSGI app
gunicorn serves): the same status and headers as Django's own answer, and Django's answer for anything else."""
from __future__ import annotations

import io

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from spacedock import wsgi
from spacedock.api import caching
from spacedock.catalog import changes

from .conftest import PROD

PATH, QUERY = "/2.3.0/spacecraft/", "limit=5&mode=normal"


@pytest.fixture
def served(db, settings):
    """The WSGI apps as gunicorn calls them, inside the test's transaction (as Django's test client does, the
    connection is not closed at the end of each request)."""
    settings.SPACEDOCK_MAX_AGE = 30
    settings.ALLOWED_HOSTS = [PROD, "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield settings
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(app, path=PATH, query=QUERY, host=PROD, method="GET", **headers):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "HTTP_HOST": host, "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""),
               "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1", **headers}
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, list(response_headers)

    result = app(environ, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()
    return answer["status"], answer["headers"], body


def etag(headers) -> str:
    return dict(headers)["ETag"]


def test_a_matching_revalidation_is_djangos_304_without_django(served, monkeypatch):
    _, headers, _ = call(wsgi.application)
    tag = etag(headers)
    for sent in (tag, f'"other", W/{tag}', f"W/{tag}"):
        expected = call(wsgi.django_application, HTTP_IF_NONE_MATCH=sent)
        assert expected[0] == "304 Not Modified" and expected[2] == b""
        monkeypatch.setattr(wsgi.django_application, "get_response", lambda request: pytest.fail("Django ran"))
        assert call(wsgi.application, HTTP_IF_NONE_MATCH=sent) == expected
        monkeypatch.undo()
    assert dict(expected[1]) == {"ETag": f"W/{tag}", "Vary": caching.VARY, "Cache-Control": "max-age=30"}


@pytest.mark.parametrize("case", ["stale tag", "after a write", "other condition", "not the API", "caching off",
                                  "HEAD", "host not allowed", "failure on the way"])
def test_anything_else_is_djangos_answer(served, monkeypatch, case):
    _, headers, _ = call(wsgi.application)
    kwargs = {"HTTP_IF_NONE_MATCH": etag(headers)}
    if case == "stale tag":
        kwargs["HTTP_IF_NONE_MATCH"] = '"0123456789abcdef0123456789abcdef"'
    elif case == "after a write":
        changes.bump()
    elif case == "other condition":
        kwargs["HTTP_IF_MATCH"] = '"something-else"'
    elif case == "not the API":
        kwargs["path"] = "/static/rest_framework/css/bootstrap.min.css"
    elif case == "caching off":
        served.SPACEDOCK_MAX_AGE = 0
    elif case == "HEAD":
        kwargs["method"] = "HEAD"
    elif case == "host not allowed":
        kwargs["host"] = "elsewhere.example"
    else:
        monkeypatch.setattr(caching.changes, "current", lambda: 1 / 0)
    expected = call(wsgi.django_application, **kwargs)
    seen = []
    real = wsgi.django_application.get_response
    monkeypatch.setattr(wsgi.django_application, "get_response", lambda request: seen.append(1) or real(request))
    assert call(wsgi.application, **kwargs) == expected and seen == [1]
    status = expected[0].split()[0]
    assert status == {"stale tag": "200", "after a write": "200", "other condition": "412", "not the API": "200",
                      "caching off": "200", "HEAD": "200", "host not allowed": "400", "failure on the way": "500"}[case]
