"""The exports from the browser: the claim page's JSON-LD under the CSP, the list's links."""

import json

from claims.models import Claim
from tests.browser.conftest import log_in


def test_claim_page_json_ld_and_list_export_links_work_under_the_csp(demo, new_page, shot):
    """GIVEN the strict CSP WHEN a viewer opens a corroborated claim and the filtered list
    THEN the claim page carries its ClaimReview as a JSON-LD data block without any CSP
    violation (the new_page fixture fails on one), and the list's GeoJSON link, followed with
    the viewer's session, returns the filtered claims."""
    claim = Claim.objects.filter(status=Claim.Status.CORROBORATED).first()
    page = new_page()
    log_in(page, "vera")

    page.goto(f"/claims/{claim.pk}/")
    page.get_by_role("heading", name=claim.title).wait_for()
    review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert review["@type"] == "ClaimReview"
    assert review["identifier"] == str(claim.uuid)
    shot(page, "exports-claim-page")

    page.goto("/claims/?status=corroborated")
    link = page.get_by_role("link", name="GeoJSON")
    href = link.get_attribute("href")
    assert href == "/api/export/geojson/?status=corroborated"
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    corroborated = Claim.objects.filter(status=Claim.Status.CORROBORATED).count()
    assert len(collection["features"]) + collection["x_skipped"] == corroborated
    shot(page, "exports-claim-list")
