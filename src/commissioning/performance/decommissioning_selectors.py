"""Reads for decommissioning cases, scoped to the partnership and to the contracts the user may see.

``evidence_for`` gathers everything the stage checks in ``performance.decommissioning`` read, in a
fixed number of queries, so the page that lists what is missing and the service that refuses to
advance always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Funding, Kpi, Placement
from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent
from commissioning.engagement.models import Consultation
from commissioning.governance import rules
from commissioning.governance.models import Approval, Decision
from commissioning.governance.services import as_rule, delegation_rules
from commissioning.market.models import Provider
from commissioning.partners.models import Partnership
from commissioning.performance import decommissioning as checks
from commissioning.performance.models import (
    AppraisalOption,
    CaseRisk,
    CaseStage,
    CaseStep,
    DecommissioningCase,
    OptionAppraisal,
    Review,
    TransitionArrangement,
)
from commissioning.performance.scope import visible_contracts
from commissioning.performance.series import SpcReading, readings_for

OPEN_STAGES = [CaseStage(stage) for stage in checks.STAGES]
STAGE_LABELS = {str(value): str(label) for value, label in CaseStage.choices}
LIST_HEADERS = ("Reference", "Title", "Contract", "Provider", "Stage", "Opened on", "Completed on")


def today() -> dt.date:
    return timezone.localdate()


# Choices for forms ---------------------------------------------------------------------------


def contracts_for_cases(user: Any, partnership: Partnership) -> QuerySet[Contract]:
    """Contracts a case can be opened for: the user's visible, live contracts."""
    return (
        visible_contracts(user, partnership)
        .filter(status__in=[ContractStatus.ACTIVE, ContractStatus.DRAFT])
        .select_related("provider__organisation")
        .order_by("reference")
    )


def kpis_of(contract: Contract) -> QuerySet[Kpi]:
    return Kpi.objects.filter(contract=contract).order_by("position", "code")


def reviews_of(contract: Contract) -> QuerySet[Review]:
    return Review.objects.filter(contract=contract).order_by("-opened_at")


def consultations_of(partnership: Partnership) -> QuerySet[Consultation]:
    return Consultation.objects.filter(partnership=partnership).order_by("-closes_on", "title")


def decisions_for(partnership: Partnership) -> QuerySet[Decision]:
    """Decisions that can decide a case: contract or service-change decisions of the partnership."""
    return Decision.objects.filter(partnership=partnership, kind__in=checks.DECISION_KINDS).order_by(
        "-created_at"
    )


def providers_of(partnership: Partnership) -> QuerySet[Provider]:
    return Provider.objects.filter(partnership=partnership).select_related("organisation")


def current_placements(contract: Contract, on: dt.date) -> QuerySet[Placement]:
    """Placements on the contract still running after ``on``: these people need somewhere to go."""
    return (
        Placement.objects.filter(contract=contract)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
        .order_by("person_ref", "pk")
    )


# Cases ---------------------------------------------------------------------------------------


def cases_in(partnership: Partnership, user: Any) -> QuerySet[DecommissioningCase]:
    """The partnership's cases about contracts the user may see, newest first."""
    return DecommissioningCase.objects.filter(
        partnership=partnership, contract__in=visible_contracts(user, partnership)
    ).select_related("contract__provider__organisation")


def case_in(partnership: Partnership, user: Any, pk: int) -> DecommissioningCase:
    """One case, or ``DoesNotExist`` when it is not the partnership's or not visible to the user."""
    return cases_in(partnership, user).select_related("consultation", "decision").get(pk=pk)


def case_rows(partnership: Partnership, user: Any) -> list[tuple[Any, ...]]:
    return [
        (
            case.reference,
            case.title,
            case.contract.reference,
            case.contract.provider.organisation.name,
            case.get_stage_display(),
            timezone.localdate(case.opened_at),
            case.completed_on,
        )
        for case in cases_in(partnership, user)
    ]


def risk_in(case: DecommissioningCase, pk: int) -> CaseRisk:
    return CaseRisk.objects.get(case=case, pk=pk)


def arrangement_in(case: DecommissioningCase, pk: int) -> TransitionArrangement:
    return TransitionArrangement.objects.get(case=case, pk=pk)


def appraisal_of(case: DecommissioningCase, option: str) -> OptionAppraisal | None:
    return OptionAppraisal.objects.filter(case=case, option=option).first()


# The evidence the stage checks read -----------------------------------------------------------


