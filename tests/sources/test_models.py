"""Source and publication rules: grades, affiliation, file hashing, protection of evidence."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from sources.models import EvidenceFile, Publication, PublicationReference, Source
from tests.factories import (
    CitationFactory,
    PublicationFactory,
    PublicationReferenceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def test_reliability_defaults_to_cannot_be_judged():
    source = Source.objects.create(name="New outlet", kind="news_outlet")
    assert source.reliability == "F"


def test_database_refuses_a_reliability_outside_a_to_f():
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="Bad grade", kind="news_outlet", reliability="G")


def test_affiliation_cycle_is_refused():
    gur = SourceFactory(name="GUR", kind="intelligence")
    budanov = SourceFactory(name="Kyrylo Budanov", kind="person", affiliation=gur)
    gur.affiliation = budanov
    with pytest.raises(ValidationError) as error:
        gur.full_clean()
    assert "affiliation" in error.value.message_dict


def test_country_must_be_an_iso_code():
    source = Source(name="Somewhere", kind="news_outlet", country="uk")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "country" in error.value.message_dict


def test_sha256_is_computed_from_the_uploaded_bytes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = b"footage frame bytes"
    evidence = EvidenceFile.objects.create(
        publication=PublicationFactory(kind="video"),
        file=ContentFile(content, name="../../etc/passwd.mp4"),
    )
    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    # The user's filename is kept as metadata but never used as a storage path.
    assert evidence.original_name == "passwd.mp4"
    assert evidence.file.name.startswith("evidence/")
    assert ".." not in evidence.file.name


def test_a_stored_evidence_file_is_never_replaced_in_place(settings, tmp_path):
    """GIVEN a stored file WHEN someone swaps the file or its hash on the same row
    THEN save refuses: a new file must be a new version with its own hash."""
    settings.MEDIA_ROOT = tmp_path
    evidence = EvidenceFile.objects.create(
        publication=PublicationFactory(), file=ContentFile(b"original", name="capture.html")
    )
    evidence.description = "Archived capture"
    evidence.save()  # metadata may change
    evidence.file = ContentFile(b"tampered", name="capture.html")
    with pytest.raises(ValidationError):
        evidence.save()
    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(b"original").hexdigest()


def test_the_same_file_twice_in_a_publication_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory()
    EvidenceFile.objects.create(publication=publication, file=ContentFile(b"x", name="a.png"))
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFile.objects.create(publication=publication, file=ContentFile(b"x", name="b.png"))


def test_published_date_is_normalised_to_its_precision():
    publication = PublicationFactory(
        published_on=dt.date(2024, 12, 19), published_precision="month"
    )
    assert publication.published_on == dt.date(2024, 12, 1)
    assert publication.published_display == "December 2024"


def test_a_publication_with_citations_cannot_be_deleted():
    citation = CitationFactory()
    with pytest.raises(ProtectedError):
        citation.publication.delete()


def test_a_source_with_publications_cannot_be_deleted():
    publication = PublicationFactory()
    with pytest.raises(ProtectedError):
        publication.source.delete()


def test_a_cited_publication_cannot_be_deleted():
    reference = PublicationReferenceFactory()
    with pytest.raises(ProtectedError):
        reference.cited.delete()
    assert Publication.objects.filter(pk=reference.cited.pk).exists()


def test_database_refuses_a_publication_citing_itself():
    publication = PublicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationReference.objects.create(citing=publication, cited=publication)


def test_database_refuses_an_unknown_marking():
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(marking="purple")
