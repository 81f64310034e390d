"""Every endpoint and mode against LL2's own OpenAPI schema (`golden/ll_2.3.0.json`).

Two checks per response: the schema validator (types, required keys, nullability), and key order:
every object's keys are exactly the schema's properties, in the schema's order, as LL2 writes them
(both in `validate`, tests/helpers.py, which tests/test_ll2_versions.py uses too).
"""
import pytest

from .helpers import DETAILS, LISTS, validate

LIST_SCHEMA = "#/components/schemas/"


@pytest.mark.parametrize("path,mode,item", LISTS)
def test_list_matches_schema(api, path, mode, item):
    query = "?limit=100" + (f"&mode={mode}" if mode else "")
    status, body, _ = api(f"/2.3.0/{path}/{query}")
    assert status == 200
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["results"], "the bundled data should have rows here"
    for obj in body["results"]:
        validate(obj, item)


@pytest.mark.parametrize("path,item", sorted(DETAILS.items()))
def test_detail_matches_schema(api, path, item):
    _, listing, _ = api(f"/2.3.0/{path}/?limit=100")
    for obj in listing["results"]:
        status, body, _ = api(f"/2.3.0/{path}/{obj['id']}/")
        assert status == 200
        validate(body, item)


def test_list_envelope_matches_paginated_schema(api):
    _, body, _ = api("/2.3.0/spacecraft/?limit=3")
    envelope = dict(body, results=[])
    validate(envelope, "PaginatedPolymorphicSpacecraftEndpointList")


def test_agency_detailed_with_social_media_and_lists_matches_schema(api):
    """An agency with every list filled (the bundled 2.3.0 data has none): still the schema's shape."""
    from spacedock.catalog import models as m

    agency = m.Agency.objects.get(pk=121)
    media = m.SocialMedia.objects.create(id=1, name="X", url="https://x.com", logo_id=None)
    m.SocialMediaLink.objects.create(id=1, agency=agency, social_media=media, url="https://x.com/SpaceX")
    m.Agency.objects.filter(pk=121).update(info_url="https://www.spacex.com", total_launch_count=500)
    _, body, _ = api("/2.3.0/agencies/121/")
    validate(body, "AgencyEndpointDetailed")
    assert body["social_media_links"] == [
        {"id": 1, "social_media": {"id": 1, "name": "X", "url": "https://x.com", "logo": None},
         "url": "https://x.com/SpaceX"}
    ]
    assert body["spacecraft_list"] and body["spacecraft_list"][0]["response_mode"] == "detailed"
