"""The benchmark queries, built by the real FilterSets and querysets, use the indexes made for
them (EXPLAIN on small data with sequential scans discouraged, so an index that can serve a
query is chosen and one that cannot is absent from the plan)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from claims import querysets as claim_querysets
from claims.filtersets import ClaimFilterSet
from claims.models import Citation, Claim, UnitInvolvement
from places.filtersets import LocationFilterSet
from places.models import Location
from sources.filtersets import PublicationFilterSet, SourceFilterSet
from sources.models import Publication, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
)
from units.filtersets import UnitFilterSet
from units.models import Unit
from units.querysets import orbat_path_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seqscan(db):
    # Scoped to the test's transaction: a few rows would otherwise always be read sequentially.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.fixture
def orbat():
    """A district › army › brigade chain with one claim about the brigade, among a few hundred
    claims about another unit, so that each filter below is as selective as in production;
    then ANALYZE, so the planner knows it."""
    district = UnitFactory(name="Central Military District", echelon="military_district")
    army = UnitFactory(name="2nd Combined Arms Army", echelon="army", parent=district)
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", parent=army)
    claim = ClaimFactory(
        title="Executions of prisoners near Robotyne",
        status=Claim.Status.CORROBORATED,
        marking="green",
        occurred_start=dt.date(2022, 6, 1),
    )
    UnitInvolvementFactory(claim=claim, unit=brigade)
    ClaimFactory(title="A recent claim", occurred_start=dt.date(2026, 11, 1))
    others = Unit.objects.bulk_create(
        Unit(name=f"Filler Brigade {n}", country="RU", echelon="brigade") for n in range(100)
    )
    publication = PublicationFactory()
    fillers = Claim.objects.bulk_create(
        Claim(
            title=f"Shelling {n}",
            statement="Artillery hit the city.",
            occurred_start=dt.date(2025, 1, 1) + dt.timedelta(days=n % 300),
            occurred_end=dt.date(2025, 1, 1) + dt.timedelta(days=n % 300),
            best_grade="C3",
        )
        for n in range(400)
    )
    UnitInvolvement.objects.bulk_create(
        UnitInvolvement(claim=filler, unit=others[(n + k * 7) % 100], role=role)
        for n, filler in enumerate(fillers)
        for k, role in enumerate(UnitInvolvement.Role.values)
    )
    Citation.objects.bulk_create(
        Citation(claim=filler, publication=publication, credibility=3) for filler in fillers
    )
    Claim.objects.filter(pk__in=[filler.pk for filler in fillers]).update(
        updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # What VACUUM does after a bulk load (it cannot run in the test's transaction): move
        # the GIN indexes' pending entries into the index proper.
        cursor.execute(
            "SELECT gin_clean_pending_list(indexrelid) FROM pg_index JOIN pg_class c"
            " ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'gin'"
        )
    return district, claim


# The closure table's two indexes; either serves "the units below X" (the planner picks).
CLOSURE_INDEXES = ("unit_ancestor_below_idx", "unit_ancestor_unique")


def plan(queryset) -> str:
    """The plan of the query of one page of ``queryset`` (what a list request runs)."""
    return queryset[:50].explain()


def fk_index(model, column: str) -> str:
    """Name of the single-column index Django made for a column (``db_index``, foreign key)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return next(
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == [column] and not info["primary_key"]
    )


