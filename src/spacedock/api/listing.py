"""The ids of a list page and its `count`, fast when filters or ordering move with the clock.

The plain way, `filter_queryset(get_queryset())`, computes live figures in SQL for every row the filters
keep, then counts and sorts them all: at 100,000 spacecraft a search with `in_space` and
`ordering=-time_in_space` took 50 ms on SQLite and 180 ms on PostgreSQL. Yet only *live* spacecraft
(a flight or docking on or still to come; a few dozen) have figures that move. For the others, the
*settled* ones, each figure is a stored, indexed column (`figures.with_settled_figures`). So `SplitIds`
answers from two parts that take the request's own filters, search and ordering:

- the settled part, on stored columns: counted once per data version (like other counts), and sliced
  by walking the ordering's index from whichever end of the result is nearer (a deep page near the end
  reads the reversed ordering from the start and turns the rows back round);
- the live part: every live row that passes the filters, with its figures at the response's moment.

Merging the two by the ordering's keys (in Python, the same comparison as SQL's: nulls first
ascending, last descending, `id` last) gives exactly the rows, order and count of the plain query, at
any moment. The number of queries is fixed: the live part (and its flights and dockings), one slice of
the settled part, the settled count and table size once per data version, and on SQLite a look at the
connection's table of the search's matches (`search.match_table`, made once per data version).
"""
from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, ExpressionWrapper, F, OrderBy, Value
from django_filters.constants import EMPTY_VALUES

from spacedock.catalog import figures, orm_internals, search

from .filters import Filters, Search
from .pagination import COUNTS

NUMBERS = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
           "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField"}

# SQLite's planner does not know how common a search term is, and for `id IN (<the FTS index's
# matches>)` it reads every match and sorts, however few rows the page needs. These indexes
# (migration 0007 and the model's) serve an ordering of the settled part and its reverse; a walk names
# its index. PostgreSQL's planner weighs the LIMIT itself. Keyed by (first ordering name, whether `id`
# runs the other way).
SQLITE_WALKS = {
    **{(name, False): f"sc_{name}_id" for name in ("time_in_space", "time_docked", "mission_ends_count",
                                                      "flights_count")},
    **{(name, True): f"sc_{name}_id_desc" for name in ("time_in_space", "time_docked", "mission_ends_count",
                                                         "flights_count")},
    ("id", False): "",  # the table itself, in id (rowid) order: NOT INDEXED
}
LIVE_INDEX = "sc_live_id"


def split_ids(view):
    """`SplitIds` for the view's request when it filters or orders by a moving figure and the split can
    answer it (numeric orderings); None: the plain queryset answers."""
    if not SplitIds.applies(view):
        return None
    listing = SplitIds(view)
    return listing if listing.usable else None


def _descending(term: OrderBy) -> bool:
    return bool(term.descending)


def _sort_key(descending: bool):
    """One ordering term's value as Python compares it like the SQL ORDER BY: nulls first ascending,
    last descending (integers only)."""
    if descending:
        return lambda value: (1, 0) if value is None else (0, -value)
    return lambda value: (0, 0) if value is None else (1, value)


def _unindexed(term: OrderBy) -> OrderBy:
    """The same ordering term over `value + 0`: the same order, but no index can deliver it."""
    value = ExpressionWrapper(term.expression + Value(0), output_field=BigIntegerField())
    return OrderBy(value, descending=term.descending, nulls_first=term.nulls_first, nulls_last=term.nulls_last)


def _through(queryset, index):
    """The queryset read through `index` on SQLite; unchanged elsewhere."""
    if index is None or connection.vendor != "sqlite":  # "" is an index too: NOT INDEXED
        return queryset
    return orm_internals.through_index(queryset, index)


