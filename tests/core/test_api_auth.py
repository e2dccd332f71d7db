"""Personal API tokens (hashed, shown once, revocable, expiring) and how requests authenticate."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_client(key: str) -> APIClient:
    """A client that sends ``Authorization: Token <key>`` and has no session."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def outsider(db):
    """Another logged-in user, whose tokens the viewer must not reach."""
    return UserFactory(username="outsider")


def test_create_shows_the_key_once(viewer_api, viewer):
    """GIVEN a logged-in viewer
    WHEN they create a token
    THEN the response carries the key, and later lists do not."""
    response = viewer_api.post("/api/tokens/", {"name": "notebook"}, format="json")

    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert key.startswith("ct_")
    assert body["prefix"] == key[:10]
    assert body["name"] == "notebook"

    listed = viewer_api.get("/api/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert listed[0]["key"] is None
    assert key not in str(listed)


def test_the_stored_row_has_no_plain_key(viewer_api):
    key = viewer_api.post("/api/tokens/", {"name": "notebook"}, format="json").json()["key"]

    row = ApiToken.objects.values().get()

    assert row["key_hash"] == ApiToken.hash_key(key)
    assert row["key_hash"] != key
    assert not any(key in str(value) for value in row.values())


def test_a_token_authenticates_requests(viewer_api, viewer):
    key = viewer_api.post("/api/tokens/", {"name": "script"}, format="json").json()["key"]

    response = token_client(key).get("/api/claims/")

    assert response.status_code == 200
    token = ApiToken.objects.get(user=viewer)
    assert token.last_used_at is not None


def test_a_token_carries_its_users_role(editor):
    """Writing with a token needs the same role as writing with a session."""
    _, key = ApiToken.issue(editor, "import script")

    response = token_client(key).post(
        "/api/topics/", {"name": "DPRK forces in Russia"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["slug"] == "dprk-forces-in-russia"


@pytest.mark.parametrize("in_desk", [True, False])
def test_a_token_brings_its_users_groups_in_the_same_query(viewer, in_desk):
    """GIVEN a viewer in (or out of) the sharing group of an AMBER+STRICT claim WHEN they read
    the list with a token THEN they see it exactly when they are in the group, and their
    groups were read with the token, not by a query of their own."""
    desk = Group.objects.create(name="Kursk desk")
    if in_desk:
        viewer.groups.add(desk)
    shared = ClaimFactory(title="Desk only", marking="amber+strict")
    shared.sharing_groups.add(desk)
    _, key = ApiToken.issue(viewer, "notebook")

    with CaptureQueriesContext(connection) as queries:
        response = token_client(key).get("/api/claims/")

    assert response.status_code == 200
    titles = [row["title"] for row in response.json()["results"]]
    assert ("Desk only" in titles) is in_desk
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "auth_group"')]


def test_a_revoked_token_is_refused(viewer_api, viewer):
    """GIVEN a token that worked
    WHEN its owner deletes it
    THEN requests with it get 401."""
    created = viewer_api.post("/api/tokens/", {"name": "script"}, format="json").json()
    client = token_client(created["key"])
    assert client.get("/api/claims/").status_code == 200

    assert viewer_api.delete(f"/api/tokens/{created['id']}/").status_code == 204

    response = client.get("/api/claims/")
    assert response.status_code == 401
    assert not ApiToken.objects.filter(pk=created["id"]).exists()


def test_an_expired_token_is_refused(viewer):
    _, key = ApiToken.issue(viewer, "old", expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = token_client(key).get("/api/claims/")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_before_its_expiry_works(viewer):
    _, key = ApiToken.issue(viewer, "new", expires_at=timezone.now() + dt.timedelta(days=1))

    assert token_client(key).get("/api/claims/").status_code == 200


def test_an_unknown_token_is_refused():
    response = token_client("ct_not-a-real-key").get("/api/claims/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_an_inactive_user_is_refused(viewer):
    _, key = ApiToken.issue(viewer, "script")
    viewer.is_active = False
    viewer.save()

    assert token_client(key).get("/api/claims/").status_code == 401


def test_another_users_token_is_invisible(viewer_api, outsider):
    """GIVEN a token of another user
    WHEN the viewer lists tokens or deletes that one
    THEN it is not listed, the delete is 404 and the token still works."""
    token, key = ApiToken.issue(outsider, "theirs")

    assert viewer_api.get("/api/tokens/").json()["results"] == []
    assert viewer_api.delete(f"/api/tokens/{token.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert token_client(key).get("/api/claims/").status_code == 200


def test_a_token_needs_a_name(viewer_api):
    response = viewer_api.post("/api/tokens/", {}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert not ApiToken.objects.exists()


def test_the_key_and_prefix_cannot_be_chosen(viewer_api):
    body = viewer_api.post(
        "/api/tokens/",
        {"name": "mine", "key": "ct_chosen", "prefix": "ct_chosen"},
        format="json",
    ).json()

    assert body["key"] != "ct_chosen"
    assert body["prefix"] != "ct_chosen"
    assert token_client("ct_chosen").get("/api/claims/").status_code == 401


def test_anonymous_gets_401_with_www_authenticate(api_client):
    for url in ("/api/tokens/", "/api/claims/", "/api/"):
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token", url


def test_anonymous_cannot_create_a_token(api_client):
    response = api_client.post("/api/tokens/", {"name": "x"}, format="json")

    assert response.status_code == 401
    assert not ApiToken.objects.exists()
