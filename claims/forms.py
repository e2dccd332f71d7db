"""The claim editing page: the claim, its citations and its unit involvements on one form."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.urls import reverse_lazy

from claims.models import Citation, Claim, Topic, UnitInvolvement
from core.choices import Marking
from core.forms import JudgementReasonForm, LookupSelect, LookupSelectMultiple
from core.markings import may_see_marking
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit


class DateInput(forms.DateInput):
    """A native date picker (keyboard usable, localised by the browser)."""

    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClaimForm(JudgementReasonForm):
    """The claim itself; its judgement changes (status, confidence) need a reason, and the
    same reason covers credibility changes in the citation rows (ClaimEditMixin)."""

    # The version the editor started from: a save over a newer version is refused
    # (ClaimEditMixin.save), so two editors cannot silently overwrite each other.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = [
            "title",
            "statement",
            "kind",
            "topics",
            "occurred_start",
            "occurred_end",
            "occurred_precision",
            "ongoing",
            "locations",
            "status",
            "confidence",
            "marking",
            "sharing_groups",
            "shared_with",
            "notes",
        ]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "occurred_start": DateInput(),
            "occurred_end": DateInput(),
            "topics": forms.SelectMultiple(attrs={"size": 6}),
            # 50,000 places at scale: the chosen ones, and a search (core.forms).
            "locations": LookupSelectMultiple(reverse_lazy("location-list"), attrs={"size": 6}),
            "sharing_groups": forms.SelectMultiple(attrs={"size": 4}),
            "shared_with": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        self.fields["topics"].queryset = Topic.objects.order_by("name")
        self.fields["locations"].queryset = Location.objects.select_related("parent")
        self.user = user
        self.fields["sharing_groups"].queryset = Group.objects.order_by("name")
        self.fields["shared_with"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )

    def clean(self):
        cleaned = super().clean()
        # Nobody may mark a claim so that they could no longer see it themselves.
        marking = cleaned.get("marking")
        groups = cleaned.get("sharing_groups") or []
        named = cleaned.get("shared_with") or []
        if marking and not may_see_marking(
            self.user, marking, {g.pk for g in groups}, {u.pk for u in named}
        ):
            self.add_error(
                "marking",
                f"You would no longer see a claim marked {Marking(marking).label} with this "
                "sharing. Add one of your groups to the sharing groups (AMBER, AMBER+STRICT) "
                "or yourself to the named recipients (RED), or choose a wider marking.",
            )
        return cleaned

    # Date ranges are checked by Claim.clean(), which the form runs: its errors land on the
    # field they are about.


def visible_publications(user):
    """Publications ``user`` may cite: the ones they may see."""
    return Publication.objects.visible_to(user).select_related("source").order_by("title")


class CitationForm(forms.ModelForm):
    """One piece of evidence: the publication, its stance, the excerpt and where it is."""

    class Meta:
        model = Citation
        fields = [
            "publication",
            "stance",
            "credibility",
            "excerpt",
            "translation",
            "locator_page",
            "locator_paragraph",
            "locator_timestamp",
            "locator_footnote",
            "sensitivity",
        ]
        widgets = {
            # 300,000 publications at scale: the chosen one, and a search (core.forms).
            "publication": LookupSelect(reverse_lazy("publication-list")),
            "excerpt": forms.Textarea(attrs={"rows": 2}),
            "translation": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "locator_page": "Page",
            "locator_paragraph": "Paragraph",
            "locator_timestamp": "Timestamp (hh:mm:ss)",
            "locator_footnote": "Footnote",
        }


class BaseCitationFormSet(BaseInlineFormSet):
    """The claim's citations (archived ones and hidden publications left out)."""

    def __init__(self, *args, user=None, **kwargs) -> None:
        self.user = user
        self.publications = visible_publications(user)
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            queryset = super().get_queryset()
            # Only evidence the editor may see; hidden citations stay as they are.
            queryset = queryset.visible_to(self.user).select_related("publication__source")
            self._queryset = queryset
        return self._queryset

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        form.fields["publication"].queryset = self.publications
        # A row's publication came with it (get_queryset): labelled without a query a row.
        if form.instance.publication_id:
            form.fields["publication"].widget.remember(form.instance.publication)


class InvolvementForm(forms.ModelForm):
    """One unit's part in the claim."""

    class Meta:
        model = UnitInvolvement
        fields = ["unit", "role", "attributed_by", "note"]
        # 20,000 units and 5,000 sources at scale: the chosen ones, and a search.
        widgets = {
            "unit": LookupSelect(reverse_lazy("unit-list")),
            "attributed_by": LookupSelect(reverse_lazy("source-list")),
            "note": forms.TextInput(),
        }


class BaseInvolvementFormSet(BaseInlineFormSet):
    """The units involved in the claim."""

    def __init__(self, *args, user=None, **kwargs) -> None:
        self.user = user
        self.units = Unit.objects.visible_to(user).order_by("name")
        self.sources = Source.objects.visible_to(user).order_by("name")
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().select_related("unit", "attributed_by")
        return self._queryset

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        form.fields["unit"].queryset = self.units
        form.fields["attributed_by"].queryset = self.sources
        # A row's unit and source came with it (get_queryset): no query a row to label them.
        if form.instance.unit_id:
            form.fields["unit"].widget.remember(form.instance.unit)
        if form.instance.attributed_by_id:
            form.fields["attributed_by"].widget.remember(form.instance.attributed_by)


CitationFormSet = inlineformset_factory(
    Claim,
    Citation,
    form=CitationForm,
    formset=BaseCitationFormSet,
    extra=1,
    can_delete=True,
)

InvolvementFormSet = inlineformset_factory(
    Claim,
    UnitInvolvement,
    form=InvolvementForm,
    formset=BaseInvolvementFormSet,
    extra=1,
    can_delete=True,
)
