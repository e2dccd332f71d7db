"""The marking rule (TLP 2.0): which marked records a user may see, as a condition or a yes/no."""

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


def marking_signature(user) -> tuple:
    """Everything ``marking_q`` (and ``visible_to``) reads of ``user``: two users with the
    same signature get the same conditions, so a query built on them may be compiled once
    for both (``CompiledRows``). Keep it in step with ``marking_q``."""
    if not is_reader(user):
        return (False,)
    return (
        True,
        user.pk,
        user.is_superuser,
        sees_all_amber(user),
        tuple(sorted(user_groups(user))),
    )


def marking_q(user, model, path: str = "") -> Q | None:
    """The condition on ``model`` rows (reached through ``path``) that ``user`` may see.

    ``None`` means no restriction (superusers). The rule, TLP 2.0 as the analysts use it:
    CLEAR and GREEN for every logged-in user; AMBER for members of the record's sharing groups
    and for editors; AMBER+STRICT for members of its sharing groups only; RED for the people
    named on the record, who also see it whatever its marking. Sharing is tested with ``id IN
    (subquery)`` on the link tables, never a JOIN, so no row is repeated and no DISTINCT is
    needed before LIMIT.

    What it reads of the user is ``marking_signature``'s. The user's groups are read once per
    user object (``user_groups``) and written into the condition: the role part is decided
    here, a user in no group has no sharing-group part, and the sharing part names the group
    ids as constants, which PostgreSQL estimates from its statistics. With a subquery instead,
    it charged the subquery's cost once per row it would look up by key, and scanned
    instead: every publication for a page's citations
    (70-100 ms a page at 300,000 publications, 3.6 ms this way), every claim of a district's
    units (0.4 s a page at a million claims, 0.16 s this way).
    """
    prefix = f"{path}__" if path else ""
    if not is_reader(user):
        return Q(**{f"{prefix}pk__in": []})
    if user.is_superuser:
        return None
    # Built once per user object (a request reads claims, citations, publications and links,
    # often more than once): a condition is only read by the queries that resolve it.
    built = user.__dict__.setdefault("_claimtrace_marking_q", {})
    key = (model._meta.label, prefix)
    if key not in built:
        built[key] = _marking_condition(user, model, prefix)
    return built[key]


def _marking_condition(user, model, prefix: str) -> Q:
    named_field = model._meta.get_field("shared_with")
    named = named_field.remote_field.through.objects.filter(
        **{named_field.m2m_reverse_field_name(): user.pk}
    ).values(named_field.m2m_field_name())
    condition = Q(**{f"{prefix}marking__in": PUBLIC_MARKINGS}) | Q(**{f"{prefix}pk__in": named})
    if sees_all_amber(user):
        condition |= Q(**{f"{prefix}marking": Marking.AMBER})
    groups = user_groups(user)
    if groups:
        groups_field = model._meta.get_field("sharing_groups")
        shared_with_groups = groups_field.remote_field.through.objects.filter(
            **{f"{groups_field.m2m_reverse_field_name()}__in": sorted(groups)}
        ).values(groups_field.m2m_field_name())
        condition |= Q(
            **{f"{prefix}marking__in": GROUP_MARKINGS, f"{prefix}pk__in": shared_with_groups}
        )
    return condition


def may_see_marking(user, marking: str, group_ids: set[int], user_ids: set[int]) -> bool:
    """Whether ``user`` would see a record with this marking and sharing (before saving it).

    The same rule as ``marking_q``, for a record not written yet: writers may not mark a
    record so that they could no longer see it themselves.
    """
    if not is_reader(user):
        return False
    if user.is_superuser or marking in PUBLIC_MARKINGS or user.pk in user_ids:
        return True
    if marking in GROUP_MARKINGS and user_groups(user).keys() & group_ids:
        return True
    return marking == Marking.AMBER and sees_all_amber(user)


def restrict_marked(queryset: models.QuerySet, user, path: str) -> models.QuerySet:
    """``queryset`` without rows whose marked record at ``path`` ``user`` may not see."""
    model = queryset.model
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    condition = marking_q(user, model, path)
    return queryset if condition is None else queryset.filter(condition)
