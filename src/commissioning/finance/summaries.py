"""Read-side figures the finance pages need: a fund's position, its settlement, prevention and budget audits.

Each function aggregates in the database in a fixed number of queries, however many schemes, lines or
months there are. Money comes back as ``Decimal`` to the penny.

How a fund's figures are defined (one rule everywhere, so the pages, exports and settlement agree):

* budget: for a partner, its contribution for the year; for a scheme, its planned funding for the year;
  for the fund, all contributions.
* actual: spending recorded against the fund's budget lines for the year, to date.
* forecast: the budget plus the forecast variance of each of the fund's budget lines, where a line's
  forecast variance is its latest forecast outturn less its budget. A line with no forecast yet is
  taken to be on budget, and so is any budget not (yet) put into a line.
* variance: forecast - budget (positive: overspend); RAG from its size against the budget.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from django.db.models import F, OuterRef, Q, Subquery, Sum

from commissioning.finance import settlement
from commissioning.finance.models import (
    FULL_SHARE,
    Actual,
    BudgetLine,
    Contribution,
    Forecast,
    PooledFund,
    PreventionTarget,
    RiskShare,
    RiskShareRule,
    Scheme,
    Tier,
)
from commissioning.finance.services import commissioning_partners
from commissioning.governance.rules import financial_year_label
from commissioning.partners.models import Organisation, Partnership

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
GREEN = "green"
AMBER = "amber"
RED = "red"
GREEN_WITHIN_BP = 100  # green: forecast within 1 % of budget
AMBER_WITHIN_BP = 500  # amber: within 5 %; red beyond
NOT_IN_A_SCHEME = "Not in a scheme"
PLANNED_BEYOND = "Schemes planned beyond the contributions"

Basis = Literal["auto", "forecast", "actual"]


def rag(budget: Decimal, variance: Decimal) -> str:
    """Red, amber or green for a variance against a budget (either way: an underspend counts too)."""
    size = abs(variance) * FULL_SHARE
    if size <= GREEN_WITHIN_BP * budget:
        return GREEN
    if size <= AMBER_WITHIN_BP * budget:
        return AMBER
    return RED


def _pounds(value: Decimal | None) -> Decimal:
    """A database sum as pounds and pence (some backends return extra places, or None for no rows)."""
    return ZERO if value is None else Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def _bp(part: Decimal, whole: Decimal) -> int:
    """Part of a whole in basis points, rounded half up; 0 when the whole is nothing."""
    if not whole:
        return 0
    return int((part * FULL_SHARE / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# A fund's position -----------------------------------------------------------------------


@dataclass(frozen=True)
class FundFigures:
    """One row of a fund's position: a partner, a scheme, or the whole fund."""

    label: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal
    organisation: Organisation | None = None
    scheme: Scheme | None = None

    @property
    def variance(self) -> Decimal:
        """Forecast outturn less budget: positive is an overspend."""
        return self.forecast - self.budget

    @property
    def variance_bp(self) -> int:
        return _bp(self.variance, self.budget)

    @property
    def rag(self) -> str:
        return rag(self.budget, self.variance)


@dataclass(frozen=True)
class FundSummary:
    """A fund's position for one year; the partner rows and the scheme rows each add up to the total."""

    fund: PooledFund
    financial_year: int
    total: FundFigures
    by_partner: tuple[FundFigures, ...] = field(default_factory=tuple)
    by_scheme: tuple[FundFigures, ...] = field(default_factory=tuple)


def _latest_forecasts() -> Subquery:
    """The month of each line's latest forecast, to pick that forecast out (correlated on the line)."""
    return Subquery(
        Forecast.objects.filter(budget_line=OuterRef("budget_line"))
        .order_by("-made_in")
        .values("made_in")[:1]
    )


def _by_line_group(
    fund: PooledFund, financial_year: int
) -> tuple[dict[tuple, Decimal], dict[tuple, Decimal]]:
    """Actuals and forecast variances, summed in the database by (partner id, scheme id)."""
    on_lines = {"budget_line__fund": fund, "budget_line__financial_year": financial_year}
    keys = ("budget_line__organisation_id", "budget_line__scheme_id")
    actuals = {
        (row[keys[0]], row[keys[1]]): _pounds(row["total"])
        for row in Actual.objects.filter(**on_lines).values(*keys).annotate(total=Sum("amount")).order_by()
    }
    variances = {
        (row[keys[0]], row[keys[1]]): _pounds(row["variance"])
        for row in Forecast.objects.filter(**on_lines, made_in=_latest_forecasts())
        .values(*keys)
        .annotate(variance=Sum(F("outturn") - F("budget_line__amount")))
        .order_by()
    }
    return actuals, variances


