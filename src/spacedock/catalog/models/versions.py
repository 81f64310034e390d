"""The catalogue's data version: one counter every write bumps, so caches of responses know when
what they hold went stale, whichever process or machine made the write."""
from django.db import models


class DataVersion(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"data version {self.version}"
