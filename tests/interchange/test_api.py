"""Import and export over the API (``/api/export/…``, ``/api/import/``) and the list page's
CSV download (``/claims/export.csv``)."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from claims.services import refresh_corroboration
from core.choices import Marking
from interchange.document import export_document
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    PublicationFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
)

EXPORT = "/api/export/data/"
CSV_EXPORT = "/api/export/csv/"
IMPORT = "/api/import/"
PAGE_CSV = "/claims/export.csv"


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(streamed(response))))


@pytest.fixture
def marked(db):
    """A CLEAR claim citing a RED publication, an AMBER claim, and a GREEN one on a topic."""
    clear = ClaimFactory(title="Clear claim", status="corroborated")
    CitationFactory(
        claim=clear, publication=PublicationFactory(title="Red report", marking=Marking.RED)
    )
    ClaimFactory(title="Amber claim", marking=Marking.AMBER)
    green = ClaimFactory(title="Green claim", marking=Marking.GREEN)
    green.topics.add(TopicFactory(name="POW executions", slug="pow-executions"))
    return clear


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EXPORT, CSV_EXPORT])
def test_exports_need_a_login(api_client, db, url):
    assert api_client.get(url).status_code == 401


def test_import_needs_a_login(api_client, db):
    assert api_client.post(IMPORT, {}, format="json").status_code == 401


def test_viewer_may_not_import(viewer_api, analyst):
    """GIVEN a viewer (and an analyst, who may only write claims) WHEN they import THEN 403."""
    assert viewer_api.post(IMPORT, {"format": "claimtrace"}, format="json").status_code == 403
    viewer_api.force_login(analyst)
    assert viewer_api.post(IMPORT, {"format": "claimtrace"}, format="json").status_code == 403


def test_page_download_needs_a_login(client, db):
    response = client.get(PAGE_CSV)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Export -----------------------------------------------------------------------------------


def test_outsider_export_holds_only_what_they_may_see(marked, outsider, api_client):
    """GIVEN AMBER and RED records WHEN an outsider exports everything THEN neither they nor
    the citation of the RED publication is in the document."""
    api_client.force_login(outsider)

    response = api_client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    text = streamed(response)
    document = json.loads(text)
    assert sorted(c["title"] for c in document["claims"]) == ["Clear claim", "Green claim"]
    assert "Red report" not in text and "Amber claim" not in text
    clear = next(c for c in document["claims"] if c["title"] == "Clear claim")
    assert clear["citations"] == []


def test_export_is_narrowed_by_the_claim_filters(marked, editor_api):
    response = editor_api.get(EXPORT, {"topic": "pow-executions"})
    assert [c["title"] for c in json.loads(streamed(response))["claims"]] == ["Green claim"]


def test_export_with_a_bad_filter_is_a_400(editor_api, db):
    response = editor_api.get(EXPORT, {"status": "rumoured", "unit": 999999})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "unit"}


def test_csv_export_honours_filters_and_markings(marked, outsider, api_client):
    """GIVEN claims of every marking WHEN an outsider asks for the corroborated ones as CSV
    THEN only the CLEAR corroborated claim is a row, without the RED publication's source."""
    api_client.force_login(outsider)

    response = api_client.get(CSV_EXPORT, {"status": "corroborated"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert [row["title"] for row in rows] == ["Clear claim"]
    assert rows[0]["citations"] == "0" and rows[0]["sources"] == ""
    assert api_client.get(CSV_EXPORT, {"marking": "amber"}).status_code == 200
    assert csv_rows(api_client.get(CSV_EXPORT, {"marking": "amber"})) == []


@pytest.fixture
def archive(db, editor):
    """A current claim whose one citation is archived and whose other cites an archived
    publication; an archived claim with its citation; an archived RED claim shared with
    nobody."""
    current = ClaimFactory(title="Current claim")
    CitationFactory(claim=current, excerpt="Withdrawn excerpt").archive(editor, reason="test")
    withdrawn = PublicationFactory(title="Withdrawn report")
    CitationFactory(claim=current, publication=withdrawn, excerpt="Of a withdrawn report")
    withdrawn.archive(editor, reason="test")
    old = ClaimFactory(title="Archived claim")
    CitationFactory(claim=old, excerpt="Archived claim's excerpt")
    old.archive(editor, reason="duplicate")
    ClaimFactory(title="Archived red claim", marking=Marking.RED).archive(editor, reason="test")
    return current


def test_an_editors_export_includes_archived_records_when_asked(archive, editor_api):
    """GIVEN archived claims, citations and publications WHEN an editor exports THEN by
    default none is in the document; with ``archived=include`` each is, with its archive
    stamp, beside the current ones (a RED claim not shared with them still absent); with
    ``archived=true`` the archived claims only, with all their evidence."""
    current = json.loads(streamed(editor_api.get(EXPORT)))
    assert [c["title"] for c in current["claims"]] == ["Current claim"]
    assert current["claims"][0]["citations"] == []
    assert "Withdrawn report" not in json.dumps(current)

    response = editor_api.get(EXPORT, {"archived": "include"})
    assert response.status_code == 200
    document = json.loads(streamed(response))
    claims = {c["title"]: c for c in document["claims"]}
    assert sorted(claims) == ["Archived claim", "Current claim"]
    assert claims["Archived claim"]["archived_at"] and claims["Archived claim"]["archived_by"]
    assert claims["Current claim"]["archived_at"] is None
    excerpts = {c["excerpt"]: c for c in claims["Current claim"]["citations"]}
    assert sorted(excerpts) == ["Of a withdrawn report", "Withdrawn excerpt"]
    assert excerpts["Withdrawn excerpt"]["archived_at"]
    assert [c["excerpt"] for c in claims["Archived claim"]["citations"]] == [
        "Archived claim's excerpt"
    ]
    publications = {p["title"]: p for p in document["publications"]}
    assert publications["Withdrawn report"]["archived_at"]
    # Every citation names a publication the document holds.
    cited = {c["publication"] for claim in claims.values() for c in claim["citations"]}
    assert cited <= {p["uuid"] for p in document["publications"]}

    only = json.loads(streamed(editor_api.get(EXPORT, {"archived": "true"})))
    assert [c["title"] for c in only["claims"]] == ["Archived claim"]
    assert len(only["claims"][0]["citations"]) == 1


def test_the_csv_export_includes_archived_claims_when_asked(archive, editor_api):
    rows = csv_rows(editor_api.get(CSV_EXPORT, {"archived": "include"}))
    by_title = {row["title"]: row for row in rows}
    assert sorted(by_title) == ["Archived claim", "Current claim"]
    assert by_title["Archived claim"]["archived_at"]
    assert by_title["Current claim"]["citations"] == "2"
    assert [row["title"] for row in csv_rows(editor_api.get(CSV_EXPORT))] == ["Current claim"]


@pytest.mark.parametrize("url", [EXPORT, CSV_EXPORT])
def test_only_editors_export_archived_records(archive, viewer_api, analyst, url):
    """GIVEN a viewer and an analyst (who may not archive claims) WHEN they ask for archived
    records THEN 403 saying who may; a value that means nothing is a 400 naming the field."""
    for value in ("include", "true"):
        response = viewer_api.get(url, {"archived": value})
        assert response.status_code == 403
        assert "editors" in response.json()["detail"]
    viewer_api.force_login(analyst)
    assert viewer_api.get(url, {"archived": "include"}).status_code == 403
    assert viewer_api.get(url, {"archived": "false"}).status_code == 200
    response = viewer_api.get(url, {"archived": "sometimes"})
    assert response.status_code == 400
    assert set(response.json()) == {"archived"}


def test_csv_row_carries_units_grade_and_sources(editor_api, db):
    citation = CitationFactory(claim__title="With evidence")
    UnitInvolvementFactory(
        claim=citation.claim, unit=UnitFactory(name="30th MRB"), role="perpetrator"
    )
    refresh_corroboration([citation.claim_id])  # what the signals do on commit

    (row,) = csv_rows(editor_api.get(CSV_EXPORT))

    assert row["uuid"] == str(citation.claim.uuid)
    assert row["units"] == "30th MRB (perpetrator)"
    assert row["sources"] == citation.publication.source.name
    assert row["citations"] == "1"
    assert row["grade"] == "B2"
    assert row["occurred"] == "October 2024"


def _many_claims(count: int) -> None:
    for _ in range(count):
        citation = CitationFactory()
        UnitInvolvementFactory(claim=citation.claim)
        citation.claim.topics.add(TopicFactory())


@pytest.mark.parametrize("url", [CSV_EXPORT, EXPORT])
def test_streaming_exports_have_a_pinned_query_count(
    editor_api, db, url, django_assert_max_num_queries
):
    """GIVEN 5 and then 15 claims with citations, units and topics WHEN exported THEN the
    number of queries is the same: a fixed number per chunk of rows, none per claim."""
    # CSV: session and user (2); the claims, their topics, places, involvements, citations (5);
    # the reader's groups (read once per request for the marking rule).
    # JSON: session and user, all user and group names (4); per section its rows and their
    # prefetches: topics 1, places 2, sources 2, units 3, publications 6, claims 8; the groups.
    limit = 8 if url == CSV_EXPORT else 27
    _many_claims(5)
    with django_assert_max_num_queries(limit):
        assert len(streamed(editor_api.get(url))) > 0
    _many_claims(10)
    with django_assert_max_num_queries(limit):
        body = streamed(editor_api.get(url))
    assert body.count("Claim ") >= 15


# --- Import -----------------------------------------------------------------------------------


@pytest.fixture
def document(db) -> dict:
    """An exported claim with a citation, then the database emptied of it."""
    citation = CitationFactory(claim__title="Imported claim")
    data = export_document()
    citation.delete()
    citation.claim.delete()
    return data


def test_editor_imports_a_json_body_then_nothing_changes_again(editor_api, document):
    response = editor_api.post(IMPORT, document, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["written"] is True
    assert body["counts"]["claims"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert Claim.objects.get().title == "Imported claim"
    assert Claim.objects.get().history.latest().entry_path == "api"

    again = editor_api.post(IMPORT, document, format="json")
    assert again.status_code == 200
    assert again.json()["counts"]["claims"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_dry_run_through_the_api_writes_nothing(editor_api, document):
    response = editor_api.post(f"{IMPORT}?dry_run=true", document, format="json")
    assert response.status_code == 200
    assert response.json()["counts"]["claims"]["created"] == 1
    assert response.json()["written"] is False
    assert Claim.objects.count() == 0


def test_import_of_a_file_with_a_bad_row_is_a_400_listing_it(editor_api, document):
    document["claims"][0]["confidence"] = "certain-ish"
    upload = SimpleUploadedFile("bad.json", json.dumps(document).encode(), "application/json")

    response = editor_api.post(IMPORT, {"file": upload}, format="multipart")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["kind"], error["index"], error["field"]) == ("claims", 0, "confidence")
    assert Claim.objects.count() == 0


def test_import_of_a_csv_file(editor_api, db):
    upload = SimpleUploadedFile(
        "claims.csv",
        b"title,statement,kind,status\r\nNew from CSV,Something happened.,event,unverified\r\n",
        "text/csv",
    )
    response = editor_api.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert Claim.objects.get().title == "New from CSV"


@pytest.mark.parametrize(
    "body", [b"not json at all", b"[1, 2, 3]", b'{"format": "claimtrace", "version": 2}']
)
def test_unreadable_imports_are_400s(editor_api, db, body):
    upload = SimpleUploadedFile("x.json", body, "application/json")
    response = editor_api.post(IMPORT, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_import_cannot_reach_a_record_the_editor_may_not_see(editor_api, db):
    """GIVEN a RED claim not shared with the editor WHEN they import a citation of a RED
    publication, overwrite the RED claim or take over its unit involvement THEN each is
    refused, and the hidden records are unchanged."""
    hidden = ClaimFactory(title="Red claim", marking=Marking.RED)
    hidden_involvement = UnitInvolvementFactory(claim=hidden)
    red_publication = PublicationFactory(marking=Marking.RED)
    document = {
        "format": "claimtrace",
        "version": 1,
        "claims": [
            {"uuid": str(hidden.uuid), "title": "Overwritten"},
            {
                "uuid": "6b1f0c55-0000-4000-8000-000000000001",
                "title": "New",
                "statement": "New.",
                "citations": [
                    {
                        "uuid": "6b1f0c55-0000-4000-8000-000000000002",
                        "publication": str(red_publication.uuid),
                    }
                ],
            },
            {
                "uuid": "6b1f0c55-0000-4000-8000-000000000003",
                "title": "Another",
                "statement": "Another.",
                # Taking over a hidden claim's unit involvement by its uuid.
                "involvements": [
                    {
                        "uuid": str(hidden_involvement.uuid),
                        "unit": str(hidden_involvement.unit.uuid),
                        "role": "subject",
                    }
                ],
            },
        ],
    }

    response = editor_api.post(IMPORT, document, format="json")

    assert response.status_code == 400
    fields = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert (0, "uuid") in fields
    assert (1, "citations[0].publication") in fields
    assert (2, "involvements[0].uuid") in fields
    assert Claim.objects.get(pk=hidden.pk).title == "Red claim"
    assert hidden.involvements.get().pk == hidden_involvement.pk


# --- The list page's download -----------------------------------------------------------------


def test_list_page_links_the_csv_with_its_filters(client, viewer, marked):
    client.force_login(viewer)
    response = client.get("/claims/", {"status": "corroborated"})
    assert 'href="/claims/export.csv?status=corroborated"' in response.content.decode()


def test_page_csv_download_honours_filters_and_markings(client, outsider, marked):
    client.force_login(outsider)

    response = client.get(PAGE_CSV, {"marking": ["clear", "amber"]})

    assert response.status_code == 200
    assert [row["title"] for row in csv_rows(response)] == ["Clear claim"]


def test_page_csv_with_a_bad_filter_says_what_is_wrong(client, viewer, db):
    client.force_login(viewer)
    response = client.get(PAGE_CSV, {"occurred_after": "yesterday"})
    assert response.status_code == 400
    assert "occurred_after" in response.content.decode()


def test_page_csv_query_count_is_pinned(client, viewer, db, django_assert_max_num_queries):
    """GIVEN 5 then 15 claims WHEN the page's CSV is downloaded THEN the queries stay put."""
    client.force_login(viewer)
    _many_claims(5)
    # Session and user (2); the claims, their topics, places, involvements, citations (5);
    # the reader's groups (read once per request for the marking rule).
    with django_assert_max_num_queries(8):
        streamed(client.get(PAGE_CSV))
    _many_claims(10)
    with django_assert_max_num_queries(8):
        assert len(csv_rows(client.get(PAGE_CSV))) == 15
