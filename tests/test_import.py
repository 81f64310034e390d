"""`spacedock import`: which LL2 documents it accepts, how it upserts, and how it refuses bad input.

The test database already holds the bundled data (see conftest); every test is rolled back. Input
files are written under `tmp_path`. Bad input must fail with one line naming the file, the record
and the field, and must leave every catalogue table exactly as it was.
"""
import datetime as dt
import gzip

import isodate
import orjson
import pytest
from django.core.management.base import CommandError

from spacedock.catalog import models as m
from spacedock.ingest.errors import ImportFailed
from spacedock.ingest.importer import import_paths

from .helpers import (
    BAD_ID,
    CONFIGS,
    DATA,
    FRESH,
    PAGE_1,
    PNG,
    STATIONS,
    _agencies,
    _bad_page,
    _set,
    agency_mini,
    capture_agencies,
    config,
    counts,
    detailed_agency,
    fresh_spacecraft,
    json_lines,
    load,
    page,
    run_command,
    snapshot,
    social_links,
    sqlite_rows,
    wipe_catalogue,
    write,
)

PAGE_2 = DATA / "2-ll-spacecraft-page-offset290-ordering-mission_ends_count.json"
BUNDLED = sorted(DATA.glob("*.json"))


# helpers ------------------------------------------------------------------------------------------
def duration(value):
    return None if value is None else isodate.parse_duration(value)


def day(value):
    return None if value is None else dt.date.fromisoformat(value)


def country_ids(agency_id):
    return list(m.AgencyCountry.objects.filter(agency_id=agency_id).order_by("position")
                .values_list("country_id", flat=True))


def family_ids(config_id):
    return list(m.ConfigurationFamily.objects.filter(configuration_id=config_id).order_by("position")
                .values_list("family_id", flat=True))


def capture_families():
    found = {}
    for configuration in load(CONFIGS):
        for family in configuration["family"]:
            found.setdefault(family["id"], family)
    return found


def docked_spacecraft(stations):
    found = []
    for station in stations:
        for location in station.get("docking_location") or []:
            chaser = (location.get("currently_docked") or {}).get("flight_vehicle_chaser") or {}
            if chaser.get("spacecraft"):
                found.append(chaser["spacecraft"])
    return found


# 1. accepted inputs: every kind as a page, a bare list and a single object -------------------------
def _spacecraft():
    return [fresh_spacecraft(i) for i in range(3)]


def _check_spacecraft(records):
    for r in records:
        row = m.Spacecraft.objects.get(pk=r["id"])
        assert (row.name, row.serial_number, row.reported_in_space, row.status_id, row.spacecraft_config_id) == (
            r["name"], r["serial_number"], r["in_space"], r["status"]["id"], r["spacecraft_config"]["id"])
        assert row.reported_time_in_space == duration(r["time_in_space"])
        assert row.reported_time_docked == duration(r["time_docked"])
        assert row.image_id == (r["image"] or {}).get("id")


def _fresh_copies(records):
    """The records under ids the catalogue has never seen, with names that show they are copies."""
    for r in records:
        r["id"] += FRESH
        r["name"] = f"Copy of {r['name']}"
    return records


def _configurations():
    return _fresh_copies([config(7), config(1), config(44)])  # two families; one family; 23 countries on the agency


def _check_configurations(records):
    for r in records:
        row = m.SpacecraftConfiguration.objects.get(pk=r["id"])
        assert (row.name, row.agency_id, row.type_id, row.in_use, row.human_rated, row.crew_capacity) == (
            r["name"], r["agency"]["id"], r["type"]["id"], r["in_use"], r["human_rated"], r["crew_capacity"])
        assert row.maiden_flight == day(r["maiden_flight"])
        assert row.height == r["height"] and row.history == r["history"]
        assert family_ids(r["id"]) == [f["id"] for f in r["family"]]


def _families():
    families = capture_families()
    return _fresh_copies([families[7], families[6], families[1]])  # 7's parent is 6


