"""Writes to decommissioning cases: validated, atomic, permission-checked and audited.

A case moves one stage at a time, and only when the stage's evidence is complete
(``performance.decommissioning`` says what is missing); there is no skipping. Evidence can be
recorded only for the stage the case is at: earlier stages are settled, and later ones cannot
start yet. Going back is an explicit reopening with a reason. Every move writes a ``CaseStep``
and an audit event; every change of evidence is audited. Refusals raise ``ValidationError``
keyed by field (``__all__`` when no one field is at fault) or ``NotPermitted``, before anything
is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Kpi, Placement
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.engagement.models import Consultation
from commissioning.governance.models import Decision
from commissioning.market.models import Provider
from commissioning.partners.permissions import require_permission
from commissioning.performance import decommissioning as checks
from commissioning.performance import decommissioning_selectors as selectors
from commissioning.performance.audited import delete, save_changes, store
from commissioning.performance.models import (
    AppraisalOption,
    CaseRisk,
    CaseStage,
    CaseStep,
    DecommissioningCase,
    EqualityOutcome,
    OptionAppraisal,
    Review,
    TransitionArrangement,
)
from commissioning.performance.scope import require_contract_visible

MAX_MONEY = Decimal("999999999999.99")


# Shared checks ---------------------------------------------------------------------------


def _require(actor: User, case_or_contract: DecommissioningCase | Contract) -> None:
    partnership = case_or_contract.partnership
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    contract = case_or_contract if isinstance(case_or_contract, Contract) else case_or_contract.contract
    require_contract_visible(actor, contract)


def _locked(case: DecommissioningCase) -> DecommissioningCase:
    current = DecommissioningCase.objects.select_for_update().filter(pk=case.pk).first()
    if current is None:
        raise ValidationError({NON_FIELD_ERRORS: f"Case {case.reference} has been deleted."})
    return current


def _label(stage: str) -> str:
    return selectors.stage_label(stage)


def _at_stage(case: DecommissioningCase, stage: str) -> None:
    """Refuse a change of a stage's evidence unless the case is at that stage now."""
    if case.stage == stage:
        return
    what = _label(stage).lower()
    if case.stage in checks.CLOSED:
        message = f"Case {case.reference} is {case.get_stage_display().lower()}; its evidence cannot change."
    elif checks.is_before(stage, case.stage):
        message = (
            f"The {what} stage of {case.reference} is complete; reopen the case at that stage to change it."
        )
    else:
        message = (
            f"Case {case.reference} is at the {_label(case.stage).lower()} stage: the {what} stage "
            "cannot start until every stage before it is complete."
        )
    raise ValidationError({NON_FIELD_ERRORS: message})


def _open(case: DecommissioningCase, stage: str) -> DecommissioningCase:
    """The case locked for a change of one stage's evidence."""
    current = _locked(case)
    _at_stage(current, stage)
    return current


