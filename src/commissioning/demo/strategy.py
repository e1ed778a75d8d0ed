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
from decimal import Decimal

from commissioning.contracts.models import Contract, ContractStatus
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.demo import market_position, priority_setting, services_map
from commissioning.governance.models import Decision, DecisionKind, DecisionState
from commissioning.needs import presenters
from commissioning.needs.models import Indicator
from commissioning.partners.models import Partnership
from commissioning.strategy import selectors, services, strategies
from commissioning.strategy.framework_templates import framework_templates
from commissioning.strategy.models import (
    CommissioningStrategy,
    ImplicationKind,
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
    StrategyHorizon,
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
# Care groups whose indicators raise no concern still need a priority where their need is known to
# be high or growing: the indicator that shows the need, and the priority drafted from it.
NEED_LED: dict[str, tuple[str, str, str]] = {
    "learning-disability-register": (
        "Live well at home with a learning disability or autism",
        "More people with a learning disability or autism in their own homes with the right support, and "
        "fewer in hospital or placed out of the city.",
        "Senior commissioner, learning disability and autism",
    ),
    "sensory-impairment": (
        "Independence with a physical or sensory impairment",
        "More people with a physical or sensory impairment living independently, with equipment, "
        "rehabilitation and information they can use.",
        "Commissioning manager, physical disability and sensory impairment",
    ),
}
PRIORITY_TEXT.update(NEED_LED)

OUTCOMES_OF: dict[str, tuple[str, ...]] = {
    "learning-disability-register": ("quality-of-life",),
    "sensory-impairment": ("delaying-need", "quality-of-life"),
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
        written = _strategies(actor, partnership) if partnership.slug == "southampton" else 0
        if adopted or linked or drafted or written:
            say(
                f"  strategy ({partnership.slug}): {adopted} frameworks, {linked} outcome indicators, "
                f"{drafted} priorities, {written} commissioning strategies"
            )
    services_map.load(actor=actor, say=say)
    priority_setting.load(actor=actor, say=say)
    market_position.load(actor=actor, say=say)


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
    """One or two priorities per care group, each from an indicator of concern, worst first; a care group
    with no concern gets one from the indicator that shows its need."""
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
    for indicator in indicators:
        if indicator.code in NEED_LED:
            for group in indicator.care_groups.all():
                if group.is_active and not any(i.code not in NEED_LED for i in concerns[group.pk]):
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


# Commissioning strategies --------------------------------------------------------------------

# The older people's strategy: objectives in order, each with its gap (what, for whom, where, by
# when, why, the implication and what it means, transition cost, how success shows).
OLDER_PEOPLE_OBJECTIVES: tuple[
    tuple[str, tuple[str, str, str, dt.date, str, str, str, str | None, str]], ...
] = (
    (
        "Keep older people steady on their feet and out of hospital after a fall.",
        (
            "A community strength and balance programme with home hazard checks after a first fall.",
            "People aged 65 and over who have fallen once or are frail",
            "Bitterne, Thornhill and Woolston, where falls admissions are highest",
            dt.date(2027, 9, 30),
            "Falls admissions are above England and rising; most follow an earlier fall nobody acted on.",
            ImplicationKind.INVEST,
            "Fund the programme from the Better Care Fund; the ambulance service refers after a call-out.",
            "180000.00",
            "Fewer emergency admissions after a fall.",
        ),
    ),
    (
        "Get more people home, and keep them home, after a stay in hospital.",
        (
            "Reablement at home within 48 hours of discharge, seven days a week.",
            "Older people leaving Southampton General Hospital",
            "City-wide",
            dt.date(2027, 3, 31),
            "Too few people are still at home 91 days after reablement; most wait for a start date.",
            ImplicationKind.REMODEL,
            "Remodel the reablement service around discharge; move staff from bed-based intermediate care.",
            "95000.00",
            "More people at home 91 days after leaving hospital.",
        ),
    ),
    (
        "Support carers so they can go on caring, and have a life of their own.",
        (
            "Breaks and a named carers' worker for people caring for someone with dementia.",
            "Unpaid carers of older people, especially carers of people with dementia",
            "City-wide, through the carers' centre and GP practices",
            dt.date(2028, 3, 31),
            "Fewer carers are supported than are caring; carer breakdown drives care home admissions.",
            ImplicationKind.REDISTRIBUTE,
            "Move spend from residential respite to flexible breaks at home.",
            None,
            "More carers supported, and fewer emergency placements.",
        ),
    ),
    (
        "Buy fewer care home places by offering care at home first.",
        (
            "Extra care housing and night support at home as the alternative to a first care home place.",
            "Older people assessed as needing long-term support",
            "Shirley and Portswood",
            dt.date(2029, 3, 31),
            "Long-term residential admissions are above England; people say they want to stay at home.",
            ImplicationKind.DISINVEST,
            "Reduce block-booked residential beds as extra care opens; renegotiate the framework prices.",
            "250000.00",
            "Fewer permanent admissions to care homes per 100,000 people aged 65 and over.",
        ),
    ),
)
OLDER_PEOPLE_ACTIONS = (
    (
        "Agree the falls pathway with the ambulance service and the hospital.",
        "Head of integrated commissioning, older people",
        dt.date(2027, 1, 31),
    ),
    (
        "Specify and commission the strength and balance programme.",
        "Commissioning manager, prevention",
        dt.date(2027, 6, 30),
    ),
    (
        "Redesign reablement around discharge, with the provider.",
        "Service manager, reablement",
        dt.date(2027, 3, 31),
    ),
    ("Consult carers on flexible breaks.", "Carers' lead", dt.date(2027, 5, 31)),
)


def _strategies(actor: User, partnership: Partnership) -> int:
    """A commissioning strategy for each care group with priorities; the older people's one in full."""
    if CommissioningStrategy.objects.filter(partnership=partnership).exists():
        return 0
    priorities = list(
        Priority.objects.filter(partnership=partnership)
        .exclude(status=PriorityStatus.RETIRED)
        .select_related("care_group")
        .prefetch_related("evidence_links__indicator", "outcomes")
        .order_by("care_group__position", "title")
    )
    by_group: dict[int, list[Priority]] = defaultdict(list)
    for priority in priorities:
        by_group[priority.care_group_id].append(priority)
    written = 0
    for chosen in by_group.values():
        group = chosen[0].care_group
        older = group.name == "Older people"
        strategy = strategies.create_strategy(
            actor=actor,
            partnership=partnership,
            care_group=group,
            title=f"{group.name}: joint commissioning strategy"
            if older
            else f"{group.name}: three-year plan",
            horizon=StrategyHorizon.TEN_YEAR if older else StrategyHorizon.THREE_YEAR,
            starts_on=dt.date(2025, 4, 1) if older else dt.date(2026, 4, 1),
            ends_on=dt.date(2035, 3, 31) if older else dt.date(2029, 3, 31),
            purpose=(
                f"How the council and the ICB jointly commission for {group.name.lower()} in Southampton: "
                "what we will change, why, and what it means for the services we buy."
            ),
            commitments=(
                "Care at home first; one assessment shared by health and social care; "
                "money follows the person across the partners."
            ),
            legislation="Care Act 2014; Health and Care Act 2022; NICE guidance relevant to the care group.",
            priorities=chosen,
        )
        contract = (
            Contract.objects.filter(partnership=partnership, care_group=group, status=ContractStatus.ACTIVE)
            .order_by("reference")
            .first()
        )
        if older:
            _older_people_schematic(actor, strategy, chosen)
        else:
            _schematic_from_priorities(actor, strategy, chosen, contract)
        indicators = [link.indicator for p in chosen for link in p.evidence_links.all()]
        for indicator in indicators[:3]:
            need_led = indicator.code in NEED_LED
            strategies.add_measure(
                actor=actor,
                strategy=strategy,
                measure=f"{indicator.name}: services keep pace with the need it shows"
                if need_led
                else f"{indicator.name} in line with England or better",
                indicator=indicator,
                target="Capacity reviewed against the JSNA every year"
                if need_led
                else "Statistically similar to England by the end of the plan",
            )
        written += 1
    return written


def _older_people_schematic(actor: User, strategy: CommissioningStrategy, chosen: list[Priority]) -> None:
    objectives = []
    for n, (text, gap) in enumerate(OLDER_PEOPLE_OBJECTIVES):
        objective = strategies.add_objective(
            actor=actor, strategy=strategy, text=text, priority=chosen[n % len(chosen)]
        )
        description, for_whom, where, by_when, rationale, kind, implications, cost, success = gap
        strategies.add_development(
            actor=actor,
            objective=objective,
            description=description,
            for_whom=for_whom,
            where=where,
            by_when=by_when,
            rationale=rationale,
            implication=kind,
            implications=implications,
            transition_cost=Decimal(cost) if cost else None,
            success_measure=success,
        )
        objectives.append(objective)
    for n, (action, owner, due_on) in enumerate(OLDER_PEOPLE_ACTIONS):
        strategies.add_action(
            actor=actor,
            strategy=strategy,
            action=action,
            owner=owner,
            due_on=due_on,
            objective=objectives[min(n, len(objectives) - 1)],
        )


def _schematic_from_priorities(
    actor: User, strategy: CommissioningStrategy, chosen: list[Priority], contract: Contract | None
) -> None:
    for n, priority in enumerate(chosen[:5], start=1):
        objective = strategies.add_objective(
            actor=actor, strategy=strategy, text=priority.statement, priority=priority
        )
        renegotiate = contract is not None and n == 1
        strategies.add_development(
            actor=actor,
            objective=objective,
            description=f"Close the gap behind {priority.title[:1].lower()}{priority.title[1:]}.",
            for_whom=strategy.care_group.name,
            where="City-wide",
            by_when=dt.date(2028, 3, 31),
            rationale=priority.rationale or "The JSNA shows this care group's need is not met.",
            implication=ImplicationKind.RENEGOTIATE_CONTRACT if renegotiate else ImplicationKind.REMODEL,
            implications="Renegotiate the outcomes the contract is held to."
            if renegotiate
            else "Remodel current provision.",
            contract=contract if renegotiate else None,
            success_measure=priority.title,
        )
        strategies.add_action(
            actor=actor,
            strategy=strategy,
            action=f"Set out the service change for {priority.title[:1].lower()}{priority.title[1:]}.",
            owner=priority.owner_post or "Lead commissioner",
            due_on=dt.date(2027, 3, 31),
            objective=objective,
        )
