from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "spacedock.ingest"
    label = "ingest"
    verbose_name = "Import and export"
