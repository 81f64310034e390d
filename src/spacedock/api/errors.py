"""Errors as LL2 (DRF) shapes them: JSON `{"detail": ...}`, or a field-keyed body for bad parameters."""
import sys

from django.http import JsonResponse

COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


def bad_request(request, exception=None):
    """Django-level 400 (a Host not allowed, a request Django cannot read), in the API's JSON shape."""
    from django.core.exceptions import DisallowedHost

    if isinstance(exception, DisallowedHost):
        return JsonResponse({"detail": "This host is not served here (see ALLOWED_HOSTS)."}, status=400,
                            json_dumps_params=COMPACT)
    return JsonResponse({"detail": "Bad request."}, status=400, json_dumps_params=COMPACT)


def not_found(request, exception=None):
    """Django-level 404 (no route matched), in the API's JSON shape."""
    return JsonResponse({"detail": "Not found."}, status=404, json_dumps_params=COMPACT)


def server_error(request):
    """Django-level 500; a database that cannot be reached, or a statement stopped by the statement timeout,
    is a 503 instead (`ops.outages`), wherever it was met (Django calls this while handling the exception)."""
    from spacedock.ops import outages

    if outages.is_unreachable(sys.exc_info()[1]):  # or a statement stopped by the statement timeout
        return outages.response(sys.exc_info()[1], request)
    return JsonResponse({"detail": "A server error occurred."}, status=500, json_dumps_params=COMPACT)
