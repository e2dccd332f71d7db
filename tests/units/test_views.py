"""The unit page: chain of command, subordinate tree, claims of the whole subtree."""

import pytest

from tests.factories import ClaimFactory, UnitFactory, UnitInvolvementFactory
from units import views as unit_views
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_unit_page_needs_a_login(client):
    unit = UnitFactory()

    response = client.get(f"/units/{unit.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/units/{unit.pk}/"


def test_30th_mrb_page_shows_its_chain_subordinates_and_claims(
    client, viewer, demo, django_assert_max_num_queries
):
    """GIVEN the demo ORBAT (Central MD › 2nd CAA › 30th MRB › Storm detachment)
    WHEN a viewer opens the 30th MRB
    THEN the army and district are above it, the Storm detachment below, and the claims of
    both the brigade and the detachment are listed with their role."""
    client.force_login(viewer)
    brigade = Unit.objects.get(abbreviation="30th MRB")

    # session, user, unit, aliases, honorifics, subtree, claims + 6 prefetches, the
    # subtree's involvements, ORBAT chains of the page, the chain above the unit, sharing
    # groups, named recipients
    # (+1: the reader's groups, read once per request for the marking rule.)
    # (+2: the claims filter's size checks, the subtree's units and their first claim ids;
    # see ClaimQuerySet.involving_unit.)
    with django_assert_max_num_queries(22):
        response = client.get(f"/units/{brigade.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "2nd Combined Arms Army" in body and "Central Military District" in body
    assert "Storm penal detachment" in body
    assert "Storm detachment soldier shot six unarmed Ukrainian POWs" in body
    assert "30th MRB fighting near Pokrovsk since Fall 2024" in body
    assert "perpetrator" in body and "located" in body


def test_unit_page_cost_does_not_grow_with_claims(client, viewer, django_assert_max_num_queries):
    """GIVEN a brigade with twenty claims on itself and its subordinate companies
    THEN the page runs the same bounded number of queries as with one."""
    brigade = UnitFactory(name="1st Brigade")
    for n in range(10):
        company = UnitFactory(name=f"Company {n}", echelon="company", parent=brigade)
        UnitInvolvementFactory(unit=company, claim=ClaimFactory())
        UnitInvolvementFactory(unit=brigade, claim=ClaimFactory())
    client.force_login(viewer)

    # (+1: the reader's groups, read once per request for the marking rule.)
    # (+2: the claims filter's size checks.)
    with django_assert_max_num_queries(22):
        response = client.get(f"/units/{brigade.pk}/")

    assert len(response.context["claims"]) == 20
    assert len(response.context["tree"]) == 10


def test_a_large_subtree_shows_the_levels_that_fit(client, viewer, monkeypatch):
    """GIVEN an army of three brigades with four companies each WHEN its page allows six
    rows of the tree THEN the brigades alone are listed (the companies would not fit), and
    the page says how many units are below in all."""
    monkeypatch.setattr(unit_views, "MAX_TREE_ROWS", 6)
    army = UnitFactory(name="1st Army", echelon="army")
    for b in range(3):
        brigade = UnitFactory(name=f"Brigade {b}", echelon="brigade", parent=army)
        for c in range(4):
            UnitFactory(name=f"Company {b}.{c}", echelon="company", parent=brigade)
    client.force_login(viewer)

    response = client.get(f"/units/{army.pk}/")

    assert [node.name for node, _depth in response.context["tree"]] == [
        "Brigade 0",
        "Brigade 1",
        "Brigade 2",
    ]
    body = response.content.decode()
    assert "15 units below in all; the first 1 level here" in body
    assert "Company 0.0" not in body
    monkeypatch.setattr(unit_views, "MAX_TREE_ROWS", 15)
    assert len(client.get(f"/units/{army.pk}/").context["tree"]) == 15


def test_unit_page_leaves_out_red_claims(client, viewer):
    unit = UnitFactory()
    UnitInvolvementFactory(unit=unit, claim=ClaimFactory(title="Open claim"))
    UnitInvolvementFactory(unit=unit, claim=ClaimFactory(title="RED claim", marking="red"))
    client.force_login(viewer)

    body = client.get(f"/units/{unit.pk}/").content.decode()

    assert "Open claim" in body and "RED claim" not in body
