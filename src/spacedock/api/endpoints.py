"""THE table of the LL2 2.3.0 endpoints Spacedock serves.

One row per endpoint: its models, modes and their shapes, filters, search and ordering fields, and
the examples of the browsable page's header text. Views, URLs and the header text are derived from
it; adding an endpoint is one row here, one renderer and nothing else.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from spacedock.catalog import figures, search, station_figures
from spacedock.catalog import models as m

from . import filters
from .render import lookups
from .render.agencies import AGENCY_DETAILED, AGENCY_LIST, AGENCY_NORMAL
from .render.configs import CONFIG_DETAILED, CONFIG_NORMAL, FAMILY_DETAILED, FAMILY_LIST, FAMILY_NORMAL
from .render.docking import DOCKING_EVENT_DETAILED, DOCKING_EVENT_NORMAL, DOCKING_LOCATION
from .render.expeditions import EXPEDITION_DETAILED, EXPEDITION_NORMAL
from .render.flights import FLIGHT_DETAILED, FLIGHT_NORMAL
from .render.kinds import Kind
from .render.spacecraft import SPACECRAFT_DETAILED, SPACECRAFT_NORMAL
from .render.stations import STATION_ENDPOINT, STATION_ENDPOINT_DETAILED

DOCS = "[ll.thespacedevs.com/docs](https://ll.thespacedevs.com/docs/)"


@dataclass(frozen=True)
class Endpoint:
    path: str  # under /2.3.0/, without slashes at the ends
    title: str  # the resource's name on the browsable page
    model: type
    modes: dict[str, Kind]  # mode name -> shape, in LL2's documented order
    list_mode: str
    detail_mode: str
    filterset: type | None = None
    search_fields: tuple[str, ...] = ()
    ordering_fields: tuple[str, ...] = ("id",)
    default_ordering: tuple[str, ...] = ("id",)
    documented: bool = True  # whether the page lists Modes/Filters/Search/Ordering (config/ tables don't)
    # Adds the computed columns filters and orderings use, for the response's moment:
    # (queryset, now, names) -> queryset, `names` being the parameters and ordering terms of the request.
    annotate: Callable | None = None
    # term -> Q through a text index, instead of scanning `search_fields` (same meaning).
    search_index: Callable | None = None
    # Filters whose meaning moves with the clock: a count with one of them is never reused.
    clock_filters: tuple[str, ...] = ()
    examples: dict[str, str] = field(default_factory=dict)  # mode, filter, search, ordering -> query

    @cached_property
    def filter_names(self) -> tuple[str, ...]:
        """The filter parameters, sorted (worked out once: every list request asks)."""
        return tuple(sorted(self.filterset.base_filters)) if self.filterset else ()

    def description(self) -> str:
        """The markdown LL2 puts at the top of each page (same words, same order)."""
        p = f"/{self.path}/"
        ex = self.examples

        def example(query):
            return f"Example - [{p}?{query}](./?{query})"

        def names(items):
            return ", ".join(f"`{item}`" for item in items)

        parts = []
        if self.documented:
            parts += ["#### Modes", f"Levels of detail in the response - {names(self.modes)}", "",
                      example(ex["mode"]), ""]
            if self.filterset:
                parts += ["#### Filters", f"Parameters - {names(self.filter_names)}", "", example(ex["filter"]), ""]
            if self.search_fields:
                # LL2's schema puts a "Search" heading here, but its served pages have none: the pages win.
                parts += [f"Fields searched - {names(self.search_fields)}", "", example(ex["search"]), ""]
            if self.ordering_fields:
                parts += ["#### Ordering", f"Fields - {names(self.ordering_fields)}", "", example(ex["ordering"]), ""]
        parts += [
            "#### Number of results",
            "Use `limit` to control the number of objects in the response (max 100)",
            "",
            example("limit=2"),
            "",
            "#### Format",
            f"Switch to JSON output - [{p}?format=json](./?format=json)",
            "",
            "#### Help",
            f"Find all the FAQs and support links on the documentation homepage - {DOCS}",
        ]
        return "\n".join(parts)


def _lookup(path, title, model, kind, search=("name",)):
    return Endpoint(
        path=path, title=title, model=model, modes={"normal": kind}, list_mode="normal", detail_mode="normal",
        search_fields=search, ordering_fields=("id", "name"), documented=False,
    )


def station_figures_for(queryset, now, names):
    """Stations with the live figures the request filters or orders by (`onboard_crew`, `docked_vehicles`)."""
    wanted = [name for name in station_figures.FIGURES if any(n == name or n.startswith(f"{name}__") for n in names)]
    return station_figures.with_figures(queryset, now, wanted)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        path="spacecraft", title="Spacecraft", model=m.Spacecraft,
        modes={"normal": SPACECRAFT_NORMAL, "detailed": SPACECRAFT_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.SpacecraftFilters,
        search_fields=("name", "spacecraft_config__name"),
        ordering_fields=("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space"),
        annotate=figures.with_figures,
        search_index=search.spacecraft_matching,
        clock_filters=("in_space",),
        examples={"mode": "mode=detailed", "filter": "is_placeholder=True", "search": "search=Endeavour",
                  "ordering": "ordering=-flights_count"},
    ),
    Endpoint(
        path="spacecraft_flights", title="Spacecraft Flight", model=m.SpacecraftFlight,
        modes={"normal": FLIGHT_NORMAL, "detailed": FLIGHT_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.SpacecraftFlightFilters,
        ordering_fields=(),  # LL2 lists none: the order is always id
        examples={"mode": "mode=detailed", "filter": "spacecraft=289"},
    ),
    Endpoint(
        path="spacecraft_configurations", title="Spacecraft Configuration", model=m.SpacecraftConfiguration,
        modes={"normal": CONFIG_NORMAL, "detailed": CONFIG_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.ConfigurationFilters,
        search_fields=("agency__abbrev", "agency__name", "name"),
        ordering_fields=("name",),
        examples={"mode": "mode=detailed", "filter": "human_rated=True", "search": "search=Dragon",
                  "ordering": "ordering=name"},
    ),
    Endpoint(
        path="spacecraft_configuration_families", title="Spacecraft Configuration Family",
        model=m.SpacecraftConfigFamily,
        modes={"list": FAMILY_LIST, "normal": FAMILY_NORMAL, "detailed": FAMILY_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.FamilyFilters,
        search_fields=("manufacturer__abbrev", "manufacturer__name", "name"),
        ordering_fields=("name",),
        examples={"mode": "mode=list", "filter": "manufacturer=121", "search": "search=Northrop",
                  "ordering": "ordering=name"},
    ),
    Endpoint(
        path="agencies", title="Agency", model=m.Agency,
        modes={"list": AGENCY_LIST, "normal": AGENCY_NORMAL, "detailed": AGENCY_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.AgencyFilters,
        search_fields=("abbrev", "name"),
        ordering_fields=("attempted_landings", "consecutive_successful_landings", "consecutive_successful_launches",
                         "failed_landings", "failed_launches", "featured", "id", "name", "pending_launches",
                         "successful_landings", "successful_launches", "total_launch_count"),
        examples={"mode": "mode=list", "filter": "abbrev=NASA", "search": "search=SpaceX",
                  "ordering": "ordering=-total_launch_count"},
    ),
    Endpoint(
        path="space_stations", title="Space Station", model=m.SpaceStation,
        modes={"normal": STATION_ENDPOINT, "detailed": STATION_ENDPOINT_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.SpaceStationFilters,
        search_fields=("name", "owners__abbrev", "owners__name"),
        ordering_fields=("docked_vehicles", "founded", "id", "name", "onboard_crew", "status", "type", "volume"),
        annotate=station_figures_for,
        clock_filters=filters.STATION_FIGURE_FILTERS,
        examples={"mode": "mode=detailed", "filter": "onboard_crew__gte=1", "search": "search=Salyut",
                  "ordering": "ordering=founded"},
    ),
    Endpoint(
        path="docking_events", title="Docking Event", model=m.DockingEvent,
        modes={"normal": DOCKING_EVENT_NORMAL, "detailed": DOCKING_EVENT_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.DockingEventFilters,
        search_fields=("docking_location__name", "flight_vehicle_chaser__spacecraft__name",
                       "flight_vehicle_target__spacecraft__name", "payload_flight_chaser__payload__name",
                       "payload_flight_target__payload__name", "space_station_chaser__name",
                       "space_station_target__name"),
        ordering_fields=("departure", "docking"),
        search_index=filters.docking_event_matching,
        examples={"mode": "mode=detailed", "filter": "space_station_target__id=6", "search": "search=Salyut",
                  "ordering": "ordering=-docking"},
    ),
    Endpoint(
        path="expeditions", title="Expedition", model=m.Expedition,
        modes={"normal": EXPEDITION_NORMAL, "detailed": EXPEDITION_DETAILED},
        list_mode="normal", detail_mode="detailed",
        filterset=filters.ExpeditionFilters,
        search_fields=("crew__astronaut__agency__abbrev", "crew__astronaut__agency__name", "crew__astronaut__name",
                       "crew__astronaut__nationality__nationality_name", "name"),
        ordering_fields=("end", "id", "start"),
        search_index=filters.expedition_matching,
        examples={"mode": "mode=detailed", "filter": "space_station=18", "search": "search=Kelly",
                  "ordering": "ordering=-start"},
    ),
    _lookup("config/spacecraft_statuses", "Spacecraft Status", m.SpacecraftStatus, lookups.SPACECRAFT_STATUS),
    _lookup("config/spacecraft_configuration_types", "Spacecraft Config Type", m.SpacecraftConfigType,
            lookups.SPACECRAFT_CONFIG_TYPE),
    _lookup("config/agency_types", "Agency Type", m.AgencyType, lookups.AGENCY_TYPE),
    _lookup("config/countries", "Country", m.Country, lookups.COUNTRY,
            search=("name", "alpha_2_code", "alpha_3_code", "nationality_name")),
    _lookup("config/image_licenses", "Image License", m.ImageLicense, lookups.IMAGE_LICENSE),
    _lookup("config/image_variant_types", "Image Variant Type", m.ImageVariantType, lookups.IMAGE_VARIANT_TYPE),
    _lookup("config/space_station_statuses", "Space Station Status", m.SpaceStationStatus,
            lookups.SPACE_STATION_STATUS),
    _lookup("config/docking_locations", "Docking Location", m.DockingLocation, DOCKING_LOCATION),
)
