"""The money in a real browser: a board member follows the pooled fund to its settlement and the
flows of money, and sees whether spending is shifting to prevention."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]


def test_board_member_reads_the_pooled_fund_its_settlement_and_the_flows(page, check_accessibility):
    from commissioning.finance.models import PooledFund

    fund = PooledFund.objects.get(partnership__slug="southampton")
    # Given the demo's money, when a board member opens Resources
    sign_in(page, "demo-southampton-board-member", lands_on="/p/southampton/")
    page.goto("/p/southampton/resources/")
    expect(page.get_by_role("heading", name="Funds and budgets", level=1)).to_be_visible()
    check_accessibility(page)

    # When they open the pooled fund for 2025/26, the year that ran over
    page.goto(f"/p/southampton/resources/funds/{fund.pk}/?year=2025")
    expect(page.get_by_role("heading", name=fund.name, level=1)).to_be_visible()
    # then the summary shows the overspend and the settlement says who pays what
    expect(page.get_by_role("heading", name=re.compile("Year-end settlement"))).to_be_visible()
    expect(page.locator("#settlement-table")).to_contain_text("Southampton City Council")
    check_accessibility(page)

    # When they look at where the money goes, the Sankey is drawn with its table
    page.goto("/p/southampton/resources/flows/?year=2025")
    expect(page.get_by_role("heading", name="Money flows", level=1)).to_be_visible()
    expect(page.locator(".main-svg").first).to_be_visible()
    check_accessibility(page)

    # And the prevention page shows the share against the target trajectory
    page.goto("/p/southampton/resources/prevention/")
    expect(page.get_by_role("heading", name=re.compile("Prevention share"))).to_be_visible()
    expect(page.locator(".main-svg").first).to_be_visible()
    check_accessibility(page)
