"""`spacedock createsuperuser`: Django's command, after migrating a fresh database as every Spacedock command
does, so the first thing run on a new machine can be making the admin's first user. Without a terminal:
`--noinput` with DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD."""
from django.contrib.auth.management.commands import createsuperuser

from spacedock.ops.database import ensure_migrated


class Command(createsuperuser.Command):
    help = "Create a user who can log in to the admin (/admin/) and curate the catalogue. " + \
        createsuperuser.Command.help

    def execute(self, *args, **options):
        ensure_migrated(options.get("database") or "default")
        return super().execute(*args, **options)
