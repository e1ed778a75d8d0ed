"""Reads for the KPI pages: one KPI's chart, points and reading in words; a contract's KPI summary.

Every read goes through ``performance.scope``, so a provider's contact finds only their own
organisation's contracts and KPIs (any other is "not found"). A contract's summary reads all its
KPIs' returns in a fixed number of queries, however many KPIs it has.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from commissioning.contracts.models import Contract, Kpi
from commissioning.partners.models import Partnership
from commissioning.performance import scope
from commissioning.performance.charts import POINT_LABELS, reading_badges, rules_text, with_unit
from commissioning.performance.models import KpiRebase
from commissioning.performance.schedule import Period, period_containing
from commissioning.performance.series import (
    KpiSeries,
    SpcReading,
    chart_table,
    reading,
    readings_for,
    series_for,
)


@dataclass(frozen=True)
class PointRow:
    """One period of the chart as the points table shows it (value None: no return)."""

    period: Period
    value: Decimal | None
    mean: float | None
    lpl: float | None
    upl: float | None
    point_type: str | None
    rules: tuple[str, ...]
    limits_period: int
    rebased: bool = False
    """Whether the limits are recalculated from this period."""

    @property
    def point_label(self) -> str:
        return "No return" if self.point_type is None else POINT_LABELS[self.point_type]

    @property
    def rules_label(self) -> str:
        return rules_text(self.rules)


@dataclass(frozen=True)
class KpiPage:
    kpi: Kpi
    series: KpiSeries
    table: pd.DataFrame | None
    reading: SpcReading
    rows: list[PointRow]
    rebases: list[KpiRebase]
    summary: str
    assurance: str

    @property
    def has_returns(self) -> bool:
        return self.series.reported > 0

    @property
    def has_limits(self) -> bool:
        return any(row.upl is not None for row in self.rows)

    @property
    def rebase_rows(self) -> list[tuple[str, KpiRebase]]:
        """Each rebase with the label of the period it starts from."""
        return [(period_containing(self.kpi.frequency, r.period_start).label, r) for r in self.rebases]

    @property
    def rebase_reasons(self) -> dict[int, str]:
        """Row positions where the limits were recalculated, with the reason given."""
        by_start = {rebase.period_start: rebase.reason for rebase in self.rebases}
        return {i: by_start[self.series.periods[i].start] for i in self.series.rebase_at}


def _float(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def kpi_in(*, user: Any, partnership: Partnership, pk: int) -> Kpi:
    """A KPI the user may see (``DoesNotExist`` otherwise, so pages say not found)."""
    return (
        scope.visible_kpis(user, partnership)
        .select_related("contract__provider__organisation", "contract__partnership", "outcome")
        .get(pk=pk)
    )


def contract_in(*, user: Any, partnership: Partnership, pk: int) -> Contract:
    """A contract whose performance the user may see (``DoesNotExist`` otherwise)."""
    return (
        scope.visible_contracts(user, partnership)
        .select_related("provider__organisation", "partnership")
        .get(pk=pk)
    )


def _rows(series: KpiSeries, table: pd.DataFrame | None) -> list[PointRow]:
    if table is None:
        return []
    rows = []
    for i, (period, value, row) in enumerate(
        zip(series.periods, series.values, table.itertuples(), strict=True)
    ):
        rows.append(
            PointRow(
                period=period,
                value=value,
                mean=_float(row.mean),
                lpl=_float(row.lpl),
                upl=_float(row.upl),
                point_type=None if value is None else str(row.point_type),
                rules=tuple(row.rules) if value is not None else (),
                limits_period=int(row.rebase_group) + 1,
                rebased=i in series.rebase_at,
            )
        )
    return rows


def _stretch(table: pd.DataFrame, latest: int, same: Callable[[Any, Any], bool]) -> tuple[int, int]:
    """How many reported points, back from ``latest`` and within its limits period, keep ``same(prev, next)``
    true between neighbours; and the position of the first of them."""
    group = table["rebase_group"].iloc[latest]
    present = [
        i
        for i in range(latest + 1)
        if not math.isnan(table["value"].iloc[i]) and table["rebase_group"].iloc[i] == group
    ]
    count, first = 1, latest
    for earlier, later in zip(reversed(present[:-1]), reversed(present[1:]), strict=True):
        if not same(table.iloc[earlier], table.iloc[later]):
            break
        count, first = count + 1, earlier
    return count, first


def describe(series: KpiSeries, table: pd.DataFrame | None) -> str:
    """What the chart says now, in a sentence, e.g. "Special cause of concern: 8 points below the mean
    since Apr 2026"."""
    unit = series.kpi.unit
    if table is None or series.reported == 0:
        return "No returns yet."
    latest = max(i for i, value in enumerate(series.values) if value is not None)
    at = f"{series.periods[latest].label}, {with_unit(series.values[latest], unit)}"
    if series.reported == 1:
        return f"One return so far ({at}). Process limits need at least two returns."
    row = table.iloc[latest]
    if row.point_type == "common_cause":
        return (
            f"Common cause variation: the latest point ({at}) is within the process limits "
            f"({with_unit(row.lpl, unit)} to {with_unit(row.upl, unit)}) and no run, trend or other pattern "
            "signals a change."
        )
    prefix = {
        "special_cause_concern": "Special cause of concern",
        "special_cause_improvement": "Special cause of improvement",
        "special_cause_neutral": "Special cause",
    }[str(row.point_type)]
    periods = series.periods
    parts = []
    if "run" in row.rules:
        side = row.relative_to_mean
        count, first = _stretch(table, latest, lambda a, b: a.relative_to_mean == side == b.relative_to_mean)
        where = "above" if side > 0 else "below"
        parts.append(f"{count} points {where} the mean since {periods[first].label}")
    if "trend" in row.rules:
        earlier = [i for i in range(latest) if series.values[i] is not None]
        rising = bool(earlier) and series.values[latest] > series.values[earlier[-1]]  # type: ignore[operator]
        count, first = _stretch(
            table, latest, lambda a, b: (b.value > a.value) if rising else (b.value < a.value)
        )
        parts.append(
            f"{count} points {'rising' if rising else 'falling'} in a row since {periods[first].label}"
        )
    if "beyond_limits" in row.rules:
        high = row.value > row.upl
        limit = with_unit(row.upl if high else row.lpl, unit)
        where = "above the upper" if high else "below the lower"
        parts.append(f"the latest point ({at}) is {where} process limit ({limit})")
    if "two_of_three" in row.rules:
        where = "upper" if row.side == "high" else "lower"
        parts.append(f"2 of the last 3 points are close to the {where} process limit")
    if not parts:  # the latest point belongs to a pattern that ended before it
        parts.append(f"the latest point ({at}) is part of a pattern unlikely to be chance")
    return f"{prefix}: {'; '.join(parts)}."


