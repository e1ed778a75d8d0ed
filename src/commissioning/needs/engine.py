"""The analytics engine: record-level data (one row per person) to indicator values with limits.

Two stages, so that the same code runs in process on DuckDB and on Apache Spark:

1. **Aggregate, set-based, through Ibis.** One GROUP BY over the records at the finest grain the
   requested breakdowns need (area, period, sex, ESP2013 age band, plus the category column), summing
   every outcome flag in the same pass. The records are scanned once per category breakdown (once in
   all when there is none or one), and only the small aggregate leaves the database.
2. **Roll up and compute statistics with NumPy.** The aggregate is rolled up to every output cell with
   integer codes and ``bincount`` (no Python loop per cell or per area), then
   :mod:`commissioning.needs.stats` computes values and limits for all cells of an indicator at once.
   Labels are attached at the very end.

The output is one long frame in the platform's value layout (``COLUMNS``): per indicator, area and
period, the headline row (persons, all ages, no category), then the rows of each breakdown.

Directly standardised rates (``value_type="dsr"``) are standardised over the 19 ESP2013 five-year
age bands within each cell. Conventions worth knowing:

* An age band in which a cell has no persons carries no information and is left out of that cell's
  standardisation, so its standard population drops out of the weights' total (as when such rows
  are not given to ``PHStatsMethods.ph_dsr``). A band with events but no persons is impossible in
  record-level data and is refused with ``ValueError``.
* The ``age_band`` breakdown of a DSR indicator gives crude rates with the same multiplier: a DSR of
  one age band is just that band's crude rate, re-weighted by a constant.
* As in Fingertips, a DSR (value and limits) is not published (NaN) below 10 events.

Missing values: records with no deprivation decile or ethnic group count in the headline, sex and
age rows but in no row of that category breakdown. Missing area, period, sex or age is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from math import prod
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from commissioning.needs import stats

VALUE_TYPES = ("proportion", "crude_rate", "dsr")
BREAKDOWNS = ("sex", "age_band", "deprivation_decile", "ethnicity", "locality")
CATEGORY_BREAKDOWNS = ("deprivation_decile", "ethnicity", "locality")
CATEGORY_TYPES = {
    "deprivation_decile": "Deprivation decile",
    "ethnicity": "Ethnic group",
    "locality": "Locality",
}
DECILE_LABELS: tuple[str, ...] = ("1 - most deprived", *(str(d) for d in range(2, 10)), "10 - least deprived")
SEXES = ("male", "female")
PERSONS = "persons"
ALL_AGES = "All ages"
AGE_BANDS = stats.ESP2013_BANDS
REQUIRED_COLUMNS = ("area_code", "period", "sex", "age")
COLUMNS = (
    "indicator_code",
    "area_code",
    "period",
    "sex",
    "age",
    "category_type",
    "category",
    "count",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
)
#: The aggregate's column holding the number of records (persons) in a cell.
PERSONS_COLUMN = "n_persons"

_N_BANDS = len(AGE_BANDS)
_TOP_BAND_AGE = 5 * (_N_BANDS - 1)  # 90: the open-ended band "90+"
_SET_COLUMN = "_grouping_set"


@dataclass(frozen=True)
class RecordIndicator:
    """An indicator computed from record-level data: the share or rate of records with a flag set."""

    code: str
    flag: str
    value_type: str
    multiplier: int

    def __post_init__(self) -> None:
        if self.value_type not in VALUE_TYPES:
            raise ValueError(f"{self.code}: value_type must be one of {VALUE_TYPES}, not {self.value_type!r}")
        if isinstance(self.multiplier, bool) or not isinstance(self.multiplier, int) or self.multiplier <= 0:
            raise ValueError(f"{self.code}: multiplier must be a positive integer, not {self.multiplier!r}")


def age_band_expr(age: ir.IntegerValue, *, labels: bool = False) -> ir.Value:
    """The ESP2013 five-year age band of an age in years: an index 0..18 into ``AGE_BANDS``.

    The index is integer arithmetic (cheap in the hot GROUP BY, and identical on every backend);
    ``labels=True`` gives the band names "0-4" .. "90+" instead, for callers that want them in SQL.
    """
    index = (ibis.least(age, _TOP_BAND_AGE) // 5).cast("int8")
    if not labels:
        return index
    return index.cases(*((i, label) for i, label in enumerate(AGE_BANDS)), else_=None)


def aggregate(records: ir.Table, flags: Sequence[str], by: Sequence[str]) -> ir.Table:
    """The bare GROUP BY: persons (``PERSONS_COLUMN``) and the sum of each flag per ``by`` cell.

    ``by`` may name ``age_band`` without the records having it: it is derived from ``age``.
    """
    clash = {PERSONS_COLUMN, *by} & set(flags)
    if clash:
        raise ValueError(f"flag columns clash with grouping columns: {sorted(clash)}")
    table = records
    if "age_band" in by and "age_band" not in records.columns:
        table = records.mutate(age_band=age_band_expr(records["age"]))
    metrics: dict[str, ir.Value] = {PERSONS_COLUMN: table.count()}
    for flag in flags:
        column = table[flag]
        metrics[flag] = (column.cast("int64") if column.type().is_boolean() else column).sum()
    return table.group_by(list(by)).aggregate(**metrics)


def read_records(path: str | Path, con: Any = None) -> ir.Table:
    """Open a CSV or Parquet file of records as an Ibis table (DuckDB reads it in place)."""
    path = Path(path)
    con = con if con is not None else ibis.duckdb.connect()
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return con.read_parquet(path)
    if any(s in (".csv", ".tsv", ".txt") for s in suffixes[-2:]):
        return con.read_csv(path)
    raise ValueError(f"{path.name}: records must be a .csv or .parquet file")


# --------------------------------------------------------------------------------------------------
# Codes: the aggregate's columns as dense integers, labels kept aside until the end
# --------------------------------------------------------------------------------------------------


def _column(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _factorize(array: pa.Array, name: str, *, allow_missing: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each row's code into them (-1 for a missing value, if allowed)."""
    if array.null_count and not allow_missing:
        raise ValueError(f"records have a missing {name}")
    encoded = array.dictionary_encode()
    dictionary = encoded.dictionary.to_numpy(zero_copy_only=False)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    missing = np.isnan(indices) if indices.dtype.kind == "f" else None
    order = np.argsort(dictionary, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    if missing is not None and missing.any():
        codes = np.full(len(indices), -1, dtype=np.int64)
        codes[~missing] = rank[indices[~missing].astype(np.int64)]
    else:
        codes = rank[indices.astype(np.int64)] if len(indices) else indices.astype(np.int64)
    return codes, dictionary[order]


def _integers(array: pa.Array, name: str, *, allow_missing: bool = False) -> np.ndarray:
    if array.null_count and not allow_missing:
        raise ValueError(f"records have a missing {name}")
    values = np.asarray(array.fill_null(-1).to_numpy(zero_copy_only=False))
    return values.astype(np.int64)


def _sex_codes(array: pa.Array) -> np.ndarray:
    codes, values = _factorize(array, "sex")
    unknown = sorted(set(values.tolist()) - set(SEXES))
    if unknown:
        raise ValueError(f"sex must be one of {SEXES}; records have {unknown}")
    return np.array([SEXES.index(v) for v in values], dtype=np.int64)[codes]


def _band_codes(array: pa.Array) -> np.ndarray:
    bands = _integers(array, "age")
    if bands.size and bands.min() < 0:
        raise ValueError("records have a negative age")
    return bands


def _decile_codes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..9 for deciles 1..10 (-1 where missing), whatever numeric type the column has."""
    deciles = np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)  # null -> NaN
    missing = np.isnan(deciles)
    bad = ~missing & ((deciles < 1) | (deciles > 10) | (deciles != np.rint(deciles)))
    if bad.any():
        raise ValueError(
            f"deprivation_decile must be 1..10; records have {sorted(set(deciles[bad].tolist()))}"
        )
    codes = np.where(missing, -1, np.nan_to_num(deciles) - 1).astype(np.int64)
    return codes, np.array(DECILE_LABELS, dtype=object)


# --------------------------------------------------------------------------------------------------
# Roll-ups over integer codes
# --------------------------------------------------------------------------------------------------


def _sum_rows(index: np.ndarray, n_cells: int, values: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` (rows x k) per cell index: one ``bincount`` per column, no sort."""
    sums = np.empty((n_cells, values.shape[1]), dtype=np.int64)
    for column in range(values.shape[1]):  # integer counts: float sums are exact below 2**53
        sums[:, column] = np.rint(np.bincount(index, weights=values[:, column], minlength=n_cells))
    return sums


def _rollup(
    keys: Sequence[np.ndarray], sizes: Sequence[int], values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of ``keys`` (sorted, as a flat index into ``sizes``) and their summed values."""
    flat = np.ravel_multi_index(tuple(keys), tuple(sizes)) if len(values) else np.zeros(0, dtype=np.intp)
    space = prod(sizes)
    if space <= max(4 * len(flat), 1 << 16):  # dense: no sort
        present = np.bincount(flat, minlength=space) > 0
        cells = np.flatnonzero(present)
        position = np.cumsum(present) - 1
        index = position[flat]
    else:
        cells, index = np.unique(flat, return_inverse=True)
        index = index.reshape(-1)
    return cells, _sum_rows(index, len(cells), values)


@dataclass
class _Level:
    """One breakdown's output cells: their key codes, sums, and (for DSRs) their age-band rows."""

    area: np.ndarray
    period: np.ndarray
    sex: np.ndarray
    age: np.ndarray  # band index, or -1 for all ages
    category_type: str
    category: np.ndarray  # code into category_labels, or -1
    category_labels: np.ndarray
    sums: np.ndarray  # cells x (1 + flags): persons, then each flag's events
    band_cell: np.ndarray | None  # DSR rows: the cell (row in this level) of each cell x band row
    band: np.ndarray | None
    band_sums: np.ndarray | None


def _level(
    area: np.ndarray,
    period: np.ndarray,
    extra: np.ndarray | None,
    extra_size: int,
    band: np.ndarray,
    values: np.ndarray,
    sizes: tuple[int, int],
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Roll up to cell x age band, then to cells: (cell keys, cell sums, band cell, band, band sums)."""
    keys = [area, period] if extra is None else [area, period, extra]
    dims = [*sizes] if extra is None else [*sizes, extra_size]
    flat, band_sums = _rollup([*keys, band], [*dims, _N_BANDS], values)
    cell_flat, bands = np.divmod(flat, _N_BANDS)
    new_cell = np.ones(len(flat), dtype=bool)
    new_cell[1:] = cell_flat[1:] != cell_flat[:-1]
    starts = np.flatnonzero(new_cell)
    band_cell = np.cumsum(new_cell) - 1
    sums = np.add.reduceat(band_sums, starts, axis=0) if len(starts) else band_sums
    cell_keys = list(np.unravel_index(cell_flat[starts], tuple(dims)))
    return cell_keys, sums, band_cell, bands, band_sums


# --------------------------------------------------------------------------------------------------
# compute
# --------------------------------------------------------------------------------------------------


def _suffix(confidence: float) -> str:
    """Column suffix of a confidence level: 0.95 -> "95", 0.998 -> "998"."""
    return f"{stats.normalise_confidence(confidence) * 100:g}".replace(".", "")


def _validate(
    records: ir.Table, indicators: Sequence[RecordIndicator], breakdowns: Sequence[str]
) -> tuple[list[str], list[str]]:
    unknown = [b for b in breakdowns if b not in BREAKDOWNS]
    if unknown:
        raise ValueError(f"unknown breakdowns {unknown}; choose from {BREAKDOWNS}")
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise ValueError("indicator codes must be unique")
    flags = list(dict.fromkeys(i.flag for i in indicators))
    categories = [b for b in CATEGORY_BREAKDOWNS if b in breakdowns]
    needed = [*REQUIRED_COLUMNS, *categories, *flags]
    missing = [c for c in needed if c not in records.columns]
    if missing:
        raise ValueError(f"records lack the columns {missing}")
    return flags, categories


def _aggregate_sets(records: ir.Table, flags: list[str], categories: list[str]) -> ir.Table:
    """One aggregate per category breakdown (or one in all), stacked: the GROUPING SETS equivalent."""
    base = ["area_code", "period", "sex", "age_band"]
    if not categories:
        return aggregate(records, flags, base).mutate(**{_SET_COLUMN: ibis.literal(0, "int8")})
    parts = []
    for number, category in enumerate(categories):
        part = aggregate(records, flags, [*base, category])
        others = {other: ibis.null().cast(records[other].type()) for other in categories if other != category}
        parts.append(part.mutate(**others, **{_SET_COLUMN: ibis.literal(number, "int8")}))
    columns = [*base, *categories, PERSONS_COLUMN, *flags, _SET_COLUMN]
    return ibis.union(*(part.select(*columns) for part in parts), distinct=False)


def compute(
    records: ir.Table,
    indicators: Sequence[RecordIndicator],
    *,
    breakdowns: Sequence[str] = ("sex", "deprivation_decile"),
    confidence: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Every indicator for every area x period, headline and breakdowns, as one long frame (``COLUMNS``).

    Rows come per indicator (in the order given), then headline, sex, age band and category rows, each
    sorted by area, period and breakdown value. ``count`` is the number of records with the flag and
    ``denominator`` the number of records in the cell. The limits' columns are named after the
    ``confidence`` levels (the platform stores 95% and 99.8%).
    """
    flags, categories = _validate(records, indicators, breakdowns)
    suffixes = [_suffix(c) for c in confidence]
    columns = [
        *COLUMNS[:10],
        *(f"{side}_{suffix}" for suffix in suffixes for side in ("lower", "upper")),
    ]
    if not indicators:
        return pd.DataFrame({c: [] for c in columns})
    table = _aggregate_sets(records, flags, categories).to_pyarrow()
    if table.num_rows == 0:
        return pd.DataFrame({c: [] for c in columns})
    levels = _levels(table, flags, categories, breakdowns)
    return _frame(levels, indicators, flags, list(confidence), columns)


def _levels(
    table: pa.Table, flags: list[str], categories: list[str], breakdowns: Sequence[str]
) -> list[_Level]:
    """The output cells of the headline and each breakdown, from the aggregate's rows."""
    area, area_labels = _factorize(_column(table, "area_code"), "area_code")
    period, period_labels = _factorize(_column(table, "period"), "period")
    sex = _sex_codes(_column(table, "sex"))
    band = _band_codes(_column(table, "age_band"))
    grouping_set = _integers(_column(table, _SET_COLUMN), _SET_COLUMN)
    values = np.column_stack([_integers(_column(table, c), c) for c in (PERSONS_COLUMN, *flags)])
    sizes = (len(area_labels), len(period_labels))
    base = grouping_set == 0  # every grouping set holds all records; the first serves the base levels
    no_labels = np.zeros(0, dtype=object)

    def level(
        rows: np.ndarray,
        extra: np.ndarray | None = None,
        extra_labels: np.ndarray = no_labels,
        category_type: str = "",
    ) -> _Level:
        keys, sums, band_cell, bands, band_sums = _level(
            area[rows],
            period[rows],
            None if extra is None else extra[rows],
            len(extra_labels),
            band[rows],
            values[rows],
            sizes,
        )
        n = len(sums)
        by_sex = extra is not None and not category_type
        return _Level(
            area=area_labels[keys[0]],
            period=period_labels[keys[1]],
            sex=extra_labels[keys[2]] if by_sex else np.full(n, PERSONS, dtype=object),
            age=np.full(n, -1),
            category_type=category_type,
            category=keys[2] if category_type else np.full(n, -1),
            category_labels=no_labels if by_sex else extra_labels,
            sums=sums,
            band_cell=band_cell,
            band=bands,
            band_sums=band_sums,
        )

    headline = level(base)
    levels = [headline]
    if "sex" in breakdowns:
        levels.append(level(base, sex, np.array(SEXES, dtype=object)))
    if "age_band" in breakdowns:  # the headline's cell x band rows are the age-band breakdown's cells
        assert headline.band_cell is not None and headline.band is not None and headline.band_sums is not None
        n = len(headline.band_sums)
        levels.append(
            _Level(
                area=headline.area[headline.band_cell],
                period=headline.period[headline.band_cell],
                sex=np.full(n, PERSONS, dtype=object),
                age=headline.band,
                category_type="",
                category=np.full(n, -1),
                category_labels=no_labels,
                sums=headline.band_sums,
                band_cell=None,
                band=None,
                band_sums=None,
            )
        )
    for number, category in enumerate(categories):
        if category == "deprivation_decile":
            codes, labels = _decile_codes(_column(table, category))
        else:
            codes, labels = _factorize(_column(table, category), category, allow_missing=True)
        rows = (grouping_set == number) & (codes >= 0)
        levels.append(level(rows, codes, labels, CATEGORY_TYPES[category]))
    return levels


def _frame(
    levels: list[_Level],
    indicators: Sequence[RecordIndicator],
    flags: list[str],
    confidence: list[float],
    columns: list[str],
) -> pd.DataFrame:
    """Statistics for every cell of every indicator, labelled, as one frame."""
    sums = np.concatenate([level.sums for level in levels])
    n_cells = len(sums)
    offsets = np.cumsum([0, *(len(level.sums) for level in levels)])
    is_age_row = np.concatenate([np.full(len(level.sums), level.band_cell is None) for level in levels])
    # DSR inputs: every standardisable cell's age-band rows, grouped by the cell's row in ``sums``.
    dsr_levels = [(i, level) for i, level in enumerate(levels) if level.band_cell is not None]
    band_group = np.concatenate([offsets[i] + level.band_cell for i, level in dsr_levels])
    band_sums = np.concatenate([level.band_sums for _, level in dsr_levels])
    esp = european_standard_weights()[np.concatenate([level.band for _, level in dsr_levels])]
    band_population = band_sums[:, 0]
    empty = band_population <= 0
    if empty.any():
        if (band_sums[empty, 1:] > 0).any():
            raise ValueError("an age band has events but no persons; check the records' age and flags")
        band_group, band_sums, esp, band_population = (
            band_group[~empty],
            band_sums[~empty],
            esp[~empty],
            band_population[~empty],
        )
    dsr_rows = stats.dsr_groups(band_group)

    denominator = sums[:, 0]
    blocks: dict[str, list[np.ndarray]] = {c: [] for c in columns[7:]}
    for indicator in indicators:
        column = 1 + flags.index(indicator.flag)
        count = sums[:, column]
        results = []
        for level in confidence:
            if indicator.value_type == "proportion":
                results.append(stats.proportion(count, denominator, level, indicator.multiplier))
            elif indicator.value_type == "crude_rate":
                results.append(_crude_rate(count, denominator, level, indicator.multiplier))
            else:  # DSR: standardised cells, and crude rates for the age-band rows (a DSR of one band)
                value, lower, upper = (np.full(n_cells, np.nan) for _ in range(3))
                if is_age_row.any():
                    crude = _crude_rate(
                        count[is_age_row], denominator[is_age_row], level, indicator.multiplier
                    )
                    for part, result in zip((value, lower, upper), crude, strict=True):
                        part[is_age_row] = result
                if len(dsr_rows):
                    standardised = stats.dsr(
                        band_sums[:, column], band_population, esp, band_group, level, indicator.multiplier
                    )
                    for part, result in zip((value, lower, upper), standardised, strict=True):
                        part[dsr_rows] = result
                results.append((value, lower, upper))
        blocks["count"].append(count)
        blocks["denominator"].append(denominator)
        blocks["value"].append(results[0][0])
        for (_, lower, upper), name in zip(results, columns[10::2], strict=True):
            blocks[name].append(lower)
            blocks[name.replace("lower", "upper")].append(upper)

    # Labels last, through Arrow: one indicator's key block, repeated by index (no Python strings per row).
    n_indicators = len(indicators)
    data: dict[str, pa.Array | np.ndarray] = {
        "indicator_code": pa.array([i.code for i in indicators]).take(
            np.repeat(np.arange(n_indicators), n_cells)
        )
    }
    repeat = pa.array(np.tile(np.arange(n_cells), n_indicators))
    for name, values in _key_columns(levels).items():
        data[name] = pa.array(values).take(repeat)
    for name, parts in blocks.items():
        data[name] = np.concatenate(parts)
    return pa.table({name: data[name] for name in columns}).to_pandas()


def _crude_rate(
    count: np.ndarray, denominator: np.ndarray, confidence: float, multiplier: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``stats.rate``, with the Poisson limits of each distinct count worked out once.

    A rate's limits are its count's limits over the denominator, and the exact (chi-squared) limits
    are costly, while cells share few distinct counts. Same arithmetic as ``stats.rate`` otherwise.
    """
    distinct, index = np.unique(count, return_inverse=True)
    _, lower, upper = stats.rate(distinct, np.ones(len(distinct)), confidence, 1)
    index = index.reshape(-1)
    n = np.asarray(denominator, dtype=np.float64)
    x = np.asarray(count, dtype=np.float64)
    return x / n * multiplier, lower[index] / n * multiplier, upper[index] / n * multiplier


def _key_columns(levels: Iterable[_Level]) -> dict[str, np.ndarray]:
    """The labels of every output cell (one indicator's worth of rows), mapped from codes at the end."""
    band_labels = np.array([*AGE_BANDS, ALL_AGES], dtype=object)  # index -1 is "All ages"
    parts: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS[1:7]}
    for level in levels:
        n = len(level.sums)
        parts["area_code"].append(np.asarray(level.area))
        parts["period"].append(np.asarray(level.period))
        parts["sex"].append(np.asarray(level.sex, dtype=object))
        parts["age"].append(band_labels[level.age])
        parts["category_type"].append(np.full(n, level.category_type, dtype=object))
        labels = np.array([*level.category_labels, ""], dtype=object)
        parts["category"].append(labels[level.category])
    return {name: np.concatenate(values) for name, values in parts.items()}


@cache
def european_standard_weights() -> np.ndarray:
    """ESP2013 populations as an array indexed by age-band code (0 = "0-4" .. 18 = "90+")."""
    standard = stats.european_standard_population()
    return np.array([standard[band] for band in AGE_BANDS], dtype=np.float64)
