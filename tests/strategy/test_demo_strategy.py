"""The strategy demo: both frameworks for each demo partnership, indicators linked, priorities drawn from
the JSNA's concerns with evidence and outcomes, and a second load that changes nothing."""

from __future__ import annotations

import pytest

from commissioning.demo import strategy as demo
from commissioning.strategy import selectors
from commissioning.strategy.models import OutcomeFramework, OutcomeIndicator, Priority, PriorityEvidence

pytestmark = pytest.mark.django_db


def test_each_demo_partnership_has_both_frameworks(southampton, nottinghamshire):
    for partnership in (southampton, nottinghamshire):
        keys = set(
            OutcomeFramework.objects.filter(partnership=partnership).values_list("template_key", flat=True)
        )
        assert keys == {"every-child-matters", "adult-social-care"}
    ecm = OutcomeFramework.objects.get(partnership=nottinghamshire, template_key="every-child-matters")
    assert {g.name for g in ecm.care_groups.all()} == {"Children: disability", "Children: CAMHS"}


def test_southampton_outcomes_link_real_indicators(southampton):
    links = OutcomeIndicator.objects.filter(outcome__framework__partnership=southampton)
    assert links.count() >= 8
    assert all(link.indicator.partnership_id == southampton.pk for link in links.select_related("indicator"))


def test_priorities_rest_on_indicators_worse_than_england_or_worsening(southampton):
    priorities = selectors.priorities_of(southampton)
    assert priorities
    per_group: dict[int, int] = {}
    for priority in priorities:
        per_group[priority.care_group_id] = per_group.get(priority.care_group_id, 0) + 1
        assert priority.owner_post and priority.evidence_links.all()
    assert max(per_group.values()) <= 2
    evidence = selectors.evidence_for(
        southampton, [link.indicator_id for p in priorities for link in p.evidence_links.all()]
    )
    # Each rests on an indicator of concern, or, for a care group with none, on the one showing its need
    assert all(
        selectors.is_concern(evidence.get(link.indicator_id)) or link.indicator.code in demo.NEED_LED
        for p in priorities
        for link in p.evidence_links.all()
    )
    active = set(southampton.care_groups.filter(is_active=True).values_list("pk", flat=True))
    assert set(per_group) == active
    assert any(p.outcomes.all() for p in priorities)
    titles = {p.title for p in priorities}
    assert "Reduce self-harm" in titles


def test_second_load_changes_nothing(system):
    before = (
        OutcomeFramework.objects.count(),
        OutcomeIndicator.objects.count(),
        Priority.objects.count(),
        PriorityEvidence.objects.count(),
    )
    said: list[str] = []
    demo.load(actor=system, say=said.append)
    after = (
        OutcomeFramework.objects.count(),
        OutcomeIndicator.objects.count(),
        Priority.objects.count(),
        PriorityEvidence.objects.count(),
    )
    assert after == before and said == []


def test_every_active_care_group_has_a_strategy_with_an_action_plan(southampton):
    from commissioning.strategy.models import CommissioningStrategy

    for group in southampton.care_groups.filter(is_active=True):
        strategy = CommissioningStrategy.objects.get(partnership=southampton, care_group=group)
        assert strategy.objectives.exists(), group.name
        assert strategy.actions.exists() and strategy.measures.exists(), group.name
