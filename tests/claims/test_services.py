"""The corroboration engine (``claims.services``) and what keeps it current (``claims.signals``)."""

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim, SuggestedStatus
from claims.services import (
    claims_affected_by,
    corroboration_for,
    evidence_lines,
    load_claims,
    refresh_corroboration,
)
from devdata.demo import demo_uuid
from sources.models import Publication, PublicationPerson, PublicationReference, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    PublicationFactory,
    PublicationReferenceFactory,
    SourceFactory,
)

CITES = PublicationReference.Kind.CITES
CONFIRMS = PublicationReference.Kind.CONFIRMS


def demo_claim(key: str) -> Claim:
    return Claim.objects.get(uuid=demo_uuid(Claim, key))


def demo_publication(key: str) -> Publication:
    return Publication.objects.get(uuid=demo_uuid(Publication, key))


def cite(claim: Claim, *publications: Publication, **fields) -> list[Citation]:
    return [CitationFactory(claim=claim, publication=p, **fields) for p in publications]


def refer(citing: Publication, cited: Publication, kind: str = CITES) -> PublicationReference:
    return PublicationReferenceFactory(citing=citing, cited=cited, kind=kind)


def lines_of(claim: Claim) -> list[set[str]]:
    """The claim's lines as sets of source names, for readable assertions."""
    return [{p.source for p in line.publications} for line in evidence_lines([claim])[claim.pk]]


# --- The reference text (the demo data set) -------------------------------------------------


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", verbosity=0)


def test_ft_footage_analysis_and_the_cir_analysis_it_relies_on_are_one_line(demo):
    """GIVEN the claim on the uniforms in the execution footage, cited from ISW, the FT and CIR
    WHEN its lines are computed
    THEN the FT (which cites CIR) and ISW (which cites the FT) fall into CIR's single line."""
    claim = demo_claim("claim-footage-uniforms-show-russian-forces")

    [line] = evidence_lines([claim])[claim.pk]

    assert {p.source for p in line.publications} == {
        "Centre for Information Resilience",
        "Financial Times",
        "Institute for the Study of War",
    }
    assert [p.source for p in line.publications if not p.echo] == [
        "Centre for Information Resilience"
    ]
    assert "Financial Times cites Centre for Information Resilience" in line.grouped_because
    assert "Institute for the Study of War cites Financial Times" in line.grouped_because


def test_budanov_confirming_the_reuters_kn23_report_is_a_second_line(demo):
    """GIVEN the KN-23 claim cited from Reuters (Dec 2024), the Chosun Ilbo interview in which
    Budanov (GUR) confirms that report, and ISW, which cites both
    WHEN its lines are computed
    THEN Reuters and GUR's word are two lines; ISW repeats both and adds none."""
    claim = demo_claim("claim-kn23-modified-more-precise")

    lines = evidence_lines([claim])[claim.pk]
    summary = corroboration_for([claim])[claim.pk]

    assert [{p.source for p in line.publications if not p.echo} for line in lines] == [
        {"Reuters"},
        {"Chosun Ilbo"},
    ]
    assert "Kyrylo Budanov" in lines[1].speakers
    assert all(
        "Institute for the Study of War" in {p.source for p in line.publications} for line in lines
    )
    assert [line.grade for line in lines] == ["B2", "C2"]
    assert summary.independent_lines == 2
    assert summary.best_grade == "B2"
    assert summary.suggested_status == SuggestedStatus.CORROBORATED


def test_isw_repeating_the_ft_adds_no_line(demo):
    claim = demo_claim("claim-commanders-complicit")

    [line] = evidence_lines([claim])[claim.pk]

    assert [(p.source, p.echo) for p in line.publications] == [
        ("Financial Times", False),
        ("Institute for the Study of War", True),
    ]
    assert line.grouped_because == "Institute for the Study of War cites Financial Times"


