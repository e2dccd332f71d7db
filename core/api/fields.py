"""Relation fields: writes take an id, reads give a compact summary of the related record."""

from collections.abc import Iterable
from functools import cached_property

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers


class SummaryRelatedField(serializers.PrimaryKeyRelatedField):
    """``{"source": 12}`` on write; ``{"source": {"id": 12, "name": "…"}}`` on read.

    Ids are checked against the records the requesting user may see, so an id of a hidden
    record is refused like an unknown one and reveals nothing.
    """

    def __init__(self, summary_serializer: type[serializers.Serializer], **kwargs) -> None:
        self.summary_serializer = summary_serializer
        super().__init__(**kwargs)

    def use_pk_only_optimization(self) -> bool:
        return False

    def preload(self, values: Iterable) -> None:
        """Read the records ``values`` name (the ids a request sends for this field, e.g. the
        publication of each nested citation) in one query, for ``to_internal_value``: one
        query where there was one per value. Ids not found are looked up again there, so an
        unknown or hidden id gets the usual error."""
        ids = {value for value in values if type(value) is int}
        if ids:
            self.known = self.get_queryset().in_bulk(ids)

    def to_internal_value(self, data):
        known = getattr(self, "known", None)
        if known and type(data) is int and data in known:
            return known[data]
        return super().to_internal_value(data)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset

    @cached_property
    def summary(self) -> serializers.Serializer:
        """One summary serializer for every value this (bound) field renders."""
        return self.summary_serializer(context=self.context)

    def to_representation(self, value):
        # Reused, not built per value: a new serializer builds its fields again, which was
        # most of a claims page's time.
        return self.summary.to_representation(value)

    def get_choices(self, cutoff: int | None = None) -> dict:
        """Choices for the browsable API's form, keyed by id: the summary dict that
        ``to_representation`` gives cannot be a key (DRF's default, a 500 on every list)."""
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


class SummaryRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Describe ``SummaryRelatedField`` as an integer id in requests, a summary in responses."""

    target_class = SummaryRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return build_basic_type(OpenApiTypes.INT)
        component = auto_schema.resolve_serializer(self.target.summary_serializer, direction)
        return component.ref


class NameRelatedField(serializers.SlugRelatedField):
    """A relation written by name (a group, a username).

    A name with a NUL character is refused before it reaches the database, which cannot
    compare such text (it would be a server error, not an unknown name)."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)
