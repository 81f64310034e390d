"""The benchmark harness's pure parts (bench/run.py, bench/ceiling.py), without running wrk for long."""
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import spare_port

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = load("run")

# Real output of `wrk --latency` (wrk 4.1.0, Debian), captured over loopback.
CEILING = """\
Running 3s test @ http://127.0.0.1:8191/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.76ms  769.13us   9.94ms   84.09%
    Req/Sec     2.29k   366.97     2.91k    76.67%
  Latency Distribution
     50%    1.71ms
     75%    1.89ms
     90%    2.28ms
     99%    5.23ms
  13683 requests in 3.00s, 425.30MB read
Requests/sec:   4559.90
Transfer/sec:    141.73MB
"""

REPEATED = """\
Running 2s test @ http://127.0.0.1:8191/x
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   808.50us  517.58us   8.60ms   96.07%
    Req/Sec     2.49k   486.88     3.78k    80.00%
  Latency Distribution
     50%  824.00us
     75%    0.90ms
     90%    1.04ms
     99%    3.61ms
  9903 requests in 2.00s, 307.81MB read
Requests/sec:   4950.32
Transfer/sec:    153.87MB
statuses: 200=9903 304=0 other=0
"""

NOT_FOUND = """\
Running 2s test @ http://127.0.0.1:8190/2.3.0/nope/?limit=100
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.19ms   14.44ms 175.61ms   98.11%
    Req/Sec   820.83    324.90     1.37k    65.00%
  Latency Distribution
     50%    2.02ms
     75%    3.14ms
     90%    3.97ms
     99%   92.31ms
  3271 requests in 2.00s, 693.55KB read
  Non-2xx or 3xx responses: 3271
Requests/sec:   1633.86
Transfer/sec:    346.43KB
"""

TIMEOUTS = """\
Running 4s test @ http://127.0.0.1:8192/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    22.41ms    2.95ms  31.75ms   89.47%
    Req/Sec    22.90     17.50    40.00     60.00%
  Latency Distribution
     50%   21.48ms
     75%   22.83ms
     90%   25.32ms
     99%   31.75ms
  46 requests in 4.02s, 5.12KB read
  Socket errors: connect 0, read 0, write 0, timeout 8
Requests/sec:     11.46
Transfer/sec:      1.28KB
"""


def test_parse_ceiling_sample():
    result = run.parse_wrk(CEILING)
    assert result["requests_per_sec"] == 4559.90
    assert result["p50_ms"] == pytest.approx(1.71)
    assert result["p99_ms"] == pytest.approx(5.23)
    assert result["requests"] == 13683
    assert result["non_2xx_3xx"] == 0 and result["socket_errors"] == {}
    assert "statuses" not in result
    assert result["read_bytes"] == round(425.30 * 2**20)  # repeated-full checks a whole page per answer with it
    assert run.parse_wrk(NOT_FOUND)["read_bytes"] == round(693.55 * 2**10)


def test_parse_microseconds_and_the_status_line_of_repeated_lua():
    result = run.parse_wrk(REPEATED)
    assert result["p50_ms"] == pytest.approx(0.824)  # "824.00us"
    assert result["p99_ms"] == pytest.approx(3.61)
    assert result["statuses"] == {"200": 9903, "304": 0, "other": 0}


def test_parse_errors():
    assert run.parse_wrk(NOT_FOUND)["non_2xx_3xx"] == 3271
    result = run.parse_wrk(TIMEOUTS)
    assert result["socket_errors"] == {"connect": 0, "read": 0, "write": 0, "timeout": 8}
    assert (result["requests_per_sec"], result["requests"]) == (11.46, 46)


@pytest.mark.parametrize("text, ms", [("850.00us", 0.85), ("1.71ms", 1.71), ("1.20s", 1200.0), ("2.00m", 120000.0)])
def test_time_units(text, ms):
    assert run._ms(text) == pytest.approx(ms)


