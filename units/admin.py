"""Admin for military units: the order of battle, names and honorific titles."""

from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from core.admin import BaseAdmin, BaseTabularInline

from .models import Unit, UnitAlias, UnitHonorific


class UnitAliasInline(BaseTabularInline):
    model = UnitAlias
    fields = ("name",)


class UnitHonorificInline(BaseTabularInline):
    model = UnitHonorific
    fields = ("title", "awarded_on", "awarded_precision", "awarded_by", "note")


class ChildUnitForm(forms.ModelForm):
    """A subordinate unit in the compact inline: its country, a hidden field, is the parent's.

    The country stays a form field (hidden, filled in ``clean``) rather than being set at save
    time, so the "name unique per parent and country" constraint is checked as a form error
    instead of failing in the database.
    """

    def __init__(self, *args, parent: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent
        self.fields["country"].required = False
        self.fields["country"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if not cleaned.get("country"):
            # On the add page the parent is the unit being created, its country just typed.
            cleaned["country"] = self.parent.country
        return cleaned


class ChildUnitFormSet(BaseInlineFormSet):
    """Hands each subordinate-unit form its parent, whose country it takes."""

    def get_form_kwargs(self, index: int | None) -> dict:
        return {**super().get_form_kwargs(index), "parent": self.instance}


class ChildUnitInline(BaseTabularInline):
    """The units directly below this one; each has its own page for the details."""

    model = Unit
    fk_name = "parent"
    form = ChildUnitForm
    formset = ChildUnitFormSet
    fields = ("name", "abbreviation", "echelon", "branch", "country")
    show_change_link = True
    verbose_name = "subordinate unit"
    verbose_name_plural = "subordinate units"


@admin.register(Unit)
class UnitAdmin(BaseAdmin):
    list_display = ("name", "abbreviation", "orbat", "echelon", "branch", "country")
    list_filter = ("country", "echelon", "branch")
    search_fields = ("name", "abbreviation", "aliases__name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("orbat",)
    fieldsets = (
        (None, {"fields": ("name", "abbreviation", "country", "echelon", "branch")}),
        ("Order of battle", {"fields": ("parent", "orbat")}),
        (None, {"fields": ("description",)}),
    )
    inlines = (UnitAliasInline, UnitHonorificInline, ChildUnitInline)

    def annotate_page(self, request: HttpRequest, objects) -> None:
        # The ORBAT path of every unit on the page comes from one closure-table query; without
        # this each row would walk its chain of command on its own.
        units = list(objects)
        paths = Unit.objects.orbat_paths([unit.pk for unit in units])
        for unit in units:
            unit.orbat_path_display = paths.get(unit.pk, unit.short_name)

    @admin.display(description="ORBAT path")
    def orbat(self, unit: Unit) -> str:
        if unit.pk is None:
            return "-"
        # On a changelist page the path was loaded with the page; on a change page it costs
        # the one query of ``Unit.orbat_path``.
        path = getattr(unit, "orbat_path_display", None)
        return path if path is not None else unit.orbat_path()
