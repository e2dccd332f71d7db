"""Corroboration in the claims API: stored fields, the detail's explanation, filters, cost."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim
from claims.services import refresh_corroboration
from core.choices import Marking
from devdata.demo import demo_uuid
from sources.models import PublicationReference
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    PublicationFactory,
    PublicationReferenceFactory,
    SourceFactory,
)
from tests.helpers import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded():
    """Three claims, their stored fields up to date:

    - ``corroborated``: two independent reports, B2 and C3;
    - ``echoed``: a report and a second one citing it (one line), A1;
    - ``bare``: no evidence.
    """
    corroborated, echoed, bare = ClaimFactory(), ClaimFactory(), ClaimFactory()
    CitationFactory(claim=corroborated, publication=PublicationFactory(), credibility=2)
    CitationFactory(
        claim=corroborated,
        publication=PublicationFactory(source=SourceFactory(reliability="C")),
        credibility=3,
    )
    origin = PublicationFactory(source=SourceFactory(name="Origin", reliability="A"))
    echo = PublicationFactory(source=SourceFactory(name="Echo"))
    PublicationReferenceFactory(citing=echo, cited=origin, kind=PublicationReference.Kind.CITES)
    CitationFactory(claim=echoed, publication=origin, credibility=1)
    CitationFactory(claim=echoed, publication=echo, credibility=2)
    refresh_corroboration([corroborated.pk, echoed.pk, bare.pk])
    return {"corroborated": corroborated, "echoed": echoed, "bare": bare}


def test_list_rows_carry_the_stored_fields_without_the_explanation(viewer_api, graded):
    rows = {row["id"]: row for row in viewer_api.get("/api/claims/").json()["results"]}

    corroborated = rows[graded["corroborated"].pk]
    assert corroborated["grade"] == "B2"
    assert corroborated["independent_lines"] == 2
    assert corroborated["disputes"] == 0
    assert corroborated["suggested_status"] == "corroborated"
    assert corroborated["status"] == "unverified"  # the analyst's status, untouched
    assert rows[graded["bare"].pk]["grade"] is None
    assert rows[graded["bare"].pk]["suggested_status"] == "no_evidence"
    assert all(row["evidence_lines"] is None for row in rows.values())


def test_brief_rows_carry_grade_and_lines(viewer_api, graded):
    rows = viewer_api.get("/api/claims/?brief=1").json()["results"]

    echoed = next(row for row in rows if row["id"] == graded["echoed"].pk)
    assert (echoed["grade"], echoed["independent_lines"]) == ("A1", 1)


def test_detail_explains_the_lines(viewer_api, graded):
    response = viewer_api.get(f"/api/claims/{graded['echoed'].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["independent_lines"] == 1
    [line] = body["evidence_lines"]
    assert line["grouped_because"] == "Echo cites Origin"
    assert line["grade"] == "A1"
    assert [(p["source"], p["echo"]) for p in line["publications"]] == [
        ("Origin", False),
        ("Echo", True),
    ]
    assert set(line["publications"][0]) >= {"id", "title", "source", "grade"}


def test_detail_of_the_kn23_claim_shows_two_lines(viewer_api):
    call_command("load_demo", verbosity=0)
    claim = Claim.objects.get(uuid=demo_uuid(Claim, "claim-kn23-modified-more-precise"))

    body = viewer_api.get(f"/api/claims/{claim.pk}/").json()

    assert body["independent_lines"] == 2
    assert body["grade"] == "B2"
    assert [
        [p["source"] for p in line["publications"] if not p["echo"]]
        for line in body["evidence_lines"]
    ] == [["Reuters"], ["Chosun Ilbo"]]


def test_detail_leaves_out_evidence_the_reader_may_not_see(viewer_api, superuser_api, graded):
    """GIVEN a claim with a second line from a TLP:RED publication
    WHEN a viewer and a superuser read the claim
    THEN the viewer's detail neither lists nor counts it; the superuser's does."""
    claim = graded["echoed"]
    CitationFactory(claim=claim, publication=PublicationFactory(marking=Marking.RED))
    refresh_corroboration([claim.pk])

    viewer_body = viewer_api.get(f"/api/claims/{claim.pk}/").json()
    root_body = superuser_api.get(f"/api/claims/{claim.pk}/").json()

    assert viewer_body["independent_lines"] == len(viewer_body["evidence_lines"]) == 1
    assert root_body["independent_lines"] == len(root_body["evidence_lines"]) == 2


def test_min_independent_lines_filter(viewer_api, graded):
    assert ids(viewer_api.get("/api/claims/?min_independent_lines=2")) == [
        graded["corroborated"].pk
    ]
    assert set(ids(viewer_api.get("/api/claims/?min_independent_lines=1"))) == {
        graded["corroborated"].pk,
        graded["echoed"].pk,
    }


def test_grade_filters(viewer_api, graded):
    assert ids(viewer_api.get("/api/claims/?grade=A1")) == [graded["echoed"].pk]
    assert set(ids(viewer_api.get("/api/claims/?grade=A1&grade=B2"))) == {
        graded["echoed"].pk,
        graded["corroborated"].pk,
    }
    assert ids(viewer_api.get("/api/claims/?grade_at_least=A6")) == [graded["echoed"].pk]
    assert viewer_api.get("/api/claims/?grade=Z9").status_code == 400


def test_suggested_status_filter_and_ordering_by_lines(viewer_api, graded):
    assert ids(viewer_api.get("/api/claims/?suggested_status=no_evidence")) == [graded["bare"].pk]
    assert ids(viewer_api.get("/api/claims/?ordering=-lines")) == [
        graded["corroborated"].pk,
        graded["echoed"].pk,
        graded["bare"].pk,
    ]


def test_a_new_citation_through_the_api_updates_the_stored_fields(
    editor_api, graded, django_capture_on_commit_callbacks
):
    claim = graded["bare"]
    publication = PublicationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(
            "/api/citations/",
            {
                "claim": claim.pk,
                "publication": publication.pk,
                "stance": Citation.Stance.DISPUTES,
                "credibility": 2,
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    body = editor_api.get(f"/api/claims/{claim.pk}/").json()
    assert (body["disputes"], body["suggested_status"]) == (1, "disputed")


def test_list_queries_do_not_grow_with_the_page(viewer_api):
    """GIVEN 20 claims with evidence lines and stored fields
    WHEN one row and twenty rows are listed
    THEN the cost is the same: the fields are columns, no engine runs on a list."""
    claims = []
    for _ in range(20):
        claim = ClaimFactory()
        origin, echo = PublicationFactory(), PublicationFactory()
        PublicationReferenceFactory(citing=echo, cited=origin)
        CitationFactory(claim=claim, publication=origin)
        CitationFactory(claim=claim, publication=echo)
        claims.append(claim.pk)
    refresh_corroboration(claims)

    with CaptureQueriesContext(connection) as one_row:
        assert len(ids(viewer_api.get("/api/claims/?page_size=1&min_independent_lines=1"))) == 1
    with CaptureQueriesContext(connection) as twenty_rows:
        assert len(ids(viewer_api.get("/api/claims/?page_size=20&min_independent_lines=1"))) == 20

    assert len(one_row) == len(twenty_rows)
