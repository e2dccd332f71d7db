"""API shapes of places: a one-line summary for nesting, and the full record."""

from typing import TYPE_CHECKING

from rest_framework import serializers

from core.api.fields import SummaryRelatedField
from core.api.serializers import AliasListField, StampedModelSerializer
from places.models import Location

if TYPE_CHECKING:
    # DRF's serializers are generic in the stubs only.
    LocationModelSerializer = serializers.ModelSerializer[Location]
else:
    LocationModelSerializer = serializers.ModelSerializer


class LocationSummarySerializer(LocationModelSerializer):
    """A place in one line, with coordinates and how precise they are."""

    class Meta:
        model = Location
        fields = ["id", "name", "kind", "latitude", "longitude", "precision"]


class LocationSerializer(StampedModelSerializer):
    """A place inside its parent place."""

    # DRF's stubs type ``Field.parent`` (the serializer a field is bound to) for every
    # subclass, so a field named parent reads as a clash.
    parent = SummaryRelatedField(  # type: ignore[assignment]
        LocationSummarySerializer,
        queryset=Location.objects.all(),
        allow_null=True,
        required=False,
    )
    aliases = AliasListField(required=False)

    class Meta:
        model = Location
        fields = [
            "id",
            "uuid",
            "name",
            "kind",
            "parent",
            "country",
            "latitude",
            "longitude",
            "precision",
            "aliases",
            "description",
            "created_at",
            "updated_at",
        ]
