"""Read and check ledger extracts, forecasts and Transparency Code spend files in DuckDB.

Three layouts, one set of rules:

* a **ledger extract** (CSV, xlsx or Parquet): ``cost_centre, period, amount, partner`` and
  optionally ``supplier, reference, description`` (names matched ignoring case and spacing).
  ``partner`` is the organisation's ODS code (NHS bodies) or GSS code (councils), the two codes
  every partner already publishes, in any case. ``period`` is a month, ``YYYY-MM``, or a date,
  ``YYYY-MM-DD`` (a time after it is ignored), which counts for its month; it must fall in the
  financial year being imported. The cost centre must be a budget line's, exactly (spaces
  around it aside), for that partner and year. ``description`` is accepted, so a finance
  system's own extract need not be edited, but not kept: an actual has nowhere to hold it.
* a **forecast** file: ``cost_centre, partner, made_in, outturn`` (``made_in`` as ``YYYY-MM``).
* a council's **spend over £500** file in the Local Government Transparency Code layout. The
  cost centre is ``ProfitCentre`` ("internal cost centre code" in the Code's own description;
  ``OrganisationalUnit`` is a team's name, which changes with restructures), the month is that of
  ``PaymentDate``, ``BeneficiaryName`` is the supplier and ``TransactionNumber`` the reference.
  Every row belongs to the council that published it, named by the caller. Columns beyond
  these five are the Code's own or a council's additions and are not read.

Django-free (the service passes the partners and budget lines in), so it is quick to test.
Every rule is one SQL query over the whole file, so a million rows are checked set-based; each
problem is reported with its row (the header is row 1), its column as the file names it, and
why. Amounts must be pounds and pence written out: ``1234.56``, ``-20``, never ``12.345``,
``1e3`` or blank. Negative actuals are credits and allowed; a negative forecast outturn is
refused, as a budget line cannot be negative. Nothing leaves DuckDB until the file is clean, and
then the rows come out already mapped to budget line ids, so the writer needs no lookups.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from commissioning.core.imports import RowError
from commissioning.governance.rules import financial_year_label

LEDGER, TRANSPARENCY, FORECAST = "ledger", "transparency", "forecast"
LEDGER_REQUIRED = ("cost_centre", "period", "amount", "partner")
LEDGER_OPTIONAL = ("supplier", "reference", "description")
FORECAST_REQUIRED = ("cost_centre", "partner", "made_in", "outturn")
# Transparency Code column → our name. Matched ignoring case, spaces and punctuation.
TRANSPARENCY_COLUMNS = {
    "ProfitCentre": "cost_centre",
    "PaymentDate": "period",
    "Amount": "amount",
    "BeneficiaryName": "supplier",
    "TransactionNumber": "reference",
}
SUPPLIER_LENGTH, REFERENCE_LENGTH = 200, 60  # Actual.supplier and Actual.reference
MAX_POUNDS_DIGITS = 12  # MoneyField: 14 digits, 2 of them pence
MAX_ERROR_ROWS = 10_000
PUBLISHER = "#PUBLISHER"  # the code a spend file's rows carry: its publisher's (no real code has a #)
PARQUET = {".parquet", ".pq"}
XLSX = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Partner:
    """An organisation rows may name, by any of its codes (upper case)."""

    organisation_id: int
    name: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Line:
    """A budget line of the target year: what a (partner, cost centre) pair maps to."""

    id: int
    organisation_id: int
    cost_centre: str


@dataclass
class CheckedFile:
    """A clean file held in DuckDB as the view ``clean``, rows already mapped to budget lines.

    Actuals: ``budget_line_id, month, amount, supplier, reference``; forecasts:
    ``budget_line_id, made_in, outturn``. Months are dates (the first of the month) and amounts
    the checked decimal text, which every database reads without a float in between.
    """

    con: duckdb.DuckDBPyConnection
    kind: str
    rows_read: int
    columns: tuple[str, ...] = field(default=())

    def months(self) -> dict[str, list[int]]:
        """The budget lines each month of the file touches: what an import restates."""
        month = self.columns[1]
        rows = self.con.execute(
            f"SELECT {month}, list(DISTINCT budget_line_id ORDER BY budget_line_id) "  # noqa: S608
            f"FROM clean GROUP BY {month} ORDER BY {month}"
        ).fetchall()
        return {str(m): list(ids) for m, ids in rows}

    def totals(self) -> tuple[int, Decimal, int]:
        """Rows, the sum of the amounts, and the number of budget lines."""
        amount = self.columns[2]
        row = self.con.execute(
            f"SELECT count(*), coalesce(sum(CAST({amount} AS DECIMAL(18, 2))), 0), "  # noqa: S608
            "count(DISTINCT budget_line_id) FROM clean"
        ).fetchone()
        assert row is not None
        return int(row[0]), Decimal(row[1]), int(row[2])

    def batches(self, size: int, form: str = "json", tag: int | None = None) -> Iterator[tuple[int, str]]:
        """The rows as text, about ``size`` at a time, in the order of the table's index (budget
        line, month): a JSON array of row arrays (``form="json"``) or CSV lines (``form="csv"``),
        each row ending with ``tag`` when one is given (the import's id).

        DuckDB writes the text, a budget line's month at a time, so no Python object is made per
        row; the database then reads each batch in one statement (SQLite's ``json_each``,
        PostgreSQL's ``COPY``). Within a month, rows keep no particular order.
        """
        month = self.columns[1]
        plain = [f"CAST({name} AS VARCHAR)" for name in self.columns[:3]]  # id, date, amount
        quoted = [f"'\"' || replace({name}, '\"', '\"\"') || '\"'" for name in self.columns[3:]]
        ending = [] if tag is None else [f"'{int(tag)}'"]
        if form == "json":
            values = [*self.columns, *([str(int(tag))] if tag is not None else [])]
            item = f"CAST(json_array({', '.join(values)}) AS VARCHAR)"
            separator = ","
        elif form == "csv":
            item = " || ',' || ".join([*plain, *quoted, *ending])
            separator = "\n"
        else:
            raise ValueError(f"unknown form {form!r}")
        result = self.con.execute(
            f"SELECT count(*), string_agg({item}, {_sql_text(separator)}) FROM clean "  # noqa: S608 - names are ours
            f"GROUP BY budget_line_id, {month} ORDER BY budget_line_id, {month}"
        )
        pending: list[str] = []
        count = 0
        while True:
            row = result.fetchone()
            if row is not None:
                pending.append(str(row[1]))
                count += int(row[0])
            if pending and (row is None or count >= size):
                text = separator.join(pending)
                yield count, f"[{text}]" if form == "json" else text + "\n"
                pending, count = [], 0
            if row is None:
                return

    def close(self) -> None:
        self.con.close()


def year_label(financial_year: int) -> str:
    """2026 → "2026/27"."""
    return financial_year_label(financial_year)


def normalise_column(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(name).lower())


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _literal(value: int | str) -> str:
    return str(int(value)) if isinstance(value, int) else _sql_text(str(value))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Reading -------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as the text a CSV would hold: whole numbers without ".0", dates in ISO."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_table(path: Path) -> tuple[list[str], pa.Table]:
    """The first sheet's header, and its rows as text columns ``c0, c1, …`` with ``_row`` the
    spreadsheet's own row number (blank rows are skipped, not renumbered)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(name) or "" for name in next(rows, ())]
        while header and not header[-1].strip():
            header.pop()
        width = len(header)
        numbers: list[int] = []
        columns: list[list[str | None]] = [[] for _ in header]
        for number, row in enumerate(rows, start=2):
            cells = [_cell_text(value) for value in row[:width]]
            if not any(cell not in (None, "") for cell in cells):
                continue
            cells += [None] * (width - len(cells))
            numbers.append(number)
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
    finally:
        book.close()
    table = pa.table(
        {"_row": pa.array(numbers, pa.int64())}
        | {f"c{i}": pa.array(column, pa.string()) for i, column in enumerate(columns)}
    )
    return header, table


def _csv_header(path: Path) -> list[str]:
    """The first line's names, read by Python so that DuckDB need not guess the layout."""
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = first.decode("latin-1")
    return next(csv.reader([text]), [])


class Unreadable(Exception):
    """The file cannot be read at all; carries the one problem to report."""

    def __init__(self, error: RowError) -> None:
        self.error = error
        super().__init__(str(error))


def _csv_problem(exc: duckdb.Error) -> RowError:
    """DuckDB's CSV error as a row problem: the line it names and, for a ragged row, why."""
    message = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    ragged = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    row = int(line.group(1)) if line else 1
    if ragged:
        return RowError(row, "(file)", f"has {ragged.group(2)} fields where the header has {ragged.group(1)}")
    first = next((text for text in message.splitlines() if text.strip()), message)
    return RowError(row, "(file)", f"cannot be read as CSV: {first.removeprefix('Invalid Input Error: ')}")


def load_file(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    """The file as the view ``raw`` with ``_row`` as in the file (the header is row 1); returns
    each column's name in DuckDB and in the file (CSV and xlsx columns are ``c0, c1, …`` in
    DuckDB, so blank or repeated names in a header cannot break the SQL)."""
    suffix = path.suffix.lower()
    name = _sql_text(str(path))
    if suffix in PARQUET:
        try:
            con.execute(
                "CREATE VIEW raw AS SELECT file_row_number + 2 AS _row, * EXCLUDE (file_row_number) "  # noqa: S608
                f"FROM read_parquet({name}, file_row_number=true)"
            )
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise Unreadable(RowError(1, "(file)", f"cannot be read as Parquet: {first}")) from exc
        return [(column, column) for column in con.table("raw").columns if column != "_row"]
    if suffix in XLSX:
        try:
            header, table = _xlsx_table(path)
        except Exception as exc:  # openpyxl raises its own zoo for a file that is not a workbook
            raise Unreadable(RowError(1, "(file)", f"cannot be read as an xlsx workbook: {exc}")) from exc
        con.register("raw", table)
    else:
        header = _csv_header(path)
        if not header:
            raise Unreadable(RowError(1, "(file)", "the file is empty"))
        types = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        options = f"auto_detect=false, header=true, delim=',', quote='\"', escape='\"', columns={types}"
        # Read in parallel into a table, which keeps the file's order (DuckDB preserves insertion
        # order), so a row's id is its place in the file; a window over the scan would be serial.
        load = "CREATE OR REPLACE TABLE file_rows AS SELECT * FROM read_csv({}, {})"
        try:
            try:
                con.execute(load.format(name, options))
            except duckdb.Error as exc:
                if "not utf-8" not in str(exc).lower():
                    raise
                # Spend files saved from Excel on Windows; Latin-1 reads every byte (£ included).
                con.execute(load.format(name, options + ", encoding='latin-1'"))
        except duckdb.Error as exc:
            raise Unreadable(_csv_problem(exc)) from exc
        con.execute("CREATE VIEW raw AS SELECT rowid + 2 AS _row, * FROM file_rows")
    return [(f"c{i}", column.strip() or f"(column {i + 1})") for i, column in enumerate(header)]


def _header(
    columns: Sequence[tuple[str, str]], kind: str
) -> tuple[dict[str, str], dict[str, str], list[RowError]]:
    """Our name → the file's column name, our name → DuckDB's, and the problems with the header
    (reported at row 1)."""
    seen: dict[str, str] = {}
    physical: dict[str, str] = {}
    errors: list[RowError] = []
    if kind == TRANSPARENCY:
        wanted = {_squash(theirs): ours for theirs, ours in TRANSPARENCY_COLUMNS.items()}
        for inner, original in columns:
            ours = wanted.get(_squash(original))
            if ours is None:
                continue  # the Code's other columns, and councils' own additions
            if ours in seen:
                errors.append(RowError(1, original, f"is the same column as {seen[ours]!r}"))
                continue
            seen[ours], physical[ours] = original, inner
        by_ours = {ours: theirs for theirs, ours in TRANSPARENCY_COLUMNS.items()}
        errors += [
            RowError(1, by_ours[ours], "required column of the Transparency Code layout is missing")
            for ours in by_ours
            if ours not in seen
        ]
        return seen, physical, errors
    required = FORECAST_REQUIRED if kind == FORECAST else LEDGER_REQUIRED
    known = required if kind == FORECAST else (*LEDGER_REQUIRED, *LEDGER_OPTIONAL)
    for inner, original in columns:
        name = normalise_column(original)
        if name in seen:
            errors.append(RowError(1, original, f"is the same column as {seen[name]!r}"))
            continue
        if name not in known:
            errors.append(RowError(1, original, f"unknown column: expected {', '.join(known)}"))
        seen[name], physical[name] = original, inner
    errors += [RowError(1, name, "required column is missing") for name in required if name not in seen]
    return seen, physical, errors


# Checking ------------------------------------------------------------------------------------


def _reference_tables(
    con: duckdb.DuckDBPyConnection,
    partners: Sequence[Partner],
    lines: Iterable[Line],
    publisher: Partner | None,
) -> None:
    """The partners' codes and names and the year's budget lines as small DuckDB tables, and
    ``line_keys``: (partner code, cost centre) → budget line. A spend file's rows all carry the
    code ``PUBLISHER``, which stands for the council that published it."""
    codes = [(code.upper(), p.organisation_id) for p in partners for code in p.codes if code]
    if publisher is not None:
        codes.append((PUBLISHER, publisher.organisation_id))
        partners = [*partners, publisher]
    names = {p.organisation_id: p.name for p in partners}
    lines = list(lines)
    tables: dict[str, tuple[str, list[list[Any]]]] = {
        "partner_codes": (
            "code VARCHAR, organisation_id BIGINT",
            [[c for c, _ in codes], [o for _, o in codes]],
        ),
        "organisations": ("organisation_id BIGINT, name VARCHAR", [list(names), list(names.values())]),
        "budget_lines": (
            "id BIGINT, organisation_id BIGINT, cost_centre VARCHAR",
            [[li.id for li in lines], [li.organisation_id for li in lines], [li.cost_centre for li in lines]],
        ),
    }
    for table, (columns, values) in tables.items():
        con.execute(f"CREATE TABLE {table} ({columns})")
        # Literal rows: binding Python values would make DuckDB load pandas first (a second or two).
        for start in range(0, len(values[0]), 1000):
            rows = ", ".join(
                "(" + ", ".join(_literal(column[i]) for column in values) + ")"
                for i in range(start, min(start + 1000, len(values[0])))
            )
            con.execute(f"INSERT INTO {table} VALUES {rows}")  # noqa: S608 - literals quoted
    con.execute(
        "CREATE TABLE line_keys AS SELECT DISTINCT p.code, l.cost_centre, l.id AS line_id "
        "FROM partner_codes p JOIN budget_lines l USING (organisation_id)"
    )


def _text(seen: dict[str, str], name: str) -> str:
    if name not in seen:
        return "''"
    return f"coalesce(trim(CAST({_ident(seen[name])} AS VARCHAR)), '')"


def _parse(con: duckdb.DuckDBPyConnection, seen: dict[str, str], kind: str, publisher: bool) -> None:
    """One pass over the file into ``parsed``: each row's text, month and budget line.

    A single join on (partner code, cost centre) finds the line; why a row has none (an unknown
    partner, or an unknown cost centre of a known one) is worked out later for failing rows only.
    """
    month_column = "made_in" if kind == FORECAST else "period"
    amount_column = "outturn" if kind == FORECAST else "amount"
    partner = f"'{PUBLISHER}'" if publisher else f"upper({_text(seen, 'partner')})"
    extra = ""
    if kind == FORECAST:
        extra = (
            ", CASE WHEN line_id IS NOT NULL AND month IS NOT NULL THEN "
            "min(_row) OVER (PARTITION BY line_id, month) END AS first_row"
        )
    # A month is YYYY-MM, or a date YYYY-MM-DD (perhaps with a time, as spreadsheets and Parquet
    # timestamps give it); anything else is no month at all.
    day = (
        "CASE length(period) WHEN 7 THEN try_cast(period || '-01' AS DATE) "
        "WHEN 10 THEN try_cast(period AS DATE) "
        "ELSE CASE WHEN substr(period, 11, 1) IN (' ', 'T') THEN try_cast(left(period, 10) AS DATE) END END"
    )
    con.execute(
        f"""CREATE TABLE parsed AS
        WITH src AS (
            SELECT _row, {_text(seen, "cost_centre")} AS cc, {partner} AS partner,
                   {_text(seen, month_column)} AS period, {_text(seen, amount_column)} AS amount,
                   {_text(seen, "supplier")} AS supplier, {_text(seen, "reference")} AS reference
            FROM raw
        ), mapped AS (
            SELECT src.*, CAST(date_trunc('month', {day}) AS DATE) AS month, k.line_id
            FROM src LEFT JOIN line_keys k ON k.code = src.partner AND k.cost_centre = src.cc
        )
        SELECT *{extra} FROM mapped"""  # noqa: S608 - columns checked against the header
    )


def _checks(kind: str, financial_year: int, partners_known: str) -> list[tuple[str, str, str]]:
    """(failing condition, column, reason) for every rule; each condition assumes the earlier
    ones on its column passed, so a row gets one message per column."""
    year = year_label(financial_year)
    start, end = f"DATE '{financial_year}-04-01'", f"DATE '{financial_year + 1}-03-01'"
    month_column = "made_in" if kind == FORECAST else "period"
    amount_column = "outturn" if kind == FORECAST else "amount"
    month_label = {LEDGER: "period", TRANSPARENCY: "payment date", FORECAST: "made_in"}[kind]
    amount_label = "outturn" if kind == FORECAST else "amount"
    money = f"-?[0-9]{{1,{MAX_POUNDS_DIGITS}}}(\\.[0-9]{{1,2}})?"
    cost_centre = "cost centre" if kind != TRANSPARENCY else "profit centre"
    checks: list[tuple[str, str, str]] = []
    if kind != TRANSPARENCY:
        checks.append(
            (
                "organisation_id IS NULL",
                "partner",
                "CASE WHEN partner = '' THEN 'partner is blank: give the organisation''s ODS or GSS code' "
                f"ELSE 'unknown partner ' || partner || ': not the ODS or GSS code of a partner "
                f"(known: {partners_known})' END",
            )
        )
    checks += [
        ("cc = ''", "cost_centre", f"'{cost_centre} is blank'"),
        (
            "cc <> '' AND organisation_id IS NOT NULL AND line_id IS NULL",
            "cost_centre",
            f"'unknown {cost_centre} ' || cc || ' for ' || name || ' in {year}: no budget line has it'",
        ),
        (
            "month IS NULL",
            month_column,
            f"CASE WHEN period = '' THEN '{month_label} is blank' "
            f"ELSE '{month_label} ' || period || ' is not a month: give YYYY-MM or a date YYYY-MM-DD' END",
        ),
        (
            f"month NOT BETWEEN {start} AND {end}",
            month_column,
            f"'{month_label} ' || period || ' is outside {year} (April {financial_year} to March "
            f"{financial_year + 1})'",
        ),
        ("amount = ''", amount_column, f"'{amount_label} is blank'"),
        (
            f"amount <> '' AND NOT regexp_full_match(amount, '{money}')",
            amount_column,
            f"CASE WHEN regexp_full_match(amount, '-?[0-9]+\\.[0-9]{{3,}}') "
            f"THEN '{amount_label} ' || amount || ' has more than two decimal places: give pounds and pence' "
            f"WHEN regexp_full_match(amount, '-?[0-9]+(\\.[0-9]{{1,2}})?') "
            f"THEN '{amount_label} ' || amount || ' is too large' "
            f"ELSE '{amount_label} ''' || amount || ''' is not a sum of money: write it like 1234.56"
            + ("'" if kind == FORECAST else " (credits as -20.00)'")
            + " END",
        ),
    ]
    if kind == FORECAST:
        checks += [
            (
                f"regexp_full_match(amount, '{money}') AND amount LIKE '-%' AND "
                "CAST(amount AS DECIMAL(14, 2)) <> 0",
                "outturn",
                "'outturn ' || amount || ' is negative: a forecast outturn, like a budget, is not'",
            ),
            (
                "first_row IS NOT NULL AND first_row <> _row",
                "made_in",
                f"'a second forecast for {cost_centre} ' || cc || ' of ' || name || "
                "' made in ' || strftime(month, '%Y-%m') || ' (first at row ' || first_row || ')'",
            ),
        ]
    else:
        checks += [
            (
                f"length(supplier) > {SUPPLIER_LENGTH}",
                "supplier",
                f"'supplier is longer than {SUPPLIER_LENGTH} characters'",
            ),
            (
                f"length(reference) > {REFERENCE_LENGTH}",
                "reference",
                f"'reference is longer than {REFERENCE_LENGTH} characters'",
            ),
        ]
    return checks


def _problems(
    con: duckdb.DuckDBPyConnection, checks: list[tuple[str, str, str]], seen: dict[str, str]
) -> list[RowError]:
    """All rules in one pass over ``parsed``; only failing rows come back to Python.

    The rules that need to know a row's partner (an unknown partner; an unknown cost centre of a
    known one) both mean the row found no budget line, so the pass keeps rows with no line or
    failing any other rule, and only those are joined to the partners and spelt out.
    """
    failing = ", ".join(f"({condition}) AS c{i}" for i, (condition, _, _) in enumerate(checks))
    reasons = ", ".join(f"{reason} AS r{i}" for i, (_, _, reason) in enumerate(checks))
    local = [condition for condition, _, _ in checks if "organisation_id" not in condition]
    keep = " OR ".join(["line_id IS NULL", *(f"({condition})" for condition in local)])
    rows = con.execute(
        f"""SELECT _row, {failing}, {reasons}
        FROM (SELECT * FROM parsed WHERE {keep}) AS failed
        LEFT JOIN (SELECT code, min(organisation_id) AS organisation_id FROM partner_codes GROUP BY code) AS p
            ON p.code = failed.partner
        LEFT JOIN organisations USING (organisation_id)
        ORDER BY _row LIMIT {MAX_ERROR_ROWS}"""  # noqa: S608 - built from constants
    ).fetchall()
    errors = []
    for row in rows:
        shown: set[str] = set()
        for i, (_, column, _) in enumerate(checks):
            if row[1 + i] and column not in shown:
                shown.add(column)
                errors.append(RowError(int(row[0]), seen.get(column, column), str(row[1 + len(checks) + i])))
    return errors


def read(
    path: str | Path,
    *,
    kind: str,
    financial_year: int,
    partners: Sequence[Partner],
    lines: Iterable[Line],
    publisher: Partner | None = None,
) -> tuple[CheckedFile | None, list[RowError]]:
    """Load a file into DuckDB and check every row; the clean file, or None with every problem.

    ``kind`` is ``ledger``, ``transparency`` or ``forecast``; ``publisher`` is the council whose
    spend file it is (transparency only); ``lines`` are the budget lines
    of ``financial_year`` that rows may map to.
    """
    if kind not in (LEDGER, TRANSPARENCY, FORECAST):
        raise ValueError(f"unknown kind of file {kind!r}")
    if (kind == TRANSPARENCY) != (publisher is not None):
        raise ValueError("a transparency file, and only one, names its publishing council")
    path = Path(path)
    con = duckdb.connect()
    try:
        columns = load_file(con, path)
    except Unreadable as problem:
        con.close()
        return None, [problem.error]
    except OSError as exc:
        con.close()
        return None, [RowError(1, "(file)", f"cannot be opened: {exc}")]
    seen, physical, errors = _header(columns, kind)
    if errors:
        con.close()
        return None, errors
    try:
        _reference_tables(con, partners, lines, publisher)
        _parse(con, physical, kind, publisher is not None)
        rows_read = int(con.execute("SELECT count(*) FROM parsed").fetchone()[0])  # type: ignore[index]
        if rows_read == 0:
            con.close()
            return None, [RowError(2, "(file)", "the file has a header but no rows")]
        known = ", ".join(sorted({code.upper() for p in partners for code in p.codes if code})) or "none"
        errors = _problems(con, _checks(kind, financial_year, known.replace("'", "''")), seen)
    except duckdb.Error as exc:
        con.close()
        return None, [RowError(1, "(file)", f"cannot be read: {str(exc).splitlines()[0]}")]
    if errors:
        con.close()
        return None, errors
    # Months stay dates and amounts the checked text ("12.3", "-20", "1000.00"): both databases
    # read those exactly, and DuckDB need not reformat a million values.
    if kind == FORECAST:
        out: tuple[str, ...] = ("budget_line_id", "made_in", "outturn")
        select = "line_id AS budget_line_id, month AS made_in, amount AS outturn"
    else:
        out = ("budget_line_id", "month", "amount", "supplier", "reference")
        select = "line_id AS budget_line_id, month, amount, supplier, reference"
    con.execute(f"CREATE VIEW clean AS SELECT _row, {select} FROM parsed")  # noqa: S608
    return CheckedFile(con=con, kind=kind, rows_read=rows_read, columns=out), []
