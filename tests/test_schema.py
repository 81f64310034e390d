"""Every endpoint and mode against LL2's own OpenAPI schema (`golden/ll_2.3.0.json`).

Two checks per response: the schema validator (types, required keys, nullability), and key order:
every object's keys are exactly the schema's properties, in the schema's order, as LL2 writes them.
"""
import json
from functools import lru_cache

import pytest
from openapi_schema_validator import OAS30Validator

from .conftest import GOLDEN

LIST_SCHEMA = "#/components/schemas/"


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
}


@lru_cache
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
}


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
