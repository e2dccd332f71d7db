"""Admin for sources, their aliases and people, publications and the references between them."""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import BaseAdmin, BaseTabularInline

from .models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)


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
    """The publication's stored files; upload new versions on the evidence file page."""

    model = EvidenceFile
    fields = ("original_name", "sha256", "size", "content_type", "sensitivity", "archived_at")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(EvidenceFile)
class EvidenceFileAdmin(BaseAdmin):
    """Upload a file to a publication; it is hashed on upload and never replaced in place."""

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
        return (*readonly, "file", "publication", "replaces") if obj else readonly


@admin.register(Publication)
class PublicationAdmin(BaseAdmin):
    list_display = ("title", "source", "kind", "published", "language", "marking")
    list_filter = ("kind", "marking", "published_precision", "language")
    # The source is part of every row (and of a publication's name in autocompletes).
    list_select_related = ("source",)
    search_fields = ("title", "source__name", "source__aliases__name", "url")
    autocomplete_fields = ("source",)
    date_hierarchy = "published_on"
    fieldsets = (
        (None, {"fields": ("source", "kind", "title", "summary")}),
        ("Published", {"fields": (("published_on", "published_precision"), "url", "language")}),
        ("Handling", {"fields": ("marking",)}),
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
