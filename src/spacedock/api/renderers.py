"""Output formats: LL2's compact JSON (through orjson) and DRF's browsable page (`?format=api`)."""
import re

import orjson
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")  # U+2028, U+2029 in UTF-8


class LL2JSONRenderer(JSONRenderer):
    """The bytes DRF's JSONRenderer writes (compact, UTF-8, U+2028/9 escaped), written by orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            data = orjson.loads(orjson.dumps(data))  # plain values again (shared shapes come as orjson Fragments)
            return super().render(data, accepted_media_type, renderer_context)
        out = orjson.dumps(data)
        if LINE_SEPARATORS.search(out):  # one pass over the page (a megabyte for a detailed one)
            out = LINE_SEPARATORS.sub(lambda match: b"\\u2028" if match.group() == b"\xe2\x80\xa8" else b"\\u2029", out)
        return out


class LL2BrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's page, read-only: the API takes GET only, so no forms are offered."""

    def show_form_for_method(self, view, method, request, obj):
        return False

    def get_rendered_html_form(self, data, view, method, request):
        return None

    def get_raw_data_form(self, data, view, method, request):
        return None
