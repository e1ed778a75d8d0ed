"""Decommissioning cases against the real database: no stage is skipped, each refuses with what is
missing, every move is a step in the case's history and an audit event."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from commissioning.contracts.categories import add_months
from commissioning.contracts.models import Contract, Kpi, Placement
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.engagement.models import Consultation
from commissioning.governance import services as governance
from commissioning.governance.models import Approval, Board, Decision, DelegationRule
from commissioning.partners.models import Organisation
from commissioning.performance import decommissioning_selectors as selectors
from commissioning.performance import decommissioning_services as services
from commissioning.performance.models import CaseRisk, CaseStage, CaseStep, DecommissioningCase

pytestmark = pytest.mark.django_db

CONTRACT = "SCC-2026-010"  # supported living, funded by the council and the CCG; 3 months' notice
STAGES = [s.value for s in CaseStage][:8]
CCG = "NHS Southampton City Clinical Commissioning Group"


def _messages(error, field="__all__"):
    return error.value.message_dict[field]


@pytest.fixture
def people(user_for):
    def get(role):
        return user_for("southampton", role)

    return SimpleNamespace(
        admin=get(Role.ADMINISTRATOR),
        commissioner=get(Role.COMMISSIONER),
        finance=get(Role.FINANCE_OFFICER),
        board_member=get(Role.BOARD_MEMBER),
        viewer=get(Role.VIEWER),
        provider=get(Role.PROVIDER_CONTACT),
    )


@pytest.fixture
def orgs(southampton):
    return SimpleNamespace(
        council=Organisation.objects.get(gss_code="E06000045"), ccg=Organisation.objects.get(ods_code="10X")
    )


@pytest.fixture
def contract(southampton):
    return Contract.objects.get(partnership=southampton, reference=CONTRACT)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def case(contract, people):
    return services.open_case(
        actor=people.commissioner, contract=contract, title="Decommission supported living"
    )


@pytest.fixture
def scheme(southampton, orgs, people):
    """Each partner's scheme of delegation: a low officer limit, and a named post without limit.

    The demo's own rules and approvals are cleared (inside the test's transaction) so these are the only ones.
    """
    Approval.objects.filter(decision__partnership=southampton).delete()
    DelegationRule.objects.filter(partnership=southampton).delete()
    common = {"actor": people.admin, "partnership": southampton}
    governance.delegation_rule_create(
        **common, organisation=orgs.council, role=Role.COMMISSIONER, limit=Decimal("25000.00")
    )
    governance.delegation_rule_create(**common, organisation=orgs.council, post="Chief Executive")
    governance.delegation_rule_create(
        **common, organisation=orgs.ccg, role=Role.FINANCE_OFFICER, limit=Decimal("50000.00")
    )
    governance.delegation_rule_create(**common, organisation=orgs.ccg, post="Accountable Officer")
    people.viewer.job_title = "Chief Executive"  # a council member
    people.viewer.save()
    people.board_member.job_title = "Accountable Officer"  # a CCG member
    people.board_member.save()
    return common


def _decision(southampton, people, resources, kind="contract"):
    decision = governance.decision_create(
        actor=people.commissioner,
        partnership=southampton,
        title="Decommission supported living at Regents Park",
        kind=kind,
        board=Board.objects.filter(partnership=southampton).order_by("pk").first(),
        summary="The service has failed its KPIs for a year.",
        recommendations="End the contract and move people to other providers.",
        reasons="Remedial plans have not worked.",
        legal_implications="Notice under clause 12.",
        rejected_options=[("Re-procure", "The market cannot supply it at this price.")],
        resources=resources,
    )
    return governance.decision_propose(actor=people.commissioner, partnership=southampton, decision=decision)


def _approve(southampton, decision, actor, organisation):
    return governance.decision_approve(
        actor=actor, partnership=southampton, decision=decision, organisation=organisation
    )


def _approved_decision(southampton, people, orgs):
    decision = _decision(
        southampton,
        people,
        [(orgs.council, 2027, Decimal("531510.00")), (orgs.ccg, 2027, Decimal("227790.00"))],
    )
    _approve(southampton, decision, people.viewer, orgs.council)
    _approve(southampton, decision, people.board_member, orgs.ccg)
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    return decision


def _consultation(southampton, people, closes_on, title="Supported living: the proposal"):
    return Consultation.objects.create(
        partnership=southampton,
        title=title,
        purpose="Ask residents and families about ending the service.",
        opens_on=closes_on - dt.timedelta(days=60),
        closes_on=closes_on,
        created_by=people.commissioner,
    )


def _current(contract, today):
    return list(
        Placement.objects.filter(contract=contract)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
        .order_by("person_ref", "pk")
    )


USERS = 5  # people using the service: the current placements, and the rest in a cohort


def _fill(stage, case, ctx):
    """Record complete evidence for one stage."""
    actor = ctx.people.commissioner
    if stage == "rationale":
        services.update_rationale(
            actor=actor,
            case=case,
            rationale="Four quarters of special cause concern on tenancy sustainment.",
            evidence_kpis=list(Kpi.objects.filter(contract=case.contract)[:1]),
        )
    elif stage == "options":
        for option in ("remodel", "reprocure", "decommission"):
            services.save_appraisal(actor=actor, case=case, option=option, appraisal=f"The {option} option.")
        services.choose_option(actor=actor, case=case, option="decommission")
    elif stage == "risk":
        services.update_risk_summary(
            actor=actor, case=case, users_affected=USERS, risk_summary="Moves unsettle residents."
        )
        services.add_risk(
            actor=actor,
            case=case,
            description="Loss of tenancy",
            likelihood=4,
            impact=4,
            mitigation="Housing",
        )
    elif stage == "consultation":
        services.link_consultation(
            actor=actor, case=case, consultation=_consultation(ctx.southampton, ctx.people, ctx.today)
        )
    elif stage == "equality":
        services.record_equality(
            actor=actor, case=case, summary="Disabled adults most affected.", outcome="adjust"
        )
    elif stage == "transition":
        move_by = add_months(ctx.today, 2)
        placements = _current(case.contract, ctx.today)
        for placement in placements:
            services.add_arrangement(
                actor=actor,
                case=case,
                placement=placement,
                arrangement="Moves to a new flat.",
                move_by=move_by,
            )
        services.add_arrangement(
            actor=actor,
            case=case,
            cohort="Outreach tenants",
            people=USERS - len(placements),
            arrangement="Support transfers to the outreach team.",
            move_by=move_by,
        )
    elif stage == "notice":
        services.record_notice(
            actor=actor, case=case, notice_served_on=ctx.today, service_ends_on=add_months(ctx.today, 4)
        )
    elif stage == "decision":
        services.link_decision(
            actor=actor, case=case, decision=_approved_decision(ctx.southampton, ctx.people, ctx.orgs)
        )


@pytest.fixture
def ctx(southampton, people, orgs, today, scheme):
    return SimpleNamespace(southampton=southampton, people=people, orgs=orgs, today=today)


def _advance_to(case, stage, ctx):
    """Fill each stage's evidence and move on, until the case is at ``stage``."""
    while case.stage != stage:
        _fill(case.stage, case, ctx)
        case = services.advance(actor=ctx.people.commissioner, case=case)
    return case


