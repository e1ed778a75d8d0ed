"""Reads for the JSNA pages, scoped to the partnership.

Each page fetches its indicator values in one query, then suppresses, benchmarks and trends them
as whole columns (``benchmarking``): the number of queries does not grow with the indicators.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from commissioning.needs import benchmarking, presenters, projections
from commissioning.needs.benchmarking import Inequality, Spread
from commissioning.needs.fingertips_layout import AreaInfo, IndicatorInfo
from commissioning.needs.models import (
    ALL_AGES,
    Indicator,
    IndicatorImport,
    IndicatorValue,
    NeedMeasure,
    PopulationProjection,
    PrevalenceRate,
    Sex,
)
from commissioning.partners.models import Area, Partnership

ENGLAND = "E92000001"
_CHAIN = "parent__parent__parent"
_VALUE_FIELDS = (
    "indicator_id",
    "area__gss_code",
    "period",
    "period_sort",
    "sex",
    "age",
    "category_type",
    "category",
    *benchmarking.MEASURES,
    "value_note",
)


# Imports ---------------------------------------------------------------------------------


def imports_in(partnership: Partnership, *, limit: int = 20) -> QuerySet[IndicatorImport]:
    """The partnership's latest imports, newest first, with who loaded them."""
    return IndicatorImport.objects.filter(partnership=partnership).select_related("imported_by")[:limit]


# Indicators and areas --------------------------------------------------------------------


def indicators_of(partnership: Partnership) -> QuerySet[Indicator]:
    """The partnership's indicators, each with the latest period it has a value for."""
    latest = IndicatorValue.objects.filter(indicator=OuterRef("pk")).order_by("-period_sort", "-period")
    return partnership.indicators.annotate(latest_period=Subquery(latest.values("period")[:1])).order_by(
        "topic", "name"
    )


def indicator_with_latest_period(partnership: Partnership, pk: int) -> Indicator:
    return indicators_of(partnership).get(pk=pk)


def indicator_in(partnership: Partnership, pk: int) -> Indicator:
    return partnership.indicators.get(pk=pk)


def _in_scope(partnership: Partnership) -> Q:
    """Areas a partnership may look at: its own (and what lies within them), their comparators,
    the regions and England."""
    return (
        Q(area_type__in=[Area.AreaType.COUNTRY, Area.AreaType.REGION])
        | Q(partnerships=partnership)
        | Q(parent__partnerships=partnership)
        | Q(compared_by__partnerships=partnership)
    )


def area_for(partnership: Partnership, gss_code: str) -> Area:
    """An area in the partnership's scope with its parents and comparators; DoesNotExist if not."""
    comparators = Area.objects.select_related(_CHAIN).order_by("name")
    return (
        Area.objects.filter(_in_scope(partnership), gss_code=gss_code)
        .distinct()
        .select_related(_CHAIN)
        .prefetch_related(Prefetch("comparators", queryset=comparators))
        .get()
    )


def region_of(area: Area | None) -> Area | None:
    """The region an area lies in (itself for a region), following the parents already loaded."""
    node = area
    while node is not None:
        if node.area_type == Area.AreaType.REGION:
            return node
        node = node.parent
    return None


def _england_of(area: Area | None) -> Area | None:
    node = area
    while node is not None and node.gss_code != ENGLAND:
        node = node.parent
    return node


def default_area_code(partnership: Partnership) -> str:
    """The area an indicator page opens on: the partnership's first area, else England."""
    first = partnership.areas.order_by("name").values_list("gss_code", flat=True).first()
    return first or ENGLAND


def own_areas(partnership: Partnership) -> list[Area]:
    return list(partnership.areas.select_related(_CHAIN).order_by("name"))


def benchmark_group(partnership: Partnership) -> list[Area]:
    """The partnership's areas and the areas they compare themselves with, with their parents."""
    return list(
        Area.objects.filter(Q(partnerships=partnership) | Q(compared_by__partnerships=partnership))
        .distinct()
        .select_related(_CHAIN)
        .order_by("name")
    )


