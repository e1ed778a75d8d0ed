"""What each step of a decommissioning case needs before the case may move on.

A case goes through its stages in order and none can be skipped: each stage's check returns
what is still missing, as plain sentences a commissioner can act on (an empty list means the
stage is complete). Pure: no Django, so the same rules drive the service that refuses to advance,
the page that lists what is missing, and fast tests. Stage and option values are those of
``performance.models.CaseStage`` and ``AppraisalOption``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from commissioning.contracts.categories import add_months
from commissioning.core.dates import long_date
from commissioning.governance import rules

RATIONALE = "rationale"
OPTIONS = "options"
RISK = "risk"
CONSULTATION = "consultation"
EQUALITY = "equality"
TRANSITION = "transition"
NOTICE = "notice"
DECISION = "decision"
COMPLETE = "complete"
WITHDRAWN = "withdrawn"

STAGES = (RATIONALE, OPTIONS, RISK, CONSULTATION, EQUALITY, TRANSITION, NOTICE, DECISION)
"""The open stages, in the order a case must pass them."""
CLOSED = (COMPLETE, WITHDRAWN)

OPTION_CHOICES = ("remodel", "reprocure", "decommission")
OPTION_NAMES = {"remodel": "remodel", "reprocure": "re-procure", "decommission": "decommission"}
DECISION_KINDS = ("contract", "service")
APPROVED = "approved"
HIGH_RISK = 15
"""A risk scored this or more (likelihood × impact) cannot stand without a mitigation."""
STOP = "stop"
PENNY = Decimal("0.01")
SHOWN = 10
"""How many placements or arrangements a message names before saying how many more."""


def next_stage(stage: str) -> str:
    """The stage after an open stage; the last open stage leads to completion."""
    if stage not in STAGES:
        raise ValueError(f"A {stage} case has no next stage.")
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else COMPLETE


def is_before(stage: str, other: str) -> bool:
    """Whether an open stage comes before another open stage."""
    return STAGES.index(stage) < STAGES.index(other)


def earliest_end(notice_served_on: date, notice_months: int) -> date:
    """The first day a service may end when notice was served on a day: the contract's notice in months."""
    return add_months(notice_served_on, notice_months)


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown if len(items) <= SHOWN else f"{shown} and {len(items) - SHOWN} more"


def _money(amount: Decimal) -> str:
    return rules.money(amount)


# The evidence a case holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    description: str
    likelihood: int
    impact: int
    mitigation: str

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class Placement:
    """A placement on the contract that is current: no end date, or ending after today."""

    id: int
    person_ref: str


@dataclass(frozen=True)
class Arrangement:
    """Where one placement, or a group of people (a cohort), goes when the service ends."""

    placement_id: int | None
    label: str
    people: int
    move_by: date


@dataclass(frozen=True)
class Consultation:
    title: str
    closes_on: date
    same_partnership: bool = True


@dataclass(frozen=True)
class Funder:
    """A partner funding the contract, with its share of the contract's annual value."""

    organisation_id: int
    name: str
    annual_share: Decimal


@dataclass(frozen=True)
class Approval:
    """A partner's approval of the decision, under a rule of its scheme of delegation."""

    organisation_id: int
    rule: rules.Rule


@dataclass(frozen=True)
class Decision:
    reference: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    approvals: tuple[Approval, ...] = ()
    same_partnership: bool = True


@dataclass(frozen=True)
class Evidence:
    """Everything the stage checks read about one case, gathered from the database beforehand."""

    today: date
    contract_reference: str
    contract_ends_on: date
    notice_months: int
    rationale: str = ""
    evidence_kpis: tuple[str, ...] = ()
    foreign_kpis: tuple[str, ...] = ()
    appraisals: Mapping[str, str] = field(default_factory=dict)
    chosen_option: str = ""
    users_affected: int | None = None
    risk_summary: str = ""
    risks: tuple[Risk, ...] = ()
    consultation: Consultation | None = None
    equality_summary: str = ""
    equality_outcome: str = ""
    placements: tuple[Placement, ...] = ()
    arrangements: tuple[Arrangement, ...] = ()
    notice_served_on: date | None = None
    service_ends_on: date | None = None
    decision: Decision | None = None
    funders: tuple[Funder, ...] = ()
    scheme: tuple[rules.Rule, ...] = ()


def annual_shares(
    annual_value: Decimal, lifetime_value: Decimal, funding: Sequence[tuple[int, str, Decimal]]
) -> list[Funder]:
    """Each funder's share of the annual value, in proportion to its share of the lifetime value.

    ``funding`` is (organisation id, name, amount of the lifetime value) per funding row; a partner
    funding from several sources is one funder. The shares add to the annual value to the penny
    (the last funder takes the rounding).
    """
    totals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for organisation_id, name, amount in funding:
        totals[organisation_id] = totals.get(organisation_id, Decimal(0)) + amount
        names[organisation_id] = name
    if not totals:
        return []
    whole = sum(totals.values(), Decimal(0)) if lifetime_value <= 0 else lifetime_value
    funders: list[Funder] = []
    given = Decimal(0)
    ids = list(totals)
    for index, organisation_id in enumerate(ids):
        if index == len(ids) - 1:
            share = annual_value - given
        else:
            share = (annual_value * totals[organisation_id] / whole).quantize(PENNY, rounding=ROUND_HALF_UP)
            given += share
        funders.append(Funder(organisation_id, names[organisation_id], max(share, Decimal(0))))
    return funders


