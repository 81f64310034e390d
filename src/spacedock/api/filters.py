"""Filters, search and ordering for the LL2 endpoints, on indexed columns.

Where LL2 is silent or lax this is strict: a value that cannot be read (`in_space=maybe`,
`status=abc`) is a 400 naming the parameter, never silently ignored.
"""
import datetime as dt
import re

from django import forms
from django.db.models import Exists, F, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan, IContains
from django_filters import rest_framework as df
from django_filters import utils
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

from spacedock.catalog import models as m
from spacedock.catalog.models.agencies import AGENCY_COUNTERS

TRUE = {"true", "1"}
FALSE = {"false", "0"}


class StrictBooleanField(forms.Field):
    """`true`/`false`/`1`/`0` in any case; anything else is an error (django-filter would ignore it)."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise forms.ValidationError(f"'{value}' is not a boolean; use true or false.", code="invalid")


class BooleanFilter(df.Filter):
    field_class = StrictBooleanField


ASCII_INTEGER = re.compile(r"-?[0-9]+")  # no sign `+`, no spaces, no other scripts' digits (`٥`)


class WholeNumberField(forms.IntegerField):
    """A whole number written in ASCII digits only; Python's int() would also take `+5`, ` 5` and `٥`."""

    def to_python(self, value):
        if value not in self.empty_values and not ASCII_INTEGER.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# Whole numbers a database column can hold at all (SQLite fails on larger ones instead of matching nothing).
INT64 = range(-(2**63), 2**63)


class IdFilter(df.NumberFilter):
    """An id or counter given as a whole number; a value that matches nothing gives an empty page, not an error."""

    field_class = WholeNumberField

    def filter(self, qs, value):
        if value is None or value in INT64:
            return super().filter(qs, value)
        # Beyond any stored number: `<`/`<=` a huge value (or `>`/`>=` a hugely negative one) keeps every row
        # that has a number (a null compares with nothing, as with any other value).
        keeps_all = self.lookup_expr in (("lt", "lte") if value > 0 else ("gt", "gte"))
        return qs.filter(**{f"{self.field_name}__isnull": False}) if keeps_all else qs.none()


class ContainsFilter(df.CharFilter):
    """Case-sensitive substring on every backend (SQLite's LIKE would ignore case)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(GreaterThan(StrIndex(F(self.field_name), Value(value)), 0))


class CommaListFilter(df.CharFilter):
    """`country_code=USA,FRA`: agencies with any of these ISO 3166-1 alpha-3 (or alpha-2) codes."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        codes = [code.strip().upper() for code in value.split(",") if code.strip()]
        if not codes:
            return qs
        links = m.AgencyCountry.objects.filter(agency=OuterRef("pk")).filter(
            Q(country__alpha_3_code__in=codes) | Q(country__alpha_2_code__in=codes)
        )
        return qs.filter(Exists(links))


class HasSpacecraftFilter(BooleanFilter):
    """Agencies `spacecraft=true`: agencies that have at least one spacecraft configuration."""

    def filter(self, qs, value):
        if value is None:
            return qs
        has = Exists(m.SpacecraftConfiguration.objects.filter(agency=OuterRef("pk")))
        return qs.filter(has if value else ~has)


class SpacecraftFilters(df.FilterSet):
    in_space = BooleanFilter()
    is_placeholder = BooleanFilter()
    name = df.CharFilter()
    spacecraft_config = IdFilter(field_name="spacecraft_config_id")
    status = IdFilter(field_name="status_id")

    class Meta:
        model = m.Spacecraft
        fields = []


class SpacecraftFlightFilters(df.FilterSet):
    spacecraft = IdFilter(field_name="spacecraft_id")

    class Meta:
        model = m.SpacecraftFlight
        fields = []


class ConfigurationFilters(df.FilterSet):
    agency = IdFilter(field_name="agency_id")
    human_rated = BooleanFilter()
    in_use = BooleanFilter()
    name = df.CharFilter()

    class Meta:
        model = m.SpacecraftConfiguration
        fields = []


class FamilyFilters(df.FilterSet):
    manufacturer = IdFilter(field_name="manufacturer_id")
    name = df.CharFilter()

    class Meta:
        model = m.SpacecraftConfigFamily
        fields = []