def _peers(area: Area, group: Iterable[Area]) -> list[Area]:
    """The area and its comparators: its own list, or else the partnership's group."""
    own = list(area.comparators.all())
    chosen = own if own else [a for a in group if a.gss_code != area.gss_code]
    if area.area_type not in (Area.AreaType.COUNTRY, Area.AreaType.REGION):
        chosen = [area, *chosen]
    return chosen


def _context_areas(areas: Iterable[Area]) -> dict[str, Area]:
    """The areas with their regions and England, by code (all from the loaded parents)."""
    found: dict[str, Area] = {}
    for area in areas:
        node: Area | None = area
        while node is not None:
            found.setdefault(node.gss_code, node)
            node = node.parent
    return found


def _regions(areas: Iterable[Area]) -> dict[str, str]:
    out: dict[str, str] = {}
    for area in areas:
        region = region_of(area)
        if region is not None and region.gss_code != area.gss_code:
            out[area.gss_code] = region.gss_code
    return out


def _area_info(areas: Iterable[Area]) -> dict[str, AreaInfo]:
    out: dict[str, AreaInfo] = {}
    for area in areas:
        parent = region_of(area) if area.area_type != Area.AreaType.REGION else _england_of(area)
        if parent is not None and parent.gss_code == area.gss_code:
            parent = None
        label = presenters.AREA_TYPE_LABELS.get(area.area_type, area.get_area_type_display())
        out[area.gss_code] = AreaInfo(
            area.name, label, parent.gss_code if parent else "", parent.name if parent else ""
        )
    return out


# Values ----------------------------------------------------------------------------------


def _values(indicator_ids: list[int], area_codes: Iterable[str], *, headline_only: bool) -> pd.DataFrame:
    """One query: the values of these indicators for these areas, every period."""
    found = IndicatorValue.objects.filter(indicator_id__in=indicator_ids, area__gss_code__in=set(area_codes))
    if headline_only:
        found = found.filter(sex=Sex.PERSONS, age=ALL_AGES, category_type="")
    return benchmarking.values_frame(list(found.values_list(*_VALUE_FIELDS)))


def _meta(indicators: Iterable[Indicator]) -> pd.DataFrame:
    return pd.DataFrame(
        [(i.pk, i.polarity, i.benchmark_method, i.value_type, i.multiplier) for i in indicators],
        columns=benchmarking.META_COLUMNS,
    )


def _indicator_info(indicators: Iterable[Indicator]) -> dict[int, IndicatorInfo]:
    return {
        i.pk: IndicatorInfo(str(i.fingertips_id) if i.fingertips_id else i.code, i.name, i.polarity)
        for i in indicators
    }


@dataclass
class Export:
    """What a page's download holds: benchmarked values and how to label them."""

    frame: pd.DataFrame
    indicators: dict[int, IndicatorInfo]
    areas: dict[str, AreaInfo]
    region_name: str | None = None


def _one_region(frame: pd.DataFrame, regions: dict[str, str], context: dict[str, Area]) -> str | None:
    """The region's name for the export header when every compared row shares one region."""
    codes = {regions[c] for c in frame["area_code"].unique() if c in regions}
    return context[codes.pop()].name if len(codes) == 1 and next(iter(codes)) in context else None


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# The JSNA home ---------------------------------------------------------------------------


@dataclass
class Topic:
    name: str
    indicators: list[Indicator]


@dataclass
class Home:
    topics: list[Topic]
    areas: list[Area]
    indicator_count: int


def jsna_home(partnership: Partnership) -> Home:
    indicators = list(indicators_of(partnership))
    topics = [
        Topic(name or "Other indicators", list(group))
        for name, group in itertools.groupby(indicators, key=lambda i: i.topic)
    ]
    return Home(topics, own_areas(partnership), len(indicators))