def approvers(scheme: Sequence[rules.Rule], funder: Funder, decision_kind: str) -> list[str]:
    """Who in the funder's scheme of delegation may decide on this contract's annual value for it."""
    found = rules.approvers_for(
        scheme,
        organisation_id=funder.organisation_id,
        decision_kind=decision_kind,
        amount=funder.annual_share,
    )
    return list(dict.fromkeys(rule.approver for rule in found))


def _who(scheme: Sequence[rules.Rule], funder: Funder, decision_kind: str) -> str:
    able = approvers(scheme, funder, decision_kind)
    if not able:
        return f"no one in {funder.name}'s scheme of delegation may approve that amount"
    if len(able) == 1:
        return f"it needs {able[0]}"
    return f"it needs {', '.join(able[:-1])} or {able[-1]}"


# One check per stage --------------------------------------------------------------------------


def rationale_missing(evidence: Evidence) -> list[str]:
    missing = []
    if not evidence.rationale.strip():
        missing.append("Give the rationale: why the service should change or end.")
    if not evidence.evidence_kpis:
        missing.append(
            f"Link at least one KPI of contract {evidence.contract_reference} as performance evidence."
        )
    if evidence.foreign_kpis:
        missing.append(
            f"Only KPIs of contract {evidence.contract_reference} can be evidence; remove "
            f"{_names(list(evidence.foreign_kpis))}."
        )
    return missing


def options_missing(evidence: Evidence) -> list[str]:
    missing = []
    unappraised = [
        OPTION_NAMES[option]
        for option in OPTION_CHOICES
        if not (evidence.appraisals.get(option) or "").strip()
    ]
    if unappraised:
        missing.append(
            "Appraise every option (remodel, re-procure and decommission): "
            f"{', '.join(unappraised)} {'is' if len(unappraised) == 1 else 'are'} not appraised yet."
        )
    if not evidence.chosen_option:
        missing.append("Choose the option to take forward.")
    elif not (evidence.appraisals.get(evidence.chosen_option) or "").strip():
        missing.append(
            f"The chosen option ({OPTION_NAMES.get(evidence.chosen_option, evidence.chosen_option)}) "
            "has no appraisal."
        )
    return missing


def risk_missing(evidence: Evidence) -> list[str]:
    missing = []
    if evidence.users_affected is None:
        missing.append("Record how many people use the service now.")
    if not evidence.risk_summary.strip():
        missing.append("Summarise the risk to the people using the service.")
    if not evidence.risks:
        missing.append(
            "Add at least one risk to the people using the service, scored for likelihood and impact."
        )
    unmitigated = [
        f"{risk.description[:60]} ({risk.score})"
        for risk in evidence.risks
        if risk.score >= HIGH_RISK and not risk.mitigation.strip()
    ]
    if unmitigated:
        missing.append(
            f"Every risk scored {HIGH_RISK} or more needs a mitigation: "
            f"{_plural(len(unmitigated), 'risk has', 'risks have')} none ({_names(unmitigated)})."
        )
    return missing


def consultation_missing(evidence: Evidence) -> list[str]:
    consultation = evidence.consultation
    if consultation is None:
        return ["Link the consultation on the proposal."]
    if not consultation.same_partnership:
        return [
            f"The consultation {consultation.title!r} is another partnership's; "
            "link one of this partnership's."
        ]
    if consultation.closes_on > evidence.today:
        return [
            f"The consultation {consultation.title!r} is still open: it closes on "
            f"{long_date(consultation.closes_on)}, and the case can move on once it has closed."
        ]
    return []


def equality_missing(evidence: Evidence) -> list[str]:
    missing = []
    if not evidence.equality_summary.strip():
        missing.append("Summarise the equality impact assessment: who is affected, and how.")
    if not evidence.equality_outcome:
        missing.append("Record the outcome of the equality impact assessment.")
    elif evidence.equality_outcome == STOP:
        missing.append(
            "The equality impact assessment says stop and rethink: the proposal would discriminate "
            "unlawfully or harm people with protected characteristics, so it cannot go ahead as it "
            "stands. Reopen the options appraisal to change the proposal, then assess it again."
        )
    return missing


def _last_move_day(evidence: Evidence) -> date:
    return evidence.service_ends_on or evidence.contract_ends_on


def _late_moves(evidence: Evidence, last_day: date) -> list[str]:
    return [
        f"{arrangement.label} by {long_date(arrangement.move_by)}"
        for arrangement in evidence.arrangements
        if arrangement.move_by > last_day
    ]


