"""Admin for sources, their aliases and people, publications and the references between them."""

from django.contrib import admin
from django.http import HttpRequest

from core.admin import RECORD_FIELDS, BaseAdmin, BaseTabularInline

from .models import Publication, PublicationPerson, PublicationReference, Source, SourceAlias


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


@admin.register(Publication)
class PublicationAdmin(BaseAdmin):
    list_display = ("title", "source", "kind", "published", "language", "marking")
    list_filter = ("kind", "marking", "published_precision", "language")
    # The source is part of every row (and of a publication's name in autocompletes).
    list_select_related = ("source",)
    search_fields = ("title", "source__name", "source__aliases__name", "url")
    autocomplete_fields = ("source",)
    date_hierarchy = "published_on"
    record_fields = ("file_name", "sha256", *RECORD_FIELDS)
    fieldsets = (
        (None, {"fields": ("source", "kind", "title", "summary")}),
        ("Published", {"fields": (("published_on", "published_precision"), "url", "language")}),
        ("File", {"fields": ("file",)}),
        ("Handling", {"fields": ("marking",)}),
    )
    inlines = (PublicationPersonInline, PublicationReferenceInline)

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
