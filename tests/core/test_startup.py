"""A worker's start (``config.wsgi``): the loaded app is frozen out of full collections."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Run in a new interpreter: the test process has loaded far more than a worker would.
PROBE = """
import gc, sys
before = gc.get_freeze_count()
import config.wsgi
print(before, gc.get_freeze_count(), len(gc.get_objects()), "claims.api.views" in sys.modules)
"""


@pytest.mark.parametrize("settings_module", [None, "config.settings.dev"])
def test_a_worker_loads_the_urlconf_and_freezes_what_is_loaded(settings_module):
    """GIVEN a new process WHEN it imports the WSGI module (as each gunicorn worker does) THEN
    every view module is imported before the first request and the loaded objects are out
    of the collector's generations: a full collection walks only what came after."""
    env = {**os.environ, "SECRET_KEY": "startup-test-" + "k" * 50, "ALLOWED_HOSTS": "x"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    before, frozen, tracked, views_loaded = done.stdout.split()
    assert int(before) == 0
    assert int(frozen) > 50_000
    assert int(tracked) < int(frozen) / 10
    assert views_loaded == "True"
