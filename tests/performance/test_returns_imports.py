"""Uploading many returns at once, as CSV and as xlsx: every bad row reported by row, column and
reason with nothing saved; a clean file saved whole, corrections included, and audited."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.performance import returns as services
from commissioning.performance.models import KpiReturn, ReturnImport, ReturnRevision
from commissioning.performance.return_imports import import_returns, parse_period_start
from commissioning.performance.return_selectors import template_rows
from tests.conftest import demo_user
from tests.performance.test_returns_services import TODAY, other_kpi, own_kpi

pytestmark = pytest.mark.django_db

HEADER = ["contract_reference", "kpi_code", "period_start", "value", "commentary", "correction_reason"]


def write_csv(folder, rows, header=HEADER, name="returns.csv"):
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(folder, rows, header=HEADER, name="returns.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    path = folder / name
    book.save(path)
    return path


@pytest.fixture
def provider(southampton):
    return demo_user("southampton", Role.PROVIDER_CONTACT)


@pytest.fixture
def monthly(southampton):
    return own_kpi(southampton)


@pytest.fixture
def quarterly(southampton):
    return own_kpi(southampton, frequency="quarterly")


def load(provider, southampton, path):
    return import_returns(
        actor=provider, partnership=southampton, path=path, file_name=path.name, today=TODAY
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026-04", dt.date(2026, 4, 1)),
        ("2026-4", dt.date(2026, 4, 1)),
        ("01/07/2026", dt.date(2026, 7, 1)),
        ("2026-13", None),
        ("April 2026", None),
    ],
)
def test_a_period_is_a_date_or_a_month(text, day):
    assert parse_period_start(text) == day


@pytest.mark.parametrize("write", [write_csv, write_xlsx])
def test_a_clean_file_lands_whole_with_its_revisions_and_audit(
    tmp_path, provider, southampton, monthly, quarterly, write
):
    ref, qref = monthly.contract.reference, quarterly.contract.reference
    rows = [
        (ref, monthly.code, "2026-09", "88.5", "Short-staffed in August", ""),
        (ref, monthly.code, "2026-10-01", 91, "", ""),
        (qref, quarterly.code.lower(), "2026-07-01", "75", "", ""),
        (ref, monthly.code, "2026-08-01", "", "", ""),  # a template row not filled in
    ]
    result = load(provider, southampton, write(tmp_path, rows))
    assert (result.submitted, result.corrected, result.left_blank) == (3, 0, 1)
    assert (
        result.message
        == f"Imported 3 new returns from {result.record.file_name}. 1 row with no figure was left out."
    )
    record = ReturnImport.objects.get(pk=result.record.pk)
    assert (record.rows, record.imported_by, record.partnership) == (3, provider, southampton)
    saved = {
        (r.kpi_id, r.period_start): r
        for r in KpiReturn.objects.filter(source_import=record).prefetch_related("revisions")
    }
    assert saved[(monthly.pk, dt.date(2026, 9, 1))].value == Decimal("88.5")
    assert saved[(monthly.pk, dt.date(2026, 9, 1))].commentary == "Short-staffed in August"
    assert saved[(monthly.pk, dt.date(2026, 10, 1))].value == Decimal("91")
    assert saved[(quarterly.pk, dt.date(2026, 7, 1))].period_end == dt.date(2026, 9, 30)
    assert all(len(r.revisions.all()) == 1 and r.submitted_by == provider for r in saved.values())
    imported = AuditEvent.objects.filter(
        action=AuditEvent.Action.IMPORT, object_id__in=[str(r.pk) for r in saved.values()]
    )
    assert imported.count() == 3
    assert AuditEvent.objects.filter(
        action="create", object_type__model="returnimport", object_id=str(record.pk)
    ).exists()


@pytest.mark.parametrize("write", [write_csv, write_xlsx])
def test_every_bad_row_is_reported_and_nothing_is_saved(tmp_path, provider, southampton, monthly, write):
    ref, code = monthly.contract.reference, monthly.code
    theirs = other_kpi(southampton)
    services.submit_return(
        actor=provider, kpi=monthly, period_start=dt.date(2026, 6, 1), value="60", today=TODAY
    )
    rows = [
        (ref, code, "2026-09-01", "88", "", ""),  # good, but the file fails as a whole
        ("NOPE-1", code, "2026-09-01", "50", "", ""),
        (theirs.contract.reference, theirs.code, "2026-09-01", "50", "", ""),
        (ref, "ZZ99", "2026-09-01", "50", "", ""),
        (ref, code, "2026-09-15", "50", "", ""),
        (ref, code, "2026-11-01", "50", "", ""),
        (ref, code, "next month", "50", "", ""),
        (ref, code, "2026-08-01", "ninety", "", ""),
        (ref, code, "2026-07-01", "101", "", ""),
        (ref, code, "2026-09-01", "89", "", ""),  # the same period again
        (ref, code, "2026-06-01", "61", "", ""),  # already submitted
        (ref, code, "2026-05-01", "61", "", "Recount"),  # nothing to correct
        ("", code, "2026-04-01", "61", "", ""),
        (ref, code, "2026-03-01", "", "Will follow", ""),
    ]
    with pytest.raises(ImportFailed) as failed:
        load(provider, southampton, write(tmp_path, rows))
    errors = {(e.row, e.column): e.reason for e in failed.value.errors}
    unknown = "that you can submit returns for"
    assert errors[(3, "contract_reference")] == f"no contract with the reference NOPE-1 {unknown}"
    assert (
        errors[(4, "contract_reference")]
        == f"no contract with the reference {theirs.contract.reference} {unknown}"
    )
    assert errors[(5, "kpi_code")] == f"contract {ref} has no KPI with the code ZZ99"
    assert errors[(6, "period_start")].startswith("15 September 2026 is not the start of a reporting period")
    assert (
        errors[(7, "period_start")]
        == "Nov 2026 has not ended yet; its return can be made from 1 December 2026."
    )
    assert (
        errors[(8, "period_start")] == "'next month' is not a date; write 2026-04-01, or 2026-04 for a month"
    )
    assert errors[(9, "value")].startswith("'ninety' is not a number")
    assert errors[(10, "value")] == "101 is out of range: a KPI measured in % must be between 0 and 100."
    assert (
        errors[(11, "period_start")] == f"{code} for Sep 2026 is also on row 2; give each KPI and period once"
    )
    assert errors[(12, "period_start")].startswith(
        f"a return for {code} for Jun 2026 was already submitted on"
    )
    assert "say why in correction_reason" in errors[(12, "period_start")]
    assert errors[(13, "correction_reason")].startswith(
        f"there is no return for {code} for May 2026 to correct"
    )
    assert errors[(14, "contract_reference")] == "is blank; every return needs it"
    assert errors[(15, "value")] == "is blank; every return needs it"
    assert not any(e.row == 2 for e in failed.value.errors)
    assert str(failed.value).startswith(f"{len(failed.value.errors)} problems found, nothing imported")
    assert KpiReturn.objects.filter(kpi=monthly).count() == 1
    assert not KpiReturn.objects.filter(kpi=theirs).exists()
    assert not ReturnImport.objects.exists()


def test_a_correction_reason_turns_a_row_into_a_correction(tmp_path, provider, southampton, monthly):
    ref, code = monthly.contract.reference, monthly.code
    first = services.submit_return(
        actor=provider, kpi=monthly, period_start=dt.date(2026, 9, 1), value="60", today=TODAY
    )
    rows = [
        (ref, code, "2026-09", "66", "Recounted", "Missed a ward"),
        (ref, code, "2026-10", "70", "", ""),
    ]
    result = load(provider, southampton, write_csv(tmp_path, rows))
    assert (result.submitted, result.corrected) == (1, 1)
    assert result.message.startswith("Imported 1 new return and 1 correction from returns.csv.")
    first.refresh_from_db()
    assert (first.value, first.version, first.source_import) == (Decimal("66"), 2, result.record)
    history = list(
        ReturnRevision.objects.filter(kpi_return=first).order_by("version").values_list("value", "reason")
    )
    assert history == [(Decimal("60"), ""), (Decimal("66"), "Missed a ward")]
    update = AuditEvent.objects.get(action="update", object_type__model="kpireturn", object_id=str(first.pk))
    assert (update.before["value"], update.after["value"]) == ("60.0000", "66.0000")
    same = write_csv(tmp_path, [(ref, code, "2026-09", "66", "Recounted", "Again")], name="same.csv")
    with pytest.raises(ImportFailed) as failed:
        load(provider, southampton, same)
    assert failed.value.errors[0].column == "value" and "nothing to correct" in failed.value.errors[0].reason


def test_a_file_missing_columns_or_figures_is_refused(tmp_path, provider, southampton):
    with pytest.raises(ImportFailed) as failed:
        load(provider, southampton, write_csv(tmp_path, [("A", "B")], header=["contract", "kpi_code"]))
    assert failed.value.errors == [
        RowError(1, "contract_reference", "required column is missing"),
        RowError(1, "period_start", "required column is missing"),
        RowError(1, "value", "required column is missing"),
    ]
    with pytest.raises(ImportFailed) as failed:
        load(
            provider, southampton, write_csv(tmp_path, [("X", "Y", "2026-09", "", "", "")], name="empty.csv")
        )
    assert failed.value.errors == [
        RowError(2, "value", "the file has no figures in it; fill in the value column")
    ]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ImportFailed) as failed:
        load(provider, southampton, broken)
    assert failed.value.errors[0].column == "(file)"


def test_a_commissioner_cannot_upload_returns(tmp_path, southampton, monthly):
    commissioner = demo_user("southampton", Role.COMMISSIONER)
    path = write_csv(tmp_path, [(monthly.contract.reference, monthly.code, "2026-09", "50", "", "")])
    with pytest.raises(NotPermitted):
        load(commissioner, southampton, path)
    assert not KpiReturn.objects.filter(kpi=monthly).exists()


def test_the_template_lists_the_providers_due_and_late_periods_and_uploads_once_filled(
    tmp_path, provider, southampton, monthly
):
    rows = template_rows(provider, southampton, today=TODAY)
    assert all(row[3:6] == ("", "", "") for row in rows)
    mine = [row for row in rows if row[0] == monthly.contract.reference and row[1] == monthly.code]
    assert [row[2] for row in mine][-2:] == ["2026-09-01", "2026-10-01"]
    assert mine[-1][6:] == (monthly.name, "%", "Oct 2026", "2026-11-20")
    theirs = other_kpi(southampton)
    assert not any(row[0] == theirs.contract.reference for row in rows)
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "contract_reference",
            "kpi_code",
            "period_start",
            "value",
            "commentary",
            "correction_reason",
            "kpi_name",
            "unit",
            "period",
            "due_on",
        ]
    )
    for row in rows:
        filled = list(row)
        if row[0] == monthly.contract.reference and row[1] == monthly.code and row[2] >= "2026-09-01":
            filled[3] = 77
        sheet.append(filled)
    path = tmp_path / "template.xlsx"
    book.save(path)
    result = load(provider, southampton, path)
    assert result.submitted == 2 and result.left_blank == len(rows) - 2
    assert set(KpiReturn.objects.filter(kpi=monthly).values_list("period_start", flat=True)) == {
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 1),
    }
    assert load_workbook(path).active.max_row == len(rows) + 1


def test_the_command_line_import_lands_whole_or_lists_the_problems(tmp_path, southampton, monthly, capsys):
    from commissioning import cli

    ref = monthly.contract.reference
    common = ["--partnership", "southampton", "--user", "demo-southampton-provider-contact", "--no-migrate"]
    bad = write_csv(
        tmp_path, [(ref, monthly.code, "2026-09", "88.5", "", ""), (ref, "NOPE", "2026-09", "1", "", "")]
    )
    assert cli.main(["import", "returns", str(bad), *common]) == 1
    assert "Nothing imported: 1 problem(s)" in capsys.readouterr().err
    assert not KpiReturn.objects.filter(kpi=monthly).exists()
    good = write_csv(tmp_path, [(ref, monthly.code, "2026-09", "88.5", "", "")], name="good.csv")
    assert cli.main(["import", "returns", str(good), *common]) == 0
    assert "Imported 1 new return from good.csv" in capsys.readouterr().out
    assert KpiReturn.objects.get(kpi=monthly, period_start=dt.date(2026, 9, 1)).value == Decimal("88.5")


def test_the_escalate_command_runs_the_rules_once(southampton, capsys):
    from commissioning import cli
    from commissioning.performance.models import Review

    before = Review.objects.filter(partnership=southampton).count()
    assert cli.main(["escalate", "--partnership", "southampton", "--no-migrate"]) == 0
    opened = Review.objects.filter(partnership=southampton).count() - before
    assert f"{opened} review(s) opened in" in capsys.readouterr().out
    assert cli.main(["escalate", "--partnership", "southampton", "--no-migrate"]) == 0
    assert "0 review(s) opened" in capsys.readouterr().out
    assert cli.main(["escalate", "--partnership", "nowhere", "--no-migrate"]) == 2
