"""The spacecraft catalogue, keyed by LL2's own ids. Knows nothing of HTTP or LL2's JSON."""
from .agencies import Agency, AgencyCountry, AgencyType, Country, SocialMedia, SocialMediaLink
from .flights import DockingEvent, Launch, SpacecraftFlight
from .images import Image, ImageLicense, ImageVariant, ImageVariantType
from .spacecraft import (
    ConfigurationFamily,
    Spacecraft,
    SpacecraftConfigFamily,
    SpacecraftConfigType,
    SpacecraftConfiguration,
    SpacecraftStatus,
)
from .stations import DockingLocation, Expedition, SpaceStation, SpaceStationStatus, SpaceStationType, StationOwner
from .versions import DataVersion

__all__ = [
    "Agency", "AgencyCountry", "AgencyType", "Country", "SocialMedia", "SocialMediaLink",
    "Image", "ImageLicense", "ImageVariant", "ImageVariantType",
    "ConfigurationFamily", "Spacecraft", "SpacecraftConfigFamily", "SpacecraftConfigType",
    "SpacecraftConfiguration", "SpacecraftStatus",
    "DockingEvent", "Launch", "SpacecraftFlight",
    "DockingLocation", "Expedition", "SpaceStation", "SpaceStationStatus", "SpaceStationType", "StationOwner",
    "DataVersion",
]
