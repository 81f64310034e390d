"""`spacedock import`: LL2 JSON files into the catalogue, all in one transaction or nothing.

Files are read and checked completely before anything is written; the write then happens inside
one transaction, so a bad record anywhere leaves the database exactly as it was.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.db import DataError, IntegrityError, transaction

from spacedock.catalog import figures
from spacedock.catalog import models as m
from spacedock.catalog.clock import parse_moment
from spacedock.ops.database import one_writer_at_a_time

from . import ll2_versions, sources
from .errors import ImportFailed, ShapeError
from .ll2_shapes import KINDS, Batch, FileFacts, merge_documents, records

# Parents before children, so every row's references exist by the time it is written.
WRITE_ORDER = (
    m.ImageLicense, m.ImageVariantType, m.Image, m.ImageVariant,
    m.AgencyType, m.Country, m.SocialMedia, m.Agency, m.SocialMediaLink,
    m.SpacecraftStatus, m.SpacecraftConfigType, m.SpacecraftConfigFamily, m.SpacecraftConfiguration,
    m.Spacecraft, m.Launch, m.SpaceStationStatus, m.SpaceStationType, m.SpaceStation, m.Expedition,
    m.DockingLocation, m.SpacecraftFlight, m.DockingEvent,
)

# Ordered link lists replaced wholesale when a record brings them: (owner, relation) -> how.
LINKS = {
    (m.Agency, "countries"): (m.AgencyCountry, "agency_id", "country_id"),
    (m.SpacecraftConfiguration, "families"): (m.ConfigurationFamily, "configuration_id", "family_id"),
    (m.SpaceStation, "owners"): (m.StationOwner, "station_id", "agency_id"),
}
CHILDREN = {
    (m.Image, "variants"): (m.ImageVariant, "image_id"),
    (m.Agency, "social_media_links"): (m.SocialMediaLink, "agency_id"),
}


@dataclass
class Summary:
    files: int
    records: int
    rows: dict
    unmapped: list = dataclasses.field(default_factory=list)  # what records of older LL2 versions could not bring over

    def __str__(self):
        counts = ", ".join(f"{n} {model._meta.verbose_name_plural}" for model, n in self.rows.items() if n)
        lines = [f"imported {self.records} records from {self.files} file(s): {counts or 'nothing'}"]
        if self.unmapped:
            lines.append("from older LL2 versions, not mapped or not given:")
            lines += [f"  {line}" for line in self.unmapped]
        return "\n".join(lines)


# A Spacedock export (`spacedock export`) starts with this header, which dates the figures its records
# report; in JSON Lines each section of records of one kind starts with a section line.
EXPORT_HEADER = "spacedock_export"
EXPORT_SECTION = "spacedock_section"
EXPORT_VERSION = 1


def documents(path, kind: str | None = None, as_of=None):
    """Every JSON document of one file (or `-`, standard input), with the kind and moment to read it with:
    `(origin, document, kind, as_of)`. ImportFailed names the file (and line) on any problem.

    In a Spacedock export the header's `as_of` dates the reported figures (an explicit `as_of` wins) and
    each section says the kind of its records (over `kind`)."""
    try:
        section = None  # JSON Lines: (origin, kind, count announced, count seen)
        for origin, document in sources.documents(path):
            if isinstance(document, dict) and EXPORT_HEADER in document:
                moment = _export_moment(origin, document[EXPORT_HEADER])
                as_of = as_of or moment
                for name, page in document.items():  # the `ll2` form: one document, a page per section
                    if name != EXPORT_HEADER:
                        yield f"{origin}: {_export_section(origin, name)}", page, name, as_of
                continue
            if isinstance(document, dict) and EXPORT_SECTION in document:
                _check_section_count(section)
                name = _export_section(origin, document[EXPORT_SECTION])
                section = [origin, name, document.get("count"), 0]
                continue
            if section is not None:
                section[3] += 1
            yield origin, document, section[1] if section else kind, as_of
        _check_section_count(section)
    except sources.SourceError as exc:
        raise ImportFailed(str(exc)) from None


def _export_moment(origin, header):
    """The moment an export's header says its figures were rendered at (None when it says none)."""
    if not isinstance(header, dict) or header.get("version") != EXPORT_VERSION:
        raise ImportFailed(f"{origin}: {EXPORT_HEADER}: not a version {EXPORT_VERSION} Spacedock export header: "
                           f"{orjson.dumps(header).decode()[:200]}")
    if header.get("as_of") is None:
        return None
    try:
        return parse_moment(header["as_of"])
    except (TypeError, ValueError, AttributeError):
        raise ImportFailed(f"{origin}: {EXPORT_HEADER}.as_of: expected a date-time such as 2026-07-24T01:13:35Z, "
                           f"got {header['as_of']!r}") from None


def _export_section(origin, name):
    if name not in KINDS:
        raise ImportFailed(f"{origin}: {name!r} is not a section of a Spacedock export (expected one of "
                           f"{', '.join(sorted(KINDS))})")
    return name


