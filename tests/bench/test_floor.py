"""The benchmark's floor (one hand-written SQL query) and naive viewset serve the app's page."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bench.floor import floor_list
from core.choices import Marking
from devdata.synthetic import RED_RECIPIENT, generate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthetic():
    """200 synthetic claims: every marking, sharing groups, a named recipient, archived rows."""
    generate(claims=200, seed=11)


def _app_page(client, page: int) -> dict:
    response = client.get("/api/claims/", {"page": page})
    assert response.status_code == 200
    return response.json()


def _floor_page(user, page: int) -> dict:
    connection.ensure_connection()
    return floor_list(connection.connection, user.pk, page=page)


def _shape(page: dict) -> list[tuple]:
    """Claim ids in order, each with its citation ids in order and its unit ids."""
    return [
        (
            claim["id"],
            [citation["id"] for citation in claim["citations"]],
            sorted(unit["unit"]["id"] for unit in claim["units"]),
            claim["grade"],
        )
        for claim in page["results"]
    ]


@pytest.mark.parametrize("page", [1, 2, 3])
def test_floor_and_app_return_the_same_page_for_an_editor(synthetic, editor, editor_api, page):
    """GIVEN synthetic claims of every marking WHEN an editor reads a page of the list THEN the
    floor's single query returns the same claims in the same order, with the same citations
    (those of hidden publications left out) and units, and the same total count."""
    app = _app_page(editor_api, page)
    floor = _floor_page(editor, page)

    assert floor["count"] == app["count"]
    assert len(app["results"]) == 50
    assert _shape(floor) == _shape(app)
    without_count = floor_list(connection.connection, editor.pk, page=page, count=False)
    assert without_count["count"] is None
    assert _shape(without_count) == _shape(app)
    # The ORBAT paths are built the same way too.
    assert [u["orbat_path"] for c in floor["results"] for u in c["units"]] == [
        u["orbat_path"] for c in app["results"] for u in c["units"]
    ]


def test_floor_applies_sharing_like_the_app(synthetic, api_client):
    """GIVEN a member of a sharing group who is also the named recipient WHEN they read the
    list THEN floor and app agree, and both show them AMBER+STRICT and RED claims."""
    user = UserFactory(username="sharer")
    user.groups.add(Group.objects.get(name="synthetic-team-north"))
    recipient = type(user).objects.get(username=RED_RECIPIENT)
    api_client.force_login(recipient)
    app = _app_page(api_client, 1)
    floor = _floor_page(recipient, 1)
    assert floor["count"] == app["count"]
    assert _shape(floor) == _shape(app)

    api_client.force_login(user)
    app, floor = _app_page(api_client, 1), _floor_page(user, 1)
    assert floor["count"] == app["count"]
    assert _shape(floor) == _shape(app)
    markings = {claim["marking"] for claim in floor["results"]}
    assert Marking.RED not in markings


@override_settings(ROOT_URLCONF="bench.urls")
def test_naive_viewset_serves_the_same_claims(synthetic, editor_api):
    """GIVEN the naive viewset (nested serializers, no eager loading) WHEN it lists a page THEN
    it returns the app's claims in the app's order, with many more queries: what is compared
    is the same page."""
    app = _app_page(editor_api, 1)
    response = editor_api.get("/bench/naive/claims/", {"page": 1})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [c["id"] for c in app["results"]]
    with CaptureQueriesContext(connection) as naive:
        editor_api.get("/bench/naive/claims/", {"page": 1})
    with CaptureQueriesContext(connection) as designed:
        editor_api.get("/api/claims/", {"page": 1})
    # One query per row and relation against a fixed number.
    assert len(naive) > 10 * len(designed)
