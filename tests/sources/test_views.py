"""The source and publication pages."""

import pytest

from sources.models import Publication, Source
from tests.factories import CitationFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def test_source_page_needs_a_login(client):
    source = PublicationFactory().source

    response = client.get(f"/sources/{source.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_ft_page_shows_reliability_publications_and_claims(
    client, viewer, demo, django_assert_max_num_queries
):
    client.force_login(viewer)
    ft = Source.objects.get(name="Financial Times")

    # session, user, the reader's groups (for the marking rule), source, aliases, members,
    # publications, citations
    with django_assert_max_num_queries(8):
        response = client.get(f"/sources/{ft.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "B – Usually reliable" in body
    assert "[Investigation into Russian executions of Ukrainian prisoners of war]" in body
    assert "Storm detachment soldier shot six unarmed Ukrainian POWs" in body
    assert "Supports" in body


def test_publication_page_shows_the_citation_graph_and_claims(
    client, viewer, demo, django_assert_max_num_queries
):
    """GIVEN ISW's assessment, which cites the FT investigation
    THEN the ISW page lists the FT under what it cites, the FT page lists ISW under what
    cites it, and both list the claims they support."""
    client.force_login(viewer)
    isw = Publication.objects.get(title__startswith="Russian Offensive Campaign Assessment")
    ft = Publication.objects.get(source__name="Financial Times", kind="investigation")

    # session, user, publication, people, references both ways, files, citations, claim
    # topics, sharing groups, named recipients, the reader's groups (for the marking rule)
    with django_assert_max_num_queries(12):
        response = client.get(f"/publications/{isw.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert ft.title in body
    assert "Storm detachment soldier shot six unarmed Ukrainian POWs" in body

    body = client.get(f"/publications/{ft.pk}/").content.decode()
    assert "What cites it" in body and isw.title in body


def test_sensitive_excerpts_are_blurred(client, viewer):
    """GIVEN an excerpt from a video
    THEN it is rendered blurred behind a "Show sensitive evidence" button."""
    citation = CitationFactory(
        publication=PublicationFactory(kind="video"), excerpt="Footage of the shooting."
    )
    client.force_login(viewer)

    body = client.get(f"/publications/{citation.publication_id}/").content.decode()

    assert "Show sensitive evidence" in body
    assert 'class="excerpt-wrap blurred"' in body


def test_red_publication_is_not_found(client, viewer):
    publication = PublicationFactory(marking="red")
    client.force_login(viewer)

    assert client.get(f"/publications/{publication.pk}/").status_code == 404


def test_publication_page_lists_its_files_with_sensitive_ones_behind_a_click(
    client, viewer, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from sources.models import EvidenceFile
    from tests.factories import PublicationFactory

    settings.MEDIA_ROOT = tmp_path
    publication = PublicationFactory()
    still = EvidenceFile.objects.create(
        publication=publication,
        file=ContentFile(b"\x89PNG frame", name="still.png"),
        sensitivity="graphic_violence",
    )
    client.force_login(viewer)

    body = client.get(f"/publications/{publication.pk}/").content.decode()

    assert "still.png" in body
    assert f"/api/evidence-files/{still.pk}/download/" in body
    assert "Graphic violence" in body and "Show download" in body
