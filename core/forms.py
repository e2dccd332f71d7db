"""Form pieces shared by the admin and the pages."""

from django import forms

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
