"""Price intelligence for 1,000,000 placements: the analytics engine against pandas.

Generates placements (seeded) across five service types, ~150 providers and 3 funding partners,
priced the way councils and ICBs buy: each provider has a usual price per service type, most
placements are at it or at one of a few enhanced bands, and the rest individually negotiated
(some far out of line). Then computes the figures of the prices page two ways in this process:

1. ours: ``commissioning.contracts.pricing.intelligence`` (DuckDB's GROUP BY, then NumPy) on an
   Arrow table;
2. pandas: the same figures written plainly (``groupby().quantile()``, ``merge``, a boolean filter)
   on a DataFrame of the same rows.

Both start from data in memory in their own form (Arrow, DataFrame), take the best of three runs,
and must agree: every percentile, mean, count, median and ratio to within 1e-6, and the same set of
outliers. Prints the times and last ``speedup_vs_pandas=<x>`` (pandas time / ours).

    uv run python bench/placements.py               # 1,000,000 placements (the measured figure)
    uv run python bench/placements.py --rows 20000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from commissioning.contracts import pricing

SERVICES = ("residential", "nursing", "home_care", "supported_living", "day_opportunities")
# Usual price ranges (£): a week of residential or nursing care or supported living, an hour of
# home care, a day of day opportunities; and how many units a week a package has.
USUAL = {
    "residential": (800, 1200),
    "nursing": (1000, 1600),
    "home_care": (20, 30),
    "supported_living": (900, 2200),
    "day_opportunities": (45, 90),
}
SHARES = (0.22, 0.16, 0.38, 0.12, 0.12)
BANDS = (1.0, 1.08, 1.15, 1.3)
BAND_SHARES = (0.78, 0.11, 0.07, 0.04)
LOWER, UPPER = 0.05, 0.95


def generate(rows: int, providers: int = 150, seed: int = 20260401) -> pa.Table:
    rng = np.random.default_rng(seed)
    service = rng.choice(len(SERVICES), rows, p=SHARES)
    provider = rng.integers(0, providers, rows)
    low = np.array([USUAL[s][0] for s in SERVICES], dtype=float)
    high = np.array([USUAL[s][1] for s in SERVICES], dtype=float)
    usual = np.round(rng.uniform(low[:, None], high[:, None], (len(SERVICES), providers)), 2)
    unit = usual[service, provider] * rng.choice(BANDS, rows, p=BAND_SHARES)
    negotiated = rng.random(rows) < 0.06
    unit[negotiated] *= rng.lognormal(0, 0.25, int(negotiated.sum()))
    wild = rng.random(rows) < 0.002  # a few far out of line, either way
    unit[wild] *= rng.choice([0.35, 2.6], int(wild.sum()))
    unit = np.round(unit, 2)
    units = np.ones(rows)
    home = service == SERVICES.index("home_care")
    units[home] = rng.integers(5, 41, int(home.sum()))
    days = service == SERVICES.index("day_opportunities")
    units[days] = rng.integers(1, 6, int(days.sum()))
    return pa.table(
        {
            "id": np.arange(rows, dtype=np.int64),
            "service_type": pa.array(np.array(SERVICES)[service]),
            "provider": pa.array([f"Provider {i:03d} Care Ltd" for i in range(providers)]).take(
                pa.array(provider)
            ),
            "funding_organisation": pa.array(
                np.array(
                    [
                        "Southampton City Council",
                        "NHS Hampshire and Isle of Wight ICB",
                        "Portsmouth City Council",
                    ]
                )[rng.choice(3, rows, p=(0.6, 0.3, 0.1))]
            ),
            "unit_price": unit,
            "units_per_week": units,
            "weekly_cost": np.round(unit * units, 2),
        }
    )


def with_pandas(frame: pd.DataFrame, lower: float, upper: float) -> dict[str, pd.DataFrame]:
    """The same figures, written as one would in pandas."""
    quantiles = list(pricing.QUANTILES)
    names = dict(zip(quantiles, pricing.QUANTILE_COLUMNS, strict=True))
    frame = frame.assign(
        price=np.where(
            frame["service_type"].isin(pricing.UNIT_PRICED), frame["unit_price"], frame["weekly_cost"]
        )
    )

    def distribution(by: list[str]) -> pd.DataFrame:
        grouped = frame.groupby(by)["price"]
        table = grouped.quantile(quantiles).unstack().rename(columns=names)
        table.insert(0, "mean", grouped.mean())
        table.insert(0, "count", grouped.size())
        return table.reset_index()

    bands = frame.groupby("service_type")["price"].quantile([lower, upper]).unstack()
    bands.columns = ["low", "high"]
    joined = frame.merge(bands, left_on="service_type", right_index=True)
    outliers = joined[(joined["price"] < joined["low"]) | (joined["price"] > joined["high"])]
    spread = (
        frame.groupby(["service_type", "funding_organisation"])["price"].agg(["size", "median"]).reset_index()
    )
    medians = spread.groupby("service_type")["median"]
    spread["ratio"] = medians.transform("max") / medians.transform("min")
    return {
        "by_service": distribution(["service_type"]),
        "by_provider": distribution(["service_type", "provider"]),
        "outliers": outliers,
        "spread": spread,
    }


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def agree(ours: pricing.PriceIntelligence, theirs: dict[str, pd.DataFrame]) -> float:
    """The largest absolute difference between the two; raises if they disagree on anything."""
    worst = 0.0
    for name, keys in (("by_service", ["service_type"]), ("by_provider", ["service_type", "provider"])):
        mine = getattr(ours, name).to_pandas().sort_values(keys).reset_index(drop=True)
        other = theirs[name].sort_values(keys).reset_index(drop=True)
        assert (mine[keys].to_numpy() == other[keys].to_numpy()).all(), name
        assert (mine["count"].to_numpy() == other["count"].to_numpy()).all(), name
        for column in ("mean", *pricing.QUANTILE_COLUMNS):
            worst = max(worst, float(np.abs(mine[column].to_numpy() - other[column].to_numpy()).max()))
    keys = ["service_type", "funding_organisation"]
    mine = ours.spread.to_pandas().sort_values(keys).reset_index(drop=True)
    other = theirs["spread"].sort_values(keys).reset_index(drop=True)
    for column in ("median", "ratio"):
        worst = max(worst, float(np.abs(mine[column].to_numpy() - other[column].to_numpy()).max()))
    assert set(ours.outliers.column("id").to_pylist()) == set(theirs["outliers"]["id"]), "outliers differ"
    assert worst < 1e-6, worst
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    table = generate(args.rows)
    frame = table.to_pandas()
    print(f"generated {args.rows:,} placements in {time.perf_counter() - started:.2f} s")

    ours_time, ours = best_of(args.runs, lambda: pricing.intelligence(table, lower=LOWER, upper=UPPER))
    pandas_time, theirs = best_of(args.runs, lambda: with_pandas(frame, LOWER, UPPER))
    worst = agree(ours, theirs)
    print(
        f"figures: {ours.by_service.num_rows} service types, {ours.by_provider.num_rows} service × provider "
        f"cells, {ours.outliers.num_rows:,} outliers outside p5-p95, {ours.spread.num_rows} partner medians"
    )
    print(f"agreement with pandas: max abs diff {worst:.2e}")
    print(f"analytics engine (DuckDB and NumPy): {ours_time:.3f} s (best of {args.runs})")
    print(f"pandas: {pandas_time:.3f} s (best of {args.runs})")
    print(f"speedup_vs_pandas={pandas_time / ours_time:.2f}")


if __name__ == "__main__":
    main()
