"""Operators' views: `/health/` (liveness), `/ready/` (readiness) and `/metrics` (Prometheus).

- `/health/`: `200 {"status":"ok"}` as long as the process serves requests; touches no database or cache,
  so an orchestrator does not restart workers for an outage they cannot fix.
- `/ready/`: whether this instance can serve the API: the database answers (`503` when it does not,
  with the same `Retry-After` as the API's 503), the response cache answers (reported, not fatal: responses
  are then served uncached), the data version and its last change, and each endpoint's last complete sync.
"""
from __future__ import annotations

from django.core.cache import caches
from django.db.models import Max
from django.http import HttpResponse, JsonResponse

from spacedock.api.errors import COMPACT

from . import metrics
from .outages import DETAIL, OUTAGE, RETRY_AFTER, UNREACHABLE

NO_STORE = "no-store"
_ALIVE = b'{"status":"ok"}'


def health(request):
    response = HttpResponse(_ALIVE, content_type="application/json")
    response["Cache-Control"] = NO_STORE
    return response


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _cache_state() -> dict:
    try:
        cache = caches["default"]
        cache.set("spacedock:ready", 1, 10)
        ok = cache.get("spacedock:ready") == 1
        return {"ok": ok, "backend": type(cache).__name__} if ok else {"ok": False, "error": "value not kept"}
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises, it is reported, not fatal
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _database_state() -> dict:
    from django.db import connection

    from spacedock.catalog.models import DataVersion
    from spacedock.ingest.models import SyncEndpoint, SyncRun

    row = DataVersion.objects.filter(id=1).values("version", "changed_at").first() or {}
    walks = (SyncEndpoint.objects.filter(done=True, finished_at__isnull=False)
             .values("endpoint").annotate(last=Max("finished_at")).order_by("endpoint"))
    last_run = SyncRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    return {
        "database": {"ok": True, "vendor": connection.vendor},
        "data_version": row.get("version", 0),
        "changed_at": _iso(row.get("changed_at")),  # the last write by any import, sync or edit
        "last_sync": _iso(last_run.finished_at) if last_run else None,
        "syncs": {walk["endpoint"]: _iso(walk["last"]) for walk in walks},
    }


def ready(request):
    cache = _cache_state()
    try:
        state = _database_state()
    except UNREACHABLE as exc:
        OUTAGE.failed(exc)
        response = JsonResponse({"status": "unavailable", "detail": DETAIL[11:-2].decode(),
                                 "database": {"ok": False, "error": type(exc).__name__}, "cache": cache},
                                status=503, json_dumps_params=COMPACT)
        response["Retry-After"] = RETRY_AFTER
    else:
        OUTAGE.answered()
        response = JsonResponse({"status": "ok", **state, "cache": cache}, json_dumps_params=COMPACT)
    response["Cache-Control"] = NO_STORE
    return response


def metrics_view(request):
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = NO_STORE
    return response
