"""Check constraints validated together (core.constraints): one query, Django's own errors."""

import datetime as dt
import hashlib
import importlib
import inspect

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim
from core import constraints
from tests.factories import ClaimFactory, LocationFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def _django_errors(instance, exclude=None) -> dict | None:
    """What Django's own ``Model.validate_constraints`` (one query per check) raises."""
    try:
        models.Model.validate_constraints(instance, exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return None


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The queries run, without the savepoint around them (tests run inside a transaction)."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def _our_errors(instance, exclude=None) -> dict | None:
    try:
        instance.validate_constraints(exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return None


def test_a_claim_breaking_three_checks_gets_django_s_three_errors_from_one_query():
    """GIVEN a claim whose end precedes its start, with an unknown kind and marking WHEN its
    constraints are validated THEN one query finds all three, with Django's messages."""
    claim = ClaimFactory.build(
        occurred_start=dt.date(2025, 3, 1),
        occurred_end=dt.date(2025, 2, 1),
        kind="rumour",
        marking="purple",
    )
    with CaptureQueriesContext(connection) as queries:
        ours = _our_errors(claim)
    assert len(_statements(queries)) == 1
    theirs = _django_errors(claim)
    assert ours == theirs
    assert len(ours["__all__"]) == 3


def test_a_valid_record_passes_with_one_query_for_all_checks():
    claim = ClaimFactory.build(occurred_start=dt.date(2025, 3, 1), kind="event")
    checks = [c for c in Claim._meta.constraints if isinstance(c, models.CheckConstraint)]
    assert len(checks) > 5
    with CaptureQueriesContext(connection) as queries:
        assert _our_errors(claim) is None
    (statement,) = _statements(queries)
    assert statement.count("_check_") == len(checks)


def test_uniqueness_and_checks_are_reported_together_as_django_reports_them():
    """A place with a duplicate name under the same parent and a kind outside the vocabulary:
    the uniqueness error (Django's own validate) and the check error are both raised."""
    parent = LocationFactory()
    LocationFactory(parent=parent, name="Avdiivka")
    duplicate = LocationFactory.build(parent=parent, name="Avdiivka", kind="galaxy")
    ours = _our_errors(duplicate)
    assert ours == _django_errors(duplicate)
    assert any("kind" in message.lower() or "galaxy" in message for message in ours["__all__"])
    assert len(ours["__all__"]) == 2


def test_a_check_on_an_excluded_field_is_skipped_as_django_skips_it():
    claim = ClaimFactory.build(kind="rumour")
    assert _our_errors(claim, exclude={"kind"}) is None
    assert _django_errors(claim, exclude={"kind"}) is None
    assert _our_errors(claim) is not None


def test_a_self_parent_is_refused_through_the_primary_key():
    """Conditions comparing two fields (parent = pk) are evaluated with the record's values."""
    place = LocationFactory()
    place.parent_id = place.pk
    assert _our_errors(place) == _django_errors(place)
    assert _our_errors(place) is not None


def test_the_query_compiled_once_gives_django_s_errors_for_every_record_after():
    """GIVEN the check query of a claim compiled on first use WHEN records with other values,
    other nulls and other breaches are validated THEN each gets exactly Django's errors, and
    records with the same null fields reuse the compiled query (one new entry per pattern)."""
    constraints._COMPILED.clear()
    variants = [
        {"occurred_start": dt.date(2025, 3, 1), "kind": "event"},
        {"occurred_start": dt.date(2025, 3, 1), "occurred_end": dt.date(2025, 2, 1)},
        {"occurred_start": dt.date(2024, 1, 1), "kind": "rumour", "marking": "purple"},
        {"occurred_start": dt.date(2024, 1, 1), "occurred_end": dt.date(2024, 5, 1)},
        {"occurred_start": dt.date(2024, 1, 1), "ongoing": True, "confidence": "certainly"},
        {"occurred_start": None, "occurred_end": dt.date(2024, 5, 1)},
        {"occurred_start": None, "occurred_end": None, "status": "maybe"},
        {"occurred_start": dt.date(2025, 3, 1), "kind": "statistic"},
    ]
    results = []
    for values in variants:
        claim = ClaimFactory.build(**values)
        ours, theirs = _our_errors(claim), _django_errors(claim)
        assert ours == theirs, values
        results.append(ours is None)
    assert results == [True, False, False, True, False, False, False, True]
    # Three null patterns: end null; start and end set; start null, end set or both null.
    assert 2 <= len(constraints._COMPILED) <= 4
    compiled = len(constraints._COMPILED)
    assert _our_errors(ClaimFactory.build(occurred_start=dt.date(2023, 1, 1))) is None
    assert len(constraints._COMPILED) == compiled


def test_records_with_the_same_checked_values_ask_the_database_once():
    """GIVEN three citations of one claim sharing stance and credibility, and a fourth with
    another credibility WHEN each is validated THEN the first and the fourth ask PostgreSQL;
    the others get the outcome kept for the same values, and a breach kept is still reported
    with Django's error."""
    claim, publication = ClaimFactory(), PublicationFactory()

    def citation(credibility: int) -> Citation:
        return Citation(
            claim=claim, publication=publication, stance="supports", credibility=credibility
        )

    with CaptureQueriesContext(connection) as queries:
        for credibility in (2, 2, 2, 5):
            assert _our_errors(citation(credibility)) is None
    assert len(_statements(queries)) == 2

    with CaptureQueriesContext(connection) as queries:
        first, second = _our_errors(citation(9)), _our_errors(citation(9))
    assert len(_statements(queries)) == 1
    assert first == second == _django_errors(citation(9))
    assert "__all__" in first


@pytest.mark.parametrize(
    ("module", "name"), list(constraints.COPIED_FROM_DJANGO), ids=lambda value: value
)
def test_the_django_code_core_constraints_mirrors_is_the_code_it_was_copied_from(module, name):
    """GIVEN the Django functions core.constraints copies or relies on, with the hash of each
    source when it was copied WHEN the installed Django's source is hashed THEN it is the same:
    an upgrade that changes one fails here, before the copy silently differs from Django."""
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    source = inspect.getsource(target)
    recorded = constraints.COPIED_FROM_DJANGO[module, name]
    assert hashlib.sha256(source.encode()).hexdigest() == recorded, (
        f"Django's {module}.{name} changed since core/constraints.py copied it (Django 5.2.20). "
        "Read the new source against the part of core/constraints.py its docstring names, "
        "bring that part in line (or, if Django now validates check constraints in one query "
        "itself, measure again and drop the module: bench/README.md, 'Check constraints in one "
        "query'), then record the new hash in COPIED_FROM_DJANGO."
    )
