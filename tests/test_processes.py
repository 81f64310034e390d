"""Several app processes (docs/deploy.md, "Two app processes"): two `spacedock serve` on two ports against one
PostgreSQL database (a scratch one on the suite's server) and one Redis (a redis-server of the test's own),
as two machines behind a load balancer would run. Checked through both: a write (an import, a key revoked
with `spacedock keys`) is seen by the other on its next request; a client's limit is one limit whichever
process answers; the response cache is one cache (a miss on one, a hit on the other, by each process's
metrics); and, where nginx is installed, the same through nginx balancing over both, with the clients'
addresses taken from X-Forwarded-For.

PostgreSQL only (the suite's DATABASE_URL names it); skipped without redis-server, the nginx part without
nginx; failed instead with SPACEDOCK_REQUIRE_SERVICES=1.
"""
import os
import re
import secrets
import shutil
import subprocess
import sys

import orjson
import pytest
from django.db import connection

from .helpers import (
    RedisServer,
    missing,
    nginx_binary,
    nginx_conf,
    raw_get,
    scratch_postgres_database,
    site_for_test,
    spare_port,
    stop,
    wait_for,
    write,
)

pytestmark = pytest.mark.postgres
ANON_RATE = "6/hour"
RENAMED = "Renamed through one process"


class Cluster:
    def __init__(self, env, ports, folder):
        self.env, self.ports, self.folder = env, ports, folder
        self.key = None

    def spacedock(self, *args):
        done = subprocess.run([sys.executable, "-m", "spacedock.cli", *map(str, args)], env=self.env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"spacedock {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def get(self, port, path, source=None, key=None, **headers):
        if key:
            headers["Authorization"] = f"Token {key}"
        headers.setdefault("Host", "127.0.0.1")  # one host name for both: links (and cache entries) alike
        return raw_get(port, path, source=source, **headers)

    def answered(self, port, route) -> float:
        """Requests of `route` the process on `port` answered, by its metrics."""
        body = raw_get(port, "/metrics")[2].decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                   if line.startswith("spacedock_requests_total{") and f'route="{route}"' in line)

    def cache_hits(self, port) -> float:
        status, _, body = raw_get(port, "/metrics")
        assert status == 200
        found = re.search(rb'^spacedock_response_cache_total\{outcome="hit"\} ([0-9.e+]+)$', body, re.M)
        return float(found[1]) if found else 0.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("several processes share a PostgreSQL database: run with DATABASE_URL naming PostgreSQL")
    if shutil.which("redis-server") is None:
        missing("no redis-server on this machine")
    folder = tmp_path_factory.mktemp("processes")
    with django_db_blocker.unblock(), scratch_postgres_database("spacedock_processes") as url:
        redis_server = RedisServer(folder).start()
        env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "SPACEDOCK_NOW")}
        env.update(DATABASE_URL=url, CACHE_URL=redis_server.url, SECRET_KEY=secrets.token_urlsafe(50),
                   SPACEDOCK_ANON_RATE=ANON_RATE, SPACEDOCK_KEY_RATE="", SPACEDOCK_TRUSTED_PROXIES="127.0.0.1",
                   SPACEDOCK_MAX_AGE="60", ALLOWED_HOSTS="127.0.0.1,localhost")
        ports = [spare_port(), spare_port()]
        while ports[1] == ports[0]:
            ports[1] = spare_port()
        cluster = Cluster(env, ports, folder)
        processes = []
        try:
            cluster.spacedock("migrate", "--noinput")
            for number, port in enumerate(ports):  # one after the other: the first loads the bundled data
                var = folder / f"var{number}"  # each its own metrics
                var.mkdir()
                log = folder / f"serve{number}.log"
                with open(log, "wb") as out:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "spacedock.cli", "serve", "--port", str(port), "--workers", "1"],
                        env=dict(env, SPACEDOCK_VAR_DIR=str(var)), stdout=out, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, start_new_session=True)
                processes.append(process)
                wait_for(port, process, log, f"spacedock serve #{number}")
            # Anonymous requests are limited: the checks other than the limit's use a key without a limit.
            cluster.key = cluster.spacedock("keys", "create", "checks").strip()
            yield cluster
        finally:
            for process in processes:
                stop(process)
            redis_server.stop()


