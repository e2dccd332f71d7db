"""The places' closure table (``LocationAncestor``): kept right on every write, and the
"at this place or inside it" filter in each of its shapes."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from claims import querysets
from claims.models import Claim
from places.models import Location, LocationAncestor
from tests.closure import stored_closure, walked_closure
from tests.factories import ClaimFactory, LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    """Ukraine › Donetsk Oblast › Pokrovsk Raion › Pokrovsk, and Russia › Kursk Oblast."""
    ukraine = LocationFactory(name="Ukraine", kind="country")
    oblast = LocationFactory(name="Donetsk Oblast", kind="region", parent=ukraine)
    raion = LocationFactory(name="Pokrovsk Raion", kind="district", parent=oblast)
    town = LocationFactory(name="Pokrovsk", parent=raion)
    russia = LocationFactory(name="Russia", kind="country", country="RU")
    kursk = LocationFactory(name="Kursk Oblast", kind="region", country="RU", parent=russia)
    return {
        "ukraine": ukraine,
        "oblast": oblast,
        "raion": raion,
        "town": town,
        "russia": russia,
        "kursk": kursk,
    }


def test_new_places_have_their_rows(places):
    assert (places["town"].pk, places["ukraine"].pk, 3) in stored_closure(LocationAncestor)
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)
    assert len(stored_closure(LocationAncestor)) == 4 + 3 + 2 + 1 + 2 + 1


def test_moving_a_place_moves_everything_inside_it(places):
    """GIVEN a raion moved (a border redrawn, a data-entry fix) THEN it and its town leave the
    old oblast and country and are inside the new ones, in the save's transaction."""
    raion = places["raion"]
    raion.parent = places["kursk"]
    raion.save()
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)
    assert set(Location.objects.descendants_of(places["ukraine"])) == {
        places["ukraine"],
        places["oblast"],
    }
    assert set(Location.objects.descendants_of(places["russia"], include_self=False)) == {
        places["kursk"],
        raion,
        places["town"],
    }


def test_deleting_a_place_deletes_its_rows(places):
    town = places["town"].pk
    places["town"].delete()
    assert not LocationAncestor.objects.filter(location=town).exists()
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)


def test_bulk_writes_rebuild_it_and_so_does_the_migration(places):
    """GIVEN places written around save() (bulk_create, update()) or rows lost THEN the
    closure is recomputed: after those paths, by rebuild(), and by the migration's fill."""
    Location.objects.bulk_create([Location(name="Avdiivka", kind="settlement")])
    Location.objects.filter(name="Avdiivka").update(parent=places["raion"])
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)
    LocationAncestor.objects.all().delete()
    LocationAncestor.objects.rebuild()
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)
    migration = importlib.import_module("claims.migrations.0010_location_closure")
    LocationAncestor.objects.all().delete()
    migration.fill(None, SimpleNamespace(connection=connection))
    assert stored_closure(LocationAncestor) == walked_closure(LocationAncestor)


@pytest.mark.parametrize(
    ("few_places", "few_links"),
    [(1000, 5000), (1, 5000), (1000, 1), (1, 1)],
    ids=["ids-first", "large-subtree", "place-list", "large-and-many"],
)
def test_each_shape_of_the_filter_finds_the_same_claims(places, monkeypatch, few_places, few_links):
    """GIVEN claims at a town, at an oblast, in Russia and nowhere WHEN they are filtered by
    country, oblast and town, in each of the filter's shapes (thresholds lowered so that small
    data takes every one) THEN each shape finds exactly the claims at the place or inside it."""
    monkeypatch.setattr(querysets, "FEW_UNITS", few_places)
    monkeypatch.setattr(querysets, "FEW_INVOLVEMENTS", few_links)
    at_town, at_oblast, in_russia = ClaimFactory(), ClaimFactory(), ClaimFactory()
    ClaimFactory()
    at_town.locations.add(places["town"])
    at_oblast.locations.add(places["oblast"], places["town"])
    in_russia.locations.add(places["kursk"])

    def at(place, inside=True):
        return set(Claim.objects.at_location(places[place].pk, include_inside=inside))

    assert at("ukraine") == {at_town, at_oblast}
    assert at("oblast") == {at_town, at_oblast}
    assert at("oblast", inside=False) == {at_oblast}
    assert at("town") == {at_town, at_oblast}
    assert at("russia") == {in_russia}


def test_a_large_subtree_is_read_from_the_closure(places, monkeypatch):
    monkeypatch.setattr(querysets, "FEW_UNITS", 1)
    sql = str(Claim.objects.at_location(places["ukraine"].pk).query)
    assert "claims_locationancestor" in sql
    assert "RECURSIVE" not in sql
