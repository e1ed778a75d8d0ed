"""Price intelligence on the analytics engine: exact percentiles, outliers, spread, position."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from commissioning.contracts import pricing


def placements(n=3000, seed=7):
    rng = np.random.default_rng(seed)
    services = np.array(["residential", "nursing", "home_care"])
    service = services[rng.integers(0, 3, n)]
    provider = rng.integers(1, 6, n)
    funder = rng.integers(1, 3, n)
    unit = np.where(
        service == "home_care",
        rng.choice([22.5, 24.0, 25.75], n),
        np.round(rng.uniform(700, 1500, n), 2),
    )
    units = np.where(service == "home_care", rng.integers(5, 30, n), 1).astype(float)
    return pa.table(
        {
            "id": np.arange(n),
            "service_type": service,
            "provider": provider,
            "funding_organisation": funder,
            "unit_price": unit,
            "weekly_cost": np.round(unit * units, 2),
        }
    )


def comparable(table):
    frame = table.to_pandas()
    frame["price"] = np.where(frame.service_type == "home_care", frame.unit_price, frame.weekly_cost)
    return frame


def test_percentiles_equal_numpys_linear_percentiles():
    table = placements()
    frame = comparable(table)
    found = pricing.intelligence(table)
    for row in found.by_service.to_pylist():
        prices = frame.loc[frame.service_type == row["service_type"], "price"].to_numpy()
        expected = np.percentile(prices, [5, 10, 25, 50, 75, 90, 95])
        got = [row[name] for name in pricing.QUANTILE_COLUMNS]
        assert np.allclose(got, expected, rtol=0, atol=1e-9)
        assert row["count"] == len(prices) and row["mean"] == pytest.approx(prices.mean())
    for row in found.by_provider.to_pylist():
        chosen = frame[(frame.service_type == row["service_type"]) & (frame.provider == row["provider"])]
        expected = np.percentile(chosen.price.to_numpy(), [5, 10, 25, 50, 75, 90, 95])
        assert np.allclose([row[name] for name in pricing.QUANTILE_COLUMNS], expected, atol=1e-9)


def test_home_care_is_compared_on_its_hourly_rate_not_the_weekly_cost():
    found = pricing.intelligence(placements())
    home = next(r for r in found.by_service.to_pylist() if r["service_type"] == "home_care")
    assert 22.5 <= home["p5"] <= home["p95"] <= 25.75


def test_outliers_are_beyond_the_chosen_percentiles_of_their_service_type():
    table = placements()
    frame = comparable(table)
    found = pricing.intelligence(table, lower=0.10, upper=0.90)
    expected = set()
    for _, group in frame.groupby("service_type"):
        low, high = np.percentile(group.price, [10, 90])
        expected |= set(group.id[(group.price < low) | (group.price > high)])
    rows = found.outliers.to_pylist()
    assert {r["id"] for r in rows} == expected and expected
    assert all((r["side"] == "above") == (r["price"] > r["high"]) for r in rows)


def test_spread_gives_each_partners_median_and_the_ratio_of_highest_to_lowest():
    table = placements()
    frame = comparable(table)
    rows = pricing.intelligence(table).spread.to_pylist()
    for row in rows:
        chosen = frame[
            (frame.service_type == row["service_type"])
            & (frame.funding_organisation == row["funding_organisation"])
        ]
        assert row["median"] == pytest.approx(np.median(chosen.price))
    nursing = [r for r in rows if r["service_type"] == "nursing"]
    medians = [r["median"] for r in nursing]
    assert nursing[0]["ratio"] == pytest.approx(max(medians) / min(medians))


def test_price_position_is_a_mid_rank_percentile():
    prices = [100.0, 200.0, 300.0, 400.0]
    assert pricing.price_position(50, prices) == 0
    assert pricing.price_position(250, prices) == 50
    assert pricing.price_position(300, prices) == 62.5
    assert pricing.price_position(1000, prices) == 100
    assert pricing.price_position(10, []) is None
    assert "above the 95th percentile for nursing care" in pricing.position_wording(99, "Nursing care")
    assert "below the 5th percentile" in pricing.position_wording(1, "Home care")


def test_a_band_the_wrong_way_round_is_refused():
    with pytest.raises(ValueError):
        pricing.intelligence(placements(), lower=0.9, upper=0.1)


def test_an_ibis_table_gives_the_same_figures_as_the_in_process_path():
    """The Ibis expressions (what another backend such as Spark runs) agree with DuckDB and NumPy."""
    import ibis

    table = placements()
    fast = pricing.intelligence(table, lower=0.1, upper=0.9)
    con = ibis.duckdb.connect()
    expr = pricing.intelligence(con.create_table("placements_in", table), lower=0.1, upper=0.9)
    for name, keys in (
        ("by_service", ["service_type"]),
        ("by_provider", ["service_type", "provider"]),
        ("spread", ["service_type", "funding_organisation"]),
    ):
        mine = getattr(fast, name).to_pandas().sort_values(keys).reset_index(drop=True)
        theirs = getattr(expr, name).to_pandas().sort_values(keys).reset_index(drop=True)
        assert mine[keys].astype(str).equals(theirs[keys].astype(str)), name
        for column in mine.columns.difference(keys):
            np.testing.assert_allclose(mine[column].astype(float), theirs[column].astype(float), rtol=1e-12)
    assert sorted(fast.outliers.column("id").to_pylist()) == sorted(expr.outliers.column("id").to_pylist())
