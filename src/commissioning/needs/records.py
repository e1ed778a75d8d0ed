"""Read and check record-level data (one row per person) in DuckDB, before the engine aggregates it.

Partners' own systems (GP registers, social care records, school health surveys) give one row
per person with their area, period, sex, age, deprivation decile, optionally ethnic group, and
a 0/1 flag for each outcome. Every check is one SQL query over the whole file, so millions of
rows are checked set-based; each problem is reported with its row (the header is row 1) and
column. Nothing leaves DuckDB until the file is clean.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import duckdb

from commissioning.core.imports import RowError

REQUIRED = ("area_code", "period", "sex", "age", "deprivation_decile")
OPTIONAL = ("ethnicity", "person_id")
SEX_CODES = {"male": "male", "m": "male", "1": "male", "female": "female", "f": "female", "2": "female"}
_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ERRORS_PER_CHECK = 1000


@dataclass
class RecordsFile:
    """A checked record-level file held in DuckDB as the table ``records``."""

    con: duckdb.DuckDBPyConnection
    flags: list[str]
    rows_read: int
    has_ethnicity: bool


def is_records_header(columns: Collection[str]) -> bool:
    names = {normalise_column(c) for c in columns}
    return {"area_code", "period", "sex"} <= names


def normalise_column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    name = str(path).replace("'", "''")
    if path.suffix.lower() in {".parquet", ".pq"}:
        source = f"read_parquet('{name}')"
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {source}")  # noqa: S608 - path quoted above
        casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in con.table("raw").columns)
        con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT {casts} FROM raw")  # noqa: S608
    else:
        source = (
            f"read_csv('{name}', all_varchar=true, header=true, delim=',', quote='\"', escape='\"', "
            "strict_mode=false, null_padding=false)"
        )
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {source}")  # noqa: S608
    # Row numbers as in the file: the header is row 1. DuckDB keeps insertion order.
    con.execute("CREATE TABLE numbered AS SELECT row_number() OVER () + 1 AS _row, * FROM raw")
    con.execute("DROP TABLE raw")


def _bad_rows(con: duckdb.DuckDBPyConnection, condition: str, column: str, reason: str) -> list[RowError]:
    rows = con.execute(
        f"SELECT _row, {reason} FROM numbered WHERE {condition} ORDER BY _row LIMIT {MAX_ERRORS_PER_CHECK}"  # noqa: S608
    ).fetchall()
    return [RowError(int(row), column, str(text)) for row, text in rows]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse(
    path: str | Path,
    *,
    area_codes: Collection[str],
    flag_names: Collection[str] | None = None,
) -> tuple[RecordsFile | None, list[RowError]]:
    """Load a CSV or Parquet file into DuckDB and check every row; None with the problems if any."""
    path = Path(path)
    con = duckdb.connect()
    try:
        _load(con, path)
    except duckdb.Error as exc:
        con.close()
        return None, [RowError(1, "(file)", f"cannot be read as CSV or Parquet: {exc}")]
    columns = [c for c in con.table("numbered").columns if c != "_row"]
    renames = {c: normalise_column(c) for c in columns}
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for original, name in renames.items():
        if name in seen:
            errors.append(RowError(1, original, f"is the same column as {seen[name]!r}"))
        seen[name] = original
    errors += [
        RowError(1, name, "required column is missing from the header")
        for name in REQUIRED
        if name not in seen
    ]
    flags = [name for name in seen if name not in REQUIRED and name not in OPTIONAL]
    for flag in flags:
        if not _FLAG_NAME.match(flag):
            errors.append(RowError(1, seen[flag], "an outcome column's name must start with a letter"))
        elif flag_names is not None and flag not in flag_names:
            errors.append(
                RowError(1, seen[flag], "unknown column: no indicator has this code; define it first")
            )
    if not flags:
        errors.append(RowError(1, "(header)", "no outcome columns: add a 0/1 column per indicator"))
    if errors:
        con.close()
        return None, errors

    select = ", ".join(f'trim("{original}") AS {name}' for original, name in renames.items())
    con.execute(f"CREATE OR REPLACE TABLE numbered AS SELECT _row, {select} FROM numbered")  # noqa: S608
    con.execute("CREATE TABLE known_areas (code VARCHAR PRIMARY KEY)")
    con.executemany("INSERT INTO known_areas VALUES (?)", [(code,) for code in sorted(set(area_codes))])
    sex_codes = ", ".join(_quote(code) for code in SEX_CODES)

    errors += _bad_rows(
        con,
        "upper(area_code) NOT IN (SELECT code FROM known_areas)",
        seen["area_code"],
        "'unknown area code ' || coalesce(area_code, '(blank)') || ': not in the area register'",
    )
    errors += _bad_rows(
        con,
        "NOT regexp_full_match(coalesce(period, ''), '(19|20)[0-9]{2}([/-][0-9]{2,4})?')",
        seen["period"],
        "'does not parse as a period (a year such as 2019, or 2019/20)'",
    )
    errors += _bad_rows(
        con,
        f"lower(coalesce(sex, '')) NOT IN ({sex_codes})",
        seen["sex"],
        "'must be male or female (M/F, 1/2)'",
    )
    errors += _bad_rows(
        con,
        "try_cast(age AS INTEGER) IS NULL OR try_cast(age AS INTEGER) NOT BETWEEN 0 AND 120",
        seen["age"],
        "'must be a whole number of years from 0 to 120'",
    )
    errors += _bad_rows(
        con,
        "try_cast(deprivation_decile AS INTEGER) IS NULL "
        "OR try_cast(deprivation_decile AS INTEGER) NOT BETWEEN 1 AND 10",
        seen["deprivation_decile"],
        "'must be a whole number from 1 (most deprived) to 10 (least deprived)'",
    )
    for flag in flags:
        errors += _bad_rows(
            con, f"coalesce({flag}, '') NOT IN ('0', '1')", seen[flag], "'an outcome flag must be 0 or 1'"
        )
    if "person_id" in seen:
        errors += _bad_rows(
            con,
            "_row IN (SELECT _row FROM (SELECT _row, row_number() OVER (PARTITION BY person_id, period "
            "ORDER BY _row) AS k FROM numbered WHERE coalesce(person_id, '') <> '') WHERE k > 1)",
            seen["person_id"],
            "'the same person appears twice in one period'",
        )
    if errors:
        con.close()
        errors.sort(key=lambda error: (error.row, error.column))
        return None, errors

    rows_read = int(con.execute("SELECT count(*) FROM numbered").fetchone()[0])  # type: ignore[index]
    has_ethnicity = "ethnicity" in seen
    ethnicity = "coalesce(nullif(ethnicity, ''), 'Not stated')" if has_ethnicity else "'Not stated'"
    flag_casts = ", ".join(f"CAST({flag} AS TINYINT) AS {flag}" for flag in flags)
    con.execute(
        f"""CREATE TABLE records AS
        SELECT upper(area_code) AS area_code, period,
               CASE WHEN lower(sex) IN ('male', 'm', '1') THEN 'male' ELSE 'female' END AS sex,
               CAST(age AS INTEGER) AS age, CAST(deprivation_decile AS INTEGER) AS deprivation_decile,
               {ethnicity} AS ethnicity, {flag_casts}
        FROM numbered"""  # noqa: S608 - names checked against a strict pattern above
    )
    con.execute("DROP TABLE numbered")
    return RecordsFile(con=con, flags=flags, rows_read=rows_read, has_ethnicity=has_ethnicity), []


def header_of(path: str | Path) -> list[str]:
    """The column names, to tell a record-level file from a Fingertips export."""
    path = Path(path)
    con = duckdb.connect()
    try:
        name = str(path).replace("'", "''")
        if path.suffix.lower() in {".parquet", ".pq"}:
            return list(con.sql(f"SELECT * FROM read_parquet('{name}') LIMIT 0").columns)  # noqa: S608
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline()
        return next(csv.reader([first]), [])
    finally:
        con.close()
