"""API shapes of sources and publications."""

from django.db import transaction
from rest_framework import serializers

from core.api.fields import SummaryRelatedField
from core.api.serializers import AliasListField, StampedModelSerializer, replace_aliases
from sources.models import Publication, PublicationPerson, PublicationReference, Source


class SourceSummarySerializer(serializers.ModelSerializer):
    """A source in one line: who, what kind, how reliable."""

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "country", "reliability"]


class PublicationSummarySerializer(serializers.ModelSerializer):
    """A publication in one line, with its source and grade."""

    source = SourceSummarySerializer(read_only=True)
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

    def create(self, validated_data):
        aliases = validated_data.pop("aliases", [])
        with transaction.atomic():
            source = super().create(validated_data)
            replace_aliases(source, aliases)
        return source

    def update(self, instance, validated_data):
        aliases = validated_data.pop("aliases", None)
        with transaction.atomic():
            source = super().update(instance, validated_data)
            replace_aliases(source, aliases)
        return source


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


class PublicationSerializer(StampedModelSerializer):
    """A publication with its people and its place in the citation graph."""

    source = SummaryRelatedField(SourceSummarySerializer, queryset=Source.objects.all())
    people = PublicationPersonSerializer(source="publicationperson_set", many=True, required=False)
    cites = PublicationReferenceSerializer(source="references_made", many=True, required=False)
    cited_by = CitedBySerializer(source="references_received", many=True, read_only=True)
    published_display = serializers.CharField(read_only=True)

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
