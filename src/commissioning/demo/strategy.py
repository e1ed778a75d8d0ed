"""Strategy: both shipped outcome frameworks for each demo partnership, linked to the JSNA's
indicators, and priorities per care group drawn from the indicators worse than England or worsening.

The priorities come from the JSNA's own live reading (``strategy.selectors.evidence_for``), so they
follow whatever the demo needs assessment shows. A priority is agreed only where an approved
strategy decision covers its care group; the demo governance has none, so they stay draft.
Each part loads only when its partnership has none yet, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.governance.models import Decision, DecisionKind, DecisionState
from commissioning.needs import presenters
from commissioning.needs.models import Indicator
from commissioning.partners.models import Partnership
from commissioning.strategy import selectors, services
from commissioning.strategy.framework_templates import framework_templates
from commissioning.strategy.models import (
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
)

PARTNERSHIPS = ("southampton", "nottinghamshire")
REVIEW_BY = dt.date(2027, 3, 31)

# Which demo JSNA indicators show progress on which outcome (framework key, outcome code).
OUTCOME_INDICATORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("every-child-matters", "be-healthy"): ("child-obesity",),
    ("every-child-matters", "stay-safe"): ("children-in-need", "looked-after-children"),
    ("adult-social-care", "quality-of-life"): ("carers-supported", "long-term-support-older"),
    ("adult-social-care", "delaying-need"): ("reablement-at-home", "falls-admissions", "hip-fractures"),
    ("adult-social-care", "positive-experience"): ("carers-supported", "dementia-diagnosed"),
    ("adult-social-care", "safeguarding"): ("self-harm-admissions", "falls-admissions"),
}

# What a priority drawn from an indicator says: title, statement, owner's post.
PRIORITY_TEXT: dict[str, tuple[str, str, str]] = {
    "self-harm-admissions": (
        "Reduce self-harm",
        "Fewer people admitted to hospital after harming themselves, through earlier support in crisis.",
        "Senior commissioner, mental health",
    ),
    "alcohol-admissions": (
        "Reduce alcohol-related harm",
        "Fewer admissions for alcohol-related conditions, through identification and brief advice.",
        "Public health consultant, substance misuse",
    ),
    "falls-admissions": (
        "Prevent falls in older people",
        "Fewer older people admitted after a fall, through strength and balance work and home checks.",
        "Head of integrated commissioning, older people",
    ),
    "hip-fractures": (
        "Prevent hip fractures",
        "Fewer hip fractures in people aged 65 and over, by finding and treating frailty early.",
        "Head of integrated commissioning, older people",
    ),
    "reablement-at-home": (
        "More people home after reablement",
        "More older people still at home three months after reablement.",
        "Service manager, reablement",
    ),
    "smoking-prevalence": (
        "Reduce smoking",
        "Fewer adults smoking, with stop-smoking support where people already are.",
        "Public health consultant, behaviour change",
    ),
}
OUTCOMES_OF: dict[str, tuple[str, ...]] = {
    "self-harm-admissions": ("safeguarding", "quality-of-life"),
    "falls-admissions": ("delaying-need", "safeguarding"),
    "hip-fractures": ("delaying-need",),
    "reablement-at-home": ("delaying-need",),
    "child-obesity": ("be-healthy",),
    "children-in-need": ("stay-safe",),
    "looked-after-children": ("stay-safe",),
}


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    for partnership in Partnership.objects.filter(slug__in=PARTNERSHIPS).order_by("slug"):
        adopted = _frameworks(actor, partnership)
        linked = _links(actor, partnership)
        drafted = _priorities(actor, partnership)
        if adopted or linked or drafted:
            say(
                f"  strategy ({partnership.slug}): {adopted} frameworks, {linked} outcome indicators, "
                f"{drafted} priorities"
            )


def _frameworks(actor: User, partnership: Partnership) -> int:
    have = set(
        OutcomeFramework.objects.filter(partnership=partnership).values_list("template_key", flat=True)
    )
    added = 0
    for key in framework_templates():
        if key not in have:
            services.adopt_framework(actor=actor, partnership=partnership, template_key=key)
            added += 1
    return added


def _links(actor: User, partnership: Partnership) -> int:
    if OutcomeIndicator.objects.filter(outcome__framework__partnership=partnership).exists():
        return 0
    outcomes = {
        (o.framework.template_key, o.code): o
        for o in Outcome.objects.filter(framework__partnership=partnership).select_related("framework")
    }
    indicators = {i.code: i for i in Indicator.objects.filter(partnership=partnership)}
    links = OutcomeIndicator.objects.bulk_create(
        OutcomeIndicator(outcome=outcomes[key], indicator=indicators[code])
        for key, codes in OUTCOME_INDICATORS.items()
        if key in outcomes
        for code in codes
        if code in indicators
    )
    Auditor(actor, partnership_id=partnership.pk).record_many(
        AuditEvent.Action.CREATE, [(link, None, snapshot(link)) for link in links]
    )
    return len(links)


def _priorities(actor: User, partnership: Partnership) -> int:
    """One or two priorities per care group, each from an indicator of concern, worst first."""
    if Priority.objects.filter(partnership=partnership).exists():
        return 0
    indicators = list(Indicator.objects.filter(partnership=partnership).prefetch_related("care_groups"))
    evidence = selectors.evidence_for(partnership, [i.pk for i in indicators])
    concerns: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in sorted(indicators, key=lambda i: i.name):
        reading = evidence.get(indicator.pk)
        if not selectors.is_concern(reading):
            continue
        for group in indicator.care_groups.all():
            concerns[group.pk].append(indicator)
    if not concerns:
        return 0
    groups = {g.pk: g for g in partnership.care_groups.filter(pk__in=list(concerns))}
    outcomes = {o.code: o for o in Outcome.objects.filter(framework__partnership=partnership)}
    deciding = _strategy_decisions(partnership)
    priorities: list[Priority] = []
    rows: list[tuple[Priority, Indicator, list[Outcome]]] = []
    for group_id, found in concerns.items():
        # Worse and worsening first, then worse, then worsening.
        found.sort(key=lambda i: _rank(evidence.get(i.pk)))
        for indicator in found[:2]:
            title, statement, post = PRIORITY_TEXT.get(
                indicator.code,
                (
                    f"Improve: {indicator.name}"[:200],
                    f"Bring {indicator.name[:1].lower()}{indicator.name[1:]} in line with England or better.",
                    f"Lead commissioner, {groups[group_id].name.lower()}",
                ),
            )
            decision = deciding.get(group_id)
            priority = Priority(
                partnership=partnership,
                care_group=groups[group_id],
                title=title,
                statement=statement,
                rationale=_rationale(indicator, evidence.get(indicator.pk)),
                owner_post=post,
                status=PriorityStatus.AGREED if decision else PriorityStatus.DRAFT,
                agreed_by_decision=decision,
                review_by=REVIEW_BY,
                created_by=actor,
            )
            priorities.append(priority)
            rows.append(
                (
                    priority,
                    indicator,
                    [outcomes[c] for c in OUTCOMES_OF.get(indicator.code, ()) if c in outcomes],
                )
            )
    Priority.objects.bulk_create(priorities)
    PriorityEvidence.objects.bulk_create(
        PriorityEvidence(priority=p, indicator=i, position=1, note="The case for the priority")
        for p, i, _ in rows
    )
    Through = Priority.outcomes.through
    Through.objects.bulk_create(
        Through(priority_id=p.pk, outcome_id=o.pk) for p, _, chosen in rows for o in chosen
    )
    Auditor(actor, partnership_id=partnership.pk).record_many(
        AuditEvent.Action.CREATE, [(p, None, snapshot(p)) for p in priorities]
    )
    return len(priorities)


def _rank(reading: selectors.SpineRow | None) -> int:
    if reading is None:
        return 3
    worse = reading.england_tag.family == "worse"
    worsening = presenters.is_getting_worse(reading.trend)
    return 0 if worse and worsening else 1 if worse else 2


def _rationale(indicator: Indicator, reading: selectors.SpineRow | None) -> str:
    if reading is None:
        return ""
    return (
        f"In {reading.period} the JSNA rated {indicator.name[:1].lower()}{indicator.name[1:]} as "
        f"{reading.england_tag.label.lower()} compared with England; its recent trend: "
        f"{reading.trend_shown.label.lower()}."
    )


def _strategy_decisions(partnership: Partnership) -> dict[int, Decision]:
    """An approved strategy decision for each care group it covers, where there is one."""
    found: dict[int, Decision] = {}
    decisions = Decision.objects.filter(
        partnership=partnership, state=DecisionState.APPROVED, kind=DecisionKind.STRATEGY
    ).prefetch_related("care_groups")
    for decision in decisions:
        for group in decision.care_groups.all():
            found.setdefault(group.pk, decision)
    return found