def test_load_demo_stores_the_derived_fields_beside_the_analysts_status(demo):
    kn23 = demo_claim("claim-kn23-modified-more-precise")
    footage = demo_claim("claim-footage-uniforms-show-russian-forces")

    assert (kn23.best_grade, kn23.independent_lines, kn23.disputes) == ("B2", 2, 0)
    assert kn23.suggested_status == SuggestedStatus.CORROBORATED
    assert (footage.independent_lines, footage.suggested_status) == (1, "single_source")
    # The analyst's own judgement stays as the file gives it, whatever the evidence suggests.
    assert footage.status == Claim.Status.UNVERIFIED


def test_every_demo_claim_is_stored_as_computed(demo):
    computed = corroboration_for(Claim.objects.all())

    assert refresh_corroboration(computed) == 0
    for claim in Claim.objects.all():
        assert claim.independent_lines == computed[claim.pk].independent_lines >= 1


# --- How lines are formed -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_citation_cycle_terminates_and_is_one_line():
    """GIVEN A cites B, B cites C and C cites A, from three different outlets
    WHEN a claim citing all three is computed
    THEN the recursion ends and the three are a single line."""
    a, b, c = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(a, b), refer(b, c), refer(c, a)
    claim = ClaimFactory()
    cite(claim, a, b, c)

    [line] = evidence_lines([claim])[claim.pk]

    assert {p.id for p in line.publications} == {a.pk, b.pk, c.pk}
    assert corroboration_for([claim])[claim.pk].independent_lines == 1


@pytest.mark.django_db
def test_a_cycle_outside_the_cited_publications_terminates():
    a, x, y = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(a, x), refer(x, y), refer(y, x)
    other = PublicationFactory()
    claim = ClaimFactory()
    cite(claim, a, other)

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_a_chain_through_an_uncited_publication_is_one_line():
    """GIVEN A cites X and X cites B, and the claim cites A and B but not X
    THEN A and B are one line, and the explanation names the chain."""
    a, x, b = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(a, x), refer(x, b)
    claim = ClaimFactory()
    cite(claim, a, b)

    [line] = evidence_lines([claim])[claim.pk]

    assert {p.id for p in line.publications} == {a.pk, b.pk}
    assert line.grouped_because == (
        f"{a.source.name} cites {x.source.name}, which cites {b.source.name}"
    )


@pytest.mark.django_db
def test_two_reports_relying_on_the_same_uncited_origin_are_one_line():
    a, b, origin = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(a, origin), refer(b, origin)
    claim = ClaimFactory()
    cite(claim, a, b)

    [line] = evidence_lines([claim])[claim.pk]

    assert "both rely on" in line.grouped_because


@pytest.mark.django_db
def test_a_report_citing_two_independent_ones_does_not_join_them():
    first, second = PublicationFactory(), PublicationFactory()
    digest = PublicationFactory()
    refer(digest, first), refer(digest, second)
    claim = ClaimFactory()
    cite(claim, first, second, digest)

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_the_same_source_twice_is_one_line():
    outlet = SourceFactory(name="Reuters")
    claim = ClaimFactory()
    cite(claim, PublicationFactory(source=outlet), PublicationFactory(source=outlet))

    [line] = evidence_lines([claim])[claim.pk]

    assert len(line.publications) == 2
    assert line.grouped_because == "same source: Reuters"


@pytest.mark.django_db
def test_a_person_and_the_body_they_speak_for_are_one_line():
    body = SourceFactory(name="GUR", kind=Source.Kind.INTELLIGENCE)
    person = SourceFactory(name="Budanov", kind=Source.Kind.PERSON, affiliation=body)
    claim = ClaimFactory()
    cite(claim, PublicationFactory(source=person), PublicationFactory(source=body))

    [line] = evidence_lines([claim])[claim.pk]

    assert line.grouped_because == "affiliated: Budanov speaks for GUR"


