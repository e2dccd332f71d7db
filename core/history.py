"""Change history for every model and every entry path, through django-simple-history.

Each historical row records who (``history_user``), when (``history_date``), what (the full
row, so field before/after is a diff of two rows), why (``history_change_reason``, required
for judgements) and from which path (``entry_path``: admin, api, pages, or command:<name>).
"""

import contextlib
import contextvars
import sys
from collections.abc import Iterator

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


def _default_entry_path() -> str:
    """Outside a request: the management command being run, else "system"."""
    if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py"):
        return f"command:{sys.argv[1]}"[:32]
    return "system"


_entry_path: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "claimtrace_entry_path", default=None
)


def current_entry_path() -> str:
    """The entry path of the change being made now."""
    return _entry_path.get() or _default_entry_path()


@contextlib.contextmanager
def entry_path(name: str) -> Iterator[None]:
    """Attribute changes made inside the block to ``name`` (e.g. "command:import_data")."""
    token = _entry_path.set(name)
    try:
        yield
    finally:
        _entry_path.reset(token)


class EntryPathMiddleware:
    """Mark changes made while handling a request with the part of the app they came from."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            name = "admin"
        elif request.path.startswith("/api/"):
            name = "api"
        else:
            name = "pages"
        with entry_path(name):
            return self.get_response(request)


class HistoryBase(models.Model):
    """Extra columns of every historical table."""

    entry_path = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        abstract = True


@receiver(pre_create_historical_record)
def _record_entry_path(sender, history_instance, **kwargs) -> None:
    history_instance.entry_path = current_entry_path()


def tracked_history(**kwargs) -> HistoricalRecords:
    """The one history configuration every model uses."""
    return HistoricalRecords(
        bases=[HistoryBase],
        history_change_reason_field=models.TextField(null=True, blank=True),
        **kwargs,
    )
