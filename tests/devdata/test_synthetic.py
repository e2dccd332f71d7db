"""The synthetic data generator: proportions, reproducibility, realism and stored fields."""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count

from claims.models import Citation, Claim, UnitInvolvement
from claims.services import corroboration_for, refresh_corroboration
from core.choices import Marking
from core.markings import PUBLIC_MARKINGS
from devdata.synthetic import Plan, generate
from places.models import Location, LocationAncestor
from sources.models import Publication, PublicationReference, Source
from tests.closure import stored_closure, walked_closure
from tests.factories import ClaimFactory
from units.models import Unit, UnitAncestor

pytestmark = pytest.mark.django_db

N = 200


def _digest() -> str:
    """A digest of the generated rows by content (uuids, names, text), not by database ids."""
    queries = [
        "SELECT c.uuid, c.title, c.statement, c.marking, c.occurred_start, c.occurred_end,"
        " c.created_at, c.best_grade, c.independent_lines FROM claims_claim c ORDER BY c.uuid",
        "SELECT c.uuid, p.uuid, t.stance, t.credibility, t.excerpt FROM claims_citation t"
        " JOIN claims_claim c ON c.id = t.claim_id"
        " JOIN sources_publication p ON p.id = t.publication_id ORDER BY t.uuid",
        "SELECT u.uuid, u.name, parent.uuid FROM units_unit u"
        " LEFT JOIN units_unit parent ON parent.id = u.parent_id ORDER BY u.uuid",
        "SELECT p.uuid, p.title, s.name, g.name FROM sources_publication p"
        " JOIN sources_source s ON s.id = p.source_id"
        " LEFT JOIN sources_publication_sharing_groups sg ON sg.publication_id = p.id"
        " LEFT JOIN auth_group g ON g.id = sg.group_id ORDER BY p.uuid",
        "SELECT c.uuid, u.uuid, i.role FROM claims_unitinvolvement i"
        " JOIN claims_claim c ON c.id = i.claim_id JOIN units_unit u ON u.id = i.unit_id"
        " ORDER BY i.uuid",
    ]
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _generate_and_digest(seed: int) -> str:
    """Generate in a savepoint that is rolled back, so the next run starts from empty."""
    with transaction.atomic():
        generate(claims=N, seed=seed)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_counts_follow_the_proportions_of_real_use():
    """GIVEN an empty database WHEN 200 claims are generated THEN every table holds the
    planned rows: three citations and two unit involvements per claim on average, and the
    publications, sources, units and places the plan scales from N."""
    plan = Plan.for_claims(N)
    counts = generate(claims=N, seed=1)

    assert Claim.objects.count() == N == counts["claims"]
    assert Publication.objects.count() == plan.publications
    assert Source.objects.count() == plan.sources
    assert Unit.objects.count() == plan.units
    assert Location.objects.count() == plan.locations
    assert 2.6 * N <= Citation.objects.count() <= 3.4 * N
    assert 1.6 * N <= UnitInvolvement.objects.count() <= 2.4 * N
    # Some publications cite each other; some sources are people speaking for a body.
    assert PublicationReference.objects.exists()
    assert Source.objects.filter(kind=Source.Kind.PERSON, affiliation__isnull=False).exists()


def test_the_plan_scales_to_a_million():
    plan = Plan.for_claims(1_000_000)
    assert (plan.citations, plan.publications, plan.sources) == (3_000_000, 300_000, 5_000)
    assert (plan.units, plan.locations, plan.involvements) == (20_000, 50_000, 2_000_000)


def test_same_seed_same_data_other_seed_other_data():
    first = _generate_and_digest(seed=7)
    again = _generate_and_digest(seed=7)
    other = _generate_and_digest(seed=8)

    assert first == again
    assert first != other


def test_places_have_their_closure_after_the_copy():
    """GIVEN places written by COPY (no save()) THEN the places' closure holds every place
    and each place above it, so "claims in this country" finds claims at its villages."""
    generate(claims=N, seed=1)
    stored = stored_closure(LocationAncestor)
    assert stored == walked_closure(LocationAncestor)
    assert max(depth for _, _, depth in stored) >= 3


