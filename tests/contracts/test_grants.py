"""Grants in the 360Giving layout: the real Trafford file in whole, out and back, and bad rows refused."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from commissioning.contracts import grants
from commissioning.contracts.models import Grant, GrantImport
from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners.models import Organisation, Partnership, PartnershipMember
from tests.conftest import SHARED_DATA

TRAFFORD_FILE = SHARED_DATA / "360giving" / "trafford_council_voluntary_sector_grants.csv"


def _file_rows():
    with TRAFFORD_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def trafford_council(db):
    return Organisation.objects.create(
        name="Trafford Metropolitan Borough Council",
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        gss_code="E08000009",
        la_code="TRF",
    )


def _partnership(name, slug, council):
    partnership = Partnership.objects.create(name=name, slug=slug)
    PartnershipMember.objects.create(
        partnership=partnership, organisation=council, role=PartnershipMember.Role.HOST
    )
    return partnership


@pytest.fixture
def trafford(trafford_council):
    return _partnership("Trafford Together", "trafford-together", trafford_council)


def test_the_trafford_file_imports_whole(trafford, trafford_council, system):
    rows = _file_rows()
    charity_row = next(r for r in rows if r["Recipient Org:Identifier"].startswith("GB-CHC-"))
    known = Organisation.objects.create(
        name="A charity we know",
        kind=Organisation.Kind.VCSE,
        charity_number=charity_row["Recipient Org:Identifier"].removeprefix("GB-CHC-"),
    )

    batch = grants.import_grants(actor=system, partnership=trafford, path=TRAFFORD_FILE)

    assert batch.rows == len(rows) == 555
    held = Grant.objects.filter(partnership=trafford)
    assert held.count() == len(rows)
    expected_total = sum(Decimal(r["Amount Awarded"]) for r in rows)
    assert grants.grant_totals(trafford).total == expected_total
    assert sum(g.amount_awarded for g in held) == expected_total
    assert set(held.values_list("funder", flat=True)) == {trafford_council.pk}
    assert held.get(identifier=charity_row["Identifier"]).recipient == known
    first = held.get(identifier="360G-traffordmbc-VSG1342")
    assert first.title == "Voluntary Sector Grant to Altrincham Children's Choir"
    assert first.amount_awarded == Decimal("2266.00")
    assert first.award_date == dt.date(2013, 1, 18)
    assert first.recipient is None and first.recipient_org_id == "360G-trafford-altrincham_childrens_choir"
    assert first.from_open_call is True
    assert first.last_modified == dt.datetime(2022, 5, 3, 18, 9, 56, tzinfo=dt.UTC)
    assert first.beneficiary_location_code == "E08000009"
    assert first.programme == "Voluntary Sector Grants"
    by_programme = {p["programme"]: p for p in grants.grant_totals(trafford).by_programme}
    for programme, entry in by_programme.items():
        in_file = [r for r in rows if r["Grant Programme:Title"] == programme]
        assert entry["count"] == len(in_file)
        assert entry["total"] == sum(Decimal(r["Amount Awarded"]) for r in in_file)
    event = AuditEvent.objects.get(partnership_id=trafford.pk, action=AuditEvent.Action.IMPORT)
    assert event.object_id == str(batch.pk) and event.actor == system
    assert event.after["total"] == str(expected_total)


def test_export_and_reimport_give_the_same_grants(trafford, trafford_council, system, tmp_path):
    grants.import_grants(actor=system, partnership=trafford, path=TRAFFORD_FILE)
    exported = tmp_path / "trafford-360giving.csv"
    exported.write_text(grants.grants_csv(partnership=trafford), encoding="utf-8")
    header = next(csv.reader(exported.open(encoding="utf-8")))
    assert tuple(header) == grants.EXPORT_COLUMNS
    assert "From An Open Call?" in header and "Last Modified" in header

    elsewhere = _partnership("Greater Manchester grants", "gm-grants", trafford_council)
    grants.import_grants(actor=system, partnership=elsewhere, path=exported)

    fields = (
        "identifier",
        "title",
        "description",
        "currency",
        "amount_awarded",
        "award_date",
        "planned_start",
        "planned_end",
        "funder_id",
        "recipient_id",
        "recipient_org_id",
        "recipient_name",
        "programme",
        "beneficiary_location_code",
        "beneficiary_location_name",
        "from_open_call",
        "last_modified",
    )
    original = set(Grant.objects.filter(partnership=trafford).values_list(*fields))
    copy = set(Grant.objects.filter(partnership=elsewhere).values_list(*fields))
    assert len(original) == 555
    assert copy == original


def _write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_bad_rows_are_reported_with_row_column_and_reason_and_nothing_is_saved(trafford, system, tmp_path):
    with TRAFFORD_FILE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [next(reader) for _ in range(8)]
    column = {title: header.index(title) for title in header}
    rows[0][column["Amount Awarded"]] = "£1,000"
    rows[1][column["Currency"]] = "EUR"
    rows[2][column["Award Date"]] = "18/01/2013"
    rows[3][column["Identifier"]] = rows[0][column["Identifier"]]
    rows[4][column["Funding Org:Identifier"]] = "GB-LAE-MAN"
    rows[5][column["From an open call?"]] = "Maybe"
    rows[6][column["Amount Awarded"]] = "-10"
    rows[7][column["Title"]] = ""
    bad = _write(tmp_path / "bad.csv", header, rows)

    with pytest.raises(ImportFailed) as failure:
        grants.import_grants(actor=system, partnership=trafford, path=bad)

    found = {(e.row, e.column): e.reason for e in failure.value.errors}
    assert "not a number" in found[(2, "Amount Awarded")]
    assert "not EUR" in found[(3, "Currency")]
    assert "YYYY-MM-DD" in found[(4, "Award Date")]
    assert "row 2" in found[(5, "Identifier")]
    assert "GB-LAE-MAN" in found[(6, "Funding Org:Identifier")]
    assert "Yes or No" in found[(7, "From An Open Call?")]
    assert "negative" in found[(8, "Amount Awarded")]
    assert "required" in found[(9, "Title")]
    assert len(found) == 8
    assert not Grant.objects.filter(partnership=trafford).exists()
    assert not GrantImport.objects.filter(partnership=trafford).exists()


def test_a_missing_required_column_is_named(trafford, system, tmp_path):
    with TRAFFORD_FILE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        row = next(reader)
    keep = [i for i, title in enumerate(header) if title != "Amount Awarded"]
    path = _write(tmp_path / "short.csv", [header[i] for i in keep], [[row[i] for i in keep]])
    with pytest.raises(ImportFailed) as failure:
        grants.import_grants(actor=system, partnership=trafford, path=path)
    assert [(e.row, e.column) for e in failure.value.errors] == [(1, "Amount Awarded")]


def test_the_same_file_twice_is_refused_as_duplicates(trafford, system):
    grants.import_grants(actor=system, partnership=trafford, path=TRAFFORD_FILE)
    with pytest.raises(ImportFailed) as failure:
        grants.import_grants(actor=system, partnership=trafford, path=TRAFFORD_FILE)
    assert len(failure.value.errors) == 555
    assert {e.column for e in failure.value.errors} == {"Identifier"}
    assert Grant.objects.filter(partnership=trafford).count() == 555


def test_a_viewer_may_not_import(southampton, user_for):
    with pytest.raises(NotPermitted):
        grants.import_grants(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, path=TRAFFORD_FILE
        )


@pytest.fixture
def southampton_grant(southampton):
    council = Organisation.objects.get(gss_code="E06000045")
    return Grant.objects.create(
        partnership=southampton,
        identifier="360G-sotonjcp-001",
        title="Befriending older people in Portswood",
        currency="GBP",
        amount_awarded=Decimal("12500.00"),
        award_date=dt.date(2025, 5, 1),
        funder=council,
        recipient_org_id="GB-CHC-1234567",
        recipient_name="Portswood Friends",
        programme="Community grants",
        from_open_call=True,
    )


def test_grant_pages(client_for, southampton, southampton_grant, nottinghamshire):
    client = client_for("southampton", Role.VIEWER)
    page = client.get("/p/southampton/grants/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Befriending older people in Portswood" in text
    assert "£12,500.00" in text
    assert "Import a 360Giving file" not in text
    detail = client.get(f"/p/southampton/grants/{southampton_grant.pk}/")
    assert detail.status_code == 200 and "Portswood Friends" in detail.content.decode()
    exported = client.get("/p/southampton/grants/?format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    assert "360G-sotonjcp-001" in exported.content.decode()
    workbook = client.get("/p/southampton/grants/?format=xlsx")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/p/southampton/grants/import/").status_code == 403

    other = client_for("nottinghamshire", Role.VIEWER)
    assert other.get(f"/p/nottinghamshire/grants/{southampton_grant.pk}/").status_code == 404


def test_import_page_lists_problems_then_imports(client_for, southampton, tmp_path):
    client = client_for("southampton", Role.COMMISSIONER)
    header = list(grants.EXPORT_COLUMNS)
    good = ["360G-soton-9", "Carers' cafe", "", "GBP", "800", "2025-06-01", "", "", "360G-soton-cafe", "Cafe"]
    good += ["", "", "Southampton", "E06000045", "GB-LAE-STH", "Southampton City Council", "Small grants"]
    good += ["No", ""]
    bad = list(good)
    bad[4] = "eight hundred"
    with _write(tmp_path / "bad.csv", header, [bad]).open("rb") as upload:
        response = client.post("/p/southampton/grants/import/", {"file": upload})
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert "eight hundred" in response.content.decode()
    assert not Grant.objects.filter(identifier="360G-soton-9").exists()
    with _write(tmp_path / "good.csv", header, [good]).open("rb") as upload:
        response = client.post("/p/southampton/grants/import/", {"file": upload})
    assert response.status_code == 302
    assert Grant.objects.get(partnership=southampton, identifier="360G-soton-9").amount_awarded == 800


def test_public_360giving_file_needs_no_sign_in(client, southampton, southampton_grant):
    response = client.get("/public/southampton/open-data/360giving.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(response.content.decode().splitlines()))
    (row,) = [r for r in rows if r["Identifier"] == "360G-sotonjcp-001"]
    assert row["Amount Awarded"] == "12500.00"
    assert row["Funding Org:Identifier"] == "GB-LAE-STH"
    assert row["From An Open Call?"] == "Yes"
