"""Option values the ingest commands share, read the same way with the same errors."""
from django.core.management.base import CommandError

from spacedock.catalog.clock import parse_moment


def as_of_moment(value):
    """`--as-of`: None, or an ISO 8601 date-time; anything else is a one-line CommandError."""
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not an ISO 8601 date-time such as 2026-07-24T01:13:35Z") from None
