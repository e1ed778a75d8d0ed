"""Writes to outcome frameworks and priorities: permission-checked, validated, atomic and audited.

Every function needs ``Permission.MANAGE_STRATEGY`` in the partnership and refuses, before anything
is written, with a ``ValidationError`` keyed by field or ``NotPermitted``. Everything a framework or
priority links to (care groups, indicators, outcomes, owners, decisions) must be the same
partnership's: one link to another partnership refuses the whole change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.governance.models import Decision, DecisionState
from commissioning.needs.models import Indicator
from commissioning.partners.models import CareGroup, Membership, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.strategy.framework_templates import framework_templates, is_children_group
from commissioning.strategy.models import (
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
)

OTHER_INDICATOR = "That indicator belongs to another partnership."
OTHER_CARE_GROUP = "That care group belongs to another partnership."
OTHER_OUTCOME = "That outcome belongs to another partnership's framework."
OTHER_OWNER = "The owner must be a member of this partnership."
OTHER_DECISION = "That decision belongs to another partnership."


def _auditor(actor: User, partnership: Partnership) -> Auditor:
    return Auditor(actor, partnership_id=partnership.pk)


def _foreign(objects: Iterable[object], partnership: Partnership) -> list[object]:
    return [o for o in objects if getattr(o, "partnership_id", None) != partnership.pk]


# Frameworks ----------------------------------------------------------------------------------


def _check_framework(
    partnership: Partnership, name: str, care_groups: Sequence[CareGroup], *, exclude: int = 0
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the framework's name."
    elif (
        OutcomeFramework.objects.filter(partnership=partnership, name__iexact=name.strip())
        .exclude(pk=exclude)
        .exists()
    ):
        errors["name"] = f"The partnership already has a framework called {name.strip()}."
    if _foreign(care_groups, partnership):
        errors["care_groups"] = OTHER_CARE_GROUP
    return errors


@transaction.atomic
def create_framework(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    description: str = "",
    source: str = "",
    care_groups: Sequence[CareGroup] = (),
    is_active: bool = True,
) -> OutcomeFramework:
    """A framework the partnership defines itself; outcomes are added to it one by one."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    errors = _check_framework(partnership, name, care_groups)
    if errors:
        raise ValidationError(errors)
    framework = OutcomeFramework(
        partnership=partnership,
        name=name.strip(),
        description=description.strip(),
        source=source.strip(),
        is_active=is_active,
    )
    validate(framework)
    framework.save()
    framework.care_groups.set(care_groups)
    _auditor(actor, partnership).created(framework, summary=f"Outcome framework {framework.name} created")
    return framework


@transaction.atomic
def update_framework(
    *,
    actor: User,
    framework: OutcomeFramework,
    name: str,
    description: str = "",
    source: str = "",
    care_groups: Sequence[CareGroup] = (),
    is_active: bool = True,
) -> OutcomeFramework:
    partnership = framework.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    errors = _check_framework(partnership, name, care_groups, exclude=framework.pk)
    if errors:
        raise ValidationError(errors)
    before = snapshot(framework)
    framework.name = name.strip()
    framework.description = description.strip()
    framework.source = source.strip()
    framework.is_active = is_active
    validate(framework)
    framework.save()
    framework.care_groups.set(care_groups)
    _auditor(actor, partnership).updated(
        framework, before, summary=f"Outcome framework {framework.name} updated"
    )
    return framework


@transaction.atomic
def adopt_framework(*, actor: User, partnership: Partnership, template_key: str) -> OutcomeFramework:
    """The partnership's own copy of a shipped framework, applied to the care groups it fits.

    Refused when the partnership has already adopted it (its copy may since have been edited).
    """
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    template = framework_templates().get(template_key)
    if template is None:
        raise ValidationError({"template_key": "Choose one of the frameworks offered."})
    if OutcomeFramework.objects.filter(partnership=partnership, template_key=template.key).exists():
        raise ValidationError({"template_key": f"The partnership has already adopted {template.name}."})
    if OutcomeFramework.objects.filter(partnership=partnership, name__iexact=template.name).exists():
        raise ValidationError(
            {
                "template_key": (
                    f"The partnership already has a framework called {template.name}; rename it first."
                )
            }
        )
    framework = OutcomeFramework.objects.create(
        partnership=partnership,
        name=template.name,
        description=template.description,
        source=template.source,
        template_key=template.key,
    )
    groups = list(partnership.care_groups.filter(is_active=True))
    if template.applies_to != "all":
        children = template.applies_to == "children"
        groups = [g for g in groups if is_children_group(g.name) == children]
    framework.care_groups.set(groups)
    outcomes = Outcome.objects.bulk_create(
        Outcome(framework=framework, code=o.code, title=o.title, description=o.description, position=n)
        for n, o in enumerate(template.outcomes, start=1)
    )
    auditor = _auditor(actor, partnership)
    auditor.created(framework, summary=f"Outcome framework {template.name} adopted")
    auditor.record_many(AuditEvent.Action.CREATE, [(o, None, snapshot(o)) for o in outcomes])
    return framework


