"""Expeditions: `ExpeditionMini` (a station's active ones), `ExpeditionNormal` and `ExpeditionDetailed`.

Crew, mission patches and spacewalks are outside the spacecraft catalogue: LL2 documents kept as an
expedition's own record brought them (a station's record names its expeditions without them: empty).
"""
from spacedock.catalog.models import Expedition

from .formats import moment
from .kinds import Kind


class ExpeditionMiniKind(Kind):
    shared = True
    name = "expedition_mini"
    model = Expedition
    columns = ("id", "name", "start", "end")

    def render(self, row, refs):
        return {
            "id": row["id"],
            "url": refs.ctx.url("expeditions", row["id"]),
            "name": row["name"],
            "start": moment(row["start"]),
            "end": moment(row["end"]),
        }


class ExpeditionNormalKind(ExpeditionMiniKind):
    name = "expedition_normal"
    columns = ExpeditionMiniKind.columns + ("spacestation_id", "mission_patches", "spacewalks")
    mode = "normal"
    station = "station_normal"
    embeds = (station,)

    def render(self, row, refs):
        out = super().render(row, refs)
        out["response_mode"] = self.mode
        out["spacestation"] = refs.get(self.station, row["spacestation_id"])
        out["mission_patches"] = row["mission_patches"]
        out["spacewalks"] = row["spacewalks"]
        return out


class ExpeditionDetailedKind(ExpeditionNormalKind):
    name = "expedition_detailed"
    columns = ExpeditionNormalKind.columns + ("crew",)
    mode = "detailed"
    station = "station_detailed"
    embeds = (station,)

    def render(self, row, refs):
        out = super().render(row, refs)
        out["crew"] = row["crew"]
        return out


EXPEDITION_MINI = ExpeditionMiniKind()
EXPEDITION_NORMAL = ExpeditionNormalKind()
EXPEDITION_DETAILED = ExpeditionDetailedKind()
