"""Hostile query strings get a clear 400 naming the parameter, and cannot cost unbounded work."""
import io
import logging
import os
import subprocess
import sys
import time

import pytest

from spacedock.api.filters import MAX_SEARCH_LENGTH, MAX_SEARCH_TERMS

from .helpers import PROD

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


def test_a_host_not_allowed_is_a_json_400_and_one_log_line(api):
    """Links never name a Host the operator did not allow: any other is answered 400, in the API's JSON, with
    one log line (Django's would carry a 20-line traceback)."""
    handler = logging.getLogger("django.security.DisallowedHost").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        status, body, _ = api("/2.3.0/spacecraft/?limit=2", host="evil.example")
    finally:
        handler.setStream(previous)
    assert status == 400 and body == {"detail": "This host is not served here (see ALLOWED_HOSTS)."}
    logged = stream.getvalue()
    assert logged.count("\n") == 1 and "evil.example" in logged and "Traceback" not in logged


def test_by_default_only_this_machines_names_are_allowed(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "ALLOWED_HOSTS"}
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "shell", "--no-imports", "-c", code],
                          env=dict(env, SPACEDOCK_VAR_DIR=str(tmp_path)), capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "['localhost', '127.0.0.1', '[::1]']", done.stderr


@pytest.mark.parametrize("query", ["limit=2", "limit=2&search=So%20yuz&x=%E2%80%A8"])
def test_links_name_the_base_url_whatever_the_host(api, settings, query):
    settings.SPACEDOCK_BASE_URL = "https://api.example.org"
    status, body, _ = api(f"/2.3.0/spacecraft/?{query}", host=PROD)
    assert status == 200
    assert body["results"][0]["url"].startswith("https://api.example.org/2.3.0/spacecraft/")
    assert body["results"][0]["spacecraft_config"]["url"].startswith("https://api.example.org/2.3.0/")
    if body["next"]:
        assert body["next"].startswith("https://api.example.org/2.3.0/spacecraft/?")


def test_a_bad_base_url_stops_start_up_with_one_line(tmp_path):
    env = dict(os.environ, SPACEDOCK_BASE_URL="ftp://x/y", SPACEDOCK_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "SPACEDOCK_BASE_URL='ftp://x/y' is not scheme://host[:port]" in done.stderr
