"""The analytics engine on DuckDB: hand-counted cells, every breakdown's labels, and the statistics."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from commissioning.needs import engine, stats
from commissioning.needs.engine import RecordIndicator

COLUMNS = ["area", "period", "sex", "age", "ethnicity", "decile", "smoker", "admitted", "never"]
# fmt: off
ROWS = [
    ("E1", 2020, "male",     3, "White", 1,  1, 0, 0),
    ("E1", 2020, "male",    47, "White", 1,  0, 1, 0),
    ("E1", 2020, "female",  47, "Asian", 2,  1, 1, 0),
    ("E1", 2020, "female",  89, "Asian", 10, 0, 0, 0),
    ("E1", 2020, "female",  90, None,    10, 1, 0, 0),
    ("E1", 2020, "male",   104, "White", None, 0, 1, 0),
    ("E1", 2021, "male",     5, "Black", 10, 1, 0, 0),
    ("E2", 2020, "female",   4, "White", 5,  0, 0, 0),
    ("E2", 2020, "male",     0, "Mixed", 5,  1, 0, 0),
]
# fmt: on
PCT = RecordIndicator("smoking", "smoker", "proportion", 100)
RATE = RecordIndicator("admissions", "admitted", "crude_rate", 1000)
DSR = RecordIndicator("admissions_dsr", "admitted", "dsr", 100000)
NEVER = RecordIndicator("never", "never", "proportion", 100)
LIMITS = ["lower_95", "upper_95", "lower_998", "upper_998"]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS).rename(columns={"area": "area_code"})
    frame["deprivation_decile"] = frame.pop("decile").astype("Int64")
    # Localities only where the area records them: E2's people count in all but that breakdown.
    frame["locality"] = frame["area_code"].map({"E1": "North", "A": "North"}).astype(object)
    return frame


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def small(con):
    return con.create_table("small", _frame(ROWS))


@pytest.fixture(scope="module")
def out(small):
    return engine.compute(small, [PCT, RATE, DSR, NEVER], breakdowns=engine.BREAKDOWNS)


def _one(frame: pd.DataFrame, **keys) -> pd.Series:
    keys = {"sex": "persons", "age": "All ages", "category_type": "", "category": "", **keys}
    mask = np.ones(len(frame), dtype=bool)
    for name, value in keys.items():
        mask &= (frame[name] == value).to_numpy()
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


def test_the_value_layout(out):
    assert list(out.columns) == list(engine.COLUMNS)
    assert out["count"].dtype == np.int64 and out["denominator"].dtype == np.int64
    headline = out[(out.sex == "persons") & (out.age == "All ages") & (out.category_type == "")]
    assert len(headline) == 4 * 3  # indicators x (E1 2020, E1 2021, E2 2020)
    assert out.iloc[0][["indicator_code", "area_code", "period", "sex", "age"]].tolist() == [
        "smoking", "E1", 2020, "persons", "All ages",
    ]  # fmt: skip


def test_headline_counts_by_hand(out):
    row = _one(out, indicator_code="smoking", area_code="E1", period=2020)
    assert (row["count"], row["denominator"]) == (3, 6)
    row = _one(out, indicator_code="admissions", area_code="E1", period=2020)
    assert (row["count"], row["denominator"]) == (3, 6)
    row = _one(out, indicator_code="smoking", area_code="E1", period=2021)
    assert (row["count"], row["denominator"]) == (1, 1)
    row = _one(out, indicator_code="smoking", area_code="E2", period=2020)
    assert (row["count"], row["denominator"]) == (1, 2)


def test_proportion_and_rate_values_come_from_stats(out):
    row = _one(out, indicator_code="smoking", area_code="E1", period=2020)
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        value, lower, upper = stats.proportion(3, 6, level, 100)
        assert row["value"] == pytest.approx(float(value), rel=1e-15) == 50.0
        assert row[f"lower_{suffix}"] == pytest.approx(float(lower), rel=1e-15)
        assert row[f"upper_{suffix}"] == pytest.approx(float(upper), rel=1e-15)
    row = _one(out, indicator_code="admissions", area_code="E1", period=2020)
    value, lower, upper = stats.rate(3, 6, 0.998, 1000)
    assert row["value"] == pytest.approx(500.0)
    assert (row["lower_998"], row["upper_998"]) == pytest.approx((float(lower), float(upper)), rel=1e-15)


def test_sex_rows_add_up_to_persons(out):
    sex = out[out.sex != "persons"]
    assert set(sex.sex) == {"male", "female"}
    assert set(sex.age) == {"All ages"} and set(sex.category_type) == {""}
    row = _one(out, indicator_code="smoking", area_code="E1", period=2020, sex="female")
    assert (row["count"], row["denominator"]) == (2, 3)
    totals = sex.groupby(["indicator_code", "area_code", "period"])[["count", "denominator"]].sum()
    headline = out[(out.sex == "persons") & (out.age == "All ages") & (out.category_type == "")]
    headline = headline.set_index(["indicator_code", "area_code", "period"])[["count", "denominator"]]
    pd.testing.assert_frame_equal(totals.sort_index(), headline.sort_index())
    # E1 2021 has no women: no row rather than a zero-denominator row.
    assert not ((out.area_code == "E1") & (out.period == 2021) & (out.sex == "female")).any()


def test_age_bands_follow_esp2013_with_90_plus(out):
    ages = out[(out.indicator_code == "smoking") & (out.age != "All ages")]
    assert set(ages.sex) == {"persons"} and set(ages.category_type) == {""}
    e1 = ages[(ages.area_code == "E1") & (ages.period == 2020)].set_index("age")["denominator"]
    # 3 -> 0-4; 47, 47 -> 45-49; 89 -> 85-89; 90 and 104 -> 90+
    assert e1.to_dict() == {"0-4": 1, "45-49": 2, "85-89": 1, "90+": 2}
    assert _one(out, indicator_code="smoking", area_code="E1", period=2021, age="5-9")["denominator"] == 1
    e2 = ages[(ages.area_code == "E2")].set_index("age")["denominator"]
    assert e2.to_dict() == {"0-4": 2}  # ages 0 and 4
    assert set(ages.age) <= set(stats.ESP2013_BANDS)


def test_dsr_age_rows_are_crude_rates(out):
    row = _one(out, indicator_code="admissions_dsr", area_code="E1", period=2020, age="45-49")
    _, lower, upper = stats.rate(2, 2, 0.95, 100000)
    assert (row["count"], row["denominator"]) == (2, 2)
    assert (row["value"], row["lower_95"], row["upper_95"]) == pytest.approx((100000.0, lower, upper))


def test_deprivation_deciles_are_labelled_and_add_up(out):
    assert engine.DECILE_LABELS[0] == "1 - most deprived"
    assert engine.DECILE_LABELS[-1] == "10 - least deprived"
    assert engine.DECILE_LABELS[1:9] == tuple(str(d) for d in range(2, 10))
    deciles = out[out.category_type == "Deprivation decile"]
    assert set(deciles.category) == {"1 - most deprived", "2", "5", "10 - least deprived"}
    assert set(deciles.sex) == {"persons"} and set(deciles.age) == {"All ages"}
    row = _one(out, indicator_code="smoking", area_code="E1", period=2020, **_decile(1))
    assert (row["count"], row["denominator"]) == (1, 2)
    row = _one(out, indicator_code="smoking", area_code="E1", period=2020, **_decile(10))
    assert (row["count"], row["denominator"]) == (1, 2)
    # E1 2020 has one record with no decile: it counts in the headline but in no decile.
    sums = deciles.groupby(["indicator_code", "area_code", "period"])["denominator"].sum()
    assert sums[("smoking", "E1", 2020)] == 5
    assert sums[("smoking", "E2", 2020)] == 2


def _decile(d: int) -> dict[str, str]:
    return {"category_type": "Deprivation decile", "category": engine.DECILE_LABELS[d - 1]}


def test_ethnic_groups(out):
    groups = out[(out.category_type == "Ethnic group") & (out.indicator_code == "smoking")]
    e1 = groups[(groups.area_code == "E1") & (groups.period == 2020)].set_index("category")
    assert e1["denominator"].to_dict() == {"Asian": 2, "White": 3}  # the record with none is left out
    assert e1["count"].to_dict() == {"Asian": 1, "White": 1}
    assert list(e1.index) == sorted(e1.index)


def test_a_flag_never_set(out):
    rows = out[out.indicator_code == "never"]
    assert (rows["count"] == 0).all() and (rows["value"] == 0).all()
    assert (rows["lower_95"] == 0).all() and (rows["upper_95"] > 0).all()
    assert (rows["upper_998"] > rows["upper_95"]).all()


def test_dsr_below_ten_events_is_not_published(out):
    row = _one(out, indicator_code="admissions_dsr", area_code="E1", period=2020)
    assert (row["count"], row["denominator"]) == (3, 6)
    assert row[["value", *LIMITS]].isna().all()


def test_default_breakdowns_are_sex_and_deprivation(small):
    out = engine.compute(small, [PCT])
    assert set(out.category_type) == {"", "Deprivation decile"}
    assert set(out.age) == {"All ages"}
    assert set(out.sex) == {"persons", "male", "female"}


def test_no_breakdowns_gives_only_headlines(small):
    out = engine.compute(small, [PCT, DSR], breakdowns=())
    assert len(out) == 2 * 3
    assert set(out.sex) == {"persons"} and set(out.category) == {""}


# --------------------------------------------------------------------------------------------------
# Directly standardised rates, against a hand formula and against stats.dsr on pandas-built bands
# --------------------------------------------------------------------------------------------------


def _banded(seed: int = 7, n: int = 4000) -> pd.DataFrame:
    """Enough people per cell for DSRs: two areas, two periods, every age band, some bands empty."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "area_code": rng.choice(["E06000001", "E06000002"], n),
            "period": rng.choice(["2021/22", "2022/23"], n),
            "sex": rng.choice(["male", "female"], n),
            "age": rng.integers(0, 100, n),
            "ethnicity": rng.choice(["Asian", "Black", "Mixed", "White", "Other"], n),
            "locality": rng.choice(["North", "South"], n),
            "deprivation_decile": rng.integers(1, 11, n),
        }
    )
    frame = frame[~((frame.area_code == "E06000002") & frame.age.between(60, 64))]  # a band with no one
    frame["admitted"] = (rng.random(len(frame)) < 0.05 + frame["age"] / 400).astype(int)
    frame["smoker"] = (rng.random(len(frame)) < 0.2).astype(int)
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def banded(con):
    frame = _banded()
    return frame, con.create_table("banded", frame)


