"""`make bench`: Spacedock under load, next to the bare-WSGI ceiling of the fastest Python server, same run.

Builds (once, then cached) a database of N synthetic spacecraft on SQLite (var/bench/) and on
PostgreSQL (database `spacedock_bench`) with `spacedock generate`, starts the server as production
runs it (`spacedock serve`, whichever server it runs; 2 workers) on 127.0.0.1, loads it with wrk, and
prints one table of req/s, p50, p99 and ratio to the ceiling per case, with the targets it is held to.
The same goes to bench/results.json (with the machine's facts) and bench/results.md (for the README).

Cases: `ceiling` (bench/ceiling.py returning the bytes of the `?limit=100` page, 2 workers, the same
malloc settings as `spacedock serve`): first served by each server of CEILING_SERVERS in turn (granian,
gunicorn sync, gunicorn gthread), the fastest of them is the ceiling, so that a case's ratio is to the
best any Python server does, not to the server Spacedock happens to run. Each case below then runs in
slices (--slices, 3 by default, of --seconds split between them), each slice between two slices of that
ceiling serving the same bytes, and is compared with the mean of the ceiling slices around its own: a
shared machine's speed drifts within minutes (seen here: the same ceiling from 3,900 to 8,100 req/s in
one run), and so both sides see the same drift. A case of pages never asked before (`*-unique`) first
runs one slice that is not measured, so that each worker's kept shapes of the rows it will page through
are warm, as in service: what is measured is a new URL's page, not the first rendering of every row.
`normal-unique` and `detailed-unique` (pages of 100, every URL new: bench/unique.lua);
`stations-unique` and `docking-events-unique` (the stations side's lists, every URL new, held to
normal-unique's target, each against the ceiling serving its own list's bytes);
`stations-layers` (no target: stations-unique's floor, bench/layers.py: Spacedock's own WSGI layers,
request id, metrics, keys and the response cache's miss, around the stations page's fixed bytes, with
no Django request and no view);
`keyed-unique` (normal-unique with throttling on and a valid API key on every request, against the same
ceiling: its ratio must be at least 90 % of normal-unique's, i.e. the checks cost under 10 % of a cold page);
`repeated-full` (one URL, plain GETs without conditional headers: the full body every time);
`revalidated-304` (one URL, revalidated with If-None-Match once the server sent an ETag:
bench/repeated.lua); `search-sqlite` and `search-postgres` (search + ordering + filter, offsets near
the end of the result, every URL new, 2 connections so that p50 is a request's own time, not time
queued behind another); `rss` (the largest VmRSS among the processes under `spacedock serve`'s pid,
its workers, after the SQLite load); `sustained` (--sustained-seconds, 5 minutes by default, at
saturation with every URL new: zero errors, and the workers' RSS after a warm-up against the end's).

    .venv/bin/python bench/run.py [--spacecraft 100000] [--seconds 10] [--regenerate] ...

Environment the caller sets (CACHE_URL, ...) reaches the servers unchanged. It is a measurement: the
exit status is 0 when targets are missed (they are listed), and non-zero only when it could not run.
"""
import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
VAR = ROOT / "var" / "bench"
DATASETS = VAR / "datasets.json"  # what each cached database was built with
SPACEDOCK = Path(sys.executable).parent / "spacedock"
WORKERS = 2  # as `spacedock serve` runs by default (measured best on 2 cores)
GTHREADS = 4  # gunicorn gthread's threads per worker, for its ceiling
# glibc settings `spacedock serve` runs with (its module says why): the ceiling servers get them too, so
# the ceiling is what a server can do at its best, not one slowed by a page fault per large response.
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(4 << 20), "MALLOC_TRIM_THRESHOLD_": str(16 << 20)}
WRK_THREADS = 2
HOST = "127.0.0.1"

PAGE = "/2.3.0/spacecraft/?limit=100"
SEARCH = PAGE + "&search=Soyuz&ordering=-time_in_space&in_space=false"

# case -> (what the target is about, bound, how it reads)
TARGETS = {
    "normal-unique": ("ratio", 0.25, ">= 25 % of ceiling"),
    # Throttling on and a key on every request: the checks must cost under 10 % of a cold page.
    "keyed-unique": ("relative", 0.90, ">= 90 % of normal-unique"),
    "detailed-unique": ("ratio", 0.12, ">= 12 % of ceiling"),
    # The stations side's lists, held to the spacecraft list's target (normal-unique).
    "stations-unique": ("ratio", 0.25, ">= 25 % of ceiling"),
    "docking-events-unique": ("ratio", 0.25, ">= 25 % of ceiling"),
    "repeated-full": ("ratio", 0.70, ">= 70 % of ceiling"),
    "revalidated-304": ("ratio", 0.90, ">= 90 % of ceiling"),
    "search-sqlite": ("p50", 25.0, "p50 <= 25 ms"),
    "search-postgres": ("p50", 25.0, "p50 <= 25 ms"),
    "rss": ("rss", 200.0, "<= 200 MB RSS"),
    "sustained": ("sustained", 10.0, "0 errors, RSS growth <= 10 %"),
}


