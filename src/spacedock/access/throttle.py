"""Request counters in Django's cache, so that a limit holds across every process sharing it.

A caller's requests are counted in fixed windows of the rate's period (`cache.incr`, and `cache.add` for a
window's first request, both atomic in Redis and in local memory): the window a request falls in decides,
whichever process serves it. Each caller's windows are offset by a hash of its identity, so that callers'
windows do not all restart at the same instant. Unlike DRF's sliding window (a list of timestamps per caller, read and
written back, which loses counts between processes), this is one small integer per caller, and it can
let through at most twice the rate across a window boundary.

The counters live in the `throttle` cache (`settings.CACHES`): the response cache's Redis when
`CACHE_URL` names one, else this process's memory. A cache that fails (Redis down) is skipped: requests
are served unthrottled, with one warning when it fails and one when it answers again.
"""
from __future__ import annotations

import logging
import math
import time
import zlib

from django.core.cache import caches

from .callers import Caller

ALIAS = "throttle"
PREFIX = "spacedock:throttle:"
log = logging.getLogger("spacedock.access")


def window(caller: Caller, now: float) -> tuple[str, float]:
    """The cache key of the caller's current window, and when that window ends."""
    seconds = caller.rate.seconds
    offset = zlib.crc32(caller.bucket.encode()) % seconds
    start = (int(now) - offset) // seconds * seconds + offset
    return f"{PREFIX}{caller.bucket}:{start}", start + seconds


def _incr_or_one(cache, key, ttl: int) -> int:
    """Another process added the counter between our `incr` and `add`: count on it (or start again, if it
    expired meanwhile)."""
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 1, ttl)
        return 1


class Counters:
    """The callers' counts, and the cache's health in this process."""

    def __init__(self, alias: str = ALIAS, clock=time.time):
        self.alias = alias
        self.clock = clock
        self.down = False

    def hit(self, caller: Caller, now: float | None = None) -> float | None:
        """Counts a request; None when it is allowed, else the seconds until the caller's window ends."""
        now = self.clock() if now is None else now
        key, ends = window(caller, now)
        cache = caches[self.alias]
        try:
            try:
                count = cache.incr(key)  # one operation for every request of a window but its first
            except ValueError:  # the window's first request (or its counter just expired)
                ttl = math.ceil(ends - now) + 1
                count = 1 if cache.add(key, 1, ttl) else _incr_or_one(cache, key, ttl)
        except Exception as exc:  # noqa: BLE001 - whatever the backend raises, the request is still served
            self.failed(exc)
            return None
        self.answered()
        return ends - now if count > caller.rate.limit else None

    def peek(self, caller: Caller, now: float | None = None) -> tuple[int, int]:
        """(requests counted in the caller's window, up to its limit; seconds until it may call again)."""
        now = self.clock() if now is None else now
        key, ends = window(caller, now)
        try:
            count = caches[self.alias].get(key) or 0
        except Exception as exc:  # noqa: BLE001
            self.failed(exc)
            return 0, 0
        self.answered()
        limit = caller.rate.limit
        return min(count, limit), (math.ceil(ends - now) if count >= limit else 0)

    def failed(self, exc: Exception) -> None:
        if not self.down:
            self.down = True
            log.warning("rate limit counters unavailable (%s: %s); serving unthrottled until they answer",
                        type(exc).__name__, exc)

    def answered(self) -> None:
        if self.down:
            self.down = False
            log.warning("rate limit counters answer again")


COUNTERS = Counters()
