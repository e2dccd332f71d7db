"""Queries compiled once (core.rows.CompiledRows) on the ``in_array`` lookup
(core.lookups.InArray): the ORM's rows, for less work per call."""

import pytest
from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim
from core.rows import CompiledRows, fetch_together
from tests.factories import CitationFactory, ClaimFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _topic_rows(ids):
    return (
        Claim.topics.through.objects.filter(claim_id__in_array=ids)
        .order_by("claim_id", "topic__name")
        .values("claim_id", "topic__name", "topic__slug")
    )


@pytest.fixture
def claims():
    """Three claims with two, one and no topics."""
    first, second, third = ClaimFactory(), ClaimFactory(), ClaimFactory()
    first.topics.add(TopicFactory(name="Artillery"), TopicFactory(name="Drones"))
    second.topics.add(TopicFactory(name="Logistics"))
    return first, second, third


def test_in_array_matches_what_in_matches_with_sql_that_does_not_grow(claims):
    """GIVEN claims WHEN filtered with ``in_array`` on one id and on three (one of them None)
    THEN the same claims as ``in``, and on PostgreSQL the same SQL text both times."""
    ids = [claim.pk for claim in claims]
    one = Claim.objects.filter(pk__in_array=ids[:1])
    three = Claim.objects.filter(pk__in_array=[*ids, None])
    assert list(one) == list(Claim.objects.filter(pk__in=ids[:1]))
    assert sorted(three, key=lambda c: c.pk) == sorted(claims, key=lambda c: c.pk)
    assert not Claim.objects.filter(pk__in_array=[]).exists()
    assert str(one.query).count("ANY") == 1
    assert one.query.sql_with_params()[0] == three.query.sql_with_params()[0]


def test_compiled_rows_are_the_orm_s_rows_in_one_query_each(claims):
    """GIVEN a compiled query WHEN it is run for pages of different sizes THEN each run is
    one query and returns exactly the ORM's rows; the SQL was compiled once."""
    rows = CompiledRows(_topic_rows)
    ids = [claim.pk for claim in claims]
    for page in (ids, ids[:1], ids[1:], []):
        with CaptureQueriesContext(connection) as queries:
            got = rows(page)
        assert got == list(_topic_rows(page))
        assert len(queries) == 1
    assert list(rows.compiled) == [("default", ())]
    assert rows.compiled["default", ()] is not None


def test_rows_that_need_django_s_conversion_keep_the_orm_path(claims):
    """GIVEN a query with a column Django converts after reading (an expression's decimal)
    WHEN it is compiled THEN it is left to the ORM (no compiled SQL), with the ORM's rows."""

    def build(ids):
        return (
            Claim.objects.filter(pk__in_array=ids)
            .order_by("pk")
            .annotate(
                ratio=ExpressionWrapper(
                    F("independent_lines") * 1.5,
                    output_field=DecimalField(max_digits=5, decimal_places=2),
                )
            )
            .values("pk", "ratio")
        )

    rows = CompiledRows(build)
    ids = [claim.pk for claim in claims]
    assert rows(ids) == list(build(ids))
    assert rows.compiled == {("default", ()): None}


def test_queries_fetched_together_are_each_the_orm_s_in_one_round_trip(claims):
    """GIVEN two compiled queries (one with joins and the kinds of values marked rows carry:
    uuids, stamps) and one left to the ORM WHEN they are fetched together THEN each gives the
    ORM's rows, the compiled two in one statement sent once."""
    first = claims[0]
    CitationFactory(claim=first)
    CitationFactory(claim=first)

    def citations(ids):
        return (
            Citation.objects.filter(claim_id__in_array=ids)
            .order_by("pk")
            .values("pk", "uuid", "created_at", "publication__title", "publication__source__name")
        )

    def converted(ids):
        return (
            Claim.objects.filter(pk__in_array=ids)
            .annotate(
                ratio=ExpressionWrapper(
                    F("independent_lines") * 1.5,
                    output_field=DecimalField(max_digits=5, decimal_places=2),
                )
            )
            .values("pk", "ratio")
        )

    ids = [claim.pk for claim in claims]
    with CaptureQueriesContext(connection) as queries:
        rows = fetch_together(
            {
                "topics": CompiledRows(_topic_rows).query(ids),
                "citations": CompiledRows(citations).query([first.pk]),
                "converted": CompiledRows(converted).query([first.pk]),
            }
        )
    assert rows["topics"] == list(_topic_rows(ids)) and len(rows["topics"]) == 3
    assert rows["citations"] == list(citations([first.pk])) and len(rows["citations"]) == 2
    assert rows["converted"] == list(converted([first.pk]))
    assert len(queries) == 2  # the two compiled ones together, the converted one alone


@pytest.fixture
def server_side_binding():
    """The connection's cursors bind parameters on the server, as with the
    ``server_side_binding`` option (one statement per message)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    client_side = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    yield
    raw.cursor_factory = client_side


def test_with_server_side_binding_the_queries_are_sent_one_by_one(claims, server_side_binding):
    """GIVEN cursors that bind on the server (several statements in one message are refused
    there) WHEN queries are fetched together THEN each is sent alone, with the same rows."""
    topics = CompiledRows(_topic_rows)
    ids = [claim.pk for claim in claims]
    claims_rows = CompiledRows(
        lambda ids: Claim.objects.filter(pk__in_array=ids).values("pk", "title")
    ).query(ids)
    with CaptureQueriesContext(connection) as queries:
        rows = fetch_together({"topics": topics.query(ids), "claims": claims_rows})
    assert rows["topics"] == list(_topic_rows(ids)) and len(rows["topics"]) == 3
    assert sorted(row["pk"] for row in rows["claims"]) == sorted(ids)
    assert len(queries) == 2


def test_compiled_queries_per_key_are_kept_within_their_bound(claims):
    """GIVEN a query compiled per key with room for two WHEN three keys come THEN the kept
    queries start over rather than grow, and every answer is still the ORM's."""
    ids = [claim.pk for claim in claims]

    def build(ids, title_prefix):
        return (
            Claim.objects.filter(pk__in_array=ids, title__startswith=title_prefix)
            .order_by("pk")
            .values("pk", "title")
        )

    rows = CompiledRows(build, key=lambda prefix: prefix)
    rows.MAX_COMPILED = 2
    for prefix in ("Claim", "Nothing", "Cl", "Claim"):
        assert rows(ids, prefix) == list(build(ids, prefix))
        assert len(rows.compiled) <= 2
