"""A decommissioning case in a real browser: it refuses to move on without a transition arrangement for
every resident, then moves on once the plan is complete."""

from __future__ import annotations

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_demo_case_moves_on_only_once_its_plan_covers_every_resident(page, check_accessibility):
    from commissioning.performance.models import DecommissioningCase

    case = DecommissioningCase.objects.get(partnership__slug="southampton", stage="transition")
    detail = f"/p/southampton/decommissioning/{case.pk}/"

    # Given a commissioner looking at the case part-way through its transition plan
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.goto("/p/southampton/decommissioning/")
    check_accessibility(page)
    page.get_by_role("link", name=case.reference).click()
    expect(page.locator("#stage-list")).to_contain_text("Cannot start yet")
    check_accessibility(page)

    # When they try to move on to notice, the case refuses and names the residents without an arrangement
    page.get_by_role("button", name="Advance to notice").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Add a transition arrangement for every current placement")
    check_accessibility(page)
    case.refresh_from_db()
    assert case.stage == "transition"

    # And when they add an arrangement for each resident still without one
    page.goto(f"{detail}transition/")
    check_accessibility(page)
    choices = page.locator("[name=arrangement-placement] option")
    while choices.count() > 1:
        page.locator("[name=arrangement-placement]").select_option(index=1)
        page.locator("[name=arrangement-arrangement]").fill("Moves to a home rated good near their family.")
        page.locator("[name=arrangement-move_by]").fill("2027-03-31")
        page.get_by_role("button", name="Add the arrangement").click()
        expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
        page.goto(f"{detail}transition/")

    # Then the case moves on to notice, and the step is in its history
    page.goto(detail)
    page.locator("[name=note]").fill("Every resident has an arrangement.")
    page.get_by_role("button", name="Advance to notice").click()
    expect(page.locator("#stage-notice-status")).to_contain_text("In progress")
    expect(page.locator("#steps-table")).to_contain_text("Every resident has an arrangement.")
    check_accessibility(page)
    case.refresh_from_db()
    assert case.stage == "notice"
