"""The API's documentation: `/2.3.0/schema/` is LL2's own OpenAPI schema for exactly the paths served here
(each path and operation equal to LL2's, with the components they reference), and `/2.3.0/swagger/` (and
`/docs/`) is Swagger UI from files the server itself serves, nothing from a CDN."""
import json
import re
from html.parser import HTMLParser

import pytest
import yaml
from django.urls import Resolver404, resolve

from spacedock import wsgi
from spacedock.api.endpoints import ENDPOINTS
from spacedock.front import openapi

from .helpers import GOLDEN, call_wsgi

pytestmark = pytest.mark.django_db
LL2 = json.loads((GOLDEN / "ll_2.3.0.json").read_text())  # LL2's schema, as LL2 serves it


def get(path, **headers):
    return call_wsgi(wsgi.application, path, host="localhost", secure=False, **headers)


def served_schema(path="/2.3.0/schema/", **headers):
    response = get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    return response


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolves(path):
    try:
        resolve(re.sub(r"\{[^}]+\}", "1", path))
        return True
    except Resolver404:
        return False


def test_bundled_schema_is_ll2s():
    assert openapi.ll2_schema() == LL2


def test_schema_has_exactly_the_served_paths_each_equal_to_ll2s():
    response = served_schema()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    schema = json.loads(response.content)
    table = {f"/2.3.0/{e.path}/" for e in ENDPOINTS} | {f"/2.3.0/{e.path}/{{id}}/" for e in ENDPOINTS}
    assert table <= set(schema["paths"])
    assert set(schema["paths"]) == {path for path in LL2["paths"] if resolves(path)}
    assert list(schema["paths"]) == [path for path in LL2["paths"] if path in schema["paths"]]  # LL2's order
    for path, item in schema["paths"].items():
        assert item == LL2["paths"][path], path  # every operation, parameter and response as LL2 wrote it
    assert [key for key in schema] == [key for key in LL2]
    assert schema["openapi"] == LL2["openapi"] and schema["info"]["version"] == "v2.3.0"


def test_schema_components_are_ll2s_and_exactly_those_referenced():
    schema = json.loads(served_schema().content)
    needed, todo = set(), list(refs(schema["paths"]))
    while todo:
        ref = todo.pop()
        if ref not in needed:
            needed.add(ref)
            section, name = ref.removeprefix("#/components/").split("/")
            todo += refs(LL2["components"][section][name])
    kept = {f"#/components/schemas/{name}" for name in schema["components"]["schemas"]}
    assert kept == needed  # no dangling reference, nothing unreferenced
    for name, value in schema["components"]["schemas"].items():
        assert value == LL2["components"]["schemas"][name], name
    assert schema["components"]["securitySchemes"] == LL2["components"]["securitySchemes"]
    assert "SpacecraftEndpointDetailed" in schema["components"]["schemas"]
    assert "LaunchDetailed" not in schema["components"]["schemas"]  # launches are not served here


def test_schema_names_this_server():
    schema = json.loads(served_schema().content)
    assert schema["servers"] == [{"url": "/", "description": "this Spacedock server"}]
    assert "rate limiting" not in schema["info"]["description"]


@pytest.mark.parametrize("how", [{"path": "/2.3.0/schema/?format=yaml"},
                                 {"HTTP_ACCEPT": "application/yaml"},
                                 {"HTTP_ACCEPT": "application/vnd.oai.openapi"}])
def test_schema_as_yaml_when_asked(how):
    response = served_schema(**how)
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert yaml.safe_load(response.content) == json.loads(served_schema().content)


def test_schema_format_not_known_is_a_400_naming_it():
    response = get("/2.3.0/schema/?format=xml")
    assert response.status_code == 400
    assert json.loads(response.content) == {"format": ["'xml' is not a format; choose from json, yaml."]}


def test_schema_through_the_response_cache(settings):
    settings.SPACEDOCK_MAX_AGE = 60
    first, second = served_schema(), served_schema()
    assert first.content == second.content
    assert first["Cache-Control"] == "max-age=60"
    assert "Set-Cookie" not in first and "Set-Cookie" not in second


class Assets(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.urls = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "data-schema-url"):
            if attrs.get(name) and (tag != "a" or name != "href"):
                self.urls.append(attrs[name])


def test_swagger_page_uses_only_files_served_here():
    response = get("/2.3.0/swagger/")
    assert response.status_code == 200 and response["Content-Type"] == "text/html; charset=utf-8"
    urls = Assets(response.content.decode()).urls
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert "/2.3.0/schema/" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert get(url).status_code == 200, url
    script = get(next(url for url in urls if url.endswith("swagger-init.js"))).content.decode()
    assert "validatorUrl: null" in script and "http" not in script


def test_docs_is_the_swagger_page():
    response = get("/docs/")
    assert response.status_code in (301, 302) and response["Location"] == "/2.3.0/swagger/"
