"""The commissioning strategy pages over HTTP: the list and the schematic for every commissioning role,
writes for commissioners only, nothing for a provider's contact, bounded queries, and the demo."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from commissioning.core.permissions import Role
from commissioning.demo import strategy as demo
from commissioning.governance.models import Decision, DecisionState
from commissioning.strategy.models import (
    CommissioningStrategy,
    Service,
    ServiceDevelopment,
    StrategicObjective,
    StrategyStatus,
)

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def _older_people(southampton):
    return CommissioningStrategy.objects.get(partnership=southampton, care_group__name="Older people")


def test_demo_gives_older_people_a_full_strategy(southampton):
    strategy = _older_people(southampton)
    objectives = list(strategy.objectives.all())
    assert 3 <= len(objectives) <= 5
    assert all(o.priority and o.priority.partnership_id == southampton.pk for o in objectives)
    assert all(o.developments.exists() for o in objectives)
    assert strategy.actions.exists() and strategy.measures.filter(indicator__isnull=False).exists()


def test_demo_is_idempotent(southampton, user_for):
    before = (
        CommissioningStrategy.objects.count(),
        StrategicObjective.objects.count(),
        ServiceDevelopment.objects.count(),
    )
    demo.load(actor=user_for("southampton", Role.ADMINISTRATOR), say=lambda _: None)
    after = (
        CommissioningStrategy.objects.count(),
        StrategicObjective.objects.count(),
        ServiceDevelopment.objects.count(),
    )
    assert after == before


def test_list_shows_strategies_by_care_group(client_for, southampton, django_assert_max_num_queries):
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(15):
        response = client.get(_url("strategies"))
    assert response.status_code == 200
    text = response.content.decode()
    assert _older_people(southampton).title in text and "10-year strategy" in text
    assert "Draft a strategy" not in text


def test_detail_shows_schematic_plan_measures_needs_and_resources(
    client_for, southampton, django_assert_max_num_queries
):
    strategy = _older_people(southampton)
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(40):
        response = client.get(_url("strategy", strategy.pk))
    assert response.status_code == 200
    text = response.content.decode()
    development = ServiceDevelopment.objects.filter(objective__strategy=strategy).first()
    assert development.description in text and development.rationale in text
    assert strategy.actions.first().owner in text
    assert strategy.measures.first().measure in text
    # Current services come live from the services map, and each objective names the services it has
    mapped = Service.objects.filter(partnership=southampton, care_groups=strategy.care_group, status="active")
    assert mapped.exists() and all(service.name in text for service in mapped)
    served = Service.objects.filter(objectives__strategy=strategy).first()
    assert served is not None and reverse("strategy:service", args=["southampton", served.pk]) in text
    assert "Active contracts" in text
    priority = strategy.priorities.first()
    assert priority.title in text
    assert "Worse" in text or "Better" in text or "Similar" in text  # live evidence badges
    assert "Change the strategy" not in text and "Remove" not in text


def test_commissioner_builds_and_submits_a_strategy_through_the_pages(client_for, southampton, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    group = southampton.care_groups.get(name="Older people")
    response = client.post(
        _url("strategy_new"),
        {
            "care_group": group.pk,
            "title": "Page-built plan",
            "horizon": "one_year",
            "starts_on": "2026-04-01",
            "ends_on": "2027-03-31",
            "purpose": "Invest in prevention.",
        },
    )
    strategy = CommissioningStrategy.objects.get(partnership=southampton, title="Page-built plan")
    assert response.status_code == 302
    client.post(_url("strategy_objective_new", strategy.pk), {"text": "Fewer falls"})
    objective = strategy.objectives.get()
    response = client.post(_url("strategy_submit", strategy.pk), {"decision": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "without an action plan" in text and "Add at least one measure of success." in text
    client.post(
        _url("strategy_development_new", objective.pk),
        {
            "description": "Falls team",
            "for_whom": "Over 65s",
            "where": "City-wide",
            "by_when": "2027-01-31",
            "rationale": "Above England",
            "implication": "invest",
        },
    )
    client.post(
        _url("strategy_action_new", strategy.pk),
        {"action": "Specify", "owner": "Head of commissioning", "due_on": "2026-09-30"},
    )
    client.post(_url("strategy_measure_new", strategy.pk), {"measure": "Fewer falls admissions"})
    decision = Decision.objects.create(
        partnership=southampton,
        reference="STR-PAGE",
        title="Approve the plan",
        kind="strategy",
        state=DecisionState.PROPOSED,
        proposed_by=user_for("southampton", Role.COMMISSIONER),
    )
    response = client.post(_url("strategy_submit", strategy.pk), {"decision": decision.pk})
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED and strategy.decision == decision
    page = client.get(_url("strategy", strategy.pk)).content.decode()
    assert "STR-PAGE" in page and "Submitted for approval" in page


def test_ninth_objective_refused_on_the_page(client_for, southampton, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    strategy = CommissioningStrategy.objects.create(
        partnership=southampton,
        care_group=southampton.care_groups.get(name="Older people"),
        title="Eight already",
        horizon="one_year",
        starts_on="2026-04-01",
        ends_on="2027-03-31",
        purpose="x",
        created_by=user_for("southampton", Role.COMMISSIONER),
    )
    StrategicObjective.objects.bulk_create(
        StrategicObjective(strategy=strategy, position=n, objective=f"O{n}") for n in range(1, 9)
    )
    response = client.post(_url("strategy_objective_new", strategy.pk), {"text": "Ninth"})
    assert response.status_code == 400
    assert "A strategy has at most eight strategic objectives." in response.content.decode()
    assert strategy.objectives.count() == 8


def test_viewer_cannot_write(client_for, southampton):
    client = client_for("southampton", Role.VIEWER)
    strategy = _older_people(southampton)
    objective = strategy.objectives.first()
    for url in (
        _url("strategy_new"),
        _url("strategy_edit", strategy.pk),
        _url("strategy_objective_new", strategy.pk),
        _url("strategy_action_new", strategy.pk),
        _url("strategy_measure_new", strategy.pk),
        _url("strategy_submit", strategy.pk),
        _url("strategy_objective_edit", objective.pk),
        _url("strategy_development_new", objective.pk),
    ):
        assert client.get(url).status_code == 403, url
    remove = _url("strategy_part_remove", strategy.pk, "objective", objective.pk)
    assert client.post(remove).status_code == 403
    assert StrategicObjective.objects.filter(pk=objective.pk).exists()


def test_provider_contact_has_no_strategies(client_for, southampton):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(_url("strategies")).status_code == 403
    assert client.get(_url("strategy", _older_people(southampton).pk)).status_code == 403


def test_another_partnerships_strategy_is_not_found(client_for, southampton):
    strategy = _older_people(southampton)
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    assert client.get(_url("strategy", strategy.pk, slug="nottinghamshire")).status_code == 404
    assert client.get(_url("strategy_objective_new", strategy.pk, slug="nottinghamshire")).status_code == 404


def test_schematic_exports_as_csv(client_for, southampton):
    strategy = _older_people(southampton)
    response = client_for("southampton", Role.VIEWER).get(_url("strategy", strategy.pk), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Objective", "Strategic objective", "Service development"]
    descriptions = {row[2] for row in rows[1:]}
    expected = ServiceDevelopment.objects.filter(objective__strategy=strategy).values_list(
        "description", flat=True
    )
    assert descriptions == set(expected)


def test_commissioner_edits_a_draft_through_the_pages(client_for, southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    client = client_for("southampton", Role.COMMISSIONER)
    strategy = CommissioningStrategy.objects.create(
        partnership=southampton,
        care_group=southampton.care_groups.get(name="Older people"),
        title="Editable",
        horizon="one_year",
        starts_on="2026-04-01",
        ends_on="2027-03-31",
        purpose="x",
        created_by=commissioner,
    )
    first, second = StrategicObjective.objects.bulk_create(
        StrategicObjective(strategy=strategy, position=n, objective=f"O{n}") for n in (1, 2)
    )
    page = client.get(_url("strategy", strategy.pk)).content.decode()
    assert "Change the strategy" in page and "Objective 1 has no service development" not in page
    assert "Objectives 1, 2 have no service development" in page
    response = client.post(_url("strategy_objective_edit", first.pk), {"text": "Fewer falls"})
    assert response.status_code == 302
    assert StrategicObjective.objects.get(pk=first.pk).objective == "Fewer falls"
    response = client.post(_url("strategy_part_remove", strategy.pk, "objective", first.pk))
    assert response.status_code == 302
    assert list(strategy.objectives.values_list("objective", "position")) == [("O2", 1)]
    response = client.post(
        _url("strategy_edit", strategy.pk),
        {
            "care_group": strategy.care_group_id,
            "title": "Edited",
            "horizon": "one_year",
            "starts_on": "2026-04-01",
            "ends_on": "2026-01-01",
            "purpose": "x",
        },
    )
    assert response.status_code == 400
    assert "The strategy must end after it starts." in response.content.decode()
    assert CommissioningStrategy.objects.get(pk=strategy.pk).title == "Editable"
    assert client.post(_url("strategy_part_remove", strategy.pk, "nonsense", second.pk)).status_code == 404
