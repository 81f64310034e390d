"""LL2's limit/offset pagination: default 10, at most 100, absolute links with sorted query keys.

DRF's LimitOffsetPagination already builds LL2's links (sorted keys, `offset` dropped at 0); they are
built here the same way from one parse of the URL instead of four. Where DRF silently falls back
(`limit=abc`), Spacedock answers 400 naming the parameter.
"""
import re
from array import array
from functools import lru_cache
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit, urlunsplit

from django.db import connections
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from spacedock.catalog import orm_internals

from .filters import ASCII_INTEGER
from .render.context import origin
from .render.formats import json_bytes


def _whole_number(request, name, minimum):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = int(raw) if ASCII_INTEGER.fullmatch(raw) else None  # ASCII digits only: not `+5`, ` 5`, `٥`
    if value is None or value < minimum:
        kind = "a positive whole number" if minimum > 0 else "a whole number, 0 or more"
        raise ValidationError({name: [f"'{raw}' is not {kind}."]})
    return value


class Counts:
    """Per process: `count` by data version and filters. A count changes only when the data does (a new
    data version), unless a filter moves with the clock (`in_space`): such requests are counted afresh."""

    LIMIT = 10_000

    def __init__(self):
        self.version, self.store = None, {}

    def get(self, version, key, compute):
        if version != self.version or len(self.store) > self.LIMIT:
            self.version, self.store = version, {}
        if key not in self.store:
            self.store[key] = compute()
        return self.store[key]


COUNTS = Counts()


class PageIds:
    """What the paginator takes from a list: its `count()` and a slice of its ids.

    `listing` makes the list's ids (a `values_list("pk", flat=True)` queryset, or anything that counts
    and slices the same way) when they are needed. `sql_key` = (data version, endpoint) is given for a
    *plain listing*: no filter, search or ordering named, so the same query for every request of a data
    version (LL2's default page, and any client paging through everything). Its ids are then read once
    per data version and kept in the worker (up to `MAX_KEPT` of them, 8 bytes each): count and page
    come from memory, at any offset. A longer one is compiled once and read page by page as plain SQL
    with LIMIT and OFFSET (compiling cost the ORM more than the database took to answer).
    """

    SQL: dict = {}  # sql_key -> (database alias, the ids query's SQL), or None: the ORM answers
    MAX_KEPT = 250_000

    def __init__(self, listing, sql_key=None):
        self.listing, self.sql_key, self._ids = listing, sql_key, None

    @property
    def ids(self):
        if self._ids is None:
            self._ids = self.listing()
        return self._ids

    def count(self) -> int:
        kept = self._kept()
        return len(kept) if kept is not None else self.ids.count()

    def __getitem__(self, window: slice) -> list:
        if window.step is None:
            kept = self._kept()
            if kept is not None:
                return list(kept[window.start:window.stop])
            plain = self._plain_sql()
            if plain is not None:
                alias, sql = plain
                with connections[alias].cursor() as cursor:
                    cursor.execute(f"{sql} LIMIT %s OFFSET %s", [window.stop - window.start, window.start])
                    return [row[0] for row in cursor.fetchall()]
        return list(self.ids[window])

    def _kept(self):
        """The plain listing's ids, read once per data version (kept with the counts); None when not a
        plain listing or too long to keep."""
        if self.sql_key is None:
            return None
        version, path = self.sql_key
        return COUNTS.get(version, ("ids", path), self._read_all)

    def _read_all(self):
        plain = self._plain_sql()
        if plain is None:
            return None
        alias, sql = plain
        kept = array("q")
        with connections[alias].cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s", [self.MAX_KEPT + 1])
            while len(kept) <= self.MAX_KEPT and (rows := cursor.fetchmany(10_000)):
                try:
                    kept.extend(row[0] for row in rows)
                except (TypeError, OverflowError):  # not whole numbers: read page by page instead
                    return None
        return kept if len(kept) <= self.MAX_KEPT else None

    def _plain_sql(self):
        if self.sql_key is None:
            return None
        if self.sql_key not in self.SQL:
            if len(self.SQL) > 100:  # one entry per endpoint and data version
                self.SQL.clear()
            sql = params = None
            if isinstance(self.ids, QuerySet):
                try:
                    sql, params = orm_internals.compiled_sql(self.ids)
                except Exception:  # noqa: BLE001 - e.g. a queryset known to be empty: the ORM answers instead
                    sql = None
            plain = sql is not None and not params and " LIMIT " not in sql.upper()
            self.SQL[self.sql_key] = (self.ids.db, sql) if plain else None
        return self.SQL[self.sql_key]


