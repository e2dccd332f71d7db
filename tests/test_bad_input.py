"""Bad input gets a clear error naming what is wrong, never a server error (issue: hardening).

Each test reproduces one report of the testers first."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Claim
from tests.factories import ClaimFactory, PublicationFactory

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

    claim = ClaimFactory()
    stamp = claim.updated_at

    earlier = stamp - dt.timedelta(hours=1)
    for moment in (
        earlier.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))).isoformat(),
        earlier.astimezone(dt.UTC).isoformat(),
    ):
        rows = editor_api.get("/api/claims/", {"updated_since": moment}).json()["results"]
        assert [row["id"] for row in rows] == [claim.pk]
    later = (stamp + dt.timedelta(minutes=1)).isoformat()
    assert editor_api.get("/api/claims/", {"updated_since": later}).json()["results"] == []


# -- deeply nested JSON ---------------------------------------------------------------------

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"title": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_is_a_400_for_a_viewer_on_tokens(viewer_api, body):
    response = viewer_api.generic("POST", "/api/tokens/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/claims/", "/api/citations/", "/api/sources/"])
def test_deeply_nested_json_is_a_400_on_writes(editor_api, path):
    response = editor_api.generic("POST", path, DEEP_OBJECT, content_type="application/json")
    assert response.status_code == 400, response.content


IMPORT_ERROR_KEYS = {"detail", "dry_run", "written", "counts", "errors"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("this is not JSON", "application/json"),
        ("title,statement\nA,B\n", "text/plain"),
        (DEEP_OBJECT, "application/json"),
    ],
)
def test_an_unreadable_import_body_keeps_the_documented_400(editor_api, body, content_type):
    response = editor_api.generic("POST", "/api/import/", body, content_type=content_type)
    assert response.status_code == 400, response.content
    assert set(response.json()) == IMPORT_ERROR_KEYS
    assert response.json()["written"] is False


def test_an_uploaded_document_nested_too_deep_is_a_400_naming_the_file(editor_api):

    upload = SimpleUploadedFile("deep.json", DEEP_OBJECT.encode(), "application/json")
    response = editor_api.post("/api/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400, response.content
    assert set(response.json()) == IMPORT_ERROR_KEYS
    assert "deep.json" in response.json()["detail"]


# -- NUL bytes in names, numbers beyond a column ---------------------------------------------


@pytest.mark.parametrize("field", ["shared_with", "sharing_groups"])
@pytest.mark.parametrize("path", ["/api/claims/", "/api/publications/"])
def test_a_nul_byte_in_a_sharing_name_is_a_400_naming_the_field(editor_api, field, path):

    record = ClaimFactory() if path == "/api/claims/" else PublicationFactory()
    response = editor_api.patch(f"{path}{record.pk}/", {field: ["ed\x00itor"]})
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_paragraph_beyond_the_column_is_a_400_on_citations(editor_api):

    body = {
        "claim": ClaimFactory().pk,
        "publication": PublicationFactory().pk,
        "stance": "supports",
        "credibility": 2,
        "locator": {"paragraph": 2**31, "page": "p" * 21},
    }
    response = editor_api.post("/api/citations/", body)
    assert response.status_code == 400, response.content
    assert set(response.json()["locator"]) == {"paragraph", "page"}


def test_a_paragraph_beyond_the_column_is_a_400_on_a_claim_with_citations(editor_api):

    body = {
        "title": "A strike on a depot",
        "statement": "A depot was struck.",
        "kind": "event",
        "citations": [
            {"publication": PublicationFactory().pk, "stance": "supports", "credibility": 2},
            {
                "publication": PublicationFactory().pk,
                "stance": "supports",
                "credibility": 2,
                "locator": {"paragraph": 2**31},
            },
        ],
    }
    response = editor_api.post("/api/claims/", body)
    assert response.status_code == 400, response.content
    assert "paragraph" in response.json()["citations"]["1"]["locator"]
    assert not Claim.objects.exists()
