"""A KPI's reported values as a time series, and its SPC reading.

Every page that shows a chart or an icon (the KPI page, the contract's summary, the
integrated report, escalation) reads the series here, so they all agree. Returns for many
KPIs are read in one query; the statistics run in ``performance.spc``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from commissioning.contracts.models import Kpi
from commissioning.performance import spc
from commissioning.performance.models import KpiRebase, KpiReturn
from commissioning.performance.schedule import Period, expected_periods


@dataclass(frozen=True)
class KpiSeries:
    kpi: Kpi
    periods: list[Period]
    values: list[Decimal | None]
    rebase_at: tuple[int, ...]

    @property
    def target(self) -> float | None:
        return None if self.kpi.target is None else float(self.kpi.target)

    @property
    def improvement(self) -> str:
        return self.kpi.polarity

    @property
    def reported(self) -> int:
        return sum(value is not None for value in self.values)


@dataclass(frozen=True)
class SpcReading:
    """What a KPI's chart says now: the icons and the latest point."""

    kpi: Kpi
    points: int
    variation: str | None
    assurance: str | None
    latest_value: Decimal | None
    latest_period: Period | None
    latest_point_type: str | None

    @property
    def variation_label(self) -> str:
        return spc.VARIATION_LABELS.get(self.variation or "", "Not enough data")

    @property
    def assurance_label(self) -> str:
        return spc.ASSURANCE_LABELS.get(self.assurance or "", "No target")

    @property
    def is_exception(self) -> bool:
        """Shown first in reports: a concern now, or a target the process will consistently fail."""
        return (self.variation or "").startswith("concern") or self.assurance == "fail"


MIN_POINTS = 2
"""Fewer points than this give no moving range, so no limits and no icons."""


def series_for(kpis: Iterable[Kpi], *, until: date) -> dict[int, KpiSeries]:
    """Each KPI's expected periods up to ``until`` with its current returns (None where missing)."""
    kpis = list(kpis)
    ids = [kpi.pk for kpi in kpis]
    values: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for kpi_id, start, value in KpiReturn.objects.filter(kpi_id__in=ids, period_start__lte=until).values_list(
        "kpi_id", "period_start", "value"
    ):
        values[kpi_id][start] = value
    rebases: dict[int, set[date]] = defaultdict(set)
    for kpi_id, start in KpiRebase.objects.filter(kpi_id__in=ids).values_list("kpi_id", "period_start"):
        rebases[kpi_id].add(start)
    result = {}
    for kpi in kpis:
        contract = kpi.contract
        periods = expected_periods(kpi.frequency, contract.starts_on, contract.ends_on, until=until)
        reported = values[kpi.pk]
        result[kpi.pk] = KpiSeries(
            kpi=kpi,
            periods=periods,
            values=[reported.get(period.start) for period in periods],
            rebase_at=tuple(i for i, period in enumerate(periods) if i and period.start in rebases[kpi.pk]),
        )
    return result


def chart_table(series: KpiSeries) -> pd.DataFrame:
    """The SPC table for one series, with each point's period alongside."""
    table = spc.xmr(
        [None if value is None else float(value) for value in series.values],
        improvement=series.improvement,
        target=series.target,
        rebase_at=series.rebase_at,
    )
    table.insert(0, "period_start", [period.start for period in series.periods])
    table.insert(1, "period", [period.label for period in series.periods])
    return table


def reading(series: KpiSeries, table: pd.DataFrame | None = None) -> SpcReading:
    """The icons and latest point of one series; no icons until there are enough points.

    ``table`` is the series' ``chart_table`` when the caller has already computed it."""
    latest = max((i for i, value in enumerate(series.values) if value is not None), default=None)
    if series.reported < MIN_POINTS or latest is None:
        return SpcReading(
            kpi=series.kpi,
            points=series.reported,
            variation=None,
            assurance=None,
            latest_value=None if latest is None else series.values[latest],
            latest_period=None if latest is None else series.periods[latest],
            latest_point_type=None,
        )
    table = (chart_table(series) if table is None else table).iloc[: latest + 1]
    point_type = table["point_type"].iloc[-1]
    missing = isinstance(point_type, float) and math.isnan(point_type)
    return SpcReading(
        kpi=series.kpi,
        points=series.reported,
        variation=spc.variation_icon(table, series.improvement),
        assurance=spc.assurance_icon(table, series.improvement, series.target),
        latest_value=series.values[latest],
        latest_period=series.periods[latest],
        latest_point_type=None if missing else str(point_type),
    )


def readings_for(kpis: Iterable[Kpi], *, until: date) -> list[SpcReading]:
    """Readings for many KPIs (in the order given), reading their returns in two queries."""
    kpis = list(kpis)
    all_series = series_for(kpis, until=until)
    return [reading(all_series[kpi.pk]) for kpi in kpis]