def test_dsr_by_hand_when_every_band_has_the_same_rate(con):
    # 19 bands, each 20 people of whom 5 admitted: every age-specific rate is 25%, so is the DSR.
    rows = [
        ("A", 2020, "female", 5 * band + 1, "White", 3, 0, int(k < 5), 0)
        for band in range(19)
        for k in range(20)
    ]
    table = con.create_table("flat_rate", _frame(rows))
    out = engine.compute(table, [DSR], breakdowns=())
    row = out.iloc[0]
    assert (row["count"], row["denominator"]) == (95, 380)
    assert row["value"] == pytest.approx(25000.0, rel=1e-12)
    weights = np.array(list(stats.european_standard_population().values()), dtype=float)
    variance = np.sum(5 * (weights / 20) ** 2) / weights.sum() ** 2
    byars_lower = 95 * (1 - 1 / (9 * 95) - stats.z_value(0.95) / (3 * np.sqrt(95))) ** 3
    lower = 25000 + np.sqrt(variance / 95) * (byars_lower - 95) * 100000
    assert row["lower_95"] == pytest.approx(lower, rel=1e-12)


def test_every_row_matches_stats_on_independently_counted_cells(banded):
    frame, table = banded
    indicators = [PCT, RATE, DSR]
    out = engine.compute(table, indicators, breakdowns=engine.BREAKDOWNS)
    frame = frame.assign(
        band=np.minimum(frame.age, 90) // 5,
        decile_label=np.array(engine.DECILE_LABELS, dtype=object)[frame.deprivation_decile - 1],
    )
    weights = engine.european_standard_weights()
    checked = 0
    for row in out.itertuples(index=False):
        cell = frame[(frame.area_code == row.area_code) & (frame.period == row.period)]
        if row.sex != "persons":
            cell = cell[cell.sex == row.sex]
        if row.age != "All ages":
            cell = cell[cell.band == stats.ESP2013_BANDS.index(row.age)]
        if row.category_type == "Deprivation decile":
            cell = cell[cell.decile_label == row.category]
        elif row.category_type == "Ethnic group":
            cell = cell[cell.ethnicity == row.category]
        elif row.category_type == "Locality":
            cell = cell[cell.locality == row.category]
        indicator = next(i for i in indicators if i.code == row.indicator_code)
        count, persons = int(cell[indicator.flag].sum()), len(cell)
        assert (row.count, row.denominator) == (count, persons)
        if indicator.value_type == "dsr" and row.age == "All ages":
            bands = cell.groupby("band")[indicator.flag].agg(["sum", "size"])
            expected = [
                stats.dsr(bands["sum"], bands["size"], weights[bands.index], np.zeros(len(bands)), c, 100000)
                for c in (0.95, 0.998)
            ]
        else:
            method = stats.proportion if indicator.value_type == "proportion" else stats.rate
            expected = [method(count, persons, c, indicator.multiplier) for c in (0.95, 0.998)]
        got = [row.value, row.lower_95, row.upper_95, row.value, row.lower_998, row.upper_998]
        want = [float(np.ravel(part)[0]) for result in expected for part in result]
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
        checked += 1
    assert checked == len(out) > 400
    # the empty band is simply absent from E06000002's standardisation
    assert not ((out.area_code == "E06000002") & (out.age == "60-64")).any()