def jsna_export(partnership: Partnership) -> Export:
    """Every headline value for the partnership's areas, their comparators, regions and England."""
    indicators = list(partnership.indicators.all())
    group = benchmark_group(partnership)
    context = _context_areas(group)
    regions = _regions(context.values())
    frame = _values([i.pk for i in indicators], context, headline_only=True)
    frame = benchmarking.benchmarked(
        frame,
        _meta(indicators),
        england=ENGLAND,
        regions=regions,
        peers=[a.gss_code for a in group],
        threshold=settings.SUPPRESSION_THRESHOLD,
    )
    return Export(
        frame, _indicator_info(indicators), _area_info(context.values()), _one_region(frame, regions, context)
    )


# The area profile ------------------------------------------------------------------------


@dataclass
class SpineRow:
    """One indicator on an area's spine chart, at the latest period the area has a value for."""

    indicator: Indicator
    period: str
    count: float | None
    value: float | None
    lower: float | None
    upper: float | None
    value_note: str
    england: float | None
    region: float | None
    spread: Spread
    compared_england: str
    compared_region: str
    trend: str

    @property
    def england_tag(self) -> presenters.Tag:
        return presenters.comparison_tag(self.compared_england, self.indicator.polarity)

    @property
    def region_tag(self) -> presenters.Tag:
        return presenters.comparison_tag(self.compared_region, self.indicator.polarity)

    @property
    def trend_shown(self) -> presenters.Trend:
        return presenters.trend(self.trend)


@dataclass
class AreaProfile:
    area: Area
    region: Area | None
    peers: list[Area]
    rows: list[SpineRow]
    export: Export


def area_profile(partnership: Partnership, area: Area) -> AreaProfile:
    """The spine chart's figures for every indicator: the area, England, its region, its peers."""
    indicators = list(partnership.indicators.all())
    group = benchmark_group(partnership) if not area.comparators.all() else []
    peers = _peers(area, group)
    region = region_of(area)
    context = _context_areas([area, *peers])
    regions = _regions(context.values())
    frame = _values([i.pk for i in indicators], context, headline_only=True)
    peer_codes = [p.gss_code for p in peers]
    frame = benchmarking.benchmarked(
        frame,
        _meta(indicators),
        england=ENGLAND,
        regions=regions,
        peers=peer_codes,
        threshold=settings.SUPPRESSION_THRESHOLD,
    )
    export = Export(
        frame, _indicator_info(indicators), _area_info(context.values()), _one_region(frame, regions, context)
    )
    rows = _spine_rows(frame, indicators, area, region, peer_codes)
    return AreaProfile(area, region if region is not area else None, peers, rows, export)


def _spine_rows(
    frame: pd.DataFrame, indicators: list[Indicator], area: Area, region: Area | None, peer_codes: list[str]
) -> list[SpineRow]:
    mine = frame[(frame["area_code"] == area.gss_code) & frame["raw_value"].notna()]
    latest = mine.sort_values("period_sort").groupby("indicator_id").tail(1).set_index("indicator_id")
    at_period = frame.merge(latest[["period"]].reset_index(), on=["indicator_id", "period"])
    by_area = at_period.set_index(["indicator_id", "area_code"])
    peer_rows = at_period[at_period["area_code"].isin(peer_codes)]
    peer_values = {k: g["value"].to_numpy(dtype=float) for k, g in peer_rows.groupby("indicator_id")}
    region_code = region.gss_code if region is not None and region is not area else None
    rows = []
    for indicator in indicators:
        if indicator.pk not in latest.index:
            continue
        own = latest.loc[indicator.pk]

        def value_at(code: str | None, pk: int = indicator.pk) -> float | None:
            return _float(by_area["value"].get((pk, code))) if code else None

        rows.append(
            SpineRow(
                indicator=indicator,
                period=str(own["period"]),
                count=_float(own["count"]),
                value=_float(own["value"]),
                lower=_float(own[_low(indicator)]),
                upper=_float(own[_high(indicator)]),
                value_note=str(own["value_note"]),
                england=value_at(ENGLAND) if area.gss_code != ENGLAND else None,
                region=value_at(region_code),
                spread=benchmarking.spread(peer_values.get(indicator.pk, np.array([])), indicator.polarity),
                compared_england=str(own["compared_england"]),
                compared_region=str(own["compared_region"]),
                trend=str(own["recent_trend"]),
            )
        )
    return rows


