"""Read replica routing: reads go to ``replica``, writes and everything after them to ``default``.

Active only when ``DATABASE_REPLICA_URL`` is set (``config.settings.base``). A replica lags the
primary a little, so three cases read the primary even though they only read:

- anything inside a transaction on the primary (a write path re-reading what it wrote, row
  locks, the tests' transactions);
- a request that may write (any method but GET, HEAD, OPTIONS, TRACE);
- the same browser for ``REPLICA_PIN_SECONDS`` after such a request (a cookie), so the page
  shown after a save, or after logging in, never misses the change.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "ct_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Whether the current request (thread or task) must read the primary.
_pinned: ContextVar[bool] = ContextVar("claimtrace_read_primary", default=False)


@contextmanager
def read_primary():
    """Within this block every read goes to the primary."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def reads_pinned_to_primary() -> bool:
    """Whether reads must go to the primary now (see the module docstring)."""
    return _pinned.get() or connections[PRIMARY].in_atomic_block


class PrimaryReplicaRouter:
    """Send reads to the replica and writes to the primary; migrate the primary only."""

    def db_for_read(self, model, **hints) -> str:
        return PRIMARY if reads_pinned_to_primary() else REPLICA

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both aliases hold the same data, so objects read from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        # The replica follows the primary by replication, never by migrations of its own.
        return db == PRIMARY


class PinPrimaryMiddleware:
    """Pin a request's reads to the primary when it may write or followed a write closely."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method not in SAFE_METHODS
        if not (writes or PIN_COOKIE in request.COOKIES):
            return self.get_response(request)
        with read_primary():
            response = self.get_response(request)
        if writes:
            seconds = getattr(settings, "REPLICA_PIN_SECONDS", 5)
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
