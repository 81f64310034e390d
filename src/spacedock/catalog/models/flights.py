"""Spacecraft flights and docking events, with the launches they point at (stations: `stations`).

Launches, landings, crews, stations and payload flights belong to parts of LL2 outside the spacecraft
catalogue: each is kept as the LL2 document that was imported, with the columns the live figures
need (a launch's `net`, a flight's `mission_end`, a docking's times) as real, indexed fields.
"""
from django.db import models

from .base import DocumentField
from .spacecraft import Spacecraft
from .stations import DockingLocation, SpaceStation


class Launch(models.Model):
    id = models.CharField(max_length=36, primary_key=True)  # LL2's launch UUID
    # Unknown (null) for a launch an older LL2 version names only by id (a 2.1.0 docking event's `launch_id`).
    net = models.DateTimeField(null=True, blank=True, db_index=True)
    # LL2's `LaunchNormal` as imported, emitted as it came.
    document = DocumentField()

    class Meta:
        verbose_name_plural = "launches"

    def __str__(self):
        return self.document.get("name") or self.id


class SpacecraftFlight(models.Model):
    id = models.IntegerField(primary_key=True)
    spacecraft = models.ForeignKey(Spacecraft, on_delete=models.CASCADE, related_name="flights")
    launch = models.ForeignKey(Launch, on_delete=models.PROTECT, related_name="spacecraft_flights")
    destination = models.CharField(max_length=255, null=True, blank=True)
    mission_end = models.DateTimeField(null=True, blank=True, db_index=True)
    landing = DocumentField(null=True, blank=True)  # LL2's `Landing`, as imported
    launch_crew = DocumentField(default=list, blank=True)  # LL2's `AstronautFlight` lists, as imported
    onboard_crew = DocumentField(default=list, blank=True)
    landing_crew = DocumentField(default=list, blank=True)
    # Launch net minus the end of the spacecraft's previous flight; kept by `catalog.figures.refresh`.
    turn_around_time = models.DurationField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["spacecraft", "id"], name="flight_spacecraft_id")]

    def __str__(self):
        return f"flight {self.id} of {self.spacecraft_id}"


class DockingEvent(models.Model):
    id = models.IntegerField(primary_key=True)
    docking = models.DateTimeField(db_index=True)
    departure = models.DateTimeField(null=True, blank=True)
    docking_location = models.ForeignKey(DockingLocation, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="docking_events")
    flight_vehicle_chaser = models.ForeignKey(SpacecraftFlight, null=True, blank=True, on_delete=models.CASCADE,
                                              related_name="docking_events")
    space_station_chaser = models.ForeignKey(SpaceStation, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")
    payload_flight_chaser = DocumentField(null=True, blank=True)  # LL2's `PayloadFlightNormal`, as imported
    space_station_target = models.ForeignKey(SpaceStation, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="docking_events")
    flight_vehicle_target = models.ForeignKey(SpacecraftFlight, null=True, blank=True, on_delete=models.SET_NULL,
                                              related_name="+")
    payload_flight_target = DocumentField(null=True, blank=True)

    def __str__(self):
        return f"docking event {self.id}"