def _low(indicator: Indicator) -> str:
    return "lower_998" if indicator.benchmark_method == "ci_overlap_998" else "lower_95"


def _high(indicator: Indicator) -> str:
    return "upper_998" if indicator.benchmark_method == "ci_overlap_998" else "upper_95"


# Worse than England, and worsening -------------------------------------------------------


@dataclass
class WorseRow:
    indicator: Indicator
    period: str
    value: float | None
    england: float | None
    compared_england: str
    trend: str

    @property
    def england_tag(self) -> presenters.Tag:
        return presenters.comparison_tag(self.compared_england, self.indicator.polarity)

    @property
    def trend_shown(self) -> presenters.Trend:
        return presenters.trend(self.trend)


@dataclass
class AreaWorse:
    area: Area
    worsening: list[WorseRow] = field(default_factory=list)
    worse: list[WorseRow] = field(default_factory=list)


@dataclass
class WorseList:
    areas: list[AreaWorse]
    export: Export


def worse_and_worsening(partnership: Partnership) -> WorseList:
    """For each of the partnership's areas: indicators worse than England, the worsening first.

    Quintile indicators count as worse when the area is in the worst two fifths of its peers.
    """
    indicators = list(partnership.indicators.all())
    areas = own_areas(partnership)
    group = benchmark_group(partnership)
    context = _context_areas([*group, *areas])
    regions = _regions(context.values())
    frame = _values([i.pk for i in indicators], context, headline_only=True)
    frame = benchmarking.benchmarked(
        frame,
        _meta(indicators),
        england=ENGLAND,
        regions=regions,
        peers=[a.gss_code for a in group],
        threshold=settings.SUPPRESSION_THRESHOLD,
    )
    by_pk = {i.pk: i for i in indicators}
    listed = []
    results = []
    england = frame[frame["area_code"] == ENGLAND].set_index(["indicator_id", "period"])["value"]
    for area in areas:
        mine = frame[(frame["area_code"] == area.gss_code) & frame["raw_value"].notna()]
        latest = mine.sort_values("period_sort").groupby("indicator_id").tail(1)
        entry = AreaWorse(area)
        for row in latest.sort_values("indicator_id").itertuples():
            indicator = by_pk[int(row.indicator_id)]
            tag = presenters.comparison_tag(str(row.compared_england), indicator.polarity)
            if tag.family != "worse":
                continue
            item = WorseRow(
                indicator,
                str(row.period),
                _float(row.value),
                _float(england.get((row.indicator_id, row.period))),
                str(row.compared_england),
                str(row.recent_trend),
            )
            (entry.worsening if presenters.is_getting_worse(item.trend) else entry.worse).append(item)
            listed.append(row.Index)
        for items in (entry.worsening, entry.worse):
            items.sort(key=lambda r: (r.indicator.topic, r.indicator.name))
        results.append(entry)
    shown = frame.loc[listed]
    region_name = _one_region(shown, regions, context)
    export = Export(shown, _indicator_info(indicators), _area_info(context.values()), region_name)
    return WorseList(results, export)


# The indicator page ----------------------------------------------------------------------


@dataclass
class ComparisonRow:
    area: Area
    role: str  # "area", "region", "England" or "comparator"
    value: float | None
    lower: float | None
    upper: float | None
    count: float | None
    denominator: float | None
    value_note: str
    compared_england: str
    polarity: str

    @property
    def england_tag(self) -> presenters.Tag:
        return presenters.comparison_tag(self.compared_england, self.polarity)


