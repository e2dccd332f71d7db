"""Claim rules: fuzzy date ranges, constraints, visibility, evidence protection, filters."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims import querysets as claim_querysets
from claims.models import Citation, Claim, ClaimRelation, Quantity
from places.models import Location
from sources.models import PublicationPerson
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    QuantityFactory,
    SourceFactory,
    UnitFactory,
    UnitInvolvementFactory,
)

pytestmark = pytest.mark.django_db


def test_a_month_is_stored_as_the_whole_month():
    claim = ClaimFactory(occurred_start=dt.date(2024, 10, 12), occurred_precision="month")
    assert (claim.occurred_start, claim.occurred_end) == (
        dt.date(2024, 10, 1),
        dt.date(2024, 10, 31),
    )
    assert claim.occurred_display == "October 2024"


def test_since_fall_is_an_open_range():
    claim = ClaimFactory(
        occurred_start=dt.date(2024, 9, 1), occurred_precision="season", ongoing=True
    )
    assert claim.occurred_end is None
    assert claim.occurred_display == "since Fall 2024"


def test_a_range_of_months_is_displayed_as_a_range():
    claim = ClaimFactory(
        occurred_start=dt.date(2024, 8, 1),
        occurred_end=dt.date(2024, 10, 3),
        occurred_precision="month",
    )
    assert claim.occurred_end == dt.date(2024, 10, 31)
    assert claim.occurred_display == "August 2024 – October 2024"


def test_an_end_before_the_start_is_a_form_error():
    claim = Claim(
        title="Backwards",
        statement="x",
        occurred_start=dt.date(2024, 10, 1),
        occurred_end=dt.date(2024, 9, 1),
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "occurred_end" in error.value.message_dict


def test_the_database_refuses_an_end_before_the_start():
    claim = ClaimFactory(occurred_start=dt.date(2024, 10, 1), occurred_precision="day")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(occurred_end=dt.date(2024, 9, 1))


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "maybe"), ("kind", "rumour"), ("confidence", "probably"), ("marking", "TLP:BLUE")],
)
def test_the_database_refuses_values_outside_the_vocabularies(field, value):
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(**{field: value})


@pytest.mark.parametrize("credibility", [0, 7])
def test_the_database_refuses_a_credibility_outside_1_to_6(credibility):
    with pytest.raises(IntegrityError), transaction.atomic():
        CitationFactory(credibility=credibility)


def test_quantity_range_must_be_ordered():
    with pytest.raises(IntegrityError), transaction.atomic():
        QuantityFactory(low=15, high=10)


def test_quantity_reads_like_the_report():
    quantity = QuantityFactory(
        measure="killed or seriously wounded",
        low=Decimal("4000"),
        approximate=True,
        unit_of_measure="persons",
    )
    assert str(quantity) == "killed or seriously wounded: about 4,000 persons"
    ranged = Quantity(measure="margin of error", low=500, high=1500, unit_of_measure="m")
    assert str(ranged) == "margin of error: 500–1,500 m"


def test_a_claim_with_citations_cannot_be_deleted():
    citation = CitationFactory()
    with pytest.raises(ProtectedError):
        citation.claim.delete()
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_a_claim_cannot_relate_to_itself():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(from_claim=claim, to_claim=claim, kind="supports")


def test_location_cycle_is_refused():
    oblast = LocationFactory(name="Donetsk Oblast", kind="region")
    town = LocationFactory(name="Pokrovsk", parent=oblast)
    oblast.parent = town
    with pytest.raises(ValidationError):
        oblast.save()


def test_location_needs_both_coordinates():
    place = Location(name="Robotyne", kind="settlement", latitude=Decimal("47.45"))
    with pytest.raises(ValidationError):
        place.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(name="Nowhere", kind="site", latitude=91, longitude=0)


def test_visible_to_honours_markings(superuser, analyst, editor):
    clear = ClaimFactory(marking="clear")
    amber = ClaimFactory(marking="amber")
    red = ClaimFactory(marking="red")
    assert set(Claim.objects.visible_to(superuser)) == {clear, amber, red}
    assert set(Claim.objects.visible_to(editor)) == {clear, amber}
    assert set(Claim.objects.visible_to(analyst)) == {clear}
    assert not Claim.objects.visible_to(AnonymousUser()).exists()


def test_citations_of_hidden_publications_are_left_out_of_nested_lists(analyst):
    claim = ClaimFactory()
    shown = CitationFactory(claim=claim)
    CitationFactory(claim=claim, publication=PublicationFactory(marking="red"))
    loaded = Claim.objects.with_related(user=analyst).get(pk=claim.pk)
    assert list(loaded.citations.all()) == [shown]


def test_with_related_loads_a_page_in_a_fixed_number_of_queries(django_assert_num_queries):
    for _ in range(5):
        claim = ClaimFactory()
        CitationFactory(claim=claim)
        UnitInvolvementFactory(claim=claim)
    # claims, topics, locations, quantities, citations+publication+source, involvements+unit,
    # relations, sharing groups, named recipients: 9 queries whatever the number of claims.
    with django_assert_num_queries(9):
        claims = list(Claim.objects.with_related())
        for claim in claims:
            _ = [c.publication.source.name for c in claim.citations.all()]
            _ = [i.unit.name for i in claim.involvements.all()]
    assert len(claims) == 5


# (FEW_UNITS, FEW_INVOLVEMENTS) forcing each shape of the unit filter on a small ORBAT.
UNIT_FILTER_SHAPES = {
    "claim ids": (1000, 1000),
    "unit ids": (1000, 0),
    "closure subquery": (0, 0),
}


@pytest.mark.parametrize(
    ("few_units", "few_involvements"), UNIT_FILTER_SHAPES.values(), ids=UNIT_FILTER_SHAPES
)
def test_involving_unit_with_subordinates(monkeypatch, few_units, few_involvements):
    """GIVEN district › army › brigade › battalion, a claim about each unit below the district
    and one about another unit WHEN claims involving the district or the army are asked for
    THEN each shape the filter takes (by size) finds the same claims, at any depth."""
    monkeypatch.setattr(claim_querysets, "FEW_UNITS", few_units)
    monkeypatch.setattr(claim_querysets, "FEW_INVOLVEMENTS", few_involvements)
    district = UnitFactory(name="Central Military District", echelon="military_district")
    army = UnitFactory(name="2nd Combined Arms Army", echelon="army", parent=district)
    brigade = UnitFactory(parent=army)
    battalion = UnitFactory(echelon="battalion", parent=brigade)
    about_army = UnitInvolvementFactory(unit=army).claim
    about_brigade = UnitInvolvementFactory(unit=brigade).claim
    about_battalion = UnitInvolvementFactory(unit=battalion).claim
    UnitInvolvementFactory(claim=about_battalion, unit=brigade)  # two units below: once
    UnitInvolvementFactory()  # another unit's claim

    below_district = Claim.objects.involving_unit(district.pk, include_subordinates=True)
    assert sorted(below_district, key=lambda claim: claim.pk) == [
        about_army,
        about_brigade,
        about_battalion,
    ]
    assert set(Claim.objects.involving_unit(army.pk)) == {about_army}
    assert not Claim.objects.involving_unit(district.pk).exists()
    assert set(Claim.objects.involving_unit(brigade.pk, include_subordinates=True)) == {
        about_brigade,
        about_battalion,
    }


def test_a_large_subtree_is_a_subquery_on_the_closure(monkeypatch):
    """GIVEN a subtree larger than FEW_UNITS WHEN claims below it are asked for THEN the
    filter is one statement on the closure table, no recursive query and no id list."""
    monkeypatch.setattr(claim_querysets, "FEW_UNITS", 1)
    army = UnitFactory(name="2nd Combined Arms Army", echelon="army")
    UnitFactory(parent=army)
    sql = str(Claim.objects.involving_unit(army.pk, include_subordinates=True).query)
    assert "units_unitancestor" in sql
    assert "RECURSIVE" not in sql


def test_at_location_includes_places_inside():
    oblast = LocationFactory(name="Zaporizhia Oblast", kind="region")
    village = LocationFactory(name="Robotyne", parent=oblast)
    claim = ClaimFactory()
    claim.locations.add(village)
    assert list(Claim.objects.at_location(oblast.pk)) == [claim]
    assert not Claim.objects.at_location(oblast.pk, include_inside=False).exists()


def test_cited_from_source_includes_its_people():
    gur = SourceFactory(name="GUR", kind="intelligence")
    budanov = SourceFactory(name="Kyrylo Budanov", kind="person", affiliation=gur)
    claim = CitationFactory(publication=PublicationFactory(source=budanov)).claim
    CitationFactory()
    assert list(Claim.objects.cited_from_source(gur.pk)) == [claim]


def test_cited_from_source_lists_each_claim_once_and_reads_no_recursive_query():
    """GIVEN a claim citing two reports of a source and one quoting its spokesman WHEN claims
    are filtered by the source THEN the claim comes once, and the query checks citations with
    EXISTS on id lists read first (PostgreSQL estimates those; a recursive query it guessed
    at made the filter take seconds at a million claims)."""
    ministry = SourceFactory(name="Ministry of Defence", kind="government")
    spokesman = SourceFactory(name="Spokesman", kind="person", affiliation=ministry)
    claim = ClaimFactory()
    for publication in (PublicationFactory(source=ministry), PublicationFactory(source=ministry)):
        CitationFactory(claim=claim, publication=publication)
    quoting = PublicationFactory()
    PublicationPerson.objects.create(publication=quoting, person=spokesman, role="quoted")
    CitationFactory(claim=claim, publication=quoting)

    found = Claim.objects.cited_from_source(ministry.pk)

    assert list(found) == [claim]
    sql = str(found.query)
    assert "EXISTS" in sql and "RECURSIVE" not in sql


def test_occurred_filters_compare_whole_periods():
    october = ClaimFactory(occurred_start=dt.date(2024, 10, 1), occurred_precision="month")
    ongoing = ClaimFactory(
        occurred_start=dt.date(2024, 9, 1), occurred_precision="season", ongoing=True
    )
    assert set(Claim.objects.occurred_after(dt.date(2024, 10, 31))) == {october, ongoing}
    assert set(Claim.objects.occurred_after(dt.date(2024, 11, 1))) == {ongoing}
    assert set(Claim.objects.occurred_before(dt.date(2024, 9, 30))) == {ongoing}


def test_cited_from_source_follows_the_affiliation_tree_and_people_quoted():
    """GIVEN Budanov speaks for GUR, which belongs to the Ministry of Defence, and Budanov is
    interviewed in a Chosun Ilbo article
    WHEN filtering claims by the ministry or by GUR
    THEN the claim citing the interview is found; the outlet's own claims are found by the
    outlet, not by GUR."""
    ministry = SourceFactory(name="Ministry of Defence", kind="government")
    gur = SourceFactory(name="GUR", kind="intelligence", affiliation=ministry)
    budanov = SourceFactory(name="Kyrylo Budanov", kind="person", affiliation=gur)
    interview = PublicationFactory(source=SourceFactory(name="Chosun Ilbo"))
    PublicationPerson.objects.create(publication=interview, person=budanov, role="interviewed")
    claim = CitationFactory(publication=interview).claim
    CitationFactory()
    assert list(Claim.objects.cited_from_source(ministry.pk)) == [claim]
    assert list(Claim.objects.cited_from_source(gur.pk)) == [claim]
    assert list(Claim.objects.cited_from_source(interview.source.pk)) == [claim]
    assert not Claim.objects.cited_from_source(SourceFactory().pk).exists()
