"""What more than one test module uses: the test material's paths, LL2's bytes, catalogue snapshots, import
inputs, small histories and LL2's schema. Fixtures are in conftest.py; no test module imports another."""
import contextlib
import datetime as dt
import functools
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import isodate
import orjson
import pytest
import redis
from django.apps import apps
from django.core.cache import caches
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30Validator

from spacedock.catalog import models as m

# the test material ----------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "spacedock" / "data"
TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CAPTURES = TESTS / "captures"
PROD = "ll.thespacedevs.com"
DEV = "lldev.thespacedevs.com"
# A pinned SPACEDOCK_NOW for tests that ask twice with caching on: no max-age window ends between their
# answers, so an ETag changes only when the data does. Its 30 s window starts at :30, its 60 s one at :00.
ONE_WINDOW = "2026-07-24T01:13:45Z"

PAGE_1 = DATA / "1-lldev-spacecraft-page-offset340-ordering-time_in_space.json"
CONFIGS = DATA / "3-ll-spacecraft_configurations-detailed-all.json"
STATIONS = DATA / "4-ll-space_stations-detailed-all.json"
FRESH = 900_000  # added to LL2 ids to make records the catalogue has never seen


def is_postgres():
    return connection.vendor == "postgresql"


# LL2's bytes --------------------------------------------------------------------------------------------
def ll2_bytes(value) -> bytes:
    """What DRF's JSONRenderer (LL2) writes for `value`: compact, UTF-8, keys in order."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _floats(record):
    """The captures were re-serialised by a third party that wrote 9.0 as 9; LL2 itself writes 9.0."""
    for key in ("height", "diameter"):
        if isinstance(record.get(key), int):
            record[key] = float(record[key])
    return record


def docked_spacecraft():
    for station in json.loads(STATIONS.read_text()):
        for location in station["docking_location"]:
            docked = location.get("currently_docked")
            if docked and docked["flight_vehicle_chaser"]:
                yield docked["flight_vehicle_chaser"]["spacecraft"]


# LL2 rendered the station capture over a few seconds around this moment (see tests/test_flights.py).
CAPTURE_MOMENT = "2026-07-24T01:13:35Z"
FIGURES = ("time_in_space", "time_docked")


def with_figures_of(content: bytes, ours: dict, theirs: dict) -> bytes:
    """`content` with our live duration figures replaced by LL2's (each checked to be within 2 s)."""
    for key in FIGURES:
        gap = abs((isodate.parse_duration(ours[key]) - isodate.parse_duration(theirs[key])).total_seconds())
        assert gap <= 2, (ours["id"], key, ours[key], theirs[key])
        content = content.replace(f'"{key}":"{ours[key]}"'.encode(), f'"{key}":"{theirs[key]}"'.encode())
    return content


# the catalogue and `spacedock import` ---------------------------------------------------------------------
@functools.cache
def _raw(path):
    return path.read_bytes()


def load(path):
    """A fresh (mutable) copy of a bundled JSON file."""
    return orjson.loads(_raw(path))


def write(tmp_path, document, name="input.json"):
    """`document` as a JSON file under tmp_path (bytes and str are written as they are)."""
    path = tmp_path / name
    if isinstance(document, str):
        document = document.encode()
    path.write_bytes(document if isinstance(document, bytes) else orjson.dumps(document))
    return path


def page(records):
    return {"count": len(records), "next": None, "previous": None, "results": records}


def json_lines(*documents):
    """JSON Lines: one document per line."""
    return b"".join(orjson.dumps(document) + b"\n" for document in documents)


def catalogue_models():
    """Every catalogue table but the data version (bookkeeping that every import bumps)."""
    models = [model for model in apps.get_app_config("catalog").get_models() if model is not m.DataVersion]
    return sorted(models, key=lambda model: model.__name__)


def _is_auto(model):
    return model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")


def snapshot(ignore_link_ids=False):
    """Every row of every catalogue table; `ignore_link_ids` drops the surrogate ids of link tables
    (rewritten whenever a link list is replaced) and sorts their rows by value instead."""
    dump = {}
    for model in catalogue_models():
        rows = list(model.objects.order_by("pk").values())
        if ignore_link_ids and _is_auto(model):
            rows = sorted(({k: v for k, v in row.items() if k != "id"} for row in rows), key=repr)
        dump[model.__name__] = rows
    return dump


def counts():
    return {model.__name__: model.objects.count() for model in catalogue_models()}


