"""Abstract bases that every domain model builds on."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .choices import Marking, choice_values


class TrackedModel(models.Model):
    """A record with a stable UUID (for import/export and links) and who/when it was changed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def stamp(self, user) -> None:
        """Record ``user`` as the author of the change about to be saved."""
        if user is None or not getattr(user, "is_authenticated", False):
            return
        if self._state.adding and self.created_by_id is None:
            self.created_by = user
        self.updated_by = user


class MarkedModel(models.Model):
    """A record carrying a TLP 2.0 marking that decides who may see it."""

    marking = models.CharField(
        max_length=16,
        choices=Marking.choices,
        default=Marking.CLEAR,
        db_index=True,
        help_text="Traffic Light Protocol 2.0: who may see this record.",
    )

    class Meta:
        abstract = True


def marking_constraint(prefix: str) -> models.CheckConstraint:
    """The database check that a marking is one of the TLP 2.0 values."""
    return models.CheckConstraint(
        condition=models.Q(marking__in=choice_values(Marking)), name=f"{prefix}_marking_valid"
    )


class AliasBase(models.Model):
    """Another name a record is known by ("FT", "30th MRB", "Zaporizhzhia")."""

    name = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HierarchyMixin(models.Model):
    """A record with a ``parent`` of its own kind; refuses cycles (see ``core.querysets``)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        # Every entry path (admin, API, import, shell) goes through save(): a cycle would make
        # the tree and every "include subordinates" query meaningless, so refuse it here too.
        self.validate_no_cycle()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.validate_no_cycle()

    def validate_no_cycle(self) -> None:
        """Raise ValidationError if ``parent`` is this record or one of its descendants."""
        if self.parent_id is None or self.pk is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": "A record cannot be its own parent."})
        ancestor_ids = type(self).objects.ancestor_ids(self.parent_id)
        if self.pk in ancestor_ids:
            raise ValidationError(
                {
                    "parent": f"“{self.parent}” is below “{self}” already; choosing it as the "
                    "parent would make a cycle. Pick a record higher up."
                }
            )


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, so the database cannot leak it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “notebook”.")
    prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters, to recognise a token."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        """The stored form of a token key."""
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token for ``user``; the plain key is returned once and never stored."""
        key = f"ct_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=key[:10],
            key_hash=cls.hash_key(key),
            expires_at=expires_at,
        )
        return token, key
