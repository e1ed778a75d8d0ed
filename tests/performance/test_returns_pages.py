"""The returns pages over real HTTP: a provider's contact sees, submits and corrects only their own
organisation's returns; commissioners see every provider's, validate, query and chase."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.core.permissions import Role
from commissioning.performance import returns as services
from commissioning.performance.models import Chase, KpiReturn, ReturnImport
from commissioning.performance.schedule import period_status
from tests.conftest import demo_user
from tests.performance.test_returns_services import months_back, other_kpi, own_kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def kpi(southampton, today):
    return own_kpi(southampton, around=today)


@pytest.fixture
def theirs(southampton, today):
    return other_kpi(southampton, around=today)


@pytest.fixture
def provider(southampton):
    return demo_user("southampton", Role.PROVIDER_CONTACT)


def url(*parts) -> str:
    return "/p/southampton/returns/" + "".join(f"{part}/" for part in parts)


def submit_url(kpi, period) -> str:
    return url(kpi.pk, period.start.isoformat())


def test_a_provider_sees_only_their_own_returns_and_submits_one(client_for, kpi, theirs, today):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    period = months_back(today, 2)
    page = client.get(url()).content.decode()
    assert submit_url(kpi, period) in page
    assert theirs.contract.reference not in page
    assert "Upload returns from a file" in page
    form = client.get(submit_url(kpi, period))
    assert form.status_code == 200
    text = form.content.decode()
    assert kpi.definition in text and f"{kpi.code} {kpi.name}: {period.label}" in text
    assert "Figure for the period" in text and "In %, from 0 to 100." in text
    refused = client.post(submit_url(kpi, period), {"value": "120", "commentary": ""})
    assert refused.status_code == 400
    assert "120 is out of range: a KPI measured in % must be between 0 and 100." in refused.content.decode()
    assert not KpiReturn.objects.filter(kpi=kpi).exists()
    response = client.post(submit_url(kpi, period), {"value": "93.5", "commentary": "All visits logged."})
    made = KpiReturn.objects.get(kpi=kpi, period_start=period.start)
    assert response.status_code == 302 and response["Location"] == url("return", made.pk)
    detail = client.get(response["Location"]).content.decode()
    assert "93.5 %" in detail and "All visits logged." in detail and "First submission" in detail
    assert "Validate return" not in detail and "Correct this return" in detail
    again = client.get(submit_url(kpi, period))
    assert again.status_code == 302 and again["Location"] == url("return", made.pk)


def test_a_provider_gets_not_found_for_another_providers_kpi_and_return(
    client_for, southampton, theirs, today
):
    admin = demo_user("southampton", Role.ADMINISTRATOR)
    period = months_back(today, 2)
    made = services.submit_return(actor=admin, kpi=theirs, period_start=period.start, value="50")
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(submit_url(theirs, period)).status_code == 404
    assert client.post(submit_url(theirs, period), {"value": "1"}).status_code == 404
    assert client.get(url("return", made.pk)).status_code == 404
    assert client.get(url("return", made.pk, "correct")).status_code == 404
    assert client.post(url("return", made.pk, "correct"), {"value": "1", "reason": "x"}).status_code == 404
    assert client.get(url("overdue")).status_code == 403
    assert client.post(url("chase"), {"kpi": theirs.pk, "period_start": period.start}).status_code == 403
    made.refresh_from_db()
    assert made.value == 50 and made.version == 1


def test_a_period_outside_the_schedule_is_explained(client_for, kpi, today):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    period = months_back(today, 2)
    mid = period.start.replace(day=10)
    response = client.get(url(kpi.pk, mid.isoformat()))
    assert response.status_code == 400
    assert "is not the start of a reporting period" in response.content.decode()
    assert client.get(url(kpi.pk, "2026-02-30")).status_code == 404
    current = months_back(today, 0)
    response = client.post(submit_url(kpi, current), {"value": "50"})
    assert response.status_code == 400 and "has not ended yet" in response.content.decode()
    assert not KpiReturn.objects.filter(kpi=kpi).exists()


def test_a_provider_corrects_a_return_and_the_history_keeps_both_figures(client_for, provider, kpi, today):
    period = months_back(today, 2)
    made = services.submit_return(actor=provider, kpi=kpi, period_start=period.start, value="70")
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    form = client.get(url("return", made.pk, "correct"))
    assert form.status_code == 200 and 'value="70"' in form.content.decode()
    missing = client.post(url("return", made.pk, "correct"), {"value": "72", "commentary": "", "reason": ""})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    response = client.post(
        url("return", made.pk, "correct"), {"value": "72", "commentary": "", "reason": "Recount"}
    )
    assert response.status_code == 302
    detail = client.get(url("return", made.pk)).content.decode()
    assert "Recount" in detail and "First submission" in detail
    made.refresh_from_db()
    assert (made.value, made.version) == (72, 2)


def test_a_commissioner_sees_every_provider_validates_and_queries_but_cannot_submit(
    client_for, provider, kpi, theirs, today, django_capture_on_commit_callbacks
):
    period = months_back(today, 2)
    made = services.submit_return(actor=provider, kpi=kpi, period_start=period.start, value="70")
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(url(), {"status": "all", "contract": theirs.contract.pk}).content.decode()
    assert theirs.contract.reference in page and "Overdue returns to chase" in page
    assert submit_url(theirs, period) not in page  # commissioners do not submit
    assert client.get(submit_url(theirs, period)).status_code == 403
    detail = client.get(url("return", made.pk)).content.decode()
    assert "Validate return" in detail and "Query return" in detail and "Correct this return" not in detail
    blank = client.post(url("return", made.pk, "query"), {"query": ""})
    assert blank.status_code == 400 and "There is a problem" in blank.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(url("return", made.pk, "query"), {"query": "Is this the whole month?"})
    assert asked.status_code == 302
    made.refresh_from_db()
    assert made.status == "queried"
    assert mail.outbox[-1].to == [provider.email]
    shown = client_for("southampton", Role.PROVIDER_CONTACT).get(url("return", made.pk)).content.decode()
    assert "Is this the whole month?" in shown
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.post(url("return", made.pk, "validate")).status_code == 302
    made.refresh_from_db()
    assert made.status == "validated"


def test_a_viewer_reads_returns_but_cannot_review_or_chase(client_for, provider, kpi, today):
    period = months_back(today, 2)
    made = services.submit_return(actor=provider, kpi=kpi, period_start=period.start, value="70")
    client = client_for("southampton", Role.VIEWER)
    assert client.get(url()).status_code == 200
    assert "Validate return" not in client.get(url("return", made.pk)).content.decode()
    assert client.post(url("return", made.pk, "validate")).status_code == 403
    assert client.post(url("chase"), {"kpi": kpi.pk, "period_start": period.start}).status_code == 403
    assert client.get(url("overdue")).status_code == 200
    made.refresh_from_db()
    assert made.status == "submitted"


def test_another_partnerships_provider_contact_gets_not_found(client_for, kpi):
    client = client_for("nottinghamshire", Role.PROVIDER_CONTACT)
    assert client.get(url()).status_code == 404


def test_the_schedule_filters_and_downloads(client_for, southampton, kpi, today):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(url(), {"status": "all", "provider": kpi.contract.provider_id, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Contract", "Provider", "KPI code"]
    assert {row[1] for row in rows[1:]} == {kpi.contract.provider.organisation.name}
    assert any(row[0] == kpi.contract.reference and row[2] == kpi.code for row in rows[1:])
    late = client.get(url(), {"status": "late", "format": "csv"})
    assert {row[9] for row in list(csv.reader(io.StringIO(late.content.decode())))[1:]} == {"Late"}


def test_the_overdue_list_chases_a_late_return(
    client_for, provider, kpi, theirs, today, django_capture_on_commit_callbacks
):
    period = months_back(today, 3)
    assert period_status(period, received=False, today=today) == "late"
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(url("overdue"), {"provider": kpi.contract.provider_id}).content.decode()
    table = page.split('id="overdue-returns"')[1]
    assert f'name="kpi" value="{kpi.pk}"' in table and theirs.contract.reference not in table
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("chase"), {"kpi": kpi.pk, "period_start": period.start.isoformat()}, follow=True
        )
    assert f"Chased {kpi.contract.reference} {kpi.code} for {period.label}: 1 provider contact told." in (
        response.content.decode()
    )
    assert Chase.objects.filter(kpi=kpi, period_start=period.start).count() == 1
    assert mail.outbox[-1].to == [provider.email]
    download = client.get(url("overdue"), {"contract": kpi.contract.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Contract" and rows[0][-2:] == ("Times chased", "Last chased")
    chased = [row for row in rows[1:] if row[2] == kpi.code and row[4] == period.label]
    assert chased and chased[0][8] == 1


def test_the_upload_page_lists_problems_then_saves_a_good_file(client_for, kpi, today):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    first, second = months_back(today, 3), months_back(today, 2)
    ref = kpi.contract.reference

    def upload(lines):
        body = "contract_reference,kpi_code,period_start,value,commentary\n" + "\n".join(lines) + "\n"
        return SimpleUploadedFile("returns.csv", body.encode(), "text/csv")

    bad = [f"{ref},{kpi.code},{first.start:%Y-%m},88,", f"{ref},{kpi.code},{second.start:%Y-%m},lots,"]
    response = client.post(url("upload"), {"file": upload(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: 1 problem found" in page and "&#x27;lots&#x27; is not a number" in page
    assert not KpiReturn.objects.filter(kpi=kpi).exists()
    good = [f"{ref},{kpi.code},{first.start:%Y-%m},88,", f"{ref},{kpi.code},{second.start:%Y-%m},89,"]
    response = client.post(url("upload"), {"file": upload(good)}, follow=True)
    assert "Imported 2 new returns from returns.csv." in response.content.decode()
    assert KpiReturn.objects.filter(kpi=kpi).count() == 2
    assert "returns.csv" in client.get(url("upload")).content.decode()
    assert ReturnImport.objects.get().imported_by.username == "demo-southampton-provider-contact"
    assert client_for("southampton", Role.COMMISSIONER).get(url("upload")).status_code == 403


def test_the_template_download_is_the_providers_own_outstanding_periods(client_for, kpi, theirs, today):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    response = client.get(url("template"))
    assert response["Content-Disposition"] == 'attachment; filename="southampton-returns-due.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "contract_reference",
        "kpi_code",
        "period_start",
        "value",
        "commentary",
        "correction_reason",
    )
    period = months_back(today, 2)
    assert (kpi.contract.reference, kpi.code, period.start.isoformat()) in {row[:3] for row in rows[1:]}
    assert theirs.contract.reference not in {row[0] for row in rows[1:]}
    as_csv = client.get(url("template"), {"format": "csv"})
    assert as_csv.content.decode().startswith("contract_reference,kpi_code,period_start,value")
