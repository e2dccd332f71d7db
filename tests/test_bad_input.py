"""Bad input gets a clear error naming what is wrong, never a server error (issue: hardening).

Each test reproduces one report of the testers first."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Offsets Python's ISO 8601 parser accepts and PostgreSQL cannot store.
FAR_OFFSET = "2025-01-01T00:00:00+19:05"

CLAIM_SETS = [
    "/api/claims/",
    "/api/export/stix/",
    "/api/export/claimreview/",
    "/api/export/geojson/",
    "/api/export/data/",
    "/api/export/csv/",
]
PAGES = ["claims:list", "claims:timeline", "claims:map", "interchange:claims-csv"]


@pytest.mark.parametrize("path", CLAIM_SETS)
def test_an_offset_no_place_uses_is_a_400_naming_updated_since(editor_api, path):
    response = editor_api.get(path, {"updated_since": FAR_OFFSET})
    assert response.status_code == 400, response.content
    assert "updated_since" in response.json()


@pytest.mark.parametrize("name", PAGES)
def test_an_offset_no_place_uses_is_no_server_error_on_the_pages(client, editor, name):
    client.force_login(editor)
    response = client.get(reverse(name), {"updated_since": FAR_OFFSET})
    assert response.status_code in (200, 400)
    assert "UTC offset" in response.content.decode()


def test_updated_since_compares_moments_whatever_their_offset(editor_api):
    """GIVEN a claim changed just now
    WHEN the list asks for what changed since an hour ago, written at +05:30 or in UTC
    THEN both answers hold the claim, and a moment in the future finds nothing."""
    from tests.factories import ClaimFactory

    claim = ClaimFactory()
    stamp = claim.updated_at
    import datetime as dt

    earlier = stamp - dt.timedelta(hours=1)
    for moment in (
        earlier.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))).isoformat(),
        earlier.astimezone(dt.UTC).isoformat(),
    ):
        rows = editor_api.get("/api/claims/", {"updated_since": moment}).json()["results"]
        assert [row["id"] for row in rows] == [claim.pk]
    later = (stamp + dt.timedelta(minutes=1)).isoformat()
    assert editor_api.get("/api/claims/", {"updated_since": later}).json()["results"] == []
