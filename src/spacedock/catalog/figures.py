"""A spacecraft's live figures, derived from its flights and docking events at a given moment.

Definitions (the README states them too), at the moment t:
- A flight is on from its launch's `net` until its `mission_end`, or for ever while it has none; a
  flight whose `net` is after t has not started. Its `duration` is the time it has been on by t
  (mission end, or t while it is on, minus net; never negative).
- `time_in_space`: the sum of the durations of the spacecraft's flights.
- `time_docked`: the same over the docking events whose chaser is one of its flights, from `docking`
  to `departure` (or t while it has none).
- `flights_count`: its flights; `mission_ends_count`: those whose mission end is at or before t;
  `in_space`: one of its flights is on at t.
- `turn_around_time` of a flight: its net minus the mission end of the spacecraft's previous flight
  (by net, then id); none for the first flight, or while that end is unknown. `fastest_turnaround`:
  the least of them.
- Partial history: when LL2 reported more flights than are stored, the reported figures fix the part
  no stored flight covers: that part is the reported value minus the stored flights' share at the
  moment LL2 reported it (`reported_at`). A spacecraft with no stored flights keeps the reported figures.

How it stays live and fast: `refresh()` runs after every write and stores, per spacecraft, the figures
that can no longer change. A spacecraft with a flight or docking still on or still to come is `live`:
for it SQL adds its stored flights' share at the request's moment (`annotate()`), so ordering and
filtering by a figure stay right as time passes.
"""
from __future__ import annotations

import datetime as dt
import math

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import clock
from .models import DockingEvent, Launch, Spacecraft, SpacecraftFlight

BATCH = 2000  # spacecraft per refresh query: well under every backend's limit on query parameters
ANALYZE_AFTER = 5000  # spacecraft refreshed at once: a big write, worth new planner statistics


# --- shared arithmetic: whole seconds, the same in Python and in SQL ----------------------------------------
def epoch(moment: dt.datetime) -> int:
    return math.floor(moment.timestamp())


def on_for(start, end, at: dt.datetime) -> int:
    """Seconds an interval from `start` to `end` (open while None) has lasted by `at`."""
    if start is None or start > at:
        return 0
    stop = at if end is None or end > at else end
    return max(0, epoch(stop) - epoch(start))


def is_on(start, end, at) -> bool:
    return start is not None and start <= at and (end is None or end > at)


def is_pending(start, end, at) -> bool:
    """Whether the interval's share can still change after `at` (it is on, or still to come). With no known
    start (a flight whose launch time is unknown) it adds no time ever; only its end may still be to come."""
    if start is None:
        return end is not None and end > at
    return start > at or end is None or end > at


# --- SQL --------------------------------------------------------------------------------------------------
class Epoch(Func):
    """Whole seconds since 1970 of a date-time expression, on SQLite and PostgreSQL alike."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
                           **extra)


def _share(start: str, end: str, at: dt.datetime):
    """SQL twin of `on_for` over the columns `start` and `end`."""
    return Case(
        When(**{f"{start}__gt": at}, then=Value(0)),
        When(Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": at}), then=Value(epoch(at)) - Epoch(F(start))),
        When(**{f"{end}__lt": F(start)}, then=Value(0)),
        default=Epoch(F(end)) - Epoch(F(start)),
        output_field=BigIntegerField(),
    )


def _per_spacecraft(queryset, owner: str, total):
    """A correlated subquery: `total` aggregated over `queryset` rows of the outer spacecraft."""
    return Subquery(
        queryset.filter(**{owner: OuterRef("pk")}).order_by().values(owner).annotate(total=total).values("total")
    )


def _live(settled: str, share, output):
    """The figure: the settled part, plus the stored flights' share at the moment while `live`."""
    return Case(
        When(live=True, then=Coalesce(F(settled), Value(0)) + Coalesce(share, Value(0))),
        default=F(settled),
        output_field=output,
    )


LIVE = ("in_space", "time_in_space", "time_docked", "mission_ends_count")  # the figures that move with time


