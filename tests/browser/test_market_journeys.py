"""Buying in a real browser: a commissioner starts a procurement and is told its route, awards it
after the panel's evaluation, registers the contract, and finds it in the register and in the
partnership's OCDS open data."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]

REFERENCE = "SCC-2026-201"
TITLE = "Carers' breaks and support service"


def evaluate_bids(procurement_pk: int) -> None:
    """The panel's work between the notice and the award: milestones at the rule's earliest dates,
    criteria, two bids, scores and moderation (each through the services the pages use)."""
    from commissioning.core.models import User
    from commissioning.market import services
    from commissioning.market.models import Procurement, Stage
    from commissioning.partners.models import Organisation

    procurement = Procurement.objects.get(pk=procurement_pk)
    commissioner = User.objects.get(username="demo-southampton-commissioner")
    evaluator = User.objects.get(username="demo-southampton-finance-officer")
    services.add_panel_member(
        actor=commissioner, procurement=procurement, user=commissioner, role="named_officer"
    )
    services.add_panel_member(actor=commissioner, procurement=procurement, user=evaluator, role="evaluator")
    criteria = services.set_criteria(
        actor=commissioner,
        procurement=procurement,
        criteria=[
            ("Quality of the service", Decimal("60"), False, 5, ""),
            ("Price", Decimal("40"), True, 5, ""),
        ],
    )
    reached: dict[str, dt.date] = {}
    for stage in services.required_stages(procurement):
        if stage in (Stage.NEED_CONFIRMED, Stage.AWARD, Stage.STANDSTILL, Stage.CONTRACT):
            continue
        procurement.refresh_from_db()
        day = services.earliest_for(procurement, stage, reached) or procurement.starts_on
        services.record_milestone(actor=commissioner, procurement=procurement, stage=stage, reached_on=day)
        reached[stage] = day
        if stage == Stage.BIDS:
            break
    bidders = Organisation.objects.filter(provider_records__partnership__slug="southampton", kind="vcse")[:2]
    bids = [
        services.record_bid(
            actor=commissioner, procurement=procurement, bidder=org, received_on=day, price=Decimal(price)
        )
        for org, price in zip(bidders, ("24000.00", "22500.00"), strict=True)
    ]
    for bid, marks in zip(bids, ((4, 3), (3, 4)), strict=True):
        for criterion, mark in zip(criteria, marks, strict=True):
            services.score_bid(actor=evaluator, bid=bid, criterion=criterion, score=mark)
            services.moderate(
                actor=commissioner, bid=bid, criterion=criterion, score=mark, rationale="Agreed."
            )


def test_commissioner_procures_awards_and_finds_the_contract_in_the_register_and_open_data(
    page, check_accessibility
):
    from commissioning.market import services
    from commissioning.market.models import Procurement

    # Given a Southampton commissioner, when they start a procurement for a small carers' service
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")
    page.goto("/p/southampton/market/procurements/new/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("procurement")
    check_accessibility(page)
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Type of service").select_option("carers")
    page.get_by_label("Category").select_option("services")
    page.get_by_label("Commissioning body").select_option(label="Southampton City Council")
    page.get_by_label("Estimated lifetime value").fill("£25,000.00")
    page.get_by_label("Starts on").fill("2026-09-01")
    page.get_by_role("button", name=re.compile("Start|Save|Create")).click()

    # then the rules tell them the route, under which rule set, with its notices and timeline
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Route: .+ under Procurement Act 2023"))).to_be_visible()
    check_accessibility(page)
    procurement = Procurement.objects.get(partnership__slug="southampton", reference=REFERENCE)
    assert procurement.route and procurement.rule_id is not None

    # Given the panel has evaluated two bids, when the commissioner (a named officer) awards it
    evaluate_bids(procurement.pk)
    procurement.refresh_from_db()
    awarded_on = services.earliest_for(procurement, "award", {}) or dt.date(2026, 10, 1)
    awarded_on = max(awarded_on, max(m.reached_on for m in procurement.milestones.exclude(reached_on=None)))
    page.goto(f"/p/southampton/market/procurements/{procurement.pk}/award/")
    check_accessibility(page)
    page.get_by_label("Award decided on").fill(awarded_on.isoformat())
    page.get_by_role("button", name=re.compile("Award")).click()
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)

    # then they register the contract from the award, with its funding
    procurement.refresh_from_db()
    assert procurement.status == "awarded"
    page.get_by_role("link", name="Register the contract").click()
    expect(page.get_by_role("heading", name="Register the contract from the award")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_label("Starts on").fill("2027-01-04")
    page.get_by_label("Ends on").fill("2029-01-03")
    page.locator("[name=funding-0-organisation]").select_option(label="Southampton City Council")
    page.locator("[name=funding-0-amount]").fill(str(procurement.awarded_bid.price))
    page.get_by_role("button", name="Register contract").click()
    expect(page.get_by_text(f"Contract {REFERENCE} registered from procurement {REFERENCE}.")).to_be_visible()
    check_accessibility(page)

    # and find it in the contract register
    page.goto(f"/p/southampton/contracts/?q={REFERENCE}")
    expect(page.locator("table")).to_contain_text(TITLE)
    check_accessibility(page)

    # and in the partnership's OCDS open data, which anyone can fetch
    response = page.request.get("/public/southampton/open-data/ocds.json")
    assert response.ok
    package = json.loads(response.text())
    contracts = [c for release in package["releases"] for c in release.get("contracts", [])]
    assert any(REFERENCE in c.get("id", "") or c.get("title") == TITLE for c in contracts), contracts
