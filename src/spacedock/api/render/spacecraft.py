"""Spacecraft: `SpacecraftNormal`, `SpacecraftEndpointDetailed`, and the nested `SpacecraftDetailed`.

`SpacecraftDetailed` (inside flights and docking events) has the detailed configuration but no
`flights`, and says response_mode "normal" (sic).
"""
from spacedock.catalog.models import Spacecraft

from .common import Kind, duration
from .configs import CONFIG_DETAILED, CONFIG_NORMAL
from .images import IMAGE


class SpacecraftNormalKind(Kind):
    name = "spacecraft_normal"
    level = 0
    model = Spacecraft
    columns = ("id", "name", "serial_number", "is_placeholder", "image_id", "in_space", "time_in_space",
               "time_docked", "flights_count", "mission_ends_count", "status_id", "status__name",
               "description", "spacecraft_config_id", "fastest_turnaround")
    mode = "normal"
    config = CONFIG_NORMAL

    def render(self, row, refs):
        return {
            "response_mode": self.mode,
            "id": row["id"],
            "url": refs.ctx.url("spacecraft", row["id"]),
            "name": row["name"],
            "serial_number": row["serial_number"],
            "is_placeholder": row["is_placeholder"],
            "image": refs.get(IMAGE, row["image_id"]),
            "in_space": row["in_space"],
            "time_in_space": duration(row["time_in_space"]),
            "time_docked": duration(row["time_docked"]),
            "flights_count": row["flights_count"],
            "mission_ends_count": row["mission_ends_count"],
            "status": {"id": row["status_id"], "name": row["status__name"]},
            "description": row["description"],
            "spacecraft_config": refs.get(self.config, row["spacecraft_config_id"]),
            "fastest_turnaround": duration(row["fastest_turnaround"]),
        }


class SpacecraftNestedDetailedKind(SpacecraftNormalKind):
    name = "spacecraft_nested_detailed"
    level = 5
    config = CONFIG_DETAILED


class SpacecraftDetailedKind(SpacecraftNestedDetailedKind):
    name = "spacecraft_detailed"
    level = 0
    mode = "detailed"

    def render(self, row, refs):
        out = super().render(row, refs)
        # Flights are stored by the flights issue; until then a spacecraft has none to list.
        out["flights"] = []
        return out


SPACECRAFT_NORMAL = SpacecraftNormalKind()
SPACECRAFT_NESTED_DETAILED = SpacecraftNestedDetailedKind()
SPACECRAFT_DETAILED = SpacecraftDetailedKind()
