"""Read and check a file in the Fingertips CSV export layout, every row, before anything is saved.

Fingertips (OHID's public health profiles) publishes indicator data as CSV with its own column
names. Real exports have quirks this reader accepts as they are: a quoted line break inside the
indicator name, a comparison column named for the region or other parent ('Compared to Region
value or percentiles', 'Compared to South East region value or percentiles'), and in later
exports a 27th column, 'Time period range'. Checks run over whole columns at once, so a file of
a million rows is checked in seconds; every problem is reported with its row and column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from commissioning.core.imports import RowError
from commissioning.needs.periods import is_sortable_code, period_sorts

FINGERTIPS_COLUMNS: tuple[str, ...] = (
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
)
TIME_PERIOD_RANGE = "Time period range"
REQUIRED_COLUMNS = ("Indicator ID", "Indicator Name", "Area Code", "Sex", "Age", "Time period", "Value")
_PARENT_COMPARISON = re.compile(r"^Compared to (?!England\b).+ value or percentiles$")
ENGLAND_COMPARISON = "Compared to England value or percentiles"

NUMBER_COLUMNS = {
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95",
    "Upper CI 95.0 limit": "upper_95",
    "Lower CI 99.8 limit": "lower_998",
    "Upper CI 99.8 limit": "upper_998",
    "Count": "count",
    "Denominator": "denominator",
}
SEXES = {"persons": "persons", "male": "male", "female": "female"}
KEY = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]


def is_fingertips_header(columns: Collection[str]) -> bool:
    """Whether a file's header looks like a Fingertips export (to choose the importer)."""
    return "Indicator ID" in columns or len(set(columns) & set(FINGERTIPS_COLUMNS)) >= 5


@dataclass
class FingertipsFile:
    """The checked rows of one export, in the platform's own column names."""

    rows: pd.DataFrame
    parent_comparison_column: str | None
    rows_read: int


