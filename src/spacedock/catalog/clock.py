"""The moment live figures are computed for: the real clock, or the one `SPACEDOCK_NOW` pins.

Whole seconds, as LL2 shows durations. Pinning the clock makes figures reproducible: the golden tests
pin it to the moment LL2 rendered its captures.
"""
import datetime as dt

from django.conf import settings
from django.utils import timezone


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date-time (`2026-07-24T01:13:35Z`); a naive one is taken as UTC."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def now(step: int = 0) -> dt.datetime:
    """The moment, in whole seconds; with `step`, the start of the current window of `step` seconds
    (so that every process computes the same figures within it)."""
    pinned = getattr(settings, "SPACEDOCK_NOW", None)
    moment = parse_moment(pinned) if pinned else timezone.now()
    moment = moment.replace(microsecond=0)
    if step > 1:
        moment -= dt.timedelta(seconds=int(moment.timestamp()) % step)
    return moment
