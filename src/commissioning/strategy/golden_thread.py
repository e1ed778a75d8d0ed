"""The golden thread: from any priority, service, budget line, scheme, contract or KPI, everything it
traces back to (need, priorities, objectives, outcomes) and forward to (services, money, contracts,
KPIs and their latest SPC reading), with the totals and evidence trail a board paper needs.

The thread is read in a fixed number of queries however many objects hang off it: the services at
its centre are read once with everything they link to prefetched, and the rest is gathered from
those in bulk. Spend against the thread is each service's share of its budget lines, so a line
shared between services is never counted twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.money import pounds
from commissioning.finance.models import BudgetLine, Scheme
from commissioning.governance.models import Decision
from commissioning.governance.rules import financial_year_label
from commissioning.needs.models import Indicator
from commissioning.partners.models import Organisation, Partnership
from commissioning.performance import series
from commissioning.strategy import selectors as strategy_selectors
from commissioning.strategy import services_map_calc as calc
from commissioning.strategy.models import (
    Outcome,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    Service,
    ServiceFunding,
    ServiceStatus,
    StrategicObjective,
)

KINDS = {
    "indicator": "Indicator",
    "priority": "Priority",
    "service": "Service",
    "budget-line": "Budget line",
    "scheme": "Scheme",
    "contract": "Contract",
    "kpi": "KPI",
}
STAGES = (
    "Need",
    "Priority",
    "Strategic objective",
    "Outcome",
    "Service",
    "Budget line",
    "Scheme",
    "Contract",
    "KPI",
)


class UnknownKind(ValueError):
    """The thread cannot start from that kind of object."""


@dataclass
class Link:
    """One object on the thread: what it is, a line about it, any money, and where its page is."""

    stage: str
    pk: int
    label: str
    detail: str = ""
    amount: Decimal | None = None
    url_name: str = ""
    thread_kind: str = ""
    reading: Any = None
    is_start: bool = False
    url_pk: int | None = None

    @property
    def page_pk(self) -> int:
        """The primary key of the page the link opens (an objective opens its strategy)."""
        return self.url_pk if self.url_pk is not None else self.pk

    @property
    def reading_text(self) -> str:
        reading = self.reading
        if reading is None:
            return ""
        if isinstance(reading, series.SpcReading):
            latest = "" if reading.latest_value is None else f"latest {reading.latest_value.normalize():f}; "
            return f"{latest}{reading.variation_label}; {reading.assurance_label}"
        return f"{reading.england_tag.label}; {reading.trend_shown.label}"


@dataclass
class EvidenceRow:
    indicator: Indicator
    reading: Any  # needs.selectors.SpineRow or None


@dataclass
class PartnerAudit:
    """One partner's budget in one year, and how much of it funds services that serve a priority."""

    organisation: Organisation
    financial_year: int
    total: Decimal
    linked: Decimal

    @property
    def linked_bp(self) -> int:
        return calc.bp(self.linked, self.total)

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)


@dataclass
class Thread:
    kind: str
    start: Any
    stages: dict[str, list[Link]]
    spend_by_year: list[tuple[int, Decimal]]
    contract_value: Decimal
    evidence: list[EvidenceRow]
    decisions: list[Decision]
    evidence_area: Any = None
    audit: list[PartnerAudit] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def links(self) -> list[Link]:
        return [link for stage in STAGES for link in self.stages.get(stage, [])]

    @property
    def count(self) -> int:
        return len(self.links)


# Where the thread starts ----------------------------------------------------------------------


