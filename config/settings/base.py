"""Settings shared by every environment; deployment-specific values come from the environment."""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Where the embedded SQLite database and uploaded files live when nothing else is configured.
DATA_DIR = Path(os.environ.get("CLAIMTRACE_DATA_DIR", BASE_DIR))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The admin with a site that lets the editor and admin roles in (core.sites).
    "core.apps.ClaimtraceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    # Security: login lock-out (axes), self-hosted Swagger UI assets so the CSP needs no CDN.
    "axes",
    "drf_spectacular_sidecar",
    "import_export",
    "core",
    "sources",
    "units",
    "places",
    "claims",
    "ingest",
    "interchange",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made a change (simple-history) and through which part of the app (core.history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.history.EntryPathMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Security: the Content-Security-Policy header, then axes last (its docs require it) so
    # a locked-out login gets the lock-out page.
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

POSTGRESQL_ENGINE = "django.db.backends.postgresql"
# Planner settings for an OLTP app on SSD storage, sent with every PostgreSQL connection:
# - jit off: JIT compiles any plan whose estimated cost is high, and recursive queries
#   (evidence chains, ORBAT) are estimated far above what they read, so compiling cost
#   many times the query itself.
# - random_page_cost 1.1 (the default 4 prices disks that seek): at 4, the evidence of a
#   few hundred claims was joined by scanning every publication instead of by index.
PLANNER_OPTIONS = "-c jit=off -c random_page_cost=1.1"


def database_settings(url: str, environ: Mapping[str, str]) -> dj_database_url.DBConfig:
    """One entry of ``DATABASES`` from a URL, with the connection options of the environment.

    ``DATABASE_POOL=true`` (PostgreSQL only) uses psycopg's connection pool inside each
    process, sized by ``DATABASE_POOL_MIN_SIZE`` / ``DATABASE_POOL_MAX_SIZE`` and waiting at
    most ``DATABASE_POOL_TIMEOUT`` seconds for a free connection; Django refuses a pool with
    persistent connections, so it replaces ``CONN_MAX_AGE``. Otherwise ``CONN_MAX_AGE`` keeps
    a connection open between requests (health-checked before reuse).

    On PostgreSQL each connection also starts with ``DATABASE_PLANNER_OPTIONS`` (default
    ``PLANNER_OPTIONS``; empty to keep the server's settings, e.g. behind PgBouncer, which
    does not pass the ``options`` start-up parameter on: set them on the server there).
    """
    config = dj_database_url.parse(url)
    if config["ENGINE"] == POSTGRESQL_ENGINE:
        options = environ.get("DATABASE_PLANNER_OPTIONS", PLANNER_OPTIONS).strip()
        if options:
            config.setdefault("OPTIONS", {})["options"] = options
    pooled = config["ENGINE"] == POSTGRESQL_ENGINE and _is_true(environ.get("DATABASE_POOL"))
    # A connection the server dropped (a restart) is replaced before use, not handed out
    # (with a pool, Django makes psycopg's pool check each connection it lends).
    config["CONN_HEALTH_CHECKS"] = True
    if pooled:
        config["CONN_MAX_AGE"] = 0
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": int(environ.get("DATABASE_POOL_MAX_SIZE", "10")),
            "timeout": float(environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    else:
        config["CONN_MAX_AGE"] = int(environ.get("CONN_MAX_AGE", "60"))
    return config


def databases_from_env(
    environ: Mapping[str, str], data_dir: Path
) -> dict[str, dj_database_url.DBConfig]:
    """``DATABASES``: ``default`` from ``DATABASE_URL`` (unset or empty: the SQLite file in
    ``data_dir``), and a ``replica`` from ``DATABASE_REPLICA_URL`` when one is configured.

    The replica is a test mirror of ``default``: the test runner creates no second test
    database, and the replica alias reads the primary's.
    """
    url = environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'db.sqlite3'}"
    databases = {"default": database_settings(url, environ)}
    replica_url = environ.get("DATABASE_REPLICA_URL")
    if replica_url:
        databases["replica"] = database_settings(replica_url, environ)
        databases["replica"]["TEST"] = {"MIRROR": "default"}
    return databases


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


# PostgreSQL when DATABASE_URL is set; otherwise the embedded SQLite file so a newcomer can
# try the app with one command. Scale-out (README "Scale and speed"): a connection pool, and
# a read replica that config.routers sends read-only work to.
DATABASES = databases_from_env(os.environ, DATA_DIR)
IS_POSTGRES = DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE
if "replica" in DATABASES:
    DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    # Requests that write, and the same browser for a few seconds after, read the primary:
    # the replica may lag behind, and nobody should miss what they just saved.
    REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "5"))
    # Before the session middleware: the session is the first thing a request reads.
    MIDDLEWARE.insert(1, "config.routers.PinPrimaryMiddleware")
