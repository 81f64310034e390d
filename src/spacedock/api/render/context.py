"""What a representation needs from its request: the absolute base of `url`s, the `format` override,
the moment live figures are computed for, and the data version rows are kept for."""
from __future__ import annotations

import datetime as dt

from django.conf import settings

from spacedock.catalog import changes, clock

API_PREFIX = "/2.3.0/"
# The WSGI environ key of the request's origin once validated (`api.caching` works it out for the cache key).
ORIGIN = "spacedock.origin"


class Context:
    """What a representation needs from the request: the absolute base, the `format` override, and the
    moment its live figures are computed for (one moment for the whole response)."""

    __slots__ = ("base", "suffix", "now", "version", "windowed")

    def __init__(self, base: str, fmt: str | None = None, now: dt.datetime | None = None, version: int | None = None,
                 windowed: bool = False):
        self.base = base.rstrip("/") + API_PREFIX
        self.suffix = f"?format={fmt}" if fmt else ""
        self.now = now or clock.now()
        self.version = version  # the data version the response is built from; None: share nothing
        # Whether `now` is the start of a max-age window (response caching on): then every request of the
        # window shows the same live figures, and live shapes are kept for it (SharedShapes.moving_for).
        self.windowed = windowed

    @classmethod
    def from_request(cls, request, version: int | None = None, moment: dt.datetime | None = None) -> Context:
        """The request's context: for `version` of the data (read now when not given) and live figures at
        `moment` (a max-age window's start, when responses are cached; now otherwise)."""
        fmt = request.query_params.get("format") if hasattr(request, "query_params") else request.GET.get("format")
        if version is None:
            version = changes.current()
        return cls(origin(request), fmt, now=moment, version=version, windowed=moment is not None)

    def url(self, collection: str, pk) -> str:
        """An object's absolute `url`, keeping the `format` parameter as LL2 (DRF reverse()) does."""
        return f"{self.base}{collection}/{pk}/{self.suffix}"


def origin(request) -> str:
    """`scheme://host` that links name: `SPACEDOCK_BASE_URL` when set, else the request's (its Host validated
    against ALLOWED_HOSTS). Worked out once per request: the cache key, the shapes' `url`s and the page
    links all need it, and `get_host()` validates against ALLOWED_HOSTS each time."""
    request = getattr(request, "_request", request)
    known = request.META.get(ORIGIN) or request.__dict__.get("_spacedock_origin")
    if known is None:
        host = request.get_host()  # validated against ALLOWED_HOSTS in any case
        known = request._spacedock_origin = settings.SPACEDOCK_BASE_URL or f"{request.scheme}://{host}"
    return known