@dataclass
class GroupRow:
    label: str
    value: float | None
    lower: float | None
    upper: float | None
    count: float | None
    denominator: float | None
    value_note: str
    compared: str
    polarity: str

    @property
    def tag(self) -> presenters.Tag:
        return presenters.comparison_tag(self.compared, self.polarity)


@dataclass
class Breakdown:
    title: str
    slug: str
    rows: list[GroupRow]
    inequality: Inequality | None = None


@dataclass
class SeriesPoint:
    period: str
    value: float | None
    lower: float | None
    upper: float | None


@dataclass
class IndicatorPage:
    indicator: Indicator
    area: Area
    region: Area | None
    choices: list[Area]
    periods: list[str]
    period: str | None
    series: dict[str, list[SeriesPoint]]
    comparison: list[ComparisonRow]
    breakdowns: list[Breakdown]
    trend: str
    overall: float | None
    export: Export

    @property
    def trend_shown(self) -> presenters.Trend:
        return presenters.trend(self.trend)


def indicator_page(
    partnership: Partnership, indicator: Indicator, area: Area, period: str | None
) -> IndicatorPage:
    """The indicator for one area: its trend, the areas around it at a period, and its groups.

    Raises ``IndicatorValue.DoesNotExist`` for a period the indicator has no value for.
    """
    group = benchmark_group(partnership)
    peers = _peers(area, group if not area.comparators.all() else [])
    region = region_of(area)
    context = _context_areas([area, *peers])
    regions = _regions(context.values())
    frame = _values([indicator.pk], context, headline_only=False)
    frame = benchmarking.benchmarked(
        frame,
        _meta([indicator]),
        england=ENGLAND,
        regions=regions,
        peers=[p.gss_code for p in peers],
        threshold=settings.SUPPRESSION_THRESHOLD,
    )
    export = Export(
        frame,
        _indicator_info([indicator]),
        _area_info(context.values()),
        _one_region(frame, regions, context),
    )
    headline = frame[benchmarking.is_headline(frame)]
    mine = frame[frame["area_code"] == area.gss_code]
    periods = list(mine.sort_values("period_sort", ascending=False)["period"].drop_duplicates())
    if period is None:
        with_value = headline[(headline["area_code"] == area.gss_code) & headline["raw_value"].notna()]
        ordered = with_value.sort_values("period_sort")["period"]
        period = str(ordered.iloc[-1]) if len(ordered) else (periods[0] if periods else None)
    elif period not in periods:
        raise IndicatorValue.DoesNotExist(f"No value for {period}.")
    own_headline = headline[headline["area_code"] == area.gss_code]
    latest_trend = own_headline.sort_values("period_sort")["recent_trend"]
    choices = sorted(
        _context_areas([*group, area]).values(),
        key=lambda a: (a.gss_code != area.gss_code, a.area_type in ("country", "region"), a.name),
    )
    comparison = _comparison(headline, indicator, period, area, region, peers, context)
    return IndicatorPage(
        indicator=indicator,
        area=area,
        region=region if region is not area else None,
        choices=choices,
        periods=periods,
        period=period,
        series=_series(headline, indicator, [area.gss_code, ENGLAND]),
        comparison=comparison,
        breakdowns=_breakdowns(frame, indicator, area, period),
        trend=str(latest_trend.iloc[-1]) if len(latest_trend) else "",
        overall=next((r.value for r in comparison if r.role == "area"), None),
        export=export,
    )


def _series(headline: pd.DataFrame, indicator: Indicator, codes: list[str]) -> dict[str, list[SeriesPoint]]:
    out: dict[str, list[SeriesPoint]] = {}
    for code in codes:
        rows = headline[headline["area_code"] == code].sort_values("period_sort")
        out[code] = [
            SeriesPoint(
                str(r["period"]), _float(r["value"]), _float(r[_low(indicator)]), _float(r[_high(indicator)])
            )
            for _, r in rows.iterrows()
        ]
    return out


