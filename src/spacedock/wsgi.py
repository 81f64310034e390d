"""WSGI entry point for production servers (gunicorn): Django, with revalidations answered first."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")
django_application = get_wsgi_application()

from spacedock.api.caching import RevalidationFirst  # noqa: E402 - needs the settings set up above

application = RevalidationFirst(django_application)
