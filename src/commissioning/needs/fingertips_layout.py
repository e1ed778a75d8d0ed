"""The Fingertips export layout: every JSNA table downloads in the columns analysts already use.

One column list and one row builder, so the area profile, the indicator page, the "worse and
worsening" list and the JSNA download all agree, and a download can be loaded back in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from commissioning.needs import presenters
from commissioning.needs.fingertips import FINGERTIPS_COLUMNS as EXPORT_COLUMNS

REGION_COLUMN = "Compared to Region value or percentiles"
# The export carries the columns a Fingertips download has up to 'Time period Sortable'.
FINGERTIPS_COLUMNS: tuple[str, ...] = EXPORT_COLUMNS[: EXPORT_COLUMNS.index("Time period Sortable") + 1]


@dataclass(frozen=True)
class IndicatorInfo:
    code: str  # the Fingertips ID where there is one, else the platform's code
    name: str
    polarity: str


@dataclass(frozen=True)
class AreaInfo:
    name: str
    area_type: str
    parent_code: str
    parent_name: str


def columns(region_name: str | None = None) -> tuple[str, ...]:
    """The header; the region column is named for the region when every row shares one."""
    if not region_name:
        return FINGERTIPS_COLUMNS
    named = f"Compared to {region_name} region value or percentiles"
    return tuple(named if c == REGION_COLUMN else c for c in FINGERTIPS_COLUMNS)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _count(value: object) -> float | int | None:
    """Counts and denominators as whole numbers where they are (as Fingertips writes them)."""
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else number


def rows(
    frame: pd.DataFrame, indicators: Mapping[int, IndicatorInfo], areas: Mapping[str, AreaInfo]
) -> Iterator[tuple[object, ...]]:
    """One export row per value of a benchmarked, suppressed frame (see ``benchmarking``)."""
    ordered = frame.sort_values(["indicator_id", "period_sort", "area_code", "sex", "age", "category_type"])
    for row in ordered.itertuples(index=False):
        indicator = indicators[row.indicator_id]
        area = areas.get(row.area_code, AreaInfo(row.area_code, "", "", ""))
        yield (
            indicator.code,
            indicator.name,
            area.parent_code,
            area.parent_name,
            row.area_code,
            area.name,
            area.area_type,
            presenters.sex_label(row.sex),
            row.age,
            row.category_type,
            row.category,
            row.period,
            _number(row.value),
            _number(row.lower_95),
            _number(row.upper_95),
            _number(row.lower_998),
            _number(row.upper_998),
            _count(row.count),
            _count(row.denominator),
            row.value_note,
            presenters.trend_text(getattr(row, "recent_trend", "")),
            presenters.comparison_text(getattr(row, "compared_england", ""), indicator.polarity),
            presenters.comparison_text(getattr(row, "compared_region", ""), indicator.polarity),
            int(row.period_sort),
        )
