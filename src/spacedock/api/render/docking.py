"""Docking events and locations: `DockingLocation` (also `config/docking_locations`), the endpoint's
`DockingEventEndpointNormal` and `DockingEventEndpointDetailed`, and a station's docked event
(`DockingEventDetailedSerializerForSpacestation`).

Payload flights are outside the spacecraft catalogue: kept as the LL2 documents imported
(`PayloadFlightNormal`) and shown as they came, or cut down to `PayloadFlightMini`'s keys.
"""
from spacedock.catalog.models import DockingEvent, DockingLocation

from .formats import moment
from .kinds import Kind

PAYLOAD_FLIGHT_MINI = ("response_mode", "id", "url", "destination", "amount", "payload", "launch", "landing")
PAYLOAD_MINI = ("response_mode", "id", "name", "type", "manufacturer", "operator", "image")
LAUNCH_MINI = ("id", "url", "name")


def _pick(document, keys):
    return {key: document.get(key) for key in keys} if isinstance(document, dict) else document


def payload_flight_mini(document):
    """A stored `PayloadFlightNormal` as LL2's `PayloadFlightMini`: its keys, the payload and launch cut down."""
    if not isinstance(document, dict):
        return document
    out = _pick(document, PAYLOAD_FLIGHT_MINI)
    out["response_mode"] = "list"
    out["payload"] = _pick(out["payload"], PAYLOAD_MINI)
    if isinstance(out["payload"], dict):
        out["payload"]["response_mode"] = "list"
    out["launch"] = _pick(out["launch"], LAUNCH_MINI)
    return out


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


class DockingEventNormalKind(Kind):
    """`DockingEventEndpointNormal`: the target side, the mode, then the chaser side (minis)."""

    shared = True  # while its flights' spacecraft are settled: their figures and durations then stay put
    template = True  # kept by the ten thousand: its own bytes between its spacecraft's, station's, location's
    name = "docking_event_normal"
    model = DockingEvent
    columns = ("id", "docking", "departure", "docking_location_id", "space_station_target_id",
               "flight_vehicle_target_id", "payload_flight_target", "flight_vehicle_chaser_id",
               "space_station_chaser_id", "payload_flight_chaser", "flight_vehicle_chaser__spacecraft__live",
               "flight_vehicle_target__spacecraft__live")
    mode = "normal"
    flight, station = "flight_mini", "station_mini"
    embeds = ("docking_location", "station_mini", "flight_mini")

    def keeps(self, row):
        """A flight's shape moves with the clock while its spacecraft is live (a flight or docking on or to
        come); a settled spacecraft's never does."""
        return not (row["flight_vehicle_chaser__spacecraft__live"] or row["flight_vehicle_target__spacecraft__live"])

    def chaser_payload(self, document):
        return payload_flight_mini(document)

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("docking_events", row["id"]),
            "docking": moment(row["docking"]),
            "departure": moment(row["departure"]),
            "docking_location": refs.get("docking_location", row["docking_location_id"]),
            "space_station_target": refs.get("station_mini", row["space_station_target_id"]),
            "flight_vehicle_target": refs.get("flight_mini", row["flight_vehicle_target_id"]),
            "payload_flight_target": payload_flight_mini(row["payload_flight_target"]),
            "response_mode": self.mode,
            "flight_vehicle_chaser": refs.get(self.flight, row["flight_vehicle_chaser_id"]),
            "space_station_chaser": refs.get(self.station, row["space_station_chaser_id"]),
            "payload_flight_chaser": self.chaser_payload(row["payload_flight_chaser"]),
        }


class DockingEventDetailedKind(DockingEventNormalKind):
    """`DockingEventEndpointDetailed`: the chaser side in normal shapes."""

    name = "docking_event_detailed"
    mode = "detailed"
    flight, station = "flight_normal", "station_normal"
    embeds = (*DockingEventNormalKind.embeds, "flight_normal", "station_normal")

    def chaser_payload(self, document):
        return document


class DockingAtStationKind(Kind):
    """The event docked at a station's docking location now (`DockingEventDetailedSerializerForSpacestation`)."""

    name = "docking_at_station"
    model = DockingEvent
    columns = ("id", "docking", "departure", "flight_vehicle_chaser_id", "space_station_chaser_id",
               "payload_flight_chaser")
    embeds = ("flight_for_docking", "station_normal")

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("docking_events", row["id"]),
            "docking": moment(row["docking"]),
            "departure": moment(row["departure"]),
            "flight_vehicle_chaser": refs.get("flight_for_docking", row["flight_vehicle_chaser_id"]),
            "space_station_chaser": refs.get("station_normal", row["space_station_chaser_id"]),
            "payload_flight_chaser": row["payload_flight_chaser"],
        }


DOCKING_LOCATION = DockingLocationKind()
DOCKING_EVENT_NORMAL = DockingEventNormalKind()
DOCKING_EVENT_DETAILED = DockingEventDetailedKind()
DOCKING_AT_STATION = DockingAtStationKind()
