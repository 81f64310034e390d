"""Older LL2 versions (2.0.0-2.2.0) through `spacedock import`, on the real captures in tests/captures/
(copied from the LL2 reference material): every old shape, the counts after importing everything, mapped
values against their 2.3.0 twins, precedence, the served shapes, what is reported, malformed records."""
import copy
import json

import orjson
import pytest
from django.core.management.base import CommandError

from spacedock.catalog import models as m
from spacedock.ingest.errors import ImportFailed
from spacedock.ingest.importer import import_paths
from spacedock.ingest.ll2_versions import kind_of

from .helpers import (
    CAPTURE_MOMENT,
    CAPTURES,
    DETAILS,
    FRESH,
    LISTS,
    _floats,
    counts,
    ll2_bytes,
    run_command,
    snapshot,
    validate,
    wipe_catalogue,
    with_figures_of,
    write,
)

OLD = sorted(CAPTURES.glob("2.[012].0-*.json"))
NEW = sorted(CAPTURES.glob("2.3.0-*.json"))
ALL = OLD + NEW  # the documented order: oldest version first (any order gives the same database)


def capture(name):
    document = json.loads((CAPTURES / name).read_text())
    return document["results"] if isinstance(document, dict) else document


def only(*paths):
    """Empty the catalogue, then import `paths` in one import; returns the summary."""
    wipe_catalogue()
    return import_paths(paths)


def nonzero():
    return {name: n for name, n in counts().items() if n}


# 1. old URLs name their kind ----------------------------------------------------------------------
@pytest.mark.parametrize("url, kind", [
    ("https://ll.thespacedevs.com/2.2.0/config/spacecraft/12/", "spacecraft_configurations"),
    ("https://ll.thespacedevs.com/2.0.0/config/spacecraft/12/?format=json", "spacecraft_configurations"),
    ("https://ll.thespacedevs.com/2.1.0/spacecraft/flight/220/", "spacecraft_flights"),
    ("https://ll.thespacedevs.com/2.1.0/spacecraft/77/", "spacecraft"),
    ("https://ll.thespacedevs.com/2.1.0/docking_event/100/", "docking_events"),
    ("https://lldev.thespacedevs.com/2.2.0/spacestation/4/?format=json", "space_stations"),
    ("https://ll.thespacedevs.com/2.2.0/agencies/121/?format=json", "agencies"),
    ("https://ll.thespacedevs.com/2.3.0/spacecraft_flights/1/", "spacecraft_flights"),
    ("https://ll.thespacedevs.com/2.2.0/launch/abc/", None),  # outside the spacecraft catalogue
    ("https://ll.thespacedevs.com/2.2.0/spacecraft_flights/1/", None),  # a 2.3.0 name under an old version
    ("https://ll.thespacedevs.com/1.4/spacecraft/1/", None),
    ("https://ll.thespacedevs.com/2.4.0/spacecraft/1/", None),
])
def test_old_urls_name_their_kind(url, kind):
    assert kind_of({"id": 1, "url": url}) == kind


# 2. every old shape in the captures, each file alone ------------------------------------------------
# A 2.2.0 station file: station statuses and types, its owners (5 more agencies), 2 active expeditions.
STATIONS_22 = {"SpaceStationStatus": 3, "SpaceStationType": 2, "StationOwner": 19, "Expedition": 2}
ALONE = {
    "2.1.0-agencies-all.json": {"Agency": 268},
    "2.1.0-docking_event-all.json": {
        "Agency": 7, "SpacecraftStatus": 4, "SpacecraftConfigType": 1, "SpacecraftConfiguration": 12,
        "Spacecraft": 184, "Launch": 235, "DockingLocation": 26, "SpacecraftFlight": 235, "DockingEvent": 242},
    "2.2.0-agencies-detailed-all.json": {"Agency": 350, "SpacecraftConfigType": 6, "SpacecraftConfiguration": 46,
                                         "AgencyCountry": 0},
    "2.2.0-config-spacecraft-detailed-all.json": {"Agency": 14, "SpacecraftConfigType": 6,
                                                  "SpacecraftConfiguration": 42},
    "2.2.0-spacestation-detailed-all-a.json": {
        "Agency": 10, "SpacecraftStatus": 2, "SpacecraftConfigType": 2, "SpacecraftConfiguration": 6,
        "Spacecraft": 8, "Launch": 8, "SpaceStation": 15, "DockingLocation": 39, "SpacecraftFlight": 8,
        "DockingEvent": 8, **STATIONS_22},
    "2.2.0-spacestation-detailed-all-b.json": {
        "Agency": 10, "SpacecraftStatus": 2, "SpacecraftConfigType": 2, "SpacecraftConfiguration": 6,
        "Spacecraft": 7, "Launch": 7, "SpaceStation": 15, "DockingLocation": 39, "SpacecraftFlight": 7,
        "DockingEvent": 7, **STATIONS_22},
}


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_old_capture_imports_alone(db, name):
    """Into an empty catalogue, with nothing to look agency types, countries or images up in: every record
    is stored, and what could not be mapped is reported."""
    summary = only(CAPTURES / name)
    expected = {key: n for key, n in ALONE[name].items() if n}
    assert nonzero() == expected
    assert summary.unmapped
    assert str(summary).splitlines()[1] == "from older LL2 versions, not mapped or not given:"


