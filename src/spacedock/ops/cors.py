"""Cross-origin clients: CORS headers on every response, and preflights answered (`SPACEDOCK_CORS_ORIGINS`).

Why a few lines of WSGI here rather than django-cors-headers: most API answers never reach Django. The
response cache (`api.caching.CacheFirst`) answers revalidations (304) and cache hits itself, with the
headers the response was first stored with; a Django middleware would put its headers into the stored
response (one origin's `Access-Control-Allow-Origin` replayed to another), or miss hits and 304s
altogether. Applied by `ops.requests.Operable`, outside the cache, the headers are worked out for each
request from its own `Origin` whoever answers it, and nothing origin-specific is ever stored, so the
response cache needs no `Origin` in its key.

- `*` (the default): `Access-Control-Allow-Origin: *` on every response; the bytes do not depend on the
  origin, so no `Vary: Origin`.
- a list of origins: the request's `Origin` echoed when listed, nothing when not; `Vary: Origin` on every
  response, so that browsers' and proxies' caches keep them apart.
- empty: no CORS headers, and `OPTIONS` goes to Django as any other request.

A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered `204` here: the API is read-only
(GET, HEAD, OPTIONS) and takes the headers LL2 clients send (`Authorization` for an LL2 API key,
`If-None-Match`, ...); browsers may keep the answer `Access-Control-Max-Age` seconds.
"""
from __future__ import annotations

ALLOW_METHODS = "GET, HEAD, OPTIONS"
ALLOW_HEADERS = "Accept, Accept-Encoding, Authorization, Content-Type, If-None-Match, If-Modified-Since, X-Request-ID"
EXPOSE_HEADERS = "ETag, X-Request-ID, Retry-After"
MAX_AGE = "86400"  # a day: the policy changes only with the configuration


def parse_origins(value: str | None) -> tuple[str, ...]:
    """`SPACEDOCK_CORS_ORIGINS`: `*` (default), comma-separated origins, or empty (off)."""
    if value is None:
        return ("*",)
    origins = tuple(dict.fromkeys(o.strip().rstrip("/") for o in value.split(",") if o.strip()))
    return ("*",) if "*" in origins else origins


class CorsPolicy:
    """The CORS headers for a request, per the configured origins (see the module docstring)."""

    __slots__ = ("enabled", "any", "origins", "_always")

    def __init__(self, origins: tuple[str, ...]):
        self.enabled = bool(origins)
        self.any = origins == ("*",)
        self.origins = frozenset(origins)
        if self.any:
            self._always = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSE_HEADERS)]
        else:
            self._always = []

    def allowed(self, environ) -> str | None:
        """The `Access-Control-Allow-Origin` value for this request, or None."""
        if self.any:
            return "*"
        origin = environ.get("HTTP_ORIGIN")
        return origin if origin in self.origins else None

    def headers(self, environ) -> list:
        """Headers to add to the response (the caller merges `Vary`)."""
        if self.any:
            return self._always
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin in self.origins:
            return [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", EXPOSE_HEADERS)]
        return []

    @property
    def varies(self) -> bool:
        """Whether responses vary by `Origin` (specific origins configured)."""
        return self.enabled and not self.any

    def is_preflight(self, environ) -> bool:
        return (self.enabled and environ.get("REQUEST_METHOD") == "OPTIONS"
                and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)

    def preflight_headers(self, environ) -> list:
        """The `204` answer's headers: permissions only when the origin is allowed."""
        headers = [("Content-Length", "0")]
        allowed = self.allowed(environ)
        if allowed is not None:
            headers += [("Access-Control-Allow-Origin", allowed), ("Access-Control-Allow-Methods", ALLOW_METHODS),
                        ("Access-Control-Allow-Headers", ALLOW_HEADERS), ("Access-Control-Max-Age", MAX_AGE)]
        return headers


def with_vary_origin(headers: list) -> list:
    """`headers` with `Origin` added to their `Vary` (or a `Vary: Origin`)."""
    out, merged = [], False
    for name, value in headers:
        if not merged and name.lower() == "vary":
            if "origin" not in value.lower():
                value = f"{value}, Origin" if value.strip() else "Origin"
            merged = True
        out.append((name, value))
    if not merged:
        out.append(("Vary", "Origin"))
    return out
