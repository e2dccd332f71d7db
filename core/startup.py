"""What a process does once the app is loaded, before it serves requests.

Python's full garbage collection walks every object it tracks. Loading Django, the apps, the
URLconf and the API leaves about 100,000 of them, none of which will ever be garbage; a full
collection of them alone takes 26 ms. In the benchmark, full collections paused a request
for 40 to 70 ms a few times per hundred requests, and a p95 over 20 runs is about the second
slowest: one pause in a rare-word search's runs was enough to make it 118 ms instead of 42.
``gc.freeze()`` moves the loaded objects out of the collector's sight: the full collections
of the same run then took 8 to 21 ms.
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