def _refused(case, ctx):
    with pytest.raises(ValidationError) as error:
        services.advance(actor=ctx.people.commissioner, case=case)
    case.refresh_from_db()
    return error.value.message_dict["__all__"]


# Opening ---------------------------------------------------------------------------------------


def test_a_case_is_numbered_audited_and_one_is_open_per_contract(case, contract, people, today, southampton):
    prefix = f"DC-{today.year}-"
    assert case.reference.startswith(prefix)
    other = Contract.objects.filter(partnership=southampton, status="active").exclude(pk=contract.pk).first()
    second = services.open_case(actor=people.commissioner, contract=other, title="Another")
    assert int(second.reference.removeprefix(prefix)) == int(case.reference.removeprefix(prefix)) + 1
    assert case.stage == CaseStage.RATIONALE
    event = AuditEvent.objects.get(object_id=str(case.pk), object_type__model="decommissioningcase")
    assert (event.action, event.actor) == (AuditEvent.Action.CREATE, people.commissioner)
    with pytest.raises(ValidationError) as error:
        services.open_case(actor=people.commissioner, contract=contract, title="Again")
    assert _messages(error, "contract") == [f"Case {case.reference} is already open for contract {CONTRACT}."]
    with pytest.raises(ValidationError) as error:
        services.open_case(actor=people.commissioner, contract=contract, title="  ")
    assert "title" in error.value.message_dict


