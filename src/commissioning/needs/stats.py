"""Public-health indicator statistics, vectorised over NumPy arrays.

The methods follow the reference implementation used for England's public-health indicators
(PHEindicatormethods, R, v2.1.0) so that figures published by the platform agree with Fingertips:

* proportions - Wilson score limits;
* crude rates and standardised ratios - exact Poisson (chi-squared) limits below 10 events, Byars above;
* directly standardised rates - Dobson's method (optionally for non-independent events);
* means - Student's t;
* quantiles - ``phe_quantile`` ranking; slope/relative index of inequality - ``phe_sii``.

Plus the platform's own helpers for benchmarking (``compare``, ``quantile_compare``), recent trends
(``trend``) and small-number suppression (``suppress``).

Conventions:

* Inputs may be scalars or array-likes; outputs are ``float64`` NumPy arrays (a scalar input gives a
  0-d array, which behaves like a float). Grouped functions return one element per distinct group key,
  in ``np.unique`` (sorted) order - see :func:`group_keys`.
* Confidence may be written as a fraction (0.95, 0.998) or a percentage (95, 99.8).
* Missing inputs (NaN) give NaN outputs; impossible inputs (negative counts, zero denominators,
  numerator above denominator for a proportion) raise ``ValueError``.

This module is deliberately free of Django so that it can be reused and tested in isolation.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _stats

FloatArray = NDArray[np.float64]
Limits = tuple[FloatArray, FloatArray]
Estimate = tuple[FloatArray, FloatArray, FloatArray]
Link = Callable[[FloatArray], FloatArray]

CONFIDENCE_LEVELS = (0.95, 0.998)

ESP2013_BANDS: tuple[str, ...] = (*(f"{age}-{age + 4}" for age in range(0, 90, 5)), "90+")

POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")
COMPARISON_METHODS = ("ci_overlap_95", "ci_overlap_998")
TREND_VALUE_TYPES = ("proportion", "crude_rate", "rate", "dsr", "isr")
TREND_POINTS = 5
SII_VALUE_TYPES = ("other", "rate", "proportion")

_DATA_DIR = Path(__file__).parent / "data"
# Dobson/ISR/rate rule: fewer than this many events use exact limits (rate, ISR) or are not published (DSR).
_SMALL_COUNT = 10


# --------------------------------------------------------------------------------------------------
# Confidence levels and small helpers
# --------------------------------------------------------------------------------------------------


def normalise_confidence(confidence: float) -> float:
    """Return the confidence as a fraction: 95 or 0.95 -> 0.95, 99.8 -> 0.998.

    Values of 90 or more are read as percentages. The allowed range is [0.9, 1] (i.e. [90, 100]).
    """
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"confidence must be a number, got {confidence!r}") from None
    if level >= 90:
        level = round(level / 100, 12)
    if not 0.9 <= level <= 1:
        raise ValueError(f"confidence must be between 0.9 and 1 (or 90 and 100), got {confidence!r}")
    return level


def z_value(confidence: float) -> float:
    """Two-sided standard normal critical value, ``qnorm(c + (1 - c) / 2)``."""
    level = normalise_confidence(confidence)
    return float(_stats.norm.ppf(level + (1 - level) / 2))


def _floats(values: ArrayLike | None, name: str = "values") -> FloatArray:
    if values is None:
        raise ValueError(f"{name} is required")
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric") from None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_non_negative(values: FloatArray, name: str) -> None:
    _require(not np.any(values < 0), f"{name} must be greater than or equal to zero")


def _check_positive(values: FloatArray, name: str) -> None:
    _require(not np.any(values <= 0), f"{name} must be greater than zero")


def _same_length(**arrays: FloatArray) -> int:
    lengths = {name: np.shape(array) for name, array in arrays.items()}
    shapes = set(lengths.values())
    _require(len(shapes) == 1, f"inputs must have the same length: {lengths}")
    shape = shapes.pop()
    _require(len(shape) == 1, "inputs must be one-dimensional")
    return shape[0]


def group_keys(group: ArrayLike) -> np.ndarray:
    """The sorted distinct group keys: the order in which grouped functions return their results."""
    return np.unique(np.asarray(group))


def dsr_groups(group: ArrayLike) -> np.ndarray:
    """The group keys matching :func:`dsr`'s output order (``np.unique``)."""
    return group_keys(group)


def _group_index(group: ArrayLike, length: int) -> tuple[np.ndarray, np.ndarray]:
    keys = np.asarray(group)
    _require(keys.ndim == 1 and keys.shape[0] == length, "group must be a 1-D array, one key per row")
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, inverse.reshape(-1)


