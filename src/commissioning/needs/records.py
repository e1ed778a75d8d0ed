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
OPTIONAL = ("ethnicity", "locality", "person_id")
SEX_CODES = {"male": "male", "m": "male", "1": "male", "female": "female", "f": "female", "2": "female"}
_FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ERROR_ROWS = 10_000


@dataclass
class RecordsFile:
    """A checked record-level file held in DuckDB as the table ``records``."""

    con: duckdb.DuckDBPyConnection
    flags: list[str]
    rows_read: int
    has_ethnicity: bool
    has_locality: bool = False


def is_records_header(columns: Collection[str]) -> bool:
    names = {normalise_column(c) for c in columns}
    return {"area_code", "period", "sex"} <= names


def normalise_column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The file as the view ``numbered``, with ``_row`` as in the file (the header is row 1)."""
    name = str(path).replace("'", "''")
    if path.suffix.lower() in {".parquet", ".pq"}:
        # Parquet keeps its types and is read where it lies; its row number is given by DuckDB.
        con.execute(
            f"CREATE VIEW numbered AS SELECT file_row_number + 2 AS _row, * EXCLUDE (file_row_number) "  # noqa: S608
            f"FROM read_parquet('{name}', file_row_number=true)"
        )
    else:
        source = (
            f"read_csv('{name}', all_varchar=true, header=true, delim=',', quote='\"', escape='\"', "
            "strict_mode=false, null_padding=false)"
        )
        # DuckDB keeps insertion order, so row_number() follows the file.
        con.execute(f"CREATE TABLE numbered AS SELECT row_number() OVER () + 1 AS _row, * FROM {source}")  # noqa: S608


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(column: str) -> str:
    return f"trim(CAST({column} AS VARCHAR))"


def _checks(seen: dict[str, str], flags: list[str], sex_codes: str) -> list[tuple[str, str, str]]:
    """(failing condition, column shown, reason) for every rule a row must meet."""
    col = {name: f'"{original}"' for name, original in seen.items()}
    area, period, sex = _text(col["area_code"]), _text(col["period"]), _text(col["sex"])
    age, decile = col["age"], col["deprivation_decile"]
    checks = [
        (
            f"upper(coalesce({area}, '')) NOT IN (SELECT code FROM known_areas)",  # noqa: S608
            "area_code",
            f"'unknown area code ' || coalesce(nullif({area}, ''), '(blank)') "
            "|| ': not in the area register'",
        ),
        (
            f"NOT regexp_full_match(coalesce({period}, ''), '(19|20)[0-9]{{2}}([/-][0-9]{{2,4}})?')",
            "period",
            "'does not parse as a period (a year such as 2019, or 2019/20)'",
        ),
        (f"lower(coalesce({sex}, '')) NOT IN ({sex_codes})", "sex", "'must be male or female (M/F, 1/2)'"),
        (
            f"coalesce(try_cast({age} AS INTEGER), -1) NOT BETWEEN 0 AND 120",
            "age",
            "'must be a whole number of years from 0 to 120'",
        ),
        (
            f"coalesce(try_cast({decile} AS INTEGER), -1) NOT BETWEEN 1 AND 10",
            "deprivation_decile",
            "'must be a whole number from 1 (most deprived) to 10 (least deprived)'",
        ),
    ]
    checks += [
        (
            f"coalesce(try_cast({col[flag]} AS INTEGER), -1) NOT IN (0, 1)",
            flag,
            "'an outcome flag must be 0 or 1'",
        )
        for flag in flags
    ]
    if "person_id" in seen:
        person = _text(col["person_id"])
        checks.append(
            (
                f"coalesce({person}, '') <> '' "
                f"AND row_number() OVER (PARTITION BY {person}, {period} ORDER BY _row) > 1",
                "person_id",
                "'the same person appears twice in one period'",
            )
        )
    return checks


def _problems(
    con: duckdb.DuckDBPyConnection, checks: list[tuple[str, str, str]], seen: dict[str, str]
) -> list[RowError]:
    """All rules in one pass over the file; only failing rows come back to Python."""
    failing = ", ".join(f"({condition}) AS c{i}" for i, (condition, _, _) in enumerate(checks))
    reasons = ", ".join(f"{reason} AS r{i}" for i, (_, _, reason) in enumerate(checks))
    any_failing = " OR ".join(f"c{i}" for i in range(len(checks)))
    rows = con.execute(
        f"SELECT * FROM (SELECT _row, {failing}, {reasons} FROM numbered) "  # noqa: S608 - names checked
        f"WHERE {any_failing} ORDER BY _row LIMIT {MAX_ERROR_ROWS}"
    ).fetchall()
    errors = []
    for row in rows:
        for i, (_, column, _) in enumerate(checks):
            if row[1 + i]:
                errors.append(RowError(int(row[0]), seen.get(column, column), str(row[1 + len(checks) + i])))
    return errors


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
        columns = [c for c in con.table("numbered").columns if c != "_row"]
    except duckdb.Error as exc:
        con.close()
        return None, [RowError(1, "(file)", f"cannot be read as CSV or Parquet: {exc}")]
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for original in columns:
        name = normalise_column(original)
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

    con.execute("CREATE TABLE known_areas (code VARCHAR PRIMARY KEY)")
    con.executemany("INSERT INTO known_areas VALUES (?)", [(code,) for code in sorted(set(area_codes))])
    sex_codes = ", ".join(_quote(code) for code in SEX_CODES)
    errors = _problems(con, _checks(seen, flags, sex_codes), seen)
    if errors:
        con.close()
        return None, errors

    col = {name: f'"{original}"' for name, original in seen.items()}
    rows_read = int(con.execute("SELECT count(*) FROM numbered").fetchone()[0])  # type: ignore[index]
    has_ethnicity = "ethnicity" in seen
    ethnicity = (
        f"coalesce(nullif({_text(col['ethnicity'])}, ''), 'Not stated')" if has_ethnicity else "'Not stated'"
    )
    has_locality = "locality" in seen
    # A person with no locality counts in every figure but the locality breakdown.
    locality = f"nullif({_text(col['locality'])}, '')" if has_locality else "CAST(NULL AS VARCHAR)"
    flag_casts = ", ".join(f"CAST({col[flag]} AS TINYINT) AS {flag}" for flag in flags)
    sex = _text(col["sex"])
    con.execute(
        f"""CREATE VIEW records AS
        SELECT upper({_text(col["area_code"])}) AS area_code, {_text(col["period"])} AS period,
               CASE WHEN lower({sex}) IN ('male', 'm', '1') THEN 'male' ELSE 'female' END AS sex,
               CAST({col["age"]} AS INTEGER) AS age,
               CAST({col["deprivation_decile"]} AS INTEGER) AS deprivation_decile,
               {ethnicity} AS ethnicity, {locality} AS locality, {flag_casts}
        FROM numbered"""  # noqa: S608 - names checked against a strict pattern above
    )
    return (
        RecordsFile(
            con=con, flags=flags, rows_read=rows_read, has_ethnicity=has_ethnicity, has_locality=has_locality
        ),
        [],
    )


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
