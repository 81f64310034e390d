"""The query parameters of every LL2 2.3.0 endpoint Spacedock serves: filters, search, ordering,
pagination, modes and the error answers for anything it cannot read.

Expectations are exact id sets / id sequences. Where the bundled data (tests/conftest.py) cannot tell
right from wrong, the test adds rows with the ORM (ids from 100001, so never an LL2 id) inside its
own rolled-back transaction. Names used for text ordering are plain capitalised ASCII words, whose
order is the same under SQLite's BINARY and any PostgreSQL collation.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from spacedock.api import endpoints, filters
from spacedock.catalog import figures
from spacedock.catalog import models as m

PROD = "ll.thespacedevs.com"  # the `api` fixture's default host
DEV = "lldev.thespacedevs.com"
BASE = f"https://{PROD}/2.3.0"
# The stations side has its own: tests/test_stations.py, test_docking_events.py, test_expeditions.py.
STATIONS_SIDE = {"space_stations", "docking_events", "expeditions", "config/space_station_statuses",
                 "config/docking_locations"}
ENDPOINTS = tuple(ep for ep in endpoints.ENDPOINTS if ep.path not in STATIONS_SIDE)
BY_PATH = {ep.path: ep for ep in ENDPOINTS}
PATHS = [ep.path for ep in ENDPOINTS]
LOOKUPS = [ep.path for ep in ENDPOINTS if ep.path.startswith("config/")]

# ---------------------------------------------------------------------------------------------
# The bundled data, as far as these tests rely on it.
# ---------------------------------------------------------------------------------------------
SPACECRAFT = {95, 167, 185, 261, 265, 266, 296, 326, 327, 330, 336, 342, 463, 466, 491, 503, 513, 521,
              551, 557, 562, 612, 616, 625, 626, 627, 628, 629}
SC_IN_SPACE = {551, 612, 616, 625, 626, 627, 628, 629}
SC_ACTIVE = {551, 612, 625, 628}  # status 1 "Active"; the rest are 4 "Single Use"
SC_SOYUZ_CONFIG = {185, 491, 503, 513, 521}  # spacecraft_config 1 "Soyuz"

CONFIGS = set(range(1, 48)) - {23}
CONFIGS_HUMAN_RATED = {1, 2, 4, 6, 9, 10, 11, 12, 13, 14, 15, 16, 21, 27, 28, 29, 38, 39, 40, 41, 42, 43}
CONFIGS_IN_USE = {2, 4, 6, 7, 9, 19, 21, 24, 25, 27, 29, 30, 31, 33, 38, 46, 47}
CONFIGS_SPX = {3, 6, 7, 20, 26, 45, 46}  # agency 121 SpaceX (SpX)
CONFIGS_RFSA = {1, 8, 15, 16, 28, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42}  # agency 63 Roscosmos

FAMILIES = set(range(1, 9))

AGENCIES = {16, 17, 27, 37, 44, 63, 80, 88, 115, 121, 140, 141, 257, 999, 1000, 1020, 1024, 1031}
AGENCIES_US = {44, 80, 121, 140, 141, 257, 999, 1020, 1024}
AGENCIES_FEATURED = {17, 37, 44, 63, 88, 115, 121, 141, 257}
AGENCIES_WITHOUT_CONFIGS = {16, 140, 1000}  # Energia only manufactures families; 16, 140 own stations

DETAIL_ID = {
    "spacecraft": 551, "spacecraft_flights": 901, "spacecraft_configurations": 6,
    "spacecraft_configuration_families": 7,
    "agencies": 121, "config/spacecraft_statuses": 1, "config/spacecraft_configuration_types": 2,
    "config/agency_types": 3, "config/countries": 2, "config/image_licenses": 4,
    "config/image_variant_types": 1,
}



# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def page(api, path, query="", limit=100):
    """One 200 page of `path` (a whole listing with the default limit of 100 here)."""
    status, body, _ = api(f"/2.3.0/{path}/?limit={limit}&{query}")
    assert status == 200, body
    return body


def ids_of(api, path, query=""):
    """Ids of every result, in order; the listing must fit one page."""
    body = page(api, path, query)
    ids = [row["id"] for row in body["results"]]
    assert body["count"] == len(ids), "listing does not fit one page"
    return ids


def walk(api, path, query, limit=3):
    """Follow `next` from the first page to the last; returns (ids, count)."""
    status, body, _ = api(f"/2.3.0/{path}/?limit={limit}&{query}")
    assert status == 200, body
    ids, count = [], body["count"]
    while True:
        assert body["count"] == count
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids, count
        assert body["next"].startswith(f"{BASE}/{path}/?")
        status, body, _ = api(body["next"])
        assert status == 200, body


def expected_order(rows, terms):
    """LL2's order as Spacedock defines it: the terms in turn, nulls first ascending and last
    descending, then `id` ascending unless the terms already name it."""
    terms = list(terms)
    if not any(t.lstrip("-") == "id" for t in terms):
        terms.append("id")
    out = list(rows)
    for term in reversed(terms):  # stable sorts, least significant term first
        name, desc = term.lstrip("-"), term.startswith("-")
        present = sorted((r for r in out if r[name] is not None), key=lambda r: r[name], reverse=desc)
        missing = [r for r in out if r[name] is None]
        out = present + missing if desc else missing + present
    return [r["id"] for r in out]


def subsequence(ids, wanted):
    wanted_set = set(wanted)
    return [i for i in ids if i in wanted_set]


# Resources Spacedock keeps as the LL2 documents that were imported: their urls are emitted as they came.
KEPT_AS_IMPORTED = ("launches", "space_stations", "pads", "locations", "launcher_configurations", "programs",
                    "missions", "landings", "astronauts", "payloads", "payload_flights")


def api_urls(node):
    """Every API `url` in a response (not image or social-media links, nor anything inside a kept LL2
    document, such as a flight's launch)."""
    kept = tuple(f"{BASE}/{name}/" for name in KEPT_AS_IMPORTED)
    if isinstance(node, dict):
        if str(node.get("url", "")).startswith(kept):
            return
        for key, value in node.items():
            if key == "url" and isinstance(value, str) and value.startswith(f"{BASE}/"):
                yield value
            else:
                yield from api_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from api_urls(item)


# Created rows: ids inserted out of order, equal values (ties) and nulls.
SEED_ORDER = (100005, 100002, 100004, 100003, 100001)
SEED_NAME = {100005: "Bravo", 100002: "Bravo", 100004: "Alpha", 100003: "Delta", 100001: "Charlie"}
SEED_NUMBER = {100005: 1, 100002: 1, 100004: None, 100003: None, 100001: 3}
NAME_ASC = [100004, 100002, 100005, 100001, 100003]  # Alpha, Bravo (id tie-break), Bravo, Charlie, Delta
NAME_DESC = [100003, 100001, 100002, 100005, 100004]  # ties stay id ascending when descending


def seed(path):
    """Five rows of the endpoint's model, created in SEED_ORDER, with tied and null values."""
    for pk in SEED_ORDER:
        name, number = SEED_NAME[pk], SEED_NUMBER[pk]
        if path == "spacecraft":
            span = None if number is None else timedelta(days=number)
            m.Spacecraft.objects.create(
                id=pk, name=f"Zulu {name}", status_id=4, spacecraft_config_id=1, reported_flights_count=number,
                reported_mission_ends_count=number, reported_time_docked=span, reported_time_in_space=span)
            figures.refresh([pk])
        elif path == "spacecraft_flights":
            launch = m.Launch.objects.create(id=f"seed-{pk}", net="2020-01-01T00:00:00Z", document={})
            m.SpacecraftFlight.objects.create(id=pk, spacecraft_id=95, launch=launch)
        elif path == "spacecraft_configurations":
            m.SpacecraftConfiguration.objects.create(id=pk, name=name, type_id=2, agency_id=63)
        elif path == "spacecraft_configuration_families":
            m.SpacecraftConfigFamily.objects.create(id=pk, name=name, manufacturer_id=121)
        elif path == "agencies":
            counters = {field: number for field in BY_PATH["agencies"].ordering_fields
                        if field not in ("id", "name", "featured")}
            m.Agency.objects.create(id=pk, name=name, type_id=1, featured=number == 1, **counters)
        elif path == "config/countries":
            m.Country.objects.create(id=pk, name=name, alpha_2_code="ZZ", alpha_3_code="ZZZ")
        else:
            BY_PATH[path].model.objects.create(id=pk, name=name)


def all_values(path, *fields):
    rows = BY_PATH[path].model.objects.all()
    if path == "spacecraft":
        rows = figures.with_figures(rows)
    return list(rows.values("id", *(f for f in fields if f != "id")))


# ---------------------------------------------------------------------------------------------
# 1. Filters
# ---------------------------------------------------------------------------------------------
SPACECRAFT_FILTER_CASES = [
    ("in_space=true", SC_IN_SPACE),
    ("in_space=false", SPACECRAFT - SC_IN_SPACE | {100001}),
    ("in_space=", SPACECRAFT | {100001}),  # empty: no filter
    ("is_placeholder=true", {100001}),
    ("is_placeholder=false", SPACECRAFT),
    ("name=Soyuz%2022", {185}),
    ("name=soyuz%2022", set()),  # exact, case-sensitive
    ("name=Soyuz", set()),  # exact, not a substring
    ("name=Zulu%20Alpha", {100001}),
    ("spacecraft_config=1", SC_SOYUZ_CONFIG),
    ("spacecraft_config=38", {612, 616, 100001}),
    ("spacecraft_config=999999", set()),  # no such configuration: an empty page, not an error
    ("status=1", SC_ACTIVE | {100001}),
    ("status=4", SPACECRAFT - SC_ACTIVE),
    ("status=999999", set()),
    ("status=1&in_space=true", SC_ACTIVE),
    ("status=4&in_space=true&spacecraft_config=38", {616}),
]


@pytest.mark.parametrize("query, expected", SPACECRAFT_FILTER_CASES)
def test_spacecraft_filters(api, query, expected):
    """/spacecraft/ filters: in_space, is_placeholder, name (exact), spacecraft_config, status."""
    m.Spacecraft.objects.create(id=100001, name="Zulu Alpha", is_placeholder=True, reported_in_space=False,
                                status_id=1, spacecraft_config_id=38)
    figures.refresh([100001])
    assert set(ids_of(api, "spacecraft", query)) == expected


CONFIG_FILTER_CASES = [
    ("agency=121", CONFIGS_SPX),
    ("agency=999", {10}),
    ("agency=999999", set()),
    ("human_rated=true", CONFIGS_HUMAN_RATED),
    ("human_rated=false", CONFIGS - CONFIGS_HUMAN_RATED),
    ("in_use=true", CONFIGS_IN_USE),
    ("in_use=false", CONFIGS - CONFIGS_IN_USE),
    ("human_rated=true&in_use=true", {2, 4, 6, 9, 21, 27, 29, 38}),
    ("name=Orion", {4}),
    ("name=orion", set()),
    ("name=Dragon%201", {3}),
    ("name=Dragon", set()),
    ("agency=63&in_use=true", {33, 38}),
]


@pytest.mark.parametrize("query, expected", CONFIG_FILTER_CASES)
def test_configuration_filters(api, query, expected):
    """/spacecraft_configurations/ filters: agency, human_rated, in_use, name (exact)."""
    assert set(ids_of(api, "spacecraft_configurations", query)) == expected


FAMILY_FILTER_CASES = [
    ("manufacturer=121", {6, 7, 8}),
    ("manufacturer=1000", {1, 2}),
    ("manufacturer=44", set()),
    ("manufacturer=", FAMILIES),  # empty: no filter
    ("name=Dragon", {6}),
    ("name=Dragon%202", {7}),
    ("name=dragon", set()),
    ("manufacturer=121&name=Starship", {8}),
]


@pytest.mark.parametrize("query, expected", FAMILY_FILTER_CASES)
def test_family_filters(api, query, expected):
    """/spacecraft_configuration_families/ filters: manufacturer, name (exact)."""
    assert set(ids_of(api, "spacecraft_configuration_families", query)) == expected


AGENCY_FILTER_CASES = [
    ("abbrev=NASA", {44}),
    ("abbrev=nasa", set()),
    ("abbrev__contains=SA", {16, 17, 27, 44, 63, 115}),
    ("abbrev__contains=Sp", {121}),
    ("abbrev__contains=SP", set()),  # case-sensitive on every backend
    ("abbrev__contains=sa", set()),
    ("name=Boeing", {80}),
    ("name=boeing", set()),
    ("name__contains=Space", {16, 17, 27, 44, 63, 121, 257}),
    ("name__contains=space", {37, 88, 115, 140}),  # Aerospace, Arianespace
    ("description__contains=Roscosmos", {63}),
    ("description__contains=roscosmos", set()),
    ("country_code=USA", AGENCIES_US),
    ("country_code=usa", AGENCIES_US),
    ("country_code=US", AGENCIES_US),  # alpha-2 works too
    ("country_code=FR", {27, 115}),
    ("country_code=USA,RUS", AGENCIES_US | {63, 1000}),
    ("country_code=FRA,JPN", {27, 37, 115}),
    ("country_code=USA,%20RU", AGENCIES_US | {63, 1000}),
    ("country_code=ZZZ", set()),
    ("spacecraft=true", AGENCIES - AGENCIES_WITHOUT_CONFIGS),
    ("spacecraft=false", AGENCIES_WITHOUT_CONFIGS),
    ("featured=true", AGENCIES_FEATURED),
    ("featured=false", AGENCIES - AGENCIES_FEATURED),
    ("id=44", {44}),
    ("id=1", set()),
    ("type__id=1", {16, 17, 37, 44, 63, 88, 1000, 1031}),
    ("type__id=5", {1024}),
    ("parent__id=80", {999}),
    ("parent__id=44", set()),
    ("founding_year=1958", {44}),
    ("founding_year__gt=2003", {257, 1024}),
    ("founding_year__gte=2003", {37, 257, 1024}),
    ("founding_year__lt=1940", {80, 999}),
    ("founding_year__lte=1940", {80, 999, 1031}),
    ("featured=true&country_code=USA&founding_year__lt=2002", {44, 141}),
]


@pytest.mark.parametrize("query, expected", AGENCY_FILTER_CASES)
def test_agency_filters(api, query, expected):
    """/agencies/ filters on the bundled agencies (exact, __contains, country_code, booleans, ids)."""
    assert set(ids_of(api, "agencies", query)) == expected


def test_agency_description_filters(api):
    """`description` is exact and `description__contains` a case-sensitive substring (nulls never match)."""
    m.Agency.objects.create(id=100001, name="Alpha", type_id=1, description="Alpha Quux")
    m.Agency.objects.create(id=100002, name="Bravo", type_id=1, description="alpha quux")
    assert ids_of(api, "agencies", "description=Alpha%20Quux") == [100001]
    assert ids_of(api, "agencies", "description=alpha%20quux") == [100002]
    assert ids_of(api, "agencies", "description=Alpha") == []
    assert ids_of(api, "agencies", "description__contains=Quux") == [100001]
    assert ids_of(api, "agencies", "description__contains=quux") == [100002]
    assert ids_of(api, "agencies", "description__contains=a%20q") == [100002]


AGENCY_COUNTER_FILTERS = [c for c in BY_PATH["agencies"].ordering_fields
                          if c not in ("id", "name", "featured")] + ["founding_year"]
COUNTER_VALUES = {100001: 5, 100002: 7, 100003: 7, 100004: 9, 100005: None}
COUNTER_CASES = [("", {100002, 100003}), ("__gt", {100004}), ("__gte", {100002, 100003, 100004}),
                 ("__lt", {100001}), ("__lte", {100001, 100002, 100003})]  # compared with 7


@pytest.mark.parametrize("lookup, created", [pytest.param(*case, id=case[0] or "exact") for case in COUNTER_CASES])
@pytest.mark.parametrize("counter", AGENCY_COUNTER_FILTERS)
def test_agency_counter_filters(api, counter, lookup, created):
    """Each agency counter (and founding_year) as exact, __gt, __gte, __lt, __lte; nulls never match."""
    offset = 1000 if counter == "founding_year" else 0  # below every bundled founding year (min 1916)
    for pk in (100003, 100005, 100001, 100004, 100002):
        number = COUNTER_VALUES[pk]
        m.Agency.objects.create(id=pk, name=f"Counter {pk}", type_id=1,
                                **{counter: None if number is None else number + offset})
    bundled = set()
    if counter == "founding_year" and lookup in ("__gt", "__gte"):
        bundled = AGENCIES - {140}  # every bundled agency was founded after 1009 (140's year is unknown)
    got = ids_of(api, "agencies", f"{counter}{lookup}={7 + offset}")
    assert set(got) == created | bundled


BOOLEAN_FILTERS = [(ep.path, name) for ep in ENDPOINTS if ep.filterset
                   for name, f in sorted(ep.filterset.base_filters.items()) if isinstance(f, filters.BooleanFilter)]


@pytest.mark.parametrize("path, name", BOOLEAN_FILTERS)
def test_boolean_filter_spellings(api, path, name):
    """Booleans read true/false/1/0 in any case: all true spellings agree, all false spellings agree,
    and true and false split the whole listing."""
    trues = [set(ids_of(api, path, f"{name}={v}")) for v in ("true", "True", "TRUE", "1")]
    falses = [set(ids_of(api, path, f"{name}={v}")) for v in ("false", "False", "FALSE", "0")]
    assert all(t == trues[0] for t in trues) and all(f == falses[0] for f in falses)
    assert trues[0].isdisjoint(falses[0])
    assert trues[0] | falses[0] == set(ids_of(api, path))


def test_every_filter_is_exercised():
    """Guard: a filter added to a FilterSet needs a case here (agencies: every kind of filter)."""
    def used(cases):
        return {part.split("=")[0] for query, _ in cases for part in query.split("&")}

    assert used(SPACECRAFT_FILTER_CASES) == set(BY_PATH["spacecraft"].filter_names)
    assert used(CONFIG_FILTER_CASES) == set(BY_PATH["spacecraft_configurations"].filter_names)
    assert used(FAMILY_FILTER_CASES) == set(BY_PATH["spacecraft_configuration_families"].filter_names)
    agency = used(AGENCY_FILTER_CASES) | {"description"} | {
        f"{c}{lookup}" for c in AGENCY_COUNTER_FILTERS for lookup, _ in COUNTER_CASES}
    assert agency == set(BY_PATH["agencies"].filter_names)


# ---------------------------------------------------------------------------------------------
# 2. Search
# ---------------------------------------------------------------------------------------------
SEARCH_CASES = [
    # spacecraft: name, spacecraft_config__name
    ("spacecraft", "Soyuz", {185, 491, 503, 513, 521, 612, 616}),
    ("spacecraft", "sOYUZ", {185, 491, 503, 513, 521, 612, 616}),
    ("spacecraft", "freedom", {551}),  # name only
    ("spacecraft", "ENHANCED", {167, 626}),  # configuration name only
    ("spacecraft", "soyuz%20ms", {612, 616}),  # every term must match
    ("spacecraft", "progress%20modified", {261, 265, 266}),  # terms matching different fields
    ("spacecraft", "soyuz%20enhanced", set()),
    # spacecraft_configurations: agency__abbrev, agency__name, name
    ("spacecraft_configurations", "spx", CONFIGS_SPX),  # agency abbrev
    ("spacecraft_configurations", "ROSCOSMOS", CONFIGS_RFSA),  # agency name
    ("spacecraft_configurations", "blue%20origin", {21, 22}),
    ("spacecraft_configurations", "dragon", {3, 6, 7}),  # name
    ("spacecraft_configurations", "crew%20spx", {6}),  # name + agency abbrev
    ("spacecraft_configurations", "dragon%20nasa", set()),
    # spacecraft_configuration_families: manufacturer__abbrev, manufacturer__name, name
    ("spacecraft_configuration_families", "okb", {1, 2}),  # manufacturer abbrev
    ("spacecraft_configuration_families", "ENERGIA", {1, 2}),  # manufacturer name
    ("spacecraft_configuration_families", "spacex", {6, 7, 8}),
    ("spacecraft_configuration_families", "dragon", {6, 7}),  # name
    ("spacecraft_configuration_families", "dragon%202", {7}),
    ("spacecraft_configuration_families", "progress%20energia", {2}),
    # agencies: abbrev, name
    ("agencies", "nasa", {44}),  # abbrev
    ("agencies", "ORIGIN", {141}),  # name
    ("agencies", "okb", {1000}),
    ("agencies", "space%20agency", {16, 27, 37, 63}),
    ("agencies", "space%20spx", {121}),
    # config/ tables: name (countries also alpha_2_code, alpha_3_code, nationality_name)
    ("config/spacecraft_statuses", "single", {4}),
    ("config/spacecraft_statuses", "ACTIVE", {1}),
    ("config/spacecraft_configuration_types", "upper%20stage", {6}),
    ("config/agency_types", "Commercial", {3}),
    ("config/countries", "kingdom", {10}),  # name
    ("config/countries", "gb", {10}),  # alpha_2_code
    ("config/countries", "deu", {4}),  # alpha_3_code
    ("config/countries", "DUTCH", {27}),  # nationality_name
    ("config/countries", "sino", set()),  # nationality_name_composed is not searched
    ("config/image_licenses", "nasa", {4}),
    ("config/image_variant_types", "transparent%20dark", {2}),
    ("config/image_variant_types", "transparent", {1, 2}),
]


@pytest.mark.parametrize("path, term, expected", SEARCH_CASES)
def test_search(api, path, term, expected):
    """DRF SearchFilter: case-insensitive substrings; every whitespace-separated term must match a field."""
    assert set(ids_of(api, path, f"search={term}")) == expected


def test_search_across_name_and_configuration(api):
    """One term matching only the spacecraft's name and another only its configuration still match."""
    m.Spacecraft.objects.create(id=100001, name="Zulu Alpha", status_id=4, spacecraft_config_id=19)
    assert ids_of(api, "spacecraft", "search=zulu%20enhanced") == [100001]
    assert ids_of(api, "spacecraft", "search=zulu%20soyuz") == []


def test_search_family_without_manufacturer(api):
    """A family with no manufacturer is still found by its name (the join must not drop it)."""
    m.SpacecraftConfigFamily.objects.create(id=100001, name="Zulu")
    assert ids_of(api, "spacecraft_configuration_families", "search=zulu") == [100001]


@pytest.mark.parametrize("path", PATHS)
def test_empty_search_is_no_filter(api, path):
    """`search=` with nothing to search lists everything."""
    assert ids_of(api, path, "search=") == ids_of(api, path)


def test_every_search_field_is_exercised():
    """Guard: the search fields these cases were written for are the endpoint table's."""
    assert {ep.path: ep.search_fields for ep in ENDPOINTS} == {
        "spacecraft": ("name", "spacecraft_config__name"),
        "spacecraft_flights": (),
        "spacecraft_configurations": ("agency__abbrev", "agency__name", "name"),
        "spacecraft_configuration_families": ("manufacturer__abbrev", "manufacturer__name", "name"),
        "agencies": ("abbrev", "name"),
        **{path: ("name",) for path in LOOKUPS if path != "config/countries"},
        "config/countries": ("name", "alpha_2_code", "alpha_3_code", "nationality_name"),
    }
    assert {path for path, _, _ in SEARCH_CASES} == {ep.path for ep in ENDPOINTS if ep.search_fields}


# ---------------------------------------------------------------------------------------------
# 3. Ordering
# ---------------------------------------------------------------------------------------------
ORDERING_CASES = [(ep.path, field) for ep in ENDPOINTS for field in ep.ordering_fields]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("path, field", ORDERING_CASES)
def test_ordering(api, path, field, descending):
    """Every ordering field both ways; nulls first ascending / last descending; ties by id ascending."""
    seed(path)
    term = f"-{field}" if descending else field
    got = ids_of(api, path, f"ordering={term}")
    if field == "name":
        # Text order of the bundled names depends on the collation; the created ones do not.
        assert subsequence(got, SEED_ORDER) == (NAME_DESC if descending else NAME_ASC)
        assert sorted(got) == sorted(r["id"] for r in all_values(path))
    else:
        assert got == expected_order(all_values(path, field), [term])


@pytest.mark.parametrize("query, terms", [
    ("ordering=mission_ends_count,-flights_count", ["mission_ends_count", "-flights_count"]),
    ("ordering=-time_docked,flights_count", ["-time_docked", "flights_count"]),
    ("ordering=-id", ["-id"]),
    ("ordering=bogus,-time_in_space", ["-time_in_space"]),  # unknown terms are dropped
])
def test_spacecraft_multi_field_ordering(api, query, terms):
    """Several comma-separated fields sort in turn, then by id."""
    seed("spacecraft")
    fields = {t.lstrip("-") for t in terms}
    assert ids_of(api, "spacecraft", query) == expected_order(all_values("spacecraft", *fields), terms)


def test_ordering_ties_broken_by_id(api):
    """Rows with equal values come back id ascending whichever way the field is sorted (here: created
    100005 before 100002, both flights_count 1 like most bundled spacecraft)."""
    seed("spacecraft")
    for term in ("flights_count", "-flights_count"):
        got = ids_of(api, "spacecraft", f"ordering={term}")
        ones = [pk for pk in got if pk in SPACECRAFT - {551} | {100002, 100005}]  # all flights_count 1
        assert ones == sorted(ones), term
        assert got.index(100002) < got.index(100005)


@pytest.mark.parametrize("path, query", [
    ("spacecraft", "ordering=flights_count"),
    ("spacecraft", "ordering=-mission_ends_count"),
    ("spacecraft", "ordering=-time_docked"),
    ("spacecraft", "ordering=time_in_space&in_space=false"),
    ("spacecraft_configurations", "ordering=-name"),
    ("spacecraft_configuration_families", "ordering=name"),
    ("agencies", "ordering=-featured"),
    ("agencies", "ordering=total_launch_count"),
    ("agencies", "ordering=-pending_launches"),
    ("config/countries", "ordering=name"),
])
def test_walking_pages_neither_repeats_nor_skips(api, path, query):
    """limit=3 pages followed through `next` give exactly the one-page listing, each row once."""
    seed(path)
    walked, count = walk(api, path, query, limit=3)
    assert len(walked) == len(set(walked)) == count
    assert walked == ids_of(api, path, query)


UNORDERED_QUERIES = ["", "ordering=", "ordering=bogus", "ordering=-bogus", "ordering=description",
                     "ordering=spacecraft_config__name", "ordering=name,bogus"]


@pytest.mark.parametrize("path, query", [(ep.path, query) for ep in ENDPOINTS for query in UNORDERED_QUERIES
                                         if not (query.startswith("ordering=name") and "name" in ep.ordering_fields)])
def test_default_and_unknown_ordering_is_by_id(api, path, query):
    """No ordering, or only fields the endpoint does not offer, orders by id."""
    seed(path)
    got = ids_of(api, path, query)
    assert got == sorted(got)
    assert len(got) == BY_PATH[path].model.objects.count()


def test_every_ordering_field_is_exercised():
    """Guard: the ordering fields these cases cover are the endpoint table's, default ordering id."""
    assert {ep.path: ep.ordering_fields for ep in ENDPOINTS} == {
        "spacecraft": ("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space"),
        "spacecraft_flights": (),
        "spacecraft_configurations": ("name",),
        "spacecraft_configuration_families": ("name",),
        "agencies": ("attempted_landings", "consecutive_successful_landings", "consecutive_successful_launches",
                     "failed_landings", "failed_launches", "featured", "id", "name", "pending_launches",
                     "successful_landings", "successful_launches", "total_launch_count"),
        **{path: ("id", "name") for path in LOOKUPS},
    }
    assert all(ep.default_ordering == ("id",) for ep in ENDPOINTS)


# ---------------------------------------------------------------------------------------------
# 4. Pagination
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
def test_default_page(api, path):
    """Default limit 10; first page has no `previous`; `next` only when there is more."""
    status, body, _ = api(f"/2.3.0/{path}/")
    assert status == 200
    total = BY_PATH[path].model.objects.count()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == total
    assert len(body["results"]) == min(10, total)
    assert body["previous"] is None
    assert body["next"] == (f"{BASE}/{path}/?limit=10&offset=10" if total > 10 else None)


def test_limit_is_clamped_to_100(api):
    """limit=1000 gives 100 results, and the `next` link says limit=100."""
    m.Spacecraft.objects.bulk_create(
        m.Spacecraft(id=100001 + i, name=f"Bulk {i}", status_id=4, spacecraft_config_id=1) for i in range(80))
    status, body, _ = api("/2.3.0/spacecraft/?limit=1000")
    assert status == 200
    assert body["count"] == 108
    assert len(body["results"]) == 100
    assert body["next"] == f"{BASE}/spacecraft/?limit=100&offset=100"
    assert body["previous"] is None
    status, body, _ = api(body["next"])
    assert [r["id"] for r in body["results"]] == list(range(100073, 100081))
    assert body["next"] is None
    assert body["previous"] == f"{BASE}/spacecraft/?limit=100"


@pytest.mark.parametrize("query, count, n, next_, previous", [
    # keys sorted alphabetically, every other parameter kept
    ("format=json&ordering=-flights_count&limit=10&offset=10", 28, 10,
     "?format=json&limit=10&offset=20&ordering=-flights_count", "?format=json&limit=10&ordering=-flights_count"),
    ("search=progress&in_space=false&limit=2&offset=2", 11, 2,
     "?in_space=false&limit=2&offset=4&search=progress", "?in_space=false&limit=2&search=progress"),
    ("mode=detailed&limit=5&offset=7", 28, 5, "?limit=5&mode=detailed&offset=12", "?limit=5&mode=detailed&offset=2"),
    # `offset` dropped from `previous` when it would be 0 (or less)
    ("offset=3", 28, 10, "?limit=10&offset=13", "?limit=10"),
    ("limit=5&offset=5", 28, 5, "?limit=5&offset=10", "?limit=5"),
    ("offset=0", 28, 10, "?limit=10&offset=10", None),
    # last page: no `next`
    ("offset=20", 28, 8, None, "?limit=10&offset=10"),
    ("limit=28", 28, 28, None, None),
    # past the end: no results, the real count
    ("offset=50", 28, 0, None, "?limit=10&offset=40"),
    ("status=1&offset=100&limit=3", 4, 0, None, "?limit=3&offset=97&status=1"),
])
def test_next_and_previous_links(api, query, count, n, next_, previous):
    """Exact LL2 `next`/`previous` strings: absolute, sorted keys, offset omitted at 0."""
    status, body, _ = api(f"/2.3.0/spacecraft/?{query}")
    assert status == 200
    assert body["count"] == count
    assert len(body["results"]) == n
    assert body["next"] == (next_ and f"{BASE}/spacecraft/{next_}")
    assert body["previous"] == (previous and f"{BASE}/spacecraft/{previous}")


def test_links_follow_the_requested_host(api):
    """The links are built from the host asked for (lldev here)."""
    status, body, _ = api("/2.3.0/config/countries/?limit=5&offset=5", host=DEV)
    assert status == 200
    assert body["next"] == f"https://{DEV}/2.3.0/config/countries/?limit=5&offset=10"
    assert body["previous"] == f"https://{DEV}/2.3.0/config/countries/?limit=5"


@pytest.mark.parametrize("query, param", [
    ("limit=abc", "limit"), ("limit=-1", "limit"), ("limit=0", "limit"), ("limit=1.5", "limit"),
    ("limit=1e3", "limit"), ("offset=abc", "offset"), ("offset=-1", "offset"), ("offset=1.5", "offset"),
    ("limit=10&offset=x", "offset"),
])
@pytest.mark.parametrize("path", ["spacecraft", "agencies", "config/countries"])
def test_bad_limit_or_offset(api, path, query, param):
    """A limit that is not a positive integer, or an offset that is not an integer >= 0, is a 400
    naming the parameter (DRF would silently use the default)."""
    status, body, _ = api(f"/2.3.0/{path}/?{query}")
    assert status == 400
    assert list(body) == [param]
    assert len(body[param]) == 1 and isinstance(body[param][0], str)
    raw = dict(part.split("=") for part in query.split("&"))[param]
    assert f"'{raw}'" in body[param][0]


@pytest.mark.parametrize("query, n", [("limit=", 10), ("offset=", 10), ("limit=1", 1), ("limit=100", 28)])
def test_empty_or_edge_limit_values(api, query, n):
    """Empty limit/offset fall back to the defaults; 1 and 100 are valid limits."""
    status, body, _ = api(f"/2.3.0/spacecraft/?{query}")
    assert status == 200 and len(body["results"]) == n


# ---------------------------------------------------------------------------------------------
# 5. Errors
# ---------------------------------------------------------------------------------------------
NOT_FOUND = {"detail": "Not found."}


@pytest.mark.parametrize("path", PATHS)
def test_unknown_id_is_404(api, path):
    """An id that does not exist: 404 {"detail":"Not found."}."""
    status, body, response = api(f"/2.3.0/{path}/999999/")
    assert (status, body) == (404, NOT_FOUND)
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("url", [
    "/2.3.0/nothing/", "/2.3.0/spacecraft/abc/", "/2.3.0/spacecraft/-1/", "/2.3.0/spacecraft/1.5/",
    "/2.3.0/config/", "/2.2.0/spacecraft/", "/nothing/", "/2.3.0/spacecraft/95/flights/",
])
def test_unknown_route_is_json_404(api, url):
    """Routes that do not exist, and ids that are not whole numbers, answer LL2's JSON 404."""
    status, body, response = api(url)
    assert (status, body) == (404, NOT_FOUND)
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("url, expected", [
    ("/2.3.0/spacecraft/99999999999999999999/", (404, NOT_FOUND)),
    ("/2.3.0/spacecraft/?status=99999999999999999999",
     (200, {"count": 0, "next": None, "previous": None, "results": []})),
    ("/2.3.0/agencies/?mode=list&total_launch_count__gt=99999999999999999999&limit=100",
     (200, {"count": 0, "next": None, "previous": None, "results": []})),
])
def test_id_too_large_for_the_database(api, url, expected):
    """An id no database integer can hold matches nothing: 404 for a detail page, an empty page for a filter."""
    status, body, _ = api(url)
    assert (status, body) == expected


def test_counter_below_a_huge_value_keeps_every_row(api):
    _, below_counter, _ = api("/2.3.0/agencies/?mode=list&limit=100&founding_year__gt=-99999999999999999999")
    _, above_counter, _ = api("/2.3.0/agencies/?mode=list&limit=100&founding_year__lt=99999999999999999999")
    assert below_counter["count"] == above_counter["count"]
    assert below_counter["count"] == m.Agency.objects.exclude(founding_year=None).count()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", PATHS)
def test_other_methods_are_405(client, db, path, method):
    """Only GET (and HEAD) is answered: 405 with DRF's body and `Allow: GET`, on lists and instances."""
    for url in (f"/2.3.0/{path}/", f"/2.3.0/{path}/{DETAIL_ID[path]}/"):
        response = client.generic(method, url, secure=True, HTTP_HOST=PROD)
        assert response.status_code == 405, url
        assert response.content == f'{{"detail":"Method \\"{method}\\" not allowed."}}'.encode(), url
        assert response["Allow"] == "GET", url


@pytest.mark.parametrize("path", PATHS)
def test_head_is_200_without_body(client, db, path):
    """HEAD answers like GET, without a body."""
    for url in (f"/2.3.0/{path}/", f"/2.3.0/{path}/{DETAIL_ID[path]}/"):
        response = client.head(url, secure=True, HTTP_HOST=PROD)
        assert response.status_code == 200, url
        assert response.content == b"", url
        assert response["Allow"] == "GET", url


@pytest.mark.parametrize("path, query, body", [
    ("spacecraft", "status=abc", {"status": ["Enter a whole number."]}),
    ("spacecraft", "spacecraft_config=1.5", {"spacecraft_config": ["Enter a whole number."]}),
    ("spacecraft", "in_space=maybe", {"in_space": ["'maybe' is not a boolean; use true or false."]}),
    ("spacecraft", "is_placeholder=yes", {"is_placeholder": ["'yes' is not a boolean; use true or false."]}),
    ("spacecraft_configurations", "human_rated=yes", {"human_rated": ["'yes' is not a boolean; use true or false."]}),
    ("spacecraft_configurations", "agency=NASA", {"agency": ["Enter a whole number."]}),
    ("spacecraft_configuration_families", "manufacturer=SpX", {"manufacturer": ["Enter a whole number."]}),
    ("agencies", "founding_year__gt=x", {"founding_year__gt": ["Enter a whole number."]}),
    ("agencies", "total_launch_count__lte=1.5", {"total_launch_count__lte": ["Enter a whole number."]}),
    ("agencies", "featured=on", {"featured": ["'on' is not a boolean; use true or false."]}),
])
def test_bad_filter_values_are_400(api, path, query, body):
    """A filter value that cannot be read is a 400 naming the parameter, never silently ignored."""
    assert api(f"/2.3.0/{path}/?{query}")[:2] == (400, body)


TYPED_FILTERS = [(ep.path, name, isinstance(f, filters.BooleanFilter)) for ep in ENDPOINTS if ep.filterset
                 for name, f in sorted(ep.filterset.base_filters.items())
                 if isinstance(f, (filters.BooleanFilter, filters.IdFilter))]


@pytest.mark.parametrize("path, name, boolean", TYPED_FILTERS)
def test_every_typed_filter_rejects_garbage(api, path, name, boolean):
    """Every boolean and whole-number filter of every endpoint answers 400 for a value it cannot read."""
    message = "'x1' is not a boolean; use true or false." if boolean else "Enter a whole number."
    assert api(f"/2.3.0/{path}/?{name}=x1")[:2] == (400, {name: [message]})


def test_two_bad_parameters_name_both(api):
    """Two unreadable filters are both reported."""
    status, body, _ = api("/2.3.0/spacecraft/?status=abc&in_space=maybe")
    assert status == 400
    assert set(body) == {"status", "in_space"}


@pytest.mark.parametrize("path", PATHS)
def test_unknown_mode_is_400(api, path):
    """An unknown `mode` is a 400 naming `mode`, on lists and instances."""
    for url in (f"/2.3.0/{path}/?mode=bogus", f"/2.3.0/{path}/{DETAIL_ID[path]}/?mode=bogus"):
        status, body, _ = api(url)
        assert status == 400, url
        assert list(body) == ["mode"], url
        assert "'bogus'" in body["mode"][0]
        assert all(mode in body["mode"][0] for mode in BY_PATH[path].modes)


@pytest.mark.parametrize("url", ["/2.3.0/spacecraft/?format=xml", "/2.3.0/spacecraft/551/?format=xml",
                                 "/2.3.0/config/countries/?format=xml"])
def test_unknown_format_is_400(api, url):
    """`format=xml` is a 400 naming `format`."""
    status, body, _ = api(url)
    assert status == 400
    assert list(body) == ["format"]
    assert "'xml'" in body["format"][0]


# ---------------------------------------------------------------------------------------------
# 6. Modes
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [p for p in PATHS if p not in LOOKUPS])
def test_default_modes(api, path):
    """Lists default to `normal`, instances to `detailed`."""
    ep = BY_PATH[path]
    assert (ep.list_mode, ep.detail_mode) == ("normal", "detailed")
    body = page(api, path, limit=10)
    assert {row["response_mode"] for row in body["results"]} == {"normal"}
    status, body, _ = api(f"/2.3.0/{path}/{DETAIL_ID[path]}/")
    assert status == 200
    assert body["response_mode"] == "detailed"
    assert body["id"] == DETAIL_ID[path]


