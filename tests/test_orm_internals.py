"""Django's private ORM internals Spacedock uses (`spacedock.catalog.orm_internals`) still behave as it
expects: each is checked against the ORM's own answer, so a Django upgrade that changes one fails here."""
import pytest
from django.db import connection
from django.db.models import F

from spacedock.catalog import models as m
from spacedock.catalog import orm_internals

FENCE = "spacedock.catalog.orm_internals"


def run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_compiled_sql_and_converters_give_the_orms_rows():
    for queryset in (m.Spacecraft.objects.filter(pk__in=[627, 628, 1]).values("id", "name", "is_placeholder"),
                     m.SpacecraftFlight.objects.filter(pk__lt=50).values_list("id", "mission_end", "landing"),
                     m.Spacecraft.objects.order_by("id").values_list("id", flat=True)[:5]):
        sql, params = orm_internals.compiled_sql(queryset)
        rows = orm_internals.row_converter(queryset)(run(sql, params))
        shape = orm_internals.row_shape(queryset)
        if shape == "dicts":
            rows = [dict(zip(orm_internals.selected_names(queryset), row)) for row in rows]
        elif shape == "values":
            rows = [row[0] for row in rows]
        assert rows == list(queryset), f"{FENCE}: compiled SQL or converters no longer give the ORM's rows"


def test_row_shapes_are_known():
    assert orm_internals.row_shape(m.Spacecraft.objects.values("id")) == "dicts", FENCE
    assert orm_internals.row_shape(m.Spacecraft.objects.values_list("id")) == "tuples", FENCE
    assert orm_internals.row_shape(m.Spacecraft.objects.values_list("id", flat=True)) == "values", FENCE
    assert orm_internals.row_shape(m.Spacecraft.objects.all()) is None, FENCE


def test_ordering_terms_and_output_fields():
    queryset = m.Spacecraft.objects.order_by(F("flights_count").desc(), "id")
    terms = orm_internals.ordering_terms(queryset)
    assert len(terms) == 2 and terms[0].descending and terms[0].expression.name == "flights_count", FENCE
    assert orm_internals.output_field(queryset, "flights_count").get_internal_type() in (
        "IntegerField", "PositiveIntegerField", "BigIntegerField"), FENCE


@pytest.mark.django_db
def test_a_table_read_through_a_named_index():
    if connection.vendor != "sqlite":
        pytest.skip("INDEXED BY is SQLite's")
    queryset = m.Spacecraft.objects.order_by("id").values_list("id", flat=True)
    for index in ("", "sc_live_id"):
        indexed = orm_internals.through_index(queryset, index)
        sql, _ = orm_internals.compiled_sql(indexed)
        assert ("NOT INDEXED" if not index else f'INDEXED BY "{index}"') in sql, FENCE
        assert list(indexed[:7]) == list(queryset[:7]), FENCE


@pytest.mark.django_db
def test_the_drivers_connection_is_under_djangos():
    raw = orm_internals.driver_connection(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert raw is orm_internals.driver_connection(connection), FENCE
    cursor = raw.cursor()
    cursor.execute("SELECT version FROM catalog_dataversion WHERE id = 1")
    with connection.cursor() as theirs:
        theirs.execute("SELECT version FROM catalog_dataversion WHERE id = 1")
        assert cursor.fetchall() == theirs.fetchall(), FENCE
