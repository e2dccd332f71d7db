"""Analyst pages of places."""

from typing import TYPE_CHECKING, Any

from django.views.generic import DetailView

from core.views import AnalystPageMixin, RecordSectionsMixin

from .models import Location

if TYPE_CHECKING:
    # Django's generic views are generic in the stubs only.
    LocationView = DetailView[Location]
else:
    LocationView = DetailView


class LocationDetailView(AnalystPageMixin, RecordSectionsMixin, LocationView):
    """``/locations/<id>/``: where the place is, what is inside it, and the sections other apps
    add (the claims there)."""

    template_name = "places/location_detail.html"
    context_object_name = "location"
    queryset = Location.objects.select_related("parent").prefetch_related("aliases")
    # A country holds tens of thousands of places at any depth: the page names those
    # directly inside, each a link further down.
    max_places = 200

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        location = self.object
        inside = list(location.children.order_by("name")[: self.max_places + 1])
        return super().get_context_data(
            ancestors=list(reversed(Location.objects.ancestors_of(location))),
            inside=inside[: self.max_places],
            more_inside=len(inside) > self.max_places,
            inside_count=Location.objects.inside(location.pk).count() - 1 if inside else 0,
            **kwargs,
        )
