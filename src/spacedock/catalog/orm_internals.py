"""Every use of Django's private ORM internals, fenced in one place.

Spacedock reads rows through SQL the ORM compiled once (`api.render.prepared`), reads SQLite tables
through a named index (`api.listing`), and pages or copies a queryset's SQL as it stands
(`api.pagination`, `catalog.search`), and reads the data version through the driver's own connection
(`catalog.changes`). Those need parts of Django that are not its public API: what is
used is here and nowhere else, and tests/test_orm_internals.py checks each piece against the ORM's own
answers, so a Django upgrade that changes one fails there, naming this module.
"""
from __future__ import annotations

from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable
from django.db.models.sql.datastructures import BaseTable

ROW_SHAPES = {ValuesIterable: "dicts", ValuesListIterable: "tuples", FlatValuesListIterable: "values"}


def compiled_sql(queryset) -> tuple[str, tuple]:
    """The SQL and parameters the ORM runs for `queryset` (as compiled for its database)."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


def row_shape(queryset) -> str | None:
    """What a row of `queryset` is: "dicts" (`values()`), "tuples" (`values_list()`), "values" (`flat=True`),
    or None (model instances, named tuples, ...)."""
    return ROW_SHAPES.get(queryset._iterable_class)


def selected_names(queryset) -> list[str]:
    """The names of a `values()` queryset's columns, in the order of its SQL's columns."""
    query = queryset.query
    if getattr(query, "selected", None):
        return list(query.selected)
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def row_converter(queryset):
    """A function turning the database's rows for `compiled_sql(queryset)` into the ORM's values (its
    converters: booleans, dates, JSON, ...), as tuples."""
    compiler = queryset.query.get_compiler(queryset.db)
    compiler.as_sql()  # sets up the compiler's columns
    has_extra, width = compiler.has_extra_select, compiler.col_count

    def convert(rows: list) -> list:
        if has_extra:
            rows = [row[:width] for row in rows]
        return [tuple(row) for row in compiler.results_iter(results=[rows])]

    return convert


def ordering_terms(queryset) -> list:
    """The expressions of the queryset's explicit ORDER BY (`order_by()`), as the ORM holds them."""
    return list(queryset.query.order_by)


def output_field(queryset, name: str):
    """The field the queryset's column or annotation `name` has (raises if it has none)."""
    return queryset.query.resolve_ref(name).output_field


class IndexedTable(BaseTable):
    """The query's own table, read through a named index (SQLite's `INDEXED BY`), or by rowid alone
    (`NOT INDEXED`) when the name is empty."""

    def __init__(self, table_name, alias, index):
        super().__init__(table_name, alias)
        self.index = index

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        if not self.index:
            return f"{sql} NOT INDEXED", params
        return f"{sql} INDEXED BY {connection.ops.quote_name(self.index)}", params

    def relabeled_clone(self, change_map):
        return self.__class__(self.table_name, change_map.get(self.table_alias, self.table_alias), self.index)


def through_index(queryset, index: str):
    """A copy of `queryset` reading its own table through SQLite's index `index` ("": NOT INDEXED)."""
    queryset = queryset.all()
    query = queryset.query
    alias = query.get_initial_alias()
    query.alias_map[alias] = IndexedTable(query.alias_map[alias].table_name, alias, index)
    return queryset


def driver_connection(connection):
    """The database driver's connection under Django's wrapper (sqlite3's, psycopg's), connected if it
    was not."""
    connection.ensure_connection()
    return connection.connection
