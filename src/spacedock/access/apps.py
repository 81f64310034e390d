from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "spacedock.access"
    label = "access"
    verbose_name = "API keys and limits"
    default_auto_field = "django.db.models.BigAutoField"
