"""Shared admin bases: marking visibility, change stamping, the "Record" fieldset, page hooks.

Every ``ModelAdmin`` of the project inherits ``BaseAdmin`` and every inline ``BaseTabularInline``
or ``BaseStackedInline``, so the rules below are declared once:

- what a user may not see (TLP marking) is absent from lists, change pages, inlines, dropdowns
  and autocompletes alike;
- every saved ``TrackedModel`` row, the main object and each inline row, is stamped with the
  user who saved it;
- the bookkeeping fields (UUID, created/updated at/by, plus per-model extras such as a file's
  SHA-256) are read-only and gathered in a collapsed "Record" fieldset;
- a changelist can load per-page data (e.g. ORBAT paths) in one query for the whole page.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken, TrackedModel
from .querysets import visible_markings

RECORD_FIELDS: tuple[str, ...] = ("uuid", "created_at", "created_by", "updated_at", "updated_by")
RECORD_TITLE = "Record"


def restrict_to_visible(
    queryset: models.QuerySet, user, marked_via: Iterable[str] = ()
) -> models.QuerySet:
    """``queryset`` without the rows ``user`` may not see.

    A queryset with its own ``visible_to`` (claims, publications, citations) applies it; a link
    model (a reference between two publications, a claim's unit involvement) names in
    ``marked_via`` the relations to marked records it must be hidden with.
    """
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user)
    allowed = visible_markings(user)
    if allowed is None or not marked_via:
        return queryset
    return queryset.filter(**{f"{path}__marking__in": allowed for path in marked_via})


def _without(fields: Sequence[Any], hidden: set[str]) -> list[Any]:
    """``fields`` of a fieldset minus ``hidden``, keeping fields grouped on one line as tuples."""
    kept: list[Any] = []
    for field in fields:
        if isinstance(field, list | tuple):
            line = tuple(name for name in field if name not in hidden)
            if line:
                kept.append(line)
        elif field not in hidden:
            kept.append(field)
    return kept


class VisibilityMixin:
    """Marking visibility for a ModelAdmin or an inline: its rows and its related-field choices."""

    # Links to sources are pasted from the browser; a bare "ft.com/…" means HTTPS (Django 6's
    # default, chosen now so forms do not change behaviour on upgrade).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Relations (lookup paths) to marked records this model is hidden with; see
    # ``restrict_to_visible``.
    marked_via: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return restrict_to_visible(super().get_queryset(request), request.user, self.marked_via)

    def get_field_queryset(self, db, db_field, request: HttpRequest):
        # Choices of a foreign key or many-to-many come from the related model's own admin
        # queryset: the same visibility rule (a RED publication is neither offered nor accepted
        # when posted by id) and the same select_related, so rendering the chosen options does
        # not run a query per option for their ``__str__``.
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if isinstance(related_admin, VisibilityMixin):
            return related_admin.get_queryset(request).using(db)
        return super().get_field_queryset(db, db_field, request)


class PageChangeList(ChangeList):
    """A changelist that lets its ModelAdmin load data for the whole page after the rows."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.model_admin.annotate_page(request, self.result_list)


class BaseAdmin(VisibilityMixin, SimpleHistoryAdmin):
    """The ModelAdmin every model of the project uses (with its change history page)."""

    # Read-only bookkeeping shown, collapsed, under "Record"; a model adds its own (file hash).
    record_fields: tuple[str, ...] = RECORD_FIELDS
    list_per_page = 50

    def _record_fields(self) -> tuple[str, ...]:
        if issubclass(self.model, TrackedModel):
            return self.record_fields
        return tuple(name for name in self.record_fields if name not in RECORD_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + tuple(name for name in self._record_fields() if name not in readonly)

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        """The declared (or default) fieldsets, with the record fields moved to "Record"."""
        record = self._record_fields()
        if not record:
            return super().get_fieldsets(request, obj)
        hidden = set(record)
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            if title == RECORD_TITLE:
                continue
            fields = _without(options.get("fields", ()), hidden)
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        if obj is not None:
            # Nothing is recorded before the first save: the add page leaves the section out.
            fieldsets.append((RECORD_TITLE, {"classes": ["collapse"], "fields": list(record)}))
        return fieldsets

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if isinstance(obj, TrackedModel):
            obj.stamp(request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The one place inline rows are written: stamp each new or changed tracked row. The
        # admin runs the whole change form (main object and every inline) in one transaction.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, TrackedModel):
                instance.stamp(request.user)
            instance.save()
        formset.save_m2m()

    def get_changelist(self, request: HttpRequest, **kwargs):
        return PageChangeList

    def annotate_page(self, request: HttpRequest, objects: models.QuerySet) -> None:
        """Load data for a whole changelist page at once (default: nothing, rows stay lazy)."""


class BaseTabularInline(VisibilityMixin, admin.TabularInline):
    """A compact inline; rows are stamped by ``BaseAdmin.save_formset``."""

    extra = 0


class BaseStackedInline(VisibilityMixin, admin.StackedInline):
    """A full-form inline; rows are stamped by ``BaseAdmin.save_formset``."""

    extra = 0


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked here; they are created by their owner in the API,
    the only place the key is shown."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
