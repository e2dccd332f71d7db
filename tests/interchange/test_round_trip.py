"""Export, import into an empty database, export again: nothing lost, authors included."""

import pytest
from django.contrib.auth import get_user_model

from claims.models import Citation, Claim
from claims.services import refresh_corroboration
from interchange.document import export_document
from interchange.importer import import_document
from sources.models import Publication, Source
from tests.factories import CitationFactory, ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

VOLATILE = {"exported_at"}


def _without_volatile(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in VOLATILE}


def test_a_round_trip_into_an_empty_database_keeps_every_author(superuser):
    """GIVEN claims and evidence written by two analysts
    WHEN the document is imported into a database that has neither their records nor their
    accounts THEN the second export equals the first, created_by and updated_by included, and
    the authors exist as inactive accounts nobody can log in as."""
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    claim = ClaimFactory(created_by=ana, updated_by=bo)
    CitationFactory(claim=claim, created_by=bo, updated_by=bo)
    # The stored corroboration is refreshed on commit, which a test's transaction never does.
    refresh_corroboration([claim.pk])
    first = export_document(superuser)
    assert first["claims"][0]["created_by"] == "ana"

    # An empty database: no records, and the authors' accounts gone.
    Citation.objects.all().delete()
    Claim.objects.all().delete()
    Publication.objects.all().delete()
    Source.objects.all().delete()
    get_user_model().objects.filter(username__in=["ana", "bo"]).delete()

    report = import_document(first, name="round trip", user=superuser)
    assert not report.errors, report.errors

    second = export_document(superuser)
    for section in ("sources", "publications", "claims", "citations"):
        for before, after in zip(first.get(section, []), second.get(section, []), strict=True):
            changed = {
                k: (before.get(k), after.get(k)) for k in before if before[k] != after.get(k)
            }
            assert not changed, (section, changed)
    assert _without_volatile(second) == _without_volatile(first)
    for name in ("ana", "bo"):
        author = get_user_model().objects.get(username=name)
        assert not author.is_active
        assert not author.has_usable_password()
        assert not author.groups.exists()


def test_an_author_that_is_not_a_username_is_left_out(superuser):
    claim = ClaimFactory()
    document = export_document(superuser)
    document["claims"][0]["created_by"] = "not a username!"
    Claim.objects.filter(pk=claim.pk).delete()

    report = import_document(document, name="odd author", user=superuser)

    assert not report.errors, report.errors
    assert Claim.objects.get(uuid=claim.uuid).created_by is None
    assert not get_user_model().objects.filter(username="not a username!").exists()