def wipe_catalogue():
    """Delete every catalogue row (children first), inside the test's rolled-back transaction."""
    for model in (m.DockingEvent, m.SpacecraftFlight, m.Launch, m.DockingLocation, m.Expedition, m.StationOwner,
                  m.SpaceStation, m.SpaceStationStatus, m.SpaceStationType,
                  m.Spacecraft, m.ConfigurationFamily, m.SpacecraftConfiguration, m.SpacecraftConfigFamily,
                  m.SocialMediaLink, m.AgencyCountry, m.Agency, m.SocialMedia, m.Country, m.AgencyType,
                  m.SpacecraftStatus, m.SpacecraftConfigType, m.ImageVariant, m.Image, m.ImageVariantType,
                  m.ImageLicense):
        model.objects.all().delete()
    assert not any(counts().values())


def run_command(*args):
    out = io.StringIO()
    call_command("import", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sqlite_rows(database):
    with sqlite3.connect(database) as conn:
        return {table: conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
                for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name LIKE 'catalog_%'")}


def capture_agencies():
    """The distinct AgencyNormal objects of the configurations capture, by id, in first-seen order."""
    found = {}
    for config in load(CONFIGS):
        found.setdefault(config["agency"]["id"], config["agency"])
    return found


def config(config_id):
    return next(c for c in load(CONFIGS) if c["id"] == config_id)


def agency_mini(agency):
    keys = ("id", "url", "name", "abbrev", "type")
    return {"response_mode": "list", **{k: agency[k] for k in keys}}


def fresh_spacecraft(offset=0):
    """A spacecraft from the first page, with an id (and name) the catalogue has never seen."""
    record = load(PAGE_1)["results"][offset]
    record["id"] += FRESH
    record["url"] = record["url"].replace(f"/{record['id'] - FRESH}/", f"/{record['id']}/")
    record["name"] = f"Copy of {record['name']}"
    return record


def _agencies():
    agencies = capture_agencies()
    records = [agencies[999], agencies[27], agencies[121]]  # a parent by name; 23 countries; plain
    for r in records:
        r["id"] += FRESH
        r["name"] = f"Copy of {r['name']}"
    return records


def social_links(agency_id, ids):
    logo = dict(load(PAGE_1)["results"][0]["image"], id=FRESH + 1)
    return [{"id": FRESH + i,
             "social_media": {"id": FRESH + i, "name": f"Network {i}", "url": f"https://network{i}.example/",
                              "logo": logo},
             "url": f"https://network{i}.example/agency{agency_id}"} for i in ids]


def detailed_agency(base):
    """An AgencyDetailed built on a captured AgencyNormal: links, launchers and spacecraft configurations."""
    agency = dict(base, response_mode="detailed")
    agency["social_media_links"] = social_links(agency["id"], (1, 2))
    agency["launcher_list"] = [{"response_mode": "list", "id": 164,
                                "url": "https://ll.thespacedevs.com/2.3.0/launcher_configurations/164/",
                                "name": "Falcon 9", "families": [], "full_name": "Falcon 9 Block 5",
                                "variant": "Block 5"}]
    own = config(7)
    own.update(id=agency["id"] + 1000, name=f"{agency['name']} capsule", agency=agency_mini(agency))
    agency["spacecraft_list"] = [own]
    return agency


# bad input: a good page spoiled by one mutation -------------------------------------------------------
def _bad_page(mutate):
    """A page: a good new spacecraft, then a second new spacecraft (id BAD_ID) spoiled by `mutate`."""
    bad = fresh_spacecraft(1)
    mutate(bad)
    return page([fresh_spacecraft(0), bad])


def _set(path, value):
    """A mutation setting the value at a dotted key path."""
    def mutate(record):
        *parents, last = path.split(".")
        for key in parents:
            record = record[key]
        record[last] = value
    return mutate


BAD_ID = FRESH + load(PAGE_1)["results"][1]["id"]  # the spoiled second record of `_bad_page`
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


# small histories (ids from 100001, never LL2's) -----------------------------------------------------------
UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(days=0, **more) -> dt.datetime:
    return T0 + dt.timedelta(days=days, **more)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds(text: str) -> float:
    return isodate.parse_duration(text).total_seconds()


def make_spacecraft(pk, **reported):
    return m.Spacecraft.objects.create(id=pk, name=f"Test {pk}", status_id=1, spacecraft_config_id=6, **reported)


def make_flight(pk, spacecraft, net, end=None):
    launch = m.Launch.objects.create(id=f"00000000-0000-4000-8000-{pk:012d}", net=net,
                                     document={"id": f"00000000-0000-4000-8000-{pk:012d}", "net": iso(net)})
    return m.SpacecraftFlight.objects.create(id=pk, spacecraft_id=spacecraft, launch=launch, mission_end=end)


def make_docking(pk, flight, start, end=None):
    return m.DockingEvent.objects.create(id=pk, docking=start, departure=end, flight_vehicle_chaser_id=flight)


# LL2's OpenAPI schema (`golden/ll_2.3.0.json`) ------------------------------------------------------------
# References and computed values LL2's schema declares non-null but that are null in practice (CONTRACT
# §2: a payload flight's `landing`) or by Spacedock's documented choice where the value does not exist:
# a first flight has no turnaround, a flight known only from a docking event no landing, a docking at a
# station no target flight or payload; from older LL2 versions (tests/test_ll2_versions.py), a flight whose
# launch 2.1.0 names only by id has no launch nor duration, an agency whose type name has no known id no type.
NULL_IN_PRACTICE = {
    "SpacecraftFlightNormal": ("landing", "turn_around_time", "launch", "duration"),
    "SpacecraftFlightDetailed": ("landing", "turn_around_time", "launch", "duration"),
    "AgencyMini": ("type",),
    "AgencyNormal": ("type",),
    "AgencyEndpointDetailed": ("type",),
    "DockingEventForChaserNormal": ("space_station_target", "flight_vehicle_target", "payload_flight_target"),
    "DockingLocation": ("spacestation", "spacecraft", "payload"),
    # Stations, docking events (each has one chaser and at most one target; LL2's capture shows the nulls)
    "SpacecraftFlightMini": ("landing", "turn_around_time", "launch", "duration"),
    "SpacecraftFlightForDockingEvent": ("launch",),
    "DockingLocationSerializerForSpacestation": ("currently_docked",),
    "DockingEventDetailedSerializerForSpacestation": ("flight_vehicle_chaser", "space_station_chaser",
                                                      "payload_flight_chaser"),
    **{name: ("docking_location", "space_station_target", "flight_vehicle_target", "payload_flight_target",
              "flight_vehicle_chaser", "space_station_chaser", "payload_flight_chaser")
       for name in ("DockingEventEndpointNormal", "DockingEventEndpointDetailed")},
}


@functools.lru_cache
def spec():
    """LL2's schema, with `nullable` references made checkable.

    drf-spectacular writes a nullable reference as `{"allOf": [{"$ref": X}], "nullable": true}`, which
    the validator reads as "X, never null"; it becomes a reference to a nullable copy of X.
    """
    document = json.loads((GOLDEN / "ll_2.3.0.json").read_text())
    schemas = document["components"]["schemas"]

    def fix(node):
        if isinstance(node, dict):
            refs = node.get("allOf")
            if node.get("nullable") and refs and len(refs) == 1 and "$ref" in refs[0]:
                name = refs[0]["$ref"].rsplit("/", 1)[1]
                schemas.setdefault(f"{name}Nullable", {**schemas[name], "nullable": True})
                return {"$ref": f"#/components/schemas/{name}Nullable"}
            return {key: fix(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fix(item) for item in node]
        return node

    for name, fields in NULL_IN_PRACTICE.items():
        for field in fields:
            prop = schemas[name]["properties"][field]
            schemas[name]["properties"][field] = {**prop, "nullable": True} if "$ref" not in prop else {
                "allOf": [prop], "nullable": True}
    for name in list(schemas):
        schemas[name] = fix(schemas[name])
    for name in [n for n in schemas if n.endswith("Nullable")]:
        schemas[name] = {**schemas[name.removesuffix("Nullable")], "nullable": True}
    return document


def component(name):
    return spec()["components"]["schemas"][name]


def resolve(schema):
    while True:
        if "$ref" in schema:
            schema = component(schema["$ref"].rsplit("/", 1)[1])
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def check_order(value, schema, where="$"):
    """Keys exactly as the schema lists them, recursively (arrays item by item)."""
    schema = resolve(schema)
    if value is None:
        return
    if schema.get("type") == "array" or "items" in schema:
        for i, item in enumerate(value):
            check_order(item, schema["items"], f"{where}[{i}]")
    elif "properties" in schema:
        assert list(value) == list(schema["properties"]), f"{where}: keys {list(value)}"
        for key, sub in schema["properties"].items():
            check_order(value[key], sub, f"{where}.{key}")


def validate(value, name):
    schema = {**component(name), "components": spec()["components"]}
    validator = OAS30Validator(schema)
    errors = sorted(validator.iter_errors(value), key=str)
    assert not errors, f"{name}: {errors[0]}"
    check_order(value, component(name))


# (path, mode or None for the default, schema of each item/object)
LISTS = [
    ("spacecraft", None, "SpacecraftNormal"),
    ("spacecraft", "normal", "SpacecraftNormal"),
    ("spacecraft", "detailed", "SpacecraftEndpointDetailed"),
    ("spacecraft_flights", None, "SpacecraftFlightNormal"),
    ("spacecraft_flights", "detailed", "SpacecraftFlightDetailed"),
    ("spacecraft_configurations", None, "SpacecraftConfigNormal"),
    ("spacecraft_configurations", "detailed", "SpacecraftConfigDetailed"),
    ("spacecraft_configuration_families", "list", "SpacecraftConfigFamilyMini"),
    ("spacecraft_configuration_families", None, "SpacecraftConfigFamilyNormal"),
    ("spacecraft_configuration_families", "detailed", "SpacecraftConfigFamilyEndpointDetailed"),
    ("agencies", "list", "AgencyMini"),
    ("agencies", None, "AgencyNormal"),
    ("agencies", "detailed", "AgencyEndpointDetailed"),
    ("config/spacecraft_statuses", None, "SpacecraftStatus"),
    ("config/spacecraft_configuration_types", None, "SpacecraftConfigType"),
    ("config/agency_types", None, "AgencyType"),
    ("config/countries", None, "Country"),
    ("config/image_licenses", None, "ImageLicense"),
    ("config/image_variant_types", None, "ImageVariantType"),
    ("space_stations", None, "SpaceStationEndpoint"),
    ("space_stations", "detailed", "SpaceStationDetailedEndpoint"),
    ("docking_events", None, "DockingEventEndpointNormal"),
    ("docking_events", "detailed", "DockingEventEndpointDetailed"),
    ("expeditions", None, "ExpeditionNormal"),
    ("expeditions", "detailed", "ExpeditionDetailed"),
    ("config/space_station_statuses", None, "SpaceStationStatus"),
    ("config/docking_locations", None, "DockingLocation"),
]

DETAILS = {
    "spacecraft": "SpacecraftEndpointDetailed",
    "spacecraft_flights": "SpacecraftFlightDetailed",
    "spacecraft_configurations": "SpacecraftConfigDetailed",
    "spacecraft_configuration_families": "SpacecraftConfigFamilyEndpointDetailed",
    "agencies": "AgencyEndpointDetailed",
    "config/spacecraft_statuses": "SpacecraftStatus",
    "config/spacecraft_configuration_types": "SpacecraftConfigType",
    "config/agency_types": "AgencyType",
    "config/countries": "Country",
    "config/image_licenses": "ImageLicense",
    "config/image_variant_types": "ImageVariantType",
    "space_stations": "SpaceStationDetailedEndpoint",
    "docking_events": "DockingEventEndpointDetailed",
    "expeditions": "ExpeditionDetailed",
    "config/space_station_statuses": "SpaceStationStatus",
    "config/docking_locations": "DockingLocation",
}


# the server's WSGI application, called as a server calls it ---------------------------------------------------
REDIS_URL = os.environ.get("SPACEDOCK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_PREFIX = "spacedock-tests"  # the tests' keys in the shared Redis: cleared by prefix, never a FLUSHDB


def call_wsgi(app, path="/2.3.0/spacecraft/?limit=5&format=json", host=PROD, method="GET", secure=True, **headers):
    """GET (or `method`) `path` through the WSGI application `app`, inside the test's transaction; returns a
    Django response holding the status, headers (in the order sent) and body, and `.queries`, the number of
    database queries it took."""
    if "://" in path:  # an absolute URL (a page's `next`): its scheme and host
        scheme, _, rest = path.partition("://")
        host, slash, path = rest.partition("/")
        path, secure = slash + path, scheme == "https"
    path, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "HTTP_HOST": host, "wsgi.url_scheme": "https" if secure else "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", **headers}
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, list(response_headers)

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with CaptureQueriesContext(connection) as queries:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    if method == "HEAD":
        body = b""  # as servers send it (and Django's test client)
    response = HttpResponse(body, status=int(answer["status"][:3]))
    for name in list(response.headers):
        del response.headers[name]
    for name, value in answer["headers"]:
        response.headers[name] = value
    response.queries = len(queries.captured_queries)
    return response


def redis_answers() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except redis.RedisError:
        return False


def skip_unless_redis():
    if not redis_answers():
        if os.environ.get("SPACEDOCK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_URL}, and SPACEDOCK_REQUIRE_SERVICES=1")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


def clear_cache():
    """Empty the response cache the tests use: local memory, or the tests' keys in Redis."""
    cache = caches["default"]
    if type(cache).__name__ == "RedisCache":
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{REDIS_PREFIX}*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


# servers of the tests' own, started and stopped by them ----------------------------------------------------
def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a spare port (nothing saved to disk), to stop and start again."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, spare_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("no redis-server on this machine")
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def snapshot_counts_sqlite(path) -> dict:
    """Row counts of every catalogue table of a SQLite file, read with sqlite3 itself."""
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'catalog_%'")]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


class PostgresServer:
    """A PostgreSQL of the test's own: initdb into a temporary folder, on a spare port, to stop and start
    again. As root, run as the `postgres` user (PostgreSQL refuses root). Skipped when the binaries are
    missing, failed instead with SPACEDOCK_REQUIRE_SERVICES=1."""

    def __init__(self):
        import glob
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        initdb = found[-1] if found else shutil.which("initdb")
        as_root = os.geteuid() == 0
        reason = None
        if initdb is None:
            reason = "no PostgreSQL binaries (initdb, pg_ctl) on this machine"
        elif as_root and (shutil.which("runuser") is None or _no_user("postgres")):
            reason = "running as root without a `postgres` user to run PostgreSQL as"
        if reason:
            if os.environ.get("SPACEDOCK_REQUIRE_SERVICES") == "1":
                pytest.fail(f"{reason}, and SPACEDOCK_REQUIRE_SERVICES=1")
            pytest.skip(reason)
        self.bin = Path(initdb).parent
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self.folder = Path(tempfile.mkdtemp(prefix="spacedock-pg-"))
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", spare_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def _run(self, *argv):
        done = subprocess.run([*self.prefix, *argv], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def remove(self):
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def _no_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return False
    except KeyError:
        return True


# nginx with the deploy site, and processes of the tests' own -----------------------------------------------
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "spacedock.conf"


def missing(reason: str):
    if os.environ.get("SPACEDOCK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and SPACEDOCK_REQUIRE_SERVICES=1")
    pytest.skip(reason)


def nginx_binary() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    missing("nginx is not installed (apt-get install nginx)")


def site_for_test(listen_port: int, app_port: int) -> str:
    """deploy/nginx/spacedock.conf with only its listen port and upstream address changed."""
    text = SITE.read_text()
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M)
    text, upstreams = re.subn(r"^(\s*)server 127\.0\.0\.1:8000;", rf"\g<1>server 127.0.0.1:{app_port};", text,
                              flags=re.M)
    assert (listens, upstreams) == (1, 1), "the site should have one `listen 80;` and one upstream 127.0.0.1:8000"
    return text


def nginx_conf(prefix: Path) -> str:
    """The main configuration around the site, as Debian's /etc/nginx/nginx.conf includes sites: all its
    files under the temporary prefix."""
    temp = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\nerror_log {prefix / 'error.log'} notice;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n    include {prefix / 'spacedock.conf'};\n}}\n")


def wait_for(port: int, process: subprocess.Popen, log: Path, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not listen on {port}:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


def stop(process: subprocess.Popen):
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def raw_get(port, path, source=None, **headers):
    """GET `path` from 127.0.0.1:`port` (from the address `source`): (status, headers, raw body). Host is
    127.0.0.1:`port` unless given; no Accept-Encoding unless given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        headers.setdefault("Host", f"127.0.0.1:{port}")
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def scratch_postgres_database(prefix="spacedock_scratch"):
    """A PostgreSQL database of the test's own, with pg_trgm, on the server the suite runs on
    (DATABASE_URL); its URL, for processes of the test's own. Dropped afterwards."""
    import secrets

    import psycopg

    server = {key.lower(): value for key, value in connection.settings_dict.items()
              if key in ("HOST", "PORT", "USER", "PASSWORD") and value}
    server["dbname"] = "postgres"
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(**server, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(**dict(server, dbname=name), autocommit=True) as own:
                own.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            password = f":{server['password']}" if server.get("password") else ""
            yield (f"postgres://{server.get('user', 'postgres')}{password}@{server.get('host', '127.0.0.1')}:"
                   f"{server.get('port', 5432)}/{name}")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
