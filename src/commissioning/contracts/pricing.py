"""Price intelligence for placements and packages of care, set-based on the analytics engine.

Django-free, in the analytics engine's shape (ADR 3): the rows are passed over set-based in DuckDB
(one GROUP BY counting placements per service type, provider, partner and price) and the
statistics are read off that small table with NumPy, so a million placements take about a tenth of
a second. The same figures are also Ibis expressions (:func:`distribution_expr` and friends), which
run on any Ibis backend, Spark included, when given an Ibis table.

**The comparable price.** A bed is bought by the week and care at home by the hour, so a package's
weekly cost says more about the person's hours than about the price. The price compared is:

* for home care and day opportunities, the **unit price** (an hour, a day): what the market
  charges, whatever the size of the package;
* for residential care, nursing care and supported living, the **weekly cost** (unit price ×
  units a week): a bed or a tenancy's support is priced by the week.

**Percentiles** are exact and interpolate linearly between order statistics (as DuckDB's
``quantile_cont``, NumPy's and pandas' defaults do), never approximate. Prices are floats
here, which is exact enough for a distribution and never used for a sum of money.

**Outliers** are placements whose comparable price lies below the ``lower`` or above the ``upper``
percentile of its service type (the 5th and 95th by default).

**Spread** is the median price each funding partner pays for the same service type, and the ratio
of the highest partner's median to the lowest's: 1.00 means the partners pay alike.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
QUANTILE_COLUMNS: tuple[str, ...] = ("p5", "p10", "p25", "median", "p75", "p90", "p95")
#: Service types compared on their unit price (an hour, a day) rather than the weekly cost.
UNIT_PRICED = ("home_care", "day_opportunities")
REQUIRED = ("service_type", "provider", "funding_organisation", "unit_price", "weekly_cost")
PRICE = "price"


@dataclass(frozen=True)
class PriceIntelligence:
    """The figures of the prices page, each a small Arrow table (outliers one row a placement)."""

    by_service: pa.Table
    by_provider: pa.Table
    outliers: pa.Table
    spread: pa.Table
    lower: float
    upper: float


def placements_table(data: Any, con: Any = None) -> ir.Table:
    """Placements as an Ibis table with the comparable ``price`` column added.

    ``data`` is an Ibis table, an Arrow table or a pandas frame with at least ``REQUIRED``.
    """
    if isinstance(data, ir.Table):
        table = data
    else:
        # A view over the Arrow table, not a copy: DuckDB scans Arrow in place.
        con = con if con is not None else ibis.duckdb.connect()
        arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        con.con.register("placements", arrow)
        table = con.table("placements")
    missing = [name for name in REQUIRED if name not in table.columns]
    if missing:
        raise ValueError(f"placements lack the columns {', '.join(missing)}")
    if PRICE in table.columns:
        return table
    return table.mutate(**{PRICE: comparable_price(table)})


def comparable_price(table: ir.Table) -> ir.FloatingValue:
    """The unit price for hourly and daily services, else the weekly cost (see the module's note)."""
    unit = table["unit_price"].cast("float64")
    weekly = table["weekly_cost"].cast("float64")
    return ibis.ifelse(table["service_type"].isin(UNIT_PRICED), unit, weekly)


def _arrow(expr: ir.Table) -> pa.Table:
    return expr.to_pyarrow()


def price_counts(table: ir.Table) -> ir.Table:
    """Placements per (service type, provider, funding partner, price): the one pass over the rows
    that every distribution is computed from. Prices repeat (rate cards, framework and usual
    prices), so this is far smaller than the placements and holds everything the percentiles need."""
    keys = ["service_type", "provider", "funding_organisation", PRICE]
    return table.group_by(keys).aggregate(n=table.count())


def distribution_expr(
    counts: ir.Table,
    by: Sequence[str],
    quantiles: Sequence[float] = QUANTILES,
    names: Sequence[str] = QUANTILE_COLUMNS,
) -> ir.Table:
    """Count, mean and the seven percentiles of the comparable price per ``by`` group, exact.

    A weighted form of linear interpolation: the quantile ``q`` of ``n`` prices sits at position
    ``h = q (n - 1)`` of the sorted prices (0-based); the prices at positions ``floor(h)`` and
    ``floor(h) + 1`` are the smallest whose running count passes them.
    """
    by = list(by)
    distinct = counts.group_by([*by, PRICE]).aggregate(n=counts["n"].sum())
    running = ibis.window(group_by=by, order_by=PRICE, rows=(None, 0))
    whole = ibis.window(group_by=by)
    ranked = distinct.mutate(upto=distinct["n"].sum().over(running), total=distinct["n"].sum().over(whole))
    price, upto, total = ranked[PRICE], ranked["upto"], ranked["total"]
    metrics: dict[str, ir.Value] = {
        "count": ranked["n"].sum().cast("int64"),
        "mean": (price * ranked["n"]).sum() / ranked["n"].sum(),
    }
    for q, name in zip(quantiles, names, strict=True):
        lo = (float(q) * (total - 1)).floor()
        metrics[f"_{name}_h"] = (float(q) * (total - 1)).max()
        metrics[f"_{name}_lo"] = price.min(where=upto > lo)
        metrics[f"_{name}_hi"] = price.min(where=upto > lo + 1)
    picked = ranked.group_by(by).aggregate(**metrics)
    values: dict[str, ir.Value] = {}
    for name in names:
        h, lo_value = picked[f"_{name}_h"], picked[f"_{name}_lo"]
        hi_value = picked[f"_{name}_hi"].coalesce(lo_value)
        values[name] = lo_value + (h - h.floor()) * (hi_value - lo_value)
    return picked.select(*by, "count", "mean", **values).order_by(by)


def _check_band(lower: float, upper: float) -> None:
    if not 0 <= lower < upper <= 1:
        raise ValueError(f"the outlier band must have 0 <= lower < upper <= 1, not {lower}..{upper}")


def bands_expr(counts: ir.Table, lower: float, upper: float) -> ir.Table:
    """Each service type's ``lower`` and ``upper`` percentile (``low`` and ``high``)."""
    _check_band(lower, upper)
    bands = distribution_expr(counts, ["service_type"], (lower, upper), ("low", "high"))
    return bands.select("service_type", "low", "high")


def outliers_expr(table: ir.Table, bands: ir.Table) -> ir.Table:
    """Placements priced outside their service type's band, with the bounds and which side
    (``above`` or ``below``)."""
    joined = table.inner_join(bands, "service_type")
    flagged = joined.filter((joined[PRICE] < joined["low"]) | (joined[PRICE] > joined["high"]))
    return flagged.mutate(side=ibis.ifelse(flagged[PRICE] > flagged["high"], "above", "below"))


def spread_expr(counts: ir.Table) -> ir.Table:
    """Per service type and funding partner: count and median price, beside the service type's
    lowest and highest partner medians and their ratio (highest ÷ lowest)."""
    medians = distribution_expr(counts, ["service_type", "funding_organisation"]).select(
        "service_type", "funding_organisation", "count", "median"
    )
    window = ibis.window(group_by="service_type")
    lowest = medians["median"].min().over(window)
    highest = medians["median"].max().over(window)
    ratio = ibis.ifelse(lowest > 0, highest / lowest, ibis.null("float64"))
    spread = medians.mutate(lowest_median=lowest, highest_median=highest, ratio=ratio)
    return spread.order_by(["service_type", "funding_organisation"])


def intelligence(
    data: Any, *, lower: float = 0.05, upper: float = 0.95, con: Any = None
) -> PriceIntelligence:
    """Everything the prices page shows, from one table of placements.

    An Arrow table or pandas frame takes the in-process path: DuckDB makes the two passes over the
    rows (counting placements per service type, provider, partner and price; then picking the
    outliers against their service type's band) and NumPy reads the exact percentiles off the
    small table of counts. An Ibis table runs the same figures as Ibis expressions on its own
    backend (Spark, say); both give identical numbers.
    """
    _check_band(lower, upper)
    if isinstance(data, ir.Table):
        return _intelligence_expr(placements_table(data), lower, upper)
    arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    missing = [name for name in REQUIRED if name not in arrow.column_names]
    if missing:
        raise ValueError(f"placements lack the columns {', '.join(missing)}")
    return _intelligence_duckdb(con.con if con is not None else _connection(), arrow, lower, upper)


_local = threading.local()


def _connection() -> Any:
    """This thread's in-process DuckDB connection, opened once (opening one costs more than a
    small partnership's figures)."""
    duck = getattr(_local, "duck", None)
    if duck is None:
        duck = _local.duck = duckdb.connect()
    return duck


CATEGORIES = ("service_type", "provider", "funding_organisation")


def _encoded(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in sorted order of the values, and the values: hashing, not sorting, the rows."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks != 1 else encoded.chunk(0)
    values = encoded.dictionary.to_numpy(zero_copy_only=False)
    rank = np.empty(len(values), dtype=np.int32)
    order = np.argsort(values, kind="stable")
    rank[order] = np.arange(len(values), dtype=np.int32)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return rank[indices], values[order]


def _as_float(column: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(column, pa.float64()).to_numpy()


def _intelligence_duckdb(duck: Any, arrow: pa.Table, lower: float, upper: float) -> PriceIntelligence:
    # Hashing the three text columns is the costliest step; Arrow releases the GIL, so run them at once.
    with ThreadPoolExecutor(max_workers=len(CATEGORIES)) as pool:
        encoded = dict(
            zip(CATEGORIES, pool.map(_encoded, (arrow.column(n) for n in CATEGORIES)), strict=True)
        )
    codes = {name: found[0] for name, found in encoded.items()}
    labels = {name: found[1] for name, found in encoded.items()}
    unit_priced = np.isin(labels["service_type"], UNIT_PRICED)[codes["service_type"]]
    price = np.where(
        unit_priced, _as_float(arrow.column("unit_price")), _as_float(arrow.column("weekly_cost"))
    )
    # One integer key for the three categories: DuckDB then groups two numeric columns, sorted by
    # price so that the distributions need only a stable sort by group (a radix sort on small keys).
    sizes = [len(labels[name]) for name in CATEGORIES]
    key = np.ravel_multi_index([codes[name] for name in CATEGORIES], sizes)
    coded = pa.table({"k": key, "price": price})
    view = f"coded_{id(coded):x}"
    duck.register(view, coded)
    try:
        counts = duck.sql(
            f"SELECT k, price, count(*) AS n FROM {view} GROUP BY ALL ORDER BY price"  # noqa: S608
        ).fetchnumpy()
    finally:
        duck.unregister(view)
    parts = np.unravel_index(np.asarray(counts["k"]), sizes)
    weights = Counts(
        dict(zip(CATEGORIES, parts, strict=True)),
        np.asarray(counts["price"], dtype=float),
        np.asarray(counts["n"], dtype=np.int64),
        labels,
    )
    service = weights.distribution(
        ("service_type",), (*QUANTILES, lower, upper), (*QUANTILE_COLUMNS, "low", "high")
    )
    by_service = service.drop_columns(["low", "high"])
    by_provider = weights.distribution(("service_type", "provider"), QUANTILES, QUANTILE_COLUMNS)
    partner = weights.distribution(("service_type", "funding_organisation"), (0.5,), ("median",))
    bands = np.full((len(labels["service_type"]), 2), np.nan)
    present = np.searchsorted(
        labels["service_type"], service.column("service_type").to_numpy(zero_copy_only=False)
    )
    bands[present, 0] = service.column("low").to_numpy()
    bands[present, 1] = service.column("high").to_numpy()
    low, high = bands[:, 0][codes["service_type"]], bands[:, 1][codes["service_type"]]
    chosen = np.flatnonzero((price < low) | (price > high))
    chosen = chosen[np.lexsort((-price[chosen], codes["service_type"][chosen]))]
    outliers = _rows(arrow, chosen, codes, labels).append_column("price", pa.array(price[chosen]))
    outliers = outliers.append_column("low", pa.array(low[chosen]))
    outliers = outliers.append_column("high", pa.array(high[chosen]))
    side = np.where(price[chosen] > high[chosen], "above", "below")
    outliers = outliers.append_column("side", pa.array(side))
    return PriceIntelligence(
        by_service=by_service,
        by_provider=by_provider,
        outliers=outliers,
        spread=_spread_of(partner),
        lower=lower,
        upper=upper,
    )


def _rows(
    arrow: pa.Table, chosen: np.ndarray, codes: dict[str, np.ndarray], labels: dict[str, np.ndarray]
) -> pa.Table:
    """The chosen rows in their order; the category columns rebuilt from their codes, as dictionary
    arrays (values read the same), which is far cheaper than gathering text."""
    taken = arrow.drop_columns([name for name in codes if name in arrow.column_names]).take(pa.array(chosen))
    columns: dict[str, Any] = {}
    for name in arrow.column_names:
        if name in codes:
            indices = pa.array(codes[name][chosen])
            columns[name] = pa.DictionaryArray.from_arrays(indices, pa.array(labels[name]))
        else:
            columns[name] = taken.column(name)
    return pa.table(columns)


@dataclass(frozen=True)
class Counts:
    """Placements per (service type, provider, partner, price), with the categories as codes, in
    ascending order of price.

    Exact percentiles need only these counts: within a group sorted by price, the price at
    0-based position ``k`` is the first whose running count exceeds ``k``.
    """

    codes: dict[str, np.ndarray]
    price: np.ndarray
    n: np.ndarray
    labels: dict[str, np.ndarray]

    def _quantiles(self, by: Sequence[str], quantiles: Sequence[float]) -> tuple[Any, ...]:
        sizes = [len(self.labels[name]) for name in by]
        group = np.ravel_multi_index([self.codes[name] for name in by], sizes)
        narrow = group.astype(np.int16) if group.size and group.max() < 2**15 else group
        order = np.argsort(narrow, kind="stable")  # prices already ascend: stable keeps them so
        group, price, n = group[order], self.price[order], self.n[order]
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], int)
        totals = np.add.reduceat(n, first) if len(first) else np.array([], np.int64)
        sums = np.add.reduceat(price * n, first) if len(first) else np.array([], float)
        running = np.cumsum(n)
        before = running[first] - n[first]
        q = np.asarray(quantiles, dtype=float)
        h = q[None, :] * (totals[:, None] - 1)
        low = np.floor(h)
        at_low = before[:, None] + low
        at_high = before[:, None] + np.minimum(low + 1, totals[:, None] - 1)
        low_value = price[np.searchsorted(running, at_low, side="right")]
        high_value = price[np.searchsorted(running, at_high, side="right")]
        values = low_value + (h - low) * (high_value - low_value)
        return np.unravel_index(group[first], sizes), totals, sums, values

    def distribution(self, by: Sequence[str], quantiles: Sequence[float], names: Sequence[str]) -> pa.Table:
        """Count, mean and the given percentiles (linear interpolation) per ``by`` group."""
        keys, totals, sums, values = self._quantiles(by, quantiles)
        columns: dict[str, Any] = {name: self.labels[name][keys[i]] for i, name in enumerate(by)}
        columns["count"] = totals
        columns["mean"] = sums / totals
        for i, name in enumerate(names):
            columns[name] = values[:, i]
        return pa.table(columns)


def _spread_of(medians: pa.Table) -> pa.Table:
    """Each partner's median beside its service type's lowest and highest and their ratio."""
    service = medians.column("service_type").to_numpy(zero_copy_only=False)
    median = medians.column("median").to_numpy()
    _, code = np.unique(service, return_inverse=True)
    lowest = np.full(code.max() + 1 if len(code) else 0, np.inf)
    highest = np.full(len(lowest), -np.inf)
    np.minimum.at(lowest, code, median)
    np.maximum.at(highest, code, median)
    low, high = lowest[code], highest[code]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low > 0, high / low, np.nan)
    return pa.table(
        {
            "service_type": medians.column("service_type"),
            "funding_organisation": medians.column("funding_organisation"),
            "count": medians.column("count"),
            "median": median,
            "lowest_median": low,
            "highest_median": high,
            "ratio": pa.array(ratio, from_pandas=True),
        }
    )


