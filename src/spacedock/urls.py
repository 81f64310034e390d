"""URL root: the LL2 2.3.0 surface lives under /2.3.0/, the operators' views at the root (ops.health);
unmatched paths answer LL2-style JSON."""
from django.urls import include, path

from spacedock.ops import health

urlpatterns = [
    path("2.3.0/", include("spacedock.api.urls")),
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("metrics", health.metrics_view, name="metrics"),
]

handler400 = "spacedock.api.errors.bad_request"
handler404 = "spacedock.api.errors.not_found"
handler500 = "spacedock.api.errors.server_error"
