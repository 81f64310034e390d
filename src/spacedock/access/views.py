"""`/2.3.0/api-throttle/`: where the caller stands, as LL2's schema gives it: a list of one `APIThrottle`
(`your_request_limit`, `limit_frequency_secs`, `current_use`, `next_use_secs`, `ident`). It is not
counted and never cached (`access.gate`). A caller with no limit (throttling off, the default) is told
`your_request_limit: 0` and `limit_frequency_secs: 0`: 0 means no limit, and `current_use` and
`next_use_secs` are then 0 too (nothing is counted)."""
from django.conf import settings
from rest_framework.response import Response
from rest_framework.views import APIView

from spacedock.ops.outages import UNREACHABLE as DATABASE_UNREACHABLE
from spacedock.ops.outages import response as database_unavailable

from .callers import CALLER, InvalidToken, caller_of, policy
from .throttle import COUNTERS

# LL2's description of the endpoint (its OpenAPI schema), the browsable page's text.
DESCRIPTION = ("API endpoint that allows API Throttle information to be viewed.\n\nGET:\n"
               "Returns a range of information about your API access")


def standing(caller) -> dict:
    """The caller's `APIThrottle`, in the schema's key order."""
    if caller.rate is None:
        limit = seconds = used = wait = 0
    else:
        limit, seconds = caller.rate
        used, wait = COUNTERS.peek(caller)
    return {"your_request_limit": limit, "limit_frequency_secs": seconds, "current_use": used,
            "next_use_secs": wait, "ident": caller.ident}


class ApiThrottleView(APIView):
    name = "API Throttle"
    description = DESCRIPTION

    def get(self, request, *args, **kwargs):
        caller = request.META.get(CALLER)
        if caller is None:  # not through access.gate (a test client, another WSGI stack)
            rules = policy(settings.SPACEDOCK_ANON_RATE, settings.SPACEDOCK_KEY_RATE,
                           settings.SPACEDOCK_TRUSTED_PROXIES)
            try:
                caller = caller_of(request.META, rules)
            except InvalidToken as exc:
                return Response({"detail": str(exc)}, status=401, headers={"WWW-Authenticate": "Token"})
            except DATABASE_UNREACHABLE as exc:
                return database_unavailable(exc)
        return Response([standing(caller)], headers={"Cache-Control": "no-store"})
