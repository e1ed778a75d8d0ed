"""The SPC engine's behaviour: limits, each rule and its boundaries, precedence, icons, gaps, rebasing."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from commissioning.performance import spc
from commissioning.performance.spc import Rules

ONLY_RUN = Rules(beyond_limits=False, trend_length=None, two_of_three=False)
ONLY_TREND = Rules(beyond_limits=False, run_length=None, two_of_three=False)
ONLY_TWO_OF_THREE = Rules(beyond_limits=False, run_length=None, trend_length=None)
# Twelve points alternating about 0: fixed as the baseline they give mean 0 and a mean moving range
# of 2, so upper limit 5.32 and upper 2 sigma line 3.5467 (and the same below), whatever follows.
BASE = [1, -1] * 6


def flagged(result: pd.DataFrame) -> list[int]:
    return result.index[result["point_type"] != "common_cause"].tolist()


def test_one_row_per_value_with_every_column():
    result = spc.xmr([3, 1, 4, 1, 5, 9, 2, 6])
    assert list(result.columns) == list(spc.COLUMNS)
    assert len(result) == 8
    assert result["value"].tolist() == [3, 1, 4, 1, 5, 9, 2, 6]
    assert result["rebase_group"].dtype == np.int64
    assert result["outside_limits"].dtype == bool
    assert set(result["point_type"]) <= set(spc.POINT_TYPES)
    assert all(isinstance(rules, tuple) for rules in result["rules"])


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    result = spc.xmr([1, 3, 2, 4, 3])
    # mean 2.6; moving ranges 2, 1, 2, 1 average 1.5 (none at 3.267 x 1.5 or above)
    assert result["mean"].iloc[0] == pytest.approx(2.6)
    assert result["upl"].iloc[0] == pytest.approx(2.6 + 2.66 * 1.5)
    assert result["lpl"].iloc[0] == pytest.approx(2.6 - 2.66 * 1.5)
    assert result["near_upl"].iloc[0] == pytest.approx(2.6 + 2 / 3 * 2.66 * 1.5)
    assert result["near_lpl"].iloc[0] == pytest.approx(2.6 - 2 / 3 * 2.66 * 1.5)
    assert result["mean"].nunique() == 1


def test_moving_ranges_of_3_267_times_the_average_are_screened_out_unless_asked_not_to():
    values = [0, 1] * 8 + [0, 40] + [41, 40] * 3
    mr = np.abs(np.diff(values))
    kept = mr[mr < 3.267 * mr.mean()]
    assert len(kept) == len(mr) - 1  # only the jump to 40 is screened out
    screened = spc.xmr(values)
    excel = spc.xmr(values, screen_outliers=False)
    mean = np.mean(values)
    assert screened["upl"].iloc[0] == pytest.approx(mean + 2.66 * kept.mean())
    assert excel["upl"].iloc[0] == pytest.approx(mean + 2.66 * mr.mean())


def test_a_moving_range_of_exactly_3_267_times_the_average_is_screened_out():
    jump = 4.027946162539813  # twelve ranges of 1 and this one average exactly jump / 3.267
    assert 3.267 * (sum([1.0] * 12 + [jump]) / 13) == jump
    values = [0, 1] * 6 + [0, jump]
    mean = spc.xmr(values)["mean"].iloc[0]
    assert spc.xmr(values)["upl"].iloc[0] == mean + 2.66 * 1.0
    excel = spc.xmr(values, screen_outliers=False)["upl"].iloc[0]
    assert excel == pytest.approx(mean + 2.66 * (12 + jump) / 13)


def test_a_flat_series_has_its_limits_on_the_mean_and_no_special_cause():
    result = spc.xmr([7] * 20)
    assert (result[["lpl", "upl", "near_lpl", "near_upl"]] == 7).all().all()
    assert (result["relative_to_mean"] == 0).all()
    assert flagged(result) == []


def test_a_single_point_has_no_limits():
    result = spc.xmr([5])
    assert result["mean"].iloc[0] == 5
    assert math.isnan(result["upl"].iloc[0])
    assert result["point_type"].iloc[0] == "common_cause"


def test_no_values_give_an_empty_table():
    result = spc.xmr([])
    assert list(result.columns) == list(spc.COLUMNS)
    assert result.empty
    assert spc.variation_icon(result, "increase") == "common_cause"
    assert spc.assurance_icon(result, "increase", 3) is None


# --------------------------------------------------------------------------------------------------
# Beyond the process limits
# --------------------------------------------------------------------------------------------------


def test_a_point_beyond_a_limit_is_a_special_cause():
    result = spc.xmr([1, -1] * 8 + [12])
    assert flagged(result) == [16]
    last = result.iloc[-1]
    assert last["outside_limits"]
    assert last["rules"] == ("beyond_limits",)
    assert last["label"] == "Above UCL"
    assert last["side"] == "high"
    assert last["point_type"] == "special_cause_improvement"
    low = spc.xmr([1, -1] * 8 + [-12], "increase").iloc[-1]
    assert (low["label"], low["side"], low["point_type"]) == ("Below LCL", "low", "special_cause_concern")


def test_a_point_exactly_on_a_limit_or_2_sigma_line_is_inside_it():
    limits = spc.xmr(BASE).iloc[0]
    upl, lpl, near = limits["upl"], limits["lpl"], limits["near_upl"]
    after = [
        upl,
        np.nextafter(upl, np.inf),
        0,
        lpl,
        np.nextafter(lpl, -np.inf),
        0,
        near,
        np.nextafter(near, np.inf),
    ]
    result = spc.xmr(BASE + after, baseline_points=12).iloc[12:]
    assert result["outside_limits"].tolist() == [False, True, False, False, True, False, False, False]
    assert result["close_to_limits"].tolist() == [True, False, False, True, False, False, False, True]
    assert result["mean"].iloc[0] == 0 and result["upl"].iloc[0] == upl


def test_beyond_limits_can_be_switched_off():
    result = spc.xmr([1, -1] * 8 + [12], rules=Rules(beyond_limits=False))
    assert result["outside_limits"].iloc[-1]
    assert flagged(result) == []


# --------------------------------------------------------------------------------------------------
# Runs on one side of the mean
# --------------------------------------------------------------------------------------------------


def test_seven_points_on_one_side_of_the_mean_are_a_run():
    values = [1, -1] * 3 + [2] * 7 + [-2] * 7 + [1, -1] * 3
    result = spc.xmr(values, rules=ONLY_RUN)
    assert result["mean"].iloc[0] == 0
    assert flagged(result) == list(range(6, 20))
    assert set(result["label"].iloc[6:13]) == {"7 Points Above CL"}
    assert set(result["label"].iloc[13:20]) == {"7 Points Below CL"}
    assert set(result["side"].iloc[6:13]) == {"high"}
    assert set(result["rules"].iloc[13:20]) == {("run",)}


def test_six_points_on_one_side_are_not_a_run():
    values = [1, -1] * 3 + [2] * 6 + [-2] * 6 + [1, -1] * 3
    assert flagged(spc.xmr(values, rules=ONLY_RUN)) == []


def test_a_point_on_the_mean_breaks_a_run():
    values = [1, -1] * 3 + [2, 2, 2, 0, 2, 2, 2, 2] + [-2] * 7 + [1, -1] * 3
    result = spc.xmr(values, rules=ONLY_RUN)
    assert result["mean"].iloc[0] == 0
    assert result["relative_to_mean"].iloc[9] == 0
    assert flagged(result) == list(range(14, 21))


def test_the_run_length_can_be_configured():
    values = [1, -1] * 3 + [2] * 7 + [-2] * 6 + [1, -1] * 3
    assert flagged(spc.xmr(values, rules=ONLY_RUN)) == list(range(6, 13))
    assert flagged(spc.xmr(values, rules=replace(ONLY_RUN, run_length=8))) == []
    six = spc.xmr(values, rules=replace(ONLY_RUN, run_length=6))
    assert flagged(six) == list(range(6, 19))
    assert six["label"].iloc[15] == "6 Points Below CL"
    assert flagged(spc.xmr(values, rules=Rules(run_length=None, trend_length=None, two_of_three=False))) == []


# --------------------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------------------


def test_seven_points_each_higher_than_the_last_are_a_trend():
    result = spc.xmr([5, 3, 5, 3, 1, 2, 3, 4, 5, 6, 7, 3, 5, 3, 5], rules=ONLY_TREND)
    assert flagged(result) == list(range(4, 11))
    assert set(result["label"].iloc[4:11]) == {"7 Point Trend (Increasing)"}
    assert set(result["rules"].iloc[4:11]) == {("trend",)}
    # trends are judged by their own direction, not by the side of the mean the points are on
    assert result["relative_to_mean"].iloc[4] == -1
    assert result["point_type"].iloc[4] == "special_cause_improvement"


def test_a_falling_trend_is_flagged_low():
    result = spc.xmr([3, 5, 3, 5, 7, 6, 5, 4, 3, 2, 1, 5, 3, 5, 3], "increase", rules=ONLY_TREND)
    assert flagged(result) == list(range(4, 11))
    assert set(result["label"].iloc[4:11]) == {"7 Point Trend (Decreasing)"}
    assert set(result["point_type"].iloc[4:11]) == {"special_cause_concern"}


def test_a_tie_breaks_a_trend_and_six_points_are_not_one():
    assert flagged(spc.xmr([5, 3, 5, 3, 1, 2, 3, 3, 4, 5, 6, 7, 3, 5], rules=ONLY_TREND)) == []
    assert flagged(spc.xmr([5, 3, 5, 3, 1, 2, 3, 4, 5, 6, 3, 5, 3], rules=ONLY_TREND)) == []


def test_the_trend_length_can_be_configured():
    values = [5, 3, 5, 3, 1, 2, 3, 4, 5, 6, 3, 5, 3]
    result = spc.xmr(values, rules=replace(ONLY_TREND, trend_length=6))
    assert flagged(result) == list(range(4, 10))
    assert result["label"].iloc[4] == "6 Point Trend (Increasing)"


def test_a_peak_shared_by_two_trends_goes_with_the_later_one():
    result = spc.xmr([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], rules=ONLY_TREND)
    assert flagged(result) == list(range(13))
    assert set(result["label"].iloc[:6]) == {"7 Point Trend (Increasing)"}
    assert set(result["label"].iloc[6:]) == {"7 Point Trend (Decreasing)"}


def test_a_point_of_one_rising_trend_is_labelled_rising_whatever_the_next_step():
    # The top of the first trend drops to the start of another rising trend; R would take the
    # drop and call the top "Decreasing".
    result = spc.xmr([1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6], rules=ONLY_TREND)
    assert flagged(result) == list(range(14))
    assert set(result["label"]) == {"7 Point Trend (Increasing)"}


# --------------------------------------------------------------------------------------------------
# Two of three beyond the 2 sigma line
# --------------------------------------------------------------------------------------------------


def test_two_of_three_points_beyond_the_same_2_sigma_line_are_flagged():
    after = [4, 1, 4, -1, 4, -1, 4, 1, -1, 1, 4, 4, 1, -1, -4, -1, -4, 1, 4, 6, 1, -1]
    result = spc.xmr(BASE + after, baseline_points=12, rules=ONLY_TWO_OF_THREE)
    close = [12 + i for i, v in enumerate(after) if v in (4, -4)]
    assert result.index[result["close_to_limits"]].tolist() == close
    # 4, 1, 4 above the mean: flagged. 4, -1, 4: the middle point is below, so not flagged.
    # 4, 4 then 1: flagged. -4, -1, -4: flagged low. 4, 6, 1: 6 is beyond the limit, not close.
    assert flagged(result) == [12, 14, 22, 23, 26, 28]
    assert result["label"][12] == "2 in 3 Above CL"
    assert result["label"][26] == "2 in 3 Below CL"
    assert result["rules"][22] == ("two_of_three",)
    assert result["point_type"][26] == "special_cause_concern"


def test_two_of_three_can_be_switched_off():
    after = [4, 1, 4, -1]
    result = spc.xmr(BASE + after, baseline_points=12, rules=Rules(two_of_three=False))
    assert flagged(result) == []


# --------------------------------------------------------------------------------------------------
# Precedence and direction
# --------------------------------------------------------------------------------------------------


def test_all_rules_a_point_triggers_are_listed_in_precedence_order():
    result = spc.xmr(BASE + [6] * 7, baseline_points=12)
    assert set(result["rules"].iloc[12:]) == {("beyond_limits", "run")}
    assert set(result["label"].iloc[12:]) == {"Above UCL"}

    result = spc.xmr([*BASE, 4, 1, 4, 1, 1, 1, 1], baseline_points=12)
    assert result["rules"][12] == ("two_of_three", "run")
    assert result["label"][12] == "2 in 3 Above CL"
    assert result["rules"][13] == ("run",)
    assert result["label"][13] == "7 Points Above CL"


def test_a_falling_trend_above_the_mean_is_a_concern_when_higher_is_better():
    values = [*BASE, 3.4, 3.0, 2.6, 2.2, 1.8, 1.4, 1.0]
    result = spc.xmr(values, "increase", baseline_points=12)
    assert (result["relative_to_mean"].iloc[12:] == 1).all()
    assert set(result["rules"].iloc[12:]) == {("trend", "run")}
    assert set(result["label"].iloc[12:]) == {"7 Point Trend (Decreasing)"}
    assert set(result["side"].iloc[12:]) == {"low"}
    assert set(result["point_type"].iloc[12:]) == {"special_cause_concern"}


@pytest.mark.parametrize(
    ("improvement", "high", "low"),
    [
        ("increase", "special_cause_improvement", "special_cause_concern"),
        ("decrease", "special_cause_concern", "special_cause_improvement"),
        ("neutral", "special_cause_neutral", "special_cause_neutral"),
    ],
)
def test_point_type_follows_the_improvement_direction(improvement, high, low):
    result = spc.xmr([1, -1] * 8 + [12, -12], improvement)
    assert result["point_type"].iloc[-2:].tolist() == [high, low]
    assert result["side"].iloc[-2:].tolist() == ["high", "low"]


# --------------------------------------------------------------------------------------------------
# Icons
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("improvement", "last", "icon"),
    [
        ("increase", 12, "improvement_high"),
        ("increase", -12, "concern_low"),
        ("decrease", 12, "concern_high"),
        ("decrease", -12, "improvement_low"),
        ("neutral", 12, "neutral_high"),
        ("neutral", -12, "neutral_low"),
        ("increase", 0, "common_cause"),
    ],
)
def test_variation_icon_comes_from_the_last_point(improvement, last, icon):
    result = spc.xmr([1, -1] * 8 + [last], improvement)
    assert spc.variation_icon(result, improvement) == icon
    assert icon in spc.VARIATION_LABELS


def test_variation_icon_skips_missing_points_at_the_end():
    result = spc.xmr([1, -1] * 8 + [12, None, None], "increase")
    assert spc.variation_icon(result, "increase") == "improvement_high"


def test_variation_icon_refuses_a_chart_computed_for_another_direction():
    result = spc.xmr([1, -1] * 8 + [12], "neutral")
    with pytest.raises(ValueError, match="improvement"):
        spc.variation_icon(result, "increase")


@pytest.mark.parametrize(
    ("improvement", "target", "icon"),
    [
        ("increase", -6, "pass"),
        ("increase", 6, "fail"),
        ("decrease", -6, "fail"),
        ("decrease", 6, "pass"),
        ("increase", 0, "inconsistent"),
        ("decrease", Decimal("2.5"), "inconsistent"),
        ("neutral", 6, None),
        ("increase", None, None),
        ("increase", math.nan, None),
    ],
)
def test_assurance_icon_compares_the_target_with_the_limits(improvement, target, icon):
    result = spc.xmr([1, -1] * 8, improvement, target=target)  # limits -5.32 and 5.32
    assert spc.assurance_icon(result, improvement, target) == icon
    assert icon is None or icon in spc.ASSURANCE_LABELS


def test_assurance_with_the_target_exactly_on_a_limit_is_hit_and_miss():
    result = spc.xmr([1, -1] * 8)
    assert spc.assurance_icon(result, "increase", result["upl"].iloc[0]) == "inconsistent"
    assert spc.assurance_icon(result, "increase", np.nextafter(result["upl"].iloc[0], np.inf)) == "fail"


def test_assurance_uses_the_latest_limits_period():
    values = [1, -1] * 8 + [21, 19] * 8
    result = spc.xmr(values, "increase", target=10, rebase_at=[16])
    assert result["upl"].iloc[0] < 10 < result["lpl"].iloc[-1]
    assert spc.assurance_icon(result, "increase", 10) == "pass"
    assert spc.assurance_icon(result.iloc[:16], "increase", 10) == "fail"


def test_labels_use_making_data_count_wording():
    assert set(spc.VARIATION_LABELS) == set(spc.VARIATIONS)
    assert set(spc.ASSURANCE_LABELS) == set(spc.ASSURANCES)
    assert spc.VARIATION_LABELS["concern_low"] == (
        "Special cause of concerning nature where the measure is significantly LOWER"
    )
    assert spc.ASSURANCE_LABELS["pass"] == "The system is expected to consistently pass the target"
    assert "hit and miss" in spc.ASSURANCE_LABELS["inconsistent"]


# --------------------------------------------------------------------------------------------------
# Missing values, rebasing, fixed limits, warnings
# --------------------------------------------------------------------------------------------------


def test_missing_values_stay_as_rows_and_are_left_out_of_the_calculation():
    values = [1, -1] * 3 + [None, 2, 2, 2, math.nan, 2, 2, 2, 2] + [-2] * 7 + [1, -1] * 3
    result = spc.xmr(values)
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    compact = spc.xmr(present)
    gaps = [6, 10]
    assert len(result) == len(values)
    kept = result.drop(index=gaps).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, compact)
    missing = result.loc[gaps]
    assert missing["value"].isna().all()
    assert (missing["point_type"] == "common_cause").all()
    assert (missing["rules"] == ()).all()
    assert (missing["relative_to_mean"] == 0).all()
    assert (missing["mean"] == compact["mean"].iloc[0]).all()
    # the run of seven 2s carries on across the gap
    assert all("run" in rules for rules in result["rules"].iloc[7:15].drop(index=10))


def test_decimals_and_pandas_missing_values_are_accepted():
    decimals = spc.xmr([Decimal("1.5"), Decimal("2.25"), None, Decimal("3")], target=Decimal("2"))
    floats = spc.xmr([1.5, 2.25, math.nan, 3.0], target=2.0)
    pd.testing.assert_frame_equal(decimals, floats)
    nullable = spc.xmr(pd.array([1.5, 2.25, None, 3.0], dtype="Float64"), target=2.0)
    pd.testing.assert_frame_equal(nullable, floats)


def test_each_rebase_group_has_its_own_limits_and_rules():
    values = [1, -1] * 5 + [2] * 4 + [12, 8] * 6 + [10] * 3
    result = spc.xmr(values, rebase_at=[14])
    first, second = spc.xmr(values[:14]), spc.xmr(values[14:])
    assert result["rebase_group"].tolist() == [0] * 14 + [1] * 15
    pd.testing.assert_frame_equal(result.iloc[:14], first)
    pd.testing.assert_frame_equal(
        result.iloc[14:].reset_index(drop=True), second.assign(rebase_group=1), check_dtype=True
    )
    # the four 2s end the first group: no run reaches across the boundary into the second
    assert flagged(result.iloc[:14]) == []


def test_rebasing_at_several_positions_and_at_the_start():
    values = list(range(30))
    result = spc.xmr(values, rebase_at=[0, 20, 10, 20])
    assert result["rebase_group"].tolist() == [0] * 10 + [1] * 10 + [2] * 10
    assert result["mean"].unique().tolist() == [4.5, 14.5, 24.5]
    with pytest.raises(ValueError, match="rebase_at"):
        spc.xmr(values, rebase_at=[30])
    with pytest.raises(ValueError, match="rebase_at"):
        spc.xmr(values, rebase_at=[-1])


def test_fixed_limits_come_from_the_first_points_of_each_group():
    values = [1, -1] * 6 + [3] * 10 + [11, 9] * 6 + [13] * 7
    result = spc.xmr(values, baseline_points=12, rebase_at=[22])
    assert result["mean"].iloc[:22].eq(0).all()
    assert result["upl"].iloc[0] == pytest.approx(5.32)
    assert result["mean"].iloc[22:].eq(10).all()
    # the points after each baseline are still judged against the fixed limits
    assert flagged(result) == list(range(12, 22)) + list(range(34, 41))
    assert set(result["label"].iloc[34:]) == {"7 Points Above CL"}


@pytest.mark.parametrize("baseline", [11, 0, -3, 12.0, True])
def test_limits_need_a_baseline_of_at_least_12_points(baseline):
    with pytest.raises(ValueError, match="at least 12"):
        spc.xmr(range(30), baseline_points=baseline)


def test_short_groups_carry_a_warning():
    assert spc.xmr(range(12))["short_group_warning"].all()
    assert not spc.xmr(range(13))["short_group_warning"].any()
    values = [*range(13), None, *range(12)]
    warned = spc.xmr(values, rebase_at=[13])["short_group_warning"]
    assert not warned.iloc[:13].any() and warned.iloc[13:].all()


def test_target_column_repeats_the_target():
    assert (spc.xmr([1, 2, 3], target=Decimal("2.5"))["target"] == 2.5).all()
    assert spc.xmr([1, 2, 3])["target"].isna().all()


def test_an_unknown_improvement_direction_is_refused():
    with pytest.raises(ValueError, match="improvement must be one of increase, decrease, neutral"):
        spc.xmr([1, 2, 3], "up")
    with pytest.raises(ValueError, match="improvement must be one of"):
        spc.variation_icon(spc.xmr([1, 2, 3]), "higher")


@pytest.mark.parametrize("length", [1, 0, True, 2.5])
def test_rule_lengths_are_whole_numbers_of_at_least_2(length):
    with pytest.raises(ValueError, match="at least 2"):
        Rules(run_length=length)
    with pytest.raises(ValueError, match="at least 2"):
        Rules(trend_length=length)


def test_infinite_values_are_refused():
    with pytest.raises(ValueError, match="finite"):
        spc.xmr([1, math.inf, 2])
    with pytest.raises(ValueError, match="flat"):
        spc.xmr([[1, 2], [3, 4]])
