"""Writes to commissioning strategies: the strategy, its schematic, action plan and measures.

Every function needs ``Permission.MANAGE_STRATEGY`` in the strategy's partnership, checks everything
before writing, refuses with a ``ValidationError`` keyed by field, and records each change in the audit
trail. Whatever a strategy links to (care group, priorities, outcomes, areas, contracts, indicators,
the deciding decision) must be the same partnership's. Only a draft strategy can change; it goes
through governance by being linked to a strategy decision of the partnership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from commissioning.contracts.models import Contract
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.governance.models import Decision, DecisionKind, DecisionState
from commissioning.needs.models import Indicator
from commissioning.partners.models import Area, CareGroup, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.strategy.models import (
    MAX_OBJECTIVES,
    CommissioningStrategy,
    ImplicationKind,
    Outcome,
    Priority,
    ServiceDevelopment,
    StrategicObjective,
    StrategyAction,
    StrategyHorizon,
    StrategyStatus,
    SuccessMeasure,
)

TOO_MANY_OBJECTIVES = "A strategy has at most eight strategic objectives."
NOT_DRAFT = "A strategy submitted for approval cannot be changed."
OTHER_CARE_GROUP = "That care group belongs to another partnership."
OTHER_PRIORITY = "That priority belongs to another partnership."
OTHER_OUTCOME = "That outcome belongs to another partnership's framework."
OTHER_AREA = "That area is not one of this partnership's areas."
OTHER_CONTRACT = "That contract belongs to another partnership."
OTHER_INDICATOR = "That indicator belongs to another partnership."
OTHER_DECISION = "That decision belongs to another partnership."
NO_OBJECTIVES = "Add at least one strategic objective."
NO_ACTIONS = (
    "A strategy cannot be submitted without an action plan: add at least one action with an owner and a date."
)
NO_MEASURES = "Add at least one measure of success."
NOT_REJECTED = "Only a strategy whose approval was rejected can be revised into a new draft."


def _auditor(actor: User, partnership: Partnership) -> Auditor:
    return Auditor(actor, partnership_id=partnership.pk)


def _require(actor: User, strategy: CommissioningStrategy) -> Partnership:
    """The strategy's partnership, once the actor may manage it and the strategy is still a draft."""
    partnership = strategy.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if strategy.status != StrategyStatus.DRAFT:
        raise ValidationError({"__all__": NOT_DRAFT})
    return partnership


# The strategy --------------------------------------------------------------------------------


def _check_strategy(
    partnership: Partnership,
    *,
    care_group: CareGroup | None,
    title: str,
    horizon: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    purpose: str,
    priorities: Sequence[Priority],
    exclude: int = 0,
) -> None:
    errors: dict[str, str] = {}
    if care_group is None:
        errors["care_group"] = "Choose the care group the strategy is for."
    elif care_group.partnership_id != partnership.pk:
        errors["care_group"] = OTHER_CARE_GROUP
    if not title.strip():
        errors["title"] = "Enter the strategy's title."
    elif (
        "care_group" not in errors
        and CommissioningStrategy.objects.filter(
            partnership=partnership, care_group=care_group, title__iexact=title.strip()
        )
        .exclude(pk=exclude)
        .exists()
    ):
        assert care_group is not None
        errors["title"] = f"{care_group.name} already has a strategy called {title.strip()}."
    if horizon not in StrategyHorizon.values:
        errors["horizon"] = "Choose the strategy's horizon."
    if starts_on is None:
        errors["starts_on"] = "Enter the date the strategy starts."
    if ends_on is None:
        errors["ends_on"] = "Enter the date the strategy ends."
    elif starts_on is not None and ends_on <= starts_on:
        errors["ends_on"] = "The strategy must end after it starts."
    if not purpose.strip():
        errors["purpose"] = "Say what the strategy is for."
    if any(p.partnership_id != partnership.pk for p in priorities):
        errors["priorities"] = OTHER_PRIORITY
    elif care_group is not None and any(p.care_group_id != care_group.pk for p in priorities):
        errors["priorities"] = "Choose priorities of the strategy's own care group."
    if errors:
        raise ValidationError(errors)


def _strategy_snapshot(strategy: CommissioningStrategy) -> dict[str, Any]:
    data = snapshot(strategy)
    data["priorities"] = sorted(strategy.priorities.values_list("pk", flat=True))
    return data


