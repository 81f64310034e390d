"""`spacedock sync` against a real local HTTP server serving the recorded LL2 pages (tests/ll2_server.py).

Every test starts from an empty catalogue (the bundled data is deleted inside the test's transaction,
which is rolled back after it). Waits are recorded instead of slept, except where a real timeout is the
point. Nothing leaves 127.0.0.1.
"""
import datetime as dt
import email.utils
import io
import os
import signal
import socket
import subprocess
import sys
import time

import orjson
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from rich.console import Console

from spacedock.catalog import changes
from spacedock.catalog import models as m
from spacedock.ingest.importer import WRITE_ORDER
from spacedock.ingest.management.commands.sync import LineReport, RichReport
from spacedock.ingest.models import SyncEndpoint, SyncRun, SyncSeen
from spacedock.ingest.sync import (
    ENDPOINTS,
    Options,
    Report,
    Sync,
    SyncFailed,
    check_page,
    retry_after,
    sync,
    with_offset,
)

from .ll2_server import RECORDED as RECORDED_DIR
from .ll2_server import RecordedLL2, load_recorded

RECORDED = load_recorded()
NOW = "2026-07-24T01:13:35Z"


# fixtures and helpers -----------------------------------------------------------------------------
@pytest.fixture
def server():
    ll2 = RecordedLL2().start()
    yield ll2
    ll2.stop()


@pytest.fixture
def empty(db, settings):
    """An empty catalogue, the clock pinned (figures then do not depend on when the test runs)."""
    settings.SPACEDOCK_NOW = NOW
    for model in reversed(WRITE_ORDER):
        model.objects.all().delete()
    assert not m.Agency.objects.exists() and not SyncRun.objects.exists()


