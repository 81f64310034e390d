"""Django settings, read from the environment so one build serves laptops and clusters alike."""
import os
import re
from pathlib import Path

import dj_database_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Where the default SQLite file lives: <checkout>/var when run from a source checkout (src/spacedock next to
# pyproject.toml), else the user's data directory ($XDG_DATA_HOME/spacedock, i.e. ~/.local/share/spacedock).
if os.environ.get("SPACEDOCK_VAR_DIR"):
    VAR_DIR = Path(os.environ["SPACEDOCK_VAR_DIR"])
elif (PROJECT_DIR / "pyproject.toml").is_file() and (PROJECT_DIR / "src" / "spacedock").is_dir():
    VAR_DIR = PROJECT_DIR / "var"
else:
    VAR_DIR = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "spacedock"


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG")


def _secret_key() -> str:
    """`SECRET_KEY` from the environment; else this installation's own, made on first run and kept beside the
    data (VAR_DIR/secret_key, readable by its owner only), so no two installations share a key and
    `make serve` needs no setting."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    import secrets

    path = VAR_DIR / "secret_key"
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if len(key) >= 50:
            return key
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{path} holds no usable key: delete it, or set SECRET_KEY") from None
    except OSError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"cannot keep a secret key in {VAR_DIR} ({exc.strerror}): set SECRET_KEY") from None
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


SECRET_KEY = _secret_key()
# The names the server answers for; any other Host header is a 400 (never reflected into links). The
# default is this machine's own names: set the public name(s) in production.
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
                 if h.strip()]


def _base_url(value: str) -> str:
    """`SPACEDOCK_BASE_URL`: `scheme://host[:port]` that every link names, whatever the request's Host."""
    value = value.strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", value):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"SPACEDOCK_BASE_URL={value!r} is not scheme://host[:port] "
                                   f"(e.g. https://spacedock.example.org)")
    return value


SPACEDOCK_BASE_URL = _base_url(os.environ.get("SPACEDOCK_BASE_URL", ""))

INSTALLED_APPS = [
    "spacedock.front",  # first: its `createsuperuser` (migrating first) stands in for django.contrib.auth's
    "django.contrib.admin",  # /admin/: curating the catalogue (catalog.admin), behind login
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "drf_spectacular_sidecar",  # Swagger UI's files for /2.3.0/swagger/ (front), served by whitenoise
    "rest_framework",
    "django_filters",
    "spacedock.catalog",
    "spacedock.api",
    "spacedock.ingest",
    "spacedock.ops",
    "spacedock.access",
]

# The response cache is a WSGI layer around all this (spacedock.wsgi, api.caching.CacheFirst).
MIDDLEWARE = [
    # Each statement a request runs is bounded by SPACEDOCK_STATEMENT_TIMEOUT (outermost: the whole request).
    "spacedock.ops.timeouts.StatementTimeoutMiddleware",
    # Security headers on every answer Django makes (X-Content-Type-Options, Referrer-Policy, HSTS when
    # SPACEDOCK_HTTPS; X-Frame-Options): stored with a cached response, so cache hits carry them too.
    "django.middleware.security.SecurityMiddleware",
    # The admin's login, user and messages: lazy, so an API request reads no session and sends no cookie.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # the API takes GET only; the admin's forms
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The browsable page's CSS and JS, served by the app itself so `spacedock serve` needs nothing else.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.gzip.GZipMiddleware",  # only for clients that ask (Accept-Encoding: gzip)
    "django.middleware.http.ConditionalGetMiddleware",  # If-Match, If-None-Match, ... against the ETag
    # A view that meets an unreachable database answers 503 + Retry-After (innermost: sees views' errors).
    "spacedock.ops.outages.DatabaseUnavailableMiddleware",
]
# The site's own (the admin's login, sessions, messages and forms, the static files): the API's JSON answers
# skip them (`api.direct`); the rest of MIDDLEWARE applies to every answer.
SPACEDOCK_SITE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
]

X_FRAME_OPTIONS = "DENY"
# Served over HTTPS through a proxy that terminates TLS and redirects plain HTTP (deploy/nginx): cookies
# only over HTTPS, HSTS, and the proxy's X-Forwarded-Proto says the scheme (the app listens on loopback,
# behind that proxy only).
SPACEDOCK_HTTPS = _flag("SPACEDOCK_HTTPS")
if SPACEDOCK_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # other names under the domain are not Spacedock's to decide
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # The redirect to HTTPS is the proxy's (the app also answers health checks on loopback over HTTP), and
    # HSTS for other names under the domain (and preloading) is the domain owner's decision, not Spacedock's.
    SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W005", "security.W021"]

ROOT_URLCONF = "spacedock.urls"
WSGI_APPLICATION = "spacedock.wsgi.application"
APPEND_SLASH = True

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                           "django.contrib.auth.context_processors.auth",  # the admin's
                                           "django.contrib.messages.context_processors.messages"]},
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'spacedock.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=600)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL: readers never wait for a writer. Writers queue: a transaction takes the write lock when it
    # begins (IMMEDIATE), so a second import or sync waits up to `timeout` seconds for the first to
    # commit, instead of failing half-way when it first writes ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=60)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles a query whose estimated cost looks high (the live figures' CASE over
    # subqueries does) for hundreds of milliseconds, to save a few: off for this short-query workload.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # A database host that does not answer at all costs a request 5 s, not the OS's TCP timeout (minutes),
    # before it is answered 503 (ops.outages).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # no collectstatic step needed
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "spacedock.api.renderers.LL2JSONRenderer",
        "spacedock.api.renderers.LL2BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": "format",
}

