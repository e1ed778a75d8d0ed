"""SPC for 100,000 KPI series: the vectorised engine against a plain Python loop.

Generates KPI series (seeded) of 36 monthly points the way providers' returns look: stable
processes, shifts in level, steady trends, one-off spikes, small counts (with ties and zero moving
ranges), a few flat series and some shorter series padded at the end. Each has an improvement
direction and most a target. Then computes the XmR chart of every series two ways in this process:

1. ours: ``commissioning.performance.spc.xmr_many`` on a series × points NumPy array (one pass
   over the whole batch, no loop over series);
2. loop: the same rules written plainly in Python, one series at a time, on lists.

Both take the best of several runs and must agree exactly: the same point type, rules and side for
every point, the same variation and assurance icon for every series, and limits to within 1e-9
(they are computed in the same order, so in practice to the last bit). Prints the times and last
``speedup_vs_loop=<x>`` (loop time / ours).

    uv run python bench/spc.py                 # 100,000 series (the measured figure)
    uv run python bench/spc.py --series 500
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from commissioning.performance import spc

POINTS = 36
KINDS = ("stable", "shift", "trend", "spikes", "counts", "flat")
KIND_SHARES = (0.38, 0.2, 0.15, 0.1, 0.15, 0.02)
DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}


def generate(n_series: int, n_points: int = POINTS, seed: int = 20260401) -> dict[str, Any]:
    """Series × points values (NaN padding at the end of short series), directions and targets."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_points)
    kind = rng.choice(len(KINDS), n_series, p=KIND_SHARES)
    level = rng.uniform(20, 500, n_series)
    scale = level * rng.uniform(0.02, 0.15, n_series)
    values = level[:, None] + rng.normal(0, 1, (n_series, n_points)) * scale[:, None]

    # Shifts: from a random month the level moves by 1.5 to 4 standard deviations either way.
    at = rng.integers(6, n_points - 6, n_series)
    jump = rng.uniform(1.5, 4, n_series) * rng.choice([-1, 1], n_series) * scale
    values += ((kind == 1)[:, None] & (t >= at[:, None])) * jump[:, None]

    # Trends: a steady climb or fall over 8 to 14 months, with less noise.
    start = rng.integers(0, n_points - 14, n_series)
    span = rng.integers(8, 15, n_series)
    slope = rng.uniform(0.5, 1.2, n_series) * rng.choice([-1, 1], n_series) * scale
    steps = np.clip(t - start[:, None], 0, span[:, None])
    quiet = (
        level[:, None] + steps * slope[:, None] + rng.normal(0, 0.25, (n_series, n_points)) * scale[:, None]
    )
    values = np.where((kind == 2)[:, None], quiet, values)

    # Spikes: one or two months far out of line.
    spiked = (kind == 3)[:, None] & (rng.random((n_series, n_points)) < 1.5 / n_points)
    values += (
        spiked
        * rng.uniform(3, 6, (n_series, n_points))
        * rng.choice([-1, 1], (n_series, n_points))
        * scale[:, None]
    )

    values = np.round(values, 1)
    # Small counts (complaints, incidents): integers, often equal to each other or to the mean.
    counts = kind == 4
    values[counts] = rng.poisson(
        rng.uniform(0.5, 12, int(counts.sum()))[:, None], (int(counts.sum()), n_points)
    )
    values[kind == 5] = np.round(level[kind == 5], 0)[:, None]

    # A tenth of the series started reporting later: shorter, padded with NaN at the end.
    lengths = np.where(rng.random(n_series) < 0.1, rng.integers(12, n_points, n_series), n_points)
    values[t >= lengths[:, None]] = np.nan

    improvement = np.array(list(DIRECTIONS))[rng.choice(3, n_series, p=(0.45, 0.45, 0.1))]
    targets = np.where(
        rng.random(n_series) < 0.7, np.round(level + rng.normal(0, 3, n_series) * scale, 1), np.nan
    )
    return {"values": values, "improvement": improvement, "targets": targets, "kind": kind}


# --------------------------------------------------------------------------------------------------
# The baseline: one series at a time, lists and loops, no NumPy.
# --------------------------------------------------------------------------------------------------


