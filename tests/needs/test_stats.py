"""Conformance tests of commissioning.needs.stats against PHEindicatormethods reference values.

The reference CSVs live in the shared folder beside the repository (see its README.md for what each
file holds and the tolerances used here); tests that need them are skipped when it is absent.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from commissioning.needs import stats

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
REL = 1e-9  # README: largest differences ~2e-14, recommended rel 1e-9

# Each confidence level, written both ways, and the suffix of the matching expected columns.
LEVELS = [(0.95, "95_0"), (0.998, "99_8"), (95, "95_0"), (99.8, "99_8")]


def reference(name: str, **read_csv_kwargs) -> pd.DataFrame:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference values not found at {REFERENCE} (shared/reference beside the repo)")
    return pd.read_csv(REFERENCE / name, **read_csv_kwargs)


def assert_close(actual, expected, rel: float = REL, abs_: float = 0.0) -> None:
    """Element-wise closeness with NaN == NaN."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=rel,
        atol=abs_,
        equal_nan=True,
    )


# --------------------------------------------------------------------------------------------------
# Confidence levels
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_level", "expected"),
    [(0.95, 0.95), (95, 0.95), (99.8, 0.998), (0.998, 0.998), (100, 1.0), (0.9, 0.9)],
)
def test_normalise_confidence_accepts_fractions_and_percentages(given_level, expected):
    assert stats.normalise_confidence(given_level) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("bad", [0.5, 0.89, 1.5, 89, 100.1, float("nan"), "high"])
def test_normalise_confidence_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="confidence"):
        stats.normalise_confidence(bad)


def test_z_value():
    assert stats.z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-12)
    assert stats.z_value(99.8) == pytest.approx(3.090232306167813, rel=1e-12)
    assert stats.CONFIDENCE_LEVELS == (0.95, 0.998)


# --------------------------------------------------------------------------------------------------
# Reference: Byars and Wilson helpers (README section 1)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_percentage", [False, True])
def test_byars_and_wilson_match_reference(as_percentage):
    table = reference("phe_byars_wilson.csv")
    table = table[table.asserted_by_tests]
    for row in table.itertuples():
        level = row.confidence * 100 if as_percentage else row.confidence
        if row.method == "Byars":
            lower, upper = stats.byars_limits(row.x, level)
        else:
            lower, upper = stats.wilson_limits(row.x, row.n, level)
        assert_close([lower, upper], [row.expected_lowercl, row.expected_uppercl])


def test_byars_lower_is_nan_when_negative():
    lower, upper = stats.byars_limits([1.0, 0.0], 0.998)
    assert np.isnan(lower).all()
    assert upper[0] == pytest.approx(9.362180217908362, rel=REL)  # sheet row 13 (upper only)


# --------------------------------------------------------------------------------------------------
# Reference: proportions and crude rates (README sections 2 and 3)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_proportion_matches_reference(level, suffix):
    table = reference("phe_proportion.csv")
    value, lower, upper = stats.proportion(table.numerator, table.denominator, level, table.multiplier)
    assert_close(value, table.value)
    assert_close(lower, table[f"lower{suffix}cl"])
    assert_close(upper, table[f"upper{suffix}cl"])
    assert np.isnan(value[16:]).all()  # rows 17-19 contain missing inputs


def _sum_by_area(table: pd.DataFrame) -> pd.DataFrame:
    """Grouped sums in which a missing value makes the group's sum missing (as R's sum)."""
    return table.groupby("area", sort=False)[["numerator", "denominator"]].agg(lambda s: s.sum(skipna=False))