def _check_outcome(framework: OutcomeFramework, code: str, title: str, *, exclude: int = 0) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter the outcome."
    if not code.strip():
        errors["code"] = "Enter a short code for the outcome, e.g. be-healthy."
    elif Outcome.objects.filter(framework=framework, code=code.strip()).exclude(pk=exclude).exists():
        errors["code"] = f"{framework.name} already has an outcome with the code {code.strip()}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_outcome(
    *, actor: User, framework: OutcomeFramework, code: str, title: str, description: str = ""
) -> Outcome:
    """An outcome at the end of the framework's list."""
    partnership = framework.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    _check_outcome(framework, code, title)
    last = framework.outcomes.aggregate(last=Max("position"))["last"] or 0
    outcome = Outcome(
        framework=framework,
        code=code.strip(),
        title=title.strip(),
        description=description.strip(),
        position=last + 1,
    )
    validate(outcome)
    outcome.save()
    _auditor(actor, partnership).created(
        outcome, summary=f"Outcome {outcome.title} added to {framework.name}"
    )
    return outcome


@transaction.atomic
def update_outcome(*, actor: User, outcome: Outcome, code: str, title: str, description: str = "") -> Outcome:
    framework = outcome.framework
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=framework.partnership)
    _check_outcome(framework, code, title, exclude=outcome.pk)
    before = snapshot(outcome)
    outcome.code, outcome.title, outcome.description = code.strip(), title.strip(), description.strip()
    validate(outcome)
    outcome.save()
    _auditor(actor, framework.partnership).updated(
        outcome, before, summary=f"Outcome {outcome.title} updated"
    )
    return outcome


@transaction.atomic
def link_indicator(
    *, actor: User, outcome: Outcome, indicator: Indicator, note: str = ""
) -> OutcomeIndicator:
    """Show progress on the outcome through one of the partnership's JSNA indicators."""
    partnership = outcome.framework.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if indicator.partnership_id != partnership.pk:
        raise ValidationError({"indicator": OTHER_INDICATOR})
    if OutcomeIndicator.objects.filter(outcome=outcome, indicator=indicator).exists():
        raise ValidationError({"indicator": f"{indicator.name} is already linked to {outcome.title}."})
    link = OutcomeIndicator(outcome=outcome, indicator=indicator, note=note.strip())
    validate(link)
    link.save()
    _auditor(actor, partnership).created(
        link, summary=f"Indicator {indicator.name} linked to {outcome.title}"
    )
    return link


@transaction.atomic
def unlink_indicator(*, actor: User, outcome: Outcome, indicator: Indicator) -> None:
    partnership = outcome.framework.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    link = OutcomeIndicator.objects.filter(outcome=outcome, indicator=indicator).first()
    if link is None:
        raise ValidationError({"indicator": f"{indicator.name} is not linked to {outcome.title}."})
    before = snapshot(link)
    _auditor(actor, partnership).deleted(
        link, before, summary=f"Indicator {indicator.name} unlinked from {outcome.title}"
    )
    link.delete()


# Priorities ----------------------------------------------------------------------------------


def _check_priority(
    partnership: Partnership,
    *,
    care_group: CareGroup | None,
    title: str,
    statement: str,
    owner: User | None,
    outcomes: Sequence[Outcome],
    evidence: Sequence[Indicator],
    exclude: int = 0,
) -> None:
    errors: dict[str, str] = {}
    if care_group is None:
        errors["care_group"] = "Choose the care group the priority is for."
    elif care_group.partnership_id != partnership.pk:
        errors["care_group"] = OTHER_CARE_GROUP
    if not title.strip():
        errors["title"] = "Enter the priority's title."
    elif (
        care_group is not None
        and "care_group" not in errors
        and Priority.objects.filter(
            partnership=partnership, care_group=care_group, title__iexact=title.strip()
        )
        .exclude(pk=exclude)
        .exists()
    ):
        errors["title"] = f"{care_group.name} already has a priority called {title.strip()}."
    if not statement.strip():
        errors["statement"] = "Say what the partnership will achieve."
    if owner is not None and not Membership.objects.filter(user=owner, partnership=partnership).exists():
        errors["owner"] = OTHER_OWNER
    if any(o.framework.partnership_id != partnership.pk for o in outcomes):
        errors["outcomes"] = OTHER_OUTCOME
    if _foreign(evidence, partnership):
        errors["evidence"] = OTHER_INDICATOR
    elif len({i.pk for i in evidence}) != len(evidence):
        errors["evidence"] = "Choose each indicator once."
    if errors:
        raise ValidationError(errors)


def _set_evidence(priority: Priority, evidence: Sequence[Indicator], notes: Mapping[int, str]) -> None:
    PriorityEvidence.objects.filter(priority=priority).delete()
    PriorityEvidence.objects.bulk_create(
        PriorityEvidence(priority=priority, indicator=i, note=notes.get(i.pk, "")[:255], position=n)
        for n, i in enumerate(evidence, start=1)
    )