def _check_section_count(section):
    """A JSON Lines export announces each section's records: fewer or more means a cut or spliced file."""
    if section is not None and isinstance(section[2], int) and section[2] != section[3]:
        origin, name, announced, seen = section
        raise ImportFailed(f"{origin}: section {name} announces {announced} records but {seen} follow "
                           f"(is the file truncated?)")


def read_document(document, origin: str, batch: Batch, kind: str | None = None, as_of=None) -> int:
    """Read one LL2 JSON document (a page, a list or one object) into `batch`; `origin` names it (a file,
    a URL) in every error. Returns the number of records.

    The spacecraft figures the document reports are dated `as_of`, else the moment it proves
    (`rendered_at`), else left undated (the figures then take the moment they are computed at).
    """
    try:
        items = records(document)
    except ShapeError as exc:
        raise ImportFailed(f"{origin}: {exc.message}") from None
    facts = FileFacts()
    for index, obj in enumerate(items):
        label = f"record {index}" + (f" (id {obj['id']})" if isinstance(obj, dict) and "id" in obj else "")
        record_kind = kind or ll2_versions.kind_of(obj)
        if record_kind not in KINDS:
            raise ImportFailed(f"{origin}: {label}: not an LL2 2.3.0 (or 2.0.0-2.2.0) spacecraft, spacecraft flight, "
                               f"docking event, configuration, family, agency or space station "
                               f"(use --kind to say which)")
        try:  # the 2.3.0 reader, or the one for the older version the record's url names
            reader = ll2_versions.reader_for(obj, batch, f"{origin}: {label}", facts)
            getattr(reader, KINDS[record_kind].__name__)(obj)
        except ShapeError as exc:
            raise ImportFailed(f"{origin}: {label}: {exc}") from None
    moment = as_of or rendered_at(batch, facts)
    for pk in facts.reported:
        batch.rows[m.Spacecraft][pk]["reported_at"] = moment
    return len(items)


def read_file(path: Path, batch: Batch, kind: str | None = None, as_of=None) -> int:
    """Read one LL2 JSON file (or `-`, standard input; gzip or not; JSON or JSON Lines) into `batch` (see
    `documents` and `read_document`)."""
    return sum(read_document(document, origin, batch, record_kind, moment)
               for origin, document, record_kind, moment in documents(path, kind, as_of))


def rendered_at(batch: Batch, facts: FileFacts):
    """The newest moment a file proves LL2 rendered it at, or None.

    A spacecraft on its one and only flight shows `net + time_in_space` = that moment, and, docked
    once, `docking + time_docked` too; the newest of these is taken (LL2 renders a page over a
    few seconds).
    """
    rows = batch.rows.get(m.Spacecraft, {})
    moments = []
    for pk in facts.reported:
        row = rows[pk]
        flights = facts.flights.get(pk, set())
        if row.get("reported_flights_count") != 1 or not row.get("reported_in_space") or len(flights) != 1:
            continue
        if row.get("reported_mission_ends_count") not in (0, None):
            continue
        (flight,) = flights
        net = facts.launch_net.get(facts.flight_launch.get(flight))
        if net is not None and row.get("reported_time_in_space") is not None:
            moments.append(net + row["reported_time_in_space"])
        dockings = [(docking, departure) for chaser, docking, departure in facts.dockings.values() if chaser == flight]
        if len(dockings) == 1 and dockings[0][1] is None and row.get("reported_time_docked") is not None:
            moments.append(dockings[0][0] + row["reported_time_docked"])
    return max(moments, default=None)


def _check_complete(batch: Batch, model, pk, fields):
    """A row seen for the first time must bring every column that has no default."""
    for field in model._meta.concrete_fields:
        name = field.attname
        if field.primary_key or field.null or field.has_default() or name in fields:
            continue
        if field.get_internal_type() in ("CharField", "TextField") and field.blank:
            continue
        where = batch.origin.get((model, pk), "?")
        referrer = _referrer(batch, model, pk, where)
        if referrer:  # a reference to a row neither stored nor described: dangling
            raise ImportFailed(f"{where}: {referrer}: refers to {model._meta.verbose_name} {pk}, which is neither in "
                               f"the database nor described in the input (no {field.name})")
        raise ImportFailed(f"{where}: {model._meta.verbose_name} {pk} is new but has no {field.name}")


def _referrer(batch: Batch, model, pk, where) -> str | None:
    """The field through which the record at `where` refers to `model` `pk`, for the error message."""
    for owner, rows in batch.rows.items():
        for field in owner._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                for owner_pk, fields in rows.items():
                    if fields.get(field.attname) == pk and batch.origin.get((owner, owner_pk)) == where:
                        return field.name
    return None


