"""A new claim posted with its citations: one request, one transaction, one corroboration."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Citation, Claim
from tests.factories import (
    ClaimFactory,
    PublicationFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports():
    """Three reports from three unrelated sources."""
    return [
        PublicationFactory(source=SourceFactory(name=name, reliability=reliability))
        for name, reliability in (("Reuters", "B"), ("Meduza", "C"), ("Suspilne", "B"))
    ]


def payload(citations: list[dict], **changes) -> dict:
    return {
        "title": "Strike on a fuel depot",
        "statement": "Drones hit a fuel depot near Bryansk.",
        "kind": "event",
        "occurred": {"start": "2025-02-20", "precision": "day"},
        "marking": "clear",
        "citations": citations,
        **changes,
    }


def cite(publication, credibility: int = 2, **changes) -> dict:
    return {
        "publication": publication.pk,
        "stance": "supports",
        "credibility": credibility,
        "excerpt": "Footage shows the strike.",
        **changes,
    }


def test_a_claim_is_created_with_its_citations_and_their_corroboration(
    editor_api, editor, reports, django_capture_on_commit_callbacks
):
    """GIVEN three reports from independent sources WHEN an editor posts a claim citing all
    three THEN the claim and its citations are saved, stamped and in the history, the stored
    corroboration counts three lines, and the response shows the citations with grades."""
    body = [cite(reports[0], 2), cite(reports[1], 3), cite(reports[2], 1, stance="supports")]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post("/api/claims/", payload(body), format="json")

    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    citations = list(claim.citations.order_by("pk"))
    assert [c.publication for c in citations] == reports
    assert all(c.created_by == editor and c.updated_by == editor for c in citations)
    assert [c.history.get().history_type for c in citations] == ["+", "+", "+"]
    assert {c.history.get().entry_path for c in citations} == {"api"}
    assert (claim.independent_lines, claim.best_grade, claim.suggested_status) == (
        3,
        "B1",
        "corroborated",
    )
    shown = response.json()
    assert [c["grade"] for c in shown["citations"]] == ["B2", "C3", "B1"]
    assert shown["citations"][0]["publication"]["source"]["name"] == "Reuters"
    assert shown["independent_lines"] == 3


def test_a_bad_citation_refuses_the_whole_claim_with_its_position(editor_api, reports):
    """GIVEN a second citation with a credibility outside 1–6 THEN 400 names that citation's
    field, and neither the claim nor the valid first citation is written."""
    body = [cite(reports[0]), cite(reports[1], credibility=9)]
    response = editor_api.post("/api/claims/", payload(body), format="json")

    assert response.status_code == 400
    # Keyed by the position of the citation at fault (the first one is fine).
    assert list(response.json()["citations"]) == ["1"]
    assert "credibility" in response.json()["citations"]["1"]
    assert not Claim.objects.filter(title="Strike on a fuel depot").exists()
    assert not Citation.objects.exists()


def test_a_publication_hidden_from_the_writer_is_refused_like_an_unknown_one(editor_api, reports):
    secret = PublicationFactory(marking="red")
    response = editor_api.post(
        "/api/claims/", payload([cite(reports[0]), cite(secret)]), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["citations"]["1"]) == ["publication"]
    assert not Citation.objects.exists()
    assert not Claim.objects.exists()


def test_changing_a_claim_never_touches_its_citations(editor_api, reports):
    """GIVEN a claim with a citation WHEN a client PUTs back what GET returned, and PATCHes
    with other citations THEN the citation is unchanged (citations change at
    /api/citations/), and the other fields are saved."""
    created = editor_api.post("/api/claims/", payload([cite(reports[0])]), format="json").json()
    url = f"/api/claims/{created['id']}/"

    current = editor_api.get(url)
    document = {**current.json(), "title": "Strike on a fuel depot (confirmed)"}
    document.pop("evidence_lines")
    put = editor_api.put(url, document, format="json", HTTP_IF_MATCH=current["ETag"])
    assert put.status_code == 200, put.content
    patched = editor_api.patch(
        url,
        {"citations": [cite(reports[1])]},
        format="json",
        HTTP_IF_MATCH=put["ETag"],
    )
    assert patched.status_code == 200, patched.content

    claim = Claim.objects.get(pk=created["id"])
    assert claim.title == "Strike on a fuel depot (confirmed)"
    assert [c.publication for c in claim.citations.all()] == [reports[0]]


def test_a_role_that_may_add_claims_but_not_citations_is_refused(reports):
    """Posting citations with a claim needs the right to add citations (403 otherwise)."""
    writer = UserFactory()
    writer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["claims", "sources"],
            codename__in=["add_claim", "view_claim", "view_publication", "view_citation"],
        )
    )
    client = APIClient()
    client.force_login(writer)
    assert client.post("/api/claims/", payload([]), format="json").status_code == 201

    response = client.post("/api/claims/", payload([cite(reports[0])]), format="json")

    assert response.status_code == 403
    assert Claim.objects.count() == 1
    assert not Citation.objects.exists()


def test_three_citations_cost_far_fewer_queries_than_four_requests(
    editor_api, reports, django_capture_on_commit_callbacks
):
    """One request writing a claim and three citations recomputes the claim's corroboration
    once (one UPDATE of claims), and runs fewer queries than the claim alone plus three
    citation requests did."""
    ClaimFactory()  # not the only claim in the database
    with (
        CaptureQueriesContext(connection) as nested,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = editor_api.post(
            "/api/claims/", payload([cite(report) for report in reports]), format="json"
        )
    assert response.status_code == 201
    updates = [
        q["sql"] for q in nested.captured_queries if q["sql"].startswith('UPDATE "claims_claim"')
    ]
    assert len(updates) == 1

    with (
        CaptureQueriesContext(connection) as separate,
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim = editor_api.post("/api/claims/", payload([]), format="json").json()["id"]
        for report in reports:
            created = editor_api.post(
                "/api/citations/", {**cite(report), "claim": claim}, format="json"
            )
            assert created.status_code == 201
    assert len(nested.captured_queries) < len(separate.captured_queries) * 3 / 4


def test_a_claim_created_with_topics_has_one_created_history_row_listing_them(editor_api):
    """Saving, then setting the topics, wrote a "created" row without topics and a "changed"
    row with them; the record's history now starts with one row holding both."""
    topics = [TopicFactory(name="Strikes"), TopicFactory(name="Energy")]
    body = payload([], topics=[topic.pk for topic in topics], reason="First report.")
    response = editor_api.post("/api/claims/", body, format="json")

    assert response.status_code == 201, response.content
    (row,) = Claim.objects.get(pk=response.json()["id"]).history.all()
    assert (row.history_type, row.history_user.username, row.entry_path) == ("+", "editor", "api")
    assert row.history_change_reason == "First report."
    assert {link.topic_id for link in row.topics.all()} == {topic.pk for topic in topics}
    history = editor_api.get(f"/api/claims/{response.json()['id']}/history/").json()
    assert [entry["action"] for entry in history["results"]] == ["created"]


