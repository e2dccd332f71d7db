"""Archived records are read, restored or purged through the API, never edited in place."""

import pytest

from claims.models import Claim
from sources.models import Publication
from tests.factories import ClaimFactory, PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived_claim() -> Claim:
    claim = ClaimFactory(title="Withdrawn claim")
    claim.archive(reason="Duplicate")
    return claim


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_archived_claim_cannot_be_edited(editor_api, archived_claim, method):
    """GIVEN an archived claim
    WHEN an editor sends PUT or PATCH to it with ?archived=true
    THEN the answer is 409 saying to restore it first, and nothing changes."""
    version = archived_claim.version
    body = {"title": "Edited anyway", "statement": "x", "kind": "event"}

    response = getattr(editor_api, method)(f"/api/claims/{archived_claim.pk}/?archived=true", body)

    assert response.status_code == 409
    assert "Restore it first" in response.json()["detail"]
    assert f"/api/claims/{archived_claim.pk}/restore/" in response.json()["detail"]
    archived_claim.refresh_from_db()
    assert (archived_claim.title, archived_claim.version) == ("Withdrawn claim", version)
    assert archived_claim.is_archived


def test_an_archived_claim_is_not_archived_again(editor_api, archived_claim):
    archived_at = archived_claim.archived_at

    response = editor_api.delete(f"/api/claims/{archived_claim.pk}/?archived=true")

    assert response.status_code == 409
    assert "already archived" in response.json()["detail"]
    archived_claim.refresh_from_db()
    assert archived_claim.archived_at == archived_at


def test_an_unknown_id_is_still_404(editor_api):
    assert editor_api.patch("/api/claims/987654/?archived=true", {}).status_code == 404


def test_a_current_record_is_not_found_among_the_archived(editor_api):
    """?archived=true addresses archived records only: a current one is 404 there, not 409."""
    claim = ClaimFactory()

    assert editor_api.patch(f"/api/claims/{claim.pk}/?archived=true", {}).status_code == 404


def test_after_restoring_the_record_can_be_edited(editor_api, archived_claim):
    assert editor_api.post(f"/api/claims/{archived_claim.pk}/restore/").status_code == 200

    response = editor_api.patch(f"/api/claims/{archived_claim.pk}/", {"title": "Back again"})

    assert response.status_code == 200
    assert response.json()["title"] == "Back again"


def test_a_superuser_may_still_purge_an_archived_record(superuser_api):
    publication = PublicationFactory()
    publication.archive()

    response = superuser_api.delete(f"/api/publications/{publication.pk}/?archived=true&purge=true")

    assert response.status_code == 204
    assert not Publication.objects.filter(pk=publication.pk).exists()


def test_a_viewer_still_gets_403_not_409(viewer_api, archived_claim):
    response = viewer_api.patch(f"/api/claims/{archived_claim.pk}/?archived=true", {})

    assert response.status_code == 403


def test_the_admin_shows_an_archived_claim_read_only(client, editor, archived_claim):
    """GIVEN an archived claim opened in the admin's archive WHEN an editor posts a change
    THEN it is refused (403) and the page offers no save: restore it first."""
    client.force_login(editor)
    url = f"/admin/claims/claim/{archived_claim.pk}/change/?archived=yes"

    page = client.get(url)
    response = client.post(url, {"title": "Edited anyway"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    archived_claim.refresh_from_db()
    assert archived_claim.title == "Withdrawn claim"
