"""The partnership's evaluation of its own arrangements: six measures the board sees each year.

Two are recorded from surveys (clarity for providers, user satisfaction). Four are computed from
the platform's own records:

* duplication: the contracts audit's count of possible duplicates among contracts in force;
* joint quality: of the jointly commissioned contracts in force (funded by more than one partner,
  or from a pooled fund), the share whose provider's latest rating on the four-point scale is good
  or outstanding;
* joint value: of those contracts' KPIs that have a target and a return, the share whose SPC
  assurance is "pass" or whose latest value meets the target;
* resources at priorities: the cross-agency budget audit's share of all partners' budgets that is
  linked to a care group. Agreed priorities are not recorded yet, so a care group stands in for one,
  as on the budget audit page.

The current financial year's computed measures are worked out live until someone freezes them; a
past year shows what was frozen or recorded for it. Resources at priorities can also be worked out
for a past year from that year's budget lines, so a year with none stored shows that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import plotly.graph_objects as go
from django.db.models import Count, Q, QuerySet, Sum

from commissioning.contracts.duplicates import possible_duplicates
from commissioning.contracts.models import Contract, ContractStatus, Kpi, Polarity
from commissioning.finance.models import BudgetLine
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.market.models import QualityRating, Rating
from commissioning.partners.models import Partnership
from commissioning.performance.charts import PLAIN, as_json
from commissioning.performance.models import EvaluationMeasure, EvaluationValue
from commissioning.performance.series import SpcReading, readings_for

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
RATED_GOOD = (QualityRating.OUTSTANDING, QualityRating.GOOD)
JUDGED = (*RATED_GOOD, QualityRating.REQUIRES_IMPROVEMENT, QualityRating.INADEQUATE)
BLUE = "#005EB8"
PALE_BLUE = "#41B6E6"

PERCENT = "%"
COUNT = "count"


@dataclass(frozen=True)
class Measure:
    """What one evaluation measure is, how it is got and which way is better."""

    key: str
    label: str
    unit: str  # PERCENT or COUNT
    higher_is_better: bool
    computed: bool
    how: str

    @property
    def direction(self) -> str:
        return "Higher is better" if self.higher_is_better else "Lower is better"

    @property
    def is_percent(self) -> bool:
        return self.unit == PERCENT


MEASURES: tuple[Measure, ...] = (
    Measure(
        EvaluationMeasure.PROVIDER_CLARITY,
        "Clarity for providers",
        PERCENT,
        True,
        False,
        "The provider survey's score: the percentage of providers agreeing that the partnership's "
        "commissioning intentions and processes are clear. Recorded each year from the survey.",
    ),
    Measure(
        EvaluationMeasure.DUPLICATION,
        "Duplication of commissioning",
        COUNT,
        False,
        True,
        "The cross-agency contracts audit's count of possible duplicates: pairs of contracts in force, "
        "let or paid for by different partners, with the same provider, or for the same service, care "
        "group and area with a shared outcome.",
    ),
    Measure(
        EvaluationMeasure.JOINT_QUALITY,
        "Quality of jointly commissioned services",
        PERCENT,
        True,
        True,
        "Of the jointly commissioned contracts in force (funded by more than one partner, or from a "
        "pooled fund) whose provider has a rating on the four-point scale, the percentage whose "
        "provider's latest rating is good or outstanding. Providers not yet rated are left out.",
    ),
    Measure(
        EvaluationMeasure.JOINT_VALUE,
        "Value of jointly commissioned services",
        PERCENT,
        True,
        True,
        "Of the KPIs of those jointly commissioned contracts that have a target and at least one "
        "return, the percentage whose SPC assurance is 'pass' (the process consistently meets the "
        "target) or, failing that, whose latest value meets the target. KPIs with no preferred "
        "direction are left out.",
    ),
    Measure(
        EvaluationMeasure.PRIORITY_RESOURCES,
        "Resources targeted at agreed priorities",
        PERCENT,
        True,
        True,
        "The cross-agency budget audit: the percentage of all partners' commissioning budgets for the "
        "year in budget lines linked to one of the partnership's care groups. Until the partnership's "
        "priorities are recorded, a care group stands in for an agreed priority.",
    ),
    Measure(
        EvaluationMeasure.USER_SATISFACTION,
        "User satisfaction",
        PERCENT,
        True,
        False,
        "The percentage of people using jointly commissioned services who are satisfied with them, "
        "from the annual user survey. Recorded each year from the survey.",
    ),
)
BY_KEY: dict[str, Measure] = {measure.key: measure for measure in MEASURES}
COMPUTED = tuple(measure.key for measure in MEASURES if measure.computed)


def measure(key: str) -> Measure:
    return BY_KEY[key]


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """Part of a whole as a percentage to one decimal place; None when the whole is nothing."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def figure(value: Decimal | None, unit: str) -> str:
    """A measure's value as people read it: "71.5%" or "3"."""
    if value is None:
        return "No value"
    if unit == COUNT:
        return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    text = f"{value.quantize(TENTH, rounding=ROUND_HALF_UP)}"
    return f"{text}%"


