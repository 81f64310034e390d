"""Spacecraft flights, docking events and the live figures derived from them.

The real check is the station capture: LL2 rendered it at about 2026-07-24T01:13:35Z, when every
single-flight spacecraft in space showed `net + time_in_space` = `docking + time_docked` = that moment
(within the 2 seconds LL2 took). With the clock pinned there, Spacedock must show the same figures.
The rest builds small histories (ids from 100001, never LL2's) and moves the clock.
"""
from __future__ import annotations

import datetime as dt
import io
import json

import isodate
import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spacedock.api.pagination import COUNTS
from spacedock.api.render.shared import SHARED
from spacedock.catalog import figures
from spacedock.catalog import models as m
from spacedock.ingest.errors import ImportFailed
from spacedock.ingest.importer import import_paths, read_file
from spacedock.ingest.ll2_shapes import Batch

from .helpers import (
    CAPTURE_MOMENT,
    DATA,
    STATIONS,
    UTC,
    _floats,
    at,
    docked_spacecraft,
    iso,
    ll2_bytes,
    make_docking,
    make_flight,
    make_spacecraft,
    seconds,
    with_figures_of,
)


def spacecraft(api, pk, mode="normal"):
    status, body, _ = api(f"/2.3.0/spacecraft/{pk}/?mode={mode}")
    assert status == 200, body
    return body


def ids(api, query):
    status, body, _ = api(f"/2.3.0/spacecraft/?limit=100&{query}")
    assert status == 200, body
    return [row["id"] for row in body["results"]]


def station_chasers():
    """(docking event, chaser flight) of the station capture."""
    for station in json.loads(STATIONS.read_text()):
        for location in station["docking_location"]:
            event = location.get("currently_docked")
            if event and event["flight_vehicle_chaser"]:
                yield station, location, event, event["flight_vehicle_chaser"]


# 1. the real capture, at the moment LL2 rendered it ------------------------------------------------
def test_capture_moment_is_proved_by_the_file(db):
    """The station file proves its own moment: the newest `net + time_in_space` of a spacecraft on its
    only flight (and `docking + time_docked` of its only docking)."""
    batch = Batch()
    read_file(STATIONS, batch)
    assert {row.get("reported_at") for row in batch.rows[m.Spacecraft].values()} == {
        dt.datetime(2026, 7, 24, 1, 13, 36, tzinfo=UTC)}
    assert m.Spacecraft.objects.get(pk=551).reported_at == dt.datetime(2026, 7, 24, 1, 13, 36, tzinfo=UTC)


