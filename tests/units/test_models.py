"""Unit rules: the ORBAT hierarchy, cycles refused, tree queries in one statement."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.models import UnitInvolvement
from tests.factories import UnitFactory, UnitInvolvementFactory
from units.models import Unit, UnitHonorific

pytestmark = pytest.mark.django_db


@pytest.fixture
def orbat():
    """Central MD › 2nd CAA › 30th MRB › Storm detachment, plus an unrelated fleet."""
    district = UnitFactory(
        name="Central Military District", abbreviation="Central MD", echelon="military_district"
    )
    army = UnitFactory(
        name="2nd Combined Arms Army", abbreviation="2nd CAA", echelon="army", parent=district
    )
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", abbreviation="30th MRB", parent=army)
    storm = UnitFactory(name="Storm detachment", echelon="detachment", parent=brigade)
    fleet = UnitFactory(name="Pacific Fleet", echelon="fleet")
    return {"district": district, "army": army, "brigade": brigade, "storm": storm, "fleet": fleet}


def test_ancestors_nearest_first(orbat, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain = orbat["storm"].ancestors()
    assert chain == [orbat["brigade"], orbat["army"], orbat["district"]]


def test_descendants_at_any_depth(orbat, django_assert_num_queries):
    with django_assert_num_queries(1):
        below = set(orbat["district"].descendants())
    assert below == {orbat["army"], orbat["brigade"], orbat["storm"]}
    assert set(Unit.objects.descendants_of(orbat["brigade"])) == {orbat["brigade"], orbat["storm"]}


def test_orbat_path_uses_abbreviations(orbat):
    assert orbat["brigade"].orbat_path() == "30th MRB › 2nd CAA › Central MD"


def test_orbat_paths_for_a_page_in_one_query(orbat, django_assert_num_queries):
    ids = [unit.pk for unit in orbat.values()]
    with django_assert_num_queries(1):
        paths = Unit.objects.orbat_paths(ids)
    assert paths[orbat["storm"].pk] == "Storm detachment › 30th MRB › 2nd CAA › Central MD"
    assert paths[orbat["fleet"].pk] == "Pacific Fleet"


def test_a_unit_cannot_be_its_own_parent(orbat):
    brigade = orbat["brigade"]
    brigade.parent = brigade
    with pytest.raises(ValidationError) as error:
        brigade.full_clean()
    assert "parent" in error.value.message_dict


def test_a_cycle_through_descendants_is_refused_on_clean_and_on_save(orbat):
    """GIVEN district › army › brigade › storm
    WHEN the district is put under the Storm detachment
    THEN validation and save both refuse, and the database is unchanged."""
    district = orbat["district"]
    district.parent = orbat["storm"]
    with pytest.raises(ValidationError) as error:
        district.full_clean()
    assert "cycle" in error.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        district.save()
    district.refresh_from_db()
    assert district.parent is None


def test_moving_a_unit_sideways_is_allowed(orbat):
    orbat["brigade"].parent = orbat["fleet"]
    orbat["brigade"].full_clean()
    orbat["brigade"].save()
    assert orbat["fleet"] in orbat["storm"].ancestors()


def test_database_refuses_a_self_parent_written_around_the_model(orbat):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=orbat["army"].pk).update(parent=orbat["army"].pk)


def test_tree_queries_stop_on_a_cycle_written_in_raw_sql(orbat):
    """A cycle that bypassed validation must not make the recursive queries loop forever."""
    Unit.objects.filter(pk=orbat["district"].pk).update(parent=orbat["storm"].pk)
    assert set(orbat["district"].descendants()) == {orbat["army"], orbat["brigade"], orbat["storm"]}
    assert 3 < len(orbat["army"].ancestors()) <= 64


def test_unit_names_are_unique_under_a_parent_and_at_the_top(orbat):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            name="Storm detachment", country="RU", echelon="detachment", parent=orbat["brigade"]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Pacific Fleet", country="RU", echelon="fleet")
    # The same name under another parent is a different unit.
    Unit.objects.create(
        name="Storm detachment", country="RU", echelon="detachment", parent=orbat["army"]
    )


def test_database_refuses_unknown_echelon():
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="Odd", country="RU", echelon="legion")


def test_a_unit_with_claims_or_children_cannot_be_deleted(orbat):
    involvement = UnitInvolvementFactory(unit=orbat["fleet"], role=UnitInvolvement.Role.ATTRIBUTED)
    with pytest.raises(ProtectedError):
        orbat["fleet"].delete()
    with pytest.raises(ProtectedError):
        orbat["brigade"].delete()  # the Storm detachment is below it
    assert UnitInvolvement.objects.filter(pk=involvement.pk).exists()


def test_honorific_date_is_normalised_to_its_period(orbat):
    honorific = UnitHonorific.objects.create(
        unit=orbat["brigade"],
        title="Guards",
        awarded_on=dt.date(2024, 7, 15),
        awarded_precision="month",
    )
    assert honorific.awarded_on == dt.date(2024, 7, 1)
    assert str(honorific) == "“Guards” (July 2024)"
