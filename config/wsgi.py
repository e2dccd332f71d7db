"""WSGI entry point for gunicorn; production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Each gunicorn worker imports this module: load the URLconf and keep the loaded objects out of
# the garbage collector's full collections (core.startup).
from core.startup import settle  # noqa: E402 - needs the settings above

settle()
