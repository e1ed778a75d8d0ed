"""Actuals at scale: the set-based ledger import against a plain ORM ``bulk_create``, in one process.

Generates a ledger extract (seeded): 2 partners x 200 cost centres x 12 months of 2026/27, amounts
in pounds and pence with about 1 % credits, a supplier and a reference on every row; writes it as
CSV and as Parquet (typed: dates and decimals) to a temporary folder. Then, against a throwaway
SQLite database in the same process:

1. set-based: ``commissioning.finance.imports.actuals_import`` on the CSV, then on the Parquet
   (which restates every month, so it also deletes the CSV's rows first). This is the service a
   finance officer uses: every row is checked (partner, cost centre, period in the year, amount
   to the penny) in DuckDB, mapped to budget line ids there, and written a batch per statement;
2. ORM: the same CSV read with the ``csv`` module, cost centres mapped with a dict, ``Decimal`` and
   ``date`` made per row, and ``Actual.objects.bulk_create(batch_size=5000)`` in one transaction -
   no checks beyond the mapping. Run on an empty table, as the CSV import was.

Prints the times and, last, ``rows_per_s=<x> speedup_vs_orm=<y>``: x is the set-based rows per
second on the CSV (whole import: reading, checking, writing, auditing), y that rate over the ORM
path's rate. The ORM path runs on all the rows unless ``--orm-rows`` says fewer.

    uv run python bench/finance_import.py                # 1,000,000 rows (the measured figure)
    uv run python bench/finance_import.py --rows 5000    # a quick run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

YEAR = 2026
PARTNERS = (
    ("Southampton City Council", "gss_code", "E06000045"),
    ("NHS Southampton City CCG", "ods_code", "10X"),
)
COST_CENTRES = 200
SUPPLIERS = tuple(
    f"{name} {suffix}"
    for name in (
        "Acme Care",
        "Solent Homecare",
        "Harbour View Nursing",
        "Bluebell Supported Living",
        "Itchen Day",
    )
    for suffix in ("Ltd", "LLP", "CIC", "Trust")
)
ORM_BATCH = 5_000


def generate(rows: int, seed: int = 20260401) -> pa.Table:
    """The ledger extract: partner, cost centre and month drawn evenly; pence exact; ~1 % credits."""
    rng = np.random.default_rng(seed)
    partner = rng.integers(0, len(PARTNERS), rows)
    centre = rng.integers(0, COST_CENTRES, rows)
    month = rng.integers(0, 12, rows)
    pence = rng.lognormal(10.5, 1.2, rows).astype(np.int64) + 1
    pence[rng.random(rows) < 0.01] *= -1
    pounds, pennies = np.divmod(np.abs(pence), 100)
    sign = np.where(pence < 0, "-", "")
    amount = np.char.add(
        np.char.add(np.char.add(sign, pounds.astype(str)), "."), np.char.zfill(pennies.astype(str), 2)
    )
    periods = np.array([f"{YEAR + (k + 3) // 12}-{(k + 3) % 12 + 1:02d}" for k in range(12)])
    codes = np.array([code for _, _, code in PARTNERS])
    return pa.table(
        {
            "cost_centre": pa.array(np.char.add("CC", np.char.zfill(centre.astype(str), 4))),
            "period": pa.array(periods[month]),
            "amount": pa.array(amount),
            "partner": pa.array(codes[partner]),
            "supplier": pa.array(np.array(SUPPLIERS)[rng.integers(0, len(SUPPLIERS), rows)]),
            "reference": pa.array(np.char.add("INV-", np.arange(1, rows + 1).astype(str))),
        }
    )


def write_files(table: pa.Table, folder: Path) -> tuple[Path, Path]:
    """CSV as a ledger exports it (text); Parquet typed (month as a date, amount as a decimal)."""
    csv_path, parquet_path = folder / "ledger.csv", folder / "ledger.parquet"
    pa_csv.write_csv(table, csv_path, pa_csv.WriteOptions(quoting_style="needed"))
    typed = table.set_column(
        1, "period", pa.array([dt.date.fromisoformat(f"{p}-01") for p in table["period"].to_pylist()])
    ).set_column(2, "amount", table["amount"].cast(pa.decimal128(14, 2)))
    pq.write_table(typed, parquet_path)
    return csv_path, parquet_path


def setup_django(folder: Path) -> None:
    """A throwaway SQLite database in the temporary folder, migrated; DEBUG off as in production."""
    os.environ["COMMISSIONING_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "commissioning.config.settings"
    os.environ["DEBUG"] = "false"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def setup_partnership() -> tuple[Any, Any, dict[tuple[str, str], int]]:
    """The partnership, its two partners and their 2026/27 budget lines; (partner code, cost centre) → id."""
    from commissioning.core.system import system_user
    from commissioning.finance.models import BudgetLine
    from commissioning.partners.models import Organisation, Partnership, PartnershipMember

    actor = system_user()
    partnership = Partnership.objects.create(name="Bench partnership", slug="bench")
    lines = []
    codes = {}
    for number, (name, field, code) in enumerate(PARTNERS):
        kind = Organisation.Kind.LOCAL_AUTHORITY if field == "gss_code" else Organisation.Kind.CCG
        organisation = Organisation.objects.create(name=name, kind=kind, **{field: code})
        PartnershipMember.objects.create(
            partnership=partnership, organisation=organisation, role="host" if number == 0 else "partner"
        )
        codes[organisation.pk] = code
        lines += [
            BudgetLine(
                partnership=partnership,
                organisation=organisation,
                financial_year=YEAR,
                cost_centre=f"CC{centre:04d}",
                service_area=f"Service {centre}",
                tier="community",
                amount=Decimal("1000000.00"),
            )
            for centre in range(COST_CENTRES)
        ]
    BudgetLine.objects.bulk_create(lines)
    mapping = {
        (codes[organisation_id], cost_centre): pk
        for pk, organisation_id, cost_centre in BudgetLine.objects.filter(
            partnership=partnership
        ).values_list("pk", "organisation_id", "cost_centre")
    }
    return actor, partnership, mapping


def run_set_based(actor: Any, partnership: Any, path: Path) -> float:
    from commissioning.finance.imports import actuals_import

    start = time.perf_counter()
    actuals_import(actor=actor, partnership=partnership, financial_year=YEAR, path=path)
    return time.perf_counter() - start


def run_orm(
    actor: Any, partnership: Any, path: Path, mapping: dict[tuple[str, str], int], limit: int
) -> float:
    """Read the CSV in Python, map with a dict, ``bulk_create`` in batches of 5,000, one transaction."""
    from django.db import transaction

    from commissioning.finance.models import Actual, LedgerImport

    start = time.perf_counter()
    with transaction.atomic(), path.open(newline="") as handle:
        batch = LedgerImport.objects.create(
            partnership=partnership, kind="ledger", file_name=path.name, rows=limit, imported_by=actor
        )
        reader = csv.reader(handle)
        next(reader)
        pending: list[Actual] = []
        for count, (cost_centre, period, amount, partner, supplier, reference) in enumerate(reader, 1):
            pending.append(
                Actual(
                    budget_line_id=mapping[partner, cost_centre],
                    month=dt.date.fromisoformat(f"{period}-01"),
                    amount=Decimal(amount),
                    supplier=supplier,
                    reference=reference,
                    source_import=batch,
                )
            )
            if len(pending) == 100_000 or count == limit:
                Actual.objects.bulk_create(pending, batch_size=ORM_BATCH)
                pending = []
            if count == limit:
                break
    return time.perf_counter() - start


def check_held(rows: int, total: Decimal) -> None:
    """Every row arrived; the sum to within pennies (SQLite adds decimals as floating point)."""
    from django.db.models import Count, Sum

    from commissioning.finance.models import Actual

    figures = Actual.objects.aggregate(rows=Count("id"), total=Sum("amount"))
    assert figures["rows"] == rows, figures
    assert abs((figures["total"] or Decimal(0)) - total) <= Decimal("0.10"), (figures, total)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (default 1,000,000)")
    parser.add_argument("--orm-rows", type=int, help="rows for the ORM path (default: all of them)")
    args = parser.parse_args(argv)
    rows = args.rows
    orm_rows = min(args.orm_rows or rows, rows)

    with tempfile.TemporaryDirectory(prefix="finance-bench-") as name:
        folder = Path(name)
        started = time.perf_counter()
        table = generate(rows)
        csv_path, parquet_path = write_files(table, folder)
        expected_total = sum(Decimal(a) for a in table["amount"].to_pylist())
        sizes = [path.stat().st_size / 2**20 for path in (csv_path, parquet_path)]
        print(
            f"ledger extract: {rows:,} rows ({len(PARTNERS)} partners x {COST_CENTRES} cost centres x "
            f"12 months), CSV {sizes[0]:.1f} MiB, Parquet {sizes[1]:.1f} MiB "
            f"({time.perf_counter() - started:.1f} s to generate)"
        )
        started = time.perf_counter()
        setup_django(folder)
        actor, partnership, mapping = setup_partnership()
        print(
            f"database: SQLite, migrated, {len(mapping)} budget lines ({time.perf_counter() - started:.1f} s)"
        )

        from commissioning.finance.models import Actual

        seconds_csv = run_set_based(actor, partnership, csv_path)
        check_held(rows, expected_total)
        rate_csv = rows / seconds_csv
        print(
            f"set-based, CSV:     {rows:>11,} rows in {seconds_csv:7.2f} s = {rate_csv:>10,.0f} rows/s "
            "(every row checked)"
        )
        seconds_parquet = run_set_based(actor, partnership, parquet_path)
        check_held(rows, expected_total)
        print(
            f"set-based, Parquet: {rows:>11,} rows in {seconds_parquet:7.2f} s = "
            f"{rows / seconds_parquet:>10,.0f} rows/s (every row checked; replacing the CSV's {rows:,})"
        )

        Actual.objects.all().delete()  # the ORM path starts from an empty table too
        seconds_orm = run_orm(actor, partnership, csv_path, mapping, orm_rows)
        check_held(orm_rows, sum(Decimal(a) for a in table["amount"].to_pylist()[:orm_rows]))
        rate_orm = orm_rows / seconds_orm
        scope = "all rows" if orm_rows == rows else f"first {orm_rows:,} rows only"
        print(
            f"ORM bulk_create:    {orm_rows:>11,} rows in {seconds_orm:7.2f} s = {rate_orm:>10,.0f} rows/s "
            f"(csv module + dict mapping, no checks; {scope})"
        )
        from django.db import connections

        connections.close_all()
    line = f"rows_per_s={rate_csv:.0f} speedup_vs_orm={rate_csv / rate_orm:.2f}"
    print(line)
    return line


if __name__ == "__main__":
    main()
