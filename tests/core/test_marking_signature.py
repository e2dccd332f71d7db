"""The marking rule is a function of ``MarkingSignature`` (what it reads about a user), and that
signature is the key of everything built from the rule: the two cannot fall out of step."""

from dataclasses import fields, replace

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import EmptyResultSet

from claims.models import Claim
from core.markings import MarkingSignature, marking_q, marking_signature, may_see_marking
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKINGS = ("clear", "green", "amber", "amber+strict", "red")


@pytest.fixture
def shared():
    """A sharing group, a member named on a RED claim, and claims of every marking, each
    unshared, shared with the group, and naming the member."""
    group = Group.objects.create(name="Kursk cell")
    member = UserFactory(username="member")
    member.groups.add(group)
    for marking in MARKINGS:
        ClaimFactory(marking=marking)
        ClaimFactory(marking=marking).sharing_groups.add(group)
        ClaimFactory(marking=marking).shared_with.add(member)
    return group, member


def _seen(signature: MarkingSignature) -> set[int]:
    condition = signature.condition(Claim)
    claims = Claim.objects.all() if condition is None else Claim.objects.filter(condition)
    return set(claims.values_list("pk", flat=True))


def _allowed(signature: MarkingSignature) -> set[int]:
    """The claims ``may_see`` (the rule for a record not saved yet) lets through."""
    return {
        claim.pk
        for claim in Claim.objects.prefetch_related("sharing_groups", "shared_with")
        if signature.may_see(
            claim.marking,
            {group.pk for group in claim.sharing_groups.all()},
            {user.pk for user in claim.shared_with.all()},
        )
    }


def _sql(condition) -> str | None:
    """The SQL ``condition`` filters claims with (None: no condition, "": no row)."""
    if condition is None:
        return None
    try:
        return str(Claim.objects.filter(condition).query)
    except EmptyResultSet:
        return ""


def test_every_fact_of_the_signature_changes_what_the_rule_lets_through(shared):
    """GIVEN a member of a sharing group and, for each field of the signature, the same
    signature with only that field changed WHEN the rule runs on each THEN the two see
    different claims and have different keys; the condition and ``may_see`` agree on each.
    A field added to the signature needs its case here, so none is a key the rule ignores."""
    group, member = shared
    base = MarkingSignature(reader=True, user_id=member.pk, group_ids=(group.pk,))
    changed = {
        "reader": replace(base, reader=False),
        "user_id": replace(base, user_id=member.pk + 1000),
        "superuser": replace(base, superuser=True),
        "all_amber": replace(base, all_amber=True),
        "group_ids": replace(base, group_ids=()),
    }
    assert set(changed) == {field.name for field in fields(MarkingSignature)}
    for name, other in changed.items():
        assert other != base and hash(other) != hash(base), name
        assert _seen(other) != _seen(base), name
        assert _seen(other) == _allowed(other), name
    assert _seen(base) == _allowed(base)


def test_a_users_rule_is_their_signatures_rule(shared, viewer, editor, outsider, superuser):
    """GIVEN personas with every kind of fact about them (roles, a sharing group, named on a
    record, superuser, staff, inactive) WHEN their conditions are built THEN each is the one
    the signature alone builds, and ``may_see_marking`` answers as the signature's
    ``may_see``: the rule reads nothing of a user beyond the signature."""
    group, member = shared
    staff = UserFactory(username="staff", is_staff=True)
    inactive = UserFactory(username="inactive", is_active=False)
    for user in (member, viewer, editor, outsider, superuser, staff, inactive, None):
        signature = marking_signature(user)
        assert _sql(marking_q(user, Claim)) == _sql(signature.condition(Claim)), user
        for marking in MARKINGS:
            for group_ids in (set(), {group.pk}):
                for user_ids in (set(), {member.pk}):
                    assert may_see_marking(user, marking, group_ids, user_ids) == signature.may_see(
                        marking, group_ids, user_ids
                    )


def test_users_whose_facts_differ_have_different_signatures(shared, viewer, editor, outsider):
    """GIVEN users that differ in one fact each (groups, role, superuser, active, who they are)
    THEN their signatures, the keys of compiled queries, all differ; anyone not logged in
    shares one."""
    _group, member = shared
    other_outsider = UserFactory(username="other outsider")
    inactive = UserFactory(username="inactive", is_active=False)
    boss = UserFactory(username="boss", is_superuser=True)
    readers = (member, viewer, editor, outsider, other_outsider, boss)
    signatures = {marking_signature(user) for user in readers}
    assert len(signatures) == len(readers)
    assert marking_signature(inactive) == marking_signature(None) == MarkingSignature()
