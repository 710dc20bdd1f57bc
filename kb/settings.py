"""Settings for kb, read from the environment (12-factor).

Development needs nothing set. Production is selected by ``DEBUG=0`` and then
requires ``SECRET_KEY`` and ``ALLOWED_HOSTS``; ``manage.py check --deploy`` passes
with no warnings in that configuration.
"""

import datetime as dt
import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kb.apps.KbAdminConfig",  # django.contrib.admin with kb.admin_site.KbAdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    "kb",
]
# The development tools (kb_dev: kb_bench, kb_generate, kb_relevance, kb_lineage_measure)
# are never part of the running site: installed only with DEBUG on or KB_DEV_TOOLS=1,
# and only where the package is there (a checkout, or an install with the dev extra).
if env_bool("KB_DEV_TOOLS", default=DEBUG) and importlib.util.find_spec("kb_dev") is not None:
    INSTALLED_APPS.append("kb_dev")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks; it acts under /api/ only.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kb.middleware.RequireLoginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kb.middleware.SearchUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kb.urls"
WSGI_APPLICATION = "kb.wsgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kb.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A multi-user site on one SQLite file (docs/operating/databases.md):
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the write
    # lock up front so the busy timeout applies instead of failing with "database is
    # locked"; mmap stays off because it turns the rare WAL-reset glitch into corruption.
    # Django's backend, plus PRAGMA optimize as each connection closes (kb/sqlite_backend).
    DATABASES["default"]["ENGINE"] = "kb.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA mmap_size=0;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("KB_TEST_SQLITE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A per-process memory cache is enough for what kb caches (the home page's counts,
# see kb/public.py): each gunicorn worker recomputes them at most once a timeout.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How stale the home page's per-topic and per-party counts may be, in seconds.
KB_HOME_COUNTS_SECONDS = int(os.environ.get("KB_HOME_COUNTS_SECONDS", "300"))

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"
# Where a login goes when its "next" is missing or unsafe (another site): the admin's
# index, not Django's default /accounts/profile/, which kb does not have.
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one
# username from one address, that pair is refused for KB_LOGIN_LOCKOUT_MINUTES.
# Locking the pair rather than the address alone keeps one mistyping colleague
# from locking out a whole office behind a shared address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("KB_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kb.login_throttle.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "kb.login_throttle.client_address"
# The reverse proxy's addresses, comma-separated: only a request from one of them has
# its X-Forwarded-For believed (the address login throttling locks). The same
# variable sets gunicorn's forwarded_allow_ips (gunicorn.conf.py); "*" believes
# every client, safe only where nothing but the proxy can reach gunicorn.
KB_PROXY_ADDRESSES = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1"])

# Request limits: nothing a staff member sends legitimately comes near these, and a
# request past them gets HTTP 400. Form bodies (a pasted statement is well under 1 MB):
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An announcement edited in the admin posts about 20 fields per clause inline: room
# for a 200-clause contract, still far from what makes parsing costly.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# Uploads larger than this are spooled to a temporary file instead of memory. It is
# not a cap: file size is capped by the proxy (client_max_body_size) and each upload form.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security headers, on in every configuration so tests see what production sends.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The JSON API (kb/api/): read-only, JSON only, one error shape. Logins are the site's
# session (KB_REQUIRE_LOGIN, kb.middleware), checked before any view: the API itself
# authenticates nobody, so no method is ever refused for a missing CSRF token.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": "kb.api.pagination.KbPagination",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "kb.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ?format= is the search page's export parameter, not a renderer's name.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kb API",
    "DESCRIPTION": "Read-only access to the published announcements and clauses of kb.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kb.api.schema.empty_query_parameters_are_allowed",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DatePrecision": "kb.dates.DatePrecision",
        "AnnouncementKind": "kb.models.AnnouncementKind",
        "ClauseEffect": "kb.models.ClauseEffect",
    },
}
# Cross-origin reads of the API (django-cors-headers): none unless
# KB_CORS_ALLOWED_ORIGINS names origins, comma-separated ("https://a.example").
CORS_ALLOWED_ORIGINS = env_list("KB_CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# kb's own settings.
KB_REQUIRE_LOGIN = env_bool("KB_REQUIRE_LOGIN", default=False)
KB_DEMO_EDITOR_USERNAME = os.environ.get("KB_DEMO_EDITOR_USERNAME", "editor")

# Search (kb/search/index.py): where this server keeps its search index (each
# application server keeps its own, fed from the database's change log), and how
# long the log keeps changes: an index that has not applied a change this old
# (a server down for longer) is rebuilt.
KB_SEARCH_INDEX_DIR = Path(os.environ.get("KB_SEARCH_INDEX_DIR", VAR_DIR / "search"))
KB_SEARCH_CHANGES_KEPT = dt.timedelta(days=int(os.environ.get("KB_SEARCH_CHANGES_KEPT_DAYS", "7")))
