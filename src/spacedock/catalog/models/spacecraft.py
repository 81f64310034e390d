"""Spacecraft, their configurations, configuration families, statuses and types."""
from django.db import models

from .agencies import Agency
from .base import Lookup
from .images import Image


class SpacecraftStatus(Lookup):
    class Meta:
        verbose_name_plural = "spacecraft statuses"


class SpacecraftConfigType(Lookup):
    pass


class FlightStats(models.Model):
    """Launch and landing counters LL2 keeps on families and configurations."""

    spacecraft_flown = models.IntegerField(null=True, blank=True)
    total_launch_count = models.IntegerField(null=True, blank=True)
    successful_launches = models.IntegerField(null=True, blank=True)
    failed_launches = models.IntegerField(null=True, blank=True)
    attempted_landings = models.IntegerField(null=True, blank=True)
    successful_landings = models.IntegerField(null=True, blank=True)
    failed_landings = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True


# The counters in LL2's order, for whatever reads or writes them.
FLIGHT_STATS = tuple(field.name for field in FlightStats._meta.fields)


class SpacecraftConfigFamily(FlightStats):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200, db_index=True)
    description = models.TextField(blank=True, default="")
    manufacturer = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="families")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    maiden_flight = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "spacecraft configuration families"

    def __str__(self):
        return self.name


class SpacecraftConfiguration(FlightStats):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200, db_index=True)
    type = models.ForeignKey(SpacecraftConfigType, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="spacecraft_configurations")
    families = models.ManyToManyField(SpacecraftConfigFamily, through="ConfigurationFamily",
                                      related_name="configurations")
    in_use = models.BooleanField(default=False, db_index=True)
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    capability = models.TextField(blank=True, default="")
    history = models.TextField(blank=True, default="")
    details = models.TextField(blank=True, default="")
    maiden_flight = models.DateField(null=True, blank=True)
    height = models.FloatField(null=True, blank=True)
    diameter = models.FloatField(null=True, blank=True)
    human_rated = models.BooleanField(default=False, db_index=True)
    crew_capacity = models.IntegerField(null=True, blank=True)
    payload_capacity = models.IntegerField(null=True, blank=True)
    payload_return_capacity = models.IntegerField(null=True, blank=True)
    flight_life = models.CharField(max_length=2048, null=True, blank=True)
    wiki_link = models.CharField(max_length=200, blank=True, default="")
    info_link = models.CharField(max_length=200, blank=True, default="")
    fastest_turnaround = models.DurationField(null=True, blank=True)

    def __str__(self):
        return self.name


class ConfigurationFamily(models.Model):
    """A configuration's families, in LL2's order."""

    configuration = models.ForeignKey(SpacecraftConfiguration, on_delete=models.CASCADE)
    family = models.ForeignKey(SpacecraftConfigFamily, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["configuration", "family"], name="configuration_family_once")]


class Spacecraft(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255, db_index=True)
    serial_number = models.CharField(max_length=255, null=True, blank=True)
    is_placeholder = models.BooleanField(default=False, db_index=True)
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.ForeignKey(SpacecraftStatus, on_delete=models.PROTECT)
    description = models.TextField(blank=True, default="")
    spacecraft_config = models.ForeignKey(SpacecraftConfiguration, on_delete=models.PROTECT, related_name="spacecraft")
    # The figures as LL2 reported them at `reported_at`. They stand for the whole history, so they
    # fix the part of it that no stored flight covers (see `catalog.figures`).
    reported_in_space = models.BooleanField(null=True, blank=True)
    reported_time_in_space = models.DurationField(null=True, blank=True)
    reported_time_docked = models.DurationField(null=True, blank=True)
    reported_flights_count = models.IntegerField(null=True, blank=True)
    reported_mission_ends_count = models.IntegerField(null=True, blank=True)
    reported_fastest_turnaround = models.DurationField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    # Kept by `catalog.figures.refresh` after every write. While `live` is false these are the figures
    # (they no longer change); while it is true (a flight or docking is on or still to come) SQL adds
    # the stored flights' and dockings' share at the request's moment to the settled_* part.
    live = models.BooleanField(default=False, db_index=True)
    settled_in_space = models.BooleanField(default=False)
    settled_time_in_space = models.BigIntegerField(null=True, blank=True)  # whole seconds
    settled_time_docked = models.BigIntegerField(null=True, blank=True)  # whole seconds
    settled_mission_ends_count = models.IntegerField(null=True, blank=True)
    flights_count = models.IntegerField(null=True, blank=True)
    fastest_turnaround = models.DurationField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "spacecraft"
        # Each orderable figure is indexed with id as the tie-breaker, so pages stay stable and deep.
        indexes = [
            models.Index(fields=["settled_time_in_space", "id"], name="sc_time_in_space_id"),
            models.Index(fields=["settled_time_docked", "id"], name="sc_time_docked_id"),
            models.Index(fields=["flights_count", "id"], name="sc_flights_count_id"),
            models.Index(fields=["settled_mission_ends_count", "id"], name="sc_mission_ends_count_id"),
        ]

    def __str__(self):
        return self.name