def test_units_form_an_orbat_up_to_six_deep():
    generate(claims=N, seed=1)
    depth = {unit.pk: 1 for unit in Unit.objects.filter(parent=None)}
    remaining = list(Unit.objects.exclude(parent=None).values_list("pk", "parent_id"))
    while remaining:
        placed = [(pk, parent) for pk, parent in remaining if parent in depth]
        assert placed, "a unit is not connected to the tree"
        for pk, parent in placed:
            depth[pk] = depth[parent] + 1
        remaining = [row for row in remaining if row[0] not in depth]

    assert max(depth.values()) == 6
    # The closure, written after COPY: a unit at depth d has d rows (itself and d - 1 above).
    assert UnitAncestor.objects.count() == sum(depth.values())
    assert UnitAncestor.objects.filter(depth=5).count() == list(depth.values()).count(6)
    # A country's armed forces at the top, smaller echelons further down.
    assert set(Unit.objects.filter(parent=None).values_list("echelon", flat=True)) == {
        Unit.Echelon.ARMED_FORCES
    }


def test_markings_are_mostly_clear_or_green_with_some_sharing():
    generate(claims=N, seed=1)
    public = Claim.objects.filter(marking__in=[Marking.CLEAR, Marking.GREEN]).count()

    assert 0.8 * N <= public < N
    shared = Claim.objects.filter(marking__in=[Marking.AMBER, Marking.AMBER_STRICT])
    assert shared.exists()
    # Every shared claim names a sharing group, every RED one a recipient.
    assert not shared.filter(sharing_groups=None).exists()
    assert not Claim.objects.filter(marking=Marking.RED, shared_with=None).exists()


def test_stored_corroboration_matches_the_engine():
    """GIVEN generated claims WHEN the corroboration engine recomputes every claim THEN it
    finds exactly the stored best grade, lines, disputes and suggested status: the generator
    computes them on the fly with the same functions (``claims.corroboration``) on its own
    arrays, with echoes, shared origins and shared affiliations."""
    generate(claims=N, seed=3)
    computed = corroboration_for(Claim.objects.values_list("pk", flat=True))

    stored = {
        claim.pk: claim
        for claim in Claim.objects.only(
            "best_grade", "independent_lines", "disputes", "suggested_status"
        )
    }
    mismatches = [
        pk
        for pk, summary in computed.items()
        if any(getattr(stored[pk], name) != value for name, value in summary.as_fields().items())
    ]
    assert mismatches == []
    # The engine's own refresh (what any other write path runs) finds nothing to change.
    assert refresh_corroboration(computed) == 0
    # Not trivially so: several lines, single sources and disputes all occur, and so do
    # supporting publications grouped into one line (echoes, shared origin, one affiliation).
    values = [summary.independent_lines for summary in computed.values()]
    assert max(values) >= 3 and 1 in values
    assert any(summary.disputes for summary in computed.values())
    supporting = dict(
        Citation.objects.filter(
            stance=Citation.Stance.SUPPORTS, publication__marking__in=PUBLIC_MARKINGS
        )
        .values_list("claim_id")
        .annotate(publications=Count("publication_id", distinct=True))
    )
    grouped = [pk for pk, count in supporting.items() if computed[pk].independent_lines < count]
    assert len(grouped) >= N // 20


def test_sequences_continue_after_the_generated_ids():
    """GIVEN generated rows with ids assigned by the generator WHEN the app adds a claim
    THEN it gets a fresh id (the sequences were moved past the generated ones)."""
    generate(claims=20, seed=1)
    top = Claim.objects.order_by("-pk").values_list("pk", flat=True).first()

    claim = ClaimFactory()

    assert claim.pk > top


def test_refuses_a_database_that_holds_claims():
    ClaimFactory()
    with pytest.raises(CommandError, match="already holds claims"):
        call_command("generate_synthetic", claims=10, verbosity=0)


def test_command_reports_what_it_wrote(capsys):
    call_command("generate_synthetic", claims=30, seed=5, chunk=7)
    out = capsys.readouterr()

    assert Claim.objects.count() == 30
    assert "30 claims in" in out.out
    assert "claims: 30/30" in out.err


def _schema_of_claim_tables() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid::regclass::text LIKE 'claims_%%'"
            " UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE tablename LIKE 'claims_%%' ORDER BY 1, 2, 3"
        )
        return cursor.fetchall()


def test_large_loads_rebuild_indexes_and_constraints_as_they_were():
    """GIVEN the load path of large N (indexes, unique and foreign keys dropped during the
    load) WHEN it finishes THEN every index and constraint is back, identical, and the rows
    satisfy them (the foreign keys were validated when added again)."""
    before = _schema_of_claim_tables()

    generate(claims=N, seed=2, rebuild_indexes=True)

    assert _schema_of_claim_tables() == before
    assert Claim.objects.count() == N
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM claims_citation t"
            " LEFT JOIN sources_publication p ON p.id = t.publication_id WHERE p.id IS NULL"
        )
        assert cursor.fetchone() == (0,)
