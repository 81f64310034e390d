"""Prometheus metrics, served at `/metrics` (prometheus-client).

Counted in `ops.requests.Operable`, outside the response cache, so requests answered by the cache (hits,
304s) count too. Under `spacedock serve` every granian worker is its own process: the serve command sets
`PROMETHEUS_MULTIPROC_DIR` (an emptied folder under the var dir) before starting them, the workers write
their values there, and `/metrics`, whichever worker answers it, sums them all (prometheus-client's
multiprocess mode). Without that variable (tests, `runserver`, another WSGI server run by hand) the
values are this process's own.

Names (see docs/operations.md):

- `spacedock_requests_total{route, method, status}`: requests answered, by route (`spacecraft-list`,
  `spacecraft-detail`, `health`, ..., `other` for paths no route has) and status code;
- `spacedock_request_duration_seconds{route}`: a histogram of the time until the response's body is built;
- `spacedock_response_cache_total{outcome}`: the response cache's `hit`, `miss` and `revalidated` (304);
- `spacedock_sync_last_success_timestamp_seconds{endpoint}`: when each endpoint's last complete sync walk
  finished, read from the database at scrape time (so a `spacedock sync` in another process shows);
- `spacedock_data_version` and `spacedock_data_changed_timestamp_seconds`: the catalogue's data version and
  its last change, also read at scrape time;
- `spacedock_database_up`: 1 when the database answered the scrape's queries, else 0.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from spacedock.api.endpoints import ENDPOINTS
from spacedock.api.render.context import API_PREFIX

from .outages import OUTAGE, UNREACHABLE

disable_created_metrics()  # no `_created` series beside every counter: twice the lines for nothing used here
REQUESTS = Counter("spacedock_requests", "Requests answered, by route and status", ["route", "method", "status"])
LATENCY = Histogram("spacedock_request_duration_seconds", "Time to build a response, by route", ["route"],
                    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CACHE = Counter("spacedock_response_cache", "Response cache outcomes of API requests", ["outcome"])

# The outcome `api.caching.CacheFirst` leaves in the WSGI environ (same key as there).
CACHE_OUTCOME = "spacedock.cache"
_CACHE_CHILDREN = {outcome: CACHE.labels(outcome) for outcome in ("hit", "miss", "revalidated")}
_PATHS = frozenset(endpoint.path for endpoint in ENDPOINTS)
_OTHER_ROUTES = {"/health/": "health", "/ready/": "ready", "/metrics": "metrics", "/metrics/": "metrics"}
_children: dict = {}


def route_of(path: str) -> str:
    """The route name a path resolves to (`spacecraft-list`, `agencies-detail`, ...), worked out from the
    endpoint table without Django's resolver (cache hits never reach it); `other` for anything else, so
    that the label's values stay few whatever clients ask for."""
    if path.startswith(API_PREFIX):
        rest = path[len(API_PREFIX):]
        if not rest.endswith("/"):
            return "other"
        rest = rest[:-1]
        if rest in _PATHS:
            return f"{rest}-list"
        head, _, last = rest.rpartition("/")
        if last.isdigit() and head in _PATHS:
            return f"{head}-detail"
        return "other"
    if path.startswith("/static/"):
        return "static"
    return _OTHER_ROUTES.get(path, "other")


def observe(route: str, method: str, status: str, seconds: float, cache_outcome: str | None) -> None:
    """Count one answered request (the labelled children are looked up once per combination)."""
    key = (route, method, status)
    children = _children.get(key)
    if children is None:
        method_label = method if method in ("GET", "HEAD", "OPTIONS") else "other"
        children = _children[key] = (REQUESTS.labels(route, method_label, status), LATENCY.labels(route))
    children[0].inc()
    children[1].observe(seconds)
    if cache_outcome is not None:
        _CACHE_CHILDREN[cache_outcome].inc()


class DatabaseCollector:
    """Gauges read from the database when scraped: last complete sync per endpoint, the data version."""

    def collect(self):
        from django.db.models import Max

        from spacedock.catalog.models import DataVersion
        from spacedock.ingest.models import SyncEndpoint

        up = GaugeMetricFamily("spacedock_database_up", "1 when the database answered this scrape, else 0")
        synced = GaugeMetricFamily("spacedock_sync_last_success_timestamp_seconds",
                                   "When each endpoint's last complete sync walk finished (Unix time)",
                                   labels=["endpoint"])
        version = GaugeMetricFamily("spacedock_data_version", "The catalogue's data version")
        changed = GaugeMetricFamily("spacedock_data_changed_timestamp_seconds",
                                    "When the catalogue last changed (Unix time)")
        try:
            walks = (SyncEndpoint.objects.filter(done=True, finished_at__isnull=False)
                     .values("endpoint").annotate(last=Max("finished_at")).order_by("endpoint"))
            for row in walks:
                synced.add_metric([row["endpoint"]], row["last"].timestamp())
            row = DataVersion.objects.filter(id=1).values("version", "changed_at").first()
        except UNREACHABLE as exc:  # a scrape reports the database down rather than failing
            OUTAGE.failed(exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        version.add_metric([], row["version"] if row else 0)
        if row and row["changed_at"]:
            changed.add_metric([], row["changed_at"].timestamp())
        yield from (up, synced, version, changed)


def exposition() -> tuple[bytes, str]:
    """The metrics page and its content type: every worker's values in multiprocess mode, plus the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Process())
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Process:
    """This process's default registry (request metrics, process and platform collectors)."""

    def collect(self):
        return REGISTRY.collect()
