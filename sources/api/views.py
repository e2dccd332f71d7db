"""API endpoints of sources and publications."""

from core.api.viewsets import DomainViewSet
from sources.filtersets import PublicationFilterSet, SourceFilterSet
from sources.models import Publication, Source

from .serializers import (
    PublicationSerializer,
    PublicationSummarySerializer,
    SourceSerializer,
    SourceSummarySerializer,
)


class SourceViewSet(DomainViewSet):
    """Who says something: outlets, bodies, people, with their Admiralty reliability."""

    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    brief_serializer_class = SourceSummarySerializer
    filterset_class = SourceFilterSet


class PublicationViewSet(DomainViewSet):
    """What a source put out, and what it cites or is cited by."""

    queryset = Publication.objects.all()
    serializer_class = PublicationSerializer
    brief_serializer_class = PublicationSummarySerializer
    filterset_class = PublicationFilterSet
