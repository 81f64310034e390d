"""`spacedock export`: every record, in a form `spacedock import` reads back into the same catalogue.

The round trip: the bundled data, 50 generated spacecraft (live and settled ones, some never flown)
and a few records of the kinds neither brings (a detailed agency with social media links, a docking
event chased by a station); every endpoint's responses are captured (every list in every mode, all
pages of 100, the figure orderings, every `{id}/`) at two moments with the clock pinned; then the
export, an emptied catalogue, the import, and the same responses must come back byte for byte, at
both moments: the header's moment dates the reported figures right.
"""
import gzip
import io
import os
import subprocess
import sys
from urllib.parse import urlsplit

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spacedock.api.endpoints import ENDPOINTS
from spacedock.catalog import models as m
from spacedock.ingest.export import SECTIONS

from .helpers import CAPTURES, DATA, _agencies, counts, detailed_agency, snapshot, wipe_catalogue

NOW = "2026-07-24T01:13:35Z"
LATER = "2027-03-01T12:00:00Z"  # live figures have moved on by then
STATION_CHASED = 990_001


def _station_chased_event():
    """A docking event whose chaser is a station, at a docking location of no station: only the export's
    `docking_events` section carries it."""
    station = {"id": 4, "url": "https://ll.thespacedevs.com/2.3.0/space_stations/4/",
               "name": "International Space Station"}
    return {
        "id": STATION_CHASED, "url": f"https://ll.thespacedevs.com/2.3.0/docking_events/{STATION_CHASED}/",
        "docking": "2001-02-03T04:05:06Z", "departure": "2001-03-03T04:05:06Z",
        "docking_location": {"id": 990_002, "name": "Free-flying port", "spacestation": None, "spacecraft": None,
                             "payload": {"id": 12, "name": "Test payload"}},
        "space_station_target": None, "flight_vehicle_target": None,
        "payload_flight_target": {"id": 77, "url": "https://ll.thespacedevs.com/2.3.0/payload_flights/77/"},
        "response_mode": "detailed",
        "flight_vehicle_chaser": None, "space_station_chaser": station, "payload_flight_chaser": None,
    }


@pytest.fixture
def catalogue(db, settings, tmp_path):
    """The bundled data, 50 generated spacecraft and the extra records, with the clock pinned at NOW."""
    settings.SPACEDOCK_NOW = NOW
    call_command("generate", "--spacecraft", "50", stdout=io.StringIO())
    extra = tmp_path / "extra.json"
    agencies = [detailed_agency(agency) for agency in _agencies()[:2]]
    agencies[1]["social_media_links"] = []
    extra.write_bytes(orjson.dumps(agencies + [_station_chased_event()]))
    call_command("import", str(extra), stdout=io.StringIO())
    assert m.Spacecraft.objects.filter(live=True).exists() and m.Spacecraft.objects.filter(live=False).exists()
    assert m.Spacecraft.objects.filter(flights=None).exists() and m.SocialMediaLink.objects.exists()
    return settings


def responses(api) -> dict:
    """Every endpoint's responses at the clock's moment: every list in every mode (all pages of 100),
    the spacecraft ordered by each figure, and every `{id}/`."""
    out = {}
    for endpoint in ENDPOINTS:
        queries = [f"mode={mode}" for mode in endpoint.modes]
        if endpoint.path == "spacecraft":
            queries += [f"ordering={sign}{name}" for name in ("time_in_space", "time_docked", "mission_ends_count",
                                                              "flights_count") for sign in ("", "-")]
            queries += ["in_space=true", "in_space=false"]
        for query in queries:
            url = f"/2.3.0/{endpoint.path}/?format=json&limit=100&{query}"
            while url:
                status, body, response = api(url)
                assert status == 200, (url, body)
                out[url] = response.content
                url = body["next"] and _path(body["next"])
        for pk in endpoint.model.objects.order_by("pk").values_list("pk", flat=True):
            url = f"/2.3.0/{endpoint.path}/{pk}/?format=json"
            status, _, response = api(url)
            assert status == 200, url
            out[url] = response.content
    return out


