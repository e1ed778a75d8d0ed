"""Read and check the two files need projections rest on: population projections and prevalence rates.

Population projections (for example ONS subnational projections, reshaped) give residents by
area, year, sex and age band. Prevalence rates (as published by POPPI and PANSI, or a local
survey) give, for each need measure, the share of each sex and age band who have the need.
Both are checked whole, every problem reported with its row and column.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.text import slugify

from commissioning.core.imports import RowError

POPULATION_REQUIRED = ("area_code", "year", "sex", "age_band", "population")
POPULATION_OPTIONAL = ("source",)
PREVALENCE_REQUIRED = ("measure_code", "measure_name", "sex", "age_band", "rate")
PREVALENCE_OPTIONAL = ("care_group", "source", "assumptions")
SEXES = ("male", "female", "persons")


def is_population_header(columns: Collection[str]) -> bool:
    return {"population", "year", "age_band"} <= {c.strip().lower() for c in columns}


def is_prevalence_header(columns: Collection[str]) -> bool:
    return {"measure_code", "rate"} <= {c.strip().lower() for c in columns}


def _read(
    path: str | Path, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[pd.DataFrame, list[RowError]]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return pd.DataFrame(), [RowError(1, "(file)", f"cannot be read as CSV: {exc}")]
    frame.columns = [c.strip().lower() for c in frame.columns]
    errors = [
        RowError(1, c, "required column is missing from the header") for c in required if c not in frame
    ]
    errors += [RowError(1, c, "unknown column") for c in frame.columns if c not in required + optional]
    for column in optional:
        if column not in frame:
            frame[column] = ""
    return frame.apply(lambda column: column.str.strip()), errors


def _errors(mask: pd.Series, column: str, reason: str) -> list[RowError]:
    return [RowError(int(row) + 2, column, reason) for row in np.flatnonzero(mask.to_numpy())]


def _duplicates(frame: pd.DataFrame, key: list[str], column: str) -> list[RowError]:
    repeated = frame.duplicated(key, keep="first")
    if not repeated.any():
        return []
    first = frame.reset_index().groupby(key)["index"].transform("first") + 2
    return [
        RowError(int(row) + 2, column, f"repeats row {int(first.iloc[row])}")
        for row in np.flatnonzero(repeated.to_numpy())
    ]


def parse_population(
    path: str | Path, *, area_codes: Collection[str]
) -> tuple[pd.DataFrame | None, list[RowError]]:
    """Residents by area, year, sex and age band; None with the problems if any row is wrong."""
    frame, errors = _read(path, POPULATION_REQUIRED, POPULATION_OPTIONAL)
    if errors:
        return None, errors
    frame["area_code"] = frame["area_code"].str.upper()
    errors += _errors(~frame["area_code"].isin(set(area_codes)), "area_code", "unknown area code")
    year = pd.to_numeric(frame["year"], errors="coerce")
    errors += _errors(
        year.isna() | (year % 1 != 0) | ~year.between(1990, 2100), "year", "must be a year, e.g. 2030"
    )
    frame["sex"] = frame["sex"].str.lower()
    errors += _errors(~frame["sex"].isin(SEXES), "sex", "must be male, female or persons")
    errors += _errors(frame["age_band"] == "", "age_band", "is blank")
    population = pd.to_numeric(frame["population"], errors="coerce")
    errors += _errors(
        population.isna() | (population < 0), "population", "must be a number of people, 0 or more"
    )
    errors += _duplicates(frame, ["area_code", "year", "sex", "age_band"], "age_band")
    if errors:
        return None, sorted(errors, key=lambda e: (e.row, e.column))
    return frame.assign(year=year.astype(int), population=population.astype(float)), []


def parse_prevalence(
    path: str | Path, *, care_groups: Collection[str]
) -> tuple[pd.DataFrame | None, list[RowError]]:
    """Prevalence by measure, sex and age band, as fractions from 0 to 1."""
    frame, errors = _read(path, PREVALENCE_REQUIRED, PREVALENCE_OPTIONAL)
    if errors:
        return None, errors
    codes = frame["measure_code"]
    errors += _errors(
        (codes == "") | (codes != codes.map(slugify)), "measure_code", "must be letters, digits and hyphens"
    )
    errors += _errors(frame["measure_name"] == "", "measure_name", "is blank")
    names = frame.groupby("measure_code")["measure_name"].transform("first")
    errors += _errors(frame["measure_name"] != names, "measure_name", "differs from the measure's first row")
    unknown_group = (frame["care_group"] != "") & ~frame["care_group"].isin(set(care_groups))
    errors += _errors(unknown_group, "care_group", "no care group of this partnership has this name")
    frame["sex"] = frame["sex"].str.lower()
    errors += _errors(~frame["sex"].isin(SEXES), "sex", "must be male, female or persons")
    errors += _errors(frame["age_band"] == "", "age_band", "is blank")
    rate = pd.to_numeric(frame["rate"], errors="coerce")
    errors += _errors(
        rate.isna() | (rate < 0) | (rate > 1), "rate", "must be a fraction from 0 to 1 (e.g. 0.071 for 7.1 %)"
    )
    errors += _duplicates(frame, ["measure_code", "sex", "age_band"], "age_band")
    if errors:
        return None, sorted(errors, key=lambda e: (e.row, e.column))
    return frame.assign(rate=rate.astype(float)), []