def _start(partnership: Partnership, kind: str, pk: int) -> tuple[Any, Q, dict[str, Any]]:
    """The starting object, which services sit at the thread's centre, and what else hangs off it
    directly. Raises the model's DoesNotExist for another partnership's object."""
    extra: dict[str, Any] = {}
    start: Any
    if kind == "indicator":
        start = Indicator.objects.get(partnership=partnership, pk=pk)
        resting = Priority.objects.filter(partnership=partnership, evidence_links__indicator=start)
        centre = (
            Q(priorities__evidence_links__indicator=start)
            | Q(objectives__priority__evidence_links__indicator=start)
            | Q(outcomes__indicator_links__indicator=start)
        )
        return start, centre, {"priorities": set(resting.values_list("pk", flat=True)), "indicator": start}
    if kind == "priority":
        start = Priority.objects.get(partnership=partnership, pk=pk)
        return start, Q(priorities=start) | Q(objectives__priority=start), {"priorities": {start.pk}}
    if kind == "service":
        start = Service.objects.get(partnership=partnership, pk=pk)
        return start, Q(pk=start.pk), extra
    if kind == "budget-line":
        start = BudgetLine.objects.get(partnership=partnership, pk=pk)
        extra = {
            "lines": {start.pk},
            "schemes": {start.scheme_id} if start.scheme_id else set(),
            "contracts_q": Q(funding__budget_line=start),
        }
        return start, Q(funding_links__budget_line=start), extra
    if kind == "scheme":
        start = Scheme.objects.select_related("fund").get(fund__partnership=partnership, pk=pk)
        extra = {"schemes": {start.pk}, "lines_q": Q(scheme=start), "contracts_q": Q(funding__scheme=start)}
        return start, Q(schemes=start) | Q(funding_links__budget_line__scheme=start), extra
    if kind in ("contract", "kpi"):
        if kind == "kpi":
            start = Kpi.objects.select_related("contract").get(contract__partnership=partnership, pk=pk)
            contract = start.contract
        else:
            start = contract = Contract.objects.get(partnership=partnership, pk=pk)
        return start, Q(contracts=contract), {"contracts": {contract.pk}}
    raise UnknownKind(kind)


def _services(partnership: Partnership, centre: Q) -> list[Service]:
    funding = ServiceFunding.objects.select_related("budget_line__organisation")
    ids = Service.objects.filter(centre, partnership=partnership).values("pk")
    return list(
        Service.objects.filter(pk__in=ids)
        .select_related("commissioner")
        .prefetch_related(
            "care_groups",
            "outcomes",
            "priorities",
            "objectives",
            "schemes",
            "contracts",
            Prefetch("funding_links", queryset=funding),
        )
        .order_by("name")
    )


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"£{amount:,.2f}"


