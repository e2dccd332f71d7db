"""Compiled row queries: ``values()`` queries sent as SQL, several in one round trip."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from psycopg import ClientCursor
from psycopg.adapt import Loader


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

    A page of claims reads nine kinds of related rows; waiting for each answer in turn cost
    more than most of them take to run. With
    Django's default client-side binding, psycopg sends several statements in one message and
    reads their results in turn (``nextset``); with server-side binding, one at a time.

    Values of the PostgreSQL types named in ``as_text`` (``"timestamptz"``) come back as the
    text PostgreSQL sent, for a caller that only prints them: parsing a page's timestamps
    into datetimes only to format them back was a sizeable part of its Python. The ORM's path
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
    the ORM each was built and compiled again every time, for the same SQL. On
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
