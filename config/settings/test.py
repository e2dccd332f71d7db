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
    "DEFAULT_THROTTLE_RATES": {"user": "1000000/hour", "anon": "1000000/hour"},
}
