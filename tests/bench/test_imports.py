"""The benchmark's import scenarios write through the real paths and leave nothing behind."""

import pytest
from django.db import connection

from bench.scenarios import WRITTEN_TABLES, bulk_import, document_import, vacuum_written_tables
from claims.models import Citation, Claim
from sources.models import Publication
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def publications():
    return [PublicationFactory(marking="clear") for _ in range(4)]


@pytest.mark.parametrize(
    "scenario",
    [lambda: bulk_import(batches=3, batch_size=2), lambda: document_import(claims=6)],
    ids=["bulk", "document"],
)
def test_an_import_scenario_measures_and_rolls_back(publications, scenario):
    """GIVEN publications to cite WHEN an import scenario runs THEN it reports a rate for
    the claims it wrote with three citations each, and they are gone afterwards."""
    result = scenario()
    assert result["written"]["claims"] == 6 and result["written"]["citations"] == 18
    # The bulk path stores corroboration as it writes: a recompute changes nothing.
    assert result["written"].get("stale_corroboration", 0) == 0
    assert result["claims_per_second"] > 0
    assert Claim.objects.count() == 0 and Citation.objects.count() == 0
    assert Publication.objects.count() == len(publications)


@pytest.mark.django_db(transaction=True)
def test_the_tables_the_imports_rolled_back_are_vacuumed_afterwards():
    """GIVEN the import scenarios' tables WHEN the benchmark cleans up after them THEN each
    was vacuumed (its dead rows would slow the planning of the next run's reads)."""
    tables = [model._meta.db_table for model in WRITTEN_TABLES]

    def vacuum_counts() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [tables],
            )
            return dict(cursor.fetchall())

    before = vacuum_counts()
    vacuum_written_tables()
    after = vacuum_counts()

    assert sorted(after) == sorted(tables)
    assert all(after[table] > before.get(table, 0) for table in tables)


def test_the_bulk_import_reports_each_batch(publications):
    """GIVEN a bulk import in batches THEN each batch has its rate, and every batch's claims
    were written (ids from every batch, not the last one's only)."""
    result = bulk_import(batches=3, batch_size=2)
    assert result["claims"] == 6 and result["batches"] == 3
    assert len(result["batch_claims_per_second"]) == 3
    assert all(rate > 0 for rate in result["batch_claims_per_second"])
