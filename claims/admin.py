"""Admin for claims and their evidence, relations and units, and for topics."""

from django.contrib import admin

from core.admin import BaseAdmin, BaseStackedInline, BaseTabularInline

from .models import (
    Citation,
    Claim,
    ClaimRelation,
    Quantity,
    Topic,
    UnitInvolvement,
)


@admin.register(Topic)
class TopicAdmin(BaseAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


class CitationInline(BaseStackedInline):
    """The evidence: publications supporting, disputing or mentioning the claim."""

    model = Citation
    autocomplete_fields = ("publication",)
    fields = (
        ("publication", "stance", "credibility"),
        "excerpt",
        ("excerpt_language", "translation"),
        ("locator_footnote", "locator_page", "locator_paragraph", "locator_timestamp"),
        "note",
    )
    show_change_link = True


class UnitInvolvementInline(BaseTabularInline):
    model = UnitInvolvement
    fields = ("unit", "role", "attributed_by", "note")
    autocomplete_fields = ("unit", "attributed_by")


class QuantityInline(BaseTabularInline):
    model = Quantity
    fields = ("measure", "low", "high", "unit_of_measure", "approximate", "as_of", "note")


class ClaimRelationInline(BaseTabularInline):
    """How this claim bears on other claims (supports, contradicts, refines, duplicates)."""

    model = ClaimRelation
    fk_name = "from_claim"
    fields = ("kind", "to_claim", "note")
    autocomplete_fields = ("to_claim",)
    marked_via = ("to_claim",)
    verbose_name = "related claim"
    verbose_name_plural = "related claims"


@admin.register(Claim)
class ClaimAdmin(BaseAdmin):
    list_display = (
        "title",
        "kind",
        "status",
        "confidence",
        "marking",
        "occurred",
        "updated_at",
    )
    list_filter = ("kind", "status", "confidence", "marking", "occurred_precision", "topics")
    search_fields = ("title", "statement")
    autocomplete_fields = ("topics", "locations")
    # Not autocomplete: that would need the right to view users and groups.
    filter_horizontal = ("sharing_groups", "shared_with")
    date_hierarchy = "occurred_start"
    fieldsets = (
        ("Assertion", {"fields": ("title", "statement", "kind", "topics")}),
        (
            "When & where",
            {
                "fields": (
                    ("occurred_start", "occurred_end"),
                    ("occurred_precision", "ongoing"),
                    "locations",
                )
            },
        ),
        ("Judgement", {"fields": ("status", "confidence", "marking")}),
        ("Sharing", {"fields": ("sharing_groups", "shared_with")}),
        ("Notes", {"fields": ("notes",)}),
    )
    inlines = (CitationInline, UnitInvolvementInline, QuantityInline, ClaimRelationInline)

    @admin.display(description="occurred", ordering="occurred_start")
    def occurred(self, claim: Claim) -> str:
        return claim.occurred_display


@admin.register(Citation)
class CitationAdmin(BaseAdmin):
    list_display = ("claim", "publication", "source", "stance", "grade", "locator")
    list_filter = ("stance", "credibility", "publication__source__reliability")
    # Claim, publication and its source in the same query: the publication's name, the source
    # column and the grade all read from this JOIN.
    list_select_related = ("claim", "publication__source")
    search_fields = (
        "claim__title",
        "publication__title",
        "publication__source__name",
        "excerpt",
        "translation",
    )
    autocomplete_fields = ("claim", "publication")
    fieldsets = (
        (None, {"fields": ("claim", "publication", "stance", "credibility")}),
        ("Excerpt", {"fields": ("excerpt", "excerpt_language", "translation")}),
        (
            "Where in the publication",
            {
                "fields": (
                    ("locator_footnote", "locator_page", "locator_paragraph", "locator_timestamp"),
                )
            },
        ),
        (None, {"fields": ("note",)}),
    )

    @admin.display(description="source", ordering="publication__source__name")
    def source(self, citation: Citation):
        return citation.publication.source

    @admin.display(description="grade")
    def grade(self, citation: Citation) -> str:
        return citation.grade_with(citation.publication.source.reliability)

    @admin.display(description="where")
    def locator(self, citation: Citation) -> str:
        return citation.locator_display


@admin.register(ClaimRelation)
class ClaimRelationAdmin(BaseAdmin):
    list_display = ("from_claim", "kind", "to_claim")
    list_filter = ("kind",)
    list_select_related = ("from_claim", "to_claim")
    search_fields = ("from_claim__title", "to_claim__title", "note")
    autocomplete_fields = ("from_claim", "to_claim")
    marked_via = ("from_claim", "to_claim")
    fieldsets = ((None, {"fields": ("from_claim", "kind", "to_claim", "note")}),)


@admin.register(UnitInvolvement)
class UnitInvolvementAdmin(BaseAdmin):
    list_display = ("claim", "unit", "role", "attributed_by")
    list_filter = ("role",)
    list_select_related = ("claim", "unit", "attributed_by")
    search_fields = ("claim__title", "unit__name", "unit__abbreviation", "unit__aliases__name")
    autocomplete_fields = ("claim", "unit", "attributed_by")
    marked_via = ("claim",)
    fieldsets = ((None, {"fields": ("claim", "unit", "role", "attributed_by", "note")}),)