# Each stage refuses with what is missing ----------------------------------------------------------


def test_rationale_needs_its_text_and_a_kpi_of_this_contract(case, ctx, southampton):
    assert _refused(case, ctx) == [
        "Give the rationale: why the service should change or end.",
        f"Link at least one KPI of contract {CONTRACT} as performance evidence.",
    ]
    services.update_rationale(
        actor=ctx.people.commissioner, case=case, rationale="Failing.", evidence_kpis=[]
    )
    assert _refused(case, ctx) == [f"Link at least one KPI of contract {CONTRACT} as performance evidence."]
    other = Kpi.objects.filter(contract__partnership=southampton).exclude(contract=case.contract).first()
    with pytest.raises(ValidationError) as error:
        services.update_rationale(
            actor=ctx.people.commissioner, case=case, rationale="Failing.", evidence_kpis=[other]
        )
    assert _messages(error, "evidence_kpis") == [
        f"Only KPIs of contract {CONTRACT} can be evidence; {other.code} is another contract's."
    ]
    _fill("rationale", case, ctx)
    case = services.advance(actor=ctx.people.commissioner, case=case, note="Evidence agreed")
    assert case.stage == CaseStage.OPTIONS
    step = CaseStep.objects.get(case=case)
    assert (step.from_stage, step.to_stage, step.moved_by, step.note) == (
        "rationale",
        "options",
        ctx.people.commissioner,
        "Evidence agreed",
    )
    event = AuditEvent.objects.get(
        object_id=str(case.pk), object_type__model="decommissioningcase", action=AuditEvent.Action.STATE
    )
    assert (event.before, event.after["stage"]) == ({"stage": "rationale"}, "options")


def test_options_need_every_option_appraised_and_one_chosen(case, ctx):
    case = _advance_to(case, "options", ctx)
    services.save_appraisal(actor=ctx.people.commissioner, case=case, option="remodel", appraisal="Smaller.")
    with pytest.raises(ValidationError) as error:
        services.choose_option(actor=ctx.people.commissioner, case=case, option="decommission")
    assert _messages(error, "chosen_option") == ["Appraise decommission before choosing it."]
    assert _refused(case, ctx) == [
        "Appraise every option (remodel, re-procure and decommission): re-procure, decommission are not "
        "appraised yet.",
        "Choose the option to take forward.",
    ]
    with pytest.raises(ValidationError) as error:
        services.save_appraisal(
            actor=ctx.people.commissioner, case=case, option="reprocure", appraisal="x", annual_cost=1.5
        )
    assert "annual_cost" in error.value.message_dict
    _fill("options", case, ctx)
    assert services.advance(actor=ctx.people.commissioner, case=case).stage == CaseStage.RISK


def test_risk_needs_people_a_summary_a_risk_and_mitigation_of_high_risks(case, ctx):
    case = _advance_to(case, "risk", ctx)
    assert _refused(case, ctx) == [
        "Record how many people use the service now.",
        "Summarise the risk to the people using the service.",
        "Add at least one risk to the people using the service, scored for likelihood and impact.",
    ]
    actor = ctx.people.commissioner
    services.update_risk_summary(actor=actor, case=case, users_affected=USERS, risk_summary="Moves unsettle.")
    high = services.add_risk(actor=actor, case=case, description="Loss of tenancy", likelihood=5, impact=3)
    services.add_risk(actor=actor, case=case, description="Longer journeys", likelihood=2, impact=2)
    assert _refused(case, ctx) == [
        "Every risk scored 15 or more needs a mitigation: 1 risk has none (Loss of tenancy (15))."
    ]
    with pytest.raises(ValidationError) as error:
        services.add_risk(actor=actor, case=case, description="Bad", likelihood=6, impact=1)
    assert _messages(error, "likelihood") == ["Likelihood is scored from 1 (lowest) to 5 (highest), not 6."]
    services.update_risk(
        actor=actor,
        risk=high,
        description="Loss of tenancy",
        likelihood=5,
        impact=3,
        mitigation="Housing team",
    )
    assert services.advance(actor=actor, case=case).stage == CaseStage.CONSULTATION


