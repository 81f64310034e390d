"""Spacecraft configurations and configuration families in each of LL2's shapes.

The quirks are LL2's: a family nested in a detailed configuration (`SpacecraftConfigFamilyDetailed`)
says response_mode "normal"; a family's parent is one level less detailed than the family; families
have no `url`.
"""
from spacedock.catalog.models import ConfigurationFamily, SpacecraftConfigFamily, SpacecraftConfiguration
from spacedock.catalog.models.spacecraft import FLIGHT_STATS

from .formats import date, duration, number
from .kinds import Kind, grouped


class FamilyMiniKind(Kind):
    shared = True
    name = "family_list"
    model = SpacecraftConfigFamily
    columns = ("id", "name")
    mode = "list"

    def render(self, row, refs):
        return {"response_mode": self.mode, "id": row["id"], "name": row["name"]}


class FamilyNormalKind(FamilyMiniKind):
    name = "family_normal"
    columns = ("id", "name", "description", "manufacturer_id", "parent_id", "maiden_flight")
    mode = "normal"
    manufacturer = "agency_list"
    parent = "family_list"
    embeds = (manufacturer, parent)

    def render(self, row, refs):
        out = super().render(row, refs)
        out.update(
            description=row["description"],
            manufacturer=refs.get(self.manufacturer, row["manufacturer_id"]),
            parent=refs.get(self.parent, row["parent_id"]),
            maiden_flight=date(row["maiden_flight"]),
        )
        return out


class FamilyDetailedKind(FamilyNormalKind):
    """The family inside a detailed configuration: response_mode "normal" (sic), with stats."""

    name = "family_nested_detailed"
    columns = FamilyNormalKind.columns + FLIGHT_STATS
    manufacturer = "agency_normal"
    parent = "family_normal"
    embeds = (manufacturer, parent)

    def render(self, row, refs):
        out = super().render(row, refs)
        for stat in FLIGHT_STATS:
            out[stat] = row[stat]
        return out


class FamilyEndpointDetailedKind(FamilyDetailedKind):
    name = "family_detailed"
    mode = "detailed"
    embeds = (*FamilyDetailedKind.embeds, "config_normal")

    def fetch(self, ids, ctx):
        rows = list(super().fetch(ids, ctx))
        configs = grouped(
            ConfigurationFamily.objects.filter(family_id__in=ids).order_by("configuration_id")
            .values_list("family_id", "configuration_id")
        )
        for row in rows:
            row["configs"] = configs.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out["spacecraft"] = refs.many("config_normal", row["configs"])
        return out


class ConfigNormalKind(Kind):
    shared = True
    name = "config_normal"
    model = SpacecraftConfiguration
    columns = ("id", "name", "type_id", "type__name", "agency_id", "in_use", "image_id")
    mode = "normal"
    agency = "agency_list"
    family = "family_normal"
    embeds = (agency, family, "image")

    def fetch(self, ids, ctx):
        rows = list(super().fetch(ids, ctx))
        families = grouped(
            ConfigurationFamily.objects.filter(configuration_id__in=ids).order_by("configuration_id", "position")
            .values_list("configuration_id", "family_id")
        )
        for row in rows:
            row["families"] = families.get(row["id"], [])
        return rows

    def render(self, row, refs):
        return {
            "response_mode": self.mode,
            "id": row["id"],
            "url": refs.ctx.url("spacecraft_configurations", row["id"]),
            "name": row["name"],
            "type": {"id": row["type_id"], "name": row["type__name"]},
            "agency": refs.get(self.agency, row["agency_id"]),
            "family": refs.many(self.family, row["families"]),
            "in_use": row["in_use"],
            "image": refs.get("image", row["image_id"]),
        }


class ConfigDetailedKind(ConfigNormalKind):
    name = "config_detailed"
    columns = ConfigNormalKind.columns + (
        "capability", "history", "details", "maiden_flight", "height", "diameter", "human_rated",
        "crew_capacity", "payload_capacity", "payload_return_capacity", "flight_life", "wiki_link",
        "info_link",
    ) + FLIGHT_STATS + ("fastest_turnaround",)
    mode = "detailed"
    agency = "agency_normal"
    family = "family_nested_detailed"
    embeds = (agency, family, "image")

    def render(self, row, refs):
        out = super().render(row, refs)
        out.update(
            capability=row["capability"],
            history=row["history"],
            details=row["details"],
            maiden_flight=date(row["maiden_flight"]),
            height=number(row["height"]),
            diameter=number(row["diameter"]),
            human_rated=row["human_rated"],
            crew_capacity=row["crew_capacity"],
            payload_capacity=row["payload_capacity"],
            payload_return_capacity=row["payload_return_capacity"],
            flight_life=row["flight_life"],
            wiki_link=row["wiki_link"],
            info_link=row["info_link"],
        )
        for stat in FLIGHT_STATS:
            out[stat] = row[stat]
        out["fastest_turnaround"] = duration(row["fastest_turnaround"])
        return out


FAMILY_LIST = FamilyMiniKind()
FAMILY_NORMAL = FamilyNormalKind()
FAMILY_NESTED_DETAILED = FamilyDetailedKind()
FAMILY_DETAILED = FamilyEndpointDetailedKind()

CONFIG_NORMAL = ConfigNormalKind()
CONFIG_DETAILED = ConfigDetailedKind()
