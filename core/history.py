"""Change history for every model and every entry path, through django-simple-history.

Each historical row records who (``history_user``), when (``history_date``), what (the full
row, so field before/after is a diff of two rows), why (``history_change_reason``, required
for judgements) and from which path (``entry_path``: admin, api, pages, or command:<name>).
"""

import contextlib
import contextvars
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import get_m2m_reverse_field_name

from .markings import marking_q


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


class TrackedHistory(HistoricalRecords):
    """simple-history's records, reachable from the model as ``_history_records`` so a write
    can create its history row itself (``record_creation``)."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if self.cls is sender:
            sender._history_records = self

    def create_historical_record_m2ms(self, history_instance, instance):
        # A record just created has no links in the many-to-many fields it was created
        # without (``record_creation``): nothing to read and copy for those.
        unset = getattr(instance, "_history_unset_m2m", ())
        if unset:
            history_instance._history_m2m_fields = [
                field for field in history_instance._history_m2m_fields if field.name not in unset
            ]
        super().create_historical_record_m2ms(history_instance, instance)


@contextlib.contextmanager
def links_not_read(instance: models.Model, unset: Iterable[str]) -> Iterator[None]:
    """History rows written meanwhile for ``instance`` do not read back the links of the
    many-to-many fields ``unset``: a record just created has none in them yet."""
    instance._history_unset_m2m = frozenset(unset)
    try:
        yield
    finally:
        del instance._history_unset_m2m


def record_creation(instance: models.Model, unset: Iterable[str] = ()) -> None:
    """The "created" history row of ``instance``, saved with ``skip_history_when_saving`` so
    that its many-to-many fields could be set first: one row holding them, where saving and
    then setting them wrote a "created" row and a "changed" row per field. ``unset`` names the
    many-to-many fields it was created without: their (empty) links are not read back."""
    with links_not_read(instance, unset):
        type(instance)._history_records.create_historical_record(instance, "+")


def tracked_history(**kwargs) -> HistoricalRecords:
    """The one history configuration every model uses."""
    return TrackedHistory(
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


class NameList(list):
    """The names a many-to-many field held: a list in the API, "a, b" on a page."""

    def __str__(self) -> str:
        return ", ".join(str(name) for name in self) or "(none)"


def tracked_m2m_values(history_model, history_ids: list[int]) -> dict[str, dict[int, NameList]]:
    """For each many-to-many field a model's history tracks (``m2m_fields``: topics, places,
    sharing groups, named recipients), the sorted labels each history row recorded.

    One query per field for all rows; a row that recorded none has an empty list.
    """
    values: dict[str, dict[int, NameList]] = {}
    for m2m_field in getattr(history_model, "_history_m2m_fields", ()):
        m2m_model = getattr(history_model, m2m_field.name).model
        target = get_m2m_reverse_field_name(m2m_field)
        by_row: dict[int, list] = {pk: [] for pk in history_ids}
        links = m2m_model.objects.filter(history_id__in=history_ids).select_related(target)
        for link in links:
            # The target may have been deleted since (the history keeps no constraint on it).
            linked = getattr(link, target)
            by_row[link.history_id].append(str(linked) if linked is not None else "(deleted)")
        values[m2m_field.name] = {pk: NameList(sorted(labels)) for pk, labels in by_row.items()}
    return values


def _hidden_references(record: models.Model, rows: list, user) -> dict[str, set]:
    """For each foreign key of ``record`` to a marked model (a citation's claim and
    publication), the ids its history names that ``user`` may not see (one query a key)."""
    hidden: dict[str, set] = {}
    for model_field in record._meta.concrete_fields:
        target = model_field.related_model if model_field.is_relation else None
        if target is None or not getattr(target.objects.all(), "marked", False):
            continue
        named = {getattr(row, model_field.attname) for row in rows} - {None}
        # The marking rule alone (archived records are no secret to a history reader).
        condition = marking_q(user, target)
        visible = target.objects.filter(pk__in=named)
        if condition is not None:
            visible = visible.filter(condition)
        hidden[model_field.attname] = named - set(visible.values_list("pk", flat=True))
    return hidden


def change_log(record: models.Model, user=None) -> list[ChangeEntry]:
    """The history of ``record``, newest first, with field-level before/after (one query, and
    one per tracked many-to-many field, whose before/after are lists of names).

    Given ``user``, a change of a reference to a marked record they may not see (a citation
    moved away from a publication now RED) is left out: its id would say the record exists.
    """
    fields = [
        (model_field.name, model_field.attname)
        for model_field in record._meta.concrete_fields
        if model_field.attname not in UNREPORTED_FIELDS
    ]
    rows = list(
        record.history.select_related("history_user").order_by("history_date", "history_id")
    )
    hidden = _hidden_references(record, rows, user) if user is not None else {}
    m2m = tracked_m2m_values(record.history.model, [row.history_id for row in rows])
    entries: list[ChangeEntry] = []
    previous = None
    for row in rows:
        changes = []
        if previous is not None:
            changes = [
                FieldChange(name, getattr(previous, attname), getattr(row, attname))
                for name, attname in fields
                if getattr(previous, attname) != getattr(row, attname)
                and not {getattr(previous, attname), getattr(row, attname)}
                & hidden.get(attname, set())
            ]
            changes += [
                FieldChange(name, lists[previous.history_id], lists[row.history_id])
                for name, lists in m2m.items()
                if lists[previous.history_id] != lists[row.history_id]
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


def backfill_m2m_history(apps, app_label: str, model_name: str, fields: dict[str, str]) -> None:
    """Record the current links of newly tracked many-to-many ``fields`` (field name: the
    through table's column of the linked record) on every existing history row of each record.

    For a migration that starts tracking a field: what it held before is unknown, so each row
    gets the current links and the first real change shows the true before/after, instead of
    a change from an empty list that never happened.
    """
    model = apps.get_model(app_label, model_name)
    historical = apps.get_model(app_label, f"Historical{model_name}")
    own = model._meta.model_name
    history_rows: dict[int, list[int]] = {}
    for record_id, history_id in historical.objects.values_list("id", "history_id"):
        history_rows.setdefault(record_id, []).append(history_id)
    for name, column in fields.items():
        m2m_history = apps.get_model(app_label, f"Historical{model_name}_{name}")
        through = model._meta.get_field(name).remote_field.through
        links = through.objects.values_list("pk", f"{own}_id", f"{column}_id")
        m2m_history.objects.bulk_create(
            [
                m2m_history(
                    id=link_id,
                    history_id=history_id,
                    **{f"{own}_id": record_id, f"{column}_id": to},
                )
                for link_id, record_id, to in links.iterator()
                for history_id in history_rows.get(record_id, [])
            ],
            batch_size=1000,
        )