def _check_families(records):
    for r in records:
        row = m.SpacecraftConfigFamily.objects.get(pk=r["id"])
        assert (row.name, row.description, row.manufacturer_id, row.spacecraft_flown) == (
            r["name"], r["description"], r["manufacturer"]["id"], r["spacecraft_flown"])
        assert row.maiden_flight == day(r["maiden_flight"])
        assert row.parent_id == (r["parent"] or {}).get("id")


def _check_agency(r):
    row = m.Agency.objects.get(pk=r["id"])
    assert (row.name, row.abbrev, row.type_id, row.featured, row.description, row.founding_year) == (
        r["name"], r["abbrev"], r["type"]["id"], r["featured"], r["description"], r["founding_year"])
    assert (row.launchers, row.spacecraft, row.administrator) == (r["launchers"], r["spacecraft"], r["administrator"])
    assert (row.image_id, row.logo_id, row.social_logo_id) == tuple(
        (r[k] or {}).get("id") for k in ("image", "logo", "social_logo"))
    assert country_ids(r["id"]) == [c["id"] for c in r["country"]]
    assert row.parent_name == r["parent"]
    expected_parent = m.Agency.objects.filter(name=r["parent"]).order_by("id").first() if r["parent"] else None
    assert row.parent == expected_parent
    return row


def _check_agencies(records):
    for r in records:
        _check_agency(r)


def _detailed_agencies():
    agencies = [detailed_agency(a) for a in _agencies()]
    for i, a in enumerate(agencies):  # link ids must differ between agencies
        a["social_media_links"] = social_links(a["id"], (10 * i + 1, 10 * i + 2))
    return agencies


def _check_detailed_agencies(records):
    for r in records:
        row = _check_agency(r)
        assert row.launcher_list == r["launcher_list"]
        links = m.SocialMediaLink.objects.filter(agency_id=r["id"]).order_by("id")
        assert [(link.id, link.url, link.social_media.name) for link in links] == [
            (s["id"], s["url"], s["social_media"]["name"]) for s in r["social_media_links"]]
        own = r["spacecraft_list"][0]
        row_config = m.SpacecraftConfiguration.objects.get(pk=own["id"])
        assert (row_config.name, row_config.agency_id) == (own["name"], r["id"])


def _stations():
    """The captured stations; their 8 docked spacecraft are deleted first, so the import must bring them back."""
    stations = load(STATIONS)
    docked = [s["id"] for s in docked_spacecraft(stations)]
    assert len(docked) == 8
    m.Spacecraft.objects.filter(pk__in=docked).delete()
    return sorted(stations, key=lambda s: -len(docked_spacecraft([s])))  # the single object then docks some


def _check_stations(records):
    expected = docked_spacecraft(records)
    assert expected
    _check_spacecraft(expected)
    all_docked = {s["id"] for s in docked_spacecraft(load(STATIONS))}
    stored = set(m.Spacecraft.objects.filter(pk__in=all_docked).values_list("pk", flat=True))
    assert stored == {s["id"] for s in expected}