def _decision(decision: Decision | None, partnership_id: int) -> checks.Decision | None:
    if decision is None:
        return None
    approvals = Approval.objects.filter(decision=decision).select_related("rule__board")
    return checks.Decision(
        reference=decision.reference,
        kind=decision.kind,
        kind_label=decision.get_kind_display(),
        state=decision.state,
        state_label=decision.get_state_display(),
        approvals=tuple(checks.Approval(a.organisation_id, as_rule(a.rule)) for a in approvals),
        same_partnership=decision.partnership_id == partnership_id,
    )


def _funders(contract: Contract) -> list[checks.Funder]:
    rows = Funding.objects.filter(contract=contract).order_by("organisation__name", "pk")
    return checks.annual_shares(
        contract.annual_value,
        contract.lifetime_value,
        list(rows.values_list("organisation_id", "organisation__name", "amount")),
    )


def evidence_for(case: DecommissioningCase, on: dt.date | None = None) -> checks.Evidence:
    """Everything the stage checks need to know about the case, as of ``on`` (default today)."""
    on = on or today()
    contract = case.contract
    kpis = list(case.evidence_kpis.values_list("code", "contract_id"))
    consultation = case.consultation
    return checks.Evidence(
        today=on,
        contract_reference=contract.reference,
        contract_ends_on=contract.ends_on,
        notice_months=contract.notice_months,
        rationale=case.rationale,
        evidence_kpis=tuple(code for code, contract_id in kpis if contract_id == contract.pk),
        foreign_kpis=tuple(code for code, contract_id in kpis if contract_id != contract.pk),
        appraisals=dict(OptionAppraisal.objects.filter(case=case).values_list("option", "appraisal")),
        chosen_option=case.chosen_option,
        users_affected=case.users_affected,
        risk_summary=case.risk_summary,
        risks=tuple(
            checks.Risk(r.description, r.likelihood, r.impact, r.mitigation)
            for r in CaseRisk.objects.filter(case=case)
        ),
        consultation=None
        if consultation is None
        else checks.Consultation(
            consultation.title, consultation.closes_on, consultation.partnership_id == case.partnership_id
        ),
        equality_summary=case.equality_summary,
        equality_outcome=case.equality_outcome,
        placements=tuple(
            checks.Placement(p.pk, p.person_ref) for p in current_placements(contract, on).only("person_ref")
        ),
        arrangements=tuple(
            checks.Arrangement(
                a.placement_id, a.placement.person_ref if a.placement else a.cohort, a.people, a.move_by
            )
            for a in TransitionArrangement.objects.filter(case=case).select_related("placement")
        ),
        notice_served_on=case.notice_served_on,
        service_ends_on=case.service_ends_on,
        decision=_decision(case.decision, case.partnership_id),
        funders=tuple(_funders(contract)),
        scheme=tuple(delegation_rules(case.partnership)),
    )


def missing_now(case: DecommissioningCase, on: dt.date | None = None) -> list[str]:
    """What the case's current stage lacks (nothing for a closed case)."""
    if case.stage not in checks.STAGES:
        return []
    return checks.missing(case.stage, evidence_for(case, on))


# The case page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    state: str  # completed, current, cannot_start, withdrawn
    url_name: str


@dataclass(frozen=True)
class OptionRow:
    option: str
    label: str
    appraisal: OptionAppraisal | None
    chosen: bool


@dataclass(frozen=True)
class RiskRow:
    risk: CaseRisk
    score: int
    high: bool


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    arrangement: TransitionArrangement | None


@dataclass(frozen=True)
class FunderRow:
    funder: checks.Funder
    approvers: list[str]
    approval: Approval | None
    covered: bool


@dataclass(frozen=True)
class CasePage:
    case: DecommissioningCase
    stages: list[StageRow]
    missing: list[str]
    next_label: str
    is_open: bool
    readings: list[SpcReading]
    reviews: list[Review]
    options: list[OptionRow]
    risks: list[RiskRow]
    placements: list[PlacementRow]
    arrangements: list[TransitionArrangement]
    cohort_people: int
    earliest_end: dt.date | None
    funders: list[FunderRow]
    decision_kind: str
    steps: list[CaseStep]
    history: QuerySet[AuditEvent]
    high_risk: int = checks.HIGH_RISK


def _reached(case: DecommissioningCase, steps: list[CaseStep]) -> str:
    """The open stage the case had reached: for a withdrawn case, the one it was withdrawn from."""
    if case.stage == CaseStage.WITHDRAWN:
        return steps[-1].from_stage if steps else CaseStage.RATIONALE
    return case.stage


