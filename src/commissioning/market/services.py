"""Writes to procurement projects: from the need confirmed to the award, checked against the rules.

Creating a procurement runs the rules engine (``market.routes``) on its facts and stores the rule,
route, explanation and minimum timeline it was decided under, so a later change to the rules does not
rewrite history. Stages are reached in order, and never sooner than the rule's minimum after the stage
before (a notice period, the standstill). Bids and scores are commercial in confidence: only the
procurement's panel records, scores and moderates them, and the award needs every bid under
evaluation moderated on every criterion.

Writes need ``Permission.MANAGE_PROCUREMENT``, except scoring and moderation, whose authority is the
panel role (an evaluator from finance scores without managing procurements). Every refusal raises
``ValidationError`` keyed by field, or ``NotPermitted``, before anything is written, inside one
transaction; every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.market import evaluation, routes, rules
from commissioning.market.models import (
    STAGE_ORDER,
    Bid,
    BidStatus,
    Criterion,
    Milestone,
    ModeratedScore,
    PanelMember,
    PanelRole,
    Procurement,
    ProcurementCategory,
    ProcurementStatus,
    Score,
    ServiceType,
    Stage,
)
from commissioning.partners.models import CareGroup, Organisation, Partnership, PartnershipMember
from commissioning.partners.permissions import has_permission, require_permission

PENNY = Decimal("0.01")
HUNDRED = Decimal("100.00")
MAX_MONEY = Decimal("999999999999.99")
MAX_WEIGHT_PLACES = 2
# The facts the rules read: changing any of them decides the route again.
FACT_FIELDS = ("category", "commissioning_body", "estimated_value", "vcse_only", "starts_on", "conditions")
PROCUREMENT_FIELDS = (
    "title",
    "description",
    "care_group",
    "service_type",
    "contract_months",
    *FACT_FIELDS,
)
# Stages with their own service: the award is decided with a bid, not a date alone.
AWARD_STAGES = (Stage.AWARD,)
AFTER_AWARD = (Stage.STANDSTILL, Stage.CONTRACT)
EVALUATED = (BidStatus.RECEIVED, BidStatus.COMPLIANT)
SCORING_ROLES = (PanelRole.EVALUATOR,)
MODERATING_ROLES = (PanelRole.MODERATOR, PanelRole.NAMED_OFFICER)

CriterionRow = tuple[str, Any, bool, int, str]


# Shared checks ---------------------------------------------------------------------------


def _money(value: Any, field: str, *, what: str) -> Decimal:
    """Money as an exact Decimal to the penny; floats are refused because they cannot hold pence."""
    if isinstance(value, float):
        raise ValidationError({field: f"{what} must be given as an exact sum (a Decimal), not a float."})
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."})
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: f"{what} must be £0.00 or more; {value} is not."})
    if amount != amount.quantize(PENNY):
        raise ValidationError({field: f"{what} is in pounds and pence; {value} has more than two places."})
    if amount > MAX_MONEY:
        raise ValidationError({field: f"{what} is too large."})
    return amount.quantize(PENNY)


def _decimal(value: Any, field: str, *, what: str) -> Decimal:
    if isinstance(value, float):
        raise ValidationError({field: f"{what} must be exact (a Decimal), not a float ({value})."})
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError({field: f"{what} must be a number; {value!r} is not one."})
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError({field: f"{what} must be a number; {value!r} is not one."}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{what} must be a number; {value!r} is not one."})
    return number


def _of(procurement: Procurement, partnership: Partnership) -> None:
    if procurement.partnership_id != partnership.pk:
        raise NotPermitted("That procurement belongs to another partnership.")


def _active(procurement: Procurement, doing: str) -> None:
    if procurement.status != ProcurementStatus.ACTIVE:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{procurement.reference} is {procurement.get_status_display().lower()}; "
                f"you cannot {doing}."
            }
        )


def _locked(procurement: Procurement) -> Procurement:
    """The procurement as stored now, locked for this transaction against concurrent changes."""
    return Procurement.objects.select_for_update().get(pk=procurement.pk)


def panel_roles(user: Any, procurement: Procurement) -> set[str]:
    """The roles a person holds on a procurement's panel (none if not on it)."""
    if not getattr(user, "pk", None):
        return set()
    return set(PanelMember.objects.filter(procurement=procurement, user=user).values_list("role", flat=True))