KINDS = {
    "spacecraft": (_spacecraft, _check_spacecraft),
    "configurations": (_configurations, _check_configurations),
    "families": (_families, _check_families),
    "agencies-normal": (_agencies, _check_agencies),
    "agencies-detailed": (_detailed_agencies, _check_detailed_agencies),
    "space-stations": (_stations, _check_stations),
}
SHAPES = {
    "page": lambda records: (page(records), records),
    "list": lambda records: (records, records),
    "object": lambda records: (records[0], records[:1]),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", KINDS)
def test_accepts_every_kind_as_page_list_or_object(db, tmp_path, kind, shape):
    """Each kind is recognised (by url, or by keys for families) in each document shape, and stored."""
    build, check = KINDS[kind]
    document, expected = SHAPES[shape](build())
    summary = import_paths([write(tmp_path, document)])
    assert summary.files == 1 and summary.records == len(expected)
    check(expected)


def test_bundled_data_rebuilds_an_empty_catalogue_exactly(db):
    """Importing the bundled files into an empty catalogue gives back every row the session loaded."""
    before = snapshot(ignore_link_ids=True)
    wipe_catalogue()
    summary = import_paths(BUNDLED)
    assert (summary.files, summary.records) == (4, 10 + 10 + 46 + 15)
    assert snapshot(ignore_link_ids=True) == before
    assert m.Agency.objects.get(pk=999).parent_id == 80  # North American Aviation -> "Boeing"


def test_command_prints_a_summary(db, tmp_path):
    """The management command writes one summary line naming what it imported."""
    out = run_command(write(tmp_path, page(_spacecraft())))
    assert out.startswith("imported 3 records from 1 file(s): ")
    assert "3 spacecraft" in out and out.count("\n") == 1


# --kind -------------------------------------------------------------------------------------------
def test_kind_forces_records_without_a_url(db, tmp_path):
    """A spacecraft without `url` is refused unless `--kind spacecraft` says what it is."""
    record = fresh_spacecraft()
    del record["url"]
    path = write(tmp_path, [record])
    with pytest.raises(ImportFailed, match="record 0 .*use --kind"):
        import_paths([path])
    run_command(path, "--kind", "spacecraft")
    _check_spacecraft([record])


def test_kind_forces_a_family_its_keys_do_not_reveal(db, tmp_path):
    """A family without `parent` cannot be guessed from its keys; `--kind` imports it."""
    family = _families()[1]
    del family["parent"]
    path = write(tmp_path, family)
    with pytest.raises(CommandError, match="not an LL2"):
        run_command(path)
    run_command(path, "--kind=spacecraft_configuration_families")
    assert m.SpacecraftConfigFamily.objects.get(pk=family["id"]).name == family["name"]


def test_kind_must_be_a_known_kind(db, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        run_command(write(tmp_path, fresh_spacecraft()), "--kind", "launches")


# idempotence --------------------------------------------------------------------------------------
def test_reimporting_the_bundled_files_changes_nothing(db):
    """The session already imported the bundled files: importing them again leaves every row as it was."""
    before = snapshot(ignore_link_ids=True)
    import_paths(BUNDLED)
    assert snapshot(ignore_link_ids=True) == before


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name[:2])
def test_reimporting_a_bundled_file_is_idempotent(db, path):
    """Importing one bundled file a second time changes nothing (the first time may: the lldev page's image
    urls differ from the production files', and the last import wins)."""
    import_paths([path])
    before = snapshot(ignore_link_ids=True)
    import_paths([path])
    assert snapshot(ignore_link_ids=True) == before


def test_reimporting_a_new_file_is_idempotent(db, tmp_path):
    """The second import of a file (or the same file twice in one call) adds nothing and changes nothing."""
    path = write(tmp_path, page(_spacecraft() + _configurations()[:1]))
    before = counts()
    first = import_paths([path])
    after_first = snapshot(ignore_link_ids=True)
    assert counts() != before
    second = import_paths([path])
    assert snapshot(ignore_link_ids=True) == after_first
    assert second.rows == first.rows
    import_paths([path, path])
    assert snapshot(ignore_link_ids=True) == after_first


# upsert -------------------------------------------------------------------------------------------
def test_changed_values_are_updated(db, tmp_path):
    """An existing spacecraft takes the new values, including a new nested status."""
    record = load(PAGE_1)["results"][0]
    record.update(name="Renamed", description="New text", time_in_space="P1DT2H", flights_count=7, in_space=True,
                  status={"id": FRESH, "name": "Refurbished"})
    import_paths([write(tmp_path, record)])
    row = m.Spacecraft.objects.get(pk=record["id"])
    assert (row.name, row.description, row.reported_flights_count, row.reported_in_space) == (
        "Renamed", "New text", 7, True)
    assert row.reported_time_in_space == dt.timedelta(days=1, hours=2)
    assert (row.status_id, row.status.name) == (FRESH, "Refurbished")


def test_absent_keys_are_left_alone(db, tmp_path):
    """Only the keys a record brings are written."""
    record = load(PAGE_1)["results"][0]
    before = m.Spacecraft.objects.values().get(pk=record["id"])
    import_paths([write(tmp_path, {"id": record["id"], "url": record["url"], "name": "Only the name"})])
    assert m.Spacecraft.objects.values().get(pk=record["id"]) == dict(before, name="Only the name")


@pytest.mark.parametrize("together", [False, True], ids=["separate-imports", "same-import"])
def test_agency_mini_does_not_wipe_agency_normal(db, tmp_path, together):
    """An AgencyMini inside a SpacecraftConfigNormal, after an AgencyNormal, keeps description and country."""
    normal = _agencies()[2]
    normal["country"] = [capture_agencies()[27]["country"][i] for i in (3, 0)]
    spacecraft = fresh_spacecraft()
    spacecraft["spacecraft_config"]["agency"] = agency_mini(normal)
    assert "description" not in spacecraft["spacecraft_config"]["agency"]
    first, second = write(tmp_path, normal, "normal.json"), write(tmp_path, spacecraft, "mini.json")
    if together:
        import_paths([first, second])
    else:
        import_paths([first])
        import_paths([second])
    _check_agency(normal)
    assert m.Spacecraft.objects.get(pk=spacecraft["id"]).spacecraft_config.agency_id == normal["id"]


def test_bundled_agency_normal_survives_the_minis(db):
    """SpaceX is AgencyMini in the spacecraft pages and AgencyNormal in the configurations: normal wins."""
    spacex = capture_agencies()[121]
    import_paths([PAGE_1, PAGE_2])  # minis only, after the session's full import
    _check_agency(spacex)


def test_countries_are_replaced_in_the_new_order(db, tmp_path):
    """An agency's countries become exactly the newer list, in its order; [] clears them."""
    esa = capture_agencies()[27]
    assert len(country_ids(27)) == 23
    esa["country"] = [esa["country"][i] for i in (5, 0, 2)]
    import_paths([write(tmp_path, esa)])
    assert country_ids(27) == [esa["country"][i]["id"] for i in range(3)]
    esa["country"].reverse()
    import_paths([write(tmp_path, esa)])
    assert country_ids(27) == [c["id"] for c in esa["country"]]
    esa["country"] = []
    import_paths([write(tmp_path, esa)])
    assert country_ids(27) == []


def test_families_are_replaced_in_the_new_order(db, tmp_path):
    """A configuration's families become exactly the newer list, in its order; null clears them."""
    dragon = config(7)
    assert family_ids(7) == [6, 7]
    dragon["family"].reverse()
    import_paths([write(tmp_path, dragon)])
    assert family_ids(7) == [7, 6]
    dragon["family"] = dragon["family"][:1]
    import_paths([write(tmp_path, dragon)])
    assert family_ids(7) == [7]
    dragon["family"] = None
    import_paths([write(tmp_path, dragon)])
    assert family_ids(7) == []


def test_image_variants_are_replaced(db, tmp_path):
    """An image's variants become exactly the newer list: dropped ones deleted, kept ones updated."""
    arianespace = capture_agencies()[115]
    logo = arianespace["logo"]
    assert sorted(m.ImageVariant.objects.filter(image_id=logo["id"]).values_list("id", flat=True)) == [11, 12]
    kept, _dropped = logo["variants"][1], logo["variants"][0]
    kept["image_url"] = "https://example.org/changed.png"
    added = {"id": FRESH, "type": {"id": FRESH, "name": "monochrome"}, "image_url": "https://example.org/new.png"}
    logo["variants"] = [added, kept]
    import_paths([write(tmp_path, arianespace)])
    rows = m.ImageVariant.objects.filter(image_id=logo["id"]).order_by("id")
    assert [(v.id, v.type_id, v.image_url) for v in rows] == [
        (12, 2, "https://example.org/changed.png"), (FRESH, FRESH, "https://example.org/new.png")]


def test_social_media_links_are_replaced(db, tmp_path):
    """An agency's social media links become exactly the newer list."""
    agency = detailed_agency(_agencies()[2])
    import_paths([write(tmp_path, agency)])
    agency["social_media_links"] = social_links(agency["id"], (2, 3))
    agency["social_media_links"][0]["url"] = "https://changed.example/"
    import_paths([write(tmp_path, agency)])
    rows = m.SocialMediaLink.objects.filter(agency_id=agency["id"]).order_by("id")
    assert [(r.id, r.url) for r in rows] == [(FRESH + 2, "https://changed.example/"),
                                              (FRESH + 3, f"https://network3.example/agency{agency['id']}")]


def test_agency_parent_is_linked_by_name(db, tmp_path):
    """`parent` names an agency: linked to the stored one of that name, relinked or unlinked when it changes."""
    assert m.Agency.objects.get(pk=999).parent_id == 80  # the bundled "Boeing"
    child = _agencies()[2]
    for parent, expected in (("SpaceX", 121), ("Boeing", 80), ("No Such Agency", None), (None, None)):
        child["parent"] = parent
        import_paths([write(tmp_path, child)])
        row = m.Agency.objects.get(pk=child["id"])
        assert (row.parent_name, row.parent_id) == (parent, expected)


def test_agency_parent_later_in_the_same_import_is_linked(db, tmp_path):
    """A parent that comes after its child in the same import is still linked."""
    child, parent = _agencies()[2], _agencies()[1]
    parent["name"] = "Brand New Parent"
    child["parent"] = parent["name"]
    import_paths([write(tmp_path, [child, parent])])
    assert m.Agency.objects.get(pk=child["id"]).parent_id == parent["id"]


def test_agency_parent_imported_later_is_linked(db, tmp_path):
    """A parent that arrives in a later import is linked to the children already waiting for its name."""
    child, parent = _agencies()[2], _agencies()[1]
    parent["name"] = "Brand New Parent"
    child["parent"] = parent["name"]
    import_paths([write(tmp_path, child, "child.json")])
    import_paths([write(tmp_path, parent, "parent.json")])
    assert m.Agency.objects.get(pk=child["id"]).parent_id == parent["id"]


# 2. bad input: one line naming file, record and field; nothing written -----------------------------
# (`_bad_page`, `_set`, BAD_ID and PNG are in tests/helpers.py: tests/test_import_inputs.py uses them too)
def _delete(key):
    return lambda record: record.pop(key)


GOOD = page([fresh_spacecraft(i) for i in (2, 3, 4)])  # a good file, whose records differ from `_bad_page`'s
BAD_CONFIG_ID = FRESH + 1


def _bad_config(mutate):
    """A list: a good configuration, then a new one (id BAD_CONFIG_ID) spoiled by `mutate`."""
    record = config(1)
    record["id"] = BAD_CONFIG_ID
    mutate(record)
    return [config(7), record]


def _station_with_chaser_list():
    """Station 18 with its first docked chaser wrapped in a list."""
    station = next(s for s in load(STATIONS) if s["id"] == 18)
    chaser = station["docking_location"][0]["currently_docked"]
    chaser["flight_vehicle_chaser"] = [chaser["flight_vehicle_chaser"]]
    return [station]


RECORD_1 = f"record 1 (id {BAD_ID}): "
def bad(name, documents, *fragments):
    """A bad-input case: documents for files a.json, b.json... (None: no such file) and what the message says."""
    return pytest.param(documents, fragments, id=name)


BAD_CASES = [
    bad("no-such-file", [None], "cannot read"),
    bad("empty-file", [b""], "not valid JSON"),
    bad("not-json", [b"{'id': 1,"], "not valid JSON"),
    bad("top-level-string", [b'"spacecraft"'], "expected an LL2 page, list or object, got str"),
    bad("top-level-number", [b"42"], "expected an LL2 page, list or object, got int"),
    bad("unknown-kind", [page([fresh_spacecraft(), {"id": 5, "url": "https://ll.thespacedevs.com/2.3.0/launches/5/"}])],
        "record 1 (id 5): not an LL2 2.3.0"),
    bad("record-not-an-object", [[fresh_spacecraft(), 42]], "record 1: not an LL2 2.3.0"),
    bad("missing-id", [_bad_page(_delete("id"))], "record 1: id: missing"),
    bad("id-as-string", [_bad_page(_set("id", "95"))], "record 1 (id 95): id: expected a whole number, got '95'"),
    bad("boolean-as-yes", [_bad_page(_set("in_space", "yes"))],
        RECORD_1 + "in_space: expected true or false, got 'yes'"),
    bad("number-as-text", [_bad_config(_set("height", "tall"))],
        f"record 1 (id {BAD_CONFIG_ID}): height: expected a number, got 'tall'"),
    bad("text-too-long", [_bad_page(_set("name", "x" * 256))], RECORD_1 + "name: longer than 255 characters"),
    bad("bad-duration", [_bad_page(_set("time_in_space", "5 days"))],
        RECORD_1 + "time_in_space: expected an ISO 8601 duration such as P1DT2H, got '5 days'"),
    bad("bad-date", [_bad_config(_set("maiden_flight", "1966-13-45"))],
        f"record 1 (id {BAD_CONFIG_ID}): maiden_flight: expected a date such as 2024-01-31, got '1966-13-45'"),
    bad("object-as-list", [_bad_page(_set("status", [{"id": 1, "name": "Active"}]))],
        RECORD_1 + "status: expected an object, got list"),
    bad("new-spacecraft-without-status", [_bad_page(_delete("status"))],
        RECORD_1 + f"spacecraft {BAD_ID} is new but has no status"),
    bad("good-file-then-bad-file", [GOOD, _bad_page(_set("in_space", "yes"))],
        RECORD_1 + "in_space: expected true or false"),
    bad("good-file-then-file-failing-at-write", [GOOD, _bad_page(_delete("status"))],
        RECORD_1 + f"spacecraft {BAD_ID} is new but has no status"),
    bad("deep-nested-field", [_bad_page(_set("spacecraft_config.agency.type.id", "x"))],
        RECORD_1 + "spacecraft_config.agency.type.id: expected a whole number, got 'x'"),
    bad("deep-list-item", [_bad_config(lambda r: r["family"].append(dict(r["family"][0], maiden_flight="soon")))],
        f"record 1 (id {BAD_CONFIG_ID}): family[1].maiden_flight: expected a date"),
    bad("null-for-a-required-object", [_bad_page(_set("status", None))], RECORD_1 + "status: must not be null"),
    bad("whole-number-too-large", [_bad_page(_set("flights_count", 2 ** 63))],
        RECORD_1 + "flights_count: 9223372036854775808 is out of range"),
    bad("whole-number-beyond-32-bits", [_bad_page(_set("flights_count", 2 ** 31))],
        RECORD_1 + "flights_count: 2147483648 is out of range"),
    bad("null-for-a-required-name", [_bad_page(_set("name", None))], RECORD_1 + "name: must not be null"),
    bad("url-of-another-version", [page([dict(fresh_spacecraft(), url="https://ll.thespacedevs.com/2.4.0/spacecraft/1/")])],
        "record 0 (id", "not an LL2 2.3.0"),
    bad("station-chaser-as-list", [_station_with_chaser_list()],
        "record 0 (id 18): docking_location[0].currently_docked.flight_vehicle_chaser: expected an object"),
    # input forms (see tests/test_import_inputs.py for standard input, --each and the size limit)
    bad("dangling-reference", [_bad_page(_set("spacecraft_config", {"id": FRESH + 4242}))],
        RECORD_1 + f"spacecraft_config: refers to spacecraft configuration {FRESH + 4242}, which is neither in the "
                   f"database nor described in the input (no name)"),
    bad("binary-png", [PNG], "not valid JSON: binary data (it starts with the bytes 89 50 4E 47 0D 0A 1A 0A)"),
    bad("empty-gzip", [gzip.compress(b"")], "not valid JSON: the input is empty"),
    bad("truncated-gzip", [gzip.compress(orjson.dumps(GOOD))[:-20]], "not a complete gzip file"),
    bad("gzip-not-json", [gzip.compress(b"{'id': 1,")], "not valid JSON"),
    bad("gzip-bad-record", [gzip.compress(orjson.dumps(_bad_page(_set("in_space", "yes"))))],
        RECORD_1 + "in_space: expected true or false, got 'yes'"),
    bad("json-lines-bad-record", [json_lines(fresh_spacecraft(2), _bad_page(_set("in_space", "yes"))["results"][1])],
        f"line 2: record 0 (id {BAD_ID}): in_space: expected true or false, got 'yes'"),
    bad("json-lines-bad-line", [json_lines(fresh_spacecraft(2), fresh_spacecraft(3)) + b'{"id": 5,\n'],
        "line 3: not valid JSON"),
    bad("export-header-of-another-version", [{"spacedock_export": {"version": 99}, "spacecraft": page([])}],
        "spacedock_export: not a version 1 Spacedock export header"),
    bad("export-header-bad-moment", [{"spacedock_export": {"version": 1, "as_of": "yesterday"}}],
        "spacedock_export.as_of: expected a date-time such as 2026-07-24T01:13:35Z, got 'yesterday'"),
    bad("export-unknown-section", [{"spacedock_export": {"version": 1}, "launches": page([])}],
        "'launches' is not a section of a Spacedock export"),
    bad("export-bad-record-in-section",
        [{"spacedock_export": {"version": 1}, "spacecraft": _bad_page(_set("in_space", 1))}],
        "spacecraft: " + RECORD_1 + "in_space: expected true or false, got 1"),
    bad("export-json-lines-cut", [json_lines({"spacedock_export": {"version": 1}},
                                             {"spacedock_section": "spacecraft", "count": 3}, fresh_spacecraft(2))],
        "line 2: section spacecraft announces 3 records but 1 follow (is the file truncated?)"),
]


@pytest.mark.parametrize("via", ["import_paths", "command"])
@pytest.mark.parametrize(("documents", "fragments"), BAD_CASES)
def test_bad_input_fails_naming_file_record_and_field_and_changes_nothing(db, tmp_path, documents, fragments, via):
    """One line naming the (last, bad) file, the record and the field; every catalogue table unchanged."""
    paths = []
    for i, document in enumerate(documents):
        name = f"{'abcdefgh'[i]}.json"
        paths.append(tmp_path / name if document is None else write(tmp_path, document, name))
    before = snapshot()
    if via == "import_paths":
        with pytest.raises(ImportFailed) as failure:
            import_paths(paths)
    else:
        with pytest.raises(CommandError) as failure:
            run_command(*paths)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"{paths[-1]}: ")
    for fragment in fragments:
        assert fragment in message
    assert snapshot() == before


# 3. the console script ----------------------------------------------------------------------------
# (the `cli` fixture is in conftest.py)
def test_cli_bad_file_exits_non_zero_with_one_line(cli, tmp_path):
    """A bad file: non-zero exit, one line on stderr naming the file, and the database untouched."""
    run, database = cli
    bad = write(tmp_path, _bad_page(_set("time_in_space", "5 days")), "bad.json")
    before = sqlite_rows(database)
    result = run("import", bad)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "time_in_space" in lines[0], result.stderr
    assert sqlite_rows(database) == before


def test_cli_good_file_prints_a_summary(cli):
    """A good import exits 0 and prints its summary."""
    run, database = cli
    result = run("import", PAGE_1)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 10 records from 1 file(s): ") and "10 spacecraft" in result.stdout
    assert len(sqlite_rows(database)["catalog_spacecraft"]) == 10
