"""Imports of actuals and forecasts: every row checked first, then written whole, set-based, audited.

What an import replaces: a file of actuals restates the months it covers for the budget lines it
names, so every actual already held for such a (budget line, month), whatever file it came from,
is removed and the file's rows take its place. Months and lines the file does not mention are
left alone, so a file a month can be loaded each month, and a corrected month loaded again. A
forecast file adds the forecasts made in its months and replaces only forecasts for the same
budget line made in the same month; earlier months' forecasts stay, which is the history.

Rows reach the database without a model instance each: DuckDB checks the file and maps cost
centres to budget line ids, and writes the rows out as text that the database reads in one
statement per batch (PostgreSQL's ``COPY``; on SQLite an ``INSERT … SELECT`` from ``json_each``,
which loops in C rather than binding six Python values per row).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Model, Q

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.finance import ledger
from commissioning.finance.models import Actual, BudgetLine, Forecast, LedgerImport
from commissioning.partners.models import Organisation, Partnership
from commissioning.partners.permissions import require_permission

Progress = Callable[[str, int, int], None]
WRITE_BATCH = 50_000
DELETE_CHUNK = 500


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _partners(partnership: Partnership) -> list[ledger.Partner]:
    """The organisations rows may name: the partnership's members, and any with budget lines."""
    organisations = (
        Organisation.objects.filter(
            Q(partnership_memberships__partnership=partnership) | Q(budget_lines__partnership=partnership)
        )
        .distinct()
        .order_by("name")
    )
    return [
        ledger.Partner(organisation.pk, organisation.name, tuple(_codes(organisation)))
        for organisation in organisations
    ]


def _codes(organisation: Organisation) -> list[str]:
    return [code.strip().upper() for code in (organisation.ods_code, organisation.gss_code) if code.strip()]


def _lines(partnership: Partnership, financial_year: int) -> list[ledger.Line]:
    rows = BudgetLine.objects.filter(partnership=partnership, financial_year=financial_year).values_list(
        "pk", "organisation_id", "cost_centre"
    )
    return [ledger.Line(pk, organisation_id, cost_centre) for pk, organisation_id, cost_centre in rows]


def _publisher(partnership: Partnership, partners: list[ledger.Partner], code: str | None) -> ledger.Partner:
    """The council whose spend file it is: the one named, or the partnership's only council."""
    if code:
        wanted = code.strip().upper()
        for partner in partners:
            if wanted in partner.codes:
                return partner
        known = ", ".join(c for p in partners for c in p.codes)
        reason = f"no partner of {partnership.name} has the code {code} (known: {known})"
        raise ImportFailed([RowError(1, "(partner)", reason)])
    councils = list(
        Organisation.objects.filter(
            partnership_memberships__partnership=partnership, kind=Organisation.Kind.LOCAL_AUTHORITY
        ).values_list("pk", flat=True)
    )
    if len(councils) == 1:
        return next(p for p in partners if p.organisation_id == councils[0])
    raise ImportFailed(
        [
            RowError(
                1,
                "(partner)",
                f"{partnership.name} has {len(councils) or 'no'} councils: name the one that published "
                "this spend file by its GSS code",
            )
        ]
    )


def _check(
    path: Path,
    *,
    kind: str,
    partnership: Partnership,
    financial_year: int,
    partner: str | None,
    progress: Progress,
) -> ledger.CheckedFile:
    partners = _partners(partnership)
    publisher = _publisher(partnership, partners, partner) if kind == ledger.TRANSPARENCY else None
    progress("checking", 0, 1)
    checked, errors = ledger.read(
        path,
        kind=kind,
        financial_year=financial_year,
        partners=partners,
        lines=_lines(partnership, financial_year),
        publisher=publisher,
    )
    if checked is None:
        raise ImportFailed(errors)
    progress("checking", 1, 1)
    return checked


def actuals_import(
    *,
    actor: User,
    partnership: Partnership,
    financial_year: int,
    path: str | Path,
    kind: str = LedgerImport.Kind.LEDGER,
    file_name: str = "",
    partner: str | None = None,
    progress: Progress | None = None,
) -> LedgerImport:
    """Load a ledger extract (CSV, xlsx or Parquet) or a Transparency Code spend file as actuals.

    Every row is checked first and every problem reported (``ImportFailed``); a clean file is
    written in one transaction, replacing the actuals held for the budget lines and months it
    restates. ``partner`` names the council that published a spend file (ODS or GSS code); it
    may be left out when the partnership has one council.
    """
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    if kind not in (LedgerImport.Kind.LEDGER, LedgerImport.Kind.TRANSPARENCY):
        raise ValueError(f"actuals come from a ledger or a transparency file, not {kind!r}")
    progress = progress or _no_progress
    path = Path(path)
    checked = _check(
        path,
        kind=str(kind),
        partnership=partnership,
        financial_year=financial_year,
        partner=partner,
        progress=progress,
    )
    try:
        rows, total, lines = checked.totals()
        months = checked.months()
        with transaction.atomic():
            batch = LedgerImport.objects.create(
                partnership=partnership,
                kind=kind,
                file_name=(file_name or path.name)[:255],
                rows=rows,
                imported_by=actor,
            )
            replaced = _delete_restated(Actual, "month", months)
            written = _insert(Actual, checked, batch, rows, progress)
            first, last = min(months), max(months)
            span = first[:7] if first == last else f"{first[:7]} to {last[:7]}"
            summary = (
                f"{_count(written, 'actual')} totalling £{total:,.2f} on {_count(lines, 'budget line')}, "
                f"{span}, from {batch.file_name}"
                + (f"; {_count(replaced, 'earlier actual')} replaced" if replaced else "")
            )
            _audit(actor, partnership, batch, summary, total, replaced)
    finally:
        checked.close()
    return batch


