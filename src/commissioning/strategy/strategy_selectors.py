"""Reads for the commissioning strategy pages, scoped to the partnership, in a fixed number of queries.

The needs analysis and current resources are read live: the care group's priorities with their JSNA
evidence, its services on the services map with this year's spend, its active contracts and who funds
them, and its budget lines for the current year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum

from commissioning.contracts.models import Contract, ContractStatus, Funding
from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent
from commissioning.finance.models import BudgetLine
from commissioning.finance.selectors import current_financial_year
from commissioning.governance.models import Decision, DecisionKind, DecisionState
from commissioning.partners.models import CareGroup, Partnership
from commissioning.strategy import services_map_selectors
from commissioning.strategy.models import (
    CommissioningStrategy,
    Priority,
    PriorityEvidence,
    Service,
    ServiceDevelopment,
    ServiceStatus,
    StrategicObjective,
    StrategyStatus,
    SuccessMeasure,
)
from commissioning.strategy.selectors import Evidence, evidence_for


def decided_state(status: str, decision: Decision | None) -> str:
    """What a record sent to governance reads as (a strategy, a market position statement's version):
    once submitted it is approved or rejected as its decision is; otherwise its own status."""
    decided = (DecisionState.APPROVED, DecisionState.REJECTED)
    if status == StrategyStatus.SUBMITTED and decision is not None and decision.state in decided:
        return decision.state
    return status


def approval_state(strategy: CommissioningStrategy) -> str:
    """The strategy's state as governance has it: a submitted strategy follows its decision."""
    return decided_state(strategy.status, strategy.decision)


def approval_label(state: str) -> str:
    return StrategyStatus(state).label


@dataclass
class CareGroupStrategies:
    care_group: CareGroup
    strategies: list[CommissioningStrategy]


def strategies_by_care_group(partnership: Partnership) -> list[CareGroupStrategies]:
    """Every active care group (and any inactive one with a strategy) with its strategies."""
    found = list(
        CommissioningStrategy.objects.filter(partnership=partnership)
        .select_related("care_group", "decision")
        .annotate(objective_count=Count("objectives", distinct=True))
        .order_by("care_group__position", "horizon", "title")
    )
    for strategy in found:
        strategy.state = approval_state(strategy)  # type: ignore[attr-defined]
        strategy.state_label = approval_label(strategy.state)  # type: ignore[attr-defined]
    by_group: dict[int, list[CommissioningStrategy]] = {}
    for strategy in found:
        by_group.setdefault(strategy.care_group_id, []).append(strategy)
    groups = partnership.care_groups.order_by("position", "name")
    return [CareGroupStrategies(g, by_group.get(g.pk, [])) for g in groups if g.is_active or g.pk in by_group]


def strategy_in(partnership: Partnership, pk: int) -> CommissioningStrategy:
    """One strategy with its schematic, plan and measures; DoesNotExist if not this partnership's."""
    developments = ServiceDevelopment.objects.select_related("contract").prefetch_related("areas")
    objectives = StrategicObjective.objects.select_related("priority", "outcome").prefetch_related(
        Prefetch("developments", queryset=developments),
        Prefetch("services", queryset=Service.objects.order_by("name")),
    )
    evidence = PriorityEvidence.objects.select_related("indicator").order_by("position", "id")
    return (
        CommissioningStrategy.objects.filter(partnership=partnership)
        .select_related("care_group", "decision", "created_by")
        .prefetch_related(
            Prefetch("objectives", queryset=objectives),
            Prefetch(
                "priorities",
                queryset=Priority.objects.prefetch_related(Prefetch("evidence_links", queryset=evidence)),
            ),
            Prefetch("actions"),
            Prefetch("measures", queryset=SuccessMeasure.objects.select_related("indicator")),
        )
        .get(pk=pk)
    )


def objective_in(partnership: Partnership, pk: int) -> StrategicObjective:
    return StrategicObjective.objects.select_related("strategy", "strategy__partnership").get(
        strategy__partnership=partnership, pk=pk
    )


def development_in(partnership: Partnership, pk: int) -> ServiceDevelopment:
    """One service development with its strategy; DoesNotExist if not this partnership's."""
    return (
        ServiceDevelopment.objects.select_related("objective__strategy__partnership")
        .prefetch_related("areas")
        .get(objective__strategy__partnership=partnership, pk=pk)
    )


def submissions_of(strategy: CommissioningStrategy) -> list[AuditEvent]:
    """The strategy's way through governance, oldest first: each submission and each revision after a
    rejection, with who acted and when (one query)."""
    return list(history_for(strategy).filter(action=AuditEvent.Action.STATE).order_by("occurred_at", "id"))


def strategy_decisions(partnership: Partnership) -> QuerySet[Decision]:
    """Decisions a strategy may go through: the partnership's proposed or approved strategy decisions."""
    return Decision.objects.filter(
        partnership=partnership,
        kind=DecisionKind.STRATEGY,
        state__in=[DecisionState.PROPOSED, DecisionState.APPROVED],
    ).order_by("-created_at", "reference")


@dataclass(frozen=True)
class Share:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class MappedService:
    service: Service
    spend: Decimal


@dataclass(frozen=True)
class Resources:
    """What the care group has now: its mapped services, contracts and budgets."""

    services: list[MappedService]
    contract_count: int
    annual_value: Decimal
    funding_by_partner: list[Share]
    financial_year: int
    budget_by_partner: list[Share]

    @property
    def budget_total(self) -> Decimal:
        return sum((s.amount for s in self.budget_by_partner), Decimal(0))


def resources_for(partnership: Partnership, care_group: CareGroup) -> Resources:
    """The care group's mapped services with this year's spend, its active contracts and current budget
    lines, totalled in six queries."""
    year = current_financial_year()
    services = list(
        Service.objects.filter(partnership=partnership, care_groups=care_group, status=ServiceStatus.ACTIVE)
        .select_related("commissioner")
        .order_by("name")
    )
    spend = services_map_selectors.spend_by_service(partnership, year)
    contracts = Contract.objects.filter(
        partnership=partnership, care_group=care_group, status=ContractStatus.ACTIVE
    )
    totals = contracts.aggregate(count=Count("pk"), value=Sum("annual_value"))
    funding = (
        Funding.objects.filter(contract__in=contracts)
        .values("organisation__name")
        .annotate(total=Sum("amount"))
        .order_by("organisation__name")
    )
    budget = (
        BudgetLine.objects.filter(partnership=partnership, care_group=care_group, financial_year=year)
        .values("organisation__name")
        .annotate(total=Sum("amount"))
        .order_by("organisation__name")
    )
    return Resources(
        services=[MappedService(s, spend.get(s.pk, Decimal(0))) for s in services],
        contract_count=totals["count"] or 0,
        annual_value=totals["value"] or Decimal(0),
        funding_by_partner=[Share(r["organisation__name"], r["total"]) for r in funding],
        financial_year=year,
        budget_by_partner=[Share(r["organisation__name"], r["total"]) for r in budget],
    )


@dataclass
class StrategyPage:
    strategy: CommissioningStrategy
    state: str
    state_label: str
    needs: list[Priority]
    evidence: Evidence
    resources: Resources
    submissions: list[AuditEvent]


def strategy_page(partnership: Partnership, pk: int) -> StrategyPage:
    """The strategy with its live needs analysis (its care group's priorities) and current resources."""
    strategy = strategy_in(partnership, pk)
    evidence_rows = PriorityEvidence.objects.select_related("indicator").order_by("position", "id")
    needs = list(
        Priority.objects.filter(partnership=partnership, care_group=strategy.care_group)
        .exclude(status="retired")
        .prefetch_related(Prefetch("evidence_links", queryset=evidence_rows))
        .order_by("title")
    )
    indicator_ids = {link.indicator_id for p in needs for link in p.evidence_links.all()}
    indicator_ids |= {m.indicator_id for m in strategy.measures.all() if m.indicator_id}
    state = approval_state(strategy)
    return StrategyPage(
        strategy=strategy,
        state=state,
        state_label=approval_label(state),
        needs=needs,
        evidence=evidence_for(partnership, indicator_ids),
        resources=resources_for(partnership, strategy.care_group),
        submissions=submissions_of(strategy),
    )
