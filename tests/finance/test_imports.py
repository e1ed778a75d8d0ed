"""Actuals and forecasts: ledger extracts, forecasts and Transparency Code spend files, checked whole
in DuckDB, mapped to budget lines and written whole or not at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from commissioning import cli
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.finance.imports import actuals_import, forecasts_import
from commissioning.finance.models import Actual, BudgetLine, Forecast, LedgerImport
from commissioning.partners.models import Area, Organisation, Partnership, PartnershipMember
from tests.conftest import SHARED_DATA

YEAR = 2026
COUNCIL, CCG = "E06000045", "10X"
TRAFFORD_FILE = SHARED_DATA / "transparency_code" / "trafford_supplier_spend_2026-27_social_care_subset.csv"
HEADER = "cost_centre,period,amount,partner,supplier,reference\n"


@pytest.fixture
def finance_officer(user_for):
    return user_for("southampton", Role.FINANCE_OFFICER)


@pytest.fixture
def lines(southampton):
    """Budget lines of 2026/27 with cost centres the demo does not use: T9001-T9003 for each partner."""
    made = {}
    for code in (COUNCIL, CCG):
        organisation = Organisation.objects.get(**{"gss_code" if code == COUNCIL else "ods_code": code})
        for number in (1, 2, 3):
            made[code, f"T900{number}"] = BudgetLine.objects.create(
                partnership=southampton,
                organisation=organisation,
                financial_year=YEAR,
                cost_centre=f"T900{number}",
                service_area=f"Test service {number}",
                tier="community",
                amount=Decimal("120000.00"),
            )
    return made


def _csv(tmp_path: Path, body: str, name: str = "ledger.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


def _import(officer, partnership, path, **kwargs):
    return actuals_import(actor=officer, partnership=partnership, financial_year=YEAR, path=path, **kwargs)


def _problems(excinfo) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in excinfo.value.errors]


# Ledger extracts land ------------------------------------------------------------------------


def test_csv_ledger_extract_lands_on_its_budget_lines(southampton, finance_officer, lines, tmp_path):
    path = _csv(
        tmp_path,
        "T9001,2026-04,1200.50,E06000045,Acme Care Ltd,INV-1\n"
        "T9001,2026-04-30,99.5,e06000045,Acme Care Ltd,INV-2\n"
        "T9002,2026-05,-20.00,10X,Acme Care Ltd,CREDIT-1\n"
        "T9003,2027-03,7,10X,,\n",
    )
    events_before = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count()

    batch = _import(finance_officer, southampton, path)

    assert batch.kind == LedgerImport.Kind.LEDGER and batch.rows == 4 and batch.file_name == "ledger.csv"
    actuals = Actual.objects.filter(source_import=batch).order_by("month", "amount")
    got = [(a.budget_line.cost_centre, a.budget_line.organisation.name, a.month, a.amount) for a in actuals]
    assert got == [
        ("T9001", "Southampton City Council", dt.date(2026, 4, 1), Decimal("99.50")),
        ("T9001", "Southampton City Council", dt.date(2026, 4, 1), Decimal("1200.50")),
        (
            "T9002",
            "NHS Southampton City Clinical Commissioning Group",
            dt.date(2026, 5, 1),
            Decimal("-20.00"),
        ),
        ("T9003", "NHS Southampton City Clinical Commissioning Group", dt.date(2027, 3, 1), Decimal("7.00")),
    ]
    assert actuals.get(reference="CREDIT-1").supplier == "Acme Care Ltd"
    assert actuals.get(budget_line__cost_centre="T9003").supplier == ""
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT)
    assert events.count() == events_before + 1
    event = events.order_by("-id").first()
    assert event.actor == finance_officer and event.object_id == str(batch.pk)
    assert event.summary.startswith("4 actuals totalling £1,287.00 on 3 budget lines, 2026-04 to 2027-03")
    assert event.partnership_id == southampton.pk


def test_csv_saved_by_excel_with_a_byte_order_mark_or_in_latin_1_lands(
    southampton, finance_officer, lines, tmp_path
):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(("\ufeff" + HEADER + "T9001,2026-04,1.00,E06000045,Café Ltd,\n").encode())
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "T9001,2026-05,2.00,E06000045,Café £ Ltd,\n").encode("latin-1"))

    _import(finance_officer, southampton, bom)
    _import(finance_officer, southampton, latin)

    held = Actual.objects.filter(budget_line=lines[COUNCIL, "T9001"]).order_by("month")
    assert list(held.values_list("supplier", flat=True)) == ["Café Ltd", "Café £ Ltd"]


def test_xlsx_ledger_extract_lands_with_typed_cells(southampton, finance_officer, lines, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Cost Centre", "Period", "Amount", "Partner", "Description"])
    sheet.append(["T9001", dt.datetime(2026, 6, 1), 1500.25, "E06000045", "June invoices"])
    sheet.append([])  # a blank row is skipped, and later rows keep their spreadsheet numbers
    sheet.append(["T9002", "2026-07", 300, "10X", None])
    path = tmp_path / "ledger.xlsx"
    book.save(path)

    batch = _import(finance_officer, southampton, path)

    got = sorted(
        Actual.objects.filter(source_import=batch).values_list("budget_line__cost_centre", "month", "amount")
    )
    assert got == [
        ("T9001", dt.date(2026, 6, 1), Decimal("1500.25")),
        ("T9002", dt.date(2026, 7, 1), Decimal("300.00")),
    ]

    sheet.append(["T9002", "2026-08", 12.345, "10X", None])
    book.save(path)
    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, path)
    assert _problems(excinfo) == [
        (5, "Amount", "amount 12.345 has more than two decimal places: give pounds and pence")
    ]


def test_parquet_ledger_extract_lands_with_its_own_types(southampton, finance_officer, lines, tmp_path):
    table = pa.table(
        {
            "cost_centre": ["T9001", "T9002", "T9003"],
            "period": pa.array([dt.date(2026, 4, 1), dt.date(2026, 9, 15), dt.date(2027, 1, 1)]),
            "amount": pa.array(
                [Decimal("10.10"), Decimal("-5.00"), Decimal("123456.78")], pa.decimal128(14, 2)
            ),
            "partner": ["E06000045", "10X", "10X"],
        }
    )
    path = tmp_path / "ledger.parquet"
    pq.write_table(table, path)

    batch = _import(finance_officer, southampton, path)

    got = sorted(Actual.objects.filter(source_import=batch).values_list("month", "amount"))
    assert got == [
        (dt.date(2026, 4, 1), Decimal("10.10")),
        (dt.date(2026, 9, 1), Decimal("-5.00")),
        (dt.date(2027, 1, 1), Decimal("123456.78")),
    ]


# Bad input: every problem named, nothing written ---------------------------------------------


BAD_FILES = {
    "unknown and missing columns": (
        "cost_centre,period,amt,partner\nT9001,2026-04,10.00,E06000045\n",
        [
            (
                1,
                "amt",
                "unknown column: expected cost_centre, period, amount, partner, supplier, "
                "reference, description",
            ),
            (1, "amount", "required column is missing"),
        ],
    ),
    "missing column": (
        "cost_centre,period,amount\nT9001,2026-04,10.00\n",
        [(1, "partner", "required column is missing")],
    ),
    "unknown cost centre": (
        HEADER + "T9001,2026-04,10.00,E06000045,,\n12345,2026-04,10.00,E06000045,,\n",
        [
            (
                3,
                "cost_centre",
                "unknown cost centre 12345 for Southampton City Council in 2026/27: no budget line has it",
            )
        ],
    ),
    "period outside the year": (
        HEADER + "T9001,2027-04,10.00,E06000045,,\nT9001,2026-03-31,10.00,E06000045,,\n",
        [
            (2, "period", "period 2027-04 is outside 2026/27 (April 2026 to March 2027)"),
            (3, "period", "period 2026-03-31 is outside 2026/27 (April 2026 to March 2027)"),
        ],
    ),
    "period not a month": (
        HEADER + "T9001,2026-13,10.00,E06000045,,\nT9001,April,10.00,E06000045,,\nT9001,,1,10X,,\n",
        [
            (2, "period", "period 2026-13 is not a month: give YYYY-MM or a date YYYY-MM-DD"),
            (3, "period", "period April is not a month: give YYYY-MM or a date YYYY-MM-DD"),
            (4, "period", "period is blank"),
        ],
    ),
    "three decimal places": (
        HEADER + "T9001,2026-04,12.345,E06000045,,\n",
        [(2, "amount", "amount 12.345 has more than two decimal places: give pounds and pence")],
    ),
    "text, exponent and blank amounts": (
        HEADER
        + "T9001,2026-04,twelve,E06000045,,\nT9001,2026-04,1e3,E06000045,,\nT9001,2026-04,,E06000045,,\n",
        [
            (2, "amount", "amount 'twelve' is not a sum of money: write it like 1234.56 (credits as -20.00)"),
            (3, "amount", "amount '1e3' is not a sum of money: write it like 1234.56 (credits as -20.00)"),
            (4, "amount", "amount is blank"),
        ],
    ),
    "too large an amount": (
        HEADER + "T9001,2026-04,1000000000000.00,E06000045,,\n",
        [(2, "amount", "amount 1000000000000.00 is too large")],
    ),
    "unknown partner": (
        HEADER + "T9001,2026-04,10.00,R1X,,\nT9001,2026-04,10.00,,,\n",
        [
            (
                2,
                "partner",
                "unknown partner R1X: not the ODS or GSS code of a partner (known: 10X, E06000045…",
            ),
            (3, "partner", "partner is blank: give the organisation's ODS or GSS code"),
        ],
    ),
    "several problems on one row": (
        HEADER + "T9009,2027-05,1.001,E06000045," + "x" * 201 + ",\n",
        [
            (
                2,
                "cost_centre",
                "unknown cost centre T9009 for Southampton City Council in 2026/27: no budget line has it",
            ),
            (2, "period", "period 2027-05 is outside 2026/27 (April 2026 to March 2027)"),
            (2, "amount", "amount 1.001 has more than two decimal places: give pounds and pence"),
            (2, "supplier", "supplier is longer than 200 characters"),
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_input_is_reported_by_row_and_column_and_nothing_is_written(
    case, southampton, finance_officer, lines, tmp_path
):
    text, expected = BAD_FILES[case]
    path = _csv(tmp_path, text, header="")
    actuals, imports = Actual.objects.count(), LedgerImport.objects.count()

    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, path)

    problems = _problems(excinfo)
    assert len(problems) == len(expected)
    for got, (row, column, reason) in zip(problems, expected, strict=True):
        # A reason ending "…" is a prefix: the list of known codes grows with the demo.
        assert got[:2] == (row, column)
        assert got[2].startswith(reason[:-1]) if reason.endswith("…") else got[2] == reason
    assert Actual.objects.count() == actuals and LedgerImport.objects.count() == imports


def test_one_bad_row_among_many_stops_the_whole_file_and_is_found_by_its_line(
    southampton, finance_officer, lines, tmp_path
):
    """Big enough for DuckDB to read in parallel: the row numbers must still be the file's lines."""
    good = "T9001,2026-04,10.00,E06000045,Supplier with a longish name Ltd,REF\n"
    rows = [good] * 200_000
    rows[149_998] = "T9001,2026-04,10.001,E06000045,,\n"  # line 150,000 of the file
    rows[-1] = "T9001,2026-04,10.00,XXX,,\n"  # line 200,001
    path = _csv(tmp_path, "".join(rows))

    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, path)

    assert [(row, column) for row, column, _ in _problems(excinfo)] == [
        (150_000, "amount"),
        (200_001, "partner"),
    ]
    assert not Actual.objects.filter(budget_line__in=lines.values()).exists()


