"""LL2 2.3.0 JSON -> plain rows for the catalogue, checked field by field.

A nested object may come in any of LL2's modes (an agency as `AgencyMini` inside a configuration,
as `AgencyNormal` elsewhere): only the keys present are taken, so a less detailed copy never wipes
what a more detailed one brought. The same id seen twice merges, the later record winning per key.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import isodate
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from spacedock.catalog import models as m
from spacedock.catalog.models.base import DocumentField
from spacedock.catalog.models.spacecraft import FLIGHT_STATS

from .errors import ShapeError

# The same limits on every database (SQLite would take 64-bit values that PostgreSQL refuses).
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


NEWEST = "2.3.0"  # the LL2 version this reader is for; older ones are read by ll2_versions
REFERENCE = "0"  # the "version" of a bare reference: older than any, it only fills in (see Reader.launch)


def empty(value) -> bool:
    """No value: what an older LL2 version's value may fill in."""
    return value is None or value == "" or value == [] or value == {}


def _wins(new, new_version, old, old_version) -> bool:
    """Whether a value read now replaces the one read before for the same key (see Batch)."""
    if new_version == old_version:
        return True  # the later record
    if NEWEST in (new_version, old_version):
        return new_version == NEWEST  # 2.3.0's value, even null, over an older version's
    if empty(new) != empty(old):
        return not empty(new)
    return new_version > old_version  # "2.2.0" > "2.1.0" > "2.0.0"


class Batch:
    """Everything one import writes: rows per model by id, and ordered link lists that replace old ones.

    Each value remembers the LL2 version it was read from (2.3.0 unless `soft` says an older one). The
    same key seen twice, whatever the order the records came in: a 2.3.0 record's value (even null) wins
    over an older version's; between older versions a value wins over an empty one (null, blank), then
    the newer version's; within one version the later record wins. (`ll2_versions` also keeps stored
    rows from older versions' values.)"""

    def __init__(self):
        self.rows: dict[type, dict[int, dict]] = {}
        self.links: dict[tuple[type, str], dict[int, list]] = {}  # (owner model, relation) -> owner id -> items
        self.origin: dict[tuple[type, int], str] = {}
        self.soft: dict[tuple[type, int], dict] = {}  # (model, id) -> key -> the older version its value is from
        self.soft_links: dict[tuple, str] = {}  # (model, relation, id) -> the older version its list is from
        self.legacy = None  # ll2_versions.Legacy: what older-version records left to resolve and to report

    def row(self, model, pk, fields, where, version=NEWEST):
        row = self.rows.setdefault(model, {}).setdefault(pk, {})
        soft = self.soft.setdefault((model, pk), {})
        for key, value in fields.items():
            taken = version
            if key not in row:
                pass
            elif key == "document":  # key by key, the newer version's keys winning
                older = soft.get(key, NEWEST)
                value = merge_documents(*((row[key], value) if version >= older else (value, row[key])))
                taken = max(version, older)
            elif not _wins(value, version, row[key], soft.get(key, NEWEST)):
                continue
            row[key] = value
            if taken == NEWEST:
                soft.pop(key, None)
            else:
                soft[key] = taken
        self.origin.setdefault((model, pk), where)

    def replace_links(self, model, relation, pk, items, version=NEWEST):
        by_owner = self.links.setdefault((model, relation), {})
        key = (model, relation, pk)
        if pk in by_owner and not _wins(items, version, by_owner[pk], self.soft_links.get(key, NEWEST)):
            return
        by_owner[pk] = items
        if version == NEWEST:
            self.soft_links.pop(key, None)
        else:
            self.soft_links[key] = version

    def count(self, model):
        return len(self.rows.get(model, {}))