def test_old_captures_list_every_old_shape():
    """The test material covers each old path this importer knows."""
    kinds = {kind_of(record) for path in OLD for record in capture(path.name)}
    assert kinds == {"agencies", "docking_events", "spacecraft_configurations", "space_stations"}
    nested = {kind_of(event["flight_vehicle"]) for event in capture("2.1.0-docking_event-all.json")}
    nested |= {kind_of(event["flight_vehicle"]["spacecraft"]) for event in capture("2.1.0-docking_event-all.json")}
    assert nested == {"spacecraft_flights", "spacecraft"}


# 3. everything ------------------------------------------------------------------------------------
EVERYTHING = {
    "Agency": 352, "AgencyCountry": 305, "AgencyType": 4, "ConfigurationFamily": 27, "Country": 29,
    "DockingEvent": 257, "DockingLocation": 40, "Image": 85, "ImageLicense": 5, "ImageVariant": 2,
    "ImageVariantType": 2, "Launch": 250, "SpaceStation": 15, "Spacecraft": 198, "SpacecraftConfigFamily": 8,
    "SpacecraftConfigType": 7, "SpacecraftConfiguration": 46, "SpacecraftFlight": 250, "SpacecraftStatus": 4,
    # the stations' owners (2.3.0 AgencyNormal, with countries and images), statuses, types, expeditions
    "SpaceStationStatus": 3, "SpaceStationType": 2, "StationOwner": 19, "Expedition": 4,
}


def test_counts_after_importing_every_capture(db):
    """46 configurations, 352 agencies (350 of 2.2.0 and 2 only 2.1.0 has), 198 spacecraft: 184 from the
    2.1.0 docking events (235 flights, 242 events), 8 docked in both station captures, 7 more in `-b`."""
    only(*ALL)
    assert nonzero() == EVERYTHING
    assert m.Launch.objects.filter(net__isnull=True).count() == 235  # 2.1.0 names them by `launch_id` only
    assert m.Agency.objects.filter(type__isnull=True).count() == 5  # 'Educational' x4, 'Unknown': no 2.3.0 id


def test_the_order_of_the_files_does_not_matter(db):
    only(*ALL)
    oldest_first = snapshot(ignore_link_ids=True)
    only(*reversed(ALL))
    assert snapshot(ignore_link_ids=True) == oldest_first


# 4. 2.3.0 values are not degraded ---------------------------------------------------------------
WAYS = {
    "oldest-first": [ALL],
    "newest-first": [list(reversed(ALL))],
    "2.3.0-then-older-in-another-import": [NEW, OLD],
}


@pytest.mark.parametrize("way", sorted(WAYS))
def test_2_3_0_values_win_whatever_the_order(api, settings, way):
    """Each of the 46 configurations is the 2.3.0 capture's record byte for byte, and each of the 8 docked
    spacecraft the station capture's, however the older files came (2.2.0 gives configuration 26 a
    `payload_capacity` and a `wiki_link` that 2.3.0 has as null and "")."""
    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    wipe_catalogue()
    for paths in WAYS[way]:
        import_paths(paths)
    for record in capture("2.3.0-spacecraft_configurations-detailed-all.json"):
        _, _, response = api(f"/2.3.0/spacecraft_configurations/{record['id']}/?format=json")
        assert response.content == ll2_bytes(_floats(record)), record["id"]
    docked = [location["currently_docked"]["flight_vehicle_chaser"]["spacecraft"]
              for station in capture("2.3.0-space_stations-detailed-all.json")
              for location in station["docking_location"] if location.get("currently_docked")]
    assert len(docked) == 8
    for record in docked:
        record = dict(record, response_mode="detailed")
        record["spacecraft_config"] = _floats(dict(record["spacecraft_config"]))
        _, body, response = api(f"/2.3.0/spacecraft/{record['id']}/?format=json")
        content = with_figures_of(response.content, body, record)
        assert content == ll2_bytes({**record, "flights": orjson.loads(content)["flights"]}), record["id"]