def test_wrong_kind_of_file_and_unreadable_file(southampton, finance_officer, lines, tmp_path):
    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, _csv(tmp_path, "T9001,2026-04,1,10X,,\n"), kind="transparency")
    # A ledger extract's "amount" is the Code's "Amount" (names match ignoring case); the rest are missing.
    assert [column for _, column, _ in _problems(excinfo)] == [
        "ProfitCentre",
        "PaymentDate",
        "BeneficiaryName",
        "TransactionNumber",
    ]
    assert _problems(excinfo)[0][2] == "required column of the Transparency Code layout is missing"

    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, _csv(tmp_path, "", name="empty.csv"))
    assert _problems(excinfo) == [(2, "(file)", "the file has a header but no rows")]

    empty = tmp_path / "nothing.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, empty)
    assert _problems(excinfo) == [(1, "(file)", "the file is empty")]

    ragged = _csv(
        tmp_path, "T9001,2026-04,1.00,E06000045,,\nT9001,2026-04,1.00,E06000045,,,extra\n", name="r.csv"
    )
    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, ragged)
    assert _problems(excinfo) == [(3, "(file)", "has 7 fields where the header has 6")]

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ImportFailed) as excinfo:
        _import(finance_officer, southampton, broken)
    assert _problems(excinfo)[0][:2] == (1, "(file)")


