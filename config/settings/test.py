"""Test settings: the suite runs on PostgreSQL (DATABASE_URL, default the local server)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimtrace")

from .base import *  # noqa: F403
from .base import BASE_DIR

SECRET_KEY = "test-only-key-not-used-anywhere-else-0123456789abcdefghijklmnop"
DEBUG = False
# Hashing speed matters in tests only; production keeps Django's default hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Throttling stays on (the classes are configured) but with rates no suite run reaches:
# every anonymous test request comes from 127.0.0.1. tests/core/test_security.py lowers them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "user": "1000000/hour",
        "anon": "1000000/hour",
        "failed_token": "1000000/hour",
    },
}

# The suite's cache is the real Redis (REDIS_URL, default the local server), one database
# per test process so that clearing it in one never touches another's counts.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_redis_db = int(_worker.removeprefix("gw") or 0) % 15 + 1
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/{_redis_db}",
    }
}
