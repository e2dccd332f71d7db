"""Template helpers that embed exports in the pages: the ClaimReview of a claim as JSON-LD."""

from django import template
from django.utils.safestring import SafeString

from interchange.exports.claimreview import claim_review_script

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_review_jsonld(context, claim) -> SafeString:
    """``<script type="application/ld+json">`` with the claim's ClaimReview (none when the
    claim has no verdict). Reads only the visible citations the page already prefetched."""
    request = context.get("request")
    base_url = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
    # with_related(user=...) prefetched only the citations the reader may see.
    return claim_review_script(claim, claim.citations.all(), base_url)
