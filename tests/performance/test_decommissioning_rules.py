"""The stage checks of a decommissioning case as pure functions: what each stage still lacks."""

import datetime as dt
from decimal import Decimal

import pytest

from commissioning.governance.rules import Rule
from commissioning.performance import decommissioning as checks
from commissioning.performance.models import AppraisalOption, CaseStage, EqualityOutcome

TODAY = dt.date(2026, 11, 17)


def evidence(**fields):
    base = {
        "today": TODAY,
        "contract_reference": "SCC-2026-010",
        "contract_ends_on": dt.date(2028, 3, 31),
        "notice_months": 3,
    }
    return checks.Evidence(**(base | fields))


def rule(pk, org, limit, who, kind=""):
    label = f"{who} ({'no limit' if limit is None else f'up to £{limit:,.2f}'})"
    return Rule(pk, org, kind, None, "", who, limit, label, who)


def test_the_stage_values_follow_the_model_in_order():
    assert list(checks.STAGES) == [s.value for s in CaseStage][:8]
    assert (CaseStage.COMPLETE.value, CaseStage.WITHDRAWN.value) == checks.CLOSED
    assert set(checks.OPTION_CHOICES) == set(AppraisalOption.values)
    assert checks.STOP in EqualityOutcome.values
    walked, stage = [], "rationale"
    while stage != checks.COMPLETE:
        walked.append(stage)
        stage = checks.next_stage(stage)
    assert walked == list(checks.STAGES)
    with pytest.raises(ValueError):
        checks.next_stage("complete")


@pytest.mark.parametrize(
    ("served", "months", "earliest"),
    [
        (dt.date(2026, 11, 17), 3, dt.date(2027, 2, 17)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),  # clipped to a shorter month
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 12, 31), 0, dt.date(2026, 12, 31)),
    ],
)
def test_the_earliest_end_adds_the_contracts_notice_in_months(served, months, earliest):
    assert checks.earliest_end(served, months) == earliest


def test_rationale_needs_the_text_and_a_kpi_of_this_contract():
    assert checks.rationale_missing(evidence()) == [
        "Give the rationale: why the service should change or end.",
        "Link at least one KPI of contract SCC-2026-010 as performance evidence.",
    ]
    assert checks.rationale_missing(evidence(rationale="Failing", evidence_kpis=("K1",))) == []
    assert checks.rationale_missing(
        evidence(rationale="Failing", evidence_kpis=("K1",), foreign_kpis=("X9",))
    ) == ["Only KPIs of contract SCC-2026-010 can be evidence; remove X9."]


def test_options_need_all_three_appraised_and_one_chosen():
    assert checks.options_missing(evidence(appraisals={"remodel": "Cheaper"})) == [
        "Appraise every option (remodel, re-procure and decommission): re-procure, decommission are "
        "not appraised yet.",
        "Choose the option to take forward.",
    ]
    full = {"remodel": "a", "reprocure": "b", "decommission": "c"}
    assert checks.options_missing(evidence(appraisals=full, chosen_option="remodel")) == []


def test_a_high_risk_needs_a_mitigation_and_a_low_one_does_not():
    risks = (
        checks.Risk("Loss of continuity of care", 4, 4, ""),
        checks.Risk("Travel further", 2, 3, ""),
        checks.Risk("Carer strain", 5, 3, "Carer assessments"),
    )
    found = checks.risk_missing(evidence(users_affected=5, risk_summary="Some", risks=risks))
    assert found == [
        "Every risk scored 15 or more needs a mitigation: 1 risk has none (Loss of continuity of care (16))."
    ]
    assert checks.risk_missing(evidence()) == [
        "Record how many people use the service now.",
        "Summarise the risk to the people using the service.",
        "Add at least one risk to the people using the service, scored for likelihood and impact.",
    ]


def test_a_consultation_must_have_closed_by_today():
    still_open = checks.Consultation("Day services", TODAY + dt.timedelta(days=1))
    assert checks.consultation_missing(evidence(consultation=still_open)) == [
        "The consultation 'Day services' is still open: it closes on 18 November 2026, and the case can "
        "move on once it has closed."
    ]
    assert (
        checks.consultation_missing(evidence(consultation=checks.Consultation("Day services", TODAY))) == []
    )
    assert checks.consultation_missing(evidence()) == ["Link the consultation on the proposal."]


def test_an_equality_outcome_of_stop_holds_the_case():
    found = checks.equality_missing(evidence(equality_summary="Older women", equality_outcome="stop"))
    assert len(found) == 1 and found[0].startswith("The equality impact assessment says stop and rethink")
    assert checks.equality_missing(evidence(equality_summary="Older women", equality_outcome="adjust")) == []


def test_the_transition_plan_covers_every_current_placement_and_the_rest_as_a_cohort():
    placements = tuple(checks.Placement(i, f"P-{i:05d}") for i in (1, 2, 3))
    one = (checks.Arrangement(1, "P-00001", 1, dt.date(2027, 3, 1)),)
    assert checks.transition_missing(evidence(placements=placements, arrangements=one, users_affected=3)) == [
        "Add a transition arrangement for every current placement: 2 placements have none (P-00002, P-00003)."
    ]
    arranged = tuple(checks.Arrangement(i, f"P-{i:05d}", 1, dt.date(2027, 3, 1)) for i in (1, 2, 3))
    assert checks.transition_missing(
        evidence(placements=placements, arrangements=arranged, users_affected=7)
    ) == [
        "7 people use the service and 3 are in placements on the contract: add a cohort arrangement for "
        "the other 4 (0 covered so far)."
    ]
    cohort = (*arranged, checks.Arrangement(None, "Day visitors", 4, dt.date(2027, 3, 1)))
    assert (
        checks.transition_missing(evidence(placements=placements, arrangements=cohort, users_affected=7))
        == []
    )
    late = (*cohort, checks.Arrangement(None, "Carers", 1, dt.date(2028, 4, 1)))
    assert checks.transition_missing(
        evidence(placements=placements, arrangements=late, users_affected=7)
    ) == [
        "Every move must be done by the time the contract ends (31 March 2028): 1 arrangement is later "
        "(Carers by 1 April 2028)."
    ]


