"""API shapes of claims, citations, places and topics."""

from collections.abc import Mapping

from django.db import transaction
from django.utils.text import slugify
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from claims import signals
from claims.fields import API_FIELDS, BRIEF_FIELDS
from claims.models import (
    Citation,
    Claim,
    ClaimRelation,
    Quantity,
    Topic,
    UnitInvolvement,
)
from claims.services import ClaimEvidence
from core.api.fields import SummaryRelatedField
from core.api.serializers import StampedModelSerializer
from core.history import current_entry_path
from places.api.serializers import LocationSummarySerializer
from places.models import Location
from sources.api.serializers import PublicationSummarySerializer, SourceSummarySerializer
from sources.models import Publication, Source
from units.api.serializers import UnitSummarySerializer
from units.models import Unit


class TopicSerializer(serializers.ModelSerializer):
    """A subject claims are grouped by."""

    slug = serializers.SlugField(required=False, validators=[])

    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "description"]
        # Uniqueness of name and slug is checked in validate(), after the slug is derived.
        extra_kwargs = {"name": {"validators": []}}

    def validate(self, attrs):
        name = attrs.get("name", getattr(self.instance, "name", ""))
        attrs.setdefault("slug", getattr(self.instance, "slug", None) or slugify(name)[:100])
        others = Topic.objects.exclude(pk=getattr(self.instance, "pk", None))
        if others.filter(name__iexact=name).exists():
            raise serializers.ValidationError({"name": "A topic with this name exists already."})
        if others.filter(slug=attrs["slug"]).exists():
            raise serializers.ValidationError(
                {"slug": f"The slug “{attrs['slug']}” is taken; send another one."}
            )
        return attrs


class GradeField(serializers.CharField):
    """A claim's stored best grade ("B2"); null while nothing supports the claim."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="best_grade", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


class EvidencePublicationSerializer(serializers.Serializer):
    """A publication in a line of evidence; ``echo``: it repeats another one of the line."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    source = serializers.CharField()
    reliability = serializers.CharField()
    grade = serializers.CharField()
    echo = serializers.BooleanField()


class EvidenceLineSerializer(serializers.Serializer):
    """One independent line of evidence and why its publications count as one."""

    publications = EvidencePublicationSerializer(many=True)
    grouped_because = serializers.CharField()
    grade = serializers.CharField()
    speakers = serializers.ListField(child=serializers.CharField())


def with_evidence(data: dict, evidence: ClaimEvidence) -> dict:
    """A rendered claim with its lines of evidence, as its detail shows it.

    The detail counts what this reader may see (``evidence``, from ``analyse(…, user)``), so
    the grade and counts match the lines it explains, not the stored fields every reader
    shares.
    """
    summary = evidence.corroboration
    data["grade"] = summary.best_grade or None
    data["independent_lines"] = summary.independent_lines
    data["disputes"] = summary.disputes
    data["suggested_status"] = summary.suggested_status
    data["evidence_lines"] = EvidenceLineSerializer(evidence.lines, many=True).data
    return data


class ClaimSummarySerializer(serializers.ModelSerializer):
    """A claim in one line."""

    occurred_display = serializers.CharField(read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "title", "kind", "status", "marking", "occurred_display"]


def _max_length(name: str) -> int | None:
    return Citation._meta.get_field(name).max_length


class LocatorSerializer(serializers.Serializer):
    """Where in the publication the evidence is; limits are the columns' own."""

    page = serializers.CharField(
        source="locator_page",
        allow_blank=True,
        required=False,
        max_length=_max_length("locator_page"),
    )
    paragraph = serializers.IntegerField(
        source="locator_paragraph",
        allow_null=True,
        required=False,
        min_value=1,
        # The largest value of a PositiveIntegerField column on every database.
        max_value=2**31 - 1,
    )
    timestamp = serializers.DurationField(
        source="locator_timestamp", allow_null=True, required=False
    )
    footnote = serializers.CharField(
        source="locator_footnote",
        allow_blank=True,
        required=False,
        max_length=_max_length("locator_footnote"),
    )
    display = serializers.CharField(source="locator_display", read_only=True)


class CitationSerializer(StampedModelSerializer):
    """The evidence link: which publication says what about a claim, and how credibly."""

    claim = SummaryRelatedField(ClaimSummarySerializer, queryset=Claim.objects.all())
    publication = SummaryRelatedField(
        PublicationSummarySerializer, queryset=Publication.objects.all()
    )
    locator = LocatorSerializer(source="*", required=False)
    grade = serializers.SerializerMethodField()

    class Meta:
        model = Citation
        fields = [
            "id",
            "uuid",
            "claim",
            "publication",
            "stance",
            "excerpt",
            "excerpt_language",
            "translation",
            "locator",
            "credibility",
            "grade",
            "note",
            "created_at",
            "updated_at",
        ]

    def get_grade(self, citation: Citation) -> str:
        """Admiralty grade: the source's reliability and this information's credibility."""
        return citation.grade_with(citation.publication.source.reliability)


