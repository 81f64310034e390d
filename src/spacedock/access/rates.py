"""Rates in DRF's syntax (`15/hour`, `1000/day`, `10/min`, `2/s`): a number of requests per period.

Stricter than DRF (which reads only the period's first letter, so `15/hello` is 15 an hour): the period
is one of s, sec, second, m, min, minute, h, hour, d, day (or a plural), and the number is 1 or more.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
           "d": 86400, "day": 86400}
_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([a-z]+?)s?\s*")
EXAMPLE = "a number of requests per second, minute, hour or day, such as 15/hour"


class Rate(NamedTuple):
    limit: int  # requests allowed in each period
    seconds: int  # the period

    def __str__(self):
        unit = {1: "second", 60: "min", 3600: "hour", 86400: "day"}[self.seconds]
        return f"{self.limit}/{unit}"


@lru_cache(maxsize=64)
def parse_rate(text: str | None) -> Rate | None:
    """The rate `text` names; None for blank (no limit). Raises ValueError for anything else."""
    if text is None or not text.strip():
        return None
    match = _RATE.fullmatch(text.lower())
    if not match or match[2] not in PERIODS or int(match[1]) < 1:
        raise ValueError(f"{text!r} is not a rate: use {EXAMPLE}")
    return Rate(int(match[1]), PERIODS[match[2]])


def checked_rate(name: str, text: str | None) -> str:
    """A rate setting read at start-up: its text (blank when unset), or ImproperlyConfigured in one line."""
    try:
        parse_rate(text)
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}={text!r} is not a rate: use {EXAMPLE} (or leave it unset: "
                                   f"no limit)") from None
    return (text or "").strip()


def validate_rate(value: str) -> None:
    """A model field's validator (a key's own rate, in the admin too)."""
    from django.core.exceptions import ValidationError

    try:
        parse_rate(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a rate: use {EXAMPLE}, or leave it blank for the default") from None