@pytest.mark.django_db
def test_an_interview_speaks_for_the_people_interviewed():
    """GIVEN a newspaper's interview with a GUR officer, and a GUR statement
    THEN both are GUR's word: one line, though the newspaper is not affiliated with GUR."""
    body = SourceFactory(name="GUR", kind=Source.Kind.INTELLIGENCE)
    person = SourceFactory(name="Budanov", kind=Source.Kind.PERSON, affiliation=body)
    interview = PublicationFactory(kind=Publication.Kind.INTERVIEW)
    PublicationPerson.objects.create(
        publication=interview, person=person, role=PublicationPerson.Role.INTERVIEWED
    )
    claim = ClaimFactory()
    cite(claim, interview, PublicationFactory(source=body))

    [line] = evidence_lines([claim])[claim.pk]

    assert line.speakers == ["Budanov", "GUR"]


@pytest.mark.django_db
def test_a_confirmation_from_a_different_source_is_a_second_line():
    report, confirmation = PublicationFactory(), PublicationFactory()
    refer(confirmation, report, CONFIRMS)
    claim = ClaimFactory()
    cite(claim, report, confirmation)

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_a_chain_through_a_confirmation_by_the_same_source_is_one_line():
    """GIVEN GUR's statement B, Budanov's (uncited) statement A confirming it, and an outlet's
    article C citing A
    THEN C and B are one line: C repeats A, and A is GUR confirming itself.
    With a confirmation by someone else, the chain stops there: two lines."""
    body = SourceFactory(name="GUR", kind=Source.Kind.INTELLIGENCE)
    person = SourceFactory(name="Budanov", kind=Source.Kind.PERSON, affiliation=body)
    b = PublicationFactory(source=body)
    a = PublicationFactory(source=person)
    c = PublicationFactory()
    refer(a, b, CONFIRMS), refer(c, a)
    claim = ClaimFactory()
    cite(claim, b, c)

    assert len(lines_of(claim)) == 1

    a.source = SourceFactory(name="Someone else")
    a.save()

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_disputing_citations_are_counted_apart():
    claim = ClaimFactory()
    cite(claim, PublicationFactory())
    cite(claim, PublicationFactory(), PublicationFactory(), stance=Citation.Stance.DISPUTES)
    cite(claim, PublicationFactory(), stance=Citation.Stance.MENTIONS)

    summary = corroboration_for([claim])[claim.pk]

    assert (summary.independent_lines, summary.disputes) == (1, 2)
    assert summary.suggested_status == SuggestedStatus.DISPUTED


@pytest.mark.django_db
def test_a_disputes_reference_does_not_join_lines():
    first, second = PublicationFactory(), PublicationFactory()
    refer(second, first, PublicationReference.Kind.DISPUTES)
    claim = ClaimFactory()
    cite(claim, first, second)

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_archived_citations_and_publications_do_not_count():
    claim = ClaimFactory()
    cite(claim, PublicationFactory(), credibility=3)
    [archived_citation] = cite(claim, PublicationFactory(), credibility=1)
    archived_citation.archive(reason="Wrong claim")
    gone = PublicationFactory()
    cite(claim, gone, credibility=1)
    gone.archive(reason="Duplicate")

    summary = corroboration_for([claim])[claim.pk]

    assert (summary.independent_lines, summary.best_grade) == (1, "B3")


@pytest.mark.django_db
def test_an_archived_publication_breaks_a_chain():
    a, x, b = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(a, x), refer(x, b)
    x.archive(reason="Retracted")
    claim = ClaimFactory()
    cite(claim, a, b)

    assert len(lines_of(claim)) == 2


@pytest.mark.django_db
def test_best_grade_is_the_strongest_reliability_then_credibility():
    claim = ClaimFactory()
    cite(claim, PublicationFactory(source=SourceFactory(reliability="C")), credibility=1)
    cite(claim, PublicationFactory(source=SourceFactory(reliability="B")), credibility=3)
    cite(claim, PublicationFactory(source=SourceFactory(reliability="B")), credibility=2)

    assert corroboration_for([claim])[claim.pk].best_grade == "B2"


