"""Full-text search at scale: the stored vector, ranking the newest matches, capped counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims import querysets
from claims.models import Claim
from core.choices import Marking
from tests.factories import ClaimFactory
from tests.helpers import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def executions():
    """Eight claims about executions, one a month from January 2024 (newest last); the titles
    of the second and the sixth name them, the others only in the statement."""
    claims = []
    for month in range(1, 9):
        titled = month in (2, 6)
        claims.append(
            ClaimFactory(
                title="Executions of POWs" if titled else f"Report {month}",
                statement="Witnesses describe executions of prisoners.",
                occurred_start=dt.date(2024, month, 1),
            )
        )
    ClaimFactory(title="Shelling of Kharkiv", statement="Artillery hit the city.")
    return claims


def test_stored_vector_follows_every_change_of_the_text():
    """GIVEN a claim WHEN its title is changed by a plain UPDATE (no model code involved)
    THEN search finds it by the new words only: the database keeps the vector current."""
    claim = ClaimFactory(title="Shelling of Kharkiv", statement="Artillery hit the city.")
    Claim.objects.filter(pk=claim.pk).update(title="Drone strike on Odesa")

    assert list(Claim.objects.matching("odesa")) == [claim]
    assert not Claim.objects.matching("kharkiv").exists()


def test_search_vector_is_not_loaded_with_claims():
    """The vector is a database column, not a model field: lists never transfer it."""
    ClaimFactory()
    assert "search_vector" not in str(Claim.objects.all().query)
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector IS NOT NULL FROM claims_claim")
        assert cursor.fetchone() == (True,)


def test_broad_search_ranks_only_the_newest_matches_then_lists_older_ones_by_date(
    viewer_api, executions, monkeypatch
):
    """GIVEN eight matches and ranking limited to the four newest
    WHEN searching
    THEN the four newest come first, the one with the word in its title leading; the four older
    follow newest first, although one of them has the word in its title too."""
    monkeypatch.setattr(querysets, "RANKED_MATCHES", 4)

    result = ids(viewer_api.get("/api/claims/", {"search": "executions"}))

    newest_four = [claim.pk for claim in reversed(executions[4:])]
    assert result[0] == executions[5].pk
    assert set(result[:4]) == set(newest_four)
    assert result[1:4] == [pk for pk in newest_four if pk != executions[5].pk]
    assert result[4:] == [claim.pk for claim in reversed(executions[:4])]


@pytest.mark.parametrize(("start", "stop"), [(0, 2), (1, 3), (2, 6), (3, 5), (4, 8), (5, 20)])
def test_page_shortcut_gives_exactly_the_rows_of_slicing(viewer, executions, start, stop):
    """GIVEN results ranked over the four newest matches WHEN a page is read through the
    paginator's shortcut THEN it holds the same claims in the same order as slicing the
    queryset (which sorts every match), whether the page is inside, across or past them."""
    ranked = (
        Claim.objects.visible_to(viewer).matching("executions").by_relevance("executions", ranked=4)
    )
    fast = ranked.page_slice(start, stop)
    slow = list(ranked.all()[start:stop])  # a clone: no shortcut

    assert [claim.pk for claim in fast] == [claim.pk for claim in slow]
    assert [claim.search_rank for claim in fast] == pytest.approx(
        [claim.search_rank for claim in slow]
    )


def test_explicit_ordering_replaces_the_ranking(viewer_api, executions):
    result = ids(viewer_api.get("/api/claims/", {"search": "executions", "ordering": "occurred"}))
    assert result == [claim.pk for claim in executions]


def test_search_never_ranks_or_counts_hidden_claims(viewer_api, executions):
    """GIVEN a newer matching TLP:RED claim not shared with the viewer WHEN searching THEN it
    is absent from results and count, and does not take a place among the ranked ones."""
    hidden = ClaimFactory(
        title="Executions of POWs", marking=Marking.RED, occurred_start=dt.date(2025, 1, 1)
    )
    body = viewer_api.get("/api/claims/", {"search": "executions"}).json()
    assert hidden.pk not in [row["id"] for row in body["results"]]
    assert body["count"] == len(executions)


def test_count_is_exact_up_to_the_limit_then_an_estimate(viewer_api, executions):
    """GIVEN more matches than EXACT_COUNT_LIMIT WHEN listing THEN count is PostgreSQL's
    estimate, at least the limit + 1, flagged by count_is_estimate; the page is complete."""
    with override_settings(EXACT_COUNT_LIMIT=3):
        body = viewer_api.get("/api/claims/", {"search": "executions", "page_size": 5}).json()
    assert body["count_is_estimate"] is True
    assert body["count"] >= 4
    assert len(body["results"]) == 5
    assert body["next"] is not None
    # A page past a low estimate is read, not refused: the last claims are still reachable.
    with override_settings(EXACT_COUNT_LIMIT=3):
        last = viewer_api.get("/api/claims/", {"search": "executions", "page_size": 5, "page": 2})
    assert len(ids(last)) == 3
    assert last.json()["next"] is None

    with override_settings(EXACT_COUNT_LIMIT=8):
        body = viewer_api.get("/api/claims/", {"search": "executions"}).json()
    assert body["count"] == 8
    assert "count_is_estimate" not in body


def test_an_estimate_far_above_the_limit_is_taken_without_counting(viewer_api):
    """GIVEN far more claims than ten times EXACT_COUNT_LIMIT (and fresh statistics) WHEN
    listing THEN PostgreSQL's estimate is the count, and no COUNT query runs; near the limit
    the claims are counted."""
    ClaimFactory.create_batch(60)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    with override_settings(EXACT_COUNT_LIMIT=2), CaptureQueriesContext(connection) as queries:
        body = viewer_api.get("/api/claims/", {"brief": 1}).json()
    assert body["count_is_estimate"] is True
    assert body["count"] > 20
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(body["results"]) == 50 and body["next"] is not None

    with override_settings(EXACT_COUNT_LIMIT=10), CaptureQueriesContext(connection) as queries:
        body = viewer_api.get("/api/claims/", {"brief": 1}).json()
    assert body["count_is_estimate"] is True
    assert [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def test_searching_a_list_costs_a_fixed_number_of_queries(
    viewer_api, executions, django_assert_max_num_queries
):
    """Search with ranking reads the page like the plain list: count, ranked window, page,
    then the same prefetches, whatever the number of matches."""
    # user + groups (2), count (1), ranked window ids (1), the page (1), prefetches (9),
    # ORBAT paths (1).
    with django_assert_max_num_queries(16):
        assert len(ids(viewer_api.get("/api/claims/", {"search": "executions"}))) == 8
