"""What the JSNA publishes about a set of indicator values: suppressed, benchmarked and trended.

Selectors fetch a page's values in one query as a frame; these functions then work on whole
columns at once with :mod:`commissioning.needs.stats`, so a page with a hundred indicators costs
the same number of queries as a page with one. Pure pandas and NumPy: no Django.

The frame has one row per published value, with the columns of ``VALUE_COLUMNS``; indicator
metadata comes as a second frame with ``META_COLUMNS``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commissioning.needs import stats

ALL_AGES = "All ages"  # as in the models; repeated here to keep this module free of Django
PERSONS = "persons"
KEY = ["indicator_id", "period", "sex", "age", "category_type", "category"]
SERIES = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
MEASURES = ["count", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998"]
VALUE_COLUMNS = [
    "indicator_id",
    "area_code",
    "period",
    "period_sort",
    "sex",
    "age",
    "category_type",
    "category",
    *MEASURES,
    "value_note",
]
META_COLUMNS = ["indicator_id", "polarity", "benchmark_method", "value_type", "multiplier"]

THRESHOLD = 5  # the default; a deployment sets its own (settings.SUPPRESSION_THRESHOLD)
PRIMARY_NOTE = "Suppressed: fewer than {threshold}"
SECONDARY_NOTE = "Suppressed to protect a small number"
TREND_TYPES = {"proportion": "proportion", "crude_rate": "crude_rate", "dsr": "dsr", "isr": "isr"}


def values_frame(rows: list[tuple[object, ...]] | list[dict[str, object]]) -> pd.DataFrame:
    """A frame of values from database rows, numbers as floats (NaN where none is published)."""
    frame = pd.DataFrame.from_records(rows, columns=VALUE_COLUMNS) if rows else _empty()
    for column in MEASURES:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in ("area_code", "period", "sex", "age", "category_type", "category", "value_note"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    frame["period_sort"] = frame["period_sort"].astype("int64")
    frame["indicator_id"] = frame["indicator_id"].astype("int64")
    return frame.reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in VALUE_COLUMNS})


def is_headline(frame: pd.DataFrame) -> pd.Series:
    return (frame["sex"] == PERSONS) & (frame["age"] == ALL_AGES) & (frame["category_type"] == "")


def breakdown(frame: pd.DataFrame) -> pd.Series:
    """Which set of rows adds up to a published total: the unit of secondary suppression.

    Male and female make up persons; the age bands of one sex make up all ages; the categories
    of one type (the ten deprivation deciles) make up the area.
    """
    key = pd.Series("headline", index=frame.index, dtype=object)
    key = key.mask(frame["sex"] != PERSONS, "sex")
    key = key.mask(frame["age"] != ALL_AGES, "age|" + frame["sex"])
    with_category = "category|" + frame["category_type"] + "|" + frame["sex"] + "|" + frame["age"]
    return key.mask(frame["category_type"] != "", with_category)


def suppress_small_numbers(frame: pd.DataFrame, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Blank counts below the threshold with their value, limits and denominator.

    Secondary suppression hides one more cell in a breakdown (e.g. another decile of the same
    area and period) so the hidden one cannot be worked out from the total. The unsuppressed
    count, denominator and value stay in ``raw_*`` columns for statistics that publish no
    single small number (recent trends).
    """
    out = frame.copy()
    for column in ("count", "denominator", "value"):
        out[f"raw_{column}"] = out[column]
    if out.empty:
        out["suppressed"] = pd.Series(dtype=object)
        return out
    groups = (
        out["indicator_id"].astype(str) + "|" + out["area_code"] + "|" + out["period"] + "|" + breakdown(out)
    ).to_numpy(dtype=object)
    counts = out["count"].to_numpy(dtype=float)
    hidden = stats.suppress(counts, threshold, totals_groups=groups)
    primary = stats.suppress(counts, threshold)
    secondary = hidden & ~primary
    out.loc[hidden, MEASURES] = np.nan
    out["value_note"] = np.where(
        primary,
        PRIMARY_NOTE.format(threshold=threshold),
        np.where(secondary, SECONDARY_NOTE, out["value_note"].to_numpy(dtype=object)),
    )
    out["suppressed"] = np.where(primary, "primary", np.where(secondary, "secondary", ""))
    return out


