"""The one request path (api.views `body()`): its bytes are what DRF's JSON renderer writes for the same
data, for every endpoint, mode, host and format, errors included; a response built from kept shapes is
the one built fresh, to the byte and header; other formats are DRF's renderers given the same data; kept
shapes and the compiled plain listing follow writes and the clock."""
import datetime as dt
import random

import isodate
import orjson
import pytest
from django.db import connection
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from spacedock.api.pagination import COUNTS, LL2Pagination, PageIds
from spacedock.api.render.formats import duration, seconds
from spacedock.api.render.shared import SHARED
from spacedock.catalog import models as m

from .helpers import DEV, PROD, at, iso, make_spacecraft

LISTS = [
    "/2.3.0/spacecraft/",
    "/2.3.0/spacecraft/?limit=100",
    "/2.3.0/spacecraft/?limit=100&mode=detailed",
    "/2.3.0/spacecraft/?limit=7&offset=14&x=abc-1",
    "/2.3.0/spacecraft/?limit=100&format=json",
    "/2.3.0/spacecraft/?limit=100&mode=detailed&format=json&offset=3",
    "/2.3.0/spacecraft/?limit=5&offset=5&ordering=-time_in_space&x=%E2%80%A8&z=",
    "/2.3.0/spacecraft/?limit=5&search=Dragon&in_space=false&offset=2",
    "/2.3.0/spacecraft/?limit=3&is_placeholder=true&status=1&spacecraft_config=6",
    "/2.3.0/spacecraft/?offset=100000",
    "/2.3.0/spacecraft_flights/?limit=20&mode=detailed",
    "/2.3.0/spacecraft_configurations/?limit=50&mode=detailed&offset=10",
    "/2.3.0/spacecraft_configuration_families/?mode=list",
    "/2.3.0/agencies/?limit=30&mode=detailed&ordering=-total_launch_count",
    "/2.3.0/config/countries/?limit=100&search=an",
]
DETAILS = [
    "/2.3.0/spacecraft/627/",
    "/2.3.0/spacecraft/627/?mode=normal&format=json",
    "/2.3.0/spacecraft_configurations/7/?mode=normal",
    "/2.3.0/agencies/121/?format=json",
    "/2.3.0/spacecraft_configuration_families/7/",
    "/2.3.0/config/spacecraft_statuses/1/",
]
ERRORS = [
    "/2.3.0/spacecraft/?mode=bogus",
    "/2.3.0/spacecraft/?limit=abc",
    "/2.3.0/spacecraft/?offset=-1",
    "/2.3.0/spacecraft/?in_space=maybe",
    "/2.3.0/spacecraft/?status=abc",
    "/2.3.0/spacecraft/?format=xml",
    "/2.3.0/spacecraft/987654321/",
    "/2.3.0/spacecraft/99999999999999999999/",
    "/2.3.0/spacecraft/627/?mode=list",
    "/2.3.0/nothing/",
]


@pytest.fixture
def twice(api, settings):
    """GET a path twice: (fresh, again) responses; the second answers from the shapes the first kept."""
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # live figures must not tick between the two

    def get(path, host=PROD, **headers):
        fresh = api(path, host=host, **headers)[2]
        return fresh, api(path, host=host, **headers)[2]

    return get


def same(fresh, again):
    """The same answer, and JSON as DRF's renderer writes it."""
    assert fresh.status_code == again.status_code
    assert fresh.content == again.content
    assert _headers(fresh) == _headers(again)
    if fresh["Content-Type"] == "application/json":
        assert fresh.content == JSONRenderer().render(orjson.loads(fresh.content))


def _headers(response):
    """The response's headers in order, but its own request id (ops.requests)."""
    return [(name, value) for name, value in response.items() if name != "X-Request-ID"]


@pytest.mark.parametrize("path", LISTS + DETAILS + ERRORS)
def test_answers_are_drfs_bytes_fresh_and_kept(twice, path):
    SHARED.clear()
    same(*twice(path))


@pytest.mark.parametrize("budget", [0, 3000, 20_000])
@pytest.mark.parametrize("path", [LISTS[2], LISTS[5], LISTS[10], LISTS[11], LISTS[13], DETAILS[0]])
def test_a_store_pushing_shapes_out_mid_request_still_gives_drfs_bytes(twice, monkeypatch, budget, path):
    """Embedded shapes stand as markers for the entries they had when asked for: however small the store,
    and whatever it pushes out while a response is being built, every answer is the one built with room to
    keep everything, cold and warm."""
    SHARED.clear()
    reference = twice(path)[0]
    monkeypatch.setattr(SHARED, "budget", budget)
    SHARED.clear()
    for _ in range(2):
        fresh, again = twice(path)
        same(fresh, again)
        same(fresh, reference)


