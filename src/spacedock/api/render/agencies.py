"""Agency in LL2's three modes: `AgencyMini` (list), `AgencyNormal` (normal), `AgencyEndpointDetailed`.

`AgencyNormal` is also what LL2 nests in detailed configurations and families; its response_mode
there stays "normal".
"""
from spacedock.catalog.models import Agency, AgencyCountry, SocialMediaLink
from spacedock.catalog.models.agencies import AGENCY_COUNTERS

from .kinds import Kind, grouped

COUNTRY_COLUMNS = ("id", "name", "alpha_2_code", "alpha_3_code", "nationality_name", "nationality_name_composed")


class AgencyMiniKind(Kind):
    shared = True
    name = "agency_list"
    model = Agency
    columns = ("id", "name", "abbrev", "type_id", "type__name")
    mode = "list"

    def render(self, row, refs):
        return {
            "response_mode": self.mode,
            "id": row["id"],
            "url": refs.ctx.url("agencies", row["id"]),
            "name": row["name"],
            "abbrev": row["abbrev"],
            "type": None if row["type_id"] is None else {"id": row["type_id"], "name": row["type__name"]},
        }


class AgencyNormalKind(AgencyMiniKind):
    name = "agency_normal"
    columns = AgencyMiniKind.columns + (
        "featured", "description", "administrator", "founding_year", "launchers", "spacecraft",
        "parent_name", "image_id", "logo_id", "social_logo_id",
    )
    mode = "normal"
    embeds = ("image",)

    def fetch(self, ids, ctx):
        rows = list(super().fetch(ids, ctx))
        countries = grouped(
            (link["agency_id"], {key: link[f"country__{key}"] for key in COUNTRY_COLUMNS})
            for link in AgencyCountry.objects.filter(agency_id__in=ids).order_by("agency_id", "position")
            .values("agency_id", *(f"country__{key}" for key in COUNTRY_COLUMNS))
        )
        for row in rows:
            row["countries"] = countries.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        out.update(
            featured=row["featured"],
            country=row["countries"],
            description=row["description"],
            administrator=row["administrator"],
            founding_year=row["founding_year"],
            launchers=row["launchers"],
            spacecraft=row["spacecraft"],
            parent=row["parent_name"],
            image=refs.get("image", row["image_id"]),
            logo=refs.get("image", row["logo_id"]),
            social_logo=refs.get("image", row["social_logo_id"]),
        )
        return out


class AgencyDetailedKind(AgencyNormalKind):
    name = "agency_detailed"
    columns = AgencyNormalKind.columns + AGENCY_COUNTERS + ("info_url", "wiki_url", "launcher_list")
    mode = "detailed"
    embeds = ("image", "config_detailed")

    def fetch(self, ids, ctx):
        from spacedock.catalog.models import SpacecraftConfiguration

        rows = super().fetch(ids, ctx)
        links = grouped(
            (link["agency_id"], link)
            for link in SocialMediaLink.objects.filter(agency_id__in=ids).order_by("id")
            .values("id", "agency_id", "url", "social_media_id", "social_media__name", "social_media__url",
                    "social_media__logo_id")
        )
        configs = grouped(
            SpacecraftConfiguration.objects.filter(agency_id__in=ids).order_by("id").values_list("agency_id", "id")
        )
        for row in rows:
            row["links"] = links.get(row["id"], [])
            row["configs"] = configs.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = super().render(row, refs)
        for counter in AGENCY_COUNTERS:
            out[counter] = row[counter]
        out["info_url"] = row["info_url"]
        out["wiki_url"] = row["wiki_url"]
        out["social_media_links"] = [
            {
                "id": link["id"],
                "social_media": {
                    "id": link["social_media_id"],
                    "name": link["social_media__name"],
                    "url": link["social_media__url"],
                    "logo": refs.get("image", link["social_media__logo_id"]),
                },
                "url": link["url"],
            }
            for link in row["links"]
        ]
        out["launcher_list"] = row["launcher_list"]
        out["spacecraft_list"] = refs.many("config_detailed", row["configs"])
        return out


AGENCY_LIST = AgencyMiniKind()
AGENCY_NORMAL = AgencyNormalKind()
AGENCY_DETAILED = AgencyDetailedKind()