def _comparison(
    headline: pd.DataFrame,
    indicator: Indicator,
    period: str | None,
    area: Area,
    region: Area | None,
    peers: list[Area],
    context: dict[str, Area],
) -> list[ComparisonRow]:
    at = headline[headline["period"] == period].set_index("area_code")
    ordered: list[tuple[Area, str]] = [(area, "area")]
    if region is not None and region is not area:
        ordered.append((region, "region"))
    if area.gss_code != ENGLAND and ENGLAND in context:
        ordered.append((context[ENGLAND], "England"))
    ordered += [(p, "comparator") for p in peers if p.gss_code != area.gss_code]
    rows = []
    for place, role in ordered:
        if place.gss_code not in at.index:
            continue
        r = at.loc[place.gss_code]
        rows.append(
            ComparisonRow(
                place,
                role,
                _float(r["value"]),
                _float(r["lower_95"]),
                _float(r["upper_95"]),
                _float(r["count"]),
                _float(r["denominator"]),
                str(r["value_note"]),
                str(r["compared_england"]),
                indicator.polarity,
            )
        )
    return rows


_NUMBER = re.compile(r"\d+")


def _band_order(label: str) -> tuple[int, str]:
    found = _NUMBER.search(label)
    return (int(found.group()) if found else 10_000, label)


def _breakdowns(frame: pd.DataFrame, indicator: Indicator, area: Area, period: str | None) -> list[Breakdown]:
    """The area's values by sex, age band and each category type, each compared with its overall value."""
    at = frame[(frame["area_code"] == area.gss_code) & (frame["period"] == period)]
    overall = at[benchmarking.is_headline(at)]
    benchmark = _float(overall["value"].iloc[0]) if len(overall) else None
    groups = at[~benchmarking.is_headline(at)].copy()
    if groups.empty:
        return []
    method = indicator.benchmark_method if indicator.benchmark_method != "quintiles" else "ci_overlap_95"
    groups["compared"] = benchmarking.compare_to(groups, indicator.polarity, method, benchmark)
    out = []
    sexes = groups[(groups["category_type"] == "") & (groups["age"] == ALL_AGES)]
    if len(sexes):
        out.append(_breakdown("By sex", "sex", sexes, indicator, lambda r: presenters.sex_label(r["sex"])))
    ages = groups[(groups["category_type"] == "") & (groups["age"] != ALL_AGES)]
    for sex, rows in ages.groupby("sex", sort=False):
        title = "By age" if sex == Sex.PERSONS else f"By age ({presenters.sex_label(str(sex)).lower()})"
        ordered = rows.iloc[sorted(range(len(rows)), key=lambda i: _band_order(str(rows.iloc[i]["age"])))]
        out.append(_breakdown(title, f"age-{sex}", ordered, indicator, lambda r: str(r["age"])))
    categories = groups[groups["category_type"] != ""]
    for (category_type, sex, age), rows in categories.groupby(["category_type", "sex", "age"], sort=True):
        title = f"By {str(category_type)[:1].lower()}{str(category_type)[1:]}"
        if sex != Sex.PERSONS or age != ALL_AGES:
            title += f" ({presenters.sex_label(str(sex)).lower()}, {str(age).lower()})"
        slug = re.sub(r"[^a-z0-9]+", "-", f"{category_type}-{sex}-{age}".lower()).strip("-")
        inequality = None
        if benchmarking.is_deprivation_deciles(str(category_type)):
            rows = rows.assign(decile=rows["category"].map(benchmarking.decile_number))
            rows = rows.sort_values("decile", na_position="last")
            known = rows[rows["decile"].notna()].astype({"decile": int})
            inequality = benchmarking.inequality(known, indicator.value_type, indicator.multiplier)
        else:
            rows = rows.sort_values("category")
        out.append(_breakdown(title, slug, rows, indicator, lambda r: str(r["category"]), inequality))
    return out


