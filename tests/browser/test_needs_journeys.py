"""The JSNA in a real browser: a commissioner finds where the city is worse than England and
getting worse, reads the evidence behind it, and an analyst loads a Fingertips export."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in
from tests.conftest import SHARED_DATA

pytestmark = [pytest.mark.browser, requires_chromium]


def test_commissioner_reads_the_area_profile_and_the_evidence_behind_a_worsening_indicator(
    page, check_accessibility
):
    # Given the demo JSNA, when a Southampton commissioner opens the needs stage
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.get_by_role("link", name="Needs", exact=True).first.click()
    expect(page.get_by_role("heading", name="Joint strategic needs assessment", level=1)).to_be_visible()
    check_accessibility(page)

    # When they open Southampton's area profile
    page.get_by_role("link", name="Southampton").first.click()
    expect(page).to_have_url(re.compile(r"/needs/areas/E06000045/profile/$"))
    # then the spine chart is drawn and self-harm admissions compare "Worse" with England
    expect(page.locator(".needs-chart .main-svg").first).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Emergency hospital admissions for intentional self-harm")
    expect(row.first).to_contain_text("Worse")
    check_accessibility(page)

    # When they follow the indicator
    row.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("intentional self-harm")
    # then its trend chart, comparison with other areas and deprivation breakdown are there
    expect(page.locator(".needs-chart .main-svg").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("By deprivation decile"))).to_be_visible()
    expect(page.locator("dt", has_text="Slope index of inequality")).to_be_visible()
    check_accessibility(page)

    # When they open the worse-and-worsening list, self-harm is on it
    page.goto("/p/southampton/needs/worse/")
    expect(page.get_by_role("heading", name="Worse than England and worsening", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "Emergency hospital admissions for intentional self-harm"
    )
    check_accessibility(page)


FINGERTIPS = SHARED_DATA / "fingertips" / "indicators-CountyUA.data.csv"


@pytest.mark.skipif(not FINGERTIPS.exists(), reason="shared/data is not beside the repository")
def test_analyst_uploads_a_fingertips_export(page, check_accessibility):
    # Given a commissioner on the import page
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.goto("/p/southampton/needs/import/")
    expect(page.get_by_role("heading", name="Import indicator data", level=1)).to_be_visible()
    check_accessibility(page)
    # When they choose the real Fingertips export and import it
    page.get_by_label(re.compile("^Data file")).set_input_files(str(FINGERTIPS))
    page.get_by_role("button", name="Import").click()
    # then they are told how much landed, and the import is listed
    expect(page.get_by_text("Imported 852 values from 852 rows")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("cell", name="indicators-CountyUA.data.csv")).to_be_visible()
    # and the new indicator appears in the JSNA
    page.goto("/p/southampton/needs/")
    expect(page.get_by_role("link", name="Campylobacter incidence rate/100,000")).to_be_visible()
