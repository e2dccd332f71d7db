"""API shapes of sources and publications."""

from django.db import transaction
from django.urls import reverse
from rest_framework import serializers

from core.api.fields import SummaryRelatedField
from core.api.serializers import AliasListField, StampedModelSerializer
from sources.models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
)
from sources.services import DuplicateEvidence, store_evidence


class SourceSummarySerializer(serializers.ModelSerializer):
    """A source in one line: who, what kind, how reliable."""

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "country", "reliability"]


class PublicationSummarySerializer(serializers.ModelSerializer):
    """A publication in one line, with its source and grade."""

    # A declared field named like Field.source: the stubs see the clash, but DRF's metaclass
    # moves declared fields into _declared_fields, off the class.
    source = SourceSummarySerializer(read_only=True)  # type: ignore[assignment]
    published_display = serializers.CharField(read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "title",
            "kind",
            "published_on",
            "published_precision",
            "published_display",
            "url",
            "marking",
            "source",
        ]


class SourceSerializer(StampedModelSerializer):
    """A source with its aliases, affiliation and the people who speak for it."""

    affiliation = SummaryRelatedField(
        SourceSummarySerializer, queryset=Source.objects.all(), allow_null=True, required=False
    )
    aliases = AliasListField(required=False)
    members = SourceSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Source
        fields = [
            "id",
            "uuid",
            "name",
            "kind",
            "country",
            "reliability",
            "affiliation",
            "role",
            "url",
            "description",
            "aliases",
            "members",
            "created_at",
            "updated_at",
        ]


class PublicationPersonSerializer(serializers.ModelSerializer):
    """A person in a publication and their role (author, quoted, interviewed)."""

    person = SummaryRelatedField(SourceSummarySerializer, queryset=Source.objects.all())

    class Meta:
        model = PublicationPerson
        fields = ["person", "role"]


class PublicationReferenceSerializer(serializers.ModelSerializer):
    """One link of the provenance graph, seen from the citing publication."""

    publication = SummaryRelatedField(
        PublicationSummarySerializer, source="cited", queryset=Publication.objects.all()
    )

    class Meta:
        model = PublicationReference
        fields = ["publication", "kind", "locator", "note"]


class CitedBySerializer(serializers.ModelSerializer):
    """One link of the provenance graph, seen from the cited publication."""

    publication = PublicationSummarySerializer(source="citing", read_only=True)

    class Meta:
        model = PublicationReference
        fields = ["publication", "kind", "locator", "note"]


def download_url(evidence: EvidenceFile, request=None) -> str:
    """Where the file's bytes are served (checked against the reader's visibility there)."""
    path = reverse("evidencefile-download", args=[evidence.pk])
    return request.build_absolute_uri(path) if request is not None else path


