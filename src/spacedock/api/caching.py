"""HTTP caching of the API, in one WSGI layer in front of Django: `Cache-Control`, ETags, `304 Not
Modified`, and a shared response cache.

A response is identified by the catalogue's data version (moved by the database on every write, see
`catalog.changes`), the start of the current max-age window, its URL, host, `Accept` and gzip-ness.
Within one identity a URL always renders the same bytes, in every process, so the identity's hash is
a strong ETag known before anything is rendered, and the response cache's key:

- a revalidation whose ETag still matches is answered `304` here;
- a response the cache holds is answered here, with the status and headers it was first sent with;
- anything else goes on (`api.direct`, Django), and a `200` it answers is stored on its way out;
- a database that cannot be reached is answered `503` with `Retry-After` (`ops.outages`).

Entries live `SPACEDOCK_MAX_AGE` seconds, the `Cache-Control: max-age` clients are told, so no cached
live figure is older than that. Requests with other conditions (If-Match, ...) and HEAD go to Django,
whose ConditionalGetMiddleware answers them with the same ETag.

Two tiers: each worker's last responses (`Recent`, in memory, unpickled), in front of Django's cache when
that is shared by every process (`CACHE_URL=redis://...`, production). With `locmem://` (the default) or
`dummy://` Django's cache is not used for responses: it would hold fewer of this worker's responses than
`Recent` does, at a pickled copy per response.
"""
from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from time import monotonic
from typing import NamedTuple

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.http import parse_etags

from spacedock.catalog import changes, clock
from spacedock.ops.metrics import CACHE_OUTCOME as OUTCOME  # what was answered how, for the metrics
from spacedock.ops.outages import OUTAGE as DATABASE
from spacedock.ops.outages import UNREACHABLE as DATABASE_UNREACHABLE
from spacedock.ops.outages import wsgi_answer as database_unavailable

from .pagination import COUNTS, PageIds
from .render.context import API_PREFIX, ORIGIN, origin
from .render.shared import SHARED

# A page of 100 is 200 KB (normal) to 1 MB (detailed) uncompressed: both are kept. Bigger bodies are not.
MAX_CACHED_BYTES = 2 << 20
VARY = "Accept, Accept-Encoding"
# Conditional headers other than If-None-Match: Django's middleware answers those (412, or 304 by date).
OTHER_CONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_MODIFIED_SINCE")
IDENTITY = "spacedock.identity"  # the WSGI environ key the identity is handed to Django under
UNCACHED = "spacedock.uncached"  # set by an outer layer for a request never cached (access.gate: /api-throttle/)
log = logging.getLogger(__name__)


class Identity(NamedTuple):
    """What a response is built from (the data version, the figures' moment) and what it is known by."""

    version: int
    moment: object  # datetime: the max-age window's start, the moment live figures are computed for
    key: str
    etag: str


# The identities worked out last, by what they are made of: a URL asked again within its max-age window
# (every cache hit and 304) is not sorted and hashed again. Forgotten whole when full.
IDENTITIES: dict[tuple, Identity] = {}
MAX_IDENTITIES = 4096


def identify(environ, max_age: int) -> Identity:
    """The identity of the response to this request; raises what Django would answer instead (a host
    not allowed, a database down)."""
    base = environ[ORIGIN] = _origin(environ)
    moment = clock.now(max_age)
    version = changes.current()
    gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query, accept = environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", "")
    made_of = (version, moment, base, path, query, accept, gzip)
    known = IDENTITIES.get(made_of)
    if known is not None:
        return known
    # The raw parameters, whatever their order in the URL (a stable sort by name keeps a repeated
    # parameter's values in order); no QueryDict to build.
    query = "&".join(sorted(query.split("&"), key=_name))
    raw = "|".join((str(version), str(int(moment.timestamp())), base, path, query, accept, "gz" if gzip else ""))
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    identity = Identity(version, moment, "spacedock:response:" + digest, f'"{digest}"')
    if len(IDENTITIES) >= MAX_IDENTITIES:
        IDENTITIES.clear()
    IDENTITIES[made_of] = identity
    return identity


# What makes a request's origin (`render.context.origin`): its scheme, Host and the proxy headers Django may
# read. The origins of hosts already validated against ALLOWED_HOSTS, so a request of a known host builds
# no request object to validate it again; a few entries (a host not allowed is never kept), forgotten
# when the settings change.
ORIGIN_HEADERS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "HTTP_X_FORWARDED_PROTO",
                  "HTTP_X_FORWARDED_HOST")
ORIGINS: dict[tuple, str] = {}
MAX_ORIGINS = 64


def _origin(environ) -> str:
    key = tuple(map(environ.get, ORIGIN_HEADERS))
    known = ORIGINS.get(key)
    if known is None:
        known = origin(WSGIRequest(environ))  # raises DisallowedHost for a host not allowed
        if len(ORIGINS) < MAX_ORIGINS:
            ORIGINS[key] = known
    return known


@receiver(setting_changed)
def _forget_origins(**kwargs):
    ORIGINS.clear()


def _name(pair: str) -> str:
    return pair.partition("=")[0]


def identity_of(request) -> Identity | None:
    """The identity `CacheFirst` gave the request, if it went through it."""
    return request.META.get(IDENTITY)


def matching_tag(header: str | None, etag: str) -> str | None:
    """The tag of If-None-Match (as the client wrote it) that is the response's ETag, or None."""
    if not header:
        return None
    if header == etag:  # what a client sends back most often: the one tag it was given
        return header
    for tag in parse_etags(header):
        if tag.removeprefix("W/") == etag:  # W/: as gzip marks the compressed representation's
            return tag
    return None


