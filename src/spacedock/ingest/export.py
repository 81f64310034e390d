"""`spacedock export`: every record of the catalogue as LL2 2.3.0 JSON that `spacedock import` reads back
into a catalogue serving the same responses.

The records are the API's own representations (`api.render`), built at one moment, `as_of`: the
header carries it, so the importer dates the figures the records report (time in space, flights
count, ...) at that moment, and a spacecraft whose history is only partly stored keeps the same
unstored part (see `catalog.figures`). Sections, in this order, each ordered by id:

- the `config/` look-ups (agency types, countries, image licences and variant types, configuration
  types, spacecraft statuses, space station statuses), all of them, used or not, as their endpoints
  show them;
- `agencies` (detailed: types, countries, images with licences and variants, social media links,
  launchers), `spacecraft_configuration_families` (detailed), `spacecraft_configurations` (detailed);
- `spacecraft` (normal: everything of a spacecraft but its flights, which come next, so a spacecraft
  never in a flight is here too);
- `spacecraft_flights` (detailed: launch, landing, crews and the docking events they chased);
- `docking_events`: only those whose chaser is not a spacecraft flight (the others came with their
  flight), as LL2's `DockingEventEndpointDetailed`;
- `space_stations`: each station's kept document with its owners, size, reported crew and docking
  locations in order (`currently_docked` is null: the events came with their flights);
- `expeditions` (detailed, `crew` only when its crew was imported).

A launch an older LL2 version named only by id, which the API shows as null, is written as
`{"id", "net"}`, a reference the importer reads back as such (see `launches_known_by_id`).

Two forms: `ll2`, one JSON object `{"spacedock_export": HEADER, SECTION: LL2 page, ...}`; `jsonl`, the
header on the first line, then per section a line `{"spacedock_section": NAME, "count": N}` and its N
records, one per line (the count lets the importer notice a cut file).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction

from spacedock.api.render import lookups
from spacedock.api.render.agencies import AGENCY_DETAILED
from spacedock.api.render.configs import CONFIG_DETAILED, FAMILY_DETAILED
from spacedock.api.render.context import API_PREFIX, Context
from spacedock.api.render.expeditions import ExpeditionDetailedKind
from spacedock.api.render.flights import FLIGHT_DETAILED, DockingForChaserKind
from spacedock.api.render.formats import moment
from spacedock.api.render.kinds import Kind, grouped
from spacedock.api.render.refs import Refs
from spacedock.api.render.spacecraft import SPACECRAFT_NORMAL
from spacedock.catalog import clock
from spacedock.catalog import models as m

from .importer import EXPORT_HEADER, EXPORT_SECTION, EXPORT_VERSION

FORMATS = ("jsonl", "ll2")
DEFAULT_BASE = "https://ll.thespacedevs.com"  # the host the records' `url`s name, as LL2 serves them
CHUNK = 500  # records rendered together: a fixed number of queries per chunk, bounded memory


class DockingEventKind(DockingForChaserKind):
    """A docking event whose chaser is no spacecraft flight: the event as a chaser flight lists it, then its
    chaser side (the fields of LL2's `DockingEventEndpointDetailed`, the targets in their normal shapes)."""

    name = "docking_event_export"
    columns = DockingForChaserKind.columns + ("flight_vehicle_chaser_id", "space_station_chaser_id",
                                              "payload_flight_chaser")
    embeds = (*DockingForChaserKind.embeds, "flight_normal", "station_normal")

    def render(self, row, refs):
        out = super().render(row, refs)
        out["response_mode"] = "detailed"
        out["flight_vehicle_chaser"] = refs.get("flight_normal", row["flight_vehicle_chaser_id"])
        out["space_station_chaser"] = refs.get("station_normal", row["space_station_chaser_id"])
        out["payload_flight_chaser"] = row["payload_flight_chaser"]
        return out


class StationKind(Kind):
    """A space station: its kept document, owners, size and reported crew (what LL2 reported, not the live
    figure), with its docking locations in order (as `DockingLocation` shows them, without the station, and
    `currently_docked` null: the events came with their flights). Expeditions come in their own section."""

    name = "station_export"
    embeds = ("config_normal", "agency_normal")
    model = m.SpaceStation
    columns = ("id", "document", "height", "width", "mass", "volume", "reported_onboard_crew")

    def fetch(self, ids, ctx):
        rows = list(super().fetch(ids, ctx))
        locations = grouped(
            (location["spacestation_id"], location)
            for location in m.DockingLocation.objects.filter(spacestation_id__in=ids).order_by("position", "id")
            .values("id", "name", "spacestation_id", "spacecraft_id", "payload")
        )
        owners = grouped(m.StationOwner.objects.filter(station_id__in=ids).order_by("station_id", "position")
                         .values_list("station_id", "agency_id"))
        for row in rows:
            row["locations"] = locations.get(row["id"], [])
            row["owners"] = owners.get(row["id"], [])
        return rows

    def render(self, row, refs):
        out = dict(row["document"])
        out["owners"] = refs.many("agency_normal", row["owners"])
        out.update(height=row["height"], width=row["width"], mass=row["mass"], volume=row["volume"],
                   onboard_crew=row["reported_onboard_crew"])
        out["docking_location"] = [
            {"id": location["id"], "name": location["name"],
             "spacecraft": refs.get("config_normal", location["spacecraft_id"]), "payload": location["payload"],
             "currently_docked": None}
            for location in row["locations"]
        ]
        return out


class ExpeditionKind(ExpeditionDetailedKind):
    """An expedition as LL2's `ExpeditionDetailed`, without `crew` when its crew was never imported (an
    empty list would read back as a crew of none)."""

    name = "expedition_export"
    columns = ExpeditionDetailedKind.columns + ("crew_count",)
    station = "station_normal"
    embeds = (station,)

    def render(self, row, refs):
        out = super().render(row, refs)
        if row["crew_count"] is None:
            del out["crew"]
        return out


@dataclass(frozen=True)
class Section:
    name: str  # the import kind, and LL2's endpoint
    kind: Kind
    rows: object  # () -> queryset of the section's rows


SECTIONS = (
    *(Section(f"config/{name}", kind, lambda model=kind.model: model.objects.all()) for name, kind in (
        ("agency_types", lookups.AGENCY_TYPE), ("countries", lookups.COUNTRY),
        ("image_licenses", lookups.IMAGE_LICENSE), ("image_variant_types", lookups.IMAGE_VARIANT_TYPE),
        ("spacecraft_configuration_types", lookups.SPACECRAFT_CONFIG_TYPE),
        ("spacecraft_statuses", lookups.SPACECRAFT_STATUS), ("space_station_statuses", lookups.SPACE_STATION_STATUS))),
    Section("agencies", AGENCY_DETAILED, lambda: m.Agency.objects.all()),
    Section("spacecraft_configuration_families", FAMILY_DETAILED, lambda: m.SpacecraftConfigFamily.objects.all()),
    Section("spacecraft_configurations", CONFIG_DETAILED, lambda: m.SpacecraftConfiguration.objects.all()),
    Section("spacecraft", SPACECRAFT_NORMAL, lambda: m.Spacecraft.objects.all()),
    Section("spacecraft_flights", FLIGHT_DETAILED, lambda: m.SpacecraftFlight.objects.all()),
    Section("docking_events", DockingEventKind(), lambda: m.DockingEvent.objects.filter(flight_vehicle_chaser=None)),
    Section("space_stations", StationKind(), lambda: m.SpaceStation.objects.all()),
    Section("expeditions", ExpeditionKind(), lambda: m.Expedition.objects.all()),
)


@dataclass
class Summary:
    as_of: dt.datetime
    counts: dict = field(default_factory=dict)

    def __str__(self):
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"exported {sum(self.counts.values())} records as of {moment(self.as_of)}: {parts}"


def header(as_of: dt.datetime, fmt: str) -> dict:
    return {EXPORT_HEADER: {"version": EXPORT_VERSION, "api": API_PREFIX.strip("/"), "format": fmt,
                            "as_of": moment(as_of)}}


def export(out, fmt: str = "jsonl", base: str = DEFAULT_BASE, as_of: dt.datetime | None = None) -> Summary:
    """Write every record to the binary stream `out` in the form `fmt` (see the module docstring), with
    the figures at `as_of` (default: now, as the catalogue clock says), from one snapshot of the data."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    ctx = Context(base, now=as_of or clock.now())  # no data version: nothing is kept for the API's use
    summary = Summary(as_of=ctx.now)
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one snapshot for every query of the export
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        write = _write_jsonl if fmt == "jsonl" else _write_ll2
        write(out, ctx, summary)
    return summary


def records(section: Section, ctx: Context, ids: list, known_by_id: dict):
    """The section's records, rendered a chunk at a time (one set of batched queries per chunk)."""
    for start in range(0, len(ids), CHUNK):
        refs = Refs(ctx)
        chunk = refs.many(section.kind, ids[start:start + CHUNK])
        refs.resolve()
        for record in chunk:
            if record:
                if known_by_id:
                    _name_launches(record, known_by_id)
                yield record


def launches_known_by_id() -> dict:
    """Flight id -> `{"id", "net"}` of its launch, for launches an older LL2 version named only by id
    (and net): the API shows them as null, the export as this reference, which the importer reads back
    as such (a flight cannot be stored without its launch)."""
    return {flight: {"id": launch, "net": moment(net)} for flight, launch, net in
            m.SpacecraftFlight.objects.filter(launch__document={}).values_list("id", "launch_id", "launch__net")}


def _name_launches(node, known_by_id: dict) -> None:
    """Put the launch reference into every flight (at any depth) whose launch the API shows as null."""
    if isinstance(node, dict):
        if node.get("launch") is None and "launch" in node and "/spacecraft_flights/" in str(node.get("url")):
            reference = known_by_id.get(node.get("id"))
            if reference is not None:
                node["launch"] = dict(reference)
        for value in node.values():
            if isinstance(value, (dict, list)):
                _name_launches(value, known_by_id)
    elif isinstance(node, list):
        for value in node:
            _name_launches(value, known_by_id)


def _ids(section: Section) -> list:
    return list(section.rows().order_by("pk").values_list("pk", flat=True))


def _write_jsonl(out, ctx, summary):
    known_by_id = launches_known_by_id()
    out.write(orjson.dumps(header(ctx.now, "jsonl")) + b"\n")
    for section in SECTIONS:
        ids = _ids(section)
        out.write(orjson.dumps({EXPORT_SECTION: section.name, "count": len(ids)}) + b"\n")
        for record in records(section, ctx, ids, known_by_id):
            out.write(orjson.dumps(record) + b"\n")
        summary.counts[section.name] = len(ids)


def _write_ll2(out, ctx, summary):
    known_by_id = launches_known_by_id()
    out.write(orjson.dumps(header(ctx.now, "ll2"))[:-1])  # the object stays open for the sections
    for section in SECTIONS:
        ids = _ids(section)
        out.write(b",\n" + orjson.dumps(section.name) + b":" +
                  orjson.dumps({"count": len(ids), "next": None, "previous": None})[:-1] + b',"results":[')
        for i, record in enumerate(records(section, ctx, ids, known_by_id)):
            out.write((b"\n" if i == 0 else b",\n") + orjson.dumps(record))
        out.write(b"]}")
        summary.counts[section.name] = len(ids)
    out.write(b"}\n")
