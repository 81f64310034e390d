"""WSGI entry point for production servers: Django, behind the response cache (`api.caching.CacheFirst`)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")
django_application = get_wsgi_application()

from spacedock.api.caching import CacheFirst  # noqa: E402 - needs the settings set up above

application = CacheFirst(django_application)
