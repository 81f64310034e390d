"""The small `config/` tables: each row is rendered with exactly LL2's fields, in LL2's order."""
from spacedock.catalog import models as m

from .kinds import Kind


class LookupKind(Kind):

    def __init__(self, name, model, columns):
        self.name, self.model, self.columns = name, model, columns
        super().__init__()

    def render(self, row, refs):
        return dict(row)


SPACECRAFT_STATUS = LookupKind("spacecraft_status", m.SpacecraftStatus, ("id", "name"))
SPACECRAFT_CONFIG_TYPE = LookupKind("spacecraft_config_type", m.SpacecraftConfigType, ("id", "name"))
AGENCY_TYPE = LookupKind("agency_type", m.AgencyType, ("id", "name"))
COUNTRY = LookupKind("country", m.Country, ("id", "name", "alpha_2_code", "alpha_3_code", "nationality_name",
                                             "nationality_name_composed"))
IMAGE_LICENSE = LookupKind("image_license", m.ImageLicense, ("id", "name", "priority", "link"))
IMAGE_VARIANT_TYPE = LookupKind("image_variant_type", m.ImageVariantType, ("id", "name"))
SPACE_STATION_STATUS = LookupKind("space_station_status", m.SpaceStationStatus, ("id", "name"))