class SplitIds:
    """count() and [start:stop] of the view's list, from its settled and live parts (module docstring)."""

    @staticmethod
    def applies(view) -> bool:
        if view.endpoint.annotate is not figures.with_figures:
            return False
        params = view.request.query_params
        names = set(params) | {term.strip().lstrip("-") for term in params.get("ordering", "").split(",")}
        return bool(names & set(figures.SETTLED_COLUMNS))

    def __init__(self, view):
        self.view = view
        self.terms = Search().get_search_terms(view.request)
        # SQLite: the search's matches as a table of this connection, per data version (see catalog.search)
        self.matches = search.match_table(self.terms, view.ctx.version) if self.terms else None
        self.searched = []  # the search's conditions, when the settled part was searched through them
        self.filterset = None  # the settled part's FilterSet, when the request names a filter
        self.settled = self._filtered(figures.with_settled_figures(view.endpoint.model.objects.all()))
        order = orm_internals.ordering_terms(self.settled)
        self.usable = bool(order) and all(isinstance(term, OrderBy) and isinstance(term.expression, F)
                                          for term in order)
        if not self.usable:
            return
        terms = [term.expression.name for term in order]
        self.names = list(dict.fromkeys(terms))  # what rows carry after their id: each name once
        self.usable = all(self._is_number(name) for name in self.names)
        keys = [(1 + self.names.index(name), _sort_key(_descending(term))) for name, term in zip(terms, order)]
        self.key = lambda row: tuple(key(row[position]) for position, key in keys)
        self.walk_index = None  # named on SQLite only: PostgreSQL's planner weighs the LIMIT itself
        if connection.vendor != "sqlite":
            pass
        elif len(order) == 1 and terms[0] in ("id", "pk"):
            self.walk_index = SQLITE_WALKS[("id", False)]
        elif len(order) == 2 and terms[1] in ("id", "pk"):
            self.walk_index = SQLITE_WALKS.get((terms[0], _descending(order[0]) != _descending(order[1])))
        self.live_filters = self._live_filters() if self.usable else None
        self.usable = self.live_filters is not None
        self._live_rows = self._settled_count = None

    def _filtered(self, queryset):
        """The view's filter backends over `queryset`, the search answered from the match table if any;
        the FilterSet and the search's conditions kept for the live part."""
        for backend in self.view.filter_backends:
            if issubclass(backend, Filters):
                self.filterset = backend().filterset(self.view.request, queryset, self.view)
                queryset = queryset if self.filterset is None else self.filterset.qs
            elif self.matches and issubclass(backend, Search):
                queryset = queryset.filter(search.in_match_table(self.matches))
            elif issubclass(backend, Search):  # what the backend does, its conditions kept for the live part
                self.searched = backend().conditions(self.view.request, self.view)
                for condition in self.searched:
                    queryset = queryset.filter(condition)
            else:
                queryset = backend().filter_queryset(self.view.request, queryset, self.view)
        return queryset

    def _is_number(self, name) -> bool:
        try:
            field = orm_internals.output_field(self.settled, name)
        except Exception:  # noqa: BLE001 - anything unexpected: the plain query answers instead
            return False
        return field.get_internal_type() in NUMBERS

    def _live_filters(self):
        """(the live part's queryset with every filter but the clock's, [(figure, value)] the rows'
        figures must equal at the moment), or None when a filter is not one that can be split so."""
        view = self.view
        queryset = view.endpoint.model.objects.filter(live__in=[True])  # `IN`: the index on live serves it
        clock = []
        if self.filterset is not None:  # the settled part's, valid: its filters over the live rows
            for name, value in self.filterset.form.cleaned_data.items():
                flt = self.filterset.filters[name]
                if name not in view.endpoint.clock_filters:
                    queryset = flt.filter(queryset, value)
                elif value not in EMPTY_VALUES:
                    if flt.lookup_expr != "exact" or flt.exclude or flt.field_name not in figures.SETTLED_COLUMNS:
                        return None
                    clock.append((flt.field_name, value))
        if self.matches:
            queryset = queryset.filter(search.in_match_table(self.matches, each_row=True))
        elif connection.vendor == "sqlite":  # each live row asks the FTS index about itself
            for term in self.terms:
                queryset = queryset.filter(view.endpoint.search_index(term, each_row=True))
        else:  # PostgreSQL tests each row anyway: the settled part's conditions, built once
            for condition in self.searched:
                queryset = queryset.filter(condition)
        return queryset, clock

    # --- the two parts -----------------------------------------------------------------------------------
    def live_rows(self) -> list[tuple]:
        """(id, ordering values...) of the live rows that pass the filters at the moment, in the list's
        order. Their figures are computed in Python (`figures.live_figures`, the twin of the SQL)."""
        if self._live_rows is None:
            queryset, clock = self.live_filters
            stored = [name for name in self.names if name not in figures.SETTLED_COLUMNS and name != "pk"]
            rows = list(_through(queryset, LIVE_INDEX).values(
                "id", "live", *figures.SETTLED_COLUMNS.values(), *stored))
            figures.live_figures(rows, self.view.ctx.now)
            rows = [row for row in rows if all(row[name] == value for name, value in clock)]
            self._live_rows = sorted(
                ((row["id"], *(row["id"] if name == "pk" else row[name] for name in self.names)) for row in rows),
                key=self.key)
        return self._live_rows

    def _cached(self, name, compute):
        ctx, endpoint, params = self.view.ctx, self.view.endpoint, self.view.request.query_params
        if ctx.version is None:
            return compute()
        wanted = set(endpoint.filter_names) | {"search"}
        key = (endpoint.path, name, tuple(sorted((k, tuple(params.getlist(k))) for k in params if k in wanted)))
        return COUNTS.get(ctx.version, key, compute)

    def settled_count(self) -> int:
        """Settled rows that pass the filters: the same until the data changes."""
        if self._settled_count is None:
            self._settled_count = self._cached("settled", self.settled.count)
        return self._settled_count

    def _table_size(self) -> int:
        model = self.view.endpoint.model
        if self.view.ctx.version is None:
            return model.objects.count()
        return COUNTS.get(self.view.ctx.version, (model._meta.db_table, "rows"), model.objects.count)

    def walks(self, last: int, total: int) -> bool:
        """Whether to walk the ordering's index to the `last` of `total` rows. A walk visits about
        last * size / total rows; reading every match and sorting visits `total`. Walk when that is
        fewer (a common term, or no filter at all)."""
        return last * self._table_size() <= total * total

    def settled_rows(self, start: int, stop: int) -> list[tuple]:
        """(id, ordering values...) of the settled part's rows [start:stop], in the list's order."""
        total = self.settled_count()
        stop = min(stop, total)
        if start >= stop:
            return []
        rows = self.settled.values_list("pk", *self.names)
        backwards = start > total - stop  # nearer the end: walk the reversed ordering from its start
        first, last = (total - stop, total - start) if backwards else (start, stop)
        if self.walks(last, total):
            rows = _through(rows, self.walk_index)
        elif self.names[0] not in ("id", "pk"):
            # An ordering no index serves: the database reads every match and keeps the first `last`. (By
            # id the planner does well alone: any index it filters through is in id order within a key.)
            rows = rows.order_by(*(_unindexed(term) for term in orm_internals.ordering_terms(self.settled)))
        if backwards:
            return list(rows.reverse()[first:last])[::-1]
        return list(rows[first:last])

    # --- what pagination asks for -------------------------------------------------------------------------
    def count(self) -> int:
        return self.settled_count() + len(self.live_rows())

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("SplitIds takes [start:stop] only")
        start = item.start or 0
        stop = self.count() if item.stop is None else item.stop
        if stop <= start:
            return []
        live = self.live_rows()
        live_keys = [self.key(row) for row in live]
        # A settled row at index i lands at i + (live rows before it); rows of the page lie at most
        # len(live) before `start` in the settled part.
        first = max(0, start - len(live))
        window = self.settled_rows(first, stop)
        window_keys = [self.key(row) for row in window]
        more_after = first + len(window) < self.settled_count()
        page = []
        j = 0
        for i, (row, key) in enumerate(zip(window, window_keys)):
            while j < len(live) and live_keys[j] < key:
                j += 1
            if start <= first + i + j < stop:
                page.append((first + i + j, row[0]))
        i = 0
        for j, (row, key) in enumerate(zip(live, live_keys)):
            while i < len(window) and window_keys[i] < key:
                i += 1
            if first > 0 and i == 0:
                continue  # before the window: at most first + j < start
            if i == len(window) and more_after:
                continue  # after the window: at least stop
            if start <= first + i + j < stop:
                page.append((first + i + j, row[0]))
        page.sort()
        return [pk for _, pk in page]
