"""Reviews of a contract's quality or performance, and the remedial plans that follow them.

A review is opened (by a commissioner, or by an escalation rule), held with the provider, its
findings rated red, amber or green, and closed. Underperformance is not left at a finding: a
review that found anything red cannot close until a remedial plan exists, and a plan is
complete only when every one of its actions is.

Every function needs ``Permission.MANAGE_PERFORMANCE`` in the contract's partnership, refuses
with a ``ValidationError`` keyed by field before writing anything, and audits what it changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.partners.permissions import require_permission
from commissioning.performance.audited import save_changes
from commissioning.performance.models import (
    EscalationRule,
    Finding,
    PlanStatus,
    Rag,
    RemedialAction,
    RemedialPlan,
    Review,
    ReviewKind,
    ReviewStatus,
)

MAX_TITLE = 200
MAX_AREA = 100
MAX_OWNER = 200
LONGEST_AHEAD = dt.timedelta(days=3 * 366)
"""Dates of meetings, plan reviews and actions are at most about three years ahead."""
LONGEST_BEHIND = dt.timedelta(days=366)
"""A meeting may be recorded up to a year after it was held."""


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _auditor(actor: User, review: Review) -> Auditor:
    return Auditor(actor, partnership_id=review.partnership_id)


def _not_closed(review: Review, doing: str) -> None:
    if review.status == ReviewStatus.CLOSED:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"The review {review.title!r} is closed; you cannot {doing}."}
        )


def _lock_open(review: Review, doing: str) -> Review:
    """The review, locked for the change; a closed one refuses it."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _not_closed(review, doing)
    return review


def _state_changed(actor: User, review: Review, row: Any, before: dict[str, Any], summary: str) -> None:
    _auditor(actor, review).record(
        AuditEvent.Action.STATE, row, before=before, after=snapshot(row), summary=summary
    )


def _next_position(rows: QuerySet[Any]) -> int:
    """The position after the last of ``rows`` (1 for the first)."""
    return (rows.aggregate(last=Max("position"))["last"] or 0) + 1


