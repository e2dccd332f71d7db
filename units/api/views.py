"""API endpoints of units."""

from core.api.viewsets import DomainViewSet
from units.filtersets import UnitFilterSet
from units.models import Unit

from .serializers import UnitSerializer, UnitSummarySerializer


class UnitViewSet(DomainViewSet):
    """Military formations in their order of battle."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    brief_serializer_class = UnitSummarySerializer
    filterset_class = UnitFilterSet

    def prepare_page(self, objects: list) -> dict:
        # One query on the closure table gives the chain of command of every unit on the page.
        if self.wants_brief():
            return {}
        return {"unit_chains": Unit.objects.ancestor_paths([unit.pk for unit in objects])}
