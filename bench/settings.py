"""Settings of the benchmark: production-like (DEBUG off, no query log), plus the naive API.

Throttling is lifted (a benchmark is one user sending thousands of requests), TLS redirects
are off (traffic is on 127.0.0.1 only) and the URLs add ``/bench/naive/claims/``.
"""

import os
import secrets

os.environ.setdefault(
    "DATABASE_URL",
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimtrace_bench"),
)

from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, REST_FRAMEWORK

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "100000000/hour", "anon": "100000000/hour"},
}
# Static files are not what is measured; the manifest storage would need collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