@pytest.mark.parametrize("path, mode", [(ep.path, mode) for ep in ENDPOINTS for mode in ep.modes
                                        if ep.path not in LOOKUPS])
def test_each_mode_on_list_and_instance(api, path, mode):
    """Each documented mode is honoured on the list and on an instance (`mode=normal` included)."""
    body = page(api, path, f"mode={mode}", limit=5)
    assert {row["response_mode"] for row in body["results"]} == {mode}
    status, body, _ = api(f"/2.3.0/{path}/{DETAIL_ID[path]}/?mode={mode}")
    assert status == 200
    assert body["response_mode"] == mode


@pytest.mark.parametrize("query", ["", "mode=", "mode=normal"])
@pytest.mark.parametrize("path", LOOKUPS)
def test_lookup_tables_have_one_mode(api, path, query):
    """config/ tables have only `normal`: plain rows (no response_mode) on lists and instances."""
    columns = list(BY_PATH[path].modes["normal"].columns)
    body = page(api, path, query, limit=10)
    assert body["results"] and all(list(row) == columns for row in body["results"])
    status, body, _ = api(f"/2.3.0/{path}/{DETAIL_ID[path]}/?{query}")
    assert status == 200
    assert list(body) == columns and body["id"] == DETAIL_ID[path]
    assert api(f"/2.3.0/{path}/?mode=detailed")[0] == 400


