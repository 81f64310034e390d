"""Hostile query strings get a clear 400 naming the parameter, and cannot cost unbounded work."""
import time

import pytest

from spacedock.api.filters import MAX_SEARCH_LENGTH, MAX_SEARCH_TERMS

SEARCHED = ["spacecraft", "spacecraft_configurations", "spacecraft_configuration_families", "agencies",
            "config/countries"]


@pytest.mark.parametrize("path", SEARCHED)
def test_many_search_words_are_a_400_naming_the_limit_at_once(api, path):
    started = time.perf_counter()
    status, body, _ = api(f"/2.3.0/{path}/?search=" + "+".join(["a"] * 1000))
    assert status == 400 and body == {"search": [f"At most {MAX_SEARCH_LENGTH} characters; this search has 1999."]}
    status, body, _ = api(f"/2.3.0/{path}/?search=" + "+".join(["a"] * (MAX_SEARCH_TERMS + 1)))
    assert status == 400 and body == {"search": [f"At most {MAX_SEARCH_TERMS} search terms; this search has 11."]}
    assert time.perf_counter() - started < 2


def test_searches_within_the_limits_are_answered(api):
    assert api("/2.3.0/spacecraft/?search=" + "+".join(["o"] * MAX_SEARCH_TERMS))[0] == 200
    assert api("/2.3.0/spacecraft/?search=" + "x" * MAX_SEARCH_LENGTH)[0] == 200


def test_a_null_character_in_search_is_a_400_naming_search(api):
    assert api("/2.3.0/spacecraft/?search=%00")[:2] == (400, {"search": ["Null characters are not allowed."]})


@pytest.mark.parametrize("raw", ["+5", "%205", "5%20", "%D9%A5", "%EF%BC%95", "5.0", "0x5", "1_0"])
def test_numbers_are_ascii_digits_only(api, raw):
    """`int()` would read `+5`, ` 5`, `٥` (Arabic-Indic) and `５` (full width) as 5, `1_0` as 10."""
    status, body, _ = api(f"/2.3.0/spacecraft/?limit={raw}")
    assert status == 400 and list(body) == ["limit"]
    status, body, _ = api(f"/2.3.0/spacecraft/?offset={raw}")
    assert status == 400 and list(body) == ["offset"]
    assert api(f"/2.3.0/spacecraft/?status={raw}")[:2] == (400, {"status": ["Enter a whole number."]})
    assert api(f"/2.3.0/agencies/?total_launch_count__gte={raw}")[:2] == (
        400, {"total_launch_count__gte": ["Enter a whole number."]})


def test_plain_numbers_still_work(api):
    assert api("/2.3.0/spacecraft/?limit=5&offset=0&status=1")[0] == 200
    assert api("/2.3.0/agencies/?total_launch_count__gte=-3")[0] == 200