def annotations(at: dt.datetime, names=LIVE) -> dict:
    """The figures `names` at `at` as SQL, by their LL2 names (durations in whole seconds)."""
    flights = SpacecraftFlight.objects.all()
    builders = {
        "in_space": lambda: Case(When(live=True, then=Exists(flights.filter(
            spacecraft=OuterRef("pk"), launch__net__lte=at).filter(
                Q(mission_end__isnull=True) | Q(mission_end__gt=at)))),
            default=F("settled_in_space"), output_field=BooleanField()),
        "time_in_space": lambda: _live("settled_time_in_space", _per_spacecraft(
            flights, "spacecraft", Sum(_share("launch__net", "mission_end", at))), BigIntegerField()),
        "time_docked": lambda: _live("settled_time_docked", _per_spacecraft(
            DockingEvent.objects.all(), "flight_vehicle_chaser__spacecraft", Sum(_share("docking", "departure", at))),
            BigIntegerField()),
        "mission_ends_count": lambda: _live("settled_mission_ends_count", _per_spacecraft(
            flights.filter(mission_end__lte=at), "spacecraft", Count("id")), IntegerField()),
    }
    return {name: builders[name]() for name in names if name in builders}


def with_figures(queryset, at: dt.datetime | None = None, names=LIVE):
    """Spacecraft with their figures `names` at `at` (default: now), for filtering and ordering in SQL.

    Only what a request filters or orders by is worth building: the expressions cost the ORM a few
    milliseconds to assemble."""
    wanted = annotations(at or clock.now(), names)
    return queryset.annotate(**wanted) if wanted else queryset


# The column each moving figure equals while a spacecraft is settled (`live` false): for such rows the
# expressions above reduce to it at every moment.
SETTLED_COLUMNS = {"in_space": "settled_in_space", "time_in_space": "settled_time_in_space",
                   "time_docked": "settled_time_docked", "mission_ends_count": "settled_mission_ends_count"}


def with_settled_figures(queryset):
    """Settled spacecraft with their figures under the same names as `with_figures` gives them, as the
    stored columns: the same rows, filters and order at every moment, and indexable."""
    return queryset.filter(live=False).annotate(**{name: F(column) for name, column in SETTLED_COLUMNS.items()})


def live_figures(rows, at: dt.datetime) -> None:
    """Fill in the figures of spacecraft rows (dicts with `id`, `live` and the settled_* columns) at `at`.

    The twin of the SQL above, for rendering: settled rows need nothing more; the few live ones take
    their stored flights and dockings (two queries, only when the rows hold a live one)."""
    live = [row["id"] for row in rows if row["live"]]
    flights = _grouped(SpacecraftFlight.objects.filter(spacecraft_id__in=live).values_list(
        "spacecraft_id", "launch__net", "mission_end")) if live else {}
    dockings = _grouped(DockingEvent.objects.filter(flight_vehicle_chaser__spacecraft_id__in=live).values_list(
        "flight_vehicle_chaser__spacecraft_id", "docking", "departure")) if live else {}
    for row in rows:
        if not row["live"]:
            row["in_space"] = row["settled_in_space"]
            row["time_in_space"] = row["settled_time_in_space"]
            row["time_docked"] = row["settled_time_docked"]
            row["mission_ends_count"] = row["settled_mission_ends_count"]
            continue
        own, docked = flights.get(row["id"], []), dockings.get(row["id"], [])
        row["in_space"] = any(is_on(net, end, at) for net, end in own)
        row["time_in_space"] = (row["settled_time_in_space"] or 0) + sum(on_for(net, end, at) for net, end in own)
        row["time_docked"] = (row["settled_time_docked"] or 0) + sum(on_for(start, end, at) for start, end in docked)
        row["mission_ends_count"] = (row["settled_mission_ends_count"] or 0) + sum(
            1 for _, end in own if end is not None and end <= at)


# --- refresh ----------------------------------------------------------------------------------------------
def _seconds(value: dt.timedelta | None):
    return None if value is None else math.floor(value.total_seconds())


def _grouped(rows):
    out: dict = {}
    for owner, *rest in rows:
        out.setdefault(owner, []).append(rest)
    return out


def refresh(spacecraft_ids=None) -> None:
    """Recompute the stored figures of these spacecraft (all when None) and their flights' turnarounds."""
    now = clock.now()
    if spacecraft_ids is None:
        spacecraft_ids = list(Spacecraft.objects.values_list("pk", flat=True))
    spacecraft_ids = sorted(set(spacecraft_ids))
    for i in range(0, len(spacecraft_ids), BATCH):
        _refresh_batch(spacecraft_ids[i:i + BATCH], now)
    if len(spacecraft_ids) >= ANALYZE_AFTER:
        analyze_tables()


