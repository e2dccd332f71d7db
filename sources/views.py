"""Analyst pages of sources and publications."""

from typing import Any

from django.db.models import F
from django.views.generic import DetailView

from core.views import AnalystPageMixin, RecordSectionsMixin
from sources.models import Publication, Source

# A page lists at most this many rows of a kind; the claim list has the rest, filtered.
MAX_ROWS = 100


class SourceDetailView(AnalystPageMixin, RecordSectionsMixin, DetailView):
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
        publications = list(publications)
        return super().get_context_data(
            publications=publications[:MAX_ROWS],
            more_publications=len(publications) > MAX_ROWS,
            # For the sections: whatever the source said, in its name or its people's.
            said=said,
            **kwargs,
        )


class PublicationDetailView(AnalystPageMixin, RecordSectionsMixin, DetailView):
    """``/publications/<id>/``: what it cites, what cites it, the claims it bears on."""

    template_name = "sources/publication_detail.html"
    context_object_name = "publication"

    def get_queryset(self):
        user = self.request.user
        return Publication.objects.visible_to(user).with_related(user=user).with_files(user)