def test_capture_figures_at_the_capture_moment(api, settings):
    """Every docked spacecraft's figures, at the pinned moment, are LL2's (durations within 2 s)."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    records = list(docked_spacecraft())
    assert len(records) == 8
    for record in records:
        ours = spacecraft(api, record["id"])
        for key in ("in_space", "flights_count", "mission_ends_count", "fastest_turnaround"):
            assert ours[key] == record[key], (record["id"], key)
        for key in ("time_in_space", "time_docked"):
            assert abs(seconds(ours[key]) - seconds(record[key])) <= 2, (record["id"], key, ours[key], record[key])


def test_crew_dragon_freedom_keeps_its_unstored_history(api, settings):
    """5 flights, 4 ended, only the current one stored: the closed total is the reported figure minus
    (the moment LL2 reported it - the start of the open flight), and the figure moves with the clock."""
    sc = m.Spacecraft.objects.get(pk=551)
    flight = m.SpacecraftFlight.objects.select_related("launch").get(spacecraft_id=551)
    docking = m.DockingEvent.objects.get(flight_vehicle_chaser=flight)
    assert (sc.live, sc.reported_flights_count, sc.flights_count) == (True, 5, 5)
    reported_at = figures.epoch(sc.reported_at)
    assert sc.settled_time_in_space == (sc.reported_time_in_space.total_seconds()
                                        - (reported_at - figures.epoch(flight.launch.net)))
    assert sc.settled_time_docked == (sc.reported_time_docked.total_seconds()
                                      - (reported_at - figures.epoch(docking.docking)))
    assert sc.settled_mission_ends_count == 4
    settings.SPACEDOCK_NOW = iso(sc.reported_at + dt.timedelta(days=10))
    later = spacecraft(api, 551)
    assert later["time_in_space"] == isodate.duration_isoformat(sc.reported_time_in_space + dt.timedelta(days=10))
    assert later["time_docked"] == isodate.duration_isoformat(sc.reported_time_docked + dt.timedelta(days=10))
    assert (later["flights_count"], later["mission_ends_count"], later["in_space"]) == (5, 4, True)
    assert later["fastest_turnaround"] == "P219DT42M6S"  # reported: its first turnaround is not stored


def test_as_of_dates_the_reported_figures(db, tmp_path):
    """`--as-of` says when LL2 rendered the files; it moves the closed part of a partial history."""
    out = io.StringIO()
    call_command("import", str(STATIONS), "--as-of", "2026-07-24T01:13:00Z", stdout=out)
    sc = m.Spacecraft.objects.get(pk=551)
    assert sc.reported_at == dt.datetime(2026, 7, 24, 1, 13, tzinfo=UTC)
    net = m.SpacecraftFlight.objects.get(spacecraft_id=551).launch.net
    assert sc.settled_time_in_space == (sc.reported_time_in_space.total_seconds()
                                        - (sc.reported_at - net).total_seconds())


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", ""])
def test_bad_as_of_is_a_clear_error(db, value):
    before = m.Spacecraft.objects.get(pk=551).reported_at
    with pytest.raises(CommandError, match="--as-of"):
        call_command("import", str(STATIONS), "--as-of", value, stdout=io.StringIO())
    assert m.Spacecraft.objects.get(pk=551).reported_at == before


def test_flights_match_the_capture(api, settings):
    """`/spacecraft_flights/{id}/` of each captured chaser flight: LL2's spacecraft (`SpacecraftDetailed`,
    response_mode "normal") and launch, byte for byte, and its docking event at its station."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    found = 0
    for station, location, event, chaser in station_chasers():
        status, body, response = api(f"/2.3.0/spacecraft_flights/{chaser['id']}/?format=json")
        assert status == 200
        record = dict(chaser["spacecraft"], spacecraft_config=_floats(dict(chaser["spacecraft"]["spacecraft_config"])))
        content = with_figures_of(response.content, body["spacecraft"], record)
        body = orjson.loads(content)
        assert ll2_bytes(body["spacecraft"]) == ll2_bytes(record)
        assert ll2_bytes(body["launch"]) == ll2_bytes(chaser["launch"])
        assert list(body)[-5:] == ["response_mode", "launch_crew", "onboard_crew", "landing_crew", "docking_events"]
        assert (body["url"], body["response_mode"]) == (chaser["url"], "detailed")
        (docking,) = body["docking_events"]
        assert (docking["id"], docking["url"], docking["docking"], docking["departure"]) == (
            event["id"], event["url"], event["docking"], event["departure"])
        assert docking["docking_location"]["id"] == location["id"]
        assert docking["docking_location"]["spacestation"] == {k: station[k] for k in ("id", "url", "name", "image")}
        assert docking["space_station_target"]["id"] == station["id"]
        assert abs(seconds(body["duration"]) - seconds(chaser["spacecraft"]["time_in_space"])) <= 2 or (
            chaser["spacecraft"]["flights_count"] > 1)
        found += 1
    assert found == 8


def test_normal_flight_is_what_the_detailed_spacecraft_lists(api, settings):
    """`flights` of a detailed spacecraft are `SpacecraftFlightNormal`, response_mode last."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT  # the flight is on: both requests must see one moment
    body = spacecraft(api, 627, mode="detailed")
    status, flight, _ = api("/2.3.0/spacecraft_flights/908/?mode=normal")
    assert status == 200
    assert body["flights"] == [flight]
    assert list(flight) == ["id", "url", "destination", "mission_end", "spacecraft", "launch", "landing",
                            "duration", "turn_around_time", "response_mode"]
    assert flight["spacecraft"] == spacecraft(api, 627)


def test_a_detailed_spacecrafts_flights_embed_its_normal_shape_key_for_key(api, settings):
    """The spacecraft inside each flight of a detailed spacecraft is built from the detailed one (its mode and
    configuration swapped in place): it is the normal list's entry, to the byte, keys in order."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    status, normal, _ = api("/2.3.0/spacecraft/?limit=100&mode=normal")
    status_detailed, detailed, _ = api("/2.3.0/spacecraft/?limit=100&mode=detailed")
    assert status == status_detailed == 200
    normal = {row["id"]: row for row in normal["results"]}
    flown = [row for row in detailed["results"] if row["flights"]]
    assert flown
    for row in flown:
        for flight in row["flights"]:
            assert orjson.dumps(flight["spacecraft"]) == orjson.dumps(normal[row["id"]])


