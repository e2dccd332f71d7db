"""Errors as JSON a person can act on: protected deletes become 409, model rules 400."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler plus: ProtectedError → 409 with what depends on the record; model
    ValidationError raised by ``save()`` (e.g. a hierarchy cycle) → 400 with field messages."""
    if isinstance(exc, ProtectedError):
        dependents = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        return Response(
            {
                "detail": "This record cannot be deleted because other records depend on it: "
                + ", ".join(dependents)
                + ". Remove or reassign those first.",
                "code": "protected",
                "dependents": dependents,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer is its HTML "Bad Request" page; API clients get JSON that says
        # what the limit is (files are not counted: evidence uploads have their own limit).
        limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return Response(
            {
                "detail": f"The request body is larger than the {limit_kb} KB accepted for "
                "form fields and JSON. Send less text, or upload files as files.",
                "code": "request_too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    return drf_exception_handler(exc, context)