def test_stored_rows_are_never_changed_by_older_files(db):
    """Imported after 2.3.0 in a separate import, the older files only add rows: every stored row stays as
    it was, even where 2.3.0 had null and the older file a value."""
    only(*NEW)
    before = snapshot()
    summary = import_paths(OLD)
    after = snapshot()
    for model, rows in before.items():
        kept = {row["id"]: row for row in after[model]}
        if model in ("AgencyCountry", "ConfigurationFamily"):  # link rows: compare by value
            assert {tuple(sorted(r.items())) for r in rows} <= {tuple(sorted(r.items())) for r in after[model]}
            continue
        for row in rows:
            if model == "Agency":  # derived: linked to the agency named as parent, now that it is stored
                row, kept[row["id"]]["parent_id"] = dict(row, parent_id=None), None
            assert kept[row["id"]] == row, (model, row["id"])
    assert m.SpacecraftConfiguration.objects.get(pk=26).payload_capacity is None
    assert len(after["Agency"]) == 352 and summary.unmapped


def test_between_older_versions_the_newer_wins_and_a_value_beats_none(db, tmp_path):
    """Configuration 1's type is 'Unknown' (id 1) in 2.1.0 and 'Capsule' (id 2) in 2.2.0; a description
    one version leaves null is taken from the other, whatever the order."""
    agency_21 = dict(capture("2.1.0-agencies-all.json")[0], id=FRESH + 1, description="from 2.1.0")
    agency_22 = dict(capture("2.2.0-agencies-detailed-all.json")[0], id=FRESH + 1, description=None,
                     launcher_list=[], spacecraft_list=[])
    a21, a22 = write(tmp_path, [agency_21], "a21.json"), write(tmp_path, [agency_22], "a22.json")
    events, configs = CAPTURES / "2.1.0-docking_event-all.json", CAPTURES / "2.2.0-config-spacecraft-detailed-all.json"
    for paths in ([events, configs, a21, a22], [a22, configs, a21, events]):
        only(*paths)
        assert m.SpacecraftConfiguration.objects.get(pk=1).type_id == 2
        agency = m.Agency.objects.get(pk=FRESH + 1)
        assert agency.description == "from 2.1.0"
        assert agency.total_launch_count == agency_22["total_launch_count"]  # only 2.2.0 has it


# 5. mapped values against their 2.3.0 twins ---------------------------------------------------------
def test_an_agency_maps_onto_its_2_3_0_twin(api, tmp_path):
    """SpaceX as 2.2.0 writes it, under a fresh id, next to the 2.3.0 data: type by name, countries by
    alpha-3 code, image and logo by URL, `founding_year` as a number: its AgencyNormal is 2.3.0's."""
    only(*NEW)
    _, twin, _ = api("/2.3.0/agencies/121/?mode=normal")
    old = next(a for a in capture("2.2.0-agencies-detailed-all.json") if a["id"] == 121)
    summary = import_paths([write(tmp_path, [dict(old, id=FRESH + 121, spacecraft_list=[])])])
    _, mapped, _ = api(f"/2.3.0/agencies/{FRESH + 121}/?mode=normal")
    assert mapped["founding_year"] == 2002 and mapped["type"] == {"id": 3, "name": "Commercial"}
    assert mapped["country"][0]["alpha_3_code"] == "USA"
    assert mapped.pop("social_logo") is None and twin.pop("social_logo") is not None  # 2.2.0 has none
    for key in ("id", "url"):
        mapped.pop(key), twin.pop(key)
    assert mapped == twin
    assert any("launcher_list: not mapped" in line for line in summary.unmapped)


