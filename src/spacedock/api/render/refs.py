"""`Refs`: deferred, batched references from shapes to the shapes they embed.

A shape that embeds another asks `Refs.get(name, id)` and receives at once either the bytes already
kept for it (`SHARED`; for a response written as bytes, a marker standing for them) or an empty dict;
`Refs.resolve()` then fills every such dict, one kind at a time, with one batched query per kind.
Kinds are fetched in the order their `embeds` declarations give (`kinds.depth`), so each kind is
fetched at most once per request and the number of queries is fixed by the shape, not the rows.
"""
from __future__ import annotations

import orjson

from .context import Context
from .formats import json_bytes
from .kinds import KINDS, Kind, depth
from .shared import MARK, SHARED, extend, unmarked


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

    def get(self, kind: Kind | str, pk):
        """The shape of `kind` (or the kind of that name) for row `pk`: kept bytes, a marker, or a dict that
        `resolve()` fills."""
        if pk is None:
            return None
        if kind.__class__ is str:
            kind = KINDS[kind]
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
            if self._marking and kind.shared:  # kept by resolve(): its entry then
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

    def many(self, kind: Kind | str, pks) -> list:
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
            kind = min(self._pending, key=depth)
            ids = self._pending.pop(kind)
            for row in kind.fetch(ids, self.ctx):
                key = (kind.name, row["id"])
                self._objects[key].update(kind.render(row, self))
                if kind.shared and not kind.keeps(row):
                    self._unkept.add(key)
        # Kept for the data version or (live) this moment. A shape embeds only kinds of a higher level: those
        # are kept first, so the entry of any marker a shape holds is known when it is encoded.
        kinds = self._kinds
        for key in sorted(self._new_shared, key=lambda k: -depth(kinds[k[0]])):
            obj, kind = self._objects[key], kinds[key[0]]
            if obj:  # found
                entry = SHARED.put(self.ctx, key, obj, self._marks, moving=key in self._unkept, template=kind.template)
            else:  # no such row: embedded as the empty dict it stays
                entry = json_bytes(obj)
            marked = self._marked.get(key)
            if marked is not None:
                self._marks[marked[1]] = entry
        self._new_shared = []
