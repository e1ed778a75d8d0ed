"""A decision's journey in a real browser: proposed by a commissioner, refused above their delegated
limit, then approved at a quorate board meeting with a conflicted member kept out of the vote."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import PASSWORD, expect, fill_sign_in, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_a_decision_is_refused_above_the_limit_then_approved_at_a_quorate_meeting(page, check_accessibility):
    from commissioning.governance.models import Decision, Meeting

    # Given a Southampton commissioner writing a decision paper
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.goto("/p/southampton/governance/decisions/new/")
    check_accessibility(page)
    page.locator("[name=title]").fill("Jointly commission a falls prevention service")
    page.locator("[name=kind]").select_option("service")
    page.locator("[name=board]").select_option(label="Integrated Commissioning Board")
    page.locator("[name=summary]").fill("One falls prevention service for the city, run by Solent NHS Trust.")
    page.locator("[name=recommendations]").fill("Approve a two-year jointly funded falls prevention service.")
    page.locator("[name=reasons]").fill("Falls admissions of people aged 65 and over are above England's.")
    page.locator("[name=legal_implications]").fill("A Section 75 agreement with the council as lead.")
    page.get_by_label("Solent NHS Trust").check()
    page.locator("[name=options-0-option]").fill("Each partner commissions its own service")
    page.locator("[name=options-0-reason]").fill("Duplicates assessment and leaves gaps between services.")
    page.locator("[name=resources-0-organisation]").select_option(label="Southampton City Council")
    page.locator("[name=resources-0-financial_year]").select_option("2026")
    page.locator("[name=resources-0-amount]").fill("60,000.00")
    page.locator("[name=resources-1-organisation]").select_option(
        label="NHS Southampton City Clinical Commissioning Group"
    )
    page.locator("[name=resources-1-financial_year]").select_option("2026")
    page.locator("[name=resources-1-amount]").fill("40000")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("falls prevention")

    # When they propose it and try to approve the council's £60,000 under their own delegation
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Proposed").first).to_be_visible()
    page.get_by_label("Approve for").select_option(label="Southampton City Council")
    page.get_by_role("button", name="Approve under my delegation").click()
    # then it is refused, naming the limit and who can approve
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("£25,000.00")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Integrated Commissioning Board")
    check_accessibility(page)
    decision = Decision.objects.get(title="Jointly commission a falls prevention service")
    assert decision.state == "proposed"
    sign_out(page)

    # Given the board's administrator at this November's meeting
    meeting = Meeting.objects.get(
        board__name="Integrated Commissioning Board", starts_at__date=dt.date(2026, 11, 17)
    )
    fill_sign_in(page, "demo-southampton-administrator", PASSWORD)
    page.goto(f"/p/southampton/governance/meetings/{meeting.pk}/agenda/new/")
    page.locator("[name=title]").fill("Falls prevention service")
    page.locator("[name=decision]").select_option(str(decision.pk))
    page.get_by_role("button", name=re.compile("Save|Add")).click()
    # When they record who was present
    page.goto(f"/p/southampton/governance/meetings/{meeting.pk}/attendance/")
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name=re.compile("Save|Record")).click()
    # then the member with an interest in Solent NHS Trust is flagged and excluded from the vote
    item = page.locator("section").filter(has_text="Jointly commission a falls prevention service")
    expect(item.get_by_text("Excluded: declared interest")).to_be_visible()
    expect(item.get_by_text(re.compile("^Quorate"))).to_be_visible()
    check_accessibility(page)
    # When the others vote for it and the board approves it
    for select in item.locator("fieldset select").all():
        select.select_option("for")
    item.get_by_role("button", name="Record votes").click()
    item = page.locator("section").filter(has_text="Jointly commission a falls prevention service")
    item.get_by_role("button", name=re.compile("Approve at this meeting")).click()
    # then the decision is approved for both partners
    decision.refresh_from_db()
    assert decision.state == "approved"
    assert decision.approvals.count() == 2
    assert not decision.votes.filter(member__person__username="demo-southampton-finance-officer").exists()
    page.goto(f"/p/southampton/governance/decisions/{decision.pk}/")
    expect(page.get_by_text("Approved").first).to_be_visible()
    check_accessibility(page)