class CacheFirst:
    """WSGI, around Django: answers API revalidations and cache hits without Django's request cycle, and
    stores what Django answers (see the module docstring)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or not environ.get("PATH_INFO", "").startswith(API_PREFIX) \
                or UNCACHED in environ:
            return self.application(environ, start_response)
        max_age = max(settings.SPACEDOCK_MAX_AGE, 0)
        identity = None
        if max_age:
            try:
                identity = environ[IDENTITY] = identify(environ, max_age)
            except DATABASE_UNREACHABLE as exc:  # 503 + Retry-After (ops.outages), as Django would answer
                return database_unavailable(start_response, exc)
            except Exception:  # noqa: BLE001 - Django answers it, as it would have (400, 500, ...)
                return self.application(environ, _fresh_for(start_response, max_age))
            if DATABASE.down:
                DATABASE.answered()
        if identity is None or method == "HEAD" or any(name in environ for name in OTHER_CONDITIONS):
            return self.application(environ, _fresh_for(start_response, max_age))
        tag = matching_tag(environ.get("HTTP_IF_NONE_MATCH"), identity.etag)
        if tag is not None:
            environ[OUTCOME] = "revalidated"
            start_response("304 Not Modified", [("ETag", tag), ("Vary", VARY), ("Cache-Control", f"max-age={max_age}")])
            return []
        hit = RECENT.get(identity.key)
        shared = None
        if hit is None:
            shared = shared_cache()
            if shared is not None:
                hit = OUTAGE.call(shared.get, identity.key)
                if hit is not None:
                    RECENT.keep(identity.key, hit, max_age)
        if hit is not None:
            environ[OUTCOME] = "hit"
            body, status, headers = hit
            start_response(status, list(headers))
            return [body]
        environ[OUTCOME] = "miss"
        sent = {}

        def keep(status, headers, exc_info=None):
            sent["status"], sent["headers"] = status, _with_max_age(status, headers, max_age)
            return start_response(status, sent["headers"], exc_info)

        result = self.application(environ, keep)
        if sent.get("status", "").startswith("200") and _tagged(sent["headers"], identity.etag):
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
            if len(body) <= MAX_CACHED_BYTES:
                entry = (body, sent["status"], tuple(sent["headers"]))
                RECENT.keep(identity.key, entry, max_age)
                if shared is not None:
                    OUTAGE.call(shared.set, identity.key, entry, max_age)
            return [body]
        return result


# Backends that hold entries for this process only (or none): `Recent` already keeps more of this process's
# responses, unpickled, so storing them there too would cost a copy and a pickle per response for nothing.
PROCESS_BACKENDS = (LocMemCache, DummyCache)


def shared_cache():
    """The response cache shared by every process (Django's `default` cache: Redis in production), or None
    when that cache is this process's own (`locmem://`, the default) or none (`dummy://`)."""
    cache = caches["default"]
    return None if isinstance(cache, PROCESS_BACKENDS) else cache


class Recent:
    """This process's last few responses, as they are (no unpickling, no round trip), in front of the shared
    cache: a hit on the URLs a process is asked most costs a dictionary lookup. A key names the data
    version and the max-age window, so a changed response is never looked up again; entries also expire
    after the max age, as the shared cache's do (a clock pinned by `SPACEDOCK_NOW` moves no window), and the
    oldest make room for new ones."""

    def __init__(self, max_entries: int = 16, max_bytes: int = 8 << 20):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0

    def get(self, key: str):
        kept = self.entries.get(key)
        if kept is None:
            return None
        if kept[0] < monotonic():
            self.size -= len(self.entries.pop(key)[1][0])
            return None
        return kept[1]

    def keep(self, key: str, entry: tuple, max_age: int) -> None:
        if key in self.entries:
            return
        self.entries[key] = (monotonic() + max_age, entry)
        self.size += len(entry[0])
        while len(self.entries) > self.max_entries or self.size > self.max_bytes:
            self.size -= len(self.entries.popitem(last=False)[1][1][0])

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


RECENT = Recent()


class Outage:
    """The response cache's health in this process: a cache that fails (Redis down) is skipped, so responses
    are served uncached; one warning when it fails and one when it answers again, not one per request."""

    def __init__(self):
        self.down = False

    def call(self, operation, *args):
        try:
            result = operation(*args)
        except Exception as exc:  # noqa: BLE001 - whatever the backend raises, the response is still served
            if not self.down:
                self.down = True
                log.warning("response cache unavailable (%s: %s); serving uncached until it answers",
                            type(exc).__name__, exc)
            return None
        if self.down:
            self.down = False
            log.warning("response cache answers again")
        return result


OUTAGE = Outage()


def _tagged(headers: list, etag: str) -> bool:
    """Whether the response carries the identity's ETag (weak once gzipped): built from that identity."""
    return any(name == "ETag" and value.removeprefix("W/") == etag for name, value in headers)


def _with_max_age(status: str, headers: list, max_age: int) -> list:
    if status[:3] in ("200", "304") and not any(name.lower() == "cache-control" for name, _ in headers):
        return [*headers, ("Cache-Control", f"max-age={max_age}")]
    return headers


def _fresh_for(start_response, max_age: int):
    """`start_response` adding `Cache-Control: max-age` to a 200 or 304 that says none."""
    def start(status, headers, exc_info=None):
        return start_response(status, _with_max_age(status, headers, max_age), exc_info)
    return start


def reset_caches() -> None:
    """Forget everything kept: this process's rendered shapes, counts and listings, and the response cache
    (for tests and operators; in service every cache follows the data version by itself)."""
    SHARED.clear()
    ORIGINS.clear()
    IDENTITIES.clear()
    RECENT.clear()
    COUNTS.__init__()
    PageIds.SQL.clear()
    OUTAGE.call(caches["default"].clear)
