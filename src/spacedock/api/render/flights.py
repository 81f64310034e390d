"""Spacecraft flights (`SpacecraftFlightNormal`, `SpacecraftFlightDetailed`) and what they embed:
launches, docking events (`DockingEventForChaserNormal`), docking locations and stations.

Launches, landings, crews, stations and payload flights are LL2 documents kept as imported and
emitted as they came. A flight's `duration` is live (see `catalog.figures`); `response_mode` is the
last key of a flight, as in LL2's schema.
"""
import orjson
from django.db.models import BooleanField, ExpressionWrapper, F, Q, TextField

from spacedock.catalog.figures import on_for
from spacedock.catalog.models import DockingEvent, DockingLocation, SpacecraftFlight, SpaceStation

from .formats import duration, moment, seconds
from .kinds import Kind, grouped
from .prepared import Prepared


class StationKind(Kind):
    """`SpaceStationNormal`, from the station's stored document."""

    shared = True
    name = "station_normal"
    model = SpaceStation
    columns = ("id", "document")
    keys = ("id", "url", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type")

    def render(self, row, refs):
        document = row["document"]
        return {key: document.get(key) for key in self.keys}


class StationMiniKind(StationKind):
    name = "station_mini"
    keys = ("id", "url", "name", "image")


class DockingLocationKind(Kind):
    shared = True
    name = "docking_location"
    model = DockingLocation
    columns = ("id", "name", "spacestation_id", "spacecraft_id", "payload")
    embeds = ("station_mini", "config_normal")

    def render(self, row, refs):
        return {
            "id": row["id"],
            "name": row["name"],
            "spacestation": refs.get("station_mini", row["spacestation_id"]),
            "spacecraft": refs.get("config_normal", row["spacecraft_id"]),
            "payload": row["payload"],
        }


class DockingForChaserKind(Kind):
    """A docking event as its chaser flight lists it (`DockingEventForChaserNormal`)."""

    name = "docking_for_chaser"
    model = DockingEvent
    columns = ("id", "docking", "departure", "docking_location_id", "space_station_target_id",
               "flight_vehicle_target_id", "payload_flight_target")
    embeds = ("docking_location", "station_normal", "flight_normal")

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("docking_events", row["id"]),
            "docking": moment(row["docking"]),
            "departure": moment(row["departure"]),
            "docking_location": refs.get("docking_location", row["docking_location_id"]),
            "space_station_target": refs.get("station_normal", row["space_station_target_id"]),
            "flight_vehicle_target": refs.get("flight_normal", row["flight_vehicle_target_id"]),
            "payload_flight_target": row["payload_flight_target"],
        }


class FlightNormalKind(Kind):
    name = "flight_normal"
    model = SpacecraftFlight
    columns = ("id", "destination", "mission_end", "spacecraft_id", "launch_id", "launch__net", "landing",
               "turn_around_time")
    mode = "normal"
    spacecraft = "spacecraft_in_flight"
    embeds = (spacecraft,)

    def query(self, ids):
        # The launch is its LL2 document as imported (stored as orjson wrote it), read as text with the flight
        # and embedded as it is: no query of its own, nothing parsed and encoded again. A launch an older LL2
        # version named only by id (and net) has no document to show: `launch` is null.
        return super().query(ids).annotate(
            launch_known=ExpressionWrapper(~Q(launch__document={}), output_field=BooleanField()),
            launch_document=ExpressionWrapper(F("launch__document"), output_field=TextField()))

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("spacecraft_flights", row["id"]),
            "destination": row["destination"],
            "mission_end": moment(row["mission_end"]),
            "spacecraft": refs.get(self.spacecraft, row["spacecraft_id"]),
            "launch": orjson.Fragment(row["launch_document"]) if row["launch_known"] else None,
            "landing": row["landing"],
            "duration": None if row["launch__net"] is None else seconds(on_for(row["launch__net"], row["mission_end"],
                                                                                refs.ctx.now)),
            "turn_around_time": duration(row["turn_around_time"]),
            "response_mode": self.mode,
        }


class FlightDetailedKind(FlightNormalKind):
    name = "flight_detailed"
    columns = FlightNormalKind.columns + ("launch_crew", "onboard_crew", "landing_crew")
    mode = "detailed"
    spacecraft = "spacecraft_nested_detailed"
    embeds = (spacecraft, "docking_for_chaser")

    dockings = Prepared(DockingEvent, lambda ids: DockingEvent.objects.filter(flight_vehicle_chaser_id__in=ids)
                        .order_by("flight_vehicle_chaser_id", "docking", "id")
                        .values_list("flight_vehicle_chaser_id", "id"))

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        dockings = grouped(self.dockings(ids))
        for row in rows:
            row["dockings"] = dockings.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out["launch_crew"] = row["launch_crew"]
        out["onboard_crew"] = row["onboard_crew"]
        out["landing_crew"] = row["landing_crew"]
        out["docking_events"] = refs.many("docking_for_chaser", row["dockings"])
        return out


STATION_NORMAL = StationKind()
STATION_MINI = StationMiniKind()
DOCKING_LOCATION = DockingLocationKind()
DOCKING_FOR_CHASER = DockingForChaserKind()
FLIGHT_NORMAL = FlightNormalKind()
FLIGHT_DETAILED = FlightDetailedKind()
