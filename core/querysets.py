"""Queryset building blocks: marking visibility and tree queries with recursive CTEs."""

from collections import defaultdict
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL

from .choices import Marking

# Markings an ordinary logged-in user may see until the access-control work adds sharing
# groups and named users; superusers see everything, anonymous users nothing.
DEFAULT_VISIBLE_MARKINGS = (Marking.CLEAR, Marking.GREEN, Marking.AMBER)

# A hard stop for recursive queries: the hierarchy refuses cycles on save, but a cycle written
# by raw SQL must still not make a query loop forever.
MAX_TREE_DEPTH = 64


def visible_markings(user) -> tuple[str, ...] | None:
    """Markings ``user`` may see: ``None`` means every marking, an empty tuple means none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return None
    return tuple(DEFAULT_VISIBLE_MARKINGS)


class VisibleQuerySet(models.QuerySet):
    """``visible_to(user)``: the single way in for every read path.

    Archived (soft-deleted) records are left out unless ``archived=True`` asks for exactly
    those; marked records are left out when the marking is not for ``user``.
    """

    marking_field: str | None = None

    def visible_to(self, user, archived: bool = False):
        """Only the records ``user`` may see (archived ones instead, with ``archived=True``)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        queryset = self
        if hasattr(self.model, "archived_at"):
            queryset = queryset.filter(archived_at__isnull=not archived)
        allowed = visible_markings(user)
        if self.marking_field and allowed is not None:
            queryset = queryset.filter(**{f"{self.marking_field}__in": allowed})
        return queryset


class MarkedQuerySet(VisibleQuerySet):
    """Queryset of a model with a ``marking`` field."""

    marking_field = "marking"


class TreeQuerySet(models.QuerySet):
    """Queryset of a model with a self-referencing ``parent`` foreign key.

    Subtrees and ancestor chains come from one ``WITH RECURSIVE`` query, which PostgreSQL and
    SQLite both run, so no code path walks the tree one query per level.
    """

    # The column pointing at the record above (a source's is its affiliation).
    parent_column = "parent_id"

    def _table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def _descendants_sql(self, root_ids: list[int]) -> tuple[str, list[Any]]:
        placeholders = ", ".join(["%s"] * len(root_ids))
        table = self._table()
        # UNION (not UNION ALL) drops rows already seen, so a cycle cannot recurse forever.
        sql = (
            f"WITH RECURSIVE subtree(id) AS ("
            f" SELECT id FROM {table} WHERE id IN ({placeholders})"
            f" UNION SELECT child.id FROM {table} child"
            f" JOIN subtree ON child.{self.parent_column} = subtree.id"
            f") SELECT id FROM subtree"
        )
        return sql, list(root_ids)

    def descendants_of(self, *roots: "models.Model | int", include_self: bool = True):
        """Every record below ``roots`` (and the roots themselves unless ``include_self=False``)."""
        root_ids = [getattr(root, "pk", root) for root in roots]
        if not root_ids:
            return self.none()
        sql, params = self._descendants_sql(root_ids)
        queryset = self.filter(pk__in=RawSQL(sql, params))
        return queryset if include_self else queryset.exclude(pk__in=root_ids)

    def subtree_ids_sql(self, root_id: int) -> RawSQL:
        """The ids of ``root_id``'s subtree as a subquery, for ``<fk>__in=`` filters elsewhere."""
        sql, params = self._descendants_sql([root_id])
        return RawSQL(sql, params)

    def ancestor_paths(self, ids: list[int]) -> dict[int, list]:
        """For each id, its chain from itself up to the root, all in one query."""
        if not ids:
            return {}
        table = self._table()
        placeholders = ", ".join(["%s"] * len(ids))
        sql = (
            f"WITH RECURSIVE chain(start_id, id, parent_id, depth) AS ("
            f" SELECT id, id, {self.parent_column}, 0 FROM {table} WHERE id IN ({placeholders})"
            f" UNION ALL SELECT chain.start_id, up.id, up.{self.parent_column}, chain.depth + 1"
            f" FROM {table} up JOIN chain ON up.id = chain.parent_id"
            f" WHERE chain.depth < {MAX_TREE_DEPTH}"
            f") SELECT node.*, chain.start_id AS chain_start, chain.depth AS chain_depth"
            f" FROM chain JOIN {table} node ON node.id = chain.id"
            f" ORDER BY chain.start_id, chain.depth"
        )
        paths: dict[int, list] = defaultdict(list)
        for node in self.model.objects.raw(sql, list(ids)):
            paths[node.chain_start].append(node)
        return dict(paths)

    def ancestors_of(self, record: "models.Model | int", include_self: bool = False) -> list:
        """The chain above ``record``, nearest first (one query)."""
        pk = getattr(record, "pk", record)
        chain = self.ancestor_paths([pk]).get(pk, [])
        return chain if include_self else chain[1:]

    def ancestor_ids(self, pk: int) -> set[int]:
        """Ids of ``pk`` and everything above it (one query), for cycle checks."""
        return {node.pk for node in self.ancestors_of(pk, include_self=True)}
