"""Shared admin bases: marking visibility, change stamping, the "Record" fieldset, page hooks.

Every ``ModelAdmin`` of the project inherits ``BaseAdmin`` and every inline ``BaseTabularInline``
or ``BaseStackedInline``, so the rules below are declared once:

- what a user may not see (TLP marking) is absent from lists, change pages, inlines, dropdowns,
  autocompletes, history pages and delete confirmations alike, and nobody may mark a record so
  that they could no longer see it;
- every saved ``TrackedModel`` row, the main object and each inline row, is stamped with the
  user who saved it;
- the bookkeeping fields (UUID, created/updated at/by, plus per-model extras such as a file's
  SHA-256) are read-only and gathered in a collapsed "Record" fieldset;
- a changelist can load per-page data (e.g. ORBAT paths) in one query for the whole page.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .choices import Marking
from .forms import with_reason
from .markings import may_see_marking, restrict_marked
from .models import ApiToken, ArchivableModel, JudgedModel, MarkedModel, TrackedModel
from .roles import ROLES

RECORD_FIELDS: tuple[str, ...] = ("uuid", "created_at", "created_by", "updated_at", "updated_by")
RECORD_TITLE = "Record"


def restrict_to_visible(
    queryset: models.QuerySet, user, marked_via: Iterable[str] = (), archived: bool = False
) -> models.QuerySet:
    """``queryset`` without the rows ``user`` may not see.

    A queryset with its own ``visible_to`` (claims, publications, citations) applies it; a link
    model (a reference between two publications, a claim's unit involvement) names in
    ``marked_via`` the relations to marked records it must be hidden with.
    """
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user, archived=archived)
    for path in marked_via:
        queryset = restrict_marked(queryset, user, path)
    return queryset


def _flatten(fields: Sequence[Any]) -> list[str]:
    """Field names of a fieldset's ``fields``, lines of several fields included."""
    return [
        name for field in fields for name in (field if isinstance(field, list | tuple) else [field])
    ]


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


class ArchivedListFilter(admin.SimpleListFilter):
    """Archived (soft-deleted) records are hidden unless this filter asks for them."""

    title = "archive"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", "Archived")]

    def queryset(self, request, queryset):
        # The filtering itself happens in VisibilityMixin.get_queryset (visible_to).
        return queryset


def wants_archived(request: HttpRequest) -> bool:
    return request.GET.get(ArchivedListFilter.parameter_name) == "yes"


class JudgementReasonMixin:
    """Judged models (status, reliability, credibility) get a "Reason for the change" field
    on their form or inline rows, required when a judgement changes."""

    def _judged(self) -> bool:
        return issubclass(self.model, JudgedModel)

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        if self._judged() and "change_reason" not in fields:
            fields.append("change_reason")
        return fields

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if self._judged():
            kwargs["form"] = with_reason(kwargs.get("form", self.form))
        return super().get_form(request, obj, **kwargs)

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        if self._judged():
            kwargs["form"] = with_reason(kwargs.get("form", self.form))
        return super().get_formset(request, obj, **kwargs)


def with_marking_check(form_class: type[forms.ModelForm], user) -> type[forms.ModelForm]:
    """``form_class`` refusing a marking and sharing under which ``user`` could no longer see
    the record (``may_see_marking``, the rule the API and the pages apply too)."""

    class MarkingCheckedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            if "marking" not in self.fields or not cleaned.get("marking"):
                return cleaned
            instance = self.instance
            # Sharing lists not on this form (an inline row) keep the record's current ones.
            groups = cleaned.get("sharing_groups")
            if "sharing_groups" not in self.fields:
                groups = instance.sharing_groups.all() if instance.pk else []
            named = cleaned.get("shared_with")
            if "shared_with" not in self.fields:
                named = instance.shared_with.all() if instance.pk else []
            marking = cleaned["marking"]
            if not may_see_marking(
                user, marking, {g.pk for g in groups or []}, {u.pk for u in named or []}
            ):
                self.add_error(
                    "marking",
                    f"You would no longer see this record if it were marked "
                    f"{Marking(marking).label} with this sharing. Add one of your groups to the "
                    "sharing groups (AMBER, AMBER+STRICT) or yourself to the named recipients "
                    "(RED), or choose a wider marking.",
                )
            return cleaned

    MarkingCheckedForm.__name__ = f"MarkingChecked{form_class.__name__}"
    return MarkingCheckedForm


class MarkingGuardMixin:
    """Forms and inline rows of marked records refuse a marking that hides them from their
    own writer."""

    def _marked(self) -> bool:
        return issubclass(self.model, MarkedModel)

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if self._marked():
            kwargs["form"] = with_marking_check(kwargs.get("form", self.form), request.user)
        return super().get_form(request, obj, **kwargs)

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        if self._marked():
            kwargs["form"] = with_marking_check(kwargs.get("form", self.form), request.user)
        return super().get_formset(request, obj, **kwargs)


class VisibilityMixin:
    """Marking visibility for a ModelAdmin or an inline: its rows and its related-field choices."""

    # Links to sources are pasted from the browser; a bare "ft.com/…" means HTTPS (Django 6's
    # default, chosen now so forms do not change behaviour on upgrade).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Relations (lookup paths) to marked records this model is hidden with; see
    # ``restrict_to_visible``.
    marked_via: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return restrict_to_visible(
            super().get_queryset(request), request.user, self.marked_via, wants_archived(request)
        )

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


class BaseAdmin(MarkingGuardMixin, JudgementReasonMixin, VisibilityMixin, SimpleHistoryAdmin):
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
        """The declared (or default) fieldsets, with the record fields moved to "Record" and
        the reason for a judgement change last before it."""
        fieldsets = self._fieldsets_with_record(request, obj)
        if self._judged() and obj is not None:
            flat = {name for _title, options in fieldsets for name in _flatten(options["fields"])}
            if "change_reason" not in flat:
                fieldsets.insert(
                    len(fieldsets) - 1, ("Reason for the change", {"fields": ["change_reason"]})
                )
        elif self._judged():
            fieldsets = [
                (
                    title,
                    {**options, "fields": [f for f in options["fields"] if f != "change_reason"]},
                )
                for title, options in fieldsets
            ]
        return fieldsets

    def _fieldsets_with_record(self, request: HttpRequest, obj=None) -> list:
        record = self._record_fields()
        if not record:
            return list(super().get_fieldsets(request, obj))
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

    # -- archive instead of delete

    def get_list_filter(self, request: HttpRequest):
        filters = tuple(super().get_list_filter(request))
        if issubclass(self.model, ArchivableModel):
            filters = (*filters, ArchivedListFilter)
        return filters

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if issubclass(self.model, ArchivableModel):
            if "delete_selected" in actions:
                func, name, _ = actions["delete_selected"]
                actions[name] = (func, name, "Archive selected %(verbose_name_plural)s")
            if self.has_delete_permission(request):
                actions["restore_selected"] = self.get_action("restore_selected")
            if request.user.is_superuser:
                actions["purge_selected"] = self.get_action("purge_selected")
        return actions

    def get_deleted_objects(self, objs, request: HttpRequest):
        objs = list(objs)
        own = ([str(obj) for obj in objs], {self.model._meta.verbose_name_plural: len(objs)})
        if issubclass(self.model, ArchivableModel):
            # Archiving deletes nothing, so nothing is protected and no related record (which
            # the user may not be allowed to see) is listed on the confirmation page.
            return (*own, set(), [])
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            return to_delete, model_count, perms_needed, protected
        # Django lists and counts every related row the delete reaches (a topic's links to
        # claims), hidden claims' rows too: show only the records asked for, and name no
        # protected record, which may be one the user may not see.
        if protected:
            protected = ["records that depend on it (restore or move them first)"]
        return (*own, perms_needed, protected)

    def delete_model(self, request: HttpRequest, obj) -> None:
        if isinstance(obj, ArchivableModel):
            obj.archive(request.user)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        if not issubclass(self.model, ArchivableModel):
            super().delete_queryset(request, queryset)
            return
        with transaction.atomic():
            for obj in queryset:
                obj.archive(request.user)

    @admin.action(description="Restore selected %(verbose_name_plural)s")
    def restore_selected(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            restored = 0
            for obj in queryset.filter(archived_at__isnull=False):
                obj.restore(request.user)
                restored += 1
        self.message_user(request, f"Restored {restored} record(s).", messages.SUCCESS)

    @admin.action(description="Purge selected %(verbose_name_plural)s for good (superuser)")
    def purge_selected(self, request: HttpRequest, queryset) -> None:
        if not request.user.is_superuser:
            raise PermissionDenied
        try:
            with transaction.atomic():
                count, _ = queryset.delete()
        except ProtectedError as error:
            dependents = sorted({str(o._meta.verbose_name_plural) for o in error.protected_objects})
            self.message_user(
                request,
                "Nothing was purged: other records depend on these ("
                + ", ".join(dependents)
                + "). Only records nothing depends on can be purged.",
                messages.ERROR,
            )
            return
        self.message_user(request, f"Purged {count} row(s) for good.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # An archived record is shown read-only: restore it first (the API answers 409).
        if obj is not None and getattr(obj, "archived_at", None) is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_changelist(self, request: HttpRequest, **kwargs):
        return PageChangeList

    # -- history pages: only of records the user may see

    def may_see_record(self, request: HttpRequest, object_id: str) -> bool:
        """Whether ``request.user`` may see the record (archived ones: if they may restore it).

        simple-history's views read historical rows directly and fall back to them when the
        record is not in ``get_queryset``, which would show a hidden record's whole history.
        Superusers also see the history of purged records.
        """
        if request.user.is_superuser:
            return True
        records = self.model._default_manager.all()
        pk = unquote(object_id)
        try:
            if restrict_to_visible(records, request.user, self.marked_via).filter(pk=pk).exists():
                return True
            return (
                issubclass(self.model, ArchivableModel)
                and self.has_delete_permission(request)
                and restrict_to_visible(records, request.user, self.marked_via, archived=True)
                .filter(pk=pk)
                .exists()
            )
        except (ValueError, ValidationError):
            return False

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        if not self.may_see_record(request, object_id):
            raise Http404  # the same answer as for an id that does not exist
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        if not self.may_see_record(request, object_id):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def annotate_page(self, request: HttpRequest, objects: models.QuerySet) -> None:
        """Load data for a whole changelist page at once (default: nothing, rows stay lazy)."""


class BaseTabularInline(
    MarkingGuardMixin, JudgementReasonMixin, VisibilityMixin, admin.TabularInline
):
    """A compact inline; rows are stamped by ``BaseAdmin.save_formset``."""

    extra = 0


class BaseStackedInline(
    MarkingGuardMixin, JudgementReasonMixin, VisibilityMixin, admin.StackedInline
):
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


admin.site.unregister(User)


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    """Accounts and their roles, managed by the ``admin`` role.

    Only a superuser makes superusers, grants permissions outside the roles, or changes a
    superuser's account (its password included): otherwise the admin role could make itself
    a superuser and read every TLP:RED record.

    Sharing groups (every group that is not a role) open TLP:AMBER+STRICT records to their
    members, so who joins one is decided by its members: the admin role grants roles, and
    adds people only to the sharing groups it is in itself; a superuser to any. Memberships
    the admin may not grant are neither shown nor removed when it edits an account.
    """

    def grantable_groups(self, request: HttpRequest) -> models.QuerySet[Group]:
        """The groups ``request.user`` may add people to or take them out of."""
        if request.user.is_superuser:
            return Group.objects.all()
        mine = request.user.groups.values("pk")
        return Group.objects.filter(models.Q(name__in=ROLES) | models.Q(pk__in=mine))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = self.grantable_groups(request).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change) -> None:
        # The form lists only grantable groups; keep the account's other memberships.
        kept = []
        if change and not request.user.is_superuser:
            grantable = self.grantable_groups(request).values("pk")
            kept = list(form.instance.groups.exclude(pk__in=grantable))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser", "user_permissions")
        return readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
