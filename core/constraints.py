"""Model constraint validation with every check constraint of a model in one query.

Django validates each ``CheckConstraint`` with a query of its own (``Q.check``), and builds an
expression for every field of the record for each of them: eight queries for a claim, and a
fifth of the time of creating one through the API. Here one query selects the outcome of every
check; uniqueness and other constraints keep Django's own ``validate``. The errors are what
Django raises: same messages, codes and keys.
"""

import logging
from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

logger = logging.getLogger(__name__)


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
    query = Query(None)
    for name, value in against.items():
        if not hasattr(value, "resolve_expression"):
            value = models.Value(value)
        query.add_annotation(value, name, select=False)
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
    if not checked:
        return []
    connection = connections[using]
    atomic = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    try:
        with atomic:
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as error:
        logger.warning("Got a database error checking %r: %s", checked, error)
        return []
    return [constraint for constraint, passed in zip(checked, row, strict=True) if not passed]


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