def _require_panel(actor: User, procurement: Procurement, roles: Sequence[str], doing: str) -> None:
    """Refuse unless the actor is on the panel (in one of ``roles``) and still in the partnership."""
    require_permission(actor, Permission.VIEW_MARKET, partnership=procurement.partnership)
    held = panel_roles(actor, procurement)
    if not held & set(roles):
        names = " or ".join(PanelRole(role).label.lower() for role in roles)
        raise NotPermitted(f"Only an {names} on the panel for {procurement.reference} can {doing}.")


def commissioning_bodies(partnership: Partnership) -> list[Organisation]:
    """The host and partners: the organisations that procure for the partnership (associates do not)."""
    members = (
        PartnershipMember.objects.filter(partnership=partnership)
        .exclude(role=PartnershipMember.Role.ASSOCIATE)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    return [member.organisation for member in members]


# The route ------------------------------------------------------------------------------


def _conditions(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        values = [values]
    cleaned = sorted({str(value).strip() for value in values if str(value).strip()})
    wrong = [value for value in cleaned if not value.replace("_", "").isalnum() or value != value.lower()]
    if wrong:
        raise ValidationError(
            {
                "conditions": f"{', '.join(wrong)} is not a condition name, "
                f"like existing_provider_satisfactory."
            }
        )
    return cleaned


def decide(procurement: Procurement) -> rules.Decision:
    """The engine's decision for the procurement's facts, or a ``ValidationError`` saying why none."""
    try:
        facts = routes.facts_for(procurement)
        return routes.route_for(partnership=procurement.partnership, facts=facts)
    except ValueError as exc:  # rules.NoRouteError, or a body that is not a public body
        raise ValidationError({"estimated_value": str(exc)}) from None


def _apply_decision(procurement: Procurement, decision: rules.Decision) -> None:
    procurement.rule = routes.rule_for(decision)
    procurement.route = decision.route
    procurement.route_explanation = "\n".join(decision.explanation)
    procurement.timeline = decision.timeline_json()


def _plan_milestones(procurement: Procurement, decision: rules.Decision) -> None:
    """One milestone per stage, planned on the timeline's earliest date (none for stages it skips)."""
    planned = {step.stage: step.earliest_on for step in decision.timeline}
    existing = {m.stage: m for m in Milestone.objects.filter(procurement=procurement)}
    for stage in STAGE_ORDER:
        milestone = existing.get(stage)
        planned_on = planned.get(stage)
        if stage == Stage.NEED_CONFIRMED and planned_on is None:
            planned_on = procurement.starts_on
        if milestone is None:
            Milestone.objects.create(
                procurement=procurement,
                stage=stage,
                planned_on=planned_on,
                reached_on=procurement.starts_on if stage == Stage.NEED_CONFIRMED else None,
            )
        elif milestone.planned_on != planned_on:
            milestone.planned_on = planned_on
            if stage == Stage.NEED_CONFIRMED:
                milestone.reached_on = procurement.starts_on
            milestone.save(update_fields=["planned_on", "reached_on"])


def _check_procurement(procurement: Procurement, partnership: Partnership) -> None:
    errors: dict[str, str] = {}
    if not procurement.reference:
        errors["reference"] = "Give the procurement a reference, e.g. SCC-2026-014."
    elif (
        Procurement.objects.filter(partnership=partnership, reference__iexact=procurement.reference)
        .exclude(pk=procurement.pk)
        .exists()
    ):
        errors["reference"] = f"{partnership.name} already has a procurement {procurement.reference}."
    if not procurement.title:
        errors["title"] = "Say what is being bought."
    if procurement.service_type not in ServiceType.values:
        errors["service_type"] = "Choose the type of service being bought."
    if procurement.category not in ProcurementCategory.values:
        errors["category"] = "Choose how procurement law classes what is bought."
    body = procurement.commissioning_body if procurement.commissioning_body_id else None
    if body is None:
        errors["commissioning_body"] = "Choose the partner that runs the procurement."
    elif body.pk not in {org.pk for org in commissioning_bodies(partnership)}:
        errors["commissioning_body"] = (
            f"{body.name} is not a commissioning partner of {partnership.name}; only the host and "
            "partners procure for it."
        )
    care_group = procurement.care_group if procurement.care_group_id else None
    if care_group is not None and care_group.partnership_id != partnership.pk:
        errors["care_group"] = f"{care_group.name} is not a care group of {partnership.name}."
    if not isinstance(procurement.starts_on, dt.date):
        errors["starts_on"] = "Give the day the procurement starts; it decides which rules apply."
    months = procurement.contract_months
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 600:
        errors["contract_months"] = "Give the contract's length in months, from 1 to 600."
    if errors:
        raise ValidationError(errors)
    validate(procurement)


@transaction.atomic
def create_procurement(
    *,
    actor: User,
    partnership: Partnership,
    reference: str,
    title: str,
    description: str = "",
    care_group: CareGroup | None = None,
    service_type: str,
    category: str,
    commissioning_body: Organisation,
    estimated_value: Decimal,
    contract_months: int = 36,
    vcse_only: bool = False,
    starts_on: dt.date,
    conditions: Iterable[str] = (),
) -> Procurement:
    """Start a procurement: the rules decide its route, notices and minimum timeline from its facts."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=partnership)
    procurement = Procurement(
        partnership=partnership,
        reference=reference.strip(),
        title=title.strip(),
        description=description.strip(),
        care_group=care_group,
        service_type=service_type,
        category=category,
        commissioning_body=commissioning_body,
        estimated_value=_money(estimated_value, "estimated_value", what="The estimated value"),
        contract_months=contract_months,
        vcse_only=bool(vcse_only),
        starts_on=starts_on,
        conditions=_conditions(conditions),
        created_by=actor,
    )
    _check_procurement(procurement, partnership)
    decision = decide(procurement)
    _apply_decision(procurement, decision)
    procurement.save()
    _plan_milestones(procurement, decision)
    Auditor(actor, partnership_id=partnership.pk).created(
        procurement, summary=f"Route: {decision.route_name} under {decision.rule_set_name}"
    )
    return procurement


@transaction.atomic
def update_procurement(*, actor: User, procurement: Procurement, version: int, **fields: Any) -> Procurement:
    """Change a procurement, refused if someone else changed it since ``version``.

    A change to the facts the rules read decides the route again, which is allowed only until the
    notice is published: after that the route is fixed, and a different one means starting again.
    """
    partnership = procurement.partnership
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=partnership)
    current = _locked(procurement)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({NON_FIELD_ERRORS: f"Say which version of {current.reference} you changed."})
    if version != current.version:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{current.reference} was changed by someone else since you opened it "
                f"(now version {current.version}); reload to see their change."
            }
        )
    _active(current, "change it")
    unknown = set(fields) - set(PROCUREMENT_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    before = snapshot(current)
    for name, value in fields.items():
        if name == "estimated_value":
            value = _money(value, name, what="The estimated value")
        elif name == "conditions":
            value = _conditions(value)
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    facts_changed = any(before[name] != snapshot(current)[name] for name in FACT_FIELDS)
    if facts_changed and STAGE_ORDER.index(current.stage) >= STAGE_ORDER.index(Stage.NOTICE):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"The notice for {current.reference} has been published, so its route "
                "is fixed; cancel it and start a new procurement to change what the rules are told."
            }
        )
    _check_procurement(current, partnership)
    decision = decide(current) if facts_changed else None
    if decision is not None:
        _apply_decision(current, decision)
    if snapshot(current) == before:
        return current
    current.version += 1
    current.save()
    if decision is not None:
        _plan_milestones(current, decision)
    summary = f"Route reassessed: {decision.route_name} under {decision.rule_set_name}" if decision else ""
    Auditor(actor, partnership_id=partnership.pk).updated(current, before, summary=summary)
    return current


@transaction.atomic
def reassess_route(*, actor: User, procurement: Procurement) -> Procurement:
    """Decide the route again from the stored facts (after the rules were corrected), before the notice."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    current = _locked(procurement)
    _active(current, "reassess its route")
    if STAGE_ORDER.index(current.stage) >= STAGE_ORDER.index(Stage.NOTICE):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"The notice for {current.reference} has been published, "
                f"so its route is fixed."
            }
        )
    before = snapshot(current)
    decision = decide(current)
    _apply_decision(current, decision)
    if snapshot(current) == before:
        return current
    current.version += 1
    current.save()
    _plan_milestones(current, decision)
    Auditor(actor, partnership_id=current.partnership_id).updated(
        current, before, summary=f"Route reassessed: {decision.route_name} under {decision.rule_set_name}"
    )
    return current


