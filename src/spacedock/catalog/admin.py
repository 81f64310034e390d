"""The admin at `/admin/`, for curating the catalogue by hand: spacecraft, configurations, families,
agencies, flights, docking events, stations, expeditions and images, with search, list filters,
thumbnails and the derived figures shown read-only.

Writes through the admin are writes like any other: the database's triggers move the data version, so
the next API request shows them (`catalog.changes`). What the admin adds is the figures' refresh: saving
or deleting a spacecraft, a flight or a docking event recomputes the stored figures of the spacecraft it
touches (`figures.refresh`), as an import does. Every change is recorded by Django's admin log, with who
and when (each object's "History", and "Log entries" for all of them).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import models
from django.utils.html import format_html

from . import clock, figures
from . import models as m
from .models.base import DocumentField

admin.site.site_header = "Spacedock: curating the catalogue"
admin.site.site_title = "Spacedock admin"
admin.site.index_title = "The spacecraft catalogue"
admin.site.site_url = "/"  # "View site": the front page


def thumbnail(image, size=60):
    """An image's thumbnail (LL2's `thumbnail_url`, shown by the browser from wherever it is), or a dash."""
    if image is None or not image.thumbnail_url:
        return "–"
    return format_html('<img src="{}" alt="{}" loading="lazy" style="max-height:{}px;max-width:{}px">',
                       image.thumbnail_url, image.name, size, size * 2)


class CatalogueAdmin(admin.ModelAdmin):
    """What every catalogue page shares: LL2 documents (launches, crews, landings) read-only, because they
    are kept exactly as imported; 50 rows a page."""

    list_per_page = 50
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a link typed without its scheme

    def get_readonly_fields(self, request, obj=None):
        documents = [f.name for f in self.model._meta.fields if isinstance(f, DocumentField)]
        return [*super().get_readonly_fields(request, obj), *documents]


class RefreshesFigures(CatalogueAdmin):
    """Saving or deleting recomputes the stored figures of the spacecraft the object touches (before and
    after the change), inside the admin's transaction."""

    def spacecraft_of(self, obj) -> set[int]:  # pragma: no cover - per model
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        before = self.spacecraft_of(type(obj).objects.get(pk=obj.pk)) if change else set()
        super().save_model(request, obj, form, change)
        figures.refresh(before | self.spacecraft_of(obj))

    def delete_model(self, request, obj):
        touched = self.spacecraft_of(obj)
        super().delete_model(request, obj)
        figures.refresh(touched)

    def delete_queryset(self, request, queryset):
        touched = set().union(*(self.spacecraft_of(obj) for obj in queryset))
        super().delete_queryset(request, queryset)
        figures.refresh(touched)


# --- images ---------------------------------------------------------------------------------------------------
@admin.register(m.Image)
class ImageAdmin(CatalogueAdmin):
    list_display = ("id", "preview", "name", "credit", "license", "single_use")
    list_display_links = ("id", "name")
    list_filter = ("license", "single_use")
    search_fields = ("name", "credit")
    readonly_fields = ("preview_large",)

    @admin.display(description="thumbnail")
    def preview(self, obj):
        return thumbnail(obj)

    @admin.display(description="preview")
    def preview_large(self, obj):
        return thumbnail(obj, 200)


# --- agencies, families, configurations --------------------------------------------------------------------------
@admin.register(m.Agency)
class AgencyAdmin(CatalogueAdmin):
    list_display = ("id", "logo_preview", "name", "abbrev", "type", "featured", "founding_year")
    list_display_links = ("id", "name")
    list_filter = ("type", "featured")
    search_fields = ("name", "abbrev")
    list_select_related = ("type", "logo")
    raw_id_fields = ("parent", "image", "logo", "social_logo")

    @admin.display(description="logo")
    def logo_preview(self, obj):
        return thumbnail(obj.logo)