def test_the_consultation_must_be_this_partnerships_and_closed(case, ctx, nottinghamshire):
    case = _advance_to(case, "consultation", ctx)
    assert _refused(case, ctx) == ["Link the consultation on the proposal."]
    still_open = _consultation(ctx.southampton, ctx.people, ctx.today + dt.timedelta(days=10))
    services.link_consultation(actor=ctx.people.commissioner, case=case, consultation=still_open)
    closes = ctx.today + dt.timedelta(days=10)
    assert _refused(case, ctx) == [
        f"The consultation 'Supported living: the proposal' is still open: it closes on {closes.day} "
        f"{closes:%B %Y}, and the case can move on once it has closed."
    ]
    elsewhere = Consultation.objects.create(
        partnership=nottinghamshire,
        title="Elsewhere",
        purpose="x",
        opens_on=ctx.today - dt.timedelta(days=30),
        closes_on=ctx.today - dt.timedelta(days=1),
        created_by=ctx.people.commissioner,
    )
    with pytest.raises(ValidationError) as error:
        services.link_consultation(actor=ctx.people.commissioner, case=case, consultation=elsewhere)
    assert _messages(error, "consultation") == ["That consultation is another partnership's."]
    _fill("consultation", case, ctx)
    assert services.advance(actor=ctx.people.commissioner, case=case).stage == CaseStage.EQUALITY


def test_an_equality_outcome_of_stop_holds_the_case(case, ctx):
    case = _advance_to(case, "equality", ctx)
    assert _refused(case, ctx) == [
        "Summarise the equality impact assessment: who is affected, and how.",
        "Record the outcome of the equality impact assessment.",
    ]
    services.record_equality(
        actor=ctx.people.commissioner, case=case, summary="Disabled adults.", outcome="stop"
    )
    (message,) = _refused(case, ctx)
    assert message.startswith("The equality impact assessment says stop and rethink")
    _fill("equality", case, ctx)
    assert services.advance(actor=ctx.people.commissioner, case=case).stage == CaseStage.TRANSITION


def test_the_transition_plan_must_cover_every_current_placement(case, ctx, contract, southampton):
    case = _advance_to(case, "transition", ctx)
    placements = _current(contract, ctx.today)
    assert len(placements) >= 2
    refs = ", ".join(p.person_ref for p in placements)
    assert _refused(case, ctx) == [
        f"Add a transition arrangement for every current placement: {len(placements)} placements have none "
        f"({refs}).",
        f"{USERS} people use the service and {len(placements)} are in placements on the contract: "
        f"add a cohort arrangement for the other {USERS - len(placements)} (0 covered so far).",
    ]
    actor, move_by = ctx.people.commissioner, add_months(ctx.today, 3)
    services.add_arrangement(
        actor=actor, case=case, placement=placements[0], arrangement="New flat.", move_by=move_by
    )
    assert _refused(case, ctx)[0] == (
        "Add a transition arrangement for every current placement: "
        f"{len(placements) - 1} placement{'s have' if len(placements) > 2 else ' has'} none "
        f"({', '.join(p.person_ref for p in placements[1:])})."
    )
    elsewhere = Placement.objects.filter(partnership=southampton).exclude(contract=contract).first()
    with pytest.raises(ValidationError) as error:
        services.add_arrangement(
            actor=actor, case=case, placement=elsewhere, arrangement="x", move_by=move_by
        )
    assert _messages(error, "placement")[0].startswith(f"Placement {elsewhere.person_ref} is not on contract")
    with pytest.raises(ValidationError) as error:
        services.add_arrangement(
            actor=actor, case=case, placement=placements[0], arrangement="Twice", move_by=move_by
        )
    assert _messages(error, "placement") == [
        f"Placement {placements[0].person_ref} already has an arrangement."
    ]
    with pytest.raises(ValidationError) as error:
        services.add_arrangement(
            actor=actor,
            case=case,
            cohort="Late",
            arrangement="x",
            move_by=contract.ends_on + dt.timedelta(days=1),
        )
    assert _messages(error, "move_by") == [
        f"The move must be done by the time contract {CONTRACT} ends ({contract.ends_on.day} "
        f"{contract.ends_on:%B %Y})."
    ]
    with pytest.raises(ValidationError) as error:
        services.add_arrangement(actor=actor, case=case, arrangement="Nobody", move_by=move_by)
    assert "cohort" in error.value.message_dict
    for placement in placements[1:]:
        services.add_arrangement(
            actor=actor, case=case, placement=placement, arrangement="Flat.", move_by=move_by
        )
    assert len(_refused(case, ctx)) == 1  # the cohort is still missing
    services.add_arrangement(
        actor=actor,
        case=case,
        cohort="Outreach",
        people=USERS - len(placements),
        arrangement="x",
        move_by=move_by,
    )
    assert services.advance(actor=actor, case=case).stage == CaseStage.NOTICE


