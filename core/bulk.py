"""Writing many new rows at once: ``bulk_create``'s contract, through COPY on PostgreSQL.

``bulk_create`` builds one INSERT with a parameter per value; for a bulk load, building it
took longer than PostgreSQL inserting the rows. ``copy_create`` sends the same
values as a COPY stream instead: defaults and conversions are Django's (each field's own
``pre_save`` and ``get_db_prep_save``, skipped only for a str, int, bool, None or uuid, which
they return unchanged), and the ``auto_now`` stamps are the one time of the write, as in one
``save()``. Like ``bulk_create`` it sends no
signals and writes no history; unlike it, the primary keys are reserved from the table's
sequence first, so the objects have their ids before their rows exist (rows that refer to
them can be prepared, and written in the same transaction: our foreign keys are checked at
commit).
"""

import time
import uuid
from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.expressions import BaseExpression
from django.utils import timezone

# Values that every field's get_db_prep_save returns unchanged on PostgreSQL (JSON aside).
_SENT_AS_IS = frozenset({str, int, bool, type(None), uuid.UUID})

# How a field's value is sent (``_how_to_send``).
_STAMP, _COMPUTED, _JSON, _PLAIN = "stamp", "computed", "json", "plain"


def _how_to_send(field: models.Field) -> str:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return _STAMP  # the time of the write
    if type(field).pre_save is not models.Field.pre_save:
        return _COMPUTED  # its own pre_save (a date stamp, a file)
    if isinstance(field, models.JSONField):
        return _JSON  # a str is a JSON document to Django, the text of one to COPY
    return _PLAIN


def _take_related_ids(obj: models.Model, relations: list[models.Field]) -> None:
    """Foreign keys given as objects saved by now (a citation's claim, written or given its
    id just before) take their ids: ``Model._prepare_related_fields_for_save`` for the
    relations alone (it looks at every field of every row)."""
    for field in relations:
        if not field.is_cached(obj):
            continue
        related = field.get_cached_value(obj)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(
                f"copy_create() prohibited to prevent data loss due to unsaved related object "
                f"'{field.name}'."
            )
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.name, related)
        if getattr(related, field.target_field.attname) != getattr(obj, field.attname):
            field.delete_cached_value(obj)


def reserve_ids(model: type[models.Model], count: int, using: str) -> list[int]:
    """``count`` new primary keys from ``model``'s sequence (PostgreSQL), in one query."""
    if count == 0:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_create(objs: Sequence[models.Model], using: str | None = None) -> Sequence[models.Model]:
    """Insert ``objs`` (new instances of one model) and give them their primary keys.

    PostgreSQL: one query for the ids and one COPY. Elsewhere (the embedded SQLite default),
    ``bulk_create``. Call it inside a transaction when other rows depend on these.
    """
    if not objs:
        return objs
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("copy_create writes instances of one model at a time.")
    using = using or router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).bulk_create(objs)
    opts = model._meta
    fields = [field for field in opts.concrete_fields if not field.generated]
    new = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(new, reserve_ids(model, len(new), using), strict=True):
        obj.pk = pk
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(opts.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        " FROM STDIN"
    )
    started = time.monotonic()
    # One time for the auto_now and auto_now_add stamps of every row, as in one save().
    now = timezone.now()
    plan = [(field, field.attname, _how_to_send(field)) for field in fields]
    relations = [field for field in fields if field.is_relation]
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            _take_related_ids(obj, relations)
            row = []
            for field, attname, how in plan:
                if how is _STAMP:
                    setattr(obj, attname, now)
                    row.append(now)
                    continue
                value = field.pre_save(obj, True) if how is _COMPUTED else getattr(obj, attname)
                # A str, int, bool, None or uuid reaches the column as Django would send it;
                # any other value (an enum, a date, a Decimal) is prepared by its field.
                if how is _JSON or type(value) not in _SENT_AS_IS:
                    value = field.get_db_prep_save(value, connection)
                    if isinstance(value, BaseExpression):
                        # A database default or an expression has no value to stream.
                        raise ValueError(
                            f"copy_create cannot send an expression for {opts.label}.{attname};"
                            " use bulk_create."
                        )
                row.append(value)
            copy.write_row(row)
    if connection.queries_logged:
        # COPY goes to psycopg directly; logged as Django logs queries, so query counts and
        # the debug views see it.
        connection.queries_log.append(
            {"sql": f"{sql} ({len(objs)} rows)", "time": f"{time.monotonic() - started:.3f}"}
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs
