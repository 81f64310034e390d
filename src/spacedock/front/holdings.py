"""What the front page says about the data: per endpoint of the table its record count and its last
finished sync, and when the catalogue last changed. Two queries, whatever the number of endpoints or rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, Subquery, Value
from django.db.models.functions import Coalesce

from spacedock.api.endpoints import ENDPOINTS, Endpoint
from spacedock.catalog.models import DataVersion
from spacedock.ingest.models import SyncEndpoint


@dataclass(frozen=True)
class Holding:
    endpoint: Endpoint
    count: int
    last_sync: dt.datetime | None  # when a `spacedock sync` last finished walking this endpoint

    @property
    def url(self) -> str:
        return f"/2.3.0/{self.endpoint.path}/"


@dataclass(frozen=True)
class Holdings:
    rows: list[Holding]
    version: int  # the data version (moved by every write to the catalogue)
    changed_at: dt.datetime | None  # when the catalogue last changed (an import, a sync, an edit)


def _count(model):
    """`SELECT COUNT(*) FROM model` as a subquery (grouped by a constant: one row, even for an empty table)."""
    rows = model.objects.order_by().annotate(all=Value(1)).values("all").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def summary() -> Holdings:
    """Every endpoint's count and last sync, and the catalogue's last change: two queries."""
    counts = {f"n{i}": _count(endpoint.model) for i, endpoint in enumerate(ENDPOINTS)}
    # The data version row always exists (migration 0009); its counts are read in the same query.
    row = (DataVersion.objects.filter(pk=1).annotate(**counts)
           .values("version", "changed_at", *counts).first()) or {}
    synced = dict(SyncEndpoint.objects.filter(finished_at__isnull=False).order_by()
                  .values("endpoint").annotate(last=Max("finished_at")).values_list("endpoint", "last"))
    rows = [Holding(endpoint, row.get(f"n{i}", 0), synced.get(endpoint.path)) for i, endpoint in enumerate(ENDPOINTS)]
    return Holdings(rows, row.get("version", 0), row.get("changed_at"))

