"""Admin for places and their aliases."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import BaseAdmin, BaseTabularInline

from .models import Location, LocationAlias


class LocationAliasInline(BaseTabularInline):
    model = LocationAlias
    fields = ("name",)


class ChildLocationInline(BaseTabularInline):
    """The places directly inside this one; each has its own page for coordinates."""

    model = Location
    fk_name = "parent"
    fields = ("name", "kind", "country")
    show_change_link = True
    verbose_name = "place inside"
    verbose_name_plural = "places inside"


@admin.register(Location)
class LocationAdmin(BaseAdmin):
    list_display = ("name", "kind", "parent", "country", "precision")
    list_filter = ("kind", "precision", "country")
    # A place's name includes its parent's, so the parent column needs the grandparent too.
    list_select_related = ("parent__parent",)
    search_fields = ("name", "aliases__name", "description")
    autocomplete_fields = ("parent",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "country")}),
        ("Coordinates", {"fields": (("latitude", "longitude"), "precision")}),
        (None, {"fields": ("description",)}),
    )
    inlines = (LocationAliasInline, ChildLocationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        # ``Location.__str__`` names the parent: JOIN it for autocompletes and choices.
        return super().get_queryset(request).select_related("parent")
