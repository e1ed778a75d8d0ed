"""Statistical process control: XmR charts the NHS *Making Data Count* way, vectorised with NumPy.

The method follows the reference implementation NHSRplotthedots (R, v0.2.2), so that a chart on the
platform shows the same limits, special causes and icons as the NHS's own tools.

**Limits.** Within each limits period (a *rebase group*) the centre line is the mean of the values
and the process limits are ``mean ± 2.66 × mean moving range`` (``lpl``/``upl``); the "2 sigma" lines
``near_lpl``/``near_upl`` are at ``mean ± (2/3 × 2.66) × mean moving range``. Moving ranges of at
least 3.267 × their average are screened out before the limits are set (as NHSRplotthedots does;
``screen_outliers=False`` gives the Excel tool's figures). With ``baseline_points`` only the first
that many points of each group set the mean and the moving ranges, and the limits stay fixed after.

**Special causes.** Each rule can be configured (:class:`Rules`, Making Data Count defaults):

1. ``beyond_limits`` - a point above the upper or below the lower process limit;
2. ``trend`` - 7 points in a row each strictly higher (or lower) than the one before; ties break it;
3. ``two_of_three`` - two of three consecutive points beyond the same 2 sigma line (inside the process
   limits), with all three on the same side of the mean; the points beyond the line are flagged;
4. ``run`` - 7 points in a row on the same side of the mean; a point on the mean breaks the run.

Every point of a trend or a run is flagged. ``rules`` lists all the rules a point triggers in that
precedence order; the first decides its ``label`` and direction (``side``: "high" for Above/Increasing,
"low" for Below/Decreasing). The point is a ``special_cause_improvement`` when that direction is the
improvement direction, ``special_cause_concern`` when opposite, ``special_cause_neutral`` when the
measure has no improvement direction. Rules never reach across a rebase boundary.

**Icons.** The variation icon comes from the last point with a value. The assurance icon compares
the target with the latest limits: beyond the limits on the good side the system is expected to pass
consistently, on the bad side to fail consistently, between them it will hit and miss.

**Missing values** (None or NaN) stay as rows of the result with a NaN value, no rule and
``common_cause``; they are left out of every calculation, and the points either side of a gap are
treated as neighbours (a moving range spans the gap and runs and trends carry on across it), as
NHSRplotthedots does by dropping them. ``baseline_points`` and the short-group warning count points
with a value.

Differences from the reference, all in corners it leaves undefined:

* a group whose moving ranges are all zero has limits on the mean (R's screening leaves them NaN);
* a point that belongs to a trend in one direction only is labelled with that direction (R looks at
  the next step, which can belong to another trend); at a peak or trough shared by a rising and a
  falling trend the later trend names it, as in R;
* the run and trend lengths and the use of each rule can be configured (fixed in R).

Two entry points share one vectorised core, which takes a batch of series padded at the end and
has no loop over them: :func:`xmr` for one series with rebasing and gaps (each limits period is a
series of the batch), and :func:`xmr_many` for many series at once. This module is deliberately
free of Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
CodeArray = NDArray[np.int8]
BoolArray = NDArray[np.bool_]

IMPROVEMENTS = ("increase", "decrease", "neutral")
POINT_TYPES = ("common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral")
#: Rule names in precedence order; bit ``1 << i`` of ``XmrBatch.rule_mask`` is ``RULE_NAMES[i]``.
RULE_NAMES = ("beyond_limits", "trend", "two_of_three", "run")
VARIATIONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)
ASSURANCES = ("pass", "fail", "inconsistent")
#: ``XmrBatch.assurance`` code when there is no assurance icon (no target, or a neutral measure).
NO_ASSURANCE = -1

VARIATION_LABELS = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause of improving nature where the measure is significantly HIGHER",
    "improvement_low": "Special cause of improving nature where the measure is significantly LOWER",
    "concern_high": "Special cause of concerning nature where the measure is significantly HIGHER",
    "concern_low": "Special cause of concerning nature where the measure is significantly LOWER",
    "neutral_high": "Special cause of neither improving nor concerning nature where the measure is "
    "significantly HIGHER",
    "neutral_low": "Special cause of neither improving nor concerning nature where the measure is "
    "significantly LOWER",
}
ASSURANCE_LABELS = {
    "pass": "The system is expected to consistently pass the target",
    "fail": "The system is expected to consistently fail the target",
    "inconsistent": "The system may achieve or fail the target subject to random variation (hit and miss)",
}

#: Process limits are this many mean moving ranges from the mean (3 sigma).
LIMIT = 2.66
#: The "2 sigma" lines used by the two-of-three rule.
NEAR_LIMIT = 2 * (LIMIT / 3)
#: Moving ranges at or above this many times their average are screened out of the limits.
OUTLIER_MOVING_RANGE = 3.267
#: The fewest points limits may be fixed after (as the reference requires).
MIN_BASELINE_POINTS = 12
#: Groups with fewer points than this carry a warning: their limits are not yet reliable.
SHORT_GROUP_POINTS = 13

COLUMNS = (
    "value",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "rebase_group",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "point_type",
    "side",
    "rules",
    "label",
    "target",
    "short_group_warning",
)

_DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}
_SIDES = np.array(["low", "", "high"], dtype=object)  # indexed by direction + 1
_NO_RULE = len(RULE_NAMES)


@dataclass(frozen=True)
class Rules:
    """Which special-cause rules apply, Making Data Count defaults; ``None`` switches a length rule off."""

    beyond_limits: bool = True
    run_length: int | None = 7
    trend_length: int | None = 7
    two_of_three: bool = True

    def __post_init__(self) -> None:
        for name in ("run_length", "trend_length"):
            length = getattr(self, name)
            if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 2):
                raise ValueError(f"{name} must be a whole number of at least 2, or None to switch it off")

    def labels(self) -> NDArray[Any]:
        """Label text by top rule (``RULE_NAMES`` index, then none) and direction (-1, 0, +1)."""
        trend, run = self.trend_length, self.run_length
        return np.array(
            [
                ["Below LCL", "Common Cause", "Above UCL"],
                [f"{trend} Point Trend (Decreasing)", "Common Cause", f"{trend} Point Trend (Increasing)"],
                ["2 in 3 Below CL", "Common Cause", "2 in 3 Above CL"],
                [f"{run} Points Below CL", "Common Cause", f"{run} Points Above CL"],
                ["Common Cause", "Common Cause", "Common Cause"],
            ],
            dtype=object,
        )


# Rule masks (0-15) to the tuple of rule names they hold and to their highest-precedence rule.
_RULE_TUPLES = [tuple(name for i, name in enumerate(RULE_NAMES) if mask >> i & 1) for mask in range(16)]
_TOP_RULE = np.array(
    [next((i for i in range(len(RULE_NAMES)) if mask >> i & 1), _NO_RULE) for mask in range(16)]
)


# --------------------------------------------------------------------------------------------------
# Rule building blocks. Points run along the first axis and series along the second (a 1-D array is
# one series): shifting whole blocks of rows keeps every step a single pass over contiguous memory.
# --------------------------------------------------------------------------------------------------


def all_back(flags: NDArray[Any], length: int) -> BoolArray:
    """Whether each point and the ``length - 1`` points before it are all set (False near the start)."""
    out = np.array(flags, dtype=bool)
    span = 1
    while span < length:  # doubling: log2(length) passes, each over the whole batch
        step = min(span, length - span)
        out[step:] &= out[:-step]
        out[:step] = False
        span += step
    return out


def any_ahead(flags: NDArray[Any], length: int) -> BoolArray:
    """Whether any of each point and the ``length - 1`` points after it is set."""
    out = np.array(flags, dtype=bool)
    span = 1
    while span < length:
        step = min(span, length - span)
        out[:-step] |= out[step:]
        span += step
    return out


def run_markers(relative_to_mean: NDArray[Any], length: int) -> BoolArray:
    """Points that end ``length`` points in a row on the same side of the mean."""
    relative = np.asarray(relative_to_mean)
    return all_back(relative > 0, length) | all_back(relative < 0, length)


def part_of(markers: NDArray[Any], length: int) -> BoolArray:
    """Points among the ``length`` points that end at a marker: every point of a run or trend."""
    return any_ahead(np.asarray(markers) != 0, length)


def steps(values: FloatArray) -> tuple[BoolArray, BoolArray]:
    """Whether each point is strictly above (below) the point before it; False for the first and
    next to a missing (NaN) point."""
    rises = np.zeros(values.shape, dtype=bool)
    falls = np.zeros(values.shape, dtype=bool)
    np.greater(values[1:], values[:-1], out=rises[1:])
    np.less(values[1:], values[:-1], out=falls[1:])
    return rises, falls


def trend_markers(values: ArrayLike, length: int) -> CodeArray:
    """+1 (-1) where a point ends ``length`` points in a row each higher (lower) than the last."""
    rises, falls = steps(np.asarray(values, dtype=float))
    return (all_back(rises, length - 1).view(np.int8) - all_back(falls, length - 1).view(np.int8)).astype(
        np.int8
    )


def in_two_of_three(close: NDArray[Any], relative_to_mean: NDArray[Any]) -> BoolArray:
    """Points in a window of three on one side of the mean with at least two close to a limit."""
    relative = np.asarray(relative_to_mean)
    return _in_two_of_three(np.asarray(close) != 0, relative > 0, relative < 0)


def _in_two_of_three(close: BoolArray, above: BoolArray, below: BoolArray) -> BoolArray:
    qualifies = np.zeros(close.shape, dtype=bool)
    if close.shape[0] >= 3:
        a, b, c = close[:-2], close[1:-1], close[2:]
        one_side = (above[:-2] & above[1:-1] & above[2:]) | (below[:-2] & below[1:-1] & below[2:])
        np.logical_and((a & b) | (a & c) | (b & c), one_side, out=qualifies[2:])
    return any_ahead(qualifies, 3)


def trend_direction(up: BoolArray, down: BoolArray, rises: BoolArray) -> BoolArray:
    """Whether a point of a trend belongs to a rising one.

    A point shared by a rising and a falling trend (a peak or a trough) goes with the later trend,
    the way its next step goes.
    """
    next_rises = np.zeros(rises.shape, dtype=bool)
    next_rises[:-1] = rises[1:]
    return up & (~down | next_rises)


def classify(
    above: BoolArray,
    below: BoolArray,
    beyond: BoolArray,
    trend: BoolArray,
    trend_high: BoolArray,
    two_of_three: BoolArray,
    run: BoolArray,
) -> tuple[NDArray[np.uint8], CodeArray]:
    """Each point's rule mask and side (+1 high, -1 low, 0 none) from the rules it triggers.

    The highest-precedence rule gives the side: a trend its own direction, the others the side of
    the mean the point is on.
    """
    rule_mask = beyond.astype(np.uint8)
    for bit, flags in ((2, trend), (4, two_of_three), (8, run)):
        rule_mask += flags.view(np.uint8) * np.uint8(bit)
    by_mean = beyond | (~trend & (two_of_three | run))
    high = (by_mean & above) | (~by_mean & trend & trend_high)
    low = (beyond | trend | two_of_three | run) & ~high
    return rule_mask, (high.view(np.int8) - low.view(np.int8)).astype(np.int8)


def labels(rule_mask: NDArray[Any], side: NDArray[Any], rules: Rules) -> NDArray[Any]:
    """The reference's label text for each point's highest-precedence rule, e.g. "Above UCL"."""
    mask, direction = np.asarray(rule_mask, dtype=np.int64), np.asarray(side, dtype=np.int64)
    return rules.labels()[_TOP_RULE[mask], direction + 1]


def _sum_points(terms: FloatArray) -> FloatArray:
    """Sums over the points of each series, added in order as a plain Python ``sum`` would.

    A loop over the points (not the series): NumPy's own sum may pair the terms differently, and
    the last bit of a mean decides whether a point equal to it is above, below or on it.
    """
    total = np.zeros(terms.shape[1:])
    for row in terms:
        total += row
    return total


# --------------------------------------------------------------------------------------------------
# The vectorised core
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class XmrBatch:
    """SPC of many series at once: per series (1-D) and per point (2-D, series × points) NumPy arrays.

    ``lengths[i]`` points of row ``i`` are real; the rest of the row is padding (NaN value, code 0,
    no rule). Codes index the module's tuples: ``point_code`` → ``POINT_TYPES``, ``side`` is -1 (low),
    0 or +1 (high), ``rule_mask`` has bit ``1 << i`` for ``RULE_NAMES[i]``, ``variation`` →
    ``VARIATIONS`` and ``assurance`` → ``ASSURANCES`` (``NO_ASSURANCE`` for none). A batch has one
    limits period per series, so the limits are per series.
    """

    values: FloatArray
    lengths: IntArray
    direction: CodeArray
    targets: FloatArray
    rules: Rules
    mean: FloatArray
    lpl: FloatArray
    upl: FloatArray
    near_lpl: FloatArray
    near_upl: FloatArray
    relative_to_mean: CodeArray
    outside_limits: BoolArray
    close_to_limits: BoolArray
    point_code: CodeArray
    side: CodeArray
    rule_mask: NDArray[np.uint8]
    variation: CodeArray
    assurance: CodeArray

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def variation_icon(self, i: int) -> str:
        return VARIATIONS[int(self.variation[i])]

    def assurance_icon(self, i: int) -> str | None:
        code = int(self.assurance[i])
        return None if code == NO_ASSURANCE else ASSURANCES[code]

    def frame(self, i: int) -> pd.DataFrame:
        """Series ``i`` as the table :func:`xmr` returns for the same values (padding dropped)."""
        n = int(self.lengths[i])
        return _assemble(
            self,
            values=self.values[i, :n],
            row=np.full(n, i, dtype=np.int64),
            col=np.arange(n, dtype=np.int64),
            group=np.zeros(n, dtype=np.int64),
            target=float(self.targets[i]),
        )


def _compute(
    points: FloatArray,
    lengths: IntArray,
    direction: CodeArray,
    targets: FloatArray,
    *,
    rules: Rules,
    screen_outliers: bool,
    baseline_points: int | None,
) -> XmrBatch:
    """Limits, rules, point types and icons of every series in ``points`` (points × series).

    Each series has ``lengths`` real points followed by NaN padding. Comparisons with NaN are
    false, so padding never counts as above, below, beyond or close to anything.
    """
    n_points, n_series = points.shape
    y = points
    valid = np.arange(n_points)[:, None] < lengths

    # Limits from the first ``baseline_points`` points of each series (all of them by default).
    fixed = n_points if baseline_points is None else min(baseline_points, n_points)
    n_fixed = np.minimum(lengths, fixed)
    n_moving = np.maximum(n_fixed - 1, 0)
    moving = np.subtract(y[1:fixed], y[: max(fixed - 1, 0)])
    np.abs(moving, out=moving)
    np.fmax(moving, 0.0, out=moving)  # padding (NaN) adds nothing to the sums below
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _sum_points(np.where(valid[:fixed], y[:fixed], 0.0)) / n_fixed
        average = _sum_points(moving) / n_moving
        if screen_outliers:
            # Padding (0) is never screened out, except when the average is 0 and every range goes:
            # then nothing is kept and the limits stay on the mean.
            screened = moving >= OUTLIER_MOVING_RANGE * average
            n_kept = n_moving - screened.sum(axis=0)
            np.copyto(moving, 0.0, where=screened)
            average = np.where(n_kept > 0, _sum_points(moving) / n_kept, average)
    lpl = mean - LIMIT * average
    upl = mean + LIMIT * average
    near_lpl = mean - NEAR_LIMIT * average
    near_upl = mean + NEAR_LIMIT * average

    above = y > mean
    below = y < mean
    outside = (y > upl) | (y < lpl)
    close = ((y < near_lpl) | (y > near_upl)) & ~outside

    none = np.zeros(y.shape, dtype=bool)
    beyond = outside if rules.beyond_limits else none
    trend, trend_high = none, none
    if rules.trend_length is not None:
        rises, falls = steps(y)
        up = any_ahead(all_back(rises, rules.trend_length - 1), rules.trend_length)
        down = any_ahead(all_back(falls, rules.trend_length - 1), rules.trend_length)
        trend = up | down
        trend_high = trend_direction(up, down, rises)
    two_of_three = close & _in_two_of_three(close, above, below) if rules.two_of_three else none
    run = none
    if rules.run_length is not None:
        length = rules.run_length
        run = any_ahead(all_back(above, length) | all_back(below, length), length)

    rule_mask, side = classify(above, below, beyond, trend, trend_high, two_of_three, run)
    high, low = side > 0, side < 0
    increase, decrease, neutral = direction > 0, direction < 0, direction == 0
    improvement = (high & increase) | (low & decrease)
    concern = (low & increase) | (high & decrease)
    point_code = (
        improvement.view(np.int8) + 2 * concern.view(np.int8) + 3 * ((rule_mask > 0) & neutral).view(np.int8)
    )

    has_points = lengths > 0
    variation = np.zeros(n_series, dtype=np.int8)
    if n_points:
        last, series = np.maximum(lengths - 1, 0), np.arange(n_series)
        last_code = np.where(has_points, point_code[last, series], 0)
        variation[:] = np.where(last_code == 0, 0, 2 * last_code - 1 + (side[last, series] < 0))
    assurance = _assurance_codes(lpl, upl, targets, direction)
    assurance = np.where(has_points, assurance, NO_ASSURANCE).astype(np.int8)

    # Per-point arrays are handed back series × points (views of the points-first arrays).
    return XmrBatch(
        values=y.T,
        lengths=lengths,
        direction=direction,
        targets=targets,
        rules=rules,
        mean=mean,
        lpl=lpl,
        upl=upl,
        near_lpl=near_lpl,
        near_upl=near_upl,
        relative_to_mean=(above.view(np.int8) - below.view(np.int8)).T,
        outside_limits=outside.T,
        close_to_limits=close.T,
        point_code=point_code.astype(np.int8).T,
        side=side.T,
        rule_mask=rule_mask.T,
        variation=variation,
        assurance=assurance,
    )


def _assurance_codes(lpl: FloatArray, upl: FloatArray, target: FloatArray, direction: CodeArray) -> CodeArray:
    """``ASSURANCES`` codes: a target beyond a limit is consistently passed or failed."""
    with np.errstate(invalid="ignore"):
        above, below = target > upl, target < lpl
    code = np.where(above, np.where(direction > 0, 1, 0), np.where(below, np.where(direction > 0, 0, 1), 2))
    return np.where(np.isnan(target) | (direction == 0), NO_ASSURANCE, code).astype(np.int8)


def _assemble(
    batch: XmrBatch,
    *,
    values: FloatArray,
    row: IntArray,
    col: IntArray,
    group: IntArray,
    target: float,
) -> pd.DataFrame:
    """The per-point table; ``row``/``col`` locate each point in the batch (``col`` -1: missing)."""
    present = col >= 0
    at = (row, np.where(present, col, 0))
    masks = np.where(present, batch.rule_mask[at], 0)
    side = np.where(present, batch.side[at], 0)
    code = np.where(present, batch.point_code[at], 0)
    return pd.DataFrame(
        {
            "value": values.astype(float),
            "mean": batch.mean[row],
            "lpl": batch.lpl[row],
            "upl": batch.upl[row],
            "near_lpl": batch.near_lpl[row],
            "near_upl": batch.near_upl[row],
            "rebase_group": group.astype(np.int64),
            "outside_limits": present & batch.outside_limits[at],
            "relative_to_mean": np.where(present, batch.relative_to_mean[at], 0).astype(np.int64),
            "close_to_limits": present & batch.close_to_limits[at],
            "point_type": np.array(POINT_TYPES, dtype=object)[code],
            "side": _SIDES[side + 1],
            "rules": pd.Series([_RULE_TUPLES[m] for m in masks.tolist()], dtype=object),
            "label": labels(masks, side, batch.rules),
            "target": np.full(len(values), target),
            "short_group_warning": batch.lengths[row] < SHORT_GROUP_POINTS,
        },
        columns=list(COLUMNS),
    )


# --------------------------------------------------------------------------------------------------
# Checking arguments
# --------------------------------------------------------------------------------------------------


def _direction(improvement: str) -> int:
    if improvement not in _DIRECTIONS:
        raise ValueError(f"improvement must be one of {', '.join(IMPROVEMENTS)}, not {improvement!r}")
    return _DIRECTIONS[improvement]


def _baseline(baseline_points: int | None) -> int | None:
    if baseline_points is None:
        return None
    if (
        isinstance(baseline_points, bool)
        or not isinstance(baseline_points, int | np.integer)
        or baseline_points < MIN_BASELINE_POINTS
    ):
        raise ValueError(
            f"baseline_points must be a whole number of at least {MIN_BASELINE_POINTS}: limits fixed on "
            "fewer points are not reliable"
        )
    return int(baseline_points)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_floats(values: Iterable[Any]) -> FloatArray:
    """A 1-D float array with NaN for each missing value (None, NaN, pandas NA)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        array = np.array([math.nan if _missing(v) else float(v) for v in values], dtype=float)
    if array.ndim != 1:
        raise ValueError("values must be a flat sequence of numbers")
    if np.isinf(array).any():
        raise ValueError("values must be finite numbers or missing")
    return array