def test_proportions_and_rates_are_exactly_those_of_stats(banded):
    _, table = banded
    out = engine.compute(table, [PCT, RATE], breakdowns=engine.BREAKDOWNS)
    for indicator, method in ((PCT, stats.proportion), (RATE, stats.rate)):
        rows = out[out.indicator_code == indicator.code]
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            value, lower, upper = method(rows["count"], rows["denominator"], level, indicator.multiplier)
            np.testing.assert_array_equal(rows["value"], value)
            np.testing.assert_array_equal(rows[f"lower_{suffix}"], lower)
            np.testing.assert_array_equal(rows[f"upper_{suffix}"], upper)


def test_dsrs_exist_for_large_cells(banded):
    _, table = banded
    out = engine.compute(table, [DSR])
    headline = out[(out.sex == "persons") & (out.category_type == "")]
    assert headline["value"].notna().all()
    assert (headline["lower_998"] < headline["lower_95"]).all()
    assert (headline["lower_95"] < headline["value"]).all() and (
        headline["value"] < headline["upper_95"]
    ).all()


def test_other_confidence_levels_name_their_columns(banded):
    _, table = banded
    out = engine.compute(table, [PCT], breakdowns=(), confidence=(0.9, 0.99))
    assert list(out.columns[-4:]) == ["lower_90", "upper_90", "lower_99", "upper_99"]


