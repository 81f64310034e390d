"""Hostile query strings get a clear 400 naming the parameter, and cannot cost unbounded work: a runaway
query is stopped by the statement timeout and answered 503."""
import contextlib
import io
import logging
import os
import socket
import subprocess
import sys
import time

import orjson
import pytest
from django.db import connection, transaction

from spacedock.api.filters import MAX_SEARCH_LENGTH, MAX_SEARCH_TERMS

from .helpers import PROD, spare_port, stop, wait_for

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


# the statement timeout (ops.timeouts) ---------------------------------------------------------------------
TIMEOUT = {"detail": "The database took too long to answer this request; try again shortly."}


def slow_query(rows: int) -> str:
    """A statement that takes 0.1 to 1 s per million `rows` (by machine) on SQLite and PostgreSQL alike."""
    return (f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) "
            f"SELECT count(*) FROM c")


@contextlib.contextmanager
def first_query_slowed(rows=50_000_000):
    """The request's first query is preceded by a runaway one, run as the request's own."""
    state = {"done": False}

    def wrapper(execute, sql, params, many, context):
        if not state["done"] and "catalog_dataversion" not in sql:  # the view's, not the response cache's
            state["done"] = True
            execute(slow_query(rows), (), False, context)
        return execute(sql, params, many, context)

    # PostgreSQL: the statement stopped aborts the test's transaction; its savepoint makes it usable again.
    savepoint = transaction.savepoint()
    try:
        with connection.execute_wrapper(wrapper):
            yield
    finally:
        transaction.savepoint_rollback(savepoint)


def test_a_runaway_query_is_stopped_and_answered_503(api, settings, caplog):
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 0.3
    started = time.monotonic()
    with first_query_slowed(), caplog.at_level(logging.WARNING, logger="spacedock.outages"):
        status, body, response = api("/2.3.0/spacecraft/?limit=2")
    assert time.monotonic() - started < 5  # 50 million rows would take about a minute
    assert (status, body) == (503, TIMEOUT)
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    lines = [r.getMessage() for r in caplog.records if r.name == "spacedock.outages"]
    assert len(lines) == 1 and lines[0].startswith("statement timeout (0.3 s) on GET /2.3.0/spacecraft/?limit=2")
    # not an outage: the next request is served, on the same connection
    assert api("/2.3.0/spacecraft/?limit=2")[0] == 200
    assert api("/2.3.0/agencies/1/")[0] in (200, 404)


def test_a_runaway_query_is_stopped_with_caching_on_too(api, settings, caplog):
    """With caching on, a JSON page is answered by `api.direct` (not Django's handler): the same 503."""
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 0.3
    settings.SPACEDOCK_MAX_AGE = 30
    with first_query_slowed(), caplog.at_level(logging.WARNING, logger="spacedock.outages"):
        status, body, response = api("/2.3.0/spacecraft/?limit=3")
    assert (status, body) == (503, TIMEOUT) and response["Retry-After"] == "5"
    lines = [r.getMessage() for r in caplog.records if r.name == "spacedock.outages"]
    assert len(lines) == 1 and lines[0].startswith("statement timeout (0.3 s) on GET /2.3.0/spacecraft/?limit=3")
    assert api("/2.3.0/spacecraft/?limit=3")[0] == 200


def test_a_detail_page_is_bounded_too(api, settings):
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 0.3
    with first_query_slowed():
        assert api("/2.3.0/spacecraft/551/")[:2] == (503, TIMEOUT)


def test_a_query_within_the_timeout_is_answered(api, settings):
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 5
    with first_query_slowed(rows=100_000):
        assert api("/2.3.0/spacecraft/?limit=2")[0] == 200


def test_zero_turns_the_timeout_off(api, settings):
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 0
    with first_query_slowed(rows=1_500_000):  # over 0.15 s
        assert api("/2.3.0/spacecraft/?limit=2")[0] == 200


def test_statements_outside_a_request_are_not_bounded(api, settings):
    """What commands run (import, sync, export, migrate) is never stopped, even in a process that served
    requests: the timeout is the request's."""
    settings.SPACEDOCK_STATEMENT_TIMEOUT = 0.02
    assert api("/2.3.0/spacecraft/?limit=2")[0] == 200  # the connection has met the middleware
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(slow_query(1_500_000))
        assert cursor.fetchone()[0] == 1_500_000
    assert time.monotonic() - started > 0.02  # it ran past the requests' timeout