def test_grouped_proportion_matches_reference():
    sums = _sum_by_area(reference("phe_proportion.csv"))
    expected = reference("phe_proportion_grouped_expected.csv").set_index("area").loc[sums.index]
    assert_close(sums.numerator, expected.numerator_sum)
    value, lower, upper = stats.proportion(sums.numerator, sums.denominator)
    assert_close(np.c_[value, lower, upper], expected[["value", "lowercl", "uppercl"]])


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_rate_matches_reference(level, suffix):
    table = reference("phe_rate.csv")
    value, lower, upper = stats.rate(table.numerator, table.denominator, level, table.multiplier)
    assert_close(value, table.value)
    assert_close(lower, table[f"lower{suffix}cl"])
    assert_close(upper, table[f"upper{suffix}cl"])


def test_grouped_rate_matches_reference():
    sums = _sum_by_area(reference("phe_rate.csv"))
    expected = reference("phe_rate_grouped_expected.csv").set_index("area").loc[sums.index]
    value, lower, upper = stats.rate(sums.numerator, sums.denominator)
    assert_close(np.c_[value, lower, upper], expected[["value", "lowercl", "uppercl"]])


# --------------------------------------------------------------------------------------------------
# Reference: means (README section 4)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_mean_matches_reference(level, suffix):
    values = reference("phe_mean_input.csv")
    expected = reference("phe_mean_expected.csv").set_index("area")
    columns = ["value", f"lower{suffix}cl", f"upper{suffix}cl"]
    grouped = np.c_[stats.mean(values["values"], values.area, level)]
    assert_close(grouped, expected.loc[["Area1", "Area2"], columns])
    overall = np.array(stats.mean(values["values"], confidence=level))
    assert_close(overall, expected.loc["No grouping", columns])


def test_mean_of_a_single_value_has_no_limits():
    value, lower, upper = stats.mean([3.0, 4.0, 10.0], ["a", "a", "b"])
    assert_close(value, [3.5, 10.0])
    assert np.isnan(lower[1]) and np.isnan(upper[1])
    assert np.isnan(stats.mean([1.0, np.nan])[0])


# --------------------------------------------------------------------------------------------------
# Reference: directly standardised rates (README section 5)
# --------------------------------------------------------------------------------------------------


def _dsr_expected(multiplier: int, independent: bool = True) -> pd.DataFrame:
    expected = reference("phe_dsr_expected.csv")
    chosen = expected[(expected.multiplier == multiplier) & (expected.independent_events == independent)]
    return chosen.set_index("area").sort_index()


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_dsr_matches_reference(level, suffix):
    rows = reference("phe_dsr_input.csv")
    expected = _dsr_expected(100000)
    result = stats.dsr_result(rows["count"], rows["pop"], rows.stdpop, rows.area, level)
    assert list(result.groups) == list(expected.index) == list(stats.dsr_groups(rows.area))
    assert_close(result.total_count, expected.total_count)
    assert_close(result.total_population, expected.total_pop)
    columns = ["value", f"lower{suffix}cl", f"upper{suffix}cl"]
    actual = pd.DataFrame(
        np.c_[result.value, result.lower, result.upper], index=result.groups, columns=columns
    )
    # testdata_1976's 99.8% columns are a known defect of the source sheet and were never asserted.
    asserted = [area for area in expected.index if suffix == "95_0" or area != "testdata_1976"]
    assert_close(actual.loc[asserted], expected.loc[asserted, columns])
    assert actual.loc["testdata_tiny"].isna().all()  # total count 9 < 10


def test_dsr_1976_defect_is_a_factor_of_ten():
    rows = reference("phe_dsr_input.csv")
    expected = _dsr_expected(100000).loc["testdata_1976"]
    _, lower, upper = stats.dsr(rows["count"], rows["pop"], rows.stdpop, rows.area, 0.998)
    index = list(stats.dsr_groups(rows.area)).index("testdata_1976")
    assert_close([lower[index] * 10, upper[index] * 10], [expected.lower99_8cl, expected.upper99_8cl])


