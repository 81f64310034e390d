"""Errors as LL2 (DRF) shapes them: JSON `{"detail": ...}`, or a field-keyed body for bad parameters."""
from django.http import JsonResponse

COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


def not_found(request, exception=None):
    """Django-level 404 (no route matched), in the API's JSON shape."""
    return JsonResponse({"detail": "Not found."}, status=404, json_dumps_params=COMPACT)


def server_error(request):
    return JsonResponse({"detail": "A server error occurred."}, status=500, json_dumps_params=COMPACT)
