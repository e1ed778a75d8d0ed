"""Reads for the Resources pages, scoped to the partnership and aggregated in the database.

Each page gathers its rows in a fixed number of queries (sums and latest forecasts are computed by
the database per budget line, fund, partner or scheme; related rows are prefetched), so the queries
do not grow with the funds, schemes, budget lines or posts shown. Money stays ``Decimal``.

The forecast outturn of a budget line is its latest forecast (by the month it was made); a line
with no forecast yet is expected to spend its budget.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent
from commissioning.finance import settlement, summaries
from commissioning.finance.models import (
    Actual,
    Arrangement,
    BudgetLine,
    Contribution,
    Forecast,
    JointPost,
    LedgerImport,
    PooledFund,
    PostShare,
    RiskShare,
    Scheme,
    SchemeFunding,
    Tier,
)
from commissioning.governance.models import Agreement, Team
from commissioning.governance.rules import financial_year_label
from commissioning.partners.models import CareGroup, Organisation, Partnership, PartnershipMember
from commissioning.partners.selectors import care_groups_in, organisations_in

ZERO = Decimal("0.00")
HUNDREDTH = Decimal("0.01")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
FULL_SHARE = 10_000


def today() -> dt.date:
    return timezone.localdate()


def financial_year_of(day: dt.date) -> int:
    """The financial year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def current_financial_year() -> int:
    return financial_year_of(today())


def history(obj: Any) -> QuerySet[AuditEvent]:
    return history_for(obj)


# Choices for forms ---------------------------------------------------------------------------


def partners_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The commissioning partners (host first): who contributes, carries risk and shares posts."""
    return (
        Organisation.objects.filter(
            partnership_memberships__partnership=partnership,
            partnership_memberships__role__in=(PartnershipMember.Role.HOST, PartnershipMember.Role.PARTNER),
        )
        .order_by("partnership_memberships__role", "name")
        .distinct()
    )


def organisations_of(partnership: Partnership) -> QuerySet[Organisation]:
    """Organisations in the partnership, partners and providers: who may provide a scheme."""
    return organisations_in(partnership)


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return care_groups_in(partnership)


def agreements_of(partnership: Partnership) -> QuerySet[Agreement]:
    return Agreement.objects.filter(partnership=partnership).order_by("starts_on", "title")


def schemes_in(partnership: Partnership) -> QuerySet[Scheme]:
    return (
        Scheme.objects.filter(fund__partnership=partnership)
        .select_related("fund")
        .order_by("fund__name", "name")
    )


def funds_in(partnership: Partnership) -> QuerySet[PooledFund]:
    return PooledFund.objects.filter(partnership=partnership).select_related("host", "agreement")


def fund_in(partnership: Partnership, pk: int) -> PooledFund:
    """A pooled fund of this partnership; another partnership's is ``DoesNotExist`` (a 404)."""
    return funds_in(partnership).get(pk=pk)


def risk_shares_of(fund: PooledFund) -> list[RiskShare]:
    """The fund's fixed risk shares and caps, by partner name."""
    return list(fund.risk_shares.select_related("organisation").order_by("organisation__name"))


def years_of(partnership: Partnership, *, around: int | None = None) -> list[int]:
    """The financial years the partnership has budgets or contributions for, and the one asked about."""
    years = set(
        BudgetLine.objects.filter(partnership=partnership).values_list("financial_year", flat=True).distinct()
    )
    years |= set(
        Contribution.objects.filter(fund__partnership=partnership)
        .values_list("financial_year", flat=True)
        .distinct()
    )
    years.add(around if around is not None else current_financial_year())
    return sorted(years)


# Budget line figures -----------------------------------------------------------------------


