"""The split listing (api/listing.py) answers exactly what the plain query answers.

A request that filters by `in_space` or orders by a moving figure is answered from the settled
spacecraft (stored columns, walked through an index from the nearer end) and the live ones (figures in
Python at the moment), merged. Here every combination of search terms, filters, orderings and offsets
is compared, row for row, with `filter_queryset(get_queryset())` (the figures' SQL for every row), at
several moments: the live spacecraft below move past settled ones as time passes, and flights start
and end. Both plans of the settled part (walking an index, or reading every match and sorting) are
forced in turn.
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request

from spacedock.api.endpoints import ENDPOINTS
from spacedock.api.listing import SplitIds, split_ids
from spacedock.api.pagination import COUNTS
from spacedock.api.render.context import Context
from spacedock.api.views import ListView
from spacedock.catalog import changes, figures
from spacedock.catalog import models as m
from spacedock.catalog.generate import generate

SPACECRAFT = next(endpoint for endpoint in ENDPOINTS if endpoint.path == "spacecraft")
UTC = dt.UTC
NOW = dt.datetime(2026, 7, 24, 1, 13, 35, tzinfo=UTC)
MOMENTS = [NOW, NOW + dt.timedelta(days=40, hours=5), NOW + dt.timedelta(days=3 * 365)]
FIGURES = ("flights_count", "mission_ends_count", "time_docked", "time_in_space")
ORDERINGS = [None, "id", "-id", "-time_in_space,flights_count", "time_docked,-id"] + [
    sign + name for name in FIGURES for sign in ("-", "")]
SEARCHES = [None, "soyuz", "Crew Dragon", "So", "zzz-nothing"]
CONFIG = 6  # a configuration of the bundled data


def _day(days, **more):
    return NOW + dt.timedelta(days=days, **more)


def _flight(pk, spacecraft, net, end=None, docked=None):
    launch = m.Launch.objects.create(id=f"00000000-0000-4000-9000-{pk:012d}", net=net,
                                     document={"id": f"00000000-0000-4000-9000-{pk:012d}"})
    m.SpacecraftFlight.objects.create(id=pk, spacecraft_id=spacecraft, launch=launch, mission_end=end)
    if docked:
        m.DockingEvent.objects.create(id=pk, docking=docked[0], departure=docked[1], flight_vehicle_chaser_id=pk)


# Live spacecraft made here (ids from 200001): flights on since long or lately, still to come, with
# planned ends, dockings on; names the searches find. At the later moments their figures pass many
# settled ones, they enter and leave space, and their ended missions count.
LIVE = [
    # (name, [(net, end, docking)])
    ("Soyuz MS-90", [(_day(-400), None, (_day(-399), None))]),
    ("Soyuz MS-91", [(_day(-2), None, None)]),
    ("Soyuz MS-92", [(_day(10), _day(200), (_day(11), _day(190)))]),
    ("Crew Dragon Zephyr", [(_day(-3000), _day(-2900), None), (_day(-30), _day(60), (_day(-29), None))]),
    ("Crew Dragon Aurora", [(_day(500), None, None)]),
    ("Dragon 2 C299", [(_day(-1), _day(1), None)]),
    ("Progress MS-77", [(_day(-100), None, (_day(-99), _day(30)))]),
    ("Tianzhou 11", [(_day(-10, hours=3), _day(35), None)]),
]


@pytest.fixture
def catalogue(db, settings):
    """The bundled data, 300 generated spacecraft and the live ones above, refreshed at NOW."""
    settings.SPACEDOCK_NOW = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    generate(300, seed=5)
    ids = []
    for n, (name, flights) in enumerate(LIVE):
        pk = 200001 + n
        m.Spacecraft.objects.create(id=pk, name=name, status_id=1, spacecraft_config_id=CONFIG)
        for k, (net, end, docked) in enumerate(flights):
            _flight(pk * 10 + k, pk, net, end, docked)
        ids.append(pk)
    figures.refresh(ids)
    assert m.Spacecraft.objects.filter(live=True).count() >= len(LIVE)
    return settings


def _view(query: dict, moment, version=None) -> ListView:
    view = ListView(endpoint=SPACECRAFT)
    given = {name: value for name, value in query.items() if value is not None}
    view.request = Request(RequestFactory().get("/2.3.0/spacecraft/", given))
    view.format_kwarg = None
    view.ctx = Context("https://ll.thespacedevs.com", now=moment, version=version)
    return view


def _plain(query, moment) -> list:
    view = _view(query, moment)
    return list(view.filter_queryset(view.get_queryset()).values_list("pk", flat=True))


def _windows(count):
    """(offset, limit) pairs: the start, the middle, near the end, the last row, past the end."""
    return sorted({(0, 7), (max(0, count // 2 - 3), 7), (max(0, count - 8), 100), (max(0, count - 1), 1),
                   (count + 3, 2)})


def _check(query, moment, version=None):
    """`version`: counts kept and (SQLite) the search's match table used, as in a served request."""
    expected = _plain(query, moment)
    split = split_ids(_view(query, moment, version))
    assert split is not None, query
    assert split.count() == len(expected), query
    for offset, limit in _windows(len(expected)):
        split = split_ids(_view(query, moment, version))  # each request its own, as pagination uses it
        assert split[offset:offset + limit] == expected[offset:offset + limit], (query, offset, limit)
    return expected