def write(batch: Batch) -> None:
    """Upsert every row of `batch`, replace its link lists and refresh the figures, in one transaction."""
    with transaction.atomic():
        one_writer_at_a_time()  # another import or sync writing: wait for its commit (ops.database)
        ll2_versions.settle(batch)  # older-version look-ups; stored values over their soft ones
        touched = _owners(batch)  # before: a flight or docking may move away from a spacecraft
        for model in WRITE_ORDER:
            rows = batch.rows.get(model, {})
            if not rows:
                continue
            existing = set(model.objects.filter(pk__in=list(rows)).values_list("pk", flat=True))
            documents = _stored_documents(model, rows, existing)
            new = []
            for pk, fields in rows.items():
                if pk in documents and "document" in fields:
                    fields = {**fields, "document": merge_documents(documents[pk], fields["document"])}
                if pk in existing:
                    if fields:
                        model.objects.filter(pk=pk).update(**fields)
                else:
                    _check_complete(batch, model, pk, fields)
                    new.append(model(pk=pk, **fields))
            model.objects.bulk_create(new, batch_size=500)
        for (owner, relation), by_owner in batch.links.items():
            if (owner, relation) in CHILDREN:
                child, column = CHILDREN[(owner, relation)]
                for owner_id, keep in by_owner.items():
                    child.objects.filter(**{column: owner_id}).exclude(pk__in=keep).delete()
                continue
            through, owner_column, target_column = LINKS[(owner, relation)]
            through.objects.filter(**{f"{owner_column}__in": list(by_owner)}).delete()
            through.objects.bulk_create(
                through(**{owner_column: owner_id, target_column: target, "position": position})
                for owner_id, targets in by_owner.items()
                for position, target in enumerate(dict.fromkeys(targets))
            )
        if m.Agency in batch.rows:
            _link_agency_parents()
        figures.refresh(touched | _owners(batch))


def _stored_documents(model, rows, existing):
    """Stored LL2 documents of rows about to be updated, to merge the new copy into."""
    if not existing or "document" not in {f.name for f in model._meta.concrete_fields}:
        return {}
    return dict(model.objects.filter(pk__in=list(existing)).values_list("pk", "document"))


def _owners(batch: Batch) -> set:
    """The spacecraft whose figures the batch's spacecraft, flights or docking events affect."""
    flights = set(batch.rows.get(m.SpacecraftFlight, {}))
    flights |= set(m.DockingEvent.objects.filter(pk__in=list(batch.rows.get(m.DockingEvent, {})))
                   .values_list("flight_vehicle_chaser_id", flat=True))
    flights.discard(None)
    owners = set(m.SpacecraftFlight.objects.filter(pk__in=list(flights)).values_list("spacecraft_id", flat=True))
    return owners | set(batch.rows.get(m.Spacecraft, {}))


def _link_agency_parents():
    """LL2 names an agency's parent; link every agency to the stored agency of that name, if there is one.

    All agencies, not only the imported ones: a parent may arrive in a later import than its child.
    """
    first_by_name = {}
    for pk, name in m.Agency.objects.order_by("-id").values_list("id", "name"):
        first_by_name[name] = pk  # the lowest id wins for a repeated name
    for pk, parent_name, parent_id in m.Agency.objects.values_list("id", "parent_name", "parent_id"):
        parent = first_by_name.get(parent_name) if parent_name else None
        if parent != parent_id:
            m.Agency.objects.filter(pk=pk).update(parent_id=parent)


def import_documents(documents, kind: str | None = None, as_of=None) -> Summary:
    """Read every `(origin, document)` pair, then write all of them in one transaction; nothing is written
    on any error. `as_of`: the moment LL2 rendered them (see `read_document`)."""
    batch = Batch()
    count = total = 0
    for origin, document in documents:
        total += read_document(document, origin, batch, kind, as_of)
        count += 1
    return _write_all(batch, count, total)


def import_paths(paths, kind: str | None = None, as_of=None) -> Summary:
    """Read every file, then write all of it in one transaction; nothing is written on any error.

    `as_of`: the moment LL2 rendered the files (see `read_document`)."""
    _check_stdin_once(paths)
    batch = Batch()
    total = sum(read_file(p, batch, kind, as_of) for p in paths)
    return _write_all(batch, len(paths), total)


def import_each(paths, kind: str | None = None, as_of=None):
    """Each file in its own transaction (`--each`): yields `(file, Summary or ImportFailed)` per file, in
    order. A bad file writes nothing of itself and does not stop the others."""
    _check_stdin_once(paths)
    for path in paths:
        where = sources.label(path)
        try:
            batch = Batch()
            yield where, _write_all(batch, 1, read_file(path, batch, kind, as_of))
        except ImportFailed as exc:
            message = str(exc)
            yield where, exc if message.startswith(where) else ImportFailed(f"{where}: {message}")


def _check_stdin_once(paths):
    if sum(str(p) == sources.STDIN for p in paths) > 1:
        raise ImportFailed(f"{sources.STDIN_LABEL}: standard input ('-') can be read only once")


def _write_all(batch: Batch, files: int, records: int) -> Summary:
    try:
        write(batch)
    except (IntegrityError, DataError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(f"the database refused the data, nothing was written: {first_line}") from None
    return Summary(files=files, records=records, rows={model: batch.count(model) for model in WRITE_ORDER},
                   unmapped=batch.legacy.lines() if batch.legacy else [])
