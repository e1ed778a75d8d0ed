"""Performance in a real browser, end to end: a provider's contact submits a return; the commissioner
sees the SPC chart flag a special cause, opens a review from it, and finds the decommissioning case
refusing to move on until its transition plan covers every resident."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]

OCTOBER = dt.date(2026, 10, 1)


def story_kpis():
    from commissioning.contracts.models import Kpi

    southampton = Kpi.objects.filter(contract__partnership__slug="southampton", contract__status="active")
    solent = southampton.get(
        contract__provider__organisation__ods_code="R1C", contract__title="Community nursing", code="DTC"
    )
    westgate = southampton.filter(
        contract__provider__organisation__name="Westgate Domiciliary Services Ltd", code="HC02"
    ).earliest("contract__starts_on", "pk")
    return solent, westgate


def test_a_return_an_spc_signal_a_review_and_a_case_that_waits_for_its_transition_plan(
    page, check_accessibility
):
    from commissioning.performance.models import DecommissioningCase, KpiReturn, Review

    solent, westgate = story_kpis()
    assert not KpiReturn.objects.filter(kpi=solent, period_start=OCTOBER).exists()

    # Given Solent's contact, signed in: they submit October's delayed transfers of care
    sign_in(page, "demo-southampton-provider-contact", lands_on="/p/southampton/")
    page.goto("/p/southampton/returns/")
    expect(page.locator("#returns-schedule")).to_contain_text(solent.contract.reference)
    page.goto(f"/p/southampton/returns/{solent.pk}/{OCTOBER.isoformat()}/")
    check_accessibility(page)
    page.get_by_label("Figure for the period").fill("11")
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_url(re.compile(r"/p/southampton/returns/return/\d+/$"))
    assert KpiReturn.objects.get(kpi=solent, period_start=OCTOBER).value == 11
    # and Westgate's chart is not theirs to see
    response = page.goto(f"/p/southampton/kpis/{westgate.pk}/")
    assert response is not None and response.status == 404

    # When the commissioner signs in, Solent's chart shows the new point as part of a special cause
    page.context.clear_cookies()
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.goto(f"/p/southampton/kpis/{solent.pk}/")
    expect(page.locator("#spc-summary")).to_contain_text("Special cause of improvement")
    expect(page.locator("#points")).to_be_visible()
    expect(page.locator("table").filter(has_text="Oct 2026")).to_contain_text("11")

    # and Westgate's visits on time are flagged as a special cause of concern
    page.goto(f"/p/southampton/kpis/{westgate.pk}/")
    expect(page.locator("#spc-summary")).to_contain_text("Special cause of concern")
    expect(page.locator(".js-plotly-plot, .plotly-graph-div").first).to_be_visible()
    check_accessibility(page)

    # When they open a review from the chart
    page.get_by_role("link", name="Open a review of this KPI").click()
    expect(page.get_by_label("KPI that prompted it")).to_have_value(str(westgate.pk))
    title = "Westgate: visits on time, extraordinary review"
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Open review").click()
    page.wait_for_url(re.compile(r"/p/southampton/reviews/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Westgate: visits on time, extraordinary review"
    )
    review = Review.objects.get(title="Westgate: visits on time, extraordinary review")
    assert review.trigger_kpi == westgate and review.contract == westgate.contract
    check_accessibility(page)

    # Then the decommissioning case at its transition plan refuses to move on to notice
    case = DecommissioningCase.objects.get(partnership__slug="southampton", stage="transition")
    page.goto(f"/p/southampton/decommissioning/{case.pk}/")
    page.get_by_role("button", name="Advance to notice").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Add a transition arrangement for every current placement"
    )
    case.refresh_from_db()
    assert case.stage == "transition"
