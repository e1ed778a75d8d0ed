"""England's councils load from the real register of local authorities."""

import io

import pytest

from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.partners.area_register import areas_load_register, parse_register
from commissioning.partners.models import Area
from tests.conftest import SHARED_DATA

REGISTER = SHARED_DATA / "ons_la_codes" / "uk_local_authorities_future.csv"
HEADER = (
    "local-authority-code,official-name,nice-name,gss-code,start-date,end-date,replaced-by,"
    "nation,region,local-authority-type,county-la\n"
)


@pytest.mark.skipif(not REGISTER.exists(), reason="shared data folder not beside the checkout")
def test_the_real_register_parses_every_english_council():
    with open(REGISTER, encoding="utf-8-sig", newline="") as handle:
        rows = parse_register(handle)
    codes = {row["gss_code"] for row in rows}
    assert len(rows) == 380
    assert {"E06000045", "E10000024", "E09000001"} <= codes
    assert not any(code.startswith(("S", "W", "N")) for code in codes)


@pytest.mark.django_db
def test_loaded_areas_form_a_hierarchy_with_dates(southampton):
    southampton_area = Area.objects.get(gss_code="E06000045")
    assert southampton_area.parent.name == "South East"
    assert southampton_area.parent.parent.gss_code == "E92000001"
    # A district sits in its county; an abolished council keeps its dates.
    rushcliffe = Area.objects.get(gss_code="E07000176")
    assert rushcliffe.parent.gss_code == "E10000024"
    allerdale = Area.objects.get(gss_code="E07000026")
    assert str(allerdale.valid_to) == "2023-04-01" and allerdale.replaced_by == "CBD"
    assert Area.objects.filter(area_type="region").count() == 9


@pytest.mark.django_db
@pytest.mark.skipif(not REGISTER.exists(), reason="shared data folder not beside the checkout")
def test_reloading_the_register_changes_nothing(system):
    events = AuditEvent.objects.count()
    result = areas_load_register(actor=system, source=REGISTER)
    assert result == {"created": 0, "updated": 0, "rows": 380}
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_bad_rows_are_all_reported_and_nothing_is_written(system):
    bad = io.StringIO(
        HEADER
        + "AAA,A Council,A,E0600,,,,England,South East,UA,\n"
        + "BBB,B Council,B,E06999999,2020-13-01,,,England,Atlantis,UA,\n"
        + "CCC,C Council,C,E07999999,,,,England,South East,XYZ,ZZZ\n"
        + "DDD,D Council,D,E06999999,,,,England,South East,UA,\n"
    )
    before = Area.objects.count()
    with pytest.raises(ImportFailed) as failure:
        areas_load_register(actor=system, source=bad)
    found = {(e.row, e.column) for e in failure.value.errors}
    assert found == {
        (2, "gss-code"),
        (3, "start-date"),
        (3, "region"),
        (4, "local-authority-type"),
        (4, "county-la"),
        (5, "gss-code"),
    }
    assert "row 2, column gss-code" in str(failure.value)
    assert Area.objects.count() == before


def test_missing_columns_are_named():
    with pytest.raises(ImportFailed) as failure:
        parse_register(io.StringIO("gss-code,nation\nE06000045,England\n"))
    assert {e.column for e in failure.value.errors} >= {"region", "local-authority-type"}


@pytest.mark.django_db
def test_a_reorganisation_updates_the_area_and_is_audited(system, django_assert_max_num_queries):
    changed = io.StringIO(
        HEADER
        + "NTT,Nottinghamshire County Council,Nottinghamshire,E10000024,,2028-03-31,NEW,"
        + "England,East Midlands,CTY,\n"
        + "RUS,Rushcliffe Borough Council,Rushcliffe,E07000176,,,,England,East Midlands,NMD,NTT\n"
    )
    with django_assert_max_num_queries(12):  # set-based: the count does not grow with the rows
        result = areas_load_register(actor=system, source=changed)
    assert result == {"created": 0, "updated": 1, "rows": 2}
    county = Area.objects.get(gss_code="E10000024")
    assert str(county.valid_to) == "2028-03-31" and county.replaced_by == "NEW"
    event = AuditEvent.objects.get(object_id=str(county.pk), object_type__model="area", action="update")
    assert event.before["valid_to"] is None and event.after["valid_to"] == "2028-03-31"
