"""Serializer building blocks shared by every app's API."""

import copy

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from rest_framework import serializers
from rest_framework.utils import model_meta
from simple_history.utils import update_change_reason

from core.api.fields import NameRelatedField
from core.choices import Marking
from core.history import record_creation
from core.markings import may_see_marking
from core.models import ApiToken, JudgedModel, MarkedModel


class StampedModelSerializer(serializers.ModelSerializer):
    """Checks the model's own rules and records who made the change.

    The model's ``clean()`` (hierarchy cycles, date ranges) and its database constraints
    (uniqueness, also conditional, and checks) are evaluated on a copy of the instance with
    the new values, so the API refuses exactly what the admin refuses, as 400 field errors
    named the way this serializer names its fields, instead of an IntegrityError.
    """

    def get_fields(self) -> dict:
        fields = super().get_fields()
        if issubclass(self.Meta.model, JudgedModel):
            # Judgements (status, confidence, reliability, credibility) change only with a
            # stated reason, kept with the change in the history.
            fields["reason"] = serializers.CharField(
                write_only=True,
                required=False,
                allow_blank=True,
                max_length=2000,
                help_text="Why you make this change; required when a judgement changes.",
            )
        if issubclass(self.Meta.model, MarkedModel):
            # Who a marked record is shared with, by name: readable in lists and exports.
            fields["sharing_groups"] = NameRelatedField(
                many=True,
                required=False,
                slug_field="name",
                queryset=Group.objects.all(),
                help_text="Groups a TLP:AMBER or AMBER+STRICT record is shared with.",
            )
            fields["shared_with"] = NameRelatedField(
                many=True,
                required=False,
                slug_field="username",
                queryset=get_user_model().objects.filter(is_active=True),
                help_text="People a record (TLP:RED above all) is shared with by name.",
            )
        return fields

    def get_validators(self) -> list:
        # DRF derives UniqueTogetherValidators from UniqueConstraints and makes every field
        # of one required, even a nullable parent; validate_constraints() below checks them
        # (conditional ones too) without that side effect.
        return []

    def check_marking(self, attrs: dict) -> None:
        """Refuse a marking and sharing the writer could not see: the record would vanish for
        them. The message says what to do instead."""
        if not issubclass(self.Meta.model, MarkedModel):
            return
        if not {"marking", "sharing_groups", "shared_with"} & attrs.keys():
            return
        instance = self.instance
        marking = attrs.get("marking", instance.marking if instance else Marking.CLEAR)
        groups = attrs.get("sharing_groups")
        if groups is None:
            groups = list(instance.sharing_groups.all()) if instance else []
        named = attrs.get("shared_with")
        if named is None:
            named = list(instance.shared_with.all()) if instance else []
        user = getattr(self.context.get("request"), "user", None)
        if not may_see_marking(user, marking, {g.pk for g in groups}, {u.pk for u in named}):
            raise serializers.ValidationError(
                {
                    "marking": [
                        f"You would no longer see a record marked {Marking(marking).label} "
                        "with this sharing. Add one of your groups to sharing_groups (AMBER, "
                        "AMBER+STRICT) or yourself to shared_with (RED), or choose a wider "
                        "marking."
                    ]
                }
            )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self.check_marking(attrs)
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if _is_concrete(model, name):
                setattr(instance, name, value)
        try:
            if isinstance(instance, JudgedModel):
                instance.set_reason(attrs.get("reason", ""))
                instance.require_reason()
            instance.clean()
            # Fields the API never writes (the uuid, a fresh uuid4 on create) need no query
            # for their uniqueness: the database's unique index still guards them.
            instance.validate_unique(exclude=_not_editable(model))
            instance.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self._rename_errors(error)) from error
        return attrs

    def _rename_errors(self, error: DjangoValidationError):
        """Key model errors by this serializer's names (``occurred_end`` → ``occurred.end``)."""
        if not hasattr(error, "error_dict"):
            return {"non_field_errors": error.messages}
        names: dict[str, tuple[str, ...]] = {}
        for name, field in self.fields.items():
            if isinstance(field, serializers.Serializer) and field.source == "*":
                for child_name, child in field.fields.items():
                    names[child.source] = (name, child_name)
            else:
                names[field.source] = (name,)
        renamed: dict = {}
        for model_name, messages in error.message_dict.items():
            path = names.get(
                model_name, ("non_field_errors",) if model_name == "__all__" else (model_name,)
            )
            target = renamed
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target.setdefault(path[-1], []).extend(messages)
        return renamed

    def create(self, validated_data):
        reason = validated_data.pop("reason", "")
        aliases = validated_data.pop("aliases", None)
        # No savepoint of its own: a failure fails the whole write, which the view runs in
        # one transaction (a savepoint per record was two round trips each, five in a claim
        # created with three citations).
        with transaction.atomic(savepoint=False):
            instance = self._create(validated_data)
            replace_aliases(instance, aliases)
        if reason:
            update_change_reason(instance, reason)
        return instance

    def _create(self, validated_data):
        """``ModelSerializer.create``, writing a record with many-to-many values (topics,
        places, sharing) and its history row once they are set: one "created" row, not one
        plus a "changed" row per field, each reading every many-to-many table again."""
        model = self.Meta.model
        relations = model_meta.get_field_info(model).relations
        many = {
            name: validated_data.pop(name)
            for name, relation in relations.items()
            if relation.to_many and name in validated_data
        }
        if not many or not hasattr(model, "_history_records"):
            return super().create({**validated_data, **many})
        instance = model(**validated_data)
        instance.skip_history_when_saving = True
        try:
            instance.save(force_insert=True)
            for name, values in many.items():
                # add(), not set(): a new record has no links to compare with first.
                getattr(instance, name).add(*values)
        finally:
            del instance.skip_history_when_saving
        unset = [field.name for field in model._meta.many_to_many if field.name not in many]
        record_creation(instance, unset=unset)
        return instance

    def update(self, instance, validated_data):
        reason = validated_data.pop("reason", None)
        aliases = validated_data.pop("aliases", None)
        if reason is not None and isinstance(instance, JudgedModel):
            instance.set_reason(reason)
        with transaction.atomic(savepoint=False):
            instance = super().update(instance, validated_data)
            # Records with aliases (sources, units, places) take them as a list of names.
            replace_aliases(instance, aliases)
        return instance

    def save(self, **kwargs):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(self.Meta.model, "stamp"):
            if self.instance is None:
                kwargs.setdefault("created_by", user)
            kwargs.setdefault("updated_by", user)
        return super().save(**kwargs)


def _not_editable(model: type[models.Model]) -> list[str]:
    """Names of ``model``'s fields no serializer writes (``editable=False``)."""
    return [field.name for field in model._meta.concrete_fields if not field.editable]


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