def forecasts_import(
    *,
    actor: User,
    partnership: Partnership,
    financial_year: int,
    path: str | Path,
    file_name: str = "",
    progress: Progress | None = None,
) -> LedgerImport:
    """Load forecast outturns (``cost_centre, partner, made_in, outturn``) for a year's budget lines.

    A forecast made in a month replaces only that line's forecast made in the same month, so
    the forecasts of earlier months stay as the history of how the outlook moved.
    """
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    progress = progress or _no_progress
    path = Path(path)
    checked = _check(
        path,
        kind=ledger.FORECAST,
        partnership=partnership,
        financial_year=financial_year,
        partner=None,
        progress=progress,
    )
    try:
        rows, total, lines = checked.totals()
        months = checked.months()
        with transaction.atomic():
            batch = LedgerImport.objects.create(
                partnership=partnership,
                kind=LedgerImport.Kind.FORECAST,
                file_name=(file_name or path.name)[:255],
                rows=rows,
                imported_by=actor,
            )
            replaced = _delete_restated(Forecast, "made_in", months)
            written = _insert(Forecast, checked, batch, rows, progress)
            made = ", ".join(month[:7] for month in sorted(months))
            summary = (
                f"{_count(written, 'forecast outturn')} for {_count(lines, 'budget line')} made in {made}, "
                f"from {batch.file_name}" + (f"; {replaced:,} replaced" if replaced else "")
            )
            _audit(actor, partnership, batch, summary, total, replaced)
    finally:
        checked.close()
    return batch


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _audit(
    actor: User, partnership: Partnership, batch: LedgerImport, summary: str, total: Decimal, replaced: int
) -> None:
    after = snapshot(batch) | {"total": str(total), "replaced": replaced}
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.IMPORT, batch, after=after, summary=summary
    )


def _delete_restated(
    model: type[Actual] | type[Forecast], month_field: str, months: dict[str, list[int]]
) -> int:
    """Remove what the file restates: the rows held for its budget lines in its months.

    The budget lines are locked first (on PostgreSQL), so two imports restating the same lines
    run one after the other rather than both adding; a line deleted since the check stops this one.
    """
    line_ids = sorted({line for lines in months.values() for line in lines})
    locked = 0
    for start in range(0, len(line_ids), DELETE_CHUNK):
        chunk = line_ids[start : start + DELETE_CHUNK]
        locked += len(
            BudgetLine.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True)
        )
    if locked != len(line_ids):
        raise ImportFailed(
            [RowError(1, "(file)", "budget lines were removed while the file was checked: try again")]
        )
    deleted = 0
    for month, line_ids in months.items():
        for start in range(0, len(line_ids), DELETE_CHUNK):
            chunk = line_ids[start : start + DELETE_CHUNK]
            count, _ = model.objects.filter(**{month_field: month, "budget_line_id__in": chunk}).delete()
            deleted += count
    return deleted


def _insert(
    model: type[Model], checked: ledger.CheckedFile, batch: LedgerImport, total: int, progress: Progress
) -> int:
    """Write the checked rows, tagged with their import, in one statement per batch."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [
        str(getattr(meta.get_field(name), "column", name)) for name in (*checked.columns, "source_import")
    ]
    table, names = quote(meta.db_table), ", ".join(quote(column) for column in columns)
    written = 0
    progress("writing", 0, total)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        copying = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)"
        # psycopg's own connection, inside Django's transaction; its errors become Django's.
        with (
            connection.wrap_database_errors,
            connection.connection.cursor() as cursor,
            cursor.copy(copying) as copy,
        ):
            for count, text in checked.batches(WRITE_BATCH, form="csv", tag=batch.pk):
                copy.write(text)
                written += count
                progress("writing", written, total)
        return written
    if connection.vendor == "sqlite":
        picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        sql = f"INSERT INTO {table} ({names}) SELECT {picks} FROM json_each(%s)"  # noqa: S608 - model names
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        for count, text in checked.batches(WRITE_BATCH, form="json", tag=batch.pk):
            if connection.vendor == "sqlite":
                cursor.execute(sql, [text])
            else:
                cursor.executemany(sql, json.loads(text))
            written += count
            progress("writing", written, total)
    return written
