"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, the demo data, and
a viewer and an editor who log in through the login form."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import EDITOR, VIEWER, sync_roles
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (the test only uses it for set-up).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "a long browser-test password"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Playwright's own download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data set and the two personas, in a database the live server can see."""
    # Transactional tests empty every table afterwards, the role groups included.
    sync_roles()
    call_command("load_demo", verbosity=0)
    viewer = UserFactory(username="vera", password=PASSWORD)
    viewer.groups.add(Group.objects.get(name=VIEWER))
    editor = UserFactory(username="eddie", password=PASSWORD)
    editor.groups.add(Group.objects.get(name=EDITOR))
    return {"viewer": viewer, "editor": editor}


@pytest.fixture
def shot():
    """Save a full-page screenshot of a step under test-artifacts/browser/ (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save


# Reports every Content-Security-Policy violation to the console, where the fixture below
# collects it (Chromium also logs its own "Refused to ..." message there).
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} ` +
      `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


@pytest.fixture
def new_page(browser, live_server):
    """Open pages at a given viewport width; every context is closed afterwards, and the test
    fails if any page reported a Content-Security-Policy violation."""
    contexts = []
    violations: list[str] = []

    def open_page(width: int = 1280, height: int = 900, tolerate: tuple[str, ...] = ()):
        """A new page; ``tolerate`` names CSP directives whose (blocked) violations are
        expected on it, reported as "CSP violation: <directive> ..." by the script above."""

        def record(message) -> None:
            text = message.text
            if message.type != "error" or not (
                "CSP violation" in text or "Content Security" in text
            ):
                return
            if any(directive in text for directive in tolerate):
                return
            if tolerate and "Content Security" in text:
                return  # Chromium's own wording; our listener's line is checked instead
            violations.append(text)

        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", record)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, the landing page of anonymous visitors."""
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
