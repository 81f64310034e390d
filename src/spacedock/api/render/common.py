"""Pieces every LL2 shape shares: the request context, durations, dates, and batched references.

Shapes are built as plain dicts (no DRF serializers: they measured 8-50x slower here). A shape that
embeds another asks `Refs.get(kind, id)` for it and receives at once either the bytes already kept for
it (`SharedShapes`; for a response written straight as bytes, a marker standing for them) or an empty
dict; `Refs.resolve()` then fills every such dict, one kind at a time, with one batched query per kind.
Kinds only embed kinds of a higher `level`, so each kind is fetched at most once per request and the
number of queries is fixed by the shape, not by the number of rows.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import deque

import isodate
import orjson

from spacedock.catalog import changes, clock

from .prepared import Prepared

API_PREFIX = "/2.3.0/"


class Context:
    """What a representation needs from the request: the absolute base, the `format` override, and the
    moment its live figures are computed for (one moment for the whole response)."""

    __slots__ = ("base", "suffix", "now", "version", "windowed")

    def __init__(self, base: str, fmt: str | None = None, now: dt.datetime | None = None, version: int | None = None,
                 windowed: bool = False):
        self.base = base.rstrip("/") + API_PREFIX
        self.suffix = f"?format={fmt}" if fmt else ""
        self.now = now or clock.now()
        self.version = version  # the data version the response is built from; None: share nothing
        # Whether `now` is the start of a max-age window (response caching on): then every request of the
        # window shows the same live figures, and live shapes are kept for it (SharedShapes.moving_for).
        self.windowed = windowed

    @classmethod
    def from_request(cls, request) -> "Context":
        fmt = request.query_params.get("format") if hasattr(request, "query_params") else request.GET.get("format")
        version = getattr(request, "data_version", None)  # read once per request (see api.caching)
        if version is None:
            version = changes.current()
        moment = getattr(request, "figures_moment", None)  # the cache window's start (see api.caching)
        return cls(origin(request), fmt, now=moment, version=version,
                   windowed=moment is not None)

    def url(self, collection: str, pk) -> str:
        """An object's absolute `url`, keeping the `format` parameter as LL2 (DRF reverse()) does."""
        return f"{self.base}{collection}/{pk}/{self.suffix}"


def origin(request) -> str:
    """`scheme://host` of the request (DRF's or Django's), worked out once per request: the cache key, the
    shapes' `url`s and the page links all need it, and `get_host()` validates against ALLOWED_HOSTS each time."""
    request = getattr(request, "_request", request)
    known = request.__dict__.get("_spacedock_origin")
    if known is None:
        known = request._spacedock_origin = f"{request.scheme}://{request.get_host()}"
    return known