def test_only_a_finance_role_may_import(southampton, user_for, lines, tmp_path):
    path = _csv(tmp_path, "T9001,2026-04,10.00,E06000045,,\n")
    with pytest.raises(NotPermitted):
        _import(user_for("southampton", Role.COMMISSIONER), southampton, path)
    with pytest.raises(NotPermitted):
        forecasts_import(
            actor=user_for("southampton", Role.VIEWER),
            partnership=southampton,
            financial_year=YEAR,
            path=path,
        )


# Re-import --------------------------------------------------------------------------------------


def test_reimport_replaces_the_months_and_lines_it_restates_and_nothing_else(
    southampton, finance_officer, lines, tmp_path
):
    first = _import(
        finance_officer,
        southampton,
        _csv(
            tmp_path,
            "T9001,2026-04,100.00,E06000045,,\nT9001,2026-05,200.00,E06000045,,\n"
            "T9001,2026-05,50.00,E06000045,,\nT9002,2026-05,300.00,10X,,\n",
            name="april-may.csv",
        ),
    )
    second = _import(
        finance_officer,
        southampton,
        _csv(tmp_path, "T9001,2026-05,210.00,E06000045,,\n", name="may-corrected.csv"),
    )
    again = _import(
        finance_officer,
        southampton,
        _csv(tmp_path, "T9001,2026-05,210.00,E06000045,,\n", name="may-corrected.csv"),
    )

    held = sorted(
        Actual.objects.filter(budget_line__in=lines.values()).values_list(
            "budget_line__cost_centre",
            "budget_line__organisation__gss_code",
            "month",
            "amount",
            "source_import",
        )
    )
    assert held == [
        ("T9001", COUNCIL, dt.date(2026, 4, 1), Decimal("100.00"), first.pk),
        ("T9001", COUNCIL, dt.date(2026, 5, 1), Decimal("210.00"), again.pk),
        ("T9002", "", dt.date(2026, 5, 1), Decimal("300.00"), first.pk),
    ]
    assert not second.actuals.exists()
    event = history_for(second).get()
    assert event.summary.endswith("; 2 earlier actuals replaced")
    assert event.after["replaced"] == 2


