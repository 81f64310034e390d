"""The number of queries per request is fixed by the endpoint and mode, never by the number of rows."""
import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spacedock.api.pagination import COUNTS
from spacedock.api.render.shared import SHARED
from spacedock.catalog import models as m

ENDPOINTS = [
    ("spacecraft", ["normal", "detailed"]),
    ("spacecraft_configurations", ["normal", "detailed"]),
    ("spacecraft_configuration_families", ["list", "normal", "detailed"]),
    ("agencies", ["list", "normal", "detailed"]),
]


def grow(factor):
    """Copies of every spacecraft, configuration, family and agency, sharing the same related rows."""
    for model, start in ((m.Agency, 500000), (m.SpacecraftConfigFamily, 500000),
                         (m.SpacecraftConfiguration, 500000), (m.Spacecraft, 500000)):
        rows = list(model.objects.filter(pk__lt=start))
        copies = []
        for k in range(factor):
            for row in rows:
                values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
                values["id"] = start + k * 10000 + row.pk
                copies.append(model(**values))
        model.objects.bulk_create(copies)
    m.ConfigurationFamily.objects.bulk_create(
        m.ConfigurationFamily(configuration_id=link.configuration_id + 500000 + k * 10000, family_id=link.family_id,
                              position=link.position)
        for k in range(factor) for link in m.ConfigurationFamily.objects.filter(configuration_id__lt=500000)
    )
    m.AgencyCountry.objects.bulk_create(
        m.AgencyCountry(agency_id=link.agency_id + 500000 + k * 10000, country_id=link.country_id,
                        position=link.position)
        for k in range(factor) for link in m.AgencyCountry.objects.filter(agency_id__lt=500000)
    )


def test_lookup_table_is_three_queries(api):
    """config/ tables: data version, the listing's ids (kept per data version: they give the count), rows;
    filtered, a count and a page of ids instead."""
    assert queries(api, "/2.3.0/config/countries/?limit=100")[0] == 3
    assert queries(api, "/2.3.0/config/countries/?limit=100&search=an")[0] == 4


def queries(api, path):
    SHARED.clear()  # cold: every shape rendered and every count made from the database
    COUNTS.__init__()
    with CaptureQueriesContext(connection) as captured:
        status, body, _ = api(path)
    assert status == 200
    return len(captured.captured_queries), body


@pytest.mark.parametrize("path,modes", ENDPOINTS)
def test_list_queries_do_not_grow_with_rows(api, path, modes):
    """A page of 100 costs the same queries with 4x the rows (and 4x the rows on the page)."""
    before = {mode: queries(api, f"/2.3.0/{path}/?limit=100&mode={mode}") for mode in modes}
    grow(3)
    for mode in modes:
        count, body = queries(api, f"/2.3.0/{path}/?limit=100&mode={mode}")
        assert len(body["results"]) > len(before[mode][1]["results"]) or len(body["results"]) == 100
        assert count == before[mode][0], mode
        assert count <= 24, mode  # detailed spacecraft: figures of live rows, flights, launches, shapes


def test_spacecraft_page_query_budget(api):
    """Normal spacecraft page: data version, the listing's ids (which give the count), spacecraft, the
    live ones' flights and dockings, configurations (+families), families, agencies, images (+variants),
    family parents: the exact budget, so a regression shows."""
    count, _ = queries(api, "/2.3.0/spacecraft/?limit=100")
    assert count == 12


def test_shared_shapes_are_rendered_once_per_data_version(api, settings):
    """Configurations, agencies, families, images and settled spacecraft are kept rendered, and counts and
    the plain listing's ids kept: a second page needs only the data version and the live spacecraft's
    rows, flights and dockings; a write (a new data version) renders and counts afresh."""
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # live rows' figures must not tick between the requests
    path = "/2.3.0/spacecraft/?limit=100&format=json"
    cold, body = queries(api, path)
    with CaptureQueriesContext(connection) as captured:
        status, warm_body, response = api(path)
    assert (status, len(captured.captured_queries)) == (200, 4)
    assert warm_body == body
    m.SpacecraftConfiguration.objects.get(pk=1).save()  # a write: the data version moves on
    with CaptureQueriesContext(connection) as captured:
        api(path)
    assert len(captured.captured_queries) == cold


def test_live_shapes_are_kept_for_their_window(api, settings):
    """With response caching on, live figures are computed for the start of the max-age window, so live
    spacecraft are kept rendered for it: another new URL in the window needs only the data version; in
    the next window their rows, flights and dockings are read again and their figures have moved."""
    settings.SPACEDOCK_MAX_AGE = 60
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"
    path = "/2.3.0/spacecraft/?limit=100&x="
    _, body = queries(api, path + "1")
    with CaptureQueriesContext(connection) as captured:
        status, same, _ = api(path + "2")  # a URL the response cache has not seen
    assert (status, len(captured.captured_queries), same["results"]) == (200, 1, body["results"])
    settings.SPACEDOCK_NOW = "2026-07-24T01:14:35Z"  # the next window
    with CaptureQueriesContext(connection) as captured:
        status, later, _ = api(path + "3")
    assert (status, len(captured.captured_queries)) == (200, 4)
    moved = [(a["id"], a["time_in_space"]) for a, b in zip(body["results"], later["results"]) if a != b]
    assert moved and all(a["in_space"] for a in later["results"] if a["id"] in dict(moved))


@pytest.mark.parametrize("path", ["spacecraft/627", "spacecraft_configurations/7", "agencies/121",
                                  "spacecraft_configuration_families/7"])
def test_detail_queries_are_bounded(api, path):
    count, _ = queries(api, f"/2.3.0/{path}/")
    assert count <= 20


@pytest.mark.parametrize("mode", ["normal", "detailed"])
def test_kept_spacecraft_are_small_templates_that_give_the_same_bytes(api, settings, mode):
    """A settled spacecraft is kept as its own bytes with references to the kept configuration and
    images: the page from kept rows is byte for byte the page rendered cold, and a kept row is a
    fraction of its size."""
    settings.SPACEDOCK_NOW = "2026-07-24T01:13:35Z"  # live rows' figures must not tick between the requests
    path = f"/2.3.0/spacecraft/?limit=100&format=json&mode={mode}"
    queries(api, path)  # cold: renders and keeps
    _, _, cold = api(path)
    SHARED.clear()
    _, _, fresh = api(path)
    _, _, warm = api(path)
    assert warm.content == fresh.content == cold.content
    kept = {key[2][1]: entry for key, entry in SHARED.store.items() if key[2][0] == f"spacecraft_{mode}"}
    assert kept and all(isinstance(entry, tuple) for entry in kept.values())
    row = orjson.loads(warm.content)["results"][0]
    own, pieces = kept[row["id"]]  # its own bytes' footprint, and its pieces: own parts and shared bytes
    assert b"".join(pieces) == orjson.dumps(row)
    assert own < len(orjson.dumps(row)) / 2
