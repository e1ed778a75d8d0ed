"""The KPI pages over HTTP: each KPI's SPC chart (the limits drawn are ``spc.xmr``'s), its icons and
reading in words, rebasing, the PNG/SVG/Excel downloads, the contract's KPI summary (a fixed number of
queries however many KPIs), and who may see which contract."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.contracts.models import Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.market.models import Provider
from commissioning.performance import kpi_services, spc
from commissioning.performance.models import KpiRebase, KpiReturn, ReturnRevision
from commissioning.performance.schedule import period_containing
from tests.contracts.test_contract_services import D, make_provider, solent, standard

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/kpis"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STABLE = [90, 91, 92, 90, 91, 92, 90, 91, 92, 90, 91, 92]
DROP = [70, 71, 69, 72, 70, 68, 71, 70]
SERIES = STABLE + DROP  # 12 stable months, then 8 well below: a special cause of concern


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def first_month(count: int) -> dt.date:
    """The month that starts ``count`` monthly periods ending with the last one ended today."""
    this_month = period_containing("monthly", timezone.localdate()).start
    return _months_back(this_month, count)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def figure_of(response) -> dict:
    found = re.search(
        r'<script id="chart-spc-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert found, "no chart on the page"
    return json.loads(found.group(1))


def traces(figure: dict, name: str) -> list[dict]:
    return [trace for trace in figure["data"] if trace.get("name") == name]


def add_returns(kpi: Kpi, values, *, by, start: dt.date | None = None) -> None:
    """Returns for consecutive months from ``start`` (the contract's start by default); None skips one."""
    start = start or kpi.contract.starts_on
    now = timezone.now()
    for offset, value in enumerate(values):
        if value is None:
            continue
        period = period_containing("monthly", _months_back(start, -offset))
        kpi_return = KpiReturn.objects.create(
            kpi=kpi,
            period_start=period.start,
            period_end=period.end,
            value=Decimal(str(value)),
            submitted_by=by,
            submitted_at=now,
        )
        ReturnRevision.objects.create(
            kpi_return=kpi_return, version=1, value=kpi_return.value, submitted_by=by, submitted_at=now
        )


def make_contract(partnership, actor, provider, *, months: int = len(SERIES), reference: str = "SPC-001"):
    """A contract whose term began ``months`` whole months ago, so that many monthly periods have ended."""
    starts_on = first_month(months)
    return standard(
        partnership,
        actor,
        provider,
        reference=reference,
        starts_on=starts_on,
        ends_on=dt.date(starts_on.year + 5, starts_on.month, 1) - dt.timedelta(days=1),
    )


def make_kpi(contract, code="SPC1", *, target="95", polarity="increase", position=0) -> Kpi:
    return Kpi.objects.create(
        contract=contract,
        code=code,
        name=f"Visits on time {code}",
        definition="Percentage of visits starting within 30 minutes of the planned time.",
        unit="%",
        target=None if target is None else D(target),
        polarity=polarity,
        frequency="monthly",
        position=position,
    )


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def contract(southampton, commissioner):
    return make_contract(southampton, commissioner, make_provider(southampton))


@pytest.fixture
def kpi(contract, commissioner):
    kpi = make_kpi(contract)
    add_returns(kpi, SERIES, by=commissioner)
    return kpi


# The chart, the icons and the reading --------------------------------------------------------


def test_the_chart_draws_the_limits_spc_computes_and_marks_the_special_causes(client_for, kpi):
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/{kpi.pk}/")
    assert response.status_code == 200
    figure = figure_of(response)
    expected = spc.xmr(SERIES, improvement="increase", target=95)
    (mean,) = traces(figure, "Mean")
    (upper,) = traces(figure, "Upper process limit")
    (lower,) = traces(figure, "Lower process limit")
    assert mean["y"] == pytest.approx(list(expected["mean"]))
    assert upper["y"] == pytest.approx(list(expected["upl"]))
    assert lower["y"] == pytest.approx(list(expected["lpl"]))
    assert traces(figure, "Value")[0]["y"] == pytest.approx([float(v) for v in SERIES])
    (target,) = traces(figure, "Target")
    assert set(target["y"]) == {95.0} and target["line"]["color"] == "#DA291C"
    # The eight low points are concerns, coloured orange, with their rules in the hover text.
    (concern,) = traces(figure, "Special cause: concern")
    assert concern["y"] == pytest.approx([float(v) for v in DROP])
    assert concern["marker"]["color"] == "#FAB428"
    assert "7 or more points on one side of the mean" in concern["text"][-1]
    assert traces(figure, "Special cause: improvement")[0]["marker"]["color"] == "#289DE0"
    periods = [
        period_containing("monthly", _months_back(kpi.contract.starts_on, -i)).label for i in range(20)
    ]
    assert figure["layout"]["xaxis"]["categoryarray"] == periods

    page = text(response)
    assert f"Special cause of concern: 8 points below the mean since {periods[12]}" in page
    assert spc.VARIATION_LABELS["concern_low"] in page
    assert spc.ASSURANCE_LABELS["fail"] in page  # a target of 95 is above the upper limit
    assert "the process will consistently fail it" in page
    html = response.content.decode()
    assert 'class="spc-icon spc-icon--concern_low"' in html and 'class="spc-icon spc-icon--fail"' in html
    # The points table carries the same figures.
    assert f"{periods[12]} 70 " in page and "Special cause: concern" in page


def test_points_table_exports_as_csv_and_excel(client_for, kpi):
    client = client_for("southampton", Role.VIEWER)
    response = client.get(f"{BASE}/{kpi.pk}/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="spc-001-spc1-points.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [Decimal(row["Value"]) for row in rows] == [Decimal(v) for v in SERIES]
    expected = spc.xmr(SERIES, improvement="increase", target=95)
    assert float(rows[0]["Upper process limit"]) == pytest.approx(expected["upl"][0], abs=1e-4)
    assert rows[-1]["Point type"] == "Special cause: concern"
    response = client.get(f"{BASE}/{kpi.pk}/?format=xlsx")
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == len(SERIES) + 1


def test_a_kpi_with_no_returns_shows_no_chart(client_for, contract):
    empty = make_kpi(contract, "SPC0")
    client = client_for("southampton", Role.VIEWER)
    response = client.get(f"{BASE}/{empty.pk}/")
    assert response.status_code == 200
    assert "No returns yet." in text(response)
    assert 'id="chart-spc-data"' not in response.content.decode()
    assert client.get(f"{BASE}/{empty.pk}/chart.png").status_code == 404
    summary = text(client.get(f"{BASE}/contract/{contract.pk}/summary/"))
    assert "SPC0" in summary and "No returns yet" in summary
    assert "Not enough data" in client.get(f"{BASE}/contract/{contract.pk}/summary/").content.decode()


def test_one_return_gives_a_point_but_no_limits(client_for, contract, commissioner):
    single = make_kpi(contract, "SPC2")
    add_returns(single, [88.5], by=commissioner)
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/{single.pk}/")
    assert response.status_code == 200
    figure = figure_of(response)
    assert not traces(figure, "Upper process limit") and not traces(figure, "Mean")
    assert traces(figure, "Common cause")[0]["y"] == [88.5]
    page = text(response)
    assert "One return so far" in page and "88.5%" in page
    assert "Not enough data" in response.content.decode()


# Rebasing ----------------------------------------------------------------------------------------


def test_rebasing_recalculates_the_limits_from_the_period_chosen(client_for, kpi, commissioner):
    client = client_for("southampton", Role.COMMISSIONER)
    step = period_containing("monthly", _months_back(kpi.contract.starts_on, -12))
    response = client.post(
        f"{BASE}/{kpi.pk}/", {"period_start": step.start.isoformat(), "reason": "New model of care"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/kpis/{kpi.pk}/#limits")
    rebase = KpiRebase.objects.get(kpi=kpi)
    assert rebase.period_start == step.start and rebase.created_by == commissioner
    event = AuditEvent.objects.get(object_type__model="kpirebase", object_id=str(rebase.pk))
    assert event.actor == commissioner and "New model of care" in event.summary

    response = client.get(f"{BASE}/{kpi.pk}/")
    figure = figure_of(response)
    expected = spc.xmr(SERIES, improvement="increase", target=95, rebase_at=(12,))
    uppers = traces(figure, "Upper process limit")
    assert len(uppers) == 2
    assert uppers[0]["y"] == pytest.approx(list(expected["upl"][:12]))
    assert uppers[1]["y"] == pytest.approx(list(expected["upl"][12:]))
    assert uppers[0]["y"][0] != pytest.approx(uppers[1]["y"][0])
    assert figure["layout"]["shapes"][0]["x0"] == 11.5
    page = text(response)
    assert f"From {step.label} : New model of care" in page or f"From {step.label}: New model of care" in page
    # Judged against their own limits, the low months are the ordinary variation of the new service.
    assert "Common cause variation" in page
    assert 'class="spc-icon spc-icon--common_cause"' in response.content.decode()


def test_rebasing_refuses_the_first_period_a_repeat_and_no_reason(client_for, kpi):
    client = client_for("southampton", Role.COMMISSIONER)
    first = kpi.contract.starts_on
    response = client.post(f"{BASE}/{kpi.pk}/", {"period_start": first.isoformat(), "reason": "Change"})
    assert response.status_code == 400  # not offered in the form
    assert "There is a problem" in text(response)
    later = _months_back(first, -3)
    response = client.post(f"{BASE}/{kpi.pk}/", {"period_start": later.isoformat(), "reason": ""})
    assert response.status_code == 400 and not KpiRebase.objects.exists()
    assert (
        client.post(f"{BASE}/{kpi.pk}/", {"period_start": later.isoformat(), "reason": "A"}).status_code
        == 302
    )
    response = client.post(f"{BASE}/{kpi.pk}/", {"period_start": later.isoformat(), "reason": "B"})
    assert response.status_code == 400 and KpiRebase.objects.filter(kpi=kpi).count() == 1


def test_rebase_service_checks_the_period_and_the_role(kpi, commissioner, user_for):
    first = kpi.contract.starts_on
    with pytest.raises(ValidationError) as caught:
        kpi_services.rebase_kpi(actor=commissioner, kpi=kpi, period_start=first, reason="Change")
    assert "already start from the first period" in " ".join(caught.value.message_dict["period_start"])
    with pytest.raises(ValidationError) as caught:
        kpi_services.rebase_kpi(
            actor=commissioner, kpi=kpi, period_start=first + dt.timedelta(days=40), reason="Change"
        )
    assert "does not start one" in " ".join(caught.value.message_dict["period_start"])
    with pytest.raises(ValidationError) as caught:
        kpi_services.rebase_kpi(
            actor=commissioner, kpi=kpi, period_start=_months_back(first, -2), reason="  "
        )
    assert "Say why" in " ".join(caught.value.message_dict["reason"])
    with pytest.raises(NotPermitted):
        kpi_services.rebase_kpi(
            actor=user_for("southampton", Role.VIEWER),
            kpi=kpi,
            period_start=_months_back(first, -2),
            reason="Change",
        )
    assert not KpiRebase.objects.exists()


def test_only_performance_managers_see_and_use_the_rebase_form(client_for, kpi):
    viewer = client_for("southampton", Role.VIEWER)
    assert "Recalculate the limits" not in viewer.get(f"{BASE}/{kpi.pk}/").content.decode()
    later = _months_back(kpi.contract.starts_on, -3)
    assert (
        viewer.post(f"{BASE}/{kpi.pk}/", {"period_start": later.isoformat(), "reason": "x"}).status_code
        == 403
    )
    assert not KpiRebase.objects.exists()
    commissioner = client_for("southampton", Role.COMMISSIONER)
    assert 'name="period_start"' in commissioner.get(f"{BASE}/{kpi.pk}/").content.decode()


# Downloads -------------------------------------------------------------------------------------


def test_the_chart_downloads_as_png_svg_and_excel(client_for, kpi):
    client = client_for("southampton", Role.VIEWER)
    png = client.get(f"{BASE}/{kpi.pk}/chart.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png["Content-Disposition"] == 'attachment; filename="spc-001-spc1-spc.png"'

    svg = client.get(f"{BASE}/{kpi.pk}/chart.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "SPC1 Visits on time SPC1 (SPC-001)" in svg.content.decode()
    assert spc.VARIATION_LABELS["concern_low"] in svg.content.decode()

    book = client.get(f"{BASE}/{kpi.pk}/chart.xlsx")
    assert book["Content-Type"] == XLSX
    assert book["Content-Disposition"] == 'attachment; filename="spc-001-spc1-spc.xlsx"'
    workbook = load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames == ["Chart", "Points"]
    assert len(workbook["Chart"]._images) == 1
    points = list(workbook["Points"].iter_rows(values_only=True))
    assert points[0][:3] == ("Period", "Period starts", "Value")
    assert [Decimal(str(row[2])) for row in points[1:]] == [Decimal(v) for v in SERIES]
    assert points[-1][7] == "Special cause: concern"

    assert client.get(f"{BASE}/{kpi.pk}/chart.gif").status_code == 404


# The contract's summary ------------------------------------------------------------------------


def test_contract_summary_shows_each_kpis_latest_return_and_icons(client_for, contract, kpi, commissioner):
    flat = make_kpi(contract, "SPC3", target=None, position=1)
    add_returns(flat, [10, 11, 10, 12, 11, 10], by=commissioner)
    client = client_for("southampton", Role.VIEWER)
    response = client.get(f"{BASE}/contract/{contract.pk}/summary/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for the contract's page
    assert html.index("SPC1") < html.index("SPC3")
    assert f'href="{BASE}/{kpi.pk}/"' in html and f'href="{BASE}/{flat.pk}/"' in html
    assert 'spc-icon--concern_low" role="img" aria-label="' + spc.VARIATION_LABELS["concern_low"] in html
    assert "No assurance: no target is set" in html
    latest = period_containing("monthly", _months_back(contract.starts_on, -19)).label
    assert f"{latest}: 70%" in text(response)

    page = client.get(f"{BASE}/contract/{contract.pk}/")
    assert page.status_code == 200 and "Performance of Contract test home care" in text(page)
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"{BASE}/contract/{contract.pk}/?format=csv").content.decode()))
    )
    assert [(row["Code"], row["Variation"]) for row in rows] == [
        ("SPC1", spc.VARIATION_LABELS["concern_low"]),
        ("SPC3", spc.VARIATION_LABELS["common_cause"]),
    ]

    detail = client.get(f"/p/southampton/contracts/{contract.pk}/").content.decode()
    assert f'hx-get="{BASE}/contract/{contract.pk}/summary/"' in detail
    assert f'href="{BASE}/contract/{contract.pk}/"' in detail


def test_contract_summary_queries_do_not_grow_with_its_kpis(
    client_for, contract, kpi, commissioner, django_assert_max_num_queries
):
    client = client_for("southampton", Role.VIEWER)
    url = f"{BASE}/contract/{contract.pk}/summary/"
    client.get(url)  # the first request of a session also saves the chosen partnership
    with django_assert_max_num_queries(12) as before:
        assert client.get(url).status_code == 200
    for n in range(2, 8):
        more = make_kpi(contract, f"SPC{n}0", position=n)
        add_returns(more, SERIES[: 10 + n], by=commissioner)
        KpiRebase.objects.create(
            kpi=more,
            period_start=_months_back(contract.starts_on, -5),
            reason="Change",
            created_by=commissioner,
        )
    with django_assert_max_num_queries(12) as after:
        response = client.get(url)
    assert response.content.decode().count('class="spc-icon spc-icon--') == 2 * 7
    assert len(after) == len(before)


# Who sees what ---------------------------------------------------------------------------------


@pytest.fixture
def own_contract(southampton, commissioner):
    """A contract held by the organisation the demo provider contact acts for."""
    provider, _ = Provider.objects.get_or_create(
        partnership=southampton, organisation=solent(), defaults={"sector": "nhs"}
    )
    return make_contract(southampton, commissioner, provider, reference="SPC-OWN")


def test_a_provider_contact_sees_only_their_own_organisations_kpis(
    client_for, own_contract, kpi, commissioner
):
    own_kpi = make_kpi(own_contract, "OWN1")
    add_returns(own_kpi, SERIES, by=commissioner)
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(f"{BASE}/{own_kpi.pk}/").status_code == 200
    assert client.get(f"{BASE}/{own_kpi.pk}/chart.png").status_code == 200
    assert client.get(f"{BASE}/contract/{own_contract.pk}/").status_code == 200
    assert client.get(f"{BASE}/contract/{own_contract.pk}/summary/").status_code == 200
    # Another provider's contract and KPI are not found, in every form.
    for url in (
        f"{BASE}/{kpi.pk}/",
        f"{BASE}/{kpi.pk}/?format=csv",
        f"{BASE}/{kpi.pk}/chart.png",
        f"{BASE}/{kpi.pk}/chart.xlsx",
        f"{BASE}/contract/{kpi.contract.pk}/",
        f"{BASE}/contract/{kpi.contract.pk}/summary/",
    ):
        assert client.get(url).status_code == 404, url
    # Nor can a provider's contact recalculate limits.
    later = _months_back(own_contract.starts_on, -3)
    assert (
        client.post(f"{BASE}/{own_kpi.pk}/", {"period_start": later.isoformat(), "reason": "x"}).status_code
        == 403
    )


def test_members_of_another_partnership_find_nothing(client_for, kpi):
    client = client_for("nottinghamshire", Role.ADMINISTRATOR)
    assert client.get(f"{BASE}/{kpi.pk}/").status_code == 404
    assert client.get(f"/p/nottinghamshire/kpis/{kpi.pk}/").status_code == 404
    assert client.get(f"/p/nottinghamshire/kpis/contract/{kpi.contract.pk}/summary/").status_code == 404
