"""Commissioning strategies: at most eight objectives, submitted only with a complete schematic, an action
plan and measures of success, through a strategy decision of the partnership; a link to another partnership
refuses the whole change and every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.contracts.models import Contract
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.needs.models import Indicator
from commissioning.strategy import strategies, strategy_selectors
from commissioning.strategy.models import (
    CommissioningStrategy,
    ImplicationKind,
    Priority,
    ServiceDevelopment,
    StrategicObjective,
    StrategyAction,
    StrategyStatus,
    SuccessMeasure,
)

pytestmark = pytest.mark.django_db


def _strategy(partnership, actor, **overrides):
    data = {
        "care_group": partnership.care_groups.get(name="Older people"),
        "title": "Ageing well in the city",
        "horizon": "three_year",
        "starts_on": dt.date(2026, 4, 1),
        "ends_on": dt.date(2029, 3, 31),
        "purpose": "Care at home first.",
        "legislation": "Care Act 2014",
    }
    data.update(overrides)
    return strategies.create_strategy(actor=actor, partnership=partnership, **data)


def _development(actor, objective, **overrides):
    data = {
        "description": "Falls response service",
        "for_whom": "People aged 65 and over",
        "where": "City-wide",
        "by_when": dt.date(2027, 9, 30),
        "rationale": "Falls admissions are above England.",
        "implication": ImplicationKind.INVEST,
        "transition_cost": Decimal("12000.50"),
    }
    data.update(overrides)
    return strategies.add_development(actor=actor, objective=objective, **data)


def _complete(partnership, actor):
    strategy = _strategy(partnership, actor)
    objective = strategies.add_objective(actor=actor, strategy=strategy, text="Fewer falls")
    _development(actor, objective)
    strategies.add_action(
        actor=actor,
        strategy=strategy,
        action="Specify it",
        owner="Head of commissioning",
        due_on=dt.date(2027, 1, 1),
    )
    strategies.add_measure(actor=actor, strategy=strategy, measure="Falls admissions fall")
    return strategy


def _proposed_strategy_decision(partnership, actor, **overrides):
    data = {
        "partnership": partnership,
        "reference": "STR-TEST",
        "title": "Approve the strategy",
        "kind": "strategy",
        "state": DecisionState.PROPOSED,
        "proposed_by": actor,
    }
    data.update(overrides)
    return Decision.objects.create(**data)


def _foreign_priority(partnership, actor):
    return Priority.objects.create(
        partnership=partnership,
        care_group=partnership.care_groups.first(),
        title="Elsewhere",
        statement="Not ours",
        created_by=actor,
    )


def _counts():
    return (
        CommissioningStrategy.objects.count(),
        StrategicObjective.objects.count(),
        ServiceDevelopment.objects.count(),
        StrategyAction.objects.count(),
        SuccessMeasure.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_ninth_objective_is_refused(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _strategy(southampton, commissioner)
    for n in range(1, 9):
        objective = strategies.add_objective(actor=commissioner, strategy=strategy, text=f"Objective {n}")
        assert objective.position == n
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        strategies.add_objective(actor=commissioner, strategy=strategy, text="One too many")
    assert refused.value.message_dict["text"] == ["A strategy has at most eight strategic objectives."]
    assert _counts() == before


def test_removing_an_objective_closes_the_gap_in_numbering(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _strategy(southampton, commissioner)
    _, second, _ = (
        strategies.add_objective(actor=commissioner, strategy=strategy, text=t) for t in ("A", "B", "C")
    )
    removed_pk = second.pk
    strategies.remove_objective(actor=commissioner, objective=second)
    assert list(strategy.objectives.values_list("objective", "position")) == [("A", 1), ("C", 2)]
    second.pk = removed_pk
    assert history_for(second).filter(action="delete", actor=commissioner).exists()


def test_submit_refuses_an_empty_strategy_with_every_reason(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _strategy(southampton, commissioner)
    decision = _proposed_strategy_decision(southampton, commissioner)
    with pytest.raises(ValidationError) as refused:
        strategies.submit_for_approval(actor=commissioner, strategy=strategy, decision=decision)
    errors = refused.value.message_dict
    assert errors["objectives"] == ["Add at least one strategic objective."]
    assert errors["actions"] == [strategies.NO_ACTIONS]
    assert strategies.NO_ACTIONS.startswith("A strategy cannot be submitted without an action plan")
    assert errors["measures"] == ["Add at least one measure of success."]
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.DRAFT and strategy.decision is None


def test_submit_refuses_an_objective_without_a_development(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _complete(southampton, commissioner)
    strategies.add_objective(actor=commissioner, strategy=strategy, text="No gap said yet")
    decision = _proposed_strategy_decision(southampton, commissioner)
    with pytest.raises(ValidationError) as refused:
        strategies.submit_for_approval(actor=commissioner, strategy=strategy, decision=decision)
    assert refused.value.message_dict == {
        "developments": ["Objective 2 has no service development: say what the gap is."]
    }


def test_submit_refuses_without_an_action_plan_or_measures(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _complete(southampton, commissioner)
    strategy.actions.all().delete()
    strategy.measures.all().delete()
    with pytest.raises(ValidationError) as refused:
        strategies.submit_for_approval(
            actor=commissioner,
            strategy=strategy,
            decision=_proposed_strategy_decision(southampton, commissioner),
        )
    assert set(refused.value.message_dict) == {"actions", "measures"}


def test_submit_needs_a_proposed_or_approved_strategy_decision_of_the_partnership(
    southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _complete(southampton, commissioner)
    cases = [
        (None, "Choose the governance decision that will approve the strategy."),
        (
            _proposed_strategy_decision(nottinghamshire, commissioner, reference="N-STR"),
            "That decision belongs to another partnership.",
        ),
        (
            _proposed_strategy_decision(southampton, commissioner, reference="B-1", kind="budget"),
            "B-1 is not a strategy decision.",
        ),
        (
            _proposed_strategy_decision(
                southampton, commissioner, reference="D-1", state=DecisionState.DRAFT
            ),
            "D-1 is draft; choose one that is proposed or approved.",
        ),
    ]
    before = _counts()
    for decision, message in cases:
        with pytest.raises(ValidationError) as refused:
            strategies.submit_for_approval(actor=commissioner, strategy=strategy, decision=decision)
        assert refused.value.message_dict["decision"] == [message]
    assert _counts() == before


def test_submitted_strategy_follows_its_decision_and_is_locked(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _complete(southampton, commissioner)
    decision = _proposed_strategy_decision(southampton, commissioner)
    strategies.submit_for_approval(actor=commissioner, strategy=strategy, decision=decision)
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED and strategy.decision == decision
    assert strategy_selectors.approval_state(strategy) == StrategyStatus.SUBMITTED
    [event] = [e for e in history_for(strategy) if e.action == "state"]
    assert event.actor == commissioner and event.after["decision"] == decision.pk

    decision.state = DecisionState.APPROVED
    decision.save()
    strategy.refresh_from_db()
    assert strategy_selectors.approval_state(strategy) == StrategyStatus.APPROVED
    decision.state = DecisionState.REJECTED
    decision.save()
    strategy.refresh_from_db()
    assert strategy_selectors.approval_state(strategy) == StrategyStatus.REJECTED

    with pytest.raises(ValidationError) as locked:
        strategies.add_objective(actor=commissioner, strategy=strategy, text="Late addition")
    assert locked.value.messages == ["A strategy submitted for approval cannot be changed."]


@pytest.mark.parametrize("field", ["care_group", "priorities"])
def test_a_strategy_linking_another_partnership_is_refused_whole(
    field, southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    foreign = {
        "care_group": nottinghamshire.care_groups.first(),
        "priorities": [_foreign_priority(nottinghamshire, commissioner)],
    }
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        _strategy(southampton, commissioner, **{field: foreign[field]})
    assert field in refused.value.message_dict
    assert "another partnership" in refused.value.message_dict[field][0]
    assert _counts() == before


def test_parts_linking_another_partnership_are_refused_with_nothing_saved(
    southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _strategy(southampton, commissioner)
    objective = strategies.add_objective(actor=commissioner, strategy=strategy, text="Fewer falls")
    other_contract = Contract.objects.filter(partnership=nottinghamshire).first()
    other_indicator = Indicator.objects.create(
        partnership=nottinghamshire, code="foreign", name="Foreign", value_type="proportion"
    )
    other_priority = _foreign_priority(nottinghamshire, commissioner)
    before = _counts()
    with pytest.raises(ValidationError) as contract:
        _development(
            commissioner, objective, implication=ImplicationKind.RENEGOTIATE_CONTRACT, contract=other_contract
        )
    assert contract.value.message_dict["contract"] == ["That contract belongs to another partnership."]
    with pytest.raises(ValidationError) as indicator:
        strategies.add_measure(actor=commissioner, strategy=strategy, measure="x", indicator=other_indicator)
    assert indicator.value.message_dict["indicator"] == ["That indicator belongs to another partnership."]
    with pytest.raises(ValidationError) as priority:
        strategies.add_objective(actor=commissioner, strategy=strategy, text="x", priority=other_priority)
    assert priority.value.message_dict["priority"] == ["That priority belongs to another partnership."]
    assert _counts() == before


def test_a_renegotiation_names_its_contract(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _strategy(southampton, commissioner)
    objective = strategies.add_objective(actor=commissioner, strategy=strategy, text="Fewer falls")
    with pytest.raises(ValidationError) as refused:
        _development(commissioner, objective, implication=ImplicationKind.DECOMMISSION)
    assert refused.value.message_dict["contract"] == ["Choose the contract to renegotiate or decommission."]


def test_every_change_is_audited_against_the_partnership(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    strategy = _complete(southampton, commissioner)
    created = history_for(strategy).get(action="create")
    assert created.partnership_id == southampton.pk and created.after["title"] == "Ageing well in the city"
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    assert history_for(development).get(action="create").after["transition_cost"] == "12000.50"
    for model in (StrategicObjective, StrategyAction, SuccessMeasure):
        row = model.objects.filter(**({"strategy": strategy})).first()
        assert history_for(row).filter(action="create", actor=commissioner).exists()
    strategies.update_strategy(
        actor=commissioner,
        strategy=strategy,
        care_group=strategy.care_group,
        title="Ageing well",
        horizon="one_year",
        starts_on=strategy.starts_on,
        ends_on=dt.date(2027, 3, 31),
        purpose=strategy.purpose,
    )
    strategy.refresh_from_db()
    assert strategy.version == 2
    updated = history_for(strategy).get(action="update")
    assert updated.before["title"] == "Ageing well in the city" and updated.after["title"] == "Ageing well"


def test_only_managers_write(southampton, user_for):
    viewer = user_for("southampton", Role.VIEWER)
    with pytest.raises(NotPermitted):
        _strategy(southampton, viewer)


def test_dates_and_required_fields_are_checked(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    with pytest.raises(ValidationError) as refused:
        _strategy(southampton, commissioner, ends_on=dt.date(2026, 1, 1), purpose=" ", horizon="forever")
    errors = refused.value.message_dict
    assert errors["ends_on"] == ["The strategy must end after it starts."]
    assert set(errors) >= {"purpose", "horizon"}
