"""Batched row fetches compiled once: the ORM's own SQL and converters, without building the query anew.

A shape's rows are fetched by id (`Model.objects.filter(pk__in=ids).values(...)`). Building and
compiling that queryset cost the ORM two to three times what the database took to answer it, on
every request that renders rows not yet kept. `Prepared` asks the ORM for the query once per database
connection, with one stand-in id, finds the stand-in's `IN (%s)` in the compiled SQL, and then runs
that SQL with the request's ids in its place, converting the values with the compiler's converters.
Rows are the ORM's (dicts for `values()`, tuples for `values_list()`, values for `flat=True`), in the
same order; whatever it does not recognise (no single `IN (%s)`, another iterable class, a long list)
is answered by the ORM.
"""
from __future__ import annotations

from django.db import connections, router

from spacedock.catalog import orm_internals

STAND_IN = -7_318_432_918_273_645  # an id no table holds: the one parameter that is the IN list
MAX_IDS = 900  # within every backend's limit of bound parameters; longer lists go through the ORM


class Plan:
    """The compiled query of one connection: the SQL around the IN list, the parameters before and
    after it, and what turns a database row into the ORM's row."""

    __slots__ = ("head", "tail", "before", "after", "convert", "shape", "names", "sql")

    def __init__(self, queryset):
        sql, params = orm_internals.compiled_sql(queryset)
        if params.count(STAND_IN) != 1:
            raise LookupError("the stand-in id is not one parameter")
        index = params.index(STAND_IN)
        start = _placeholder(sql, index)
        if sql[start - 4:start] != "IN (" or sql[start + 2:start + 3] != ")":
            raise LookupError("the stand-in id is not an IN list")
        self.head, self.tail = sql[:start], sql[start + 2:]
        self.before, self.after = params[:index], params[index + 1:]
        self.convert = orm_internals.row_converter(queryset)
        self.shape = orm_internals.row_shape(queryset)
        self.names = orm_internals.selected_names(queryset) if self.shape == "dicts" else None
        self.sql: dict[int, str] = {}  # by number of ids

    def run(self, connection, ids: list) -> list:
        sql = self.sql.get(len(ids))
        if sql is None:
            sql = self.sql[len(ids)] = f"{self.head}{', '.join(['%s'] * len(ids))}{self.tail}"
        with connection.cursor() as cursor:
            cursor.execute(sql, (*self.before, *ids, *self.after))
            rows = self.convert(cursor.fetchall())
        if self.shape == "dicts":
            names = self.names
            return [dict(zip(names, row)) for row in rows]
        if self.shape == "values":
            return [row[0] for row in rows]
        return rows


def _placeholder(sql: str, index: int) -> int:
    """Where the index-th `%s` starts in SQL the ORM compiled (`%%` is a literal percent sign)."""
    seen, position = -1, 0
    while True:
        position = sql.index("%", position)
        if sql[position + 1] == "s":
            seen += 1
            if seen == index:
                return position
        position += 2


class Prepared:
    """`build(ids)` (a queryset of `model` filtered by an `__in` over ids) run as SQL compiled once per
    database connection."""

    def __init__(self, model, build):
        self.model, self.build = model, build
        self.plans: dict = {}  # database connection -> Plan, or None: the ORM answers

    def __call__(self, ids) -> list:
        ids = list(ids)
        if not ids:
            return []
        if len(ids) <= MAX_IDS:
            connection = connections[router.db_for_read(self.model)]
            plan = self.plans.get(connection, False)
            if plan is False:
                plan = self.plans[connection] = self._plan(self.build([STAND_IN]))
            if plan is not None:
                return plan.run(connection, ids)
        return list(self.build(ids))

    @staticmethod
    def _plan(sample):
        if orm_internals.row_shape(sample) is None:
            return None
        try:
            return Plan(sample)
        except (LookupError, ValueError, IndexError):  # not a plain IN list: the ORM answers every time
            return None