def test_the_response_cache_is_shared(cluster):
    a, b = cluster.ports
    path = "/2.3.0/spacecraft/?limit=3&ordering=-id"
    before = cluster.cache_hits(b)
    first = cluster.get(a, path, key=cluster.key)
    assert first[0] == 200
    assert cluster.cache_hits(a) == cluster.cache_hits(a)  # reading metrics is not a request of the API
    second = cluster.get(b, path, key=cluster.key)
    assert second[0] == 200 and second[2] == first[2] and second[1]["ETag"] == first[1]["ETag"]
    assert cluster.cache_hits(b) == before + 1  # B never rendered it: A's entry, from Redis


def test_an_import_through_one_is_seen_by_the_other(cluster, tmp_path):
    a, b = cluster.ports
    path = "/2.3.0/spacecraft/551/"
    status, _, body = cluster.get(b, path, key=cluster.key)
    assert status == 200
    record = orjson.loads(body)
    assert record["name"] != RENAMED
    assert cluster.get(a, path, key=cluster.key)[2] == body  # both have it cached now
    # The record as served, renamed wherever it names itself (its flights embed it too).
    renamed = orjson.loads(body.replace(orjson.dumps(record["name"]), orjson.dumps(RENAMED)))
    cluster.spacedock("import", write(tmp_path, renamed))
    for port in (b, a):
        status, _, body = cluster.get(port, path, key=cluster.key)
        assert status == 200 and orjson.loads(body)["name"] == RENAMED


def test_a_key_revoked_with_the_command_is_refused_by_both(cluster):
    a, b = cluster.ports
    key = cluster.spacedock("keys", "create", "to revoke").strip()
    for port in (a, b):
        assert cluster.get(port, "/2.3.0/agencies/?limit=1", key=key)[0] == 200
    cluster.spacedock("keys", "revoke", "to revoke")
    for port in (a, b):
        status, headers, body = cluster.get(port, "/2.3.0/agencies/?limit=1", key=key)
        assert (status, body, headers["WWW-Authenticate"]) == (401, b'{"detail":"Invalid token."}', "Token")


def test_a_clients_limit_is_one_limit_across_processes(cluster):
    a, b = cluster.ports
    client = "127.0.0.61"  # a loopback address of its own: its own count
    statuses = [cluster.get(port, "/2.3.0/agencies/?limit=1", source=client)[0] for port in (a, b, a, b, a, b)]
    assert statuses == [200] * 6
    for port in (a, b):
        status, headers, body = cluster.get(port, "/2.3.0/agencies/?limit=1", source=client)
        assert status == 429 and 0 < int(headers["Retry-After"]) <= 3600, body
        _, _, body = cluster.get(port, "/2.3.0/api-throttle/", source=client)
        assert orjson.loads(body)[0] | {"next_use_secs": 0} == {
            "your_request_limit": 6, "limit_frequency_secs": 3600, "current_use": 6, "next_use_secs": 0,
            "ident": client}
    # A key's limit is shared the same way.
    key = cluster.spacedock("keys", "create", "limited", "--rate", "3/hour").strip()  # no window ends mid-test
    statuses = [cluster.get(port, "/2.3.0/agencies/?limit=1", key=key)[0] for port in (b, a, b, a)]
    assert statuses == [200, 200, 200, 429]


def test_through_nginx_over_both(cluster):
    nginx = nginx_binary()
    a, b = cluster.ports
    listen = spare_port()
    prefix = cluster.folder / "nginx"
    prefix.mkdir()
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / kind).mkdir()
    site = site_for_test(listen, a).replace(f"server 127.0.0.1:{a};", f"server 127.0.0.1:{a};\n    "
                                                                       f"server 127.0.0.1:{b};")
    (prefix / "spacedock.conf").write_text(site)
    (prefix / "nginx.conf").write_text(nginx_conf(prefix))
    log = prefix / "nginx.out"
    with open(log, "wb") as out:
        proxy = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c",
                                  str(prefix / "nginx.conf"), "-g", f"daemon off; pid {prefix / 'nginx.pid'};"],
                                 stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
    try:
        wait_for(listen, proxy, log, "nginx", seconds=20)
        before = [cluster.answered(port, "agencies-list") for port in (a, b)]
        client = "127.0.0.62"
        statuses = [raw_get(listen, "/2.3.0/agencies/?limit=1", source=client)[0] for _ in range(7)]
        assert statuses == [200] * 6 + [429]
        after = [cluster.answered(port, "agencies-list") for port in (a, b)]
        assert after[0] > before[0] and after[1] > before[1] and sum(after) - sum(before) == 7  # both answered
        _, _, body = raw_get(listen, "/2.3.0/api-throttle/", source=client)
        assert orjson.loads(body)[0]["ident"] == client  # X-Forwarded-For, from the trusted proxy
    finally:
        stop(proxy)
