"""HTTP caching of the API: `Cache-Control`, ETags with `304 Not Modified`, and a shared response cache.

A response is cached whole (after gzip, with its ETag) under the request's URL, host, `Accept` and
gzip-ness, and the catalogue's data version (`catalog.changes`): a write bumps the version, so the
next request misses and sees it. Entries live `SPACEDOCK_MAX_AGE` seconds, which is also the
`Cache-Control: max-age` clients are told, so no cached live figure is older than that. The cache is
Django's (`CACHE_URL`: local memory by default, Redis in production).

While caching, live figures are computed for the start of the current max-age window: every process
then renders the same bytes for a URL within the window, so an ETag one process gave is a 304 at
any other. Such a revalidation is answered before Django's request cycle (`RevalidationFirst`, the
WSGI app's outer layer); the rest goes through the `ResponseCache` middleware.
"""
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.http import ConditionalGetMiddleware
from django.utils.http import parse_etags

from spacedock.catalog import changes, clock

from .render.common import origin

API_PREFIX = "/2.3.0/"
# Bigger bodies are not cached: storing one copies (pickles) it, which for an uncompressed page of 100
# (200 KB normal, 1 MB detailed) cost more than re-rendering saves unless the same URL comes back without
# its ETag; pages of LL2's default size, and gzipped pages, are well under it. Revalidation gives 304 anyway.
MAX_CACHED_BYTES = 128 << 10
VARY = "Accept, Accept-Encoding"
# Conditional headers other than If-None-Match: Django's middleware answers those (412, or 304 by date).
OTHER_CONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_MODIFIED_SINCE")


def other_conditions(meta) -> bool:
    """Whether the request (its WSGI environ or META) has a condition other than If-None-Match."""
    return any(name in meta for name in OTHER_CONDITIONS)


def cache_key(request, version) -> str:
    """The response's identity: data version, figures window, URL, host, `Accept` and gzip-ness."""
    # The raw parameters, whatever their order in the URL (a stable sort by name keeps a repeated
    # parameter's values in order); no QueryDict to build for a request answered 304.
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&"), key=_name))
    gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    window = int(request.figures_moment.timestamp())
    raw = "|".join((str(version), str(window), origin(request), request.path, query,
                    request.META.get("HTTP_ACCEPT", ""), "gz" if gzip else ""))
    return "spacedock:response:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _name(pair: str) -> str:
    return pair.partition("=")[0]


def identify(request, max_age: int) -> str:
    """Set what the response is built from (the figures window's start, the data version) and its ETag on
    the request; return its cache key. Within a data version and a figures window a URL always renders the
    same bytes, so the key is a strong ETag: no body to hash, and a revalidation needs no cache lookup."""
    request.figures_moment = clock.now(max_age)
    request.data_version = changes.current()  # the views build from this version too
    key = cache_key(request, request.data_version)
    request.etag = f'"{key.rsplit(":", 1)[1]}"'
    return key


def matching_tag(request):
    """The tag of If-None-Match (as the client wrote it) that is the response's ETag, or None."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    if header == request.etag:  # what a client sends back most often: the one tag it was given
        return header
    for tag in parse_etags(header):
        if tag.removeprefix("W/") == request.etag:  # W/: as gzip marks the compressed representation's
            return tag
    return None


class RevalidationFirst:
    """WSGI, around Django: a revalidation of an API URL (a GET with If-None-Match and no other condition)
    whose ETag still matches is answered `304 Not Modified` here, with the status and headers the response
    cache gives, before Django's request cycle (its signals, middleware and response objects cost twice
    what working out the ETag does). Anything else, and any error on the way (a host not allowed, a
    database that fails), goes to Django, which answers as it always does."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        max_age = settings.SPACEDOCK_MAX_AGE
        if (max_age > 0 and environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_IF_NONE_MATCH")
                and not other_conditions(environ)):
            tag = None
            try:
                request = WSGIRequest(environ)
                if request.path.startswith(API_PREFIX):
                    identify(request, max_age)
                    tag = matching_tag(request)
            except Exception:  # noqa: BLE001 - Django answers it, as it would have (400, 500, ...)
                pass
            if tag is not None:
                start_response("304 Not Modified", [("ETag", tag), ("Vary", VARY),
                                                    ("Cache-Control", f"max-age={max_age}")])
                return []
        return self.application(environ, start_response)


class ResponseCache:
    """Middleware: answers a repeated API GET from the cache, and says how long a response stays fresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    @property
    def max_age(self) -> int:
        return settings.SPACEDOCK_MAX_AGE  # read per request, as RevalidationFirst reads it

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX) or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        max_age = self.max_age
        if max_age <= 0:
            return self._fresh_for(self.get_response(request), max_age)
        if request.method == "HEAD":
            request.figures_moment = clock.now(max_age)
            return self._fresh_for(self.get_response(request), max_age)
        key = identify(request, max_age)
        # Other conditions come first (If-Match failing is 412, whatever If-None-Match says): Django's middleware
        # evaluates them all, on the view's response; those requests are rare.
        conditions = other_conditions(request.META)
        tag = None if conditions else matching_tag(request)
        if tag is not None:
            return self._fresh_for(HttpResponseNotModified(headers={"ETag": tag, "Vary": VARY}), max_age)
        cache = caches["default"]
        hit = None if conditions else cache.get(key)
        if hit is not None:
            content, headers = hit
            return HttpResponse(content, headers=headers)
        response = self._fresh_for(self.get_response(request), max_age)
        if (response.status_code == 200 and not response.streaming and response.has_header("ETag")
                and len(response.content) <= MAX_CACHED_BYTES):
            cache.set(key, (response.content, dict(response.items())), max_age)  # as sent, Content-Length too
        return response

    @staticmethod
    def _fresh_for(response, max_age: int):
        if response.status_code in (200, 304) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = f"max-age={max(max_age, 0)}"
        return response



class ConditionalGet(ConditionalGetMiddleware):
    """Django's ETag and `304 Not Modified` handling, except where `ResponseCache` has done it already: an API
    response whose ETag is the one derived from its cache key was checked against If-None-Match before
    its view ran, so looking again would only find what was found then."""

    def process_response(self, request, response):
        etag = getattr(request, "etag", None)
        if etag is not None and response.get("ETag") == etag and not other_conditions(request.META):
            return response
        return super().process_response(request, response)