def thread_for(partnership: Partnership, kind: str, pk: int, *, on: dt.date | None = None) -> Thread:
    """The whole thread through one object, in a bounded number of queries."""
    on = on or timezone.localdate()
    start, centre, extra = _start(partnership, kind, pk)
    services = _services(partnership, centre)

    # Upstream: priorities, their objectives, outcomes, evidence and the decisions that agreed them.
    start_priorities = set(extra.get("priorities", set()))
    priority_ids = set(start_priorities)
    objective_ids = {o.pk for s in services for o in s.objectives.all()}
    priority_ids |= {p.pk for s in services for p in s.priorities.all()}
    priority_ids |= {o.priority_id for s in services for o in s.objectives.all() if o.priority_id}
    priorities = list(
        Priority.objects.filter(pk__in=priority_ids)
        .select_related("care_group", "agreed_by_decision")
        .prefetch_related(
            Prefetch("evidence_links", queryset=PriorityEvidence.objects.select_related("indicator")),
            "outcomes",
        )
        .order_by("care_group__position", "title")
    )
    objectives = list(
        StrategicObjective.objects.filter(Q(priority_id__in=start_priorities) | Q(pk__in=objective_ids))
        .select_related("strategy__decision")
        .order_by("strategy__title", "position")
    )
    outcome_ids = {o.pk for s in services for o in s.outcomes.all()}
    outcome_ids |= {o.pk for p in priorities for o in p.outcomes.all()}
    outcomes = list(
        Outcome.objects.filter(pk__in=outcome_ids)
        .select_related("framework")
        .prefetch_related(
            Prefetch("indicator_links", queryset=OutcomeIndicator.objects.select_related("indicator"))
        )
        .order_by("framework__name", "position")
    )
    indicators: dict[int, Indicator] = {}
    for p in priorities:
        indicators.update({e.indicator_id: e.indicator for e in p.evidence_links.all()})
    for o in outcomes:
        indicators.update({i.indicator_id: i.indicator for i in o.indicator_links.all()})
    if "indicator" in extra:
        indicators.setdefault(extra["indicator"].pk, extra["indicator"])
    evidence = strategy_selectors.evidence_for(partnership, indicators)

    # Downstream: money, schemes, contracts and KPIs.
    line_shares: dict[int, int] = defaultdict(int)
    lines: dict[int, BudgetLine] = {}
    spend: dict[int, Decimal] = defaultdict(lambda: calc.ZERO)
    for s in services:
        for f in s.funding_links.all():
            line_shares[f.budget_line_id] += f.share_bp
            lines[f.budget_line_id] = f.budget_line
            spend[f.budget_line.financial_year] += calc.share_of(f.budget_line.amount, f.share_bp)
    wanted_lines = set(extra.get("lines", set())) - set(lines)
    lines_q = Q(pk__in=wanted_lines) | extra.get("lines_q", Q(pk__in=[]))
    for line in BudgetLine.objects.filter(lines_q, partnership=partnership).select_related("organisation"):
        lines.setdefault(line.pk, line)
    scheme_ids = set(extra.get("schemes", set())) | {sc.pk for s in services for sc in s.schemes.all()}
    scheme_ids |= {line.scheme_id for line in lines.values() if line.scheme_id}
    schemes = list(Scheme.objects.filter(pk__in=scheme_ids, fund__partnership=partnership).order_by("name"))
    contract_ids = set(extra.get("contracts", set())) | {c.pk for s in services for c in s.contracts.all()}
    contracts_q = Q(pk__in=contract_ids) | extra.get("contracts_q", Q(pk__in=[]))
    contracts = list(
        Contract.objects.filter(contracts_q, partnership=partnership)
        .select_related("provider__organisation")
        .distinct()
        .order_by("reference")
    )
    kpis = list(
        Kpi.objects.filter(contract__in=[c.pk for c in contracts])
        .select_related("contract")
        .order_by("contract__reference", "position", "code")
    )
    readings = {r.kpi.pk: r for r in series.readings_for(kpis, until=on)}

    def is_start(stage_kind: str, obj_pk: int) -> bool:
        return kind == stage_kind and obj_pk == pk

    stages: dict[str, list[Link]] = {
        "Need": [
            Link(
                "Need",
                i.pk,
                i.name,
                i.topic,
                url_name="needs:indicator",
                thread_kind="indicator",
                reading=evidence.get(i.pk),
                is_start=is_start("indicator", i.pk),
            )
            for i in sorted(indicators.values(), key=lambda i: i.name)
        ],
        "Priority": [
            Link(
                "Priority",
                p.pk,
                p.title,
                f"{p.care_group.name}; {p.get_status_display()}",
                url_name="strategy:priority",
                thread_kind="priority",
                is_start=is_start("priority", p.pk),
            )
            for p in priorities
        ],
        "Strategic objective": [
            Link(
                "Strategic objective",
                o.pk,
                f"{o.position}. {o.objective}",
                o.strategy.title,
                url_name="strategy:strategy",
                url_pk=o.strategy_id,
            )
            for o in objectives
        ],
        "Outcome": [Link("Outcome", o.pk, o.title, o.framework.name) for o in outcomes],
        "Service": [
            Link(
                "Service",
                s.pk,
                s.name,
                s.commissioner.name
                + ("; prevention" if s.is_prevention else "")
                + ("" if s.status == "active" else "; retired"),
                url_name="strategy:service",
                thread_kind="service",
                is_start=is_start("service", s.pk),
            )
            for s in services
        ],
        "Budget line": [
            Link(
                "Budget line",
                line.pk,
                f"{line.organisation.name} {line.cost_centre} {financial_year_label(line.financial_year)}",
                line.service_area
                + (
                    f"; {line_shares[line.pk] / 100:.2f} % to these services"
                    if line.pk in line_shares
                    else ""
                ),
                amount=calc.share_of(line.amount, line_shares[line.pk])
                if line.pk in line_shares
                else line.amount,
                url_name="finance:budget_line",
                thread_kind="budget-line",
                is_start=is_start("budget-line", line.pk),
            )
            for line in sorted(
                lines.values(), key=lambda b: (-b.financial_year, b.organisation.name, b.cost_centre)
            )
        ],
        "Scheme": [
            Link(
                "Scheme",
                sc.pk,
                sc.name,
                sc.scheme_type,
                thread_kind="scheme",
                is_start=is_start("scheme", sc.pk),
            )
            for sc in schemes
        ],
        "Contract": [
            Link(
                "Contract",
                c.pk,
                f"{c.reference} {c.title}",
                c.provider.organisation.name,
                amount=c.annual_value,
                url_name="contracts:detail",
                thread_kind="contract",
                is_start=is_start("contract", c.pk),
            )
            for c in contracts
        ],
        "KPI": [
            Link(
                "KPI",
                k.pk,
                f"{k.code} {k.name}",
                k.contract.reference,
                url_name="kpis:detail",
                thread_kind="kpi",
                reading=readings.get(k.pk),
                is_start=is_start("kpi", k.pk),
            )
            for k in kpis
        ],
    }
    decisions = {p.agreed_by_decision.pk: p.agreed_by_decision for p in priorities if p.agreed_by_decision}
    decisions.update({o.strategy.decision.pk: o.strategy.decision for o in objectives if o.strategy.decision})
    return Thread(
        kind=kind,
        start=start,
        stages=stages,
        spend_by_year=sorted(spend.items()),
        contract_value=sum((c.annual_value for c in contracts), calc.ZERO),
        evidence=[
            EvidenceRow(i, evidence.get(i.pk)) for i in sorted(indicators.values(), key=lambda i: i.name)
        ],
        decisions=sorted(decisions.values(), key=lambda d: (d.decided_on or dt.date.min, d.reference)),
        evidence_area=evidence.area,
        audit=budget_audit(partnership),
    )


