"""`Direct`: the WSGI layer that hands an API request for JSON straight to its view, without the parts of
Django's request cycle that only the site needs.

Django's handler runs every request through the whole `MIDDLEWARE` list (the admin's sessions, login,
messages and CSRF forms, the static files) and sends `request_started`/`request_finished`; on a page
never asked before (the response cache's miss) that was half of a worker's time, the view's own work the
other half. An API answer in JSON needs none of it: here the request is resolved with Django's URLconf
and given to the same DRF view (`api.views`, its dispatch, negotiation, errors and `body()`), wrapped in
the middleware that does apply to it: `MIDDLEWARE` without `SPACEDOCK_SITE_MIDDLEWARE`. What a client
receives is the same status, headers and bytes as through Django's handler (`tests/test_direct.py`).

Everything else goes to Django: other methods and HEAD, conditions other than `If-None-Match`, another
format (the browsable page needs the session and login), a path no API view answers. A request the view
refuses (`400`, `404`) is answered by the view as always, and logged as Django's handler logs it (a warning
of `django.request`). An unexpected exception goes to Django, which answers it as always; an unreachable
database or a statement stopped by the timeout is answered `503` here (`ops.outages`), without asking again.

Connections: Django's handler sends `request_started` and `request_finished` around each request, whose
receivers close connections past `CONN_MAX_AGE` or broken; here `request_finished` is sent at most once a
second, since the signals cost as much as a small page.
"""
from __future__ import annotations

import logging
from time import monotonic

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

from spacedock.ops.outages import UNREACHABLE as DATABASE_UNREACHABLE
from spacedock.ops.outages import response as database_unavailable

from .caching import OTHER_CONDITIONS, UNCACHED
from .render.context import API_PREFIX
from .views import PLAIN_ACCEPT, EndpointView

request_log = logging.getLogger("django.request")  # Django's: 4xx answers are its warnings
CONNECTION_CHECK_SECONDS = 1.0
MAX_ROUTES = 4096


def api_middleware() -> list:
    """`MIDDLEWARE` without the site's own (`SPACEDOCK_SITE_MIDDLEWARE`), outermost first, as classes."""
    site = set(settings.SPACEDOCK_SITE_MIDDLEWARE)
    return [import_string(path) for path in settings.MIDDLEWARE if path not in site]


def wants_json(environ) -> bool:
    """A JSON client: a plain Accept (none, */*, application/json) and no `format` but json."""
    if environ.get("HTTP_ACCEPT") not in PLAIN_ACCEPT:
        return False
    query = environ.get("QUERY_STRING", "")
    return "format=" not in query or all(
        piece in ("format=json",) for piece in query.split("&") if piece.startswith("format="))


class Direct:
    """WSGI, inside the response cache, around Django (see the module docstring)."""

    def __init__(self, application):
        self.application = application
        self.respond = self._view
        for middleware in reversed(api_middleware()):
            self.respond = middleware(self.respond)
        self.checked = monotonic()
        self.routes: dict = {}  # path -> the URLconf's match, for paths an API view answers (`route`)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(API_PREFIX) or UNCACHED in environ \
                or any(name in environ for name in OTHER_CONDITIONS) or not wants_json(environ):
            return self.application(environ, start_response)
        match = self.routes.get(path)
        if match is None:
            match = self.route(path)
            if match is None:
                return self.application(environ, start_response)
        if monotonic() - self.checked > CONNECTION_CHECK_SECONDS:
            self.checked = monotonic()
            request_finished.send(sender=self.__class__)  # Django's own: closes connections too old or broken
        request = WSGIRequest(environ)
        request.resolver_match = match
        try:
            response = self.respond(request)
        except DATABASE_UNREACHABLE as exc:  # 503 + Retry-After, as Django's handler answers it
            response = database_unavailable(exc, request)
        except Exception:  # noqa: BLE001 - not an expected condition: Django answers it, as it would have
            return self.application(environ, start_response)
        if 400 <= response.status_code < 500:  # a bad parameter, an unknown id: logged as Django's handler logs it
            request_log.warning("%s: %s", response.reason_phrase, request.path.encode("unicode_escape").decode("ascii"),
                                extra={"status_code": response.status_code, "request": request})
        start_response(f"{response.status_code} {response.reason_phrase}", [
            *response.items(), *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values())])
        return [response.content]

    def route(self, path: str):
        """The URLconf's match for `path` when an API view answers it, else None; kept for the next request of
        the same path (a few thousand paths at most: the lists, and the ids asked for most recently)."""
        try:
            match = resolve(path)
        except Resolver404:
            return None
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or not issubclass(view_class, EndpointView):
            return None
        if len(self.routes) >= MAX_ROUTES:
            self.routes.clear()
        self.routes[path] = match
        return match

    @staticmethod
    def _view(request):
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):  # DRF's Response (an error's) is rendered, as Django does
            response = response.render()
        return response