if not IS_POSTGRES:
    # contrib.postgres only matters on PostgreSQL; on SQLite it would try to load extensions.
    INSTALLED_APPS.remove("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------------------------------------
# Security hardening (issue 6): lock-out, throttling, CSP, headers, sessions.
# ---------------------------------------------------------------------------------------------
# django-axes counts failed logins (admin and /accounts/login/ both go through authenticate())
# per username *and* IP, so an attacker cannot lock a colleague out from elsewhere by guessing
# their name, and a shared office IP does not lock everybody out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind the reverse proxy the client address is in X-Forwarded-For (set AXES_IPWARE_* if the
# proxy chain differs); the default reads REMOTE_ADDR, right for `make run` and tests.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Content-Security-Policy (django-csp 4): every script, style and font comes from our own
# origin; no inline script or style anywhere (data for the map and timeline is embedded with
# json_script, which the browser does not execute). Images may be data: URIs (Leaflet, Swagger
# UI icons); the map's tile server, when configured, is added below.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A session lasts one working day (8 h) unless SESSION_COOKIE_AGE_HOURS says otherwise;
# SESSION_EXPIRE_AT_BROWSER_CLOSE=1 also ends it when the browser closes.
SESSION_COOKIE_AGE = int(float(os.environ.get("SESSION_COOKIE_AGE_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))


def media_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """Where uploaded evidence lives: S3-compatible object storage (django-storages) when a
    bucket is configured, so any number of app containers share it; else ``MEDIA_ROOT``.

    Credentials are not settings: boto3 reads ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
    (or an instance role) itself. Objects are private; the app streams downloads through its
    own permission checks, and any URL it hands out is signed and short-lived.
    """
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME") or environ.get("S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": environ.get("S3_MEDIA_PREFIX", "media"),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        # Evidence is never replaced in place: a name clash gets a new name, not an overwrite.
        "file_overwrite": False,
    }
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
    ):
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Evidence files (sources.services.check_upload): the largest accepted file, and the accepted
# types, which are read from the file's first bytes, never from its name or declared type.
EVIDENCE_MAX_UPLOAD_BYTES = int(os.environ.get("EVIDENCE_MAX_UPLOAD_MB", "200")) * 1024 * 1024
EVIDENCE_ALLOWED_TYPES = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "text/html",
    "text/plain",
]
# Form fields and JSON bodies are held in memory, so they are capped; uploaded files above
# FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file, so a video never sits in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The analyst pages log in through django.contrib.auth's views (/accounts/login/).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# The map page's tile server, e.g. "https://tiles.example.org/{z}/{x}/{y}.png" (an internal
# one: claims must not leak to a third party through tile requests). Empty: no tiles, the
# markers are drawn on a plain background.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL:
    # Tiles are images from the configured server; only its origin is allowed, not any host.
    _tiles = urlsplit(MAP_TILE_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# Lists count matches exactly up to this many, then report PostgreSQL's estimate
# (core.api.pagination): counting a million visible claims costs more than the whole page.
EXACT_COUNT_LIMIT = int(os.environ.get("EXACT_COUNT_LIMIT", "1000"))

# The cache that throttles keep their counts in, shared by every worker on every machine:
# Redis when REDIS_URL is set (production), else a table in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "claimtrace"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "claimtrace_cache",
        }
    }

REST_FRAMEWORK = {
    # Hashed personal tokens for programs, session for people in the browsable API. Token
    # comes first so that anonymous requests get 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Counts the requests no class above authenticated (core.api.throttles).
        "core.api.throttles.AnonymousRateAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.DomainModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's JSON, written by orjson (core.api.renderers).
        "core.api.renderers.FastJSONRenderer",
        # The browsable API, with the inline styles its templates need (core.api.renderers).
        "core.api.renderers.CSPBrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON read by orjson with a depth limit (core.api.parsers): deeply nested bodies are a
    # 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttling, in the shared cache (CACHES): per user for token and session clients alike
    # (a stolen token cannot scrape the archive quickly); per address a lower rate for
    # anonymous requests and for failed tokens, counted during authentication
    # (core.api.throttles), as DRF's own throttles run only after the 401.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "2000/hour"),
        "anon": os.environ.get("API_THROTTLE_ANON", "100/hour"),
        "failed_token": os.environ.get("API_THROTTLE_FAILED_TOKEN", "20/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claimtrace API",
    "DESCRIPTION": (
        "Claims about the war and the evidence behind them. Log in (session) or send "
        "`Authorization: Token <key>` with a personal token from `/api/tokens/`. Lists are "
        "paginated (`page`, `page_size` up to 200). Errors are JSON: 400 names each bad field, "
        "401 means not logged in, 403 missing role, 409 the record has dependents."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: writes take ids, reads give summaries.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN: the CSP
    # allows scripts and styles from 'self' only, and claims must not leak via CDN requests.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Error answers and detail-only fields described as they are (core.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MarkingEnum": "core.choices.Marking",
        "ReliabilityEnum": "core.choices.Reliability",
        "CredibilityEnum": "core.choices.Credibility",
        "ConfidenceEnum": "core.choices.Confidence",
        "DatePrecisionEnum": "core.choices.DatePrecision",
        "SourceKindEnum": "sources.models.SourceKind",
        "PublicationKindEnum": "sources.models.PublicationKind",
        "PublicationReferenceKindEnum": "sources.models.PublicationReferenceKind",
        "PublicationPersonRoleEnum": "sources.models.PublicationPersonRole",
        "ClaimKindEnum": "claims.models.ClaimKind",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "ClaimRelationKindEnum": "claims.models.ClaimRelationKind",
        "LocationKindEnum": "places.models.LocationKind",
        "LocationPrecisionEnum": "places.models.LocationPrecision",
        "CitationStanceEnum": "claims.models.CitationStance",
        "InvolvementRoleEnum": "claims.models.UnitInvolvementRole",
        "UnitEchelonEnum": "units.models.UnitEchelon",
        "UnitBranchEnum": "units.models.UnitBranch",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}


def require_secret_key(key: str) -> str:
    """Refuse to run with an empty or obviously placeholder SECRET_KEY."""
    if len(key) < 50 or key.startswith("django-insecure") or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment to a random string of 50+ characters, "
            "e.g. python -c 'from django.core.management.utils import get_random_secret_key as "
            "g; print(g())'"
        )
    return key