@transaction.atomic
def create_strategy(
    *,
    actor: User,
    partnership: Partnership,
    care_group: CareGroup | None,
    title: str,
    horizon: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    purpose: str,
    commitments: str = "",
    legislation: str = "",
    priorities: Sequence[Priority] = (),
) -> CommissioningStrategy:
    """A draft strategy for a care group, resting on the care group's priorities."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    priorities = list(priorities)
    _check_strategy(
        partnership,
        care_group=care_group,
        title=title,
        horizon=horizon,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose,
        priorities=priorities,
    )
    assert care_group is not None and starts_on is not None and ends_on is not None
    strategy = CommissioningStrategy(
        partnership=partnership,
        care_group=care_group,
        title=title.strip(),
        horizon=horizon,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose.strip(),
        commitments=commitments.strip(),
        legislation=legislation.strip(),
        created_by=actor,
    )
    validate(strategy)
    strategy.save()
    strategy.priorities.set(priorities)
    _auditor(actor, partnership).record(
        AuditEvent.Action.CREATE,
        strategy,
        after=_strategy_snapshot(strategy),
        summary=f"Strategy {strategy.title} for {care_group.name} drafted",
    )
    return strategy


@transaction.atomic
def update_strategy(
    *,
    actor: User,
    strategy: CommissioningStrategy,
    care_group: CareGroup | None,
    title: str,
    horizon: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    purpose: str,
    commitments: str = "",
    legislation: str = "",
    priorities: Sequence[Priority] = (),
) -> CommissioningStrategy:
    partnership = _require(actor, strategy)
    priorities = list(priorities)
    _check_strategy(
        partnership,
        care_group=care_group,
        title=title,
        horizon=horizon,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose,
        priorities=priorities,
        exclude=strategy.pk,
    )
    assert care_group is not None and starts_on is not None and ends_on is not None
    before = _strategy_snapshot(strategy)
    strategy.care_group = care_group
    strategy.title = title.strip()
    strategy.horizon = horizon
    strategy.starts_on, strategy.ends_on = starts_on, ends_on
    strategy.purpose = purpose.strip()
    strategy.commitments = commitments.strip()
    strategy.legislation = legislation.strip()
    validate(strategy)
    strategy.priorities.set(priorities)
    if _strategy_snapshot(strategy) != before:
        strategy.version += 1
        strategy.save()
        _auditor(actor, partnership).record(
            AuditEvent.Action.UPDATE,
            strategy,
            before=before,
            after=_strategy_snapshot(strategy),
            summary=f"Strategy {strategy.title} updated",
        )
    return strategy


# Objectives ----------------------------------------------------------------------------------


def _check_objective(
    partnership: Partnership, *, text: str, priority: Priority | None, outcome: Outcome | None
) -> None:
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the strategic objective."
    if priority is not None and priority.partnership_id != partnership.pk:
        errors["priority"] = OTHER_PRIORITY
    if outcome is not None and outcome.framework.partnership_id != partnership.pk:
        errors["outcome"] = OTHER_OUTCOME
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_objective(
    *,
    actor: User,
    strategy: CommissioningStrategy,
    text: str,
    priority: Priority | None = None,
    outcome: Outcome | None = None,
) -> StrategicObjective:
    """The next strategic objective; a ninth is refused."""
    partnership = _require(actor, strategy)
    # Lock the strategy so two objectives added at once cannot both take the eighth place.
    CommissioningStrategy.objects.select_for_update().filter(pk=strategy.pk).first()
    last = strategy.objectives.aggregate(last=Max("position"))["last"] or 0
    if last >= MAX_OBJECTIVES:
        raise ValidationError({"text": TOO_MANY_OBJECTIVES})
    _check_objective(partnership, text=text, priority=priority, outcome=outcome)
    objective = StrategicObjective(
        strategy=strategy, position=last + 1, objective=text.strip(), priority=priority, outcome=outcome
    )
    validate(objective)
    objective.save()
    _auditor(actor, partnership).created(
        objective, summary=f"Objective {objective.position} added to {strategy.title}"
    )
    return objective


@transaction.atomic
def update_objective(
    *,
    actor: User,
    objective: StrategicObjective,
    text: str,
    priority: Priority | None = None,
    outcome: Outcome | None = None,
) -> StrategicObjective:
    partnership = _require(actor, objective.strategy)
    _check_objective(partnership, text=text, priority=priority, outcome=outcome)
    before = snapshot(objective)
    objective.objective, objective.priority, objective.outcome = text.strip(), priority, outcome
    validate(objective)
    objective.save()
    _auditor(actor, partnership).updated(
        objective, before, summary=f"Objective {objective.position} of {objective.strategy.title} updated"
    )
    return objective


@transaction.atomic
def remove_objective(*, actor: User, objective: StrategicObjective) -> None:
    """Remove an objective with its developments; the later objectives move up one place."""
    strategy = objective.strategy
    partnership = _require(actor, strategy)
    auditor = _auditor(actor, partnership)
    auditor.record_many(
        AuditEvent.Action.DELETE, [(d, snapshot(d), None) for d in objective.developments.all()]
    )
    auditor.deleted(
        objective,
        snapshot(objective),
        summary=f"Objective {objective.position} removed from {strategy.title}",
    )
    position = objective.position
    objective.delete()
    for later in strategy.objectives.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])


# Service developments ------------------------------------------------------------------------


def _check_development(
    partnership: Partnership,
    *,
    description: str,
    for_whom: str,
    by_when: dt.date | None,
    rationale: str,
    implication: str,
    where: str,
    areas: Sequence[Area],
    transition_cost: Decimal | None,
    contract: Contract | None,
) -> None:
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Say what the service development is."
    if not for_whom.strip():
        errors["for_whom"] = "Say who the development is for."
    if by_when is None:
        errors["by_when"] = "Enter the date it is needed by."
    if not rationale.strip():
        errors["rationale"] = "Give the rationale for the development."
    if implication not in ImplicationKind.values:
        errors["implication"] = "Choose what it means for commissioning."
    if areas and partnership.areas.filter(pk__in=[a.pk for a in areas]).count() != len({a.pk for a in areas}):
        errors["areas"] = OTHER_AREA
    if not where.strip() and not areas:
        errors["where"] = "Say where, or choose the areas."
    if transition_cost is not None and transition_cost < 0:
        errors["transition_cost"] = "The transition cost cannot be negative."
    if contract is not None and contract.partnership_id != partnership.pk:
        errors["contract"] = OTHER_CONTRACT
    elif contract is None and implication in (
        ImplicationKind.RENEGOTIATE_CONTRACT,
        ImplicationKind.DECOMMISSION,
    ):
        errors["contract"] = "Choose the contract to renegotiate or decommission."
    if errors:
        raise ValidationError(errors)


def _development_snapshot(development: ServiceDevelopment) -> dict[str, Any]:
    data = snapshot(development)
    data["areas"] = sorted(development.areas.values_list("pk", flat=True))
    return data


@transaction.atomic
def add_development(
    *,
    actor: User,
    objective: StrategicObjective,
    description: str,
    for_whom: str,
    by_when: dt.date | None,
    rationale: str,
    implication: str,
    where: str = "",
    areas: Sequence[Area] = (),
    implications: str = "",
    transition_cost: Decimal | None = None,
    success_measure: str = "",
    contract: Contract | None = None,
) -> ServiceDevelopment:
    """The gap an objective leaves: a service development, its rationale and its implications."""
    partnership = _require(actor, objective.strategy)
    areas = list(areas)
    _check_development(
        partnership,
        description=description,
        for_whom=for_whom,
        by_when=by_when,
        rationale=rationale,
        implication=implication,
        where=where,
        areas=areas,
        transition_cost=transition_cost,
        contract=contract,
    )
    assert by_when is not None
    development = ServiceDevelopment(
        objective=objective,
        description=description.strip(),
        for_whom=for_whom.strip(),
        where=where.strip(),
        by_when=by_when,
        rationale=rationale.strip(),
        implication=implication,
        implications=implications.strip(),
        transition_cost=transition_cost,
        success_measure=success_measure.strip(),
        contract=contract,
    )
    validate(development)
    development.save()
    development.areas.set(areas)
    _auditor(actor, partnership).record(
        AuditEvent.Action.CREATE,
        development,
        after=_development_snapshot(development),
        summary=f"Service development added to objective {objective.position} of {objective.strategy.title}",
    )
    return development


@transaction.atomic
def update_development(
    *,
    actor: User,
    development: ServiceDevelopment,
    description: str,
    for_whom: str,
    by_when: dt.date | None,
    rationale: str,
    implication: str,
    where: str = "",
    areas: Sequence[Area] = (),
    implications: str = "",
    transition_cost: Decimal | None = None,
    success_measure: str = "",
    contract: Contract | None = None,
) -> ServiceDevelopment:
    """Change a service development of a draft, under the same rules as adding one."""
    objective = development.objective
    partnership = _require(actor, objective.strategy)
    areas = list(areas)
    _check_development(
        partnership,
        description=description,
        for_whom=for_whom,
        by_when=by_when,
        rationale=rationale,
        implication=implication,
        where=where,
        areas=areas,
        transition_cost=transition_cost,
        contract=contract,
    )
    assert by_when is not None
    before = _development_snapshot(development)
    development.description = description.strip()
    development.for_whom = for_whom.strip()
    development.where = where.strip()
    development.by_when = by_when
    development.rationale = rationale.strip()
    development.implication = implication
    development.implications = implications.strip()
    development.transition_cost = transition_cost
    development.success_measure = success_measure.strip()
    development.contract = contract
    validate(development)
    development.save()
    development.areas.set(areas)
    after = _development_snapshot(development)
    if after != before:
        _auditor(actor, partnership).record(
            AuditEvent.Action.UPDATE,
            development,
            before=before,
            after=after,
            summary=f"Service development of objective {objective.position} of "
            f"{objective.strategy.title} updated",
        )
    return development


@transaction.atomic
def remove_development(*, actor: User, development: ServiceDevelopment) -> None:
    partnership = _require(actor, development.objective.strategy)
    _auditor(actor, partnership).deleted(
        development, _development_snapshot(development), summary="Service development removed"
    )
    development.delete()


# Action plan and measures --------------------------------------------------------------------


def _check_action(
    strategy: CommissioningStrategy,
    *,
    action: str,
    owner: str,
    due_on: dt.date | None,
    objective: StrategicObjective | None,
) -> None:
    errors: dict[str, str] = {}
    if not action.strip():
        errors["action"] = "Say what the action is."
    if not owner.strip():
        errors["owner"] = "Name who owns the action."
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due."
    if objective is not None and objective.strategy_id != strategy.pk:
        errors["objective"] = "Choose one of this strategy's objectives."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_action(
    *,
    actor: User,
    strategy: CommissioningStrategy,
    action: str,
    owner: str,
    due_on: dt.date | None,
    done_on: dt.date | None = None,
    objective: StrategicObjective | None = None,
) -> StrategyAction:
    """One line of the action plan, with its owner and date."""
    partnership = _require(actor, strategy)
    _check_action(strategy, action=action, owner=owner, due_on=due_on, objective=objective)
    assert due_on is not None
    row = StrategyAction(
        strategy=strategy,
        action=action.strip(),
        owner=owner.strip(),
        due_on=due_on,
        done_on=done_on,
        objective=objective,
    )
    validate(row)
    row.save()
    _auditor(actor, partnership).created(row, summary=f"Action added to {strategy.title}")
    return row


@transaction.atomic
def update_action(
    *,
    actor: User,
    plan_action: StrategyAction,
    action: str,
    owner: str,
    due_on: dt.date | None,
    done_on: dt.date | None = None,
    objective: StrategicObjective | None = None,
) -> StrategyAction:
    """Change a line of a draft's action plan, under the same rules as adding one."""
    strategy = plan_action.strategy
    partnership = _require(actor, strategy)
    _check_action(strategy, action=action, owner=owner, due_on=due_on, objective=objective)
    assert due_on is not None
    before = snapshot(plan_action)
    plan_action.action, plan_action.owner = action.strip(), owner.strip()
    plan_action.due_on, plan_action.done_on, plan_action.objective = due_on, done_on, objective
    validate(plan_action)
    plan_action.save()
    _auditor(actor, partnership).updated(plan_action, before, summary=f"Action of {strategy.title} updated")
    return plan_action