def _float_or_nan(value: object) -> float:
    return math.nan if value is None or _missing(value) else float(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def xmr(
    values: Iterable[Any],
    improvement: str = "increase",
    target: Any = None,
    baseline_points: int | None = None,
    rebase_at: Iterable[int] = (),
    *,
    rules: Rules = Rules(),
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """The XmR chart of one series: a table of ``COLUMNS``, one row per value in the order given.

    ``values`` are numbers (int, float, Decimal) or None/NaN for a missing point. ``rebase_at`` holds
    0-based positions where a new limits period starts (position 0 changes nothing); groups are
    numbered from 0 in ``rebase_group``. ``baseline_points`` fixes each group's limits on its first
    that many points with a value (at least 12).
    """
    direction = _direction(improvement)
    baseline = _baseline(baseline_points)
    y = _as_floats(values)
    n = len(y)
    starts = sorted({int(p) for p in rebase_at})
    if starts and (starts[0] < 0 or starts[-1] >= n):
        raise ValueError(f"rebase_at positions must lie between 0 and {n - 1}")
    marks = np.zeros(n, dtype=np.int64)
    marks[[p for p in starts if p > 0]] = 1
    group = np.cumsum(marks)
    n_groups = int(group[-1]) + 1 if n else 1

    present = ~np.isnan(y)
    index = np.flatnonzero(present)
    owner = group[index]
    counts = np.bincount(owner, minlength=n_groups).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    col = np.full(n, -1, dtype=np.int64)
    col[index] = np.arange(len(index)) - offsets[owner]
    matrix = np.full((n_groups, max(int(counts.max()), 1)), np.nan)
    matrix[owner, col[index]] = y[index]

    target_value = _float_or_nan(target)
    batch = _compute(
        np.ascontiguousarray(matrix.T),
        counts,
        np.full(n_groups, direction, dtype=np.int8),
        np.full(n_groups, target_value),
        rules=rules,
        screen_outliers=screen_outliers,
        baseline_points=baseline,
    )
    return _assemble(batch, values=y, row=group, col=col, group=group, target=target_value)


def xmr_many(
    values: ArrayLike,
    improvement: str | Sequence[str] = "increase",
    targets: Any = None,
    *,
    rules: Rules = Rules(),
    screen_outliers: bool = True,
    baseline_points: int | None = None,
) -> XmrBatch:
    """SPC of many series at once, without a Python loop over them.

    ``values`` is a series × points array. Series may be shorter than the array is wide: pad them at
    the end with NaN; a NaN before a real value is an error (use :func:`xmr` for series with gaps or
    rebasing). ``improvement`` and ``targets`` (None, one number, or one per series with NaN/None for
    no target) apply to every series or give one per series. Results agree with :func:`xmr` on each
    row (see :meth:`XmrBatch.frame`).
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 2:
        raise ValueError("values must be a two-dimensional array: one row per series")
    n_series = y.shape[0]
    points = np.ascontiguousarray(y.T)  # points first: see the rule building blocks
    if np.isinf(points).any():
        raise ValueError("values must be finite numbers, with NaN only as padding at the end of a series")
    present = ~np.isnan(points)
    lengths = present.sum(axis=0).astype(np.int64)
    gaps = (present[1:] & ~present[:-1]).any(axis=0)
    if gaps.any():
        raise ValueError(
            f"series {int(np.flatnonzero(gaps)[0])} has a missing value before its last one: NaN is "
            "allowed only as padding at the end of a series"
        )

    if isinstance(improvement, str):
        direction = np.full(n_series, _direction(improvement), dtype=np.int8)
    else:
        names = np.asarray(improvement, dtype=object)
        if names.shape != (n_series,):
            raise ValueError("improvement must be one direction, or one per series")
        known = np.isin(names, IMPROVEMENTS)
        if not known.all():
            _direction(names[~known][0])
        direction = ((names == "increase").astype(np.int8) - (names == "decrease").astype(np.int8)).astype(
            np.int8
        )

    if targets is None:
        target_values = np.full(n_series, np.nan)
    elif np.ndim(targets) == 0:
        target_values = np.full(n_series, _float_or_nan(targets))
    else:
        target_values = np.asarray(targets, dtype=float)
        if target_values.shape != (n_series,):
            raise ValueError("targets must be one number, or one per series")

    return _compute(
        points,
        lengths,
        direction,
        target_values,
        rules=rules,
        screen_outliers=screen_outliers,
        baseline_points=_baseline(baseline_points),
    )


def _last_point(result: pd.DataFrame) -> pd.Series | None:
    present = result.index[result["value"].notna()]
    return None if len(present) == 0 else result.loc[present[-1]]


def variation_icon(result: pd.DataFrame, improvement: str) -> str:
    """The chart's variation icon (one of ``VARIATIONS``), from its last point with a value."""
    direction = _direction(improvement)
    last = _last_point(result)
    if last is None or last["point_type"] == "common_cause":
        return "common_cause"
    if (last["point_type"] == "special_cause_neutral") != (direction == 0):
        raise ValueError(f"the chart was not computed for improvement {improvement!r}")
    kind = str(last["point_type"]).removeprefix("special_cause_")
    return f"{kind}_{last['side']}"


def assurance_icon(result: pd.DataFrame, improvement: str, target: Any) -> str | None:
    """The chart's assurance icon (one of ``ASSURANCES``) from the latest limits, or None.

    None when there is no target or the measure has no improvement direction.
    """
    direction = _direction(improvement)
    last = _last_point(result)
    if last is None:
        return None
    code = _assurance_codes(
        np.array([last["lpl"]], dtype=float),
        np.array([last["upl"]], dtype=float),
        np.array([_float_or_nan(target)]),
        np.array([direction], dtype=np.int8),
    )[0]
    return None if code == NO_ASSURANCE else ASSURANCES[int(code)]