EXPORT_HEADERS = ("Stage", "Name", "Detail", "Amount (£)", "Reading")


def export_rows(thread: Thread) -> list[tuple[Any, ...]]:
    """The thread as a table, stage by stage, for CSV or a spreadsheet."""
    return [(link.stage, link.label, link.detail, link.amount, link.reading_text) for link in thread.links]


# The cross-agency budget audit ----------------------------------------------------------------


def budget_audit(partnership: Partnership) -> list[PartnerAudit]:
    """Per partner and year, its budget and the part funding services that serve a priority
    (directly or through a strategic objective). Three queries."""
    totals = (
        BudgetLine.objects.filter(partnership=partnership)
        .values_list("organisation_id", "financial_year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_key = {(o, year): pounds(total) for o, year, total in totals}
    linked: dict[tuple[int, int], Decimal] = defaultdict(lambda: calc.ZERO)
    serving = Service.objects.filter(partnership=partnership, status=ServiceStatus.ACTIVE).filter(
        Q(priorities__isnull=False) | Q(objectives__priority__isnull=False)
    )
    rows = (
        ServiceFunding.objects.filter(service__in=serving.values("pk"))
        .values_list(
            "budget_line__organisation_id", "budget_line__financial_year", "share_bp", "budget_line__amount"
        )
        .order_by()
    )
    for organisation_id, year, share_bp, amount in rows:
        linked[(organisation_id, year)] += calc.share_of(amount, share_bp)
    organisations = Organisation.objects.in_bulk({o for o, _ in by_key})
    return [
        PartnerAudit(organisations[o], year, total, min(linked.get((o, year), calc.ZERO), total))
        for (o, year), total in sorted(
            by_key.items(), key=lambda item: (-item[0][1], organisations[item[0][0]].name)
        )
    ]