def _intelligence_expr(table: ir.Table, lower: float, upper: float) -> PriceIntelligence:
    counts = price_counts(table).cache()
    try:
        found = outliers_expr(table, bands_expr(counts, lower, upper))
        return PriceIntelligence(
            by_service=_arrow(distribution_expr(counts, ["service_type"])),
            by_provider=_arrow(distribution_expr(counts, ["service_type", "provider"])),
            outliers=_arrow(found.order_by([found["service_type"], ibis.desc(found[PRICE])])),
            spread=_arrow(spread_expr(counts)),
            lower=lower,
            upper=upper,
        )
    finally:
        counts.release()


# Where one price sits --------------------------------------------------------------------------


def price_position(value: float, distribution: Sequence[float]) -> float | None:
    """The percentile rank of ``value`` among ``distribution`` (0 to 100): the share of prices
    below it, counting prices equal to it as half below (the mid-rank). ``None`` with no prices.

    ``distribution`` must be sorted ascending (as :func:`prices_of` gives it).
    """
    n = len(distribution)
    if n == 0:
        return None
    below = bisect_left(distribution, value)
    equal = bisect_right(distribution, value) - below
    return 100.0 * (below + 0.5 * equal) / n


def prices_of(table: ir.Table, service_type: str) -> list[float]:
    """The comparable prices of one service type, sorted: what :func:`price_position` ranks against."""
    chosen = table.filter(table["service_type"] == service_type)
    column = chosen.select(PRICE).order_by(PRICE).to_pyarrow().column(PRICE)
    return [float(v) for v in column.to_pylist() if v is not None]