# Pins the clock of the live figures (time in space, time docked, ...) to one ISO 8601 moment, for
# reproducible tests and demonstrations; unset, they follow the real clock.
SPACEDOCK_NOW = os.environ.get("SPACEDOCK_NOW") or None
if SPACEDOCK_NOW:
    import datetime as _dt

    try:
        _dt.datetime.fromisoformat(SPACEDOCK_NOW.strip())
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"SPACEDOCK_NOW={SPACEDOCK_NOW!r} is not an ISO 8601 date-time "
                                   f"such as 2026-07-24T01:13:35Z") from None

# How long a response stays fresh: its `Cache-Control: max-age` and its life in the response cache.
# Live figures in a cached response are at most this old; 0 turns the response cache off.
try:
    SPACEDOCK_MAX_AGE = int(os.environ.get("SPACEDOCK_MAX_AGE", "60"))
except ValueError:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SPACEDOCK_MAX_AGE={os.environ['SPACEDOCK_MAX_AGE']!r} "
                               f"is not a whole number of seconds") from None

# The most bytes `spacedock import` reads from one file or standard input (after gzip decompression),
# checked before reading: a bigger input is refused instead of filling the memory.
try:
    SPACEDOCK_IMPORT_MAX_BYTES = int(os.environ.get("SPACEDOCK_IMPORT_MAX_BYTES", str(512 << 20)))
    if SPACEDOCK_IMPORT_MAX_BYTES < 1:
        raise ValueError
except ValueError:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SPACEDOCK_IMPORT_MAX_BYTES={os.environ['SPACEDOCK_IMPORT_MAX_BYTES']!r} "
                               f"is not a positive whole number of bytes") from None

# Seconds any one statement of a request may run (ops.timeouts): a runaway query is stopped and answered
# 503. Commands (import, sync, export, generate, migrate) are not bounded. 0 turns it off.
try:
    SPACEDOCK_STATEMENT_TIMEOUT = float(os.environ.get("SPACEDOCK_STATEMENT_TIMEOUT", "10"))
    if not 0 <= SPACEDOCK_STATEMENT_TIMEOUT < 86_400:
        raise ValueError
except ValueError:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SPACEDOCK_STATEMENT_TIMEOUT={os.environ['SPACEDOCK_STATEMENT_TIMEOUT']!r} is "
                               f"not a number of seconds (0 turns the timeout off)") from None


def _cache(url: str) -> dict:
    """`CACHE_URL`: `locmem://` (default: per process), `redis://host:6379/0` (shared), `dummy://` (none)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("redis", "rediss", "unix"):
        # A Redis that is down or unreachable costs a request at most half a second: responses are then
        # served uncached (api.caching), never failed.
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "spacedock",
                "OPTIONS": {"MAX_ENTRIES": 8}}  # not used for responses (api.caching: each worker's Recent is)
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CACHE_URL={url!r}: use locmem://, redis://host:port/db or dummy://")


CACHE_URL = os.environ.get("CACHE_URL", "locmem://")
CACHES = {"default": _cache(CACHE_URL)}
# The rate limits' counters (access.throttle): in the response cache's Redis, shared by every process; else in
# this process's memory (up to 100,000 callers: a counter is a small integer).
CACHES["throttle"] = CACHES["default"] if "Redis" in CACHES["default"]["BACKEND"] else {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "spacedock-throttle",
    "OPTIONS": {"MAX_ENTRIES": 100_000}}

# Rate limits in DRF's syntax (`15/hour`, `1000/day`; unset: no limit, the default): per client address
# (SPACEDOCK_TRUSTED_PROXIES), and per API key for keys without a rate of their own (access.gate).
from spacedock.access.rates import checked_rate  # noqa: E402 - plain Python, no Django app loaded

SPACEDOCK_ANON_RATE = checked_rate("SPACEDOCK_ANON_RATE", os.environ.get("SPACEDOCK_ANON_RATE"))
SPACEDOCK_KEY_RATE = checked_rate("SPACEDOCK_KEY_RATE", os.environ.get("SPACEDOCK_KEY_RATE"))

# Cross-origin clients (ops.cors): `*` (default) allows every origin, a comma-separated list of origins
# (`https://app.example,https://other.example`) only those, empty turns CORS off.
SPACEDOCK_CORS_ORIGINS = os.environ.get("SPACEDOCK_CORS_ORIGINS", "*")
# One access log line per request (logger `spacedock.access`, ops.requests); off by default (its cost).
SPACEDOCK_ACCESS_LOG = _flag("SPACEDOCK_ACCESS_LOG")
# `json`: log lines as JSON objects (ops.logs.JsonFormatter); anything else: plain text.
SPACEDOCK_LOG_FORMAT = os.environ.get("SPACEDOCK_LOG_FORMAT", "text").strip().lower()
# Addresses of reverse proxies whose X-Forwarded-For entry names the client (comma-separated; none by default).
SPACEDOCK_TRUSTED_PROXIES = os.environ.get("SPACEDOCK_TRUSTED_PROXIES", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "spacedock.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"()": "spacedock.ops.logs.TextFormatter"},
        "json": {"()": "spacedock.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if SPACEDOCK_LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The access lines are INFO: shown when asked for, whatever LOG_LEVEL.
    "loggers": {
        "spacedock.access": {"level": "INFO" if SPACEDOCK_ACCESS_LOG else "WARNING"},
        # A request for a host not allowed: one line (spacedock.ops.logs.OneLine drops Django's traceback).
        "django.security.DisallowedHost": {"handlers": ["one_line"], "propagate": False},
    },
}
LOGGING["filters"]["one_line"] = {"()": "spacedock.ops.logs.OneLine"}
LOGGING["handlers"]["one_line"] = dict(LOGGING["handlers"]["console"], filters=["request_id", "one_line"])
