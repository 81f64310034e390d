"""Space stations: `SpaceStationMini`, `SpaceStationNormal`, `SpaceStationDetailed` (inside expeditions),
and the endpoint's `SpaceStationEndpoint` (normal) and `SpaceStationDetailedEndpoint` (detailed).

The normal fields come from the station's stored LL2 document, its `url` naming this server. The
endpoint's shapes add what moves with the clock (`catalog.station_figures`): the active expeditions,
`onboard_crew`, `docked_vehicles`, and per docking location the event docked at it now.
"""
from spacedock.catalog import station_figures
from spacedock.catalog.figures import is_on, is_pending
from spacedock.catalog.models import DockingEvent, DockingLocation, SpaceStation, StationOwner

from .kinds import Kind, grouped
from .prepared import Prepared

NORMAL_KEYS = ("id", "url", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type")


class StationKind(Kind):
    """`SpaceStationNormal`, from the station's stored document."""

    shared = True
    name = "station_normal"
    model = SpaceStation
    columns = ("id", "document")
    keys = NORMAL_KEYS

    def render(self, row, refs):
        document = row["document"]
        out = {key: document.get(key) for key in self.keys}
        out["url"] = refs.ctx.url("space_stations", row["id"])
        return out


class StationMiniKind(StationKind):
    name = "station_mini"
    keys = ("id", "url", "name", "image")


owners_of = Prepared(StationOwner, lambda ids: StationOwner.objects.filter(station_id__in=ids)
                     .order_by("station_id", "position").values_list("station_id", "agency_id"))


class StationDetailedKind(StationKind):
    """`SpaceStationDetailed` (an expedition's station in detailed mode): the normal fields and the owners."""

    name = "station_detailed"
    embeds = ("agency_normal",)

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        owners = grouped(owners_of(ids))
        for row in rows:
            row["owners"] = owners.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out["owners"] = refs.many("agency_normal", row["owners"])
        return out


class StationEndpointKind(StationDetailedKind):
    """`SpaceStationEndpoint`: the detailed station, its mode and its active expeditions (at the moment)."""

    shared = True  # while settled: the active expeditions and figures move with the clock
    name = "station_endpoint_normal"
    columns = ("id", "document", "reported_onboard_crew")
    mode = "normal"
    embeds = ("agency_normal", "expedition_mini")

    def keeps(self, row):
        return row["settled"]

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        station_figures.live_figures(rows, ctx.now)
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out["response_mode"] = self.mode
        out["active_expeditions"] = refs.many("expedition_mini", row["expeditions"])
        return out


locations_of = Prepared(DockingLocation, lambda ids: DockingLocation.objects.filter(spacestation_id__in=ids)
                        .order_by("spacestation_id", "position", "id").values_list("spacestation_id", "id", "name"))


class StationEndpointDetailedKind(StationEndpointKind):
    """`SpaceStationDetailedEndpoint`: also its size, live figures, docking locations with the event docked
    at each now, and the docking events it chases now."""

    name = "station_endpoint_detailed"
    columns = StationEndpointKind.columns + ("height", "width", "mass", "volume")
    mode = "detailed"
    embeds = (*StationEndpointKind.embeds, "docking_at_station", "docking_for_chaser")

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        locations = grouped((station, (pk, name)) for station, pk, name in locations_of(ids))
        location_ids = [pk for places in locations.values() for pk, _ in places]
        docked = {}  # location -> the event docked at it now: the latest docking
        for location, pk in (station_figures.docked_events(ctx.now).filter(docking_location_id__in=location_ids)
                             .order_by("docking_location_id", "docking", "id")
                             .values_list("docking_location_id", "id")) if location_ids else ():
            docked[location] = pk
        chased = DockingEvent.objects.filter(space_station_chaser_id__in=ids).order_by(
            "space_station_chaser_id", "docking", "id").values_list("space_station_chaser_id", "id", "docking",
                                                                    "departure")
        chasing, pending = {}, set()
        for station, pk, start, end in chased:
            if is_on(start, end, ctx.now):
                chasing.setdefault(station, []).append(pk)
            if is_pending(start, end, ctx.now):
                pending.add(station)
        for row in rows:
            row["locations"] = [(pk, name, docked.get(pk)) for pk, name in locations.get(row["id"], [])]
            row["chasing"] = chasing.get(row["id"], [])
            row["settled"] = row["settled"] and row["id"] not in pending
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out.update(
            height=row["height"],
            width=row["width"],
            mass=row["mass"],
            volume=row["volume"],
            onboard_crew=row["onboard_crew"],
            docked_vehicles=row["docked_vehicles"],
            docking_location=[{"id": pk, "name": name, "currently_docked": refs.get("docking_at_station", event)}
                              for pk, name, event in row["locations"]],
            active_docking_events=refs.many("docking_for_chaser", row["chasing"]),
        )
        return out


STATION_NORMAL = StationKind()
STATION_MINI = StationMiniKind()
STATION_DETAILED = StationDetailedKind()
STATION_ENDPOINT = StationEndpointKind()
STATION_ENDPOINT_DETAILED = StationEndpointDetailedKind()
