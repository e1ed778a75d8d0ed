"""The golden thread in a real browser: from an indicator worse than England and getting worse, to the
priority it is evidence for, a strategic objective serving that priority, a service delivering it, the
service's contract, and from the contract's own thread back to the priority."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import requires_chromium
from tests.browser.test_journeys import expect, sign_in

pytestmark = [pytest.mark.browser, requires_chromium]


def story():
    """The demo's hip fractures priority, the objective serving it that has a contracted service."""
    from commissioning.strategy.models import Priority, StrategicObjective

    priority = Priority.objects.get(partnership__slug="southampton", title="Prevent hip fractures")
    indicator = priority.evidence.get()
    objective = (
        StrategicObjective.objects.filter(priority=priority, services__contracts__isnull=False)
        .select_related("strategy")
        .distinct()
        .first()
    )
    assert objective is not None
    service = objective.services.filter(contracts__isnull=False).order_by("name").first()
    contract = service.contracts.order_by("reference").first()
    return priority, indicator, objective, service, contract


def test_from_a_worsening_indicator_to_a_priority_objective_service_contract_and_back(
    page, check_accessibility
):
    priority, indicator, objective, service, contract = story()
    sign_in(page, "demo-southampton-commissioner", lands_on="/p/southampton/")

    # The JSNA's worse-and-worsening list names the indicator; its page walks the thread onwards
    page.goto("/p/southampton/needs/worse/")
    page.get_by_role("link", name=indicator.name, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/needs/indicators/{indicator.pk}/"))
    page.get_by_role("link", name="Golden thread", exact=True).click()
    page.wait_for_url(re.compile(rf"/strategy/thread/indicator/{indicator.pk}/$"))
    expect(page.locator("h1")).to_have_text(indicator.name)
    check_accessibility(page)

    # to the priority it is evidence for
    page.locator(".thread-stage").get_by_role("link", name=priority.title, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/strategy/priorities/{priority.pk}/$"))
    expect(page.locator("h1")).to_contain_text(priority.title)

    # to the strategy objective that serves it, through the priority's thread
    page.locator("#golden-thread-link").click()
    page.wait_for_url(re.compile(rf"/strategy/thread/priority/{priority.pk}/$"))
    page.get_by_role("link", name=f"{objective.position}. {objective.objective}", exact=True).click()
    page.wait_for_url(re.compile(rf"/strategy/strategies/{objective.strategy_id}/$"))
    check_accessibility(page)

    # to a service the objective names in the schematic
    cell = page.locator("#schematic-table th", has_text=objective.objective)
    cell.get_by_role("link", name=service.name, exact=True).click()
    page.wait_for_url(re.compile(rf"/strategy/services/{service.pk}/$"))
    expect(page.locator("h1")).to_contain_text(service.name)
    check_accessibility(page)

    # to its contract
    page.get_by_role("link", name=str(contract), exact=True).click()
    page.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    expect(page.locator("h1")).to_contain_text(contract.title)

    # and back: the contract's thread leads to the priority and the indicator it started from
    page.get_by_role("link", name="Golden thread", exact=True).click()
    page.wait_for_url(re.compile(rf"/strategy/thread/contract/{contract.pk}/$"))
    stages = page.locator(".thread-stage")
    expect(stages.get_by_role("link", name=indicator.name, exact=True).first).to_be_visible()
    stages.get_by_role("link", name=priority.title, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/strategy/priorities/{priority.pk}/$"))
