"""Where a `spacedock sync` stands, kept in the database next to the data it wrote.

Every page a sync applies updates these rows in the same transaction as the page's records, so the
stored position and the stored data always agree: an interrupted sync resumes at the first page
whose data is not in the database, and fetches nothing twice.
"""
from django.db import models


class SyncRun(models.Model):
    """One sync from an LL2 server: unfinished until every endpoint is walked (and pruned, if asked)."""

    base_url = models.TextField()
    endpoints = models.TextField(help_text="the endpoints walked, comma-separated, parents first")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sync run"

    def __str__(self):
        return f"sync from {self.base_url} started {self.started_at:%Y-%m-%d %H:%M:%S}"


class SyncEndpoint(models.Model):
    """One endpoint's walk within a run: the next page to fetch, and how far it got."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="walks")
    position = models.PositiveSmallIntegerField(help_text="the order endpoints are walked in")
    endpoint = models.CharField(max_length=64)
    next_url = models.TextField(null=True, blank=True, help_text="the page to fetch next; null once done")
    done = models.BooleanField(default=False)
    count = models.IntegerField(null=True, blank=True, help_text="LL2's count on the last page fetched")
    offset = models.IntegerField(default=0,
                                 help_text="where the listing was reached (offset + records of the last page)")
    pages = models.IntegerField(default=0)
    records = models.IntegerField(default=0, help_text="records applied, a record fetched twice counted twice")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "endpoint"], name="ingest_sync_endpoint_once")]

    def __str__(self):
        return f"{self.endpoint}: {'done' if self.done else self.next_url}"


class SyncSeen(models.Model):
    """A record id an endpoint's listing showed during the run: what `--prune` keeps."""

    walk = models.ForeignKey(SyncEndpoint, on_delete=models.CASCADE, related_name="seen")
    record_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["walk", "record_id"], name="ingest_sync_seen_once")]
