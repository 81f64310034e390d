"""The front door's routes: `/`, `/docs/`, and the API's schema and docs beside the API under `/2.3.0/`."""
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "front"

urlpatterns = [
    path("", views.home, name="home"),
    path("docs/", RedirectView.as_view(pattern_name="front:swagger"), name="docs"),
    path("2.3.0/schema/", views.schema, name="schema"),
    path("2.3.0/swagger/", views.swagger, name="swagger"),
]
