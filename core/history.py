"""Change history for every model and every entry path, through django-simple-history.

Each historical row records who (``history_user``), when (``history_date``), what (the full
row, so field before/after is a diff of two rows), why (``history_change_reason``, required
for judgements) and from which path (``entry_path``: admin, api, pages, or command:<name>).
"""

import contextlib
import contextvars
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

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


# Bookkeeping columns that change on every save and say nothing about the judgement.
UNREPORTED_FIELDS = {"id", "updated_at", "updated_by_id", "version", "created_at", "created_by_id"}


@dataclass
class FieldChange:
    """One field's value before and after a change."""

    field: str
    before: Any
    after: Any


@dataclass
class ChangeEntry:
    """One change of a record: who, when, what, why and from which part of the app."""

    history_id: int
    date: Any
    user: str | None
    action: str
    reason: str
    entry_path: str
    changes: list[FieldChange] = field(default_factory=list)
    version: int | None = None


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def change_log(record: models.Model) -> list[ChangeEntry]:
    """The history of ``record``, newest first, with field-level before/after (one query)."""
    fields = [
        (model_field.name, model_field.attname)
        for model_field in record._meta.concrete_fields
        if model_field.attname not in UNREPORTED_FIELDS
    ]
    rows = record.history.select_related("history_user").order_by("history_date", "history_id")
    entries: list[ChangeEntry] = []
    previous = None
    for row in rows:
        changes = []
        if previous is not None:
            changes = [
                FieldChange(name, getattr(previous, attname), getattr(row, attname))
                for name, attname in fields
                if getattr(previous, attname) != getattr(row, attname)
            ]
        entries.append(
            ChangeEntry(
                history_id=row.history_id,
                date=row.history_date,
                user=row.history_user.get_username() if row.history_user else None,
                action=ACTIONS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                entry_path=row.entry_path,
                changes=changes,
                version=getattr(row, "version", None),
            )
        )
        previous = row
    entries.reverse()
    return entries
