"""Record-level data: checked in DuckDB, aggregated by the engine, computed by the statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commissioning.core.imports import ImportFailed
from commissioning.core.permissions import Role
from commissioning.needs import stats
from commissioning.needs.models import Indicator, IndicatorImport, IndicatorValue
from commissioning.needs.services import indicators_import

DEFINITIONS = """code,name,value_type,multiplier,unit,polarity,topic
smoker,Current smokers,proportion,100,%,lower_is_better,Lifestyle
admitted,Emergency admissions,crude_rate,1000,per 1000,lower_is_better,Hospital care
"""


@pytest.fixture
def analyst(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def definitions(tmp_path) -> Path:
    path = tmp_path / "definitions.csv"
    path.write_text(DEFINITIONS)
    return path


def _records(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "area_code": rng.choice(["E06000045", "E06000044"], n),
            "period": rng.choice(["2021/22", "2022/23"], n),
            "sex": rng.choice(["M", "F"], n),
            "age": rng.integers(0, 100, n),
            "deprivation_decile": rng.integers(1, 11, n),
            "ethnicity": rng.choice(["White", "Mixed"], n),
            "smoker": (rng.random(n) < 0.2).astype(int),
            "admitted": (rng.random(n) < 0.1).astype(int),
        }
    )


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_record_level_csv_is_aggregated_and_computed(southampton, analyst, definitions, tmp_path):
    frame = _records()
    batch = indicators_import(
        actor=analyst, partnership=southampton, path=_csv(frame, tmp_path / "r.csv"), definitions=definitions
    )
    assert batch.kind == IndicatorImport.Kind.RECORDS
    assert batch.rows_read == 400
    smoker = Indicator.objects.get(partnership=southampton, code="smoker")
    assert smoker.value_type == "proportion"
    cell = frame[(frame.area_code == "E06000045") & (frame.period == "2021/22")]
    headline = IndicatorValue.objects.get(
        indicator=smoker,
        area__gss_code="E06000045",
        period="2021/22",
        sex="persons",
        age="All ages",
        category="",
    )
    value, lower, upper = stats.proportion(cell.smoker.sum(), len(cell), multiplier=100)
    assert headline.count == cell.smoker.sum()
    assert headline.denominator == len(cell)
    assert headline.value == pytest.approx(float(value), rel=1e-12)
    assert headline.lower_95 == pytest.approx(float(lower), rel=1e-12)
    assert headline.upper_95 == pytest.approx(float(upper), rel=1e-12)
    assert headline.period_sort == 20210000
    men = IndicatorValue.objects.get(
        indicator=smoker, area__gss_code="E06000045", period="2021/22", sex="male"
    )
    assert men.denominator == (cell.sex == "M").sum()
    deciles = IndicatorValue.objects.filter(
        indicator=smoker, area__gss_code="E06000045", period="2021/22", category_type="Deprivation decile"
    )
    assert sum(v.count for v in deciles) == headline.count
    assert IndicatorValue.objects.filter(indicator=smoker, category_type="Ethnic group").exists()
    assert not IndicatorValue.objects.filter(indicator=smoker, category_type="Locality").exists()
    admitted = IndicatorValue.objects.get(
        indicator__code="admitted",
        area__gss_code="E06000045",
        period="2021/22",
        sex="persons",
        age="All ages",
        category="",
    )
    rate, _, _ = stats.rate(cell.admitted.sum(), len(cell), multiplier=1000)
    assert admitted.value == pytest.approx(float(rate))


def test_a_locality_column_gives_a_locality_breakdown(southampton, analyst, definitions, tmp_path):
    frame = _records()
    frame["locality"] = np.where(frame.index % 3 == 0, "Central", np.where(frame.index % 3 == 1, "East", ""))
    indicators_import(
        actor=analyst, partnership=southampton, path=_csv(frame, tmp_path / "r.csv"), definitions=definitions
    )
    cell = frame[(frame.area_code == "E06000045") & (frame.period == "2021/22")]
    localities = IndicatorValue.objects.filter(
        indicator__code="smoker", area__gss_code="E06000045", period="2021/22", category_type="Locality"
    )
    # People with no locality count in every figure but this one.
    assert {v.category: v.denominator for v in localities} == {
        "Central": (cell.locality == "Central").sum(),
        "East": (cell.locality == "East").sum(),
    }


def test_parquet_imports_the_same_as_csv(southampton, analyst, definitions, tmp_path):
    frame = _records()
    path = tmp_path / "r.parquet"
    frame.to_parquet(path, index=False)
    batch = indicators_import(actor=analyst, partnership=southampton, path=path, definitions=definitions)
    assert batch.values_written > 0
    assert IndicatorValue.objects.filter(indicator__code="smoker", area__gss_code="E06000044").exists()


BAD = [
    ("area_code", 0, "E99999999", "area_code", "unknown area code E99999999"),
    ("period", 1, "last year", "period", "does not parse as a period"),
    ("sex", 2, "X", "sex", "must be male or female"),
    ("age", 3, "-4", "age", "from 0 to 120"),
    ("deprivation_decile", 4, "11", "deprivation_decile", "from 1 (most deprived)"),
    ("smoker", 5, "2", "smoker", "must be 0 or 1"),
]


@pytest.mark.parametrize(("column", "index", "bad", "shown", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_records_are_reported_and_nothing_lands(
    southampton, analyst, definitions, tmp_path, column, index, bad, shown, words
):
    frame = _records().astype(str)
    frame.loc[index, column] = bad
    before = (IndicatorValue.objects.count(), Indicator.objects.count(), IndicatorImport.objects.count())
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(frame, tmp_path / "r.csv"),
            definitions=definitions,
        )
    errors = failure.value.errors
    assert [(e.row, e.column) for e in errors] == [(index + 2, shown)]
    assert words in errors[0].reason
    # The definitions in the same upload are rolled back with the values.
    assert (
        IndicatorValue.objects.count(),
        Indicator.objects.count(),
        IndicatorImport.objects.count(),
    ) == before


def test_an_outcome_column_with_no_indicator_is_an_unknown_column(
    southampton, analyst, definitions, tmp_path
):
    frame = _records().assign(mystery=0)
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(frame, tmp_path / "r.csv"),
            definitions=definitions,
        )
    assert str(failure.value.errors[0]) == (
        "row 1, column mystery: unknown column: no indicator has this code; define it first"
    )


def test_missing_required_columns_are_named(southampton, analyst, definitions, tmp_path):
    frame = _records().drop(columns=["age"])
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(frame, tmp_path / "r.csv"),
            definitions=definitions,
        )
    assert [(e.row, e.column) for e in failure.value.errors] == [(1, "age")]


def test_the_same_person_twice_in_a_period_is_a_duplicate(southampton, analyst, definitions, tmp_path):
    frame = _records(n=10)
    frame["person_id"] = [f"p{i}" for i in range(10)]
    frame.loc[7, ["person_id", "period"]] = [frame.loc[2, "person_id"], frame.loc[2, "period"]]
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(frame, tmp_path / "r.csv"),
            definitions=definitions,
        )
    assert [(e.row, e.column) for e in failure.value.errors] == [(9, "person_id")]


def test_record_level_data_cannot_feed_a_mean(southampton, analyst, tmp_path):
    definitions = tmp_path / "d.csv"
    definitions.write_text("code,name,value_type\nsmoker,Smokers,mean\nadmitted,Admitted,proportion\n")
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(_records(), tmp_path / "r.csv"),
            definitions=definitions,
        )
    assert "record-level data gives proportions, crude rates and directly standardised rates" in str(
        failure.value.errors[0]
    )


def test_bad_definitions_are_reported_by_row(southampton, analyst, tmp_path):
    definitions = tmp_path / "d.csv"
    definitions.write_text(
        "code,name,value_type,multiplier\nsmoker,Smokers,ratio,100\nadmitted,,crude_rate,-1\n"
    )
    with pytest.raises(ImportFailed) as failure:
        indicators_import(
            actor=analyst,
            partnership=southampton,
            path=_csv(_records(), tmp_path / "r.csv"),
            definitions=definitions,
        )
    assert [(e.row, e.column) for e in failure.value.errors] == [
        (2, "value_type"),
        (3, "name"),
        (3, "multiplier"),
    ]


def test_standardised_rates_need_ten_events(southampton, analyst, tmp_path):
    definitions = tmp_path / "d.csv"
    definitions.write_text(
        "code,name,value_type,multiplier\nsmoker,Smokers,dsr,100000\nadmitted,Admitted,dsr,100000\n"
    )
    frame = _records(n=60)
    frame["smoker"] = 0
    frame.loc[:2, "smoker"] = 1
    indicators_import(
        actor=analyst, partnership=southampton, path=_csv(frame, tmp_path / "r.csv"), definitions=definitions
    )
    sparse = IndicatorValue.objects.filter(
        indicator__code="smoker", sex="persons", age="All ages", category=""
    )
    assert all(v.value is None for v in sparse)
    assert {v.value_note for v in sparse if v.count} == {
        "Value not calculated: fewer than 10 events for a standardised rate"
    }
