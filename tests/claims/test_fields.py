"""A claim's fields are declared once (``claims.fields``) and every output carries exactly them.

Each output is checked against the declaration: a declared field it misses, a claim field it
carries that is not declared, or a field out of its declared order fails with the name of
the output (and its module) that went wrong.
"""

import csv as csv_module
import io
from collections.abc import Callable, Iterable

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIRequestFactory

from claims import fields
from claims.api.listing import render_claims
from claims.api.serializers import ClaimBriefSerializer, ClaimSerializer, ClaimSummarySerializer
from claims.models import Claim
from interchange.csv import claim_csv_lines, claim_row, claim_rows_queryset
from interchange.document import export_document
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    ClaimRelationFactory,
    LocationFactory,
    QuantityFactory,
    TopicFactory,
    UnitInvolvementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(editor) -> Claim:
    """A claim with a record of every related kind, so no output can skip an empty list."""
    claim = ClaimFactory(created_by=editor, updated_by=editor)
    claim.topics.add(TopicFactory())
    claim.locations.add(LocationFactory())
    QuantityFactory(claim=claim)
    UnitInvolvementFactory(claim=claim)
    CitationFactory(claim=claim)
    ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory())
    return claim


def _context(user) -> dict:
    request = APIRequestFactory().get("/api/claims/")
    request.user = user
    return {"request": request}


def _serializer_keys(claim: Claim, user) -> Iterable[str]:
    return ClaimSerializer(
        Claim.objects.with_related(user=user).get(pk=claim.pk), context=_context(user)
    ).data


def _fast_path_keys(claim: Claim, user) -> Iterable[str]:
    (row,) = render_claims(
        [Claim.objects.select_related("created_by", "updated_by").get(pk=claim.pk)], user
    )
    return row


def _document_keys(claim: Claim, user) -> Iterable[str]:
    (record,) = [
        record for record in export_document(user)["claims"] if record["uuid"] == str(claim.uuid)
    ]
    return record


def _csv_header(claim: Claim, user) -> Iterable[str]:
    return next(csv_module.reader(io.StringIO("".join(claim_csv_lines(user=user)))))


def _csv_row_keys(claim: Claim, user) -> Iterable[str]:
    (row,) = [claim_row(row) for row in claim_rows_queryset(user=user) if row.pk == claim.pk]
    # A row is looked up by column (the header gives the order): only its keys count here.
    return [
        *(column for column in fields.CSV_COLUMNS if column in row),
        *(key for key in row if key not in fields.CSV_COLUMNS),
    ]


# Each output: the place to name when it goes wrong, how to read its claim keys, and the keys
# the declaration gives it.
OUTPUTS: dict[str, tuple[Callable[[Claim, object], Iterable[str]], tuple[str, ...]]] = {
    "ClaimSerializer (claims/api/serializers.py)": (
        _serializer_keys,
        tuple(field.name for field in fields.API_FIELDS),
    ),
    "the list fast path (claims/api/listing.py, render_claims)": (
        _fast_path_keys,
        tuple(field.name for field in fields.API_FIELDS),
    ),
    "the exchange document's claim record (interchange/document.py, claim_record)": (
        _document_keys,
        tuple(key for field in fields.DOCUMENT_FIELDS for key in field.document),
    ),
    "the CSV header (interchange/csv.py, CLAIM_COLUMNS)": (
        _csv_header,
        tuple(column for field in fields.CSV_FIELDS for column in field.csv),
    ),
    "the CSV row (interchange/csv.py, claim_row)": (
        _csv_row_keys,
        tuple(column for field in fields.CSV_FIELDS for column in field.csv),
    ),
}


@pytest.mark.parametrize("place", OUTPUTS)
def test_each_output_carries_exactly_the_declared_fields_in_order(place, claim, editor):
    """GIVEN a claim with every kind of related record
    WHEN an output renders it
    THEN it carries every field declared for it, no other, in the declared order."""
    read, declared = OUTPUTS[place]
    keys = list(read(claim, editor))
    missing = [key for key in declared if key not in keys]
    assert not missing, f"{place} misses the fields claims.fields declares for it: {missing}"
    undeclared = [key for key in keys if key not in declared]
    assert not undeclared, (
        f"{place} carries claim fields claims.fields does not declare: {undeclared}"
    )
    assert keys == list(declared), f"{place} writes the declared fields out of their order"


def test_every_declared_field_goes_somewhere():
    """A declared field no output carries is a field forgotten on the way."""
    nowhere = [
        field.name
        for field in fields.CLAIM_FIELDS
        if not (field.api or field.document or field.csv)
    ]
    assert not nowhere, f"claims.fields declares fields no output carries: {nowhere}"


def test_the_brief_row_is_the_summary_and_the_declared_brief_fields(claim, editor):
    data = ClaimBriefSerializer(claim, context=_context(editor)).data
    assert list(data) == [
        *ClaimSummarySerializer.Meta.fields,
        *fields.BRIEF_ORDER,
    ], "ClaimBriefSerializer (claims/api/serializers.py) is not the summary and BRIEF_ORDER"


def test_an_import_reads_declared_csv_columns_only():
    for field in fields.CLAIM_FIELDS:
        unknown = set(field.csv_import) - set(field.csv)
        assert not unknown, f"claims.fields: {field.name} imports columns it does not write"


def test_a_field_left_out_of_a_layout_is_named():
    """GIVEN a field declared for the CSV
    WHEN the CSV's layout does not place it
    THEN claims.fields refuses to load, naming the layout and the field."""
    declared = {field.name for field in fields.CLAIM_FIELDS if field.csv}
    with pytest.raises(ImproperlyConfigured, match=r"CSV_ORDER.*not placed \['archived_at'\]"):
        fields._laid_out("CSV_ORDER", fields.CSV_ORDER[:-1], declared)
    with pytest.raises(ImproperlyConfigured, match=r"not declared \['nickname'\]"):
        fields._laid_out("CSV_ORDER", (*fields.CSV_ORDER, "nickname"), declared)
