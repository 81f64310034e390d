"""LL2 2.0.0-2.2.0 records read as 2.3.0 ones: the old paths and shapes, what maps, what is reported.

The older versions name resources differently (`/config/spacecraft/`, `/spacecraft/flight/`,
`/docking_event/`, `/spacestation/`) and flatten what 2.3.0 nests: an agency's type is a name, its
countries a string of ISO alpha-3 codes, its images bare URLs; a docking event calls its chaser
`flight_vehicle`, and 2.1.0 names the flight's launch only by `launch_id`. `LegacyReader` maps each
record onto the 2.3.0 reader (`ll2_shapes.Reader`), field by field, with the file's own field names in
every error.

Nothing is invented. What needs a 2.3.0 id the old record does not give (an agency type, a country, an
image) is looked up by name, alpha-3 code or URL among the rows this import or the database already
holds (`settle`); what is not found, and every old field 2.3.0 has no place for, is reported in the
import's summary (`Legacy.lines`).

Precedence (see `ll2_shapes.Batch`): in one import a 2.3.0 record's value for a key, even null, wins over
an older version's in any order; older versions fill in only the keys no 2.3.0 record gave (between
them: a value over an empty one, then the newer version's, then the later record's). A row already
stored is never changed by an older version (its values may be 2.3.0's): older files only add rows.
"""
from __future__ import annotations

from urllib.parse import urlparse, urlunparse

from spacedock.catalog import models as m

from . import ll2_shapes
from .errors import ImportFailed, ShapeError
from .ll2_shapes import Batch, Reader, _convert, _object

OLD_VERSIONS = ("2.0.0", "2.1.0", "2.2.0")
# An old path (between the version and the id) -> the 2.3.0 kind it is.
OLD_PATHS = {
    "agencies": "agencies",
    "config/spacecraft": "spacecraft_configurations",
    "spacecraft": "spacecraft",
    "spacecraft/flight": "spacecraft_flights",
    "docking_event": "docking_events",
    "spacestation": "space_stations",
    "expedition": "expeditions",
}
# Which URL path a 2.3.0 document keeps (a station's): the old one renamed, as 2.3.0 renamed it.
NEW_PATHS = {"spacestation": "space_stations", "expedition": "expeditions"}


def version_of(obj) -> str | None:
    """The older LL2 version a record's `url` names, or None (2.3.0, or no url)."""
    url = obj.get("url") if isinstance(obj, dict) else None
    if not isinstance(url, str):
        return None
    parts = [p for p in urlparse(url).path.split("/") if p]
    return parts[0] if parts and parts[0] in OLD_VERSIONS else None


def legacy_kind(parts) -> str | None:
    """The 2.3.0 kind of an old URL's path parts (`['2.2.0', 'config', 'spacecraft', '12']`), or None."""
    if len(parts) >= 3 and parts[0] in OLD_VERSIONS:
        return OLD_PATHS.get("/".join(parts[1:-1]))
    return None


def kind_of(obj) -> str | None:
    """Which LL2 resource a top-level record is, in 2.3.0 (`ll2_shapes.kind_of`) or an older version (its url's
    path: `/2.2.0/config/spacecraft/12/` -> `spacecraft_configurations`)."""
    url = obj.get("url") if isinstance(obj, dict) else None
    if isinstance(url, str):
        kind = legacy_kind([p for p in urlparse(url).path.split("/") if p])
        if kind is not None:
            return kind
    return ll2_shapes.kind_of(obj)


def reader_for(obj, batch: Batch, where: str, facts) -> Reader:
    """The reader for a top-level record: the 2.3.0 one, or the one for the older version its url names."""
    version = version_of(obj)
    return Reader(batch, where, facts) if version is None else LegacyReader(batch, where, facts, version)


def new_url(url: str) -> str:
    """An old resource URL as 2.3.0 writes it: `/2.2.0/spacestation/4/` -> `/2.3.0/space_stations/4/`."""
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    if len(parts) >= 3 and parts[0] in OLD_VERSIONS:
        name = "/".join(parts[1:-1])
        parts = ["2.3.0", NEW_PATHS.get(name, name), parts[-1]]
        return urlunparse(parsed._replace(path="/" + "/".join(parts) + "/"))
    return url


