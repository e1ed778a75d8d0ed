"""Contract register imports: a clean CSV or xlsx lands whole and audited; a bad one reports every
problem by row and column (unknown provider, end before start, funding not equal to the value) and
writes nothing; the ``commissioning import contracts`` command does the same from the shell."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from commissioning import cli
from commissioning.contracts.imports import import_contracts
from commissioning.contracts.models import Contract, Funding
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from tests.contracts.test_contract_services import D, make_provider

pytestmark = pytest.mark.django_db

HEADER = (
    "reference,title,provider,lead_commissioner,start,end,annual_value,lifetime_value,payment_basis,"
    "service_type,care_group,extension_months,funder_1,amount_1,funder_2,amount_2"
)
GOOD = [
    "CI-001,Imported home care,Import Test Care Ltd,Southampton City Council,2025-04-01,2028-03-31,"
    '"£100,000.00",300000.00,block,home_care,Older people,12,E06000045,180000,10X,120000.00',
    "CI-002,Imported carers support,import test care ltd,10X,01/04/2025,31/03/2026,25000,25000,"
    "Cost and volume,Carers' support,,,NHS Southampton City Clinical Commissioning Group,25000,,",
]


@pytest.fixture
def provider(southampton):
    return make_provider(southampton, name="Import Test Care Ltd")


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


def write(tmp_path, lines, name="contracts.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_clean_csv_lands_whole_with_funding_and_audit(southampton, provider, commissioner, tmp_path):
    contracts = import_contracts(actor=commissioner, partnership=southampton, path=write(tmp_path, GOOD))
    assert [c.reference for c in contracts] == ["CI-001", "CI-002"]
    first = Contract.objects.get(partnership=southampton, reference="CI-001")
    assert (first.annual_value, first.lifetime_value, first.extension_months) == (
        D("100000.00"),
        D("300000.00"),
        12,
    )
    assert first.care_group.name == "Older people" and first.provider == provider
    assert sorted(first.funding.values_list("amount", flat=True)) == [D("120000.00"), D("180000.00")]
    second = Contract.objects.get(partnership=southampton, reference="CI-002")
    assert (second.payment_basis, second.service_type, second.lead_commissioner.ods_code) == (
        "cost_and_volume",
        "carers",
        "10X",
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.IMPORT, object_type__model="contract", object_id=str(first.pk)
    ).exists()


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(
    southampton, provider, commissioner, tmp_path
):
    bad = [
        GOOD[0],
        "CI-003,Unknown provider,Nobody Care Ltd,E06000045,2025-04-01,2026-03-31,1000,1000,block,home_care,,,"
        "E06000045,1000,,",
        "CI-004,Ends first,Import Test Care Ltd,E06000045,2025-04-01,2025-03-01,1000,1000,block,home_care,,,"
        "E06000045,1000,,",
        "CI-005,Short funded,Import Test Care Ltd,E06000045,2025-04-01,2026-03-31,100000,100000,block,"
        "home_care,,,E06000045,50000,10X,40000",
        "CI-006,Associate pays,Import Test Care Ltd,E06000045,2025-04-01,2026-03-31,1000,1000,grant,"
        "home_care,,,R1C,1000,,",
        "CI-001,Twice,Import Test Care Ltd,E06000045,2025-04-01,2026-03-31,1000,1000,block,home_care,,,"
        "E06000045,1000,,",
    ]
    before = (Contract.objects.count(), Funding.objects.count())
    with pytest.raises(ImportFailed) as failure:
        import_contracts(actor=commissioner, partnership=southampton, path=write(tmp_path, bad))
    errors = failure.value.errors
    assert (
        RowError(
            3,
            "provider",
            "no provider called Nobody Care Ltd in Southampton Integrated Commissioning's provider register",
        )
        in errors
    )
    assert (
        RowError(4, "end", "the contract cannot end (1 March 2025) before it starts (1 April 2025)") in errors
    )
    assert (
        RowError(
            5,
            "lifetime_value",
            "the funding adds to £90,000.00 but the lifetime value is £100,000.00; they must be equal",
        )
        in errors
    )
    assert {(e.row, e.column) for e in errors} >= {(6, "payment_basis"), (6, "funder_1"), (7, "reference")}
    assert (Contract.objects.count(), Funding.objects.count()) == before


def test_a_missing_column_is_reported_at_the_header(southampton, provider, commissioner, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("reference,title\nX,Y\n")
    with pytest.raises(ImportFailed) as failure:
        import_contracts(actor=commissioner, partnership=southampton, path=path)
    assert RowError(1, "provider", "required column is missing") in failure.value.errors


def test_xlsx_is_read_too(southampton, provider, commissioner, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "CI-X1",
            "Spreadsheet contract",
            "Import Test Care Ltd",
            "E06000045",
            "2025-04-01",
            "2027-03-31",
            50000,
            100000,
            "block",
            "home_care",
            None,
            0,
            "E06000045",
            100000,
            None,
            None,
        ]
    )
    path = tmp_path / "contracts.xlsx"
    book.save(path)
    import_contracts(actor=commissioner, partnership=southampton, path=path)
    assert Contract.objects.get(partnership=southampton, reference="CI-X1").lifetime_value == D("100000.00")


def test_a_viewer_may_not_import(southampton, user_for, tmp_path):
    with pytest.raises(NotPermitted):
        import_contracts(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, path=write(tmp_path, GOOD)
        )


def test_the_command_imports_or_lists_the_problems(southampton, provider, commissioner, tmp_path, capsys):
    bad = write(tmp_path, [GOOD[0].replace("180000", "1")], name="bad.csv")
    common = ["--partnership", "southampton", "--user", commissioner.username, "--no-migrate"]
    assert cli.main(["import", "contracts", str(bad), *common]) == 1
    assert "row 2, column lifetime_value: the funding adds to £120,001.00" in capsys.readouterr().err
    assert cli.main(["import", "contracts", str(write(tmp_path, GOOD)), *common]) == 0
    assert "Imported 2 contracts from contracts.csv" in capsys.readouterr().out