def test_a_long_list_of_placements_is_cut_short():
    placements = tuple(checks.Placement(i, f"P-{i:05d}") for i in range(1, 14))
    found = checks.transition_missing(evidence(placements=placements, users_affected=13))
    assert found[0].endswith("P-00009, P-00010 and 3 more).")


def test_notice_follows_the_contracts_notice_period_and_end():
    found = checks.notice_missing(
        evidence(notice_served_on=dt.date(2026, 11, 17), service_ends_on=dt.date(2027, 2, 16))
    )
    assert found == [
        "The service cannot end before 17 February 2027: contract SCC-2026-010 needs 3 months' notice, and "
        "notice was served on 17 November 2026."
    ]
    assert (
        checks.notice_missing(
            evidence(notice_served_on=dt.date(2026, 11, 17), service_ends_on=dt.date(2027, 2, 17))
        )
        == []
    )
    assert checks.notice_missing(
        evidence(notice_served_on=dt.date(2026, 11, 17), service_ends_on=dt.date(2028, 4, 1))
    ) == ["The service cannot end after the contract does (31 March 2028)."]
    moves = (checks.Arrangement(None, "Day visitors", 4, dt.date(2027, 6, 1)),)
    assert checks.notice_missing(
        evidence(notice_served_on=TODAY, service_ends_on=dt.date(2027, 5, 31), arrangements=moves)
    ) == [
        "1 transition arrangement moves people after the service ends on 31 May 2027 (Day visitors by "
        "1 June 2027): choose a later end date, or reopen the transition plan to bring the moves forward."
    ]


def test_annual_shares_follow_the_funding_and_add_up_to_the_penny():
    shares = checks.annual_shares(
        Decimal("100.00"),
        Decimal("300.00"),
        [(1, "Council", Decimal("100.00")), (2, "ICB", Decimal("150.00")), (1, "Council", Decimal("50.00"))],
    )
    assert [(s.organisation_id, s.annual_share) for s in shares] == [
        (1, Decimal("50.00")),
        (2, Decimal("50.00")),
    ]
    thirds = checks.annual_shares(
        Decimal("100.00"), Decimal("3.00"), [(n, str(n), Decimal("1.00")) for n in (1, 2, 3)]
    )
    assert [s.annual_share for s in thirds] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def _decision(state="approved", approvals=(), kind="contract"):
    return checks.Decision("D-2026-004", kind, kind.title(), state, state.title(), tuple(approvals))


def test_the_decision_is_approved_for_every_funder_by_whom_the_scheme_requires():
    council, icb = (
        checks.Funder(1, "Council", Decimal("300000.00")),
        checks.Funder(2, "ICB", Decimal("40000.00")),
    )
    scheme = (
        rule(10, 1, Decimal("25000.00"), "a commissioner"),
        rule(11, 1, Decimal("500000.00"), "the Joint Board"),
        rule(12, 2, Decimal("50000.00"), "a finance officer"),
    )
    base = {"funders": (council, icb), "scheme": scheme}
    assert checks.decision_missing(evidence(**base)) == [
        "Link the decision, taken by the body the scheme of delegation requires."
    ]
    low = checks.Approval(1, scheme[0])
    assert checks.decision_missing(evidence(decision=_decision(approvals=[low]), **base)) == [
        "Council approved decision D-2026-004 under a commissioner (up to £25,000.00), but it funds "
        "£300,000.00 a year of the contract; it needs the Joint Board.",
        "Decision D-2026-004 has no approval for ICB, which funds £40,000.00 a year of the contract; "
        "it needs a finance officer.",
    ]
    right = [checks.Approval(1, scheme[1]), checks.Approval(2, scheme[2])]
    assert checks.decision_missing(evidence(decision=_decision(approvals=right), **base)) == []
    assert checks.decision_missing(evidence(decision=_decision("proposed", right), **base)) == [
        "Decision D-2026-004 is proposed, not approved: the case completes only once it is approved."
    ]
    assert checks.decision_missing(evidence(decision=_decision(approvals=right, kind="budget"), **base)) == [
        "Decision D-2026-004 is a budget decision; link a contract or service-change decision."
    ]


def test_a_funder_no_one_may_approve_for_is_named():
    funder = checks.Funder(1, "Council", Decimal("900000.00"))
    scheme = (rule(10, 1, Decimal("500000.00"), "the Joint Board"),)
    assert checks.decision_missing(evidence(decision=_decision(), funders=(funder,), scheme=scheme)) == [
        "Decision D-2026-004 has no approval for Council, which funds £900,000.00 a year of the contract; "
        "no one in Council's scheme of delegation may approve that amount."
    ]


def test_outstanding_lists_every_incomplete_stage_in_order():
    found = checks.outstanding(evidence())
    assert list(found) == ["rationale", "options", "risk", "consultation", "equality", "notice", "decision"]
