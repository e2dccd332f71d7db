"""HTML in any text field is escaped on every page that shows it, JSON embedded for scripts too."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
)

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"x {SCRIPT} {ATTRIBUTE}"
# What must never reach a page unescaped, as markup or inside an attribute.
RAW = [SCRIPT, "<img src=x", "onerror=alert(1)>"]


@pytest.fixture
def hostile(db):
    """Every kind of record shown on a page, with the payload in every free-text field."""
    source = SourceFactory(name=f"Source {PAYLOAD}")
    publication = PublicationFactory(source=source, title=f"Publication {PAYLOAD}")
    unit = UnitFactory(name=f"Unit {PAYLOAD}", description=PAYLOAD)
    location = LocationFactory(
        name=f"Place {PAYLOAD}", description=PAYLOAD, latitude=48.5, longitude=37.9
    )
    claim = ClaimFactory(
        title=f"Claim {PAYLOAD}"[:200],
        statement=f"Statement {PAYLOAD}",
        notes=f"Notes {PAYLOAD}",
        occurred_start=dt.date(2024, 10, 1),
    )
    claim.locations.add(location)
    claim.topics.add(TopicFactory(name=f"Topic {PAYLOAD}"[:100]))
    CitationFactory(
        claim=claim, publication=publication, excerpt=f"Excerpt {PAYLOAD}", translation=PAYLOAD
    )
    UnitInvolvementFactory(claim=claim, unit=unit)
    return {"claim": claim, "source": source, "publication": publication, "unit": unit,
            "location": location}  # fmt: skip


def _pages(records) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("claims:list"),
        reverse("claims:list") + "?q=Claim",
        reverse("claims:detail", args=[records["claim"].pk]),
        reverse("claims:edit", args=[records["claim"].pk]),
        reverse("claims:timeline"),
        reverse("claims:map"),
        reverse("places:detail", args=[records["location"].pk]),
        reverse("sources:detail", args=[records["source"].pk]),
        reverse("sources:publication", args=[records["publication"].pk]),
        reverse("units:detail", args=[records["unit"].pk]),
        f"/admin/claims/claim/{records['claim'].pk}/change/",
        f"/admin/claims/claim/{records['claim'].pk}/history/",
    ]


def test_every_page_escapes_html_in_text_fields(superuser_client, hostile):
    """GIVEN a claim, citation, source, publication, unit and place full of markup WHEN each
    page showing them is rendered THEN the markup appears escaped and never raw."""
    for path in _pages(hostile):
        response = superuser_client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        for raw in RAW:
            assert raw not in page, f"{path} renders {raw!r} unescaped"
        # The payload is there, escaped as text (or as \u003C in embedded JSON): the page
        # really showed the field rather than leaving it out.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "\\u003Cscript" in page, path


def test_map_data_is_embedded_as_inert_json(superuser_client, hostile):
    """The map page's data is a json_script block, so a place name cannot close the tag."""
    page = superuser_client.get(reverse("claims:map")).content.decode()
    start = page.index('<script id="map-data" type="application/json">')
    block = page[start : page.index("</script>", start)]
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in block
    assert "<" not in block[len('<script id="map-data" type="application/json">') :]


def test_api_returns_the_text_as_data_not_html(superuser_client, hostile):
    """The API gives the stored text back verbatim as JSON (clients must escape it)."""
    response = superuser_client.get(
        f"/api/claims/{hostile['claim'].pk}/", HTTP_ACCEPT="application/json"
    )
    assert response["Content-Type"] == "application/json"
    assert response.json()["statement"] == f"Statement {PAYLOAD}"
