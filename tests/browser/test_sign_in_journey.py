"""Key journeys in a real headless Chromium, each page checked with axe-core.

Written given / when / then. Serious or critical accessibility violations fail the test.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (make test installs it)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    from commissioning.demo import load_demo

    load_demo(say=lambda message: None)  # live-server tests start from an empty database
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def assert_accessible(page) -> None:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in serious
    )


def sign_in(page, username: str, password: str = "demo-password") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_commissioner_signs_in_sees_the_cycle_and_an_organisations_history(page):
    # Given the demo partnerships, when a Southampton commissioner opens the platform
    page.goto("/")
    # then they are asked to sign in, on an accessible page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)

    # When they sign in
    sign_in(page, "demo-southampton-commissioner")
    # then the dashboard shows their partnership and the eight stages of the cycle
    page.wait_for_url(re.compile(r"/p/southampton/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Southampton Integrated Commissioning"
    stages = page.locator(".platform-cycle h3").all_inner_texts()
    assert [s.split("\n")[-1].strip() for s in stages] == [
        "Needs", "Strategy", "Resources", "Market", "Contracts", "Performance", "Governance", "Engagement",
    ]  # fmt: skip
    assert_accessible(page)

    # When they open an organisation from the dashboard
    page.get_by_role("link", name="Southampton City Council").first.click()
    # then they see its details and its history
    expect(page.get_by_role("heading", level=1)).to_have_text("Southampton City Council")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert page.locator(".platform-history tbody tr").count() >= 1
    assert_accessible(page)


def test_administrator_changes_a_care_group_and_sees_it_in_the_history(page):
    # Given an administrator signed in
    sign_in(page, "demo-southampton-administrator")
    page.wait_for_url(re.compile(r"/p/southampton/$"))
    # When they change a care group's description
    page.get_by_role("link", name="Care groups").first.click()
    page.get_by_role("link", name="Carers").click()
    page.get_by_role("link", name="Change care group").click()
    assert_accessible(page)
    page.get_by_label("Description").fill("Unpaid carers of every age, including young carers.")
    page.get_by_role("button", name="Save").click()
    # then the care group's history shows the change
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    expect(page.locator(".platform-history ins", has_text="Unpaid carers of every age")).to_have_count(1)


def test_a_member_of_another_partnership_cannot_open_southampton(page):
    # Given a Nottinghamshire viewer signed in
    sign_in(page, "demo-nottinghamshire-viewer")
    page.wait_for_url(re.compile(r"/p/nottinghamshire/$"))
    assert "Southampton" not in page.content()
    # When they type a Southampton address, then it is not found
    response = page.goto("/p/southampton/organisations/")
    assert response.status == 404


def test_repeated_wrong_passwords_lock_the_sign_in(page):
    # Given five failed attempts
    for _ in range(5):
        sign_in(page, "demo-southampton-viewer", password="wrong-password")
    # When the right password follows, then sign-in is still refused for now
    sign_in(page, "demo-southampton-viewer")
    expect(page.get_by_role("heading", name="Too many sign-in attempts")).to_be_visible()
