"""The batch engine: ``xmr_many`` agrees with ``xmr`` and with a plain per-series Python oracle."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.performance import spc
from commissioning.performance.spc import Rules

BENCH = Path(__file__).resolve().parents[2] / "bench" / "spc.py"


def load_bench():
    """The benchmark script, whose per-series loop serves as a second, independent oracle."""
    spec = importlib.util.spec_from_file_location("bench_spc", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load_bench()

# Values on a coarse grid, so that ties (between points, and with the mean) are common.
values_strategy = st.lists(st.integers(-8, 8).map(lambda v: v / 2), min_size=0, max_size=40)
rules_strategy = st.builds(
    Rules,
    beyond_limits=st.booleans(),
    run_length=st.one_of(st.none(), st.integers(2, 9)),
    trend_length=st.one_of(st.none(), st.integers(2, 9)),
    two_of_three=st.booleans(),
)
target_strategy = st.one_of(st.none(), st.integers(-8, 8).map(lambda v: v / 2))


def padded(series: list[list[float]]) -> np.ndarray:
    width = max([len(s) for s in series] + [1])
    out = np.full((len(series), width), np.nan)
    for i, values in enumerate(series):
        out[i, : len(values)] = values
    return out


def oracle(values, improvement, target, rules, screen, baseline):
    return bench.loop_xmr(
        [float(v) for v in values],
        bench.DIRECTIONS[improvement],
        math.nan if target is None else float(target),
        rules=rules,
        screen_outliers=screen,
        baseline_points=baseline,
    )


def assert_matches_oracle(batch: spc.XmrBatch, i: int, expected: dict) -> None:
    n = int(batch.lengths[i])
    assert batch.point_code[i, :n].tolist() == expected["codes"]
    assert batch.rule_mask[i, :n].tolist() == expected["masks"]
    assert batch.side[i, :n].tolist() == expected["sides"]
    assert int(batch.variation[i]) == expected["variation"]
    assert int(batch.assurance[i]) == expected["assurance"]
    for name in ("mean", "lpl", "upl"):
        ours, theirs = float(getattr(batch, name)[i]), expected[name]
        assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs, name


@settings(max_examples=300, deadline=None)
@given(
    series=st.lists(
        st.tuples(values_strategy, st.sampled_from(spc.IMPROVEMENTS), target_strategy), min_size=1, max_size=6
    ),
    rules=rules_strategy,
    screen=st.booleans(),
    baseline=st.one_of(st.none(), st.integers(12, 20)),
)
def test_batch_matches_single_series_and_the_oracle(series, rules, screen, baseline):
    values = padded([s[0] for s in series])
    improvements = [s[1] for s in series]
    targets = [math.nan if s[2] is None else s[2] for s in series]
    batch = spc.xmr_many(
        values, improvements, targets, rules=rules, screen_outliers=screen, baseline_points=baseline
    )
    for i, (row, improvement, target) in enumerate(series):
        single = spc.xmr(row, improvement, target, baseline, rules=rules, screen_outliers=screen)
        pd.testing.assert_frame_equal(batch.frame(i), single)
        assert batch.variation_icon(i) == spc.variation_icon(single, improvement)
        assert batch.assurance_icon(i) == spc.assurance_icon(single, improvement, target)
        assert_matches_oracle(batch, i, oracle(row, improvement, target, rules, screen, baseline))


def test_generated_kpi_series_match_the_oracle():
    data = bench.generate(3000, seed=7)
    batch = spc.xmr_many(data["values"], data["improvement"], data["targets"])
    series = [[v for v in row if not math.isnan(v)] for row in data["values"].tolist()]
    theirs = [
        oracle(row, improvement, target, Rules(), True, None)
        for row, improvement, target in zip(series, data["improvement"], data["targets"], strict=True)
    ]
    assert bench.agree(batch, theirs) == 0.0
    # the generated series exercise every rule, every point type and every icon
    for bit in range(len(spc.RULE_NAMES)):
        assert ((batch.rule_mask >> bit) & 1).any()
    assert set(np.unique(batch.point_code)) == {0, 1, 2, 3}
    assert set(np.unique(batch.variation)) == set(range(len(spc.VARIATIONS)))
    assert set(np.unique(batch.assurance)) == {spc.NO_ASSURANCE, 0, 1, 2}
    assert (batch.lengths < data["values"].shape[1]).any()


def test_generated_series_with_fixed_limits_and_other_rules_match_the_oracle():
    data = bench.generate(1000, seed=11)
    rules = Rules(run_length=8, trend_length=6, two_of_three=False)
    batch = spc.xmr_many(
        data["values"], "decrease", 100.0, rules=rules, screen_outliers=False, baseline_points=15
    )
    for i, row in enumerate(data["values"].tolist()):
        row = [v for v in row if not math.isnan(v)]
        assert_matches_oracle(batch, i, oracle(row, "decrease", 100.0, rules, False, 15))


def test_batch_arrays():
    values = np.array([[1.0, 2.0, 3.0, np.nan], [4.0, 3.0, 2.0, 1.0]])
    batch = spc.xmr_many(values, ["increase", "neutral"], [2.5, None])
    assert len(batch) == 2
    assert batch.lengths.tolist() == [3, 4]
    assert batch.mean.tolist() == [2.0, 2.5]
    for name in ("point_code", "side", "relative_to_mean", "rule_mask", "outside_limits", "close_to_limits"):
        assert getattr(batch, name).shape == (2, 4), name
    assert batch.point_code.dtype == np.int8
    assert batch.rule_mask.dtype == np.uint8
    assert batch.relative_to_mean[0].tolist() == [-1, 0, 1, 0]  # padding counts as nothing
    assert batch.direction.tolist() == [1, 0]
    assert batch.assurance_icon(0) == "inconsistent"
    assert batch.assurance_icon(1) is None
    assert batch.frame(0)["value"].tolist() == [1.0, 2.0, 3.0]
    assert (batch.frame(0)["target"] == 2.5).all()


def test_series_of_no_points_or_one_point():
    batch = spc.xmr_many(np.array([[np.nan, np.nan], [5.0, np.nan]]), targets=3)
    assert batch.lengths.tolist() == [0, 1]
    assert batch.frame(0).empty
    assert math.isnan(batch.mean[0]) and batch.mean[1] == 5
    assert batch.variation.tolist() == [0, 0]
    assert batch.assurance_icon(0) is None
    assert batch.assurance_icon(1) == "inconsistent"  # no limits yet: cannot be sure either way


def test_padding_must_come_at_the_end():
    with pytest.raises(ValueError, match="series 1 has a missing value before its last one"):
        spc.xmr_many([[1, 2, 3], [1, np.nan, 3]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": [[1, 2, np.inf]]}, "finite"),
        ({"values": [1, 2, 3]}, "two-dimensional"),
        ({"improvement": ["increase"]}, "one per series"),
        ({"improvement": ["increase", "upwards"]}, "improvement must be one of"),
        ({"improvement": "sideways"}, "improvement must be one of"),
        ({"targets": [1, 2, 3]}, "one per series"),
        ({"baseline_points": 6}, "at least 12"),
    ],
)
def test_batch_arguments_are_checked(kwargs, message):
    arguments = {"values": [[1, 2, 3], [3, 2, 1]], **kwargs}
    with pytest.raises(ValueError, match=message):
        spc.xmr_many(**arguments)


def test_a_points_first_array_is_not_modified():
    values = np.asfortranarray(np.array([[1.0, 2.0, np.nan], [3.0, 1.0, 2.0]]))
    before = values.copy()
    spc.xmr_many(values)
    np.testing.assert_array_equal(values, before)