@transaction.atomic
def remove_action(*, actor: User, action: StrategyAction) -> None:
    partnership = _require(actor, action.strategy)
    _auditor(actor, partnership).deleted(action, snapshot(action), summary="Action removed")
    action.delete()


def _check_measure(partnership: Partnership, *, measure: str, indicator: Indicator | None) -> None:
    errors: dict[str, str] = {}
    if not measure.strip():
        errors["measure"] = "Say how success is measured."
    if indicator is not None and indicator.partnership_id != partnership.pk:
        errors["indicator"] = OTHER_INDICATOR
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_measure(
    *,
    actor: User,
    strategy: CommissioningStrategy,
    measure: str,
    indicator: Indicator | None = None,
    target: str = "",
) -> SuccessMeasure:
    """A measure of success, read live from the JSNA when it names an indicator."""
    partnership = _require(actor, strategy)
    _check_measure(partnership, measure=measure, indicator=indicator)
    row = SuccessMeasure(
        strategy=strategy, measure=measure.strip(), indicator=indicator, target=target.strip()
    )
    validate(row)
    row.save()
    _auditor(actor, partnership).created(row, summary=f"Measure of success added to {strategy.title}")
    return row


@transaction.atomic
def update_measure(
    *,
    actor: User,
    success_measure: SuccessMeasure,
    measure: str,
    indicator: Indicator | None = None,
    target: str = "",
) -> SuccessMeasure:
    """Change a draft's measure of success, under the same rules as adding one."""
    strategy = success_measure.strategy
    partnership = _require(actor, strategy)
    _check_measure(partnership, measure=measure, indicator=indicator)
    before = snapshot(success_measure)
    success_measure.measure, success_measure.indicator = measure.strip(), indicator
    success_measure.target = target.strip()
    validate(success_measure)
    success_measure.save()
    _auditor(actor, partnership).updated(
        success_measure, before, summary=f"Measure of success of {strategy.title} updated"
    )
    return success_measure