def test_list_modes_have_the_documented_shapes(api):
    """`mode=list` agencies and families are the small shapes; `mode=` alone means the default."""
    body = page(api, "agencies", "mode=list", limit=1)
    assert list(body["results"][0]) == ["response_mode", "id", "url", "name", "abbrev", "type"]
    body = page(api, "spacecraft_configuration_families", "mode=list", limit=1)
    assert list(body["results"][0]) == ["response_mode", "id", "name"]
    assert page(api, "spacecraft", "mode=", limit=1)["results"][0]["response_mode"] == "normal"
    assert api("/2.3.0/spacecraft/551/?mode=")[1]["response_mode"] == "detailed"


@pytest.mark.parametrize("path, mode", [("spacecraft", "normal"), ("spacecraft", "detailed"),
                                        ("spacecraft_flights", "normal"), ("spacecraft_flights", "detailed"),
                                        ("spacecraft_configurations", "normal"),
                                        ("spacecraft_configurations", "detailed"),
                                        ("spacecraft_configuration_families", "normal"),
                                        ("spacecraft_configuration_families", "detailed"),
                                        ("agencies", "list"), ("agencies", "detailed")])
def test_urls_keep_format_json(api, path, mode):
    """Every API `url` (the object's and the nested ones) ends `?format=json` when the request had
    format=json, and has no query at all when it had none."""
    detail = DETAIL_ID[path]
    for query, suffix in (("format=json&", "?format=json"), ("", "")):
        status, body, _ = api(f"/2.3.0/{path}/?{query}mode={mode}&limit=5")
        assert status == 200
        urls = list(api_urls(body["results"]))
        status, one, _ = api(f"/2.3.0/{path}/{detail}/?{query}mode={mode}")
        assert status == 200
        urls += list(api_urls(one))
        assert len(urls) >= 5, "expected urls of objects and their nested objects"
        for url in urls:
            assert url.endswith("/" + suffix) and url.count("?") == (1 if suffix else 0), url
        if path != "spacecraft_configuration_families":  # families have no url of their own
            assert one["url"] == f"{BASE}/{path}/{detail}/{suffix}"
            assert [r["url"] for r in body["results"]] == [f"{BASE}/{path}/{r['id']}/{suffix}"
                                                          for r in body["results"]]