# Computing the measures --------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """A computed measure's value with what it was computed from, in words."""

    value: Decimal | None
    basis: str
    part: int | Decimal | None = None
    whole: int | Decimal | None = None


def _in_force(partnership: Partnership, on: dt.date) -> QuerySet[Contract]:
    return Contract.objects.filter(
        partnership=partnership, status=ContractStatus.ACTIVE, starts_on__lte=on, ends_on__gte=on
    )


def joint_contracts(partnership: Partnership, *, on: dt.date) -> QuerySet[Contract]:
    """Contracts in force on the day that more than one partner funds, or a pooled fund pays for."""
    return (
        _in_force(partnership, on)
        .annotate(
            funders=Count("funding__organisation", distinct=True),
            pooled=Count("funding", filter=Q(funding__fund__isnull=False) | Q(funding__scheme__isnull=False)),
        )
        .filter(Q(funders__gt=1) | Q(pooled__gt=0))
    )


def duplication(partnership: Partnership, *, on: dt.date) -> Computed:
    """The contracts audit's possible duplicates among contracts in force on the day."""
    pairs = len(possible_duplicates(partnership=partnership, on=on))
    return Computed(
        Decimal(pairs),
        f"{pairs} possible duplicate{'' if pairs == 1 else 's'} among contracts in force",
        part=pairs,
    )


def joint_quality(partnership: Partnership, *, on: dt.date) -> Computed:
    """The share of jointly commissioned contracts whose provider's latest rating is good or better."""
    providers = list(joint_contracts(partnership, on=on).values_list("provider_id", flat=True))
    latest: dict[int, str] = {}
    for provider_id, rating in (
        Rating.objects.filter(provider_id__in=set(providers), rated_on__lte=on)
        .order_by("provider_id", "-rated_on", "-pk")
        .values_list("provider_id", "rating")
    ):
        latest.setdefault(provider_id, rating)
    judged = [latest[p] for p in providers if latest.get(p) in JUDGED]
    good = sum(rating in RATED_GOOD for rating in judged)
    unrated = len(providers) - len(judged)
    basis = f"{good} of {len(judged)} jointly commissioned contracts with a rated provider" + (
        f"; {unrated} with a provider not yet rated left out" if unrated else ""
    )
    return Computed(percent(good, len(judged)), basis, part=good, whole=len(judged))


def meets_target(kpi: Kpi, value: Decimal | None) -> bool:
    if value is None or kpi.target is None:
        return False
    if kpi.polarity == Polarity.INCREASE:
        return value >= kpi.target
    if kpi.polarity == Polarity.DECREASE:
        return value <= kpi.target
    return False


def delivers(reading: SpcReading) -> bool:
    """Assured to pass, or at least the latest value meets the target."""
    return reading.assurance == "pass" or meets_target(reading.kpi, reading.latest_value)


def joint_value(partnership: Partnership, *, on: dt.date) -> Computed:
    """The share of the joint contracts' judged KPIs that are assured to pass or meet their target."""
    kpis = (
        Kpi.objects.filter(contract__in=joint_contracts(partnership, on=on), target__isnull=False)
        .exclude(polarity=Polarity.NEUTRAL)
        .select_related("contract")
        .order_by("pk")
    )
    judged = [reading for reading in readings_for(kpis, until=on) if reading.latest_value is not None]
    good = sum(delivers(reading) for reading in judged)
    return Computed(
        percent(good, len(judged)),
        f"{good} of {len(judged)} KPIs of jointly commissioned contracts assured to pass or meeting target",
        part=good,
        whole=len(judged),
    )


