"""Routes for every row of the endpoint table: `{path}/` and `{path}/{id}/`, and the API root listing them."""
from django.urls import path

from spacedock.access.views import ApiThrottleView

from .endpoints import ENDPOINTS
from .views import DetailView, ListView, RootView

app_name = "api"

urlpatterns = [path("api-throttle/", ApiThrottleView.as_view(), name="api-throttle")]  # access.views
for endpoint in ENDPOINTS:
    urlpatterns += [
        path(f"{endpoint.path}/", ListView.as_view(endpoint=endpoint), name=f"{endpoint.path}-list"),
        path(f"{endpoint.path}/<int:pk>/", DetailView.as_view(endpoint=endpoint), name=f"{endpoint.path}-detail"),
    ]

# `/2.3.0/`: the API root, naming every list route above (DRF's router's root view).
urlpatterns.append(path("", RootView.as_view(routes=tuple(
    (route.name.removesuffix("-list"), f"{app_name}:{route.name}") for route in urlpatterns
    if route.name and not route.name.endswith("-detail"))), name="api-root"))
