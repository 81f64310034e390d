"""Golden tests of the stations side: Spacedock's bytes against LL2's station capture.

`captures/2.3.0-space_stations-detailed-all.json` is LL2's `/space_stations/?mode=detailed` (15 stations,
bundled as `data/4-ll-space_stations-detailed-all.json`). With the clock pinned to the moment LL2 rendered
it, each `/space_stations/{id}/` is that record byte for byte: the nested docked spacecraft's live
durations within the 2 seconds LL2 took, and the capture's re-serialised floats (`22` for LL2's `22.0`)
put back. The other shapes are the same records cut as LL2's schema cuts them: the normal station
(`SpaceStationEndpoint`), the expeditions (`ExpeditionMini`), the docked events, the statuses.
"""
import json

import orjson
import pytest

from spacedock.api.endpoints import ENDPOINTS

from .helpers import CAPTURE_MOMENT, STATIONS, _floats, ll2_bytes, with_figures_of

NORMAL = ("id", "url", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type")
ENDPOINT_NORMAL = NORMAL + ("owners", "response_mode", "active_expeditions")


def captured():
    return json.loads(STATIONS.read_text())


def station_floats(record):
    """The capture's re-serialised floats as LL2 writes them (`22` -> `22.0`), nested agencies' too."""
    for key in ("height", "width", "mass"):
        if isinstance(record.get(key), int):
            record[key] = float(record[key])
    for location in record.get("docking_location") or []:
        docked = location.get("currently_docked")
        if docked and docked["flight_vehicle_chaser"]:
            _floats(docked["flight_vehicle_chaser"]["spacecraft"]["spacecraft_config"])
    return record


def live_figures_of_theirs(content: bytes, theirs: dict) -> bytes:
    """Our bytes with each docked spacecraft's live durations replaced by LL2's (each within 2 s)."""
    ours = orjson.loads(content)
    for mine, their in zip(ours["docking_location"], theirs["docking_location"]):
        if their["currently_docked"]:
            content = with_figures_of(content, mine["currently_docked"]["flight_vehicle_chaser"]["spacecraft"],
                                      their["currently_docked"]["flight_vehicle_chaser"]["spacecraft"])
    return content


@pytest.fixture
def at_capture(settings):
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT


def test_every_station_detailed_is_the_capture(api, at_capture):
    """`/space_stations/{id}/` for each of the 15 stations is LL2's record, byte for byte."""
    records = captured()
    assert len(records) == 15
    for record in records:
        status, _, response = api(f"/2.3.0/space_stations/{record['id']}/?format=json")
        assert status == 200
        expected = ll2_bytes(station_floats(record))
        assert live_figures_of_theirs(response.content, record) == expected, record["id"]


def test_detailed_list_is_the_capture_in_id_order(api, at_capture):
    """`/space_stations/?mode=detailed`: the capture's records in id order, each LL2's bytes."""
    records = sorted(captured(), key=lambda r: r["id"])
    status, body, response = api("/2.3.0/space_stations/?format=json&mode=detailed&limit=100")
    assert status == 200 and body["count"] == 15
    assert [r["id"] for r in body["results"]] == [r["id"] for r in records]
    for ours, record in zip(body["results"], records):
        content = live_figures_of_theirs(ll2_bytes(ours), record)
        assert content == ll2_bytes(station_floats(record)), record["id"]


def test_normal_list_is_the_capture_cut_to_the_normal_shape(api, at_capture):
    """`SpaceStationEndpoint`: the detailed record's fields up to its active expeditions, response_mode normal."""
    records = sorted(captured(), key=lambda r: r["id"])
    expected = [{**{key: record[key] for key in ENDPOINT_NORMAL}, "response_mode": "normal"} for record in records]
    status, _, response = api("/2.3.0/space_stations/?format=json&limit=100")
    assert status == 200
    assert response.content == ll2_bytes({"count": 15, "next": None, "previous": None, "results": expected})


def test_active_expeditions_are_the_capture(api, at_capture):
    """Each station's active expeditions (`ExpeditionMini`), and each expedition's own page names them."""
    for record in captured():
        for expedition in record["active_expeditions"]:
            _, body, response = api(f"/2.3.0/expeditions/{expedition['id']}/?format=json&mode=normal")
            assert response.content.startswith(ll2_bytes(expedition)[:-1] + b',"response_mode":"normal"')
            assert body["spacestation"] == {key: record[key] for key in NORMAL}


def test_docked_events_are_the_capture(api, at_capture):
    """Each event docked at a station in the capture: `/docking_events/{id}/` has LL2's times and url, its
    chaser flight's launch is LL2's bytes, its target and location are the station's."""
    seen = 0
    for record in captured():
        station_mini = {key: record[key] for key in ("id", "url", "name", "image")}
        for location in record["docking_location"]:
            docked = location["currently_docked"]
            if not docked:
                continue
            seen += 1
            status, body, response = api(f"/2.3.0/docking_events/{docked['id']}/?format=json")
            assert status == 200
            assert response.content.startswith(ll2_bytes({key: docked[key] for key in
                                                          ("id", "url", "docking", "departure")})[:-1] + b",")
            assert body["space_station_target"] == station_mini
            assert (body["docking_location"]["id"], body["docking_location"]["name"]) == (location["id"],
                                                                                          location["name"])
            assert body["docking_location"]["spacestation"] == station_mini
            flight = body["flight_vehicle_chaser"]
            assert flight["id"] == docked["flight_vehicle_chaser"]["id"]
            assert ll2_bytes(docked["flight_vehicle_chaser"]["launch"]) in response.content
            assert body["response_mode"] == "detailed"
    assert seen == 8


def test_station_statuses_are_the_captures(api):
    statuses = sorted({(r["status"]["id"], r["status"]["name"]) for r in captured()})
    _, _, response = api("/2.3.0/config/space_station_statuses/?format=json")
    assert response.content == ll2_bytes({"count": len(statuses), "next": None, "previous": None,
                                          "results": [{"id": pk, "name": name} for pk, name in statuses]})


@pytest.mark.parametrize("path", ["space_stations", "docking_events", "expeditions"])
def test_page_header_text_is_ll2s(api, path):
    """The browsable page's header text is the description LL2's schema gives the endpoint (LL2's served pages
    have no "Search" heading: the pages win, as for the spacecraft)."""
    from .helpers import spec

    description = spec()["paths"][f"/2.3.0/{path}/"]["get"]["description"]
    endpoint = next(ep for ep in ENDPOINTS if ep.path == path)
    assert endpoint.description() == description.replace("#### Search\n", "")
