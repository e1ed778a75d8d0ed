"""Southampton's services map: the demo's contracts, budget lines and schemes gathered into the services
the council and the clinical commissioning group commission, each mapped to outcomes, priorities and
strategic objectives.

The map is drawn to show what a first mapping usually finds. Both partners buy dementia care home
and nursing beds for older people, run mental health recovery services and support carers, so those
outcomes are served twice over; the falls work is split between the council's strength and balance
classes and the fund's falls prevention service. Self-harm has no service keeping people safe, and
children's healthy weight has only a sliver of the public health budget. Capacity for older people
(care home beds, home care hours) is set against the needs assessment's projections: about a third
of people with dementia live in a care home, and about one in ten of those who cannot manage a
domestic task on their own needs home care, at ten hours a week each.

Nottinghamshire has no contracts or budgets in the demo, so it has no map. A second run changes
nothing: the map loads only when the partnership has no services yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from commissioning.contracts.models import Contract
from commissioning.core.models import User
from commissioning.finance.models import BudgetLine, Scheme
from commissioning.needs.models import NeedMeasure
from commissioning.partners.models import CareGroup, Organisation, Partnership
from commissioning.strategy import services_map
from commissioning.strategy.models import Outcome, Priority, Service, StrategicObjective

COUNCIL = "council"
CCG = "ccg"
ASC = "adult-social-care"
ECM = "every-child-matters"
OLDER = "Older people"
STRATEGY_OLDER = "Older people: joint commissioning strategy"


@dataclass(frozen=True)
class Mapped:
    name: str
    description: str
    commissioner: str
    care_groups: tuple[str, ...]
    outcomes: tuple[tuple[str, str], ...]
    priorities: tuple[str, ...] = ()
    objectives: tuple[tuple[str, int], ...] = ()
    schemes: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    # (partner, cost centre, share in basis points), for every year the line exists
    funding: tuple[tuple[str, str, int], ...] = ()
    is_prevention: bool = False
    capacity: Decimal | None = None
    capacity_unit: str = ""
    need: tuple[str, int, Decimal] | None = None  # need measure code, share (bp), capacity per person


SERVICES = (
    Mapped(
        "Reablement at home",
        "Short-term support at home after illness or a hospital stay, to regain skills and confidence.",
        COUNCIL,
        (OLDER,),
        ((ASC, "delaying-need"),),
        objectives=((STRATEGY_OLDER, 2),),
        schemes=("Reablement at home",),
        contracts=("SCC-2026-019", "SCC-2025-015", "SCC-2025-013"),
        funding=((COUNCIL, "BCF01", 10_000), (CCG, "BCF01", 10_000)),
    ),
    Mapped(
        "Falls prevention service",
        "Falls risk assessment, home hazard checks and follow-up after a fall, from the pooled fund.",
        CCG,
        (OLDER,),
        ((ASC, "delaying-need"), (ASC, "safeguarding")),
        priorities=("Prevent hip fractures",),
        objectives=((STRATEGY_OLDER, 1),),
        schemes=("Falls prevention",),
        contracts=("SCC-2025-020", "SCC-2026-028"),
        funding=((CCG, "BCF04", 10_000),),
        is_prevention=True,
    ),
    Mapped(
        "Strength and balance classes",
        "Community exercise classes for older people at risk of falling, from the public health budget.",
        COUNCIL,
        (OLDER,),
        ((ASC, "delaying-need"),),
        priorities=("Prevent hip fractures",),
        contracts=("SCC-2023-012",),
        funding=((COUNCIL, "PH01", 500),),
        is_prevention=True,
    ),
    Mapped(
        "Community equipment",
        "Equipment and minor adaptations so people can live safely at home.",
        COUNCIL,
        (OLDER,),
        ((ASC, "quality-of-life"),),
        schemes=("Community equipment",),
        funding=((COUNCIL, "BCF03", 10_000), (CCG, "BCF03", 10_000)),
    ),
    Mapped(
        "Discharge to assess beds",
        "Short stays in a care home bed after hospital while long-term needs are assessed.",
        COUNCIL,
        (OLDER,),
        ((ASC, "positive-experience"),),
        objectives=((STRATEGY_OLDER, 2),),
        schemes=("Discharge to assess beds",),
        contracts=("SCC-2026-009",),
        funding=((COUNCIL, "BCF05", 10_000), (CCG, "BCF05", 10_000)),
    ),
    Mapped(
        "Care home beds for older people living with dementia",
        "Residential dementia beds bought by the council, in blocks and spot.",
        COUNCIL,
        (OLDER,),
        ((ASC, "quality-of-life"), (ASC, "safeguarding")),
        objectives=((STRATEGY_OLDER, 4),),
        contracts=("SCC-2026-008", "SCC-2026-007", "SCC-2024-006"),
        capacity=Decimal("520"),
        capacity_unit="beds",
        need=("dementia-65-plus", 2_000, Decimal("1")),
    ),
    Mapped(
        "Nursing and continuing healthcare dementia beds",
        "Nursing home beds for older people with dementia, funded as continuing healthcare.",
        CCG,
        (OLDER,),
        ((ASC, "quality-of-life"), (ASC, "safeguarding")),
        contracts=("CCG-2026-001", "CCG-2025-008", "CCG-2025-004", "CCG-2025-007"),
        capacity=Decimal("340"),
        capacity_unit="beds",
        need=("dementia-65-plus", 1_000, Decimal("1")),
    ),
    Mapped(
        "Home care for older people",
        "Personal care at home, including double-handed calls, across the city's patches.",
        COUNCIL,
        (OLDER,),
        ((ASC, "quality-of-life"),),
        objectives=((STRATEGY_OLDER, 4),),
        contracts=("SCC-2024-003", "SCC-2025-005", "SCC-2026-002"),
        capacity=Decimal("10400"),
        capacity_unit="hours_per_week",
        need=("domestic-task-65-plus", 1_000, Decimal("10")),
    ),
    Mapped(
        "Day opportunities for older people living with dementia",
        "Day services offering activity, company and a break for carers.",
        COUNCIL,
        (OLDER, "Carers"),
        ((ASC, "quality-of-life"),),
        contracts=("SCC-2026-015", "SCC-2026-018"),
        capacity_unit="places",
    ),
    Mapped(
        "Carers' breaks and support",
        "Breaks, information and advice so carers can go on caring and have a life of their own.",
        COUNCIL,
        ("Carers",),
        ((ASC, "quality-of-life"), (ASC, "positive-experience")),
        priorities=("Improve: Carers receiving support from social care",),
        objectives=((STRATEGY_OLDER, 3),),
        schemes=("Carers' breaks and support",),
        contracts=("SCC-2025-017", "SCC-2026-023"),
        funding=((COUNCIL, "BCF02", 10_000),),
        is_prevention=True,
    ),
    Mapped(
        "Carers' support in general practice",
        "Carers' leads in GP practices who identify carers and refer them for support.",
        CCG,
        ("Carers",),
        ((ASC, "quality-of-life"),),
        priorities=("Improve: Carers receiving support from social care",),
        schemes=("Carers' breaks and support",),
        funding=((CCG, "BCF02", 10_000),),
        is_prevention=True,
    ),
    Mapped(
        "Community mental health and crisis support",
        "Community mental health teams, early intervention in psychosis and crisis and recovery support.",
        CCG,
        ("Mental health",),
        ((ASC, "quality-of-life"),),
        priorities=("Reduce self-harm",),
        contracts=("CCG-2026-007", "CCG-2025-016"),
        funding=((CCG, "MH01", 10_000),),
    ),
    Mapped(
        "Mental health day and recovery services",
        "Day services, housing support and a recovery college for adults with mental health needs.",
        COUNCIL,
        ("Mental health",),
        ((ASC, "quality-of-life"),),
        contracts=("SCC-2026-022", "SCC-2026-021", "SCC-2026-020"),
        funding=((COUNCIL, "MH01", 10_000),),
    ),
    Mapped(
        "Early help for families",
        "Family support and early help before problems need a social worker.",
        COUNCIL,
        ("Children and young people",),
        ((ECM, "stay-safe"),),
        contracts=("SCC-2026-032",),
        funding=((COUNCIL, "CY01", 10_000),),
        is_prevention=True,
    ),
    Mapped(
        "Healthy weight service for children",
        "Family weight management sessions, from a small part of the public health budget.",
        COUNCIL,
        ("Children and young people",),
        ((ECM, "be-healthy"),),
        priorities=("Improve: Children living with obesity",),
        funding=((COUNCIL, "PH01", 100),),
        is_prevention=True,
    ),
    Mapped(
        "Supported living for adults with a learning disability",
        "Supported living tenancies for adults with a learning disability or autism.",
        COUNCIL,
        ("Learning disability and autism",),
        ((ASC, "quality-of-life"),),
        contracts=("SCC-2024-014", "SCC-2026-011", "SCC-2024-012", "SCC-2026-014"),
        funding=((COUNCIL, "LD01", 10_000), (CCG, "LD01", 10_000)),
        capacity=Decimal("430"),
        capacity_unit="places",
        need=("learning-disability-18-64", 1_000, Decimal("1")),
    ),
)


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None or Service.objects.filter(partnership=partnership).exists():
        return
    if not BudgetLine.objects.filter(partnership=partnership).exists():
        return
    partners = {
        COUNCIL: Organisation.objects.get(gss_code="E06000045"),
        CCG: Organisation.objects.get(ods_code="10X"),
    }
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    outcomes = {
        (o.framework.template_key, o.code): o
        for o in Outcome.objects.filter(framework__partnership=partnership).select_related("framework")
    }
    priorities = {p.title: p for p in Priority.objects.filter(partnership=partnership)}
    objectives = {
        (o.strategy.title, o.position): o
        for o in StrategicObjective.objects.filter(strategy__partnership=partnership).select_related(
            "strategy"
        )
    }
    schemes = {s.name: s for s in Scheme.objects.filter(fund__partnership=partnership)}
    contracts = {c.reference: c for c in Contract.objects.filter(partnership=partnership)}
    measures = {m.code: m for m in NeedMeasure.objects.filter(partnership=partnership)}
    lines: dict[tuple[int, str], list[BudgetLine]] = {}
    for line in BudgetLine.objects.filter(partnership=partnership).order_by("financial_year"):
        lines.setdefault((line.organisation_id, line.cost_centre), []).append(line)

    mapped = funded = 0
    for item in SERVICES:
        need = measures.get(item.need[0]) if item.need else None
        service = services_map.create_service(
            actor=actor,
            partnership=partnership,
            name=item.name,
            description=item.description,
            commissioner=partners[item.commissioner],
            care_groups=[groups[name] for name in item.care_groups if name in groups],
            outcomes=[outcomes[key] for key in item.outcomes if key in outcomes],
            priorities=[priorities[title] for title in item.priorities if title in priorities],
            objectives=[objectives[key] for key in item.objectives if key in objectives],
            schemes=[schemes[name] for name in item.schemes if name in schemes],
            contracts=[contracts[ref] for ref in item.contracts if ref in contracts],
            is_prevention=item.is_prevention,
            capacity=item.capacity,
            capacity_unit=item.capacity_unit,
            need_measure=need,
            need_share_bp=item.need[1] if item.need and need else 10_000,
            units_per_person=item.need[2] if item.need and need else Decimal("1"),
        )
        mapped += 1
        for partner, cost_centre, share_bp in item.funding:
            for line in lines.get((partners[partner].pk, cost_centre), []):
                services_map.fund_service(actor=actor, service=service, budget_line=line, share_bp=share_bp)
                funded += 1
    say(f"  services map (southampton): {mapped} services, {funded} budget line shares")