@pytest.mark.django_db
def test_a_claim_without_support_has_no_grade():
    claim = ClaimFactory()
    cite(claim, PublicationFactory(), stance=Citation.Stance.MENTIONS)

    summary = corroboration_for([claim])[claim.pk]

    assert summary.best_grade == ""
    assert summary.suggested_status == SuggestedStatus.NO_EVIDENCE


# --- Cost -----------------------------------------------------------------------------------


def _claims_with_evidence(count: int) -> list[Claim]:
    """Claims each with two lines: a report and its echo; a person's statement and an
    interview with someone of the same body. And a dispute."""
    claims = []
    for _ in range(count):
        body = SourceFactory(kind=Source.Kind.GOVERNMENT)
        person = SourceFactory(kind=Source.Kind.PERSON, affiliation=body)
        origin, echo, statement = (
            PublicationFactory(),
            PublicationFactory(),
            PublicationFactory(source=person),
        )
        interview = PublicationFactory(kind=Publication.Kind.INTERVIEW)
        interview.people.add(
            SourceFactory(kind=Source.Kind.PERSON, affiliation=body),
            through_defaults={"role": PublicationPerson.Role.INTERVIEWED},
        )
        refer(echo, origin)
        claim = ClaimFactory()
        cite(claim, origin, echo, statement, interview)
        cite(claim, PublicationFactory(), stance=Citation.Stance.DISPUTES)
        claims.append(claim)
    return claims


@pytest.mark.django_db
def test_a_page_of_claims_costs_the_same_queries_as_a_few():
    """GIVEN 5 and 50 claims with echoes, chains, affiliations and disputes
    WHEN their lines and grades are computed
    THEN both cost the same four queries: citations (+publication +source), the reference
    graph (recursive), the people interviewed, the affiliation chains (recursive)."""
    few, many = _claims_with_evidence(5), _claims_with_evidence(50)

    with CaptureQueriesContext(connection) as few_queries:
        corroboration_for(few)
    with CaptureQueriesContext(connection) as many_queries:
        summaries = corroboration_for(many)
        evidence_lines(many)

    assert len(few_queries) == 4
    assert len(many_queries) == 2 * len(few_queries)
    assert {s.independent_lines for s in summaries.values()} == {2}
    assert {s.disputes for s in summaries.values()} == {1}


@pytest.mark.django_db
def test_refresh_stores_the_fields_in_a_fixed_number_of_queries():
    claims = _claims_with_evidence(30)

    with CaptureQueriesContext(connection) as queries:
        changed = refresh_corroboration([c.pk for c in claims], batch_size=10)

    # Per batch: four to compute, one to read the stored values, one UPDATE.
    assert changed == 30
    assert len(queries) == 3 * 6
    claim = Claim.objects.get(pk=claims[0].pk)
    assert (claim.best_grade, claim.independent_lines, claim.disputes) == ("B2", 2, 1)
    assert claim.suggested_status == SuggestedStatus.DISPUTED
    assert claim.version == claims[0].version  # derived fields are not an edit


@pytest.mark.django_db
def test_refresh_writes_nothing_when_nothing_changed():
    claims = _claims_with_evidence(3)
    refresh_corroboration(c.pk for c in claims)

    with CaptureQueriesContext(connection) as queries:
        assert refresh_corroboration(c.pk for c in claims) == 0

    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)