# Forecasts --------------------------------------------------------------------------------------


FORECAST_HEADER = "cost_centre,partner,made_in,outturn\n"


def _forecasts(officer, partnership, tmp_path, body, name="forecasts.csv"):
    path = _csv(tmp_path, body, name=name, header=FORECAST_HEADER)
    return forecasts_import(actor=officer, partnership=partnership, financial_year=YEAR, path=path)


def test_forecasts_keep_their_history_month_by_month(southampton, finance_officer, lines, tmp_path):
    april = _forecasts(
        finance_officer, southampton, tmp_path, "T9001,E06000045,2026-04,120000.00\nT9002,10X,2026-04,80000\n"
    )
    _forecasts(finance_officer, southampton, tmp_path, "T9001,E06000045,2026-05,125000.00\n", name="may.csv")
    revised = _forecasts(
        finance_officer, southampton, tmp_path, "T9001,E06000045,2026-05,126500.50\n", name="may-v2.csv"
    )

    line = lines[COUNCIL, "T9001"]
    history = list(
        Forecast.objects.filter(budget_line=line).values_list("made_in", "outturn", "source_import")
    )
    assert history == [
        (dt.date(2026, 4, 1), Decimal("120000.00"), april.pk),
        (dt.date(2026, 5, 1), Decimal("126500.50"), revised.pk),
    ]
    assert Forecast.objects.get(budget_line=lines[CCG, "T9002"]).outturn == Decimal("80000.00")
    assert april.kind == LedgerImport.Kind.FORECAST and april.rows == 2
    assert history_for(revised).get().summary == (
        "1 forecast outturn for 1 budget line made in 2026-05, from may-v2.csv; 1 replaced"
    )