def priority_resources_by_year(partnership: Partnership) -> dict[int, Computed]:
    """Each year's share of all partners' budgets linked to a care group, in one query."""
    rows = (
        BudgetLine.objects.filter(partnership=partnership)
        .values("financial_year")
        .annotate(total=Sum("amount"), linked=Sum("amount", filter=Q(care_group__isnull=False)))
        .order_by()
    )
    result = {}
    for row in rows:
        total, linked = row["total"] or Decimal(0), row["linked"] or Decimal(0)
        result[row["financial_year"]] = Computed(
            percent(linked, total),
            f"£{linked:,.2f} of £{total:,.2f} of the year's budgets linked to a care group",
            part=linked,
            whole=total,
        )
    return result


def priority_resources(partnership: Partnership, *, financial_year: int) -> Computed:
    found = priority_resources_by_year(partnership).get(financial_year)
    return found or Computed(None, f"No budget lines for {financial_year_label(financial_year)}")


def compute(
    partnership: Partnership, *, on: dt.date, budgets: dict[int, Computed] | None = None
) -> dict[str, Computed]:
    """Every computed measure as on the day (the budget share for the day's financial year)."""
    year = financial_year_of(on)
    by_year = priority_resources_by_year(partnership) if budgets is None else budgets
    return {
        EvaluationMeasure.DUPLICATION: duplication(partnership, on=on),
        EvaluationMeasure.JOINT_QUALITY: joint_quality(partnership, on=on),
        EvaluationMeasure.JOINT_VALUE: joint_value(partnership, on=on),
        EvaluationMeasure.PRIORITY_RESOURCES: by_year.get(year)
        or Computed(None, f"No budget lines for {financial_year_label(year)}"),
    }


# Reading the measures by year --------------------------------------------------------------

RECORDED = "recorded"
FROZEN = "frozen"
LIVE = "live"
FROM_BUDGETS = "budgets"
ORIGINS = {
    RECORDED: "Recorded",
    FROZEN: "Frozen or recorded",
    LIVE: "Computed now",
    FROM_BUDGETS: "Computed from the year's budget lines",
}


@dataclass(frozen=True)
class YearValue:
    financial_year: int
    value: Decimal | None
    origin: str
    unit: str
    sample_size: int | None = None
    source: str = ""
    recorded_at: dt.datetime | None = None

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def origin_label(self) -> str:
        return ORIGINS[self.origin]

    @property
    def text(self) -> str:
        return figure(self.value, self.unit)


@dataclass(frozen=True)
class Change:
    """The latest value against the year before it that has one."""

    difference: Decimal
    since: YearValue
    higher_is_better: bool
    unit: str

    @property
    def better(self) -> bool | None:
        if not self.difference:
            return None
        return (self.difference > 0) == self.higher_is_better

    @property
    def text(self) -> str:
        if not self.difference:
            return f"No change on {self.since.year_label}"
        way = "Up" if self.difference > 0 else "Down"
        size = abs(self.difference)
        amount = f"{figure(size, COUNT)}" if self.unit == COUNT else f"{size.quantize(TENTH)} points"
        return f"{way} {amount} on {self.since.year_label}"

    @property
    def verdict(self) -> str:
        return {None: "No change", True: "Better", False: "Worse"}[self.better]

    @property
    def colour(self) -> str:
        return {None: "grey", True: "green", False: "red"}[self.better]


@dataclass(frozen=True)
class MeasureTrend:
    measure: Measure
    years: list[YearValue]
    now: Computed | None = None
    """The live computation for the current year, when the year is not frozen yet."""

    @property
    def with_values(self) -> list[YearValue]:
        return [year for year in self.years if year.value is not None]

    @property
    def latest(self) -> YearValue | None:
        values = self.with_values
        return values[-1] if values else None

    @property
    def change(self) -> Change | None:
        values = self.with_values
        if len(values) < 2:
            return None
        latest, before = values[-1], values[-2]
        assert latest.value is not None and before.value is not None
        return Change(latest.value - before.value, before, self.measure.higher_is_better, self.measure.unit)

    def chart(self, *, chart_id: str) -> dict[str, Any] | None:
        if not self.with_values:
            return None
        return {
            "id": chart_id,
            "data_id": f"{chart_id}-data",
            "figure": trend_figure(self),
            "label": f"{self.measure.label} by financial year; the table beside it gives the figures.",
        }


