"""``POST /api/ingest/`` and ``POST /api/ingest/accept/``: who may, bad input, the draft's
shape, and accepting all or nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from claims.models import Citation, Claim
from sources.models import Publication
from tests.factories import PublicationFactory, SourceFactory, UnitFactory
from tests.ingest.test_services import TANK_TEXT
from units.models import Unit

INGEST = "/api/ingest/"
ACCEPT = "/api/ingest/accept/"


@pytest.fixture
def analyst_api(analyst) -> APIClient:
    client = APIClient()
    client.force_login(analyst)
    return client


def draft_of(client: APIClient, text: str = TANK_TEXT, date: str = "2025-03-05") -> dict:
    response = client.post(INGEST, {"text": text, "date": date}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


# --- Who may -------------------------------------------------------------------------------


def test_anonymous_gets_401(api_client, db):
    response = api_client.post(INGEST, {"text": TANK_TEXT, "date": "2025-03-05"}, format="json")

    assert response.status_code == 401


def test_viewer_gets_403_on_both_endpoints(viewer_api):
    assert viewer_api.post(INGEST, {"text": "x", "date": "2025-03-05"}).status_code == 403
    assert viewer_api.post(ACCEPT, {}, format="json").status_code == 403


def test_analyst_and_editor_get_a_draft(analyst_api, editor_api):
    for client in (analyst_api, editor_api):
        draft = draft_of(client)
        assert {"claims", "units", "sources", "locations", "footnotes"} <= set(draft)


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2025-03-05"}, "text"),
        ({"text": "   ", "date": "2025-03-05"}, "text"),
        ({"text": "Some report."}, "date"),
        ({"text": "Some report.", "date": "20 February"}, "date"),
        ({"text": "Some report.", "date": "0005-01-01"}, "date"),
    ],
)
def test_bad_ingest_input_is_a_400_naming_the_field(editor_api, body, field):
    response = editor_api.post(INGEST, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_draft_shape_of_the_ten_tank_regiment_text(editor_api):
    draft = draft_of(editor_api)
    units = {unit["name"]: unit for unit in draft["units"]}

    assert units["10th Tank Regiment"]["parent"] == "3rd Motorized Rifle Division"
    assert units["10th Tank Regiment"]["existing"] is None
    assert units["Moscow Military District"]["abbreviation"] == "MMD"
    assert draft["footnotes"]["1"] == ["https://example.org/one"]
    assert draft["claims"][1]["footnotes"] == [1]


def test_draft_query_count_does_not_grow_with_the_text(editor_api, django_assert_max_num_queries):
    """Session, user and permissions (4), the gazetteer (6), the known units (1)."""
    text = "\n".join([TANK_TEXT.split("\n")[0]] * 30)

    with django_assert_max_num_queries(12):
        draft_of(editor_api, text)


def test_draft_hides_nothing_it_should_not_show(editor_api, editor):
    """GIVEN an archived unit named in the text WHEN the draft is read THEN it is not matched:
    a new unit is proposed instead (the gazetteer reads only what the user may see)."""
    UnitFactory(name="10th Tank Regiment").archive(editor)

    units = {unit["name"]: unit for unit in draft_of(editor_api)["units"]}

    assert units["10th Tank Regiment"]["existing"] is None


# --- Accept --------------------------------------------------------------------------------


def test_editor_accepts_a_draft_with_a_new_publication(editor_api):
    source = SourceFactory(name="Institute for the Study of War")
    draft = draft_of(editor_api)

    response = editor_api.post(
        ACCEPT,
        {"draft": draft, "source": source.pk, "title": "Assessment, 5 March 2025"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    publication = Publication.objects.get(pk=body["publication"])
    assert publication.published_on == dt.date(2025, 3, 5)
    assert publication.kind == "report"
    assert len(body["claims"]) == 5
    assert len(body["units"]) == 4
    assert Claim.objects.filter(pk__in=body["claims"]).count() == 5
    assert Citation.objects.filter(publication=publication).count() == 5
    regiment = Unit.objects.get(name="10th Tank Regiment")
    assert regiment.parent.name == "3rd Motorized Rifle Division"
    assert Claim.history.filter(entry_path="api").count() == 5


def test_analyst_accepts_into_an_existing_publication_without_new_units(analyst_api):
    report = PublicationFactory()
    draft = draft_of(analyst_api)
    for unit in draft["units"]:
        unit["keep"] = False
    for claim in draft["claims"]:
        claim["units"] = []

    response = analyst_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert Citation.objects.filter(publication=report).count() == 5


def test_analyst_may_not_create_a_publication_or_units(analyst_api):
    source = SourceFactory()
    draft = draft_of(analyst_api)

    response = analyst_api.post(
        ACCEPT, {"draft": draft, "source": source.pk, "title": "New"}, format="json"
    )
    assert response.status_code == 400
    assert "source" in response.json()

    report = PublicationFactory()
    response = analyst_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")
    assert response.status_code == 400
    assert "units" in response.json()
    assert not Claim.objects.exists()


def test_accept_refuses_a_publication_the_user_may_not_see(editor_api):
    hidden = PublicationFactory(marking="red")
    draft = draft_of(editor_api)

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": hidden.pk}, format="json")

    assert response.status_code == 400
    assert "publication" in response.json()


def test_a_bad_row_rolls_back_everything(editor_api):
    """GIVEN a reviewed draft whose last claim names a place that does not exist
    WHEN it is accepted THEN the answer is a 400 naming that row, and no unit, claim or
    citation was written."""
    report = PublicationFactory()
    draft = draft_of(editor_api)
    draft["claims"][-1]["locations"] = [{"id": 999999, "name": "Nowhere"}]

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    assert response.status_code == 400
    assert any(key.endswith(".locations") for key in response.json())
    assert not Unit.objects.exists()
    assert not Claim.objects.exists()
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["units"][0].update(echelon="emperor"),
        lambda d: d["units"][0].update(country="Russia"),
        lambda d: d["claims"][0].update(kind="rumour"),
        lambda d: d["claims"][0]["quantities"].append({"measure": "x", "low": "many"}),
        lambda d: d["units"].append(dict(d["units"][0])),  # a key used twice
    ],
)
def test_malformed_drafts_are_400s(editor_api, change):
    report = PublicationFactory()
    draft = draft_of(editor_api)
    change(draft)

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    assert response.status_code == 400
    assert "draft" in response.json()
    assert not Claim.objects.exists()


def test_unit_parents_that_make_a_cycle_are_refused(editor_api):
    report = PublicationFactory()
    draft = draft_of(editor_api)
    units = {unit["name"]: unit for unit in draft["units"]}
    district = units["Moscow Military District"]
    district["parent"] = "10th Tank Regiment"
    district["parent_key"] = units["10th Tank Regiment"]["key"]

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    assert response.status_code == 400
    assert any("cycle" in " ".join(messages) for messages in response.json().values())
    assert not Unit.objects.exists()


def test_sharing_group_reader_sees_the_claims_of_an_amber_strict_report(editor_api, editor):
    group = Group.objects.create(name="ukraine-desk")
    editor.groups.add(group)
    report = PublicationFactory(marking="amber+strict")
    report.sharing_groups.add(group)
    draft = draft_of(editor_api)

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    claim = Claim.objects.get(pk=response.json()["claims"][0])
    assert claim.marking == "amber+strict"
    assert list(claim.sharing_groups.all()) == [group]


def test_only_json_is_accepted(editor_api):
    """A draft is nested data: form encoding is refused with 415, not parsed half-way."""
    response = editor_api.post(
        ACCEPT, "draft=x&publication=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415


def test_a_range_ending_below_its_start_is_a_400_naming_the_number(editor_api):
    report = PublicationFactory()
    draft = draft_of(editor_api)
    draft["claims"][1]["quantities"] = [{"measure": "m", "low": "1500", "high": "500"}]

    response = editor_api.post(ACCEPT, {"draft": draft, "publication": report.pk}, format="json")

    assert response.status_code == 400
    assert "claims[1].quantities[0].high" in response.json()
    assert not Claim.objects.exists()
