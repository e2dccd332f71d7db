"""Admin for sources, their aliases and people, publications and the references between them."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from core.admin import BaseAdmin, BaseTabularInline

from .models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)
from .services import CheckedUpload, check_placement, check_upload, format_size, store_evidence


class SourceAliasInline(BaseTabularInline):
    model = SourceAlias
    fields = ("name",)


class SourcePublicationInline(BaseTabularInline):
    """The source's publications, one compact line each; details on the publication's page."""

    model = Publication
    fields = ("title", "kind", "published_on", "published_precision", "language", "marking")
    show_change_link = True
    verbose_name_plural = "publications"


class SourceMemberInline(BaseTabularInline):
    """People and bodies speaking for this source; edited on their own page, not here."""

    model = Source
    fk_name = "affiliation"
    fields = ("name", "kind", "role", "reliability")
    readonly_fields = ("name", "kind", "reliability")
    show_change_link = True
    # Removing a line here would delete the person, not the affiliation: no delete, no add.
    can_delete = False
    verbose_name = "member"
    verbose_name_plural = "members (people and bodies speaking for this source)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(BaseAdmin):
    list_display = ("name", "kind", "country", "reliability", "affiliation", "role")
    list_filter = ("kind", "reliability", "country")
    list_select_related = ("affiliation",)
    search_fields = ("name", "aliases__name", "description")
    autocomplete_fields = ("affiliation",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "country", "url", "description")}),
        ("Grade", {"fields": ("reliability",)}),
        ("Affiliation", {"fields": ("affiliation", "role")}),
    )
    inlines = (SourceAliasInline, SourceMemberInline, SourcePublicationInline)


class PublicationPersonInline(BaseTabularInline):
    model = PublicationPerson
    fields = ("person", "role")
    autocomplete_fields = ("person",)


class PublicationReferenceInline(BaseTabularInline):
    """What this publication cites, confirms or reports on (its outgoing references)."""

    model = PublicationReference
    fk_name = "citing"
    fields = ("cited", "kind", "locator", "note")
    autocomplete_fields = ("cited",)
    marked_via = ("cited",)
    verbose_name = "reference to another publication"
    verbose_name_plural = "references to other publications"


class EvidenceFileInline(BaseTabularInline):
    """The publication's current files; upload new versions on the evidence file page."""

    model = EvidenceFile
    fields = ("original_name", "sha256", "size", "content_type", "sensitivity", "replaces")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EvidenceFileAdminForm(forms.ModelForm):
    """An upload checked exactly as the API checks it (``sources.services``): size, type read
    from the bytes, the same bytes already in the publication, the version chain."""

    checked_upload: CheckedUpload | None = None

    class Meta:
        model = EvidenceFile
        fields = ("publication", "file", "sensitivity", "description", "replaces")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.instance.pk is None and upload is not None:
            try:
                self.checked_upload = check_upload(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict.get("file", error.messages)) from error
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        publication = cleaned.get("publication")
        if self.checked_upload is not None and publication is not None:
            try:
                check_placement(publication, self.checked_upload.sha256, cleaned.get("replaces"))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(EvidenceFile)
class EvidenceFileAdmin(BaseAdmin):
    """Upload a file to a publication; it is hashed on upload and never replaced in place."""

    form = EvidenceFileAdminForm
    list_display = ("__str__", "publication", "sensitivity", "size", "created_at")
    list_filter = ("sensitivity", "content_type")
    list_select_related = ("publication__source",)
    search_fields = ("original_name", "sha256", "publication__title", "description")
    autocomplete_fields = ("publication", "replaces")
    marked_via = ("publication",)
    fieldsets = (
        (None, {"fields": ("publication", "file", "sensitivity", "description", "replaces")}),
        ("Integrity", {"fields": ("original_name", "sha256", "size", "content_type")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        readonly = (
            *super().get_readonly_fields(request, obj),
            "original_name",
            "sha256",
            "size",
            "content_type",
        )
        # A stored file never changes: a new file is a new version (a new row).
        return (*readonly, "download", "publication", "replaces") if obj else readonly

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # Stored files are not served from MEDIA_URL: link to the checked download instead.
        return [
            (title, {**options, "fields": ["download" if f == "file" else f for f in fields]})
            for title, options in fieldsets
            for fields in [options.get("fields", ())]
        ]

    @admin.display(description="file")
    def download(self, evidence: EvidenceFile) -> str:
        url = reverse("evidencefile-download", args=[evidence.pk])
        return format_html(
            '<a href="{}">{}</a> ({})', url, evidence.original_name, format_size(evidence.size)
        )

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        stored = store_evidence(
            obj.publication,
            form.checked_upload or obj.file,
            user=request.user,
            sensitivity=obj.sensitivity,
            description=obj.description,
            replaces=obj.replaces,
            instance=obj,
        )
        for duplicate in stored.duplicates:
            messages.warning(
                request,
                f"The same file (SHA-256 {obj.sha256[:16]}…) is also evidence for "
                f"“{duplicate.publication_title}” (publication #{duplicate.publication_id}, "
                f"file #{duplicate.file_id}).",
            )


@admin.register(Publication)
class PublicationAdmin(BaseAdmin):
    list_display = ("title", "source", "kind", "published", "language", "marking")
    list_filter = ("kind", "marking", "published_precision", "language")
    # The source is part of every row (and of a publication's name in autocompletes).
    list_select_related = ("source",)
    search_fields = ("title", "source__name", "source__aliases__name", "url")
    autocomplete_fields = ("source",)
    # Not autocomplete: that would need the right to view users and groups.
    filter_horizontal = ("sharing_groups", "shared_with")
    date_hierarchy = "published_on"
    fieldsets = (
        (None, {"fields": ("source", "kind", "title", "summary")}),
        ("Published", {"fields": (("published_on", "published_precision"), "url", "language")}),
        ("Handling", {"fields": ("marking", "sharing_groups", "shared_with")}),
    )
    inlines = (PublicationPersonInline, PublicationReferenceInline, EvidenceFileInline)

    def get_queryset(self, request: HttpRequest):
        # ``Publication.__str__`` names the source: JOIN it for autocompletes and choices.
        return super().get_queryset(request).select_related("source")

    @admin.display(description="published", ordering="published_on")
    def published(self, publication: Publication) -> str:
        return publication.published_display


@admin.register(PublicationReference)
class PublicationReferenceAdmin(BaseAdmin):
    list_display = ("citing", "kind", "cited", "locator")
    list_filter = ("kind",)
    # Each side's name includes its source.
    list_select_related = ("citing__source", "cited__source")
    search_fields = ("citing__title", "cited__title", "locator", "note")
    autocomplete_fields = ("citing", "cited")
    marked_via = ("citing", "cited")
    fieldsets = ((None, {"fields": ("citing", "kind", "cited", "locator", "note")}),)