# What 2.3.0 (detailed) has per kind of object: an old object missing some of it is reported once.
EXPECTED = {
    "agency": ("type", "featured", "country", "description", "administrator", "founding_year", "launchers",
               "spacecraft", "parent", "image", "logo", "social_logo") + m.agencies.AGENCY_COUNTERS
              + ("info_url", "wiki_url", "social_media_links"),
    "configuration": ("type", "agency", "family", "in_use", "image", "capability", "history", "details",
                      "maiden_flight", "height", "diameter", "human_rated", "crew_capacity", "payload_capacity",
                      "payload_return_capacity", "flight_life", "wiki_link", "info_link")
                     + m.spacecraft.FLIGHT_STATS + ("fastest_turnaround",),
    "spacecraft": ("serial_number", "is_placeholder", "image", "in_space", "time_in_space", "time_docked",
                   "flights_count", "mission_ends_count", "status", "description", "spacecraft_config",
                   "fastest_turnaround"),
    "spacecraft flight": ("destination", "mission_end", "spacecraft", "launch", "landing", "launch_crew",
                          "onboard_crew", "landing_crew"),
    "docking event": ("docking", "departure", "docking_location", "flight_vehicle_chaser", "space_station_target"),
    "space station": ("image", "status", "founded", "deorbited", "description", "orbit", "type"),
}
# Older fields 2.3.0 has no place for (removed in 2.3.0, or outside the spacecraft catalogue).
DROPPED = {
    "agency": {"nation_url": "removed in 2.3.0", "launch_library_url": "removed in 2.3.0",
               "launcher_list": "launchers are outside the spacecraft catalogue; their older shape is not 2.3.0's"},
    "configuration": {"nation_url": "removed in 2.3.0"},
}


PLURAL = {"agency": "agencies", "configuration": "configurations", "spacecraft": "spacecraft",
          "spacecraft flight": "spacecraft flights", "docking event": "docking events", "launch": "launches",
          "space station": "space stations", "expedition": "expeditions"}
MISSING = "not given, so as stored, or empty (null, false, none) in a new row"


class Legacy:
    """What older-version records leave for the end of the read (look-ups by name, code or URL) and what
    is reported: per (version, kind of object, field, reason), the ids and values it concerns; per
    (version, kind of object), the 2.3.0 fields its objects did not give."""

    def __init__(self):
        self.pending: list[tuple] = []  # (what, version, model, pk, where, field, value)
        self.notes: dict[tuple, tuple[set, set]] = {}
        self.missing: dict[tuple, dict[str, set]] = {}  # (version, what) -> field -> ids; "" -> every id seen

    def note(self, version, what, field, reason, pk, value=None):
        ids, values = self.notes.setdefault((version, what, field, reason), (set(), set()))
        ids.add(pk)
        if value is not None:
            values.add(value)

    def lack(self, version, what, pk, fields):
        seen = self.missing.setdefault((version, what), {"": set()})
        seen[""].add(pk)
        for name in fields:
            seen.setdefault(name, set()).add(pk)

    def lines(self) -> list[str]:
        out = []
        for (version, what, field, reason), (ids, values) in sorted(self.notes.items()):
            listed = f": {', '.join(sorted(values))}" if values else ""
            out.append(f"{version} {PLURAL[what]}, {field}: {reason}{listed} ({_ids(ids)})")
        for (version, what), fields in sorted(self.missing.items()):
            seen = len(fields[""])
            named = [name if len(ids) == seen else f"{name} ({len(ids)})" for name, ids in fields.items() if name]
            if named:
                out.append(f"{version} {PLURAL[what]} ({seen}), {MISSING}: {', '.join(named)}")
        return out


def _ids(ids) -> str:
    shown = sorted(ids, key=lambda pk: (isinstance(pk, str), pk))
    return f"{len(shown)}: id {', '.join(map(str, shown[:5]))}" + (", …" if len(shown) > 5 else "")


def _text_or_none(obj, key, path):
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"{path}.{key}".lstrip("."), f"expected text or null, got {value!r}")
    return value