class NestedCitationSerializer(CitationSerializer):
    """A citation inside its claim (the claim itself is left out); written with a new claim."""

    class Meta(CitationSerializer.Meta):
        fields = [name for name in CitationSerializer.Meta.fields if name != "claim"]


class InvolvementSerializer(serializers.ModelSerializer):
    """A unit's part in a claim; ``orbat_path`` shows where it sits in the ORBAT."""

    unit = SummaryRelatedField(UnitSummarySerializer, queryset=Unit.objects.all())
    attributed_by = SummaryRelatedField(
        SourceSummarySerializer, queryset=Source.objects.all(), allow_null=True, required=False
    )
    orbat_path = serializers.SerializerMethodField()

    class Meta:
        model = UnitInvolvement
        fields = ["unit", "orbat_path", "role", "attributed_by", "note"]

    def get_orbat_path(self, involvement: UnitInvolvement) -> str:
        """ "30th MRB › 2nd CAA › Central MD", computed for the whole page at once."""
        paths = self.context.get("prepared", {}).get("orbat_paths", {})
        return paths.get(involvement.unit_id, involvement.unit.short_name)


class QuantitySerializer(serializers.ModelSerializer):
    """A typed number in the claim."""

    class Meta:
        model = Quantity
        fields = [
            "measure",
            "low",
            "high",
            "unit_of_measure",
            "approximate",
            "as_of",
            "note",
        ]

    def validate(self, attrs):
        if attrs.get("high") is not None and attrs["high"] < attrs["low"]:
            raise serializers.ValidationError({"high": "The high value is below the low value."})
        return attrs


class RelationSerializer(serializers.ModelSerializer):
    """How this claim bears on another one."""

    claim = SummaryRelatedField(
        ClaimSummarySerializer, source="to_claim", queryset=Claim.objects.all()
    )

    class Meta:
        model = ClaimRelation
        fields = ["claim", "kind", "note"]


class OccurrenceSerializer(serializers.Serializer):
    """When it happened: a period or range and how precisely it is known."""

    start = serializers.DateField(source="occurred_start", allow_null=True, required=False)
    end = serializers.DateField(source="occurred_end", allow_null=True, required=False)
    precision = serializers.ChoiceField(
        source="occurred_precision",
        choices=Claim._meta.get_field("occurred_precision").choices,
        required=False,
    )
    ongoing = serializers.BooleanField(required=False)
    display = serializers.CharField(source="occurred_display", read_only=True)


