"""Decommissioning pages over real HTTP: who sees and changes cases, and a case that refuses to move on
without its transition plan."""

# ruff: noqa: F811 (the shared fixtures are imported by name and used as test arguments)

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from commissioning.contracts.categories import add_months
from commissioning.core.permissions import Role
from commissioning.performance.models import (
    CaseRisk,
    CaseStage,
    CaseStep,
    DecommissioningCase,
    OptionAppraisal,
    TransitionArrangement,
)
from tests.performance.test_decommissioning_services import (  # noqa: F401 (fixtures)
    USERS,
    _advance_to,
    _approved_decision,
    _consultation,
    _current,
    case,
    contract,
    ctx,
    orgs,
    people,
    scheme,
    today,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"decommissioning:{name}", args=["southampton", *args])


def text(response):
    return unescape(response.content.decode())


def test_viewers_see_cases_and_their_stages_but_cannot_change_them(client_for, case):
    client = client_for("southampton", Role.VIEWER)
    listing = client.get(url("list"))
    assert listing.status_code == 200
    assert case.reference in text(listing)
    page = client.get(url("detail", case.pk))
    assert page.status_code == 200
    body = text(page)
    assert "Rationale and performance evidence" in body and "Cannot start yet" in body
    assert 'id="advance-form"' not in body
    assert client.get(url("rationale", case.pk)).status_code == 403
    assert client.post(url("advance", case.pk)).status_code == 403
    assert client.post(url("withdraw", case.pk), {"reason": "No"}).status_code == 403
    case.refresh_from_db()
    assert case.stage == CaseStage.RATIONALE


def test_provider_contacts_cannot_see_cases(client_for, case):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(url("list")).status_code == 403
    assert client.get(url("detail", case.pk)).status_code == 403


def test_a_case_is_opened_from_its_contract(client_for, contract):
    client = client_for("southampton", Role.COMMISSIONER)
    form = client.get(url("new") + f"?contract={contract.pk}")
    assert form.status_code == 200
    assert f'<option value="{contract.pk}" selected>' in form.content.decode()
    refused = client.post(url("new"), {"contract": contract.pk, "title": ""})
    assert refused.status_code == 400
    assert not DecommissioningCase.objects.filter(contract=contract).exists()
    response = client.post(url("new"), {"contract": contract.pk, "title": "End supported living"})
    case = DecommissioningCase.objects.get(contract=contract)
    assert response.status_code == 302 and response["Location"] == url("detail", case.pk)
    assert case.opened_by.username == "demo-southampton-commissioner"


def test_a_refused_move_shows_what_is_missing_in_the_error_summary(client_for, case):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(url("advance", case.pk), {"note": "Try"})
    assert response.status_code == 400
    body = text(response)
    assert "There is a problem" in body
    assert "Give the rationale: why the service should change or end." in body
    assert "Link at least one KPI of contract SCC-2026-010 as performance evidence." in body
    case.refresh_from_db()
    assert case.stage == CaseStage.RATIONALE and not CaseStep.objects.filter(case=case).exists()


def test_a_later_stage_cannot_be_recorded_before_its_turn(client_for, case, today):
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(url("notice", case.pk))
    assert page.status_code == 200 and "This stage cannot be changed now" in text(page)
    response = client.post(
        url("notice", case.pk), {"notice_served_on": today.isoformat(), "service_ends_on": today.isoformat()}
    )
    assert response.status_code == 400
    assert "the notice stage cannot start until every stage before it is complete" in text(response)
    case.refresh_from_db()
    assert case.notice_served_on is None