class EvidenceFileSummarySerializer(serializers.ModelSerializer):
    """A stored file in one line, with its hash and the link that downloads it."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "sensitivity",
            "replaces",
            "created_at",
            "download_url",
        ]

    def get_download_url(self, evidence: EvidenceFile) -> str:
        return download_url(evidence, self.context.get("request"))


class PublicationSerializer(StampedModelSerializer):
    """A publication with its people and its place in the citation graph."""

    # Field.source clashes in the stubs only (see PublicationSummarySerializer.source).
    source = SummaryRelatedField(  # type: ignore[assignment]
        SourceSummarySerializer, queryset=Source.objects.all()
    )
    people = PublicationPersonSerializer(source="publicationperson_set", many=True, required=False)
    cites = PublicationReferenceSerializer(source="references_made", many=True, required=False)
    cited_by = CitedBySerializer(source="references_received", many=True, read_only=True)
    published_display = serializers.CharField(read_only=True)
    # Loaded by ``PublicationQuerySet.with_files`` on the detail only; absent from lists.
    files = EvidenceFileSummarySerializer(
        source="current_files",
        many=True,
        read_only=True,
        help_text="Detail only: the publication's current files you may see. Upload at "
        "/api/evidence-files/.",
    )

    class Meta:
        model = Publication
        fields = [
            "id",
            "uuid",
            "source",
            "kind",
            "title",
            "published_on",
            "published_precision",
            "published_display",
            "url",
            "language",
            "summary",
            "marking",
            "people",
            "cites",
            "cited_by",
            "files",
            "created_at",
            "updated_at",
        ]

    def validate_cites(self, links: list[dict]) -> list[dict]:
        if self.instance is not None and any(link["cited"] == self.instance for link in links):
            raise serializers.ValidationError("A publication cannot cite itself.")
        return links

    def create(self, validated_data):
        people = validated_data.pop("publicationperson_set", [])
        links = validated_data.pop("references_made", [])
        with transaction.atomic():
            publication = super().create(validated_data)
            self._replace_people(publication, people)
            self._replace_links(publication, links)
        return publication

    def update(self, instance, validated_data):
        people = validated_data.pop("publicationperson_set", None)
        links = validated_data.pop("references_made", None)
        with transaction.atomic():
            publication = super().update(instance, validated_data)
            if people is not None:
                self._replace_people(publication, people)
            if links is not None:
                self._replace_links(publication, links)
        return publication

    @staticmethod
    def _replace_people(publication: Publication, people: list[dict]) -> None:
        publication.publicationperson_set.all().delete()
        PublicationPerson.objects.bulk_create(
            [PublicationPerson(publication=publication, **row) for row in people],
            ignore_conflicts=True,
        )

    def _replace_links(self, publication: Publication, links: list[dict]) -> None:
        """Keep links that stay (their ids and history), drop the rest, add the new ones."""
        wanted = {(link["cited"].pk, link["kind"]): link for link in links}
        for existing in publication.references_made.all():
            key = (existing.cited_id, existing.kind)
            if key not in wanted:
                existing.delete()
                continue
            link = wanted.pop(key)
            existing.locator, existing.note = link.get("locator", ""), link.get("note", "")
            existing.save()
        user = self.context["request"].user
        for link in wanted.values():
            PublicationReference.objects.create(
                citing=publication, created_by=user, updated_by=user, **link
            )


class DuplicateUpload(serializers.ValidationError):
    """400 naming the file that already holds these bytes (its id stays a number, which DRF's
    ValidationError would turn into a string)."""

    def __init__(self, detail: dict) -> None:
        super().__init__()
        self.detail = detail


class EvidenceFileRefSerializer(serializers.ModelSerializer):
    """Another file, named: the earlier version, or the existing copy of a duplicate."""

    class Meta:
        model = EvidenceFile
        fields = ["id", "original_name", "sha256"]


class DuplicatePublicationSerializer(serializers.Serializer):
    """The publication a duplicate belongs to."""

    id = serializers.IntegerField(source="publication_id")
    title = serializers.CharField(source="publication_title")


class DuplicateSerializer(serializers.Serializer):
    """The same bytes stored as a file of another publication."""

    id = serializers.IntegerField(source="file_id")
    original_name = serializers.CharField()
    publication = DuplicatePublicationSerializer(source="*")


class EvidenceFileSerializer(StampedModelSerializer):
    """A stored file of a publication: its hash, size, detected type and sensitivity.

    The bytes never change: only ``sensitivity`` and ``description`` can be edited; a new file
    is uploaded as a new version (``replaces``).
    """

    publication = SummaryRelatedField(PublicationSummarySerializer, read_only=True)
    replaces = SummaryRelatedField(EvidenceFileRefSerializer, read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    duplicates = DuplicateSerializer(
        many=True,
        read_only=True,
        help_text="Files of other publications (that you may see) with the same SHA-256.",
    )

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "uuid",
            "publication",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "sensitivity",
            "description",
            "replaces",
            "duplicates",
            "download_url",
            "created_at",
            "updated_at",
        ]

    def get_download_url(self, evidence: EvidenceFile) -> str:
        return download_url(evidence, self.context.get("request"))

    def to_representation(self, instance: EvidenceFile) -> dict:
        data = super().to_representation(instance)
        # Batch-loaded for the whole page by the viewset (one query), never per row.
        duplicates = self.context.get("prepared", {}).get("duplicates")
        if duplicates is not None:
            data["duplicates"] = DuplicateSerializer(
                duplicates.get(instance.pk, []), many=True
            ).data
        return data


class EvidenceFileUploadSerializer(EvidenceFileSerializer):
    """A new file (multipart): checked, hashed and stored by ``sources.services``."""

    publication = SummaryRelatedField(
        PublicationSummarySerializer, queryset=Publication.objects.all()
    )
    file = serializers.FileField(
        write_only=True,
        help_text="Image (JPEG, PNG, WebP, GIF), video (MP4, WebM, QuickTime), PDF, HTML "
        "capture or plain text; the type is read from the content.",
    )
    replaces = SummaryRelatedField(
        EvidenceFileRefSerializer,
        queryset=EvidenceFile.objects.all(),
        required=False,
        allow_null=True,
        help_text="The earlier version of this file (same publication); it is kept.",
    )

    class Meta(EvidenceFileSerializer.Meta):
        fields = [*EvidenceFileSerializer.Meta.fields, "file"]
        extra_kwargs = {"sensitivity": {"required": True}}

    def validate(self, attrs):
        # ``store_evidence`` checks size, type, duplicates and versions, for every entry path.
        return attrs

    def create(self, validated_data):
        request = self.context["request"]
        try:
            stored = store_evidence(
                validated_data["publication"],
                validated_data["file"],
                user=request.user,
                sensitivity=validated_data["sensitivity"],
                description=validated_data.get("description", ""),
                replaces=validated_data.get("replaces"),
            )
        except DuplicateEvidence as error:
            raise DuplicateUpload(
                {
                    "file": error.messages,
                    "duplicate_of": EvidenceFileRefSerializer(error.existing).data,
                }
            ) from error
        return stored.evidence