def test_dsr_with_multiplier_10000_matches_reference():
    rows = reference("phe_dsr_input.csv")
    expected = _dsr_expected(10000)
    value, lower, upper = stats.dsr(rows["count"], rows["pop"], rows.stdpop, rows.area, 0.95, 10000)
    assert_close(np.c_[value, lower, upper], expected[["value", "lower95_0cl", "upper95_0cl"]])


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_dsr_for_non_independent_events_matches_reference(level, suffix):
    rows = reference("phe_dsr_nonindependent_input.csv")
    expected = _dsr_expected(100000, independent=False)
    result = stats.dsr_result(
        rows.persons_with_freq,
        rows["pop"],
        rows.stdpop,
        rows.area,
        level,
        event_frequency=rows.eventfreq,
        age_band=rows.ageband,
    )
    assert list(result.groups) == list(expected.index)
    assert_close(result.total_count, expected.total_count)
    assert_close(result.total_population, expected.total_pop)
    columns = ["value", f"lower{suffix}cl", f"upper{suffix}cl"]
    assert_close(np.c_[result.value, result.lower, result.upper], expected[columns], rel=1e-8)


def test_dsr_validation():
    with pytest.raises(ValueError, match="population"):
        stats.dsr([10, 20], [0, 100], [1, 1], ["a", "a"])
    with pytest.raises(ValueError, match="population"):
        stats.dsr([10, 20], [np.nan, 100], [1, 1], ["a", "a"])
    with pytest.raises(ValueError, match="standard_population"):
        stats.dsr([10, 20], [100, 100], [-1, 1], ["a", "a"])
    with pytest.raises(ValueError, match="count"):
        stats.dsr([-1, 20], [100, 100], [1, 1], ["a", "a"])
    with pytest.raises(ValueError, match="age_band"):
        stats.dsr([10, 20], [100, 100], [1, 1], ["a", "a"], event_frequency=[1, 2])


def test_dsr_treats_a_missing_count_as_zero_and_orders_groups():
    value, _, _ = stats.dsr([np.nan, 20, 30, 0], [100, 100, 100, 100], [1, 1, 1, 1], ["b", "b", "a", "a"])
    assert_close(value, [15000.0, 10000.0])  # groups "a", "b"


# --------------------------------------------------------------------------------------------------
# Reference: indirect standardisation (README section 6)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "suffix"), LEVELS)
def test_isr_matches_reference(level, suffix):
    expected_all = reference("phe_isr_expected.csv")
    for (function, scale, input_file), expected in expected_all.groupby(
        ["function", "multiplier_or_refvalue", "input_file"]
    ):
        rows = reference(input_file)
        arguments = {"reference_count": rows.refcount, "reference_population": rows.refpop}
        if function == "ISRatio":
            arguments["reference_value"] = scale
        else:
            arguments["multiplier"] = scale
        result = stats.isr_result(rows["count"], rows["pop"], None, rows.area, level, **arguments)
        expected = expected.set_index("area").loc[result.groups]
        assert_close(result.observed, expected.observed)
        assert_close(result.expected, expected.expected)
        if function == "ISRate":
            assert_close(result.reference_rate, expected.ref_rate)
        actual = np.c_[result.value, result.lower, result.upper]
        columns = ["value", f"lower{suffix}cl", f"upper{suffix}cl"]
        if expected[columns].isna().any().any():  # zero-pop file: 95% only
            assert suffix == "99_8"
            continue
        assert_close(actual, expected[columns])


def test_isr_ratio_from_reference_rates_equals_ratio_from_counts():
    rows = reference("phe_isr_input.csv")
    ref_rate = rows.refcount / rows.refpop
    from_rates = stats.isr(rows["count"], rows["pop"], ref_rate, rows.area, reference_value=100)
    from_counts = stats.isr(
        rows["count"],
        rows["pop"],
        None,
        rows.area,
        reference_value=100,
        reference_count=rows.refcount,
        reference_population=rows.refpop,
    )
    assert_close(np.array(from_rates), np.array(from_counts))


def test_isr_rate_needs_reference_counts():
    with pytest.raises(ValueError, match="reference_count"):
        stats.isr([5, 6], [100, 100], [0.01, 0.02], ["a", "a"])