# Characters that URL decoding and `quote_plus` both leave as they are: a path or a `key=value` of only these
# is its own encoding, with no need to decode and encode it again.
UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
UNRESERVED_PATH = re.compile(r"[A-Za-z0-9_.~/-]*")


def _parse(request):
    """(scheme, host, path, fragment) of the request's absolute URL, and per query key its `key=value`
    pieces encoded as DRF's `urlencode(..., doseq=True)` writes them."""
    query, path = request.META.get("QUERY_STRING", ""), request.path
    if UNRESERVED_PATH.fullmatch(path):
        encoded: dict = {}
        for piece in query.split("&"):
            if not piece:
                continue  # parse_qs skips empty pieces
            key, _, value = piece.partition("=")  # `key` alone is `key=` (blank values kept)
            if not (UNRESERVED.fullmatch(key) and UNRESERVED.fullmatch(value)):
                break
            encoded.setdefault(key, []).append(f"{key}={value}")
        else:
            scheme, _, netloc = origin(request).partition("://")
            return (scheme, netloc, path, ""), {key: "&".join(pieces) for key, pieces in encoded.items()}
    _, _, path, query, fragment = urlsplit(request.build_absolute_uri())
    scheme, _, netloc = origin(request).partition("://")
    return (scheme, netloc, path, fragment), {key: urlencode([(key, values)], doseq=True)
                                              for key, values in parse_qs(query, keep_blank_values=True).items()}


@lru_cache(maxsize=16)
def _encoded_key(key: str) -> str:
    return quote_plus(key)


class LL2Pagination(LimitOffsetPagination):
    default_limit = 10
    max_limit = 100
    count_key = None  # (version, key) when the count may be reused; set by paginate_queryset

    def paginate_queryset(self, queryset, request, view=None):
        self.count_key = view.count_key(request) if view is not None and hasattr(view, "count_key") else None
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset):
        if self.count_key is None:
            return super().get_count(queryset)
        version, key = self.count_key
        return COUNTS.get(version, key, lambda: super(LL2Pagination, self).get_count(queryset))

    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, 1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return _whole_number(request, self.offset_query_param, 0) or 0

    # Links: DRF's replace_query_param/remove_query_param parse and re-encode the whole URL for each
    # change. urlencode(sorted(items), doseq=True) is each key's `key=value` pieces joined by `&` in
    # key order, so the URL is parsed and each unchanged key encoded once per request; a link then
    # joins them with its own limit and offset: the same text.

    def _link(self, **changes) -> str:
        parsed = getattr(self, "_parsed", None)
        if parsed is None or parsed[0] is not self.request:
            parsed = self._parsed = (self.request, *_parse(self.request))
        _, (scheme, netloc, path, fragment), encoded = parsed
        pieces = dict(encoded)
        for key, value in changes.items():
            if value is None:
                pieces.pop(key, None)
            else:  # a whole number: its text is its encoding
                pieces[key] = f"{_encoded_key(key)}={value:d}"
        query = "&".join(piece for _, piece in sorted(pieces.items()) if piece)
        if not fragment and scheme and netloc and path.startswith("/"):  # what urlunsplit writes then
            return f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}"
        return urlunsplit((scheme, netloc, path, query, fragment))

    def get_next_link(self):
        if self.offset + self.limit >= self.count:
            return None
        return self._link(**{self.limit_query_param: self.limit, self.offset_query_param: self.offset + self.limit})

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        offset = self.offset - self.limit
        return self._link(**{self.limit_query_param: self.limit,
                             self.offset_query_param: offset if offset > 0 else None})

    def json_page(self, results: list) -> bytes:
        """The page as `get_paginated_response` would render it, from its results' JSON pieces."""
        head = b'{"count":%d,"next":%s,"previous":%s,"results":[' % (
            self.count, json_bytes(self.get_next_link()), json_bytes(self.get_previous_link()))
        return b"".join([head, *results, b"]}"])
