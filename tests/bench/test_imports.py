"""The benchmark's import scenarios write through the real paths and leave nothing behind."""

import pytest

from bench.scenarios import bulk_import, document_import
from claims.models import Citation, Claim
from sources.models import Publication
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def publications():
    return [PublicationFactory(marking="clear") for _ in range(4)]


@pytest.mark.parametrize("scenario", [bulk_import, document_import], ids=["bulk", "document"])
def test_an_import_scenario_measures_and_rolls_back(publications, scenario):
    """GIVEN publications to cite WHEN an import scenario runs THEN it reports a rate for
    the claims it wrote with three citations each, and they are gone afterwards."""
    result = scenario(claims=6)
    assert result["written"]["claims"] == 6 and result["written"]["citations"] == 18
    # The bulk path stores corroboration as it writes: a recompute changes nothing.
    assert result["written"].get("stale_corroboration", 0) == 0
    assert result["claims_per_second"] > 0
    assert Claim.objects.count() == 0 and Citation.objects.count() == 0
    assert Publication.objects.count() == len(publications)
