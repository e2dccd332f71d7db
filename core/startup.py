"""What a process does once the app is loaded, before it serves requests.

Python's full garbage collection walks every object it tracks. Loading Django, the apps, the
URLconf and the API leaves some hundred thousand of them, none of which will ever be
garbage, and a full collection walks them all. In the benchmark such pauses landed in a few
requests per hundred, enough to move a p95 over 20 runs. ``gc.freeze()`` moves the loaded
objects out of the collector's sight, so full collections walk only what requests create.
"""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load what the first request would (the URLconf, and through it every view, serializer
    and admin), then freeze what is loaded. Call it once per process after ``django.setup()``:
    in each gunicorn worker ``config.wsgi`` does, and the benchmark does before it measures."""
    get_resolver().url_patterns  # noqa: B018 - imports every URL module and its views
    gc.collect()
    gc.freeze()