def position_wording(rank: float | None, service_label: str, *, lower: float = 5, upper: float = 95) -> str:
    """The sentence a buyer reads beside a price: where it sits among the service type's prices."""
    service = service_label[:1].lower() + service_label[1:]
    if rank is None:
        return f"There are no other placements for {service} to compare this price with."
    if rank > upper:
        return f"This price is above the {_ordinal(upper)} percentile for {service}: out of line, high."
    if rank < lower:
        return f"This price is below the {_ordinal(lower)} percentile for {service}: out of line, low."
    where = _ordinal(round(rank))
    return f"This price is at about the {where} percentile for {service}, within the usual range."


def _ordinal(number: float) -> str:
    n = int(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Personalisation -------------------------------------------------------------------------------


def personalisation_over_time(table: ir.Table, dates: Sequence[dt.date]) -> pa.Table:
    """Current placements by support option on each of ``dates``, in one query."""
    if not dates:
        return pa.table({"on": pa.array([], pa.date32())})
    days = ibis.memtable({"on": list(dates)})
    joined = table.cross_join(days)
    current = joined.filter(
        (joined["starts_on"] <= joined["on"])
        & (joined["ends_on"].isnull() | (joined["ends_on"] >= joined["on"]))
    )
    expr = current.group_by(["on", "support_option"]).aggregate(
        people=current["person_ref"].nunique(),
        weekly_spend=current["weekly_cost"].cast("float64").sum(),
    )
    return _arrow(expr.order_by(["on", "support_option"]))
