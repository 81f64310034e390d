"""Row fetches compiled once (`api.render.prepared`) give exactly the ORM's rows, in one query."""
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from spacedock.api.render import agencies, configs, flights, images, lookups, prepared, spacecraft
from spacedock.api.render.context import Context
from spacedock.api.render.kinds import Kind
from spacedock.catalog import models as m
from spacedock.ingest import export

KINDS = sorted({kind for module in (agencies, configs, flights, images, lookups, spacecraft, export)
                for kind in vars(module).values() if isinstance(kind, Kind)}, key=lambda kind: kind.name)


def id_lists(model):
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    assert ids, model
    return [ids[:1], ids[:2], list(reversed(ids[:7])), ids, ids[:3] + ids[:3]]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_fetches_what_its_queryset_gives(db, kind):
    ctx = Context("http://testserver")
    for ids in id_lists(kind.model):
        expected = list(kind.query(ids))
        with CaptureQueriesContext(connection) as queries:
            rows = Kind.fetch(kind, ids, ctx)
        assert rows == expected
        assert len(queries) == (1 if len(ids) <= prepared.MAX_IDS else len(queries))
    assert Kind.fetch(kind, [], ctx) == []


def test_parameters_around_the_in_list_keep_their_places(db):
    """A flight's `launch_known` is a parameter before the IN list; an ordering and a filter after it."""
    build = lambda ids: (m.SpacecraftFlight.objects.filter(spacecraft_id__in=ids, destination__contains="%s")  # noqa: E731
                         .annotate(n=flights.ExpressionWrapper(~flights.Q(launch__document={}),
                                                               output_field=flights.BooleanField()))
                         .order_by("-id").values("id", "destination", "n"))
    fetch = prepared.Prepared(m.SpacecraftFlight, build)
    ids = list(m.Spacecraft.objects.values_list("pk", flat=True))
    m.SpacecraftFlight.objects.filter(pk=m.SpacecraftFlight.objects.order_by("pk")[0].pk).update(
        destination="100%s sure")
    assert fetch(ids) == list(build(ids)) and len(fetch(ids)) == 1
    assert fetch.plans[connections["default"]] is not None


@pytest.mark.parametrize("shape", ["tuples", "flat"])
def test_values_lists_come_back_as_the_orm_gives_them(db, shape):
    build = lambda ids: m.SpacecraftFlight.objects.filter(spacecraft_id__in=ids).order_by(  # noqa: E731
        "spacecraft_id", "launch__net", "id").values_list(*(("id",) if shape == "flat" else ("spacecraft_id", "id")),
                                                          flat=shape == "flat")
    fetch = prepared.Prepared(m.SpacecraftFlight, build)
    ids = list(m.Spacecraft.objects.values_list("pk", flat=True))
    assert fetch(ids) == list(build(ids)) != []


@pytest.mark.parametrize("build", [
    lambda ids: m.Spacecraft.objects.filter(pk__in=ids),  # model instances, not values
    lambda ids: m.Spacecraft.objects.filter(pk__gte=min(ids)).values("id"),  # no IN list
    lambda ids: m.Spacecraft.objects.filter(pk__in=ids, spacecraft_config_id__in=ids).values("id"),  # two
], ids=["instances", "no-in-list", "two-in-lists"])
def test_what_it_does_not_recognise_the_orm_answers(db, build):
    fetch = prepared.Prepared(m.Spacecraft, build)
    ids = list(m.Spacecraft.objects.values_list("pk", flat=True)[:5])
    assert fetch(ids) == list(build(ids))
    assert fetch.plans[connections["default"]] is None


def test_a_long_list_goes_through_the_orm(db, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_IDS", 3)
    build = lambda ids: m.Spacecraft.objects.filter(pk__in=ids).values("id", "name")  # noqa: E731
    fetch = prepared.Prepared(m.Spacecraft, build)
    ids = list(m.Spacecraft.objects.values_list("pk", flat=True))
    assert fetch(ids) == list(build(ids)) and len(ids) > 3
    assert fetch.plans == {}  # never compiled: nothing short enough was asked