@admin.register(m.SpacecraftConfigFamily)
class FamilyAdmin(CatalogueAdmin):
    list_display = ("id", "name", "manufacturer", "parent")
    list_display_links = ("id", "name")
    list_filter = ("manufacturer",)
    search_fields = ("name", "manufacturer__name", "manufacturer__abbrev")
    list_select_related = ("manufacturer", "parent")
    raw_id_fields = ("manufacturer", "parent")


class ConfigurationFamilyInline(admin.TabularInline):
    model = m.ConfigurationFamily
    raw_id_fields = ("family",)
    extra = 0


@admin.register(m.SpacecraftConfiguration)
class ConfigurationAdmin(CatalogueAdmin):
    list_display = ("id", "image_preview", "name", "agency", "type", "in_use", "human_rated", "crew_capacity")
    list_display_links = ("id", "name")
    list_filter = ("type", "in_use", "human_rated", "agency")
    search_fields = ("name", "agency__name", "agency__abbrev")
    list_select_related = ("agency", "type", "image")
    raw_id_fields = ("agency", "image")
    inlines = (ConfigurationFamilyInline,)

    @admin.display(description="image")
    def image_preview(self, obj):
        return thumbnail(obj.image)


# --- spacecraft, flights, docking events ------------------------------------------------------------------------
def duration(seconds) -> str:
    if seconds is None:
        return "–"
    days, rest = divmod(int(seconds), 86_400)
    return f"{days} d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"


FIGURES = ("in_space_now", "time_in_space_now", "time_docked_now", "flights_count", "mission_ends_count_now",
           "fastest_turnaround", "live")
STORED = ("settled_in_space", "settled_time_in_space", "settled_time_docked", "settled_mission_ends_count")


class FlightInline(admin.TabularInline):
    model = m.SpacecraftFlight
    fields = ("id", "launch", "destination", "mission_end", "turn_around_time")
    readonly_fields = ("id", "launch", "destination", "mission_end", "turn_around_time")
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False  # a flight is added on its own page (it needs its launch)


@admin.register(m.Spacecraft)
class SpacecraftAdmin(RefreshesFigures):
    list_display = ("id", "image_preview", "name", "serial_number", "spacecraft_config", "status", "is_placeholder",
                    "live", "flights_count")
    list_display_links = ("id", "name")
    list_filter = ("status", "is_placeholder", "live", "spacecraft_config__type", "spacecraft_config__agency")
    search_fields = ("name", "serial_number", "spacecraft_config__name")
    list_select_related = ("spacecraft_config", "status", "image")
    raw_id_fields = ("spacecraft_config", "image")
    readonly_fields = ("image_large", *FIGURES, *STORED)
    inlines = (FlightInline,)
    fieldsets = (
        (None, {"fields": ("id", "name", "serial_number", "status", "is_placeholder", "spacecraft_config",
                           "description", "image", "image_large")}),
        ("Figures now (what the API shows; derived, read-only)", {"fields": FIGURES}),
        ("As LL2 last reported them (stand for history no stored flight covers)", {
            "classes": ("collapse",),
            "fields": ("reported_in_space", "reported_time_in_space", "reported_time_docked",
                       "reported_flights_count", "reported_mission_ends_count", "reported_fastest_turnaround",
                       "reported_at")}),
        ("Stored settled part (kept by the refresh after each save)", {"classes": ("collapse",), "fields": STORED}),
    )

    def spacecraft_of(self, obj):
        return {obj.pk}

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "id"] if obj is not None else fields  # LL2's id: fixed once the record exists

    def _now(self, obj):
        """The figures the API shows now (at the start of the max-age window, as responses are computed),
        in one query."""
        if not hasattr(obj, "_figures_now"):
            moment = clock.now(max(settings.SPACEDOCK_MAX_AGE, 0))
            obj._figures_now = (figures.with_figures(m.Spacecraft.objects.filter(pk=obj.pk), moment)
                                .values(*figures.LIVE).first() or {})
        return obj._figures_now

    @admin.display(description="in space")
    def in_space_now(self, obj):
        return self._now(obj).get("in_space")

    @admin.display(description="time in space")
    def time_in_space_now(self, obj):
        return duration(self._now(obj).get("time_in_space"))

    @admin.display(description="time docked")
    def time_docked_now(self, obj):
        return duration(self._now(obj).get("time_docked"))

    @admin.display(description="mission ends")
    def mission_ends_count_now(self, obj):
        return self._now(obj).get("mission_ends_count")

    @admin.display(description="image")
    def image_preview(self, obj):
        return thumbnail(obj.image)

    @admin.display(description="image preview")
    def image_large(self, obj):
        return thumbnail(obj.image, 200)


