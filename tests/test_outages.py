"""The database going away and coming back, end to end: `spacedock serve` (2 granian workers) on a PostgreSQL of
the test's own, stopped under it and started again. Every API and readiness answer meanwhile is a 503 with
Retry-After, from the response cache's layer as from Django's, without a traceback in the log; once the
database is back the same processes serve again, no restart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import orjson
import pytest

from .helpers import PostgresServer, spare_port

PAGE = "/2.3.0/spacecraft/?limit=2"
DOWN = {"detail": "The database is unavailable; try again shortly."}


@pytest.fixture
def postgres():
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.remove()


def wait_for(client, path, status, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = client.get(path)
            if response.status_code == status:
                return response
        except httpx.TransportError:
            response = None
        if time.monotonic() > deadline:
            pytest.fail(f"{path} did not answer {status} in {seconds} s: {response and response.status_code}")
        time.sleep(0.2)


def test_the_database_down_is_503_and_served_again_when_back(postgres, tmp_path):
    port = spare_port()
    env = {**os.environ, "DATABASE_URL": postgres.url, "CACHE_URL": "locmem://", "SPACEDOCK_VAR_DIR": str(tmp_path),
           "SPACEDOCK_MAX_AGE": "30"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # `serve` migrates the empty database and imports the bundled data into it.
    server = subprocess.Popen([sys.executable, "-m", "spacedock.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            first = wait_for(client, PAGE, 200, seconds=120)
            assert orjson.loads(first.content)["count"] > 0
            etag = first.headers["ETag"]
            assert client.get(PAGE, headers={"If-None-Match": etag}).status_code == 304

            postgres.stop()
            for _ in range(6):  # both workers; GET, revalidation, other conditions, HEAD
                for response in (client.get(PAGE), client.get(PAGE, headers={"If-None-Match": etag}),
                                 client.get("/2.3.0/agencies/1/", headers={"If-Modified-Since": "x"}),
                                 client.head(PAGE)):
                    assert response.status_code == 503
                    assert response.headers["Retry-After"] == "5"
                    assert response.headers["Access-Control-Allow-Origin"] == "*"
                    assert response.request.method == "HEAD" or orjson.loads(response.content) == DOWN
            ready = client.get("/ready/")
            assert ready.status_code == 503 and ready.json()["database"]["ok"] is False
            assert client.get("/health/").json() == {"status": "ok"}

            postgres.start()
            wait_for(client, PAGE, 200, seconds=30)
            for _ in range(6):  # every worker is back, without a restart
                assert client.get(PAGE).status_code == 200
                assert client.get("/2.3.0/agencies/1/?mode=normal").status_code in (200, 404)
            assert client.get("/ready/").status_code == 200
            metrics = client.get("/metrics").text  # summed over both workers (multiprocess mode)
            assert 'spacedock_requests_total{method="GET",route="spacecraft-list",status="503"}' in metrics
            assert "spacedock_database_up 1.0" in metrics
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output, output
    assert "database unavailable" in output and "database answers again" in output, output
