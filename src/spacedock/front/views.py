"""The front page (`/`), the OpenAPI schema (`/2.3.0/schema/`) and the interactive docs (`/2.3.0/swagger/`).

All three are plain Django views: server-rendered HTML, or the schema's bytes; the docs page's Swagger UI
comes from `drf-spectacular-sidecar`'s static files, served by the app itself (whitenoise), never a CDN."""
import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from spacedock import cli
from spacedock.api.errors import COMPACT

from . import holdings, openapi

SCHEMA_TYPES = {"json": "application/json; charset=utf-8", "yaml": "application/yaml; charset=utf-8"}


@require_safe
def home(request):
    """What this server is, what it serves and how fresh its data is, with the ways in."""
    held = holdings.summary()
    context = {
        "version": cli.version(),
        "holdings": held,
        "total": sum(row.count for row in held.rows),
        "admin": "django.contrib.admin" in settings.INSTALLED_APPS,
    }
    return render(request, "front/home.html", context)


def schema_format(request) -> str | None:
    """`json` or `yaml`: `?format=` when given, else the Accept header (YAML only when asked for); None for
    a `format` that is neither."""
    fmt = request.GET.get("format")
    if fmt is not None:
        return fmt if fmt in SCHEMA_TYPES else None
    accept = request.headers.get("Accept", "")
    # `application/vnd.oai.openapi` is YAML (`...+json` JSON), as drf-spectacular (LL2) names them.
    asks_yaml = "yaml" in accept or re.search(r"application/vnd\.oai\.openapi(?!\+json)", accept)
    return "yaml" if asks_yaml and "json" not in accept else "json"


@require_safe
def schema(request):
    """LL2's OpenAPI schema of the paths served here (`front.openapi`): JSON, or YAML when asked for."""
    fmt = schema_format(request)
    if fmt is None:
        return JsonResponse({"format": [f"'{request.GET['format']}' is not a format; choose from json, yaml."]},
                            status=400, json_dumps_params=COMPACT)
    response = HttpResponse(openapi.schema_text(fmt), content_type=SCHEMA_TYPES[fmt])
    response["Vary"] = "Accept"
    return response


@require_safe
def swagger(request):
    """Swagger UI on the schema: every operation, with "Try it out" against this server."""
    return render(request, "front/swagger.html")