class Waits(list):
    """Records the waits a sync asks for, instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


def run(server, waits=None, report=None, api_key=None, only=None, **options):
    """A sync from the server with small pages (several per endpoint) and fast settings."""
    settings = Options(**{"page_size": 10, "timeout": 5, "tries": 3, "backoff": 0.5, **options})
    return sync(server.base_url, api_key, only, settings, report, waits if waits is not None else Waits())


def snapshot():
    """Every catalogue row (the data version aside: bookkeeping every page bumps). Link rows without an LL2
    id are compared without their own id (PostgreSQL does not roll its sequences back)."""
    rows = {}
    for model in apps.get_app_config("catalog").get_models():
        if model is m.DataVersion:
            continue
        if model._meta.pk.auto_created:
            fields = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
            rows[model.__name__] = sorted(model.objects.values_list(*fields))
        else:
            rows[model.__name__] = list(model.objects.order_by("pk").values())
    return rows


class Rollback(Exception):
    pass


def uninterrupted(server):
    """The catalogue a complete sync from an empty database gives (rolled back afterwards)."""
    try:
        with transaction.atomic():
            run(server)
            expected = snapshot()
            raise Rollback
    except Rollback:
        pass
    server.requests.clear()
    assert not m.Spacecraft.objects.exists()
    return expected


def offsets(server, endpoint):
    return [r.offset for r in server.fetched(endpoint)]


def ids(endpoint, records=RECORDED):
    return {r["id"] for r in records[endpoint]}


def walk(endpoint):
    return SyncEndpoint.objects.get(endpoint=endpoint)


# a whole sync -------------------------------------------------------------------------------------
def test_fills_an_empty_catalogue_with_pages_of_100(server, empty, api):
    result = run(server, page_size=100)
    # One page per endpoint (each has fewer than 100 records), parents first, limit=100 and mode=detailed.
    assert [r.endpoint for r in server.fetched()] == list(ENDPOINTS)
    for request in server.fetched():
        assert request.url.endswith(f"/2.3.0/{request.endpoint}/?limit=100&mode=detailed")
    for endpoint, model in ENDPOINTS.items():
        assert ids(endpoint) <= set(model.objects.values_list("pk", flat=True)), endpoint
    assert m.Spacecraft.objects.count() == 28 and m.SpacecraftConfiguration.objects.count() == 46
    assert m.SpacecraftFlight.objects.count() == 8 and m.DockingEvent.objects.count() == 8
    assert (result.pages, result.records, result.requests, result.resumed) == (8, 133, 8, False)
    status, body, _ = api("/2.3.0/spacecraft/?limit=100&format=json")
    assert status == 200 and body["count"] == 28
    status, body, _ = api("/2.3.0/spacecraft/627/")  # Tianzhou-10, known from its docking event
    assert body["name"] == "Tianzhou-10" and len(body["flights"]) == 1
    run_row = SyncRun.objects.get()
    assert run_row.finished_at is not None and run_row.base_url == server.base_url
    for row in run_row.walks.all():
        assert row.done and row.next_url is None and row.count == len(RECORDED[row.endpoint])
        assert row.records == row.count == row.offset and row.pages == 1 and row.finished_at >= row.started_at


def test_follows_next_across_pages_and_applies_each_in_its_own_transaction(server, empty):
    before = changes.current()
    result = run(server)
    assert offsets(server, "spacecraft_configurations") == [0, 10, 20, 30, 40]
    assert offsets(server, "spacecraft") == [0, 10, 20]
    assert result.pages == 16 and changes.current() > before  # the pages were written: the data version moved
    assert walk("spacecraft").pages == 3 and walk("spacecraft").records == 28
    assert SyncSeen.objects.filter(walk__endpoint="spacecraft").count() == 28


def test_only_walks_the_endpoints_named_parents_first(server, empty):
    run(server, only="spacecraft, agencies")
    assert [r.endpoint for r in server.fetched()] == ["agencies", "agencies", "spacecraft", "spacecraft", "spacecraft"]
    assert SyncRun.objects.get().endpoints == "agencies,spacecraft"
    assert not m.DockingEvent.objects.exists()


@pytest.mark.parametrize("only", ["spacecraft,flights", "config/spacecraft", ",", "", "spacestation"])
def test_only_with_an_unknown_name_is_a_clear_error(server, empty, only):
    with pytest.raises(CommandError, match=r"^--only: unknown endpoint .* \(choose from agencies, "):
        call_command("sync", "--base-url", server.base_url, "--only", only, stdout=io.StringIO())
    assert not server.fetched() and not SyncRun.objects.exists()


@pytest.mark.parametrize("args, message", [
    (["--base-url", "ftp://example.org/2.3.0/"], "--base-url: 'ftp://example.org/2.3.0/' is not an http(s) URL"),
    (["--base-url", "ll.thespacedevs.com/2.3.0/"], "--base-url: "),
    (["--page-size", "101"], "--page-size: 101 is not between 1 and 100"),
    (["--page-size", "0"], "--page-size: 0 is not between 1 and 100"),
    (["--tries", "0"], "--tries: 0 is not a whole number ≥ 1"),
    (["--timeout", "0"], "--timeout: 0.0 is not a number of seconds > 0"),
    (["--backoff", "-1"], "--backoff: -1.0 is not a number of seconds ≥ 0"),
    (["--max-wait", "nan"], "--max-wait: nan is not a number of seconds ≥ 0"),
])
def test_bad_options_are_clear_errors_and_change_nothing(empty, args, message):
    with pytest.raises(CommandError) as caught:
        call_command("sync", *args, stdout=io.StringIO())
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    assert not SyncRun.objects.exists()


def test_the_api_key_is_sent_as_a_token(server, empty):
    run(server, api_key="s3cret", only="agencies")
    assert {r.authorization for r in server.fetched()} == {"Token s3cret"}
    server.requests.clear()
    run(server, only="agencies")
    assert {r.authorization for r in server.fetched()} == {None}


def test_the_api_key_may_come_from_the_environment(server, empty, monkeypatch):
    monkeypatch.setenv("SPACEDOCK_LL2_API_KEY", "from-env")
    call_command("sync", "--base-url", server.base_url, "--only", "agencies", stdout=io.StringIO())
    call_command("sync", "--base-url", server.base_url, "--only", "agencies", "--api-key", "given",
                 stdout=io.StringIO())
    assert [r.authorization for r in server.fetched()] == ["Token from-env", "Token given"]


def test_the_api_key_goes_only_to_the_base_urls_host(empty):
    job = Sync("https://ll.thespacedevs.com/2.3.0/", api_key="k")
    assert job.headers_for("https://ll.thespacedevs.com/2.3.0/spacecraft/?limit=100") == {"Authorization": "Token k"}
    assert job.headers_for("https://elsewhere.example/2.3.0/spacecraft/?limit=100") == {}


def test_the_figures_ll2_reports_are_dated_by_the_pages_date_header(server, empty):
    server.date = "Fri, 24 Jul 2026 01:13:36 GMT"
    run(server, only="spacecraft")
    moments = set(m.Spacecraft.objects.values_list("reported_at", flat=True))
    assert moments == {dt.datetime(2026, 7, 24, 1, 13, 36, tzinfo=dt.UTC)}


def test_without_a_date_header_the_figures_are_dated_as_an_import_dates_them(server, empty):
    run(server, only="spacecraft", page_size=100)
    synced = snapshot()
    call_command("import", "--kind", "spacecraft", str(RECORDED_DIR / "spacecraft.json"), stdout=io.StringIO())
    assert snapshot() == synced  # importing the same page as a file changes nothing
    assert m.Spacecraft.objects.filter(reported_at=None).exists()  # the pages that prove no moment


# LL2's limits and transient failures --------------------------------------------------------------
def test_429_waits_the_seconds_of_retry_after(server, empty):
    server.cue("spacecraft", offset=10, status=429, headers={"Retry-After": "7"},
               body=b'{"detail":"Request was throttled. Expected available in 7 seconds."}')
    waits = Waits()
    run(server, waits, only="spacecraft")
    assert waits == [7.0]
    assert offsets(server, "spacecraft") == [0, 10, 10, 20]
    assert ids("spacecraft") == set(m.Spacecraft.objects.values_list("pk", flat=True))


def test_429_waits_until_the_http_date_of_retry_after(server, empty):
    later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90), usegmt=True)
    server.cue("agencies", status=429, headers={"Retry-After": later})
    waits = Waits()
    run(server, waits, only="agencies")
    assert len(waits) == 1 and 80 <= waits[0] <= 90


def test_429_without_retry_after_asks_api_throttle(server, empty):
    server.throttle.update(current_use=15, next_use_secs=1631)
    server.cue("agencies", offset=10, status=429)
    waits = Waits()
    run(server, waits, only="agencies")
    assert waits == [1631.0]
    assert [r.endpoint for r in server.fetched()] == ["agencies", "agencies", "api-throttle", "agencies"]


def test_api_throttle_as_a_list_of_one_as_the_schema_says(server, empty):
    server.cue("agencies", status=429)
    server.cue("api-throttle", body=b'[{"your_request_limit":15,"limit_frequency_secs":3600,"current_use":15,'
                                    b'"next_use_secs":12,"ident":"127.0.0.1"}]')
    waits = Waits()
    run(server, waits, only="agencies")
    assert waits == [12.0]


def test_a_rate_limit_longer_than_max_wait_stops_the_sync_resumably(server, empty):
    server.cue("spacecraft", offset=10, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(SyncFailed) as caught:
        run(server, only="spacecraft", max_wait=600)
    assert str(caught.value).startswith(f"{server.base_url}spacecraft/?limit=10&mode=detailed&offset=10: LL2 asks to "
                                        f"wait 3600 s (more than --max-wait 600); run the same command later to resume")
    assert walk("spacecraft").next_url.endswith("offset=10") and m.Spacecraft.objects.count() == 10


def test_endless_429s_give_up(server, empty):
    server.cue("agencies", status=429, headers={"Retry-After": "0"}, times=None)
    with pytest.raises(SyncFailed,
                       match=r"agencies/\?limit=10&mode=detailed: still rate limited \(HTTP 429\) after 3 waits"):
        run(server, only="agencies", throttled_tries=3)


def test_503_is_retried_with_exponential_backoff(server, empty):
    server.cue("spacecraft_configurations", offset=20, status=503, times=3)
    waits = Waits()
    run(server, waits, only="spacecraft_configurations", tries=4, backoff=0.5)
    assert waits == [0.5, 1.0, 2.0]
    assert offsets(server, "spacecraft_configurations") == [0, 10, 20, 20, 20, 20, 30, 40]
    assert m.SpacecraftConfiguration.objects.count() == 46


def test_backoff_is_capped(server, empty):
    server.cue("agencies", status=500, times=4)
    waits = Waits()
    run(server, waits, only="agencies", tries=5, backoff=3, max_backoff=10)
    assert waits == [3, 6, 10, 10]


def test_a_timeout_is_retried(server, empty):
    server.cue("spacecraft", offset=20, sleep=1.5)  # the server answers after the client gave up
    waits, out = Waits(), io.StringIO()
    run(server, waits, LineReport(out), only="spacecraft", timeout=0.3)
    assert offsets(server, "spacecraft") == [0, 10, 20, 20]
    assert "offset=20: no answer within 0.3 s; trying again in 0.5 s" in out.getvalue()
    assert m.Spacecraft.objects.count() == 28


def test_a_lost_connection_is_retried_then_reported(empty):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = Waits()
    with pytest.raises(SyncFailed) as caught:
        sync(f"http://127.0.0.1:{port}/2.3.0/", options=Options(tries=3, backoff=1), sleep=waits)
    assert str(caught.value).startswith(
        f"http://127.0.0.1:{port}/2.3.0/agencies/?limit=100&mode=detailed: ConnectError")
    assert "(gave up after 3 tries); the pages applied before are kept" in str(caught.value)
    assert waits == [1, 2]


@pytest.mark.parametrize("cue", [
    {"truncate": True},
    {"body": b'{"count": 28, "next": null, "previous": null, "results": [{"id": 1'},
    {"body": b"<html>Bad gateway</html>"},
    {"body": b'[{"id": 1}]'},
    {"body": b'{"detail": "Not a page."}'},
    {"body": b'{"count": "many", "next": null, "previous": null, "results": []}'},
    {"body": b'{"count": 28, "next": "ftp://x/", "previous": null, "results": []}'},
    {"body": b'{"count": 28, "next": null, "previous": null, "results": [1, 2]}'},
], ids=["truncated", "cut-json", "html", "list", "no-envelope", "count", "next", "results"])
def test_an_invalid_page_is_fetched_again(server, empty, cue):
    server.cue("spacecraft", offset=10, **cue)
    run(server, only="spacecraft")
    assert offsets(server, "spacecraft") == [0, 10, 10, 20]
    assert m.Spacecraft.objects.count() == 28


def test_a_page_that_stays_invalid_stops_with_one_line_keeping_what_came_before(server, empty):
    server.cue("spacecraft", offset=20, body=b'{"count": 28, "next": nul', times=None)
    before = changes.current()
    with pytest.raises(CommandError) as caught:
        call_command("sync", "--base-url", server.base_url, "--page-size", "10", "--tries", "2", "--backoff", "0",
                     "--only", "spacecraft", stdout=io.StringIO())
    message = str(caught.value)
    assert "\n" not in message and caught.value.returncode == 1
    assert message.startswith(f"{server.base_url}spacecraft/?limit=10&mode=detailed&offset=20: not valid JSON (")
    assert message.endswith("(gave up after 2 tries); the pages applied before are kept: "
                            "run the same command again to resume")
    assert m.Spacecraft.objects.count() == 20 and changes.current() > before
    state = walk("spacecraft")
    assert (state.done, state.pages, state.offset, state.next_url) == (
        False, 2, 20, f"{server.base_url}spacecraft/?limit=10&mode=detailed&offset=20")
    assert SyncRun.objects.get().finished_at is None


def test_an_http_error_that_is_not_transient_stops_at_once(server, empty):
    server.cue("agencies", status=401, body=b'{"detail":"Invalid token."}')
    with pytest.raises(SyncFailed, match=r"agencies/\?limit=10&mode=detailed: HTTP 401: Invalid token\.; the pages"):
        run(server, api_key="wrong")
    assert len(server.fetched()) == 1 and not m.Agency.objects.exists()


def test_a_base_url_that_is_not_ll2_is_a_clear_error(server, empty):
    with pytest.raises(SyncFailed, match=r"/nothing/agencies/\?limit=10&mode=detailed: HTTP 404: Not found\."):
        sync(server.base_url.replace("/2.3.0/", "/nothing/"), options=Options(page_size=10), sleep=Waits())


def test_records_the_importer_refuses_stop_the_sync_without_retrying(server, empty):
    server.records["spacecraft"][14]["is_placeholder"] = "maybe"
    bad = server.records["spacecraft"][14]["id"]
    with pytest.raises(KeyboardInterrupt):
        run(server, report=InterruptAfter(1), only="spacecraft")
    after_page_1, version = snapshot(), changes.current()
    with pytest.raises(SyncFailed) as caught:
        run(server, only="spacecraft")
    assert str(caught.value).startswith(f"{server.base_url}spacecraft/?limit=10&mode=detailed&offset=10: record 4 "
                                        f"(id {bad}): is_placeholder: expected true or false, got 'maybe'; the pages")
    assert offsets(server, "spacecraft") == [0, 10]  # not fetched again: the same records would come
    assert snapshot() == after_page_1 and changes.current() == version
    assert walk("spacecraft").next_url.endswith("offset=10") and walk("spacecraft").pages == 1


# interrupted and resumed --------------------------------------------------------------------------
def test_a_sync_that_failed_after_page_k_resumes_there_and_ends_as_an_uninterrupted_one(server, empty):
    expected = uninterrupted(server)
    server.cue("spacecraft", offset=20, status=500, times=None)
    with pytest.raises(SyncFailed, match="HTTP 500 .gave up after 2 tries"):
        run(server, tries=2)
    assert [w.endpoint for w in SyncEndpoint.objects.filter(done=True)] == list(ENDPOINTS)[:3]
    server.clear_cues()
    server.requests.clear()
    result = run(server)
    assert result.resumed
    assert [r.endpoint for r in server.fetched()][:1] == ["spacecraft"]  # nothing before spacecraft again
    assert offsets(server, "spacecraft") == [20]
    assert offsets(server, "spacecraft_flights") == [0] and offsets(server, "docking_events") == [0]
    assert snapshot() == expected
    assert walk("spacecraft").pages == 3 and walk("spacecraft").records == 28


class InterruptAfter(Report):
    """Ctrl-C after the n-th page applied."""

    def __init__(self, pages):
        self.pages = pages

    def page_applied(self, walk, url, records):
        self.pages -= 1
        if self.pages == 0:
            raise KeyboardInterrupt


def test_ctrl_c_then_resume_fetches_nothing_twice(server, empty):
    expected = uninterrupted(server)
    with pytest.raises(KeyboardInterrupt):
        run(server, report=InterruptAfter(7))  # agencies 2, families 1, configurations 4 of 5
    fetched = [(r.endpoint, r.offset) for r in server.fetched()]
    server.requests.clear()
    run(server)
    again = [(r.endpoint, r.offset) for r in server.fetched()]
    assert again[0] == ("spacecraft_configurations", 40) and not set(again) & set(fetched)
    assert snapshot() == expected


def test_ctrl_c_in_the_command_says_how_to_resume(server, empty, monkeypatch):
    def ctrl_c(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(LineReport, "page_applied", ctrl_c)
    with pytest.raises(CommandError) as caught:
        call_command("sync", "--base-url", server.base_url, stdout=io.StringIO())
    assert caught.value.returncode == 130
    assert str(caught.value) == "interrupted; the pages applied before are kept: run the same command again to resume"


def test_a_crash_inside_a_page_writes_neither_its_data_nor_the_new_position(server, empty, monkeypatch):
    expected = uninterrupted(server)
    save = SyncEndpoint.save

    def crash(self, *args, **kwargs):
        if self.endpoint == "agencies" and self.pages == 2:
            raise RuntimeError("power cut")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(SyncEndpoint, "save", crash)
    with pytest.raises(RuntimeError):
        run(server)
    second_page = {r["id"] for r in RECORDED["agencies"][10:]}
    assert not m.Agency.objects.filter(pk__in=second_page).exists()
    assert m.Agency.objects.count() == 10
    assert walk("agencies").pages == 1 and walk("agencies").next_url.endswith("offset=10")
    monkeypatch.undo()
    server.requests.clear()
    run(server)
    assert offsets(server, "agencies") == [10]
    assert snapshot() == expected


def test_resuming_with_other_arguments_is_refused(server, empty):
    server.cue("spacecraft", status=500, times=None)
    with pytest.raises(SyncFailed):
        run(server, tries=1)
    server.clear_cues()
    with pytest.raises(SyncFailed) as caught:
        run(server, only="spacecraft")
    assert str(caught.value).startswith(f"an unfinished sync of {','.join(ENDPOINTS)} from {server.base_url} (started ")
    assert str(caught.value).endswith("run it again with the same --base-url and --only to resume it, "
                                      "or add --restart to discard it")


def test_restart_discards_an_unfinished_sync(server, empty):
    server.cue("spacecraft", offset=10, status=500, times=None)
    with pytest.raises(SyncFailed):
        run(server, tries=1, only="spacecraft")
    server.clear_cues()
    server.requests.clear()
    result = run(server, only="agencies", restart=True)
    assert not result.resumed and offsets(server, "agencies") == [0, 10]
    assert SyncRun.objects.get().endpoints == "agencies"


def test_a_completed_sync_starts_afresh_next_time(server, empty):
    run(server, only="agencies")
    first = SyncRun.objects.get()
    server.requests.clear()
    result = run(server, only="agencies")
    assert not result.resumed and offsets(server, "agencies") == [0, 10]
    assert SyncRun.objects.get().pk != first.pk  # the finished run's state was discarded


def test_the_command_in_its_own_process_stops_on_ctrl_c_and_resumes(server, tmp_path):
    """A real `spacedock sync` process on its own SQLite database, interrupted by SIGINT while it waits for a page."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'sync.sqlite3'}", SPACEDOCK_VAR_DIR=str(tmp_path))
    env.pop("SPACEDOCK_LL2_API_KEY", None)
    command = [sys.executable, "-m", "spacedock.cli"]
    migrated = subprocess.run([*command, "migrate", "--noinput"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    sync_args = [*command, "sync", "--base-url", server.base_url, "--page-size", "10"]
    server.cue("spacecraft", offset=10, sleep=60)
    process = subprocess.Popen(sync_args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while (("spacecraft", 10) not in [(r.endpoint, r.offset) for r in server.fetched()]
           and process.poll() is None and time.monotonic() < deadline):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == ("CommandError: interrupted; the pages applied before are kept: "
                                            "run the same command again to resume")
    assert out.splitlines()[-1] == (f"spacecraft: page 1, 10 records, 10/28 "
                                    f"({server.base_url}spacecraft/?limit=10&mode=detailed)")
    before = len(server.fetched())
    resumed = subprocess.run(sync_args, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[0].startswith("resuming the sync agencies, ")
    again = [(r.endpoint, r.offset) for r in server.fetched()[before:]]
    assert again == [("spacecraft", 10), ("spacecraft", 20), ("space_stations", 0), ("space_stations", 10),
                     ("spacecraft_flights", 0), ("docking_events", 0), ("expeditions", 0)]
    assert resumed.stdout.splitlines()[-1].startswith(
        "sync resumed and finished: 7 pages, 51 records, 7 requests this time")


# listings that change during the walk -------------------------------------------------------------
def test_a_record_removed_before_the_position_steps_back_so_nothing_is_skipped(server, empty):
    listing = RECORDED["spacecraft"]
    removed, would_be_skipped = listing[2]["id"], listing[10]["id"]
    server.cue("spacecraft", offset=10, before=lambda ll2: ll2.records["spacecraft"].pop(2))
    out = io.StringIO()
    run(server, report=LineReport(out), only="spacecraft")
    # Page 2 says count 27: the listing moved left by one, so offset 9 is fetched again and followed.
    assert offsets(server, "spacecraft") == [0, 10, 9, 19]
    assert "spacecraft: LL2's count fell from 28 to 27 during the walk; fetching again from offset 9" in out.getvalue()
    assert m.Spacecraft.objects.filter(pk=would_be_skipped).exists()
    assert m.Spacecraft.objects.filter(pk=removed).exists()  # seen on page 1, kept (no --prune)
    assert m.Spacecraft.objects.count() == 28
    assert walk("spacecraft").count == 27 and walk("spacecraft").done


def test_a_record_removed_between_two_runs_of_a_resumed_sync_is_not_skipped(server, empty):
    server.cue("spacecraft", offset=10, status=500, times=None)
    with pytest.raises(SyncFailed):
        run(server, only="spacecraft", tries=1)
    server.clear_cues()
    server.records["spacecraft"].pop(0)  # while the sync was stopped
    server.requests.clear()
    run(server, only="spacecraft")
    assert offsets(server, "spacecraft") == [10, 9, 19]
    assert ids("spacecraft") == set(m.Spacecraft.objects.values_list("pk", flat=True))


def test_a_record_added_during_the_walk_skips_nothing_and_comes_with_the_next_sync(server, empty):
    newcomer = {**RECORDED["spacecraft"][0], "id": 1, "url": "https://ll.thespacedevs.com/2.3.0/spacecraft/1/",
                "name": "Newcomer"}
    server.cue("spacecraft", offset=10, before=lambda ll2: ll2.records["spacecraft"].insert(0, newcomer))
    run(server, only="spacecraft")
    assert offsets(server, "spacecraft") == [0, 10, 20]  # shifted right: a record seen twice, none skipped
    assert ids("spacecraft") == set(m.Spacecraft.objects.values_list("pk", flat=True))
    assert walk("spacecraft").records == 29 and walk("spacecraft").count == 29
    run(server, only="spacecraft")
    assert m.Spacecraft.objects.filter(pk=1, name="Newcomer").exists()


# records that disappeared upstream ----------------------------------------------------------------
def remove(ll2, endpoint, pk):
    ll2.records[endpoint] = [r for r in ll2.records[endpoint] if r["id"] != pk]


def test_records_gone_upstream_are_kept_by_default(server, empty):
    run(server)
    remove(server, "spacecraft", 627)
    remove(server, "docking_events", 639)
    result = run(server)
    assert m.Spacecraft.objects.filter(pk=627).exists() and m.DockingEvent.objects.filter(pk=639).exists()
    assert result.pruned == {}


def test_prune_deletes_what_a_complete_walk_did_not_see(server, empty, api):
    run(server)
    tianzhou = m.Spacecraft.objects.get(pk=627)  # Tianzhou-10: its flight 908, its docking event 639
    dragon_config = m.Spacecraft.objects.exclude(pk=627).values_list("spacecraft_config_id", flat=True).first()
    remove(server, "spacecraft", tianzhou.pk)
    remove(server, "spacecraft_flights", 908)
    remove(server, "docking_events", 639)
    remove(server, "spacecraft_configurations", dragon_config)  # still used by a spacecraft LL2 lists
    remove(server, "agencies", 121)  # SpaceX: the manufacturer of families and agency of configurations
    version = changes.current()
    server.requests.clear()
    out = io.StringIO()
    call_command("sync", "--base-url", server.base_url, "--page-size", "10", "--prune", stdout=out)
    assert not m.Spacecraft.objects.filter(pk=627).exists()
    assert not m.SpacecraftFlight.objects.filter(pk=908).exists() and not m.DockingEvent.objects.filter(pk=639).exists()
    assert m.SpacecraftConfiguration.objects.filter(pk=dragon_config).exists()  # protected: kept, reported
    assert m.Agency.objects.filter(pk=121).exists()
    text = out.getvalue()
    assert "pruned docking_events: 1 deleted\n" in text and "pruned spacecraft_flights: 1 deleted\n" in text
    assert "pruned spacecraft: 1 deleted\n" in text
    assert f"pruned spacecraft_configurations: 0 deleted, 1 kept (still referenced: ids {dragon_config})" in text
    assert "pruned agencies: 0 deleted, 1 kept (still referenced: ids 121)" in text
    assert changes.current() > version
    status, _, _ = api("/2.3.0/spacecraft/627/")
    assert status == 404
    assert SyncRun.objects.get().finished_at is not None


def test_prune_touches_only_the_endpoints_walked(server, empty):
    run(server)
    remove(server, "spacecraft", 627)
    remove(server, "docking_events", 639)
    result = run(server, only="docking_events", prune=True)
    assert result.pruned == {"docking_events": (1, [])}
    assert m.Spacecraft.objects.filter(pk=627).exists() and not m.DockingEvent.objects.filter(pk=639).exists()


def test_prune_counts_what_was_seen_before_an_interruption(server, empty):
    run(server, only="spacecraft")
    server.cue("spacecraft", offset=20, status=500, times=None)
    with pytest.raises(SyncFailed):
        run(server, only="spacecraft", tries=1)
    server.clear_cues()
    result = run(server, only="spacecraft", prune=True)  # pages 1-2 seen in the first run, page 3 now
    assert result.pruned == {"spacecraft": (0, [])} and m.Spacecraft.objects.count() == 28


# what the user sees -------------------------------------------------------------------------------
def test_without_a_terminal_one_line_per_page(server, empty):
    out = io.StringIO()
    call_command("sync", "--base-url", server.base_url, "--only", "spacecraft", "--page-size", "10", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"syncing spacecraft from {server.base_url}"
    assert lines[1] == f"spacecraft: page 1, 10 records, 10/28 ({server.base_url}spacecraft/?limit=10&mode=detailed)"
    assert lines[3] == (f"spacecraft: page 3, 8 records, 28/28 "
                        f"({server.base_url}spacecraft/?limit=10&mode=detailed&offset=20)")
    assert lines[4] == "spacecraft: done, 28 in LL2's listing, 28 records applied"
    assert lines[5].startswith("sync finished: 3 pages, 28 records, 3 requests this time; LL2 counts spacecraft 28")


def test_on_a_terminal_a_progress_bar_per_endpoint(server, empty):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    run(server, report=RichReport(console))
    text = out.getvalue()
    for endpoint in ENDPOINTS:
        assert endpoint in text
    assert "46/46" in text and "28/28" in text and "/s" in text


def test_on_a_terminal_a_resumed_sync_shows_where_each_endpoint_stands(server, empty):
    with pytest.raises(KeyboardInterrupt):
        run(server, report=InterruptAfter(4))  # agencies and families done, configurations at 10 of 46
    out = io.StringIO()
    run(server, report=RichReport(Console(file=out, force_terminal=True, width=120, color_system=None)))
    text = out.getvalue()
    assert f"Resuming the sync from {server.base_url}\n" in text
    assert "18/18" in text and "46/46" in text


def test_helpers():
    assert retry_after("120") == 120.0 and retry_after(" 1.5 ") == 1.5 and retry_after("-3") == 0.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.UTC)) == 60
    assert retry_after("soon") is None and retry_after("") is None and retry_after(None) is None
    assert with_offset("http://h/2.3.0/spacecraft/?limit=10&mode=detailed&offset=30", 29).endswith(
        "?limit=10&mode=detailed&offset=29")
    assert with_offset("http://h/2.3.0/spacecraft/?offset=3&limit=10", 0) == "http://h/2.3.0/spacecraft/?limit=10"
    assert check_page(orjson.loads(b'{"count":0,"next":null,"previous":null,"results":[]}'))["count"] == 0


# A Spacedock syncing from another Spacedock ---------------------------------------------------------
def test_a_spacedock_syncs_from_another_spacedock(api, settings):
    """The source is this Spacedock's own API, called in-process (its WSGI application): its pages are
    recorded as `spacedock sync` walks them, the catalogue is emptied, and a sync from the recorded pages
    (an httpx transport) fills it again. Every endpoint then answers the same bytes (the clock pinned: the
    same moment)."""
    import httpx

    from .helpers import CAPTURE_MOMENT, wipe_catalogue

    settings.SPACEDOCK_NOW = CAPTURE_MOMENT
    base = "http://localhost/2.3.0/"
    recorded = {}
    for endpoint in ENDPOINTS:
        url = f"{base}{endpoint}/?limit=10&mode=detailed"
        while url:
            status, body, response = api(url)
            assert status == 200, url
            recorded[url] = response.content
            url = body["next"]

    def served(api_paths):
        out = {}
        for path in api_paths:
            mode = "" if path.startswith("config/") else "&mode=detailed"
            _, body, _ = api(f"/2.3.0/{path}/?limit=100{mode}", host="localhost")
            out[path] = body
            for row in body["results"]:
                out[f"{path}/{row['id']}"] = api(f"/2.3.0/{path}/{row['id']}/", host="localhost")[2].content
        return out

    paths = ["spacecraft", "spacecraft_flights", "space_stations", "docking_events", "expeditions", "agencies",
             "spacecraft_configurations", "config/docking_locations", "config/space_station_statuses"]
    before = served(paths)
    wipe_catalogue()
    replay = httpx.MockTransport(lambda request: httpx.Response(200, content=recorded[str(request.url)],
                                                                headers={"Content-Type": "application/json"}))
    result = sync(base, options=Options(page_size=10), sleep=Waits(), transport=replay)
    assert result.pages == len(recorded)
    after = served(paths)
    for key in before:
        assert after[key] == before[key], key
