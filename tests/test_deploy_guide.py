"""docs/deploy.md followed end to end on loopback, as far as a machine without systemd allows.

One test takes the guide's steps with the shipped files: the settings of deploy/env.example, read from the
file (only DATABASE_URL, CACHE_URL, SPACEDOCK_VAR_DIR, SECRET_KEY and ALLOWED_HOSTS overridden: a PostgreSQL
database of the test's own on the server at 127.0.0.1:5432, created with pg_trgm as step 4 does and dropped
afterwards; a redis-server of its own; a temporary state directory); `spacedock migrate` (step 6); the sync
the timer runs, the exact ExecStart of deploy/spacedock-sync.service with `--base-url` pointing at a local
recorded LL2 (tests/ll2_server.py; step 8); `spacedock serve` as deploy/spacedock.service's ExecStart says,
its port aside (step 7); and nginx with the real deploy/nginx/spacedock.conf in front (step 9). Through
nginx (step 10): a page with the synced data, a 304, and `/ready/` with the database, the cache and each
endpoint's last sync. Each command runs as systemd would run it: the env file's variables only (plus PATH
and HOME), in the state directory.

Skipped when nginx, redis-server or the PostgreSQL server is missing; failed instead with
SPACEDOCK_REQUIRE_SERVICES=1.
"""
import contextlib
import copy
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from .helpers import (
    DEPLOY,
    RedisServer,
    missing,
    nginx_binary,
    nginx_conf,
    raw_get,
    site_for_test,
    spare_port,
    stop,
    wait_for,
)
from .ll2_server import ENDPOINTS, RecordedLL2, load_recorded

VENV_SPACEDOCK = Path(sys.executable).parent / "spacedock"
GUIDE_SPACEDOCK = "/opt/spacedock/venv/bin/spacedock"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}  # the shared server (trust)
HOST = "spacedock.example.org"  # env.example's and the site's name, which step 10 sends as Host
SYNCED_NAME = "Synced through the deploy guide"  # what the recorded LL2 serves for spacecraft 551


def env_file(path: Path) -> dict[str, str]:
    """A systemd EnvironmentFile of KEY=value lines (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path}: not KEY=value: {line!r}"
            values[key.strip()] = value.strip()
    return values


def exec_start(name: str) -> list[str]:
    """The one ExecStart of deploy/`name`, split as systemd does, with the guide's venv replaced by this one."""
    lines = [line.partition("=")[2].strip() for line in (DEPLOY / name).read_text().splitlines()
             if line.startswith("ExecStart=")]
    assert len(lines) == 1, lines
    argv = shlex.split(lines[0])
    assert argv[0] == GUIDE_SPACEDOCK, argv
    return [str(VENV_SPACEDOCK), *argv[1:]]


