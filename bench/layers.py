"""The miss path's floor: Spacedock's own WSGI layers around an answer that costs nothing.

`make bench` serves this (case `stations-layers`) next to the ceiling serving the same bytes, to show how
much of a page never asked before goes to what every API request passes through whoever answers it:
`Operable` (request id, CORS, metrics), `Gate` (keys and limits) and `CacheFirst` (the identity, a miss in
the response cache, the answer stored) — as `spacedock.wsgi` stacks them, with the same settings. Inside
them, instead of Django and the view, the fixed bytes of a real page (BENCH_CEILING_BODY) with the headers
Django's middleware and the view give it. No Django request or response object is made, no view runs, so
Spacedock's own `stations-unique` can never be faster than this.

    BENCH_CEILING_BODY=page.json DATABASE_URL=sqlite:///... python -m granian --interface wsgi layers:application
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

get_wsgi_application()  # Django set up as spacedock.wsgi does it (settings, apps, connections)

from spacedock.access.gate import Gate  # noqa: E402 - needs the settings set up above
from spacedock.api.caching import IDENTITY, CacheFirst  # noqa: E402
from spacedock.ops.requests import Operable  # noqa: E402

# What Django's middleware and the view add to an API answer (X-Request-ID, CORS and Cache-Control are the
# layers' own), in the order Spacedock sends them.
HEADERS = (("Content-Type", "application/json"), ("Vary", "Accept, Accept-Encoding"), ("Allow", "GET"))
SECURITY = (("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"))


def make_app(body: bytes):
    length = str(len(body))

    def fixed(environ, start_response):
        etag = environ[IDENTITY].etag if IDENTITY in environ else '"-"'
        start_response("200 OK", [*HEADERS, ("ETag", etag), ("Content-Length", length), *SECURITY])
        return [body]

    return Operable(Gate(CacheFirst(fixed)))


def _load():
    path = os.environ.get("BENCH_CEILING_BODY")
    with open(path, "rb") if path else open(os.devnull, "rb") as file:
        return make_app(file.read() or b'{"detail": "set BENCH_CEILING_BODY to the file of the page to serve"}')


application = _load()
