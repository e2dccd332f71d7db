"""CSV cells a spreadsheet would run are defused on export and restored on import."""

import csv
import io

import pytest

from claims.models import Claim
from interchange.csv import claim_csv_lines, document_from_csv
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

RUNNABLE = [
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "|calc!A1",
    "\uff1dcmd|' /C calc'!A0",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\uff5ccalc",
]


def _export(user) -> str:

    return "".join(claim_csv_lines(Claim.objects.all(), user=user))


@pytest.mark.parametrize("title", RUNNABLE)
def test_a_cell_a_spreadsheet_would_run_starts_with_an_apostrophe(superuser, title):
    ClaimFactory(title=title)
    rows = list(csv.DictReader(io.StringIO(_export(superuser))))
    assert rows[0]["title"] == f"'{title}"


@pytest.mark.parametrize("title", RUNNABLE)
def test_a_defused_cell_comes_back_as_it_was(superuser, title):
    """GIVEN a claim whose title a spreadsheet would run, exported as CSV
    WHEN the CSV is read back as an exchange document THEN the title is unchanged."""
    ClaimFactory(title=title)
    document = document_from_csv(_export(superuser))
    assert [claim["title"] for claim in document["claims"]] == [title]
