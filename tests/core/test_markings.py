"""The TLP 2.0 rule behind ``visible_to``: sharing groups, editors, named recipients."""

import pytest
from django.contrib.auth.models import Group

from claims.models import Citation, Claim
from sources.models import Publication
from tests.factories import ClaimFactory, ClaimRelationFactory, PublicationFactory, UserFactory


@pytest.fixture
def team(db):
    """A sharing group ("Kursk cell") and one of its members, who holds no role."""
    group = Group.objects.create(name="Kursk cell")
    member = UserFactory(username="member")
    member.groups.add(group)
    return group, member


def _claims(group, named):
    marked = {}
    for marking in ("clear", "green", "amber", "amber+strict", "red"):
        marked[marking] = ClaimFactory(marking=marking)
    shared_amber = ClaimFactory(marking="amber")
    shared_strict = ClaimFactory(marking="amber+strict")
    red_named = ClaimFactory(marking="red")
    for claim in (shared_amber, shared_strict):
        claim.sharing_groups.add(group)
    red_named.shared_with.add(named)
    return marked, shared_amber, shared_strict, red_named


def test_each_persona_sees_exactly_what_tlp_allows(team, viewer, editor, outsider, superuser):
    """GIVEN claims of every marking, an AMBER and an AMBER+STRICT one shared with a group,
    and a RED one naming the group's member
    THEN outsiders and viewers see CLEAR and GREEN; the member adds the group's AMBER and
    AMBER+STRICT claims and the RED claim naming them; editors add every AMBER claim but no
    AMBER+STRICT or RED one; superusers see all."""
    group, member = team
    marked, shared_amber, shared_strict, red_named = _claims(group, member)
    public = {marked["clear"], marked["green"]}

    def seen(user):
        return set(Claim.objects.visible_to(user))

    assert seen(outsider) == public
    assert seen(viewer) == public
    assert seen(member) == public | {shared_amber, shared_strict, red_named}
    assert seen(editor) == public | {marked["amber"], shared_amber}
    assert seen(superuser) == set(Claim.objects.all())


def test_a_record_shared_with_two_of_my_groups_is_listed_once(team):
    group, member = team
    other = Group.objects.create(name="Donetsk cell")
    member.groups.add(other)
    claim = ClaimFactory(marking="amber")
    claim.sharing_groups.add(group, other)

    assert list(Claim.objects.visible_to(member)) == [claim]


def test_citations_follow_the_publications_sharing(team, viewer):
    """GIVEN a CLEAR claim cited by an AMBER+STRICT publication shared with a group
    THEN the citation is visible to the group's member and absent for a viewer."""
    group, member = team
    publication = PublicationFactory(marking="amber+strict")
    publication.sharing_groups.add(group)
    citation = Citation.objects.create(claim=ClaimFactory(), publication=publication)

    assert list(Citation.objects.visible_to(member)) == [citation]
    assert not Citation.objects.visible_to(viewer).exists()
    assert list(Publication.objects.visible_to(member)) == [publication]


def test_the_api_refuses_a_marking_that_would_hide_the_record_from_its_writer(editor_api):
    response = editor_api.post(
        "/api/claims/",
        {"title": "x", "statement": "y", "kind": "event", "marking": "amber+strict"},
    )

    assert response.status_code == 400
    assert "sharing_groups" in response.json()["marking"][0]
    assert not Claim.objects.exists()


def test_the_api_reads_and_writes_sharing_by_name(team, editor, editor_api):
    group, _member = team
    editor.groups.add(group)
    response = editor_api.post(
        "/api/claims/",
        {
            "title": "x",
            "statement": "y",
            "kind": "event",
            "marking": "amber+strict",
            "sharing_groups": ["Kursk cell"],
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["sharing_groups"] == ["Kursk cell"]
    assert list(Claim.objects.get().sharing_groups.all()) == [group]


def test_a_listed_claim_shows_only_the_evidence_and_links_the_reader_may_see(team, viewer_api):
    """GIVEN a CLEAR claim cited by a CLEAR, an AMBER+STRICT and an archived publication, with
    an archived citation, and linked to a CLEAR, a RED and an archived claim
    WHEN a viewer lists and reads it (``with_related`` prefetches without re-checking the
    page's own claims)
    THEN only the CLEAR publication's citation and the link to the CLEAR claim appear."""
    claim = ClaimFactory(title="the listed claim")
    shown = Citation.objects.create(claim=claim, publication=PublicationFactory())
    Citation.objects.create(claim=claim, publication=PublicationFactory(marking="amber+strict"))
    gone = PublicationFactory()
    Citation.objects.create(claim=claim, publication=gone)
    gone.archive()
    Citation.objects.create(claim=claim, publication=PublicationFactory()).archive()
    public, red, archived = ClaimFactory(), ClaimFactory(marking="red"), ClaimFactory()
    for other in (public, red, archived):
        ClaimRelationFactory(from_claim=claim, to_claim=other)
    archived.archive()

    listed = viewer_api.get("/api/claims/", {"search": "listed"}).json()["results"]
    detail = viewer_api.get(f"/api/claims/{claim.pk}/").json()

    for row in (*listed, detail):
        assert row["id"] == claim.pk
        assert [c["id"] for c in row["citations"]] == [shown.pk]
        assert [r["claim"]["id"] for r in row["related"]] == [public.pk]
