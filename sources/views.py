"""Analyst pages of sources and publications."""

from typing import Any

from django.db.models import F
from django.views.generic import DetailView

from claims.models import Citation
from core.views import AnalystPageMixin
from sources.models import Publication, Source

# A page lists at most this many rows of a kind; the claim list has the rest, filtered.
MAX_ROWS = 100


class SourceDetailView(AnalystPageMixin, DetailView):
    """``/sources/<id>/``: reliability, people, publications and the claims it bears on."""

    template_name = "sources/source_detail.html"
    context_object_name = "source"

    def get_queryset(self):
        return Source.objects.visible_to(self.request.user).with_related()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        source = self.object
        user = self.request.user
        # What the source said: its own publications, its people's, and where they are quoted.
        said = Source.objects.publications_of(source.pk)
        publications = (
            Publication.objects.visible_to(user)
            .filter(pk__in=said)
            .select_related("source")
            .order_by(F("published_on").desc(nulls_last=True), "-pk")[: MAX_ROWS + 1]
        )
        citations = (
            Citation.objects.visible_to(user)
            .filter(publication__in=said)
            .select_related("claim", "publication__source")
            .order_by(F("claim__occurred_start").desc(nulls_last=True), "claim_id", "pk")[
                : MAX_ROWS + 1
            ]
        )
        publications, citations = list(publications), list(citations)
        for citation in citations:
            citation.grade = citation.grade_with(citation.publication.source.reliability)
        return super().get_context_data(
            publications=publications[:MAX_ROWS],
            more_publications=len(publications) > MAX_ROWS,
            citations=citations[:MAX_ROWS],
            more_citations=len(citations) > MAX_ROWS,
            **kwargs,
        )


class PublicationDetailView(AnalystPageMixin, DetailView):
    """``/publications/<id>/``: what it cites, what cites it, the claims it bears on."""

    template_name = "sources/publication_detail.html"
    context_object_name = "publication"

    def get_queryset(self):
        user = self.request.user
        return Publication.objects.visible_to(user).with_related(user=user).with_files(user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        publication = self.object
        citations = list(
            Citation.objects.visible_to(self.request.user)
            .filter(publication=publication)
            .select_related("claim", "publication__source")
            # The claim's topics decide whether an excerpt is blurred (is_sensitive).
            .prefetch_related("claim__topics")
            .order_by(F("claim__occurred_start").desc(nulls_last=True), "pk")[: MAX_ROWS + 1]
        )
        for citation in citations:
            citation.grade = citation.grade_with(publication.source.reliability)
        return super().get_context_data(
            citations=citations[:MAX_ROWS], more_citations=len(citations) > MAX_ROWS, **kwargs
        )
