"""The spacecraft catalogue, keyed by LL2's own ids. Knows nothing of HTTP or LL2's JSON."""
from .agencies import Agency, AgencyCountry, AgencyType, Country, SocialMedia, SocialMediaLink
from .flights import DockingEvent, DockingLocation, Launch, SpacecraftFlight, SpaceStation
from .images import Image, ImageLicense, ImageVariant, ImageVariantType
from .spacecraft import (
    ConfigurationFamily,
    Spacecraft,
    SpacecraftConfigFamily,
    SpacecraftConfigType,
    SpacecraftConfiguration,
    SpacecraftStatus,
)
from .versions import DataVersion

__all__ = [
    "Agency", "AgencyCountry", "AgencyType", "Country", "SocialMedia", "SocialMediaLink",
    "Image", "ImageLicense", "ImageVariant", "ImageVariantType",
    "ConfigurationFamily", "Spacecraft", "SpacecraftConfigFamily", "SpacecraftConfigType",
    "SpacecraftConfiguration", "SpacecraftStatus",
    "DockingEvent", "DockingLocation", "Launch", "SpacecraftFlight", "SpaceStation", "DataVersion",
]
