"""Key journeys through the platform in a real headless Chromium, each page checked with axe-core.

Written given / when / then, like NHS Digital's Playwright tests. Any serious or critical
accessibility violation fails the journey.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]

PASSWORD = "demo-password"
CYCLE_STAGES = [
    "Needs",
    "Strategy",
    "Resources",
    "Market",
    "Contracts",
    "Performance",
    "Governance",
    "Engagement",
]
USERNAME_LABEL = re.compile(r"^user ?name", re.IGNORECASE)


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def fill_sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(USERNAME_LABEL).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_in(page, username: str, *, lands_on: str) -> None:
    fill_sign_in(page, username, PASSWORD)
    page.wait_for_url(re.compile(rf"{re.escape(lands_on)}$"))


def test_commissioner_signs_in_sees_the_cycle_and_an_organisations_history(page, check_accessibility):
    # Given the demo partnerships, when a Southampton commissioner opens the sign-in page
    page.goto("/accounts/login/")
    # then they are asked to sign in, on an accessible page
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    check_accessibility(page)

    # When they sign in
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    # then the dashboard shows their partnership and the eight stages of the commissioning cycle
    expect(page.get_by_role("heading", level=1)).to_have_text("Southampton Integrated Commissioning")
    cycle = page.get_by_role("list", name="Stages of the commissioning cycle")
    stages = cycle.get_by_role("heading", level=3)
    expect(stages).to_have_count(len(CYCLE_STAGES))
    assert [text.split("\n")[-1].strip() for text in stages.all_inner_texts()] == CYCLE_STAGES
    check_accessibility(page)

    # When they open "Market" in the navigation, they land on the provider register
    page.get_by_role("navigation", name="Commissioning cycle").get_by_role("link", name="Market").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider register")
    check_accessibility(page)

    # When they open the council from the Organisations page (the Market stage on the dashboard)
    page.goto("/p/southampton/")
    page.get_by_role("list", name="Stages of the commissioning cycle").get_by_role(
        "link", name="Organisations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    page.get_by_role("link", name="Southampton City Council", exact=True).click()
    # then they see its details and its history, with at least one change recorded
    expect(page.get_by_role("heading", level=1)).to_have_text("Southampton City Council")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    history_rows = page.locator("table.platform-history tbody tr")
    expect(history_rows.first).to_be_visible()
    assert history_rows.count() >= 1
    check_accessibility(page)


def test_administrator_changes_a_care_group_and_sees_it_in_its_history(page, check_accessibility):
    new_description = "Unpaid carers of every age, including young carers, and their families."
    # Given a Southampton administrator signed in
    sign_in(page, "demo-southampton-administrator", lands_on="/p/southampton/")

    # When they open a care group and choose to change it
    page.get_by_role("link", name="Care groups", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care groups")
    page.get_by_role("link", name="Carers", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carers")
    page.get_by_role("link", name="Change care group").click()
    # then the form is accessible
    expect(page.get_by_label("Description")).to_be_visible()
    check_accessibility(page)

    # When they change the description and save
    page.get_by_label("Description").fill(new_description)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    # then they are back on the care group, which shows the change in its history
    expect(page.get_by_role("heading", level=1)).to_have_text("Carers")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    history = page.locator("table.platform-history")
    expect(history.get_by_text(new_description)).to_have_count(1)


def test_a_member_of_another_partnership_cannot_open_southampton(page):
    # Given a Nottinghamshire viewer signed in
    sign_in(page, "demo-nottinghamshire-viewer", lands_on="/p/nottinghamshire/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nottinghamshire Joint Commissioning")
    # then the partnership switcher does not offer Southampton
    switcher = page.locator("select[name=partnership]")
    if switcher.count():
        assert not [o for o in switcher.locator("option").all_inner_texts() if "Southampton" in o]
    assert "Southampton" not in page.content()

    # When they type Southampton's address
    response = page.goto("/p/southampton/")
    # then they get the page-not-found page, which gives nothing of Southampton away
    assert response is not None
    assert response.status == 404
    assert "Southampton Integrated Commissioning" not in page.content()


def test_five_wrong_passwords_lock_the_account_out(page):
    # Given five sign-in attempts with the wrong password
    for _ in range(5):
        fill_sign_in(page, "demo-southampton-viewer", "not-the-password")
    # When the right password follows
    fill_sign_in(page, "demo-southampton-viewer", PASSWORD)
    # then sign-in is still refused for now
    expect(page.get_by_role("heading", name="Too many sign-in attempts")).to_be_visible()
    assert "/p/southampton/" not in page.url
