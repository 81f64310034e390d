"""A space station's live figures at a moment t, in SQL (filters, ordering) and in Python (rendering).

- An expedition is *on* from its `start` until its `end`, or for ever while it has none.
- `active_expeditions`: the station's expeditions on at t, by start then id.
- `onboard_crew`: the crew of those expeditions, counting each whose crew list was imported (2.3.0).
  When none of them has a stored crew, the station's crew as LL2 reported it stands while one of its
  expeditions is on, or while no expedition of the station is stored at all; otherwise 0.
- `docked_vehicles`: the docking events targeting the station that are on at t (from `docking` until
  `departure`, or for ever while it has none).
- A docking location's `currently_docked`: the event at it on at t (the latest docking if several).

The SQL and the Python agree row for row (tests/test_stations.py), so a list filtered or ordered by a
figure shows the figures the rows say.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from .figures import is_on, is_pending
from .models import DockingEvent, Expedition

FIGURES = ("onboard_crew", "docked_vehicles")


def _on(prefix_start: str, prefix_end: str, at: dt.datetime) -> Q:
    return Q(**{f"{prefix_start}__lte": at}) & (Q(**{f"{prefix_end}__isnull": True}) | Q(**{f"{prefix_end}__gt": at}))


def _pending(prefix_start: str, prefix_end: str, at: dt.datetime) -> Q:
    """`figures.is_pending` as a condition: on, or still to come (with no start, only an end to come)."""
    return (Q(**{f"{prefix_end}__gt": at}) | Q(**{f"{prefix_start}__gt": at})
            | Q(**{f"{prefix_start}__isnull": False, f"{prefix_end}__isnull": True}))


def active_expeditions(at: dt.datetime):
    return Expedition.objects.filter(_on("start", "end", at))


def docked_events(at: dt.datetime):
    return DockingEvent.objects.filter(_on("docking", "departure", at))


def annotations(at: dt.datetime, names=FIGURES) -> dict:
    """The figures `names` at `at` as SQL expressions over space stations."""
    active = active_expeditions(at).filter(spacestation=OuterRef("pk"))
    builders = {
        "onboard_crew": lambda: Coalesce(
            Subquery(active.filter(crew_count__isnull=False).order_by().values("spacestation")
                     .annotate(total=Sum("crew_count")).values("total")),
            Case(When(Exists(active) | ~Exists(Expedition.objects.filter(spacestation=OuterRef("pk"))),
                      then="reported_onboard_crew"), default=Value(0), output_field=IntegerField()),
            output_field=IntegerField()),
        "docked_vehicles": lambda: Coalesce(
            Subquery(docked_events(at).filter(space_station_target=OuterRef("pk")).order_by()
                     .values("space_station_target").annotate(total=Count("id")).values("total")),
            Value(0), output_field=IntegerField()),
    }
    return {name: builders[name]() for name in names if name in builders}


def with_figures(queryset, at: dt.datetime, names=FIGURES):
    """Stations with the figures `names` at `at`, for filtering and ordering in SQL."""
    wanted = annotations(at, names)
    return queryset.annotate(**wanted) if wanted else queryset


def live_figures(rows, at: dt.datetime) -> None:
    """Fill in `onboard_crew`, `docked_vehicles`, `expeditions` (ids of the active ones) and `settled` (no
    expedition or docking of the station is on or still to come: its figures can no longer change) of
    station rows (dicts with `id` and `reported_onboard_crew`): two queries for any number of rows."""
    ids = [row["id"] for row in rows]
    expeditions: dict = {}
    for station, pk, start, end, crew in (Expedition.objects.filter(spacestation_id__in=ids)
                                          .order_by("spacestation_id", "start", "id")
                                          .values_list("spacestation_id", "id", "start", "end", "crew_count")):
        expeditions.setdefault(station, []).append((pk, start, end, crew))
    docked: dict = {}
    pending = set()  # stations whose figures can still change after `at`
    # Counted in SQL (`is_on` and `is_pending` as conditions): a station is the target of thousands of events.
    for station, on, to_come in (DockingEvent.objects.filter(space_station_target_id__in=ids).order_by()
                                 .values("space_station_target_id")
                                 .annotate(on=Count("id", filter=_on("docking", "departure", at)),
                                           to_come=Count("id", filter=_pending("docking", "departure", at)))
                                 .values_list("space_station_target_id", "on", "to_come")):
        docked[station] = on
        if to_come:
            pending.add(station)
    for row in rows:
        own = expeditions.get(row["id"], [])
        row["settled"] = row["id"] not in pending and not any(is_pending(start, end, at) for _, start, end, _ in own)
        active = [(pk, crew) for pk, start, end, crew in own if is_on(start, end, at)]
        row["expeditions"] = [pk for pk, _ in active]
        known = [crew for _, crew in active if crew is not None]
        if known:
            row["onboard_crew"] = sum(known)
        elif active or not own:
            row["onboard_crew"] = row["reported_onboard_crew"]
        else:
            row["onboard_crew"] = 0
        row["docked_vehicles"] = docked.get(row["id"], 0)
