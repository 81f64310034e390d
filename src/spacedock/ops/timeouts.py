"""A statement timeout for requests: a runaway query is stopped by the database and answered `503`.

`SPACEDOCK_STATEMENT_TIMEOUT` seconds (default 10; 0 turns it off) bound each statement a request runs, so
that no request holds a worker or the database for long, whatever its parameters. It applies while Django
handles a request (`StatementTimeoutMiddleware`, the outermost middleware), and only then: `spacedock
import`, `sync`, `export`, `generate` and `migrate` run no request, so their statements are never bounded.

- **SQLite** has no server to stop a query: a progress handler on each connection (set when the middleware
  first meets the connection, or when one is made during a request) is called every `STEPS` virtual
  machine instructions (about every half millisecond, at no measurable cost), and interrupts the
  statement once the request's deadline has passed. Outside a request there is no deadline and it never
  interrupts.
- **PostgreSQL** stops the statement itself: `SET statement_timeout` on a connection the first time a
  request uses it, once per connection (a server process's connections serve only requests). Inside an
  atomic block (tests only: requests run in autocommit) it is set for the request and reset after it,
  since rolling back that block would undo it.

A statement stopped this way raises Django's `OperationalError`; `ops.outages` answers it `503` with
`Retry-After` and logs one line naming the request. It is not an outage: the connection stays usable and
the next request is served as usual.
"""
from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created

STEPS = 10_000  # SQLite instructions between two looks at the clock: about half a millisecond of work
_request = threading.local()  # .deadline (time.monotonic()) while a request is handled; .timed_out
# On Django's connection wrapper: (the driver's connection, what it was given: "handler" or milliseconds).
PREPARED = "spacedock_statement_timeout"


def seconds() -> float:
    return float(getattr(settings, "SPACEDOCK_STATEMENT_TIMEOUT", 0) or 0)


def deadline() -> float | None:
    return getattr(_request, "deadline", None)


def timed_out(exc: BaseException | None) -> bool:
    """Whether `exc` is a statement stopped by the timeout (PostgreSQL's query_canceled, or an interrupt of
    SQLite's progress handler during this request)."""
    if exc is None:
        return False
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) == "57014":  # psycopg: query_canceled (statement_timeout)
        return True
    return bool(getattr(_request, "timed_out", False)) and "interrupted" in str(cause)


def _progress() -> int:
    """SQLite's progress handler: non-zero interrupts the running statement."""
    limit = getattr(_request, "deadline", None)
    if limit is not None and time.monotonic() > limit:
        _request.timed_out = True
        return 1
    return 0


def _prepare(wrapper, during_request: bool) -> None:
    """Give the connection what the timeout needs, once (per request inside an atomic block)."""
    raw = wrapper.connection
    if raw is None:
        return
    given = getattr(wrapper, PREPARED, (None, None))
    if wrapper.vendor == "sqlite":
        if given[0] is not raw:
            raw.set_progress_handler(_progress, STEPS)
            setattr(wrapper, PREPARED, (raw, "handler"))
    elif wrapper.vendor == "postgresql" and during_request:
        milliseconds = int(seconds() * 1000)
        if given != (raw, milliseconds) or wrapper.in_atomic_block:
            _execute(wrapper, f"SET statement_timeout = {milliseconds}")
            setattr(wrapper, PREPARED, (None, None) if wrapper.in_atomic_block else (raw, milliseconds))
            if wrapper.in_atomic_block:
                _request.reset = [*getattr(_request, "reset", []), raw]


def _execute(wrapper, sql: str) -> None:
    """`sql` through the driver's own connection (not one of the request's queries); a failure is Django's
    `OperationalError` (an outage, `ops.outages`), and the connection is dropped for a fresh one."""
    try:
        wrapper.connection.execute(sql)
    except Exception as exc:  # noqa: BLE001 - the driver's error, whatever it is
        with contextlib.suppress(Exception):
            wrapper.close()
        raise OperationalError(str(exc).strip() or type(exc).__name__) from exc


def _created(sender, connection, **kwargs):
    _prepare(connection, during_request=deadline() is not None)


def _reset_after_request() -> None:
    for raw in getattr(_request, "reset", []):
        try:
            raw.execute("RESET statement_timeout")
        except Exception:  # noqa: BLE001 - a transaction aborted by the timeout itself: its rollback undoes the SET
            pass
    _request.reset = []


class StatementTimeoutMiddleware:
    """Sets the request's deadline, and makes sure the connections in use will enforce it."""

    def __init__(self, get_response):
        self.get_response = get_response
        connection_created.connect(_created, dispatch_uid="spacedock.ops.timeouts")

    def __call__(self, request):
        limit = seconds()
        if limit <= 0:
            return self.get_response(request)
        _request.deadline, _request.timed_out, _request.reset = time.monotonic() + limit, False, []
        try:
            for wrapper in connections.all(initialized_only=True):
                _prepare(wrapper, during_request=True)
            return self.get_response(request)
        finally:
            _request.deadline = None
            _reset_after_request()