PLANS = [(moment, "auto") for moment in MOMENTS] + [(MOMENTS[2], "walk"), (MOMENTS[1], "sort")]


@pytest.mark.parametrize("moment,plan", PLANS)
def test_every_search_ordering_and_offset_gives_the_plain_rows(catalogue, monkeypatch, moment, plan):
    if plan != "auto":
        monkeypatch.setattr(SplitIds, "walks", lambda self, last, total: plan == "walk")
    version = None if plan == "auto" else changes.current()  # the search straight through the index, or not
    sizes = set()
    for search, in_space, ordering in itertools.product(SEARCHES, (None, "true", "false"), ORDERINGS):
        if in_space is None and ordering in (None, "id", "-id", "flights_count", "-flights_count"):
            continue  # nothing moving named: the plain query answers (see below)
        query = {"search": search, "in_space": in_space, "ordering": ordering}
        sizes.add(len(_check(query, moment, version)))
    assert max(sizes) > 300 and 0 in sizes and any(0 < size < 30 for size in sizes)


@pytest.mark.parametrize("moment", MOMENTS[:2])
def test_other_filters_with_the_moving_ones(catalogue, moment):
    statuses = sorted(set(m.Spacecraft.objects.values_list("status_id", flat=True)))
    for status, config, placeholder, in_space, ordering in itertools.product(
            (None, statuses[0], statuses[-1]), (None, CONFIG), (None, "false"), (None, "true", "false"),
            ("-time_in_space", "mission_ends_count", "id")):
        if in_space is None and ordering == "id":
            continue
        _check({"status": status, "spacecraft_config": config, "is_placeholder": placeholder, "in_space": in_space,
                "ordering": ordering, "search": "Dragon" if config else None}, moment, changes.current())


@pytest.mark.parametrize("query", [
    {"in_space": "", "ordering": "-time_in_space"}, {"in_space": "TRUE", "ordering": "-time_docked"},
    {"in_space": "0"}, {"search": "  Soyuz   MS ", "ordering": "-mission_ends_count"},
    {"search": '"dragon"', "in_space": "false"}, {"ordering": "time_in_space,time_in_space,-id"},
    {"ordering": "-time_in_space,bogus", "search": "Progress"}, {"ordering": " time_docked , flights_count "},
])
def test_odd_but_valid_values(catalogue, query):
    for moment in MOMENTS:
        _check(query, moment, changes.current())


def test_live_spacecraft_cross_settled_ones_as_time_passes(catalogue):
    """The fixture is worth its name: the order and the `in_space` set really change between moments."""
    query = {"ordering": "-time_in_space", "search": "Soyuz"}
    assert _plain(query, MOMENTS[0]) != _plain(query, MOMENTS[2])
    query = {"in_space": "true"}
    assert set(_plain(query, MOMENTS[0])) != set(_plain(query, MOMENTS[1]))


def test_only_requests_naming_a_moving_figure_are_split(catalogue):
    for query in ({}, {"search": "Soyuz"}, {"ordering": "-flights_count"}, {"status": 1}):
        assert split_ids(_view(query, NOW)) is None
    for query in ({"in_space": "false"}, {"ordering": "time_docked"}, {"ordering": "-mission_ends_count,id"}):
        assert split_ids(_view(query, NOW)) is not None