@transaction.atomic
def remove_measure(*, actor: User, measure: SuccessMeasure) -> None:
    partnership = _require(actor, measure.strategy)
    _auditor(actor, partnership).deleted(measure, snapshot(measure), summary="Measure of success removed")
    measure.delete()


# Approval ------------------------------------------------------------------------------------


def readiness_problems(strategy: CommissioningStrategy) -> dict[str, str]:
    """What stops the strategy going for approval, keyed by the part that is missing."""
    problems: dict[str, str] = {}
    objectives = list(strategy.objectives.order_by("position").values_list("position", "developments"))
    if not objectives:
        problems["objectives"] = NO_OBJECTIVES
    bare = sorted({position for position, development in objectives if development is None})
    if bare:
        numbers = ", ".join(str(n) for n in bare)
        problems["developments"] = (
            f"Objective{'s' if len(bare) > 1 else ''} {numbers} "
            f"{'have' if len(bare) > 1 else 'has'} no service development: say what the gap is."
        )
    if not strategy.actions.exclude(owner="").filter(due_on__isnull=False).exists():
        problems["actions"] = NO_ACTIONS
    if not strategy.measures.exists():
        problems["measures"] = NO_MEASURES
    return problems


@transaction.atomic
def submit_for_approval(
    *, actor: User, strategy: CommissioningStrategy, decision: Decision | None
) -> CommissioningStrategy:
    """Send a complete draft through governance by linking it to a proposed or approved decision."""
    partnership = _require(actor, strategy)
    errors = readiness_problems(strategy)
    if decision is not None:
        # Read the decision's state as governance has it now, not as the caller last saw it.
        decision.refresh_from_db(fields=["partnership", "kind", "state"])
    if decision is None:
        errors["decision"] = "Choose the governance decision that will approve the strategy."
    elif decision.partnership_id != partnership.pk:
        errors["decision"] = OTHER_DECISION
    elif decision.kind != DecisionKind.STRATEGY:
        errors["decision"] = f"{decision.reference} is not a strategy decision."
    elif decision.state not in (DecisionState.PROPOSED, DecisionState.APPROVED):
        errors["decision"] = (
            f"{decision.reference} is {decision.get_state_display().lower()}; "
            "choose one that is proposed or approved."
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(strategy)
    strategy.status = StrategyStatus.SUBMITTED
    strategy.decision = decision
    strategy.save(update_fields=["status", "decision"])
    assert decision is not None
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        strategy,
        before=before,
        after=snapshot(strategy),
        summary=f"Strategy {strategy.title} submitted for approval through {decision.reference}",
    )
    return strategy


