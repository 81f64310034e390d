"""The moment live figures are computed for: the real clock, or the one `SPACEDOCK_NOW` pins.

Whole seconds, as LL2 shows durations. Pinning the clock makes figures reproducible: the golden tests
pin it to the moment LL2 rendered its captures.
"""
import datetime as dt
import time
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=64)
def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date-time (`2026-07-24T01:13:35Z`); a naive one is taken as UTC."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def now(step: int = 0) -> dt.datetime:
    """The moment, in whole seconds; with `step`, the start of the current window of `step` seconds
    (so that every process computes the same figures within it)."""
    pinned = getattr(settings, "SPACEDOCK_NOW", None)
    seconds = int(parse_moment(pinned).timestamp()) if pinned else int(time.time())
    if step > 1:
        seconds -= seconds % step
    return _moment(seconds)


@lru_cache(maxsize=8)
def _moment(seconds: int) -> dt.datetime:
    """The aware UTC datetime of a Unix second: every request of a second (of a window) asks the same."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
