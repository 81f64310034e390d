from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "spacedock.catalog"
    label = "catalog"
    verbose_name = "Spacecraft catalogue"
