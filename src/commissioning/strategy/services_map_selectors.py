"""Reads for the services map: services with their spend and contracts, gaps, duplication, the
prevention share and projected need against commissioned capacity, in a bounded number of queries.

Mapped spend is each service's share of the budget lines that fund it in the year shown, so a line
shared between services counts once. "Little" spend, for a gap, is below a threshold the page may
change and ``settings.SERVICES_MAP_LITTLE_SPEND`` sets by default.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from commissioning.contracts.models import Contract, Placement
from commissioning.finance.models import BudgetLine, PreventionTarget
from commissioning.governance.rules import financial_year_of
from commissioning.needs import selectors as needs_selectors
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership
from commissioning.strategy import services_map_calc as calc
from commissioning.strategy.models import (
    CapacityUnit,
    Outcome,
    Priority,
    PriorityStatus,
    Service,
    ServiceFunding,
    ServiceStatus,
)

DEFAULT_LITTLE_SPEND = Decimal("50000.00")


def little_spend_default() -> Decimal:
    """Below this much mapped spend in a year, a priority outcome counts as a gap."""
    return Decimal(str(getattr(settings, "SERVICES_MAP_LITTLE_SPEND", DEFAULT_LITTLE_SPEND)))


def today() -> dt.date:
    return timezone.localdate()


# Services ------------------------------------------------------------------------------------


def _services() -> QuerySet[Service]:
    return Service.objects.select_related("commissioner", "need_measure").prefetch_related(
        Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")),
        Prefetch("areas", queryset=Area.objects.order_by("name")),
        Prefetch("outcomes", queryset=Outcome.objects.select_related("framework").order_by("position")),
        Prefetch("priorities", queryset=Priority.objects.select_related("care_group").order_by("title")),
        "objectives__strategy",
        "schemes",
        Prefetch("contracts", queryset=Contract.objects.select_related("provider__organisation")),
    )


def _filtered(
    found: QuerySet[Service], *, care_group: int | None, area: int | None, outcome: int | None
) -> QuerySet[Service]:
    if care_group:
        found = found.filter(care_groups=care_group)
    if area:
        found = found.filter(Q(areas=area) | Q(areas__isnull=True))
    if outcome:
        found = found.filter(outcomes=outcome)
    return found


def services_of(
    partnership: Partnership,
    *,
    care_group: int | None = None,
    area: int | None = None,
    outcome: int | None = None,
    include_retired: bool = False,
) -> list[Service]:
    """The partnership's services, filtered; a service with no areas covers every area."""
    found = _services().filter(partnership=partnership)
    if not include_retired:
        found = found.filter(status=ServiceStatus.ACTIVE)
    found = _filtered(found, care_group=care_group, area=area, outcome=outcome)
    return list(found.distinct().order_by("name"))


def service_in(partnership: Partnership, pk: int) -> Service:
    """One service with its links; DoesNotExist if it is not this partnership's."""
    funding = ServiceFunding.objects.select_related("budget_line__organisation", "budget_line__scheme")
    return (
        _services()
        .prefetch_related(
            Prefetch("funding_links", queryset=funding.order_by("-budget_line__financial_year"))
        )
        .get(partnership=partnership, pk=pk)
    )


def spend_by_service(partnership: Partnership, financial_year: int) -> dict[int, Decimal]:
    """Each service's share of the budget lines funding it in a year, to the penny (one query)."""
    spend: dict[int, Decimal] = defaultdict(lambda: calc.ZERO)
    rows = ServiceFunding.objects.filter(
        service__partnership=partnership, budget_line__financial_year=financial_year
    ).values_list("service_id", "share_bp", "budget_line__amount")
    for service_id, share_bp, amount in rows:
        spend[service_id] += calc.share_of(amount, share_bp)
    return dict(spend)


def years_of(partnership: Partnership) -> list[int]:
    return sorted(
        set(BudgetLine.objects.filter(partnership=partnership).values_list("financial_year", flat=True))
        | {financial_year_of(today())}
    )


@dataclass(frozen=True)
class Capacity:
    amount: Decimal | None
    unit: str
    source: str  # "stated", "placements" or ""

    @property
    def unit_label(self) -> str:
        return CapacityUnit(self.unit).label if self.unit else ""


