"""`/2.3.0/space_stations/`: filters, search, ordering, live figures (SQL and Python agree), errors, queries.

The bundled station capture at the moment LL2 rendered it (CAPTURE_MOMENT): the ISS (4) has 8 crew and
6 docked vehicles, the Tiangong station (18) 3 and 2, every other station none.
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spacedock.api.pagination import COUNTS
from spacedock.api.render.shared import SHARED
from spacedock.catalog import figures, station_figures
from spacedock.catalog import models as m

from .helpers import CAPTURE_MOMENT

STATIONS = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
SALYUTS = {9, 10, 11, 12, 13, 14, 15}
ROSCOSMOS = {4, 5, 9, 10, 11, 12, 13, 14, 15}  # owner 63
CAPTURED = dt.datetime(2026, 7, 24, 1, 13, 35, tzinfo=dt.UTC)


@pytest.fixture
def at_capture(settings):
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT


def ids(api, query=""):
    status, body, _ = api(f"/2.3.0/space_stations/?limit=100&{query}")
    assert status == 200, body
    assert body["count"] == len(body["results"])
    return [row["id"] for row in body["results"]]


@pytest.mark.parametrize("query, expected", [
    ("onboard_crew__gte=1", {4, 18}),
    ("onboard_crew=8", {4}),
    ("onboard_crew__lt=3", STATIONS - {4, 18}),
    ("onboard_crew__gt=3&onboard_crew__lte=8", {4}),
    ("docked_vehicles=2", {18}),
    ("docked_vehicles__gte=2", {4, 18}),
    ("docked_vehicles__lt=1", STATIONS - {4, 18}),
    ("id=4", {4}),
    ("id=1", set()),
    ("name=Mir", {5}),
    ("name=mir", set()),
    ("name__contains=Salyut", SALYUTS),
    ("name__contains=salyut", set()),  # case-sensitive, like agencies' __contains
    ("status=1", {4, 18}),
    ("status__ids=2,3", STATIONS - {4, 18}),
    ("status__ids=3", {16, 17}),
    ("type=3", {16, 17}),
    ("owners=63", ROSCOSMOS),
    ("owners=17&owners=88", {7, 8, 18}),
    ("owner__ids=17,88", {7, 8, 18}),
    ("owner__ids=44", {4, 6}),
    ("owner__ids=999999", set()),
    ("status=1&onboard_crew__gte=4", {4}),
])
def test_filters(api, at_capture, query, expected):
    assert set(ids(api, query)) == expected


@pytest.mark.parametrize("term, expected", [
    ("salyut", SALYUTS),
    ("SALYUT%207", {15}),
    ("RFSA", ROSCOSMOS),  # an owner's abbreviation
    ("bigelow", {16, 17}),  # an owner's name
    ("space%20station", {4, 18}),
    ("nothing-like-this", set()),
])
def test_search(api, term, expected):
    got = ids(api, f"search={term}")
    assert set(got) == expected and len(got) == len(set(got))


def values(field, at):
    rows = list(m.SpaceStation.objects.values("id", "reported_onboard_crew", "founded", "name", "status_id",
                                              "type_id", "volume"))
    station_figures.live_figures(rows, at)
    column = {"status": "status_id", "type": "type_id"}.get(field, field)
    return {row["id"]: row[column] for row in rows}


@pytest.mark.parametrize("field", ["docked_vehicles", "founded", "id", "onboard_crew", "status", "type",
                                   "volume"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_ordering_with_id_tie_breaker(api, at_capture, field, descending):
    """Each ordering field both ways, nulls first ascending and last descending, ties by id ascending."""
    m.SpaceStation.objects.filter(pk=16).update(volume=None, founded=None)
    by = values(field, CAPTURED)
    groups = {}
    for pk in sorted(pk for pk in by if by[pk] is not None):
        groups.setdefault(by[pk], []).append(pk)
    present = [pk for value in sorted(groups, reverse=descending) for pk in groups[value]]
    nulls = sorted(pk for pk in by if by[pk] is None)
    expected = present + nulls if descending else nulls + present
    assert ids(api, f"ordering={'-' if descending else ''}{field}") == expected


def test_ordering_by_name(api):
    """Text order depends on the collation; these names are plain ASCII words, ordered alike everywhere."""
    got = ids(api, "ordering=-name&name__contains=Salyut")
    assert got == [15, 14, 13, 12, 11, 10, 9]


@pytest.mark.parametrize("moment", [CAPTURED, CAPTURED + dt.timedelta(days=3), dt.datetime(1990, 1, 1, tzinfo=dt.UTC),
                                    dt.datetime(2030, 1, 1, tzinfo=dt.UTC)])
def test_sql_figures_equal_python_figures(db, moment):
    """The SQL that filters and orders computes, for every station, what the response shows."""
    sql = {row["id"]: (row["onboard_crew"], row["docked_vehicles"]) for row in
           station_figures.with_figures(m.SpaceStation.objects.all(), moment).values(
               "id", "onboard_crew", "docked_vehicles")}
    rows = list(m.SpaceStation.objects.values("id", "reported_onboard_crew"))
    station_figures.live_figures(rows, moment)
    assert sql == {row["id"]: (row["onboard_crew"], row["docked_vehicles"]) for row in rows}


@pytest.mark.parametrize("moment", [CAPTURED, dt.datetime(1990, 1, 1, tzinfo=dt.UTC),
                                    dt.datetime(2030, 1, 1, tzinfo=dt.UTC)])
def test_docked_and_pending_counted_in_sql_are_the_python_ones(db, moment):
    """`live_figures` counts docked and still-to-come events in SQL: the same as `figures.is_on` and
    `is_pending` over every event, departures unknown or to come included."""
    events = list(m.DockingEvent.objects.order_by("id").values_list("id", flat=True)[:3])
    far = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    m.DockingEvent.objects.filter(pk=events[0]).update(departure=far)
    m.DockingEvent.objects.filter(pk=events[1]).update(departure=None)
    m.DockingEvent.objects.filter(pk=events[2]).update(docking=far, departure=None)
    docked, pending = {}, set()
    for station, start, end in m.DockingEvent.objects.values_list("space_station_target_id", "docking", "departure"):
        docked[station] = docked.get(station, 0) + figures.is_on(start, end, moment)
        if figures.is_pending(start, end, moment):
            pending.add(station)
    rows = list(m.SpaceStation.objects.values("id", "reported_onboard_crew"))
    station_figures.live_figures(rows, moment)
    for row in rows:
        assert row["docked_vehicles"] == docked.get(row["id"], 0), row["id"]
        if row["id"] in pending:
            assert not row["settled"], row["id"]


def test_figures_move_with_the_clock(api, settings):
    """The ISS's crew is Expedition 74's while it is on (its crew as LL2 reported it: 8), none once it ended;
    a vehicle that departs is no longer docked."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    _, body, _ = api("/2.3.0/space_stations/4/")
    assert (body["onboard_crew"], body["docked_vehicles"]) == (8, 6)
    assert [e["name"] for e in body["active_expeditions"]] == ["Expedition 74"]
    settings.SPACEDOCK_NOW = "2026-07-27T00:00:00Z"  # Expedition 74 ended on the 26th
    _, body, _ = api("/2.3.0/space_stations/4/")
    assert (body["onboard_crew"], body["active_expeditions"]) == (0, [])
    event = m.DockingEvent.objects.filter(space_station_target=4).order_by("id").first()
    m.DockingEvent.objects.filter(pk=event.pk).update(departure=dt.datetime(2026, 7, 25, tzinfo=dt.UTC))
    _, body, _ = api("/2.3.0/space_stations/4/")
    assert body["docked_vehicles"] == 5
    assert event.id not in [loc["currently_docked"]["id"] for loc in body["docking_location"]
                            if loc["currently_docked"]]


