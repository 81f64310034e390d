"""`/2.3.0/docking_events/`: filters, search, ordering, modes, errors and a fixed number of queries.

The bundled data holds the 8 events docked at stations when LL2 rendered the station capture (ids 633-640
or so); each test adds what it needs with ids from 100001.
"""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spacedock.api.pagination import COUNTS
from spacedock.api.render.shared import SHARED
from spacedock.catalog import models as m


def ids(api, query=""):
    status, body, _ = api(f"/2.3.0/docking_events/?limit=100&{query}")
    assert status == 200, body
    return [row["id"] for row in body["results"]]


def events():
    return {e.id: e for e in m.DockingEvent.objects.select_related("docking_location",
                                                                    "flight_vehicle_chaser__spacecraft")}


def test_every_event_is_listed_in_id_order(api):
    assert ids(api) == sorted(events())


def test_docking_time_filters(api):
    """`docking__gt/gte/lt/lte` take ISO 8601 date-times (with or without a zone, UTC assumed)."""
    all_events = events()
    moment = sorted(e.docking for e in all_events.values())[3]
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert set(ids(api, f"docking__gte={stamp}")) == {pk for pk, e in all_events.items() if e.docking >= moment}
    assert set(ids(api, f"docking__gt={stamp}")) == {pk for pk, e in all_events.items() if e.docking > moment}
    assert set(ids(api, f"docking__lt={stamp}")) == {pk for pk, e in all_events.items() if e.docking < moment}
    assert set(ids(api, f"docking__lte={stamp}")) == {pk for pk, e in all_events.items() if e.docking <= moment}


def test_moments_are_compared_in_utc_whatever_their_offset(api):
    """Python reads offsets up to ±23:59, PostgreSQL holds ±15:59: a moment is turned to UTC first (found
    by schemathesis: `2390-09-18T00:06:35-18:20` was a 500 on PostgreSQL)."""
    all_events = events()
    assert ids(api, "docking__gt=2390-09-18T00:06:35-18:20") == []
    assert set(ids(api, "docking__lt=2390-09-18T00:06:35-18:20")) == set(all_events)
    moment = sorted(e.docking for e in all_events.values())[3]
    shifted = moment.astimezone(dt.timezone(dt.timedelta(hours=-18, minutes=-20))).isoformat()
    assert set(ids(api, f"docking__gte={shifted.replace('+', '%2B')}")) == {
        pk for pk, e in all_events.items() if e.docking >= moment}


def test_id_filters(api):
    all_events = events()
    some = next(iter(all_events.values()))
    assert set(ids(api, f"docking_location__id={some.docking_location_id}")) == {
        pk for pk, e in all_events.items() if e.docking_location_id == some.docking_location_id}
    assert ids(api, f"flight_vehicle_chaser__id={some.flight_vehicle_chaser_id}") == [
        pk for pk, e in sorted(all_events.items()) if e.flight_vehicle_chaser_id == some.flight_vehicle_chaser_id]
    assert set(ids(api, "space_station_target__id=18")) == {
        pk for pk, e in all_events.items() if e.space_station_target_id == 18}
    assert ids(api, "space_station_target__id=999999") == []


def test_search_over_llas_fields(api):
    """The location's name, the chaser's spacecraft's name, the target station's name, payload documents."""
    all_events = events()
    some = next(e for e in all_events.values() if e.flight_vehicle_chaser_id)
    craft = some.flight_vehicle_chaser.spacecraft.name
    assert some.id in ids(api, f"search={craft.lower()}")
    assert set(ids(api, "search=tiangong")) == {pk for pk, e in all_events.items() if e.space_station_target_id == 18}
    assert some.id in ids(api, f"search={some.docking_location.name.split()[0]}")
    m.DockingEvent.objects.create(id=100001, docking=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                                  payload_flight_chaser={"id": 1, "payload": {"id": 2, "name": "Quuxsat"}})
    assert ids(api, "search=quuxsat") == [100001]
    assert ids(api, "search=no-such-thing") == []


@pytest.mark.parametrize("field", ["docking", "departure"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_ordering_with_id_tie_breaker(api, field, descending):
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for pk in (100003, 100001, 100002):  # created out of order, equal times: ties by id
        m.DockingEvent.objects.create(id=pk, docking=base, departure=base)
    rows = list(m.DockingEvent.objects.values_list("id", field))
    present = sorted((r for r in rows if r[1] is not None), key=lambda r: r[0])
    groups = {}
    for pk, value in present:
        groups.setdefault(value, []).append(pk)
    ordered = [pk for value in sorted(groups, reverse=descending) for pk in groups[value]]
    nulls = sorted(pk for pk, value in rows if value is None)
    expected = ordered + nulls if descending else nulls + ordered
    assert ids(api, f"ordering={'-' if descending else ''}{field}") == expected


def test_modes(api):
    """normal: the chaser side in mini shapes; detailed: in normal shapes; the instance is detailed."""
    some = m.DockingEvent.objects.exclude(flight_vehicle_chaser=None).order_by("id").first()
    _, normal, _ = api(f"/2.3.0/docking_events/?limit=1&flight_vehicle_chaser__id={some.flight_vehicle_chaser_id}")
    row = normal["results"][0]
    assert row["response_mode"] == "normal" and "response_mode" not in row["flight_vehicle_chaser"]
    assert set(row["flight_vehicle_chaser"]["launch"]) == {"id", "url", "name"}
    assert set(row["space_station_target"]) == {"id", "url", "name", "image"}
    _, detailed, _ = api(f"/2.3.0/docking_events/{some.id}/")
    assert detailed["response_mode"] == "detailed"
    assert detailed["flight_vehicle_chaser"]["response_mode"] == "normal"
    assert "slug" in detailed["flight_vehicle_chaser"]["launch"]


@pytest.mark.parametrize("query, body", [
    ("docking__gt=yesterday", {"docking__gt": ["Enter a valid date/time."]}),
    ("docking__gt=9999-12-31T23:00:00-05:00", {"docking__gt": ["Enter a valid date/time."]}),  # past 9999 in UTC
    ("docking_location__id=x", {"docking_location__id": ["Enter a whole number."]}),
    ("flight_vehicle_chaser__id=1.5", {"flight_vehicle_chaser__id": ["Enter a whole number."]}),
    ("space_station_target__id=ISS", {"space_station_target__id": ["Enter a whole number."]}),
    ("mode=list", {"mode": ["'list' is not a mode of this endpoint; choose from normal, detailed."]}),
])
def test_bad_values_are_400_naming_the_parameter(api, query, body):
    assert api(f"/2.3.0/docking_events/?{query}")[:2] == (400, body)


def count_queries(api, path):
    SHARED.clear()
    COUNTS.__init__()
    with CaptureQueriesContext(connection) as captured:
        status, body, _ = api(path)
    assert status == 200, body
    return len(captured.captured_queries)


@pytest.mark.parametrize("mode", ["normal", "detailed"])
def test_list_queries_do_not_grow_with_rows(api, mode):
    path = f"/2.3.0/docking_events/?limit=100&mode={mode}"
    before = count_queries(api, path)
    m.DockingEvent.objects.bulk_create(
        m.DockingEvent(id=e.id + 100000, docking=e.docking, departure=e.departure,
                       docking_location_id=e.docking_location_id, space_station_target_id=e.space_station_target_id,
                       flight_vehicle_chaser_id=e.flight_vehicle_chaser_id)
        for e in m.DockingEvent.objects.all())
    assert count_queries(api, path) == before
