from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "spacedock.catalog"
    label = "catalog"
    verbose_name = "Spacecraft catalogue"

    def ready(self):
        # A row saved one at a time (the shell, a script) is a write too: bump the data version so caches
        # built from the old data are not used again. Imports bump it once, themselves. (Deletes are not
        # hooked: a receiver would make every bulk delete fetch its rows first.)
        from django.db.models.signals import post_save

        from . import changes
        from .models import DataVersion

        def bump(sender, raw=False, **kwargs):
            if sender is not DataVersion and sender._meta.app_label == "catalog" and not raw \
                    and sender.__module__.startswith("spacedock."):  # not migrations' historical models
                changes.bump()

        post_save.connect(bump, weak=False, dispatch_uid="spacedock-data-version")