def _sum(values: dict[tuple, Decimal], position: int, key: int | None) -> Decimal:
    return sum((amount for group, amount in values.items() if group[position] == key), ZERO)


def fund_summary(fund: PooledFund, financial_year: int) -> FundSummary:
    """Budget, actual to date, forecast outturn, variance and RAG for a fund, by partner and by scheme.

    Five queries whatever the number of schemes and lines. Partners are the contributors (host first)
    and any partner with spending on the fund's lines; schemes are all the fund's schemes, with a
    "Not in a scheme" row for budget or spending not in one, so both breakdowns add up to the total.
    """
    contributions = list(
        Contribution.objects.filter(fund=fund, financial_year=financial_year).select_related("organisation")
    )
    schemes = list(
        Scheme.objects.filter(fund=fund)
        .annotate(planned=Sum("funding__amount", filter=Q(funding__financial_year=financial_year)))
        .order_by("name")
    )
    actuals, variances = _by_line_group(fund, financial_year)

    partners = {row.organisation_id: row.organisation for row in contributions}
    budgets = {row.organisation_id: row.amount for row in contributions}
    missing = {group[0] for group in (*actuals, *variances)} - set(partners)
    if missing:
        partners.update(Organisation.objects.in_bulk(missing))
    order = sorted(partners, key=lambda pk: (pk != fund.host_id, partners[pk].name))
    by_partner = tuple(
        FundFigures(
            label=partners[pk].name,
            budget=budgets.get(pk, ZERO),
            actual=_sum(actuals, 0, pk),
            forecast=budgets.get(pk, ZERO) + _sum(variances, 0, pk),
            organisation=partners[pk],
        )
        for pk in order
    )
    total_budget = sum(budgets.values(), ZERO)
    total = FundFigures(
        label=fund.name,
        budget=total_budget,
        actual=sum(actuals.values(), ZERO),
        forecast=total_budget + sum(variances.values(), ZERO),
    )
    rows = [
        FundFigures(
            label=scheme.name,
            budget=_pounds(scheme.planned),
            actual=_sum(actuals, 1, scheme.pk),
            forecast=_pounds(scheme.planned) + _sum(variances, 1, scheme.pk),
            scheme=scheme,
        )
        for scheme in schemes
    ]
    # What the schemes leave of the pool (negative when their plans exceed the contributions).
    unplanned = total.budget - sum((row.budget for row in rows), ZERO)
    rest = FundFigures(
        label=NOT_IN_A_SCHEME if unplanned >= 0 else PLANNED_BEYOND,
        budget=unplanned,
        actual=_sum(actuals, 1, None),
        forecast=unplanned + _sum(variances, 1, None),
    )
    if rest.budget or rest.actual or rest.forecast:
        rows.append(rest)
    return FundSummary(
        fund=fund, financial_year=financial_year, total=total, by_partner=by_partner, by_scheme=tuple(rows)
    )


# Settlement ------------------------------------------------------------------------------


def year_closed(financial_year: int, today: dt.date | None = None) -> bool:
    """Whether a financial year has ended (after 31 March of the next calendar year)."""
    return (today or dt.date.today()) > dt.date(financial_year + 1, 3, 31)