# ---------------------------------------------------------------- wrk


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * _TIME_UNITS_MS[unit]


def parse_wrk(text: str) -> dict:
    """req/s, p50/p99 (ms), the request count and any errors, from the output of `wrk --latency`."""
    latency = {float(p): _ms(v) for p, v in re.findall(r"^\s*(\d+(?:\.\d+)?)%\s+([\d.]+[a-z]+)\s*$", text, re.M)}
    result = {
        "requests_per_sec": float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1)),
        "p50_ms": latency.get(50.0),
        "p99_ms": latency.get(99.0),
        "requests": int(re.search(r"^\s*(\d+) requests in ", text, re.M).group(1)),
        "non_2xx_3xx": 0,
        "socket_errors": {},
    }
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        result["non_2xx_3xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        result["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups())))
    if match := re.search(r"^statuses: 200=(\d+) 304=(\d+) other=(\d+)", text, re.M):  # bench/repeated.lua
        result["statuses"] = dict(zip(("200", "304", "other"), map(int, match.groups())))
    if match := re.search(r"^\s*\d+ requests in [\d.]+[a-z]+, ([\d.]+)([KMGT]?B) read", text, re.MULTILINE):
        result["read_bytes"] = round(float(match.group(1)) * _BYTE_UNITS[match.group(2)])
    return result


_BYTE_UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def run_wrk(url: str, seconds: int, connections: int, script: str | None = None, script_args=(), headers=()) -> dict:
    """wrk's result, and `cpu_us`: the CPU time (user and system) the server's processes spent per request."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(BENCH / script)]
    command += [url, "--", *map(str, script_args)] if script_args else [url]
    server = SERVERS.get(urllib.parse.urlsplit(url).port)
    before = cpu_seconds(server) if server else None
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    result = parse_wrk(done.stdout)
    result["connections"] = connections
    if before is not None and result["requests"]:
        result["cpu_us"] = (cpu_seconds(server) - before) / result["requests"] * 1e6
    return result


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds spent so far by pid and the processes under it (a server and its workers):
    less swayed by a shared machine's other load than req/s, which is the measure; this explains it."""
    total = 0
    for each in (pid, *descendants(pid)):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- servers


def fetch(url: str, timeout: float = 60.0) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


SERVERS: dict[int, int] = {}  # port -> pid of the server running there (`serving`), whose CPU `run_wrk` reads


@contextlib.contextmanager
def serving(name: str, command: list[str], port: int, env: dict, ready_path: str = PAGE, wait: float = 180.0):
    """Run a server in its own process group until the block ends (error or Ctrl-C included)."""
    with socket.socket() as probe:  # else the readiness check could be answered by someone else's server
        if probe.connect_ex((HOST, port)) == 0:
            raise RuntimeError(f"port {port} is already in use on {HOST}; pass another --port")
    log = VAR / f"server-{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    SERVERS[port] = process.pid
    try:
        deadline = time.monotonic() + wait
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the {name} server exited ({process.returncode}); {log}:\n{_log_tail(log)}")
            try:
                if fetch(f"http://{HOST}:{port}{ready_path}", timeout=30)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {name} server did not answer within {wait:.0f} s; {log}:\n{_log_tail(log)}")
            time.sleep(0.25)
        yield process
    finally:
        SERVERS.pop(port, None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def spacedock_server(name: str, port: int, database_url: str, **settings: str):
    env = dict(os.environ, DATABASE_URL=database_url, **settings)
    command = [str(SPACEDOCK), "serve", "--no-load", "--host", HOST, "--port", str(port), "--workers", str(WORKERS)]
    return serving(name, command, port, env)


def _granian(port: int) -> list[str]:
    # As `spacedock serve` runs granian (its server_command), with bench/ceiling.py as the application.
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", HOST, "--port", str(port),
            "--workers", str(WORKERS), "--blocking-threads", "1", "--http", "1", "--no-ws",
            "--workers-kill-timeout", "5", "--respawn-failed-workers", "--no-access-log", "ceiling:application"]