def _stored(partnership: Partnership, *, up_to: int | None) -> dict[tuple[str, int], EvaluationValue]:
    values = EvaluationValue.objects.filter(partnership=partnership)
    if up_to is not None:
        values = values.filter(financial_year__lte=up_to)
    return {(value.measure, value.financial_year): value for value in values}


def trends(
    partnership: Partnership,
    *,
    today: dt.date,
    up_to: int | None = None,
    live: bool = True,
) -> list[MeasureTrend]:
    """Each measure's values by financial year, to ``up_to`` (the current year by default).

    The current year's computed measures are worked out live (unless ``live`` is false) until a
    value is stored for the year; a stored value always wins.
    """
    current = financial_year_of(today)
    last = current if up_to is None else min(up_to, current)
    stored = _stored(partnership, up_to=last)
    budgets = priority_resources_by_year(partnership)
    live_now: dict[str, Computed] = {}
    if live and last == current:
        missing = [key for key in COMPUTED if (key, current) not in stored]
        if missing:
            live_now = compute(partnership, on=today, budgets=budgets)
    result = []
    for spec in MEASURES:
        years: dict[int, YearValue] = {}
        for (key, year), row in stored.items():
            if key != spec.key:
                continue
            origin = FROZEN if spec.computed else RECORDED
            years[year] = YearValue(
                year, row.value, origin, spec.unit, row.sample_size, row.source, row.recorded_at
            )
        if spec.key == EvaluationMeasure.PRIORITY_RESOURCES:
            for year, computed in budgets.items():
                if year < last and year not in years and computed.value is not None:
                    years[year] = YearValue(
                        year, computed.value, FROM_BUDGETS, spec.unit, source=computed.basis
                    )
        now = live_now.get(spec.key) if current not in years else None
        if now is not None:
            years[current] = YearValue(current, now.value, LIVE, spec.unit, source=now.basis)
        result.append(MeasureTrend(spec, [years[year] for year in sorted(years)], now))
    return result


def trend_figure(trend: MeasureTrend) -> dict[str, Any]:
    """A measure across the years: bars for a count, a line for a percentage; now in a paler blue."""
    points = trend.with_values
    years = [point.year_label for point in points]
    values = [float(point.value) for point in points if point.value is not None]
    colours = [PALE_BLUE if point.origin == LIVE else BLUE for point in points]
    texts = [f"{point.text} ({point.origin_label.lower()})" for point in points]
    spec = trend.measure
    chart = go.Figure()
    if spec.is_percent:
        chart.add_scatter(
            x=years,
            y=values,
            mode="lines+markers",
            name=spec.label,
            line={"color": BLUE, "width": 2},
            marker={"color": colours, "size": 10},
            text=texts,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
        yaxis: dict[str, Any] = {"title": "Per cent", "range": [0, 100], "gridcolor": "#E8EDEE"}
    else:
        chart.add_bar(
            x=years,
            y=values,
            name=spec.label,
            marker={"color": colours},
            text=texts,
            hovertemplate="%{x}: %{text}<extra></extra>",
            textposition="none",
        )
        yaxis = {"title": "Count", "rangemode": "tozero", "gridcolor": "#E8EDEE"}
        if max(values, default=0) < 10:
            yaxis["dtick"] = 1
    chart.update_layout(
        **PLAIN,
        height=260,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        showlegend=False,
        xaxis={"type": "category", "title": "Financial year"},
        yaxis=yaxis,
    )
    return as_json(chart)


def latest_values(trends_: Iterable[MeasureTrend]) -> list[tuple[Measure, YearValue | None, Change | None]]:
    """Each measure's latest value and its change, for a summary."""
    return [(trend.measure, trend.latest, trend.change) for trend in trends_]


def year_choices(today: dt.date, *, back: int = 10) -> Sequence[int]:
    """Financial years a value may be recorded for: the current one and those before it."""
    current = financial_year_of(today)
    return list(range(current, current - back - 1, -1))
