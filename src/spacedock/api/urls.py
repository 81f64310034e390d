"""Routes for every row of the endpoint table: `{path}/` and `{path}/{id}/`."""
from django.urls import path

from .endpoints import ENDPOINTS
from .views import DetailView, ListView

app_name = "api"

urlpatterns = []
for endpoint in ENDPOINTS:
    urlpatterns += [
        path(f"{endpoint.path}/", ListView.as_view(endpoint=endpoint), name=f"{endpoint.path}-list"),
        path(f"{endpoint.path}/<int:pk>/", DetailView.as_view(endpoint=endpoint), name=f"{endpoint.path}-detail"),
    ]