def capacities(services: Iterable[Service], *, on: dt.date) -> dict[int, Capacity]:
    """Each service's commissioned capacity: as stated, or read from the active placements under its
    contracts on a day (a bed or place per placement, or the hours a week they buy). One query."""
    services = list(services)
    contract_ids = {
        c.pk for s in services if s.capacity is None and s.capacity_unit for c in s.contracts.all()
    }
    placed: dict[int, tuple[int, Decimal]] = {}
    if contract_ids:
        rows = (
            Placement.objects.filter(contract_id__in=contract_ids, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            .values("contract_id")
            .annotate(n=Count("id"), units=Sum("units_per_week"))
            .order_by()
        )
        placed = {r["contract_id"]: (r["n"], r["units"] or Decimal(0)) for r in rows}
    out = {}
    for s in services:
        under = [placed[c.pk] for c in s.contracts.all() if c.pk in placed]
        if s.capacity is not None:
            out[s.pk] = Capacity(s.capacity, s.capacity_unit, "stated")
        elif s.capacity_unit and under:
            count = sum(n for n, _ in under)
            units = sum((u for _, u in under), Decimal(0))
            amount = units if s.capacity_unit == CapacityUnit.HOURS_PER_WEEK else Decimal(count)
            out[s.pk] = Capacity(amount, s.capacity_unit, "placements")
        else:
            out[s.pk] = Capacity(None, s.capacity_unit, "")
    return out


def _mapped(services: Iterable[Service], spend: dict[int, Decimal]) -> list[calc.MappedService]:
    return [
        calc.MappedService(
            id=s.pk,
            name=s.name,
            commissioner_id=s.commissioner_id,
            care_group_ids=frozenset(g.pk for g in s.care_groups.all()),
            area_ids=frozenset(a.pk for a in s.areas.all()),
            outcome_ids=frozenset(o.pk for o in s.outcomes.all()),
            spend=spend.get(s.pk, calc.ZERO),
            is_prevention=s.is_prevention,
        )
        for s in services
    ]


# The map -------------------------------------------------------------------------------------


@dataclass
class ServiceRow:
    service: Service
    spend: Decimal
    contract_value: Decimal
    capacity: Capacity


@dataclass
class GapRow:
    priority: Priority
    outcome: Outcome
    services: list[Service]
    spend: Decimal
    reason: str


@dataclass
class DuplicateRow:
    outcome: Outcome
    care_group: CareGroup
    area: Area
    services: list[Service]
    commissioners: list[Organisation]


@dataclass
class NeedRow:
    care_group: str
    measure_name: str
    unit_label: str
    service: Service
    years: list[calc.NeedYear]
    shown_years: set[int] = field(default_factory=set)

    @property
    def shown(self) -> list[calc.NeedYear]:
        return [y for y in self.years if not self.shown_years or y.year in self.shown_years]


@dataclass
class ServicesMap:
    financial_year: int
    years: list[int]
    rows: list[ServiceRow]
    gaps: list[GapRow]
    duplicates: list[DuplicateRow]
    prevention: calc.PreventionShare
    need: list[NeedRow]
    little_spend: Decimal
    spend_by_outcome: list[tuple[Outcome, Decimal]]

    @property
    def total_spend(self) -> Decimal:
        return sum((r.spend for r in self.rows), calc.ZERO)


def services_map(
    partnership: Partnership,
    *,
    financial_year: int | None = None,
    care_group: int | None = None,
    area: int | None = None,
    outcome: int | None = None,
    little_spend: Decimal | None = None,
    on: dt.date | None = None,
) -> ServicesMap:
    """The map for one year: services (filtered), and over all the partnership's active services the
    gaps, duplication, prevention share and need against capacity. Bounded queries."""
    on = on or today()
    year = financial_year or financial_year_of(on)
    little = little_spend_default() if little_spend is None else little_spend
    every = services_of(partnership)
    active = Service.objects.filter(partnership=partnership, status=ServiceStatus.ACTIVE)
    shown_ids = set(
        _filtered(active, care_group=care_group, area=area, outcome=outcome).values_list("pk", flat=True)
    )
    shown = [s for s in every if s.pk in shown_ids]
    spend = spend_by_service(partnership, year)
    caps = capacities(every, on=on)
    rows = [
        ServiceRow(
            s,
            spend.get(s.pk, calc.ZERO),
            sum((c.annual_value for c in s.contracts.all()), calc.ZERO),
            caps[s.pk],
        )
        for s in shown
    ]
    mapped = _mapped(every, spend)
    by_id = {s.pk: s for s in every}

    # Gaps: outcomes of draft and agreed priorities, for their care group.
    priorities = list(
        Priority.objects.filter(
            partnership=partnership, status__in=[PriorityStatus.DRAFT, PriorityStatus.AGREED]
        )
        .select_related("care_group")
        .prefetch_related(Prefetch("outcomes", queryset=Outcome.objects.order_by("position")))
        .order_by("care_group__position", "title")
    )
    wanted = [calc.PriorityOutcome(p.pk, p.care_group_id, o.pk) for p in priorities for o in p.outcomes.all()]
    priority_by_id = {p.pk: p for p in priorities}
    outcome_by_id = {o.pk: o for p in priorities for o in p.outcomes.all()}
    gaps = [
        GapRow(
            priority_by_id[g.priority_id],
            outcome_by_id[g.outcome_id],
            [by_id[i] for i in g.service_ids],
            g.spend,
            g.reason,
        )
        for g in calc.gaps(wanted, mapped, little_spend=little)
    ]

    # Duplication.
    own_areas = list(partnership.areas.all())
    areas = {a.pk: a for a in own_areas}
    for s in every:
        areas.update({a.pk: a for a in s.areas.all()})
    groups = {g.pk: g for s in every for g in s.care_groups.all()}
    outcomes = {o.pk: o for s in every for o in s.outcomes.all()}
    commissioners = {s.commissioner_id: s.commissioner for s in every}
    duplicates = [
        DuplicateRow(
            outcomes[d.outcome_id],
            groups[d.care_group_id],
            areas[d.area_id],
            [by_id[i] for i in d.service_ids],
            [commissioners[i] for i in d.commissioner_ids],
        )
        for d in calc.duplicates(mapped, [a.pk for a in own_areas])
    ]

    target = (
        PreventionTarget.objects.filter(partnership=partnership, financial_year=year)
        .values_list("share_bp", flat=True)
        .first()
    )
    by_outcome: dict[int, Decimal] = defaultdict(lambda: calc.ZERO)
    for m in mapped:
        for o in m.outcome_ids:
            by_outcome[o] += m.spend
    spend_by_outcome = sorted(
        ((outcomes[o], amount) for o, amount in by_outcome.items()),
        key=lambda item: (-item[1], item[0].title),
    )
    return ServicesMap(
        financial_year=year,
        years=years_of(partnership),
        rows=rows,
        gaps=gaps,
        duplicates=duplicates,
        prevention=calc.prevention_share(mapped, target),
        need=need_against_capacity(partnership, every, caps),
        little_spend=little,
        spend_by_outcome=spend_by_outcome,
    )


def need_against_capacity(
    partnership: Partnership, services: Iterable[Service], caps: dict[int, Capacity]
) -> list[NeedRow]:
    """Per care group, each service linked to a need: every projected year's people in need (the
    needs app's projection summed over the partnership's areas, times the share the service is for)
    against the people today's commissioned capacity serves, held flat. The shortfall is what is
    not yet commissioned."""
    by_measure: dict[int, list[Service]] = defaultdict(list)
    for s in services:
        if s.need_measure_id is not None:
            by_measure[s.need_measure_id].append(s)
    if not by_measure:
        return []
    rows = []
    for group in needs_selectors.need_projections(partnership):
        for projection in group.measures:
            serving = by_measure.get(projection.measure.pk)
            if not serving or projection.error:
                continue
            people: dict[int, float] = defaultdict(float)
            for projected_area in projection.areas:
                for y in projected_area.years:
                    people[y.year] += y.people
            for s in serving:
                share = s.need_share_bp / calc.FULL_SHARE
                capacity = caps[s.pk]
                rows.append(
                    NeedRow(
                        care_group=group.name,
                        measure_name=projection.measure.name,
                        unit_label=capacity.unit_label,
                        service=s,
                        years=calc.need_against_capacity(
                            {year: count * share for year, count in people.items()},
                            calc.people_served(capacity.amount or Decimal(0), s.units_per_person),
                        ),
                        shown_years=projection.shown_years,
                    )
                )
    return rows


# Choices for the forms -----------------------------------------------------------------------


def budget_lines_of(partnership: Partnership) -> QuerySet[BudgetLine]:
    return (
        BudgetLine.objects.filter(partnership=partnership)
        .select_related("organisation", "care_group")
        .order_by("-financial_year", "organisation__name", "cost_centre")
    )
