"""Finishing commissioning strategies: service developments, actions and measures can be changed (under the
same rules as adding them) or removed while a draft, and a rejected strategy is revised into a new draft
and resubmitted with a new decision, its earlier submission kept in the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commissioning.contracts.models import Contract
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.needs.models import Indicator
from commissioning.strategy import strategies, strategy_selectors
from commissioning.strategy.models import (
    ImplicationKind,
    ServiceDevelopment,
    StrategyAction,
    StrategyStatus,
    SuccessMeasure,
)

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def _development_data(**overrides):
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
    return data


def _complete(partnership, actor, title="Ageing well in the city"):
    strategy = strategies.create_strategy(
        actor=actor,
        partnership=partnership,
        care_group=partnership.care_groups.get(name="Older people"),
        title=title,
        horizon="three_year",
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2029, 3, 31),
        purpose="Care at home first.",
    )
    objective = strategies.add_objective(actor=actor, strategy=strategy, text="Fewer falls")
    strategies.add_development(actor=actor, objective=objective, **_development_data())
    strategies.add_action(
        actor=actor,
        strategy=strategy,
        action="Specify it",
        owner="Head of commissioning",
        due_on=dt.date(2027, 1, 1),
    )
    strategies.add_measure(actor=actor, strategy=strategy, measure="Falls admissions fall")
    return strategy


def _decision(partnership, actor, reference, state=DecisionState.PROPOSED):
    return Decision.objects.create(
        partnership=partnership,
        reference=reference,
        title="Approve the strategy",
        kind="strategy",
        state=state,
        proposed_by=actor,
    )


def _submitted(partnership, actor, reference="STR-1"):
    strategy = _complete(partnership, actor)
    decision = _decision(partnership, actor, reference)
    strategies.submit_for_approval(actor=actor, strategy=strategy, decision=decision)
    strategy.refresh_from_db()
    return strategy, decision


def _reject(decision):
    Decision.objects.filter(pk=decision.pk).update(state=DecisionState.REJECTED)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


# Service developments ------------------------------------------------------------------------


def test_a_development_changes_with_its_areas_and_the_change_is_audited(southampton, commissioner):
    strategy = _complete(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    area = southampton.areas.first()
    strategies.update_development(
        actor=commissioner,
        development=development,
        **_development_data(description="Falls and frailty service", where="", areas=[area]),
    )
    development.refresh_from_db()
    assert development.description == "Falls and frailty service"
    assert list(development.areas.all()) == [area]
    event = history_for(development).get(action=AuditEvent.Action.UPDATE)
    assert event.actor == commissioner and event.partnership_id == southampton.pk
    assert event.before["description"] == "Falls response service" and event.before["areas"] == []
    assert event.after["areas"] == [area.pk]


def test_a_development_is_changed_under_the_same_rules_as_it_was_added(
    southampton, nottinghamshire, commissioner
):
    strategy = _complete(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    foreign = Contract.objects.filter(partnership=nottinghamshire).first()
    cases = [
        ({"description": " "}, "description", "Say what the service development is."),
        ({"where": "", "areas": []}, "where", "Say where, or choose the areas."),
        ({"transition_cost": Decimal("-1")}, "transition_cost", "The transition cost cannot be negative."),
        (
            {"implication": ImplicationKind.DECOMMISSION},
            "contract",
            "Choose the contract to renegotiate or decommission.",
        ),
        (
            {"implication": ImplicationKind.RENEGOTIATE_CONTRACT, "contract": foreign},
            "contract",
            "That contract belongs to another partnership.",
        ),
        (
            {"areas": [nottinghamshire.areas.exclude(partnerships=southampton).first()]},
            "areas",
            strategies.OTHER_AREA,
        ),
    ]
    for overrides, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            strategies.update_development(
                actor=commissioner, development=development, **_development_data(**overrides)
            )
        assert refused.value.message_dict[field] == [message], field
    development.refresh_from_db()
    assert development.description == "Falls response service" and development.contract is None
    assert not history_for(development).filter(action=AuditEvent.Action.UPDATE).exists()


def test_a_development_is_removed_and_audited(southampton, commissioner):
    strategy = _complete(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    pk = development.pk
    strategies.remove_development(actor=commissioner, development=development)
    assert not ServiceDevelopment.objects.filter(pk=pk).exists()
    development.pk = pk
    event = history_for(development).get(action=AuditEvent.Action.DELETE)
    assert event.before["description"] == "Falls response service" and event.before["areas"] == []


# Actions and measures ------------------------------------------------------------------------


def test_an_action_changes_under_the_same_rules_as_it_was_added(southampton, commissioner):
    strategy = _complete(southampton, commissioner)
    other = _complete(southampton, commissioner, title="Another strategy")
    row = strategy.actions.get()
    with pytest.raises(ValidationError) as refused:
        strategies.update_action(
            actor=commissioner,
            plan_action=row,
            action="Specify it",
            owner=" ",
            due_on=None,
            objective=other.objectives.get(),
        )
    assert refused.value.message_dict == {
        "owner": ["Name who owns the action."],
        "due_on": ["Enter the date the action is due."],
        "objective": ["Choose one of this strategy's objectives."],
    }
    strategies.update_action(
        actor=commissioner,
        plan_action=row,
        action="Specify the falls service",
        owner="Falls lead",
        due_on=dt.date(2027, 2, 1),
        done_on=dt.date(2027, 1, 20),
        objective=strategy.objectives.get(),
    )
    row.refresh_from_db()
    assert (row.owner, row.done_on) == ("Falls lead", dt.date(2027, 1, 20))
    event = history_for(row).get(action=AuditEvent.Action.UPDATE)
    assert event.before["owner"] == "Head of commissioning" and event.after["owner"] == "Falls lead"


def test_a_measure_changes_under_the_same_rules_as_it_was_added(southampton, nottinghamshire, commissioner):
    strategy = _complete(southampton, commissioner)
    row = strategy.measures.get()
    foreign = Indicator.objects.create(
        partnership=nottinghamshire, code="foreign", name="Foreign", value_type="proportion"
    )
    with pytest.raises(ValidationError) as refused:
        strategies.update_measure(actor=commissioner, success_measure=row, measure="", indicator=foreign)
    assert refused.value.message_dict == {
        "measure": ["Say how success is measured."],
        "indicator": ["That indicator belongs to another partnership."],
    }
    ours = Indicator.objects.filter(partnership=southampton).first()
    strategies.update_measure(
        actor=commissioner,
        success_measure=row,
        measure="Fewer falls admissions",
        indicator=ours,
        target="-10 %",
    )
    row.refresh_from_db()
    assert (row.measure, row.indicator, row.target) == ("Fewer falls admissions", ours, "-10 %")
    assert history_for(row).filter(action=AuditEvent.Action.UPDATE, actor=commissioner).exists()


def test_a_submitted_strategys_parts_cannot_change(southampton, commissioner):
    strategy, _ = _submitted(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    with pytest.raises(ValidationError) as locked:
        strategies.update_development(actor=commissioner, development=development, **_development_data())
    assert locked.value.messages == [strategies.NOT_DRAFT]
    with pytest.raises(ValidationError):
        strategies.update_action(
            actor=commissioner,
            plan_action=strategy.actions.get(),
            action="x",
            owner="y",
            due_on=dt.date(2027, 1, 1),
        )
    with pytest.raises(ValidationError):
        strategies.update_measure(actor=commissioner, success_measure=strategy.measures.get(), measure="x")


def test_only_managers_change_parts(southampton, commissioner, user_for):
    strategy = _complete(southampton, commissioner)
    with pytest.raises(NotPermitted):
        strategies.update_measure(
            actor=user_for("southampton", Role.VIEWER), success_measure=strategy.measures.get(), measure="x"
        )


# Revising a rejected strategy ----------------------------------------------------------------


def test_only_a_rejected_strategy_can_be_revised(southampton, commissioner):
    draft = _complete(southampton, commissioner, title="Still a draft")
    with pytest.raises(ValidationError) as refused:
        strategies.revise_strategy(actor=commissioner, strategy=draft)
    assert refused.value.messages == [strategies.NOT_REJECTED]
    strategy, decision = _submitted(southampton, commissioner)
    with pytest.raises(ValidationError):
        strategies.revise_strategy(actor=commissioner, strategy=strategy)  # proposed, not yet decided
    Decision.objects.filter(pk=decision.pk).update(state=DecisionState.APPROVED)
    strategy.refresh_from_db()
    with pytest.raises(ValidationError):
        strategies.revise_strategy(actor=commissioner, strategy=strategy)
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED and strategy.decision == decision


def test_a_rejected_strategy_is_revised_and_resubmitted_with_a_new_decision(southampton, commissioner):
    strategy, first = _submitted(southampton, commissioner)
    _reject(first)
    strategy.refresh_from_db()
    assert strategy_selectors.approval_state(strategy) == StrategyStatus.REJECTED
    revised = strategies.revise_strategy(actor=commissioner, strategy=strategy)
    assert revised.pk == strategy.pk
    assert revised.status == StrategyStatus.DRAFT and revised.decision is None and revised.version == 2
    # A draft again: it can change, and the rejected decision cannot approve it.
    strategies.update_measure(
        actor=commissioner, success_measure=revised.measures.get(), measure="Falls admissions fall by a tenth"
    )
    with pytest.raises(ValidationError) as refused:
        strategies.submit_for_approval(actor=commissioner, strategy=revised, decision=first)
    assert refused.value.message_dict["decision"] == [
        "STR-1 is rejected; choose one that is proposed or approved."
    ]
    second = _decision(southampton, commissioner, "STR-2")
    strategies.submit_for_approval(actor=commissioner, strategy=revised, decision=second)
    revised.refresh_from_db()
    assert revised.status == StrategyStatus.SUBMITTED and revised.decision == second
    submitted, revision, resubmitted = strategy_selectors.submissions_of(revised)
    assert submitted.after["decision"] == first.pk
    assert revision.before["decision"] == first.pk and revision.before["status"] == StrategyStatus.SUBMITTED
    assert revision.after["status"] == StrategyStatus.DRAFT and revision.after["version"] == 2
    assert "after STR-1 was rejected" in revision.summary and revision.actor == commissioner
    assert resubmitted.after["decision"] == second.pk


def test_only_managers_revise(southampton, commissioner, user_for):
    strategy, decision = _submitted(southampton, commissioner)
    _reject(decision)
    strategy.refresh_from_db()
    with pytest.raises(NotPermitted):
        strategies.revise_strategy(actor=user_for("southampton", Role.VIEWER), strategy=strategy)
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED


# Pages ---------------------------------------------------------------------------------------


def test_commissioner_changes_a_development_action_and_measure_through_the_pages(
    client_for, southampton, commissioner
):
    strategy = _complete(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    action, measure = strategy.actions.get(), strategy.measures.get()
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(_url("strategy", strategy.pk)).content.decode()
    for name, args in (
        ("strategy_development_edit", [development.pk]),
        ("strategy_action_edit", [strategy.pk, action.pk]),
        ("strategy_measure_edit", [strategy.pk, measure.pk]),
    ):
        assert _url(name, *args) in page
        assert client.get(_url(name, *args)).status_code == 200
    form = {
        "description": "Falls and frailty service",
        "for_whom": "Over 65s",
        "where": "City-wide",
        "by_when": "2027-09-30",
        "rationale": "Above England",
        "implication": "decommission",
    }
    response = client.post(_url("strategy_development_edit", development.pk), form)
    assert response.status_code == 400
    assert "Choose the contract to renegotiate or decommission." in response.content.decode()
    response = client.post(
        _url("strategy_development_edit", development.pk), {**form, "implication": "invest"}
    )
    assert response.status_code == 302
    assert ServiceDevelopment.objects.get(pk=development.pk).description == "Falls and frailty service"
    response = client.post(
        _url("strategy_action_edit", strategy.pk, action.pk),
        {"action": "Specify", "owner": "Falls lead", "due_on": "2027-03-31", "done_on": "2027-03-01"},
    )
    assert response.status_code == 302 and StrategyAction.objects.get(pk=action.pk).owner == "Falls lead"
    response = client.post(
        _url("strategy_measure_edit", strategy.pk, measure.pk), {"measure": "", "target": "x"}
    )
    assert response.status_code == 400
    response = client.post(_url("strategy_measure_edit", strategy.pk, measure.pk), {"measure": "Fewer falls"})
    assert response.status_code == 302 and SuccessMeasure.objects.get(pk=measure.pk).measure == "Fewer falls"
    response = client.post(_url("strategy_part_remove", strategy.pk, "development", development.pk))
    assert response.status_code == 302 and not ServiceDevelopment.objects.filter(pk=development.pk).exists()


def test_edit_pages_are_for_managers_of_the_partnership_only(client_for, southampton, commissioner):
    strategy = _complete(southampton, commissioner)
    development = ServiceDevelopment.objects.get(objective__strategy=strategy)
    action, measure = strategy.actions.get(), strategy.measures.get()
    urls = [
        ("strategy_development_edit", [development.pk]),
        ("strategy_action_edit", [strategy.pk, action.pk]),
        ("strategy_measure_edit", [strategy.pk, measure.pk]),
    ]
    viewer = client_for("southampton", Role.VIEWER)
    for name, args in urls:
        assert viewer.get(_url(name, *args)).status_code == 403
    assert viewer.post(_url("strategy_revise", strategy.pk)).status_code == 403
    stranger = client_for("nottinghamshire", Role.COMMISSIONER)
    for name, args in urls:
        assert stranger.get(_url(name, *args, slug="nottinghamshire")).status_code == 404
    other = _complete(southampton, commissioner, title="Another strategy")
    commissioner_client = client_for("southampton", Role.COMMISSIONER)
    assert commissioner_client.get(_url("strategy_action_edit", other.pk, action.pk)).status_code == 404


def test_a_rejected_strategy_is_revised_through_its_page(client_for, southampton, commissioner):
    strategy, decision = _submitted(southampton, commissioner)
    _reject(decision)
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(_url("strategy", strategy.pk)).content.decode()
    assert "STR-1 rejected this strategy." in page and "Revise into a new draft" in page
    assert client.get(_url("strategy_revise", strategy.pk)).status_code == 405
    response = client.post(_url("strategy_revise", strategy.pk))
    assert response.status_code == 302
    page = client.get(_url("strategy", strategy.pk)).content.decode()
    assert "Change the strategy" in page and "Revise into a new draft" not in page
    assert "Approval history" in page and "after STR-1 was rejected" in page
    assert "submitted for approval through STR-1" in page
    again = client.post(_url("strategy_revise", strategy.pk), follow=True).content.decode()
    assert strategies.NOT_REJECTED in again


def test_the_detail_page_stays_bounded_with_its_history(
    client_for, southampton, commissioner, django_assert_max_num_queries
):
    strategy, decision = _submitted(southampton, commissioner)
    _reject(decision)
    strategies.revise_strategy(actor=commissioner, strategy=strategy)
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(36):
        response = client.get(_url("strategy", strategy.pk))
    assert response.status_code == 200