def _optional_groups(group: ArrayLike | None, length: int) -> tuple[np.ndarray, int]:
    """Group index per row and number of groups; a single group when ``group`` is None."""
    if group is None:
        return np.zeros(length, dtype=np.intp), 1
    keys, inverse = _group_index(group, length)
    return inverse, keys.shape[0]


def _group_sum(inverse: np.ndarray, values: FloatArray, n_groups: int) -> FloatArray:
    return np.bincount(inverse, weights=values, minlength=n_groups).astype(np.float64)


# --------------------------------------------------------------------------------------------------
# Confidence limits for proportions and counts
# --------------------------------------------------------------------------------------------------


def _validate_proportion(x: FloatArray, n: FloatArray) -> None:
    _check_non_negative(x, "numerator")
    _check_positive(n, "denominator")
    _require(not np.any(x > n), "numerator must be less than or equal to denominator for a proportion")


def wilson_limits(x: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> Limits:
    """Wilson score limits for a proportion x/n, as proportions (0..1).

    Wilson keeps the limits inside [0, 1] and behaves well for small x or n (Newcombe & Altman 2000).
    At 100% confidence the limits are 0 and 1, as in the reference implementation.
    """
    x, n = _floats(x, "numerator"), _floats(n, "denominator")
    _validate_proportion(x, n)
    level = normalise_confidence(confidence)
    missing = np.isnan(x) | np.isnan(n)
    if level == 1:
        return np.where(missing, np.nan, 0.0), np.where(missing, np.nan, 1.0)
    z = z_value(level)
    spread = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    denominator = 2 * (n + z**2)
    lower = (2 * x + z**2 - spread) / denominator
    upper = (2 * x + z**2 + spread) / denominator
    # Pin the ends exactly: rounding could otherwise leave the upper limit just below x/n = 1.
    lower = np.where(x == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper


def byars_limits(x: ArrayLike, confidence: float = 0.95) -> Limits:
    """Byars' approximation to the Poisson limits of a count.

    As in the reference, a negative lower limit (very small x or very high confidence) is NaN; x = 0
    also gives a NaN lower limit. Use :func:`poisson_limits` for counts that may be small.
    """
    x = _floats(x, "count")
    _check_non_negative(x, "count")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    return np.where(lower < 0, np.nan, lower), upper


def exact_poisson_limits(x: ArrayLike, confidence: float = 0.95) -> Limits:
    """Exact Poisson limits of a count from the chi-squared distribution (lower limit 0 when x = 0)."""
    x = _floats(x, "count")
    _check_non_negative(x, "count")
    level = normalise_confidence(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = _stats.chi2.ppf((1 - level) / 2, 2 * x) / 2
        upper = _stats.chi2.ppf(level + (1 - level) / 2, 2 * x + 2) / 2
    return np.where(x == 0, 0.0, lower), np.asarray(upper, dtype=np.float64)


def poisson_limits(x: ArrayLike, confidence: float = 0.95) -> Limits:
    """Limits of a count as ``phe_rate`` computes them: exact below 10 events, Byars from 10."""
    x = _floats(x, "count")
    lower, upper = byars_limits(x, confidence)
    lower, upper = np.array(lower, dtype=float, copy=True), np.array(upper, dtype=float, copy=True)
    # The chi-squared quantiles are costly: work them out only for the small counts that need them.
    small = x < _SMALL_COUNT
    if np.any(small):
        exact_lower, exact_upper = exact_poisson_limits(x[small], confidence)
        lower[small], upper[small] = exact_lower, exact_upper
    return lower, upper


# --------------------------------------------------------------------------------------------------
# Proportions, crude rates, means
# --------------------------------------------------------------------------------------------------


def proportion(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95, multiplier: float = 1
) -> Estimate:
    """Proportion x/n x multiplier with Wilson score limits (``phe_proportion``), element-wise."""
    x, n = _floats(numerator, "numerator"), _floats(denominator, "denominator")
    lower, upper = wilson_limits(x, n, confidence)
    return x / n * multiplier, lower * multiplier, upper * multiplier


def rate(
    count: ArrayLike, denominator: ArrayLike, confidence: float = 0.95, multiplier: float = 100000
) -> Estimate:
    """Crude rate x/n x multiplier with exact (x < 10) or Byars (x >= 10) limits (``phe_rate``).

    A count above the denominator is allowed (several events per person).
    """
    x, n = _floats(count, "count"), _floats(denominator, "denominator")
    _check_non_negative(x, "count")
    _check_positive(n, "denominator")
    lower, upper = poisson_limits(x, confidence)
    return x / n * multiplier, lower / n * multiplier, upper / n * multiplier


def mean(values: ArrayLike, group: ArrayLike | None = None, confidence: float = 0.95) -> Estimate:
    """Mean with Student's t limits (``phe_mean``): mean +/- t(n-1) x sd / sqrt(n).

    With ``group`` the result has one element per sorted group key; without, 0-d arrays. A group
    containing a missing value gives NaN (as the reference's sum does); fewer than two values give NaN
    limits.
    """
    y = _floats(values).reshape(-1)
    inverse, n_groups = _optional_groups(group, y.shape[0])
    count = np.bincount(inverse, minlength=n_groups).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = _group_sum(inverse, y, n_groups) / count
        squares = _group_sum(inverse, (y - centre[inverse]) ** 2, n_groups)
        sd = np.sqrt(squares / (count - 1))
        level = normalise_confidence(confidence)
        t = _stats.t.ppf(level + (1 - level) / 2, count - 1)
        half_width = np.where(count > 1, t * sd / np.sqrt(count), np.nan)
    lower, upper = centre - half_width, centre + half_width
    if group is None:
        return np.asarray(centre[0]), np.asarray(lower[0]), np.asarray(upper[0])
    return centre, lower, upper


# --------------------------------------------------------------------------------------------------
# Standardisation
# --------------------------------------------------------------------------------------------------


def european_standard_population() -> dict[str, int]:
    """The 2013 European Standard Population by five-year age band (``ESP2013_BANDS``), total 100,000."""
    with (_DATA_DIR / "esp2013.csv").open(newline="", encoding="utf-8") as handle:
        return {row["age_band"]: int(row["population"]) for row in csv.DictReader(handle)}


@dataclass(frozen=True)
class DsrResult:
    """Directly standardised rates, one element per sorted group key."""

    groups: np.ndarray
    total_count: FloatArray
    total_population: FloatArray
    value: FloatArray
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True)
class IsrResult:
    """Indirectly standardised ratios or rates, one element per sorted group key.

    ``reference_rate`` is the overall reference rate per ``multiplier`` (NaN for ratios).
    """

    groups: np.ndarray
    observed: FloatArray
    expected: FloatArray
    reference_rate: FloatArray
    value: FloatArray
    lower: FloatArray
    upper: FloatArray


def _distinct_band_rows(inverse: np.ndarray, age_band: ArrayLike | None, length: int) -> np.ndarray:
    """Row positions holding each (group, age band) pair once: long-format input repeats the bands."""
    if age_band is None:
        raise ValueError("age_band is required with event_frequency (rows repeat each age band)")
    bands = np.asarray(age_band)
    _require(bands.shape == (length,), "age_band must have one value per row")
    band_index = np.unique(bands, return_inverse=True)[1].reshape(-1)
    pairs = inverse.astype(np.int64) * (int(band_index.max(initial=0)) + 1) + band_index
    return np.unique(pairs, return_index=True)[1]


def dsr_result(
    count: ArrayLike,
    population: ArrayLike,
    standard_population: ArrayLike,
    group: ArrayLike,
    confidence: float = 0.95,
    multiplier: float = 100000,
    *,
    event_frequency: ArrayLike | None = None,
    age_band: ArrayLike | None = None,
) -> DsrResult:
    """Directly standardised rate per group, Dobson limits (``calculate_dsr``); see :func:`dsr`."""
    x, n = _floats(count, "count"), _floats(population, "population")
    w = _floats(standard_population, "standard_population")
    length = _same_length(count=x, population=n, standard_population=w)
    _check_non_negative(x, "count")
    _require(not np.any(np.isnan(n) | (n <= 0)), "population must be greater than zero and not missing")
    _require(not np.any(np.isnan(w) | (w < 0)), "standard_population must be zero or more and not missing")
    keys, inverse = _group_index(group, length)
    x = np.nan_to_num(x, nan=0.0)
    frequency = np.ones(length)
    band_rows = np.arange(length)
    if event_frequency is not None:
        frequency = _floats(event_frequency, "event_frequency")
        _require(frequency.shape == (length,), "event_frequency must have one value per row")
        _require(not np.any(np.isnan(frequency) | (frequency <= 0)), "event_frequency must be positive")
        band_rows = _distinct_band_rows(inverse, age_band, length)
    n_groups = keys.shape[0]
    events = _group_sum(inverse, frequency * x, n_groups)
    total_w = _group_sum(inverse[band_rows], w[band_rows], n_groups)
    total_pop = _group_sum(inverse[band_rows], n[band_rows], n_groups)
    weighted = _group_sum(inverse, frequency * x * w / n, n_groups)
    variance = _group_sum(inverse, frequency**2 * x * (w / n) ** 2, n_groups) / total_w**2
    with np.errstate(divide="ignore", invalid="ignore"):
        value = weighted / total_w * multiplier
        byars_lower, byars_upper = byars_limits(events, confidence)
        scale = np.sqrt(variance / events) * multiplier
        lower = value + scale * (byars_lower - events)
        upper = value + scale * (byars_upper - events)
    small = events < _SMALL_COUNT
    value, lower, upper = (np.where(small, np.nan, part) for part in (value, lower, upper))
    return DsrResult(keys, events, total_pop, value, lower, upper)


def dsr(
    count: ArrayLike,
    population: ArrayLike,
    standard_population: ArrayLike,
    group: ArrayLike,
    confidence: float = 0.95,
    multiplier: float = 100000,
    *,
    event_frequency: ArrayLike | None = None,
    age_band: ArrayLike | None = None,
) -> Estimate:
    """Directly standardised rate per group with Dobson limits (``calculate_dsr``).

    Rows are age bands; results come one per distinct ``group`` key in sorted order (:func:`dsr_groups`).
    DSR = sum(x_i w_i / n_i) / sum(w_i) x multiplier, w = standard population (e.g. ESP2013). The limits
    scale Byars' limits of the total count O by sqrt(var / O) (Dobson et al. 1991). A missing count is
    0; value and limits are NaN when O < 10, as in the reference.

    Non-independent events (one person with several events): pass ``event_frequency`` (f) and
    ``age_band``; ``count`` is then the number of people with f events in that band, events are
    sum(f x persons) and the variance is sum(f^2 var_f) (the reference's ``independent_events=FALSE``).
    """
    result = dsr_result(
        count,
        population,
        standard_population,
        group,
        confidence,
        multiplier,
        event_frequency=event_frequency,
        age_band=age_band,
    )
    return result.value, result.lower, result.upper


def _reference_rates(
    reference_rate: ArrayLike | None,
    reference_count: ArrayLike | None,
    reference_population: ArrayLike | None,
) -> FloatArray:
    if reference_rate is not None:
        return _floats(reference_rate, "reference_rate")
    _require(
        reference_count is not None and reference_population is not None,
        "give reference_rate, or reference_count and reference_population",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return _floats(reference_count, "reference_count") / _floats(
            reference_population, "reference_population"
        )


def isr_result(
    observed: ArrayLike,
    population: ArrayLike,
    reference_rate: ArrayLike | None,
    group: ArrayLike,
    confidence: float = 0.95,
    *,
    reference_value: float | None = None,
    multiplier: float = 100000,
    reference_count: ArrayLike | None = None,
    reference_population: ArrayLike | None = None,
) -> IsrResult:
    """Indirect standardisation per group with observed and expected counts; see :func:`isr`."""
    x, n = _floats(observed, "observed"), _floats(population, "population")
    ref = _reference_rates(reference_rate, reference_count, reference_population)
    length = _same_length(observed=x, population=n, reference_rate=ref)
    _check_non_negative(x, "observed")
    _check_non_negative(n, "population")
    _check_non_negative(ref, "reference_rate")
    keys, inverse = _group_index(group, length)
    n_groups = keys.shape[0]
    obs = _group_sum(inverse, np.nan_to_num(x, nan=0.0), n_groups)
    expected = _group_sum(inverse, np.nan_to_num(ref * n, nan=0.0), n_groups)
    if reference_value is not None:
        scale = np.full(n_groups, float(reference_value))
        overall = np.full(n_groups, np.nan)
    else:
        _require(
            reference_count is not None and reference_population is not None,
            "an indirectly standardised rate needs reference_count and reference_population "
            "(or give reference_value for a ratio)",
        )
        ref_x = _floats(reference_count, "reference_count")
        ref_n = _floats(reference_population, "reference_population")
        _same_length(observed=x, reference_count=ref_x, reference_population=ref_n)
        overall = (
            _group_sum(inverse, np.nan_to_num(ref_x), n_groups)
            / _group_sum(inverse, np.nan_to_num(ref_n), n_groups)
            * multiplier
        )
        scale = overall
    lower, upper = poisson_limits(obs, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(expected > 0, scale / expected, np.nan)
    return IsrResult(keys, obs, expected, overall, obs * factor, lower * factor, upper * factor)


def isr(
    observed: ArrayLike,
    population: ArrayLike,
    reference_rate: ArrayLike | None,
    group: ArrayLike,
    confidence: float = 0.95,
    *,
    reference_value: float | None = None,
    multiplier: float = 100000,
    reference_count: ArrayLike | None = None,
    reference_population: ArrayLike | None = None,
) -> Estimate:
    """Indirectly standardised ratio or rate per sorted group (``calculate_ISRatio`` / ``calculate_ISRate``).

    Rows are age bands. ``reference_rate`` is the reference (e.g. England) rate per person in each band
    (or None to derive it from ``reference_count / reference_population``). Expected
    E = sum(reference_rate_i x population_i), missing terms counted as 0; observed O = sum(observed).

    * ``reference_value`` given: ratio O/E x reference_value (e.g. 100 for an SMR).
    * otherwise: rate O/E x overall reference rate, where the overall rate is
      sum(reference_count) / sum(reference_population) x multiplier over the group's rows.

    Limits: exact Poisson limits of O below 10 events, Byars from 10, scaled like the value. Use
    :func:`isr_result` for O, E and the overall reference rate.
    """
    result = isr_result(
        observed,
        population,
        reference_rate,
        group,
        confidence,
        reference_value=reference_value,
        multiplier=multiplier,
        reference_count=reference_count,
        reference_population=reference_population,
    )
    return result.value, result.lower, result.upper


# --------------------------------------------------------------------------------------------------
# Benchmarking
# --------------------------------------------------------------------------------------------------


def _check_polarity(polarity: str) -> None:
    _require(polarity in POLARITIES, f"polarity must be one of {POLARITIES}, got {polarity!r}")


def compare(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    benchmark: ArrayLike,
    polarity: str,
    method: str = "ci_overlap_95",
) -> np.ndarray:
    """Compare each value's confidence interval with a benchmark (Fingertips RAG rating).

    Lower limit above the benchmark -> higher; upper limit below -> lower; otherwise similar. Higher and
    lower become "better"/"worse" according to ``polarity``, or stay "higher"/"lower" for
    "no_judgement". Any missing value, limit or benchmark gives "not_compared". Arrays broadcast. The
    ``method`` ("ci_overlap_95" or "ci_overlap_998") documents which limits the caller passes.
    """
    _check_polarity(polarity)
    _require(method in COMPARISON_METHODS, f"method must be one of {COMPARISON_METHODS}, got {method!r}")
    v, lo, hi, bench = np.broadcast_arrays(
        _floats(value, "value"), _floats(lower, "lower"), _floats(upper, "upper"), _floats(benchmark)
    )
    missing = np.isnan(v) | np.isnan(lo) | np.isnan(hi) | np.isnan(bench)
    words = {
        "higher_is_better": ("better", "worse"),
        "lower_is_better": ("worse", "better"),
        "no_judgement": ("higher", "lower"),
    }[polarity]
    return np.select([missing, lo > bench, hi < bench], ["not_compared", *words], default="similar").astype(
        str
    )


def _quantiles_of(values: FloatArray, n_quantiles: int, invert: bool) -> FloatArray:
    """``phe_quantile`` for one group: rank ties="min", then bin the ranks into n_quantiles."""
    result = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    total = int(present.sum())
    if total < n_quantiles:
        return result
    ranked = _stats.rankdata(-values[present] if invert else values[present], method="min")
    q = np.floor((n_quantiles + 1) - np.ceil(((total + 1) - ranked) / (total / n_quantiles)))
    result[present] = np.where(q == 0, 1, q)
    return result


def quantiles(
    values: ArrayLike, n_quantiles: int, invert: bool | ArrayLike = True, group: ArrayLike | None = None
) -> FloatArray:
    """Quantile (1..n_quantiles) of each value within its group, as ``phe_quantile`` assigns them.

    With ``invert=True`` (the reference default) the highest value is in quantile 1; with False the
    lowest. ``invert`` may be given per row but must then be constant within each group. NaN values,
    and every value of a group with fewer than ``n_quantiles`` non-missing values, give NaN.
    """
    y = _floats(values).reshape(-1)
    _require(int(n_quantiles) >= 1, "n_quantiles must be at least 1")
    flags = np.broadcast_to(np.asarray(invert, dtype=bool), y.shape)
    inverse, _ = _optional_groups(group, y.shape[0])
    result = np.full(y.shape, np.nan)
    order = np.argsort(inverse, kind="stable")
    boundaries = np.flatnonzero(np.diff(inverse[order])) + 1
    for rows in np.split(order, boundaries):
        if rows.size == 0:
            continue
        group_flags = flags[rows]
        _require(
            bool(np.all(group_flags == group_flags[0])),
            "invert field values must take the same logical value for each data grouping set",
        )
        result[rows] = _quantiles_of(y[rows], int(n_quantiles), bool(group_flags[0]))
    return result


def quantile_compare(values: ArrayLike, polarity: str, n_quantiles: int = 5) -> np.ndarray:
    """Label each value "Q1".."Qn" for the "quintiles" benchmark method ("not_compared" if missing).

    Q1 is the best: the highest values for "higher_is_better" and the lowest for "lower_is_better".
    For "no_judgement" Q1 holds the highest values. Ranking follows :func:`quantiles`.
    """
    _check_polarity(polarity)
    q = quantiles(values, n_quantiles, invert=polarity != "lower_is_better")
    labels = np.array([f"Q{int(k)}" if not np.isnan(k) else "not_compared" for k in q.reshape(-1)], dtype=str)
    return labels.reshape(q.shape)


# --------------------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------------------


def _cochran_armitage(x: FloatArray, n: FloatArray, t: FloatArray) -> tuple[float, float]:
    """Chi-squared test for linear trend in proportions: (statistic, signed score)."""
    total = n.sum()
    p = x.sum() / total
    score = float(np.sum(t * (x - n * p)))
    variance = p * (1 - p) * (np.sum(n * t**2) - np.sum(n * t) ** 2 / total)
    return (score**2 / variance if variance > 0 else 0.0), score


def _poisson_trend(x: FloatArray, n: FloatArray, t: FloatArray) -> tuple[float, float]:
    """Score test for linear trend in Poisson rates (Breslow & Day 1987): (statistic, signed score)."""
    expected = n * x.sum() / n.sum()
    score = float(np.sum(t * (x - expected)))
    variance = np.sum(t**2 * expected) - np.sum(t * expected) ** 2 / expected.sum() if x.sum() > 0 else 0.0
    return (score**2 / variance if variance > 0 else 0.0), score


def trend(
    numerator: ArrayLike,
    denominator: ArrayLike,
    *,
    value_type: str = "proportion",
    polarity: str = "no_judgement",
    confidence: float = 0.999,
) -> str:
    """Fingertips-style recent trend over the latest five time-ordered points.

    * proportions: chi-squared test for linear trend (Cochran-Armitage) on numerator/denominator;
    * rates ("crude_rate"/"rate", and "dsr"/"isr"): the Poisson score test for linear trend in rates,
      with the denominator as person-time. For an ISR pass observed and expected counts; for a DSR pass
      the events and the derived denominator events x multiplier / DSR.

    Significance is two-sided at ``confidence`` (default 99.9%, as Fingertips uses for recent trends).
    Returns "increasing"/"decreasing"/"no_significant_change", or "cannot_be_calculated" when any of the
    last five points is missing or has a zero denominator (or there are fewer than five). With a
    ``polarity`` other than "no_judgement" the direction is labelled via :func:`trend_direction_label`.
    """
    _require(value_type in TREND_VALUE_TYPES, f"value_type must be one of {TREND_VALUE_TYPES}")
    _check_polarity(polarity)
    level = normalise_confidence(confidence)
    x, n = _floats(numerator, "numerator").reshape(-1), _floats(denominator, "denominator").reshape(-1)
    _require(x.shape == n.shape, "numerator and denominator must have the same length")
    _check_non_negative(x, "numerator")
    _check_non_negative(n, "denominator")
    if value_type == "proportion":
        _require(not np.any(x > n), "numerator must be less than or equal to denominator for a proportion")
    x, n = x[-TREND_POINTS:], n[-TREND_POINTS:]
    if x.size < TREND_POINTS or np.any(np.isnan(x) | np.isnan(n) | (n <= 0)):
        return "cannot_be_calculated"
    test = _cochran_armitage if value_type == "proportion" else _poisson_trend
    statistic, score = test(x, n, np.arange(TREND_POINTS, dtype=np.float64))
    if _stats.chi2.sf(statistic, 1) >= 1 - level or score == 0:
        return "no_significant_change"
    return trend_direction_label("increasing" if score > 0 else "decreasing", polarity)


def trend_direction_label(trend: str, polarity: str) -> str:
    """Combine a trend direction with the indicator's polarity.

    "increasing"/"decreasing" become e.g. "increasing_and_getting_better" (or stay as they are for
    "no_judgement"); "no_significant_change" and "cannot_be_calculated" pass through.
    """
    _check_polarity(polarity)
    if trend in ("no_significant_change", "cannot_be_calculated"):
        return trend
    _require(trend in ("increasing", "decreasing"), f"unknown trend {trend!r}")
    if polarity == "no_judgement":
        return trend
    improving = (trend == "increasing") == (polarity == "higher_is_better")
    return f"{trend}_and_getting_{'better' if improving else 'worse'}"


# --------------------------------------------------------------------------------------------------
# Slope and relative index of inequality
# --------------------------------------------------------------------------------------------------


def _link(value_type: str) -> tuple[Link, Link]:
    """(transform, back-transform) for the value type: log for rates, logit for proportions."""
    if value_type == "rate":
        return np.log, np.exp
    if value_type == "proportion":
        return (lambda p: np.log(p / (1 - p))), (lambda y: 1 / (1 + np.exp(-y)))
    return (lambda y: y), (lambda y: y)


def _sii_inputs(
    quantile: ArrayLike,
    population: ArrayLike,
    value: ArrayLike | None,
    count: ArrayLike | None,
    value_type: str,
) -> tuple[np.ndarray, FloatArray, FloatArray]:
    q = np.asarray(quantile).reshape(-1)
    pop = _floats(population, "population").reshape(-1)
    _require(q.shape == pop.shape, "quantile and population must have the same length")
    _require(5 <= q.size <= 100, "the number of quantiles must be between 5 and 100")
    _require(np.unique(q).size == q.size, "each quantile must appear once")
    _require(not np.any(np.isnan(pop) | (pop <= 0)), "population must be greater than zero and not missing")
    if value is None:
        _require(value_type == "proportion" and count is not None, "give value (or count for a proportion)")
        y = _floats(count, "count").reshape(-1) / pop
    else:
        y = _floats(value, "value").reshape(-1)
    _require(y.shape == pop.shape and not np.any(np.isnan(y)), "value must be given for every quantile")
    if value_type == "proportion":
        _require(not np.any((y < 0) | (y > 1)), "proportions must be between 0 and 1")
    order = np.argsort(q, kind="stable")
    return order, pop, y


def _sii_standard_error(
    order: np.ndarray,
    transform_fn: Link,
    standard_error: ArrayLike | None,
    lower: ArrayLike | None,
    upper: ArrayLike | None,
    value_type: str,
) -> FloatArray:
    """The value's standard error on the transformed scale, given or from its 95% limits."""
    if standard_error is not None:
        se = _floats(standard_error, "standard_error").reshape(-1)[order]
        _require(not np.any(np.isnan(se) | (se < 0)), "standard_error must be zero or more and not missing")
        return se
    _require(lower is not None and upper is not None, "give standard_error, or lower and upper limits")
    lo, hi = _floats(lower, "lower").reshape(-1)[order], _floats(upper, "upper").reshape(-1)[order]
    _require(not np.any(np.isnan(lo) | np.isnan(hi)), "lower and upper limits must not be missing")
    if value_type == "proportion":
        _require(not np.any((lo < 0) | (lo > 1) | (hi < 0) | (hi > 1)), "proportion limits must be in [0, 1]")
    return (transform_fn(hi) - transform_fn(lo)) / (2 * _stats.norm.ppf(0.975))


def _order_statistic(samples: FloatArray, fraction: float) -> float:
    """The reference's percentile: the round(R x fraction)-th smallest of R simulations."""
    position = min(max(round(samples.size * fraction), 1), samples.size)
    return float(np.partition(samples, position - 1)[position - 1])


def sii(
    quantile: ArrayLike,
    population: ArrayLike,
    value: ArrayLike | None,
    *,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    standard_error: ArrayLike | None = None,
    value_type: str = "other",
    multiplier: float = 1,
    confidence: float = 0.95,
    repetitions: int = 10000,
    rii: bool = True,
    seed: int | np.random.Generator | None = None,
    transform: bool = False,
    count: ArrayLike | None = None,
) -> dict[str, float]:
    """Slope (SII) and relative (RII) index of inequality across ordered quantiles (``phe_sii``).

    Rows are the quantiles of one area (e.g. deprivation deciles, most deprived first by ``quantile``).
    Each quantile gets a relative rank b = midpoint of its cumulative population share a; the weighted
    regression sqrt(a) y = int sqrt(a) + slope b sqrt(a) gives SII = slope x multiplier and
    RII = (int + slope) / int (inverted when the multiplier is negative). With ``transform=True`` (rates
    or proportions) the regression runs on log/logit(y) and SII = (f(int + slope) - f(int)) x
    multiplier, RII = f(int + slope) / f(int), f the back-transform; ``intercept`` is f(int) then.

    Confidence limits come from a Monte Carlo simulation of each quantile's value from a normal
    distribution on the log (rate) or logit (proportion) scale with the given standard error (on that
    scale) or one derived from the 95% limits; ``seed`` makes it reproducible. For proportions ``value``
    may be None with ``count`` given (value = count / population).

    Returns ``sii, sii_lower, sii_upper, rii, rii_lower, rii_upper, intercept`` (RII entries NaN when
    ``rii=False``); the intercept is on the value's scale, not multiplied.
    """
    _require(value_type in SII_VALUE_TYPES, f"value_type must be one of {SII_VALUE_TYPES}")
    _require(not (transform and value_type == "other"), "transform applies only to rates and proportions")
    _require(int(repetitions) >= 1000, "repetitions must be 1000 or more")
    level = normalise_confidence(confidence)
    order, pop, y = _sii_inputs(quantile, population, value, count, value_type)
    pop, y = pop[order], y[order]
    forward, back = _link(value_type)
    se = _sii_standard_error(order, forward, standard_error, lower, upper, value_type)
    share = pop / pop.sum()
    root = np.sqrt(share)
    design = np.column_stack([root, (np.cumsum(share) - share / 2) * root])
    solver = np.linalg.solve(design.T @ design, design.T)  # least-squares coefficients = solver @ (root * y)

    def indices(samples: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        intercept, slope = solver @ (root[:, None] * (samples if transform else back(samples)))
        if transform:
            top, bottom = back(intercept + slope), back(intercept)
            return (top - bottom) * multiplier, top / bottom, bottom
        return slope * multiplier, (intercept + slope) / intercept, intercept

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        point = indices(np.asarray(forward(y))[:, None])
        rng = np.random.default_rng(seed)
        simulated = rng.normal(np.asarray(forward(y))[:, None], se[:, None], size=(y.size, int(repetitions)))
        sim_sii, sim_rii, _ = indices(simulated)
    sii_value, rii_value, intercept = (float(part[0]) for part in point)
    if multiplier < 0:
        rii_value, sim_rii = 1 / rii_value, 1 / sim_rii
    tail = (1 - level) / 2
    result = {
        "sii": sii_value,
        "sii_lower": _order_statistic(sim_sii, tail),
        "sii_upper": _order_statistic(sim_sii, 1 - tail),
        "rii": rii_value,
        "rii_lower": _order_statistic(sim_rii, tail),
        "rii_upper": _order_statistic(sim_rii, 1 - tail),
        "intercept": intercept,
    }
    if not rii:
        result.update(rii=np.nan, rii_lower=np.nan, rii_upper=np.nan)
    return result


# --------------------------------------------------------------------------------------------------
# Small-number suppression
# --------------------------------------------------------------------------------------------------


def suppress(
    counts: ArrayLike,
    threshold: float = 5,
    *,
    totals_groups: ArrayLike | None = None,
    suppress_zero: bool = False,
) -> NDArray[np.bool_]:
    """Cells to hide before publication (True = hide), with secondary suppression.

    Primary: counts from 1 to ``threshold`` - 1 (threshold 5 hides 1-4); zero too when
    ``suppress_zero``. Missing counts are not flagged (there is nothing to hide).

    Secondary: within each group of ``totals_groups`` (rows adding up to a published total), if exactly
    one cell is primarily suppressed the smallest other non-zero cell is hidden too, so the hidden value
    cannot be recovered as total minus the others. A published zero is never chosen as the partner (the
    hidden value would then equal the difference). If a group has no such partner its total must be
    suppressed by the caller. Two or more primary cells in a group are left as they are.
    """
    c = _floats(counts, "counts").reshape(-1)
    _check_non_negative(c, "counts")
    lowest = 0 if suppress_zero else 1
    hidden = (c >= lowest) & (c < threshold)
    if totals_groups is None:
        return hidden
    inverse, n_groups = _optional_groups(totals_groups, c.size)
    lone = np.bincount(inverse, weights=hidden, minlength=n_groups) == 1
    candidates = np.flatnonzero(~hidden & (c > 0) & lone[inverse])
    order = np.lexsort((c[candidates], inverse[candidates]))
    ranked = candidates[order]
    first = np.ones(ranked.size, dtype=bool)
    first[1:] = inverse[ranked][1:] != inverse[ranked][:-1]
    hidden[ranked[first]] = True
    return hidden