def _path(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def at_both_moments(api, settings) -> dict:
    out = {}
    for moment in (NOW, LATER):
        settings.SPACEDOCK_NOW = moment
        out[moment] = responses(api)
    settings.SPACEDOCK_NOW = NOW
    return out


def rows_but_reported():
    """Every catalogue row, but the reported figures (re-imported as the figures at the export's moment)
    and the surrogate ids of link tables."""
    dump = snapshot(ignore_link_ids=True)
    reported = {f.attname for f in m.Spacecraft._meta.concrete_fields if f.name.startswith("reported_")}
    dump["Spacecraft"] = [{k: v for k, v in row.items() if k not in reported} for row in dump["Spacecraft"]]
    return dump


def assert_same(before: dict, after: dict):
    """Responses compared URL by URL, so a failure names the first that differs."""
    for moment in before:
        assert list(after[moment]) == list(before[moment])
        for url, body in before[moment].items():
            assert after[moment][url] == body, (moment, url)


def export_to(target, *options) -> bytes:
    """`spacedock export` to a file, or to standard output with `-`; returns what it wrote (gunzipped)."""
    if str(target) == "-":
        stdout = io.TextIOWrapper(io.BytesIO())
        real, sys.stdout = sys.stdout, stdout
        try:
            call_command("export", *options, "-", stderr=io.StringIO())
        finally:
            sys.stdout = real
        return stdout.buffer.getvalue()
    call_command("export", *options, str(target), stdout=io.StringIO())
    data = target.read_bytes()
    return gzip.decompress(data) if str(target).endswith(".gz") else data


def import_back(target, data: bytes, monkeypatch):
    if str(target) == "-":
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    call_command("import", str(target), stdout=io.StringIO())


ROUND_TRIPS = [
    pytest.param("export.jsonl", (), "jsonl", id="jsonl-file"),
    pytest.param("export.json", (), "ll2", id="ll2-file"),
    pytest.param("export.jsonl.gz", (), "jsonl", id="jsonl-gzip"),
    pytest.param("export.json.gz", (), "ll2", id="ll2-gzip"),
    pytest.param("-", ("--format", "jsonl"), "jsonl", id="jsonl-stdout"),
    pytest.param("-", ("--format", "ll2"), "ll2", id="ll2-stdout"),
    pytest.param("export.data", ("--format", "ll2"), "ll2", id="ll2-named-data"),
]


@pytest.mark.parametrize(("name", "options", "fmt"), ROUND_TRIPS)
def test_round_trip_into_an_empty_catalogue_serves_the_same_responses(catalogue, api, tmp_path, monkeypatch,
                                                                       name, options, fmt):
    before = at_both_moments(api, catalogue)
    assert len(before[NOW]) > 250  # every list page and every object
    rows = rows_but_reported()
    target = "-" if name == "-" else tmp_path / name
    data = export_to(target, *options)
    assert data.startswith(b'{"spacedock_export":{"version":1,"api":"2.3.0","format":"%s","as_of":"%s"}'
                           % (fmt.encode(), NOW.encode()))
    wipe_catalogue()
    assert not any(counts().values())
    import_back(target, data, monkeypatch)
    assert rows_but_reported() == rows
    assert_same(before, at_both_moments(api, catalogue))


def test_round_trip_of_every_capture(db, api, settings, tmp_path, monkeypatch):
    """The captures of every LL2 version (tests/captures/) on top of the bundled data: what older versions
    brought survives too (a launch known only by its id, a look-up no record uses any more)."""
    settings.SPACEDOCK_NOW = NOW
    call_command("import", *sorted(map(str, CAPTURES.glob("*.json"))), stdout=io.StringIO())
    assert m.SpacecraftFlight.objects.filter(launch__document={}).exists()
    assert m.SpacecraftConfigType.objects.filter(spacecraftconfiguration=None).exists()
    before = at_both_moments(api, settings)
    rows = rows_but_reported()
    data = export_to(tmp_path / "all.jsonl")
    wipe_catalogue()
    import_back(tmp_path / "all.jsonl", data, monkeypatch)
    assert rows_but_reported() == rows
    assert_same(before, at_both_moments(api, settings))


@pytest.mark.parametrize("name", ["export.jsonl", "export.json"])
def test_the_header_dates_the_figures_when_imported_later(catalogue, api, tmp_path, monkeypatch, name):
    """Exported at NOW, imported when the clock says LATER: the figures the records report are dated NOW
    by the header, so a spacecraft whose history is partly stored (Crew Dragon Freedom) keeps its
    unstored part, and every response at LATER is the same."""
    catalogue.SPACEDOCK_NOW = LATER
    before = {LATER: responses(api)}
    catalogue.SPACEDOCK_NOW = NOW
    data = export_to(tmp_path / name)
    wipe_catalogue()
    catalogue.SPACEDOCK_NOW = LATER
    import_back(tmp_path / name, data, monkeypatch)
    assert m.Spacecraft.objects.filter(reported_flights_count__gt=1, flights__isnull=False).exists()  # partial
    assert_same(before, {LATER: responses(api)})


def test_both_forms_hold_the_same_records(catalogue, tmp_path):
    """`ll2` is one object of LL2 pages; `jsonl` the same records, one per line, each section announced."""
    ll2 = orjson.loads(export_to(tmp_path / "a.json"))
    lines = [orjson.loads(line) for line in export_to(tmp_path / "a.jsonl").splitlines()]
    assert lines[0] == {"spacedock_export": dict(ll2["spacedock_export"], format="jsonl")}
    assert list(ll2) == ["spacedock_export"] + [section.name for section in SECTIONS]
    sections, current = {}, None
    for line in lines[1:]:
        if "spacedock_section" in line:
            current = sections.setdefault(line["spacedock_section"], [])
            assert line["count"] == ll2[line["spacedock_section"]]["count"]
        else:
            current.append(line)
    for name, records in sections.items():
        assert ll2[name] == {"count": len(records), "next": None, "previous": None, "results": records}
    assert [event["id"] for event in sections["docking_events"]] == [STATION_CHASED]
    assert len(sections["spacecraft"]) == m.Spacecraft.objects.count()
    assert len(sections["spacecraft_flights"]) == m.SpacecraftFlight.objects.count()


def test_records_are_the_apis_own(catalogue, api, tmp_path):
    """Each record is what the API serves for it (the url's host aside), in LL2's shapes."""
    records = orjson.loads(export_to(tmp_path / "a.json", "--base-url", "https://ll.thespacedevs.com"))
    for section, path, mode in (("agencies", "agencies", "detailed"), ("spacecraft", "spacecraft", "normal"),
                                ("spacecraft_configurations", "spacecraft_configurations", "detailed"),
                                ("spacecraft_flights", "spacecraft_flights", "detailed")):
        for record in records[section]["results"][:5]:
            _, body, _ = api(f"/2.3.0/{path}/{record['id']}/?mode={mode}")
            assert record == body


def test_import_prefers_an_explicit_as_of_to_the_header(catalogue, tmp_path):
    path = tmp_path / "a.jsonl"
    export_to(path)
    freedom = m.Spacecraft.objects.filter(reported_flights_count__gt=1, flights__isnull=False).first()
    call_command("import", str(path), stdout=io.StringIO())
    assert m.Spacecraft.objects.get(pk=freedom.pk).reported_at.isoformat() == "2026-07-24T01:13:35+00:00"
    call_command("import", "--as-of", "2026-07-25T00:00:00Z", str(path), stdout=io.StringIO())
    assert m.Spacecraft.objects.get(pk=freedom.pk).reported_at.isoformat() == "2026-07-25T00:00:00+00:00"


def test_bad_options(db, tmp_path):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        call_command("export", "--format", "xml", str(tmp_path / "a.json"))
    with pytest.raises(CommandError, match="--as-of: 'soon' is not an ISO 8601 date-time"):
        call_command("export", "--as-of", "soon", str(tmp_path / "a.json"))
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export", str(tmp_path / "no" / "such" / "dir.json"), stdout=io.StringIO())
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


# the console script: export to a pipe, import from it into another database ---------------------------------
@pytest.fixture(scope="module")
def two_databases(tmp_path_factory):
    home = tmp_path_factory.mktemp("export")

    def run(database, *args, **kwargs):
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{home / database}", SPACEDOCK_VAR_DIR=str(home),
                   SPACEDOCK_NOW=NOW)
        return subprocess.run([sys.executable, "-m", "spacedock.cli", *map(str, args)], env=env,
                              capture_output=True, timeout=300, **kwargs)

    for database in ("one.sqlite3", "two.sqlite3"):
        assert run(database, "migrate", "--noinput").returncode == 0
    assert run("one.sqlite3", "import", *sorted(DATA.glob("*.json"))).returncode == 0
    assert run("one.sqlite3", "generate", "--spacecraft", "50").returncode == 0
    return run, home


