"""Logging: JSON lines or plain text (`SPACEDOCK_LOG_FORMAT`), the request id on every line logged while a
request is served, and the client's address (`SPACEDOCK_TRUSTED_PROXIES`)."""
from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re

import orjson

# The id of the request being served (set by ops.requests.Operable), for every log line it causes.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("spacedock_request_id", default=None)
# An incoming X-Request-ID is kept when it looks like an id: letters, digits and a few separators, at most
# 128 characters (nothing that could break a log line or a header).
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=@-]{0,127}").fullmatch

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None outside a request) to every record, for both formats."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the record's extra fields
    (an access line's method, path, status, ...), and the traceback if any."""

    def format(self, record):
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time level logger [request id] message`."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = None
        return super().format(record)


def parse_addresses(value: str | None) -> frozenset[str]:
    """`SPACEDOCK_TRUSTED_PROXIES`: comma-separated addresses (none by default)."""
    return frozenset(a.strip() for a in (value or "").split(",") if a.strip())


def client_address(environ, trusted: frozenset[str]) -> str:
    """REMOTE_ADDR; when that is a trusted proxy, the X-Forwarded-For entry it added, walking right to left
    past further trusted proxies. X-Forwarded-For is never read otherwise: clients can write anything there."""
    address = environ.get("REMOTE_ADDR", "")
    if address not in trusted:
        return address
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return address
    for entry in reversed(forwarded.split(",")):
        entry = entry.strip()
        if not entry:
            continue
        if entry not in trusted:
            return entry
        address = entry
    return address


class OneLine(logging.Filter):
    """Keeps a record to its message: no traceback (for expected conditions, such as a host not allowed)."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True
