"""core.bulk: bulk_create's contract through COPY, and plain-row affiliation chains."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Citation, Claim
from core.bulk import copy_create
from sources.models import Source
from tests.factories import ClaimFactory, PublicationFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_copy_create_writes_the_rows_bulk_create_would_and_gives_them_ids():
    """GIVEN new citations with a duration, a null, a default uuid and a claim given as object
    WHEN they are written with copy_create
    THEN two queries (the ids, the COPY) wrote them; each object has its id and its stamps,
    and reading the rows back gives the values that were set."""
    claim, publication = ClaimFactory(), PublicationFactory()
    citations = [
        Citation(
            claim=claim,
            publication=publication,
            stance="supports",
            credibility=index + 1,
            excerpt=f"Tab\tand newline\nand backslash \\ {index}",
            locator_timestamp=dt.timedelta(minutes=index, seconds=5) if index else None,
        )
        for index in range(3)
    ]

    with CaptureQueriesContext(connection) as queries:
        copy_create(citations)

    assert len(queries) == 2
    assert all(c.pk and not c._state.adding and c.created_at for c in citations)
    stored = {
        row["pk"]: row
        for row in Citation.objects.values(
            "pk", "claim_id", "uuid", "credibility", "excerpt", "locator_timestamp", "version"
        )
    }
    assert sorted(stored) == sorted(c.pk for c in citations)
    for citation in citations:
        row = stored[citation.pk]
        assert row["claim_id"] == claim.pk and row["uuid"] == citation.uuid
        assert (row["credibility"], row["excerpt"]) == (citation.credibility, citation.excerpt)
        assert row["locator_timestamp"] == citation.locator_timestamp
        assert row["version"] == 1
    # Like bulk_create: no history row.
    assert not Citation.history.filter(id__in=stored).exists()


def test_copy_create_fills_the_generated_search_column():
    """GIVEN a claim written with copy_create WHEN searched by a word of its statement THEN
    it is found: PostgreSQL fills the stored search column, which COPY does not send."""
    copy_create([Claim(title="Loaded", statement="Pontoon crossing near the dam", kind="event")])

    assert Claim.objects.matching("pontoon").filter(title="Loaded").exists()


def test_copy_create_refuses_mixed_models():
    with pytest.raises(TypeError, match="one model"):
        copy_create([Claim(title="A", statement="B", kind="event"), Source(name="C")])


def test_ancestor_chains_give_ids_and_fields_without_instances():
    """GIVEN a person in a unit of a ministry WHEN chains are read THEN each id maps to its
    chain (itself first) and every source on a chain to the fields asked for, in one query."""
    ministry = SourceFactory(name="Ministry", reliability="B")
    unit = SourceFactory(name="Unit", affiliation=ministry, reliability="C")
    person = SourceFactory(name="Person", affiliation=unit, reliability="D")

    with CaptureQueriesContext(connection) as queries:
        paths, values = Source.objects.ancestor_chains(
            [person.pk, ministry.pk], ("name", "reliability")
        )

    assert len(queries) == 1
    assert paths == {person.pk: [person.pk, unit.pk, ministry.pk], ministry.pk: [ministry.pk]}
    assert values == {
        person.pk: ("Person", "D"),
        unit.pk: ("Unit", "C"),
        ministry.pk: ("Ministry", "B"),
    }


def test_copy_create_stamps_every_row_with_the_time_of_the_write():
    """GIVEN claims written together WHEN copy_create writes them THEN each row's created and
    updated stamps are the one time of the write, on the objects as in the database."""
    before = timezone.now()
    claims = copy_create(
        [Claim(title=f"Loaded {index}", statement="Shelling.", kind="event") for index in range(3)]
    )
    after = timezone.now()

    stamps = set(
        Claim.objects.filter(title__startswith="Loaded").values_list("created_at", "updated_at")
    )
    assert len(stamps) == 1
    (created, updated) = stamps.pop()
    assert before <= created == updated <= after
    assert all(claim.created_at == created and claim.updated_at == created for claim in claims)


def test_copy_create_refuses_a_row_whose_related_object_is_unsaved():
    """A citation of a claim that has no id yet would lose its claim: refused, as save() does."""
    unsaved = Claim(title="Not saved", statement="B", kind="event")
    citation = Citation(
        claim=unsaved, publication=PublicationFactory(), stance="supports", credibility=2
    )

    with pytest.raises(ValueError, match="unsaved related object 'claim'"):
        copy_create([citation])