@transaction.atomic
def cancel_procurement(*, actor: User, procurement: Procurement, reason: str) -> Procurement:
    """Stop a procurement, saying why; nothing is awarded and its record stays."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    current = _locked(procurement)
    _active(current, "cancel it")
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the procurement is cancelled."})
    before = snapshot(current)
    current.status = ProcurementStatus.CANCELLED
    current.version += 1
    current.save()
    Auditor(actor, partnership_id=current.partnership_id).updated(
        current, before, summary=f"Cancelled: {reason.strip()}"
    )
    return current


# Stages ---------------------------------------------------------------------------------


def required_stages(procurement: Procurement) -> list[str]:
    """The stages the route's timeline includes, the need and the award: these may not be passed over."""
    stages = {
        Stage.NEED_CONFIRMED.value,
        Stage.AWARD.value,
        *(step["stage"] for step in procurement.timeline),
    }
    return [stage for stage in STAGE_ORDER if stage in stages]


def earliest_for(procurement: Procurement, stage: str, reached: dict[str, dt.date]) -> dt.date | None:
    """The first day ``stage`` may be reached: the rule's minimum after the last timeline step reached.

    ``reached`` maps the stages already reached to their dates. Each step's minimum runs from the step
    before it in the timeline (from the start for the first), so a late notice moves the bids' date.
    """
    steps = procurement.timeline
    for index, step in enumerate(steps):
        if step["stage"] != stage:
            continue
        if index == 0:
            start = procurement.starts_on
        else:
            start = reached.get(steps[index - 1]["stage"]) or dt.date.fromisoformat(
                steps[index - 1]["earliest_on"]
            )
        return after(start, step["minimum_days"], working_days=step["working_days"])
    return None


