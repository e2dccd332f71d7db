"""The API's renderers: JSON through orjson, and the browsable API under the CSP."""

import orjson
from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

# Dates, times and dataclasses go to DRF's encoder (its formats: "Z" for UTC, no dataclass
# support); keys that are not strings become strings, as ``json`` makes them.
_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class FastJSONRenderer(JSONRenderer):
    """DRF's ``JSONRenderer``, the same bytes, written by orjson.

    Encoding a page of claims with ``json.dumps`` and DRF's encoder was a visible share of the
    request; orjson writes the same bytes in a fraction of it. Everything orjson does not
    write itself (dates, decimals, lazy translations, querysets, …) goes through DRF's own
    ``JSONEncoder.default``; indented output (the browsable API, ``; indent=4``), ASCII-only
    output and anything orjson refuses (integers beyond 64 bits) are left to DRF's renderer.
    One difference: a float NaN or infinity is written as ``null`` where DRF's strict mode
    would fail the response.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or (self.get_indent(accepted_media_type, renderer_context or {}) is not None)
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            text = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # Like DRF: U+2028 and U+2029 escaped, so the JSON is also valid JavaScript.
        if _LINE_SEPARATOR in text or _PARAGRAPH_SEPARATOR in text:
            text = text.replace(_LINE_SEPARATOR, b"\\u2028").replace(
                _PARAGRAPH_SEPARATOR, b"\\u2029"
            )
        return text


class CSPBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API with the one CSP relaxation it cannot do without.

    DRF's templates use ``style="..."`` attributes and an inline ``<style>`` for the syntax
    colours, so its HTML pages (only those: JSON responses and every other page keep the strict
    policy) allow inline *styles*. Scripts stay ``'self'``: the page's scripts are static files
    and its embedded CSRF data is a JSON block, which the browser does not execute.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # django-csp's middleware merges this into the policy of this response only
            # (the same attribute its @csp_update decorator sets).
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