def _stage_rows(case: DecommissioningCase, steps: list[CaseStep]) -> list[StageRow]:
    reached = _reached(case, steps)
    rows = []
    for stage in OPEN_STAGES:
        if case.stage == CaseStage.COMPLETE or (
            reached in checks.STAGES and checks.is_before(stage, reached)
        ):
            state = "completed"
        elif stage == reached:
            state = "withdrawn" if case.stage == CaseStage.WITHDRAWN else "current"
        else:
            state = "cannot_start"
        rows.append(StageRow(str(stage), STAGE_LABELS[stage], state, f"decommissioning:{stage}"))
    return rows


def _funder_rows(case: DecommissioningCase, evidence: checks.Evidence) -> tuple[list[FunderRow], str]:
    kind = case.decision.kind if case.decision is not None else "contract"
    approvals: dict[int, Approval] = {}
    if case.decision is not None:
        approvals = {
            a.organisation_id: a
            for a in Approval.objects.filter(decision=case.decision).select_related(
                "rule__board", "approved_by", "meeting__board"
            )
        }
    rows = []
    for funder in evidence.funders:
        approval = approvals.get(funder.organisation_id)
        labels = [
            rule.label
            for rule in rules.approvers_for(
                evidence.scheme,
                organisation_id=funder.organisation_id,
                decision_kind=kind,
                amount=funder.annual_share,
            )
        ]
        covered = approval is not None and rules.within(as_rule(approval.rule), funder.annual_share)
        rows.append(FunderRow(funder, labels, approval, covered))
    return rows, kind


def case_page(case: DecommissioningCase, on: dt.date | None = None) -> CasePage:
    """Everything the case page shows, read in a fixed number of queries."""
    on = on or today()
    evidence = evidence_for(case, on)
    steps = list(CaseStep.objects.filter(case=case).select_related("moved_by"))
    is_open = case.stage in checks.STAGES
    appraisals = {a.option: a for a in OptionAppraisal.objects.filter(case=case)}
    arrangements = list(
        TransitionArrangement.objects.filter(case=case).select_related(
            "placement", "new_provider__organisation"
        )
    )
    by_placement = {a.placement_id: a for a in arrangements if a.placement_id is not None}
    kpis = case.evidence_kpis.select_related("contract").order_by("position", "code")
    funders, kind = _funder_rows(case, evidence)
    return CasePage(
        case=case,
        stages=_stage_rows(case, steps),
        missing=checks.missing(case.stage, evidence) if is_open else [],
        next_label=STAGE_LABELS[checks.next_stage(case.stage)] if is_open else "",
        is_open=is_open,
        readings=readings_for(kpis, until=on),
        reviews=list(case.reviews.order_by("-opened_at")),
        options=[
            OptionRow(str(value), str(label), appraisals.get(value), case.chosen_option == value)
            for value, label in AppraisalOption.choices
        ],
        risks=[
            RiskRow(r, r.likelihood * r.impact, r.likelihood * r.impact >= checks.HIGH_RISK)
            for r in CaseRisk.objects.filter(case=case)
        ],
        placements=[PlacementRow(p, by_placement.get(p.pk)) for p in current_placements(case.contract, on)],
        arrangements=arrangements,
        cohort_people=sum(a.people for a in arrangements if a.placement_id is None),
        earliest_end=(
            checks.earliest_end(case.notice_served_on, case.contract.notice_months)
            if case.notice_served_on
            else None
        ),
        funders=funders,
        decision_kind=kind,
        steps=steps,
        history=case_history(case),
    )


def case_history(case: DecommissioningCase) -> QuerySet[AuditEvent]:
    """Every audited change to the case and to its appraisals, risks and arrangements, newest first.

    Child rows are found by the case they belonged to, so a removed risk's events still show.
    """
    children = [
        ContentType.objects.get_for_model(model)
        for model in (OptionAppraisal, CaseRisk, TransitionArrangement)
    ]
    own = history_for(case)
    related = AuditEvent.objects.filter(object_type__in=children).filter(
        Q(after__case=case.pk) | Q(before__case=case.pk)
    )
    return (
        AuditEvent.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=related.values("pk")))
        .select_related("actor", "object_type")
        .order_by("-occurred_at", "-id")
    )


def stage_label(stage: str) -> str:
    return STAGE_LABELS[stage]


def funder_shares(contract: Contract) -> list[checks.Funder]:
    """Each funder's share of the contract's annual value (what the scheme of delegation is read for)."""
    return _funders(contract)
