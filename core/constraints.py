"""Model constraint validation with every check constraint of a model in one query.

Django validates each ``CheckConstraint`` with a query of its own (``Q.check``), and builds an
expression for every field of the record for each of them: eight queries for a claim, and a
fifth of the time of creating one through the API. Here one query selects the outcome of every
check; uniqueness and other constraints keep Django's own ``validate``. The errors are what
Django raises: same messages, codes and keys. The query is compiled once per model and pattern
of null fields, each record's values being its parameters; it reads no table, so its outcome for
the same parameters is kept (``_OUTCOMES``).
"""

import logging
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.functions import Coalesce
from django.db.models.sql import Query

logger = logging.getLogger(__name__)


class _Param:
    """A field's value in a check query compiled once: replaced by the value at each run."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _FieldValue(models.Value):
    """A field's (non-null) value, compiled as one parameter that names the field."""

    def __init__(self, name: str, output_field: models.Field) -> None:
        super().__init__(_Param(name), output_field=output_field)

    def as_sql(self, compiler, connection):
        return "%s", [self.value]


# Check queries compiled once per model, checked fields and which of them are null (their SQL
# is NULL, not a parameter): building the expressions of every field for each record was most
# of a validation (25 % of an import's time).
_COMPILED: dict[tuple, tuple[str, list, list[models.CheckConstraint]]] = {}


def _annotate(query: Query, checks: list) -> list[models.CheckConstraint]:
    """Add each check's outcome to ``query`` (whose annotations are the field values)."""
    checked: list[models.CheckConstraint] = []
    for constraint in checks:
        # NULL passes, as in a CHECK (Django's Q.check: COALESCE(condition, true)).
        outcome = Coalesce(
            models.ExpressionWrapper(
                models.Q(constraint.condition), output_field=models.BooleanField()
            ),
            models.Value(True),
            output_field=models.BooleanField(),
        )
        try:
            query.add_annotation(outcome, f"_check_{len(checked)}")
        except FieldError:
            # The condition reads an excluded field: Django skips such a constraint too.
            continue
        checked.append(constraint)
    return checked


def _compiled(
    model: type[models.Model], checks: list, against: dict, using: str
) -> tuple[str, list, list[models.CheckConstraint]] | None:
    """The check query for records like this one, compiled once; None for values that are
    expressions or fields with placeholders of their own (compiled each time instead)."""
    if not all(
        isinstance(value, models.Value)
        and value._output_field_or_none is not None
        and not hasattr(value.output_field, "get_placeholder")
        for value in against.values()
    ):
        return None
    nulls = frozenset(name for name, value in against.items() if value.value is None)
    key = (model, tuple(c.name for c in checks), frozenset(against), nulls, using)
    if key not in _COMPILED:
        query = Query(None)
        for name, value in against.items():
            if name not in nulls:
                value = _FieldValue(name, value.output_field)
            query.add_annotation(value, name, select=False)
        checked = _annotate(query, checks)
        sql, params = query.get_compiler(using=using).as_sql() if checked else ("", [])
        _COMPILED[key] = (sql, list(params), checked)
    return _COMPILED[key]


def failed_checks(
    instance: models.Model,
    model: type[models.Model],
    checks: list[models.CheckConstraint],
    exclude=None,
    using: str = "default",
) -> list[models.CheckConstraint]:
    """The constraints of ``checks`` (all of ``model``) that ``instance``'s values break."""
    if not checks:
        return []
    against = instance._get_field_expression_map(meta=model._meta, exclude=exclude)
    connection = connections[using]
    compiled = _compiled(model, checks, against, using)
    if compiled is not None:
        sql, params, checked = compiled
        # Each value prepared as Value.as_sql prepares it.
        params = [
            against[param.name].output_field.get_db_prep_value(
                against[param.name].value, connection=connection
            )
            if isinstance(param, _Param)
            else param
            for param in params
        ]
    else:
        query = Query(None)
        for name, value in against.items():
            if not hasattr(value, "resolve_expression"):
                value = models.Value(value)
            query.add_annotation(value, name, select=False)
        checked = _annotate(query, checks)
        if checked:
            sql, params = query.get_compiler(using=using).as_sql()
    if not checked:
        return []
    # A compiled check query reads no table: its outcome depends on its parameters alone.
    outcome_key = _outcome_key(using, sql, params) if compiled is not None else None
    row = _OUTCOMES.get(outcome_key) if outcome_key is not None else None
    if row is None:
        atomic = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
        try:
            with atomic, connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        except DatabaseError as error:
            logger.warning("Got a database error checking %r: %s", checked, error)
            return []
        if outcome_key is not None:
            if len(_OUTCOMES) >= MAX_OUTCOMES:
                _OUTCOMES.clear()
            _OUTCOMES[outcome_key] = tuple(row)
    return [constraint for constraint, passed in zip(checked, row, strict=True) if not passed]


# Outcomes of compiled check queries by their SQL and parameters (with their types: 2 and "2"
# are not the same value to PostgreSQL). The three citations of a new claim usually share
# their checked values (a stance, a credibility): one query and its savepoint, not three.
# Bounded: started over when full.
_OUTCOMES: dict[tuple, tuple] = {}
MAX_OUTCOMES = 4096


def _outcome_key(using: str, sql: str, params: list) -> tuple | None:
    key = (using, sql, tuple((type(param), param) for param in params))
    try:
        hash(key)
    except TypeError:  # a list or another unhashable value: asked each time
        return None
    return key


def validate_constraints(instance: models.Model, exclude=None) -> None:
    """``Model.validate_constraints``, with the check constraints of each model together."""
    using = router.db_for_write(instance.__class__, instance=instance)
    errors: dict = {}

    def add(constraint: models.BaseConstraint, error: ValidationError) -> None:
        nonlocal errors
        # Django's rule: a single-field uniqueness error is keyed by that field.
        if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
            errors.setdefault(constraint.fields[0], []).append(error)
        else:
            errors = error.update_error_dict(errors)

    for model, constraints in instance.get_constraints():
        checks = [c for c in constraints if isinstance(c, models.CheckConstraint)]
        for constraint in constraints:
            if isinstance(constraint, models.CheckConstraint):
                continue
            try:
                constraint.validate(model, instance, exclude=exclude, using=using)
            except ValidationError as error:
                add(constraint, error)
        for constraint in failed_checks(instance, model, checks, exclude, using):
            add(
                constraint,
                ValidationError(
                    constraint.get_violation_error_message(), code=constraint.violation_error_code
                ),
            )
    if errors:
        raise ValidationError(errors)