# --------------------------------------------------------------------------------------------------
# Reference: quantiles (README section 9)
# --------------------------------------------------------------------------------------------------


def test_quantiles_match_reference_exactly():
    table = reference("phe_quantiles.csv", keep_default_na=False, na_values=[""])
    actual = pd.Series(np.nan, index=table.index)
    for group_set, rows in table.groupby("GroupSet"):
        if group_set == "IndSexReg":
            actual[rows.index] = stats.quantiles(
                rows.value, 10, rows.invert, group=rows.IndSexRef + "|" + rows.ParentCode
            )
        elif group_set == "IndSex":
            actual[rows.index] = stats.quantiles(rows.value, 7, rows.invert, group=rows.IndSexRef)
        else:
            assert group_set == "None"
            actual[rows.index] = stats.quantiles(rows.value, 4)
    assert len(table) == 982
    np.testing.assert_array_equal(actual.to_numpy(), table.expected_quantile.to_numpy())


def test_quantiles_reject_mixed_invert_within_a_group():
    table = reference("phe_quantiles_error_mixed_invert_input.csv")
    with pytest.raises(ValueError, match="invert field values must take the same logical value"):
        stats.quantiles(table.value, 7, table.invert, group=table.IndSexRef)


def test_quantiles_ties_and_small_groups():
    q = stats.quantiles([10, 10, 8, 7, 6], 5)  # ties share the better (min) rank
    assert_close(q, [1, 1, 3, 4, 5])
    assert np.isnan(stats.quantiles([1, 2, 3], 5)).all()
    assert_close(stats.quantiles([1, 2, 3, 4, 5], 5, invert=False), [1, 2, 3, 4, 5])


# --------------------------------------------------------------------------------------------------
# Reference: slope and relative index of inequality (README section 10)
# --------------------------------------------------------------------------------------------------

SII_VALUE_TYPES = {0: "other", 1: "rate", 2: "proportion"}


def _sii_case_ids() -> list[str]:
    path = REFERENCE / "phe_sii_cases.csv"
    return list(pd.read_csv(path).case) if path.exists() else ["reference-missing"]


@pytest.mark.parametrize("case_id", _sii_case_ids())
def test_sii_matches_reference(case_id):
    cases = reference("phe_sii_cases.csv").set_index("case")
    data = reference("phe_sii_testdata.csv")
    case = cases.loc[case_id]
    first, last = (int(part) for part in case.input_records.split()[0].split("-"))
    rows = data[data.RecordNo.between(first, last)]
    levels = [float(level) for level in str(case.confidence).split(",")]
    areas = rows.Area.unique()
    expected_records = [int(record) for record in str(case.expected_records).split(",")]
    assert len(areas) == len(expected_records)
    for area, record in zip(areas, expected_records, strict=True):
        block = rows[rows.Area == area]
        expected = data[data.RecordNo == record].iloc[0]
        if case.ci_input_arg.startswith("se="):
            limits = {"standard_error": block.StandardError}
        else:
            limits = {"lower": block.LowerCL, "upper": block.UpperCL}
        for number, level in enumerate(levels, start=1):
            result = stats.sii(
                block.Quantile,
                block.Population,
                None if case.value_arg.startswith("x=") else block.Value,
                count=block.Count,
                value_type=SII_VALUE_TYPES[int(case.value_type)],
                multiplier=float(case.multiplier),
                confidence=level,
                repetitions=100000,
                rii=bool(case.rii),
                transform=bool(case["transform"]),
                seed=5,
                **limits,
            )
            assert result["sii"] == pytest.approx(expected.sii, abs=1e-6)
            if case_id == "quintiles":
                continue  # the sheet gives the SII only
            assert result["sii_lower"] == pytest.approx(expected[f"sii_lowercl_{number}"], rel=0.05)
            assert result["sii_upper"] == pytest.approx(expected[f"sii_uppercl_{number}"], rel=0.05)
            if case.rii:
                assert result["rii"] == pytest.approx(expected.rii, abs=1e-6)
                assert result["rii_lower"] == pytest.approx(expected[f"rii_lowercl_{number}"], rel=0.05)
                assert result["rii_upper"] == pytest.approx(expected[f"rii_uppercl_{number}"], rel=0.05)
            else:
                assert math.isnan(result["rii"])
            if case.intercept:
                assert result["intercept"] == pytest.approx(expected.Intercept, abs=1e-6)


