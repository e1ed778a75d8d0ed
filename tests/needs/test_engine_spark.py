"""The same Ibis expressions on Spark: the engine gives DuckDB's figures exactly on a local session."""

from __future__ import annotations

import importlib.util
import shutil
import time

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from commissioning.needs import engine
from commissioning.needs.engine import RecordIndicator

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="java is not on PATH (Spark needs a JRE)"),
]

KEYS = ["indicator_code", "area_code", "period", "sex", "age", "category_type", "category"]
INDICATORS = [
    RecordIndicator("smoking", "smoker", "proportion", 100),
    RecordIndicator("smoking_rate", "smoker", "crude_rate", 1000),
    RecordIndicator("admissions", "admitted", "crude_rate", 100000),
    RecordIndicator("admissions_dsr", "admitted", "dsr", 100000),
]


def _records(n: int = 5000, seed: int = 11) -> pa.Table:
    """Seeded person-level records: 3 areas, 2 periods, every breakdown, a few unknown deciles."""
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 105, n)
    decile = rng.integers(1, 11, n).astype(np.int32)
    unknown = rng.random(n) < 0.02
    ethnicity = rng.choice(np.array(["Asian", "Black", "Mixed", "Other", "White"], dtype=object), n)
    ethnicity[rng.random(n) < 0.03] = None
    locality = rng.choice(np.array(["Central", "East", "West"], dtype=object), n)
    locality[rng.random(n) < 0.1] = None
    return pa.table(
        {
            "area_code": rng.choice(["E06000001", "E06000002", "E06000003"], n),
            "period": rng.choice(["2022/23", "2023/24"], n),
            "sex": rng.choice(["male", "female"], n),
            "age": pa.array(age, pa.int32()),
            "ethnicity": pa.array(ethnicity, pa.string()),
            "locality": pa.array(locality, pa.string()),
            "deprivation_decile": pa.array(decile, mask=unknown),
            "smoker": pa.array((rng.random(n) < 0.18).astype(np.int32)),
            "admitted": pa.array((rng.random(n) < 0.03 + age / 500).astype(np.int32)),
        }
    )


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    session = (
        SparkSession.builder.master("local[1]")
        .appName("commissioning-engine-parity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    print(f"Spark session started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS, kind="stable").reset_index(drop=True)


def test_spark_gives_duckdb_figures(spark):
    records = _records()
    duck = engine.compute(
        ibis.duckdb.connect().create_table("records", records), INDICATORS, breakdowns=engine.BREAKDOWNS
    )

    spark.createDataFrame(records).createOrReplaceTempView("records")  # from Arrow: nulls stay null
    started = time.perf_counter()
    on_spark = engine.compute(
        ibis.pyspark.connect(spark).table("records"), INDICATORS, breakdowns=engine.BREAKDOWNS
    )
    print(f"engine.compute on Spark: {time.perf_counter() - started:.1f} s")

    duck, on_spark = _sorted(duck), _sorted(on_spark)
    assert len(duck) == len(on_spark) > 800
    pd.testing.assert_frame_equal(duck[KEYS], on_spark[KEYS], check_dtype=False)
    for column in ("count", "denominator"):
        np.testing.assert_array_equal(duck[column].to_numpy(), on_spark[column].to_numpy())
    for column in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        np.testing.assert_allclose(on_spark[column], duck[column], rtol=1e-12, equal_nan=True)
    assert set(duck.category_type) == {"", "Deprivation decile", "Ethnic group", "Locality"}
