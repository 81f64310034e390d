"""Space stations, their docking locations and expeditions, and the look-ups they name.

A station's `SpaceStationNormal` fields are kept as the LL2 document that was imported (`document`);
what filters and orderings need (status, type, founded, volume, owners) and the detailed figures are
columns. `onboard_crew` and `docked_vehicles` are live (see `catalog.station_figures`): LL2's reported
crew is kept for when no expedition crew is stored.
"""
from django.db import models

from .agencies import Agency
from .base import DocumentField, Lookup
from .spacecraft import SpacecraftConfiguration


class SpaceStationStatus(Lookup):
    class Meta:
        verbose_name_plural = "space station statuses"


class SpaceStationType(Lookup):
    pass


class SpaceStation(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    # LL2's `SpaceStationNormal` (or as much of it as was seen), as imported.
    document = DocumentField(default=dict)
    status = models.ForeignKey(SpaceStationStatus, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    type = models.ForeignKey(SpaceStationType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    founded = models.DateField(null=True, blank=True)
    orbit = models.CharField(max_length=255, null=True, blank=True)
    # `SpaceStationDetailedEndpoint`'s own values, when a detailed record was imported.
    height = models.FloatField(null=True, blank=True)
    width = models.FloatField(null=True, blank=True)
    mass = models.FloatField(null=True, blank=True)
    volume = models.IntegerField(null=True, blank=True)
    # LL2's `onboard_crew` as imported: stands while no crew of the station's expeditions is stored.
    reported_onboard_crew = models.IntegerField(null=True, blank=True)
    owners = models.ManyToManyField(Agency, through="StationOwner", related_name="+")

    def __str__(self):
        return self.name


class StationOwner(models.Model):
    """A station's owners, in LL2's order."""

    station = models.ForeignKey(SpaceStation, on_delete=models.CASCADE, related_name="owner_links")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["station", "agency"], name="station_owner_once")]


class DockingLocation(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    spacestation = models.ForeignKey(SpaceStation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="docking_locations")
    spacecraft = models.ForeignKey(SpacecraftConfiguration, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    payload = DocumentField(null=True, blank=True)  # LL2's `PayloadMini`, as imported
    position = models.PositiveSmallIntegerField(default=0)  # its place in its station's list, as LL2 gave it

    def __str__(self):
        return self.name


class Expedition(models.Model):
    """An expedition to a station. A station's record names its active ones (`ExpeditionMini`); an
    expedition's own record also brings its crew, mission patches and spacewalks (LL2 documents)."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField(null=True, blank=True, db_index=True)
    spacestation = models.ForeignKey(SpaceStation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="expeditions")
    crew = DocumentField(default=list, blank=True)  # LL2's `AstronautFlight` list, as imported
    # How many crew the expedition has, when its 2.3.0 crew list was imported; unknown (null) otherwise.
    crew_count = models.IntegerField(null=True, blank=True)
    mission_patches = DocumentField(default=list, blank=True)  # LL2's `MissionPatch` list
    spacewalks = DocumentField(default=list, blank=True)  # LL2's `SpacewalkList` list
    # What filters and search read from the crew list, kept by the importer: `,id,id,` of the crew's
    # astronauts and of their agencies, and the names searched (astronauts', agencies', nationalities').
    crew_astronauts = models.TextField(default="", blank=True)
    crew_agencies = models.TextField(default="", blank=True)
    crew_search = models.TextField(default="", blank=True)

    def __str__(self):
        return self.name
