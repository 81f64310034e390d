"""Spacecraft: `SpacecraftNormal`, `SpacecraftEndpointDetailed`, and the nested `SpacecraftDetailed`.

`SpacecraftDetailed` (inside flights and docking events) has the detailed configuration but no
`flights`, and says response_mode "normal" (sic). The figures are computed for the response's moment.
"""
from spacedock.catalog import figures
from spacedock.catalog.models import Spacecraft, SpacecraftFlight

from .formats import duration, seconds
from .kinds import Kind, grouped
from .prepared import Prepared


class SpacecraftNormalKind(Kind):
    name = "spacecraft_normal"
    model = Spacecraft
    columns = ("id", "name", "serial_number", "is_placeholder", "image_id", "live", "settled_in_space",
               "settled_time_in_space", "settled_time_docked", "flights_count", "settled_mission_ends_count",
               "status_id", "status__name", "description", "spacecraft_config_id", "fastest_turnaround")
    mode = "normal"
    config = "config_normal"
    embeds = ("image", config)
    shared = True  # while settled: a live spacecraft's figures move with the clock
    template = True

    def keeps(self, row):
        return not row["live"]

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        figures.live_figures(rows, ctx.now)
        return rows

    def render(self, row, refs):
        return {
            "response_mode": self.mode,
            "id": row["id"],
            "url": refs.ctx.url("spacecraft", row["id"]),
            "name": row["name"],
            "serial_number": row["serial_number"],
            "is_placeholder": row["is_placeholder"],
            "image": refs.get("image", row["image_id"]),
            "in_space": row["in_space"],
            "time_in_space": seconds(row["time_in_space"]),
            "time_docked": seconds(row["time_docked"]),
            "flights_count": row["flights_count"],
            "mission_ends_count": row["mission_ends_count"],
            "status": {"id": row["status_id"], "name": row["status__name"]},
            "description": row["description"],
            "spacecraft_config": refs.get(self.config, row["spacecraft_config_id"]),
            "fastest_turnaround": duration(row["fastest_turnaround"]),
        }


class SpacecraftInFlightKind(SpacecraftNormalKind):
    """`SpacecraftNormal` inside a flight: the same dict, fetched after the flights that embed it."""

    name = "spacecraft_in_flight"


class SpacecraftNestedDetailedKind(SpacecraftNormalKind):
    name = "spacecraft_nested_detailed"
    config = "config_detailed"
    embeds = ("image", config)


class SpacecraftDetailedKind(SpacecraftNestedDetailedKind):
    name = "spacecraft_detailed"
    mode = "detailed"
    embeds = (*SpacecraftNestedDetailedKind.embeds, "config_normal", "spacecraft_in_flight", "flight_normal")

    flights = Prepared(SpacecraftFlight, lambda ids: SpacecraftFlight.objects.filter(spacecraft_id__in=ids)
                       .order_by("spacecraft_id", "launch__net", "id").values_list("spacecraft_id", "id"))

    def fetch(self, ids, ctx):
        rows = super().fetch(ids, ctx)
        flights = grouped(self.flights(ids))
        for row in rows:
            row["flights"] = flights.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        # Each flight embeds this spacecraft again in normal form: the same row, so no second fetch, and the
        # same fields but two (its mode and the normal configuration, in their places), so no second render.
        in_flight = dict(out, response_mode=SPACECRAFT_IN_FLIGHT.mode,
                         spacecraft_config=refs.get(SPACECRAFT_IN_FLIGHT.config, row["spacecraft_config_id"]))
        refs.provide(SPACECRAFT_IN_FLIGHT, row["id"], in_flight)
        out["flights"] = refs.many("flight_normal", row["flights"])  # oldest launch first
        return out


SPACECRAFT_NORMAL = SpacecraftNormalKind()
SPACECRAFT_IN_FLIGHT = SpacecraftInFlightKind()
SPACECRAFT_NESTED_DETAILED = SpacecraftNestedDetailedKind()
SPACECRAFT_DETAILED = SpacecraftDetailedKind()
