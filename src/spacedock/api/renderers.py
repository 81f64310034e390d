"""Output formats: LL2's compact JSON (through orjson) and DRF's browsable page (`?format=api`)."""
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from .render.formats import json_bytes


class LL2JSONRenderer(JSONRenderer):
    """The bytes DRF's JSONRenderer writes (compact, UTF-8, U+2028/9 escaped), written by orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return json_bytes(data)  # one pass over the page for U+2028/9 (a megabyte for a detailed one)


class LL2BrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's page, read-only: the API takes GET only, so no forms are offered."""

    def show_form_for_method(self, view, method, request, obj):
        return False

    def get_rendered_html_form(self, data, view, method, request):
        return None

    def get_raw_data_form(self, data, view, method, request):
        return None