def is_rejected(strategy: CommissioningStrategy) -> bool:
    """Whether governance turned the strategy down: its status says so, or its decision was rejected."""
    if strategy.status == StrategyStatus.REJECTED:
        return True
    decision = strategy.decision
    return (
        strategy.status == StrategyStatus.SUBMITTED
        and decision is not None
        and decision.state == DecisionState.REJECTED
    )


@transaction.atomic
def revise_strategy(*, actor: User, strategy: CommissioningStrategy) -> CommissioningStrategy:
    """Bring a rejected strategy back as a new draft, to be changed and submitted with a new decision.

    The draft is the next version of the same strategy; the audit trail keeps the earlier submission and
    the decision that rejected it (a rejected decision cannot approve it again).
    """
    partnership = strategy.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    locked = CommissioningStrategy.objects.select_for_update().get(pk=strategy.pk)
    if not is_rejected(locked):
        raise ValidationError({"__all__": NOT_REJECTED})
    before = snapshot(locked)
    rejected_by = locked.decision.reference if locked.decision else "its decision"
    locked.status = StrategyStatus.DRAFT
    locked.decision = None
    locked.version += 1
    locked.save(update_fields=["status", "decision", "version"])
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        locked,
        before=before,
        after=snapshot(locked),
        summary=f"Strategy {locked.title} revised into draft version {locked.version} after {rejected_by} "
        "was rejected",
    )
    return locked
