"""Output formats: LL2's compact JSON (through orjson) and DRF's browsable page (`?format=api`)."""
from django import forms
from django.template import loader
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from .filters import StrictBooleanField
from .render.formats import json_bytes

# A boolean filter in the browsable page's form: a choice, where unset leaves the parameter out.
BOOLEAN_CHOICES = [("", "unset"), ("true", "true"), ("false", "false")]
BOOLEAN_FIELDS = (forms.BooleanField, forms.NullBooleanField, StrictBooleanField)


class LL2JSONRenderer(JSONRenderer):
    """The bytes DRF's JSONRenderer writes (compact, UTF-8, U+2028/9 escaped), written by orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return json_bytes(data)  # one pass over the page for U+2028/9 (a megabyte for a detailed one)


def label_filters(form: forms.Form) -> forms.Form:
    """Each field labelled with its query parameter's name (django-filter would write `[invalid name]` for
    a filter that is no model field), and booleans as a choice of `true`, `false` or unset."""
    for name, field in form.fields.items():
        field.label = name
        if isinstance(field, BOOLEAN_FIELDS):
            field.widget = forms.Select(choices=BOOLEAN_CHOICES)
    return form


class LL2BrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's page, read-only: the API takes GET only, so no forms are offered but the filter form, whose
    fields are named by their parameters. The JSON inside is the same data the JSON renderer writes."""

    def show_form_for_method(self, view, method, request, obj):
        return False

    def get_rendered_html_form(self, data, view, method, request):
        return None

    def get_raw_data_form(self, data, view, method, request):
        return None

    def get_filter_form(self, data, view, request):
        """DRF's filter form (only for a page of a list), with django-filter's part labelled (`label_filters`)."""
        backends = getattr(view, "filter_backends", None)
        paginator = getattr(view, "paginator", None)
        if not backends or not hasattr(view, "get_queryset") or paginator is None or not isinstance(data, dict):
            return None
        try:
            paginator.get_results(data)
        except (TypeError, KeyError):
            return None
        queryset = view.get_queryset()
        elements = [html for html in (self.backend_html(backend(), request, queryset, view) for backend in backends
                                      if hasattr(backend, "to_html")) if html]
        if not elements:
            return None
        return loader.get_template(self.filter_template).render({"elements": elements})

    @staticmethod
    def backend_html(backend, request, queryset, view):
        if not isinstance(backend, DjangoFilterBackend):
            return backend.to_html(request, queryset, view)
        filterset = backend.get_filterset(request, queryset, view)
        if filterset is None:
            return None
        label_filters(filterset.form)
        return loader.get_template(backend.template).render({"filter": filterset}, request)
