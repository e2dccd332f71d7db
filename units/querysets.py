"""Loading rules and ORBAT tree queries for units (the closure's upkeep is core.trees')."""

from collections import defaultdict

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from core.querysets import VisibleQuerySet
from core.rows import CompiledRows
from core.trees import ClosureKeptQuerySet


def _closure():
    """``UnitAncestor`` (defined in models.py, which imports this module)."""
    return apps.get_model("units", "UnitAncestor")


def orbat_path_rows(units: "list[int] | models.QuerySet") -> models.QuerySet:
    """Each unit's chain, from itself up, as short names (abbreviation, else name): of the
    unit ids ``units`` (``in_array``) or of the units a subquery selects."""
    # Each ancestor's name by its primary key, row by row: as a JOIN, PostgreSQL hashed
    # every unit for a page's few hundred rows.
    label = (
        apps.get_model("units", "Unit")
        .objects.filter(pk=OuterRef("ancestor_id"))
        .order_by()
        .values(short=Coalesce(NullIf("abbreviation", Value("")), "name"))
    )
    closure = _closure().objects
    if isinstance(units, models.QuerySet):
        closure = closure.filter(unit__in=units)
    else:
        closure = closure.filter(unit__in_array=units)
    return (
        closure.order_by("unit_id", "depth")
        .annotate(short=Subquery(label))
        .values("unit_id", "short")
    )


def joined_paths(rows: list[dict]) -> dict[int, str]:
    """``orbat_path_rows`` as one path per unit: "30th MRB › 2nd CAA › Central MD"."""
    names: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        names[row["unit_id"]].append(row["short"])
    return {unit_id: " › ".join(chain) for unit_id, chain in names.items()}


# The same SQL for every page: compiled once (core.rows.CompiledRows).
_PATHS = CompiledRows(orbat_path_rows)


# django-stubs gives each queryset class's as_manager its own return type, so two bases'
# differ; the manager built is the subclass's, as at run time.
class UnitQuerySet(VisibleQuerySet, ClosureKeptQuerySet):  # type: ignore[override]
    """Queryset of units; subtrees and ancestor chains come from the closure table
    (``UnitAncestor``), ``ancestors_of`` and ``ancestor_ids`` from ``TreeQuerySet`` on top."""

    closure_model = "units.UnitAncestor"

    def with_related(self, user=None):
        """What a unit shows: parent, direct subordinates, aliases and honorific titles."""
        return self.select_related("parent").prefetch_related("aliases", "honorifics", "children")

    def orbat_paths(self, ids: list[int]) -> dict[int, str]:
        """Short ORBAT path per unit id ("30th MRB › 2nd CAA › Central MD"), in one query
        reading only the names (a page of claims asks for a hundred units' paths)."""
        return joined_paths(_PATHS(list(ids)))

    def ancestor_paths(self, ids: list[int]) -> dict[int, list]:
        """For each id, its chain from itself up to the top, in one query on the closure (an
        index range per unit instead of a recursive walk of the units table)."""
        rows = (
            _closure()
            .objects.filter(unit__in=ids)
            .select_related("ancestor")
            .order_by("unit_id", "depth")
        )
        paths: dict[int, list] = defaultdict(list)
        for row in rows:
            paths[row.unit_id].append(row.ancestor)
        return dict(paths)


def subtree_ids(*root_ids: int) -> models.QuerySet:
    """The ids of the units at or below ``root_ids`` as a subquery (``unit__in=`` elsewhere).

    PostgreSQL estimates it from the closure's statistics on ``ancestor_id`` (a top-level
    unit is among the most common values), where a recursive CTE's size is a guess.
    """
    return apps.get_model("units", "Unit").objects.inside(*root_ids)