def after(start: dt.date, days: int, *, working_days: bool) -> dt.date:
    """``days`` after ``start``: calendar days, or working days (no weekends or England's bank holidays)."""
    if not working_days:
        return start + dt.timedelta(days=days)
    holidays = routes.england_bank_holidays(start.year, start.year + 1 + days // 200)
    return rules.add_working_days(start, days, holidays)


def minimum_text(procurement: Procurement, stage: str) -> str:
    """The rule's minimum for a stage in words, e.g. "at least 25 days after notice published"."""
    step = next(s for s in procurement.timeline if s["stage"] == stage)
    index = procurement.timeline.index(step)
    previous = Stage(procurement.timeline[index - 1]["stage"]).label if index else "the start"
    unit = "working days" if step["working_days"] else "days"
    return f"at least {step['minimum_days']} {unit} after {previous.lower()}"


def _reached_dates(procurement: Procurement) -> dict[str, dt.date]:
    rows = Milestone.objects.filter(procurement=procurement, reached_on__isnull=False)
    return {stage: day for stage, day in rows.values_list("stage", "reached_on") if day is not None}


def _check_stage(procurement: Procurement, stage: str, reached_on: Any, field: str = "reached_on") -> None:
    """Refuse reaching ``stage`` out of order, past a required stage, or before the rule's minimum."""
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": f"{stage!r} is not a stage of a procurement."})
    if not isinstance(reached_on, dt.date):
        raise ValidationError({field: "Give the date the stage was reached."})
    current = STAGE_ORDER.index(procurement.stage)
    wanted = STAGE_ORDER.index(stage)
    label = Stage(stage).label
    if wanted <= current:
        raise ValidationError(
            {
                "stage": f"{procurement.reference} has already reached "
                f"{Stage(procurement.stage).label.lower()}; "
                f"{label.lower()} comes no later than that."
            }
        )
    required = required_stages(procurement)
    missed = [s for s in STAGE_ORDER[current + 1 : wanted] if s in required]
    if missed:
        raise ValidationError(
            {
                "stage": f"Stages are reached in order: {Stage(missed[0]).label.lower()} comes before "
                f"{label.lower()}, and the route ({procurement.route}) needs it."
            }
        )
    reached = _reached_dates(procurement)
    last = max(reached.values(), default=procurement.starts_on)
    if reached_on < last:
        raise ValidationError(
            {
                field: f"{label} cannot be reached on {long_date(reached_on)}, "
                f"before the stage before it ({long_date(last)})."
            }
        )
    earliest = earliest_for(procurement, stage, reached)
    if earliest is not None and reached_on < earliest:
        rule = procurement.rule
        rule_name = rule.rule_set.name if rule is not None else "the rules"
        explanation = f" {rule.explanation}" if rule is not None else ""
        raise ValidationError(
            {
                field: f"{label} cannot be reached before {long_date(earliest)}: under {rule_name} the route "
                f"({procurement.route}) needs {minimum_text(procurement, stage)}.{explanation}"
            }
        )


def _reach(
    auditor: Auditor, procurement: Procurement, stage: str, reached_on: dt.date, note: str
) -> Milestone:
    milestone, _ = Milestone.objects.get_or_create(procurement=procurement, stage=stage)
    before = snapshot(milestone)
    milestone.reached_on = reached_on
    milestone.note = note.strip()
    milestone.save()
    auditor.updated(milestone, before, summary=f"{Stage(stage).label} on {long_date(reached_on)}")
    return milestone


@transaction.atomic
def record_milestone(
    *, actor: User, procurement: Procurement, stage: str, reached_on: dt.date, note: str = ""
) -> Milestone:
    """Record that the procurement reached the next stage, no sooner than the rule allows."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    current = _locked(procurement)
    if current.status == ProcurementStatus.AWARDED:
        if stage not in AFTER_AWARD:
            raise ValidationError({"stage": "After the award, only the standstill and the contract follow."})
    else:
        _active(current, "record a stage")
    if stage in AWARD_STAGES:
        raise ValidationError({"stage": "Record the award with the winning bid, on the award page."})
    _check_stage(current, stage, reached_on)
    auditor = Auditor(actor, partnership_id=current.partnership_id)
    milestone = _reach(auditor, current, stage, reached_on, note)
    before = snapshot(current)
    current.stage = stage
    current.version += 1
    current.save()
    auditor.updated(current, before)
    procurement.stage, procurement.version = current.stage, current.version
    return milestone


# The panel ------------------------------------------------------------------------------


def _check_member(procurement: Procurement, user: User, role: str) -> None:
    if role not in PanelRole.values:
        raise ValidationError({"role": "Choose evaluator, moderator or named officer."})
    if not has_permission(user, Permission.VIEW_MARKET, partnership=procurement.partnership):
        raise ValidationError(
            {
                "user": f"{user.display_name} does not hold a role in {procurement.partnership.name} that "
                "sees its market, so cannot sit on the panel."
            }
        )


@transaction.atomic
def add_panel_member(*, actor: User, procurement: Procurement, user: User, role: str) -> PanelMember:
    """Put a person on the panel; panel members, and only they, see the bids."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _active(procurement, "change its panel")
    _check_member(procurement, user, role)
    member = PanelMember.objects.filter(procurement=procurement, user=user).first()
    auditor = Auditor(actor, partnership_id=procurement.partnership_id)
    if member is None:
        member = PanelMember.objects.create(procurement=procurement, user=user, role=role)
        auditor.created(member)
    elif member.role != role:
        before = snapshot(member)
        member.role = role
        member.save()
        auditor.updated(member, before)
    return member


@transaction.atomic
def remove_panel_member(*, actor: User, procurement: Procurement, member: PanelMember) -> None:
    """Take a person off the panel; their scores stay, as the record of what they gave."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    if member.procurement_id != procurement.pk:
        raise NotPermitted("That person is on another procurement's panel.")
    _active(procurement, "change its panel")
    before, pk = snapshot(member), member.pk
    member.delete()
    member.pk = pk
    Auditor(actor, partnership_id=procurement.partnership_id).deleted(member, before)


@transaction.atomic
def set_panel(
    *, actor: User, procurement: Procurement, members: Iterable[tuple[User, str]]
) -> list[PanelMember]:
    """Make the panel exactly ``members`` (person, role): added, changed and removed, each audited."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _active(procurement, "change its panel")
    wanted: dict[int, tuple[User, str]] = {}
    for user, role in members:
        _check_member(procurement, user, role)
        if user.pk in wanted:
            raise ValidationError({"user": f"{user.display_name} is named twice; give each person one role."})
        wanted[user.pk] = (user, role)
    if not wanted:
        raise ValidationError({"user": "A panel needs at least one member."})
    auditor = Auditor(actor, partnership_id=procurement.partnership_id)
    existing = {m.user_id: m for m in PanelMember.objects.filter(procurement=procurement)}
    for user_id, member in existing.items():
        if user_id not in wanted:
            before, pk = snapshot(member), member.pk
            member.delete()
            member.pk = pk
            auditor.deleted(member, before)
    result = []
    for user, role in wanted.values():
        result.append(add_panel_member(actor=actor, procurement=procurement, user=user, role=role))
    return result


# Criteria -------------------------------------------------------------------------------


@transaction.atomic
def set_criteria(
    *, actor: User, procurement: Procurement, criteria: Sequence[CriterionRow]
) -> list[Criterion]:
    """Replace the evaluation criteria: (name, weight %, is price, max score, description) each.

    The weights must add to exactly 100 %, each above 0; names are unique. Once scoring has begun the
    criteria are fixed, since changing them would change what the scores mean.
    """
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _active(procurement, "change its criteria")
    if (
        Score.objects.filter(bid__procurement=procurement).exists()
        or ModeratedScore.objects.filter(bid__procurement=procurement).exists()
    ):
        raise ValidationError(
            {"criteria": "Scoring has begun, so the criteria are fixed; they cannot change now."}
        )
    rows: list[Criterion] = []
    names: set[str] = set()
    for position, given in enumerate(criteria, start=1):
        if not isinstance(given, tuple | list) or len(given) != 5:
            raise ValidationError(
                {"criteria": "Give each criterion as (name, weight, is price, max score, description)."}
            )
        name, weight_given, is_price, max_score, description = given
        name = str(name or "").strip()
        if not name:
            raise ValidationError({"criteria": f"Criterion {position} needs a name."})
        if name.lower() in names:
            raise ValidationError({"criteria": f"Two criteria are called {name}; give each its own name."})
        names.add(name.lower())
        weight = _decimal(weight_given, "criteria", what=f"The weight of {name}")
        if weight <= 0:
            raise ValidationError({"criteria": f"The weight of {name} must be more than 0 %."})
        if weight != weight.quantize(PENNY):
            raise ValidationError(
                {"criteria": f"The weight of {name} has more than {MAX_WEIGHT_PLACES} decimal places."}
            )
        if weight > HUNDRED:
            raise ValidationError({"criteria": f"The weight of {name} cannot be more than 100 %."})
        if isinstance(max_score, bool) or not isinstance(max_score, int) or not 1 <= max_score <= 100:
            raise ValidationError(
                {"criteria": f"The highest score for {name} must be a whole number, 1 to 100."}
            )
        rows.append(
            Criterion(
                procurement=procurement,
                name=name,
                description=str(description or "").strip(),
                weight=weight.quantize(PENNY),
                is_price=bool(is_price),
                max_score=max_score,
                position=position,
            )
        )
    if not rows:
        raise ValidationError({"criteria": "Give at least one criterion."})
    total = sum((row.weight for row in rows), Decimal(0))
    if total != HUNDRED:
        raise ValidationError({"criteria": f"The weights add to {total:.2f} %; they must add to 100 %."})
    auditor = Auditor(actor, partnership_id=procurement.partnership_id)
    for old in Criterion.objects.filter(procurement=procurement):
        before, pk = snapshot(old), old.pk
        old.delete()
        old.pk = pk
        auditor.deleted(old, before)
    for row in rows:
        row.save()
        auditor.created(row)
    return rows


# Bids -----------------------------------------------------------------------------------


def find_bidder(bidder: Organisation | str) -> Organisation:
    """The organisation a bid is from: given, or found by name, ODS, Companies House or charity number."""
    if isinstance(bidder, Organisation):
        return bidder
    text = str(bidder or "").strip()
    if not text:
        raise ValidationError({"bidder": "Say who the bid is from."})
    code = text.upper()
    for prefix in ("GB-COH-", "GB-CHC-", "GB-NHS-"):
        code = code.removeprefix(prefix)
    found = list(
        Organisation.objects.filter(
            Q(name__iexact=text)
            | Q(short_name__iexact=text)
            | Q(ods_code__iexact=code)
            | Q(companies_house_number__iexact=code)
            | Q(charity_number__iexact=code)
        )[:2]
    )
    if not found:
        raise ValidationError(
            {
                "bidder": f"No organisation called or numbered {text!r} is known; add it to the "
                "organisations register (with its Companies House, charity or ODS number) first."
            }
        )
    if len(found) > 1:
        raise ValidationError(
            {
                "bidder": f"More than one organisation matches {text!r}; "
                f"give its ODS, Companies House or charity number."
            }
        )
    return found[0]


@transaction.atomic
def record_bid(
    *,
    actor: User,
    procurement: Procurement,
    bidder: Organisation | str,
    received_on: dt.date,
    price: Decimal,
    notes: str = "",
) -> Bid:
    """Record a bid received. Commercial in confidence: only the panel may record and see bids."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _require_panel(actor, procurement, PanelRole.values, "record a bid")
    _active(procurement, "record a bid")
    organisation = find_bidder(bidder)
    if not isinstance(received_on, dt.date):
        raise ValidationError({"received_on": "Give the date the bid was received."})
    if received_on < procurement.starts_on:
        raise ValidationError(
            {
                "received_on": f"A bid cannot arrive before the procurement started "
                f"({long_date(procurement.starts_on)})."
            }
        )
    if organisation.kind in Organisation.COMMISSIONING_KINDS:
        raise ValidationError(
            {"bidder": f"{organisation.name} is a commissioner, not a provider; it cannot bid."}
        )
    if Bid.objects.filter(procurement=procurement, bidder=organisation).exists():
        raise ValidationError({"bidder": f"A bid from {organisation.name} is already recorded."})
    if procurement.vcse_only and organisation.kind != Organisation.Kind.VCSE:
        raise ValidationError(
            {
                "bidder": f"This procurement is reserved for the voluntary and community sector; "
                f"{organisation.name} is not in it."
            }
        )
    bid = Bid(
        procurement=procurement,
        bidder=organisation,
        received_on=received_on,
        price=_money(price, "price", what="The price"),
        notes=notes.strip(),
    )
    validate(bid)
    bid.save()
    Auditor(actor, partnership_id=procurement.partnership_id).created(bid)
    return bid


@transaction.atomic
def set_bid_status(*, actor: User, bid: Bid, status: str, note: str = "") -> Bid:
    """Mark a bid compliant, not compliant or withdrawn; only bids received or compliant are evaluated."""
    procurement = bid.procurement
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _require_panel(actor, procurement, PanelRole.values, "change a bid")
    _active(procurement, "change a bid")
    if status not in BidStatus.values:
        raise ValidationError({"status": "Choose received, compliant, not compliant or withdrawn."})
    before = snapshot(bid)
    bid.status = status
    if note.strip():
        bid.notes = f"{bid.notes}\n{note.strip()}".strip()
    bid.save()
    Auditor(actor, partnership_id=procurement.partnership_id).updated(bid, before)
    return bid


# Scores ---------------------------------------------------------------------------------


def _score(value: Any, criterion: Criterion, field: str = "score") -> Decimal:
    score = _decimal(value, field, what=f"The score for {criterion.name}")
    if not 0 <= score <= criterion.max_score:
        raise ValidationError(
            {
                field: f"The score for {criterion.name} must be from 0 to {criterion.max_score}; "
                f"{value} is not."
            }
        )
    if score != score.quantize(PENNY):
        raise ValidationError({field: f"The score for {criterion.name} has more than two decimal places."})
    return score.quantize(PENNY)


def _check_scoring(bid: Bid, criterion: Criterion) -> None:
    if criterion.procurement_id != bid.procurement_id:
        raise ValidationError({"criterion": f"{criterion.name} is a criterion of another procurement."})
    if bid.status not in EVALUATED:
        raise ValidationError(
            {
                "score": f"The bid from {bid.bidder.name} is {bid.get_status_display().lower()}; "
                f"it is not evaluated."
            }
        )
    if bid.procurement.awarded_bid_id is not None:
        raise ValidationError({"score": f"{bid.procurement.reference} has been awarded; scores are final."})


@transaction.atomic
def score_bid(*, actor: User, bid: Bid, criterion: Criterion, score: Any, comment: str = "") -> Score:
    """An evaluator's own score of a bid on one criterion, 0 to the criterion's highest score."""
    procurement = Procurement.objects.select_related("partnership").get(pk=bid.procurement_id)
    bid.procurement = procurement
    _require_panel(actor, procurement, SCORING_ROLES, "score bids")
    _active(procurement, "score a bid")
    _check_scoring(bid, criterion)
    value = _score(score, criterion)
    row = Score.objects.filter(bid=bid, criterion=criterion, evaluator=actor).first()
    auditor = Auditor(actor, partnership_id=procurement.partnership_id)
    if row is None:
        row = Score.objects.create(
            bid=bid, criterion=criterion, evaluator=actor, score=value, comment=comment.strip()
        )
        auditor.created(row)
    else:
        before = snapshot(row)
        row.score, row.comment = value, comment.strip()
        row.save()
        auditor.updated(row, before)
    return row


@transaction.atomic
def moderate(*, actor: User, bid: Bid, criterion: Criterion, score: Any, rationale: str) -> ModeratedScore:
    """The panel's agreed score for a bid on a criterion, with the reason, by a moderator or named officer."""
    procurement = Procurement.objects.select_related("partnership").get(pk=bid.procurement_id)
    bid.procurement = procurement
    _require_panel(actor, procurement, MODERATING_ROLES, "moderate scores")
    _active(procurement, "moderate a score")
    _check_scoring(bid, criterion)
    value = _score(score, criterion)
    if not rationale or not rationale.strip():
        raise ValidationError({"rationale": f"Give the reason for the moderated score for {criterion.name}."})
    row = ModeratedScore.objects.filter(bid=bid, criterion=criterion).first()
    auditor = Auditor(actor, partnership_id=procurement.partnership_id)
    if row is None:
        row = ModeratedScore.objects.create(
            bid=bid, criterion=criterion, score=value, rationale=rationale.strip(), moderated_by=actor
        )
        auditor.created(row)
    else:
        before = snapshot(row)
        row.score, row.rationale, row.moderated_by = value, rationale.strip(), actor
        row.save()
        auditor.updated(row, before)
    return row


@transaction.atomic
def record_scores(*, actor: User, bid: Bid, scores: Iterable[tuple[Criterion, Any, str]]) -> list[Score]:
    """An evaluator's scores for one bid on several criteria, all saved or none."""
    return [
        score_bid(actor=actor, bid=bid, criterion=criterion, score=value, comment=comment)
        for criterion, value, comment in scores
    ]


@transaction.atomic
def record_moderation(
    *, actor: User, bid: Bid, scores: Iterable[tuple[Criterion, Any, str]]
) -> list[ModeratedScore]:
    """Moderated scores for one bid on several criteria, all saved or none."""
    return [
        moderate(actor=actor, bid=bid, criterion=criterion, score=value, rationale=rationale)
        for criterion, value, rationale in scores
    ]


@transaction.atomic
def score_prices(*, actor: User, procurement: Procurement) -> list[ModeratedScore]:
    """Moderate each price criterion by formula where no moderated score is given yet.

    The lowest price scores full marks; each other bid lowest ÷ its price × the highest score.
    """
    _require_panel(actor, procurement, MODERATING_ROLES, "moderate scores")
    bids = list(Bid.objects.filter(procurement=procurement, status__in=EVALUATED).select_related("bidder"))
    criteria = list(Criterion.objects.filter(procurement=procurement, is_price=True))
    done = set(
        ModeratedScore.objects.filter(bid__procurement=procurement).values_list("bid_id", "criterion_id")
    )
    prices = {bid.pk: bid.price for bid in bids}
    made = []
    for criterion in criteria:
        for bid in bids:
            if (bid.pk, criterion.pk) in done:
                continue
            value = evaluation.price_score(prices[bid.pk], prices.values(), criterion.max_score)
            made.append(
                moderate(
                    actor=actor,
                    bid=bid,
                    criterion=criterion,
                    score=value,
                    rationale=f"By formula: the lowest price ÷ this bid's price (£{bid.price:,.2f}) × "
                    f"{criterion.max_score}.",
                )
            )
    return made


# The award ------------------------------------------------------------------------------


@transaction.atomic
def record_award(*, actor: User, procurement: Procurement, bid: Bid, awarded_on: dt.date) -> Procurement:
    """Award to a bid, once every bid under evaluation is moderated on every criterion, and no sooner
    than the rule's minimum after the evaluation."""
    require_permission(actor, Permission.MANAGE_PROCUREMENT, partnership=procurement.partnership)
    _require_panel(actor, procurement, PanelRole.values, "award the contract")
    current = _locked(procurement)
    _active(current, "award it")
    if bid.procurement_id != current.pk:
        raise ValidationError({"bid": "That bid was made for another procurement."})
    if bid.status not in EVALUATED:
        raise ValidationError(
            {"bid": f"The bid from {bid.bidder.name} is {bid.get_status_display().lower()}; it cannot win."}
        )
    criteria = list(Criterion.objects.filter(procurement=current))
    if not criteria:
        raise ValidationError(
            {"bid": "Set the evaluation criteria and moderate the scores before the award."}
        )
    bids = list(Bid.objects.filter(procurement=current, status__in=EVALUATED).select_related("bidder"))
    moderated = set(
        ModeratedScore.objects.filter(bid__procurement=current).values_list("bid_id", "criterion_id")
    )
    missing = [
        f"{other.bidder.name} on {criterion.name}"
        for other in bids
        for criterion in criteria
        if (other.pk, criterion.pk) not in moderated
    ]
    if missing:
        shown = "; ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise ValidationError(
            {
                "bid": f"Every bid under evaluation needs a moderated score on every criterion "
                f"first: missing {shown}."
            }
        )
    _check_stage(current, Stage.AWARD, awarded_on, field="awarded_on")
    auditor = Auditor(actor, partnership_id=current.partnership_id)
    _reach(auditor, current, Stage.AWARD, awarded_on, f"Awarded to {bid.bidder.name}.")
    before = snapshot(current)
    current.awarded_bid = bid
    current.awarded_on = awarded_on
    current.stage = Stage.AWARD
    current.status = ProcurementStatus.AWARDED
    current.version += 1
    current.save()
    auditor.updated(current, before, summary=f"Awarded to {bid.bidder.name} on {long_date(awarded_on)}")
    return current
