"""Priorities: drafted for a care group from the partnership's own evidence and outcomes, agreed only by
an approved decision of the partnership, retired; a link to another partnership refuses the whole change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.needs.models import Indicator
from commissioning.strategy import selectors, services
from commissioning.strategy.models import Outcome, Priority, PriorityEvidence, PriorityStatus

pytestmark = pytest.mark.django_db


def _draft(partnership, actor, **overrides):
    data = {
        "care_group": partnership.care_groups.get(name="Older people"),
        "title": "Keep people steady on their feet",
        "statement": "Fewer falls at home.",
        "rationale": "Falls admissions are above England.",
        "owner": actor,
        "owner_post": "Head of older people's commissioning",
        "outcomes": list(Outcome.objects.filter(framework__partnership=partnership, code="delaying-need")),
        "evidence": list(
            Indicator.objects.filter(
                partnership=partnership, code__in=["hip-fractures", "falls-admissions"]
            ).order_by("code")
        ),
    }
    data.update(overrides)
    return services.create_priority(actor=actor, partnership=partnership, **data)


def _counts():
    return (
        Priority.objects.count(),
        PriorityEvidence.objects.count(),
        Priority.outcomes.through.objects.count(),
        AuditEvent.objects.count(),
    )


def test_create_priority_with_evidence_in_order_and_audit(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    priority = _draft(southampton, commissioner)
    assert priority.status == PriorityStatus.DRAFT
    assert [link.indicator.code for link in priority.evidence_links.all()] == [
        "falls-admissions",
        "hip-fractures",
    ]
    assert [o.code for o in priority.outcomes.all()] == ["delaying-need"]
    [event] = [e for e in history_for(priority) if e.action == "create"]
    assert event.actor == commissioner
    assert event.partnership_id == southampton.pk
    assert len(event.after["evidence"]) == 2


@pytest.mark.parametrize("field", ["care_group", "evidence", "outcomes", "owner"])
def test_a_link_to_another_partnership_refuses_the_whole_priority(
    field, southampton, nottinghamshire, user_for
):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    foreign = {
        "care_group": nottinghamshire.care_groups.first(),
        "evidence": [
            Indicator.objects.get(partnership=southampton, code="falls-admissions"),
            Indicator.objects.create(
                partnership=nottinghamshire, code="foreign", name="Foreign", value_type="proportion"
            ),
        ],
        "outcomes": list(Outcome.objects.filter(framework__partnership=nottinghamshire)[:1]),
        "owner": user_for("nottinghamshire", Role.COMMISSIONER),
    }
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        _draft(southampton, commissioner, **{field: foreign[field]})
    expected = {
        "care_group": "That care group belongs to another partnership.",
        "evidence": "That indicator belongs to another partnership.",
        "outcomes": "That outcome belongs to another partnership's framework.",
        "owner": "The owner must be a member of this partnership.",
    }[field]
    assert refused.value.message_dict[field] == [expected]
    assert _counts() == before


def test_required_fields_and_duplicate_title(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    with pytest.raises(ValidationError) as refused:
        _draft(southampton, commissioner, care_group=None, title="", statement="")
    assert set(refused.value.message_dict) == {"care_group", "title", "statement"}
    _draft(southampton, commissioner)
    with pytest.raises(ValidationError) as duplicate:
        _draft(southampton, commissioner, title="keep people steady on their feet")
    assert "title" in duplicate.value.message_dict


def test_update_replaces_evidence_and_is_audited(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    priority = _draft(southampton, commissioner)
    reablement = Indicator.objects.get(partnership=southampton, code="reablement-at-home")
    services.update_priority(
        actor=commissioner,
        priority=priority,
        care_group=priority.care_group,
        title="Home after reablement",
        statement="More people at home.",
        evidence=[reablement],
    )
    priority.refresh_from_db()
    assert priority.title == "Home after reablement"
    assert [link.indicator for link in priority.evidence_links.all()] == [reablement]
    assert not priority.outcomes.exists()
    [event] = [e for e in history_for(priority) if e.action == "update"]
    assert event.after["evidence"] == [reablement.pk]


def test_agreeing_needs_an_approved_decision_of_the_partnership(southampton, nottinghamshire, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    priority = _draft(southampton, commissioner)
    proposed = Decision.objects.filter(partnership=southampton, state=DecisionState.PROPOSED).first()
    with pytest.raises(ValidationError) as not_approved:
        services.agree_priority(actor=commissioner, priority=priority, decision=proposed)
    assert not_approved.value.message_dict["decision"] == [f"{proposed.reference} is proposed, not approved."]
    foreign = Decision.objects.filter(partnership=nottinghamshire).first()
    if foreign is None:
        foreign = Decision.objects.create(
            partnership=nottinghamshire,
            reference="N-1",
            title="Elsewhere",
            kind="strategy",
            state=DecisionState.APPROVED,
            proposed_by=commissioner,
        )
    with pytest.raises(ValidationError) as other:
        services.agree_priority(actor=commissioner, priority=priority, decision=foreign)
    assert other.value.message_dict["decision"] == ["That decision belongs to another partnership."]
    with pytest.raises(ValidationError):
        services.agree_priority(actor=commissioner, priority=priority, decision=None)
    priority.refresh_from_db()
    assert priority.status == PriorityStatus.DRAFT and priority.agreed_by_decision is None

    approved = Decision.objects.filter(partnership=southampton, state=DecisionState.APPROVED).first()
    assert approved is not None
    services.agree_priority(actor=commissioner, priority=priority, decision=approved)
    priority.refresh_from_db()
    assert (priority.status, priority.agreed_by_decision) == (PriorityStatus.AGREED, approved)
    assert [e.action for e in history_for(priority)] == ["state", "create"]
    with pytest.raises(ValidationError):
        services.agree_priority(actor=commissioner, priority=priority, decision=approved)


def test_retire_then_no_more_changes(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    priority = _draft(southampton, commissioner)
    services.retire_priority(actor=commissioner, priority=priority)
    assert Priority.objects.get(pk=priority.pk).status == PriorityStatus.RETIRED
    with pytest.raises(ValidationError):
        services.retire_priority(actor=commissioner, priority=priority)
    with pytest.raises(ValidationError):
        services.update_priority(
            actor=commissioner, priority=priority, care_group=priority.care_group, title="X", statement="Y"
        )


def test_viewer_and_provider_contact_cannot_write(southampton, user_for):
    for role in (Role.VIEWER, Role.PROVIDER_CONTACT):
        with pytest.raises(NotPermitted):
            _draft(southampton, user_for("southampton", role))


def test_evidence_is_the_jsna_reading_for_the_home_area(southampton):
    """The strategy shows exactly what the JSNA's area profile shows for the same indicators."""
    from commissioning.needs import selectors as needs_selectors

    indicators = list(
        Indicator.objects.filter(
            partnership=southampton, code__in=["self-harm-admissions", "physically-inactive"]
        )
    )
    evidence = selectors.evidence_for(southampton, [i.pk for i in indicators])
    assert evidence.area.gss_code == "E06000045"
    area = needs_selectors.area_for(southampton, "E06000045")
    profile = {r.indicator.pk: r for r in needs_selectors.area_profile(southampton, area).rows}
    for indicator in indicators:
        reading = evidence.get(indicator.pk)
        assert (reading.value, reading.compared_england, reading.trend) == (
            profile[indicator.pk].value,
            profile[indicator.pk].compared_england,
            profile[indicator.pk].trend,
        )
    self_harm = next(i for i in indicators if i.code == "self-harm-admissions")
    assert selectors.is_concern(evidence.get(self_harm.pk))  # worse and getting worse in the demo JSNA
    assert selectors.evidence_for(southampton, []).readings == {}
