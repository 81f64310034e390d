"""`Direct`: the WSGI layer that hands an API request for JSON straight to its view, without the parts of
Django's request cycle that only the site needs.

Django's handler runs every request through the whole `MIDDLEWARE` list (the admin's sessions, login,
messages and CSRF forms, the static files) and sends `request_started`/`request_finished`; on a page
never asked before (the response cache's miss) that was half of a worker's time, the view's own work the
other half. An API answer in JSON needs none of it: here the request is resolved with Django's URLconf
and given to the same DRF view (`EndpointView.json_answer`: what its dispatch does for a good JSON
request, `body()` and `finalize_response`), wrapped in the middleware that has work to do for it:
`MIDDLEWARE` without `SPACEDOCK_SITE_MIDDLEWARE` and without `DONE_HERE`. What a client receives is the
same status, headers and bytes as through Django's handler (`tests/test_direct.py`).

It takes a GET identified by the response cache (`api.caching`: caching on) with no condition left (a
matching `If-None-Match` was answered 304 there). Everything else goes to Django: other methods and HEAD,
any `If-*` header, caching off, another format (the browsable page needs the session and login), a path
no API view answers. So does a request the view refuses (`400`, `404`: Django answers it again, with its
ETag and log line) or fails on. An unreachable database or a statement stopped by the timeout is answered
`503` here (`ops.outages`), without asking the database again.

Connections: Django's handler sends `request_started` and `request_finished` around each request, whose
receivers close connections past `CONN_MAX_AGE` or broken; here `request_finished` is sent at most once a
second, since the signals cost as much as a small page.
"""
from __future__ import annotations

from time import monotonic

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string

from spacedock.ops.outages import UNREACHABLE as DATABASE_UNREACHABLE
from spacedock.ops.outages import response as database_unavailable

from .caching import IDENTITY, OTHER_CONDITIONS
from .render.context import API_PREFIX
from .views import PLAIN_ACCEPT, EndpointView

CONNECTION_CHECK_SECONDS = 1.0
MAX_ROUTES = 4096


# Middleware with nothing to do for the requests `Direct` takes (an identified JSON GET, no condition left)
# but what is done here instead: ConditionalGetMiddleware (the ETag is the identity's; a matching
# If-None-Match was answered 304 before, any other goes to Django), CommonMiddleware (the path resolved as it
# is: no redirect; its Content-Length is written in its place, `with_content_length`),
# DatabaseUnavailableMiddleware (its 503 is `Direct`'s own `except`).
DONE_HERE = (
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "spacedock.ops.outages.DatabaseUnavailableMiddleware",
)


def with_content_length(get_response):
    """CommonMiddleware's part for these answers: their Content-Length."""
    def middleware(request):
        response = get_response(request)
        if not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
    return middleware


def api_middleware() -> list:
    """`MIDDLEWARE` without the site's own (`SPACEDOCK_SITE_MIDDLEWARE`) and what has nothing to do here
    (`DONE_HERE`, CommonMiddleware's Content-Length written in its place), outermost first."""
    site = set(settings.SPACEDOCK_SITE_MIDDLEWARE)
    chain = []
    for path in settings.MIDDLEWARE:
        if path == "django.middleware.common.CommonMiddleware":
            chain.append(with_content_length)
        elif path not in site and path not in DONE_HERE:
            chain.append(import_string(path))
    if with_content_length not in chain:
        chain.append(with_content_length)
    return chain


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
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(API_PREFIX) or IDENTITY not in environ \
                or "HTTP_IF_NONE_MATCH" in environ or any(name in environ for name in OTHER_CONDITIONS) \
                or not wants_json(environ):
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
        else:
            if response.status_code != 200:  # a bad parameter, an unknown id: Django answers it as always
                return self.application(environ, start_response)
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
        view_class = match.func.view_class
        if view_class.answers_plainly():  # DRF's dispatch without the checks that have nothing to do
            view = view_class(**match.func.view_initkwargs)
            view.setup(request, *match.args, **match.kwargs)
            return view.json_answer(request, *match.args, **match.kwargs)
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):  # DRF's Response (an error's) is rendered, as Django does
            response = response.render()
        return response