def test_settled_count_is_kept_per_data_version(catalogue):
    query = {"search": "Soyuz", "in_space": "false", "ordering": "-time_in_space"}
    assert split_ids(_view(query, NOW, version=1)).count() == len(_plain(query, NOW))
    with CaptureQueriesContext(connection) as queries:
        count = split_ids(_view(query, MOMENTS[1], version=1)).count()  # the live part is read again
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert count == len(_plain(query, MOMENTS[1]))


def _listing_queries(query, moment) -> int:
    version = changes.current()
    split = split_ids(_view(query, moment, version=version))  # makes the search's match table (SQLite)
    split[query["offset"]:query["offset"] + 100]
    COUNTS.__init__()  # cold counts: the settled count and the table size asked as well
    with CaptureQueriesContext(connection) as queries:
        split = split_ids(_view(query, moment, version=version))
        split.count()
        split[query["offset"]:query["offset"] + 100]
    return len(queries.captured_queries)


def test_a_constant_number_of_queries(catalogue):
    """The match table's check (SQLite) or the matching configurations for each part (PostgreSQL), the
    live part and its flights and dockings, the settled count and size, one slice: whatever the offset,
    and with four times the spacecraft."""
    query = {"search": "Soyuz", "ordering": "-time_in_space", "in_space": "false"}
    total = len(_plain(query, NOW))
    counts = [_listing_queries(dict(query, offset=offset), NOW) for offset in (0, total // 2, total - 100)]
    generate(900, seed=6)
    counts.append(_listing_queries(dict(query, offset=5), NOW))
    assert len(set(counts)) == 1 and counts[0] <= 8, counts


def test_search_match_tables_follow_the_data_version(catalogue):
    """SQLite keeps a search's matches per connection and data version; a write bumps the version, so the
    next request sees the new rows; other versions' tables are dropped."""
    query = {"search": "Zeppelin", "ordering": "-time_in_space"}
    assert split_ids(_view(query, NOW, version=changes.current())).count() == 0
    m.Spacecraft.objects.create(id=300001, name="Zeppelin NT", status_id=1, spacecraft_config_id=CONFIG)  # bumps
    split = split_ids(_view(query, NOW, version=changes.current()))
    assert split.count() == 1 and split[0:10] == [300001]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'sd_match_%'")
            assert [row[0].split("_")[2] for row in cursor.fetchall()] == [str(changes.current())]


def test_pages_through_the_api(catalogue, api):
    base = "/2.3.0/spacecraft/?limit=100&search=Soyuz&ordering=-time_in_space&in_space=false"
    expected = _plain({"search": "Soyuz", "ordering": "-time_in_space", "in_space": "false"}, NOW)
    for offset in (0, len(expected) // 2, max(0, len(expected) - 100)):
        status, body, _ = api(f"{base}&offset={offset}")
        assert status == 200 and body["count"] == len(expected)
        assert [row["id"] for row in body["results"]] == expected[offset:offset + 100]


@pytest.mark.parametrize("query", ["in_space=maybe", "status=abc", "spacecraft_config=x&ordering=-time_in_space"])
def test_bad_values_are_still_400s(catalogue, api, query):
    status, body, _ = api(f"/2.3.0/spacecraft/?{query}")
    assert status == 400 and len(body) == 1, body


def test_a_big_refresh_renews_postgresql_statistics(db, monkeypatch):
    """The planner walks an ordering's index only if it knows how common a search term is: a big write
    (here: any, for the test) analyzes the tables again, which sets their row counts in pg_class."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    tables = {model._meta.db_table: model for model in (m.Spacecraft, m.SpacecraftFlight, m.DockingEvent, m.Launch)}

    def row_estimates():
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(tables)])
            return dict(cursor.fetchall())

    m.Spacecraft.objects.create(id=300002, name="Statistic 1", status_id=1, spacecraft_config_id=CONFIG)
    assert row_estimates()["catalog_spacecraft"] != m.Spacecraft.objects.count()
    monkeypatch.setattr(figures, "ANALYZE_AFTER", 1)
    figures.refresh()
    assert row_estimates() == {table: model.objects.count() for table, model in tables.items()}