def duration(value):
    """LL2's duration strings: ISO 8601 with days as the largest unit (`P0D`, `PT47M18S`, `P7DT12H29M27S`)."""
    if value is None:
        return None
    if value.__class__ is dt.timedelta:
        return _iso_duration((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds)
    return isodate.duration_isoformat(value)


def seconds(value):
    """A figure kept in whole seconds, as an LL2 duration string."""
    if value is None:
        return None
    if value.__class__ is int:
        return _iso_duration(value * 1_000_000)
    return duration(dt.timedelta(seconds=value))


def _iso_duration(microseconds: int) -> str:
    """isodate's `duration_isoformat` of a timedelta of that many microseconds, without its regex and
    format-table machinery (a page of spacecraft formats hundreds)."""
    sign = "-" if microseconds < 0 else ""
    total, micro = divmod(abs(microseconds), 1_000_000)
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    out = [sign, "P"]
    if days:
        out.append(f"{days}D")
    if hours or minutes or secs or micro:
        out.append("T")
        if hours:
            out.append(f"{hours}H")
        if minutes:
            out.append(f"{minutes}M")
        if secs or micro:
            out.append(("%d.%06d" % (secs, micro)).rstrip("0") if micro else f"{secs}")
            out.append("S")
    elif not days:
        out.append("0D")
    return "".join(out)


def moment(value):
    """A date-time as DRF (LL2) writes it: ISO 8601 in UTC with `Z`."""
    if value is None:
        return None
    text = value.astimezone(dt.timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date(value):
    return None if value is None else value.isoformat()


def number(value):
    """A float column as DRF's FloatField renders it (`9.0`, not `9`)."""
    return None if value is None else float(value)


class Kind:
    """One representation of one table: which rows to fetch, and how a row becomes an LL2 dict."""

    name: str = ""
    level: int = 0
    model = None
    columns: tuple = ()
    # Whether its rendering depends on stored data only (not on the clock), at least for the rows `keeps`
    # says: then it is rendered once per data version and host, and reused as JSON bytes (SharedShapes).
    shared: bool = False

    def keeps(self, row) -> bool:
        return True

    # Kept as a template referring to the static shared shapes it embeds (see SharedShapes), instead of
    # whole: for shapes kept by the thousand (spacecraft) that embed big shared ones (configurations).
    template: bool = False

    def query(self, ids):
        """The rows of these ids, as a `values()` queryset."""
        return self.model.objects.filter(pk__in=ids).values(*self.columns)

    def fetch(self, ids, ctx) -> list:
        """`query(ids)`'s rows, through SQL compiled once (see `prepared`)."""
        prepared = self.__dict__.get("_prepared")
        if prepared is None:
            prepared = self._prepared = Prepared(self.model, self.query)
        return prepared(ids)

    def render(self, row, refs: "Refs") -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


MARK = b"\x00"  # never in orjson's output (control characters are escaped), so it can delimit references
LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")  # U+2028, U+2029 in UTF-8
ESCAPED = {b"\xe2\x80\xa8": b"\\u2028", b"\xe2\x80\xa9": b"\\u2029"}


def escape_line_separators(data: bytes) -> bytes:
    """DRF's JSON escapes U+2028/U+2029 (JavaScript line terminators); orjson does not."""
    if LINE_SEPARATORS.search(data):
        return LINE_SEPARATORS.sub(lambda match: ESCAPED[match.group()], data)
    return data


def json_bytes(obj) -> bytes:
    """`obj` as DRF's compact JSON writes it (orjson, plus DRF's escaping of U+2028/U+2029)."""
    return escape_line_separators(orjson.dumps(obj))


class SharedShapes:
    """Per process: shapes already rendered, as JSON bytes, for one data version.

    A configuration, an agency, an image: a page embeds a few dozen distinct ones a hundred times over.
    A settled spacecraft (no flight or docking on or to come): its bytes cannot change until the data
    does. Rendering each once per data version instead of once per request saves most of a page's
    queries and work. A spacecraft is kept as a template: its own bytes, between references to the
    bytes kept for the shared shapes it embeds (its configuration, images), so a kept row costs a few
    hundred bytes, not kilobytes, and a page of them is one join. Shapes are kept per host and `format`
    (their `url`s differ). A new data version (any write) empties the store; past `budget` bytes the
    longest kept go first, so a worker's memory stays bounded.
    """

    def __init__(self, budget: int = 40 << 20):
        self.budget = budget
        self.clear()

    MOVING_BUDGET = 4 << 20  # live shapes kept for the current moment (a few dozen spacecraft)

    def clear(self):
        self.version, self.size = None, 0
        self.stores: dict = {}  # (base, suffix) -> {(kind name, id): bytes or (footprint, pieces)}
        self.order: deque = deque()  # (store, key) in the order kept: the first out when over budget
        # Shapes that move with the clock (live spacecraft), rendered for one moment: with response caching
        # on, figures are computed for the start of the max-age window, so within it they are the same.
        self.moment, self.moving, self.moving_size = None, {}, 0

    @property
    def store(self) -> dict:
        """Every entry, keyed (base, suffix, key): for inspection."""
        return {(*where, key): entry for where, store in self.stores.items() for key, entry in store.items()}

    def start(self, ctx: Context) -> bool:
        """Use the store for this request's context; False when it has no data version to key by."""
        if ctx.version is None:
            return False
        if ctx.version != self.version:
            self.clear()
            self.version = ctx.version
        return True

    def store_for(self, ctx: Context) -> dict:
        return self.stores.setdefault((ctx.base, ctx.suffix), {})

    def moving_for(self, ctx: Context) -> dict:
        """The store of shapes rendered for `ctx.now` (emptied when the moment changes)."""
        if ctx.now != self.moment:
            self.moment, self.moving, self.moving_size = ctx.now, {}, 0
        return self.moving.setdefault((ctx.base, ctx.suffix), {})

    def get(self, ctx: Context, key):
        """The shape's bytes as an orjson Fragment, or None (never kept, pushed out, or a reference of
        its template was)."""
        out: list = []
        if not (extend(self.store_for(ctx), key, out) or (ctx.windowed and extend(self.moving_for(ctx), key, out))):
            return None
        return orjson.Fragment(out[0] if len(out) == 1 else b"".join(out))

    def put(self, ctx: Context, key, obj, marks: list = (), moving: bool = False, template: bool = False):
        """Keep `obj` and return its entry. Its JSON may hold markers (`Refs.mark`) where it embeds shapes
        kept before it: a `template` is kept as its own bytes between the very entries of those shapes
        (shared, not copied), any other shape as whole bytes. Within a data version, host and format a kept
        shape's bytes never change, so a template stays right even if a shape it refers to is later pushed
        out of the store. `moving`: a shape rendered for this moment only (kept until the moment changes,
        within `MOVING_BUDGET`)."""
        data = json_bytes(obj)
        if MARK not in data:
            entry = data
        elif template:
            parts = data.split(MARK)
            pieces = _pieces(parts, marks)
            entry = (sum(map(len, parts[0::2])) + 8 * len(pieces) + 250, tuple(pieces))
        else:
            entry = unmarked(data, marks)
        if moving:
            if ctx.windowed and self.moving_size + _footprint(entry) <= self.MOVING_BUDGET:
                self.moving_for(ctx)[key] = entry
                self.moving_size += _footprint(entry)
            return entry
        store = self.store_for(ctx)
        old = store.get(key)
        if old is not None:
            self.size -= _footprint(old)
        store[key] = entry
        self.size += _footprint(entry)
        self.order.append((store, key))
        while self.size > self.budget and self.order:
            store, key = self.order.popleft()
            old = store.pop(key, None)
            if old is not None:
                self.size -= _footprint(old)
        return entry


def _pieces(parts: list, marks) -> list:
    """JSON split at its markers ([own bytes, marker, own bytes, ...]) as the pieces it stands for: its own
    bytes between the pieces of the entries the markers stand for."""
    pieces = [parts[0]]
    for i in range(1, len(parts), 2):
        shared = marks[int(parts[i])]
        if shared.__class__ is bytes:
            pieces.append(shared)
        else:
            pieces += shared[1]
        pieces.append(parts[i + 1])
    return pieces


def unmarked(data: bytes, marks) -> bytes:
    """JSON in which each marker is replaced by the bytes of the entry it stands for."""
    if MARK not in data:
        return data
    return b"".join(_pieces(data.split(MARK), marks))


def extend(store: dict, key, out: list) -> bool:
    """Append the kept shape's JSON to `out` as pieces (a template's own parts and the bytes of the
    shapes it refers to), to be joined once with the rest of the response; False when not kept."""
    entry = store.get(key)
    if entry is None:
        return False
    if entry.__class__ is bytes:
        out.append(entry)
    else:
        out += entry[1]
    return True


def _footprint(entry) -> int:
    """About what an entry costs in memory: its bytes, and Python's overhead for each object holding them
    (a template's own parts; the bytes it shares are counted where they are kept)."""
    if entry.__class__ is bytes:
        return len(entry) + 200
    return entry[0]


SHARED = SharedShapes()


class Refs:
    """Deferred, batched references from shapes to the shapes they embed (see the module docstring).

    For a response written straight as bytes (`rows()`), a shape that is kept, or will be kept by
    `resolve()`, is embedded as a *marker* (`mark()`): a fragment of JSON no encoder writes, standing
    for that shape's kept entry. A template (a settled spacecraft) is then its own bytes split at the
    markers, with no walk through its dicts, and any other bytes written have their markers replaced."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._objects: dict[tuple[str, object], dict] = {}
        self._pending: dict[Kind, list] = {}
        self._sharing = SHARED.start(ctx)
        self._static = SHARED.store_for(ctx) if self._sharing else None
        self._new_shared: list = []
        self._unkept: set = set()
        self._kinds: dict = {}  # kind name -> Kind, for what was asked
        self._marking = False  # set by rows(): shapes embedded as markers
        self._marks: list = []  # per marker, the entry it stands for (None until resolve() keeps it)
        self._marked: dict = {}  # key -> (its marker, its index)

    def get(self, kind: Kind, pk):
        if pk is None:
            return None
        key = (kind.name, pk)
        marked = self._marked.get(key)
        if marked is not None:
            return marked[0]
        obj = self._objects.get(key)
        if obj is None:
            self._kinds[kind.name] = kind
            if kind.shared and self._sharing:
                if self._marking:
                    entry = self._static.get(key)
                    if entry is not None:
                        return self.mark(key, entry)
                obj = SHARED.get(self.ctx, key)
                if obj is not None:
                    self._objects[key] = obj
                    return obj
                self._new_shared.append(key)
            obj = self._objects[key] = {}
            self._pending.setdefault(kind, []).append(pk)
            if self._marking and kind.shared and not kind.template:  # kept by resolve(): its entry then
                return self.mark(key, None)
        return obj

    def mark(self, key, entry) -> orjson.Fragment:
        """The marker standing for the shape `key` (whose kept entry is `entry`, or will be)."""
        index = len(self._marks)
        marker = orjson.Fragment(b"%s%d%s" % (MARK, index, MARK))
        self._marks.append(entry)
        self._marked[key] = (marker, index)
        return marker

    def found(self, kind: Kind, pk) -> bool:
        """After `resolve()`: whether the row asked for exists (a row not kept is its dict, empty if not)."""
        return bool(self._objects.get((kind.name, pk)))

    def provide(self, kind: Kind, pk, obj: dict) -> None:
        """`obj` is already `kind` of `pk` (built from a row fetched for another shape): no fetch for it."""
        self._kinds[kind.name] = kind
        self._objects.setdefault((kind.name, pk), obj)

    def many(self, kind: Kind, pks) -> list:
        return [self.get(kind, pk) for pk in pks]

    def rows(self, kind: Kind, pks) -> list:
        """`many()` for a response written straight as bytes: the JSON array's elements, comma-separated,
        as one list of pieces; a kept row is its pieces, any other its key, whose dict `resolve()` fills
        (`json_rows` then gives the bytes)."""
        self._marking = self._sharing
        store = self._static if kind.shared else None
        moving = SHARED.moving_for(self.ctx) if store is not None and self.ctx.windowed else {}
        name, out, self._row_slots = kind.name, [], []
        for pk in pks:
            if out:
                out.append(b",")
            key = (name, pk)
            if store is not None and pk is not None:  # `extend()`, inlined: a page asks it a hundred times
                entry = store.get(key)
                if entry is None:
                    entry = moving.get(key)
                if entry is not None:
                    if entry.__class__ is bytes:
                        out.append(entry)
                    else:
                        out += entry[1]
                    continue
            self.get(kind, pk)
            self._row_slots.append(len(out))
            out.append(key)
        self._row_store, self._row_moving = store, moving
        return out

    def json_rows(self, rows: list) -> list:
        """After `resolve()`: the pieces from `rows()`, all bytes. A row rendered by this request and kept
        by `resolve()` is taken from the store (no second encoding), any other is encoded."""
        if not self._row_slots:
            return rows
        store, moving, out, start = self._row_store, self._row_moving, [], 0
        for slot in self._row_slots:
            out += rows[start:slot]
            key = rows[slot]
            if store is None or not (extend(store, key, out) or extend(moving, key, out)):
                out.append(unmarked(json_bytes(self._objects.get(key)), self._marks))
            start = slot + 1
        out += rows[start:]
        return out

    def resolve(self) -> None:
        while self._pending:
            kind = min(self._pending, key=lambda k: k.level)
            ids = self._pending.pop(kind)
            for row in kind.fetch(ids, self.ctx):
                key = (kind.name, row["id"])
                self._objects[key].update(kind.render(row, self))
                if kind.shared and not kind.keeps(row):
                    self._unkept.add(key)
        # Kept for the data version or (live) this moment. A shape embeds only kinds of a higher level: those
        # are kept first, so the entry of any marker a shape holds is known when it is encoded.
        kinds = self._kinds
        for key in sorted(self._new_shared, key=lambda k: (kinds[k[0]].template, -kinds[k[0]].level)):
            obj, kind = self._objects[key], kinds[key[0]]
            if obj:  # found
                entry = SHARED.put(self.ctx, key, obj, self._marks, moving=key in self._unkept, template=kind.template)
            else:  # no such row: embedded as the empty dict it stays
                entry = json_bytes(obj)
            marked = self._marked.get(key)
            if marked is not None:
                self._marks[marked[1]] = entry
        self._new_shared = []


def grouped(pairs):
    """[(owner_id, value), ...] -> {owner_id: [value, ...]} keeping order."""
    out: dict = {}
    for owner, value in pairs:
        out.setdefault(owner, []).append(value)
    return out