def read_csv(source: str | Path | IO[bytes]) -> pd.DataFrame:
    """Every cell as text, nothing guessed: blanks stay blank, 'NA' stays 'NA' until checked."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    frame.columns = [" ".join(str(c).split()) for c in frame.columns]
    return frame


def check_columns(columns: list[str]) -> tuple[list[RowError], str | None]:
    errors: list[RowError] = []
    parent_columns = [c for c in columns if _PARENT_COMPARISON.match(c)]
    known = set(FINGERTIPS_COLUMNS) | {TIME_PERIOD_RANGE} | set(parent_columns)
    errors += [
        RowError(1, column, "required column is missing from the header")
        for column in REQUIRED_COLUMNS
        if column not in columns
    ]
    errors += [
        RowError(1, column or "(blank)", "unknown column: not part of the Fingertips export layout")
        for column in columns
        if column not in known
    ]
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            errors.append(RowError(1, column, "the column appears twice in the header"))
        seen.add(column)
    return errors, (parent_columns[0] if parent_columns else None)


def _number(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """Parsed numbers (NaN for blanks) and a mask of cells that are neither blank nor a number."""
    text = frame[column].str.strip() if column in frame else pd.Series("", index=frame.index)
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (text != "") & numbers.isna()
    return numbers.astype(float), bad


def _errors(mask: pd.Series, column: str, reason: str | pd.Series) -> list[RowError]:
    rows = np.flatnonzero(mask.to_numpy()) + 2
    if isinstance(reason, pd.Series):
        reasons = reason[mask].tolist()
        return [RowError(int(row), column, text) for row, text in zip(rows, reasons, strict=True)]
    return [RowError(int(row), column, reason) for row in rows]


def check_rows(
    frame: pd.DataFrame,
    *,
    area_codes: Collection[str],
    proportion_ids: Collection[int] = (),
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check every row at once; return the rows in the platform's column names and the problems."""
    errors: list[RowError] = []
    out = pd.DataFrame(index=frame.index)

    ids = pd.to_numeric(frame["Indicator ID"].str.strip(), errors="coerce")
    bad_id = ids.isna() | (ids % 1 != 0) | (ids <= 0)
    errors += _errors(bad_id, "Indicator ID", "must be a whole number, the Fingertips indicator ID")
    out["indicator_id"] = ids.where(~bad_id).astype("Int64")
    out["indicator_name"] = frame["Indicator Name"].map(lambda text: " ".join(text.split()))
    errors += _errors(out["indicator_name"] == "", "Indicator Name", "is blank")

    codes = frame["Area Code"].str.strip().str.upper()
    known = pd.Series(codes.isin(set(area_codes)), index=frame.index)
    reason = "unknown area code " + codes + ": not in the area register"
    errors += _errors(~known & (codes != ""), "Area Code", reason)
    errors += _errors(codes == "", "Area Code", "is blank")
    out["area_code"] = codes

    sex = frame["Sex"].str.strip().str.lower().map(SEXES)
    errors += _errors(sex.isna(), "Sex", "must be Persons, Male or Female")
    out["sex"] = sex.fillna("")
    out["age"] = frame["Age"].str.strip()
    errors += _errors(out["age"] == "", "Age", "is blank")
    out["category_type"] = frame.get("Category Type", pd.Series("", index=frame.index)).str.strip()
    out["category"] = frame.get("Category", pd.Series("", index=frame.index)).str.strip()
    half_category = (out["category_type"] == "") != (out["category"] == "")
    errors += _errors(
        half_category, "Category", "a category needs its category type, and a type its category"
    )

    out["period"] = frame["Time period"].map(lambda text: " ".join(text.split()))
    sortable = frame.get("Time period Sortable", pd.Series("", index=frame.index)).str.strip()
    parsed = period_sorts(out["period"]).astype(float)
    given = is_sortable_code(sortable)
    out["period_sort"] = pd.to_numeric(sortable.where(given), errors="coerce").fillna(parsed)
    unparsed = out["period"].eq("") | out["period_sort"].isna()
    errors += _errors(unparsed, "Time period", "does not parse as a period (e.g. 2019, 2019/20, 2017 - 19)")
    errors += _errors(
        (sortable != "") & ~given, "Time period Sortable", "must be eight digits, e.g. 20190000"
    )

    for column, name in NUMBER_COLUMNS.items():
        numbers, bad = _number(frame, column)
        errors += _errors(bad, column, "is not a number")
        out[name] = numbers
    errors += _errors(out["count"] < 0, "Count", "must not be negative")
    errors += _errors(out["denominator"] <= 0, "Denominator", "must be greater than zero")
    over = (out["count"] > out["denominator"]) & out["indicator_id"].isin(list(proportion_ids))
    errors += _errors(over, "Count", "is above the denominator, which a proportion cannot be")
    for level in ("95", "998"):
        crossed = out[f"lower_{level}"] > out[f"upper_{level}"]
        label = "95.0" if level == "95" else "99.8"
        errors += _errors(crossed, f"Lower CI {label} limit", "is above the upper limit")
    out["value_note"] = frame.get("Value note", pd.Series("", index=frame.index)).str.strip()
    out["england_comparison"] = frame.get(ENGLAND_COMPARISON, pd.Series("", index=frame.index)).str.strip()

    duplicated = out.duplicated(KEY, keep="first") & out["indicator_id"].notna()
    if duplicated.any():
        first_row = out.reset_index().groupby(KEY, dropna=False)["index"].transform("first") + 2
        first_row.index = out.index
        reason = (
            "duplicates row "
            + first_row.astype(str)
            + " (same indicator, area, period, sex, age and category)"
        )
        errors += _errors(duplicated, "Area Code", reason)
    errors.sort(key=lambda error: (error.row, error.column))
    return out, errors


def parse(
    source: str | Path | IO[bytes],
    *,
    area_codes: Collection[str],
    proportion_ids: Collection[int] = (),
) -> tuple[FingertipsFile | None, list[RowError]]:
    """Read and check a whole export; the file is None when any problem was found."""
    try:
        frame = read_csv(source)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return None, [RowError(1, "(file)", f"cannot be read as CSV: {exc}")]
    column_errors, parent_column = check_columns(list(frame.columns))
    if column_errors:
        return None, column_errors
    rows, errors = check_rows(frame, area_codes=area_codes, proportion_ids=proportion_ids)
    if errors:
        return None, errors
    return FingertipsFile(rows=rows, parent_comparison_column=parent_column, rows_read=len(frame)), []


