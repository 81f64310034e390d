"""URL root: the LL2 2.3.0 surface lives under /2.3.0/; unmatched paths answer LL2-style JSON."""
from django.urls import include, path

urlpatterns = [path("2.3.0/", include("spacedock.api.urls"))]

handler404 = "spacedock.api.errors.not_found"
handler500 = "spacedock.api.errors.server_error"