def _agency_filters():
    attrs = {
        "abbrev": df.CharFilter(),
        "abbrev__contains": ContainsFilter(field_name="abbrev"),
        "country_code": CommaListFilter(),
        "description": df.CharFilter(),
        "description__contains": ContainsFilter(field_name="description"),
        "featured": BooleanFilter(),
        "id": IdFilter(field_name="id"),
        "name": df.CharFilter(),
        "name__contains": ContainsFilter(field_name="name"),
        "parent__id": IdFilter(field_name="parent_id"),
        "spacecraft": HasSpacecraftFilter(),
        "type__id": IdFilter(field_name="type_id"),
    }
    counters = [c for c in AGENCY_COUNTERS if not c.endswith(("_spacecraft", "_payload"))] + ["founding_year"]
    for counter in counters:
        attrs[counter] = IdFilter(field_name=counter)
        for lookup in ("gt", "gte", "lt", "lte"):
            attrs[f"{counter}__{lookup}"] = IdFilter(field_name=counter, lookup_expr=lookup)
    attrs["Meta"] = type("Meta", (), {"model": m.Agency, "fields": []})
    return type("AgencyFilters", (df.FilterSet,), dict(sorted(attrs.items())))


AgencyFilters = _agency_filters()


class Filters(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the endpoint's filters: building a FilterSet
    deep-copies every filter, a noticeable share of a plain page's time."""

    def filterset(self, request, queryset, view):
        """The request's FilterSet over `queryset`, valid (else the 400 is raised), or None when the request
        names no filter."""
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None or not any(name in request.query_params for name in filterset_class.base_filters):
            return None
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset = self.filterset(request, queryset, view)
        return queryset if filterset is None else filterset.qs


MAX_SEARCH_TERMS = 10  # each term is one more condition: 1,000 of them cost seconds, or an error
MAX_SEARCH_LENGTH = 200


class Search(SearchFilter):
    """DRF's search (every term, case-insensitively, in any search field), through the endpoint's text
    index when it has one (`search_index`), so it needs no scan of every row. The work is bounded: at most
    `MAX_SEARCH_TERMS` terms and `MAX_SEARCH_LENGTH` characters, a 400 naming the limit beyond."""

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if len(value) > MAX_SEARCH_LENGTH:
            raise ValidationError({self.search_param: [
                f"At most {MAX_SEARCH_LENGTH} characters; this search has {len(value)}."]})
        if "\x00" in value:
            raise ValidationError({self.search_param: ["Null characters are not allowed."]})
        terms = super().get_search_terms(request)
        if len(terms) > MAX_SEARCH_TERMS:
            raise ValidationError({self.search_param: [
                f"At most {MAX_SEARCH_TERMS} search terms; this search has {len(terms)}."]})
        return terms

    def conditions(self, request, view) -> list:
        """One condition per search term, through the endpoint's index."""
        return [view.endpoint.search_index(term) for term in self.get_search_terms(request)]

    def filter_queryset(self, request, queryset, view):
        if getattr(view.endpoint, "search_index", None) is None:
            return super().filter_queryset(request, queryset, view)
        for condition in self.conditions(request, view):
            queryset = queryset.filter(condition)
        return queryset


class Ordering(OrderingFilter):
    """DRF ordering that always ends with `id`, and sorts nulls first ascending on every backend.

    Without the tie-breaker, rows with equal values (say 300 spacecraft with `flights_count` 1)
    come back in whatever order the database likes, and pages repeat or skip rows.
    """

    def filter_queryset(self, request, queryset, view):
        terms = self.get_ordering(request, queryset, view) or []
        order = []
        for term in terms:
            descending, name = term.startswith("-"), term.lstrip("-")
            field = F(name)
            if name in ("id", "pk"):  # never null: a plain ORDER BY can walk the primary key
                order.append(field.desc() if descending else field.asc())
            else:
                order.append(field.desc(nulls_last=True) if descending else field.asc(nulls_first=True))
        if not any(term.lstrip("-") in ("id", "pk") for term in terms):
            order.append(F("id").asc())
        return queryset.order_by(*order)


class IdListField(forms.Field):
    """Whole numbers: comma-separated in one value (`owner__ids=63,44`), or repeated (`owners=63&owners=44`)."""

    def to_python(self, value):
        if value in (None, "", []):
            return None
        parts = [part.strip() for item in (value if isinstance(value, list) else [value])
                 for part in str(item).split(",") if part.strip()]
        if not all(ASCII_INTEGER.fullmatch(part) for part in parts):
            raise forms.ValidationError("Enter whole numbers separated by commas.", code="invalid")
        return [int(part) for part in parts if int(part) in INT64] or [None]


class IdListFilter(df.Filter):
    """Rows whose `field_name` is any of the ids (a related many-to-many included)."""

    field_class = IdListField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value}).distinct()


