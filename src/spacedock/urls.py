"""URL root: the front door (`/`, the API's schema and docs: `front`), the LL2 2.3.0 surface under /2.3.0/,
the admin for curating, the operators' views (ops.health); unmatched paths answer LL2-style JSON."""
from django.contrib import admin
from django.urls import include, path

from spacedock.ops import health

urlpatterns = [
    path("", include("spacedock.front.urls")),
    path("2.3.0/", include("spacedock.api.urls")),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("ready/", health.ready, name="ready"),
    path("metrics", health.metrics_view, name="metrics"),
]

handler400 = "spacedock.api.errors.bad_request"
handler404 = "spacedock.api.errors.not_found"
handler500 = "spacedock.api.errors.server_error"
