"""The analyst's journey in a real browser (Debian's Chromium, driven by Playwright).

A new user logs in, finds the claims about a unit and its subordinates, sees who says each
and how reliable that is, and — as an editor — adds a claim with its evidence.
"""

import re

from playwright.sync_api import expect

from claims.models import Claim

from .conftest import log_in

FT_CLAIM = "Storm detachment soldier shot six unarmed Ukrainian POWs"
FT_INVESTIGATION = (
    "Financial Times: [Investigation into Russian executions of Ukrainian prisoners of war] "
    "(20 Feb 2025)"
)


def test_analyst_finds_claims_evidence_and_units(demo, new_page, shot):
    """GIVEN the demo data and a viewer
    WHEN they log in, search "executions", open the FT footage claim and follow its unit
    THEN they see the FT and its reliability, the 30th MRB, and the chain of command above."""
    page = new_page()
    page.goto("/claims/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/claims/"))
    shot(page, "01-login")
    log_in(page, "vera")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(page, "02-dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.get_by_label("Search claims").fill("executions")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"search=executions"))
    results = page.locator("main")
    expect(results.get_by_role("link", name=FT_CLAIM)).to_be_visible()
    expect(
        results.get_by_role("link", name="Uniforms in execution footage identify Russian forces")
    ).to_be_visible()
    shot(page, "03-search-executions")

    results.get_by_role("link", name=FT_CLAIM).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FT_CLAIM)
    evidence = page.locator("section", has=page.get_by_role("heading", name="Evidence"))
    expect(evidence.get_by_role("link", name="Financial Times")).to_be_visible()
    expect(evidence).to_contain_text("B – Usually reliable")
    expect(page.locator(".marking-bar")).to_contain_text("TLP:CLEAR")
    units = page.locator(".units-list")
    expect(units.get_by_role("link", name="30th MRB")).to_be_visible()
    # The ISW excerpt is footage of an execution: blurred until the viewer asks.
    blurred = page.locator(".excerpt-wrap.blurred").first
    expect(blurred).to_be_visible()
    shot(page, "04-ft-claim")
    page.get_by_role("button", name="Show sensitive evidence").first.click()
    expect(page.locator(".excerpt-wrap.blurred")).to_have_count(0)
    shot(page, "05-ft-claim-revealed")

    units.get_by_role("link", name="30th MRB").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("30th Motorized Rifle Brigade")
    chain = page.get_by_role("navigation", name="Chain of command")
    expect(chain.get_by_role("link", name="2nd Combined Arms Army")).to_be_visible()
    expect(chain.get_by_role("link", name="Central Military District")).to_be_visible()
    expect(page.get_by_role("link", name="Storm penal detachment")).to_be_visible()
    expect(page.locator(".claims-table")).to_contain_text(FT_CLAIM)
    shot(page, "06-unit-30th-mrb")

    # The same pages at a phone's width.
    phone = new_page(width=390, height=844)
    log_in(phone, "vera")
    phone.goto(page.url)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("30th Motorized Rifle")
    shot(phone, "07-unit-phone")

    # Filtering the claims by a unit found by name (units are too many to list).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.locator("details.filter-more summary").click()
    unit = page.get_by_label("Unit involved", exact=True)
    page.get_by_label("Search Unit involved").fill("Storm penal")
    found = unit.locator("option", has_text="Storm penal detachment")
    expect(found).to_have_count(1)
    unit.select_option(found.get_attribute("value"))
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"unit=\d+"))
    expect(page.locator("main")).to_contain_text(FT_CLAIM)
    expect(page.get_by_label("Unit involved", exact=True)).to_have_value(re.compile(r"\d+"))


def test_editor_adds_a_claim_with_evidence(demo, new_page, shot):
    """GIVEN an editor
    WHEN they submit the new-claim form without a title, then complete it with one citation
    THEN the error shows next to the field and nothing is saved; then the claim is saved with
    its citation and appears in the list."""
    page = new_page()
    log_in(page, "eddie")
    page.get_by_role("link", name="New claim").click()
    expect(page.get_by_role("heading", name="New claim")).to_be_visible()
    before = Claim.objects.count()

    page.get_by_label("Statement").fill("A statement without a title.")
    page.get_by_role("button", name="Save claim").click()
    title_field = page.locator(".field-title")
    expect(title_field.locator(".errorlist")).to_contain_text("This field is required")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    assert Claim.objects.count() == before
    shot(page, "08-invalid-claim")

    page.get_by_label("Title").fill("Browser test: drone strike on a command post")
    page.get_by_label("Statement").fill("A drone struck a command post of the 30th MRB.")
    page.get_by_label("Topics").select_option(label="Tactics & battlefield adaptation")
    citation = page.locator("fieldset.formset-row").first
    # Publications are too many to list: the select offers what its search box finds.
    publication = citation.locator("select[name$='-publication']")
    expect(publication.locator("option")).to_have_count(1)  # the blank choice alone
    citation.get_by_label("Search Publication").fill("executions of Ukrainian prisoners")
    expect(publication.locator("option", has_text="Financial Times")).to_have_count(1)
    publication.select_option(label=FT_INVESTIGATION)
    citation.get_by_label("Credibility").select_option("3")
    citation.get_by_label("Excerpt").fill("A drone struck the post.")
    shot(page, "09-new-claim-filled")
    page.get_by_role("button", name="Save claim").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Browser test: drone strike on a command post"
    )
    expect(
        page.locator("section", has=page.get_by_role("heading", name="Evidence"))
    ).to_contain_text("Financial Times")
    shot(page, "10-new-claim-saved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    page.get_by_label("Search claims").fill("drone strike command post")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(
        page.get_by_role("link", name="Browser test: drone strike on a command post")
    ).to_be_visible()
    shot(page, "11-new-claim-in-list")
    assert Claim.objects.count() == before + 1