def _gunicorn(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--pythonpath", str(BENCH), "ceiling:application",
            "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), *extra]


# The servers the ceiling is measured under (WORKERS workers each, no access log): the fastest is the ceiling.
CEILING_SERVERS = {
    "granian": ("granian WSGI, 1 thread per worker", _granian),
    "gunicorn-sync": ("gunicorn sync", _gunicorn),
    "gunicorn-gthread": (f"gunicorn gthread, {GTHREADS} threads per worker",
                         lambda port: _gunicorn(port, "--worker-class", "gthread", "--threads", str(GTHREADS))),
}


def ceiling_server(name: str, port: int, body_file: Path):
    env = dict(MALLOC, **os.environ, BENCH_CEILING_BODY=str(body_file))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
    return serving(f"ceiling-{name}-{body_file.stem}", CEILING_SERVERS[name][1](port), port, env, ready_path="/")


def best_ceiling(qualifiers: dict) -> str:
    """The name of the ceiling server with the most req/s (ties: the first listed)."""
    return max(qualifiers, key=lambda name: qualifiers[name]["requests_per_sec"])


def served_by(log: Path) -> str | None:
    """What `spacedock serve` says it serves with, from its first line (`serving http://... with ...`)."""
    for line in _log_tail(log, 200).splitlines():
        if match := re.match(r"serving http://\S+ (.+)", line):
            return match.group(1)
    return None


def warm_up(base: str) -> None:
    """A few requests to URLs no case asks for, so each worker has run the code paths once."""
    for n in range(4):
        for extra in ("", "&mode=detailed"):
            fetch(f"{base}{PAGE}{extra}&warmup={n}")


def descendants(pid: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every process under pid (children, theirs, ...), from /proc or from a {pid: parent pid} map."""
    if parents is None:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, todo = [], list(children.get(pid, ()))
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], ())
    return sorted(found)


def worker_rss_mb(master_pid: int) -> dict:
    """VmRSS and VmHWM (peak) in MB of the largest process under master_pid: a worker, whichever server
    `spacedock serve` runs (gunicorn's and granian's workers are its children; a server whose workers
    were threads of master_pid would be measured as master_pid itself)."""
    rss, peak = [], []
    for pid in descendants(master_pid) or [master_pid]:
        try:
            status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if ":" in line)
            rss.append(int(status["VmRSS"].split()[0]) / 1024)
            peak.append(int(status["VmHWM"].split()[0]) / 1024)
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return {"workers": len(rss), "rss_mb": max(rss, default=None), "peak_mb": max(peak, default=None)}


# ---------------------------------------------------------------- datasets


def _load_datasets() -> dict:
    try:
        return json.loads(DATASETS.read_text())
    except (OSError, ValueError):
        return {}


def _save_datasets(datasets: dict) -> None:
    DATASETS.write_text(json.dumps(datasets, indent=2) + "\n")


def _postgres(url: str, dbname: str = "postgres"):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(parts._replace(path="/" + dbname).geturl(), connect_timeout=3, autocommit=True)


def postgres_answers(url: str) -> bool:
    try:
        _postgres(url).close()
        return True
    except Exception:
        return False


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _database_exists(kind: str, url: str) -> bool:
    if kind == "sqlite":
        return _sqlite_path(url).exists()
    with _postgres(url) as connection:
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _empty_database(kind: str, url: str) -> None:
    if kind == "sqlite":
        path = _sqlite_path(url)
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        return
    from psycopg import sql

    name = sql.Identifier(urllib.parse.urlsplit(url).path.lstrip("/"))
    with _postgres(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def ensure_dataset(kind: str, url: str, spacecraft: int, seed: int, regenerate: bool) -> None:
    """The database at url holds the bundled data plus `spacecraft` generated ones: cached, else built."""
    wanted = {"spacecraft": spacecraft, "seed": seed, "url": url}
    datasets = _load_datasets()
    if not regenerate and datasets.get(kind) == wanted and _database_exists(kind, url):
        print(f"== {kind}: cached dataset of {spacecraft:,} generated spacecraft ({url})", flush=True)
        return
    commands = subprocess.run([str(SPACEDOCK), "help", "--commands"], capture_output=True, text=True).stdout.split()
    if "generate" not in commands:
        raise RuntimeError("`spacedock generate` is not available in this checkout; it builds the benchmark dataset")
    print(f"== {kind}: building a dataset of {spacecraft:,} generated spacecraft ({url})", flush=True)
    datasets.pop(kind, None)
    _save_datasets(datasets)
    _empty_database(kind, url)
    env = dict(os.environ, DATABASE_URL=url)
    steps = [
        ["migrate", "--verbosity", "0"],
        ["import", *map(str, sorted((ROOT / "src" / "spacedock" / "data").glob("*.json")))],
        ["generate", "--spacecraft", str(spacecraft), "--seed", str(seed)],
    ]
    for step in steps:
        started = time.monotonic()
        subprocess.run([str(SPACEDOCK), *step], cwd=ROOT, env=env, check=True)
        print(f"   spacedock {step[0]}: {time.monotonic() - started:.0f} s", flush=True)
    datasets[kind] = wanted
    _save_datasets(datasets)


# ---------------------------------------------------------------- the run


def search_case(name: str, base: str, seconds: int, nonce: str) -> dict:
    """search + ordering + filter at offsets near the end of its result (10 offsets, then &x= rounds)."""
    status, _, body = fetch(base + SEARCH)
    if status != 200:
        raise RuntimeError(f"{base}{SEARCH} answered {status}")
    count = json.loads(body)["count"]
    first = max(0, count - 109)
    result = run_wrk(base, seconds, 2, "unique.lua", (SEARCH, first, 1, 10, WRK_THREADS, nonce))
    return dict(result, case=name, url=f"{SEARCH}&offset={first}..{first + 9}", count=count,
                note=f"count {count:,}, offsets {first:,}-{first + 9:,}")


def sustained_case(name: str, base: str, server_pid: int, seconds: int, connections: int, nonce: str) -> dict:
    """Saturation for `seconds` (every URL new, so every request is work): no error of any kind, and the
    workers' memory flat: their largest VmRSS after a warm-up (a tenth of the time, at most 30 s, so that
    caches have filled) against the same at the end."""
    script_args = (PAGE, 0, 100, 100, WRK_THREADS, nonce)
    warm = max(1, min(30, seconds // 10))
    run_wrk(base, warm, connections, "unique.lua", (*script_args[:-1], nonce + "w"))
    start = worker_rss_mb(server_pid)
    result = run_wrk(base, seconds, connections, "unique.lua", script_args)
    end = worker_rss_mb(server_pid)
    growth = (end["rss_mb"] / start["rss_mb"] - 1) * 100 if start["rss_mb"] and end["rss_mb"] else None
    note = (f"{seconds} s at saturation, every URL new; worker RSS {start['rss_mb'] or 0:.0f} -> "
            f"{end['rss_mb'] or 0:.0f} MB ({growth if growth is not None else float('nan'):+.1f} %)")
    return dict(result, case=name, url=f"{PAGE}&offset=0..9900&x=<n>", rss_start_mb=start["rss_mb"],
                rss_end_mb=end["rss_mb"], rss_growth_pct=growth, note=note)


def ceiling_run(url: str, args, n: int) -> dict:
    print(f"-- ceiling ({n})", flush=True)
    return run_wrk(url, args.seconds, args.connections)


def ceiling_row(runs: list[dict], what: str, server: str | None = None, qualifiers: dict | None = None) -> dict:
    """The ceiling's row: the mean of its runs (one before the first case and one after each), under the
    fastest server of the qualifiers (name -> wrk result)."""
    mean = lambda key: sum(run[key] for run in runs) / len(runs)  # noqa: E731
    note = f"{what}; mean of {len(runs)} runs: " + ", ".join(f"{run['requests_per_sec']:,.0f}" for run in runs)
    if qualifiers:
        note = (f"{server} (fastest of: " + ", ".join(f"{name} {result['requests_per_sec']:,.0f}" for name, result
                                                     in qualifiers.items()) + "); " + note)
    return {"case": "ceiling", "url": "bench/ceiling.py" + (f" under {server}" if server else ""), "server": server,
            "requests_per_sec": mean("requests_per_sec"), "p50_ms": mean("p50_ms"), "p99_ms": mean("p99_ms"),
            "cpu_us": cpu_per_request(runs), "runs": runs, "qualifiers": qualifiers or {}, "note": note}


def full_case(name: str, base: str, args, page_bytes: int) -> dict:
    """One URL, plain GETs with no conditional header: every answer is the whole page."""
    result = run_wrk(base + PAGE, args.seconds, args.connections)
    per_answer = result.get("read_bytes", 0) / max(1, result["requests"])
    row = dict(result, case=name, url=PAGE, note=f"full body: {per_answer / 1024:,.0f} KB per answer")
    if per_answer < 0.9 * page_bytes:  # wrk's read bytes are rounded to 2 decimals of their unit
        row["note"] = f"!! answers shorter than the page ({page_bytes:,} bytes); " + row["note"]
        row["non_2xx_3xx"] = row.get("non_2xx_3xx", 0) or result["requests"]
    return row


def revalidated_case(name: str, base: str, args) -> dict:
    """One URL, revalidated with If-None-Match once the server sent an ETag (bench/repeated.lua)."""
    result = run_wrk(base + PAGE, args.seconds, args.connections, "repeated.lua")
    statuses = result.get("statuses", {})
    share = statuses.get("304", 0) / max(1, sum(statuses.values()))
    return dict(result, case=name, url=PAGE, note=f"304 Not Modified: {share:.0%}")


def unique_case(name: str, base: str, args, extra: str, nonce: str, headers=(), page: str = PAGE,
                steps: int = 100) -> dict:
    """Pages of 100 of `page`, every URL new: offsets 0, 100, ... (`steps` of them), then again with a new `x`."""
    script_args = (page + extra, 0, 100, steps, WRK_THREADS, nonce)
    result = run_wrk(base, args.seconds, args.connections, "unique.lua", script_args, headers)
    offsets = f"0..{(steps - 1) * 100}" if steps > 1 else "0"
    return dict(result, case=name, url=f"{page}{extra}&offset={offsets}&x=<n>", note="every URL new")


STATIONS_PAGE = "/2.3.0/space_stations/?limit=100"  # every station (15) on one page
DOCKING_EVENTS_PAGE = "/2.3.0/docking_events/?limit=100"
# The pages whose bytes a ceiling serves, each for the cases asking pages like it.
CEILING_PAGES = {"normal": PAGE, "detailed": PAGE + "&mode=detailed", "stations": STATIONS_PAGE,
                 "docking": DOCKING_EVENTS_PAGE}


# Limits on (far above what the bench sends, so no request is refused), for keyed-unique.
KEYED_RATE = "1000000000/day"


@contextlib.contextmanager
def keyed_server(args, database_url: str, nonce: str):
    """A server of its own (port + 4) with throttling on and a new valid key: yields its base URL and the
    header that sends the key, so that each request looks its key up and counts it."""
    env = dict(os.environ, DATABASE_URL=database_url)
    key_name = f"bench-{nonce}"
    key = subprocess.run([str(SPACEDOCK), "keys", "create", key_name], env=env, capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    try:
        base = f"http://{HOST}:{args.port + 4}"
        with spacedock_server("keyed", args.port + 4, database_url, SPACEDOCK_ANON_RATE=KEYED_RATE,
                              SPACEDOCK_KEY_RATE=KEYED_RATE):
            warm_up(base)
            yield base, [f"Authorization: Token {key}"]
    finally:
        subprocess.run([str(SPACEDOCK), "keys", "revoke", key_name], env=env, capture_output=True, timeout=60)


@contextlib.contextmanager
def layers_server(args, database_url: str, body_file: Path):
    """bench/layers.py on port + 7 as `spacedock serve` runs the app (granian, its settings, a metrics folder
    of its own): Spacedock's WSGI layers around the fixed bytes of `body_file`. Yields its base URL."""
    metrics = VAR / "prometheus-layers"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    env = dict(MALLOC, **os.environ, DATABASE_URL=database_url, BENCH_CEILING_BODY=str(body_file),
               PROMETHEUS_MULTIPROC_DIR=str(metrics))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))
    command = [*_granian(args.port + 7)[:-1], "layers:application"]
    with serving("layers", command, args.port + 7, env, ready_path=STATIONS_PAGE):
        yield f"http://{HOST}:{args.port + 7}", []


