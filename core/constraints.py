"""Model constraint validation with every check constraint of a model in one query.

Django validates each ``CheckConstraint`` with a query of its own (and a savepoint around it
inside a transaction), building an expression for every field of the record for each; a
claim has eight checks, and every API write and every imported record is validated. Here one
query selects the outcome of every check of a model; uniqueness and other constraints keep
Django's own ``validate``. The errors are Django's: same messages, codes and keys. What it
saves, and how that was measured, is in bench/README.md ("Check constraints in one query").

The query is compiled once per model and pattern of null fields, each record's values being
its parameters; it reads no table, so its outcome for the same parameters is kept
(``_OUTCOMES``). A check whose outcome could change while its parameters do not (one calling
``Now()`` or reading a table) must therefore not be validated here.

Copied from Django 5.2 (5.2.20), for PostgreSQL and SQLite (backends that compare boolean
expressions); ``COPIED_FROM_DJANGO`` holds a hash of each source, and
tests/core/test_constraints.py fails when a Django upgrade changes one of them:

- ``Model.validate_constraints`` (django/db/models/base.py): the loop over
  ``get_constraints()`` and how errors are keyed (a single-field uniqueness error under its
  field) → ``validate_constraints``.
- ``CheckConstraint.validate`` (django/db/models/constraints.py): the values from
  ``_get_field_expression_map``, a check reading an excluded field skipped (``FieldError``),
  the violation message and code → ``_annotate``, ``validate_constraints``.
- ``Q.check`` (django/db/models/query_utils.py): the values as annotations of a table-less
  ``Query``, the condition as ``COALESCE(condition, true)`` (NULL passes, as in a CHECK), a
  savepoint when inside a transaction, a database error logged and taken as a pass →
  ``_annotate``, ``failed_checks``.
- ``Value.as_sql`` (django/db/models/expressions.py): how a value becomes a parameter
  (``get_db_prep_value``; NULL as a literal; a field with a placeholder of its own is
  compiled each time) → ``_FieldValue``, ``_compiled``, ``failed_checks``.
- ``Model._get_field_expression_map`` (private) is called, not copied, but ``_compiled``
  relies on its shape (a ``Value`` with its field for each plain value, ``pk`` included).
"""

import logging
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.functions import Coalesce
from django.db.models.sql import Query

logger = logging.getLogger(__name__)

# The Django code this module mirrors (see the docstring), by module and qualified name, with
# the SHA-256 of ``inspect.getsource`` when it was copied (Django 5.2.20). When a hash no
# longer matches, re-check the mirror against the new source, then record the new hash.
COPIED_FROM_DJANGO: dict[tuple[str, str], str] = {
    ("django.db.models.base", "Model.validate_constraints"): (
        "4e398733ad0187a6cbc7df866880fbc816f9319957cd0179586615efbc8b2b0f"
    ),
    ("django.db.models.base", "Model._get_field_expression_map"): (
        "5bae05e125320d4df6ad1652a15b3a71abec26b38c381078c2f706f05cdea5d4"
    ),
    ("django.db.models.constraints", "CheckConstraint.validate"): (
        "2122b560fdd99d9ee47bb9dd76c7ca8ea2338690114fff7023d9a992bc0f8f91"
    ),
    ("django.db.models.query_utils", "Q.check"): (
        "36b25fb1898fe00b77098c91375cbef93a53b50c9f756cebc898be20d24c9cbf"
    ),
    ("django.db.models.expressions", "Value.as_sql"): (
        "822c93db50b8964700fe2f04e744d9f42b7f9fb63c69207eb6c321c75f380566"
    ),
}


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
# of a validation.
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