def test_the_rationale_page_records_the_evidence(client_for, case, contract):
    client = client_for("southampton", Role.COMMISSIONER)
    kpi = contract.kpis.order_by("pk").first()
    response = client.post(
        url("rationale", case.pk), {"rationale": "Failing for a year.", "evidence_kpis": [kpi.pk]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rationale == "Failing for a year." and list(case.evidence_kpis.all()) == [kpi]
    detail = text(client.get(url("detail", case.pk)))
    assert f'href="/p/southampton/kpis/{kpi.pk}/"' in detail
    assert "The rationale and performance evidence stage has all its evidence" in detail


def test_the_case_refuses_to_move_on_without_its_transition_plan(client_for, case, ctx, contract):
    case = _advance_to(case, "transition", ctx)
    client = client_for("southampton", Role.COMMISSIONER)
    placements = _current(contract, ctx.today)
    refused = client.post(url("advance", case.pk))
    assert refused.status_code == 400
    assert "Add a transition arrangement for every current placement" in text(refused)
    move_by = add_months(ctx.today, 2).isoformat()
    for placement in placements:
        response = client.post(
            url("transition", case.pk),
            {
                "arrangement-placement": placement.pk,
                "arrangement-people": 1,
                "arrangement-arrangement": "Moves to a new flat with the same support worker.",
                "arrangement-move_by": move_by,
            },
        )
        assert response.status_code == 302
    still = client.post(url("advance", case.pk))
    assert still.status_code == 400
    assert "add a cohort arrangement for the other" in text(still)
    client.post(
        url("transition", case.pk),
        {
            "arrangement-cohort": "Outreach tenants",
            "arrangement-people": USERS - len(placements),
            "arrangement-arrangement": "Support transfers to the outreach team.",
            "arrangement-move_by": move_by,
        },
    )
    assert TransitionArrangement.objects.filter(case=case).count() == len(placements) + 1
    moved = client.post(url("advance", case.pk), {"note": "Plan agreed with families"})
    assert moved.status_code == 302
    case.refresh_from_db()
    assert case.stage == CaseStage.NOTICE
    detail = text(client.get(url("detail", case.pk)))
    assert "Plan agreed with families" in detail
    notice = text(client.get(url("notice", case.pk)))
    assert "needs 3 months' notice" in notice


def test_the_list_downloads_as_csv(client_for, case):
    response = client_for("southampton", Role.VIEWER).get(url("list") + "?format=csv")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "Reference,Title,Contract,Provider,Stage,Opened on,Completed on"
    assert any(line.startswith(f"{case.reference},") for line in lines[1:])


def test_every_stage_is_recorded_through_its_page(client_for, case, ctx, contract):
    client = client_for("southampton", Role.COMMISSIONER)

    def post(name, data, *args):
        response = client.post(url(name, case.pk, *args), data)
        assert response.status_code == 302, text(response)
        return response

    def advance(expected):
        response = client.post(url("advance", case.pk))
        assert response.status_code == 302, text(response)
        case.refresh_from_db()
        assert case.stage == expected

    kpi = contract.kpis.order_by("pk").first()
    post("rationale", {"rationale": "Failing for a year.", "evidence_kpis": [kpi.pk]})
    advance("options")
    for option in ("remodel", "reprocure", "decommission"):
        post("options", {"option": option, "appraisal": f"The {option} option.", "annual_cost": "£1,000.50"})
    assert OptionAppraisal.objects.get(case=case, option="remodel").annual_cost == Decimal("1000.50")
    assert client.get(url("options", case.pk) + "?option=remodel").status_code == 200
    post("choose", {"choose-chosen_option": "decommission"})
    advance("risk")
    post("risk", {"users_affected": str(USERS), "risk_summary": "Moves unsettle residents."})
    post("risk_add", {"risk-description": "Loss of tenancy", "risk-likelihood": "5", "risk-impact": "4"})
    post("risk_add", {"risk-description": "Longer journeys", "risk-likelihood": "1", "risk-impact": "2"})
    refused = client.post(url("advance", case.pk))
    assert refused.status_code == 400
    assert "Every risk scored 15 or more needs a mitigation" in text(refused)
    high, low = CaseRisk.objects.filter(case=case).order_by("pk")
    post(
        "risk_edit",
        {"description": "Loss of tenancy", "likelihood": "5", "impact": "4", "mitigation": "Housing team"},
        high.pk,
    )
    post("risk_edit", {"remove": "1"}, low.pk)
    assert list(CaseRisk.objects.filter(case=case).values_list("mitigation", flat=True)) == ["Housing team"]
    advance("consultation")
    post("consultation", {"consultation": _consultation(ctx.southampton, ctx.people, ctx.today).pk})
    advance("equality")
    post("equality", {"summary": "Disabled adults are most affected.", "outcome": "adjust"})
    advance("transition")
    move_by = add_months(ctx.today, 2).isoformat()
    placements = _current(contract, ctx.today)
    for placement in placements:
        post(
            "transition",
            {
                "arrangement-placement": placement.pk,
                "arrangement-people": "1",
                "arrangement-arrangement": "Moves to a new flat.",
                "arrangement-move_by": move_by,
            },
        )
    post(
        "transition",
        {
            "arrangement-cohort": "Outreach tenants",
            "arrangement-people": str(USERS - len(placements)),
            "arrangement-arrangement": "Support transfers to the outreach team.",
            "arrangement-move_by": move_by,
        },
    )
    post("transition_summary", {"plan-summary": "Everyone has somewhere to go."})
    advance("notice")
    post(
        "notice",
        {"notice_served_on": ctx.today.isoformat(), "service_ends_on": add_months(ctx.today, 4).isoformat()},
    )
    advance("decision")
    post("decision", {"decision": _approved_decision(ctx.southampton, ctx.people, ctx.orgs).pk})
    advance("complete")
    detail = text(client.get(url("detail", case.pk)))
    assert "Complete" in detail and "Everyone has somewhere to go." in detail
    assert 'id="advance-form"' not in detail
    assert CaseStep.objects.filter(case=case).count() == 8


def test_a_case_is_reopened_and_withdrawn_with_reasons(client_for, case, ctx):
    case = _advance_to(case, "risk", ctx)
    client = client_for("southampton", Role.COMMISSIONER)
    form = client.get(url("reopen", case.pk))
    assert form.status_code == 200
    assert '<option value="options">' in form.content.decode()
    assert '<option value="risk">' not in form.content.decode()
    assert client.post(url("reopen", case.pk), {"stage": "rationale", "reason": ""}).status_code == 400
    response = client.post(url("reopen", case.pk), {"stage": "rationale", "reason": "Add the falls KPI"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == CaseStage.RATIONALE
    assert client.get(url("reopen", case.pk)).status_code == 404  # nothing earlier to go back to
    assert client.post(url("withdraw", case.pk), {"reason": ""}).status_code == 400
    assert client.post(url("withdraw", case.pk), {"reason": "Performance recovered"}).status_code == 302
    case.refresh_from_db()
    assert case.stage == CaseStage.WITHDRAWN
    detail = text(client.get(url("detail", case.pk)))
    assert "Performance recovered" in detail and "Withdrawn here" in detail
