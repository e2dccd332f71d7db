"""Loading rules and ORBAT tree queries for units."""

from core.querysets import TreeQuerySet, VisibleQuerySet


class UnitQuerySet(VisibleQuerySet, TreeQuerySet):
    """Queryset of units; tree queries (subtree, ancestor chains) come from ``TreeQuerySet``."""

    def with_related(self, user=None):
        """What a unit shows: parent, direct subordinates, aliases and honorific titles."""
        return self.select_related("parent").prefetch_related("aliases", "honorifics", "children")

    def orbat_paths(self, ids: list[int]) -> dict[int, str]:
        """Short ORBAT path per unit id ("30th MRB › 2nd CAA › Central MD"), in one query."""
        return {
            start: " › ".join(node.short_name for node in chain)
            for start, chain in self.ancestor_paths(ids).items()
        }