def _auditor(actor: User, case: DecommissioningCase | Contract) -> Auditor:
    return Auditor(actor, partnership_id=case.partnership_id)


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _money(value: Any, field: str, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError({field: f"{what} must be an exact sum of money (a Decimal), not {value!r}."})
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise ValidationError({field: f"{what} must be a sum of money from £0.00 up; {value!r} is not one."})
    if amount != amount.quantize(checks.PENNY):
        raise ValidationError({field: f"{what} is in pounds and pence; {value} has fractions of a penny."})
    return amount.quantize(checks.PENNY)


def _closed(case: DecommissioningCase) -> str:
    return case.get_stage_display().lower()


def _step(
    auditor: Auditor, case: DecommissioningCase, before: str, after: str, note: str, summary: str
) -> CaseStep:
    step = CaseStep.objects.create(
        case=case, from_stage=before, to_stage=after, moved_by=auditor.actor, note=note
    )
    auditor.record(
        AuditEvent.Action.STATE,
        case,
        before={"stage": before},
        after={"stage": after, "note": note},
        summary=summary,
    )
    return step


def _next_reference(partnership_id: int) -> str:
    """DC-<year>-<NNN>, numbered within the year the case is opened."""
    prefix = f"DC-{timezone.localdate().year}-"
    numbers = [
        int(ref[len(prefix) :])
        for ref in DecommissioningCase.objects.filter(
            partnership_id=partnership_id, reference__startswith=prefix
        ).values_list("reference", flat=True)
        if ref[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


# Opening a case --------------------------------------------------------------------------


@transaction.atomic
def open_case(*, actor: User, contract: Contract, title: str, rationale: str = "") -> DecommissioningCase:
    """Open a case for a live contract; one open case per contract at a time."""
    _require(actor, contract)
    Contract.objects.select_for_update().filter(pk=contract.pk).first()  # one opening at a time
    title, rationale = _text(title), _text(rationale)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the case a title, such as 'Decommission the day service at Woolston'."
    elif len(title) > DecommissioningCase._meta.get_field("title").max_length:  # type: ignore[operator]
        errors["title"] = "Keep the title to 200 characters."
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.DRAFT):
        errors["contract"] = (
            f"Contract {contract.reference} is {contract.get_status_display().lower()}; "
            "there is nothing to decommission."
        )
    already = (
        DecommissioningCase.objects.filter(contract=contract, stage__in=checks.STAGES).order_by("pk").first()
    )
    if already is not None:
        errors["contract"] = f"Case {already.reference} is already open for contract {contract.reference}."
    if errors:
        raise ValidationError(errors)
    case = DecommissioningCase.objects.create(
        partnership_id=contract.partnership_id,
        contract=contract,
        reference=_next_reference(contract.partnership_id),
        title=title,
        rationale=rationale,
        opened_by=actor,
    )
    _auditor(actor, contract).created(case, summary=f"Case {case.reference} opened for {contract.reference}")
    return case


# Rationale and performance evidence ----------------------------------------------------------


@transaction.atomic
def update_rationale(
    *,
    actor: User,
    case: DecommissioningCase,
    rationale: str,
    evidence_kpis: list[Kpi] | tuple[Kpi, ...],
    reviews: list[Review] | tuple[Review, ...] = (),
) -> DecommissioningCase:
    """Record why the case is made and the KPIs (and reviews) that show the performance."""
    _require(actor, case)
    case = _open(case, CaseStage.RATIONALE)
    kpis, linked = list(evidence_kpis), list(reviews)
    errors: dict[str, str] = {}
    foreign = [kpi.code for kpi in kpis if kpi.contract_id != case.contract_id]
    if foreign:
        errors["evidence_kpis"] = (
            f"Only KPIs of contract {case.contract.reference} can be evidence; {', '.join(foreign)} "
            f"{'is' if len(foreign) == 1 else 'are'} another contract's."
        )
    strangers = [review.title for review in linked if review.contract_id != case.contract_id]
    if strangers:
        errors["reviews"] = (
            f"Only reviews of contract {case.contract.reference} can be linked, not {', '.join(strangers)}."
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(case)
    case.rationale = _text(rationale)
    case.save(update_fields=["rationale"])
    case.evidence_kpis.set(kpis)
    case.reviews.set(linked)
    _auditor(actor, case).updated(case, before, summary="Rationale and performance evidence recorded")
    return case


# Options appraisal -----------------------------------------------------------------------------


@transaction.atomic
def save_appraisal(
    *,
    actor: User,
    case: DecommissioningCase,
    option: str,
    appraisal: str,
    annual_cost: Decimal | int | str | None = None,
    transition_cost: Decimal | int | str | None = None,
) -> OptionAppraisal:
    """Appraise one option (remodel, re-procure or decommission), or change its appraisal."""
    _require(actor, case)
    case = _open(case, CaseStage.OPTIONS)
    if option not in AppraisalOption.values:
        raise ValidationError(
            {"option": f"{option!r} is not an option; use remodel, reprocure or decommission."}
        )
    text = _text(appraisal)
    if not text:
        raise ValidationError({"appraisal": "Appraise the option: its benefits, costs and risks for people."})
    annual = _money(annual_cost, "annual_cost", "The annual cost")
    moving = _money(transition_cost, "transition_cost", "The transition cost")
    name = AppraisalOption(option).label
    return store(
        _auditor(actor, case),
        OptionAppraisal,
        OptionAppraisal.objects.filter(case=case, option=option).first(),
        new={"case": case, "option": option},
        fields={"appraisal": text, "annual_cost": annual, "transition_cost": moving},
        created=f"{case.reference}: {name} appraised",
        updated=f"{case.reference}: appraisal of {name.lower()} changed",
    )


@transaction.atomic
def choose_option(*, actor: User, case: DecommissioningCase, option: str) -> DecommissioningCase:
    """Choose the option to take forward: one that has been appraised."""
    _require(actor, case)
    case = _open(case, CaseStage.OPTIONS)
    if option not in AppraisalOption.values:
        raise ValidationError(
            {"chosen_option": f"{option!r} is not an option; use remodel, reprocure or decommission."}
        )
    if not OptionAppraisal.objects.filter(case=case, option=option).exists():
        raise ValidationError(
            {"chosen_option": f"Appraise {checks.OPTION_NAMES[option]} before choosing it."}
        )
    return save_changes(
        _auditor(actor, case), case, f"Option chosen: {AppraisalOption(option).label}", chosen_option=option
    )


# Risk to current service users -----------------------------------------------------------------


@transaction.atomic
def update_risk_summary(
    *, actor: User, case: DecommissioningCase, users_affected: int | None, risk_summary: str
) -> DecommissioningCase:
    """Record how many people use the service now and the risk to them, in summary."""
    _require(actor, case)
    case = _open(case, CaseStage.RISK)
    if users_affected is not None and (
        isinstance(users_affected, bool) or not isinstance(users_affected, int) or users_affected < 0
    ):
        raise ValidationError({"users_affected": "Give the number of people as a whole number, 0 or more."})
    return save_changes(
        _auditor(actor, case),
        case,
        "Risk to people using the service recorded",
        users_affected=users_affected,
        risk_summary=_text(risk_summary),
    )


def _check_risk(description: str, likelihood: Any, impact: Any) -> None:
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = "Describe the risk to the people using the service."
    for field, value, what in (("likelihood", likelihood, "Likelihood"), ("impact", impact, "Impact")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[field] = f"{what} is scored from 1 (lowest) to 5 (highest), not {value!r}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_risk(
    *,
    actor: User,
    case: DecommissioningCase,
    description: str,
    likelihood: int,
    impact: int,
    mitigation: str = "",
) -> CaseRisk:
    """Add a risk, scored likelihood × impact; one scored 15 or more needs a mitigation before moving on."""
    _require(actor, case)
    case = _open(case, CaseStage.RISK)
    description = _text(description)
    _check_risk(description, likelihood, impact)
    risk = CaseRisk.objects.create(
        case=case, description=description, likelihood=likelihood, impact=impact, mitigation=_text(mitigation)
    )
    _auditor(actor, case).created(risk, summary=f"{case.reference}: risk added, scored {likelihood * impact}")
    return risk


@transaction.atomic
def update_risk(
    *, actor: User, risk: CaseRisk, description: str, likelihood: int, impact: int, mitigation: str
) -> CaseRisk:
    """Change a risk's description, scores or mitigation."""
    case = risk.case
    _require(actor, case)
    _open(case, CaseStage.RISK)
    description = _text(description)
    _check_risk(description, likelihood, impact)
    before = snapshot(risk)
    risk.description, risk.likelihood, risk.impact = description, likelihood, impact
    risk.mitigation = _text(mitigation)
    risk.save()
    _auditor(actor, case).updated(risk, before, summary=f"{case.reference}: risk changed")
    return risk


@transaction.atomic
def remove_risk(*, actor: User, risk: CaseRisk) -> None:
    case = risk.case
    _require(actor, case)
    _open(case, CaseStage.RISK)
    delete(_auditor(actor, case), risk, f"{case.reference}: risk removed")


# Consultation ----------------------------------------------------------------------------------


@transaction.atomic
def link_consultation(
    *, actor: User, case: DecommissioningCase, consultation: Consultation
) -> DecommissioningCase:
    """Link the consultation on the proposal; the case moves on once it has closed."""
    _require(actor, case)
    case = _open(case, CaseStage.CONSULTATION)
    if consultation.partnership_id != case.partnership_id:
        raise ValidationError({"consultation": "That consultation is another partnership's."})
    return save_changes(
        _auditor(actor, case), case, f"Consultation linked: {consultation.title}", consultation=consultation
    )


# Equality impact assessment ----------------------------------------------------------------------


@transaction.atomic
def record_equality(
    *, actor: User, case: DecommissioningCase, summary: str, outcome: str
) -> DecommissioningCase:
    """Record the equality impact assessment and its outcome (a 'stop' outcome holds the case)."""
    _require(actor, case)
    case = _open(case, CaseStage.EQUALITY)
    if outcome and outcome not in EqualityOutcome.values:
        raise ValidationError(
            {"equality_outcome": f"{outcome!r} is not an outcome of an equality impact assessment."}
        )
    return save_changes(
        _auditor(actor, case),
        case,
        "Equality impact assessment recorded",
        equality_summary=_text(summary),
        equality_outcome=outcome or "",
    )


# Transition plan -------------------------------------------------------------------------------


@transaction.atomic
def update_transition_summary(*, actor: User, case: DecommissioningCase, summary: str) -> DecommissioningCase:
    _require(actor, case)
    case = _open(case, CaseStage.TRANSITION)
    return save_changes(
        _auditor(actor, case), case, "Transition plan summary recorded", transition_summary=_text(summary)
    )


@transaction.atomic
def add_arrangement(
    *,
    actor: User,
    case: DecommissioningCase,
    arrangement: str,
    move_by: dt.date,
    placement: Placement | None = None,
    cohort: str = "",
    people: int = 1,
    new_provider: Provider | None = None,
) -> TransitionArrangement:
    """Say where one placement on the contract, or a group of people (a cohort), goes and by when."""
    _require(actor, case)
    case = _open(case, CaseStage.TRANSITION)
    cohort, text = _text(cohort), _text(arrangement)
    errors: dict[str, str] = {}
    if placement is not None:
        if placement.contract_id != case.contract_id:
            errors["placement"] = (
                f"Placement {placement.person_ref} is not on contract {case.contract.reference}; "
                "describe people outside the contract's placements as a cohort."
            )
        elif TransitionArrangement.objects.filter(case=case, placement=placement).exists():
            errors["placement"] = f"Placement {placement.person_ref} already has an arrangement."
        if cohort:
            errors["cohort"] = "An arrangement is for one placement or for a cohort, not both."
    elif not cohort:
        errors["cohort"] = (
            "Choose the placement, or name the group of people (the cohort) the arrangement is for."
        )
    if isinstance(people, bool) or not isinstance(people, int) or people < 1:
        errors["people"] = "Give the number of people as a whole number, 1 or more."
    elif placement is not None and people != 1:
        errors["people"] = "An arrangement for one placement is for one person."
    if not text:
        errors["arrangement"] = "Say what happens for them: where they go and who supports the move."
    if not isinstance(move_by, dt.date):
        errors["move_by"] = "Give the date by which they move."
    else:
        last_day = case.service_ends_on or case.contract.ends_on
        if move_by > last_day:
            what = "the service ends" if case.service_ends_on else f"contract {case.contract.reference} ends"
            errors["move_by"] = f"The move must be done by the time {what} ({long_date(last_day)})."
    if new_provider is not None and new_provider.partnership_id != case.partnership_id:
        errors["new_provider"] = "That provider is not in this partnership's provider register."
    if errors:
        raise ValidationError(errors)
    row = TransitionArrangement.objects.create(
        case=case,
        placement=placement,
        cohort=cohort,
        people=people,
        arrangement=text,
        new_provider=new_provider,
        move_by=move_by,
    )
    _auditor(actor, case).created(row, summary=f"{case.reference}: transition arrangement for {row}")
    return row


@transaction.atomic
def remove_arrangement(*, actor: User, arrangement: TransitionArrangement) -> None:
    case = arrangement.case
    _require(actor, case)
    _open(case, CaseStage.TRANSITION)
    delete(_auditor(actor, case), arrangement, f"{case.reference}: transition arrangement removed")


# Notice ----------------------------------------------------------------------------------------


@transaction.atomic
def record_notice(
    *, actor: User, case: DecommissioningCase, notice_served_on: dt.date, service_ends_on: dt.date
) -> DecommissioningCase:
    """Record when notice was served and when the service ends.

    Whether the end leaves the contract's notice period is checked when the case moves on, and the
    page shows the earliest end the notice allows.
    """
    _require(actor, case)
    case = _open(case, CaseStage.NOTICE)
    errors: dict[str, str] = {}
    if not isinstance(notice_served_on, dt.date):
        errors["notice_served_on"] = "Give the date notice was served on the provider."
    elif notice_served_on > timezone.localdate():
        errors["notice_served_on"] = (
            "Record notice once it has been served: the date cannot be in the future."
        )
    if not isinstance(service_ends_on, dt.date):
        errors["service_ends_on"] = "Give the date the service ends."
    elif isinstance(notice_served_on, dt.date) and service_ends_on < notice_served_on:
        errors["service_ends_on"] = "The service cannot end before notice is served."
    if errors:
        raise ValidationError(errors)
    return save_changes(
        _auditor(actor, case),
        case,
        f"Notice recorded: the service ends on {long_date(service_ends_on)}",
        notice_served_on=notice_served_on,
        service_ends_on=service_ends_on,
    )


# Decision --------------------------------------------------------------------------------------


@transaction.atomic
def link_decision(*, actor: User, case: DecommissioningCase, decision: Decision) -> DecommissioningCase:
    """Link the governance decision on the case; the case completes once it is approved for every funder."""
    _require(actor, case)
    case = _open(case, CaseStage.DECISION)
    if decision.partnership_id != case.partnership_id:
        raise ValidationError({"decision": "That decision is another partnership's."})
    if decision.kind not in checks.DECISION_KINDS:
        raise ValidationError(
            {
                "decision": f"Decision {decision.reference} is a {decision.get_kind_display().lower()} "
                "decision; link a contract or service-change decision."
            }
        )
    return save_changes(
        _auditor(actor, case), case, f"Decision linked: {decision.reference}", decision=decision
    )


# Moving through the stages -----------------------------------------------------------------------


@transaction.atomic
def advance(*, actor: User, case: DecommissioningCase, note: str = "") -> DecommissioningCase:
    """Move the case to its next stage, refused with what is missing unless the stage is complete.

    Completing the case (from the decision) checks every stage again, so a case never closes on
    evidence the world has overtaken, such as a placement that started after the plan was made.
    """
    _require(actor, case)
    case = _locked(case)
    if case.stage in checks.CLOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"Case {case.reference} is {_closed(case)}; it cannot move on."}
        )
    evidence = selectors.evidence_for(case)
    target = checks.next_stage(case.stage)
    if target == checks.COMPLETE:
        outstanding = checks.outstanding(evidence)
        problems = [
            message if stage == case.stage else f"{_label(stage)}: {message}"
            for stage, messages in outstanding.items()
            for message in messages
        ]
    else:
        problems = checks.missing(case.stage, evidence)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    before = case.stage
    case.stage = target
    fields = ["stage"]
    if target == checks.COMPLETE:
        case.completed_on = timezone.localdate()
        fields.append("completed_on")
    case.save(update_fields=fields)
    summary = (
        f"{case.reference} complete"
        if target == checks.COMPLETE
        else f"{case.reference} moved on from {_label(before).lower()} to {_label(target).lower()}"
    )
    _step(_auditor(actor, case), case, before, target, _text(note), summary)
    return case


@transaction.atomic
def reopen(*, actor: User, case: DecommissioningCase, stage: str, reason: str) -> DecommissioningCase:
    """Take an open case back to an earlier stage to change its evidence; it moves on again from there."""
    _require(actor, case)
    case = _locked(case)
    reason = _text(reason)
    if case.stage in checks.CLOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"Case {case.reference} is {_closed(case)}; it cannot be reopened."}
        )
    if stage not in checks.STAGES or not checks.is_before(stage, case.stage):
        raise ValidationError({"stage": "Choose a stage before the one the case is at."})
    if not reason:
        raise ValidationError({"reason": "Say why the case goes back to an earlier stage."})
    before = case.stage
    case.stage = stage
    case.save(update_fields=["stage"])
    _step(
        _auditor(actor, case),
        case,
        before,
        stage,
        reason,
        f"{case.reference} reopened at {_label(stage).lower()}: {reason}",
    )
    return case


@transaction.atomic
def withdraw(*, actor: User, case: DecommissioningCase, reason: str) -> DecommissioningCase:
    """Withdraw an open case, with the reason (for example, performance recovered)."""
    _require(actor, case)
    case = _locked(case)
    reason = _text(reason)
    if case.stage in checks.CLOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"Case {case.reference} is {case.get_stage_display().lower()} already."}
        )
    if not reason:
        raise ValidationError({"reason": "Say why the case is withdrawn."})
    before = case.stage
    case.stage = CaseStage.WITHDRAWN
    case.withdrawn_reason = reason
    case.save(update_fields=["stage", "withdrawn_reason"])
    _step(_auditor(actor, case), case, before, case.stage, reason, f"{case.reference} withdrawn: {reason}")
    return case