# --------------------------------------------------------------------------------------------------
# Building blocks and refusals
# --------------------------------------------------------------------------------------------------


def test_age_band_expression(con):
    ages = con.create_table("ages", pd.DataFrame({"age": [0, 4, 5, 9, 10, 84, 85, 89, 90, 91, 120]}))
    got = ages.mutate(i=engine.age_band_expr(ages.age), label=engine.age_band_expr(ages.age, labels=True))
    got = got.to_pandas()
    assert got["i"].tolist() == [0, 0, 1, 1, 2, 16, 17, 17, 18, 18, 18]
    assert got["label"].tolist() == [
        "0-4",
        "0-4",
        "5-9",
        "5-9",
        "10-14",
        "80-84",
        *["85-89"] * 2,
        *["90+"] * 3,
    ]


def test_aggregate_is_one_group_by(small):
    expr = engine.aggregate(small, ["smoker", "admitted"], ["area_code", "period", "age_band"])
    got = expr.to_pandas().set_index(["area_code", "period", "age_band"]).sort_index()
    assert list(got.columns) == [engine.PERSONS_COLUMN, "smoker", "admitted"]
    assert got.loc[("E1", 2020, 18)].tolist() == [2, 1, 1]
    assert int(got[engine.PERSONS_COLUMN].sum()) == len(ROWS)


def test_read_records_from_csv_and_parquet(tmp_path):
    frame = _frame(ROWS)
    frame.to_csv(tmp_path / "records.csv", index=False)
    frame.to_parquet(tmp_path / "records.parquet")
    con = ibis.duckdb.connect()
    for name in ("records.csv", "records.parquet"):
        out = engine.compute(engine.read_records(tmp_path / name, con), [PCT], breakdowns=())
        assert out["denominator"].sum() == len(ROWS)
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        engine.read_records(tmp_path / "records.xlsx")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sex": "unknown"}, "sex must be one of"),
        ({"deprivation_decile": 11}, "deprivation_decile must be 1..10"),
        ({"area_code": None}, "missing area_code"),
        ({"age": -3}, "negative age"),
    ],
)
def test_bad_records_are_refused(con, change, message):
    frame = _frame(ROWS)
    for column, value in change.items():
        frame[column] = frame[column].astype(object)
        frame.loc[0, column] = value
    table = con.create_table(f"bad_{abs(hash(message))}", frame, overwrite=True)
    with pytest.raises(ValueError, match=message):
        engine.compute(table, [PCT])


def test_bad_arguments_are_refused(small):
    with pytest.raises(ValueError, match="unknown breakdowns"):
        engine.compute(small, [PCT], breakdowns=("region",))
    with pytest.raises(ValueError, match="lack the columns"):
        engine.compute(small, [RecordIndicator("x", "no_such_flag", "proportion", 100)])
    with pytest.raises(ValueError, match="unique"):
        engine.compute(small, [PCT, PCT])
    with pytest.raises(ValueError, match="value_type"):
        RecordIndicator("x", "smoker", "mean", 1)
    with pytest.raises(ValueError, match="multiplier"):
        RecordIndicator("x", "smoker", "proportion", 0)
    assert list(engine.compute(small, []).columns) == list(engine.COLUMNS)


def test_localities_break_down_only_the_people_who_have_one(out):
    rows = out[(out.indicator_code == "smoking") & (out.category_type == "Locality")]
    assert set(zip(rows.area_code, rows.period, rows.category, rows.denominator, strict=True)) == {
        ("E1", 2020, "North", 6),
        ("E1", 2021, "North", 1),
    }
