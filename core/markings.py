"""The marking rule (TLP 2.0): which marked records a user may see, as a condition or a yes/no."""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .choices import Marking
from .roles import ADMIN, EDITOR, is_reader, role_names, user_groups

# Markings every logged-in user may see (TLP 2.0: CLEAR is public, GREEN is for the community).
PUBLIC_MARKINGS = (Marking.CLEAR, Marking.GREEN)
# Markings a sharing group opens; AMBER is also open to editors, AMBER+STRICT is not.
GROUP_MARKINGS = (Marking.AMBER, Marking.AMBER_STRICT)

# Roles that see every TLP:AMBER record.
AMBER_ROLES = (EDITOR, ADMIN)


def sees_all_amber(user) -> bool:
    """Editors and admins see every TLP:AMBER record, not only their groups' ones."""
    return bool(role_names(user) & set(AMBER_ROLES))


@dataclass(frozen=True)
class MarkingSignature:
    """What the marking rule reads about a user, and all it reads: the rule is this object's
    methods, so the object is also the key of whatever is built from the rule.

    Two users with equal signatures get the same conditions, so a query built on them is
    compiled once for both (``CompiledRows``). A fact the rule needs has to be a field here
    to be read at all, and every field is part of the key: the two cannot fall out of step.
    """

    # Logged in and active: anyone else sees nothing marked (``is_reader``).
    reader: bool = False
    user_id: int | None = None
    superuser: bool = False
    # An editor or admin (``AMBER_ROLES``): every TLP:AMBER record.
    all_amber: bool = False
    # The user's groups (roles and sharing groups), sorted.
    group_ids: tuple[int, ...] = ()

    def condition(self, model: type[models.Model], prefix: str = "") -> Q | None:
        """The condition on ``model`` rows (``prefix``: the path to them, ``"…__"``) that
        this reader may see; ``None`` means no restriction (superusers)."""
        if not self.reader:
            return Q(**{f"{prefix}pk__in": []})
        if self.superuser:
            return None
        named_field = model._meta.get_field("shared_with")
        named = named_field.remote_field.through.objects.filter(
            **{named_field.m2m_reverse_field_name(): self.user_id}
        ).values(named_field.m2m_field_name())
        condition = Q(**{f"{prefix}marking__in": PUBLIC_MARKINGS}) | Q(**{f"{prefix}pk__in": named})
        if self.all_amber:
            condition |= Q(**{f"{prefix}marking": Marking.AMBER})
        if self.group_ids:
            groups_field = model._meta.get_field("sharing_groups")
            shared_with_groups = groups_field.remote_field.through.objects.filter(
                **{f"{groups_field.m2m_reverse_field_name()}__in": list(self.group_ids)}
            ).values(groups_field.m2m_field_name())
            condition |= Q(
                **{f"{prefix}marking__in": GROUP_MARKINGS, f"{prefix}pk__in": shared_with_groups}
            )
        return condition

    def may_see(self, marking: str, group_ids: set[int], user_ids: set[int]) -> bool:
        """Whether this reader would see a record with this marking and sharing: the same
        rule as ``condition``, for a record not written yet."""
        if not self.reader:
            return False
        if self.superuser or marking in PUBLIC_MARKINGS or self.user_id in user_ids:
            return True
        if marking in GROUP_MARKINGS and set(self.group_ids) & group_ids:
            return True
        return marking == Marking.AMBER and self.all_amber


def marking_signature(user) -> MarkingSignature:
    """What the marking rule reads of ``user`` (its groups read once per user object)."""
    if not is_reader(user):
        return MarkingSignature()
    if user.is_superuser:
        # The rule lets a superuser see everything: nothing else of them is read, not even
        # their groups (a query), and every superuser shares the one compiled query.
        return MarkingSignature(reader=True, superuser=True)
    return MarkingSignature(
        reader=True,
        user_id=user.pk,
        superuser=user.is_superuser,
        all_amber=sees_all_amber(user),
        group_ids=tuple(sorted(user_groups(user))),
    )


def marking_q(user, model, path: str = "") -> Q | None:
    """The condition on ``model`` rows (reached through ``path``) that ``user`` may see.

    ``None`` means no restriction (superusers). The rule, TLP 2.0 as the analysts use it:
    CLEAR and GREEN for every logged-in user; AMBER for members of the record's sharing groups
    and for editors; AMBER+STRICT for members of its sharing groups only; RED for the people
    named on the record, who also see it whatever its marking. Sharing is tested with ``id IN
    (subquery)`` on the link tables, never a JOIN, so no row is repeated and no DISTINCT is
    needed before LIMIT.

    The rule itself is ``MarkingSignature.condition``, on what it reads of the user. The
    user's groups are read once per user object (``user_groups``) and written into the
    condition: the role part is decided here, a user in no group has no sharing-group part,
    and the sharing part names the group ids as constants, which PostgreSQL estimates from
    its statistics. With a subquery instead, it charged the subquery's cost once per row it
    would look up by key, and scanned instead: every publication for a page's citations,
    every claim of a district's units (measured in bench/README.md).
    """
    prefix = f"{path}__" if path else ""
    signature = marking_signature(user)
    if not signature.reader or signature.superuser:
        return signature.condition(model, prefix)
    # Built once per user object (a request reads claims, citations, publications and links,
    # often more than once): a condition is only read by the queries that resolve it. Keyed
    # by the signature too, so a user object whose facts changed gets its new condition.
    built = user.__dict__.setdefault("_claimtrace_marking_q", {})
    key = (signature, model._meta.label, prefix)
    if key not in built:
        built[key] = signature.condition(model, prefix)
    return built[key]


def may_see_marking(user, marking: str, group_ids: set[int], user_ids: set[int]) -> bool:
    """Whether ``user`` would see a record with this marking and sharing (before saving it).

    The same rule as ``marking_q``, for a record not written yet: writers may not mark a
    record so that they could no longer see it themselves.
    """
    return marking_signature(user).may_see(marking, group_ids, user_ids)


def restrict_marked(queryset: models.QuerySet, user, path: str) -> models.QuerySet:
    """``queryset`` without rows whose marked record at ``path`` ``user`` may not see."""
    model = queryset.model
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    condition = marking_q(user, model, path)
    return queryset if condition is None else queryset.filter(condition)