def test_sii_is_reproducible_with_a_seed_and_validates_inputs():
    quantile, population = np.arange(1, 6), np.full(5, 1000.0)
    value, se = np.array([10.0, 9.0, 8.0, 7.0, 6.0]), np.full(5, 0.5)
    first = stats.sii(quantile, population, value, standard_error=se, seed=1, repetitions=2000)
    second = stats.sii(quantile[::-1], population, value[::-1], standard_error=se, seed=1, repetitions=2000)
    assert first == second  # rows are put in quantile order
    assert first["sii"] == pytest.approx(-5.0)
    assert first["sii_lower"] < first["sii"] < first["sii_upper"]
    with pytest.raises(ValueError, match="population"):
        stats.sii(quantile, [0, 1, 1, 1, 1], value, standard_error=se)
    with pytest.raises(ValueError, match="quantiles"):
        stats.sii(quantile[:4], population[:4], value[:4], standard_error=se[:4])
    with pytest.raises(ValueError, match="standard_error"):
        stats.sii(quantile, population, value)


# --------------------------------------------------------------------------------------------------
# Edge cases and validation
# --------------------------------------------------------------------------------------------------


def test_zero_counts():
    value, lower, upper = stats.rate(0, 1000)
    assert (value, lower) == (0.0, 0.0)
    assert upper == pytest.approx(scipy_stats.chi2.ppf(0.975, 2) / 2 / 1000 * 100000, rel=1e-12)
    value, lower, upper = stats.proportion(0, 50)
    assert (value, lower) == (0.0, 0.0)
    assert 0 < upper < 0.1


def test_numerator_equal_to_denominator():
    value, lower, upper = stats.proportion([7, 1], [7, 1], 0.998, 100)
    assert_close(value, [100, 100])
    assert_close(upper, [100, 100], rel=0, abs_=0)
    assert np.all(lower < 100)


def test_tiny_denominators():
    value, lower, upper = stats.proportion(1, 1)
    assert value == 1 and upper == 1 and 0 < lower < 1
    value, lower, upper = stats.rate(3, 0.5, multiplier=1)  # counts above tiny person-time are allowed
    assert value == 6 and lower < 6 < upper


def test_confidence_of_one_gives_the_whole_range():
    lower, upper = stats.wilson_limits([65, 0.445], [100, 1], 1)
    assert_close(lower, [0, 0])
    assert_close(upper, [1, 1])
    assert_close(stats.wilson_limits(np.nan, 10, 100)[0], np.nan)


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [(-1, 10, "numerator"), (1, 0, "denominator"), (1, -5, "denominator"), (11, 10, "less than or equal")],
)
def test_proportion_validation(numerator, denominator, message):
    with pytest.raises(ValueError, match=message):
        stats.proportion([5, numerator], [10, denominator])


@pytest.mark.parametrize(("count", "denominator", "message"), [(-1, 10, "count"), (1, 0, "denominator")])
def test_rate_validation(count, denominator, message):
    with pytest.raises(ValueError, match=message):
        stats.rate(count, denominator)


def test_missing_inputs_propagate():
    for result in (stats.proportion([np.nan, 1], [10, np.nan]), stats.rate([np.nan, 10], [10, np.nan])):
        assert np.isnan(np.array(result)).all()