def test_bad_forecasts_are_refused_whole(southampton, finance_officer, lines, tmp_path):
    with pytest.raises(ImportFailed) as excinfo:
        _forecasts(
            finance_officer,
            southampton,
            tmp_path,
            "T9001,E06000045,2026-04,1000.00\n"
            "T9001,E06000045,2026-04,1100.00\n"
            "T9002,E06000045,2027-04,1.00\n"
            "T9003,10X,2026-06,-5.00\n"
            "T9002,10X,2026-06,5.555\n",
        )
    assert _problems(excinfo) == [
        (
            3,
            "made_in",
            "a second forecast for cost centre T9001 of Southampton City Council made in 2026-04 "
            "(first at row 2)",
        ),
        (4, "made_in", "made_in 2027-04 is outside 2026/27 (April 2026 to March 2027)"),
        (5, "outturn", "outturn -5.00 is negative: a forecast outturn, like a budget, is not"),
        (6, "outturn", "outturn 5.555 has more than two decimal places: give pounds and pence"),
    ]
    assert not Forecast.objects.filter(budget_line__in=lines.values()).exists()

    ledger = _csv(tmp_path, "T9001,2026-04,1.00,E06000045,,\n", name="ledger.csv")
    with pytest.raises(ImportFailed) as excinfo:
        forecasts_import(actor=finance_officer, partnership=southampton, financial_year=YEAR, path=ledger)
    assert [(row, column) for row, column, _ in _problems(excinfo)] == [
        (1, "period"),
        (1, "amount"),
        (1, "supplier"),
        (1, "reference"),
        (1, "made_in"),
        (1, "outturn"),
    ]
    assert _problems(excinfo)[-1][2] == "required column is missing"


# Transparency Code spend files ------------------------------------------------------------------


@pytest.fixture
def trafford(db, system):
    """Trafford Council (its GSS code and name from the area register) in a partnership of its own,
    with a 2026/27 budget line for every profit centre its published spend file uses."""
    area = Area.objects.get(gss_code="E08000009")
    council = Organisation.objects.create(
        name=f"{area.name} Council",
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        gss_code=area.gss_code,
        la_code="TRF",
    )
    partnership = Partnership.objects.create(name="Trafford test partnership", slug="trafford-test")
    PartnershipMember.objects.create(partnership=partnership, organisation=council, role="host")
    con = duckdb.connect()
    centres = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT ProfitCentre FROM read_csv(?, all_varchar=true) ORDER BY 1", [str(TRAFFORD_FILE)]
        ).fetchall()
    ]
    con.close()
    BudgetLine.objects.bulk_create(
        BudgetLine(
            partnership=partnership,
            organisation=council,
            financial_year=YEAR,
            cost_centre=centre,
            service_area=f"Profit centre {centre}",
            tier="community",
            amount=Decimal("1000000.00"),
        )
        for centre in centres
    )
    return partnership


def test_the_real_trafford_spend_file_imports_every_row(trafford, system):
    con = duckdb.connect()
    rows, total, credits, april = con.execute(
        "SELECT count(*), sum(CAST(Amount AS DECIMAL(18, 2))), count(*) FILTER (WHERE Amount LIKE '-%'), "
        "count(*) FILTER (WHERE PaymentDate < '2026-05-01') FROM read_csv(?, all_varchar=true)",
        [str(TRAFFORD_FILE)],
    ).fetchone()
    con.close()
    assert rows == 8374

    batch = actuals_import(
        actor=system, partnership=trafford, financial_year=YEAR, path=TRAFFORD_FILE, kind="transparency"
    )

    assert batch.kind == LedgerImport.Kind.TRANSPARENCY and batch.rows == 8374
    actuals = Actual.objects.filter(source_import=batch)
    assert actuals.count() == 8374
    assert sum(actuals.values_list("amount", flat=True)) == total
    assert actuals.filter(amount__lt=0).count() == credits == 858
    assert actuals.filter(month=dt.date(2026, 4, 1)).count() == april
    assert set(actuals.values_list("month", flat=True)) == {dt.date(2026, 4, 1), dt.date(2026, 5, 1)}
    sample = actuals.get(reference="5100509781")
    assert (sample.budget_line.cost_centre, sample.supplier, sample.amount) == (
        "110328",
        "Thompsons Academy Ltd",
        Decimal("1818.18"),
    )

    # Naming the council by its GSS code does the same; a re-import replaces rather than adds.
    again = actuals_import(
        actor=system,
        partnership=trafford,
        financial_year=YEAR,
        path=TRAFFORD_FILE,
        kind="transparency",
        partner="E08000009",
    )
    assert Actual.objects.filter(budget_line__partnership=trafford).count() == 8374
    assert not batch.actuals.exists() and again.actuals.count() == 8374