def analyze_tables() -> None:
    """After a big write (an import, `generate`), fresh PostgreSQL planner statistics for the tables lists
    and live figures read: without them (autovacuum may be off or late) the planner takes index walks and
    nested loops for hash joins over everything, and a search page goes from 10 ms to 50. Nothing on SQLite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Spacecraft, SpacecraftFlight, DockingEvent, Launch):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _refresh_batch(ids, now):
    flights = _grouped(
        SpacecraftFlight.objects.filter(spacecraft_id__in=ids).order_by("spacecraft_id", "launch__net", "id")
        .values_list("spacecraft_id", "id", "launch__net", "mission_end", "turn_around_time")
    )
    dockings = _grouped(
        DockingEvent.objects.filter(flight_vehicle_chaser__spacecraft_id__in=ids)
        .values_list("flight_vehicle_chaser__spacecraft_id", "docking", "departure")
    )
    changed_flights, changed = [], []
    for sc in Spacecraft.objects.filter(pk__in=ids):
        own = flights.get(sc.pk, [])
        docked = dockings.get(sc.pk, [])
        turnarounds = flight_turnarounds(own)
        for (flight_id, _, _, stored), turnaround in zip(own, turnarounds):
            if stored != turnaround:
                changed_flights.append(SpacecraftFlight(id=flight_id, turn_around_time=turnaround))
        before = [getattr(sc, name) for name in SETTLED]
        settle(sc, own, docked, turnarounds, now)
        if [getattr(sc, name) for name in SETTLED] != before:
            changed.append(sc)  # only what changed is written: a re-import of the same data writes nothing
    Spacecraft.objects.bulk_update(changed, SETTLED, batch_size=500)
    SpacecraftFlight.objects.bulk_update(changed_flights, ["turn_around_time"], batch_size=500)


SETTLED = ["live", "settled_in_space", "settled_time_in_space", "settled_time_docked", "settled_mission_ends_count",
           "flights_count", "fastest_turnaround"]


def flight_turnarounds(flights):
    """Per flight (sorted by net, id): net minus the previous flight's mission end, when both are known.

    When a flight's launch time is unknown the order of the flights is too: no turnaround at all."""
    if any(net is None for _, net, _, _ in flights):
        return [None] * len(flights)
    out, previous_end = [], None
    for _, net, end, _ in flights:
        out.append(net - previous_end if previous_end is not None and net >= previous_end else None)
        previous_end = end
    return out


def settle(sc: Spacecraft, flights, dockings, turnarounds, now) -> None:
    if not flights:  # nothing stored to derive from: the figures stay as LL2 reported them
        sc.live = False
        sc.settled_in_space = bool(sc.reported_in_space)
        sc.settled_time_in_space = _seconds(sc.reported_time_in_space)
        sc.settled_time_docked = _seconds(sc.reported_time_docked)
        sc.settled_mission_ends_count = sc.reported_mission_ends_count
        sc.flights_count = sc.reported_flights_count
        sc.fastest_turnaround = sc.reported_fastest_turnaround
        return

    def in_space_seconds(at):
        return sum(on_for(net, end, at) for _, net, end, _ in flights)

    def docked_seconds(at):
        return sum(on_for(start, end, at) for start, end in dockings)

    def ended(at):
        return sum(1 for _, _, end, _ in flights if end is not None and end <= at)

    partial = sc.reported_flights_count is not None and sc.reported_flights_count > len(flights)
    fastest = [t for t in turnarounds if t is not None]
    base = {"tis": 0, "td": 0, "ends": 0, "flights": 0}
    if partial:
        at = sc.reported_at or now
        reported_tis, reported_td = _seconds(sc.reported_time_in_space), _seconds(sc.reported_time_docked)
        base["tis"] = max(0, reported_tis - in_space_seconds(at)) if reported_tis is not None else 0
        base["td"] = max(0, reported_td - docked_seconds(at)) if reported_td is not None else 0
        if sc.reported_mission_ends_count is not None:
            base["ends"] = max(0, sc.reported_mission_ends_count - ended(at))
        base["flights"] = sc.reported_flights_count - len(flights)
        if sc.reported_fastest_turnaround is not None:
            fastest.append(sc.reported_fastest_turnaround)

    sc.live = any(is_pending(net, end, now) for _, net, end, _ in flights) or any(
        is_pending(start, end, now) for start, end in dockings)
    settled = not sc.live
    sc.settled_in_space = any(is_on(net, end, now) for _, net, end, _ in flights)
    sc.settled_time_in_space = base["tis"] + (in_space_seconds(now) if settled else 0)
    sc.settled_time_docked = base["td"] + (docked_seconds(now) if settled else 0)
    sc.settled_mission_ends_count = base["ends"] + (ended(now) if settled else 0)
    sc.flights_count = base["flights"] + len(flights)
    sc.fastest_turnaround = min(fastest, default=None)
    if settled and not partial and any(net is None for _, net, _, _ in flights):
        sc.settled_time_in_space = None  # a flight's launch time is unknown: so is the time in space