def test_judge_ratios_targets_and_errors():
    rows = [
        {"case": "ceiling", "requests_per_sec": 1000.0, "p50_ms": 1.0},
        {"case": "normal-unique", "requests_per_sec": 250.0, "p50_ms": 10.0},
        {"case": "detailed-unique", "requests_per_sec": 110.0, "p50_ms": 20.0},
        {"case": "repeated-full", "requests_per_sec": 900.0, "p50_ms": 1.0, "non_2xx_3xx": 5},
        {"case": "revalidated-304", "requests_per_sec": 890.0, "p50_ms": 1.0},
        {"case": "search-sqlite", "requests_per_sec": 50.0, "p50_ms": 30.0},
        {"case": "rss", "rss_mb": 150.0},
        {"case": "search-postgres", "skipped": True},
    ]
    run.judge(rows)
    passed = {row["case"]: row["passed"] for row in rows}
    assert passed == {"ceiling": None, "normal-unique": True, "detailed-unique": False, "repeated-full": False,
                      "revalidated-304": False, "search-sqlite": False, "rss": True, "search-postgres": None}
    assert rows[1]["ratio_to_ceiling"] == pytest.approx(0.25)
    assert "5 errors" in rows[3]["note"]
    assert [line[7] for line in run.table_rows(rows)] == ["-", "PASS", "FAIL", "FAIL", "FAIL", "FAIL", "PASS", "SKIP"]


def test_targets():
    assert {case: bound for case, (_, bound, _) in run.TARGETS.items()} == {
        "normal-unique": 0.25, "keyed-unique": 0.90, "detailed-unique": 0.12, "repeated-full": 0.70,
        "revalidated-304": 0.90, "stations-unique": 0.25, "docking-events-unique": 0.25,
        "search-sqlite": 25.0, "search-postgres": 25.0, "rss": 200.0, "sustained": 10.0}


def test_the_ceiling_is_the_fastest_server_and_says_which():
    qualifiers = {"granian": {"requests_per_sec": 5000.0}, "gunicorn-sync": {"requests_per_sec": 2600.0},
                  "gunicorn-gthread": {"requests_per_sec": 2400.0}}
    assert run.best_ceiling(qualifiers) == "granian"
    assert run.best_ceiling({"a": {"requests_per_sec": 1.0}, "b": {"requests_per_sec": 1.0}}) == "a"
    runs = [{"requests_per_sec": rps, "p50_ms": 1.0, "p99_ms": 2.0} for rps in (5000.0, 4800.0)]
    row = run.ceiling_row(runs, "the page", "granian", qualifiers)
    assert row["server"] == "granian" and row["url"] == "bench/ceiling.py under granian"
    assert row["note"].startswith("granian (fastest of: granian 5,000, gunicorn-sync 2,600, gunicorn-gthread 2,400); ")
    assert row["requests_per_sec"] == pytest.approx(4900.0)


def test_ceiling_servers_run_the_ceiling_app_as_spacedock_serve_runs_its_app():
    from spacedock.ops.management.commands.serve import server_command

    assert set(run.CEILING_SERVERS) >= {"granian", "gunicorn-sync", "gunicorn-gthread"}
    assert run.CEILING_SERVERS["granian"][1](8101) == [*server_command(run.HOST, 8101, run.WORKERS, 1)[:-1],
                                                       "ceiling:application"]
    for name, (_, command) in run.CEILING_SERVERS.items():
        argv = command(8101)
        assert "8101" in " ".join(argv) and "ceiling:application" in argv and str(run.WORKERS) in argv, name
        assert not {"--access-log", "--access-logfile"} & set(argv), name