def test_poisson_limits_switch_from_exact_to_byars_at_ten():
    lower, upper = stats.poisson_limits([9, 10])
    exact = stats.exact_poisson_limits(9)
    byars = stats.byars_limits(10)
    assert_close([lower[0], upper[0], lower[1], upper[1]], [exact[0], exact[1], byars[0], byars[1]])


def test_european_standard_population():
    esp = stats.european_standard_population()
    assert tuple(esp) == stats.ESP2013_BANDS
    assert len(esp) == 19 and sum(esp.values()) == 100000
    assert esp["0-4"] == 5000 and esp["45-49"] == 7000 and esp["90+"] == 1000


def test_stats_module_does_not_import_django():
    tree = ast.parse(Path(stats.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {
        "__future__",
        "collections",
        "csv",
        "dataclasses",
        "pathlib",
        "typing",
        "numpy",
        "scipy",
    }


# --------------------------------------------------------------------------------------------------
# Benchmark comparison
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ("higher_is_better", ["better", "worse", "similar", "not_compared"]),
        ("lower_is_better", ["worse", "better", "similar", "not_compared"]),
        ("no_judgement", ["higher", "lower", "similar", "not_compared"]),
    ],
)
@pytest.mark.parametrize("method", stats.COMPARISON_METHODS)
def test_compare_each_polarity_and_method(polarity, expected, method):
    value = [60, 40, 50, 55]
    lower = [55, 35, 45, np.nan]
    upper = [65, 45, 55, 60]
    assert list(stats.compare(value, lower, upper, 50, polarity, method)) == expected


def test_compare_missing_benchmark_and_broadcasting():
    result = stats.compare([60, 60], [55, 55], [65, 65], [50, np.nan], "no_judgement")
    assert list(result) == ["higher", "not_compared"]
    assert list(stats.compare([np.nan], [1], [2], 0, "no_judgement")) == ["not_compared"]
    assert stats.compare(60, 50, 70, 50, "higher_is_better") == "similar"  # touching the benchmark


def test_compare_rejects_unknown_polarity_and_method():
    with pytest.raises(ValueError, match="polarity"):
        stats.compare(1, 0, 2, 1, "up")
    with pytest.raises(ValueError, match="method"):
        stats.compare(1, 0, 2, 1, "no_judgement", "quintiles")


def test_quantile_compare_labels_best_first():
    values = [1, 2, 3, 4, 5, np.nan]
    assert list(stats.quantile_compare(values, "higher_is_better")) == [
        "Q5",
        "Q4",
        "Q3",
        "Q2",
        "Q1",
        "not_compared",
    ]
    assert list(stats.quantile_compare(values, "lower_is_better")) == [
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "Q5",
        "not_compared",
    ]
    assert list(stats.quantile_compare(values, "no_judgement"))[4] == "Q1"
    assert list(stats.quantile_compare([1, 2, 3], "no_judgement")) == ["not_compared"] * 3


# --------------------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------------------

DENOMINATORS = [10000] * 5


@pytest.mark.parametrize("value_type", ["proportion", "crude_rate", "dsr", "isr"])
def test_trend_detects_clear_changes(value_type):
    assert stats.trend([100, 150, 200, 250, 300], DENOMINATORS, value_type=value_type) == "increasing"
    assert stats.trend([300, 250, 200, 150, 100], DENOMINATORS, value_type=value_type) == "decreasing"
    assert (
        stats.trend([200, 203, 198, 201, 199], DENOMINATORS, value_type=value_type) == "no_significant_change"
    )
    assert stats.trend([0, 0, 0, 0, 0], DENOMINATORS, value_type=value_type) == "no_significant_change"


def test_trend_uses_the_latest_five_points():
    history = [900, 10, 100, 150, 200, 250, 300]
    assert stats.trend(history, [10000] * 7) == "increasing"


def test_trend_cannot_be_calculated_without_five_usable_points():
    assert stats.trend([100, 150, 200, 250], [10000] * 4) == "cannot_be_calculated"
    assert stats.trend([100, np.nan, 200, 250, 300], DENOMINATORS) == "cannot_be_calculated"
    assert stats.trend([100, 150, 200, 250, 0], [1000, 1000, 1000, 1000, 0]) == "cannot_be_calculated"


