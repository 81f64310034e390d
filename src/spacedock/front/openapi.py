"""`/2.3.0/schema/`: LL2's own OpenAPI 3 schema (bundled, `ll2/ll_2.3.0.json.gz`), restricted to the paths
Spacedock serves, so clients generated from it keep working against either server.

The paths are LL2's paths that Spacedock's URLs answer (every row of `api.endpoints.ENDPOINTS` gives two,
plus any other LL2 path served, such as the API root's neighbours); each is LL2's text as it is, with the
components it references, transitively. Only `info.description` and `servers` are Spacedock's: this server
instead of LL2's, and no word of LL2's rate limits.
"""
from __future__ import annotations

import functools
import gzip
import json
from importlib.resources import files

from django.urls import Resolver404, resolve

from spacedock.api.endpoints import ENDPOINTS

LL2_SCHEMA = "ll2/ll_2.3.0.json.gz"
PREFIX = "/2.3.0/"
DESCRIPTION = (
    "The spacecraft part of [Launch Library 2](https://thespacedevs.com/llapi) (LL2) 2.3.0, served by "
    "Spacedock from a database of its own: the same paths, parameters and bytes as LL2. This is LL2's own "
    "schema for the paths this server answers; see [the front page](/) for its data.")


@functools.cache
def ll2_schema() -> dict:
    """LL2's schema as LL2 serves it (the bundled copy; parsed once per process, never changed)."""
    return json.loads(gzip.decompress(files("spacedock.front").joinpath(LL2_SCHEMA).read_bytes()))


def table_paths() -> list[str]:
    """The schema paths of the endpoint table's routes: `{path}/` and `{path}/{id}/` per row."""
    return [f"{PREFIX}{e.path}/{suffix}" for e in ENDPOINTS for suffix in ("", "{id}/")]


def is_served(path: str) -> bool:
    """Whether Spacedock's URLs answer this schema path (with `1` for each path parameter)."""
    concrete = path
    while "{" in concrete:
        start = concrete.index("{")
        concrete = concrete[:start] + "1" + concrete[concrete.index("}", start) + 1:]
    try:
        resolve(concrete)
    except Resolver404:
        return False
    return True


def served_paths() -> list[str]:
    """LL2's paths Spacedock serves, in LL2's order."""
    return [path for path in ll2_schema()["paths"] if is_served(path)]


def _references(node, found: set[str]):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)


def _component(schema: dict, ref: str):
    section, name = ref.removeprefix("#/components/").split("/", 1)
    return section, name, schema["components"][section][name]


def restricted(paths: list[str]) -> dict:
    """LL2's schema with only `paths` and the components they reference, transitively; LL2's key order."""
    ll2 = ll2_schema()
    kept_paths = {path: ll2["paths"][path] for path in paths}
    seen: set[str] = set()
    todo: set[str] = set()
    _references(kept_paths, todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        found: set[str] = set()
        _references(_component(ll2, ref)[2], found)
        todo |= found - seen
    # The security schemes the operations name (by name, not by $ref).
    schemes = {name for item in kept_paths.values() for operation in item.values() if isinstance(operation, dict)
               for requirement in operation.get("security", ()) for name in requirement}
    components = {}
    for section, entries in ll2["components"].items():
        kept = {name: value for name, value in entries.items()
                if f"#/components/{section}/{name}" in seen or (section == "securitySchemes" and name in schemes)}
        if kept:
            components[section] = kept
    schema = {}
    for key, value in ll2.items():
        if key == "paths":
            value = kept_paths
        elif key == "components":
            value = components
        elif key == "info":
            value = {**value, "description": DESCRIPTION}
        elif key == "servers":
            value = [{"url": "/", "description": "this Spacedock server"}]
        schema[key] = value
    return schema


@functools.cache
def schema_text(fmt: str = "json") -> bytes:
    """The served schema as `json` (LL2's indentation) or `yaml`; made once per process (the URLs are fixed)."""
    schema = restricted(served_paths())
    if fmt == "yaml":
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(schema, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100).encode()
    return json.dumps(schema, indent=4, ensure_ascii=False).encode()