# 2. histories built here (the `history` fixture is in conftest.py), and a clock that moves ---------------
def test_figures_are_sums_over_flights_and_dockings(api, history):
    body = spacecraft(api, 100001, mode="detailed")
    assert (body["in_space"], body["time_in_space"], body["time_docked"]) == (True, "P15D", "P12D")
    assert (body["flights_count"], body["mission_ends_count"], body["fastest_turnaround"]) == (2, 1, "P10D")
    assert [(f["id"], f["duration"], f["turn_around_time"]) for f in body["flights"]] == [
        (100011, "P10D", None), (100012, "P5D", "P10D")]  # oldest launch first
    ended = spacecraft(api, 100002)
    assert (ended["in_space"], ended["time_in_space"], ended["time_docked"]) == (False, "P17D", "P0D")
    assert (ended["flights_count"], ended["mission_ends_count"], ended["fastest_turnaround"]) == (1, 1, None)


def test_figures_move_with_the_clock(api, history):
    """No write in between: the ongoing flight and docking grow, the ended ones do not."""
    history.SPACEDOCK_NOW = iso(at(30, hours=1, seconds=2))
    body = spacecraft(api, 100001, mode="detailed")
    assert (body["time_in_space"], body["time_docked"]) == ("P20DT1H2S", "P17DT1H2S")
    assert body["flights"][1]["duration"] == "P10DT1H2S"
    assert spacecraft(api, 100002)["time_in_space"] == "P17D"


def test_spacecraft_without_flights_keeps_its_reported_figures(api, history):
    for moment in (at(25), at(400)):
        history.SPACEDOCK_NOW = iso(moment)
        body = spacecraft(api, 100003)
        assert (body["in_space"], body["time_in_space"], body["time_docked"], body["flights_count"],
                body["mission_ends_count"]) == (True, "P3D", "P0D", 1, 0)


def test_ordering_and_filtering_follow_the_clock(api, history):
    """At day 25 the ongoing 100001 (15 days) is below 100002 (17 days); at day 30 (20 days) above it."""
    history.SPACEDOCK_NOW = iso(at(25))
    assert ids(api, "search=Test&ordering=time_in_space") == [100003, 100001, 100002]
    assert ids(api, "search=Test&ordering=-time_in_space") == [100002, 100001, 100003]
    assert ids(api, "search=Test&ordering=-time_docked") == [100001, 100002, 100003]
    history.SPACEDOCK_NOW = iso(at(30))
    assert ids(api, "search=Test&ordering=time_in_space") == [100003, 100002, 100001]
    assert ids(api, "search=Test&ordering=-time_in_space") == [100001, 100002, 100003]
    assert ids(api, "search=Test&in_space=true") == [100001, 100003]
    assert ids(api, "search=Test&in_space=false") == [100002]


def test_ties_still_end_with_id(api, history):
    make_spacecraft(100004)
    make_flight(100041, 100004, at(-30), at(-13))  # 17 days, like 100002
    figures.refresh([100004])
    assert ids(api, "search=Test&ordering=time_in_space")[-2:] == [100002, 100004]
    assert ids(api, "search=Test&ordering=-time_in_space")[:2] == [100002, 100004]