class LegacyReader(Reader):
    """Reads a 2.0.0-2.2.0 record (and everything nested in it) as the 2.3.0 reader would its twin."""

    DOCKED_KEY = "docked"  # a 2.2.0 docking location's event docked at it now

    def __init__(self, batch: Batch, where: str, facts, version: str):
        super().__init__(batch, where, facts)
        self.version = version
        if batch.legacy is None:
            batch.legacy = Legacy()
        self.log = batch.legacy

    def _later(self, what, model, pk, field, value):
        self.log.pending.append((what, self.version, model, pk, self.where, field, value))

    def _account(self, what, obj, pk, mapped):
        """Report the 2.3.0 fields this old object does not give, and its fields 2.3.0 drops."""
        self.log.lack(self.version, what, pk, [key for key in EXPECTED[what] if key not in mapped])
        for key, reason in DROPPED.get(what, {}).items():
            if obj.get(key) not in (None, "", []):
                self.log.note(self.version, what, key, f"not mapped, {reason}", pk)

    # agencies -----------------------------------------------------------------------------------
    def agency(self, obj, path=""):
        obj = _object(obj, path)
        same = ("id", "name", "abbrev", "featured", "description", "administrator", "launchers", "spacecraft",
                "parent", "info_url", "wiki_url", "spacecraft_list") + m.agencies.AGENCY_COUNTERS
        upgraded = {key: obj[key] for key in same if key in obj}
        if "founding_year" in obj:
            upgraded["founding_year"] = _year(obj["founding_year"], f"{path}.founding_year".lstrip("."))
        kind_of_agency = obj.get("type")
        if isinstance(kind_of_agency, dict):  # already an AgencyType object
            upgraded["type"] = kind_of_agency
        elif kind_of_agency is not None and not isinstance(kind_of_agency, str):
            raise ShapeError(f"{path}.type".lstrip("."), f"expected an agency type name, got {kind_of_agency!r}")
        codes = _text_or_none(obj, "country_code", path)
        urls = {key: _text_or_none(obj, key, path) for key in ("image_url", "logo_url")}
        pk = super().agency(upgraded, path)
        mapped = set(upgraded)
        if isinstance(kind_of_agency, str):
            self._later("agency type", m.Agency, pk, "type_id", kind_of_agency)
            mapped.add("type")
        if codes is not None:
            self._later("countries", m.Agency, pk, "countries", [c.strip() for c in codes.split(",") if c.strip()])
            mapped.add("country")
        for key, column in (("image_url", "image_id"), ("logo_url", "logo_id")):
            if urls[key] is not None:
                self._later("image", m.Agency, pk, column, urls[key])
                mapped.add(column.removesuffix("_id"))
        self._account("agency", obj, pk, mapped)
        return pk

    # configurations -----------------------------------------------------------------------------
    def configuration(self, obj, path=""):
        obj = _object(obj, path)
        upgraded = {key: value for key, value in obj.items() if key not in ("url", "image_url", "nation_url")}
        image_url = _text_or_none(obj, "image_url", path)
        pk = super().configuration(upgraded, path)
        mapped = set(upgraded)
        if image_url is not None:
            self._later("image", m.SpacecraftConfiguration, pk, "image_id", image_url)
            mapped.add("image")
        self._account("configuration", obj, pk, mapped)
        return pk

    # spacecraft, flights, launches --------------------------------------------------------------
    def spacecraft(self, obj, path=""):
        obj = _object(obj, path)
        pk = super().spacecraft(obj, path)
        self._account("spacecraft", obj, pk, set(obj))
        return pk

    def flight(self, obj, path=""):
        obj = _object(obj, path)
        pk = super().flight(obj, path)
        mapped = set(obj)
        if "launch" in mapped and set(obj["launch"] or {}) <= {"id"}:
            mapped.discard("launch")  # known by id only (2.1.0 `launch_id`): reported as not given
            self.log.note(self.version, "spacecraft flight", "launch",
                          "known only by its id (`launch_id`): the launch is served as null and the flight's "
                          "duration as null until a 2.3.0 record brings it", pk)
        self._account("spacecraft flight", obj, pk, mapped)
        return pk

    def launch(self, obj, path):
        """An older launch is outside the catalogue and not 2.3.0's shape: its id and net are kept, not its
        document (the flight shows `launch: null` until a 2.3.0 record brings the launch)."""
        obj = _object(obj, path)
        pk, fields = self._plain(m.Launch, obj, path, ("net",))
        fields["document"] = {}
        self._save(m.Launch, pk, fields)
        if "net" in fields and fields["net"] is not None:
            self.facts.launch_net[pk] = fields["net"]
        if set(obj) - {"id", "net"}:
            self.log.note(self.version, "launch", "everything but id and net",
                          "not mapped: an older launch is not 2.3.0's LaunchNormal (the flight's launch is served "
                          "as null)", pk)
        return pk

    # docking events and stations ----------------------------------------------------------------
    def docking_event(self, obj, path="", chaser=None, station=None, location=None):
        obj = _object(obj, path)
        pk, fields = self._plain(m.DockingEvent, obj, path, ("docking", "departure"))
        self._fk(m.DockingEvent, obj, "docking_location", path, self.docking_location, fields)
        mapped = {key for key in ("docking", "departure", "docking_location") if key in obj}
        if "flight_vehicle" in obj:
            flight = obj["flight_vehicle"]
            where = f"{path}.flight_vehicle".lstrip(".")
            if flight is not None and obj.get("launch_id") is not None:
                flight = _object(flight, where)
                launch = _convert(m.Launch, "id", obj["launch_id"], f"{path}.launch_id".lstrip("."))
                if "launch" not in flight:
                    flight = {**flight, "launch": {"id": launch}}
            fields["flight_vehicle_chaser_id"] = None if flight is None else self.flight(flight, where)
            mapped.add("flight_vehicle_chaser")
        for key, value in (("flight_vehicle_chaser_id", chaser), ("space_station_target_id", station),
                           ("docking_location_id", location)):
            if value is not None:
                fields[key] = value
                mapped.add(key.removesuffix("_id"))
        self._save(m.DockingEvent, pk, fields)
        if fields.get("flight_vehicle_chaser_id") is not None and "docking" in fields:
            self.facts.dockings[pk] = (fields["flight_vehicle_chaser_id"], fields["docking"], fields.get("departure"))
        self._account("docking event", obj, pk, mapped)
        return pk

    def station(self, obj, path=""):
        obj = _object(obj, path)
        upgraded = {key: value for key, value in obj.items() if key != "image_url"}
        if isinstance(obj.get("url"), str):
            upgraded["url"] = new_url(obj["url"])
        pk = super().station(upgraded, path)
        if obj.get("image_url") is not None:
            self.log.note(self.version, "space station", "image_url",
                          "not mapped, a station's 2.3.0 image is a whole Image object (id, licence, thumbnail)", pk)
        return pk

    def expedition(self, obj, path="", station=None):
        """An older expedition: its name and dates; its crew's astronauts are in the older shape, not 2.3.0's."""
        obj = _object(obj, path)
        pk = super().expedition({key: value for key, value in obj.items() if key not in ("crew", "url")}, path,
                                station)
        if obj.get("crew"):
            self.log.note(self.version, "expedition", "crew",
                          "not mapped, its astronauts are in the older shape, not 2.3.0's", pk)
        return pk

    def space_station(self, obj, path=""):
        """A 2.2.0 detailed station: itself, its docking locations and the event `docked` at each."""
        pk = super().space_station(obj, path)
        self._account("space station", obj, pk, set(obj) | ({"image"} if obj.get("image_url") else set()))
        return pk