def transition_missing(evidence: Evidence) -> list[str]:
    missing = []
    arranged = {a.placement_id for a in evidence.arrangements if a.placement_id is not None}
    uncovered = [p.person_ref for p in evidence.placements if p.id not in arranged]
    if uncovered:
        missing.append(
            "Add a transition arrangement for every current placement: "
            f"{_plural(len(uncovered), 'placement has', 'placements have')} none ({_names(uncovered)})."
        )
    # People in placements are covered one by one (above); everyone else needs a cohort arrangement.
    placed = max(len(evidence.placements), sum(a.people for a in evidence.arrangements if a.placement_id))
    in_cohorts = sum(a.people for a in evidence.arrangements if a.placement_id is None)
    users = evidence.users_affected or 0
    rest = users - placed
    if rest > 0 and in_cohorts < rest:
        missing.append(
            f"{_plural(users, 'person uses', 'people use')} the service and {placed} "
            f"{'is' if placed == 1 else 'are'} in placements on the contract: add a cohort arrangement "
            f"for the other {rest} ({in_cohorts} covered so far)."
        )
    last_day = _last_move_day(evidence)
    late = _late_moves(evidence, last_day)
    if late:
        what = "the service ends" if evidence.service_ends_on else "the contract ends"
        missing.append(
            f"Every move must be done by the time {what} ({long_date(last_day)}): "
            f"{_plural(len(late), 'arrangement is', 'arrangements are')} later ({_names(late)})."
        )
    return missing


def notice_missing(evidence: Evidence) -> list[str]:
    missing = []
    served, ends = evidence.notice_served_on, evidence.service_ends_on
    if served is None:
        missing.append("Record the date notice was served on the provider.")
    if ends is None:
        missing.append("Record the date the service ends.")
    if served is not None and ends is not None:
        earliest = earliest_end(served, evidence.notice_months)
        if ends < earliest:
            missing.append(
                f"The service cannot end before {long_date(earliest)}: contract "
                f"{evidence.contract_reference} needs {_plural(evidence.notice_months, 'month', 'months')}' "
                f"notice, and notice was served on {long_date(served)}."
            )
    if ends is not None:
        if ends > evidence.contract_ends_on:
            missing.append(
                f"The service cannot end after the contract does ({long_date(evidence.contract_ends_on)})."
            )
        late = _late_moves(evidence, ends)
        if late:
            missing.append(
                f"{_plural(len(late), 'transition arrangement moves', 'transition arrangements move')} "
                f"people after the service ends on {long_date(ends)} ({_names(late)}): choose a later end "
                "date, or reopen the transition plan to bring the moves forward."
            )
    return missing


def decision_missing(evidence: Evidence) -> list[str]:
    decision = evidence.decision
    if decision is None:
        return ["Link the decision, taken by the body the scheme of delegation requires."]
    if not decision.same_partnership:
        return [f"Decision {decision.reference} is another partnership's; link one of this partnership's."]
    if decision.kind not in DECISION_KINDS:
        return [
            f"Decision {decision.reference} is a {decision.kind_label.lower()} decision; link a contract "
            "or service-change decision."
        ]
    missing = []
    if decision.state != APPROVED:
        missing.append(
            f"Decision {decision.reference} is {decision.state_label.lower()}, not approved: the case "
            "completes only once it is approved."
        )
    by_organisation = {approval.organisation_id: approval for approval in decision.approvals}
    shares = {funder.organisation_id: funder.annual_share for funder in evidence.funders}
    absent = set(rules.missing_approvals(shares, by_organisation))
    for funder in evidence.funders:
        value = f"{_money(funder.annual_share)} a year"
        if funder.organisation_id in absent:
            missing.append(
                f"Decision {decision.reference} has no approval for {funder.name}, which funds "
                f"{value} of the contract; {_who(evidence.scheme, funder, decision.kind)}."
            )
            continue
        approval = by_organisation.get(funder.organisation_id)
        if approval is not None and not rules.within(approval.rule, funder.annual_share):
            missing.append(
                f"{funder.name} approved decision {decision.reference} under {approval.rule.label}, but "
                f"it funds {value} of the contract; {_who(evidence.scheme, funder, decision.kind)}."
            )
    return missing


CHECKS: dict[str, Callable[[Evidence], list[str]]] = {
    RATIONALE: rationale_missing,
    OPTIONS: options_missing,
    RISK: risk_missing,
    CONSULTATION: consultation_missing,
    EQUALITY: equality_missing,
    TRANSITION: transition_missing,
    NOTICE: notice_missing,
    DECISION: decision_missing,
}


def missing(stage: str, evidence: Evidence) -> list[str]:
    """What the stage still lacks before the case can move on from it (empty: complete)."""
    if stage not in CHECKS:
        raise ValueError(f"A {stage} case has no evidence to check.")
    return CHECKS[stage](evidence)


def outstanding(evidence: Evidence) -> dict[str, list[str]]:
    """Every stage that lacks something, in order: a case completes only when this is empty.

    Earlier stages are checked again because the world moves on (a new placement may start on the
    contract after the transition plan was agreed).
    """
    return {stage: found for stage in STAGES if (found := missing(stage, evidence))}
