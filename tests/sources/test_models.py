"""Source and publication rules: grades, affiliation, file hashing, protection of evidence."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from sources.models import Publication, PublicationReference, Source
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
    publication = PublicationFactory(kind="video")
    publication.file = ContentFile(content, name="../../etc/passwd.mp4")
    publication.save()
    publication.refresh_from_db()
    assert publication.sha256 == hashlib.sha256(content).hexdigest()
    # The user's filename is kept as metadata but never used as a storage path.
    assert publication.file_name == "passwd.mp4"
    assert publication.file.name.startswith("evidence/")
    assert ".." not in publication.file.name


def test_resaving_without_a_new_file_keeps_the_hash(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory()
    publication.file = ContentFile(b"original", name="capture.html")
    publication.save()
    digest = publication.sha256
    publication.title = "Retitled"
    publication.save()
    publication.refresh_from_db()
    assert publication.sha256 == digest == hashlib.sha256(b"original").hexdigest()


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