@pytest.mark.parametrize("accept", ["*/*", "application/json"])
def test_plain_accept_headers_get_drfs_bytes(twice, accept):
    same(*twice("/2.3.0/spacecraft/?limit=20&mode=detailed", HTTP_ACCEPT=accept))


def test_other_formats_are_drfs_renderers_given_the_same_data(client, db):
    """The browsable page, HEAD and indented JSON: DRF's renderers, from the JSON the one path built."""
    page = client.get("/2.3.0/spacecraft/?limit=2&format=api", HTTP_HOST=PROD)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert b"Spacecraft List" in page.content
    html = client.get("/2.3.0/spacecraft/?limit=2", HTTP_HOST=PROD, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    head = client.head("/2.3.0/spacecraft/?limit=2", HTTP_HOST=PROD)
    assert head.status_code == 200 and head.content == b""
    indented = client.get("/2.3.0/spacecraft/?limit=2", HTTP_HOST=PROD, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b'{\n  "count"')
    plain = client.get("/2.3.0/spacecraft/?limit=2", HTTP_HOST=PROD)
    assert orjson.loads(indented.content) == orjson.loads(plain.content)
    assert client.post("/2.3.0/spacecraft/", HTTP_HOST=PROD).status_code == 405


def test_urls_follow_each_requests_host_and_format(api):
    for host in (PROD, DEV, PROD):
        for fmt, suffix in (("", ""), ("&format=json", "?format=json")):
            for mode in ("normal", "detailed"):
                status, body, _ = api(f"/2.3.0/spacecraft/?limit=20&mode={mode}{fmt}", host=host)
                assert status == 200
                urls = [row["url"] for row in body["results"]]
                assert urls and all(url == f"https://{host}/2.3.0/spacecraft/{row['id']}/{suffix}"
                                    for url, row in zip(urls, body["results"]))
                config = body["results"][0]["spacecraft_config"]["url"]
                assert config.startswith(f"https://{host}/2.3.0/spacecraft_configurations/") and config.endswith(
                    f"/{suffix}")
                assert body["next"].startswith(f"https://{host}/2.3.0/spacecraft/?")


@pytest.mark.parametrize("query", ["", "limit=10", "offset=5&limit=3", "x=1&x=2&a=&b", "search=So%20yuz+x&ordering=-id",
                                   "q=%E2%80%A8&z=%ff", "a;b=1", "limit=100&offset=200&format=json&x=abc-1",
                                   "b=2&a=1&a=3", "k=%2B%26%3D", "%C3%A9=%C3%BC", "emptyval=&=noval", "offset=abc",
                                   "flag&flag=&b=1&&x=A_b.c~d-e", "a=b=c", "a=b+c", "limit=5&offset=10&x=1700000000-3",
                                   "z=1&y=2&z=0&limit=7", "a=%41", "&", "=", "a b=1"])
def test_page_links_are_drfs(rf, query):
    """The links are built from one parse of the URL; the text is what DRF's replace_query_param and
    remove_query_param give."""
    request = Request(rf.get("/2.3.0/spacecraft/?" + query))
    url = request.build_absolute_uri()
    for limit, offset, count in [(10, 0, 100), (10, 5, 100), (10, 20, 100), (100, 99900, 100028), (3, 3, 4)]:
        paginator = LL2Pagination()
        paginator.request, paginator.limit, paginator.offset, paginator.count = request, limit, offset, count
        with_limit = replace_query_param(url, "limit", limit)
        expected_next = None if offset + limit >= count else replace_query_param(with_limit, "offset", offset + limit)
        expected_previous = None if offset <= 0 else (
            remove_query_param(with_limit, "offset") if offset - limit <= 0
            else replace_query_param(with_limit, "offset", offset - limit))
        assert (paginator.get_next_link(), paginator.get_previous_link()) == (expected_next, expected_previous)


def test_durations_are_isodates(db):
    """The hand-written duration text is isodate's, for whole seconds and for any timedelta."""
    rng = random.Random(5)
    values = [0, 1, 59, 60, 61, 3599, 3600, 3601, 86399, 86400, 86401, -1, -86401, 10**9]
    values += [rng.randint(-10**10, 10**10) for _ in range(3000)]
    for value in values:
        assert seconds(value) == isodate.duration_isoformat(dt.timedelta(seconds=value)), value
        delta = dt.timedelta(microseconds=value * 997)
        assert duration(delta) == isodate.duration_isoformat(delta), value
    assert seconds(1.5) == "PT1.5S" and seconds(None) is None and duration(None) is None


def test_line_separators_are_escaped_when_kept_and_when_fresh(twice, api):
    m.Spacecraft.objects.filter(pk=627).update(description="one\u2028two\u2029three")
    path = "/2.3.0/spacecraft/627/?mode=normal"
    fresh, kept = twice(path)
    same(fresh, kept)
    assert b"one\\u2028two\\u2029three" in fresh.content
    status, body, _ = api(path)
    assert body["description"] == "one\u2028two\u2029three"


def test_a_write_is_visible_on_the_next_request(api, settings):
    """With the response cache on: a single save (a new data version) shows at once in the plain listing
    (its compiled SQL, its count) and in kept shapes."""
    settings.SPACEDOCK_MAX_AGE = 60
    path = "/2.3.0/spacecraft/?limit=100&offset=0"
    _, before, _ = api(path)
    _, before_detail, _ = api("/2.3.0/spacecraft/627/")
    make_spacecraft(1)  # before every other id: first on the page
    craft = m.Spacecraft.objects.get(pk=627)
    craft.name = "Renamed"
    craft.save()
    _, after, _ = api(path)
    assert after["count"] == before["count"] + 1
    assert [row["id"] for row in after["results"]] == [1] + [row["id"] for row in before["results"][:99]]
    assert [row["name"] for row in after["results"] if row["id"] == 627] == ["Renamed"]
    _, detail, _ = api("/2.3.0/spacecraft/627/")
    assert before_detail["name"] != "Renamed" and detail["name"] == "Renamed"


def test_live_figures_move_with_the_clock_through_the_fast_path(api, history):
    """A live spacecraft's figures are rendered for each request's moment, next to kept shapes."""
    seen = []
    for moment in (at(25), at(26), at(26, seconds=5)):
        history.SPACEDOCK_NOW = iso(moment)
        for n in range(2):  # rendered, then again with the settled rows kept
            _, body, _ = api("/2.3.0/spacecraft/100001/?mode=normal")
            _, page, _ = api(f"/2.3.0/spacecraft/?limit=5&ordering=-id&x={n}")
            row = next(row for row in page["results"] if row["id"] == 100001)
            seen.append((body["time_in_space"], row["time_in_space"], body["in_space"]))
    assert seen == [("P15D", "P15D", True)] * 2 + [("P16D", "P16D", True)] * 2 + [("P16DT5S", "P16DT5S", True)] * 2


def test_plain_listing_is_compiled_once_and_read_through_the_narrow_index(api):
    PageIds.SQL.clear()
    api("/2.3.0/spacecraft/?limit=10&offset=20")
    keys = [key for key in PageIds.SQL if key[1] == "spacecraft"]
    assert len(keys) == 1
    alias, sql = PageIds.SQL[keys[0]]
    assert "ORDER BY" in sql and "LIMIT" not in sql
    kept = COUNTS.store[("ids", "spacecraft")]
    assert len(kept) == m.Spacecraft.objects.count() and list(kept[:3]) == sorted(kept)[:3]
    api("/2.3.0/spacecraft/?limit=10&is_placeholder=false")
    assert [key for key in PageIds.SQL if key[1] == "spacecraft"] == keys  # filtered: the ORM's query
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql + " LIMIT ? OFFSET ?", [10, 20])
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "catalog_spacecraft_id_only" in plan


