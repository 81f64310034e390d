"""`Kind`: one representation of one table, and the registry of every kind by name.

A kind names the kinds it embeds (`embeds`); `Refs` asks for an embedded shape by that name. The
order in which pending kinds are fetched is derived from those declarations (`depth`: a kind is
fetched after every kind that can embed it), so no module imports another to embed it and no one
numbers levels by hand.
"""
from __future__ import annotations

from .prepared import Prepared

KINDS: dict[str, Kind] = {}  # name -> kind, every kind made (see Kind.__init__)
_DEPTHS: dict[str, int] = {}


class Kind:
    """One representation of one table: which rows to fetch, and how a row becomes an LL2 dict."""

    name: str = ""
    model = None
    columns: tuple = ()
    embeds: tuple[str, ...] = ()  # the names of the kinds its shape embeds (asked of `Refs.get`)
    # Whether its rendering depends on stored data only (not on the clock), at least for the rows `keeps`
    # says: then it is rendered once per data version and host, and reused as JSON bytes (SharedShapes).
    shared: bool = False

    def __init__(self):
        known = KINDS.setdefault(self.name, self)
        if known is not self:
            raise LookupError(f"two kinds are named {self.name!r}")

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

    def render(self, row, refs) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


def depth(kind: Kind) -> int:
    """How far below a top-level kind `kind` can be embedded (0: nothing embeds it): the fetch order."""
    if len(_DEPTHS) != len(KINDS):
        _DEPTHS.clear()
        _DEPTHS.update(_depths())
    return _DEPTHS[kind.name]


def _depths() -> dict[str, int]:
    parents: dict[str, list[str]] = {name: [] for name in KINDS}
    for kind in KINDS.values():
        for child in kind.embeds:
            if child not in KINDS:
                raise LookupError(f"kind {kind.name!r} embeds {child!r}, which no module defines")
            parents[child].append(kind.name)
    found: dict[str, int] = {}

    def walk(name, path):
        if name in path:
            raise LookupError(f"kinds embed each other: {' -> '.join((*path, name))}")
        if name not in found:
            found[name] = max((walk(parent, (*path, name)) + 1 for parent in parents[name]), default=0)
        return found[name]

    for name in KINDS:
        walk(name, ())
    return found


def grouped(pairs):
    """[(owner_id, value), ...] -> {owner_id: [value, ...]} keeping order."""
    out: dict = {}
    for owner, value in pairs:
        out.setdefault(owner, []).append(value)
    return out
