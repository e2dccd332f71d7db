"""Serializer building blocks shared by every app's API."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from core.models import ApiToken


class StampedModelSerializer(serializers.ModelSerializer):
    """Runs the model's own ``clean()`` rules and records who made the change."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Model rules (hierarchy cycles, date ranges) are checked on a copy of the instance
        # with the new values, so the API refuses what the admin refuses, as field errors.
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            field = model._meta.get_field(name) if _is_concrete(model, name) else None
            if field is not None:
                setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        return attrs

    def save(self, **kwargs):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(self.Meta.model, "stamp"):
            if self.instance is None:
                kwargs.setdefault("created_by", user)
            kwargs.setdefault("updated_by", user)
        return super().save(**kwargs)


def _is_concrete(model: type[models.Model], name: str) -> bool:
    """Whether ``name`` is a concrete (non-M2M) field of ``model``."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        return False
    return field.concrete and not field.many_to_many


class AliasListField(serializers.ListField):
    """A record's aliases as a plain list of names, e.g. ``["FT", "Financial Times"]``."""

    child = serializers.CharField(max_length=200, allow_blank=False)

    def to_representation(self, manager):
        return [alias.name for alias in manager.all()]


def replace_aliases(instance: models.Model, names: list[str] | None) -> None:
    """Make ``instance.aliases`` exactly ``names`` (unchanged when ``names`` is None)."""
    if names is None:
        return
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    instance.aliases.exclude(name__in=wanted).delete()
    existing = set(instance.aliases.values_list("name", flat=True))
    alias_model = instance.aliases.model
    related_field = instance.aliases.field.name
    alias_model.objects.bulk_create(
        [
            alias_model(name=name, **{related_field: instance})
            for name in wanted
            if name not in existing
        ]
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """A personal token; ``key`` is present only in the response that created it."""

    key = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "key"]
        read_only_fields = ["prefix", "created_at", "last_used_at"]

    def get_key(self, token) -> str | None:
        return getattr(token, "plain_key", None)