def test_a_flight_still_to_launch_and_a_planned_end(api, settings):
    """Nothing counts before the launch's net; a mission end in the future ends the flight when it comes,
    the same whether the figures are computed live or settled by a later refresh."""
    settings.SPACEDOCK_NOW = iso(at(0))
    make_spacecraft(100001)
    make_flight(100011, 100001, at(5), at(8))
    make_docking(100011, 100011, at(6))
    figures.refresh([100001])
    expected = {
        at(0): (False, "P0D", "P0D", 0),
        at(6, hours=12): (True, "P1DT12H", "PT12H", 0),
        at(9): (False, "P3D", "P3D", 1),
    }
    for moment, (in_space, tis, docked, ends) in expected.items():
        settings.SPACEDOCK_NOW = iso(moment)
        body = spacecraft(api, 100001)
        assert (body["in_space"], body["time_in_space"], body["time_docked"], body["mission_ends_count"]) == (
            in_space, tis, docked, ends), moment
        assert body["flights_count"] == 1
    assert m.Spacecraft.objects.get(pk=100001).live
    figures.refresh([100001])  # at day 9 the docking has no departure, so it stays live
    assert m.Spacecraft.objects.get(pk=100001).live
    m.DockingEvent.objects.filter(pk=100011).update(departure=at(7))
    figures.refresh([100001])
    sc = m.Spacecraft.objects.get(pk=100001)
    assert (sc.live, sc.settled_time_in_space, sc.settled_time_docked, sc.settled_mission_ends_count) == (
        False, 3 * 86400, 86400, 1)
    assert spacecraft(api, 100001)["time_docked"] == "P1D"


def test_zero_is_p0d_and_0_not_null(api, settings):
    settings.SPACEDOCK_NOW = iso(at(0))
    make_spacecraft(100001)
    make_flight(100011, 100001, at(10))
    figures.refresh([100001])
    body = spacecraft(api, 100001)
    assert (body["time_in_space"], body["time_docked"], body["mission_ends_count"], body["in_space"]) == (
        "P0D", "P0D", 0, False)


def test_a_flight_moved_to_another_spacecraft_refreshes_both(db, tmp_path, settings):
    settings.SPACEDOCK_NOW = iso(at(30))
    make_spacecraft(100001)
    make_spacecraft(100002)
    make_flight(100011, 100001, at(0), at(10))
    figures.refresh([100001, 100002])
    document = {"id": 100011, "url": "https://ll.thespacedevs.com/2.3.0/spacecraft_flights/100011/",
                "spacecraft": {"id": 100002, "url": "https://ll.thespacedevs.com/2.3.0/spacecraft/100002/"}}
    path = tmp_path / "moved.json"
    path.write_bytes(orjson.dumps(document))
    import_paths([path])
    counts = dict(m.Spacecraft.objects.filter(pk__in=[100001, 100002]).values_list("pk", "flights_count"))
    assert counts == {100001: None, 100002: 1}  # none stored, none reported: unknown


# 3. the endpoint ------------------------------------------------------------------------------------
def test_filter_by_spacecraft(api):
    status, body, _ = api("/2.3.0/spacecraft_flights/?spacecraft=551")
    assert [row["id"] for row in body["results"]] == [901]
    assert api("/2.3.0/spacecraft_flights/?spacecraft=999999")[1]["count"] == 0
    status, body, _ = api("/2.3.0/spacecraft_flights/?spacecraft=abc")
    assert (status, body) == (400, {"spacecraft": ["Enter a whole number."]})


def test_flights_page_header_follows_ll2s_text(api):
    """Modes and Filters, no Search and no Ordering section, as LL2's schema describes the endpoint."""
    _, _, response = api("/2.3.0/spacecraft_flights/", HTTP_ACCEPT="text/html")
    text = response.content.decode()
    assert "Levels of detail in the response - <code>normal</code>, <code>detailed</code>" in text
    assert "Parameters - <code>spacecraft</code>" in text
    assert "Fields searched" not in text and "Ordering</h4>" not in text


def _queries(api, path):
    SHARED.clear()  # cold: every shape rendered and every count made from the database
    COUNTS.__init__()
    with CaptureQueriesContext(connection) as captured:
        status, body, _ = api(path)
    assert status == 200, body
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_flights(api, settings):
    """The detailed spacecraft and the flights pages cost the same queries with 1 or 30 flights (a live
    spacecraft both times: a live one costs two queries more, for its flights' share at the moment)."""
    settings.SPACEDOCK_NOW = iso(at(1000))
    make_spacecraft(100001)
    make_flight(100100, 100001, at(0))
    make_docking(100100, 100100, at(0, hours=1), at(0, hours=20))
    figures.refresh([100001])
    paths = ["/2.3.0/spacecraft/100001/", "/2.3.0/spacecraft_flights/?spacecraft=100001&mode=normal&limit=100",
             "/2.3.0/spacecraft_flights/?spacecraft=100001&mode=detailed&limit=100",
             "/2.3.0/spacecraft_flights/100100/"]
    before = [_queries(api, path) for path in paths]
    for k in range(1, 30):
        make_flight(100100 + k, 100001, at(10 * k), at(10 * k + 1) if k < 29 else None)
        make_docking(100100 + k, 100100 + k, at(10 * k, hours=1), at(10 * k, hours=20))
    figures.refresh([100001])
    assert len(spacecraft(api, 100001, "detailed")["flights"]) == 30
    assert [_queries(api, path) for path in paths] == before
    assert max(before) <= 20


