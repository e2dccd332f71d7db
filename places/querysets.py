"""Loading rules of places."""

from core.trees import ClosureKeptQuerySet


class LocationQuerySet(ClosureKeptQuerySet):
    """Queryset of places; ``descendants_of`` gives a place and everything inside it, from
    the closure table (``LocationAncestor``)."""

    closure_model = "places.LocationAncestor"

    def with_related(self, user: object = None) -> "LocationQuerySet":
        """What a list of places shows: the parent and aliases."""
        return self.select_related("parent").prefetch_related("aliases")
