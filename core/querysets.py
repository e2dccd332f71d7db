"""Queryset building blocks: marking visibility and tree queries with recursive CTEs."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models, router, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from psycopg import ClientCursor
from psycopg.adapt import Loader

from .choices import Marking
from .roles import ADMIN, EDITOR

# Markings every logged-in user may see (TLP 2.0: CLEAR is public, GREEN is for the community).
PUBLIC_MARKINGS = (Marking.CLEAR, Marking.GREEN)
# Markings a sharing group opens; AMBER is also open to editors, AMBER+STRICT is not.
GROUP_MARKINGS = (Marking.AMBER, Marking.AMBER_STRICT)

# Roles that see every TLP:AMBER record.
AMBER_ROLES = (EDITOR, ADMIN)

# A hard stop for recursive queries: the hierarchy refuses cycles on save, but a cycle written
# by raw SQL must still not make a query loop forever.
MAX_TREE_DEPTH = 64


def _compile_rows(queryset: models.QuerySet, alias: str) -> tuple[str, list, tuple] | None:
    """SQL, parameters and column names of a ``values()`` query, or None when its rows need
    Django's conversions (a field with ``from_db_value``) or it is not PostgreSQL's."""
    query = queryset.query
    if connections[alias].vendor != "postgresql" or query.extra_select or not query.values_select:
        return None
    compiler = query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # A query that cannot match (``none()``): Django sends nothing; neither do we.
        return None
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        return None
    # values() selects the fields, then the annotations (no extra columns, see above).
    return sql, list(params), (*query.values_select, *query.annotation_select)


@dataclass
class RowQuery:
    """A query of rows as dicts: SQL ready to send (``sql``), or a queryset for the ORM."""

    alias: str
    sql: str = ""
    params: list = field(default_factory=list)
    names: tuple = ()
    queryset: models.QuerySet | None = None


class _PostgresText(Loader):
    """A value as the text PostgreSQL sends (see ``fetch_together``'s ``as_text``)."""

    def load(self, data) -> str:
        return bytes(data).decode()


def fetch_together(
    queries: dict[str, RowQuery], as_text: tuple[str, ...] = ()
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each query, the compiled ones of a database sent in one round trip.

    A page of claims reads nine kinds of related rows; waiting for each answer in turn was
    about 1 ms a query on a busy 2-core machine, more than most of them take to run. With
    Django's default client-side binding, psycopg sends several statements in one message and
    reads their results in turn (``nextset``); with server-side binding, one at a time.

    Values of the PostgreSQL types named in ``as_text`` (``"timestamptz"``) come back as the
    text PostgreSQL sent, for a caller that only prints them: parsing ~300 timestamps into
    datetimes and formatting them back was a tenth of a list page's Python. The ORM's path
    (another database) returns them as usual.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    by_alias: dict[str, list[str]] = defaultdict(list)
    for key, query in queries.items():
        if query.queryset is not None:
            rows[key] = list(query.queryset)
        else:
            by_alias[query.alias].append(key)
    for alias, keys in by_alias.items():
        with connections[alias].cursor() as cursor:
            for name in as_text:
                # On this cursor only: the connection's other queries get datetimes.
                cursor.cursor.adapters.register_loader(name, _PostgresText)
            together = isinstance(cursor.cursor, ClientCursor)
            batches = [keys] if together else [[key] for key in keys]
            for batch in batches:
                cursor.execute(
                    ";\n".join(queries[key].sql for key in batch),
                    [param for key in batch for param in queries[key].params],
                )
                for position, key in enumerate(batch):
                    if position:
                        cursor.nextset()
                    names = queries[key].names
                    rows[key] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows


class CompiledRows:
    """The rows of a fixed-shape ``values()`` query over some ids, compiled to SQL once.

    ``build(ids, *args)`` makes the query, filtering on ``__in_array=ids``
    (``core.lookups``). A page of claims reads its related rows with such queries; through
    the ORM each cost about 1 ms to build and compile, every time, for the same SQL. On
    PostgreSQL the SQL is compiled on first use, with the ids as its one array parameter, and
    then only run; anything else (another database, rows that need conversion) takes the
    ORM's path. A query that depends on more than the ids (a reader's marking rule) names
    everything its SQL depends on with ``key(*args)``: it is compiled once per key.
    """

    # Compiled queries kept per instance (one per reader and database for a marked query).
    MAX_COMPILED = 2048

    def __init__(
        self,
        build: Callable[..., models.QuerySet],
        key: Callable[..., Any] = lambda *args: (),
    ) -> None:
        self.build = build
        self.key = key
        self.model: type[models.Model] | None = None
        self.compiled: dict[tuple, tuple[str, list, int, tuple] | None] = {}

    def __call__(self, ids: list[int], *args) -> list[dict[str, Any]]:
        return fetch_together({"rows": self.query(ids, *args)})["rows"]

    def query(self, ids: list[int], *args) -> RowQuery:
        """The query for ``ids``, to run alone or with others (``fetch_together``)."""
        if self.model is None:
            self.model = self.build([], *args).model
        alias = router.db_for_read(self.model)
        key = (alias, self.key(*args))
        # Read once into a local: another thread may clear the dict in between.
        compiled = self.compiled.get(key, False)
        if compiled is False:
            if len(self.compiled) >= self.MAX_COMPILED:
                self.compiled.clear()
            compiled = self.compiled[key] = self._compile(alias, args)
        if compiled is None:
            return RowQuery(alias, queryset=self.build(ids, *args).using(alias))
        sql, params, position, names = compiled
        params = [*params[:position], list(ids), *params[position + 1 :]]
        return RowQuery(alias, sql, params, names)

    def _compile(self, alias: str, args: tuple) -> tuple[str, list, int, tuple] | None:
        compiled = _compile_rows(self.build([], *args).using(alias), alias)
        if compiled is None:
            return None
        sql, params, names = compiled
        # The ids are the one list among the parameters (``= ANY(%s)``).
        lists = [index for index, value in enumerate(params) if isinstance(value, list)]
        if len(lists) != 1:
            return None
        return sql, params, lists[0], names


def _is_reader(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def user_groups(user) -> dict[int, str]:
    """``user``'s groups (roles and sharing groups) by id, read once per user object."""
    if not _is_reader(user):
        return {}
    cached = getattr(user, "_claimtrace_groups", None)
    if cached is None:
        # Cached on the user object like Django's own permission cache: one query a request.
        cached = dict(user.groups.values_list("pk", "name"))
        remember_groups(user, cached)
    return cached


def remember_groups(user, groups: dict[int, str]) -> None:
    """Keep ``user``'s groups for ``user_groups``: read by it, or along with the user (token
    authentication reads them in its own query)."""
    user._claimtrace_groups = groups


def role_names(user) -> frozenset[str]:
    """Names of ``user``'s groups (roles and sharing groups)."""
    return frozenset(user_groups(user).values())


def sees_all_amber(user) -> bool:
    """Editors and admins see every TLP:AMBER record, not only their groups' ones."""
    return bool(role_names(user) & set(AMBER_ROLES))


def marking_signature(user) -> tuple:
    """Everything ``marking_q`` (and ``visible_to``) reads of ``user``: two users with the
    same signature get the same conditions, so a query built on them may be compiled once
    for both (``CompiledRows``). Keep it in step with ``marking_q``."""
    if not _is_reader(user):
        return (False,)
    return (
        True,
        user.pk,
        user.is_superuser,
        sees_all_amber(user),
        tuple(sorted(user_groups(user))),
    )


def marking_q(user, model, path: str = "") -> Q | None:
    """The condition on ``model`` rows (reached through ``path``) that ``user`` may see.

    ``None`` means no restriction (superusers). The rule, TLP 2.0 as the analysts use it:
    CLEAR and GREEN for every logged-in user; AMBER for members of the record's sharing groups
    and for editors; AMBER+STRICT for members of its sharing groups only; RED for the people
    named on the record, who also see it whatever its marking. Sharing is tested with ``id IN
    (subquery)`` on the link tables, never a JOIN, so no row is repeated and no DISTINCT is
    needed before LIMIT.

    What it reads of the user is ``marking_signature``'s. The user's groups are read once per
    user object (``user_groups``) and written into the condition: the role part is decided
    here, a user in no group has no sharing-group part, and the sharing part names the group
    ids as constants, which PostgreSQL estimates from its statistics. With a subquery instead,
    it charged the subquery's cost once per row it would look up by key, and scanned
    instead: every publication for a page's citations
    (70-100 ms a page at 300,000 publications, 3.6 ms this way), every claim of a district's
    units (0.4 s a page at a million claims, 0.16 s this way).
    """
    prefix = f"{path}__" if path else ""
    if not _is_reader(user):
        return Q(**{f"{prefix}pk__in": []})
    if user.is_superuser:
        return None
    # Built once per user object (a request reads claims, citations, publications and links,
    # often more than once): a condition is only read by the queries that resolve it.
    built = user.__dict__.setdefault("_claimtrace_marking_q", {})
    key = (model._meta.label, prefix)
    if key not in built:
        built[key] = _marking_condition(user, model, prefix)
    return built[key]


def _marking_condition(user, model, prefix: str) -> Q:
    named_field = model._meta.get_field("shared_with")
    named = named_field.remote_field.through.objects.filter(
        **{named_field.m2m_reverse_field_name(): user.pk}
    ).values(named_field.m2m_field_name())
    condition = Q(**{f"{prefix}marking__in": PUBLIC_MARKINGS}) | Q(**{f"{prefix}pk__in": named})
    if sees_all_amber(user):
        condition |= Q(**{f"{prefix}marking": Marking.AMBER})
    groups = user_groups(user)
    if groups:
        groups_field = model._meta.get_field("sharing_groups")
        shared_with_groups = groups_field.remote_field.through.objects.filter(
            **{f"{groups_field.m2m_reverse_field_name()}__in": sorted(groups)}
        ).values(groups_field.m2m_field_name())
        condition |= Q(
            **{f"{prefix}marking__in": GROUP_MARKINGS, f"{prefix}pk__in": shared_with_groups}
        )
    return condition


def may_see_marking(user, marking: str, group_ids: set[int], user_ids: set[int]) -> bool:
    """Whether ``user`` would see a record with this marking and sharing (before saving it).

    The same rule as ``marking_q``, for a record not written yet: writers may not mark a
    record so that they could no longer see it themselves.
    """
    if not _is_reader(user):
        return False
    if user.is_superuser or marking in PUBLIC_MARKINGS or user.pk in user_ids:
        return True
    if marking in GROUP_MARKINGS and user_groups(user).keys() & group_ids:
        return True
    return marking == Marking.AMBER and sees_all_amber(user)


def restrict_marked(queryset: models.QuerySet, user, path: str) -> models.QuerySet:
    """``queryset`` without rows whose marked record at ``path`` ``user`` may not see."""
    model = queryset.model
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    condition = marking_q(user, model, path)
    return queryset if condition is None else queryset.filter(condition)


class VisibleQuerySet(models.QuerySet):
    """``visible_to(user)``: the single way in for every read path.

    Archived (soft-deleted) records are left out unless ``archived=True`` asks for exactly
    those, or ``archived=None`` for current and archived alike (an editor's full export);
    marked records are left out when the marking is not for ``user`` (``marking_q``).
    """

    marked = False

    def visible_to(self, user, archived: bool | None = False):
        """Only the records ``user`` may see (archived ones instead, with ``archived=True``;
        both, with ``archived=None``)."""
        if not _is_reader(user):
            return self.none()
        queryset = self
        if hasattr(self.model, "archived_at") and archived is not None:
            queryset = queryset.filter(archived_at__isnull=not archived)
        if self.marked:
            condition = marking_q(user, self.model)
            if condition is not None:
                queryset = queryset.filter(condition)
        return queryset


class MarkedQuerySet(VisibleQuerySet):
    """Queryset of a model with a marking and sharing lists (``core.models.MarkedModel``)."""

    marked = True


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
    ``update()``) call ``rebuild``. Its foreign keys are the record's (any name) and
    ``ancestor``, and a ``depth``.
    """

    def _table(self) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def _node(self) -> str:
        """The column naming the record whose row it is (``unit_id``, ``location_id``)."""
        return next(
            field.column
            for field in self.model._meta.concrete_fields
            if field.is_relation and field.name != "ancestor"
        )

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
        rows = closure.objects.filter(ancestor__in=root_ids)
        return rows.values(rows._node())

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