# 4. import ------------------------------------------------------------------------------------------
def _flight_document(api, flight_id=901, mode="detailed"):
    _, body, _ = api(f"/2.3.0/spacecraft_flights/{flight_id}/?mode={mode}")
    return body


def test_import_reads_spacecraft_flights_and_docking_events(api, tmp_path):
    """A page of `SpacecraftFlightDetailed` (with its docking events) and an LL2 docking event."""
    flight = _flight_document(api)
    flight.update(id=100001, url=flight["url"].replace("/901/", "/100001/"), destination="ISS",
                  mission_end="2026-08-01T10:00:00Z")
    flight["docking_events"][0].update(id=100001, url="https://ll.thespacedevs.com/2.3.0/docking_events/100001/",
                                       departure="2026-07-31T12:00:00Z")
    event = {"id": 100002, "url": "https://ll.thespacedevs.com/2.3.0/docking_events/100002/",
             "docking": "2026-08-01T00:00:00Z", "departure": None,
             "flight_vehicle_chaser": {"id": 100001, "url": flight["url"]}, "space_station_target": None}
    path = tmp_path / "flights.json"
    path.write_bytes(orjson.dumps({"count": 2, "next": None, "previous": None, "results": [flight, event]}))
    summary = import_paths([path])
    assert summary.records == 2
    stored = m.SpacecraftFlight.objects.get(pk=100001)
    assert (stored.spacecraft_id, stored.destination, stored.mission_end) == (
        551, "ISS", dt.datetime(2026, 8, 1, 10, tzinfo=UTC))
    assert set(m.DockingEvent.objects.filter(flight_vehicle_chaser_id=100001).values_list("id", flat=True)) == {
        100001, 100002}
    assert m.Spacecraft.objects.get(pk=551).flights_count == 5  # still 5: LL2 reported 5, one more is stored


def test_import_reads_a_detailed_spacecraft_with_its_flights(api, tmp_path, settings):
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    body = spacecraft(api, 627, mode="detailed")
    m.SpacecraftFlight.objects.filter(spacecraft_id=627).delete()
    path = tmp_path / "sc.json"
    path.write_bytes(orjson.dumps(body))
    import_paths([path])
    assert list(m.SpacecraftFlight.objects.filter(spacecraft_id=627).values_list("id", flat=True)) == [908]
    (flight,) = spacecraft(api, 627, mode="detailed")["flights"]
    # The docking event went with the deleted flight; a normal flight does not bring it back.
    assert flight == dict(body["flights"][0], spacecraft=dict(body["flights"][0]["spacecraft"], time_docked="P0D"))


def test_launch_documents_merge_key_by_key(api, tmp_path):
    """A shorter copy of a launch (LaunchMini) neither drops keys of the stored LaunchNormal nor reorders them."""
    launch = m.Launch.objects.get(spacecraft_flights__id=901)
    mini = {"id": launch.id, "url": launch.document["url"], "name": "Renamed", "net": launch.document["net"]}
    flight = {"id": 901, "url": "https://ll.thespacedevs.com/2.3.0/spacecraft_flights/901/", "launch": mini}
    path = tmp_path / "mini.json"
    path.write_bytes(orjson.dumps(flight))
    import_paths([path])
    stored = m.Launch.objects.get(pk=launch.id).document
    assert list(stored) == list(launch.document)
    assert stored["name"] == "Renamed" and stored["slug"] == launch.document["slug"]


def _snapshot():
    return {model.__name__: list(model.objects.order_by("pk").values())
            for model in (m.Spacecraft, m.SpacecraftFlight, m.DockingEvent, m.Launch, m.SpaceStation,
                          m.DockingLocation)}


