"""Form pieces shared by the admin and the pages."""

from django import forms
from django.forms.models import ModelChoiceIterator

from core.models import JudgedModel


class JudgementReasonForm(forms.ModelForm):
    """A model form whose judgement fields (status, grade…) change only with a reason."""

    change_reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason for the change",
        help_text="Required when you change a judgement (status, confidence, reliability, "
        "credibility); kept with the change in the history.",
    )

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and isinstance(instance, JudgedModel):
            changed = [name for name in instance.judgement_fields if name in self.changed_data]
            if changed and not (cleaned.get("change_reason") or "").strip():
                labels = ", ".join(
                    str(instance._meta.get_field(name).verbose_name) for name in changed
                )
                self.add_error("change_reason", f"You changed the {labels}: say why.")
        return cleaned

    def save(self, commit: bool = True):
        self.instance.set_reason(self.cleaned_data.get("change_reason", ""))
        return super().save(commit)


def with_reason(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """``form_class`` with the reason field and rule added."""
    if issubclass(form_class, JudgementReasonForm):
        return form_class
    return type(f"Reasoned{form_class.__name__}", (JudgementReasonForm, form_class), {})


class _Lookup:
    """A ``<select>`` over a table too large to list (300,000 publications, 50,000 places):
    only the chosen options are rendered, and ``static/js/app.js`` puts a search box beside
    it that fills it from ``lookup`` (an API list taking ``?search=``). Every choice is still
    validated by the field against its whole queryset; without the script, the select offers
    the current choice and a value can be given in the URL.

    At scale, a select listing every publication, unit, source or place the editor may see
    made the claim form and the claims page unusable.
    """

    def __init__(self, lookup: str, attrs=None) -> None:
        super().__init__(attrs)
        self.lookup = lookup
        # Labels of chosen records already loaded (an inline row's own record), by id: a
        # form of ten rows renders them without a query each (``remember``).
        self.known: dict[str, str] = {}

    def remember(self, obj) -> None:
        """Label ``obj`` (already loaded) without reading it again when it is chosen."""
        if obj is not None:
            self.known[str(obj.pk)] = self.choices.field.label_from_instance(obj)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-lookup"] = str(self.lookup)
        return context

    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return super().optgroups(name, value, attrs)
        field = choices.field
        chosen = [str(item) for item in value if str(item).isdigit()]
        limited = [("", field.empty_label)] if getattr(field, "empty_label", None) else []
        limited += [(pk, self.known[pk]) for pk in chosen if pk in self.known]
        missing = [pk for pk in chosen if pk not in self.known]
        if missing:
            limited += [
                (str(obj.pk), field.label_from_instance(obj))
                for obj in field.queryset.filter(pk__in=missing)
            ]
        self.choices = limited
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices


class LookupSelect(_Lookup, forms.Select):
    """One record of a large table (see ``_Lookup``)."""


class LookupSelectMultiple(_Lookup, forms.SelectMultiple):
    """Records of a large table (see ``_Lookup``)."""


def use_lookup(field: forms.ModelChoiceField, lookup: str) -> None:
    """Give a model choice field already built the lookup widget of its kind."""
    widget_class = (
        LookupSelectMultiple if isinstance(field, forms.ModelMultipleChoiceField) else LookupSelect
    )
    field.widget = widget_class(lookup, attrs=field.widget.attrs)
    field.widget.choices = field.choices
    field.widget.is_required = field.required