def describe_assurance(series: KpiSeries, table: pd.DataFrame | None, spc_reading: SpcReading) -> str:
    """Whether the process, as it runs now, will meet the target, in a sentence."""
    kpi = series.kpi
    if spc_reading.variation is None or table is None:
        return ""
    if kpi.target is None:
        return "No target is set, so there is no assurance icon."
    if kpi.polarity == "neutral":
        return "The measure has no preferred direction, so there is no assurance icon."
    latest = max(i for i, value in enumerate(series.values) if value is not None)
    row = table.iloc[latest]
    limits = f"{with_unit(row.lpl, kpi.unit)} to {with_unit(row.upl, kpi.unit)}"
    target = with_unit(kpi.target, kpi.unit)
    if spc_reading.assurance == "inconsistent":
        return (
            f"The target ({target}) lies within the process limits ({limits}): it will be hit and missed "
            "at random unless the process changes."
        )
    verb = "pass" if spc_reading.assurance == "pass" else "fail"
    return (
        f"The target ({target}) lies outside the process limits ({limits}): the process will consistently "
        f"{verb} it."
    )


def kpi_page(kpi: Kpi, *, today: dt.date) -> KpiPage:
    """Everything the KPI page shows, as at ``today``: reads the KPI's returns and rebases once each."""
    series = series_for([kpi], until=today)[kpi.pk]
    table = chart_table(series) if series.reported else None
    spc_reading = reading(series, table)
    return KpiPage(
        kpi=kpi,
        series=series,
        table=table,
        reading=spc_reading,
        rows=_rows(series, table),
        rebases=list(KpiRebase.objects.filter(kpi=kpi).select_related("created_by").order_by("period_start")),
        summary=describe(series, table),
        assurance=describe_assurance(series, table, spc_reading),
    )


def rebase_choices(page: KpiPage) -> list[tuple[str, str]]:
    """Periods the limits may be recalculated from: any ended period but the first, not already one."""
    taken = {rebase.period_start for rebase in page.rebases}
    return [
        (period.start.isoformat(), period.label)
        for period in page.series.periods[1:]
        if period.start not in taken
    ]


def contract_readings(contract: Contract, *, today: dt.date) -> list[SpcReading]:
    """Each of the contract's KPIs' reading, in the contract's order (a fixed number of queries)."""
    kpis = Kpi.objects.filter(contract=contract).select_related("contract").order_by("position", "code")
    return readings_for(kpis, until=today)


def latest_value_text(spc_reading: SpcReading) -> str:
    return with_unit(spc_reading.latest_value, spc_reading.kpi.unit)


def target_text(kpi: Kpi) -> str:
    return "" if kpi.target is None else with_unit(kpi.target, kpi.unit)


READING_HEADERS = (
    "Latest period",
    "Latest value",
    "Unit",
    "Target",
    "Which way is better",
    "Variation",
    "Assurance",
)


def reading_cells(spc_reading: SpcReading) -> tuple[Any, ...]:
    """A KPI's latest figure, target and icons' meanings, as the cells under ``READING_HEADERS``."""
    kpi = spc_reading.kpi
    variation, assurance = reading_badges(spc_reading)
    return (
        spc_reading.latest_period.label if spc_reading.latest_period else "",
        spc_reading.latest_value,
        kpi.unit,
        kpi.target,
        kpi.get_polarity_display(),
        variation.label,
        assurance.label,
    )