class RepeatedIdListFilter(IdListFilter):
    """`owners=63&owners=44`: every value of a repeated parameter (OpenAPI `explode: true`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, widget=forms.SelectMultiple, **kwargs)


class UnknownOrbitFilter(df.Filter):
    """`orbit` names an LL2 orbit by id, but a station's LL2 record names its orbit only by name: a clear
    400 instead of a filter that could only ever match nothing."""

    field_class = WholeNumberField

    def filter(self, qs, value):
        if value is None:
            return qs
        raise ValidationError({"orbit": ["Filtering by orbit id is not supported: LL2's station records name "
                                         "the orbit but not its id. Use search or the station's `orbit` field."]})


class TextIdFilter(IdFilter):
    """An id among those kept in a text column as `,id,id,` (an expedition's crew, from its document)."""

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__contains": f",{value},"})


def _counter_filters(names):
    attrs = {}
    for counter in names:
        attrs[counter] = IdFilter(field_name=counter)
        for lookup in ("gt", "gte", "lt", "lte"):
            attrs[f"{counter}__{lookup}"] = IdFilter(field_name=counter, lookup_expr=lookup)
    return attrs


class MomentField(IsoDateTimeField):
    """An ISO 8601 date-time, compared in UTC: an offset PostgreSQL cannot hold (Python takes up to ±23:59,
    PostgreSQL ±15:59) is then no error, and a moment past year 9999 in UTC is a 400, not a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class MomentFilter(df.IsoDateTimeFilter):
    field_class = MomentField


def _moment_filters(names):
    return {f"{name}__{lookup}": MomentFilter(field_name=name, lookup_expr=lookup)
            for name in names for lookup in ("gt", "gte", "lt", "lte")}


def _filterset(name, model, attrs):
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": []})
    return type(name, (df.FilterSet,), dict(sorted(attrs.items())))


STATION_FIGURE_FILTERS = tuple(_counter_filters(("docked_vehicles", "onboard_crew")))

SpaceStationFilters = _filterset("SpaceStationFilters", m.SpaceStation, {
    **_counter_filters(("docked_vehicles", "onboard_crew")),
    "id": IdFilter(field_name="id"),
    "name": df.CharFilter(),
    "name__contains": ContainsFilter(field_name="name"),
    "orbit": UnknownOrbitFilter(),
    "owner__ids": IdListFilter(field_name="owners"),
    "owners": RepeatedIdListFilter(field_name="owners"),
    "status": IdFilter(field_name="status_id"),
    "status__ids": IdListFilter(field_name="status_id"),
    "type": IdFilter(field_name="type_id"),
})

DockingEventFilters = _filterset("DockingEventFilters", m.DockingEvent, {
    **_moment_filters(("docking",)),
    "docking_location__id": IdFilter(field_name="docking_location_id"),
    "flight_vehicle_chaser__id": IdFilter(field_name="flight_vehicle_chaser_id"),
    "space_station_target__id": IdFilter(field_name="space_station_target_id"),
})

ExpeditionFilters = _filterset("ExpeditionFilters", m.Expedition, {
    **_moment_filters(("end", "start")),
    "crew__astronaut": TextIdFilter(field_name="crew_astronauts"),
    "crew__astronaut__agency": TextIdFilter(field_name="crew_agencies"),
    "name": df.CharFilter(),
    "space_station": IdFilter(field_name="spacestation_id"),
})


def docking_event_matching(term: str) -> Q:
    """A docking event search term (LL2's fields): names of its location, flights' spacecraft and stations,
    and its payload flights' documents (kept whole: the term anywhere in them)."""
    return (Q(docking_location__name__icontains=term) | Q(flight_vehicle_chaser__spacecraft__name__icontains=term)
            | Q(flight_vehicle_target__spacecraft__name__icontains=term)
            | Q(space_station_chaser__name__icontains=term) | Q(space_station_target__name__icontains=term)
            | Q(IContains(Cast("payload_flight_chaser", TextField()), term))
            | Q(IContains(Cast("payload_flight_target", TextField()), term)))


def expedition_matching(term: str) -> Q:
    """An expedition search term: its name, or its crew's names, agencies and nationalities."""
    return Q(name__icontains=term) | Q(crew_search__icontains=term)
