"""Report ingestion in a real browser: an editor pastes the reference report, reviews the
draft and accepts it (no inline script: the CSP is checked by ``new_page``)."""

import re

from playwright.sync_api import expect

from claims.models import Claim
from tests.ingest.test_services import SEED

from .conftest import log_in


def test_editor_ingests_the_reference_report(demo, new_page, shot):
    """GIVEN the demo data and an editor
    WHEN they paste the reference report, drop its first claim and accept
    THEN the kept claims exist, linked to the known units, and the result page lists them."""
    page = new_page()
    # Accepting writes 36 claims with their history and evidence in one transaction: allow
    # it more than the default ten seconds on a busy test machine.
    page.set_default_timeout(60_000)
    log_in(page, "eddie")
    page.goto("/claims/")
    page.get_by_role("link", name="Ingest a report").click()
    expect(page.get_by_role("heading", name="Ingest a report")).to_be_visible()
    page.get_by_label("Text").fill(SEED.read_text(encoding="utf-8"))
    page.get_by_label("Date").fill("2025-02-20")
    page.get_by_label("Source").select_option(label="Institute for the Study of War")
    page.get_by_label("Title").fill("Russian Offensive Campaign Assessment, February 20, 2025")
    page.get_by_role("button", name="Read the report").click()

    expect(page.get_by_role("heading", name="Review the draft")).to_be_visible()
    expect(page.locator("main")).to_contain_text("15 footnotes")
    expect(page.get_by_text("Units (9 known, 0 new)")).to_be_visible()
    shot(page, "20-ingest-review")
    before = Claim.objects.count()
    page.locator("#claim-c1").get_by_label("Keep this claim").uncheck()
    page.get_by_role("button", name="Accept").click()

    expect(page.get_by_role("heading", name="Report ingested")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/claims/ingest/done/$"))
    created = Claim.objects.count() - before
    assert created == 40 - 3 - 1  # three takeaways repeat body sentences; one dropped
    expect(page.get_by_role("status")).to_contain_text(f"{created} claims created")
    pokrovsk = Claim.objects.get(
        statement__startswith="FT reported that the 30th Motorized Rifle Brigade",
        created_at__isnull=False,
        citations__locator_footnote="3",
    )
    assert pokrovsk.occurred_display == "since Fall 2024"
    nis = Claim.objects.get(citations__locator_footnote="13", created_at__gte=pokrovsk.created_at)
    assert set(nis.involvements.values_list("unit__abbreviation", flat=True)) == {
        "KPA",
        "Naval Infantry",
        "VDV",
    }
    expect(page.get_by_role("link", name=pokrovsk.title)).to_be_visible()
    shot(page, "21-ingest-done")
