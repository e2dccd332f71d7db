"""The claims on other apps' record pages: at a place, involving a unit, citing a source or a
publication. Added by ``ClaimsConfig.ready`` (``core.views.add_section``), so those apps show
claims without importing this one."""

from typing import Any

from django.db.models import F, Prefetch
from django.http import HttpRequest

from claims.models import Citation, Claim, UnitInvolvement
from claims.views import decorate
from core.views import add_section
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit

# A page lists at most this many claims or citations; the claim list (linked) has the rest.
MAX_ROWS = 100


def claims_at_place(request: HttpRequest, location: Location, page: dict[str, Any]) -> dict:
    """The newest claims at the place or anywhere inside it."""
    user = request.user
    claims = (
        Claim.objects.visible_to(user)
        .at_location(location.pk)
        .with_related(user=user)
        .order_by(F("occurred_start").desc(nulls_last=True), "-pk")
    )
    shown = decorate(list(claims[: MAX_ROWS + 1]))
    return {"claims": shown[:MAX_ROWS], "more_claims": len(shown) > MAX_ROWS}


def claims_of_unit(request: HttpRequest, unit: Unit, page: dict[str, Any]) -> dict:
    """The claims involving the unit or a unit below it, in date order, each with the roles
    the page's subtree played in it (``page["subtree_ids"]``, read by the unit's page)."""
    user = request.user
    involvements = UnitInvolvement.objects.filter(unit__in=page["subtree_ids"]).select_related(
        "unit", "attributed_by"
    )
    claims = list(
        Claim.objects.visible_to(user)
        .involving_unit(unit.pk, include_subordinates=True)
        .with_related(user=user)
        .prefetch_related(Prefetch("involvements", queryset=involvements, to_attr="unit_roles"))
        .order_by(F("occurred_start").asc(nulls_last=True), "pk")[: MAX_ROWS + 1]
    )
    decorate(claims)
    return {"claims": claims[:MAX_ROWS], "more_claims": len(claims) > MAX_ROWS}


def citations_of_source(request: HttpRequest, source: Source, page: dict[str, Any]) -> dict:
    """Where what the source said (``page["said"]``: its publications, its people's, and where
    they are quoted) is cited, newest claim first."""
    citations = list(
        Citation.objects.visible_to(request.user)
        .filter(publication__in=page["said"])
        .select_related("claim", "publication__source")
        .order_by(F("claim__occurred_start").desc(nulls_last=True), "claim_id", "pk")[
            : MAX_ROWS + 1
        ]
    )
    for citation in citations:
        citation.grade = citation.grade_with(citation.publication.source.reliability)
    return {"citations": citations[:MAX_ROWS], "more_citations": len(citations) > MAX_ROWS}


def citations_of_publication(
    request: HttpRequest, publication: Publication, page: dict[str, Any]
) -> dict:
    """The claims the publication bears on, through its citations, newest claim first."""
    citations = list(
        Citation.objects.visible_to(request.user)
        .filter(publication=publication)
        .select_related("claim", "publication__source")
        # The claim's topics decide whether an excerpt is blurred (is_sensitive).
        .prefetch_related("claim__topics")
        .order_by(F("claim__occurred_start").desc(nulls_last=True), "pk")[: MAX_ROWS + 1]
    )
    for citation in citations:
        citation.grade = citation.grade_with(publication.source.reliability)
    return {"citations": citations[:MAX_ROWS], "more_citations": len(citations) > MAX_ROWS}


def register() -> None:
    """Add the sections to the pages of places, units, sources and publications."""
    add_section(Location, "claims/sections/place_claims.html", claims_at_place)
    add_section(Unit, "claims/sections/unit_claims.html", claims_of_unit)
    add_section(Source, "claims/sections/source_citations.html", citations_of_source)
    add_section(Publication, "claims/sections/publication_citations.html", citations_of_publication)
