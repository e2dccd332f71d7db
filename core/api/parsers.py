"""Request bodies as JSON, read by orjson, and refused with a 400 when they nest too deep."""

from typing import Any

import orjson
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No record of ours nests deeper than a handful of levels (a claim, its citations, their
# locator). A body nested hundreds of levels deep is an attack on whatever walks it
# recursively afterwards (validation, error rendering): Python's recursion limit is 1,000.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether ``data`` (parsed JSON) nests containers more than ``limit`` levels deep.

    Walked with an explicit stack, so the check itself cannot exhaust the recursion limit."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONTooDeep(ValueError):
    """JSON that nests deeper than ``MAX_JSON_DEPTH``."""


def read_json(body: bytes | str) -> Any:
    """Parse JSON from a request or an uploaded file.

    Raises ``orjson.JSONDecodeError`` (a ``json.JSONDecodeError``, with line and column) for
    text that is not JSON and ``JSONTooDeep`` for JSON nested too deep."""
    data = orjson.loads(body)
    if json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted.")
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with orjson, and a depth limit (``MAX_JSON_DEPTH``)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            return read_json(stream.read())
        except (orjson.JSONDecodeError, JSONTooDeep) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
