"""API endpoints of claims, citations, places and topics."""

from claims.filtersets import CitationFilterSet, ClaimFilterSet, LocationFilterSet, TopicFilterSet
from claims.models import Citation, Claim, Location, Topic
from claims.services import analyse
from core.api.viewsets import DomainViewSet
from units.models import Unit

from .serializers import (
    CitationSerializer,
    ClaimBriefSerializer,
    ClaimSerializer,
    LocationSerializer,
    LocationSummarySerializer,
    TopicSerializer,
)


class ClaimViewSet(DomainViewSet):
    """Claims with their evidence, units, places and numbers. ``?brief=1`` for list rows."""

    queryset = Claim.objects.all()
    serializer_class = ClaimSerializer
    brief_serializer_class = ClaimBriefSerializer
    filterset_class = ClaimFilterSet

    def prepare_page(self, objects: list) -> dict:
        # ORBAT paths of every unit on the page in one query (the closure table).
        if self.wants_brief():
            return {}
        unit_ids = {
            involvement.unit_id for claim in objects for involvement in claim.involvements.all()
        }
        prepared = {"orbat_paths": Unit.objects.orbat_paths(sorted(unit_ids))}
        if self.action == "retrieve":
            # The explanation of the lines (four queries), on the detail only: lists show the
            # stored counts and stay as cheap as before.
            prepared["evidence"] = analyse(objects, user=self.request.user)
        return prepared


class CitationViewSet(DomainViewSet):
    """The evidence links between claims and publications."""

    queryset = Citation.objects.all()
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet


class LocationViewSet(DomainViewSet):
    """Named places with coordinates and their parent places."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    brief_serializer_class = LocationSummarySerializer
    filterset_class = LocationFilterSet


class TopicViewSet(DomainViewSet):
    """Subjects claims are grouped by."""

    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
