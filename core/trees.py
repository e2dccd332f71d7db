"""Tree queries: recursive CTEs over a ``parent`` column, and the closure tables beside them."""

from collections import defaultdict
from typing import Any

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL

# A hard stop for recursive queries: the hierarchy refuses cycles on save, but a cycle written
# by raw SQL must still not make a query loop forever.
MAX_TREE_DEPTH = 64


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

    def _chain_sql(self, ids: list[int], columns: str) -> str:
        """Each id's chain up to the root (``chain.start_id``, nearest first), joined to the
        ``node`` on it; ``columns`` are selected."""
        table = self._table()
        placeholders = ", ".join(["%s"] * len(ids))
        return (
            f"WITH RECURSIVE chain(start_id, id, parent_id, depth) AS ("
            f" SELECT id, id, {self.parent_column}, 0 FROM {table} WHERE id IN ({placeholders})"
            f" UNION ALL SELECT chain.start_id, up.id, up.{self.parent_column}, chain.depth + 1"
            f" FROM {table} up JOIN chain ON up.id = chain.parent_id"
            f" WHERE chain.depth < {MAX_TREE_DEPTH}"
            f") SELECT {columns} FROM chain JOIN {table} node ON node.id = chain.id"
            f" ORDER BY chain.start_id, chain.depth"
        )

    def ancestor_paths(self, ids: list[int]) -> dict[int, list]:
        """For each id, its chain from itself up to the root, all in one query."""
        if not ids:
            return {}
        sql = self._chain_sql(ids, "node.*, chain.start_id AS chain_start")
        paths: dict[int, list] = defaultdict(list)
        for node in self.model.objects.raw(sql, list(ids)):
            paths[node.chain_start].append(node)
        return dict(paths)

    def ancestor_chains(
        self, ids: list[int], fields: tuple[str, ...]
    ) -> tuple[dict[int, list[int]], dict[int, tuple]]:
        """For each id, the ids of its chain up to the root (itself first), and ``fields`` of
        every record on those chains, in one query of plain rows: ``ancestor_paths`` without
        a model instance per record and chain (thousands when corroboration is refreshed)."""
        if not ids:
            return {}, {}
        quote = connection.ops.quote_name
        opts = self.model._meta
        columns = ", ".join(f"node.{quote(opts.get_field(name).column)}" for name in fields)
        paths: dict[int, list[int]] = defaultdict(list)
        values: dict[int, tuple] = {}
        with connection.cursor() as cursor:
            cursor.execute(self._chain_sql(ids, f"chain.start_id, chain.id, {columns}"), ids)
            for start, pk, *row in cursor.fetchall():
                paths[start].append(pk)
                values[pk] = tuple(row)
        return dict(paths), values

    def ancestors_of(self, record: "models.Model | int", include_self: bool = False) -> list:
        """The chain above ``record``, nearest first (one query)."""
        pk = getattr(record, "pk", record)
        chain = self.ancestor_paths([pk]).get(pk, [])
        return chain if include_self else chain[1:]

    def ancestor_ids(self, pk: int) -> set[int]:
        """Ids of ``pk`` and everything above it (one query), for cycle checks."""
        return {node.pk for node in self.ancestors_of(pk, include_self=True)}