def test_cli_export_to_standard_output_and_back(two_databases):
    """`spacedock export -` piped into `spacedock import -` of another database: that database's export
    is the same, byte for byte, at the moment of the export and later."""
    run, home = two_databases
    exported = run("one.sqlite3", "export", "-")
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr.startswith(b"exported ") and b"as of 2026-07-24T01:13:35Z" in exported.stderr
    imported = run("two.sqlite3", "import", "-", input=exported.stdout)
    assert imported.returncode == 0, imported.stderr
    for moment in (NOW, LATER):
        one = run("one.sqlite3", "export", "--as-of", moment, "-")
        two = run("two.sqlite3", "export", "--as-of", moment, "-")
        assert one.returncode == two.returncode == 0
        assert one.stdout == two.stdout


def test_cli_import_of_a_cut_export_changes_nothing(two_databases, tmp_path):
    run, home = two_databases
    lines = run("one.sqlite3", "export", "-").stdout.splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(lines[:len(lines) // 2]))
    result = run("three.sqlite3", "migrate", "--noinput")
    assert result.returncode == 0
    result = run("three.sqlite3", "import", cut)
    assert result.returncode != 0
    (line,) = result.stderr.decode().strip().splitlines()
    assert f"{cut}: line " in line and "records but" in line and "(is the file truncated?)" in line
    assert run("three.sqlite3", "export", "-").stdout.count(b"\n") == 1 + len(SECTIONS)  # header and empty sections


def test_cli_export_to_a_closed_pipe_says_so(two_databases):
    """`spacedock export - | head`: one line on stderr and a non-zero exit, not a traceback."""
    run, home = two_databases
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{home / 'one.sqlite3'}", SPACEDOCK_VAR_DIR=str(home),
               SPACEDOCK_NOW=NOW)
    process = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "export", "-"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.read(100).startswith(b'{"spacedock_export"')
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert stderr.strip().splitlines() == ["CommandError: standard output was closed before the export was complete"]
