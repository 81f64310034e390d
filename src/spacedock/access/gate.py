"""`Gate`: the WSGI layer that checks keys and limits, between `ops.requests.Operable` and the response
cache (`api.caching.CacheFirst`), so that they hold for cache hits and 304s too.

For each request under /2.3.0/:
- a key sent (`Authorization: Token <key>`) is looked up; unknown or revoked, the answer is DRF's
  `401 {"detail":"Invalid token."}` with `WWW-Authenticate: Token`;
- when the caller has a rate (`SPACEDOCK_ANON_RATE`, or the key's own, else `SPACEDOCK_KEY_RATE`), the
  request is counted (`access.throttle`); over the limit, DRF's `429 {"detail":"Request was throttled.
  Expected available in N seconds."}` with `Retry-After: N`;
- `/2.3.0/api-throttle/` is neither counted nor cached: its view is handed the caller.

With no rate set and no `Authorization` header (the default) a request costs a path test and two
attribute reads here. Anything else under /2.3.0/ (a bad parameter, an unknown id or path) counts too.
"""
from __future__ import annotations

import math

import orjson
from django.conf import settings

from spacedock.api.caching import UNCACHED
from spacedock.ops.outages import UNREACHABLE as DATABASE_UNREACHABLE
from spacedock.ops.outages import wsgi_answer as database_unavailable

from .callers import API_PREFIX, CALLER, THROTTLE_PATH, InvalidToken, caller_of, policy
from .throttle import COUNTERS


def throttled_detail(wait: int) -> str:
    """DRF's `Throttled` wording, with its singular."""
    return f"Request was throttled. Expected available in {wait} second{'' if wait == 1 else 's'}."


class Gate:
    """WSGI, between `Operable` and `CacheFirst` (see the module docstring)."""

    def __init__(self, application, counters=COUNTERS):
        self.application = application
        self.counters = counters

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        anon = settings.SPACEDOCK_ANON_RATE
        nothing_to_do = not anon and "HTTP_AUTHORIZATION" not in environ and path != THROTTLE_PATH
        if nothing_to_do or not path.startswith(API_PREFIX):
            return self.application(environ, start_response)
        rules = policy(anon, settings.SPACEDOCK_KEY_RATE, settings.SPACEDOCK_TRUSTED_PROXIES)
        try:
            caller = caller_of(environ, rules)
        except InvalidToken as exc:
            return answer(start_response, "401 Unauthorized", str(exc), [("WWW-Authenticate", "Token")])
        except DATABASE_UNREACHABLE as exc:  # a key to look up and no database: 503, as every layer answers
            return database_unavailable(start_response, exc)
        if path == THROTTLE_PATH:
            environ[CALLER] = caller
            environ[UNCACHED] = True
        elif caller.rate is not None:
            wait = self.counters.hit(caller)
            if wait is not None:
                wait = max(math.ceil(wait), 1)
                return answer(start_response, "429 Too Many Requests", throttled_detail(wait),
                              [("Retry-After", str(wait))])
        return self.application(environ, start_response)


def answer(start_response, status: str, text: str, headers: list) -> list[bytes]:
    body = orjson.dumps({"detail": text})
    start_response(status, [("Content-Type", "application/json"), *headers, ("Vary", "Accept"),
                            ("Content-Length", str(len(body)))])
    return [body]
