"""Who a request comes from, and what it may do: a key sent as LL2's clients send it
(`Authorization: Token <key>`), else the client's address (`ops.logs.client_address`, behind the
trusted proxies of `SPACEDOCK_TRUSTED_PROXIES` only).

A key is looked up in the database on every request that sends one (one query by the indexed digest, in SQL
written once, through a kept cursor: `catalog.hot_reads`; on SQLite, asked again only after a commit): a
key revoked through any process or the command line is refused by every process on its next request. A
request without a key reads nothing.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

from spacedock.catalog import hot_reads
from spacedock.ops.logs import client_address, parse_addresses

from .models import ApiKey, digest_of
from .rates import Rate, parse_rate

CALLER = "spacedock.caller"  # the WSGI environ key the caller is handed to the /api-throttle/ view under
API_PREFIX = "/2.3.0/"
THROTTLE_PATH = "/2.3.0/api-throttle/"
KEYWORD = "token"  # DRF's TokenAuthentication keyword, compared case-insensitively as DRF does
# The key by its digest, as SQL written once: the ORM's queryset would cost more than the query (about
# 0.4 ms of Python a request against 30 µs), on every request that sends a key.
KEY_SQL = (f"SELECT id, name, rate, revoked_at IS NOT NULL FROM {ApiKey._meta.db_table} "
           f"WHERE {ApiKey._meta.get_field('digest').column} = %s")
_PLAIN = re.compile(r"[0-9A-Za-z.:\[\]%_-]{1,64}").fullmatch  # what may go into a cache key as it is


class InvalidToken(Exception):
    """A key that cannot be used: DRF's 401 wording is the message."""


@dataclass(frozen=True, slots=True)
class Caller:
    ident: str  # what /api-throttle/ shows: the address, or the key's name
    bucket: str  # what the counters count: `ip:<address>` or `key:<id>`
    rate: Rate | None  # None: no limit


@dataclass(frozen=True, slots=True)
class Policy:
    """The settings, read once per distinct value (tests change them; a server reads them once)."""

    anon: Rate | None
    key: Rate | None
    trusted: frozenset


@lru_cache(maxsize=8)
def policy(anon: str, key: str, trusted: str) -> Policy:
    return Policy(parse_rate(anon), parse_rate(key), parse_addresses(trusted))


def token_of(header: str) -> str | None:
    """The key of an `Authorization` header; None when it is not a `Token` one (another scheme is left
    alone, as DRF does); raises InvalidToken, with DRF's words, when it is malformed."""
    parts = header.split()
    if not parts or parts[0].lower() != KEYWORD:
        return None
    if len(parts) == 1:
        raise InvalidToken("Invalid token header. No credentials provided.")
    if len(parts) > 2:
        raise InvalidToken("Invalid token header. Token string should not contain spaces.")
    try:  # WSGI gives headers as Latin-1 text: a key is UTF-8 bytes
        return parts[1].encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise InvalidToken("Invalid token header. Token string should not contain invalid characters.") from None


def caller_of(environ, rules: Policy) -> Caller:
    """The request's caller; raises InvalidToken for an unknown or revoked key, and the database's error
    when it cannot be reached (only when a key is sent)."""
    header = environ.get("HTTP_AUTHORIZATION")
    token = token_of(header) if header else None
    if token is not None:
        found = hot_reads.one_row(KEY_SQL, (digest_of(token),))
        if found is None or found[3]:
            raise InvalidToken("Invalid token.")
        pk, name, rate, _ = found
        return Caller(name, f"key:{pk}", parse_rate(rate) if rate else rules.key)
    address = client_address(environ, rules.trusted)
    return Caller(address, "ip:" + (address if _PLAIN(address) else f"h{zlib.crc32(address.encode()):08x}"), rules.anon)