# What the file says about an indicator it does not define -----------------------------------

_MULTIPLIERS = np.array([1, 100, 1_000, 10_000, 100_000, 1_000_000])


def infer_metadata(rows: pd.DataFrame) -> dict[str, object]:
    """Value type, multiplier, polarity and benchmark method for one indicator new to the platform.

    Fingertips exports carry no metadata columns, but the numbers do: value ÷ (count ÷
    denominator) gives the multiplier; the name says whether it is a percentage; and the
    published 'Better'/'Worse' verdicts against England give the polarity. An analyst can
    correct any of these afterwards; the values themselves do not depend on them.
    """
    name = str(rows["indicator_name"].iloc[0])
    lowered = name.lower()
    usable = rows.dropna(subset=["value", "count", "denominator"])
    usable = usable[(usable["count"] > 0) & (usable["denominator"] > 0)]
    multiplier = 1
    if len(usable):
        ratio = float(np.median(usable["value"] / (usable["count"] / usable["denominator"])))
        multiplier = int(_MULTIPLIERS[np.argmin(np.abs(np.log10(_MULTIPLIERS) - np.log10(max(ratio, 1e-9))))])
    over_one = bool((usable["count"] > usable["denominator"]).any()) if len(usable) else False
    if "standardised" in lowered and "ratio" in lowered:
        value_type = "isr"
    elif "standardised" in lowered or "dsr" in lowered:
        value_type = "dsr"
    elif "%" in name or "proportion" in lowered or "percentage" in lowered:
        value_type = "proportion"
    elif "rate" in lowered or over_one or multiplier >= 1_000:
        value_type = "crude_rate"
    elif len(usable):
        value_type = "proportion"
    else:
        value_type = "count"
    unit = {1: "", 100: "%"}.get(multiplier, f"per {multiplier:,}")
    return {
        "name": name,
        "value_type": value_type,
        "multiplier": multiplier,
        "unit": unit,
        "polarity": infer_polarity(rows),
        "benchmark_method": infer_benchmark_method(rows),
    }


def infer_polarity(rows: pd.DataFrame) -> str:
    """Higher or lower is better, from the file's own 'Better'/'Worse' verdicts against England."""
    verdicts = rows["england_comparison"].str.lower()
    if verdicts.isin(["higher", "lower"]).any() and not verdicts.isin(["better", "worse"]).any():
        return "no_judgement"
    england = rows[rows["area_code"] == "E92000001"].set_index(["period", "sex", "age"])["value"]
    england = england[~england.index.duplicated()]
    judged = rows[verdicts.isin(["better", "worse"]) & rows["value"].notna()]
    if judged.empty or england.empty:
        return "no_judgement"
    benchmark = england.reindex(pd.MultiIndex.from_frame(judged[["period", "sex", "age"]])).to_numpy()
    above = judged["value"].to_numpy() > benchmark
    better = judged["england_comparison"].str.lower().eq("better").to_numpy()
    valid = ~np.isnan(benchmark)
    if not valid.any():
        return "no_judgement"
    agree = float(np.mean(above[valid] == better[valid]))
    return "higher_is_better" if agree >= 0.5 else "lower_is_better"


def infer_benchmark_method(rows: pd.DataFrame) -> str:
    verdicts = rows["england_comparison"].str.lower()
    if verdicts.str.contains("quintile").any():
        return "quintiles"
    if rows["lower_95"].isna().all() and rows["lower_998"].notna().any():
        return "ci_overlap_998"
    return "ci_overlap_95"


def indicator_names(rows: pd.DataFrame) -> Mapping[int, str]:
    return rows.drop_duplicates("indicator_id").set_index("indicator_id")["indicator_name"].to_dict()
