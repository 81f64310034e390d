"""Spacecraft flights (`SpacecraftFlightNormal`, `SpacecraftFlightDetailed`, `SpacecraftFlightMini`,
`SpacecraftFlightForDockingEvent`) and the docking events a detailed flight lists
(`DockingEventForChaserNormal`); docking locations and stations are in `docking` and `stations`.

Launches, landings, crews, stations and payload flights are LL2 documents kept as imported and
emitted as they came. A flight's `duration` is live (see `catalog.figures`); `response_mode` is the
last key of a flight, as in LL2's schema.
"""
import orjson
from django.db.models import BooleanField, ExpressionWrapper, F, Q, TextField

from spacedock.catalog.figures import on_for
from spacedock.catalog.models import DockingEvent, SpacecraftFlight

from .formats import duration, moment, seconds
from .kinds import Kind, grouped
from .prepared import Prepared


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


class FlightMiniKind(FlightNormalKind):
    """`SpacecraftFlightMini` (in docking events): the normal shape without `response_mode`, its launch a
    `LaunchMini` (id, url, name of the stored launch)."""

    name = "flight_mini"

    def render(self, row, refs):
        out = super().render(row, refs)
        del out["response_mode"]
        if out["launch"] is not None:
            launch = orjson.loads(row["launch_document"])
            out["launch"] = {key: launch.get(key) for key in ("id", "url", "name")}
        return out


class FlightForDockingKind(FlightNormalKind):
    """`SpacecraftFlightForDockingEvent` (a station's docked flight): id, url, the nested detailed spacecraft
    and the launch."""

    name = "flight_for_docking"
    columns = ("id", "spacecraft_id")
    spacecraft = "spacecraft_nested_detailed"
    embeds = (spacecraft,)

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("spacecraft_flights", row["id"]),
            "spacecraft": refs.get(self.spacecraft, row["spacecraft_id"]),
            "launch": orjson.Fragment(row["launch_document"]) if row["launch_known"] else None,
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


DOCKING_FOR_CHASER = DockingForChaserKind()
FLIGHT_NORMAL = FlightNormalKind()
FLIGHT_MINI = FlightMiniKind()
FLIGHT_FOR_DOCKING = FlightForDockingKind()
FLIGHT_DETAILED = FlightDetailedKind()
