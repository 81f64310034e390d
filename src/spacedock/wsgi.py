"""WSGI entry point for production servers: Django, behind the response cache (`api.caching.CacheFirst`),
behind keys and rate limits (`access.gate.Gate`, so they hold for cache hits and 304s too), behind what
holds for every request whoever answers it (`ops.requests.Operable`: request id, CORS, metrics, access log)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedock.settings")
django_application = get_wsgi_application()

from spacedock.access.gate import Gate  # noqa: E402 - needs the settings set up above
from spacedock.api.caching import CacheFirst  # noqa: E402
from spacedock.api.direct import Direct  # noqa: E402
from spacedock.ops.requests import Operable  # noqa: E402

application = Operable(Gate(CacheFirst(Direct(django_application))))
