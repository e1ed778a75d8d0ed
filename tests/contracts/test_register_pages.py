"""The contract register pages over HTTP: the register and its filters and exports, a bounded number of
queries for 5,000 contracts, the detail page, the add and funding forms with their error summary,
the award → contract page, the Transparency Code CSV and who may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from commissioning.contracts.models import Contract, Funding, Kpi
from commissioning.contracts.services import FundingShare, KpiSpec, OutcomeSpec
from commissioning.core.permissions import Role
from commissioning.market.models import Procurement, Rating, Stage
from commissioning.partners.models import Organisation
from tests.contracts.test_contract_services import (
    D,
    awarded_procurement,
    ccg,
    council,
    make_provider,
    standard,
)

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/contracts"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response):
    assert response.status_code in (200, 400), response.status_code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def rows_of(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def provider(southampton):
    return make_provider(southampton)


def test_register_lists_filters_and_totals(southampton, commissioner, provider, client_for):
    standard(southampton, commissioner, provider)
    other = make_provider(southampton, name="Contract Test Nursing Ltd")
    Rating.objects.create(provider=other, rating="requires_improvement", rated_on=dt.date(2025, 1, 9))
    standard(
        southampton,
        commissioner,
        other,
        reference="CT-002",
        title="Contract test nursing",
        annual_value=D("50000.00"),
        lifetime_value=D("50000.00"),
        ends_on=dt.date(2026, 3, 31),
        service_type="nursing",
        lead_commissioner=ccg(),
        funding=[FundingShare(ccg(), D("50000.00"))],
    )
    client = client_for("southampton", Role.VIEWER)
    page = text(client.get(f"{BASE}/?q=Contract+test"))
    assert "CT-001" in page and "CT-002" in page
    assert "£150,000.00" in page  # value per year of the two
    assert "Rated Requires improvement" in page
    page = text(client.get(f"{BASE}/?q=Contract+test&service_type=nursing"))
    assert "CT-002" in page and "CT-001" not in page
    page = text(client.get(f"{BASE}/?q=Contract+test&partner={council().pk}"))
    assert "CT-001" in page and "CT-002" not in page


def test_register_exports_every_filtered_row_as_csv_and_xlsx(southampton, commissioner, provider, client_for):
    standard(southampton, commissioner, provider)
    client = client_for("southampton", Role.VIEWER)
    rows = rows_of(client.get(f"{BASE}/?q=CT-001&format=csv"))
    assert [row["Reference"] for row in rows] == ["CT-001"]
    assert rows[0]["Value over the term (£)"] == "300000.00"
    assert "Southampton City Council £180,000.00" in rows[0]["Funders"]
    response = client.get(f"{BASE}/?q=CT-001&format=xlsx")
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "CT-001"


def test_register_first_page_of_5000_contracts_runs_in_bounded_queries(
    southampton, provider, client_for, django_assert_max_num_queries
):
    lead = council()
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                partnership=southampton,
                reference=f"BULK-{i:05d}",
                title=f"Bulk contract {i}",
                provider=provider,
                lead_commissioner=lead,
                service_type="home_care",
                starts_on=dt.date(2025, 4, 1),
                ends_on=dt.date(2026, 3, 31) + dt.timedelta(days=i % 700),
                annual_value=D("10000.00"),
                lifetime_value=D("10000.00"),
                payment_basis="block",
            )
            for i in range(5000)
        ],
        batch_size=1000,
    )
    if contracts[0].pk is None:
        contracts = list(Contract.objects.filter(reference__startswith="BULK-"))
    Funding.objects.bulk_create(
        [Funding(contract=c, organisation=lead, amount=D("10000.00")) for c in contracts], batch_size=1000
    )
    Kpi.objects.bulk_create(
        [
            Kpi(contract=c, code="K1", name="k", definition="d", polarity="increase", frequency="monthly")
            for c in contracts[:100]
        ]
    )
    client = client_for("southampton", Role.VIEWER)
    client.get(f"{BASE}/")  # warm the session and caches the way a second page view would be
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}/?q=BULK")
    print(f"register page 1 of 5,000 contracts: {len(queries)} queries")
    assert len(queries) <= 20
    page = text(response)
    assert "Contracts 5000" in page.replace(",", "")
    assert "Page 1 of 100" in page
    assert page.count("Bulk contract ") == 50
    with django_assert_max_num_queries(20):
        assert "Page 2 of 100" in text(client.get(f"{BASE}/?q=BULK&page=2"))


def test_detail_page_shows_funding_outcomes_kpis_extension_and_procurement(
    southampton, commissioner, provider, client_for
):
    contract = standard(
        southampton,
        commissioner,
        provider,
        extension_months=12,
        extension_notes="one year",
        outcomes=[OutcomeSpec("People stay at home")],
        kpis=[
            KpiSpec(
                "K1",
                "Visits on time",
                "Share of visits on time",
                "increase",
                "monthly",
                unit="%",
                target="95",
            )
        ],
    )
    page = text(client_for("southampton", Role.VIEWER).get(f"{BASE}/{contract.pk}/"))
    assert "Southampton City Council Own budget £180,000.00 60.0 %" in page
    assert "People stay at home" in page
    assert "K1 Visits on time Share of visits on time 95 %" in page
    assert "Up to 12 more months, to 31 March 2029 (one year)" in page
    assert (
        'id="chart-funding"'
        in client_for("southampton", Role.VIEWER).get(f"{BASE}/{contract.pk}/").content.decode()
    )


def test_a_viewer_reads_the_register_but_may_not_add(client_for):
    client = client_for("southampton", Role.VIEWER)
    assert client.get(f"{BASE}/").status_code == 200
    assert client.get(f"{BASE}/new/").status_code == 403
    assert client.post(f"{BASE}/new/", {}).status_code == 403


def _form(provider, **extra):
    data = {
        "reference": "CT-WEB-1",
        "title": "Web contract",
        "provider": provider.pk,
        "lead_commissioner": council().pk,
        "service_type": "home_care",
        "starts_on": "2025-04-01",
        "ends_on": "2028-03-31",
        "extension_months": "0",
        "notice_months": "3",
        "annual_value": "100,000.00",
        "lifetime_value": "£300,000.00",
        "payment_basis": "block",
        "award_route": "tender",
        "status": "active",
        "funding-TOTAL_FORMS": "3",
        "funding-INITIAL_FORMS": "0",
        "funding-0-organisation": council().pk,
        "funding-0-amount": "200000",
        "funding-1-organisation": ccg().pk,
        "funding-1-amount": "100000",
    }
    data.update(extra)
    return data


def test_add_a_contract_through_the_form(southampton, provider, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(f"{BASE}/new/", _form(provider))
    contract = Contract.objects.get(reference="CT-WEB-1")
    assert response.status_code == 302 and response["Location"] == f"{BASE}/{contract.pk}/"
    assert sorted(contract.funding.values_list("amount", flat=True)) == [D("100000.00"), D("200000.00")]


def test_bad_funding_is_shown_in_the_error_summary_and_nothing_is_saved(southampton, provider, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    solent = Organisation.objects.get(ods_code="R1C")
    response = client.post(f"{BASE}/new/", _form(provider, **{"funding-1-amount": "90000"}))
    assert response.status_code == 400
    assert (
        "The funding adds to £290,000.00 but the lifetime value is £300,000.00; they must be equal."
        in text(response)
    )
    response = client.post(f"{BASE}/new/", _form(provider, ends_on="2025-03-01"))
    assert "The contract cannot end (1 March 2025) before it starts (1 April 2025)." in text(response)
    assert not Contract.objects.filter(reference="CT-WEB-1").exists()
    # The associate trust is not offered as a funder, so the form refuses it on its row.
    response = client.post(f"{BASE}/new/", _form(provider, **{"funding-1-organisation": solent.pk}))
    assert 'href="#id_funding-1-organisation"' in response.content.decode()


def test_funding_page_replaces_the_shares(southampton, commissioner, provider, client_for):
    contract = standard(southampton, commissioner, provider)
    client = client_for("southampton", Role.COMMISSIONER)
    assert "Share 1" in text(client.get(f"{BASE}/{contract.pk}/funding/"))
    response = client.post(
        f"{BASE}/{contract.pk}/funding/",
        {
            "funding-TOTAL_FORMS": "2",
            "funding-INITIAL_FORMS": "0",
            "funding-0-organisation": council().pk,
            "funding-0-amount": "300000",
        },
    )
    assert response.status_code == 302
    assert list(contract.funding.values_list("amount", flat=True)) == [D("300000.00")]


def test_a_funding_row_names_the_partners_budget_line(southampton, commissioner, provider, client_for):
    from commissioning.finance.models import BudgetLine

    contract = standard(southampton, commissioner, provider)
    line = BudgetLine.objects.filter(partnership=southampton, organisation=council()).first()
    other = BudgetLine.objects.filter(partnership=southampton).exclude(organisation=council()).first()
    client = client_for("southampton", Role.COMMISSIONER)
    assert line.cost_centre in text(client.get(f"{BASE}/{contract.pk}/funding/"))
    rows = {"funding-TOTAL_FORMS": "1", "funding-INITIAL_FORMS": "0", "funding-0-organisation": council().pk}
    rows |= {"funding-0-amount": str(contract.lifetime_value)}
    refused = client.post(f"{BASE}/{contract.pk}/funding/", rows | {"funding-0-budget_line": other.pk})
    assert refused.status_code != 302
    assert (
        client.post(f"{BASE}/{contract.pk}/funding/", rows | {"funding-0-budget_line": line.pk}).status_code
        == 302
    )
    assert list(contract.funding.values_list("budget_line", flat=True)) == [line.pk]


def test_extend_and_kpi_pages(southampton, commissioner, provider, client_for):
    contract = standard(southampton, commissioner, provider, extension_months=12)
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(f"{BASE}/{contract.pk}/extend/", {"months": "13"})
    assert "at most 12 more months; 13 asked for" in text(response)
    assert client.post(f"{BASE}/{contract.pk}/extend/", {"months": "6"}).status_code == 302
    contract.refresh_from_db()
    assert contract.ends_on == dt.date(2028, 9, 30)
    response = client.post(
        f"{BASE}/{contract.pk}/kpis/new/",
        {
            "code": "K1",
            "name": "n",
            "definition": "d",
            "target": "lots",
            "polarity": "increase",
            "frequency": "monthly",
        },
    )
    assert "The target for K1 must be a number; &#x27;lots&#x27; is not one." in response.content.decode()
    assert client.post(f"{BASE}/{contract.pk}/outcomes/new/", {"title": "Fewer falls"}).status_code == 302


def test_a_kpi_target_is_changed_on_its_page_and_checked(southampton, commissioner, provider, client_for):
    contract = standard(southampton, commissioner, provider)
    client = client_for("southampton", Role.COMMISSIONER)
    fields = {"code": "K1", "name": "Visits on time", "definition": "d", "polarity": "increase"}
    fields |= {"frequency": "monthly", "unit": "%", "target": "90"}
    assert client.post(f"{BASE}/{contract.pk}/kpis/new/", fields).status_code == 302
    kpi = contract.kpis.get(code="K1")
    url = f"{BASE}/{contract.pk}/kpis/{kpi.pk}/"
    assert url in client.get(f"{BASE}/{contract.pk}/").content.decode()
    assert 'value="90"' in client.get(url).content.decode()
    assert "must be a number" in text(client.post(url, fields | {"target": "most"}))
    assert client.post(url, fields | {"target": "95.5"}).status_code == 302
    kpi.refresh_from_db()
    assert kpi.target == D("95.5")
    assert client_for("southampton", Role.VIEWER).get(url).status_code == 403


def test_end_page_terminates_early_and_refuses_an_end_before_the_start(
    southampton, commissioner, provider, client_for
):
    contract = standard(southampton, commissioner, provider)
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.get(f"{BASE}/{contract.pk}/").content.decode()
    assert f"{BASE}/{contract.pk}/end/" in page
    response = client.post(f"{BASE}/{contract.pk}/end/", {"ended_on": "2000-01-01", "terminated": "on"})
    assert "before it starts" in text(response)
    contract.refresh_from_db()
    assert contract.status == "active"
    ended_on = contract.starts_on + dt.timedelta(days=200)
    response = client.post(
        f"{BASE}/{contract.pk}/end/", {"ended_on": ended_on.isoformat(), "terminated": "on"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.ends_on) == ("terminated", ended_on)
    assert f"{BASE}/{contract.pk}/end/" not in client.get(f"{BASE}/{contract.pk}/").content.decode()
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.get(f"{BASE}/{contract.pk}/end/").status_code == 403


def test_award_to_contract_page(southampton, client_for):
    bidder = Organisation.objects.create(
        name="Contract Test Page Bidder Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER
    )
    procurement = awarded_procurement(southampton, bidder=bidder, price=D("360000.00"))
    client = client_for("southampton", Role.COMMISSIONER)
    page = text(client.get(f"{BASE}/from-procurement/{procurement.pk}/"))
    assert "awarded to Contract Test Page Bidder Ltd at £360,000.00" in page
    response = client.post(
        f"{BASE}/from-procurement/{procurement.pk}/",
        {
            "reference": "CT-AW-WEB",
            "lead_commissioner": council().pk,
            "starts_on": "2025-04-01",
            "ends_on": "2028-03-31",
            "payment_basis": "block",
            "extension_months": "0",
            "notice_months": "3",
            "funding-TOTAL_FORMS": "3",
            "funding-INITIAL_FORMS": "0",
            "funding-0-organisation": council().pk,
            "funding-0-amount": "360000",
        },
    )
    contract = Contract.objects.get(reference="CT-AW-WEB")
    assert response.status_code == 302
    assert (contract.lifetime_value, contract.annual_value) == (D("360000.00"), D("120000.00"))
    assert Procurement.objects.get(pk=procurement.pk).stage == Stage.CONTRACT


def test_transparency_csv_lists_contracts_over_5000_only(southampton, commissioner, provider, client_for):
    standard(southampton, commissioner, provider, extension_months=12)
    standard(
        southampton,
        commissioner,
        provider,
        reference="CT-SMALL",
        lifetime_value=D("5000.00"),
        annual_value=D("5000.00"),
        funding=[FundingShare(council(), D("5000.00"))],
    )
    standard(
        southampton,
        commissioner,
        provider,
        reference="CT-JUST-OVER",
        lifetime_value=D("5000.01"),
        annual_value=D("5000.01"),
        funding=[FundingShare(council(), D("5000.01"))],
    )
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/transparency.csv")
    rows = {row["Reference number"]: row for row in rows_of(response)}
    assert "CT-SMALL" not in rows and "CT-JUST-OVER" in rows
    row = rows["CT-001"]
    assert row["Supplier name"] == "Contract Test Care Ltd"
    assert row["Department or partner responsible"] == "Southampton City Council"
    assert (row["Start date"], row["End date"], row["Review or extension date"]) == (
        "2025-04-01",
        "2028-03-31",
        "2029-03-31",
    )
    assert (row["Value over the term (£)"], row["Value per year (£)"]) == ("300000.00", "100000.00")
    assert row["Irrecoverable VAT (£)"] == ""
    assert row["Let by tender or quote"] == "Published invitation to tender"
    assert (row["SME"], row["VCSE"]) == ("No", "No")
