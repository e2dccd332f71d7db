"""Post-processing of the OpenAPI schema so that it describes what the API really answers
(found by the Schemathesis run, tests/test_fuzz_api.py)."""

import re
from typing import Any

# Every operation can answer these (bad input, not logged in, no role, not found or a page
# past the end, throttled); writes also 409 (dependents, stale version), 412 (If-Match), 413.
_COMMON = {"400", "401", "403", "404", "429"}
_WRITES = {"409", "412", "413"}
_DESCRIPTIONS = {
    "400": "Bad input: each bad field or filter is named with a message.",
    "401": "Not logged in: send a session cookie or `Authorization: Token <key>`.",
    "403": "Logged in without the role this needs.",
    "404": "No such record, or one you may not see.",
    "409": "Conflict: the record has dependents, is archived (restore it first), or changed "
    "since you read it.",
    "412": "If-Match did not match the record's current ETag.",
    "413": "The request body is too large.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
_ERROR = {"type": "object", "additionalProperties": True, "description": "JSON error body."}
# Fields documented as "Detail only: ..." are left out of lists, so they are not required.
_DETAIL_ONLY = "Detail only"


def _drop_restore_of_records_never_archived(result: dict[str, Any], generator) -> None:
    """The base viewset routes ``restore`` for every model, but it is a 405 where records are
    never archived: such operations are left out of the schema rather than promised."""
    from core.models import ArchivableModel

    def shape(path: str) -> str:  # the generator says {pk} where the schema says {id}
        return re.sub(r"\{[^}]+\}", "{}", path)

    never_archived = set()
    for path, _regex, _method, callback in getattr(generator, "endpoints", None) or []:
        queryset = getattr(getattr(callback, "cls", None), "queryset", None)
        if (
            path.endswith("/restore/")
            and queryset is not None
            and not issubclass(queryset.model, ArchivableModel)
        ):
            never_archived.add(shape(path))
    for path in list(result.get("paths", {})):
        if shape(path) in never_archived:
            del result["paths"][path]


def document_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the error answers and relax fields that
    only some responses carry."""
    _drop_restore_of_records_never_archived(result, generator)
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = set(_COMMON)
            if method in {"post", "put", "patch", "delete"}:
                codes |= _WRITES
            for code in sorted(codes):
                operation["responses"].setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    for component in result["components"]["schemas"].values():
        required = component.get("required")
        if not required:
            continue
        properties = component.get("properties", {})
        component["required"] = [
            name
            for name in required
            if not str(properties.get(name, {}).get("description", "")).startswith(_DETAIL_ONLY)
        ]
    return result
