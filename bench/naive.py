"""The naive way: a plain ``ModelViewSet`` with nested ``ModelSerializer``s, no eager loading.

What a first version of the API would look like: the same page of claims (same visibility
rule, ordering and page size) with their citations, publications, sources, units, topics and
places, each nested object loaded by the ORM on first access, one query per row and relation.
The ratio naive/app shows what ``with_related()``, ``prepare_page`` and the stored fields buy.
"""

from rest_framework import permissions, serializers, viewsets

from claims.models import Citation, Claim, Quantity, Topic, UnitInvolvement
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit


class NaiveSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "country", "reliability"]


class NaivePublicationSerializer(serializers.ModelSerializer):
    source = NaiveSourceSerializer(read_only=True)

    class Meta:
        model = Publication
        fields = ["id", "title", "kind", "published_on", "url", "marking", "source"]


class NaiveCitationSerializer(serializers.ModelSerializer):
    publication = NaivePublicationSerializer(read_only=True)
    grade = serializers.SerializerMethodField()

    class Meta:
        model = Citation
        fields = ["id", "publication", "stance", "excerpt", "credibility", "grade"]

    def get_grade(self, citation: Citation) -> str:
        return f"{citation.publication.source.reliability}{citation.credibility}"


class NaiveUnitSerializer(serializers.ModelSerializer):
    orbat_path = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "name", "abbreviation", "echelon", "country", "orbat_path"]

    def get_orbat_path(self, unit: Unit) -> str:
        # Walks up the parent chain, one query per level: the naive ORBAT path.
        names, current = [], unit
        while current is not None:
            names.append(current.short_name)
            current = current.parent
        return " › ".join(names)


class NaiveInvolvementSerializer(serializers.ModelSerializer):
    unit = NaiveUnitSerializer(read_only=True)
    attributed_by = NaiveSourceSerializer(read_only=True)

    class Meta:
        model = UnitInvolvement
        fields = ["unit", "role", "attributed_by", "note"]


class NaiveTopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug"]


class NaiveLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "kind", "latitude", "longitude"]


class NaiveQuantitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Quantity
        fields = ["measure", "low", "high", "unit_of_measure"]


class NaiveClaimSerializer(serializers.ModelSerializer):
    citations = NaiveCitationSerializer(many=True, read_only=True)
    units = NaiveInvolvementSerializer(source="involvements", many=True, read_only=True)
    topics = NaiveTopicSerializer(many=True, read_only=True)
    locations = NaiveLocationSerializer(many=True, read_only=True)
    quantities = NaiveQuantitySerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "uuid",
            "title",
            "statement",
            "kind",
            "status",
            "suggested_status",
            "best_grade",
            "independent_lines",
            "disputes",
            "confidence",
            "marking",
            "occurred_start",
            "occurred_end",
            "occurred_precision",
            "topics",
            "locations",
            "quantities",
            "units",
            "citations",
            "created_at",
            "updated_at",
        ]


class NaiveClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Claims the naive way; only the visibility rule is shared, so the page is the same."""

    serializer_class = NaiveClaimSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Claim.objects.all()

    def get_queryset(self):
        return Claim.objects.visible_to(self.request.user)