def test_rss_is_found_for_the_whole_process_tree():
    # granian master 10 -> workers 11, 12; a worker's own child 13; another server's 20 -> 21.
    parents = {10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert run.descendants(10, parents) == [11, 12, 13]
    assert run.descendants(21, parents) == []
    memory = run.worker_rss_mb(os.getpid())  # no child: the process itself
    assert memory["workers"] == 1 and memory["rss_mb"] > 1


def test_served_by_reads_the_first_line_of_spacedock_serve(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("bundled data: imported 81 records\n"
                   "serving http://127.0.0.1:8100/2.3.0/spacecraft/ with 2 worker(s), granian\n"
                   "[INFO] Starting granian\n")
    assert run.served_by(log) == "with 2 worker(s), granian"
    log.write_text("[INFO] nothing\n")
    assert run.served_by(log) is None


def test_each_case_is_compared_with_the_ceiling_around_it():
    runs = [{"requests_per_sec": rps, "p50_ms": 1.0, "p99_ms": 2.0} for rps in (1000.0, 800.0, 600.0)]
    rows = [run.ceiling_row(runs, "the page"),
            {"case": "normal-unique", "requests_per_sec": 220.0, "ceiling_rps": 900.0},
            {"case": "detailed-unique", "requests_per_sec": 90.0, "ceiling_rps": 700.0}]
    run.judge(rows)
    assert rows[0]["requests_per_sec"] == pytest.approx(800.0) and "mean of 3 runs: 1,000, 800, 600" in rows[0]["note"]
    # Against the mean (800) the first would pass (27.5 %) and the second fail (11.3 %): the ceiling around each counts.
    assert [row["ratio_to_ceiling"] for row in rows[1:]] == [pytest.approx(220 / 900), pytest.approx(90 / 700)]
    assert [row["passed"] for row in rows] == [None, False, True]


def test_ceiling_app_returns_its_bytes(tmp_path, monkeypatch):
    body = b'{"count":1,"next":null,"previous":null,"results":[]}'
    calls = []
    app = load("ceiling").make_app(body)
    assert b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/anything"}, lambda *a: calls.append(a))) == body
    assert calls == [("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])]

    page = tmp_path / "page.json"
    page.write_bytes(body)
    monkeypatch.setenv("BENCH_CEILING_BODY", str(page))
    assert load("ceiling").application({}, lambda *a: None) == [body]


def test_keyed_unique_is_judged_against_normal_unique():
    """Throttling and keys must cost under 10 % of a cold page: keyed-unique's ratio against normal-unique's."""
    rows = [{"case": "normal-unique", "requests_per_sec": 250.0, "ceiling_rps": 1000.0},
            {"case": "keyed-unique", "requests_per_sec": 230.0, "ceiling_rps": 1000.0},
            {"case": "keyed-unique", "requests_per_sec": 220.0, "ceiling_rps": 1000.0},
            {"case": "keyed-unique", "requests_per_sec": 240.0, "ceiling_rps": 1000.0, "non_2xx_3xx": 3}]
    run.judge(rows)
    assert [row["passed"] for row in rows] == [True, True, False, False]
    assert rows[1]["target"] == ">= 90 % of normal-unique"
    alone = [{"case": "keyed-unique", "requests_per_sec": 1.0, "ceiling_rps": 2.0}]
    run.judge(alone)
    assert alone[0]["passed"] is None  # without normal-unique: no verdict


def test_keyed_case_sends_its_key_with_wrk(monkeypatch):
    seen = {}

    def fake_run(command, **kwargs):
        seen["command"] = command
        return run.subprocess.CompletedProcess(command, 0, stdout="", stderr="")

    monkeypatch.setattr(run.subprocess, "run", fake_run)
    monkeypatch.setattr(run, "parse_wrk", lambda text: {"requests_per_sec": 1.0})
    run.run_wrk("http://127.0.0.1:1", 1, 2, "unique.lua", ("/p", 0, 1, 1, 2, "n"), ["Authorization: Token abc"])
    command = seen["command"]
    assert command[command.index("-H") + 1] == "Authorization: Token abc"
    assert command.index("-H") < command.index("http://127.0.0.1:1")


def test_sustained_is_judged_on_errors_and_memory_growth():
    rows = [{"case": "sustained", "requests_per_sec": 500.0, "rss_growth_pct": 3.0, "socket_errors": {}},
            {"case": "sustained", "requests_per_sec": 500.0, "rss_growth_pct": 25.0},
            {"case": "sustained", "requests_per_sec": 500.0, "rss_growth_pct": 1.0, "non_2xx_3xx": 2}]
    run.judge(rows)
    assert [row["passed"] for row in rows] == [True, False, False]
    assert rows[2]["note"].startswith("2 errors!")


def test_sustained_load_quick(tmp_path):
    """The sustained case for a few seconds (`make bench` runs it 5 minutes) against `spacedock serve` on the
    bundled data: wrk at saturation, no error, the workers' memory read before and after."""
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    port = spare_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SPACEDOCK_VAR_DIR=str(tmp_path))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if run.fetch(base + run.PAGE, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "spacedock serve did not answer"
            time.sleep(0.3)
        row = run.sustained_case("sustained", base, server.pid, seconds=3, connections=4, nonce="t")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    run.judge([row])
    assert row["requests"] > 10 and row["p99_ms"] is not None
    assert row["non_2xx_3xx"] == 0 and not any(row["socket_errors"].values()), row
    assert row["rss_start_mb"] > 10 and row["rss_end_mb"] > 10 and "worker RSS" in row["note"]
    assert row["target"] == "0 errors, RSS growth <= 10 %"


def test_stations_side_lists_are_held_to_the_spacecraft_lists_target():
    """The new list cases: every URL new, against the normal page's ceiling, at normal-unique's target."""
    assert run.TARGETS["stations-unique"] == run.TARGETS["docking-events-unique"] == run.TARGETS["normal-unique"]
    assert run.STATIONS_PAGE.startswith("/2.3.0/space_stations/?limit=100")
    assert run.DOCKING_EVENTS_PAGE == "/2.3.0/docking_events/?limit=100"


def test_a_cases_slices_are_merged_into_one_row():
    """A case runs in slices between slices of the ceiling: its row is their mean rate, median p50, highest
    p99, and every request and error counted."""
    parts = [{"requests_per_sec": 100.0, "p50_ms": 2.0, "p99_ms": 9.0, "requests": 300, "non_2xx_3xx": 0,
              "socket_errors": {"timeout": 1}, "note": "every URL new"},
             {"requests_per_sec": 200.0, "p50_ms": 1.0, "p99_ms": 5.0, "requests": 600, "non_2xx_3xx": 2,
              "socket_errors": {}, "note": "every URL new", "statuses": {"200": 1, "304": 599, "other": 0}},
             {"requests_per_sec": 150.0, "p50_ms": 1.5, "p99_ms": 7.0, "requests": 450, "non_2xx_3xx": 0,
              "socket_errors": {}, "note": "every URL new"}]
    row = run.merged(parts)
    assert row["requests_per_sec"] == 150.0 and row["p50_ms"] == 1.5 and row["p99_ms"] == 9.0
    assert row["requests"] == 1350 and row["non_2xx_3xx"] == 2 and row["socket_errors"]["timeout"] == 1
    assert row["statuses"] == {"200": 1, "304": 599, "other": 0} and row["slices"] == [100, 200, 150]


def test_cpu_per_request_is_weighted_by_requests_and_read_from_the_process_tree():
    """Each run reads the CPU time the server's processes spent (`cpu_us`, per request); a case's slices and
    the ceiling's runs weigh theirs by their requests; a run that measured none does not count."""
    runs = [{"requests": 100, "cpu_us": 50.0}, {"requests": 300, "cpu_us": 30.0}, {"requests": 200}]
    assert run.cpu_per_request(runs) == 35.0 and run.cpu_per_request([{"requests": 5}]) is None
    parts = [dict(part, requests_per_sec=1.0, p50_ms=1.0, p99_ms=1.0, socket_errors={}, note="") for part in runs]
    assert run.merged(parts)["cpu_us"] == 35.0
    assert run.ceiling_row(parts, "a page")["cpu_us"] == 35.0
    before = run.cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))  # a few tens of milliseconds of CPU
    assert run.cpu_seconds(os.getpid()) > before
    line = run.table_rows([dict(runs[1], case="c", target=None, passed=None)])[0]
    assert run.COLUMNS[4] == "CPU µs/req" and line[4] == "30.0"


def test_the_layers_floor_answers_as_spacedock_does_without_the_view(db, settings):
    """bench/layers.py (case `stations-layers`) stands for Spacedock's answer of the stations page with Django and
    the view left out: through the same layers, the same status, headers (in order) and bytes."""
    from spacedock import wsgi
    from spacedock.api.caching import reset_caches

    from .helpers import ONE_WINDOW, call_wsgi

    settings.SPACEDOCK_MAX_AGE = 30
    settings.SPACEDOCK_NOW = ONE_WINDOW
    ask = dict(path=run.STATIONS_PAGE + "&x=floor", host="127.0.0.1:8100", secure=False, HTTP_X_REQUEST_ID="floor")
    real = call_wsgi(wsgi.application, **ask)
    assert real.status_code == 200 and real.content.count(b'"url":') >= 15
    reset_caches()  # else the floor's request is a hit of the answer just kept, and its own app never runs
    floor = call_wsgi(load("layers").make_app(real.content), **ask)
    assert (floor.status_code, list(floor.items()), floor.content) == (200, list(real.items()), real.content)