@pytest.mark.django_db
def test_load_claims_writes_claims_with_their_corroboration_already_stored():
    """GIVEN new claims (unsaved) citing a report, its echo and an independent statement, and
    an existing claim gaining a citation
    WHEN they are loaded in bulk
    THEN every claim row holds the fields a full recompute gives (none is stale), the new
    claims were never written twice (no UPDATE), and the existing claim is refreshed."""
    origin, echo, other = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(echo, origin)
    existing = ClaimFactory()
    refresh_corroboration([existing.pk])
    claims = [
        Claim(title=f"Loaded {index}", statement="Shelling.", kind="event") for index in range(3)
    ]
    citations = [
        Citation(claim=claim, publication=publication, stance="supports", credibility=2)
        for claim in claims
        for publication in (origin, echo, other)
    ]
    citations.append(Citation(claim=existing, publication=other, stance="disputes", credibility=3))

    with CaptureQueriesContext(connection) as queries:
        loaded = load_claims(claims, citations, batch_size=2)

    assert all(claim.pk for claim in loaded)
    # One UPDATE of claims: the existing claim's refresh; the new rows were written once.
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "claims_claim"')]
    assert len(updates) == 1
    stored = Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list(
        "independent_lines", "suggested_status"
    )
    assert list(stored) == [(2, SuggestedStatus.CORROBORATED)] * 3
    assert Citation.objects.filter(claim__in=claims).count() == 9
    assert Claim.objects.get(pk=existing.pk).disputes == 1
    assert refresh_corroboration([*[c.pk for c in claims], existing.pk]) == 0


@pytest.mark.django_db
def test_load_claims_writes_nothing_when_a_row_is_refused():
    """GIVEN a batch in which one citation names a publication that does not exist
    WHEN it is loaded THEN the database refuses it and no claim of the batch remains."""
    publication = PublicationFactory()
    claims = [Claim(title="Loaded", statement="Shelling.", kind="event")]
    citations = [
        Citation(claim=claims[0], publication=publication, stance="supports", credibility=2),
        Citation(claim=claims[0], publication_id=10**9, stance="supports", credibility=2),
    ]

    with pytest.raises(IntegrityError):
        load_claims(claims, citations)

    assert not Claim.objects.filter(title="Loaded").exists()
    assert not Citation.objects.exists()


@pytest.mark.django_db
def test_refresh_command_reports_each_batch():
    _claims_with_evidence(3)
    out = io.StringIO()

    call_command("refresh_corroboration", "--batch-size", "2", stdout=out)

    assert out.getvalue().splitlines()[:2] == [
        "2/3 claims checked, 2 updated",
        "3/3 claims checked, 3 updated",
    ]
    assert set(Claim.objects.values_list("independent_lines", flat=True)) == {2}


# --- Kept current -----------------------------------------------------------------------------


@pytest.fixture
def two_lines(db):
    """A claim resting on two independent reports, its stored fields up to date."""
    claim = ClaimFactory()
    first, second = PublicationFactory(), PublicationFactory()
    cite(claim, first, second)
    refresh_corroboration([claim.pk])
    claim.refresh_from_db()
    assert claim.independent_lines == 2
    return claim, first, second


def test_adding_a_citation_refreshes_the_claim(two_lines, django_capture_on_commit_callbacks):
    claim, _, _ = two_lines

    with django_capture_on_commit_callbacks(execute=True):
        cite(claim, PublicationFactory(), stance=Citation.Stance.DISPUTES)
        cite(claim, PublicationFactory())

    claim.refresh_from_db()
    assert (claim.independent_lines, claim.disputes) == (3, 1)
    assert claim.suggested_status == SuggestedStatus.DISPUTED


def test_a_multi_row_write_recomputes_once(two_lines, django_capture_on_commit_callbacks):
    claim, _, _ = two_lines

    # The callbacks run when the outer block ends, inside the query capture.
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        cite(claim, *[PublicationFactory() for _ in range(5)])

    claim.refresh_from_db()
    assert claim.independent_lines == 7
    # The first callback recomputes; the others find nothing pending.
    assert len(callbacks) == 5
    assert sum(q["sql"].startswith("UPDATE") for q in queries.captured_queries) == 1


