"""Per process: shapes already rendered, kept as JSON bytes for one data version (`SHARED`).

An embedded shape is kept whole; a settled spacecraft is kept as a template of its own bytes between
the kept bytes of the shapes it embeds. A marker (`MARK` + index + `MARK`) is a fragment of JSON no
encoder writes, standing for a kept shape's entry while a response is written as bytes.
"""
from __future__ import annotations

from collections import deque

import orjson

from .context import Context
from .formats import json_bytes

MARK = b"\x00"  # never in orjson's output (control characters are escaped), so it can delimit references


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