class DockingInline(admin.TabularInline):
    model = m.DockingEvent
    fk_name = "flight_vehicle_chaser"
    fields = ("id", "docking", "departure", "docking_location")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.SpacecraftFlight)
class FlightAdmin(RefreshesFigures):
    list_display = ("id", "spacecraft", "launch", "destination", "mission_end", "turn_around_time")
    list_filter = ("destination", ("mission_end", admin.EmptyFieldListFilter))
    search_fields = ("spacecraft__name", "destination", "launch__id")
    list_select_related = ("spacecraft", "launch")
    raw_id_fields = ("spacecraft", "launch")
    readonly_fields = ("turn_around_time",)
    inlines = (DockingInline,)

    def spacecraft_of(self, obj):
        return {obj.spacecraft_id}


@admin.register(m.DockingEvent)
class DockingEventAdmin(RefreshesFigures):
    list_display = ("id", "docking", "departure", "docking_location", "flight_vehicle_chaser")
    list_filter = (("departure", admin.EmptyFieldListFilter), "docking_location__spacestation")
    search_fields = ("flight_vehicle_chaser__spacecraft__name", "docking_location__name")
    list_select_related = ("docking_location", "flight_vehicle_chaser")
    raw_id_fields = ("docking_location", "flight_vehicle_chaser", "flight_vehicle_target", "space_station_chaser",
                     "space_station_target")
    date_hierarchy = "docking"

    def spacecraft_of(self, obj):
        if obj.flight_vehicle_chaser_id is None:
            return set()
        return set(m.SpacecraftFlight.objects.filter(pk=obj.flight_vehicle_chaser_id)
                   .values_list("spacecraft_id", flat=True))


@admin.register(m.SpaceStation)
class SpaceStationAdmin(CatalogueAdmin):
    list_display = ("id", "name", "status", "type", "founded", "orbit")
    list_filter = ("status", "type")
    search_fields = ("name",)
    list_select_related = ("status", "type")


@admin.register(m.Expedition)
class ExpeditionAdmin(CatalogueAdmin):
    list_display = ("id", "name", "spacestation", "start", "end", "crew_count")
    list_filter = ("spacestation", ("end", admin.EmptyFieldListFilter))
    search_fields = ("name", "crew_search")
    list_select_related = ("spacestation",)
    readonly_fields = ("crew_count", "crew_astronauts", "crew_agencies", "crew_search")  # read from `crew`
    date_hierarchy = "start"


# --- the edit log ---------------------------------------------------------------------------------------------
@admin.register(LogEntry)
class EditAdmin(admin.ModelAdmin):
    """Every change made in the admin, with who and when: read-only."""

    list_display = ("action_time", "user", "content_type", "object_repr", "action", "change_message")
    list_filter = ("action_flag", "content_type", "user")
    search_fields = ("object_repr", "change_message", "user__username")
    date_hierarchy = "action_time"

    @admin.display(description="action")
    def action(self, obj):
        return {1: "added", 2: "changed", 3: "deleted"}.get(obj.action_flag, obj.action_flag)

    @admin.display(description="change")
    def change_message(self, obj):
        return obj.get_change_message()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