def claims(user, **params):
    """Claims as the list endpoint filters them for ``user``."""
    request = RequestFactory().get("/api/claims/", params)
    request.user = user
    filterset = ClaimFilterSet(
        data=request.GET, queryset=Claim.objects.visible_to(user), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def test_claim_list_reads_the_partial_index_in_list_order(viewer, orbat):
    """GIVEN the default claim list of a viewer (current claims, newest first) THEN one index
    scan of ``claim_current_occurred_idx`` yields the page in order, with no sort step."""
    explained = plan(claims(viewer))
    # On a few hundred rows the planner may also pick the plain occurred_start index and sort
    # ties by id incrementally; what matters is that no step sorts the whole table.
    occurred_indexes = ("claim_current_occurred_idx", fk_index(Claim, "occurred_start"))
    assert any(index in explained for index in occurred_indexes), explained
    assert not re.search(r"(?<!Incremental )Sort  \(", explained), explained


@pytest.mark.parametrize(
    "params",
    [
        {"status": "corroborated"},
        {"kind": "event", "marking": "green"},
        {"confidence": "likely"},
        {"grade": "C3"},
        {"suggested_status": "no_evidence"},
    ],
    ids=lambda params: ",".join(params),
)
def test_choice_filters_on_the_claim_keep_the_list_order_without_distinct(viewer, orbat, params):
    """GIVEN a filter on a column of the claim itself WHEN a page is read THEN no DISTINCT:
    with it, PostgreSQL sorted every match, all columns, to drop duplicates a column of the
    claim cannot make (a status of 87,000 claims in a million: 264 ms), where it can walk
    the list in order and stop at the page's end."""
    queryset = claims(viewer, **params)
    assert not queryset.query.distinct
    assert "Unique" not in plan(queryset)


@pytest.mark.parametrize(
    ("ordering", "index"),
    [("-updated", "claim_updated_idx"), ("-created", "claim_current_created_idx")],
)
def test_claim_list_orderings_have_their_index(viewer, orbat, ordering, index):
    assert index in plan(claims(viewer, ordering=ordering))


def test_full_text_search_uses_the_stored_vector_and_its_gin_index(viewer, orbat):
    """GIVEN a search WHEN the claims are filtered THEN the match is the GIN index on the
    stored vector, never a to_tsvector() of each row."""
    explained = plan(claims(viewer, search="executions"))
    assert "claim_search_vector_idx" in explained
    assert "to_tsvector" not in explained
    assert list(claims(viewer, search="executions")) == [orbat[1]]


def test_unit_subtree_filter_reads_the_closure_index(
    viewer, orbat, monkeypatch, django_assert_num_queries
):
    """GIVEN a top-level unit with subordinates, its subtree counted as large WHEN claims are
    filtered by it with its subordinates THEN the subtree is read from the closure table's
    index (no recursive query), and the claims are found through the involvement indexes."""
    monkeypatch.setattr(claim_querysets, "FEW_UNITS", 0)
    district, claim = orbat
    # The viewer's groups (read once for the marking rule), the unit itself (the filter's
    # form checks it exists and is visible), then how many units are below it (stopping past
    # FEW_UNITS).
    with django_assert_num_queries(3):
        queryset = claims(viewer, unit=district.pk, include_subordinates="true")

    explained = plan(queryset)
    assert "Recursive Union" not in explained
    assert any(index in explained for index in CLOSURE_INDEXES), explained
    # Involvements by unit (a narrow subtree) or by claim while walking the list in order (a
    # broad one): the planner picks by the subtree's size, never a scan of the table.
    involvement_indexes = (
        "involvement_unit_claim_idx",
        "unit_involvement_unique",
        fk_index(UnitInvolvement, "claim_id"),
    )
    assert any(index in explained for index in involvement_indexes), explained
    assert "Seq Scan on claims_unitinvolvement" not in explained
    assert list(queryset) == [claim]


def test_small_unit_subtree_reads_its_claims_by_key(viewer, orbat, django_assert_num_queries):
    """GIVEN a subtree with few involvements WHEN claims are filtered by it THEN the subtree's
    units come from the closure index and their claim ids first, and the page reads the claims
    by primary key, not in list order through the whole table."""
    district, claim = orbat
    # The viewer's groups (read once for the marking rule), the unit, the units below it
    # (closure), their claim ids (involvements).
    with django_assert_num_queries(4) as queries:
        queryset = claims(viewer, unit=district.pk, include_subordinates="true")
    subtree_sql = next(q["sql"] for q in queries.captured_queries if "unitancestor" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {subtree_sql}")
        subtree_plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(index in subtree_plan for index in CLOSURE_INDEXES), subtree_plan

    explained = plan(queryset)
    assert "claims_claim_pkey" in explained
    assert list(queryset) == [claim]


def test_claim_detail_reads_by_primary_key_and_citations_by_claim(viewer, orbat):
    claim = orbat[1]
    CitationFactory(claim=claim)
    assert "claims_claim_pkey" in Claim.objects.visible_to(viewer).filter(pk=claim.pk).explain()
    citations = claim.citations.all()
    assert fk_index(citations.model, "claim_id") in citations.explain()


@pytest.mark.parametrize(
    ("params", "index"),
    [
        (
            {"occurred_before": "2022-12-31"},
            ("claims_claim_occurred_start", "claim_current_occurred_idx"),
        ),
        ({"occurred_after": "2026-06-01"}, ("claims_claim_occurred_end",)),
        ({"status": "corroborated"}, ("claims_claim_status",)),
        ({"grade": "B2"}, ("claims_claim_best_grade",)),
        ({"min_independent_lines": "2"}, ("claims_claim_independent_lines",)),
        ({"marking": "green"}, ("claims_claim_marking",)),
    ],
)
def test_claim_filters_on_columns_use_their_index(superuser, orbat, params, index):
    explained = plan(claims(superuser, **params).order_by())
    assert any(name in explained for name in index), explained


def test_updated_since_reads_the_recent_ids_along_the_updated_index(superuser, orbat, monkeypatch):
    """GIVEN claims changed since a moment WHEN a client asks for them THEN their ids are read
    newest first along ``claim_updated_idx`` (stopping at the moment), and the page is those
    ids; past the threshold, the condition itself is planned on the same index."""
    since = "2025-06-01T00:00:00Z"
    with CaptureQueriesContext(connection) as queries:
        page = claims(superuser, updated_since=since)
    probe = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {probe}")
        explained = "\n".join(row[0] for row in cursor.fetchall())
    assert "claim_updated_idx" in explained, explained
    assert "claims_claim_pkey" in plan(page)
    monkeypatch.setattr(claim_querysets, "FEW_INVOLVEMENTS", 0)
    assert "claim_updated_idx" in plan(claims(superuser, updated_since=since).order_by())


def test_claim_filters_through_links_use_the_link_indexes(viewer, orbat, monkeypatch):
    """Topic, publication and place filters read claim ids from the link tables' indexes."""
    claim = orbat[1]
    topic = TopicFactory(name="POW executions", slug="pow-executions")
    claim.topics.add(topic)
    citation = CitationFactory(claim=claim)
    place = LocationFactory(name="Robotyne")
    claim.locations.add(place)
    # Other claims linked to another topic and another place, so that reading the links of
    # one topic or place by its index is the cheap way (as it is with real data).
    fillers = list(Claim.objects.exclude(pk=claim.pk))
    other_topic, other_place = TopicFactory(), LocationFactory(name="Elsewhere")
    Claim.topics.through.objects.bulk_create(
        Claim.topics.through(claim=filler, topic=other_topic) for filler in fillers
    )
    Claim.locations.through.objects.bulk_create(
        Claim.locations.through(claim=filler, location=other_place) for filler in fillers
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    through_topic = fk_index(Claim.topics.through, "topic_id")
    assert through_topic in plan(claims(viewer, topic=topic.slug))
    assert "citation_pub_claim_idx" in plan(claims(viewer, publication=citation.publication_id))
    # A place with many places inside it (a country): the claims are walked in list order and
    # each checked through its links and the places' closure, both by index (or the links
    # read by place), never a recursive query.
    monkeypatch.setattr(claim_querysets, "FEW_UNITS", 0)
    explained = plan(claims(viewer, location=place.pk))
    assert re.search(r"Index (Only )?Scan using \S+ on claims_claim_locations", explained)
    assert "Seq Scan on claims_claim_locations" not in explained, explained
    closure = ("location_ancestor_below_idx", "location_ancestor_unique")
    assert any(index in explained for index in closure), explained
    assert "Recursive" not in explained


def _names_and_aliases(model, count: int = 1500) -> None:
    """``count`` records of ``model`` with an alias each, then ANALYZE: on a handful of rows
    reading a whole small index beats any trigram lookup, as it should."""
    fields = {
        Source: lambda n: {"name": f"Outlet {n}", "kind": "news_outlet", "country": "GB"},
        Unit: lambda n: {"name": f"Unit {n}", "country": "RU", "echelon": "brigade"},
        Location: lambda n: {"name": f"Village {n}", "kind": "settlement"},
        Publication: lambda n: {"title": f"Report {n}", "kind": "article"},
    }[model]
    extra = {"source": SourceFactory()} if model is Publication else {}
    records = model.objects.bulk_create(model(**fields(n), **extra) for n in range(count))
    if model is not Publication:
        alias_field = model._meta.get_field("aliases")
        alias_field.related_model.objects.bulk_create(
            alias_field.related_model(**{alias_field.field.name: record, "name": f"Alias {n}"})
            for n, record in enumerate(records)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT gin_clean_pending_list(indexrelid) FROM pg_index JOIN pg_class c"
            " ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'gin'"
        )


def _search(filterset_class, model, user, text: str) -> str:
    request = RequestFactory().get("/", {"search": text})
    request.user = user
    queryset = model.objects.visible_to(user) if hasattr(model.objects, "visible_to") else None
    filterset = filterset_class(
        data={"search": text}, queryset=queryset or model.objects.all(), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return plan(filterset.qs)


@pytest.mark.parametrize(
    ("filterset_class", "model", "indexes"),
    [
        (SourceFilterSet, Source, ["source_name_trgm", "source_alias_name_trgm"]),
        (UnitFilterSet, Unit, ["unit_name_trgm", "unit_abbreviation_trgm", "unit_alias_name_trgm"]),
        (LocationFilterSet, Location, ["location_name_trgm", "location_alias_name_trgm"]),
    ],
)
def test_name_and_alias_search_uses_trigram_indexes(superuser, filterset_class, model, indexes):
    """GIVEN a substring search on names and aliases (``icontains``) THEN every name column
    is matched through its trigram index on UPPER(name), the expression icontains compiles to."""
    SourceFactory(name="Financial Times")
    UnitFactory(name="155th Naval Infantry Brigade", abbreviation="155th NIB")
    LocationFactory(name="Zaporizhia Oblast")
    _names_and_aliases(model)
    explained = _search(filterset_class, model, superuser, "infan")
    for index in indexes:
        assert index in explained, explained


def test_publication_list_and_date_filter_use_their_indexes(superuser):
    PublicationFactory(published_on=dt.date(2025, 2, 20))
    _names_and_aliases(Publication)
    request = RequestFactory().get("/")
    request.user = superuser

    def publications(**params):
        filterset = PublicationFilterSet(
            data=params, queryset=Publication.objects.visible_to(superuser), request=request
        )
        assert filterset.is_valid(), filterset.errors
        return filterset.qs

    assert "publication_current_pub_idx" in plan(publications())
    assert "publication_title_trgm" in plan(publications(search="invest"))
    after = plan(publications(published_after="2025-01-01").order_by())
    assert "sources_publication_published_on" in after or "publication_current_pub_idx" in after


def test_unit_ancestor_filter_reads_the_closure_index(superuser, orbat):
    district = orbat[0]
    request = RequestFactory().get("/")
    request.user = superuser
    filterset = UnitFilterSet(
        data={"ancestor": district.pk}, queryset=Unit.objects.visible_to(superuser), request=request
    )
    assert filterset.is_valid(), filterset.errors
    explained = plan(filterset.qs)
    assert any(index in explained for index in CLOSURE_INDEXES), explained
    assert "Recursive Union" not in explained
    assert filterset.qs.count() == 2


def test_unit_chains_of_a_page_are_read_by_index_from_the_closure(orbat):
    """GIVEN the units of a page of claims WHEN their chains are read (``orbat_path_rows``, a
    statement of every list page) THEN each unit's rows come by index, never a read of the
    whole closure. (At a million claims PostgreSQL reads them from ``unit_ancestor_chain_idx``
    alone, once VACUUM has marked the table visible: bench/README.md; on a few rows in a test
    transaction it may as well take the unique index.)"""
    _district, claim = orbat
    units = UnitInvolvement.objects.filter(claim=claim).values("unit_id")
    explained = orbat_path_rows(units).explain()
    assert "Seq Scan on units_unitancestor" not in explained, explained
    closure = ("unit_ancestor_chain_idx", "unit_ancestor_unique")
    assert any(f"using {index} on units_unitancestor" in explained for index in closure)
    rows = list(orbat_path_rows(units))
    assert [row["short"] for row in rows] == [
        "30th Motorized Rifle Brigade",
        "2nd Combined Arms Army",
        "Central Military District",
    ]


@pytest.mark.parametrize("table", ["claims_claim", "claims_citation"])
def test_the_claim_tables_are_vacuumed_at_two_percent_dead_rows(table):
    """Autovacuum comes at 2 % dead rows, not PostgreSQL's 20 % (migration claims 0008)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    assert "autovacuum_vacuum_scale_factor=0.02" in options
    assert "autovacuum_analyze_scale_factor=0.01" in options
