"""The JSON renderer (core.api.renderers.FastJSONRenderer): DRF's bytes, written by orjson."""

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.api.renderers import FastJSONRenderer
from tests.factories import ClaimFactory


@dataclass
class _Point:
    x: int


def _both(data, media_type=None, context=None) -> tuple[bytes, bytes]:
    return (
        FastJSONRenderer().render(data, media_type, context),
        JSONRenderer().render(data, media_type, context),
    )


@pytest.mark.parametrize(
    "data",
    [
        {"stamp": dt.datetime(2026, 12, 3, 9, 5, 7, 123456, tzinfo=dt.UTC)},
        {"stamp": dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
        {"day": dt.date(2022, 2, 24), "time": dt.time(4, 50), "span": dt.timedelta(minutes=3)},
        {"amount": decimal.Decimal("12.50"), "key": uuid.UUID(int=7), "lazy": gettext_lazy("Yes")},
        {"text": "Бахмут, «штурм» \u2028 next line \u2029 paragraph", "emoji": "🛰"},
        {1: "integer keys", 2.5: "float keys", None: "null key"},
        ReturnDict({"rows": ReturnList([1, 2.25, True, None], serializer=None)}, serializer=None),
        {"set": {3}, "tuple": (1, 2), "bytes": b"raw", "nested": [{"a": [{"b": []}]}]},
        [_Point(1)],
        {"huge": 2**70},
    ],
    ids=[
        "utc-microseconds",
        "offset",
        "date-time-duration",
        "decimal-uuid-lazy",
        "unicode-and-js-separators",
        "non-string-keys",
        "drf-return-types",
        "set-tuple-bytes",
        "dataclass",
        "integer-beyond-64-bits",
    ],
)
def test_the_bytes_are_drf_s(data):
    """GIVEN values of every kind a response can hold WHEN rendered THEN the bytes equal
    DRF's own renderer's, or both renderers fail alike."""
    try:
        expected = JSONRenderer().render(data)
    except TypeError:
        with pytest.raises(TypeError):
            FastJSONRenderer().render(data)
        return
    assert FastJSONRenderer().render(data) == expected


def test_indented_and_empty_output_are_drf_s():
    data = {"claims": [{"id": 1, "title": "Strike"}]}
    fast, drf = _both(data, "application/json; indent=4")
    assert fast == drf and b"\n    " in fast
    fast, drf = _both(data, None, {"indent": 2})
    assert fast == drf and b"\n  " in fast
    assert FastJSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(editor_api):
    """GIVEN a claim WHEN the API lists claims THEN the body is what DRF would have written
    for the same data."""
    ClaimFactory(title="Strike on the depot \u2028 at dawn")
    response = editor_api.get("/api/claims/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
    assert b"\\u2028" in response.content


def test_a_float_that_json_cannot_hold_is_null_not_a_server_error():
    """GIVEN NaN (DRF's strict renderer raises on it, a 500) WHEN rendered THEN null."""
    assert FastJSONRenderer().render({"ratio": float("nan")}) == b'{"ratio":null}'
    with pytest.raises(ValueError):
        JSONRenderer().render({"ratio": float("nan")})
