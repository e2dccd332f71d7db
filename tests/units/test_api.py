"""The units API: the ORBAT (chain of command, subordinates, cycles refused), filters, aliases
and honorific titles."""

import pytest

from tests.factories import UnitFactory, UnitInvolvementFactory
from tests.helpers import ids
from units.models import Unit, UnitHonorific

pytestmark = pytest.mark.django_db


@pytest.fixture
def orbat():
    """Central MD › 2nd CAA › 30th MRB › Storm detachment; the Korean People's Army apart."""
    district = UnitFactory(
        name="Central Military District", abbreviation="Central MD", echelon="military_district"
    )
    army = UnitFactory(
        name="2nd Combined Arms Army", abbreviation="2nd CAA", echelon="army", parent=district
    )
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", abbreviation="30th MRB", parent=army)
    storm = UnitFactory(
        name="Storm detachment", echelon="detachment", branch="penal", parent=brigade
    )
    storm.aliases.create(name="Storm-Z")
    korean = UnitFactory(
        name="Korean People's Army", abbreviation="KPA", country="KP", echelon="armed_forces"
    )
    return {"district": district, "army": army, "brigade": brigade, "storm": storm, "kpa": korean}


def test_unit_shows_its_chain_of_command(viewer_api, orbat):
    body = viewer_api.get(f"/api/units/{orbat['brigade'].pk}/").json()

    assert body["orbat_path"] == "30th MRB › 2nd CAA › Central MD"
    assert [unit["name"] for unit in body["ancestors"]] == [
        "2nd Combined Arms Army",
        "Central Military District",
    ]
    assert body["parent"]["id"] == orbat["army"].pk
    assert [unit["name"] for unit in body["children"]] == ["Storm detachment"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "storm-z"}, ["storm"]),
        ({"search": "30th MRB"}, ["brigade"]),
        ({"search": "kpa"}, ["kpa"]),
        ({"search": "motorized rifle"}, ["brigade"]),
        ({"ancestor": "district"}, ["army", "brigade", "storm"]),
        ({"ancestor": "brigade"}, ["storm"]),
        ({"parent": "district"}, ["army"]),
        ({"echelon": ["army", "detachment"]}, ["army", "storm"]),
        ({"branch": "penal"}, ["storm"]),
        ({"country": "kp"}, ["kpa"]),
    ],
    ids=str,
)
def test_unit_filters(viewer_api, orbat, query, expected):
    query = {
        name: orbat[value].pk if name in ("ancestor", "parent") else value
        for name, value in query.items()
    }

    result = ids(viewer_api.get("/api/units/", query))

    assert sorted(result) == sorted(orbat[name].pk for name in expected)


