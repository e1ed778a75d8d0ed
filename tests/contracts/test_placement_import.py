"""Placement files: every row checked in DuckDB, every problem reported, all written or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from commissioning.contracts.models import Placement, PlacementImport
from commissioning.contracts.placements import import_placements
from commissioning.contracts.pseudonyms import nhs_number_hash
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from tests.contracts.placement_factories import care_group_in, provider_in

HEADER = (
    "person_ref,nhs_number,provider,service_type,care_group,unit_price,units_per_week,start,end,"
    "funding_partner,support_option,contract_reference"
)
VALID_NHS = "943 476 5919"


@pytest.fixture
def setting(southampton):
    provider = provider_in(southampton, "Oakwood Care Homes Ltd")
    care_group_in(southampton, "Older people")
    return southampton, provider


def write(tmp_path, *rows, header=HEADER):
    path = tmp_path / "placements.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = [
    f"P-0001,{VALID_NHS},Oakwood Care Homes Ltd,nursing,Older people,1150.00,1,2026-04-01,,"
    "E06000045,arranged,",
    "P-0002,,oakwood care homes ltd,Home care,older people,24.50,14,01/05/2026,2027-03-31,"
    "10X,direct payment,",
]


def test_a_clean_file_is_written_whole_with_nhs_numbers_only_as_hashes(setting, user_for, tmp_path):
    southampton, provider = setting
    actor = user_for("southampton", Role.COMMISSIONER)
    batch = import_placements(actor=actor, partnership=southampton, path=write(tmp_path, *GOOD))
    assert batch.rows == 2
    rows = list(Placement.objects.filter(source_import=batch).order_by("person_ref"))
    assert [r.person_ref for r in rows] == ["P-0001", "P-0002"]
    first, second = rows
    assert first.provider == provider and first.service_type == "nursing"
    assert first.weekly_cost == Decimal("1150.00") and first.ends_on is None
    assert second.weekly_cost == Decimal("343.00") and second.support_option == "direct_payment"
    assert str(second.starts_on) == "2026-05-01" and second.funding_organisation.ods_code == "10X"
    assert first.nhs_number_hash == nhs_number_hash(VALID_NHS) and len(first.nhs_number_hash) == 64
    assert second.nhs_number_hash == ""
    # The clear number is nowhere in the stored row, nor in the audit trail.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Placement._meta.db_table} WHERE id = %s", [first.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert "9434765919" not in stored.replace(" ", "") and "943 476 5919" not in stored
    event = history_for(batch).get(action=AuditEvent.Action.IMPORT)
    assert "9434765919" not in str(event.after) and event.actor == actor


def test_every_bad_row_is_reported_by_row_column_and_reason_and_nothing_saved(setting, user_for, tmp_path):
    southampton, _ = setting
    before = Placement.objects.count(), PlacementImport.objects.count()
    path = write(
        tmp_path,
        GOOD[0],
        "P-0003,,Oakwood Care Homes Ltd,residential,,-5.00,1,2026-04-01,,E06000045,arranged,",
        "P-0004,9434765918,Oakwood Care Homes Ltd,residential,,900,1,2026-04-01,,E06000045,arranged,",
        "P-0005,,Nowhere Care Ltd,residential,,900,1,2026-04-01,,E06000045,arranged,",
        "P-0006,,Oakwood Care Homes Ltd,residential,,900,1,2026-04-01,2026-03-01,E06000045,arranged,",
        "P-0007,,Oakwood Care Homes Ltd,hospice,Martians,9.999,0,someday,,Solent NHS Trust,cash,X-1",
        "9434765919,,Oakwood Care Homes Ltd,residential,,900,1,2026-04-01,,E06000045,arranged,",
    )
    with pytest.raises(ImportFailed) as failure:
        import_placements(
            actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=path
        )
    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert found[(3, "unit_price")] == "The unit price cannot be negative."
    assert "check digit" in found[(4, "nhs_number")]
    assert "9434765918" not in found[(4, "nhs_number")]
    assert found[(5, "provider")] == "no provider called Nowhere Care Ltd in this partnership's register"
    assert found[(6, "end")] == "the placement ends before it starts"
    for column in (
        "service_type",
        "care_group",
        "unit_price",
        "units_per_week",
        "start",
        "funding_partner",
        "support_option",
        "contract_reference",
    ):
        assert (7, column) in found, column
    assert "not a commissioning partner" in found[(7, "funding_partner")]
    assert "NHS number" in found[(8, "person_ref")]
    assert not any(row == 2 for row, _ in found)
    assert (Placement.objects.count(), PlacementImport.objects.count()) == before


def test_a_missing_column_is_reported_on_the_header(setting, user_for, tmp_path):
    southampton, _ = setting
    path = write(tmp_path, "P-1,Oakwood Care Homes Ltd", header="person_ref,provider")
    with pytest.raises(ImportFailed) as failure:
        import_placements(
            actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=path
        )
    assert {(e.row, e.column) for e in failure.value.errors} >= {(1, "unit_price"), (1, "funding_partner")}


def test_an_xlsx_file_imports_too(setting, user_for, tmp_path):
    from openpyxl import Workbook

    southampton, _ = setting
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "P-0101",
            "",
            "Oakwood Care Homes Ltd",
            "residential",
            "",
            875.5,
            1,
            "2026-04-01",
            "",
            "Southampton City Council",
            "managed_budget",
            "",
        ]
    )
    path = tmp_path / "placements.xlsx"
    book.save(path)
    batch = import_placements(
        actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=path
    )
    placement = Placement.objects.get(source_import=batch)
    assert placement.unit_price == Decimal("875.50") and placement.support_option == "managed_budget"


def test_a_viewer_cannot_import(setting, user_for, tmp_path):
    southampton, _ = setting
    with pytest.raises(NotPermitted):
        import_placements(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, path=write(tmp_path, *GOOD)
        )


def test_a_hundred_thousand_rows_import_in_seconds(setting, user_for, tmp_path):
    import time

    southampton, _ = setting
    rows = [
        f"P-{i:06d},,Oakwood Care Homes Ltd,home_care,Older people,{20 + i % 10}.50,{5 + i % 30},2026-04-01,,"
        f"E06000045,{('arranged', 'direct_payment')[i % 2]},"
        for i in range(100_000)
    ]
    path = write(tmp_path, *rows)
    started = time.perf_counter()
    batch = import_placements(
        actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton, path=path
    )
    took = time.perf_counter() - started
    assert Placement.objects.filter(source_import=batch).count() == 100_000
    assert took < 30, took
