"""Abstract bases that every domain model builds on."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from .choices import Marking, choice_values
from .constraints import validate_constraints
from .ids import uuid7
from .trees import ClosureQuerySet


class TrackedModel(models.Model):
    """A record with a stable UUID (for import/export and links), who/when it was changed,
    and a version that every save increments (ETag / If-Match, stale edit forms)."""

    # Time-ordered: new rows land at the end of the uuid index (core.ids).
    uuid = models.UUIDField(default=uuid7, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
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

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        # The check constraints in one query, not one each (core.constraints).
        validate_constraints(self, exclude=exclude)

    def stamp(self, user) -> None:
        """Record ``user`` as the author of the change about to be saved."""
        if user is None or not getattr(user, "is_authenticated", False):
            return
        if self._state.adding and self.created_by_id is None:
            self.created_by = user
        self.updated_by = user


class JudgedModel(models.Model):
    """A record whose judgement fields (a status, a grade) change only with a stated reason.

    The reason is stored as the history row's ``history_change_reason``; ``save()`` refuses a
    changed judgement without one, whatever the entry path.
    """

    judgement_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.require_reason()
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._judged_values = {
            name: getattr(instance, name)
            for name in cls.judgement_fields
            if name in instance.__dict__
        }
        return instance

    def changed_judgements(self) -> list[str]:
        """Judgement fields whose value differs from what was loaded from the database."""
        loaded = getattr(self, "_judged_values", {})
        return [name for name, value in loaded.items() if getattr(self, name) != value]

    def set_reason(self, reason: str) -> None:
        """The rationale of the change about to be saved."""
        self._change_reason = (reason or "").strip()

    def require_reason(self) -> None:
        """Raise ValidationError if a judgement changed without a reason."""
        changed = self.changed_judgements()
        if changed and not getattr(self, "_change_reason", ""):
            labels = ", ".join(str(self._meta.get_field(name).verbose_name) for name in changed)
            raise ValidationError(
                {name: f"Give a reason for changing the {labels}." for name in changed}
            )


class ArchivableModel(models.Model):
    """A record that is archived (soft-deleted) instead of deleted, and can be restored."""

    archived_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def archive(self, user=None, reason: str = "") -> None:
        """Hide the record from lists, search and counts; its history is kept."""
        from django.utils import timezone

        self.archived_at = timezone.now()
        self.archived_by = user if getattr(user, "is_authenticated", False) else None
        self._change_reason = reason or "Archived"
        self.save()

    def restore(self, user=None, reason: str = "") -> None:
        """Bring an archived record back."""
        self.archived_at = None
        self.archived_by = None
        if hasattr(self, "stamp"):
            self.stamp(user)
        self._change_reason = reason or "Restored"
        self.save()


class MarkedModel(models.Model):
    """A record carrying a TLP 2.0 marking that decides who may see it."""

    marking = models.CharField(
        max_length=16,
        choices=Marking.choices,
        default=Marking.CLEAR,
        db_index=True,
        help_text="Traffic Light Protocol 2.0: who may see this record.",
    )
    # TLP:AMBER is shared with these groups (and editors), TLP:AMBER+STRICT with these groups
    # only; see core.markings.marking_q for the whole rule.
    sharing_groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="shared_%(app_label)s_%(class)s",
        help_text="TLP:AMBER and AMBER+STRICT: the groups this record is shared with.",
    )
    # TLP:RED is for named recipients only; they may also see any other marking.
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="named_%(app_label)s_%(class)s",
        verbose_name="named recipients",
        help_text="TLP:RED: the people this record is shared with, by name.",
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


# ``_stored_parent_id`` when the stored parent is not known (a record built by hand).
DEFERRED_PARENT = object()


class ClosureTreeMixin(models.Model):
    """A tree kept in a closure table (its queryset a ``ClosureKeptQuerySet``): ``save()``
    gives a new record its rows and moves a moved record's whole subtree, in the same
    transaction. Put it after ``HierarchyMixin``, which refuses cycles first."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        """Save, and keep the closure right in the same transaction."""
        adding = self._state.adding
        stored = getattr(self, "_stored_parent_id", DEFERRED_PARENT)
        update_fields = kwargs.get("update_fields")
        writes_parent = update_fields is None or {"parent", "parent_id"} & set(update_fields)
        model = type(self)
        closure = model._default_manager.closure().objects
        with transaction.atomic():
            if not adding and writes_parent and stored is DEFERRED_PARENT:
                # Built by hand or loaded without its parent: read what is stored.
                stored = (
                    model._default_manager.filter(pk=self.pk)
                    .values_list("parent_id", flat=True)
                    .get()
                )
            super().save(*args, **kwargs)
            if adding:
                closure.add(self.pk, self.parent_id)
            elif writes_parent and stored != self.parent_id:
                closure.move(self.pk, self.parent_id)
        if writes_parent:
            self._stored_parent_id = self.parent_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The parent as stored, so that save() knows whether the record moved without a query.
        instance._stored_parent_id = instance.__dict__.get("parent_id", DEFERRED_PARENT)
        return instance


class ClosureBase(models.Model):
    """One pair (record, a record above it or itself) of a tree's closure table; a tree's own
    table derives from ``closure_of``, which adds the columns and their indexes."""

    # The foreign key to the record whose row it is (``unit``, ``location``).
    node_field = ""

    objects = ClosureQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.ancestor_id} › {getattr(self, f'{self.node_field}_id')} ({self.depth})"


def closure_of(
    tree: str, node: str, *, db_table: str = "", indexes: tuple[models.Index, ...] = ()
) -> type[ClosureBase]:
    """The abstract base of the closure table of ``tree`` ("app_label.Model"), whose rows
    name their record ``node``: the foreign keys ``node`` and ``ancestor`` and the ``depth``,
    each pair once, and the index of "everything below X".

    The constraint and index names are ``<node>_ancestor_…`` as the tables were created with.
    ``db_table`` and the extra ``indexes`` are the table's own Meta, given here: a model that
    declared a Meta of its own would lose the constraint and index.
    """
    meta = {
        "abstract": True,
        "constraints": [
            # Also the index for "is X above this record?" (checking a claim's units, say).
            models.UniqueConstraint(fields=[node, "ancestor"], name=f"{node}_ancestor_unique"),
        ],
        "indexes": [
            # "Every record below X": an index-only range scan.
            models.Index(fields=["ancestor", node], name=f"{node}_ancestor_below_idx"),
            *indexes,
        ],
    }
    if db_table:
        meta["db_table"] = db_table
    attrs = {
        "__module__": __name__,
        "node_field": node,
        # No index of their own: the constraint and the index above lead with each column.
        node: models.ForeignKey(
            tree, on_delete=models.CASCADE, related_name="ancestor_rows", db_index=False
        ),
        "ancestor": models.ForeignKey(
            tree, on_delete=models.CASCADE, related_name="descendant_rows", db_index=False
        ),
        # 0 for the record itself, 1 for its parent, and so on up.
        "depth": models.PositiveSmallIntegerField(),
        "Meta": type("Meta", (), meta),
    }
    name = f"{tree.rpartition('.')[2]}ClosureBase"
    return type(name, (ClosureBase,), attrs)


class HierarchyMixin(models.Model):
    """A record with a ``parent`` of its own kind; refuses cycles (see ``core.trees``)."""

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
