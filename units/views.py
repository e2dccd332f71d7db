"""Analyst pages of units."""

from collections import defaultdict
from typing import Any

from django.views.generic import DetailView

from core.views import AnalystPageMixin, RecordSectionsMixin
from units.models import Unit

# A top-level unit has thousands of units below it at scale, too many to list on a page. The
# tree shows as many levels as fit in this many rows (at least the direct subordinates).
MAX_TREE_ROWS = 300


class UnitDetailView(AnalystPageMixin, RecordSectionsMixin, DetailView):
    """``/units/<id>/``: the chain of command, the subordinate tree, and the sections other
    apps add (the claims involving the unit or any unit below it)."""

    template_name = "units/unit_detail.html"
    context_object_name = "unit"

    def get_queryset(self):
        return Unit.objects.visible_to(self.request.user).with_related()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        unit = self.object
        user = self.request.user
        # The whole subtree in one query on the closure table; the tree is assembled in Python.
        subtree = list(
            Unit.objects.visible_to(user).descendants_of(unit, include_self=False).order_by("name")
        )
        children: dict[int, list[Unit]] = defaultdict(list)
        for node in subtree:
            children[node.parent_id].append(node)
        tree = tree_rows(unit.pk, children)
        levels = shown_levels(tree)
        shown = [(node, depth) for node, depth in tree if depth < levels]
        return super().get_context_data(
            ancestors=list(reversed(Unit.objects.ancestors_of(unit))),
            tree=shown,
            tree_cut=len(shown) < len(tree),
            below_count=len(tree),
            shown_levels=levels,
            # For the sections: the unit and every unit below it.
            subtree_ids=[unit.pk, *(node.pk for node in subtree)],
            **kwargs,
        )


def shown_levels(rows: list) -> int:
    """How many levels of ``tree_rows`` fit in ``MAX_TREE_ROWS`` rows (one at least)."""
    per_level: dict[int, int] = defaultdict(int)
    for _node, depth in rows:
        per_level[depth] += 1
    levels, total = 1, per_level[0]
    while levels in per_level and total + per_level[levels] <= MAX_TREE_ROWS:
        total += per_level[levels]
        levels += 1
    return levels


def tree_rows(root_id: int, children: dict[int, list[Unit]], depth: int = 0) -> list:
    """The subtree below ``root_id`` as (unit, depth) rows in display order."""
    rows = []
    for node in children.get(root_id, []):
        rows.append((node, depth))
        rows.extend(tree_rows(node.pk, children, depth + 1))
    return rows
