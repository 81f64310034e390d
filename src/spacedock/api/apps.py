from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "spacedock.api"
    label = "api"
    verbose_name = "LL2 2.3.0 API"