def test_a_command_is_not_bounded(tmp_path):
    env = dict(os.environ, SPACEDOCK_STATEMENT_TIMEOUT="0.001", SPACEDOCK_VAR_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    code = ("from django.db import connection\n"
            f"print(connection.cursor().execute({slow_query(500_000)!r}).fetchone()[0])")
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "shell", "--no-imports", "-c", code], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "500000", done.stderr


@pytest.mark.parametrize("value", ["ten", "-1", "nan", "inf"])
def test_a_bad_statement_timeout_stops_start_up_with_one_line(tmp_path, value):
    env = dict(os.environ, SPACEDOCK_STATEMENT_TIMEOUT=value, SPACEDOCK_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "spacedock.cli", "check"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"SPACEDOCK_STATEMENT_TIMEOUT={value!r} is not a number of seconds" in done.stderr


# raw bytes in the path and query: Django's answers -----------------------------------------------------------
@pytest.mark.parametrize("path_info", [
    "/2.3.0/spacecraft/\xff/",  # a server decodes %FF to the byte 0xFF; WSGI hands it over as latin-1
    "/2.3.0/spacecraft/\xc3\xa9/",  # é, in UTF-8
    "/2.3.0/\xe2\x80\xa8/",
    "/2.3.0/spacecraft/%FF/",
    "/\xff",
])
def test_raw_bytes_in_the_path_are_a_json_404(api, path_info):
    status, body, response = api(path_info)
    assert (status, body) == (404, {"detail": "Not found."}), response.content


@pytest.mark.parametrize("query", ["search=%FF", "search=%C3", "%FF=1", "limit=%FF", "ordering=%C3%28",
                                   "search=\xc3\xa9", "mode=\xff", "in_space=%E2%80%A8"])
@pytest.mark.parametrize("path", ["/2.3.0/spacecraft/", "/2.3.0/spacecraft/551/", "/2.3.0/agencies/"])
def test_invalid_utf8_in_the_query_is_never_a_server_error(api, path, query):
    status, body, response = api(f"{path}?{query}")
    assert status in (200, 400) and response["Content-Type"].startswith("application/json"), response.content
    if status == 400:
        assert list(body) in (["detail"], [query.partition("=")[0]]), body


# what the server (granian) answers itself, before the application ---------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`spacedock serve` on an empty SQLite database of its own (no data is needed here): its port."""
    folder = tmp_path_factory.mktemp("served")
    port, log = spare_port(), folder / "serve.log"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}", SPACEDOCK_VAR_DIR=str(folder))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "serve", "--port", str(port), "--workers",
                                    "1", "--no-load"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for(port, process, log, "spacedock serve")
        yield port
    finally:
        stop(process)


def send(port: int, head: bytes) -> tuple[int, dict, bytes]:
    """Sends `head` as it is (bytes no client library would send); returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(1 << 16):
            answer += chunk
    top, _, body = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def get(port: int, target: bytes, headers: bytes = b"") -> tuple[int, dict, bytes]:
    return send(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"Connection: close\r\n\r\n")


def test_what_reaches_the_application_is_answered_in_json(served):
    status, headers, body = get(served, b"/2.3.0/spacecraft/?search=" + b"a" * 65_000)
    assert (status, orjson.loads(body)) == (400, {"search": ["At most 200 characters; this search has 65000."]})
    for target in ("/2.3.0/spacecraft/é/".encode(), b"/2.3.0/spacecraft/%FF/", b"/nowhere"):
        status, headers, body = get(served, target)
        assert (status, orjson.loads(body)) == (404, {"detail": "Not found."}), target
    status, headers, body = get(served, "/2.3.0/spacecraft/?search=é".encode())
    assert status == 200 and headers["content-type"] == "application/json"


def test_what_granian_refuses_itself_is_an_empty_answer(served):
    """The documented exceptions (docs/reliability.md): granian (hyper) answers these before any Python code
    runs, with no body; nothing of Spacedock's can change that, and nothing of Spacedock's runs."""
    for target in (b"/2.3.0/spacecraft/?search=\xe9", b"/2.3.0/\xff/", b"/2.3.0/space craft/", b"/?a=\x01"):
        status, headers, body = get(served, target)  # bytes HTTP does not allow in a request target
        assert (status, body) == (400, b""), target
        assert "x-request-id" not in headers
    # over granian's buffer for a request head (--http1-buffer-size, 417,792 bytes): 414 or 431 (as it is read)
    status, headers, body = get(served, b"/2.3.0/spacecraft/?search=" + b"a" * 500_000)
    assert status in (414, 431) and body == b""
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(120))  # more than 100 headers
    status, headers, body = get(served, b"/2.3.0/spacecraft/", many)
    assert (status, body) == (431, b"")