@contextlib.contextmanager
def own_database():
    """A PostgreSQL database of the test's own on the shared server, with pg_trgm (guide step 4): its URL."""
    try:
        import psycopg
    except ImportError:
        missing("psycopg is not installed")
    try:
        admin = psycopg.connect(**PG, dbname="postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        missing(f"no PostgreSQL server on 127.0.0.1:5432 ({str(exc).strip().splitlines()[0]})")
    name = f"spacedock_guide_{secrets.token_hex(4)}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(**PG, dbname=name, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            yield f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def run(argv, env, cwd, timeout=60) -> str:
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{shlex.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def get(port, path, **headers):
    """GET through nginx with the guide's Host: (status, headers, body)."""
    headers.setdefault("Host", HOST)
    return raw_get(port, path, **headers)


def rename(value, old: str, new: str):
    """Every `name` equal to `old` in the recorded pages becomes `new` (spacecraft 551 is also embedded in its
    flights and docking events, which the sync applies after the spacecraft listing)."""
    if isinstance(value, dict):
        if value.get("name") == old:
            value["name"] = new
        for item in value.values():
            rename(item, old, new)
    elif isinstance(value, list):
        for item in value:
            rename(item, old, new)


def test_the_deploy_guide_end_to_end(tmp_path):
    nginx = nginx_binary()
    if not VENV_SPACEDOCK.exists():
        pytest.skip(f"{VENV_SPACEDOCK} is not installed (pip install -e .)")
    var = tmp_path / "var"  # /var/lib/spacedock: SPACEDOCK_VAR_DIR and the units' WorkingDirectory
    var.mkdir()
    with own_database() as database_url:
        redis_server = RedisServer(tmp_path).start()
        records = copy.deepcopy(load_recorded())
        rename(records, "Crew Dragon Freedom", SYNCED_NAME)
        ll2 = RecordedLL2(records=records).start()
        app = proxy = None
        try:
            # Step 5: /etc/spacedock/env, as the guide has it edited.
            settings = env_file(DEPLOY / "env.example")
            assert {"DATABASE_URL", "CACHE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SPACEDOCK_VAR_DIR"} <= set(settings)
            settings.update(DATABASE_URL=database_url, CACHE_URL=redis_server.url, SPACEDOCK_VAR_DIR=str(var),
                            SECRET_KEY=secrets.token_urlsafe(50))
            hosts = settings["ALLOWED_HOSTS"].split(",")
            settings["ALLOWED_HOSTS"] = ",".join(hosts + [h for h in (HOST, "127.0.0.1") if h not in hosts])
            # What systemd gives a service: the env file, PATH and the user's HOME (the state directory).
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(var), "LANG": "C.UTF-8", **settings}

            # Step 6: the tables.
            run([str(VENV_SPACEDOCK), "migrate"], env, var)
            assert "[ ]" not in run([str(VENV_SPACEDOCK), "showmigrations"], env, var)

            # Step 8: the sync the timer starts, from the recorded LL2 instead of ll.thespacedevs.com.
            sync = exec_start("spacedock-sync.service")
            assert sync[1:] == ["sync"], sync
            started = time.monotonic()
            run([*sync, "--base-url", ll2.base_url], env, var, timeout=40)
            assert time.monotonic() - started < 40
            fetched = {request.endpoint for request in ll2.requests}
            assert set(ENDPOINTS) <= fetched, fetched

            # Step 7: the server, as the unit starts it (on a spare port instead of 8000).
            serve = exec_start("spacedock.service")
            assert serve[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000"], serve
            app_port, nginx_port = spare_port(), spare_port()
            while nginx_port == app_port:
                nginx_port = spare_port()
            serve[serve.index("--port") + 1] = str(app_port)
            app_log = tmp_path / "serve.log"
            with open(app_log, "wb") as out:
                app = subprocess.Popen(serve, env=env, cwd=var, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
            wait_for(app_port, app, app_log, "spacedock serve")
            # The synced database holds spacecraft: the bundled data is not loaded over it.
            assert "bundled data:" not in app_log.read_text(errors="replace")

            # Step 9: nginx with the real site.
            prefix = tmp_path / "nginx"
            prefix.mkdir()
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (prefix / kind).mkdir()
            (prefix / "spacedock.conf").write_text(site_for_test(nginx_port, app_port))
            (prefix / "nginx.conf").write_text(nginx_conf(prefix))
            nginx_log = prefix / "nginx.out"
            test = subprocess.run([nginx, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                   str(prefix / "nginx.conf")], capture_output=True, text=True, timeout=30)
            assert test.returncode == 0, test.stderr  # `nginx -t`
            with open(nginx_log, "wb") as out:
                proxy = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                          str(prefix / "nginx.conf"), "-g",
                                          f"daemon off; pid {prefix / 'nginx.pid'};"],
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
            wait_for(nginx_port, proxy, nginx_log, "nginx", seconds=20)

            # Step 10, through nginx: a page with the synced data, its links on the client's host.
            status, headers, body = get(nginx_port, "/2.3.0/spacecraft/?limit=1")
            assert status == 200 and headers["Content-Type"] == "application/json", body[:500]
            listing = orjson.loads(body)
            assert listing["count"] == len(records["spacecraft"])
            assert listing["next"] == f"http://{HOST}/2.3.0/spacecraft/?limit=1&offset=1"
            path = "/2.3.0/spacecraft/551/"
            status, headers, body = get(nginx_port, path)
            assert status == 200 and orjson.loads(body)["name"] == SYNCED_NAME, body[:500]
            etag = headers["ETag"]
            assert etag
            # ... a revalidation is a 304 ...
            status, headers, body = get(nginx_port, path, If_None_Match=etag)
            assert (status, body, headers["ETag"]) == (304, b"", etag)
            # ... and /ready/: PostgreSQL and Redis up, each endpoint's last sync.
            status, headers, body = get(nginx_port, "/ready/")
            ready = orjson.loads(body)
            assert status == 200 and ready["status"] == "ok", ready
            assert ready["database"] == {"ok": True, "vendor": "postgresql"}, ready
            assert ready["cache"] == {"ok": True, "backend": "RedisCache"}, ready
            assert ready["last_sync"] and sorted(ready["syncs"]) == sorted(ENDPOINTS), ready
            assert all(ready["syncs"].values()), ready
            assert headers["Cache-Control"] == "no-store"

            # `systemctl stop spacedock`: SIGTERM to granian, which exits cleanly within the unit's drain.
            os.kill(app.pid, signal.SIGTERM)
            assert app.wait(timeout=15) == 0, app_log.read_text(errors="replace")
        finally:
            if proxy is not None:
                stop(proxy)
            if app is not None:
                stop(app)
            ll2.stop()
            redis_server.stop()