def test_a_configuration_maps_onto_its_2_3_0_twin(api, tmp_path):
    """Crew Dragon 2 (6) as 2.2.0 writes it under a fresh id: every field both versions have is 2.3.0's,
    its agency and type included; the families and launch figures 2.2.0 lacks stay empty."""
    only(*NEW)
    _, twin, _ = api("/2.3.0/spacecraft_configurations/6/")
    old = next(c for c in capture("2.2.0-config-spacecraft-detailed-all.json") if c["id"] == 6)
    import_paths([write(tmp_path, [dict(old, id=FRESH + 6)])])
    _, mapped, _ = api(f"/2.3.0/spacecraft_configurations/{FRESH + 6}/")
    both = ["name", "type", "agency", "in_use", "image", "capability", "history", "details", "maiden_flight",
            "height", "diameter", "human_rated", "crew_capacity", "payload_capacity", "payload_return_capacity",
            "flight_life", "wiki_link", "info_link"]
    assert {key: mapped[key] for key in both} == {key: twin[key] for key in both}
    assert mapped["family"] == [] and mapped["total_launch_count"] is None and twin["family"]


def test_the_docked_spacecraft_of_2_2_0_match_their_2_3_0_twins(api):
    """The 8 spacecraft docked in the 2.2.0 `-a` station capture, imported alone, against the same 8 in
    the 2.3.0 station capture: the same spacecraft, statuses, configurations, flights and stations."""
    only(CAPTURES / "2.2.0-spacestation-detailed-all-a.json")
    twins = {location["currently_docked"]["flight_vehicle_chaser"]["spacecraft"]["id"]: (station["id"], location)
             for station in capture("2.3.0-space_stations-detailed-all.json")
             for location in station["docking_location"] if location.get("currently_docked")}
    assert len(twins) == 8
    for pk, (station, location) in twins.items():
        event = location["currently_docked"]
        twin = event["flight_vehicle_chaser"]["spacecraft"]
        _, ours, _ = api(f"/2.3.0/spacecraft/{pk}/")
        for key in ("name", "serial_number", "is_placeholder", "status", "description", "flights_count",
                    "mission_ends_count"):
            assert ours[key] == twin[key], (pk, key)
        for key in ("id", "name", "type", "in_use", "capability", "human_rated", "crew_capacity"):
            assert ours["spacecraft_config"][key] == twin["spacecraft_config"][key], (pk, key)
        (flight,) = ours["flights"]
        assert flight["id"] == event["flight_vehicle_chaser"]["id"]
        assert flight["launch"] is None  # a 2.2.0 launch is not 2.3.0's shape: kept by id and net only
        assert m.Launch.objects.get(pk=event["flight_vehicle_chaser"]["launch"]["id"]).net is not None
        _, detailed, _ = api(f"/2.3.0/spacecraft_flights/{flight['id']}/")
        (docking,) = detailed["docking_events"]
        assert (docking["id"], docking["docking"], docking["docking_location"]["id"]) == (
            event["id"], event["docking"], location["id"])
        assert docking["space_station_target"]["id"] == station
        assert docking["space_station_target"]["url"].startswith("https://ll.thespacedevs.com/2.3.0/space_stations/")


def test_a_2_1_0_flight_whose_launch_is_known_by_id_only(api):
    """Soyuz TMA-16 (77), from a 2.1.0 docking event alone: its flight, docking and figures, with what
    2.1.0 does not give (the launch, so the flight's duration and time in space) null, not made up."""
    only(*ALL)
    _, sc, _ = api("/2.3.0/spacecraft/77/")
    assert (sc["name"], sc["serial_number"], sc["status"], sc["spacecraft_config"]["id"]) == (
        "Soyuz TMA-16", "Soyuz TMA 11F732A17 #226", {"id": 4, "name": "Single Use"}, 1)
    assert (sc["flights_count"], sc["mission_ends_count"], sc["in_space"]) == (1, 1, False)
    assert sc["time_docked"] == "P166DT23H28M"  # 2009-10-02T08:35Z to 2010-03-18T08:03Z
    assert sc["time_in_space"] is None and sc["fastest_turnaround"] is None and sc["image"] is None
    (flight,) = sc["flights"]
    assert (flight["id"], flight["mission_end"], flight["launch"], flight["duration"]) == (
        220, "2010-03-18T11:24:00Z", None, None)
    assert m.SpacecraftFlight.objects.get(pk=220).launch_id == "349eb56f-50e8-4858-9977-e4b7121c40f5"
    _, detailed, _ = api("/2.3.0/spacecraft_flights/220/")
    (docking,) = detailed["docking_events"]
    assert (docking["id"], docking["departure"], docking["docking_location"]["name"]) == (
        100, "2010-03-18T08:03:00Z", "Zvezda aft")
    assert docking["space_station_target"] is None  # 2.1.0 does not say
    assert docking["docking_location"]["spacestation"]["id"] == 4  # the stations say where Zvezda aft is
    status, body, _ = api("/2.3.0/spacecraft/?ordering=time_in_space&limit=100")
    assert status == 200 and body["count"] == 198