def fund_settlement(
    fund: PooledFund, financial_year: int, *, basis: Basis = "auto", today: dt.date | None = None
) -> settlement.Settlement[Organisation]:
    """The year-end settlement of a fund under its risk-share rule, keyed by organisation.

    The outturn is, with ``basis="auto"``, the actual spending on the fund's lines once the year has
    ended and any has been recorded (the ledger is then the final word), and otherwise the forecast
    outturn as ``fund_summary`` defines it (the settlement the partners should expect). ``"actual"`` or
    ``"forecast"`` choose one. The basis used is in ``Settlement.basis``.

    Raises ``ValueError``, saying why, when there is nothing to settle: no contributions for the year,
    or fixed shares that are missing or do not add up to 100 %.
    """
    label = financial_year_label(financial_year)
    rows = list(
        Contribution.objects.filter(fund=fund, financial_year=financial_year)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    if not rows:
        raise ValueError(
            f"No contributions to {fund.name} are recorded for {label}, so there is nothing to settle."
        )
    rows.sort(key=lambda row: row.organisation_id != fund.host_id)  # the host first, then by name
    contributions = {row.organisation: row.amount for row in rows}
    shares = list(
        RiskShare.objects.filter(fund=fund).select_related("organisation").order_by("organisation__name")
    )
    fixed = {share.organisation: share.share_bp for share in shares} or None
    caps = {share.organisation: share.cap for share in shares if share.cap is not None}
    rule = fund.risk_share_rule
    if rule == RiskShareRule.FIXED and fixed is None:
        raise ValueError(f"{fund.name} shares risk in fixed shares, but they have not been set.")

    on_lines = BudgetLine.objects.filter(fund=fund, financial_year=financial_year)
    actual = Actual.objects.filter(budget_line__in=on_lines).aggregate(total=Sum("amount"))["total"]
    if basis == "actual" or (basis == "auto" and year_closed(financial_year, today) and actual is not None):
        used, outturn = "actual", _pounds(actual)
    else:
        variance = Forecast.objects.filter(budget_line__in=on_lines, made_in=_latest_forecasts()).aggregate(
            total=Sum(F("outturn") - F("budget_line__amount"))
        )["total"]
        used, outturn = "forecast", sum(contributions.values(), ZERO) + _pounds(variance)
    host = next((org for org in contributions if org.pk == fund.host_id), None) or fund.host
    result = settlement.settle(
        rule=rule,
        host=host,
        contributions=contributions,
        outturn=outturn,
        fixed_shares_bp=fixed if rule in (RiskShareRule.FIXED, RiskShareRule.CAPPED) else None,
        caps=caps if rule == RiskShareRule.CAPPED else None,
    )
    return replace(result, basis=used)


# Prevention and the budget audit ---------------------------------------------------------


class PreventionShare(NamedTuple):
    """One year's spending on prevention against all commissioning budgets, and the target."""

    financial_year: int
    prevention: Decimal
    total: Decimal
    share_bp: int
    target_bp: int | None


def prevention_share(partnership: Partnership) -> list[PreventionShare]:
    """Per year, the partners' budgets in the prevention tier against all their budgets (two queries)."""
    totals = {
        row["financial_year"]: row
        for row in BudgetLine.objects.filter(partnership=partnership)
        .values("financial_year")
        .annotate(total=Sum("amount"), prevention=Sum("amount", filter=Q(tier=Tier.PREVENTION)))
        .order_by()
    }
    targets = dict(
        PreventionTarget.objects.filter(partnership=partnership).values_list("financial_year", "share_bp")
    )
    result = []
    for year in sorted(set(totals) | set(targets)):
        row = totals.get(year, {})
        total, prevention = _pounds(row.get("total")), _pounds(row.get("prevention"))
        result.append(PreventionShare(year, prevention, total, _bp(prevention, total), targets.get(year)))
    return result


@dataclass(frozen=True)
class PartnerBudgetAudit:
    """One partner's budget for a year: how much is linked to care groups, and how it splits by tier."""

    organisation: Organisation
    total: Decimal
    linked: Decimal  # in budget lines with a care group (strategy.golden_thread audits links to priorities)
    by_tier: dict[str, Decimal]  # every tier, in order, zero where none

    @property
    def unlinked(self) -> Decimal:
        return self.total - self.linked

    @property
    def linked_bp(self) -> int:
        return _bp(self.linked, self.total)

    def tier_bp(self, tier: str) -> int:
        return _bp(self.by_tier.get(tier, ZERO), self.total)


def budget_audit(partnership: Partnership, financial_year: int) -> list[PartnerBudgetAudit]:
    """Each commissioning partner's budget for a year, linked to care groups or not, and by tier.

    A budget line counts as linked when it names a care group. Partners come host first; any other
    organisation holding budget lines follows. Three queries.
    """
    rows = (
        BudgetLine.objects.filter(partnership=partnership, financial_year=financial_year)
        .values("organisation_id", "tier")
        .annotate(total=Sum("amount"), linked=Sum("amount", filter=Q(care_group__isnull=False)))
        .order_by()
    )
    organisations = dict(commissioning_partners(partnership))
    grouped: dict[int, list[dict]] = {pk: [] for pk in organisations}
    for row in rows:
        grouped.setdefault(row["organisation_id"], []).append(row)
    missing = set(grouped) - set(organisations)
    if missing:
        others = Organisation.objects.in_bulk(missing)
        organisations.update(sorted(others.items(), key=lambda item: item[1].name))
    audits = []
    for pk, organisation in organisations.items():
        by_tier = dict.fromkeys(Tier.values, ZERO)
        for row in grouped[pk]:
            by_tier[row["tier"]] += _pounds(row["total"])
        audits.append(
            PartnerBudgetAudit(
                organisation=organisation,
                total=sum(by_tier.values(), ZERO),
                linked=sum((_pounds(row["linked"]) for row in grouped[pk]), ZERO),
                by_tier=by_tier,
            )
        )
    return audits
