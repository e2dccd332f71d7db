"""Unit rules: the ORBAT hierarchy, cycles refused, tree queries in one statement, the closure
table kept right on every write."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from claims.models import UnitInvolvement
from tests.closure import stored_closure, walked_closure
from tests.factories import UnitFactory, UnitInvolvementFactory
from units.models import Unit, UnitAncestor, UnitHonorific

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
    """A cycle that bypassed validation must not make the tree queries loop forever: the
    closure rebuilt after update() holds each unit of the cycle once."""
    Unit.objects.filter(pk=orbat["district"].pk).update(parent=orbat["storm"].pk)
    assert set(orbat["district"].descendants()) == {orbat["army"], orbat["brigade"], orbat["storm"]}
    assert orbat["army"].ancestors() == [orbat["district"], orbat["storm"], orbat["brigade"]]


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


# -- the closure table (UnitAncestor)


def test_closure_rows_of_new_units(orbat):
    """GIVEN units created through save() THEN each has a row for itself and one per unit
    above it, with the distance."""
    assert (orbat["storm"].pk, orbat["district"].pk, 3) in stored_closure(UnitAncestor)
    assert (orbat["fleet"].pk, orbat["fleet"].pk, 0) in stored_closure(UnitAncestor)
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)
    assert len(stored_closure(UnitAncestor)) == 4 + 3 + 2 + 1 + 1


def test_moving_a_unit_moves_its_whole_subtree(orbat, django_assert_max_num_queries):
    """GIVEN district › army › brigade › storm WHEN the brigade moves under the fleet
    THEN the brigade and the Storm detachment leave the district and the army and are below
    the fleet, in the save's own transaction."""
    brigade = orbat["brigade"]
    brigade.parent = orbat["fleet"]
    # The cycle check, the save and its history, and two statements for the whole subtree.
    with django_assert_max_num_queries(8):
        brigade.save()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)
    assert set(orbat["district"].descendants()) == {orbat["army"]}
    assert set(orbat["fleet"].descendants()) == {orbat["brigade"], orbat["storm"]}


def test_moving_a_unit_to_the_top_and_back(orbat):
    army = orbat["army"]
    army.parent = None
    army.save()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)
    assert not orbat["district"].descendants().exists()
    army.parent = orbat["fleet"]
    army.save()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)


def test_saving_without_moving_leaves_the_closure_alone(orbat):
    """A plain edit of a loaded unit costs no closure statement; one saved from a hand-built
    instance (its stored parent unknown) reads it first and moves the subtree if needed."""
    brigade = Unit.objects.get(pk=orbat["brigade"].pk)
    brigade.description = "Formed in 2009."
    with CaptureQueriesContext(connection) as queries:
        brigade.save()
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert not any("unitancestor" in sql for sql in writes)

    moved = Unit.objects.only("pk", "name", "version").get(pk=orbat["storm"].pk)
    moved.parent_id = orbat["army"].pk
    moved.save()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)


def test_deleting_a_unit_deletes_its_rows(orbat):
    storm = orbat["storm"].pk
    orbat["storm"].delete()
    assert not UnitAncestor.objects.filter(unit=storm).exists()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)


def test_rebuild_and_writes_around_save_keep_it_right(orbat):
    """GIVEN rows lost or written around save() (bulk_create, update()) THEN the closure is
    recomputed: rebuild() from the parents alone, and after those two bulk paths."""
    UnitAncestor.objects.all().delete()
    UnitAncestor.objects.rebuild()
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)

    Unit.objects.bulk_create([Unit(name="1st Battalion", country="RU", echelon="battalion")])
    Unit.objects.filter(name="1st Battalion").update(parent=orbat["storm"])
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)
    assert Unit.objects.get(name="1st Battalion") in orbat["district"].descendants()


def test_rebuild_stops_on_a_cycle_written_in_raw_sql(orbat):
    Unit.objects.filter(pk=orbat["district"].pk).update(parent=orbat["storm"].pk)
    rows = stored_closure(UnitAncestor)
    # Every pair of the cycle once, at its nearest distance.
    assert (orbat["district"].pk, orbat["storm"].pk, 1) in rows
    assert (orbat["storm"].pk, orbat["district"].pk, 3) in rows
    assert len({(unit, ancestor) for unit, ancestor, _ in rows}) == len(rows)


def test_the_migration_fills_the_closure_of_existing_units(orbat):
    """GIVEN units written before the closure existed WHEN the migration's fill runs THEN
    every unit has its rows (the same SQL runs on SQLite)."""
    migration = importlib.import_module("units.migrations.0004_unit_ancestor_closure")
    UnitAncestor.objects.all().delete()
    migration.fill(None, SimpleNamespace(connection=connection))
    assert stored_closure(UnitAncestor) == walked_closure(UnitAncestor)
