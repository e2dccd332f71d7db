"""Loading rules and ORBAT tree queries for units, and the upkeep of the ORBAT closure."""

from collections import defaultdict

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from core.querysets import MAX_TREE_DEPTH, CompiledRows, TreeQuerySet, VisibleQuerySet


def _closure():
    """``UnitAncestor`` (defined in models.py, which imports this module)."""
    return apps.get_model("units", "UnitAncestor")


def orbat_path_rows(units: "list[int] | models.QuerySet") -> models.QuerySet:
    """Each unit's chain, from itself up, as short names (abbreviation, else name): of the
    unit ids ``units`` (``in_array``) or of the units a subquery selects."""
    # Each ancestor's name by its primary key, row by row: as a JOIN, PostgreSQL hashed
    # all 20,000 units for ~500 rows (5 ms against 2.7 ms at a million claims).
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


# The same SQL for every page: compiled once (core.querysets.CompiledRows).
_PATHS = CompiledRows(orbat_path_rows)


class UnitQuerySet(VisibleQuerySet, TreeQuerySet):
    """Queryset of units; subtrees and ancestor chains come from the closure table
    (``UnitAncestor``), ``ancestors_of`` and ``ancestor_ids`` from ``TreeQuerySet`` on top."""

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

    def descendants_of(self, *roots: "models.Model | int", include_self: bool = True):
        """Every unit below ``roots`` (and the roots themselves unless ``include_self=False``),
        read from the closure table: an index range, no recursion."""
        root_ids = [getattr(root, "pk", root) for root in roots]
        below = self.filter(pk__in=subtree_ids(*root_ids))
        return below if include_self else below.exclude(pk__in=root_ids)

    def bulk_create(self, objs, *args, **kwargs):
        """``bulk_create`` skips ``save()``: the closure is rebuilt after it."""
        created = super().bulk_create(objs, *args, **kwargs)
        _closure().objects.rebuild()
        return created

    def update(self, **kwargs) -> int:
        """``update()`` skips ``save()``: a changed parent rebuilds the closure after it."""
        count = super().update(**kwargs)
        if "parent" in kwargs or "parent_id" in kwargs:
            _closure().objects.rebuild()
        return count


def subtree_ids(*root_ids: int) -> models.QuerySet:
    """The ids of the units at or below ``root_ids`` as a subquery (``unit__in=`` elsewhere).

    PostgreSQL estimates it from the closure's statistics on ``ancestor_id`` (a top-level
    unit is among the most common values), where a recursive CTE's size is a guess.
    """
    return _closure().objects.filter(ancestor__in=root_ids).values("unit_id")


class UnitAncestorQuerySet(models.QuerySet):
    """Upkeep of the closure table: each statement is set-based, whatever the tree's size.

    Every unit has a row per unit above it and one for itself (depth 0). ``Unit.save()``
    calls ``add`` and ``move``; paths that write units without ``save()`` (COPY,
    ``bulk_create``, ``update()``) call ``rebuild``.
    """

    def _table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def rebuild(self) -> None:
        """Recompute every row from the units' ``parent_id`` (two statements, one transaction).

        Walks up from every unit at once; a cycle written around ``save()`` stops at
        ``MAX_TREE_DEPTH`` and keeps each pair once, at its smallest depth.
        """
        units = connection.ops.quote_name(
            self.model._meta.get_field("unit").related_model._meta.db_table
        )
        # One transaction: no reader sees the table emptied.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self._table()}")
            cursor.execute(
                f"INSERT INTO {self._table()} (unit_id, ancestor_id, depth)"
                f" WITH RECURSIVE up(unit_id, ancestor_id, depth) AS ("
                f" SELECT id, id, 0 FROM {units}"
                f" UNION ALL SELECT up.unit_id, above.parent_id, up.depth + 1"
                f" FROM up JOIN {units} above ON above.id = up.ancestor_id"
                f" WHERE above.parent_id IS NOT NULL AND up.depth < {MAX_TREE_DEPTH})"
                f" SELECT unit_id, ancestor_id, MIN(depth) FROM up GROUP BY unit_id, ancestor_id"
            )

    def add(self, unit_id: int, parent_id: int | None) -> None:
        """Rows of a new unit: itself, then its parent's ancestors one level further."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self._table()} (unit_id, ancestor_id, depth)"
                f" SELECT %s, %s, 0"
                f" UNION ALL SELECT %s, ancestor_id, depth + 1 FROM {self._table()}"
                f" WHERE unit_id = %s",
                [unit_id, unit_id, unit_id, parent_id],
            )

    def move(self, unit_id: int, parent_id: int | None) -> None:
        """``unit_id`` has a new parent: its whole subtree leaves the old ancestors and joins
        the new ones (two statements, rows inside the subtree untouched; ``Unit.save()`` runs
        them in its transaction)."""
        table = self._table()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table}"
                f" WHERE unit_id IN (SELECT unit_id FROM {table} WHERE ancestor_id = %s)"
                f" AND ancestor_id IN (SELECT ancestor_id FROM {table}"
                f" WHERE unit_id = %s AND depth > 0)",
                [unit_id, unit_id],
            )
            if parent_id is None:
                return
            cursor.execute(
                f"INSERT INTO {table} (unit_id, ancestor_id, depth)"
                f" SELECT below.unit_id, above.ancestor_id, below.depth + above.depth + 1"
                f" FROM {table} below, {table} above"
                f" WHERE below.ancestor_id = %s AND above.unit_id = %s",
                [unit_id, parent_id],
            )