def _evidence_snapshot(priority: Priority) -> dict[str, object]:
    data = snapshot(priority)
    data["evidence"] = list(priority.evidence_links.values_list("indicator_id", flat=True))
    return data


@transaction.atomic
def create_priority(
    *,
    actor: User,
    partnership: Partnership,
    care_group: CareGroup | None,
    title: str,
    statement: str,
    rationale: str = "",
    owner: User | None = None,
    owner_post: str = "",
    outcomes: Sequence[Outcome] = (),
    evidence: Sequence[Indicator] = (),
    evidence_notes: Mapping[int, str] | None = None,
    review_by: dt.date | None = None,
) -> Priority:
    """A draft priority for a care group, with the outcomes it serves and the indicators it rests on."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    outcomes, evidence = list(outcomes), list(evidence)
    _check_priority(
        partnership,
        care_group=care_group,
        title=title,
        statement=statement,
        owner=owner,
        outcomes=outcomes,
        evidence=evidence,
    )
    assert care_group is not None
    priority = Priority(
        partnership=partnership,
        care_group=care_group,
        title=title.strip(),
        statement=statement.strip(),
        rationale=rationale.strip(),
        owner=owner,
        owner_post=owner_post.strip(),
        review_by=review_by,
        created_by=actor,
    )
    validate(priority)
    priority.save()
    priority.outcomes.set(outcomes)
    _set_evidence(priority, evidence, evidence_notes or {})
    _auditor(actor, partnership).record(
        AuditEvent.Action.CREATE,
        priority,
        after=_evidence_snapshot(priority),
        summary=f"Priority {priority.title} for {care_group.name} drafted",
    )
    return priority


@transaction.atomic
def update_priority(
    *,
    actor: User,
    priority: Priority,
    care_group: CareGroup | None,
    title: str,
    statement: str,
    rationale: str = "",
    owner: User | None = None,
    owner_post: str = "",
    outcomes: Sequence[Outcome] = (),
    evidence: Sequence[Indicator] = (),
    evidence_notes: Mapping[int, str] | None = None,
    review_by: dt.date | None = None,
) -> Priority:
    """Change a draft or agreed priority; a retired one stays as it was."""
    partnership = priority.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if priority.status == PriorityStatus.RETIRED:
        raise ValidationError({"__all__": "A retired priority cannot be changed."})
    outcomes, evidence = list(outcomes), list(evidence)
    _check_priority(
        partnership,
        care_group=care_group,
        title=title,
        statement=statement,
        owner=owner,
        outcomes=outcomes,
        evidence=evidence,
        exclude=priority.pk,
    )
    assert care_group is not None
    before = _evidence_snapshot(priority)
    kept_notes = dict(priority.evidence_links.values_list("indicator_id", "note"))
    priority.care_group = care_group
    priority.title = title.strip()
    priority.statement = statement.strip()
    priority.rationale = rationale.strip()
    priority.owner = owner
    priority.owner_post = owner_post.strip()
    priority.review_by = review_by
    validate(priority)
    priority.save()
    priority.outcomes.set(outcomes)
    _set_evidence(priority, evidence, {**kept_notes, **(evidence_notes or {})})
    after = _evidence_snapshot(priority)
    if after != before:
        _auditor(actor, partnership).record(
            AuditEvent.Action.UPDATE,
            priority,
            before=before,
            after=after,
            summary=f"Priority {priority.title} updated",
        )
    return priority


@transaction.atomic
def agree_priority(*, actor: User, priority: Priority, decision: Decision | None) -> Priority:
    """Record the approved governance decision that agreed a draft priority."""
    partnership = priority.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if priority.status != PriorityStatus.DRAFT:
        raise ValidationError(
            {
                "__all__": (
                    "Only a draft priority can be agreed; "
                    f"this one is {priority.get_status_display().lower()}."
                )
            }
        )
    if decision is None:
        raise ValidationError({"decision": "Choose the decision that agreed the priority."})
    if decision.partnership_id != partnership.pk:
        raise ValidationError({"decision": OTHER_DECISION})
    if decision.state != DecisionState.APPROVED:
        raise ValidationError(
            {"decision": f"{decision.reference} is {decision.get_state_display().lower()}, not approved."}
        )
    before = snapshot(priority)
    priority.status = PriorityStatus.AGREED
    priority.agreed_by_decision = decision
    priority.save(update_fields=["status", "agreed_by_decision", "updated_at"])
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        priority,
        before=before,
        after=snapshot(priority),
        summary=f"Priority {priority.title} agreed by {decision.reference}",
    )
    return priority


@transaction.atomic
def retire_priority(*, actor: User, priority: Priority) -> Priority:
    """Stop pursuing a priority; it stays on record with the decision that agreed it."""
    partnership = priority.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if priority.status == PriorityStatus.RETIRED:
        raise ValidationError({"__all__": "The priority is already retired."})
    before = snapshot(priority)
    priority.status = PriorityStatus.RETIRED
    priority.save(update_fields=["status", "updated_at"])
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        priority,
        before=before,
        after=snapshot(priority),
        summary=f"Priority {priority.title} retired",
    )
    return priority