def _date(value: Any, field: str, what: str, errors: dict[str, str], *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[field] = f"Give the {what}."
    elif not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = f"The {what} must be a date."


def _ahead(value: Any, field: str, what: str, today: dt.date, errors: dict[str, str]) -> None:
    """A date no earlier than today and not absurdly far ahead."""
    if field in errors or not isinstance(value, dt.date):
        return
    if value < today:
        errors[field] = f"The {what} cannot be in the past ({long_date(value)}); today is {long_date(today)}."
    elif value > today + LONGEST_AHEAD:
        errors[field] = (
            f"The {what} ({long_date(value)}) is more than three years ahead; choose a nearer date."
        )


def _check_review_fields(
    *, contract: Contract, kind: Any, title: Any, scheduled_for: Any, trigger_kpi: Kpi | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in ReviewKind.values:
        errors["kind"] = f"Choose the kind of review: {', '.join(str(label) for label in ReviewKind.labels)}."
    if not _text(title):
        errors["title"] = "Give the review a title."
    elif len(_text(title)) > MAX_TITLE:
        errors["title"] = f"A title has at most {MAX_TITLE} characters."
    _date(scheduled_for, "scheduled_for", "date the review is scheduled for", errors, required=False)
    if "scheduled_for" not in errors and scheduled_for is not None:
        today = timezone.localdate()
        if scheduled_for > today + LONGEST_AHEAD:
            errors["scheduled_for"] = (
                f"The review date ({long_date(scheduled_for)}) is more than three years ahead; "
                "choose a nearer date."
            )
        elif scheduled_for < today - LONGEST_BEHIND:
            errors["scheduled_for"] = (
                f"The review date ({long_date(scheduled_for)}) is more than a year ago; "
                "record a review within a year of holding it."
            )
    if trigger_kpi is not None and trigger_kpi.contract_id != contract.pk:
        errors["trigger_kpi"] = f"KPI {trigger_kpi.code} is not one of contract {contract.reference}'s KPIs."
    return errors


# Reviews ---------------------------------------------------------------------------------


@transaction.atomic
def open_review(
    *,
    actor: User,
    contract: Contract,
    kind: str,
    title: str,
    scheduled_for: dt.date | None = None,
    trigger_kpi: Kpi | None = None,
    escalation_rule: EscalationRule | None = None,
    trigger_detail: str = "",
) -> Review:
    """Open a quality or contract review of a contract, optionally about one of its KPIs."""
    partnership = contract.partnership
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    errors = _check_review_fields(
        contract=contract, kind=kind, title=title, scheduled_for=scheduled_for, trigger_kpi=trigger_kpi
    )
    if escalation_rule is not None and escalation_rule.partnership_id != partnership.pk:
        errors["escalation_rule"] = "That escalation rule belongs to another partnership."
    if errors:
        raise ValidationError(errors)
    review = Review.objects.create(
        partnership=partnership,
        contract=contract,
        kind=kind,
        title=_text(title),
        scheduled_for=scheduled_for,
        trigger_kpi=trigger_kpi,
        escalation_rule=escalation_rule,
        trigger_detail=_text(trigger_detail),
        opened_by=actor,
    )
    _auditor(actor, review).created(
        review, summary=f"{review.get_kind_display()} of {contract.reference} opened: {review.title}"
    )
    return review


@transaction.atomic
def update_review(
    *,
    actor: User,
    review: Review,
    kind: str,
    title: str,
    scheduled_for: dt.date | None = None,
    trigger_kpi: Kpi | None = None,
) -> Review:
    """Change what a review is, its title, date or KPI, until it is closed."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = Review.objects.select_for_update().select_related("contract").get(pk=review.pk)
    _not_closed(review, "change it")
    errors = _check_review_fields(
        contract=review.contract, kind=kind, title=title, scheduled_for=scheduled_for, trigger_kpi=trigger_kpi
    )
    if errors:
        raise ValidationError(errors)
    return save_changes(
        _auditor(actor, review),
        review,
        f"Review {_text(title)} changed",
        kind=kind,
        title=_text(title),
        scheduled_for=scheduled_for,
        trigger_kpi=trigger_kpi,
    )


@transaction.atomic
def hold_review(
    *,
    actor: User,
    review: Review,
    held_on: dt.date,
    attendees: str,
    summary: str,
    overall_rating: str,
) -> Review:
    """Record that the review meeting was held: when, who came, what it concluded and its rating.

    Held reviews can be recorded again to correct them, until they are closed.
    """
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = _lock_open(review, "record the meeting again")
    errors: dict[str, str] = {}
    _date(held_on, "held_on", "date the review was held", errors)
    if "held_on" not in errors:
        today = timezone.localdate()
        if held_on > today:
            errors["held_on"] = (
                f"A review cannot be recorded as held on a future date ({long_date(held_on)}); "
                f"today is {long_date(today)}."
            )
        elif held_on < today - LONGEST_BEHIND:
            errors["held_on"] = (
                f"{long_date(held_on)} is more than a year ago; record a review within a year of holding it."
            )
    if not _text(attendees):
        errors["attendees"] = "Say who attended, one person or post per line."
    if not _text(summary):
        errors["summary"] = "Summarise what the review found and agreed."
    if overall_rating not in Rag.values:
        errors["overall_rating"] = "Give the review an overall rating: red, amber or green."
    if errors:
        raise ValidationError(errors)
    return save_changes(
        _auditor(actor, review),
        review,
        f"Review {review.title} held on {long_date(held_on)}, rated {overall_rating}",
        held_on=held_on,
        attendees=_text(attendees),
        summary=_text(summary),
        overall_rating=overall_rating,
        status=ReviewStatus.HELD,
    )


def close_blockers(review: Review) -> list[str]:
    """Why the review cannot close yet, in plain words (empty when it can)."""
    if review.status == ReviewStatus.CLOSED:
        return ["The review is already closed."]
    if review.status != ReviewStatus.HELD:
        return ["Record the review meeting (when it was held, who came and what it found) before closing it."]
    reds = [finding.area for finding in review.findings.all() if finding.rating == Rag.RED]
    has_plan = RemedialPlan.objects.filter(review=review).exists()
    if has_plan:
        return []
    if reds:
        areas = ", ".join(reds)
        return [f"The review found red ({areas}); agree a remedial plan before closing it."]
    if review.overall_rating == Rag.RED:
        return ["The review is rated red overall; agree a remedial plan before closing it."]
    return []


@transaction.atomic
def close_review(*, actor: User, review: Review) -> Review:
    """Close a held review; one that found anything red needs its remedial plan first."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = Review.objects.select_for_update().get(pk=review.pk)
    blockers = close_blockers(review)
    if blockers:
        raise ValidationError({NON_FIELD_ERRORS: blockers})
    before = snapshot(review)
    review.status = ReviewStatus.CLOSED
    review.save(update_fields=["status"])
    _state_changed(actor, review, review, before, f"Review {review.title} closed")
    return review


# Findings --------------------------------------------------------------------------------


def _check_finding(
    review: Review, *, area: Any, finding: Any, rating: Any, kpi: Kpi | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _text(area):
        errors["area"] = "Say what area the finding is about, such as Safe, Workforce or a KPI."
    elif len(_text(area)) > MAX_AREA:
        errors["area"] = f"An area has at most {MAX_AREA} characters."
    if not _text(finding):
        errors["finding"] = "Describe the finding."
    if rating not in Rag.values:
        errors["rating"] = "Rate the finding red, amber or green."
    if kpi is not None and kpi.contract_id != review.contract_id:
        errors["kpi"] = f"KPI {kpi.code} is not one of this contract's KPIs."
    return errors


@transaction.atomic
def add_finding(
    *, actor: User, review: Review, area: str, finding: str, rating: str, kpi: Kpi | None = None
) -> Finding:
    """Add a rated finding to a review that is not closed."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = _lock_open(review, "add findings")
    errors = _check_finding(review, area=area, finding=finding, rating=rating, kpi=kpi)
    if errors:
        raise ValidationError(errors)
    row = Finding.objects.create(
        review=review,
        area=_text(area),
        finding=_text(finding),
        rating=rating,
        kpi=kpi,
        position=_next_position(Finding.objects.filter(review=review)),
    )
    _auditor(actor, review).created(row, summary=f"Finding added to {review.title}: {row.area}, {rating}")
    return row


@transaction.atomic
def update_finding(
    *, actor: User, existing: Finding, area: str, finding: str, rating: str, kpi: Kpi | None = None
) -> Finding:
    """Correct a finding while its review is not closed."""
    review = existing.review
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = _lock_open(review, "change its findings")
    errors = _check_finding(review, area=area, finding=finding, rating=rating, kpi=kpi)
    if errors:
        raise ValidationError(errors)
    return save_changes(
        _auditor(actor, review),
        existing,
        f"Finding in {review.title} changed",
        area=_text(area),
        finding=_text(finding),
        rating=rating,
        kpi=kpi,
    )


# Remedial plans --------------------------------------------------------------------------


@transaction.atomic
def create_plan(*, actor: User, review: Review, summary: str, review_by: dt.date) -> RemedialPlan:
    """Start the review's remedial plan (one per review), to be agreed with the provider."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=review.partnership)
    review = _lock_open(review, "add a remedial plan")
    errors: dict[str, str] = {}
    if RemedialPlan.objects.filter(review=review).exists():
        errors[NON_FIELD_ERRORS] = "This review already has a remedial plan; add actions to it instead."
    if not _text(summary):
        errors["summary"] = "Say what the plan must put right."
    _date(review_by, "review_by", "date progress is next reviewed", errors)
    _ahead(review_by, "review_by", "date progress is next reviewed", timezone.localdate(), errors)
    if errors:
        raise ValidationError(errors)
    plan = RemedialPlan.objects.create(
        review=review, summary=_text(summary), review_by=review_by, created_by=actor
    )
    _auditor(actor, review).created(plan, summary=f"Remedial plan started for {review.title}")
    return plan


def _lock_plan(plan: RemedialPlan) -> RemedialPlan:
    return RemedialPlan.objects.select_for_update().select_related("review__partnership").get(pk=plan.pk)


@transaction.atomic
def add_action(
    *, actor: User, plan: RemedialPlan, action: str, owner: str, due_on: dt.date
) -> RemedialAction:
    """Add an action, with who owns it and when it is due, to a plan still in progress."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=plan.review.partnership)
    plan = _lock_plan(plan)
    errors: dict[str, str] = {}
    if plan.status in (PlanStatus.COMPLETE, PlanStatus.FAILED):
        errors[NON_FIELD_ERRORS] = (
            f"The plan is {plan.get_status_display().lower()}; it takes no more actions."
        )
    if not _text(action):
        errors["action"] = "Say what is to be done."
    if not _text(owner):
        errors["owner"] = "Say who owns the action: a person or post."
    elif len(_text(owner)) > MAX_OWNER:
        errors["owner"] = f"An owner has at most {MAX_OWNER} characters."
    _date(due_on, "due_on", "date the action is due", errors)
    _ahead(due_on, "due_on", "due date", timezone.localdate(), errors)
    if errors:
        raise ValidationError(errors)
    row = RemedialAction.objects.create(
        plan=plan,
        action=_text(action),
        owner=_text(owner),
        due_on=due_on,
        position=_next_position(RemedialAction.objects.filter(plan=plan)),
    )
    _auditor(actor, plan.review).created(
        row, summary=f"Action added to the remedial plan for {plan.review.title}, due {long_date(due_on)}"
    )
    return row


def _done_since_plan_began(
    value: Any,
    field: str,
    plan: RemedialPlan,
    today: dt.date,
    errors: dict[str, str],
    *,
    what: str,
    future: str,
    earlier: str,
) -> None:
    """The day something was done under a plan: a date, not in the future, not before the plan began."""
    started = plan.created_at.date()
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = f"The {what} must be a date."
    elif value > today:
        errors[field] = f"{future} on a future date ({long_date(value)}); today is {long_date(today)}."
    elif value < started:
        errors[field] = f"The plan was started on {long_date(started)}; {earlier} before that."


@transaction.atomic
def complete_action(
    *, actor: User, action: RemedialAction, completed_on: dt.date | None = None
) -> RemedialAction:
    """Mark an action done (today unless another past date is given)."""
    plan = action.plan
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=plan.review.partnership)
    plan = _lock_plan(plan)
    action = RemedialAction.objects.select_for_update().get(pk=action.pk)
    today = timezone.localdate()
    completed_on = completed_on or today
    errors: dict[str, str] = {}
    if action.completed_on is not None:
        errors[NON_FIELD_ERRORS] = f"The action was already completed on {long_date(action.completed_on)}."
    elif plan.status in (PlanStatus.COMPLETE, PlanStatus.FAILED):
        errors[NON_FIELD_ERRORS] = (
            f"The plan is {plan.get_status_display().lower()}; its actions cannot change."
        )
    _done_since_plan_began(
        completed_on,
        "completed_on",
        plan,
        today,
        errors,
        what="completion date",
        future="An action cannot be completed",
        earlier="an action cannot be completed",
    )
    if errors:
        raise ValidationError(errors)
    before = snapshot(action)
    action.completed_on = completed_on
    action.save(update_fields=["completed_on"])
    _state_changed(
        actor, plan.review, action, before, f"Remedial action completed on {long_date(completed_on)}"
    )
    return action


PLAN_MOVES: dict[str, tuple[str, ...]] = {
    PlanStatus.DRAFT: (PlanStatus.AGREED, PlanStatus.FAILED),
    PlanStatus.AGREED: (PlanStatus.COMPLETE, PlanStatus.FAILED),
    PlanStatus.COMPLETE: (),
    PlanStatus.FAILED: (),
}
"""Where a plan may go next: agreed with the provider, then complete or not delivered."""


@transaction.atomic
def set_plan_status(
    *, actor: User, plan: RemedialPlan, status: str, agreed_on: dt.date | None = None
) -> RemedialPlan:
    """Move a plan on: agreed (it has actions), complete (every action done) or not delivered."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=plan.review.partnership)
    plan = _lock_plan(plan)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if status not in PlanStatus.values:
        errors["status"] = f"{status!r} is not a plan status."
    elif status not in PLAN_MOVES[plan.status]:
        current = plan.get_status_display().lower()
        allowed = " or ".join(str(PlanStatus(value).label).lower() for value in PLAN_MOVES[plan.status])
        errors["status"] = f"A plan that is {current} " + (
            f"can only become {allowed}." if allowed else "cannot change any more."
        )
    else:
        actions = list(RemedialAction.objects.filter(plan=plan))
        if status == PlanStatus.AGREED:
            if not actions:
                errors["status"] = "Add the plan's actions before agreeing it with the provider."
            agreed_on = agreed_on or today
            _done_since_plan_began(
                agreed_on,
                "agreed_on",
                plan,
                today,
                errors,
                what="date agreed",
                future="A plan cannot be agreed",
                earlier="it cannot have been agreed",
            )
        if status == PlanStatus.COMPLETE:
            open_actions = [row for row in actions if row.completed_on is None]
            if not actions:
                errors["status"] = "A plan with no actions cannot be complete."
            elif open_actions:
                count = len(open_actions)
                errors["status"] = (
                    f"{count} action{'s' if count != 1 else ''} still to complete; "
                    "a plan is complete only when all its actions are."
                )
    if errors:
        raise ValidationError(errors)
    before = snapshot(plan)
    plan.status = status
    if status == PlanStatus.AGREED:
        plan.agreed_on = agreed_on
    plan.save(update_fields=["status", "agreed_on"])
    _state_changed(
        actor,
        plan.review,
        plan,
        before,
        f"Remedial plan for {plan.review.title}: {plan.get_status_display().lower()}",
    )
    return plan