@pytest.mark.parametrize("query", ["echelon=legion", "parent=999999", "ancestor=999999"])
def test_unknown_unit_filter_values_are_refused(viewer_api, orbat, query):
    response = viewer_api.get(f"/api/units/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_create_with_aliases_and_honorifics(editor_api, editor, orbat):
    payload = {
        "name": "155th Naval Infantry Brigade",
        "abbreviation": "155th NIB",
        "country": "RU",
        "echelon": "brigade",
        "branch": "naval_infantry",
        "parent": orbat["district"].pk,
        "aliases": ["155th Marines"],
        "honorifics": [
            {
                "title": "Guards",
                "awarded_on": "2024-07-12",
                "awarded_precision": "month",
                "awarded_by": "Vladimir Putin",
            }
        ],
    }

    response = editor_api.post("/api/units/", payload, format="json")

    assert response.status_code == 201, response.content
    unit = Unit.objects.get(pk=response.json()["id"])
    assert unit.created_by == editor
    assert list(unit.aliases.values_list("name", flat=True)) == ["155th Marines"]
    honorific = UnitHonorific.objects.get(unit=unit)
    assert str(honorific.awarded_on) == "2024-07-01"
    body = response.json()
    assert body["orbat_path"] == "155th NIB › Central MD"
    assert body["honorifics"][0]["awarded_on"] == "2024-07-01"


def test_a_top_level_unit_can_be_created_without_a_parent(editor_api):
    """``parent`` is optional: the top of an ORBAT has none to give."""
    response = editor_api.post(
        "/api/units/",
        {"name": "Southern Military District", "country": "RU", "echelon": "military_district"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["parent"] is None


def test_patch_leaves_honorifics_and_aliases_alone(editor_api, orbat):
    storm = orbat["storm"]
    UnitHonorific.objects.create(unit=storm, title="Guards")

    response = editor_api.patch(f"/api/units/{storm.pk}/", {"description": "Penal"}, format="json")

    assert response.status_code == 200
    assert response.json()["aliases"] == ["Storm-Z"]
    assert [row["title"] for row in response.json()["honorifics"]] == ["Guards"]


def test_moving_a_unit_under_its_own_descendant_is_refused(editor_api, orbat):
    """GIVEN Central MD › 2nd CAA › 30th MRB › Storm detachment
    WHEN the army's parent is set to the Storm detachment (below it)
    THEN 400 with a ``parent`` message, and the ORBAT is unchanged."""
    response = editor_api.patch(
        f"/api/units/{orbat['army'].pk}/", {"parent": orbat["storm"].pk}, format="json"
    )

    assert response.status_code == 400
    assert "cycle" in response.json()["parent"][0]
    orbat["army"].refresh_from_db()
    assert orbat["army"].parent == orbat["district"]


def test_a_unit_cannot_be_its_own_parent(editor_api, orbat):
    response = editor_api.patch(
        f"/api/units/{orbat['army'].pk}/", {"parent": orbat["army"].pk}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"echelon": "legion"}, "echelon"),
        ({"branch": "cavalry"}, "branch"),
        ({"country": "Russia"}, "country"),
        ({"parent": 999999}, "parent"),
        ({"honorifics": [{"title": "Guards", "awarded_precision": "decade"}]}, "honorifics"),
        ({"honorifics": [{"awarded_on": "2024-07-01"}]}, "honorifics"),
        ({"aliases": [""]}, "aliases"),
    ],
    ids=str,
)
def test_bad_unit_is_refused(editor_api, orbat, change, field):
    before = (Unit.objects.count(), UnitHonorific.objects.count())
    payload = {
        "name": "1st Battalion",
        "country": "RU",
        "echelon": "battalion",
        "parent": orbat["brigade"].pk,
        **change,
    }

    response = editor_api.post("/api/units/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert (Unit.objects.count(), UnitHonorific.objects.count()) == before


def test_a_duplicate_name_under_the_same_parent_is_refused(editor_api, orbat):
    response = editor_api.post(
        "/api/units/",
        {
            "name": "Storm detachment",
            "country": "RU",
            "echelon": "detachment",
            "parent": orbat["brigade"].pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert Unit.objects.filter(name="Storm detachment").count() == 1


def test_a_duplicate_top_level_unit_is_refused(editor_api, orbat):
    """GIVEN a top-level "Central Military District" in RU
    WHEN another top-level one of that name is posted for RU
    THEN 400 (the database would refuse it: unit_name_unique_at_top), not a server error."""
    editor_api.raise_request_exception = False

    response = editor_api.post(
        "/api/units/",
        {
            "name": "Central Military District",
            "country": "RU",
            "echelon": "military_district",
            "parent": None,
        },
        format="json",
    )

    assert response.status_code == 400, response.status_code
    assert Unit.objects.filter(name="Central Military District").count() == 1


def test_a_unit_with_involvements_cannot_be_purged(superuser_api):
    unit = UnitInvolvementFactory().unit

    response = superuser_api.delete(f"/api/units/{unit.pk}/?purge=true")

    assert response.status_code == 409
    assert "unit involvements" in response.json()["detail"]
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_a_unit_with_subordinates_cannot_be_purged(superuser_api, orbat):
    response = superuser_api.delete(f"/api/units/{orbat['brigade'].pk}/?purge=true")

    assert response.status_code == 409
    assert "units" in response.json()["dependents"]
    assert Unit.objects.filter(pk=orbat["brigade"].pk).exists()


def test_only_a_superuser_can_purge(editor_api, orbat):
    response = editor_api.delete(f"/api/units/{orbat['storm'].pk}/?purge=true")

    assert response.status_code == 403
    assert Unit.objects.filter(pk=orbat["storm"].pk, archived_at__isnull=True).exists()


def test_a_unit_with_only_aliases_and_titles_is_purged_with_them(superuser_api, orbat):
    storm = orbat["storm"]
    UnitHonorific.objects.create(unit=storm, title="Guards")

    assert superuser_api.delete(f"/api/units/{storm.pk}/?purge=true").status_code == 204
    assert not UnitHonorific.objects.exists()
    assert not storm.aliases.exists()