def test_a_stored_expedition_crew_is_counted(api, settings):
    """An expedition whose 2.3.0 crew list was imported counts its crew instead of the reported figure."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    m.Expedition.objects.filter(pk=165).update(crew_count=7)
    _, body, _ = api("/2.3.0/space_stations/4/")
    assert body["onboard_crew"] == 7
    assert ids(api, "onboard_crew=7") == [4]


@pytest.mark.parametrize("query, body", [
    ("onboard_crew__gte=x", {"onboard_crew__gte": ["Enter a whole number."]}),
    ("docked_vehicles=1.5", {"docked_vehicles": ["Enter a whole number."]}),
    ("owner__ids=63,x", {"owner__ids": ["Enter whole numbers separated by commas."]}),
    ("owners=abc", {"owners": ["Enter whole numbers separated by commas."]}),
    ("status__ids=1;2", {"status__ids": ["Enter whole numbers separated by commas."]}),
    ("status=active", {"status": ["Enter a whole number."]}),
    ("orbit=8", {"orbit": ["Filtering by orbit id is not supported: LL2's station records name the orbit but "
                           "not its id. Use search or the station's `orbit` field."]}),
    ("mode=list", {"mode": ["'list' is not a mode of this endpoint; choose from normal, detailed."]}),
])
def test_bad_values_are_400_naming_the_parameter(api, query, body):
    assert api(f"/2.3.0/space_stations/?{query}")[:2] == (400, body)


def test_unknown_station_is_404(api):
    assert api("/2.3.0/space_stations/999999/")[:2] == (404, {"detail": "Not found."})


def grow(factor):
    """Copies of every station, with its owners, docking locations, docked events and expeditions."""
    stations = list(m.SpaceStation.objects.filter(pk__lt=1000))
    for k in range(1, factor + 1):
        shift = 1000 * k
        m.SpaceStation.objects.bulk_create(
            m.SpaceStation(**{**{f.attname: getattr(s, f.attname) for f in m.SpaceStation._meta.concrete_fields},
                              "id": s.id + shift}) for s in stations)
        m.StationOwner.objects.bulk_create(m.StationOwner(station_id=o.station_id + shift, agency_id=o.agency_id,
                                                          position=o.position)
                                           for o in m.StationOwner.objects.filter(station_id__lt=1000))
        m.Expedition.objects.bulk_create(
            m.Expedition(id=e.id + shift, name=e.name, start=e.start, end=e.end,
                         spacestation_id=e.spacestation_id + shift)
            for e in m.Expedition.objects.filter(pk__lt=1000))
        m.DockingLocation.objects.bulk_create(
            m.DockingLocation(id=loc.id + shift, name=loc.name, spacestation_id=loc.spacestation_id + shift,
                              position=loc.position) for loc in m.DockingLocation.objects.filter(pk__lt=1000))
        m.DockingEvent.objects.bulk_create(
            m.DockingEvent(id=e.id + shift, docking=e.docking, departure=e.departure,
                           docking_location_id=e.docking_location_id + shift,
                           space_station_target_id=e.space_station_target_id + shift,
                           flight_vehicle_chaser_id=e.flight_vehicle_chaser_id)
            for e in m.DockingEvent.objects.filter(pk__lt=1000, space_station_target__isnull=False))


def count_queries(api, path):
    SHARED.clear()
    COUNTS.__init__()
    with CaptureQueriesContext(connection) as captured:
        status, body, _ = api(path)
    assert status == 200, body
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["", "mode=detailed", "ordering=-onboard_crew&docked_vehicles__gte=0",
                                   "mode=detailed&search=station"])
def test_list_queries_do_not_grow_with_rows(api, at_capture, query):
    path = f"/2.3.0/space_stations/?limit=100&{query}"
    before = count_queries(api, path)
    grow(3)
    assert count_queries(api, path) == before


def test_detail_queries_are_fixed(api, at_capture):
    """The ISS's page takes the same queries with 6 docked vehicles as with 12: one per kind, not per row."""
    before = count_queries(api, "/2.3.0/space_stations/4/")
    free = list(m.DockingLocation.objects.filter(spacestation=4).exclude(
        docking_events__in=station_figures.docked_events(CAPTURED)).values_list("id", flat=True))
    events = list(station_figures.docked_events(CAPTURED).filter(space_station_target=4))
    m.DockingEvent.objects.bulk_create(
        m.DockingEvent(id=100001 + i, docking=e.docking, docking_location_id=location, space_station_target_id=4,
                       flight_vehicle_chaser_id=e.flight_vehicle_chaser_id)
        for i, (e, location) in enumerate(zip(events, free)))
    _, body, _ = api("/2.3.0/space_stations/4/")
    assert body["docked_vehicles"] == 12
    assert count_queries(api, "/2.3.0/space_stations/4/") == before
