"""Settings for the Pakistan EV market tracker: one file, driven by environment variables
(docs/configuration.md lists them all).

``DJANGO_ENV`` chooses between development and production. ``manage.py`` defaults to
development (debug on, a development key, plain HTTP), the WSGI and ASGI entry points that
gunicorn and ``make serve`` use default to production (debug off, ``DJANGO_SECRET_KEY``
required, HTTPS redirect, HSTS, secure cookies); ``DJANGO_ENV=production python manage.py …``
runs a command with production settings. Each default can still be changed by its own
variable.
"""

import datetime
import os
import re
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    """Return the boolean value of environment variable ``name``."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENTS = ("development", "production")
ENVIRONMENT = os.environ.get("DJANGO_ENV", "production").strip().lower()
if ENVIRONMENT not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"DJANGO_ENV is “{ENVIRONMENT}”: set it to development or production (or leave it "
        "unset: manage.py then runs as development, gunicorn as production)."
    )
DEVELOPMENT = ENVIRONMENT == "development"

DEBUG = env_flag("DJANGO_DEBUG", DEVELOPMENT)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production settings need a secret key: set "
            "DJANGO_SECRET_KEY to a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or DJANGO_ENV=development on a development "
            "machine."
        )
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # its lookups (pg_trgm) and search, on PostgreSQL only
    "axes",
    "django_filters",
    "django_tables2",
    "django_countries",
    "simple_history",
    "import_export",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "entrants",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out address or user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "evmarket.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "evmarket.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Connections are kept for a minute and checked before reuse, so a database restart
        # costs the requests during the restart, not a stale connection per worker after it.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0" if DEVELOPMENT else "60")),
        conn_health_checks=True,
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside debug mode, static files are collected with hashed names and gzip/brotli copies, and
# WhiteNoise serves the hashed ones with a one-year Cache-Control.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_flag("DJANGO_PLAIN_STATIC")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Analyst pages are cached by URL and data version (entrants/cache.py). Local memory by
# default; Redis, shared by every worker, when REDIS_URL is set. Either way the cache is an
# optimisation, never a dependency: a Redis that is down, slow or full is logged and the page is
# served uncached (django-redis's IGNORE_EXCEPTIONS, short socket timeouts). Give Redis a
# memory cap and `maxmemory-policy allkeys-lru` (docs/operations.md).
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "600"))
# Pages larger than this are served but not cached (a large JSON export, say): with the local
# cache's 300 entries, at most 75 MB per process.
PAGE_CACHE_MAX_BYTES = int(os.environ.get("DJANGO_PAGE_CACHE_MAX_BYTES", str(256 * 1024)))
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "evmarket",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.25")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.25")),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "entrants.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 300},  # pages of 20–30 KB: about 8 MB per process
        }
    }

# Imports in the admin are all-or-nothing, need the "add" permission, and exports never emit a
# cell that a spreadsheet would run as a formula.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Bounds of an import (entrants/import_files.py, entrants/resources.py): what a file may weigh,
# and unpack to (XLSX), how many rows, columns and characters a cell, and how long the import may
# run (under gunicorn's 60 s timeout). Uploads wait for their confirm in a private directory,
# for an hour at most.
IMPORT_MAX_FILE_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_FILE_BYTES", str(5 * 1024 * 1024)))
IMPORT_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("DJANGO_IMPORT_MAX_ROWS", "3000"))
IMPORT_MAX_COLUMNS = 50
IMPORT_MAX_CELL_CHARS = 10_000
IMPORT_TIME_LIMIT_SECONDS = int(os.environ.get("DJANGO_IMPORT_TIME_LIMIT_SECONDS", "40"))
IMPORT_UPLOAD_DIR = Path(
    os.environ.get("DJANGO_IMPORT_UPLOAD_DIR", Path(tempfile.gettempdir()) / "evmarket-imports")
)
IMPORT_UPLOAD_MAX_AGE_SECONDS = 3600

# The whole dataset as files (/download/: entrants/downloads.py), built once per data version
# into this directory (the server must be able to write to it); other versions' are removed.
DOWNLOAD_DIR = Path(os.environ.get("DJANGO_DOWNLOAD_DIR", BASE_DIR / "downloads"))
# The tracker's public address (https://tracker.example.org), named in the downloads as where
# they come from; empty, they name the address of the request that built them (or, built by
# manage.py build_downloads, say that no address is configured).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").strip()

# Django 6 behaviour now: a URL typed without a scheme is taken as https.
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Security -----------------------------------------------------------------------------------
# HTTPS everywhere outside debug mode. Behind a proxy that terminates TLS (docs/nginx.conf),
# the proxy says so with X-Forwarded-Proto; set DJANGO_SECURE_SSL_REDIRECT=0 only where no proxy
# and no TLS exist (a loopback benchmark).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEVELOPMENT)
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", not DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEVELOPMENT else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# Content-Security-Policy (django-csp) on every response, the admin's included: scripts only
# from this site (no inline script, no eval). Inline *styles* stay allowed: plotly.js writes its
# own <style> element, and the admin uses style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Analyst pages are public (read-only) unless this asks for a signed-in user.
ANALYST_LOGIN_REQUIRED = env_flag("DJANGO_ANALYST_LOGIN_REQUIRED")


def throttle_rate(name, default):
    """Return the API rate ``name`` gives ("120/min"), refusing at start-up one DRF could not
    read (it would answer every API request with a server error)."""
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name} is {value!r}: write it as requests per period, such as 120/min (periods: "
            "sec, min, hour, day)."
        )
    return value


# The read-only data API (entrants/api/, docs/api.md): JSON only, public like the analyst pages
# or, when they require a login, a session or a token (made in the admin); throttled per client
# address (evmarket.proxy.client_ip) or per signed-in user.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    # No OPTIONS answers: the API is GET and HEAD only (405 otherwise); the schema describes it.
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: an anonymous client refused is answered 401 with
        # "WWW-Authenticate: Token", which says how to get in.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["entrants.api.access.AnalystAccess"],
    "DEFAULT_THROTTLE_CLASSES": [
        "entrants.api.throttling.AnonymousClientThrottle",
        "entrants.api.throttling.SignedInClientThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": throttle_rate("DJANGO_API_ANON_RATE", "120/min"),
        "user": throttle_rate("DJANGO_API_USER_RATE", "600/min"),
    },
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "entrants.api.pagination.TrackerCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "entrants.api.schema.TrackerSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pakistan EV market tracker API",
    "DESCRIPTION": (
        "Read-only: companies, vehicle models, partnerships, sightings and imports, prices, "
        "exchange rates, market events, news, people and statements, each fact with its "
        "sources, claim status and date precision. Decimals are strings. See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema lists the filters' choices (model and company slugs): read as the API is.
    "SERVE_PERMISSIONS": ["entrants.api.access.AnalystAccess"],
    # Not in `check --deploy`: generating the schema reads the database (the filters'
    # choices), which `make serve` checks before the database may be up. The schema is checked
    # by tests/test_api.py (no warning, valid OpenAPI) and Schemathesis instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # Swagger UI from this site's own static files (drf-spectacular-sidecar): works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name
# from one address, that pair is locked out for AXES_COOLOFF_TIME. `manage.py axes_reset`
# releases every lock at once; a successful login resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Reverse proxies in front of the app (1 behind the nginx of docs/operations.md): the client's
# address is then the Nth entry from the end of X-Forwarded-For (evmarket/proxy.py).
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "evmarket.proxy.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"once_a_minute": {"()": "evmarket.logs.OncePerInterval", "seconds": 60}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # A cache that is down fails on every request: say so once a minute, with a count.
    "loggers": {"entrants.cache": {"filters": ["once_a_minute"]}},
}
