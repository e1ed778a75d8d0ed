"""Outcome frameworks: adopting the shipped ones once, defining outcomes, linking indicators within
the partnership only, with every change audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.needs.models import Indicator
from commissioning.strategy import services
from commissioning.strategy.framework_templates import framework_templates, is_children_group
from commissioning.strategy.models import Outcome, OutcomeFramework, OutcomeIndicator

pytestmark = pytest.mark.django_db


def test_shipped_frameworks_hold_the_outcomes_named_in_the_issue():
    templates = framework_templates()
    ecm = templates["every-child-matters"]
    assert [o.title for o in ecm.outcomes] == [
        "Be healthy",
        "Stay safe",
        "Enjoy and achieve",
        "Make a positive contribution",
        "Achieve economic wellbeing",
    ]
    assert ecm.applies_to == "children"
    assert len(templates["adult-social-care"].outcomes) == 4
    assert all(o.description for t in templates.values() for o in t.outcomes)
    assert is_children_group("Children: CAMHS") and not is_children_group("Older people")


def test_adopting_copies_the_outcomes_and_applies_to_the_right_care_groups(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    OutcomeFramework.objects.filter(partnership=southampton).delete()
    earlier = AuditEvent.objects.count()
    framework = services.adopt_framework(
        actor=commissioner, partnership=southampton, template_key="every-child-matters"
    )
    assert list(framework.outcomes.values_list("code", flat=True)) == [
        "be-healthy",
        "stay-safe",
        "enjoy-and-achieve",
        "make-a-positive-contribution",
        "achieve-economic-wellbeing",
    ]
    assert [g.name for g in framework.care_groups.all()] == ["Children and young people"]
    adults = services.adopt_framework(
        actor=commissioner, partnership=southampton, template_key="adult-social-care"
    )
    assert "Children and young people" not in {g.name for g in adults.care_groups.all()}
    assert "Older people" in {g.name for g in adults.care_groups.all()}
    assert [(e.action, e.actor, e.partnership_id) for e in history_for(framework)] == [
        ("create", commissioner, southampton.pk)
    ]
    assert AuditEvent.objects.count() - earlier == 2 + 5 + 4  # the frameworks and each outcome


def test_adopting_twice_is_refused_and_writes_nothing(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    assert OutcomeFramework.objects.filter(
        partnership=southampton, template_key="every-child-matters"
    ).exists()
    before = (OutcomeFramework.objects.count(), Outcome.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.adopt_framework(
            actor=commissioner, partnership=southampton, template_key="every-child-matters"
        )
    assert refused.value.message_dict == {
        "template_key": ["The partnership has already adopted Every Child Matters."]
    }
    with pytest.raises(ValidationError) as unknown:
        services.adopt_framework(actor=commissioner, partnership=southampton, template_key="no-such")
    assert "template_key" in unknown.value.message_dict
    assert (OutcomeFramework.objects.count(), Outcome.objects.count(), AuditEvent.objects.count()) == before


def test_viewer_cannot_adopt_or_link(southampton, user_for):
    viewer = user_for("southampton", Role.VIEWER)
    with pytest.raises(NotPermitted):
        services.create_framework(actor=viewer, partnership=southampton, name="Ours")
    outcome = Outcome.objects.filter(framework__partnership=southampton).first()
    indicator = Indicator.objects.filter(partnership=southampton).first()
    with pytest.raises(NotPermitted):
        services.link_indicator(actor=viewer, outcome=outcome, indicator=indicator)


def test_own_framework_with_outcomes_and_validation(southampton, nottinghamshire, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    with pytest.raises(ValidationError) as refused:
        services.create_framework(
            actor=commissioner,
            partnership=southampton,
            name=" ",
            care_groups=list(nottinghamshire.care_groups.all()[:1]),
        )
    assert set(refused.value.message_dict) == {"name", "care_groups"}
    framework = services.create_framework(
        actor=commissioner,
        partnership=southampton,
        name="Living well",
        source="Health and wellbeing strategy",
    )
    first = services.add_outcome(
        actor=commissioner, framework=framework, code="start-well", title="Start well"
    )
    second = services.add_outcome(
        actor=commissioner, framework=framework, code="live-well", title="Live well"
    )
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(ValidationError) as duplicate:
        services.add_outcome(actor=commissioner, framework=framework, code="live-well", title="Again")
    assert duplicate.value.message_dict["code"] == [
        "Living well already has an outcome with the code live-well."
    ]
    with pytest.raises(ValidationError) as same_name:
        services.create_framework(actor=commissioner, partnership=southampton, name="living well")
    assert "name" in same_name.value.message_dict
    services.update_framework(actor=commissioner, framework=framework, name="Living well", is_active=False)
    framework.refresh_from_db()
    assert framework.is_active is False
    assert [e.action for e in history_for(framework)] == ["update", "create"]


def test_linking_an_indicator_of_another_partnership_is_refused(
    southampton, nottinghamshire, user_for, system
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    outcome = Outcome.objects.get(framework__partnership=southampton, code="be-healthy")
    foreign = Indicator.objects.create(
        partnership=nottinghamshire, code="foreign", name="Foreign indicator", value_type="proportion"
    )
    links, events = OutcomeIndicator.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.link_indicator(actor=commissioner, outcome=outcome, indicator=foreign)
    assert refused.value.message_dict == {"indicator": ["That indicator belongs to another partnership."]}
    assert (OutcomeIndicator.objects.count(), AuditEvent.objects.count()) == (links, events)


def test_link_and_unlink_are_audited(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    outcome = Outcome.objects.get(framework__partnership=southampton, code="enjoy-and-achieve")
    indicator = Indicator.objects.get(partnership=southampton, code="children-in-need")
    link = services.link_indicator(
        actor=commissioner, outcome=outcome, indicator=indicator, note="Attainment gap"
    )
    assert list(outcome.indicators.all()) == [indicator]
    with pytest.raises(ValidationError):
        services.link_indicator(actor=commissioner, outcome=outcome, indicator=indicator)
    services.unlink_indicator(actor=commissioner, outcome=outcome, indicator=indicator)
    assert not outcome.indicators.exists()
    assert sorted(e.action for e in history_for(link)) == ["create", "delete"]