def _year(value, path):
    """2.2.0 writes `founding_year` as text ("1958"); 2.3.0 as a whole number."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ShapeError(path, f"expected a year such as 1958, got {value!r}")


# --- the end of the read: look-ups, then stored values over soft ones ------------------------------------
def settle(batch: Batch) -> None:
    """Resolve what older records named by type name, alpha-3 code or image URL, and keep stored values over
    soft ones. Runs before anything is written (inside the import's transaction)."""
    if batch.legacy is not None:
        _resolve(batch, batch.legacy)
    _keep_stored(batch)
    _check_new_launches(batch)


def _check_new_launches(batch: Batch) -> None:
    """A launch's net may be unknown only when an older version named the launch by id alone: a new launch
    a 2.3.0 record describes must bring it (the column allows null for the older versions' sake)."""
    rows = batch.rows.get(m.Launch, {})
    described = [pk for pk, fields in rows.items()
                 if fields.get("net") is None and "document" not in batch.soft.get((m.Launch, pk), {})]
    for pk in described:
        if not m.Launch.objects.filter(pk=pk).exists():
            raise ImportFailed(f"{batch.origin.get((m.Launch, pk), '?')}: launch {pk} is new but has no net")


def _index(batch, model, key, stored):
    """`key` value -> id over the rows of `model` in the batch and those `stored` (lowest id wins)."""
    pairs = list(stored) + [(fields[key], pk) for pk, fields in batch.rows.get(model, {}).items() if key in fields]
    out = {}
    for value, pk in sorted(pairs, key=lambda pair: pair[1], reverse=True):
        out[value] = pk
    return out


def _resolve(batch: Batch, legacy: Legacy) -> None:
    wanted_urls = {value for what, *_, value in legacy.pending if what == "image"}
    types = _index(batch, m.AgencyType, "name", m.AgencyType.objects.values_list("name", "id"))
    countries = _index(batch, m.Country, "alpha_3_code", m.Country.objects.values_list("alpha_3_code", "id"))
    images = _index(batch, m.Image, "image_url",
                    m.Image.objects.filter(image_url__in=list(wanted_urls)).values_list("image_url", "id"))
    for what, version, model, pk, where, field, value in legacy.pending:
        noun = "agency" if model is m.Agency else "configuration"
        if what == "agency type":
            if value in types:
                batch.row(model, pk, {field: types[value]}, where, version)
            else:
                legacy.note(version, noun, "type",
                            "not mapped, no agency type of that name is known here (so neither is its 2.3.0 id); "
                            "the agency keeps its type, or has none", pk, value)
        elif what == "countries":
            unknown = [code for code in value if code not in countries]
            for code in unknown:
                legacy.note(version, noun, "country_code",
                            "not mapped, no country with these ISO alpha-3 codes is known here (a 2.3.0 country "
                            "needs its id and names), so those agencies' countries are left as they are", pk, code)
            if not unknown:
                batch.replace_links(model, "countries", pk, [countries[code] for code in value], version)
        elif what == "image":
            if value in images:
                batch.row(model, pk, {field: images[value]}, where, version)
            else:
                old = {"image_id": "image_url", "logo_id": "logo_url"}[field]
                legacy.note(version, noun, old,
                            "not mapped, no image with that URL is known here (a 2.3.0 image needs its id, licence "
                            "and thumbnail)", pk)


def _keep_stored(batch: Batch) -> None:
    """Older versions never change a stored row (it may hold 2.3.0 values, even nulls, that must win): their
    values for stored rows, and their link lists for stored owners, are dropped; only new rows are added."""
    by_model: dict = {}
    for (model, pk), keys in batch.soft.items():
        if keys:
            by_model.setdefault(model, {})[pk] = keys
    for model, rows in by_model.items():
        for pk in model.objects.filter(pk__in=list(rows)).values_list("pk", flat=True):
            row, keys = batch.rows[model][pk], rows[pk]
            for key in list(keys):
                del row[key]
                del keys[key]
            if model is m.Spacecraft and not any(key.startswith("reported_") and key != "reported_at" for key in row):
                row.pop("reported_at", None)  # it dated the dropped figures
    owners: dict = {}
    for model, _relation, pk in batch.soft_links:
        owners.setdefault(model, set()).add(pk)
    stored = {model: set(model.objects.filter(pk__in=list(pks)).values_list("pk", flat=True))
              for model, pks in owners.items()}
    for model, relation, pk in list(batch.soft_links):
        if pk in stored[model]:
            del batch.links[(model, relation)][pk]
            del batch.soft_links[(model, relation, pk)]