def test_a_new_reference_merges_two_lines(two_lines, django_capture_on_commit_callbacks):
    claim, first, second = two_lines

    with django_capture_on_commit_callbacks(execute=True):
        refer(second, first)

    claim.refresh_from_db()
    assert claim.independent_lines == 1
    assert claim.suggested_status == SuggestedStatus.SINGLE_SOURCE


def test_a_reference_added_upstream_is_seen(two_lines, django_capture_on_commit_callbacks):
    """GIVEN the claim cites A and B; X (uncited) is cited by A
    WHEN X starts citing B
    THEN A now echoes B through X: one line."""
    claim, first, second = two_lines
    x = PublicationFactory()
    refer(first, x)

    with django_capture_on_commit_callbacks(execute=True):
        Publication.objects.get(pk=x.pk).cites.add(second)

    claim.refresh_from_db()
    assert claim.independent_lines == 1


def test_changing_a_sources_reliability_refreshes_the_grade(
    two_lines, django_capture_on_commit_callbacks
):
    claim, first, second = two_lines
    for publication in (first, second):
        source = publication.source
        source.reliability = "A"
        source.set_reason("Track record reviewed")
        with django_capture_on_commit_callbacks(execute=True):
            source.save()

    claim.refresh_from_db()
    assert claim.best_grade == "A2"


def test_affiliating_a_source_merges_lines(two_lines, django_capture_on_commit_callbacks):
    claim, first, second = two_lines

    with django_capture_on_commit_callbacks(execute=True):
        person = first.source
        person.affiliation = second.source
        person.save()

    claim.refresh_from_db()
    assert claim.independent_lines == 1


def test_archiving_a_citation_refreshes_the_claim(two_lines, django_capture_on_commit_callbacks):
    claim, first, _ = two_lines

    with django_capture_on_commit_callbacks(execute=True):
        claim.citations.get(publication=first).archive(reason="Misattributed")

    claim.refresh_from_db()
    assert claim.independent_lines == 1


def test_moving_a_citation_refreshes_both_claims(two_lines, django_capture_on_commit_callbacks):
    claim, first, _ = two_lines
    other = ClaimFactory()

    with django_capture_on_commit_callbacks(execute=True):
        citation = claim.citations.get(publication=first)
        citation.claim = other
        citation.save()

    claim.refresh_from_db()
    other.refresh_from_db()
    assert (claim.independent_lines, other.independent_lines) == (1, 1)


def test_interviewing_a_person_refreshes_the_claim(two_lines, django_capture_on_commit_callbacks):
    """GIVEN the claim cites a GUR statement and an interview of an outlet
    WHEN a GUR officer is recorded as the one interviewed
    THEN the interview is GUR's word too: one line."""
    claim, first, second = two_lines
    body = first.source
    person = SourceFactory(kind=Source.Kind.PERSON, affiliation=body)
    second.kind = Publication.Kind.INTERVIEW
    with django_capture_on_commit_callbacks(execute=True):
        second.save()
        second.people.add(person, through_defaults={"role": PublicationPerson.Role.INTERVIEWED})

    claim.refresh_from_db()
    assert claim.independent_lines == 1


def test_editing_a_title_recomputes_nothing(two_lines, django_capture_on_commit_callbacks):
    _, first, _ = two_lines

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first.title = "A better title"
        first.save()

    assert callbacks == []


@pytest.mark.django_db
def test_claims_affected_by_a_publication_include_those_citing_its_echoes():
    origin, echo, unrelated = PublicationFactory(), PublicationFactory(), PublicationFactory()
    refer(echo, origin)
    citing_echo, citing_origin, elsewhere = ClaimFactory(), ClaimFactory(), ClaimFactory()
    cite(citing_echo, echo)
    cite(citing_origin, origin)
    cite(elsewhere, unrelated)

    assert claims_affected_by([origin.pk]) == {citing_echo.pk, citing_origin.pk}
    assert claims_affected_by(source_ids=[echo.source_id]) == {citing_echo.pk}