def test_the_notice_period_comes_from_the_contract(case, ctx, contract):
    case = _advance_to(case, "notice", ctx)
    assert contract.notice_months == 3
    assert _refused(case, ctx) == [
        "Record the date notice was served on the provider.",
        "Record the date the service ends.",
    ]
    actor = ctx.people.commissioner
    earliest = add_months(ctx.today, 3)
    services.record_notice(
        actor=actor, case=case, notice_served_on=ctx.today, service_ends_on=earliest - dt.timedelta(days=1)
    )
    assert _refused(case, ctx) == [
        f"The service cannot end before {earliest.day} {earliest:%B %Y}: contract {CONTRACT} needs 3 months' "
        f"notice, and notice was served on {ctx.today.day} {ctx.today:%B %Y}."
    ]
    assert selectors.case_page(case).earliest_end == earliest
    with pytest.raises(ValidationError) as error:
        services.record_notice(
            actor=actor,
            case=case,
            notice_served_on=ctx.today + dt.timedelta(days=1),
            service_ends_on=earliest,
        )
    assert "notice_served_on" in error.value.message_dict
    services.record_notice(
        actor=actor,
        case=case,
        notice_served_on=ctx.today,
        service_ends_on=contract.ends_on + dt.timedelta(days=1),
    )
    assert _refused(case, ctx) == [
        f"The service cannot end after the contract does ({contract.ends_on.day} {contract.ends_on:%B %Y})."
    ]
    # The moves in the plan are two months away: ending sooner leaves them after the end.
    services.record_notice(
        actor=actor,
        case=case,
        notice_served_on=add_months(ctx.today, -3),
        service_ends_on=add_months(ctx.today, 1),
    )
    (message,) = _refused(case, ctx)
    assert "transition arrangements move people after the service ends" in message
    services.record_notice(actor=actor, case=case, notice_served_on=ctx.today, service_ends_on=earliest)
    assert services.advance(actor=actor, case=case).stage == CaseStage.DECISION


