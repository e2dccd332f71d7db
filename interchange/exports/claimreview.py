"""ClaimReview (schema.org JSON-LD) of a claim set: the analysts' verdicts for fact-check tools.

Every claim has a status, but "unverified" is the absence of a verdict, so only corroborated,
disputed and refuted claims are reviews; unverified ones are left out. The rating runs from
1 (refuted) to 5 (corroborated), with disputed (the evidence conflicts) in the middle; the
status label is its ``alternateName`` and the Admiralty grade and lines of evidence its
``ratingExplanation``. The claim's TLP marking is ``conditionsOfAccess``.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from claims.models import Citation, Claim
from core.choices import Marking
from sources.models import Source

from . import batches, claim_url, dumps, iso_date, organisation_name

MEDIA_TYPE = "application/ld+json"

RATING = {
    Claim.Status.REFUTED: 1,
    Claim.Status.DISPUTED: 3,
    Claim.Status.CORROBORATED: 5,
}
REVIEWED_STATUSES = tuple(RATING)

# The escapes of Django's json_script: "<", ">" and "&" cannot end the <script> element early.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def creative_work(publication) -> dict[str, Any]:
    """A publication where the claim appears, as a schema.org CreativeWork."""
    source = publication.source
    author_type = "Person" if source.kind == Source.Kind.PERSON else "Organization"
    work: dict[str, Any] = {
        "@type": "CreativeWork",
        "name": publication.title,
        "author": {"@type": author_type, "name": source.name},
    }
    if publication.url:
        work["url"] = publication.url
    if publication.published_on:
        work["datePublished"] = iso_date(publication.published_on)
    return work


def rating_explanation(claim: Claim) -> str:
    """The evidence behind the verdict, in words."""
    lines = claim.independent_lines
    parts = [f"{lines} independent line{'s' if lines != 1 else ''} of supporting evidence"]
    if claim.disputes:
        parts.append(f"{claim.disputes} disputing citation{'s' if claim.disputes != 1 else ''}")
    if claim.best_grade:
        parts.insert(0, f"Best grade {claim.best_grade} (Admiralty scale)")
    return "; ".join(parts) + "."


def claim_review(
    claim: Claim, citations: Iterable[Citation], base_url: str = ""
) -> dict[str, Any] | None:
    """One claim as a ClaimReview, or None for a claim without a verdict (unverified).

    ``citations`` are those the reader may see (``Citation.objects.visible_to``), with their
    publication and source loaded.
    """
    if claim.status not in RATING:
        return None
    publications = []
    seen: set[int] = set()
    for citation in citations:
        if citation.publication_id not in seen:
            seen.add(citation.publication_id)
            publications.append(citation.publication)
    publications.sort(key=lambda p: (p.published_on is None, p.published_on, p.pk))
    item: dict[str, Any] = {"@type": "Claim", "name": claim.title, "text": claim.statement}
    if publications:
        item["appearance"] = [creative_work(publication) for publication in publications]
        item["firstAppearance"] = item["appearance"][0]
    rating: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": RATING[Claim.Status(claim.status)],
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": Claim.Status(claim.status).label,
        "ratingExplanation": rating_explanation(claim),
    }
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": claim_url(claim, base_url),
        "url": claim_url(claim, base_url),
        "identifier": str(claim.uuid),
        "name": claim.title,
        "claimReviewed": claim.statement,
        "datePublished": iso_date(claim.created_at.date()),
        "dateModified": iso_date(claim.updated_at.date()),
        "author": {"@type": "Organization", "name": organisation_name()},
        "reviewRating": rating,
        "itemReviewed": item,
        "conditionsOfAccess": Marking(claim.marking).label,
    }


def claim_reviews(claims: QuerySet, user, base_url: str = "") -> Iterator[str]:
    """A JSON-LD array of the ClaimReviews of ``claims`` (filtered, visible), in pieces."""
    yield "["
    first = True
    reviewed = claims.filter(status__in=REVIEWED_STATUSES)
    for batch in batches(reviewed, user, topics=False, involvements=False, locations=False):
        reviews = [
            dumps(review)
            for row in batch
            if (review := claim_review(row.claim, row.citations, base_url))
        ]
        if reviews:
            yield ("" if first else ",") + ",".join(reviews)
            first = False
    yield "]"


def claim_review_script(
    claim: Claim, citations: Iterable[Citation], base_url: str = ""
) -> SafeString:
    """The ClaimReview of one claim as a ``<script type="application/ld+json">`` data block
    (escaped like ``json_script``), or an empty string for an unverified claim."""
    review = claim_review(claim, citations, base_url)
    if review is None:
        return mark_safe("")
    data = dumps(review).translate(_SCRIPT_ESCAPES)
    # Safe: the only characters that could end the element or start markup are escaped.
    # The data block is never executed, so the CSP's script-src does not apply to it.
    return mark_safe(f'<script type="application/ld+json">{data}</script>')
