"""Import many returns at once from CSV or xlsx: every row checked, every problem reported, all or nothing.

The file has one return a row, with a header naming these columns (any order, any case):

* ``contract_reference`` and ``kpi_code`` — a KPI of a contract the user may submit returns for;
* ``period_start`` — the first day of the reporting period (``2026-04-01`` or ``01/04/2026``), or
  for a month just ``2026-04``;
* ``value`` — the figure, within what the KPI's unit allows;
* optional ``commentary``, and ``correction_reason``: given, the row corrects the return already
  made for that period; blank, a period already reported is refused.

Other columns (the downloadable template adds the KPI's name, unit, period and due date) are
ignored, and so is a row with no value, commentary or reason: a template row not filled in.
A contract the user may not see gets the same message as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from commissioning.contracts.imports import read_rows
from commissioning.contracts.models import Kpi
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import require_permission
from commissioning.performance import return_selectors
from commissioning.performance.models import KpiReturn, ReturnImport, ReturnRevision
from commissioning.performance.returns import (
    RESUBMITTED_FIELDS,
    _after_returns_saved,
    correction_problems,
    parse_value,
    period_problem,
    plain,
    resubmit,
)
from commissioning.performance.schedule import Period

REQUIRED = ("contract_reference", "kpi_code", "period_start", "value")
OPTIONAL = ("commentary", "correction_reason")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
DATE_HINT = "write 2026-04-01, or 2026-04 for a month"
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def parse_period_start(text: str) -> dt.date | None:
    """A date as ``2026-04-01`` or ``01/04/2026``, or a month as ``2026-04`` (its first day)."""
    text = text.strip()
    month = MONTH.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        return dt.date(year, number, 1) if 1 <= number <= 12 else None
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


@dataclass
class CheckedRow:
    number: int
    kpi: Kpi
    period: Period
    value: Decimal
    commentary: str
    reason: str
    existing: KpiReturn | None


@dataclass(frozen=True)
class ImportResult:
    record: ReturnImport
    submitted: int
    corrected: int
    left_blank: int

    @property
    def message(self) -> str:
        parts = [f"{self.submitted:,} new return{'s' if self.submitted != 1 else ''}"]
        if self.corrected:
            parts.append(f"{self.corrected:,} correction{'s' if self.corrected != 1 else ''}")
        text = f"Imported {' and '.join(parts)} from {self.record.file_name}."
        if self.left_blank:
            text += (
                f" {self.left_blank:,} row{'s' if self.left_blank != 1 else ''} with no figure "
                f"{'were' if self.left_blank != 1 else 'was'} left out."
            )
        return text


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _check(
    actor: User,
    partnership: Partnership,
    header: list[str],
    rows: list[tuple[int, dict[str, str]]],
    today: dt.date,
) -> tuple[list[CheckedRow], int, list[RowError]]:
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], 0, [RowError(1, name, "required column is missing") for name in missing]
    kpis: dict[tuple[str, str], Kpi] = {}
    contracts: set[str] = set()
    for known in return_selectors.submittable_kpis(actor, partnership).select_related("contract"):
        kpis[(_key(known.contract.reference), _key(known.code))] = known
        contracts.add(_key(known.contract.reference))
    filled = [
        (number, row)
        for number, row in rows
        if row.get("value") or row.get("commentary") or row.get("correction_reason")
    ]
    left_blank = len(rows) - len(filled)
    if not filled:
        return (
            [],
            left_blank,
            [RowError(2, "value", "the file has no figures in it; fill in the value column")],
        )
    wanted = {
        kpis[named].pk
        for _, row in filled
        if (named := (_key(row.get("contract_reference", "")), _key(row.get("kpi_code", "")))) in kpis
    }
    # Hold these KPIs until the file is written, so no other submission for them can cross it.
    list(Kpi.objects.select_for_update().filter(pk__in=wanted).values_list("pk", flat=True))
    existing = {(r.kpi_id, r.period_start): r for r in KpiReturn.objects.filter(kpi_id__in=wanted)}
    errors: list[RowError] = []
    checked: list[CheckedRow] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for number, row in filled:
        problems: list[RowError] = []

        def problem(
            column: str, reason: str, number: int = number, problems: list[RowError] = problems
        ) -> None:
            problems.append(RowError(number, column, reason))

        for name in REQUIRED:
            if not row.get(name):
                problem(name, "is blank; every return needs it")
        reference, code = row.get("contract_reference", ""), row.get("kpi_code", "")
        kpi = kpis.get((_key(reference), _key(code)))
        if reference and _key(reference) not in contracts:
            problem(
                "contract_reference",
                f"no contract with the reference {reference} that you can submit returns for",
            )
        elif reference and code and kpi is None:
            problem("kpi_code", f"contract {reference} has no KPI with the code {code}")
        period: Period | None = None
        start_text = row.get("period_start", "")
        start = parse_period_start(start_text) if start_text else None
        if start_text and start is None:
            problem("period_start", f"{start_text!r} is not a date; {DATE_HINT}")
        elif start is not None and kpi is not None:
            period, reason = period_problem(kpi, start, today=today)
            if reason:
                problem("period_start", reason)
        value, reason = (None, None)
        if row.get("value"):
            value, reason = parse_value(row["value"], kpi.unit if kpi is not None else None)
            if reason:
                problem("value", reason)
        commentary = row.get("commentary", "").strip()
        correction = " ".join(row.get("correction_reason", "").split())
        found = None
        if kpi is not None and period is not None:
            key = (kpi.pk, period.start)
            if key in seen:
                problem(
                    "period_start",
                    f"{kpi.code} for {period.label} is also on row {seen[key]}; "
                    "give each KPI and period once",
                )
            seen.setdefault(key, number)
            found = existing.get(key)
            if found is not None and not correction:
                problem(
                    "period_start",
                    f"a return for {kpi.code} for {period.label} was already submitted on "
                    f"{long_date(timezone.localdate(found.submitted_at))} (figure {plain(found.value)}); "
                    "to change it, say why in correction_reason",
                )
            elif correction and found is None:
                problem(
                    "correction_reason",
                    f"there is no return for {kpi.code} for {period.label} to correct; "
                    "leave correction_reason blank to submit it",
                )
            elif found is not None and value is not None:
                for field, reason in correction_problems(found, value, commentary, correction).items():
                    problem("correction_reason" if field == "reason" else field, reason)
        if problems:
            errors += problems
            continue
        assert kpi is not None and period is not None and value is not None
        checked.append(CheckedRow(number, kpi, period, value, commentary, correction, found))
    return checked, left_blank, errors


def import_returns(
    *,
    actor: User,
    partnership: Partnership,
    path: str | Path,
    file_name: str = "",
    today: dt.date | None = None,
) -> ImportResult:
    """Submit and correct every return in the file, or none: ``ImportFailed`` lists each problem."""
    require_permission(actor, Permission.SUBMIT_RETURNS, partnership=partnership)
    path = Path(path)
    today = today or timezone.localdate()
    header, rows = read_rows(path)
    with transaction.atomic():
        checked, left_blank, errors = _check(actor, partnership, header, rows, today)
        if errors:
            raise ImportFailed(errors)
        now = timezone.now()
        record = ReturnImport.objects.create(
            partnership=partnership,
            file_name=(file_name or path.name)[:255],
            rows=len(checked),
            imported_by=actor,
        )
        fresh = [
            KpiReturn(
                kpi=row.kpi,
                period_start=row.period.start,
                period_end=row.period.end,
                value=row.value,
                commentary=row.commentary,
                submitted_by=actor,
                submitted_at=now,
                source_import=record,
            )
            for row in checked
            if row.existing is None
        ]
        KpiReturn.objects.bulk_create(fresh, batch_size=500)
        if any(r.pk is None for r in fresh):  # a database that does not return ids
            ids = {
                (kpi_id, start): pk
                for pk, kpi_id, start in KpiReturn.objects.filter(source_import=record).values_list(
                    "pk", "kpi_id", "period_start"
                )
            }
            for r in fresh:
                r.pk = ids[(r.kpi_id, r.period_start)]
        corrected: list[tuple[KpiReturn, dict]] = []
        for row in checked:
            if row.existing is None:
                continue
            current = row.existing
            before = snapshot(current)
            resubmit(current, value=row.value, commentary=row.commentary, actor=actor, at=now)
            current.source_import = record
            corrected.append((current, before))
        KpiReturn.objects.bulk_update(
            [r for r, _ in corrected], [*RESUBMITTED_FIELDS, "source_import"], batch_size=500
        )
        reasons = {row.existing.pk: row.reason for row in checked if row.existing is not None}
        revisions = [
            ReturnRevision(
                kpi_return=r,
                version=r.version,
                value=r.value,
                commentary=r.commentary,
                reason=reasons.get(r.pk, ""),
                submitted_by=actor,
                submitted_at=now,
            )
            for r in [*fresh, *(r for r, _ in corrected)]
        ]
        ReturnRevision.objects.bulk_create(revisions, batch_size=500)
        auditor = Auditor(actor, partnership_id=partnership.pk)
        auditor.created(record, summary=f"Imported {len(checked)} returns from {record.file_name}")
        auditor.record_many(AuditEvent.Action.IMPORT, [(r, None, snapshot(r)) for r in fresh])
        auditor.record_many(AuditEvent.Action.UPDATE, [(r, before, snapshot(r)) for r, before in corrected])
        auditor.record_many(AuditEvent.Action.CREATE, [(r, None, snapshot(r)) for r in revisions])
        _after_returns_saved(sorted({row.kpi.pk for row in checked}), actor)
    return ImportResult(record=record, submitted=len(fresh), corrected=len(corrected), left_blank=left_blank)
