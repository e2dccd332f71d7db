from core.api.viewsets import DomainViewSet
from places.filtersets import LocationFilterSet
from places.models import Location

from .serializers import LocationSerializer, LocationSummarySerializer


class LocationViewSet(DomainViewSet):
    """Named places with coordinates and their parent places."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    brief_serializer_class = LocationSummarySerializer
    filterset_class = LocationFilterSet
