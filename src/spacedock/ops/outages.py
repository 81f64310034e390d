"""The database down: `503` with `Retry-After`, one warning, and recovery without a restart.

A database that cannot be reached (stopped, restarting, network gone) is an expected condition, not a
bug: every API or readiness request answers `503 {"detail": "The database is unavailable; try again
shortly."}` with `Retry-After: 5`, whichever layer met the error: the response cache's identity
(`api.caching.CacheFirst` reads the data version first), a view (`DatabaseUnavailableMiddleware`), or
anything else Django would have answered 500 (`api.errors.server_error`). No traceback: one warning per
process when the database goes away and one when it answers again.

Recovery: a connection that failed is closed here, so the next request connects afresh (Django does this
itself at the end of a request it handled; the response cache's answers never reach that point).
`Retry-After` is 5 seconds: about what a PostgreSQL restart or fail-over takes, and short enough that a
client retrying on it does not wait long after the database is back.

A statement stopped by the statement timeout (`ops.timeouts`) is also a `503` with `Retry-After`, from the
same places, but with its own detail (`TIMEOUT_DETAIL`) and one warning line per request: the database is
there, this request asked too much of it (or it is overloaded), and nothing is closed or marked down.
"""
from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections

from spacedock.ops import timeouts

RETRY_AFTER = "5"
DETAIL = b'{"detail":"The database is unavailable; try again shortly."}'
TIMEOUT_DETAIL = b'{"detail":"The database took too long to answer this request; try again shortly."}'
STATUS = "503 Service Unavailable"
HEADERS = (("Content-Type", "application/json"), ("Retry-After", RETRY_AFTER), ("Cache-Control", "no-store"))
UNREACHABLE = (OperationalError, InterfaceError)  # Django's wrappers of the driver's errors
log = logging.getLogger("spacedock.outages")


def is_unreachable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNREACHABLE)


class DatabaseOutage:
    """This process's view of the database: a warning when it goes away and when it answers again."""

    def __init__(self):
        self.down = False

    def failed(self, exc: BaseException) -> None:
        """The database could not be used: forget the broken connections and say so (once)."""
        for connection in connections.all(initialized_only=True):
            if connection.errors_occurred and not connection.in_atomic_block:
                try:
                    connection.close_if_unusable_or_obsolete()  # closes it when it no longer answers
                except Exception:  # noqa: BLE001 - closing a dead connection may fail too; it is dropped anyway
                    connection.connection = None
        if not self.down:
            self.down = True
            log.warning("database unavailable (%s: %s); answering 503 until it answers",
                        type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")

    def answered(self) -> None:
        if self.down:
            self.down = False
            log.warning("database answers again")


OUTAGE = DatabaseOutage()


def _detail(exc: BaseException | None, where: str = "") -> bytes:
    """The 503's body: the statement timeout's (logged, one line), or the outage's (`OUTAGE.failed`)."""
    if timeouts.timed_out(exc):
        log.warning("statement timeout (%g s)%s: %s", timeouts.seconds(), f" on {where}" if where else "",
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return TIMEOUT_DETAIL
    if exc is not None:
        OUTAGE.failed(exc)
    return DETAIL


def wsgi_answer(start_response, exc: BaseException) -> list[bytes]:
    """The 503, answered at the WSGI level."""
    body = _detail(exc)
    start_response(STATUS, [*HEADERS, ("Content-Length", str(len(body)))])
    return [body]


def response(exc: BaseException | None = None, request=None):
    """The 503 as a Django response."""
    from django.http import HttpResponse

    where = f"{request.method} {request.get_full_path()}" if request is not None else ""
    answer = HttpResponse(_detail(exc, where), status=503, content_type="application/json")
    for name, value in HEADERS[1:]:
        answer[name] = value
    answer._has_been_logged = True  # Django would log every 503 as an error: the outage's warning says it
    return answer


class DatabaseUnavailableMiddleware:
    """A view that met an unreachable database answers 503 (not Django's 500 and its logged traceback)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_unreachable(exception):
            return response(exception, request)
        return None