class ClaimSerializer(StampedModelSerializer):
    """A claim with everything needed to judge it: evidence, units, places, numbers, links.

    Writes take ids for topics and locations; ``units``, ``quantities`` and ``related``
    replace the claim's current ones when given. A new claim may come with its ``citations``,
    written with it in one transaction; after that, citations are changed one by one at
    ``/api/citations/`` (each with its own reason, history and ETag).
    """

    occurred = OccurrenceSerializer(source="*", required=False)
    topics = SummaryRelatedField(
        TopicSerializer, queryset=Topic.objects.all(), many=True, required=False
    )
    locations = SummaryRelatedField(
        LocationSummarySerializer, queryset=Location.objects.all(), many=True, required=False
    )
    citations = NestedCitationSerializer(
        many=True,
        required=False,
        help_text="Creating a claim: its citations, saved with it (one request, one "
        "transaction). Ignored when changing a claim: change citations at /api/citations/.",
    )
    units = InvolvementSerializer(source="involvements", many=True, required=False)
    quantities = QuantitySerializer(many=True, required=False)
    related = RelationSerializer(source="relations_out", many=True, required=False)
    # Null for records loaded by a command (load_demo, imports): no user made them.
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # Derived from the evidence (claims.services), stored so lists filter and sort on them.
    grade = GradeField()
    evidence_lines = EvidenceLineSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Detail only (null in lists): the independent lines of evidence and why "
        "publications are grouped into one (``with_evidence``).",
    )

    class Meta:
        model = Claim
        # Declared once, in claims.fields (the fields above say how the API renders them).
        fields = [field.name for field in API_FIELDS]

    def get_fields(self) -> dict:
        fields = super().get_fields()
        if self.instance is not None:
            # A changed claim keeps its evidence: a PUT of what GET returned must not replace
            # or drop citations (they change at /api/citations/, one reason each).
            fields["citations"].read_only = True
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            # Each nested citation names a publication and the claim a few topics and places:
            # read each kind in one query, not one per id.
            if not self.fields["citations"].read_only and isinstance(data.get("citations"), list):
                self.fields["citations"].child.fields["publication"].preload(
                    row.get("publication") for row in data["citations"] if isinstance(row, Mapping)
                )
            for name in ("topics", "locations"):
                if isinstance(data.get(name), list):
                    self.fields[name].child_relation.preload(data[name])
        return super().to_internal_value(data)

    def validate_citations(self, citations: list[dict]) -> list[dict]:
        user = self.context["request"].user
        if citations and not user.has_perm("claims.add_citation"):
            raise PermissionDenied("Your role may not add citations.")
        return citations

    def validate(self, attrs):
        # The stored end of a single period is derived from its start (October 2024 ends on
        # 31 October); a client moving the start or marking the claim ongoing without sending
        # an end means "derive it again", not "keep the old end".
        if "occurred_end" not in attrs and (
            {"occurred_start", "occurred_precision"} & attrs.keys() or attrs.get("ongoing")
        ):
            attrs["occurred_end"] = None
        return super().validate(attrs)

    def validate_related(self, relations: list[dict]) -> list[dict]:
        if self.instance is not None and any(r["to_claim"] == self.instance for r in relations):
            raise serializers.ValidationError("A claim cannot be related to itself.")
        return relations

    def validate_units(self, involvements: list[dict]) -> list[dict]:
        keys = [(row["unit"].pk, row["role"]) for row in involvements]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("The same unit is listed twice with the same role.")
        return involvements

    def create(self, validated_data):
        citations = validated_data.pop("citations", [])
        nested = self._pop_nested(validated_data)
        # One transaction with the view's, no savepoint (see StampedModelSerializer.create).
        with transaction.atomic(savepoint=False):
            claim = super().create(validated_data)
            self._write_nested(claim, nested)
            if citations:
                _create_citations(claim, citations, self.context["request"].user)
                # The claim's corroboration computed once, for all of them, before the commit
                # rather than after it (claims.signals), so the response shows it.
                signals.flush()
        return claim

    def update(self, instance, validated_data):
        nested = self._pop_nested(validated_data)
        with transaction.atomic(savepoint=False):
            claim = super().update(instance, validated_data)
            self._write_nested(claim, nested)
        return claim

    @staticmethod
    def _pop_nested(validated_data: dict) -> dict:
        return {
            name: validated_data.pop(name)
            for name in ("involvements", "quantities", "relations_out")
            if name in validated_data
        }

    def _write_nested(self, claim: Claim, nested: dict) -> None:
        """Replace the nested lists that were sent, keeping rows that stay (ids, history)."""
        user = self.context["request"].user
        if "involvements" in nested:
            self._sync(claim.involvements, nested["involvements"], ("unit", "role"), user)
        if "relations_out" in nested:
            self._sync(claim.relations_out, nested["relations_out"], ("to_claim", "kind"), user)
        if "quantities" in nested:
            claim.quantities.all().delete()
            Quantity.objects.bulk_create(
                [Quantity(claim=claim, **row) for row in nested["quantities"]]
            )

    @staticmethod
    def _sync(manager, rows: list[dict], key_fields: tuple[str, str], user) -> None:
        """Make ``manager`` hold exactly ``rows``, matched on ``key_fields``."""

        def row_key(row: dict) -> tuple:
            return tuple(getattr(row[name], "pk", row[name]) for name in key_fields)

        def record_key(record) -> tuple:
            return tuple(
                getattr(record, record._meta.get_field(name).attname) for name in key_fields
            )

        wanted = {row_key(row): row for row in rows}
        for existing in manager.all():
            row = wanted.pop(record_key(existing), None)
            if row is None:
                existing.delete()
                continue
            changes = {
                name: value for name, value in row.items() if getattr(existing, name) != value
            }
            if changes:
                for name, value in changes.items():
                    setattr(existing, name, value)
                existing.updated_by = user
                existing.save()
        for row in wanted.values():
            manager.create(created_by=user, updated_by=user, **row)


def _create_citations(claim: Claim, rows: list[dict], user) -> None:
    """A new claim's citations (validated rows): one INSERT for all of them and one for their
    history rows, each with its reason, author and entry path, as saving each would write
    (two INSERTs per citation); the claim's corroboration is scheduled as their saves would."""
    citations = []
    for row in rows:
        values = dict(row)
        reason = values.pop("reason", "")
        citation = Citation(**values, claim=claim, created_by=user, updated_by=user)
        if reason:
            citation._change_reason = reason
        citations.append(citation)
    Citation.objects.bulk_create(citations)
    Citation.history.bulk_history_create(
        citations,
        default_user=user,
        custom_historical_attrs={"entry_path": current_entry_path()},
    )
    signals.schedule(claims=[claim.pk])


class ClaimBriefSerializer(ClaimSummarySerializer):
    """The compact claim of ``?brief=1``: enough for a list row."""

    grade = GradeField()

    class Meta(ClaimSummarySerializer.Meta):
        fields = [*ClaimSummarySerializer.Meta.fields, *(field.name for field in BRIEF_FIELDS)]