def merge_documents(old: dict, new: dict) -> dict:
    """Two copies of one LL2 document: key by key the newer value wins, in the fuller copy's key order
    (a `LaunchMini` seen after a `LaunchNormal` neither drops keys nor reorders them)."""
    first, second = (new, old) if len(new) >= len(old) else (old, new)
    keys = list(first) + [key for key in second if key not in first]
    return {key: new[key] if key in new else old[key] for key in keys}


def _convert(model, name, value, path):
    """Check and convert one LL2 value for `model.name`, as its column demands."""
    field = model._meta.get_field(name)
    if value is None:
        if field.null:
            return None
        if (field.blank and isinstance(field, (models.CharField, models.TextField))
                and not isinstance(field, DocumentField)):
            return ""  # LL2 writes null and "" interchangeably for blank text
        raise ShapeError(path, "must not be null")
    if isinstance(field, models.BooleanField):
        if not isinstance(value, bool):
            raise ShapeError(path, f"expected true or false, got {value!r}")
        return value
    if isinstance(field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ShapeError(path, f"expected a whole number, got {value!r}")
        low, high = INTEGER_RANGES[field.get_internal_type()]
        if not low <= value <= high:
            raise ShapeError(path, f"{value} is out of range ({low} to {high})")
        return value
    if isinstance(field, models.FloatField):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ShapeError(path, f"expected a number, got {value!r}")
        return float(value)
    if isinstance(field, models.DurationField):
        try:
            parsed = isodate.parse_duration(value) if isinstance(value, str) else None
        except (isodate.ISO8601Error, ValueError):
            parsed = None
        if not isinstance(parsed, dt.timedelta):
            raise ShapeError(path, f"expected an ISO 8601 duration such as P1DT2H, got {value!r}")
        return parsed
    if isinstance(field, models.DateTimeField):
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise ShapeError(path, f"expected a date-time such as 2026-07-24T01:13:35Z, got {value!r}") from None
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    if isinstance(field, models.DateField):
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ShapeError(path, f"expected a date such as 2024-01-31, got {value!r}") from None
    if isinstance(field, (models.JSONField, DocumentField)):
        return value
    if isinstance(field, (models.CharField, models.TextField)):
        if not isinstance(value, str):
            raise ShapeError(path, f"expected text, got {value!r}")
        if field.max_length and len(value) > field.max_length:
            raise ShapeError(path, f"longer than {field.max_length} characters")
        return value
    raise AssertionError(f"no conversion for {model.__name__}.{name}")  # pragma: no cover


def _object(value, path):
    if not isinstance(value, dict):
        raise ShapeError(path, f"expected an object, got {type(value).__name__}")
    return value


def _list(value, path):
    if not isinstance(value, list):
        raise ShapeError(path, f"expected a list, got {type(value).__name__}")
    return value


class Reader:
    """Walks LL2 objects of any supported kind into a Batch; `where` says which record for errors."""

    version = NEWEST  # an older one in ll2_versions.LegacyReader (see Batch)

    def __init__(self, batch: Batch, where: str, facts: FileFacts | None = None):
        self.batch, self.where = batch, where
        self.facts = facts if facts is not None else FileFacts()

    def _plain(self, model, obj, path, keys, required=("id",)):
        """Take `keys` that are present (LL2 key == column name); returns (id, fields)."""
        obj = _object(obj, path)
        for key in required:
            if key not in obj:
                raise ShapeError(f"{path}.{key}".lstrip("."), "missing")
        pk = _convert(model, "id", obj["id"], f"{path}.id".lstrip("."))
        fields = {key: _convert(model, key, obj[key], f"{path}.{key}".lstrip(".")) for key in keys if key in obj}
        return pk, fields

    def _fk(self, model, obj, key, path, read, fields):
        """A nested object: read it (upserting it) and keep its id as this row's reference."""
        if key not in obj:
            return
        where = f"{path}.{key}".lstrip(".")
        if obj[key] is None:
            if not model._meta.get_field(key).null:
                raise ShapeError(where, "must not be null")
            fields[f"{key}_id"] = None
        else:
            fields[f"{key}_id"] = read(obj[key], where)

    def _save(self, model, pk, fields):
        self.batch.row(model, pk, fields, self.where, self.version)
        return pk

    def _links(self, model, relation, pk, items):
        self.batch.replace_links(model, relation, pk, items, self.version)

    # leaves -------------------------------------------------------------------------------------
    def simple(self, model, obj, path, keys=("name",)):
        pk, fields = self._plain(model, obj, path, keys)
        return self._save(model, pk, fields)

    def image(self, obj, path):
        pk, fields = self._plain(m.Image, obj, path, ("name", "image_url", "thumbnail_url", "credit", "single_use"))
        self._fk(m.Image, obj, "license", path,
                 lambda o, p: self.simple(m.ImageLicense, o, p, ("name", "priority", "link")), fields)
        if "variants" in obj:
            variants = []
            for i, variant in enumerate(_list(obj["variants"], f"{path}.variants")):
                vpath = f"{path}.variants[{i}]"
                vid, vfields = self._plain(m.ImageVariant, variant, vpath, ("image_url",))
                self._fk(m.ImageVariant, variant, "type", vpath,
                         lambda o, p: self.simple(m.ImageVariantType, o, p), vfields)
                vfields["image_id"] = pk
                self._save(m.ImageVariant, vid, vfields)
                variants.append(vid)
            self._links(m.Image, "variants", pk, variants)
        return self._save(m.Image, pk, fields)

    def country(self, obj, path=""):
        return self.simple(m.Country, obj, path, ("name", "alpha_2_code", "alpha_3_code", "nationality_name",
                                                  "nationality_name_composed"))

    # the `config/` look-ups on their own (a Spacedock export carries them all, used or not) ---------
    def agency_type(self, obj, path=""):
        return self.simple(m.AgencyType, obj, path)

    def image_license(self, obj, path=""):
        return self.simple(m.ImageLicense, obj, path, ("name", "priority", "link"))

    def image_variant_type(self, obj, path=""):
        return self.simple(m.ImageVariantType, obj, path)

    def spacecraft_config_type(self, obj, path=""):
        return self.simple(m.SpacecraftConfigType, obj, path)

    def spacecraft_status(self, obj, path=""):
        return self.simple(m.SpacecraftStatus, obj, path)

    # agencies -----------------------------------------------------------------------------------
    def agency(self, obj, path=""):
        keys = ("name", "abbrev", "featured", "description", "administrator", "founding_year", "launchers",
                "spacecraft", "info_url", "wiki_url", "launcher_list") + m.agencies.AGENCY_COUNTERS
        pk, fields = self._plain(m.Agency, obj, path, keys)
        if "parent" in obj:
            fields["parent_name"] = _convert(m.Agency, "parent_name", obj["parent"], f"{path}.parent".lstrip("."))
        self._fk(m.Agency, obj, "type", path, lambda o, p: self.simple(m.AgencyType, o, p), fields)
        for key in ("image", "logo", "social_logo"):
            self._fk(m.Agency, obj, key, path, self.image, fields)
        if "country" in obj:
            countries = [self.country(c, f"{path}.country[{i}]".lstrip("."))
                         for i, c in enumerate(_list(obj["country"], f"{path}.country"))]
            self._links(m.Agency, "countries", pk, countries)
        if "social_media_links" in obj:
            links = []
            for i, link in enumerate(_list(obj["social_media_links"], f"{path}.social_media_links")):
                lpath = f"{path}.social_media_links[{i}]".lstrip(".")
                lid, lfields = self._plain(m.SocialMediaLink, link, lpath, ("url",))
                self._fk(m.SocialMediaLink, link, "social_media", lpath, self.social_media, lfields)
                lfields["agency_id"] = pk
                links.append(self._save(m.SocialMediaLink, lid, lfields))
            self._links(m.Agency, "social_media_links", pk, links)
        self._save(m.Agency, pk, fields)
        if "spacecraft_list" in obj:
            for i, config in enumerate(_list(obj["spacecraft_list"], f"{path}.spacecraft_list")):
                self.configuration(config, f"{path}.spacecraft_list[{i}]".lstrip("."))
        return pk

    def social_media(self, obj, path):
        pk, fields = self._plain(m.SocialMedia, obj, path, ("name", "url"))
        self._fk(m.SocialMedia, obj, "logo", path, self.image, fields)
        return self._save(m.SocialMedia, pk, fields)

    # configurations and families ----------------------------------------------------------------
    def family(self, obj, path=""):
        pk, fields = self._plain(m.SpacecraftConfigFamily, obj, path,
                                 ("name", "description", "maiden_flight") + FLIGHT_STATS)
        self._fk(m.SpacecraftConfigFamily, obj, "manufacturer", path, self.agency, fields)
        self._fk(m.SpacecraftConfigFamily, obj, "parent", path, self.family, fields)
        self._save(m.SpacecraftConfigFamily, pk, fields)
        if "spacecraft" in obj:
            for i, config in enumerate(_list(obj["spacecraft"], f"{path}.spacecraft")):
                self.configuration(config, f"{path}.spacecraft[{i}]".lstrip("."))
        return pk

    def configuration(self, obj, path=""):
        keys = ("name", "in_use", "capability", "history", "details", "maiden_flight", "height", "diameter",
                "human_rated", "crew_capacity", "payload_capacity", "payload_return_capacity", "flight_life",
                "wiki_link", "info_link", "fastest_turnaround") + FLIGHT_STATS
        pk, fields = self._plain(m.SpacecraftConfiguration, obj, path, keys)
        self._fk(m.SpacecraftConfiguration, obj, "type", path,
                 lambda o, p: self.simple(m.SpacecraftConfigType, o, p), fields)
        self._fk(m.SpacecraftConfiguration, obj, "agency", path, self.agency, fields)
        self._fk(m.SpacecraftConfiguration, obj, "image", path, self.image, fields)
        if "family" in obj:
            families = [self.family(f, f"{path}.family[{i}]".lstrip("."))
                        for i, f in enumerate(_list(obj["family"] or [], f"{path}.family"))]
            self._links(m.SpacecraftConfiguration, "families", pk, families)
        return self._save(m.SpacecraftConfiguration, pk, fields)

    # spacecraft and stations --------------------------------------------------------------------
    def spacecraft(self, obj, path=""):
        pk, fields = self._plain(m.Spacecraft, obj, path, ("name", "serial_number", "is_placeholder", "description"))
        for key in REPORTED_FIGURES:
            if key in obj:
                fields[f"reported_{key}"] = _convert(m.Spacecraft, f"reported_{key}", obj[key],
                                                     f"{path}.{key}".lstrip("."))
        self._fk(m.Spacecraft, obj, "image", path, self.image, fields)
        self._fk(m.Spacecraft, obj, "status", path, lambda o, p: self.simple(m.SpacecraftStatus, o, p), fields)
        self._fk(m.Spacecraft, obj, "spacecraft_config", path, self.configuration, fields)
        self._save(m.Spacecraft, pk, fields)
        if any(key in obj for key in REPORTED_FIGURES) and (self.version == NEWEST or any(
                self.batch.soft[(m.Spacecraft, pk)].get(f"reported_{key}") == self.version
                for key in REPORTED_FIGURES)):
            self.facts.reported.add(pk)  # (an older version's figures do not date a 2.3.0 record's)
        if "flights" in obj:
            for i, flight in enumerate(_list(obj["flights"], f"{path}.flights")):
                flight_id = self.flight(flight, f"{path}.flights[{i}]".lstrip("."))
                if "spacecraft" not in flight:  # listed by its spacecraft without naming it again
                    self._save(m.SpacecraftFlight, flight_id, {"spacecraft_id": pk})
                    self.facts.flights.setdefault(pk, set()).add(flight_id)
        return pk

    # flights, launches, docking events and stations ---------------------------------------------
    def launch(self, obj, path):
        """A launch is outside the catalogue: its LL2 document is kept whole, its `net` as a column (2.3.0
        always gives it; only an older version may leave it unknown, see ll2_versions)."""
        pk, fields = self._plain(m.Launch, obj, path, ("net",))
        if set(obj) <= {"id", "net"}:
            # Known only by id (and net), as an older version names a launch and `spacedock export` writes
            # one: it only fills in, as an older version's values do (see Batch); a stored row stays.
            fields["document"] = {}
            self.batch.row(m.Launch, pk, fields, self.where, REFERENCE)
            return pk
        if "net" in fields and fields["net"] is None:
            raise ShapeError(f"{path}.net".lstrip("."), "must not be null")
        fields["document"] = obj
        self._save(m.Launch, pk, fields)
        if "net" in fields:
            self.facts.launch_net[pk] = fields["net"]
        return pk

    def flight(self, obj, path=""):
        """A spacecraft flight in any 2.3.0 form (normal, detailed, or the short one inside docking events)."""
        pk, fields = self._plain(m.SpacecraftFlight, obj, path, ("destination", "mission_end", "landing", "launch_crew",
                                                                  "onboard_crew", "landing_crew"))
        for key in ("landing", "launch_crew", "onboard_crew", "landing_crew"):
            if key in fields and fields[key] is not None:
                (_object if key == "landing" else _list)(fields[key], f"{path}.{key}".lstrip("."))
        self._fk(m.SpacecraftFlight, obj, "spacecraft", path, self.spacecraft, fields)
        self._fk(m.SpacecraftFlight, obj, "launch", path, self.launch, fields)
        self._save(m.SpacecraftFlight, pk, fields)
        if fields.get("spacecraft_id") is not None:
            self.facts.flights.setdefault(fields["spacecraft_id"], set()).add(pk)
            if fields.get("launch_id") is not None:
                self.facts.flight_launch[pk] = fields["launch_id"]
        if "docking_events" in obj:
            for i, event in enumerate(_list(obj["docking_events"], f"{path}.docking_events")):
                self.docking_event(event, f"{path}.docking_events[{i}]".lstrip("."), chaser=pk)
        return pk

    def docking_event(self, obj, path="", chaser=None, station=None, location=None):
        """A docking event; inside a flight or a station the chaser, target or location is the enclosing one."""
        pk, fields = self._plain(m.DockingEvent, obj, path, ("docking", "departure", "payload_flight_chaser",
                                                              "payload_flight_target"))
        self._fk(m.DockingEvent, obj, "docking_location", path, self.docking_location, fields)
        self._fk(m.DockingEvent, obj, "flight_vehicle_chaser", path, self.flight, fields)
        self._fk(m.DockingEvent, obj, "flight_vehicle_target", path, self.flight, fields)
        self._fk(m.DockingEvent, obj, "space_station_chaser", path, self.station, fields)
        self._fk(m.DockingEvent, obj, "space_station_target", path, self.station, fields)
        for key, value in (("flight_vehicle_chaser_id", chaser), ("space_station_target_id", station),
                           ("docking_location_id", location)):
            if value is not None:
                fields[key] = value
        self._save(m.DockingEvent, pk, fields)
        if fields.get("flight_vehicle_chaser_id") is not None and "docking" in fields:
            self.facts.dockings[pk] = (fields["flight_vehicle_chaser_id"], fields["docking"], fields.get("departure"))
        return pk

    def station(self, obj, path=""):
        """A space station as another resource shows it (`SpaceStationMini`/`Normal`): its document is kept,
        and what filters and orderings read is a column."""
        obj = _object(obj, path)
        pk, fields = self._plain(m.SpaceStation, obj, path, ("name", "founded", "orbit"))
        self._fk(m.SpaceStation, obj, "status", path, self.space_station_status, fields)
        self._fk(m.SpaceStation, obj, "type", path, lambda o, p: self.simple(m.SpaceStationType, o, p), fields)
        # Its `url` is not kept: the API names its own (stations are served here).
        fields["document"] = {key: obj[key] for key in STATION_KEYS if key in obj and key != "url"}
        return self._save(m.SpaceStation, pk, fields)

    def space_station_status(self, obj, path=""):
        return self.simple(m.SpaceStationStatus, obj, path)

    def docking_location(self, obj, path="", station=None, position=None):
        pk, fields = self._plain(m.DockingLocation, obj, path, ("name", "payload"))
        self._fk(m.DockingLocation, obj, "spacestation", path, self.station, fields)
        self._fk(m.DockingLocation, obj, "spacecraft", path, self.configuration, fields)
        if station is not None:
            fields["spacestation_id"] = station
        if position is not None:
            fields["position"] = position
        return self._save(m.DockingLocation, pk, fields)

    # The key under which a station's docking location holds the event docked at it now (2.2.0: `docked`).
    DOCKED_KEY = "currently_docked"

    def space_station(self, obj, path=""):
        """A station (2.3.0 normal or detailed): itself, its owners, active expeditions, docking locations and
        the events docked at them now."""
        pk = self.station(obj, path)
        fields = self._plain(m.SpaceStation, obj, path, ("height", "width", "mass", "volume"))[1]
        if "onboard_crew" in obj:
            fields["reported_onboard_crew"] = _convert(m.SpaceStation, "reported_onboard_crew", obj["onboard_crew"],
                                                       f"{path}.onboard_crew".lstrip("."))
        self._save(m.SpaceStation, pk, fields)
        if obj.get("owners") is not None:
            owners = [self.agency(owner, f"{path}.owners[{i}]".lstrip("."))
                      for i, owner in enumerate(_list(obj["owners"], f"{path}.owners"))]
            self._links(m.SpaceStation, "owners", pk, owners)
        for i, expedition in enumerate(_list(obj.get("active_expeditions") or [],
                                             f"{path}.active_expeditions".lstrip("."))):
            self.expedition(expedition, f"{path}.active_expeditions[{i}]".lstrip("."), station=pk)
        for i, location in enumerate(_list(obj.get("docking_location") or [], f"{path}.docking_location".lstrip("."))):
            lpath = f"{path}.docking_location[{i}]".lstrip(".")
            location_id = self.docking_location(location, lpath, station=pk, position=i)
            docked = location.get(self.DOCKED_KEY)
            if docked:
                self.docking_event(docked, f"{lpath}.{self.DOCKED_KEY}", station=pk, location=location_id)
        return pk

    def expedition(self, obj, path="", station=None):
        """An expedition (`ExpeditionMini` inside a station, or its own normal or detailed record)."""
        pk, fields = self._plain(m.Expedition, obj, path, ("name", "start", "end", "mission_patches", "spacewalks"))
        for key in ("mission_patches", "spacewalks"):
            if key in fields:
                _list(fields[key], f"{path}.{key}".lstrip("."))
        self._fk(m.Expedition, obj, "spacestation", path, self.station, fields)
        if station is not None:
            fields["spacestation_id"] = station
        if "crew" in obj:
            fields.update(self.crew(obj["crew"], f"{path}.crew".lstrip(".")))
        return self._save(m.Expedition, pk, fields)

    def crew(self, value, path):
        """An expedition's crew (`AstronautFlight` list) and what its filters and search read from it."""
        crew = _list(value, path)
        astronauts, agencies, words = [], [], []
        for i, member in enumerate(crew):
            astronaut = _object(_object(member, f"{path}[{i}]").get("astronaut") or {}, f"{path}[{i}].astronaut")
            agency = astronaut.get("agency") if isinstance(astronaut.get("agency"), dict) else {}
            nationality = astronaut.get("nationality")
            nationalities = nationality if isinstance(nationality, list) else []
            if isinstance(astronaut.get("id"), int):
                astronauts.append(astronaut["id"])
            if isinstance(agency.get("id"), int):
                agencies.append(agency["id"])
            words += [astronaut.get("name"), agency.get("name"), agency.get("abbrev")]
            words += [n.get("nationality_name") for n in nationalities if isinstance(n, dict)]
        # An expedition has a crew: an empty list says it is not known (a station's record names none).
        return {"crew": crew, "crew_count": len(crew) or None,
                "crew_astronauts": "".join(f",{pk}" for pk in astronauts) + ("," if astronauts else ""),
                "crew_agencies": "".join(f",{pk}" for pk in agencies) + ("," if agencies else ""),
                "crew_search": "\n".join(word for word in words if isinstance(word, str))}


# The figures LL2 reports on a spacecraft, kept as `reported_*` (the served ones are derived live).
REPORTED_FIGURES = ("in_space", "time_in_space", "time_docked", "flights_count", "mission_ends_count",
                    "fastest_turnaround")
# `SpaceStationNormal`'s keys, in LL2's order: what a station's document keeps.
STATION_KEYS = ("id", "url", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type")


class FileFacts:
    """What one file says that fixes the moment LL2 rendered it (see `importer.rendered_at`)."""

    def __init__(self):
        self.reported: set = set()  # spacecraft whose reported figures this file set
        self.flights: dict = {}  # spacecraft id -> flight ids seen in this file
        self.flight_launch: dict = {}  # flight id -> launch id
        self.launch_net: dict = {}  # launch id -> net
        self.dockings: dict = {}  # event id -> (chaser flight id, docking, departure)


KINDS = {
    "spacecraft": Reader.spacecraft,
    "spacecraft_flights": Reader.flight,
    "docking_events": Reader.docking_event,
    "spacecraft_configurations": Reader.configuration,
    "spacecraft_configuration_families": Reader.family,
    "agencies": Reader.agency,
    "space_stations": Reader.space_station,
    "expeditions": Reader.expedition,
    # LL2's config/ records have no url: these are read only when --kind or an export's section says so
    "config/agency_types": Reader.agency_type,
    "config/countries": Reader.country,
    "config/image_licenses": Reader.image_license,
    "config/image_variant_types": Reader.image_variant_type,
    "config/spacecraft_configuration_types": Reader.spacecraft_config_type,
    "config/spacecraft_statuses": Reader.spacecraft_status,
    "config/space_station_statuses": Reader.space_station_status,
    "config/docking_locations": Reader.docking_location,
}


def kind_of(obj) -> str | None:
    """Which LL2 2.3.0 resource a top-level record is: by its `url`, or by its keys (families have no url).
    `ll2_versions.kind_of` also knows the older versions' urls."""
    if not isinstance(obj, dict):
        return None
    url = obj.get("url")
    if isinstance(url, str):
        parts = [p for p in urlparse(url).path.split("/") if p]
        if len(parts) >= 3 and parts[0] == NEWEST:
            name = "/".join(parts[1:-1])  # between the version and the id
            return name if name in KINDS else None
        return None  # older versions' paths (/2.2.0/config/spacecraft/12/): see `ll2_versions.kind_of`
    if "manufacturer" in obj and "parent" in obj and "name" in obj:
        return "spacecraft_configuration_families"
    return None


def records(document):
    """The records of an LL2 document: a page (`count/next/results`), a bare list, or one object."""
    if isinstance(document, dict) and "results" in document and "count" in document:
        document = document["results"]
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        return [document]
    raise ShapeError("(document)", f"expected an LL2 page, list or object, got {type(document).__name__}")
