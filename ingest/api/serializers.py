"""Shapes of report ingestion's API: the draft as the endpoints read and write it, the
requests, and the result of an acceptance."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from claims.models import ClaimKind, UnitInvolvementRole
from core.choices import DatePrecision
from sources.models import Publication, Source
from units.models import UnitBranch, UnitEchelon

MAX_TEXT = 200_000  # characters: a daily report is 5–20 thousand

if TYPE_CHECKING:
    # These serializers read and write plain dicts; DRF's classes are generic in the stubs only.
    DictSerializer = serializers.Serializer[dict[str, Any]]
else:
    DictSerializer = serializers.Serializer

# --- The draft, as the endpoints read and write it --------------------------------------------


class UnitMentionSerializer(DictSerializer):
    """A unit a claim names: the draft key of the unit and its role in the claim."""

    key = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200, required=False)
    text = serializers.CharField(max_length=500, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=UnitInvolvementRole.choices)
    ambiguous = serializers.BooleanField(required=False, default=False)


class RecordMentionSerializer(DictSerializer):
    """A known source or place a claim names (by id; re-checked on accept)."""

    id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=500, required=False)


class RecordTallySerializer(RecordMentionSerializer):
    """A known source or place of the report and the claims naming it."""

    claims = serializers.ListField(child=serializers.CharField(max_length=20), required=False)


class DateMentionSerializer(DictSerializer):
    """A date as the text gives it, resolved to a period and precision."""

    text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True, required=False)
    precision = serializers.ChoiceField(choices=DatePrecision.choices)
    ongoing = serializers.BooleanField(default=False)


class QuantityMentionSerializer(DictSerializer):
    """A number and what it counts."""

    text = serializers.CharField(max_length=500, required=False, allow_blank=True)
    measure = serializers.CharField(max_length=200)
    low = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=True)
    high = serializers.DecimalField(
        max_digits=20, decimal_places=4, allow_null=True, required=False, coerce_to_string=True
    )
    unit_of_measure = serializers.CharField(max_length=50, allow_blank=True, default="")
    approximate = serializers.BooleanField(default=False)


class ClaimDraftSerializer(DictSerializer):
    """A proposed claim: one sentence or key takeaway, with what it names."""

    key = serializers.CharField(max_length=20)
    keep = serializers.BooleanField(default=True)
    title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    statement = serializers.CharField(max_length=10_000)
    excerpt = serializers.CharField(max_length=10_000, allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=ClaimKind.choices)
    paragraph = serializers.IntegerField(min_value=1, max_value=100_000, allow_null=True)
    sentence = serializers.IntegerField(min_value=1, required=False)
    key_takeaway = serializers.BooleanField(default=False)
    duplicate_of = serializers.CharField(max_length=20, allow_null=True, required=False)
    footnotes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=999), max_length=50
    )
    units = UnitMentionSerializer(many=True)
    sources = RecordMentionSerializer(many=True)
    locations = RecordMentionSerializer(many=True)
    dates = DateMentionSerializer(many=True, required=False)
    occurred = DateMentionSerializer(allow_null=True)
    quantities = QuantityMentionSerializer(many=True)


class UnitDraftSerializer(DictSerializer):
    """A unit of the draft: ``existing`` is the id of a known one; null proposes a new one."""

    key = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    abbreviation = serializers.CharField(max_length=50, allow_blank=True, default="")
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), default=list, max_length=20
    )
    echelon = serializers.ChoiceField(choices=UnitEchelon.choices)
    branch = serializers.ChoiceField(choices=UnitBranch.choices, allow_blank=True, default="")
    country = serializers.RegexField(r"^[A-Z]{2}$", max_length=2)
    # A declared field named like an attribute of Field: the stubs see the clash, but DRF's
    # metaclass moves declared fields into _declared_fields, off the class.
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=200, allow_null=True, allow_blank=True
    )
    parent_key = serializers.CharField(max_length=20, allow_null=True, required=False)
    existing = serializers.IntegerField(min_value=1, allow_null=True)
    keep = serializers.BooleanField(default=True)


class ReportSummarySerializer(DictSerializer):
    """What the text was read as."""

    date = serializers.DateField()
    paragraphs = serializers.IntegerField()
    sentences = serializers.IntegerField()
    key_takeaways = serializers.IntegerField()


class DraftSerializer(DictSerializer):
    """The draft of a report: claims, units (known and new), sources, places, footnotes."""

    report = ReportSummarySerializer(required=False)
    # DRF passes max_length on to the ListSerializer of many=True (3.15+); the stubs lack it.
    claims = ClaimDraftSerializer(many=True, max_length=2000)  # type: ignore[call-arg]
    units = UnitDraftSerializer(many=True, max_length=1000)  # type: ignore[call-arg]
    sources = RecordTallySerializer(many=True, required=False)
    locations = RecordTallySerializer(many=True, required=False)
    footnotes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=2000)),
        help_text="Footnote number → its URLs (empty when the text has no footnote list).",
    )

    def validate_units(self, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [unit["key"] for unit in units]
        if len(keys) != len(set(keys)):
            raise ValidationError("Each unit needs its own key.")
        return units


# --- Requests and answers --------------------------------------------------------------------


class IngestRequestSerializer(DictSerializer):
    """A report's text and date."""

    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=False)
    date = serializers.DateField(
        help_text="The report's date: dates without a year resolve against it."
    )

    def validate_text(self, text: str) -> str:
        if not text.strip():
            raise ValidationError("Paste the report's text.")
        return text

    def validate_date(self, date: dt.date) -> dt.date:
        if date.year < 1900:
            raise ValidationError("Give the report's date, e.g. 2025-02-20.")
        return date


class AcceptRequestSerializer(DictSerializer):
    """A reviewed draft and the publication its claims cite: an existing one, or a new report
    of ``source`` titled ``title`` (creating it needs the editor role)."""

    draft = DraftSerializer()
    publication = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    # Field.source clashes in the stubs only (see UnitDraftSerializer.parent).
    source = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, required=False, allow_null=True
    )
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if data.get("publication"):
            publication = Publication.objects.visible_to(user).filter(pk=data["publication"])
            data["publication"] = publication.first()
            if data["publication"] is None:
                raise ValidationError({"publication": "No such publication, or not visible."})
            return data
        if not data.get("source") or not (data.get("title") or "").strip():
            raise ValidationError(
                {"publication": "Give the publication the claims cite, or a source and title."}
            )
        if not user.has_perm("sources.add_publication"):
            raise ValidationError(
                {"source": "Creating a publication needs the editor role; pick an existing one."}
            )
        source = Source.objects.visible_to(user).filter(pk=data["source"]).first()
        if source is None:
            raise ValidationError({"source": "No such source, or archived."})
        data["publication"] = Publication(
            source=source,
            kind=Publication.Kind.REPORT,
            title=data["title"].strip(),
            url=data.get("url") or "",
            published_on=data.get("date") or data["draft"].get("report", {}).get("date"),
        )
        return data


class AcceptResultSerializer(DictSerializer):
    """What accepting created."""

    publication = serializers.IntegerField()
    claims = serializers.ListField(child=serializers.IntegerField())
    units = serializers.ListField(child=serializers.IntegerField())
    citations = serializers.ListField(child=serializers.IntegerField())
    involvements = serializers.IntegerField()
    quantities = serializers.IntegerField()
