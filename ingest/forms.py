"""The form of the ingestion page: a report's text (pasted or a .txt file), its date and the
publication its claims will cite."""

from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser, User

from claims.forms import DateInput
from sources.models import Publication, Source

MAX_UPLOAD_BYTES = 1024 * 1024  # a daily report is 20–100 KB of text


class IngestForm(forms.Form):
    """Step one: what to read, and which publication the accepted claims cite."""

    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Paste the report; or upload it as a .txt file below.",
    )
    file = forms.FileField(required=False, label="Or a .txt file")
    date = forms.DateField(widget=DateInput(), help_text="Dates without a year resolve against it.")
    publication = forms.IntegerField(
        required=False,
        min_value=1,
        label="Publication id",
        help_text="The report's publication, if it is already recorded.",
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        required=False,
        help_text="Otherwise the source of a new report publication (editors)…",
    )
    title = forms.CharField(required=False, max_length=500, help_text="…and its title.")
    url = forms.URLField(required=False, max_length=1000, label="URL", assume_scheme="https")

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        source = cast("forms.ModelChoiceField[Source]", self.fields["source"])
        source.queryset = Source.objects.visible_to(user)

    def clean_file(self) -> str | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if not upload.name.lower().endswith(".txt"):
            raise forms.ValidationError("Upload the report as a .txt file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; is it really a report?")
        try:
            text: str = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file is not UTF-8 text.") from error
        return text

    def clean_publication(self) -> Publication | None:
        pk = self.cleaned_data.get("publication")
        if not pk:
            return None
        # The id comes from the client: only a publication the user may see will do.
        publication: Publication | None = (
            Publication.objects.visible_to(self.user).filter(pk=pk).first()
        )
        if publication is None:
            raise forms.ValidationError("No such publication, or not one you may see.")
        return publication

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        text = data.get("file") or data.get("text") or ""
        if not text.strip() and "file" not in self.errors:
            self.add_error("text", "Paste the report's text or upload it as a .txt file.")
        data["report"] = text
        if "publication" in self.errors or data.get("publication"):
            return data
        if not data.get("source") or not (data.get("title") or "").strip():
            self.add_error(
                "publication",
                "Give the publication the claims cite, or a source and a title for a new one.",
            )
        elif not self.user.has_perm("sources.add_publication"):
            self.add_error("source", "Creating a publication needs the editor role.")
        return data
