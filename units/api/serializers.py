"""API shapes of units."""

from django.db import transaction
from rest_framework import serializers

from core.api.fields import SummaryRelatedField
from core.api.serializers import AliasListField, StampedModelSerializer
from units.models import Unit, UnitHonorific


class UnitSummarySerializer(serializers.ModelSerializer):
    """A unit in one line."""

    class Meta:
        model = Unit
        fields = ["id", "name", "abbreviation", "echelon", "country"]


class UnitHonorificSerializer(serializers.ModelSerializer):
    """An honorific title and when it was given."""

    class Meta:
        model = UnitHonorific
        fields = ["title", "awarded_on", "awarded_precision", "awarded_by", "note"]


class UnitSerializer(StampedModelSerializer):
    """A unit with its chain of command up to the top and its direct subordinates.

    ``ancestors`` and ``orbat_path`` come from one closure-table query for the whole page
    (``UnitViewSet.prepare_page``), never from a query per unit.
    """

    # DRF's stubs type ``Field.parent`` (the serializer a field is bound to) for every
    # subclass, so a field named parent reads as a clash.
    parent = SummaryRelatedField(  # type: ignore[assignment]
        UnitSummarySerializer, queryset=Unit.objects.all(), allow_null=True, required=False
    )
    ancestors = serializers.SerializerMethodField()
    orbat_path = serializers.SerializerMethodField()
    children = UnitSummarySerializer(many=True, read_only=True)
    aliases = AliasListField(required=False)
    honorifics = UnitHonorificSerializer(many=True, required=False)

    class Meta:
        model = Unit
        fields = [
            "id",
            "uuid",
            "name",
            "abbreviation",
            "country",
            "echelon",
            "branch",
            "parent",
            "ancestors",
            "orbat_path",
            "children",
            "aliases",
            "honorifics",
            "description",
            "created_at",
            "updated_at",
        ]

    def _chain(self, unit: Unit) -> list[Unit]:
        return self.context.get("prepared", {}).get("unit_chains", {}).get(unit.pk, [unit])

    def get_ancestors(self, unit: Unit) -> list[dict]:
        """The chain of command above the unit, nearest first."""
        return list(UnitSummarySerializer(self._chain(unit)[1:], many=True).data)

    def get_orbat_path(self, unit: Unit) -> str:
        """ "30th MRB › 2nd CAA › Central MD"."""
        return " › ".join(node.short_name for node in self._chain(unit))

    def create(self, validated_data):
        honorifics = validated_data.pop("honorifics", [])
        with transaction.atomic():
            unit = super().create(validated_data)
            self._replace_honorifics(unit, honorifics)
        return unit

    def update(self, instance, validated_data):
        honorifics = validated_data.pop("honorifics", None)
        with transaction.atomic():
            unit = super().update(instance, validated_data)
            if honorifics is not None:
                self._replace_honorifics(unit, honorifics)
        return unit

    @staticmethod
    def _replace_honorifics(unit: Unit, honorifics: list[dict]) -> None:
        unit.honorifics.all().delete()
        for row in honorifics:
            # save() normalises the date to its precision, so no bulk_create here.
            UnitHonorific.objects.create(unit=unit, **row)