FLIGHT_URL = "https://ll.thespacedevs.com/2.3.0/spacecraft_flights/100001/"
LAUNCH = {"id": "00000000-0000-4000-8000-000000000001", "net": "2026-01-01T00:00:00Z"}
SC = {"id": 627, "url": "https://ll.thespacedevs.com/2.3.0/spacecraft/627/"}


@pytest.mark.parametrize("record, message", [
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": LAUNCH, "mission_end": "yesterday"},
     "record 0 (id 100001): mission_end: expected a date-time such as 2026-07-24T01:13:35Z, got 'yesterday'"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC},
     "spacecraft flight 100001 is new but has no launch"),
    ({"id": 100001, "url": FLIGHT_URL, "launch": LAUNCH},
     "spacecraft flight 100001 is new but has no spacecraft"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": {"id": "x-1", "name": "no net"}},
     "launch x-1 is new but has no net"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": {"id": 5, "net": "2026-01-01T00:00:00Z"}},
     "launch.id: expected text, got 5"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": LAUNCH, "landing": [1]},
     "landing: expected an object, got list"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": LAUNCH, "launch_crew": None},
     "launch_crew: must not be null"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": LAUNCH,
      "docking_events": [{"id": 100001, "docking": None}]},
     "docking_events[0].docking: must not be null"),
    ({"id": 100001, "url": FLIGHT_URL, "spacecraft": SC, "launch": LAUNCH,
      "docking_events": [{"id": 100001, "departure": "2026-01-02T00:00:00Z"}]},
     "docking event 100001 is new but has no docking"),
    ({"id": 100001, "url": "https://ll.thespacedevs.com/2.3.0/docking_events/100001/", "docking": "2026-01-01",
      "flight_vehicle_chaser": {"id": 901}}, None),  # a date without a time is a date-time at midnight: accepted
    ({"id": 100001, "url": "https://ll.thespacedevs.com/2.3.0/space_stations/100001/", "name": "S",
      "docking_location": [{"id": 100001, "name": "Port", "currently_docked": {"id": 100001, "docking": 7}}]},
     "docking_location[0].currently_docked.docking: expected a date-time such as 2026-07-24T01:13:35Z, got 7"),
])
def test_malformed_flights_change_nothing(db, tmp_path, record, message):
    path = tmp_path / "bad.json"
    path.write_bytes(orjson.dumps([record]))
    before = _snapshot()
    if message is None:
        import_paths([path])
        return
    with pytest.raises(ImportFailed) as failure:
        import_paths([path])
    assert message in str(failure.value) and str(path) in str(failure.value)
    assert "\n" not in str(failure.value)
    assert _snapshot() == before


def test_rendered_at_is_none_when_nothing_proves_it(db):
    batch = Batch()
    read_file(DATA / "2-ll-spacecraft-page-offset290-ordering-mission_ends_count.json", batch)
    assert all(row.get("reported_at") is None for row in batch.rows[m.Spacecraft].values())


def test_a_bad_spacedock_now_stops_start_up_with_a_clear_error():
    import os
    import subprocess
    import sys

    env = dict(os.environ, SPACEDOCK_NOW="tomorrow", DJANGO_SETTINGS_MODULE="spacedock.settings")
    result = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SPACEDOCK_NOW='tomorrow' is not an ISO 8601 date-time" in result.stderr


@pytest.mark.parametrize("days_later", [25, 30, 400])
def test_python_and_sql_figures_agree(api, history, days_later):
    """Rendering computes live figures in Python, filtering and ordering in SQL: the same numbers, for
    every spacecraft (the bundled live ones included), at several moments."""
    history.SPACEDOCK_NOW = iso(at(days_later))
    moment = at(days_later)
    sql = {row["id"]: row for row in figures.with_figures(m.Spacecraft.objects.all(), moment).values(
        "id", "in_space", "time_in_space", "time_docked", "mission_ends_count")}
    status, body, _ = api("/2.3.0/spacecraft/?limit=100&mode=normal")
    assert status == 200 and body["count"] == len(sql) <= 100
    for row in body["results"]:
        expected = sql[row["id"]]
        assert (row["in_space"], row["mission_ends_count"]) == (expected["in_space"], expected["mission_ends_count"])
        for key in ("time_in_space", "time_docked"):
            assert row[key] == (None if expected[key] is None else isodate.duration_isoformat(
                dt.timedelta(seconds=expected[key]))), (row["id"], key)
