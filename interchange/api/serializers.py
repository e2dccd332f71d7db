"""Shapes of the import API's reports (for the schema and the responses)."""

from rest_framework import serializers


class _TallySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class _ErrorSerializer(serializers.Serializer):
    kind = serializers.CharField()
    index = serializers.IntegerField(allow_null=True)
    uuid = serializers.CharField(allow_null=True)
    field = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    """What an import did or would do, and every error with its record and field."""

    dry_run = serializers.BooleanField()
    written = serializers.BooleanField()
    counts = serializers.DictField(child=_TallySerializer())
    errors = _ErrorSerializer(many=True)


class ImportErrorSerializer(ImportReportSerializer):
    """A refused import: nothing was written."""

    detail = serializers.CharField()