def _with_meta(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    merged = frame.assign(_row=np.arange(len(frame))).merge(meta[META_COLUMNS], on="indicator_id", how="left")
    return merged.sort_values("_row").reset_index(drop=True)


def quintiles(frame: pd.DataFrame, meta: pd.DataFrame, peers: Collection[str]) -> np.ndarray:
    """Each peer row's quintile among the peers for the same indicator, period and group.

    "Q1" is the best fifth (the highest for indicators without a judgement); rows outside the
    peer set, and groups of fewer than five values, are "not_compared".
    """
    rows = _with_meta(frame, meta)
    labels = np.full(len(rows), "not_compared", dtype=object)
    in_peers = (
        rows["area_code"].isin(list(peers)).to_numpy() & (rows["benchmark_method"] == "quintiles").to_numpy()
    )
    if not in_peers.any():
        return labels
    chosen = rows[in_peers]
    groups = chosen[KEY].astype(str).agg("|".join, axis=1).to_numpy(dtype=object)
    ranks = stats.quantiles(
        chosen["value"].to_numpy(dtype=float),
        5,
        invert=(chosen["polarity"] != "lower_is_better").to_numpy(),
        group=groups,
    )
    labels[in_peers] = [f"Q{int(q)}" if not np.isnan(q) else "not_compared" for q in ranks]
    return labels


def compare_with(
    frame: pd.DataFrame, meta: pd.DataFrame, benchmark_codes: pd.Series, quintile_labels: np.ndarray
) -> np.ndarray:
    """Each row against the benchmark area's value for the same indicator, period and group.

    ``benchmark_codes`` names the benchmark area per row (England, or the row's region); a blank
    code, or the benchmark itself, gives a blank. The limits used follow each indicator's
    benchmark method; "quintiles" indicators take their quintile instead.
    """
    rows = _with_meta(frame, meta)
    rows["bench_code"] = benchmark_codes.to_numpy(dtype=object)
    bench = frame[[*KEY, "area_code", "value"]].rename(columns={"area_code": "bench_code", "value": "bench"})
    rows = rows.merge(bench, on=[*KEY, "bench_code"], how="left").sort_values("_row").reset_index(drop=True)
    result = np.full(len(rows), "not_compared", dtype=object)
    for (polarity, method), index in rows.groupby(["polarity", "benchmark_method"]).indices.items():
        if method == "quintiles":
            result[index] = quintile_labels[index]
            continue
        low, high = ("lower_998", "upper_998") if method == "ci_overlap_998" else ("lower_95", "upper_95")
        part = rows.iloc[index]
        result[index] = stats.compare(
            part["value"].to_numpy(dtype=float),
            part[low].to_numpy(dtype=float),
            part[high].to_numpy(dtype=float),
            part["bench"].to_numpy(dtype=float),
            polarity,
            method,
        )
    none = (rows["bench_code"] == "") | (rows["bench_code"] == rows["area_code"])
    result[none.to_numpy()] = ""
    return result


def compare_to(frame: pd.DataFrame, polarity: str, method: str, benchmark: float | None) -> np.ndarray:
    """Each row against one value (a group against its area's overall figure)."""
    if frame.empty:
        return np.array([], dtype=object)
    low, high = ("lower_998", "upper_998") if method == "ci_overlap_998" else ("lower_95", "upper_95")
    return stats.compare(
        frame["value"].to_numpy(dtype=float),
        frame[low].to_numpy(dtype=float),
        frame[high].to_numpy(dtype=float),
        np.nan if benchmark is None else benchmark,
        polarity,
        method,
    ).astype(object)


def _trend_of(
    count: np.ndarray,
    denominator: np.ndarray,
    value: np.ndarray,
    value_type: str,
    polarity: str,
    multiplier: float,
) -> str:
    kind = TREND_TYPES.get(value_type)
    if kind is None:
        return "cannot_be_calculated"
    if kind in ("dsr", "isr"):
        # Events and the denominator that gives the published rate (stats.trend's convention).
        with np.errstate(divide="ignore", invalid="ignore"):
            denominator = count * multiplier / value
        denominator[~np.isfinite(denominator)] = np.nan
    try:
        return stats.trend(count, denominator, value_type=kind, polarity=polarity)
    except ValueError:
        return "cannot_be_calculated"


def recent_trends(frame: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
    """The recent trend of each series (area and group), on the row of its latest period.

    Other rows get a blank, as in a Fingertips export. Uses the unsuppressed counts. The loop is
    over series with NumPy slices: pandas' per-group objects would cost more than the tests.
    """
    rows = _with_meta(frame, meta)
    result = np.full(len(rows), "", dtype=object)
    if rows.empty:
        return result
    ordered = rows.sort_values([*SERIES, "period_sort"])
    series = ordered.groupby(SERIES, sort=False).ngroup().to_numpy()
    ends = np.flatnonzero(np.r_[series[1:] != series[:-1], True])
    starts = np.r_[0, ends[:-1] + 1]
    raw = {c: ordered[f"raw_{c}" if f"raw_{c}" in ordered else c].to_numpy(dtype=float) for c in MEASURES[:3]}
    value_type = ordered["value_type"].to_numpy(dtype=object)
    polarity = ordered["polarity"].to_numpy(dtype=object)
    multiplier = ordered["multiplier"].to_numpy(dtype=float)
    row = ordered["_row"].to_numpy()
    for start, end in zip(starts, ends, strict=True):
        window = slice(max(start, end - stats.TREND_POINTS + 1), end + 1)
        result[row[end]] = _trend_of(
            raw["count"][window].copy(),
            raw["denominator"][window].copy(),
            raw["value"][window],
            str(value_type[end]),
            str(polarity[end]),
            float(multiplier[end]),
        )
    return result


def benchmarked(
    frame: pd.DataFrame,
    meta: pd.DataFrame,
    *,
    england: str,
    regions: Mapping[str, str],
    peers: Collection[str],
    trends: bool = True,
    threshold: int = THRESHOLD,
) -> pd.DataFrame:
    """Suppress, then compare each row with England and with its area's region, then trend.

    Adds ``compared_england``, ``compared_region``, ``recent_trend`` and ``suppressed``. A
    suppressed value is not compared: its comparison would say something about a small number.
    """
    out = suppress_small_numbers(frame, threshold)
    labels = quintiles(out, meta, peers)
    out["compared_england"] = compare_with(
        out, meta, pd.Series(england, index=out.index, dtype=object), labels
    )
    region_codes = out["area_code"].map(lambda code: regions.get(code, "")).astype(object)
    out["compared_region"] = compare_with(out, meta, region_codes, labels)
    out["recent_trend"] = recent_trends(out, meta) if trends else ""
    return out


@dataclass(frozen=True)
class Spread:
    """Where the peers' values lie, oriented so that 'worst' and 'best' follow the polarity."""

    worst: float | None
    q25: float | None
    median: float | None
    q75: float | None
    best: float | None


def spread(values: np.ndarray, polarity: str) -> Spread:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return Spread(None, None, None, None, None)
    low, q25, median, q75, high = (float(v) for v in np.percentile(present, [0, 25, 50, 75, 100]))
    if polarity == "lower_is_better":
        return Spread(high, q75, median, q25, low)
    return Spread(low, q25, median, q75, high)


# Deprivation deciles and the inequality between them -----------------------------------------

_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5}
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})\b")


