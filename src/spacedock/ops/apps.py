from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "spacedock.ops"
    label = "ops"
    verbose_name = "Running Spacedock"
