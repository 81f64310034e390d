"""What every small LL2 lookup table shares: LL2's id as primary key, and a name."""
from django.db import models


class Lookup(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name