def is_deprivation_deciles(category_type: str) -> bool:
    text = category_type.lower()
    return "deprivation" in text and "decile" in text


def decile_number(label: str) -> int | None:
    """1 (most deprived) to 10 (least) from a category label.

    Reads a leading number ('1 - most deprived', '10') or Fingertips' words ('Most deprived
    decile', 'Third more deprived decile', 'Second least deprived decile').
    """
    match = _LEADING_NUMBER.match(label)
    if match:
        number = int(match.group(1))
        return number if 1 <= number <= 10 else None
    text = label.lower()
    if "most deprived" in text or "more deprived" in text:
        first = text.split()[0]
        return 1 if first == "most" else _ORDINALS.get(first)
    if "least deprived" in text or "less deprived" in text:
        first = text.split()[0]
        return 10 if first == "least" else (11 - _ORDINALS[first] if first in _ORDINALS else None)
    return None


@dataclass(frozen=True)
class Inequality:
    """The gap between the most and least deprived deciles, and the slope index across all ten."""

    most_deprived: float | None
    least_deprived: float | None
    gap: float | None
    ratio: float | None
    sii: float | None = None
    sii_lower: float | None = None
    sii_upper: float | None = None
    rii: float | None = None
    sii_reason: str = ""


def _sii_value_type(value_type: str) -> str:
    return {"proportion": "proportion", "crude_rate": "rate", "dsr": "rate"}.get(value_type, "other")


def inequality(deciles: pd.DataFrame, value_type: str, multiplier: float, *, seed: int = 1) -> Inequality:
    """Gap, ratio and slope index of inequality for one area and period's ten deciles.

    ``deciles`` has columns decile (1..10), value, lower_95, upper_95, denominator, already
    suppressed. The SII needs every decile's value, limits and population; if any is suppressed
    or missing it is not calculated (it could otherwise give the hidden number away).
    """
    by_decile = deciles.set_index("decile")
    most = by_decile["value"].get(1)
    least = by_decile["value"].get(10)
    most_f = None if most is None or np.isnan(most) else float(most)
    least_f = None if least is None or np.isnan(least) else float(least)
    gap = None if most_f is None or least_f is None else most_f - least_f
    ratio = None if gap is None or not least_f else most_f / least_f  # type: ignore[operator]
    base = Inequality(most_f, least_f, gap, ratio)
    needed = deciles[["value", "lower_95", "upper_95", "denominator"]]
    if sorted(deciles["decile"]) != list(range(1, 11)):
        return _replace_reason(base, "it needs all ten deciles")
    if needed.isna().any().any() or (deciles["denominator"] <= 0).any():
        return _replace_reason(base, "a decile's figures are suppressed or missing")
    kind = _sii_value_type(value_type)
    scale = multiplier if kind == "proportion" else 1
    ordered = deciles.sort_values("decile")
    try:
        result = stats.sii(
            ordered["decile"].to_numpy(),
            ordered["denominator"].to_numpy(dtype=float),
            ordered["value"].to_numpy(dtype=float) / scale,
            lower=ordered["lower_95"].to_numpy(dtype=float) / scale,
            upper=ordered["upper_95"].to_numpy(dtype=float) / scale,
            value_type=kind,
            multiplier=scale,
            repetitions=10000,
            seed=seed,
        )
    except ValueError as error:
        return _replace_reason(base, str(error))
    return Inequality(
        most_f,
        least_f,
        gap,
        ratio,
        sii=result["sii"],
        sii_lower=result["sii_lower"],
        sii_upper=result["sii_upper"],
        rii=result["rii"],
    )


def _replace_reason(base: Inequality, reason: str) -> Inequality:
    return Inequality(base.most_deprived, base.least_deprived, base.gap, base.ratio, sii_reason=reason)
