"""The browsable API under the Content-Security-Policy."""

from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


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