@pytest.mark.parametrize("kept", [True, False])
def test_plain_listing_ids_equal_the_orms(api, monkeypatch, kept):
    """Every page of the plain listing, from the ids kept in memory or (a listing too long to keep)
    through the compiled SQL, equals the ORM's slice of ids; so does the count."""
    if not kept:
        monkeypatch.setattr(PageIds, "MAX_KEPT", 5)
    ids = list(m.Spacecraft.objects.order_by("id").values_list("id", flat=True))
    for offset in (0, 3, 50, len(ids) - 2, len(ids), len(ids) + 5):
        status, body, _ = api(f"/2.3.0/spacecraft/?limit=10&offset={offset}")
        assert status == 200
        assert [row["id"] for row in body["results"]] == ids[offset:offset + 10]
        assert body["count"] == len(ids)
    assert (COUNTS.store[("ids", "spacecraft")] is not None) == kept


def test_kept_ids_follow_the_data_version(api, settings):
    """A write (a new data version) reads the plain listing's ids again."""
    settings.SPACEDOCK_MAX_AGE = 60
    _, before, _ = api("/2.3.0/spacecraft/?limit=3&offset=1")
    make_spacecraft(2)
    _, after, _ = api("/2.3.0/spacecraft/?limit=3&offset=1")
    assert after["count"] == before["count"] + 1
    assert [row["id"] for row in after["results"]] == list(
        m.Spacecraft.objects.order_by("id").values_list("id", flat=True)[1:4])


def test_kept_page_is_one_join_of_pieces(api, settings):
    """A page from kept shapes equals the page rendered cold, byte for byte, for both modes."""
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # live rows' figures must not tick between the two
    for mode in ("normal", "detailed"):
        path = f"/2.3.0/spacecraft/?limit=100&mode={mode}"
        SHARED.clear()
        _, _, cold = api(path)
        _, _, warm = api(path)
        assert warm.content == cold.content
        assert orjson.loads(warm.content)["results"]