def test_the_ids_a_new_claim_names_are_read_once_per_kind(editor_api, reports):
    """GIVEN a claim with three citations and two topics WHEN it is posted THEN the three
    publications are read in one query and the two topics in one (they were read one by
    one), and a hidden or unknown id among them is still refused by name."""
    topics = [TopicFactory(name="Strikes"), TopicFactory(name="Energy")]
    body = payload([cite(report) for report in reports], topics=[t.pk for t in topics])
    with CaptureQueriesContext(connection) as queries:
        response = editor_api.post("/api/claims/", body, format="json")
    assert response.status_code == 201, response.content

    def reads(table: str) -> int:
        """Lookups of rows of ``table`` by id (not the joins that set the claim's topics)."""
        return sum(f'FROM "{table}" WHERE' in q["sql"] for q in queries.captured_queries)

    assert reads("sources_publication") == 1
    assert reads("claims_topic") == 1
    hidden = PublicationFactory(marking="red")
    body = payload([cite(reports[0]), cite(hidden)], topics=[topics[0].pk, 987654])
    refused = editor_api.post("/api/claims/", body, format="json")
    assert refused.status_code == 400
    errors = refused.json()
    assert "publication" in errors["citations"]["1"] and "0" not in errors["citations"]
    assert "987654" in str(errors["topics"])


def test_the_created_history_row_reads_back_only_the_links_that_were_set(editor_api):
    """GIVEN a claim posted with topics but no places or sharing WHEN its "created" history
    row is written THEN the topics are copied into it and the empty link tables of a record
    that did not exist a moment before are not read back (three queries fewer)."""
    topics = [TopicFactory(name="Strikes")]
    body = payload([], topics=[topic.pk for topic in topics])
    with CaptureQueriesContext(connection) as queries:
        response = editor_api.post("/api/claims/", body, format="json")
    assert response.status_code == 201, response.content
    copied = [
        table
        for table in ("topics", "locations", "sharing_groups", "shared_with")
        for q in queries.captured_queries
        if q["sql"].startswith(f'SELECT "claims_claim_{table}"."id"')
    ]
    assert copied == ["topics"]
    (row,) = Claim.objects.get(pk=response.json()["id"]).history.all()
    assert [link.topic_id for link in row.topics.all()] == [topics[0].pk]
    assert not row.locations.exists() and not row.sharing_groups.exists()


def test_the_citations_of_a_new_claim_are_written_together_each_with_its_history(
    editor_api, editor, reports
):
    """GIVEN three citations, one with a stated reason WHEN a claim is posted with them THEN
    one INSERT writes the citations and one their history rows, each row naming the editor,
    the API as entry path and its own reason (none for the others)."""
    body = [cite(reports[0], reason="Seen the footage myself."), cite(reports[1]), cite(reports[2])]

    with CaptureQueriesContext(connection) as queries:
        response = editor_api.post("/api/claims/", payload(body), format="json")

    assert response.status_code == 201, response.content
    inserts = [q["sql"][:40] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert sum('"claims_citation"' in sql for sql in inserts) == 1
    assert sum('"claims_historicalcitation"' in sql for sql in inserts) == 1
    rows = Citation.history.filter(claim_id=response.json()["id"]).order_by("publication_id")
    assert [(row.history_user, row.entry_path, row.history_type) for row in rows] == [
        (editor, "api", "+")
    ] * 3
    reasons = {row.publication_id: row.history_change_reason for row in rows}
    assert reasons[reports[0].pk] == "Seen the footage myself."
    assert not reasons[reports[1].pk] and not reasons[reports[2].pk]