def test_trend_significance_level():
    # A modest rise (chi-squared 9.5): significant at 95% but not at the default 99.9%.
    numerators, denominators = [100, 110, 120, 130, 140], [1000] * 5
    assert stats.trend(numerators, denominators, confidence=0.95) == "increasing"
    assert stats.trend(numerators, denominators) == "no_significant_change"


def test_trend_with_polarity_and_labels():
    rising = [100, 150, 200, 250, 300]
    assert stats.trend(rising, DENOMINATORS, polarity="higher_is_better") == "increasing_and_getting_better"
    assert stats.trend(rising, DENOMINATORS, polarity="lower_is_better") == "increasing_and_getting_worse"
    label = stats.trend_direction_label
    assert label("decreasing", "lower_is_better") == "decreasing_and_getting_better"
    assert label("decreasing", "higher_is_better") == "decreasing_and_getting_worse"
    assert label("increasing", "no_judgement") == "increasing"
    assert label("cannot_be_calculated", "higher_is_better") == "cannot_be_calculated"
    assert label("no_significant_change", "lower_is_better") == "no_significant_change"


def test_trend_validation():
    with pytest.raises(ValueError, match="value_type"):
        stats.trend([1] * 5, [2] * 5, value_type="median")
    with pytest.raises(ValueError, match="less than or equal"):
        stats.trend([1, 1, 1, 1, 5], [2] * 5)


# --------------------------------------------------------------------------------------------------
# Small-number suppression
# --------------------------------------------------------------------------------------------------


def test_primary_suppression():
    counts = [0, 1, 4, 5, 100, np.nan]
    assert list(stats.suppress(counts)) == [False, True, True, False, False, False]
    assert list(stats.suppress(counts, suppress_zero=True)) == [True, True, True, False, False, False]
    assert list(stats.suppress(counts, threshold=8)) == [False, True, True, True, False, False]


def test_secondary_suppression_protects_the_group_total():
    counts = np.array([3, 40, 12, 0, 25, 2, 2, 30, 50, 60, 70])
    groups = np.array(["a", "a", "a", "a", "a", "b", "b", "b", "c", "c", "c"])
    hidden = stats.suppress(counts, totals_groups=groups)
    # a: the 3 is hidden, and so is the 12 (smallest non-zero partner; the published 0 is not used)
    assert list(hidden[:5]) == [True, False, True, False, False]
    # b: two primary cells already hide each other; c: nothing to hide
    assert list(hidden[5:]) == [True, True, False, False, False, False]
    for key in np.unique(groups):
        in_group = groups == key
        # A single hidden cell could be recovered as the total minus the published cells.
        assert hidden[in_group].sum() != 1


def test_secondary_suppression_picks_the_next_smallest_cell():
    counts = [30, 9, 1, 8, 50]
    assert list(stats.suppress(counts, totals_groups=["g"] * 5)) == [False, False, True, True, False]


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------


@given(
    st.integers(min_value=1, max_value=10**7).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_wilson_limits_are_proportions_that_bracket_the_value_and_widen(pair):
    x, n = pair
    lower95, upper95 = stats.wilson_limits(x, n, 0.95)
    lower998, upper998 = stats.wilson_limits(x, n, 0.998)
    assert 0 <= lower998 <= lower95 <= x / n <= upper95 <= upper998 <= 1


@given(st.integers(min_value=0, max_value=10**6), st.floats(min_value=1, max_value=1e8))
def test_rate_limits_bracket_the_value_and_widen(count, denominator):
    value, lower95, upper95 = stats.rate(count, denominator)
    _, lower998, upper998 = stats.rate(count, denominator, 99.8)
    assert 0 <= lower998 <= lower95 <= value <= upper95 <= upper998