def test_a_spend_file_with_an_unknown_profit_centre_or_the_wrong_year_is_refused(trafford, system, tmp_path):
    text = TRAFFORD_FILE.read_text().splitlines()
    header, first = text[0], text[1].split(",")
    unknown = [*first]
    unknown[14] = "999999"
    late = [*first]
    late[6] = "2027-04-02"
    path = tmp_path / "spend.csv"
    path.write_text("\n".join([header, ",".join(first), ",".join(unknown), ",".join(late)]) + "\n")

    with pytest.raises(ImportFailed) as excinfo:
        actuals_import(
            actor=system, partnership=trafford, financial_year=YEAR, path=path, kind="transparency"
        )

    assert _problems(excinfo) == [
        (
            3,
            "ProfitCentre",
            "unknown profit centre 999999 for Trafford Council in 2026/27: no budget line has it",
        ),
        (4, "PaymentDate", "payment date 2027-04-02 is outside 2026/27 (April 2026 to March 2027)"),
    ]
    with pytest.raises(ImportFailed) as excinfo:
        actuals_import(
            actor=system,
            partnership=trafford,
            financial_year=YEAR,
            path=path,
            kind="transparency",
            partner="10X",
        )
    assert _problems(excinfo)[0][:2] == (1, "(partner)")


def test_a_partnership_with_two_councils_must_name_the_publisher(southampton, system, lines, tmp_path):
    other = Organisation.objects.create(
        name="Another Council", kind=Organisation.Kind.LOCAL_AUTHORITY, gss_code="E06000046"
    )
    PartnershipMember.objects.create(partnership=southampton, organisation=other, role="partner")
    path = tmp_path / "spend.csv"
    path.write_text(
        "ProfitCentre,PaymentDate,Amount,BeneficiaryName,TransactionNumber\nT9001,2026-04-03,600.00,X,1\n"
    )
    with pytest.raises(ImportFailed) as excinfo:
        actuals_import(
            actor=system, partnership=southampton, financial_year=YEAR, path=path, kind="transparency"
        )
    assert "name the one that published this spend file" in excinfo.value.errors[0].reason

    batch = actuals_import(
        actor=system,
        partnership=southampton,
        financial_year=YEAR,
        path=path,
        kind="transparency",
        partner=COUNCIL,
    )
    assert batch.actuals.get().budget_line == lines[COUNCIL, "T9001"]


# The command ------------------------------------------------------------------------------------


def test_the_import_commands(southampton, lines, tmp_path, capsys):
    ledger = _csv(tmp_path, "T9001,2026-04,10.00,E06000045,,\nT9002,2026-04,5.00,10X,,\n")
    code = cli.main(
        ["import", "actuals", str(ledger), "--partnership", "southampton", "--year", "2026", "--no-migrate"]
    )
    assert code == 0
    assert (
        "Imported 2 actuals for 2026/27 from ledger.csv (Ledger extract) into Southampton"
        in capsys.readouterr().out
    )
    assert Actual.objects.filter(budget_line__in=lines.values()).count() == 2

    forecasts = _csv(tmp_path, "T9001,E06000045,2026-04,1.00\n", name="f.csv", header=FORECAST_HEADER)
    code = cli.main(
        [
            "import",
            "forecasts",
            str(forecasts),
            "--partnership",
            "southampton",
            "--year",
            "2026",
            "--no-migrate",
        ]
    )
    assert code == 0
    assert Forecast.objects.filter(budget_line=lines[COUNCIL, "T9001"]).count() == 1

    bad = _csv(tmp_path, "T9001,2027-04,10.00,E06000045,,\n", name="bad.csv")
    code = cli.main(
        ["import", "actuals", str(bad), "--partnership", "southampton", "--year", "2026", "--no-migrate"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "Nothing imported: 1 problem(s) in bad.csv." in err
    assert "row 2, column period: period 2027-04 is outside 2026/27" in err

    code = cli.main(
        ["import", "actuals", str(ledger), "--partnership", "nowhere", "--year", "2026", "--no-migrate"]
    )
    assert code == 2
