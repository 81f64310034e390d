from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "spacedock.front"
    label = "front"
    verbose_name = "Front page and API documentation"