def test_top_level_2_2_0_spacecraft_and_flights(api, tmp_path):
    """`/2.2.0/spacecraft/` and `/2.2.0/spacecraft/flight/` records (no capture holds them at the top level):
    built from the `-a` station crawl's docked flight 901 of Crew Dragon Freedom (551)."""
    event = next(location["docked"] for station in capture("2.2.0-spacestation-detailed-all-a.json")
                 for location in station["docking_location"] if (location.get("docked") or {}).get("id") == 635)
    flight = dict(event["flight_vehicle"], id=FRESH + 901, url="https://ll.thespacedevs.com/2.2.0/spacecraft/flight/1/")
    spacecraft = dict(flight.pop("spacecraft"), id=FRESH + 551, flights=[dict(flight, id=FRESH + 902)])
    wipe_catalogue()
    import_paths([write(tmp_path, [spacecraft, dict(flight, spacecraft={**spacecraft, "flights": []})])])
    _, body, _ = api(f"/2.3.0/spacecraft/{FRESH + 551}/")
    assert [f["id"] for f in body["flights"]] == [FRESH + 901, FRESH + 902]
    assert body["name"] == "Crew Dragon Freedom" and body["flights_count"] == 5  # reported: 3 more not stored
    assert body["spacecraft_config"]["agency"]["founding_year"] == 2002
    assert m.Launch.objects.get().net.isoformat() == "2026-02-13T10:15:56+00:00"


# 6. the served shapes stay LL2's ----------------------------------------------------------------
OLD_ONLY = {  # records only the older captures describe
    "agencies": (19, 73, 75, 183, 225, 1087),  # Educational (no type), only in 2.1.0, Unknown, USA-coded
    "spacecraft": (77, 449, 571),
    "spacecraft_flights": (220, 583, 812),
    "spacecraft_configurations": (1, 7),
}


@pytest.fixture
def everything(db):
    only(*ALL)


@pytest.mark.parametrize("path, mode, item", LISTS)
def test_every_list_matches_the_schema_after_importing_old_files(api, everything, path, mode, item):
    offset, seen = 0, 0
    while True:
        status, body, _ = api(f"/2.3.0/{path}/?limit=100&offset={offset}" + (f"&mode={mode}" if mode else ""))
        assert status == 200
        for obj in body["results"]:
            validate(obj, item)
        seen += len(body["results"])
        if not body["next"]:
            break
        offset += 100
    assert seen == body["count"] > 0


@pytest.mark.parametrize("path, ids", sorted(OLD_ONLY.items()))
def test_old_only_records_match_the_schema(api, everything, path, ids):
    for pk in ids:
        status, body, _ = api(f"/2.3.0/{path}/{pk}/")
        assert status == 200, (path, pk)
        validate(body, DETAILS[path])
    if path == "agencies":
        assert api("/2.3.0/agencies/19/")[1]["type"] is None


# 7. what is reported ------------------------------------------------------------------------------
def test_the_summary_reports_what_is_not_mapped(db):
    wipe_catalogue()
    out = run_command(*ALL)
    lines = out.splitlines()
    assert lines[0].startswith("imported 993 records from 8 file(s): ")
    assert lines[1] == "from older LL2 versions, not mapped or not given:"
    report = "\n".join(lines[2:])
    for fragment in (
        "2.2.0 agencies, nation_url: not mapped, removed in 2.3.0 (107: id ",
        "2.2.0 agencies, type: not mapped, no agency type of that name is known here (so neither is its "
        "2.3.0 id); the agency keeps its type, or has none: Educational, Unknown (5: id 19, 26, 39, 183, 1087)",
        "2.2.0 agencies, country_code: not mapped, no country with these ISO alpha-3 codes is known here",
        "2.2.0 agencies, launcher_list: not mapped, launchers are outside the spacecraft catalogue",
        "2.1.0 spacecraft flights, launch: known only by its id (`launch_id`)",
        "2.2.0 launches, everything but id and net: not mapped",
        "2.2.0 space stations, image_url: not mapped",
        "2.1.0 docking events (242), not given, so as stored, or empty (null, false, none) in a new row: "
        "space_station_target",
        "2.1.0 spacecraft (184), not given, so as stored, or empty (null, false, none) in a new row: "
        "is_placeholder, image, in_space, time_in_space",
    ):
        assert fragment in report, fragment
    assert "BLR" in report and ", USA," not in report  # Belarus is no known country here; USA is
    assert {line.split()[0] for line in lines[2:]} == {"2.1.0", "2.2.0"}  # only older versions


