"""The standing robustness suite: generated requests against every served path, through the server's WSGI
application, in process. Deterministic (derandomized Hypothesis, a fixed number of examples) and fast.

- **schemathesis** generates requests from LL2's own OpenAPI schema, restricted to the paths Spacedock
  serves (`api.endpoints.ENDPOINTS`): values that fit the schema, and values that do not. No answer is a
  5xx; every error is JSON; every `200` matches LL2's response schema. The documented exceptions to LL2's
  schema are `EXCEPTIONS` below (and the fields null in LL2's own data, `NULL_IN_PRACTICE` in
  tests/helpers.py).
- **hypothesis** writes raw query strings for each endpoint: known and made-up parameter names, any
  text, percent-escapes of any byte (invalid UTF-8 too), repeated parameters. Never a 5xx, and an error
  is `{"detail": ...}` or keyed by the parameters the request named.
"""
import os
import urllib.parse

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from spacedock.api.endpoints import ENDPOINTS

from .helpers import resolve, spec, validate

# The schema's cases to try per operation and mode, and raw query strings per endpoint: about 40 s for the
# module on each database. SPACEDOCK_FUZZ_SCALE=10 (say) multiplies both, for a longer hunt.
SCALE = int(os.environ.get("SPACEDOCK_FUZZ_SCALE", "1"))
EXAMPLES = 12 * SCALE
QUERIES = 40 * SCALE

# Where LL2's schema is known not to describe LL2 (and so Spacedock) exactly:
EXCEPTIONS = {
    # A polymorphic list item is `oneOf` normal/detailed with a `discriminator` on `response_mode`; a
    # detailed object also matches the normal schema (no additionalProperties: false), so plain `oneOf`
    # fails on it. Items are checked against the schema their `response_mode` names, as the
    # discriminator says.
    "oneOf with a discriminator": "validated by the discriminator's mapping",
    # The schema lists no 400 or 404 answers, and no `mode` parameter (the 2025 capture of the schema has
    # it): error bodies are checked for the documented JSON shape instead, and `mode` is fuzzed by the
    # raw query strings below.
    "no error responses in the schema": "errors checked as {'detail': ...} or keyed by parameter",
}

SERVED = {f"/2.3.0/{endpoint.path}/" for endpoint in ENDPOINTS} | {
    f"/2.3.0/{endpoint.path}/{{id}}/" for endpoint in ENDPOINTS}


@pytest.fixture(scope="module")
def schema():
    document = dict(spec())  # LL2's schema, with the nullable fixes of tests/helpers.py
    document["paths"] = {path: item for path, item in document["paths"].items() if path in SERVED}
    assert set(document["paths"]) == SERVED, SERVED - set(document["paths"])
    return schemathesis.openapi.from_dict(document)


def component_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def check_200(body, response_schema):
    """`body` against the operation's 200 schema; polymorphic items by their `response_mode`."""
    target = resolve(response_schema)
    items = target.get("properties", {}).get("results", {}).get("items")
    if items is None:
        validate(body, component_name(response_schema["$ref"]))
        return
    validate(dict(body, results=[]), component_name(response_schema["$ref"]))
    item = resolve(items)
    for obj in body["results"]:
        if "discriminator" in item:
            validate(obj, component_name(item["discriminator"]["mapping"][obj["response_mode"]]))
        else:
            validate(obj, component_name(items["$ref"]))


def check_error(status, body, names):
    assert isinstance(body, dict) and body, f"{status}: {body!r}"
    if "detail" in body:
        assert isinstance(body["detail"], str)
    else:
        assert set(body) <= set(names) | {"non_field_errors"}, f"{status} keyed by {set(body)}, sent {names}"
        assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values())


def query_string(query) -> str:
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    pairs = []
    for name, value in (query or {}).items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, text(one)))
    return urllib.parse.urlencode(pairs)


FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("path", sorted(SERVED))
def test_schemathesis_cases_answer_as_ll2_documents(api, schema, path, mode):
    operation = schema[path]["GET"]
    response_schema = operation.definition.raw["responses"]["200"]["content"]["application/json"]["schema"]
    seen = []

    cases = operation.as_strategy(generation_mode=mode)
    if "{id}" in path:  # most generated ids are not in the catalogue: stored ones too
        model = next(e.model for e in ENDPOINTS if path == f"/2.3.0/{e.path}/{{id}}/")
        stored = list(model.objects.order_by("id").values_list("id", flat=True)[:50])
        cases = st.one_of(cases, st.sampled_from(stored).flatmap(
            lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})))

    @FUZZ
    @given(case=cases)
    def run(case):
        query = query_string(case.query)
        url = case.formatted_path + (f"?{query}" if query else "")
        status, body, response = api(url)
        seen.append((status, url))
        assert status < 500, f"{url}: {status} {response.content[:300]!r}"
        assert response["Content-Type"].startswith("application/json"), url
        if status == 200:
            check_200(body, response_schema)
        else:
            check_error(status, body, list(case.query or {}))

    run()
    statuses = {status for status, _ in seen}
    if mode == GenerationMode.POSITIVE:  # the data is there: what fits the schema finds some of it
        assert 200 in statuses, seen
    assert len(seen) >= EXAMPLES // 2, seen


def parameter_names(endpoint):
    names = ["limit", "offset", "mode", "format", "ordering"]
    if endpoint.search_fields or endpoint.search_index:
        names.append("search")
    return [*names, *endpoint.filter_names]


def raw_text():
    """Parameter text as a client may send it: any character, or percent-escapes of any bytes."""
    escaped = st.binary(max_size=12).map(lambda data: "".join(f"%{b:02X}" for b in data))
    plain = st.text(st.characters(codec="utf-8", exclude_characters="&=#"), max_size=12).map(
        lambda text: urllib.parse.quote(text, safe="+-_.~,:!*'()"))
    digits = st.integers(min_value=-10**20, max_value=10**20).map(str)
    return st.one_of(plain, escaped, digits, st.sampled_from(["", "true", "false", "None", "-id", "id,-id",
                                                              "%00", "+5", "%205", "normal", "detailed", "list"]))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.path)
def test_raw_query_strings_are_never_a_server_error(api, endpoint):
    known = parameter_names(endpoint)
    name = st.one_of(st.sampled_from(known), st.sampled_from([n + "__gte" for n in known] + ["id", "", "x[]"]),
                     st.text(st.characters(codec="ascii", exclude_characters="&=#%"), max_size=8))
    pair = st.tuples(name, raw_text())

    seen = []

    @settings(FUZZ, max_examples=QUERIES)
    @given(pairs=st.lists(pair, max_size=5), detail=st.booleans())
    def run(pairs, detail):
        query = "&".join(f"{urllib.parse.quote(n, safe='_[]')}={v}" for n, v in pairs)
        path = f"/2.3.0/{endpoint.path}/" + ("1/" if detail else "")
        status, body, response = api(f"{path}?{query}")
        seen.append(status)
        assert status < 500, f"{path}?{query}: {status} {response.content[:300]!r}"
        if status >= 400:
            assert response["Content-Type"].startswith("application/json"), f"{path}?{query}"
            sent = [urllib.parse.unquote(n, errors="replace") for n, _ in pairs]
            check_error(status, body, sent)

    run()
    assert {200, 400} <= set(seen), seen  # both answers and errors were met
