"""PostgreSQL index types declared in ``Meta.indexes`` that still migrate on SQLite."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import Index
from django.db.models.functions import Upper


class PostgresGinIndex(GinIndex):
    """A GIN index on PostgreSQL; a plain index on the same expressions elsewhere.

    The app must still run (and migrate) on SQLite, where ``USING gin`` and operator classes
    do not exist: there the operator classes are dropped and an ordinary index is created,
    which is harmless and keeps the migration history identical on both databases.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return self._plain_index().create_sql(model, schema_editor, **kwargs)

    def _plain_index(self) -> Index:
        """This index without what only PostgreSQL understands (GIN, operator classes)."""
        expressions = [
            item.get_source_expressions()[0] if isinstance(item, OpClass) else item
            for item in self.expressions
        ]
        return Index(*expressions, name=self.name, condition=self.condition)


def trigram_index(field: str, name: str) -> PostgresGinIndex:
    """A trigram index that serves ``<field>__icontains``.

    On PostgreSQL Django compiles ``icontains`` to ``UPPER("field"::text) LIKE UPPER('%…%')``,
    so the index is on ``UPPER(field)`` with ``gin_trgm_ops`` (extension ``pg_trgm``); a
    trigram index on the bare column would never be used by that query.
    """
    return PostgresGinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