def test_2_3_0_files_alone_report_nothing(db):
    summary = only(*NEW)
    assert summary.unmapped == [] and len(str(summary).splitlines()) == 1


# 8. malformed old records ---------------------------------------------------------------------------
def _agency(**changes):
    return dict(capture("2.2.0-agencies-detailed-all.json")[0], id=FRESH + 1, **changes)


def _event(change):
    event = copy.deepcopy(capture("2.1.0-docking_event-all.json")[0])
    event["id"] = FRESH + 2
    change(event)
    return event


def _station(change):
    station = copy.deepcopy(next(s for s in capture("2.2.0-spacestation-detailed-all-b.json") if s["id"] == 4))
    change(station)
    return station


BAD = [
    (_agency(country_code=5), "record 0 (id 900001): country_code: expected text or null, got 5"),
    (_agency(type=7), "record 0 (id 900001): type: expected an agency type name, got 7"),
    (_agency(founding_year="19x8"), "record 0 (id 900001): founding_year: expected a year such as 1958, got '19x8'"),
    (_agency(logo_url=["x"]), "record 0 (id 900001): logo_url: expected text or null, got ['x']"),
    (_agency(spacecraft_list=[{"id": FRESH, "url": "x", "name": "C", "type": "Capsule"}]),
     "record 0 (id 900001): spacecraft_list[0].type: expected an object, got str"),
    (_event(lambda e: e.update(launch_id=5)), "record 0 (id 900002): launch_id: expected text, got 5"),
    (_event(lambda e: e.update(flight_vehicle=[])),
     "record 0 (id 900002): flight_vehicle: expected an object, got list"),
    (_event(lambda e: e["flight_vehicle"]["spacecraft"]["status"].update(id="x")),
     "record 0 (id 900002): flight_vehicle.spacecraft.status.id: expected a whole number, got 'x'"),
    (_event(lambda e: e["flight_vehicle"]["spacecraft"]["spacecraft_config"]["agency"].update(type=1)),
     "record 0 (id 900002): flight_vehicle.spacecraft.spacecraft_config.agency.type: expected an agency type name"),
    (_event(lambda e: e.update(docking="soon")),
     "record 0 (id 900002): docking: expected a date-time such as 2026-07-24T01:13:35Z, got 'soon'"),
    (_event(lambda e: (e.pop("launch_id"), e["flight_vehicle"].update(id=FRESH))),
     (f"spacecraft flight {FRESH}", "no launch")),  # 2.1.0 names the launch only in `launch_id`
    (_event(lambda e: e["flight_vehicle"]["spacecraft"].update(id=FRESH, spacecraft_config=None)),
     "flight_vehicle.spacecraft.spacecraft_config: must not be null"),
    (_station(lambda s: s["docking_location"][0].update(docked={"id": FRESH, "docking": "2026-01-01T00:00:00Z",
                                                                "flight_vehicle": {"id": FRESH, "launch": {
                                                                    "id": "x", "net": "tomorrow"}}})),
     "record 0 (id 4): docking_location[0].docked.flight_vehicle.launch.net: expected a date-time"),
    (_station(lambda s: s.update(docking_location={"id": 1})),
     "record 0 (id 4): docking_location: expected a list, got dict"),
]


@pytest.mark.parametrize("via", ["import_paths", "command"])
@pytest.mark.parametrize("record, message", BAD)
def test_malformed_old_records_fail_in_one_line_and_change_nothing(db, tmp_path, record, message, via):
    """After a good older file, in the same import: one line naming the file, the record and the field,
    and every table as it was."""
    good = CAPTURES / "2.2.0-config-spacecraft-detailed-all.json"
    path = write(tmp_path, {"count": 1, "next": None, "previous": None, "results": [record]}, "bad.json")
    before = snapshot()
    with pytest.raises(ImportFailed if via == "import_paths" else CommandError) as failure:
        import_paths([good, path]) if via == "import_paths" else run_command(good, path)
    text = str(failure.value)
    assert "\n" not in text and text.startswith(f"{path}: "), text
    assert all(fragment in text for fragment in ((message,) if isinstance(message, str) else message)), text
    assert snapshot() == before
