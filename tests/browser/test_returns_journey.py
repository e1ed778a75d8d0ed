"""Returns in a real browser: a provider's contact finds the returns they owe, submits one on an
accessible form, corrects it, and is shown "not found" for another provider's KPI."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]


def test_a_provider_contact_submits_and_corrects_only_their_own_returns(page, check_accessibility):
    from django.utils import timezone

    from commissioning.partners.models import Partnership
    from tests.performance.test_returns_services import months_back, other_kpi, own_kpi

    southampton = Partnership.objects.get(slug="southampton")
    today = timezone.localdate()
    kpi, theirs = own_kpi(southampton, around=today), other_kpi(southampton, around=today)
    period = months_back(today, 2)

    # Given the demo provider contact, signed in
    sign_in(page, "demo-southampton-provider-contact", lands_on="/p/southampton/")
    # when they open their returns, they see their own contract's KPI and not another provider's
    page.goto("/p/southampton/returns/?status=all")
    expect(page.get_by_role("heading", name="Returns", level=1)).to_be_visible()
    table = page.locator("#returns-schedule")
    expect(table).to_contain_text(kpi.contract.reference)
    expect(table).not_to_contain_text(theirs.contract.reference)
    check_accessibility(page)

    # When they open the form for a period two months back and give a figure out of range
    page.goto(f"/p/southampton/returns/{kpi.pk}/{period.start.isoformat()}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{kpi.code} {kpi.name}: {period.label}")
    check_accessibility(page)
    page.get_by_label("Figure for the period").fill("140")
    page.get_by_role("button", name="Submit return").click()
    # then the error summary says why
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be between 0 and 100")
    check_accessibility(page)

    # When they give a good figure, the return is saved and shown with its first revision
    page.get_by_label("Figure for the period").fill("92.5")
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_url(re.compile(r"/p/southampton/returns/return/\d+/$"))
    expect(page.locator("#return-summary")).to_contain_text("92.5 %")
    check_accessibility(page)

    # When they correct it with a reason, both figures stay in its history
    page.get_by_role("link", name="Correct this return").click()
    page.get_by_label("Figure for the period").fill("93")
    page.get_by_label("Reason for the correction").fill("Two late records")
    page.get_by_role("button", name="Save correction").click()
    page.wait_for_url(re.compile(r"/p/southampton/returns/return/\d+/$"))
    revisions = page.locator("#return-revisions")
    expect(revisions).to_contain_text("92.5")
    expect(revisions).to_contain_text("Two late records")

    # And another provider's KPI is simply not found
    response = page.goto(f"/p/southampton/returns/{theirs.pk}/{period.start.isoformat()}/")
    assert response is not None and response.status == 404