class ClosureQuerySet(models.QuerySet):
    """Upkeep of a tree's closure table: each statement is set-based, whatever the tree's size.

    The table (``units.UnitAncestor``, ``places.LocationAncestor``) has a row per record of the
    tree and each record above it, itself included at depth 0: "everything below X" is the
    index range ``ancestor_id = X``, which PostgreSQL estimates from its statistics, where a
    recursive query's size is a guess. ``ClosureTreeMixin.save()`` calls ``add`` and
    ``move``; the paths that write the tree without ``save()`` (COPY, ``bulk_create``,
    ``update()``) call ``rebuild``. The table is a ``core.models.ClosureBase``: the record's
    foreign key (named by ``node_field``), ``ancestor`` and ``depth``.
    """

    def _table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def _node(self) -> str:
        """The column naming the record whose row it is (``unit_id``, ``location_id``)."""
        return self.model._meta.get_field(self.model.node_field).column

    def _tree_table(self) -> str:
        return connection.ops.quote_name(
            self.model._meta.get_field("ancestor").related_model._meta.db_table
        )

    def rebuild(self) -> None:
        """Recompute every row from the tree's ``parent_id`` (two statements, one transaction).

        Walks up from every record at once; a cycle written around ``save()`` stops at
        ``MAX_TREE_DEPTH`` and keeps each pair once, at its smallest depth.
        """
        node, tree = self._node(), self._tree_table()
        # One transaction: no reader sees the table emptied.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self._table()}")
            cursor.execute(
                f"INSERT INTO {self._table()} ({node}, ancestor_id, depth)"
                f" WITH RECURSIVE up(node_id, ancestor_id, depth) AS ("
                f" SELECT id, id, 0 FROM {tree}"
                f" UNION ALL SELECT up.node_id, above.parent_id, up.depth + 1"
                f" FROM up JOIN {tree} above ON above.id = up.ancestor_id"
                f" WHERE above.parent_id IS NOT NULL AND up.depth < {MAX_TREE_DEPTH})"
                f" SELECT node_id, ancestor_id, MIN(depth) FROM up GROUP BY node_id, ancestor_id"
            )

    def add(self, pk: int, parent_id: int | None) -> None:
        """Rows of a new record: itself, then its parent's ancestors one level further."""
        node = self._node()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self._table()} ({node}, ancestor_id, depth)"
                f" SELECT %s, %s, 0"
                f" UNION ALL SELECT %s, ancestor_id, depth + 1 FROM {self._table()}"
                f" WHERE {node} = %s",
                [pk, pk, pk, parent_id],
            )

    def move(self, pk: int, parent_id: int | None) -> None:
        """``pk`` has a new parent: its whole subtree leaves the old ancestors and joins the
        new ones (two statements, rows inside the subtree untouched; ``save()`` runs them in
        its transaction)."""
        table, node = self._table(), self._node()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table}"
                f" WHERE {node} IN (SELECT {node} FROM {table} WHERE ancestor_id = %s)"
                f" AND ancestor_id IN (SELECT ancestor_id FROM {table}"
                f" WHERE {node} = %s AND depth > 0)",
                [pk, pk],
            )
            if parent_id is None:
                return
            cursor.execute(
                f"INSERT INTO {table} ({node}, ancestor_id, depth)"
                f" SELECT below.{node}, above.ancestor_id, below.depth + above.depth + 1"
                f" FROM {table} below, {table} above"
                f" WHERE below.ancestor_id = %s AND above.{node} = %s",
                [pk, parent_id],
            )


class ClosureKeptQuerySet(TreeQuerySet):
    """A tree with a closure table (``closure_model``, an app label and model name): the bulk
    writes that skip ``save()`` rebuild it after them."""

    closure_model = ""

    def closure(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.closure_model)

    def inside(self, *root_ids: int) -> models.QuerySet:
        """The ids of the records at or below ``root_ids``, as a subquery (``<fk>__in=``):
        an index range of the closure, which PostgreSQL estimates from its statistics on
        ``ancestor_id`` where a recursive query's size is a guess."""
        closure = self.closure()
        return closure.objects.filter(ancestor__in=root_ids).values(closure.node_field)

    def descendants_of(self, *roots: "models.Model | int", include_self: bool = True):
        """Every record below ``roots`` (and the roots themselves unless
        ``include_self=False``), read from the closure: no recursion."""
        root_ids = [getattr(root, "pk", root) for root in roots]
        below = self.filter(pk__in=self.inside(*root_ids))
        return below if include_self else below.exclude(pk__in=root_ids)

    def bulk_create(self, objs, *args, **kwargs):
        """``bulk_create`` skips ``save()``: the closure is rebuilt after it."""
        created = super().bulk_create(objs, *args, **kwargs)
        self.closure().objects.rebuild()
        return created

    def update(self, **kwargs) -> int:
        """``update()`` skips ``save()``: a changed parent rebuilds the closure after it."""
        count = super().update(**kwargs)
        if "parent" in kwargs or "parent_id" in kwargs:
            self.closure().objects.rebuild()
        return count