def loop_xmr(
    values: list[float],
    direction: int,
    target: float,
    *,
    rules: spc.Rules = spc.Rules(),  # noqa: B008
    screen_outliers: bool = True,
    baseline_points: int | None = None,
) -> dict[str, Any]:
    """The XmR chart of one series, written plainly: limits, per-point codes, icons."""
    n = len(values)
    fixed = values if baseline_points is None else values[:baseline_points]
    mean = sum(fixed) / len(fixed) if fixed else math.nan
    ranges = [abs(fixed[i] - fixed[i - 1]) for i in range(1, len(fixed))]
    average = sum(ranges) / len(ranges) if ranges else math.nan
    if screen_outliers and ranges:
        threshold = 3.267 * average
        kept = [r for r in ranges if r < threshold]
        if kept:
            average = sum(kept) / len(kept)
    lpl, upl = mean - 2.66 * average, mean + 2.66 * average
    near = 2 * (2.66 / 3)
    near_lpl, near_upl = mean - near * average, mean + near * average

    relative = [(v > mean) - (v < mean) for v in values]
    outside = [v > upl or v < lpl for v in values]
    close = [not outside[i] and (values[i] < near_lpl or values[i] > near_upl) for i in range(n)]
    beyond = outside if rules.beyond_limits else [False] * n

    up, down = [False] * n, [False] * n
    length = rules.trend_length
    if length is not None:
        for end in range(length - 1, n):
            first = end - length + 1
            if all(values[k] > values[k - 1] for k in range(first + 1, end + 1)):
                for k in range(first, end + 1):
                    up[k] = True
            if all(values[k] < values[k - 1] for k in range(first + 1, end + 1)):
                for k in range(first, end + 1):
                    down[k] = True
    trend = [up[i] or down[i] for i in range(n)]
    trend_side = [0] * n
    for i in range(n):
        if up[i] and down[i]:
            trend_side[i] = (values[i + 1] > values[i]) - (values[i + 1] < values[i])
        elif up[i]:
            trend_side[i] = 1
        elif down[i]:
            trend_side[i] = -1

    two = [False] * n
    if rules.two_of_three:
        for first in range(n - 2):
            window = range(first, first + 3)
            if sum(close[k] for k in window) >= 2 and abs(sum(relative[k] for k in window)) == 3:
                for k in window:
                    if close[k]:
                        two[k] = True

    run = [False] * n
    length = rules.run_length
    if length is not None:
        for end in range(length - 1, n):
            window = relative[end - length + 1 : end + 1]
            if window[0] != 0 and all(r == window[0] for r in window):
                for k in range(end - length + 1, end + 1):
                    run[k] = True

    masks, sides, codes = [], [], []
    for i in range(n):
        masks.append(beyond[i] | trend[i] << 1 | two[i] << 2 | run[i] << 3)
        if beyond[i]:
            side = relative[i]
        elif trend[i]:
            side = trend_side[i]
        elif two[i] or run[i]:
            side = relative[i]
        else:
            side = 0
        sides.append(side)
        if side == 0:
            codes.append(0)
        elif direction == 0:
            codes.append(3)
        else:
            codes.append(1 if side * direction > 0 else 2)

    variation = 0
    if n and codes[-1]:
        variation = 2 * codes[-1] - 1 + (sides[-1] < 0)
    assurance = spc.NO_ASSURANCE
    if n and direction != 0 and not math.isnan(target):
        if target > upl:
            assurance = 1 if direction > 0 else 0
        elif target < lpl:
            assurance = 0 if direction > 0 else 1
        else:
            assurance = 2
    return {
        "mean": mean,
        "lpl": lpl,
        "upl": upl,
        "codes": codes,
        "masks": masks,
        "sides": sides,
        "variation": variation,
        "assurance": assurance,
    }


def loop_all(series: list[list[float]], directions: list[int], targets: list[float]) -> list[dict[str, Any]]:
    return [loop_xmr(values, directions[i], targets[i]) for i, values in enumerate(series)]


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def agree(ours: spc.XmrBatch, theirs: list[dict[str, Any]]) -> float:
    """The largest difference between the two sets of limits; raises if they disagree on anything."""
    n_series, n_points = ours.point_code.shape
    codes = np.zeros((n_series, n_points), dtype=np.int8)
    masks = np.zeros((n_series, n_points), dtype=np.uint8)
    sides = np.zeros((n_series, n_points), dtype=np.int8)
    for i, result in enumerate(theirs):
        n = len(result["codes"])
        codes[i, :n], masks[i, :n], sides[i, :n] = result["codes"], result["masks"], result["sides"]
    assert (ours.point_code == codes).all(), "point types differ"
    assert (ours.rule_mask == masks).all(), "rules differ"
    assert (ours.side == sides).all(), "sides differ"
    assert (ours.variation == np.array([r["variation"] for r in theirs])).all(), "variation icons differ"
    assert (ours.assurance == np.array([r["assurance"] for r in theirs])).all(), "assurance icons differ"
    worst = 0.0
    for name in ("mean", "lpl", "upl"):
        expected = np.array([r[name] for r in theirs])
        mine = getattr(ours, name)
        assert (np.isnan(mine) == np.isnan(expected)).all(), name
        worst = max(worst, float(np.nanmax(np.abs(mine - expected) / np.maximum(1.0, np.abs(expected)))))
    assert worst < 1e-9, worst
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of the vectorised engine (best taken)")
    parser.add_argument("--loop-runs", type=int, default=2, help="runs of the Python loop (best taken)")
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(args.series)
    values, improvement, targets = data["values"], data["improvement"], data["targets"]
    series = [[float(v) for v in row if not math.isnan(v)] for row in values.tolist()]
    directions = [DIRECTIONS[name] for name in improvement.tolist()]
    target_list = [float(t) for t in targets.tolist()]
    took = time.perf_counter() - started
    print(f"generated {args.series:,} series of up to {values.shape[1]} points in {took:.2f} s")

    ours_time, ours = best_of(args.runs, lambda: spc.xmr_many(values, improvement, targets))
    loop_time, theirs = best_of(args.loop_runs, lambda: loop_all(series, directions, target_list))
    worst = agree(ours, theirs)

    special = int((ours.point_code > 0).sum())
    rule_counts = ", ".join(
        f"{name} {int(((ours.rule_mask >> i) & 1).sum()):,}" for i, name in enumerate(spc.RULE_NAMES)
    )
    variations = np.bincount(ours.variation, minlength=len(spc.VARIATIONS))
    print(f"points: {int(ours.lengths.sum()):,}, special causes {special:,} ({rule_counts})")
    print(
        "variation icons: "
        + ", ".join(f"{n} {int(c):,}" for n, c in zip(spc.VARIATIONS, variations, strict=True))
    )
    print(f"agreement with the loop: identical point types, rules and icons; limits max rel diff {worst:.2e}")
    print(f"vectorised engine (NumPy): {ours_time:.3f} s (best of {args.runs})")
    print(f"Python loop: {loop_time:.3f} s (best of {args.loop_runs})")
    print(f"speedup_vs_loop={loop_time / ours_time:.2f}")


if __name__ == "__main__":
    main()