def test_the_decision_must_be_approved_for_every_funder_under_its_scheme(
    case, ctx, southampton, people, orgs
):
    case = _advance_to(case, "decision", ctx)
    assert _refused(case, ctx) == ["Link the decision, taken by the body the scheme of delegation requires."]
    budget = _decision(southampton, people, [], kind="budget")
    with pytest.raises(ValidationError) as error:
        services.link_decision(actor=people.commissioner, case=case, decision=budget)
    assert "decision" in error.value.message_dict
    # Proposed, not yet approved.
    decision = _decision(southampton, people, [(orgs.council, 2027, Decimal("531510.00"))])
    services.link_decision(actor=people.commissioner, case=case, decision=decision)
    assert _refused(case, ctx) == [
        f"Decision {decision.reference} is proposed, not approved: "
        "the case completes only once it is approved.",
        f"Decision {decision.reference} has no approval for {CCG}, "
        "which funds £227,790.00 a year of the contract; it needs the Accountable Officer.",
        f"Decision {decision.reference} has no approval for Southampton City Council, "
        "which funds £531,510.00 a year of the contract; it needs the Chief Executive.",
    ]
    # Approved for the council only: the CCG, which also funds the contract, has not decided.
    _approve(southampton, decision, people.viewer, orgs.council)
    assert _refused(case, ctx) == [
        f"Decision {decision.reference} has no approval for {CCG}, "
        "which funds £227,790.00 a year of the contract; it needs the Accountable Officer.",
    ]
    # Approved for both, but by officers whose limits are below each partner's share of the contract.
    small = _decision(
        southampton,
        people,
        [(orgs.council, 2027, Decimal("20000.00")), (orgs.ccg, 2027, Decimal("20000.00"))],
    )
    _approve(southampton, small, people.commissioner, orgs.council)
    _approve(southampton, small, people.finance, orgs.ccg)
    services.link_decision(actor=people.commissioner, case=case, decision=small)
    assert _refused(case, ctx) == [
        f"{CCG} approved decision {small.reference} under a finance officer (up to £50,000.00), "
        "but it funds £227,790.00 a year of the contract; it needs the Accountable Officer.",
        f"Southampton City Council approved decision {small.reference} under a commissioner "
        "(up to £25,000.00), but it funds £531,510.00 a year of the contract; it needs the Chief Executive.",
    ]
    page = selectors.case_page(case)
    assert [(row.funder.name, row.approvers, row.covered) for row in page.funders] == [
        ("NHS Southampton City Clinical Commissioning Group", ["the Accountable Officer (no limit)"], False),
        ("Southampton City Council", ["the Chief Executive (no limit)"], False),
    ]
    _fill("decision", case, ctx)
    case = services.advance(actor=people.commissioner, case=case)
    assert (case.stage, case.completed_on) == (CaseStage.COMPLETE, ctx.today)


# No skipping, the full path, and going back ---------------------------------------------------------


def test_no_stage_can_be_skipped_or_changed_once_passed(case, ctx, southampton, people, orgs):
    case = _advance_to(case, "transition", ctx)
    decision = _approved_decision(southampton, people, orgs)
    with pytest.raises(ValidationError) as error:
        services.link_decision(actor=people.commissioner, case=case, decision=decision)
    assert _messages(error) == [
        f"Case {case.reference} is at the transition plan stage: the decision stage cannot start until every "
        "stage before it is complete."
    ]
    with pytest.raises(ValidationError):
        services.record_notice(
            actor=people.commissioner, case=case, notice_served_on=ctx.today, service_ends_on=ctx.today
        )
    with pytest.raises(ValidationError) as error:
        services.update_rationale(actor=people.commissioner, case=case, rationale="Changed", evidence_kpis=[])
    assert _messages(error) == [
        f"The rationale and performance evidence stage of {case.reference} is complete; "
        "reopen the case at that stage to change it."
    ]
    case.refresh_from_db()
    assert (case.stage, case.decision_id, case.notice_served_on) == ("transition", None, None)
    # Advancing never moves more than one stage, and not without the transition plan.
    assert _refused(case, ctx)
    assert case.stage == "transition"


def test_the_full_path_to_complete_writes_a_step_and_an_audit_event_per_move(case, ctx):
    case = _advance_to(case, "complete", ctx)
    assert case.completed_on == ctx.today
    steps = list(CaseStep.objects.filter(case=case).values_list("from_stage", "to_stage"))
    assert steps == list(zip(STAGES, [*STAGES[1:], "complete"], strict=True))
    moves = AuditEvent.objects.filter(
        object_id=str(case.pk), object_type__model="decommissioningcase", action=AuditEvent.Action.STATE
    ).order_by("id")
    assert [(e.before["stage"], e.after["stage"]) for e in moves] == steps
    assert moves.last().summary == f"{case.reference} complete"
    # Every piece of evidence was audited as well, with the case it belongs to.
    risk = CaseRisk.objects.get(case=case)
    assert AuditEvent.objects.filter(object_type__model="caserisk", object_id=str(risk.pk)).exists()
    assert selectors.case_history(case).filter(object_type__model="transitionarrangement").count() == 2 + 1
    with pytest.raises(ValidationError):
        services.advance(actor=ctx.people.commissioner, case=case)
    with pytest.raises(ValidationError):
        services.withdraw(actor=ctx.people.commissioner, case=case, reason="Too late")
    page = selectors.case_page(case)
    assert {row.state for row in page.stages} == {"completed"}


