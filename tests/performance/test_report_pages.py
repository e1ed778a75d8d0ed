"""The report and evaluation pages over HTTP: who may see and write them, the report page's order
and commentary forms, issuing through the page, the PDF, the CSV export, the query count (fixed
however many KPIs the report holds), and recording and freezing evaluation values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commissioning.core.permissions import Role
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.performance.models import (
    EvaluationMeasure,
    EvaluationValue,
    PerformanceReport,
    ReportStatus,
)
from tests.contracts.test_contract_services import make_provider, standard
from tests.performance.test_report_services import STABLE, Built, make_kpi

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/performance"
D = Decimal


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def built(southampton, commissioner):
    return Built(southampton, commissioner)


@pytest.fixture
def demo_report(southampton):
    return PerformanceReport.objects.filter(partnership=southampton).order_by("pk").first()


# Who may see and write -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER, Role.COMMISSIONER])
def test_everyone_who_views_performance_sees_the_reports_and_the_evaluation(client_for, demo_report, role):
    client = client_for("southampton", role)
    listed = client.get(f"{BASE}/reports/")
    assert listed.status_code == 200 and demo_report.title in text(listed)
    assert client.get(f"{BASE}/reports/{demo_report.pk}/").status_code == 200
    assert client.get(f"{BASE}/evaluation/").status_code == 200


def test_providers_contacts_see_none_of_it(client_for, demo_report):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    for url in (
        f"{BASE}/reports/",
        f"{BASE}/reports/{demo_report.pk}/",
        f"{BASE}/reports/{demo_report.pk}/report.pdf",
        f"{BASE}/evaluation/",
        f"{BASE}/evaluation/record/",
        f"{BASE}/reports/new/",
    ):
        assert client.get(url).status_code == 403, url


def test_a_viewer_sees_no_writing_controls_and_cannot_write(client_for, demo_report):
    client = client_for("southampton", Role.BOARD_MEMBER)
    page = client.get(f"{BASE}/reports/{demo_report.pk}/").content.decode()
    assert "Write commentary" not in page and "Issue to the board" not in page
    assert "Freeze this year" not in client.get(f"{BASE}/evaluation/").content.decode()
    kpi_id = re.search(r'id="kpi-(\d+)"', page).group(1)
    assert (
        client.post(f"{BASE}/reports/{demo_report.pk}/commentary/kpi/{kpi_id}/", {"text": "x"}).status_code
        == 403
    )
    assert client.post(f"{BASE}/reports/{demo_report.pk}/issue/").status_code == 403
    assert client.get(f"{BASE}/reports/new/").status_code == 403
    assert client.post(f"{BASE}/evaluation/freeze/").status_code == 403
    demo_report.refresh_from_db()
    assert demo_report.status == ReportStatus.DRAFT


def test_another_partnerships_report_is_not_found(client_for, built, user_for, nottinghamshire):
    report = built.report()
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    assert client.get(f"/p/nottinghamshire/performance/reports/{report.pk}/").status_code == 404


# The report page -------------------------------------------------------------------------------


def test_the_page_shows_care_groups_in_order_with_exceptions_first(client_for, built):
    report = built.report()
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/reports/{report.pk}/")
    page = response.content.decode()
    headings = re.findall(r'<h2 id="group-[^"]+">([^<]+)</h2>', page)
    assert headings == ["Report test adults", "Report test children", "No care group"]
    rows = [int(pk) for pk in re.findall(r'<tr class="nhsuk-table__row" id="kpi-(\d+)"', page)]
    kpis = built.kpis
    assert rows[:4] == [kpis["R3"].pk, kpis["R4"].pk, kpis["R2"].pk, kpis["R1"].pk]
    assert rows[4:] == [built.child_kpi.pk, built.ungrouped_kpi.pk]
    words = text(response)
    assert "6 KPIs of the contracts in force on 30 November 2018" in words
    assert "2 are exceptions" in words
    assert "Report measure R3" in re.search(r'id="exception-list".*?</table>', page, re.S).group(0)


def test_the_report_exports_its_rows_in_order(client_for, built):
    report = built.report()
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/reports/{report.pk}/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Care group", "Contract", "Contract title", "Provider", "KPI code"]
    assert [(row[0], row[4], row[13]) for row in rows[1:]] == [
        ("Report test adults", "R3", "Yes"),
        ("Report test adults", "R4", "Yes"),
        ("Report test adults", "R2", ""),
        ("Report test adults", "R1", ""),
        ("Report test children", "C1", ""),
        ("No care group", "N1", ""),
    ]


def test_the_report_page_makes_no_queries_per_kpi(client_for, demo_report, commissioner, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    url = f"{BASE}/reports/{demo_report.pk}/"
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    contract = standard(
        southampton,
        commissioner,
        make_provider(southampton, name="Query Count Care Ltd"),
        reference="QC-001",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2028, 3, 31),
    )
    for code in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6"):
        make_kpi(contract, code, STABLE, target="91", by=commissioner)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert "QC-001" in response.content.decode()
    assert len(after) == len(before), "the report page's queries grew with its KPIs"
    assert len(before) <= 30


# Commentary through the page ----------------------------------------------------------------------


def test_commentary_written_on_the_page_is_shown_in_the_report(client_for, built):
    report = built.report()
    client = client_for("southampton", Role.COMMISSIONER)
    kpi = built.kpis["R3"]
    url = f"{BASE}/reports/{report.pk}/commentary/kpi/{kpi.pk}/"
    form = client.get(url)
    assert form.status_code == 200 and "Report measure R3" in text(form)
    saved = client.post(url, {"text": "Down since December; the provider has lost staff."})
    assert saved.status_code == 302 and saved["Location"].endswith(f"/reports/{report.pk}/#kpi-{kpi.pk}")
    group_url = f"{BASE}/reports/{report.pk}/commentary/care-group/{built.first_group.pk}/"
    assert client.post(group_url, {"text": "Adults: one service of concern."}).status_code == 302
    page = client.get(f"{BASE}/reports/{report.pk}/")
    row = re.search(rf'id="kpi-{kpi.pk}".*?</tr>', page.content.decode(), re.S).group(0)
    assert "Down since December; the provider has lost staff." in row
    assert "Adults: one service of concern." in text(page)
    assert "Change the commentary on Report test adults" in text(page)

    removed = client.post(url, {"text": ""})
    assert removed.status_code == 302
    assert "Down since December" not in client.get(f"{BASE}/reports/{report.pk}/").content.decode()


def test_commentary_on_a_kpi_outside_the_report_is_not_found(client_for, built):
    report = built.report()
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(f"{BASE}/reports/{report.pk}/commentary/kpi/{built.later_kpi.pk}/", {"text": "x"})
    assert response.status_code == 404


# Creating and issuing through the page --------------------------------------------------------------


def test_a_report_is_created_from_the_form(client_for, built):
    client = client_for("southampton", Role.COMMISSIONER)
    form = client.get(f"{BASE}/reports/new/")
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert form.status_code == 200 and f'value="{last_month_end.isoformat()}"' in form.content.decode()
    refused = client.post(
        f"{BASE}/reports/new/", {"title": "", "board": built.board.pk, "period_end": "2018-11-30"}
    )
    assert refused.status_code == 400 and "There is a problem" in text(refused)
    created = client.post(
        f"{BASE}/reports/new/",
        {"title": "Board report to November 2018", "board": built.board.pk, "period_end": "2018-11-30"},
    )
    report = PerformanceReport.objects.get(title="Board report to November 2018")
    assert created.status_code == 302 and created["Location"] == f"{BASE}/reports/{report.pk}/"
    assert report.created_by.username == "demo-southampton-commissioner"


def test_issuing_on_the_page_locks_the_report(client_for, built):
    report = built.report()
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(f"{BASE}/reports/{report.pk}/").content.decode()
    assert "Issue to the board" in page and "Write commentary" in page
    assert client.post(f"{BASE}/reports/{report.pk}/issue/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED
    page = client.get(f"{BASE}/reports/{report.pk}/")
    assert "has been issued to the board and can no longer be changed" in text(page)
    assert (
        "Write commentary" not in page.content.decode() and "Issue to the board" not in page.content.decode()
    )
    refused = client.post(
        f"{BASE}/reports/{report.pk}/commentary/kpi/{built.kpis['R3'].pk}/", {"text": "Late."}
    )
    assert refused.status_code == 400 and "has been issued to the board" in text(refused)
    assert not report.commentary.exists()
    assert client.get(f"{BASE}/reports/{report.pk}/edit/").status_code == 403


# The PDF -------------------------------------------------------------------------------------------


def test_the_pdf_is_a_board_paper_with_a_chart_for_each_exception(client_for, built):
    report = built.report()
    response = client_for("southampton", Role.BOARD_MEMBER).get(f"{BASE}/reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert b"/Title (Report test: performance to November 2018)" in content
    pages = int(re.search(rb"/Count (\d+)", content).group(1))
    # A cover, the summary, a page per care group (three), a page per exception (two).
    assert pages >= 7
    assert content.count(b"/Subtype /Image") == 2


def test_the_pdf_can_be_built_uncompressed_to_read_its_page_streams(built):
    from commissioning.performance import report_pdf, report_selectors

    report = built.report()
    today = timezone.localdate()
    content = report_selectors.report_content(report, today=today)
    plain = report_pdf.report_pdf(content, today=today, compress=False, charts_for_exceptions=False)
    packed = report_pdf.report_pdf(content, today=today, charts_for_exceptions=False)
    assert plain.startswith(b"%PDF-") and b" Tj ET" in plain and b" Tj ET" not in packed
    assert re.search(rb"/Count (\d+)", plain).group(1) == re.search(rb"/Count (\d+)", packed).group(1)
    assert b"/Subtype /Image" not in plain
    # Icon cells are filled with the Making Data Count colours: orange for a concern (#ED8B00).
    assert b"0.9294 0.5451 0 rg" in plain


# Evaluation ------------------------------------------------------------------------------------------


THIS_YEAR = financial_year_of(timezone.localdate())


def test_the_evaluation_page_shows_each_measure_with_its_values_and_trend(client_for, southampton):
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/evaluation/")
    page = response.content.decode()
    for measure in EvaluationMeasure.values:
        assert f'id="measure-{measure}"' in page
    # The demo's surveys: 71.5% of providers agreed in 2025/26, up from 66.0% the year before.
    clarity = re.search(r'data-latest="provider_clarity">(.*?)</dd>', page, re.S).group(1)
    assert "71.5%" in clarity and "2025/26" in clarity
    change = re.search(r'data-change="provider_clarity">(.*?)</dd>', page, re.S).group(1)
    assert "Up 5.5 points on 2024/25" in change and "Better" in change
    assert 'id="chart-provider_clarity"' in page
    assert f"for {financial_year_label(THIS_YEAR)} they are worked out now" in text(response)
    exported = client_for("southampton", Role.VIEWER).get(f"{BASE}/evaluation/?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert [
        "Clarity for providers",
        "2025/26",
        "71.5000",
        "%",
        "Recorded",
        "86",
        "Annual provider survey 2025/26",
        "Higher is better",
    ] in rows


def test_a_value_is_recorded_through_the_form_and_a_bad_one_refused(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    year = THIS_YEAR - 1
    EvaluationValue.objects.filter(
        partnership=southampton, measure="user_satisfaction", financial_year=year
    ).delete()
    computed = client.get(f"{BASE}/evaluation/record/?measure=duplication").content.decode()
    assert f'<option value="{year}" selected>{financial_year_label(year)}</option>' in computed
    form = {"measure": "user_satisfaction", "financial_year": year, "value": "180", "source": "User survey"}
    refused = client.post(f"{BASE}/evaluation/record/", form)
    assert refused.status_code == 400 and "give a value from 0 to 100" in text(refused)
    saved = client.post(f"{BASE}/evaluation/record/", form | {"value": "83.2", "sample_size": "512"})
    assert saved.status_code == 302 and saved["Location"].endswith("#measure-user_satisfaction")
    row = EvaluationValue.objects.get(
        partnership=southampton, measure="user_satisfaction", financial_year=year
    )
    assert (row.value, row.sample_size, row.source) == (D("83.2"), 512, "User survey")


def test_freezing_through_the_page_stores_this_years_values(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    EvaluationValue.objects.filter(partnership=southampton, financial_year=THIS_YEAR).delete()
    assert client.post(f"{BASE}/evaluation/freeze/").status_code == 302
    stored = set(
        EvaluationValue.objects.filter(partnership=southampton, financial_year=THIS_YEAR).values_list(
            "measure", flat=True
        )
    )
    assert EvaluationMeasure.DUPLICATION in stored and EvaluationMeasure.JOINT_VALUE in stored
    page = client.get(f"{BASE}/evaluation/").content.decode()
    assert (
        "Freeze this year&#x27;s computed values again" in page
        or "Freeze this year's computed values again" in page
    )
