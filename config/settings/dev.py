"""Local development: DEBUG on, a per-checkout secret key generated on first use."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import DATA_DIR, SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", True)

if not SECRET_KEY:
    # Never a well-known key, even in development: generate one per checkout and keep it so
    # sessions survive restarts of the development server.
    _key_file = DATA_DIR / ".dev-secret-key"
    if not _key_file.exists():
        _key_file.parent.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