def cpu_per_request(runs: list[dict]) -> float | None:
    """The server's CPU µs per request over runs (weighted by their requests), None when none measured it."""
    measured = [run for run in runs if run.get("cpu_us") is not None and run.get("requests")]
    if not measured:
        return None
    return sum(run["cpu_us"] * run["requests"] for run in measured) / sum(run["requests"] for run in measured)


def merged(parts: list[dict]) -> dict:
    """One result of a case's slices (each as long as the others): mean req/s, median p50, highest p99,
    counts and errors summed; the last slice's note."""
    p50s = sorted(part["p50_ms"] for part in parts if part.get("p50_ms") is not None)
    row = dict(parts[-1])
    row.update(
        requests_per_sec=sum(part["requests_per_sec"] for part in parts) / len(parts),
        p50_ms=p50s[len(p50s) // 2] if p50s else None,
        p99_ms=max((part["p99_ms"] for part in parts if part.get("p99_ms") is not None), default=None),
        requests=sum(part["requests"] for part in parts),
        non_2xx_3xx=sum(part.get("non_2xx_3xx", 0) for part in parts),
        socket_errors={kind: sum(part.get("socket_errors", {}).get(kind, 0) for part in parts)
                       for kind in ("connect", "read", "write", "timeout")},
        slices=[round(part["requests_per_sec"]) for part in parts],
        cpu_us=cpu_per_request(parts),
    )
    if any("statuses" in part for part in parts):
        row["statuses"] = {code: sum(part.get("statuses", {}).get(code, 0) for part in parts)
                           for code in ("200", "304", "other")}
    return row


def qualify_ceilings(args, body_file: Path) -> dict:
    """Each ceiling server in turn, on port + 1: name -> its wrk result."""
    qualifiers = {}
    for name in CEILING_SERVERS:
        with ceiling_server(name, args.port + 1, body_file):
            url = f"http://{HOST}:{args.port + 1}"
            for _ in range(8):
                fetch(url + "/")
            print(f"-- ceiling under {name}", flush=True)
            qualifiers[name] = run_wrk(url, args.seconds, args.connections)
    return qualifiers


def run_cases(args) -> tuple[list[dict], dict]:
    VAR.mkdir(parents=True, exist_ok=True)
    sqlite_url = f"sqlite:///{VAR / 'spacedock.sqlite3'}"
    ensure_dataset("sqlite", sqlite_url, args.spacecraft, args.seed, args.regenerate)
    postgres = None if args.no_postgres else args.postgres_url
    if postgres and not postgres_answers(postgres):
        print(f"!! PostgreSQL does not answer at {postgres}: search-postgres is skipped", flush=True)
        postgres = None
    if postgres:
        ensure_dataset("postgres", postgres, args.spacecraft, args.seed, args.regenerate)

    nonce = str(int(time.time()))  # keeps this run's URLs apart from any earlier run's, in a shared cache
    rows, facts = [], {}
    base = f"http://{HOST}:{args.port}"
    with spacedock_server("sqlite", args.port, sqlite_url) as server:
        page = fetch(base + PAGE)[2]
        facts["spacecraft_served"] = json.loads(page)["count"]
        facts["server"] = served_by(VAR / "server-sqlite.log")
        print(f"== serving {facts['spacecraft_served']:,} spacecraft from SQLite on {base} ({facts['server']})",
              flush=True)
        body_file = VAR / "ceiling-page.json"
        body_file.write_bytes(page)
        warm_up(base)
        qualifiers = qualify_ceilings(args, body_file)
        best = best_ceiling(qualifiers)
        facts["ceiling_server"] = f"{best}: {CEILING_SERVERS[best][0]}, {WORKERS} workers"
        facts["ceiling_servers"] = {name: result["requests_per_sec"] for name, result in qualifiers.items()}
        print(f"== the ceiling is bench/ceiling.py under {facts['ceiling_server']}", flush=True)
        # Each case is compared with that server serving the same bytes as the case's pages: the normal page
        # of 100 spacecraft, the detailed one, the stations list, the docking events list.
        files = {"normal": body_file}
        for body, path in CEILING_PAGES.items():
            if body != "normal":
                files[body] = VAR / f"ceiling-{body}.json"
                files[body].write_bytes(fetch(base + path)[2])
        with contextlib.ExitStack() as stack:
            ceiling_urls = {}
            for body, port in zip(files, (args.port + 1, args.port + 3, args.port + 5, args.port + 6)):
                stack.enter_context(ceiling_server(best, port, files[body]))
                ceiling_urls[body] = f"http://{HOST}:{port}"
            for url in ceiling_urls.values():
                for _ in range(8):
                    fetch(url + "/")
            sliced = argparse.Namespace(**{**vars(args), "seconds": max(2, -(-args.seconds // args.slices))})
            ceilings = {body: [ceiling_run(url, sliced, 1)] for body, url in ceiling_urls.items()}
            plain = lambda: contextlib.nullcontext((base, []))  # noqa: E731 - the SQLite server as it is
            cases = [  # name, the ceiling's page, the server (base URL, headers), one slice of the case
                ("normal-unique", "normal", plain,
                 lambda name, url, a, n, h: unique_case(name, url, a, "", n, headers=h)),
                ("keyed-unique", "normal", lambda: keyed_server(args, sqlite_url, nonce),
                 lambda name, url, a, n, h: dict(unique_case(name, url, a, "", n, headers=h),
                                                 note=f"every URL new, a key on each, limits {KEYED_RATE}")),
                ("detailed-unique", "detailed", plain,
                 lambda name, url, a, n, h: unique_case(name, url, a, "&mode=detailed", n)),
                ("repeated-full", "normal", plain, lambda name, url, a, n, h: full_case(name, url, a, len(page))),
                ("revalidated-304", "normal", plain, lambda name, url, a, n, h: revalidated_case(name, url, a)),
                ("stations-unique", "stations", plain,
                 lambda name, url, a, n, h: unique_case(name, url, a, "", n, page=STATIONS_PAGE, steps=1)),
                ("stations-layers", "stations", lambda: layers_server(args, sqlite_url, files["stations"]),
                 lambda name, url, a, n, h: dict(unique_case(name, url, a, "", n, page=STATIONS_PAGE, steps=1),
                                                 note="every URL new; no target: the floor of stations-unique "
                                                      "(bench/layers.py)")),
                ("docking-events-unique", "docking", plain,
                 lambda name, url, a, n, h: unique_case(name, url, a, "", n, page=DOCKING_EVENTS_PAGE)),
            ]
            chosen = set(filter(None, args.cases.split(",")))
            # Each case runs in slices, each between two slices of the ceiling serving the same bytes: a
            # shared machine's speed drifts within minutes, and both sides then see the same drift.
            for name, body, server_of, one_slice in cases:
                if chosen and name not in chosen:
                    continue
                print(f"-- {name} ({args.slices} slices of {sliced.seconds} s)", flush=True)
                runs = ceilings[body]
                around = [runs[-1]]
                parts = []
                with server_of() as (url, headers):
                    if name.endswith("-unique"):  # one slice first, not measured: the worker's kept shapes warm
                        one_slice(name, url, sliced, f"{nonce}{name}warm", headers)
                    for i in range(args.slices):
                        parts.append(one_slice(name, url, sliced, f"{nonce}{name}{i}", headers))
                        runs.append(ceiling_run(ceiling_urls[body], sliced, len(runs) + 1))
                        around.append(runs[-1])
                row = merged(parts)
                row["case"] = name
                row["ceiling_rps"] = sum(run["requests_per_sec"] for run in around) / len(around)
                row["note"] += f"; ceiling ({body} page) around its slices {row['ceiling_rps']:,.0f} req/s"
                rows.append(row)
        rows.insert(0, ceiling_row(ceilings["normal"], f"the {len(page):,} bytes of {PAGE}", best, qualifiers))
        for position, body in enumerate(("detailed", "stations", "docking"), start=1):
            what = f"the {files[body].stat().st_size:,} bytes of {CEILING_PAGES[body]}"
            rows.insert(position, dict(ceiling_row(ceilings[body], what, best), case=f"ceiling-{body}"))
        if not chosen or "search-sqlite" in chosen:
            print("-- search-sqlite", flush=True)
            rows.append(search_case("search-sqlite", base, args.seconds, nonce))
        memory = worker_rss_mb(server.pid)
        rows.append({"case": "rss", "url": "processes under spacedock serve after the SQLite cases", **memory,
                     "note": f"max VmRSS of {memory['workers']} worker(s) {memory['rss_mb']:.0f} MB "
                             f"(peak {memory['peak_mb']:.0f} MB)" if memory["rss_mb"] else "no worker found"})
        if args.sustained_seconds > 0 and (not chosen or "sustained" in chosen):
            print(f"-- sustained ({args.sustained_seconds} s)", flush=True)
            rows.append(sustained_case("sustained", base, server.pid, args.sustained_seconds, args.connections,
                                       nonce + "s"))
    if postgres and chosen and "search-postgres" not in chosen:
        postgres = None
    if postgres:
        base = f"http://{HOST}:{args.port + 2}"
        with spacedock_server("postgres", args.port + 2, postgres):
            warm_up(base)
            print("-- search-postgres", flush=True)
            rows.append(search_case("search-postgres", base, args.seconds, nonce))
    else:
        rows.append({"case": "search-postgres", "url": SEARCH, "skipped": True, "note": "skipped: no PostgreSQL"})
    return rows, facts


def judge(rows: list[dict]) -> None:
    """Adds ratio to the ceiling (measured around the case when it was, else the ceiling row's), the target and
    whether it is met (None: no target, or skipped)."""
    ceiling = next((r["requests_per_sec"] for r in rows if r["case"] == "ceiling"), None)
    for row in rows:
        rps = row.get("requests_per_sec")
        around = row.get("ceiling_rps") or ceiling  # the ceiling measured around the case, when it was
        row["ratio_to_ceiling"] = rps / around if rps is not None and around else None
        kind, bound, text = TARGETS.get(row["case"], (None, None, ""))
        row["target"] = text
        errors = row.get("non_2xx_3xx", 0) + sum(row.get("socket_errors", {}).values())
        if errors:
            row["note"] = f"{errors:,} errors! " + row.get("note", "")
        value = {"ratio": row["ratio_to_ceiling"], "p50": row.get("p50_ms"), "rss": row.get("rss_mb")}.get(kind)
        if kind == "relative":  # keyed-unique: its ratio to the ceiling, against normal-unique's
            plain = next((r for r in rows if r["case"] == "normal-unique"), {}).get("ratio_to_ceiling")
            value = row["ratio_to_ceiling"] / plain if plain and row["ratio_to_ceiling"] is not None else None
        if kind == "sustained":  # zero errors, and memory flat
            value = row.get("rss_growth_pct")
        if kind is None or row.get("skipped") or value is None:
            row["passed"] = None
        elif kind in ("ratio", "relative"):
            row["passed"] = value >= bound and not errors
        else:
            row["passed"] = value <= bound and not errors


def machine_facts() -> dict:
    def first(path, key, separator=":"):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(separator, 1)[1].strip().strip('"')
        return None

    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    facts = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": first("/proc/cpuinfo", "model name"),
        "memory_gb": round(int(first("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024, 1),
        "os": first("/etc/os-release", "PRETTY_NAME", "="),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk.stdout + wrk.stderr).splitlines()[0].split("Copyright")[0].strip(),
    }
    with contextlib.suppress(Exception):
        import django

        facts["django"] = django.get_version()
    for server in ("granian", "gunicorn"):
        with contextlib.suppress(Exception):
            facts[server] = __import__(server).__version__
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    facts["commit"] = commit.stdout.strip() or None
    return facts


def _cache_settings() -> dict:
    """Cache-related variables the servers inherit, without passwords."""
    found = {}
    for name, value in os.environ.items():
        if name.startswith(("CACHE", "SPACEDOCK_")) or "REDIS" in name:
            parts = urllib.parse.urlsplit(value)
            if parts.password:
                value = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
            found[name] = value
    return found


# ---------------------------------------------------------------- output


COLUMNS = ("case", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "of ceiling", "target", "result", "note")


def _number(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.{digits}f}" if value >= 10 else f"{value:.{digits + 1}f}"


def table_rows(rows: list[dict]) -> list[tuple[str, ...]]:
    result = {True: "PASS", False: "FAIL", None: "-"}
    return [(
        row["case"],
        _number(row.get("requests_per_sec")),
        _number(row.get("p50_ms")),
        _number(row.get("p99_ms")),
        _number(row.get("cpu_us")),
        "-" if row.get("ratio_to_ceiling") is None else f"{row['ratio_to_ceiling']:.1%}",
        row["target"] or "-",
        "SKIP" if row.get("skipped") else result[row["passed"]],
        row.get("note", ""),
    ) for row in rows]


def print_table(rows: list[dict], title: str) -> None:
    lines = table_rows(rows)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(c), *(len(line[i]) for line in lines)) for i, c in enumerate(COLUMNS)]
        numeric = {1, 2, 3, 4, 5}

        def fmt(cells):
            return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

        print(f"\n{title}\n{fmt(COLUMNS)}\n{'  '.join('-' * w for w in widths)}")
        for line in lines:
            print(fmt(line).rstrip())
        return
    table = Table(title=title)
    for i, column in enumerate(COLUMNS):
        table.add_column(column, justify="right" if i in {1, 2, 3, 4, 5} else "left")
    for line in lines:
        style = {"PASS": "green", "FAIL": "bold red"}.get(line[7])
        table.add_row(*line[:7], f"[{style}]{line[7]}[/]" if style else line[7], line[8])
    Console().print(table)


def markdown(rows: list[dict], results: dict) -> str:
    m = results["machine"]
    s = results["settings"]
    head = (f"{s['spacecraft_served']:,} spacecraft, wrk -t{WRK_THREADS} -c{s['connections']} (search: -c2) "
            f"-d{s['seconds']}s over loopback; `spacedock serve` {s.get('server') or '(server not reported)'}; "
            f"ceiling under {s.get('ceiling_server')}, the fastest of "
            + ", ".join(f"{name} {rps:,.0f} req/s" for name, rps in s.get("ceiling_servers", {}).items())
            + f"; {m['date'][:10]}, {m['nproc']} cores "
            f"({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, SQLite {m['sqlite']}"
            + (f", PostgreSQL {m['postgres']}" if m.get("postgres") else "") + f", commit {m['commit']}.")
    lines = [head, "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in table_rows(rows)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spacecraft", type=int, default=100_000, help="generated spacecraft (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="seed for `spacedock generate` (default 1)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk case (default 10)")
    parser.add_argument("--connections", type=int, default=4,
                        help="wrk connections for the throughput cases (default 4)")
    parser.add_argument("--port", type=int, default=8100,
                        help="SQLite server; the ceilings on +1, +3, +5 and +6, PostgreSQL on +2, keyed on +4, "
                             "bench/layers.py on +7 (default 8100)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/spacedock_bench")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL case")
    parser.add_argument("--sustained-seconds", type=int, default=300,
                        help="length of the sustained-load case at saturation (default 300; 0 skips it)")
    parser.add_argument("--slices", type=int, default=3,
                        help="slices each case runs in, between slices of the ceiling (default 3)")
    parser.add_argument("--cases", default="",
                        help="comma-separated cases to run (default: all); the ceiling always runs")
    parser.add_argument("--output", type=Path, default=BENCH / "results.json",
                        help="JSON results (a .md is written beside it)")
    args = parser.parse_args(argv)
    if args.connections < WRK_THREADS or args.seconds < 1 or args.spacecraft < 0 or args.slices < 1:
        parser.error(f"--connections must be at least {WRK_THREADS}, --seconds and --slices at least 1")
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the servers are stopped

    try:
        rows, facts = run_cases(args)
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        print(f"!! bench could not run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("!! interrupted; the servers were stopped", file=sys.stderr)
        return 130
    judge(rows)
    machine = machine_facts()
    if not args.no_postgres and postgres_answers(args.postgres_url):
        with _postgres(args.postgres_url) as connection:
            machine["postgres"] = connection.execute("SHOW server_version").fetchone()[0].split()[0]
    settings = {"spacecraft": args.spacecraft, "seed": args.seed, "seconds": args.seconds,
                "connections": args.connections, "wrk_threads": WRK_THREADS, "workers": WORKERS,
                "environment": _cache_settings(), **facts}
    failed = [row["case"] for row in rows if row["passed"] is False]
    results = {"machine": machine, "settings": settings, "cases": rows, "failed_targets": failed}

    print_table(rows, f"Spacedock bench: {facts['spacecraft_served']:,} spacecraft, {args.seconds} s per case, "
                      f"{machine['nproc']} cores, {machine['date']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(rows, results))
    print(f"\nwritten: {args.output} and {args.output.with_suffix('.md')}")
    if failed:
        print(f"!! targets not met: {', '.join(failed)}")
    else:
        print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