def _actual_to_date() -> Coalesce:
    spent = (
        Actual.objects.filter(budget_line=OuterRef("pk"))
        .order_by()
        .values("budget_line")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(spent, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _latest_forecast() -> Subquery:
    latest = Forecast.objects.filter(budget_line=OuterRef("pk")).order_by("-made_in").values("outturn")[:1]
    return Subquery(latest, output_field=MONEY)


def with_figures(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """Budget lines with ``actual_to_date``, ``latest_forecast`` (or None) and ``forecast_outturn``."""
    return lines.annotate(
        actual_to_date=_actual_to_date(),
        latest_forecast=_latest_forecast(),
        forecast_outturn=Coalesce(_latest_forecast(), F("amount"), output_field=MONEY),
    )


@dataclass(frozen=True)
class Figures:
    """Budget, spend to date and the forecast outturn for a group of budget lines."""

    label: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal
    key: Any = None

    @property
    def variance(self) -> Decimal:
        """Forecast outturn less budget: positive is an overspend."""
        return self.forecast - self.budget

    @property
    def rag(self) -> str:
        return summaries.rag(self.budget, self.variance)


def _grouped(lines: QuerySet[BudgetLine], *keys: str) -> list[dict[str, Any]]:
    """Sums of budget, actual and forecast per group, in one query (the line figures as subqueries)."""
    return list(
        lines.order_by()
        .values(*keys)
        .annotate(
            budget=Sum("amount"),
            actual=Sum(_actual_to_date()),
            forecast=Sum(Coalesce(_latest_forecast(), F("amount"), output_field=MONEY)),
        )
        .order_by(*keys)
    )


# Resources home ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FundRow:
    fund: PooledFund
    figures: Figures


@dataclass(frozen=True)
class BudgetTotalRow:
    """One partner's budgets in one year, by arrangement."""

    organisation: str
    financial_year: int
    single: Decimal
    aligned: Decimal
    pooled: Decimal

    @property
    def total(self) -> Decimal:
        return self.single + self.aligned + self.pooled


@dataclass(frozen=True)
class ResourcesHome:
    financial_year: int
    years: list[int]
    funds: list[FundRow]
    budget_totals: list[BudgetTotalRow]

    @property
    def years_shown(self) -> list[int]:
        return sorted({row.financial_year for row in self.budget_totals})


def resources_home(partnership: Partnership, financial_year: int) -> ResourcesHome:
    """Every pooled fund with the year's budget, forecast and variance; budgets by partner and year.

    A fund's figures follow ``summaries.fund_summary``: the budget is the year's contributions, the
    forecast that budget plus each of its lines' forecast variance. Four queries however many funds.
    """
    funds = list(funds_in(partnership))
    budgets = dict(
        Contribution.objects.filter(fund__partnership=partnership, financial_year=financial_year)
        .order_by()
        .values("fund_id")
        .annotate(total=Sum("amount"))
        .values_list("fund_id", "total")
    )
    lines = {
        row["fund_id"]: row
        for row in _grouped(
            BudgetLine.objects.filter(
                partnership=partnership, financial_year=financial_year, fund__isnull=False
            ),
            "fund_id",
        )
    }
    rows = []
    for fund in funds:
        budget = budgets.get(fund.pk) or ZERO
        line = lines.get(fund.pk, {})
        forecast_variance = (line.get("forecast") or ZERO) - (line.get("budget") or ZERO)
        rows.append(
            FundRow(
                fund,
                Figures(fund.name, budget, line.get("actual") or ZERO, budget + forecast_variance, fund.pk),
            )
        )
    by_partner: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        BudgetLine.objects.filter(partnership=partnership)
        .order_by()
        .values("organisation__name", "financial_year", "arrangement")
        .annotate(total=Sum("amount"))
    ):
        by_partner[(row["organisation__name"], row["financial_year"])][row["arrangement"]] += row["total"]
    totals = [
        BudgetTotalRow(
            name,
            year,
            amounts[Arrangement.SINGLE],
            amounts[Arrangement.ALIGNED],
            amounts[Arrangement.POOLED],
        )
        for (name, year), amounts in sorted(by_partner.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    return ResourcesHome(financial_year, years_of(partnership, around=financial_year), rows, totals)


# Fund page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionRow:
    organisation: Organisation
    amount: Decimal
    share_bp: int


@dataclass(frozen=True)
class SchemeRow:
    scheme: Scheme
    funding: dict[int, Decimal]  # organisation id → planned expenditure in the year
    total: Decimal


@dataclass(frozen=True)
class ForecastPoint:
    made_in: dt.date
    outturn: Decimal


@dataclass(frozen=True)
class SettlementTotals:
    """The settlement's columns added up, and whether they meet the fund's own figures exactly."""

    contribution: Decimal
    share_of_variance: Decimal
    spend_attributed: Decimal
    transfer: Decimal  # net paid to the host by the other partners
    reconciles: bool


def settlement_totals(settled: settlement.Settlement[Any]) -> SettlementTotals:
    partners = settled.partners
    contribution = sum((p.contribution for p in partners), ZERO)
    share = sum((p.share_of_variance for p in partners), ZERO)
    spend = sum((p.spend_attributed for p in partners), ZERO)
    transfer = sum((p.transfer for p in partners), ZERO)
    host_share = sum((p.share_of_variance for p in partners if p.is_host), ZERO)
    return SettlementTotals(
        contribution,
        share,
        spend,
        transfer,
        reconciles=(
            contribution == settled.budget
            and share == settled.variance
            and spend == settled.outturn
            and transfer == settled.variance - host_share
        ),
    )


@dataclass
class FundPage:
    fund: PooledFund
    financial_year: int
    years: list[int]
    contributions: list[ContributionRow]
    risk_shares: list[RiskShare]
    schemes: list[SchemeRow]
    sources: list[Organisation]  # the partners funding schemes this year, as columns
    summary: summaries.FundSummary
    forecast_history: list[ForecastPoint]
    settlement: settlement.Settlement[Organisation] | None
    settlement_problem: str = ""
    all_funding: list[SchemeFunding] = field(default_factory=list)
    all_contributions: list[Contribution] = field(default_factory=list)

    @property
    def settlement_totals(self) -> SettlementTotals | None:
        return None if self.settlement is None else settlement_totals(self.settlement)

    @property
    def contribution_total(self) -> Decimal:
        return sum((row.amount for row in self.contributions), ZERO)

    @property
    def share_total_bp(self) -> int:
        return sum(row.share_bp for row in self.contributions)

    @property
    def source_totals(self) -> list[Decimal]:
        return [sum((row.funding.get(org.pk, ZERO) for row in self.schemes), ZERO) for org in self.sources]

    @property
    def scheme_total(self) -> Decimal:
        return sum((row.total for row in self.schemes), ZERO)

    @property
    def by_partner(self) -> Sequence[summaries.FundFigures]:
        return self.summary.by_partner

    @property
    def by_scheme(self) -> Sequence[summaries.FundFigures]:
        return self.summary.by_scheme

    @property
    def total(self) -> summaries.FundFigures:
        return replace(self.summary.total, label="Total")


def _with_shares(rows: Iterable[Contribution]) -> list[ContributionRow]:
    """Contributions with each partner's resulting share, adding to exactly 100 % (largest remainder)."""
    rows = list(rows)
    amounts = {row.organisation_id: row.amount for row in rows}
    shares = settlement.shares_bp(amounts) if any(amounts.values()) else dict.fromkeys(amounts, 0)
    return [ContributionRow(row.organisation, row.amount, shares[row.organisation_id]) for row in rows]


def contributions_of(fund: PooledFund, financial_year: int) -> list[ContributionRow]:
    """The year's contributions with each partner's resulting share."""
    return _with_shares(
        Contribution.objects.filter(fund=fund, financial_year=financial_year)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def forecast_history(lines: QuerySet[BudgetLine], budget: Decimal) -> list[ForecastPoint]:
    """The fund's forecast outturn as it stood each month a forecast was made: its budget plus each
    line's forecast variance (its latest forecast made by then less its budget), as ``fund_summary``."""
    budgets = dict(lines.values_list("pk", "amount"))
    made: dict[dt.date, dict[int, Decimal]] = defaultdict(dict)
    for line_id, made_in, outturn in (
        Forecast.objects.filter(budget_line__in=lines.values("pk"))
        .order_by("made_in")
        .values_list("budget_line_id", "made_in", "outturn")
    ):
        made[made_in][line_id] = outturn - budgets[line_id]
    standing: dict[int, Decimal] = {}
    points = []
    for month in sorted(made):
        standing.update(made[month])
        points.append(ForecastPoint(month, budget + sum(standing.values(), ZERO)))
    return points


def _figures(rows: Iterable[dict[str, Any]], label_key: str, id_key: str) -> list[Figures]:
    return [
        Figures(
            row[label_key] or "Not linked to a scheme",
            row["budget"] or ZERO,
            row["actual"] or ZERO,
            row["forecast"] or ZERO,
            row[id_key],
        )
        for row in rows
    ]


def fund_page(partnership: Partnership, fund: PooledFund, financial_year: int) -> FundPage:
    """Everything the fund page shows, in a fixed number of queries whatever the schemes."""
    lines = BudgetLine.objects.filter(partnership=partnership, fund=fund, financial_year=financial_year)
    schemes = list(
        Scheme.objects.filter(fund=fund)
        .select_related("commissioner", "provider", "care_group")
        .prefetch_related(
            Prefetch(
                "funding",
                queryset=SchemeFunding.objects.select_related("organisation").order_by(
                    "financial_year", "organisation__name"
                ),
                to_attr="all_funding",
            )
        )
        .order_by("name")
    )
    sources: dict[int, Organisation] = {}
    scheme_rows = []
    for scheme in schemes:
        year_funding = [f for f in scheme.all_funding if f.financial_year == financial_year]
        for f in year_funding:
            sources.setdefault(f.organisation_id, f.organisation)
        amounts = {f.organisation_id: f.amount for f in year_funding}
        scheme_rows.append(SchemeRow(scheme, amounts, sum(amounts.values(), ZERO)))
    every_year = list(
        Contribution.objects.filter(fund=fund)
        .select_related("organisation")
        .order_by("financial_year", "organisation__name")
    )
    summary = summaries.fund_summary(fund, financial_year)
    settled, problem = fund_settlement(fund, financial_year)
    return FundPage(
        fund=fund,
        financial_year=financial_year,
        years=years_of(partnership, around=financial_year),
        contributions=_with_shares([c for c in every_year if c.financial_year == financial_year]),
        risk_shares=risk_shares_of(fund),
        schemes=scheme_rows,
        sources=sorted(sources.values(), key=lambda org: org.name),
        summary=summary,
        forecast_history=forecast_history(lines, summary.total.budget),
        settlement=settled,
        settlement_problem=problem,
        all_funding=[f for scheme in schemes for f in scheme.all_funding],
        all_contributions=every_year,
    )


def fund_settlement(
    fund: PooledFund, financial_year: int
) -> tuple[settlement.Settlement[Organisation] | None, str]:
    """The year-end settlement, or why there is none yet (no contributions, shares not set)."""
    try:
        return summaries.fund_settlement(fund, financial_year), ""
    except ValueError as problem:
        return None, str(problem)


# Budget lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetFilters:
    financial_year: int | None = None
    organisation_id: int | None = None
    tier: str = ""
    arrangement: str = ""


def _filtered(partnership: Partnership, filters: BudgetFilters | None) -> QuerySet[BudgetLine]:
    lines = BudgetLine.objects.filter(partnership=partnership)
    if filters is None:
        return lines
    if filters.financial_year:
        lines = lines.filter(financial_year=filters.financial_year)
    if filters.organisation_id:
        lines = lines.filter(organisation_id=filters.organisation_id)
    if filters.tier:
        lines = lines.filter(tier=filters.tier)
    if filters.arrangement:
        lines = lines.filter(arrangement=filters.arrangement)
    return lines


def budget_lines_in(partnership: Partnership, filters: BudgetFilters | None = None) -> QuerySet[BudgetLine]:
    """The partnership's budget lines, filtered, with spend to date and forecast outturn."""
    return with_figures(
        _filtered(partnership, filters)
        .select_related("organisation", "care_group", "fund", "scheme")
        .order_by("financial_year", "organisation__name", "cost_centre")
    )


def budget_line_in(partnership: Partnership, pk: int) -> BudgetLine:
    return budget_lines_in(partnership).get(pk=pk)


@dataclass(frozen=True)
class BudgetTotals:
    by_partner: list[Figures]
    by_tier: list[Figures]
    total: Figures


def budget_totals(partnership: Partnership, filters: BudgetFilters | None = None) -> BudgetTotals:
    """Totals of the filtered lines by partner and by tier, each one query."""
    lines = _filtered(partnership, filters)
    partners = _figures(
        _grouped(lines, "organisation_id", "organisation__name"), "organisation__name", "organisation_id"
    )
    tier_labels = dict(Tier.choices)
    tiers = [
        Figures(
            tier_labels.get(row["tier"], row["tier"]),
            row["budget"],
            row["actual"],
            row["forecast"],
            row["tier"],
        )
        for row in _grouped(lines, "tier")
    ]
    total = Figures(
        "Total",
        sum((f.budget for f in partners), ZERO),
        sum((f.actual for f in partners), ZERO),
        sum((f.forecast for f in partners), ZERO),
    )
    return BudgetTotals(partners, tiers, total)


@dataclass(frozen=True)
class MonthActual:
    month: dt.date
    amount: Decimal


@dataclass
class BudgetLinePage:
    line: BudgetLine
    actuals: list[MonthActual]
    forecasts: list[Forecast]
    events: list[AuditEvent]

    @property
    def actual_total(self) -> Decimal:
        return sum((a.amount for a in self.actuals), ZERO)


def budget_line_page(line: BudgetLine) -> BudgetLinePage:
    """A line's actuals by month, its forecasts as made month by month, and its audit history."""
    actuals = [
        MonthActual(row["month"], row["total"])
        for row in Actual.objects.filter(budget_line=line)
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    ]
    forecasts = list(line.forecasts.select_related("source_import").order_by("made_in"))
    return BudgetLinePage(line, actuals, forecasts, list(history_for(line)))


# Imports -----------------------------------------------------------------------------------


def ledger_imports_in(partnership: Partnership, *, latest: int = 20) -> list[LedgerImport]:
    return list(
        LedgerImport.objects.filter(partnership=partnership)
        .select_related("imported_by")
        .order_by("-imported_at", "-pk")[:latest]
    )


# Money flows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowNode:
    label: str
    column: str  # partner, fund, budget, scheme, provider


@dataclass(frozen=True)
class FlowLink:
    source: int
    target: int
    amount: Decimal


@dataclass
class MoneyFlows:
    financial_year: int
    years: list[int]
    nodes: list[FlowNode] = field(default_factory=list)
    links: list[FlowLink] = field(default_factory=list)
    _index: dict[tuple[str, Any], int] = field(default_factory=dict)
    _links: dict[tuple[int, int], int] = field(default_factory=dict)

    def node(self, column: str, key: Any, label: str) -> int:
        if (column, key) not in self._index:
            self._index[(column, key)] = len(self.nodes)
            self.nodes.append(FlowNode(label, column))
        return self._index[(column, key)]

    def flow(self, source: int, target: int, amount: Decimal) -> None:
        """Add money to the link from one node to another (one link per pair, amounts added)."""
        if amount <= 0:
            return
        at = self._links.get((source, target))
        if at is None:
            self._links[(source, target)] = len(self.links)
            self.links.append(FlowLink(source, target, amount))
        else:
            self.links[at] = FlowLink(source, target, self.links[at].amount + amount)

    @property
    def rows(self) -> list[tuple[FlowNode, FlowNode, Decimal]]:
        return [(self.nodes[link.source], self.nodes[link.target], link.amount) for link in self.links]

    @property
    def partner_total(self) -> Decimal:
        return sum((link.amount for link in self.links if self.nodes[link.source].column == "partner"), ZERO)


UNALLOCATED = "Not yet allocated to a scheme"
NO_PROVIDER = "Provider not yet named"
NO_CARE_GROUP = "Not linked to a care group"


def money_flows(partnership: Partnership, financial_year: int) -> MoneyFlows:
    """Money in one year from partners into pooled funds (and their aligned and single-agency
    budgets, by care group), from funds to schemes, and from schemes to providers; a fund's money not
    yet planned for a scheme shows as such. Five queries, however many funds, schemes and lines."""
    flows = MoneyFlows(financial_year, years_of(partnership, around=financial_year))
    into_funds: dict[int, tuple[int, Decimal]] = {}  # fund id → (its node, money in)
    for row in (
        Contribution.objects.filter(fund__partnership=partnership, financial_year=financial_year)
        .order_by()
        .values("organisation_id", "organisation__name", "fund_id", "fund__name")
        .annotate(total=Sum("amount"))
        .order_by("organisation__name", "fund__name")
    ):
        partner = flows.node("partner", row["organisation_id"], row["organisation__name"])
        fund = flows.node("fund", row["fund_id"], row["fund__name"])
        flows.flow(partner, fund, row["total"])
        into_funds[row["fund_id"]] = (fund, into_funds.get(row["fund_id"], (fund, ZERO))[1] + row["total"])
    arrangement_labels = {Arrangement.ALIGNED: "Aligned budgets", Arrangement.SINGLE: "Single-agency budgets"}
    for row in (
        BudgetLine.objects.filter(partnership=partnership, financial_year=financial_year)
        .exclude(arrangement=Arrangement.POOLED)
        .order_by()
        .values("organisation_id", "organisation__name", "arrangement", "care_group_id", "care_group__name")
        .annotate(total=Sum("amount"))
        .order_by("organisation__name", "arrangement", "care_group__name")
    ):
        partner = flows.node("partner", row["organisation_id"], row["organisation__name"])
        budget = flows.node("budget", row["arrangement"], arrangement_labels[row["arrangement"]])
        group = flows.node(
            "scheme", ("care_group", row["care_group_id"]), row["care_group__name"] or NO_CARE_GROUP
        )
        flows.flow(partner, budget, row["total"])
        flows.flow(budget, group, row["total"])
    out_of_funds: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        SchemeFunding.objects.filter(scheme__fund__partnership=partnership, financial_year=financial_year)
        .order_by()
        .values(
            "scheme_id",
            "scheme__name",
            "scheme__fund_id",
            "scheme__fund__name",
            "scheme__provider_id",
            "scheme__provider__name",
            "scheme__provider_type",
        )
        .annotate(total=Sum("amount"))
        .order_by("scheme__fund__name", "scheme__name")
    ):
        fund = flows.node("fund", row["scheme__fund_id"], row["scheme__fund__name"])
        scheme = flows.node("scheme", ("scheme", row["scheme_id"]), row["scheme__name"])
        if row["scheme__provider_id"]:
            provider = flows.node(
                "provider", ("org", row["scheme__provider_id"]), row["scheme__provider__name"]
            )
        else:
            kind = row["scheme__provider_type"] or NO_PROVIDER
            provider = flows.node("provider", ("type", kind), kind)
        flows.flow(fund, scheme, row["total"])
        flows.flow(scheme, provider, row["total"])
        out_of_funds[row["scheme__fund_id"]] += row["total"]
    for fund_id, (fund, amount) in into_funds.items():
        left = amount - out_of_funds[fund_id]
        if left > 0:
            flows.flow(fund, flows.node("scheme", ("unallocated", fund_id), UNALLOCATED), left)
    return flows


# Prevention --------------------------------------------------------------------------------


AUDIT_TIERS = tuple(Tier.choices)
AUDIT_HEADERS = (
    "Financial year",
    "Partner",
    "Budget (£)",
    "Linked to a care group (£)",
    "Linked to a care group (%)",
    "Not linked (£)",
    *(f"{label} (£)" for _, label in AUDIT_TIERS),
    *(f"{label} (%)" for _, label in AUDIT_TIERS),
)
SHARE_HEADERS = (
    "Financial year",
    "Prevention (£)",
    "All commissioning budgets (£)",
    "Prevention share (%)",
    "Target (%)",
)


def _percent(basis_points: int) -> Decimal:
    """Basis points as a percentage with two places, for a spreadsheet: 1500 is 15.00."""
    return (Decimal(basis_points) / 100).quantize(HUNDREDTH)


@dataclass
class PreventionPage:
    """The prevention share by year against the target, and one year's cross-agency budget audit."""

    financial_year: int
    year_choices: list[int]
    years: list[summaries.PreventionShare]
    audit: list[summaries.PartnerBudgetAudit]

    @property
    def this_year(self) -> summaries.PreventionShare | None:
        return next((y for y in self.years if y.financial_year == self.financial_year), None)

    @property
    def audit_total(self) -> Decimal:
        return sum((row.total for row in self.audit), ZERO)

    @property
    def audit_linked(self) -> Decimal:
        return sum((row.linked for row in self.audit), ZERO)

    @property
    def tiers(self) -> tuple[tuple[str, str], ...]:
        return AUDIT_TIERS

    @property
    def tier_totals(self) -> list[Decimal]:
        return [sum((row.by_tier.get(tier, ZERO) for row in self.audit), ZERO) for tier, _ in AUDIT_TIERS]

    def tier_cells(self, row: summaries.PartnerBudgetAudit) -> list[tuple[str, Decimal, int]]:
        return [(label, row.by_tier.get(tier, ZERO), row.tier_bp(tier)) for tier, label in AUDIT_TIERS]

    @property
    def audit_table(self) -> list[tuple[summaries.PartnerBudgetAudit, list[tuple[str, Decimal, int]]]]:
        return [(row, self.tier_cells(row)) for row in self.audit]

    def audit_rows(self) -> list[tuple[Any, ...]]:
        year = financial_year_label(self.financial_year)
        return [
            (
                year,
                row.organisation.name,
                row.total,
                row.linked,
                _percent(row.linked_bp),
                row.unlinked,
                *(row.by_tier.get(tier, ZERO) for tier, _ in AUDIT_TIERS),
                *(_percent(row.tier_bp(tier)) for tier, _ in AUDIT_TIERS),
            )
            for row in self.audit
        ]

    def share_rows(self) -> list[tuple[Any, ...]]:
        return [
            (
                financial_year_label(y.financial_year),
                y.prevention,
                y.total,
                _percent(y.share_bp),
                None if y.target_bp is None else _percent(y.target_bp),
            )
            for y in self.years
        ]


def prevention_page(partnership: Partnership, financial_year: int) -> PreventionPage:
    return PreventionPage(
        financial_year,
        years_of(partnership, around=financial_year),
        summaries.prevention_share(partnership),
        summaries.budget_audit(partnership, financial_year),
    )


# Joint posts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostRow:
    post: JointPost
    splits: dict[int, tuple[int, Decimal]]  # organisation id → (basis points, pounds a year)

    @property
    def is_split(self) -> bool:
        return bool(self.splits)


@dataclass
class TeamPosts:
    team: Team
    posts: list[PostRow]


@dataclass
class PostsPage:
    teams: list[TeamPosts]
    partners: list[Organisation]
    totals: dict[int, Decimal]  # organisation id → pounds a year
    total_cost: Decimal

    @property
    def partner_totals(self) -> list[tuple[Organisation, Decimal]]:
        return [(org, self.totals.get(org.pk, ZERO)) for org in self.partners]


def joint_posts(partnership: Partnership) -> PostsPage:
    """Posts in jointly funded units with each partner's split to the penny: two queries."""
    posts = list(
        JointPost.objects.filter(partnership=partnership)
        .select_related("team")
        .prefetch_related(
            Prefetch(
                "shares",
                queryset=PostShare.objects.select_related("organisation").order_by("organisation__name"),
            )
        )
        .order_by("team__name", "-is_new", "title")
    )
    partners: dict[int, Organisation] = {}
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    teams: dict[int, TeamPosts] = {}
    for post in posts:
        shares = list(post.shares.all())
        splits: dict[int, tuple[int, Decimal]] = {}
        if shares and any(s.share_bp for s in shares):
            pounds = settlement.allocate(post.annual_cost, {s.organisation_id: s.share_bp for s in shares})
            for share in shares:
                partners.setdefault(share.organisation_id, share.organisation)
                splits[share.organisation_id] = (share.share_bp, pounds[share.organisation_id])
                totals[share.organisation_id] += pounds[share.organisation_id]
        teams.setdefault(post.team_id, TeamPosts(post.team, [])).posts.append(PostRow(post, splits))
    return PostsPage(
        list(teams.values()),
        sorted(partners.values(), key=lambda org: org.name),
        dict(totals),
        sum((post.annual_cost for post in posts), ZERO),
    )