def test_completing_checks_every_stage_again(case, ctx, contract):
    case = _advance_to(case, "decision", ctx)
    _fill("decision", case, ctx)
    newcomer = Placement.objects.create(
        partnership=contract.partnership,
        person_ref="P-NEWCOMER",
        provider=contract.provider,
        contract=contract,
        service_type="supported_living",
        unit_price=Decimal("100.00"),
        units_per_week=Decimal("1.00"),
        weekly_cost=Decimal("100.00"),
        starts_on=ctx.today,
        funding_organisation=ctx.orgs.council,
    )
    assert _refused(case, ctx) == [
        "Transition plan: Add a transition arrangement for every current placement: 1 placement has none "
        f"({newcomer.person_ref})."
    ]
    assert case.stage == "decision"


def test_a_case_reopens_at_an_earlier_stage_with_a_reason_and_is_withdrawn_with_one(case, ctx):
    case = _advance_to(case, "equality", ctx)
    actor = ctx.people.commissioner
    with pytest.raises(ValidationError) as error:
        services.reopen(actor=actor, case=case, stage="options", reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.reopen(actor=actor, case=case, stage="notice", reason="Later")
    assert "stage" in error.value.message_dict
    case = services.reopen(actor=actor, case=case, stage="options", reason="Remodel costed again")
    assert case.stage == "options"
    step = CaseStep.objects.filter(case=case).last()
    assert (step.from_stage, step.to_stage, step.note) == ("equality", "options", "Remodel costed again")
    services.save_appraisal(actor=actor, case=case, option="remodel", appraisal="Recosted.")
    # The later stages' evidence is still there: the case moves through them again.
    for stage in ("risk", "consultation", "equality"):
        case = services.advance(actor=actor, case=case)
        assert case.stage == stage
    with pytest.raises(ValidationError) as error:
        services.withdraw(actor=actor, case=case, reason="")
    assert "reason" in error.value.message_dict
    case = services.withdraw(actor=actor, case=case, reason="Performance recovered")
    assert (case.stage, case.withdrawn_reason) == ("withdrawn", "Performance recovered")
    assert [row.state for row in selectors.case_page(case).stages][3:6] == [
        "completed",
        "withdrawn",
        "cannot_start",
    ]
    with pytest.raises(ValidationError):
        services.advance(actor=actor, case=case)
    # A withdrawn case no longer blocks a new one for the same contract.
    again = services.open_case(actor=actor, contract=case.contract, title="Second attempt")
    assert again.stage == "rationale" and again.reference != case.reference


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.FINANCE_OFFICER, Role.BOARD_MEMBER, Role.PROVIDER_CONTACT]
)
def test_only_those_who_manage_performance_open_or_move_cases(role, user_for, case, contract):
    someone = user_for("southampton", role)
    before = DecommissioningCase.objects.count(), CaseStep.objects.count()
    with pytest.raises(NotPermitted):
        services.open_case(actor=someone, contract=contract, title="Mine")
    with pytest.raises(NotPermitted):
        services.advance(actor=someone, case=case)
    with pytest.raises(NotPermitted):
        services.withdraw(actor=someone, case=case, reason="No")
    assert (DecommissioningCase.objects.count(), CaseStep.objects.count()) == before


def test_cases_are_scoped_to_the_partnership_and_visible_contracts(case, people, nottinghamshire, user_for):
    assert selectors.case_in(case.partnership, people.viewer, case.pk) == case
    with pytest.raises(DecommissioningCase.DoesNotExist):
        selectors.case_in(case.partnership, people.provider, case.pk)
    with pytest.raises(DecommissioningCase.DoesNotExist):
        selectors.case_in(nottinghamshire, user_for("nottinghamshire", Role.ADMINISTRATOR), case.pk)