def _breakdown(
    title: str,
    slug: str,
    rows: pd.DataFrame,
    indicator: Indicator,
    label: Any,
    inequality: Inequality | None = None,
) -> Breakdown:
    return Breakdown(
        title,
        slug,
        [
            GroupRow(
                label(r),
                _float(r["value"]),
                _float(r["lower_95"]),
                _float(r["upper_95"]),
                _float(r["count"]),
                _float(r["denominator"]),
                str(r["value_note"]),
                str(r["compared"]),
                indicator.polarity,
            )
            for _, r in rows.iterrows()
        ],
        inequality,
    )


# Need projections ------------------------------------------------------------------------


@dataclass
class ProjectedYear:
    year: int
    people: float
    change: float
    change_percent: float | None


@dataclass
class ProjectedArea:
    code: str
    name: str
    years: list[ProjectedYear]


@dataclass
class RateRow:
    age_band: str
    rates: dict[str, float | None]


@dataclass
class MeasureProjection:
    measure: NeedMeasure
    areas: list[ProjectedArea]
    sexes: list[str]
    rates: list[RateRow]
    error: str = ""

    @cached_property
    def shown_years(self) -> set[int]:
        """Every year for a short projection; otherwise the first, every fifth and the last."""
        years = sorted({y.year for a in self.areas for y in a.years})
        if len(years) <= 11:
            return set(years)
        return {years[0], years[-1], *(y for y in years if y % 5 == 0)}


@dataclass
class CareGroupProjections:
    name: str
    measures: list[MeasureProjection]


def need_projections(partnership: Partnership) -> list[CareGroupProjections]:
    """Each need measure projected for the partnership's areas, grouped by care group (3 queries)."""
    measures = list(
        partnership.need_measures.select_related("care_group").prefetch_related(
            Prefetch("rates", queryset=PrevalenceRate.objects.order_by("sex", "age_band"))
        )
    )
    population = pd.DataFrame.from_records(
        list(
            PopulationProjection.objects.filter(
                partnership=partnership, area__in=partnership.areas.all()
            ).values_list("area__gss_code", "area__name", "year", "sex", "age_band", "population")
        ),
        columns=["area_code", "area_name", "year", "sex", "age_band", "population"],
    )
    names = dict(zip(population["area_code"], population["area_name"], strict=True))
    out: list[CareGroupProjections] = []
    for name, group in itertools.groupby(
        measures, key=lambda m: m.care_group.name if m.care_group else "Other needs"
    ):
        out.append(CareGroupProjections(name, [_projection(m, population, names) for m in group]))
    return out


def _projection(measure: NeedMeasure, population: pd.DataFrame, names: dict[str, str]) -> MeasureProjection:
    rates = list(measure.rates.all())
    sexes = [s for s in (Sex.PERSONS, Sex.MALE, Sex.FEMALE) if any(r.sex == s for r in rates)]
    bands = sorted({r.age_band for r in rates}, key=_band_order)
    lookup = {(r.sex, r.age_band): r.rate for r in rates}
    table = [RateRow(band, {s: lookup.get((s, band)) for s in sexes}) for band in bands]
    prevalence = pd.DataFrame(
        [(measure.code, r.sex, r.age_band, r.rate) for r in rates],
        columns=list(projections.PREVALENCE_COLUMNS),
    )
    result = MeasureProjection(measure, [], [str(s) for s in sexes], table)
    if prevalence.empty or population.empty:
        result.error = "There are no prevalence rates or no population projections to project from."
        return result
    try:
        projected = projections.change_from_base(projections.project(prevalence, population))
    except ValueError as error:
        result.error = str(error)
        return result
    for code, rows in projected.groupby("area_code", sort=True):
        result.areas.append(
            ProjectedArea(
                str(code),
                names.get(str(code), str(code)),
                [
                    ProjectedYear(int(r.year), float(r.people), float(r.change), _float(r.change_percent))
                    for r in rows.itertuples()
                ],
            )
        )
    return result
