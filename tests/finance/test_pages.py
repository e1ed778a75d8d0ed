"""The Resources pages over HTTP: funds, budgets, imports, money flows, prevention and joint posts.

The data are built here through the services, with names, cost centres and a year (2028/29) that the
demo does not use, so every figure a page must show is known in advance:

* the Pages Test Fund, hosted by the council from 1 April 2024, risk shared in proportion to
  contributions: in 2028/29 the council puts in £600,000.00 and the CCG £400,000.01 (60.00 % and
  40.00 %), £1,000,000.01 in all;
* two schemes: Pages Test Reablement (provided by Solent NHS Trust, community tier), planned at
  £500,000.00 from the council and £300,000.00 from the CCG; Pages Test Carers (a "Pages test VCSE
  sector" provider type, prevention tier, carers), £100,000.00 and £100,000.01;
* a pooled budget line for each partner and scheme (PTF01, PTF02), with the same amounts, and a
  single-agency council line PTS01 of £499,999.99 in the community tier with no care group;
* spending of £40,000.00 in April 2028 on the council's reablement line, and its forecasts: £550,000.00
  made in June, £560,000.00 made in July. So the fund's forecast outturn is £1,060,000.01, an overspend
  of £60,000.00 (6 % of the budget: red), shared £36,000.00 to the council (the host) and £24,000.00 to
  the CCG, which pays that to the host;
* prevention: £200,000.01 of £1,500,000.00 (13.33 %) against a target of 15.00 %.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from commissioning.core.permissions import Role
from commissioning.finance import exports, services
from commissioning.finance.models import Actual, BudgetLine, LedgerImport, PooledFund
from commissioning.governance.models import Team
from commissioning.partners.models import CareGroup, Organisation

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/resources"
YEAR = 2028
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _text(html):
    """The page's words with tags and runs of white space collapsed, to match sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def world(southampton, system):
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    solent = Organisation.objects.get(ods_code="R1C")
    carers = CareGroup.objects.get(partnership=southampton, name="Carers")
    older = CareGroup.objects.get(partnership=southampton, name="Older people")
    common = {"actor": system, "partnership": southampton}
    fund = services.fund_create(
        **common,
        name="Pages Test Fund",
        host=council,
        purpose="Test the Resources pages.",
        starts_on=dt.date(2024, 4, 1),
    )
    services.contributions_set(
        **common,
        fund=fund,
        financial_year=YEAR,
        amounts={council: Decimal("600000.00"), ccg: Decimal("400000.01")},
    )
    reablement = services.scheme_create(
        **common,
        fund=fund,
        name="Pages Test Reablement",
        scheme_type="Reablement",
        commissioner=council,
        provider_type="NHS community provider",
        provider=solent,
        tier="community",
        care_group=older,
        funding=[(council, YEAR, Decimal("500000.00")), (ccg, YEAR, Decimal("300000.00"))],
    )
    carers_scheme = services.scheme_create(
        **common,
        fund=fund,
        name="Pages Test Carers",
        scheme_type="Carers' services",
        commissioner=council,
        provider_type="Pages test VCSE sector",
        tier="prevention",
        care_group=carers,
        funding=[(council, YEAR, Decimal("100000.00")), (ccg, YEAR, Decimal("100000.01"))],
    )
    lines = {}
    for code, scheme, tier, group, amounts in (
        ("PTF01", reablement, "community", older, {council: "500000.00", ccg: "300000.00"}),
        ("PTF02", carers_scheme, "prevention", carers, {council: "100000.00", ccg: "100000.01"}),
    ):
        for org, amount in amounts.items():
            lines[(code, org.pk)] = services.budget_line_create(
                **common,
                organisation=org,
                financial_year=YEAR,
                cost_centre=code,
                service_area=scheme.name,
                tier=tier,
                amount=Decimal(amount),
                arrangement="pooled",
                care_group=group,
                fund=fund,
                scheme=scheme,
            )
    single = services.budget_line_create(
        **common,
        organisation=council,
        financial_year=YEAR,
        cost_centre="PTS01",
        service_area="Pages test home care",
        tier="community",
        amount=Decimal("499999.99"),
    )
    line = lines[("PTF01", council.pk)]
    Actual.objects.create(budget_line=line, month=dt.date(YEAR, 4, 1), amount=Decimal("40000.00"))
    services.forecast_record(
        **common, budget_line=line, made_in=dt.date(YEAR, 6, 1), outturn=Decimal("550000.00")
    )
    services.forecast_record(
        **common, budget_line=line, made_in=dt.date(YEAR, 7, 1), outturn=Decimal("560000.00")
    )
    services.prevention_target_set(**common, financial_year=YEAR, share_bp=1500)
    return {
        "common": common,
        "fund": fund,
        "council": council,
        "ccg": ccg,
        "solent": solent,
        "older": older,
        "line": line,
        "single": single,
        "schemes": [reablement, carers_scheme],
    }


def _fund_url(world, suffix=""):
    return f"{BASE}/funds/{world['fund'].pk}/{suffix}"


# Access ------------------------------------------------------------------------------------

PAGES = ("/", "/budgets/", "/flows/", "/prevention/", "/posts/")


def test_pages_open_for_a_viewer(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    urls = [*PAGES, f"/funds/{world['fund'].pk}/", f"/budgets/{world['line'].pk}/"]
    for url in urls:
        assert viewer.get(BASE + url).status_code == 200, url
    html = _page(viewer.get(f"{BASE}/"))
    assert "Pages Test Fund" in html
    assert 'aria-current="true">Resources</a>' in html  # the header marks the stage
    dashboard = _page(viewer.get("/p/southampton/"))
    for label, url in (
        ("Funds", ""),
        ("Budgets", "budgets/"),
        ("Money flows", "flows/"),
        ("Prevention", "prevention/"),
    ):
        assert f'<a href="{BASE}/{url}">{label}</a>' in dashboard


def test_a_provider_contact_is_refused(client_for, world):
    provider = client_for("southampton", Role.PROVIDER_CONTACT)
    for url in [*PAGES, f"/funds/{world['fund'].pk}/", f"/budgets/{world['line'].pk}/", "/imports/"]:
        assert provider.get(BASE + url).status_code == 403, url


def test_another_partnership_cannot_see_the_fund(client_for, world):
    notts = client_for("nottinghamshire", Role.VIEWER)
    assert notts.get(_fund_url(world)).status_code == 404
    assert notts.get(f"/p/nottinghamshire/resources/funds/{world['fund'].pk}/").status_code == 404
    assert notts.get(f"/p/nottinghamshire/resources/budgets/{world['line'].pk}/").status_code == 404
    admin = client_for("nottinghamshire", Role.ADMINISTRATOR)
    assert admin.get(f"/p/nottinghamshire/resources/funds/{world['fund'].pk}/edit/").status_code == 404


def test_viewers_cannot_change_money(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    for url in (
        "/funds/new/",
        f"/funds/{world['fund'].pk}/edit/",
        f"/budgets/{world['line'].pk}/edit/",
        "/budgets/new/",
        "/imports/",
        f"/funds/{world['fund'].pk}/contributions/",
    ):
        assert viewer.get(BASE + url).status_code == 403, url
    html = _page(viewer.get(_fund_url(world)))
    assert "Change the fund" not in html


# The fund page -----------------------------------------------------------------------------


def test_fund_page_shows_summary_contributions_schemes_and_rag(client_for, world):
    html = _page(client_for("southampton", Role.VIEWER).get(_fund_url(world, f"?year={YEAR}")))
    text = _text(html)
    assert "Test the Resources pages." in text
    assert "In proportion to contributions" in text
    # the summary: the council's £60,000.00 overspend is 10 % of its budget (red), the fund's 6 % (red)
    assert re.search(r"Southampton City Council £600,000.00 £40,000.00 £660,000.00 £60,000.00 over Red", text)
    assert re.search(r"Total £1,000,000.01 £40,000.00 £1,060,000.01 £60,000.00 over Red", text)
    assert re.search(r"Pages Test Carers £200,000.01 £0.00 £200,000.01 On budget Green", text)
    assert 'nhsuk-tag--red">Red<' in html and 'nhsuk-tag--green">Green<' in html
    # contributions and their shares, adding to 100 %
    assert "£400,000.01 40.00 %" in text and "£600,000.00 60.00 %" in text
    assert re.search(r'id="share-total">100.00 %<', html)
    # schemes by funding source
    assert "Solent NHS Trust" in text and "Pages test VCSE sector" in text
    assert "£300,000.00 £500,000.00 £800,000.00" in text


def test_fund_page_settlement_reconciles_to_the_penny(client_for, world):
    text = _text(_page(client_for("southampton", Role.VIEWER).get(_fund_url(world, f"?year={YEAR}"))))
    assert re.search(r"Southampton City Council \(host\) £600,000.00 £36,000.00 £636,000.00 Nil", text)
    assert re.search(
        r"NHS Southampton City Clinical Commissioning Group £400,000.01 £24,000.00 £424,000.01 "
        r"Pays the host £24,000.00",
        text,
    )
    assert "Total £1,000,000.01 £60,000.00 £1,060,000.01 £24,000.00 to the host" in text
    assert "Reconciles to the penny" in text


def test_fund_page_forecast_history(client_for, world):
    html = _page(client_for("southampton", Role.VIEWER).get(_fund_url(world, f"?year={YEAR}")))
    text = _text(html)
    assert "June 2028 £1,050,000.01 £50,000.00 over" in text
    assert "July 2028 £1,060,000.01 £60,000.00 over" in text
    figure = json.loads(re.search(r'id="chart-forecast-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    forecast = next(trace for trace in figure["data"] if trace["name"] == "Forecast outturn")
    assert forecast["x"] == ["Jun 2028", "Jul 2028"]
    assert forecast["y"] == [1050000.01, 1060000.01]


def _fund_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_fund_page_queries_do_not_grow_with_schemes(client_for, world, django_assert_max_num_queries):
    viewer = client_for("southampton", Role.VIEWER)
    url = _fund_url(world, f"?year={YEAR}")
    viewer.get(url)  # the first request of a session also saves the chosen partnership
    before = _fund_queries(viewer, url)
    common, council, ccg = world["common"], world["council"], world["ccg"]
    for n in range(5):
        scheme = services.scheme_create(
            **common,
            fund=world["fund"],
            name=f"Pages Test Extra {n}",
            scheme_type="Extra",
            commissioner=council,
            provider_type=f"Extra provider {n}",
            funding=[(council, YEAR, Decimal("1000.00")), (ccg, YEAR, Decimal("2000.00"))],
        )
        for org in (council, ccg):
            line = services.budget_line_create(
                **common,
                organisation=org,
                financial_year=YEAR,
                cost_centre=f"PTX{n}",
                service_area=scheme.name,
                tier="community",
                amount=Decimal("1000.00"),
                arrangement="pooled",
                fund=world["fund"],
                scheme=scheme,
            )
            Actual.objects.create(budget_line=line, month=dt.date(YEAR, 5, 1), amount=Decimal("10.00"))
            services.forecast_record(
                **common, budget_line=line, made_in=dt.date(YEAR, 8, 1), outturn=Decimal("1100.00")
            )
    with django_assert_max_num_queries(before):
        html = _page(viewer.get(url))
    assert "Pages Test Extra 4" in html
    assert _fund_queries(viewer, url) == before


def test_list_pages_queries_do_not_grow(client_for, world, southampton):
    viewer = client_for("southampton", Role.VIEWER)
    team = Team.objects.create(partnership=southampton, name="Pages Test Unit")
    common, council, ccg = world["common"], world["council"], world["ccg"]
    urls = [
        f"{BASE}/?year={YEAR}",
        f"{BASE}/budgets/?year={YEAR}",
        f"{BASE}/budgets/?year={YEAR}&format=csv",
        f"{BASE}/flows/?year={YEAR}",
        f"{BASE}/prevention/?year={YEAR}",
        f"{BASE}/posts/",
    ]
    viewer.get(urls[0])

    def add(n):
        fund = services.fund_create(
            **common,
            name=f"Pages Test Fund {n}",
            host=council,
            purpose="More.",
            starts_on=dt.date(2028, 4, 1),
        )
        services.contributions_set(
            **common, fund=fund, financial_year=YEAR, amounts={council: Decimal(n + 1)}
        )
        services.scheme_create(
            **common,
            fund=fund,
            name=f"Pages Test Scheme {n}",
            scheme_type="More",
            commissioner=ccg,
            funding=[(council, YEAR, Decimal(n + 1))],
        )
        line = services.budget_line_create(
            **common,
            organisation=ccg,
            financial_year=YEAR,
            cost_centre=f"PTM{n}",
            service_area="More",
            tier="specialist",
            amount=Decimal("10.00"),
            care_group=world["older"],
        )
        services.forecast_record(
            **common, budget_line=line, made_in=dt.date(YEAR, 9, 1), outturn=Decimal("11")
        )
        services.joint_post_create(
            **common, team=team, title=f"Pages test post {n}", annual_cost=Decimal(1000), is_new=True
        )

    add(0)
    before = [_fund_queries(viewer, url) for url in urls]
    for n in range(1, 5):
        add(n)
    assert [_fund_queries(viewer, url) for url in urls] == before


# Exports -----------------------------------------------------------------------------------


def test_fund_summary_exports(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    rows = _csv(viewer.get(_fund_url(world, f"?year={YEAR}&format=csv")))
    assert list(rows[0]) == list(exports.SUMMARY_HEADERS)
    total = next(r for r in rows if r["By"] == "Partner" and r["Name"] == "Total")
    assert total["Budget (£)"] == "1000000.01"
    assert total["Forecast outturn (£)"] == "1060000.01"
    assert total["Variance (£)"] == "60000.00"
    assert total["RAG"] == "Red"
    response = viewer.get(_fund_url(world, f"?year={YEAR}&format=xlsx"))
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(exports.SUMMARY_HEADERS)


def test_planning_workbook(client_for, world):
    response = client_for("southampton", Role.VIEWER).get(_fund_url(world, f"?year={YEAR}&format=workbook"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "planning" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == list(exports.SHEETS)
    spend = [list(row) for row in book["Expenditure by scheme"].iter_rows(values_only=True)]
    assert spend[0][1] == "Scheme" and spend[0][-1] == "Planned expenditure (£)"
    assert len(spend) == 1 + 4 + 1  # header, four funding lines, total
    assert spend[-1][0] == "Total" and Decimal(str(spend[-1][-1])) == Decimal("1000000.01")
    contributions = [list(row) for row in book["Contributions"].iter_rows(values_only=True)]
    assert {(r[1], r[3]) for r in contributions[1:]} == {
        ("Southampton City Council", "60.00 %"),
        ("NHS Southampton City Clinical Commissioning Group", "40.00 %"),
    }
    settled = [list(row) for row in book["Settlement"].iter_rows(values_only=True)]
    total = settled[-1]
    assert total[1] == "Total"
    assert Decimal(str(total[4])) == Decimal("60000.00")  # shares of the variance add to the variance
    assert Decimal(str(total[6])) == Decimal("24000.00")  # the CCG's transfer to the host


def test_budget_lines_filters_totals_and_export(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    text = _text(_page(viewer.get(f"{BASE}/budgets/?year={YEAR}&organisation={world['council'].pk}")))
    assert "PTS01" in text and "PTF02" in text
    assert "£400,000.01" not in text  # the CCG's lines are filtered out
    assert re.search(r"By partner .*Southampton City Council £1,099,999.99 £40,000.00 £1,159,999.99", text)
    text = _text(_page(viewer.get(f"{BASE}/budgets/?year={YEAR}&tier=prevention")))
    assert "PTS01" not in text and "PTF02" in text
    assert re.search(r"By tier .*Prevention and early intervention £200,000.01", text)
    rows = _csv(viewer.get(f"{BASE}/budgets/?year={YEAR}&arrangement=single&format=csv"))
    assert [(r["Cost centre"], r["Budget (£)"]) for r in rows] == [("PTS01", "499999.99")]
    # with no year named, the page and its download are this financial year's; "All" is every year
    assert "PTS01" not in _page(viewer.get(f"{BASE}/budgets/"))
    assert "PTS01" not in {r["Cost centre"] for r in _csv(viewer.get(f"{BASE}/budgets/?format=csv"))}
    assert "PTS01" in {r["Cost centre"] for r in _csv(viewer.get(f"{BASE}/budgets/?year=&format=csv"))}
    rows = _csv(viewer.get(f"{BASE}/budgets/?year={YEAR}&format=csv"))
    line = next(r for r in rows if r["Cost centre"] == "PTF01" and r["Partner"] == "Southampton City Council")
    assert line["Actual to date (£)"] == "40000.00"
    assert line["Forecast outturn (£)"] == "560000.00"
    assert line["Variance (£)"] == "60000.00"


# Budget lines ------------------------------------------------------------------------------


def _line_post(world, line, **changes):
    data = {
        "organisation": line.organisation_id,
        "financial_year": line.financial_year,
        "cost_centre": line.cost_centre,
        "service_area": line.service_area,
        "care_group": line.care_group_id or "",
        "tier": line.tier,
        "arrangement": line.arrangement,
        "fund": line.fund_id or "",
        "scheme": line.scheme_id or "",
        "amount": str(line.amount),
        "version": line.version,
    }
    data.update(changes)
    return data


def test_budget_line_page_shows_actuals_forecasts_and_history(client_for, world):
    text = _text(_page(client_for("southampton", Role.VIEWER).get(f"{BASE}/budgets/{world['line'].pk}/")))
    assert "April 2028 £40,000.00" in text
    assert "June 2028 £550,000.00 £50,000.00 over" in text and "July 2028 £560,000.00 £60,000.00 over" in text
    assert "Created" in text


def test_budget_line_edit_saves_pounds(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    line = world["single"]
    url = f"{BASE}/budgets/{line.pk}/edit/"
    form = _page(officer.get(url))
    assert 'name="version" value="1"' in form
    response = officer.post(url, _line_post(world, line, amount="£512,345.67"))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("512345.67") and line.version == 2


def test_budget_line_amounts_refuse_fractions_of_a_penny(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    line = world["single"]
    for bad in ("12.345", "1e3", "twelve"):
        html = _page(officer.post(f"{BASE}/budgets/{line.pk}/edit/", _line_post(world, line, amount=bad)))
        assert "There is a problem" in html, bad
    line.refresh_from_db()
    assert line.amount == Decimal("499999.99") and line.version == 1


def test_stale_budget_line_edit_is_refused_and_keeps_the_input(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    line = world["single"]
    url = f"{BASE}/budgets/{line.pk}/edit/"
    assert 'name="version" value="1"' in _page(officer.get(url))
    # someone else saves first
    services.budget_line_update(**world["common"], budget_line=line, version=1, amount=Decimal("510000.00"))
    html = _page(officer.post(url, _line_post(world, line, amount="£520,000.00", service_area="Mine")))
    assert "There is a problem" in html
    assert "changed by someone else" in html
    assert 'value="£520,000.00"' in html and 'value="Mine"' in html  # the user's input is kept
    line.refresh_from_db()
    assert line.amount == Decimal("510000.00")
    assert line.service_area == "Pages test home care"
    assert line.version == 2


def test_budget_line_create(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    data = {
        "organisation": world["ccg"].pk,
        "financial_year": YEAR,
        "cost_centre": "PTN01",
        "service_area": "Pages test new line",
        "tier": "specialist",
        "arrangement": "single",
        "amount": "1,234.56",
    }
    response = officer.post(f"{BASE}/budgets/new/", data)
    assert response.status_code == 302
    line = BudgetLine.objects.get(cost_centre="PTN01", financial_year=YEAR)
    assert line.amount == Decimal("1234.56")
    assert response["Location"].endswith(f"/budgets/{line.pk}/")


# Funds: forms ------------------------------------------------------------------------------


def _fund_post(fund, **changes):
    data = {
        "name": fund.name,
        "host": fund.host_id,
        "purpose": fund.purpose,
        "agreement": fund.agreement_id or "",
        "starts_on": fund.starts_on.isoformat(),
        "ends_on": fund.ends_on.isoformat() if fund.ends_on else "",
        "risk_share_rule": fund.risk_share_rule,
        "version": fund.version,
    }
    data.update(changes)
    return data


def test_fund_create_and_stale_edit(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    response = officer.post(
        f"{BASE}/funds/new/",
        {
            "name": "Pages Test Second Fund",
            "host": world["ccg"].pk,
            "purpose": "A second fund.",
            "starts_on": "2028-04-01",
            "risk_share_rule": "host",
        },
    )
    assert response.status_code == 302
    fund = PooledFund.objects.get(name="Pages Test Second Fund")
    assert fund.host == world["ccg"] and fund.risk_share_rule == "host"
    url = f"{BASE}/funds/{fund.pk}/edit/"
    stale = _fund_post(fund, purpose="Mine.")
    assert officer.post(url, _fund_post(fund, purpose="Theirs.")).status_code == 302
    html = _page(officer.post(url, stale))
    assert "changed by someone else" in html
    fund.refresh_from_db()
    assert fund.purpose == "Theirs." and fund.version == 2


def test_contributions_and_risk_shares_forms(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    council, ccg, fund = world["council"], world["ccg"], world["fund"]
    response = officer.post(
        _fund_url(world, "contributions/"),
        {"financial_year": YEAR, f"partner_{council.pk}": "£750,000.00", f"partner_{ccg.pk}": "250,000"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?year={YEAR}")
    text = _text(_page(officer.get(_fund_url(world, f"?year={YEAR}"))))
    assert "£750,000.00 75.00 %" in text and "£250,000.00 25.00 %" in text
    html = _page(
        officer.post(
            _fund_url(world, "risk-shares/"), {f"partner_{council.pk}": "60", f"partner_{ccg.pk}": "30"}
        )
    )
    assert "they must add up to 100 %" in html
    response = officer.post(
        _fund_url(world, "risk-shares/"),
        {f"partner_{council.pk}": "70", f"partner_{ccg.pk}": "30", f"cap_{ccg.pk}": "£5,000.00"},
    )
    assert response.status_code == 302
    shares = {r.organisation_id: (r.share_bp, r.cap) for r in fund.risk_shares.all()}
    assert shares == {council.pk: (7000, None), ccg.pk: (3000, Decimal("5000.00"))}


def test_scheme_new_with_funding(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    council, ccg = world["council"], world["ccg"]
    data = {
        "name": "Pages Test New Scheme",
        "scheme_type": "Home care",
        "commissioner": council.pk,
        "provider_type": "Independent sector",
        "tier": "community",
        "financial_year": YEAR,
        f"partner_{council.pk}": "£10,000.005",
    }
    html = _page(officer.post(_fund_url(world, "schemes/new/"), data))
    assert "no more than 2 decimal places" in html
    data[f"partner_{council.pk}"] = "£10,000.00"
    data[f"partner_{ccg.pk}"] = "5000.50"
    response = officer.post(_fund_url(world, "schemes/new/"), data)
    assert response.status_code == 302
    text = _text(_page(officer.get(_fund_url(world, f"?year={YEAR}"))))
    assert "Pages Test New Scheme" in text and "£5,000.50 £10,000.00 £15,000.50" in text


# Imports -----------------------------------------------------------------------------------


def _upload(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_import_with_a_bad_file_shows_the_problems(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    bad = (
        "cost_centre,period,amount,partner\nPTS01,2028-05,12.345,E06000045\nNOPE99,2028-05,10.00,E06000045\n"
    )
    response = officer.post(
        f"{BASE}/imports/",
        {"kind": "ledger", "financial_year": YEAR, "file": _upload("pages-test-bad.csv", bad)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    table = html.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"nhsuk-table__row\"><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td>", table)
    assert ("2", "amount") in rows
    assert any(row == "3" for row, _ in rows)
    assert not Actual.objects.filter(budget_line=world["single"]).exists()
    assert not LedgerImport.objects.filter(file_name="pages-test-bad.csv").exists()


def test_imports_of_good_ledger_spend_and_forecast_files(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    single = world["single"]

    def upload(kind, name, text, **extra):
        data = {"kind": kind, "financial_year": YEAR, "file": _upload(name, text), **extra}
        response = officer.post(f"{BASE}/imports/", data)
        assert response.status_code == 302, response.content.decode()[-3000:]

    upload(
        "ledger",
        "pages-test-ledger.csv",
        "cost_centre,period,amount,partner\nPTS01,2028-05,1234.56,E06000045\n",
    )
    upload(
        "transparency",
        "pages-test-spend.csv",
        "ProfitCentre,PaymentDate,Amount,BeneficiaryName,TransactionNumber\n"
        "PTS01,2028-06-15,765.44,Pages Test Care Ltd,PT-1\n",
        organisation=world["council"].pk,
    )
    upload(
        "forecast",
        "pages-test-forecast.csv",
        "cost_centre,partner,made_in,outturn\nPTS01,E06000045,2028-09,510000.00\n",
    )
    months = dict(Actual.objects.filter(budget_line=single).values_list("month", "amount"))
    assert months == {dt.date(2028, 5, 1): Decimal("1234.56"), dt.date(2028, 6, 1): Decimal("765.44")}
    text = _text(_page(officer.get(f"{BASE}/imports/")))
    assert "pages-test-ledger.csv Ledger extract 1" in text
    assert "pages-test-spend.csv Spend over £500 (Transparency Code) 1" in text
    assert "pages-test-forecast.csv Forecasts 1" in text
    text = _text(_page(officer.get(f"{BASE}/budgets/{single.pk}/")))
    assert "Actual to date £2,000.00" in text
    assert "September 2028 £510,000.00 £10,000.01 over pages-test-forecast.csv" in text


def test_import_refuses_other_files(client_for, world):
    officer = client_for("southampton", Role.FINANCE_OFFICER)
    html = _page(
        officer.post(
            f"{BASE}/imports/",
            {"kind": "ledger", "financial_year": YEAR, "file": _upload("notes.txt", "hello")},
        )
    )
    assert "Choose a .csv, .xlsx or .parquet file." in html


# Money flows, prevention, joint posts ------------------------------------------------------


def test_money_flows_sankey_has_partners_funds_schemes_and_providers(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    html = _page(viewer.get(f"{BASE}/flows/?year={YEAR}"))
    figure = json.loads(re.search(r'id="chart-flows-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    sankey = figure["data"][0]
    assert sankey["type"] == "sankey"
    labels = sankey["node"]["label"]
    for node in (
        "Southampton City Council",
        "NHS Southampton City Clinical Commissioning Group",
        "Pages Test Fund",
        "Pages Test Reablement",
        "Solent NHS Trust",
        "Pages test VCSE sector",
        "Single-agency budgets",
    ):
        assert node in labels, node
    assert len(set(zip(sankey["link"]["source"], sankey["link"]["target"], strict=True))) == len(
        sankey["link"]["source"]
    )  # one link per pair of nodes
    links = {
        (labels[s], labels[t]): v
        for s, t, v in zip(
            sankey["link"]["source"], sankey["link"]["target"], sankey["link"]["value"], strict=True
        )
    }
    assert links[("NHS Southampton City Clinical Commissioning Group", "Pages Test Fund")] == 400000.01
    assert links[("Pages Test Reablement", "Solent NHS Trust")] == 800000.0
    text = _text(html)
    assert "Pages Test Fund Pages Test Carers £200,000.01" in text
    assert "Total from the partners £1,500,000.00" in text
    rows = _csv(viewer.get(f"{BASE}/flows/?year={YEAR}&format=csv"))
    assert {"From": "Pages Test Carers", "To": "Pages test VCSE sector"}.items() <= next(
        r for r in rows if r["From"] == "Pages Test Carers"
    ).items()


def test_prevention_share_against_target_and_budget_audit(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    html = _page(viewer.get(f"{BASE}/prevention/?year={YEAR}"))
    text = _text(html)
    assert "In 2028/29, 13.33 % of commissioning budgets (£200,000.01 of £1,500,000.00)" in text
    assert "against a target of 15.00 %" in text and "Below target" in text
    assert "priorities" in text  # the design note
    # the audit: the council's £1,099,999.99, of which £600,000.00 (54.55 %) names a care group
    assert re.search(r"Southampton City Council £1,099,999.99 £600,000.00 54.55 %", text)
    assert re.search(r"All partners £1,500,000.00 £1,000,000.01 66.67 %", text)
    figure = json.loads(re.search(r'id="chart-prevention-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    target = next(trace for trace in figure["data"] if trace["name"] == "Target trajectory")
    assert 15.0 in target["y"]
    rows = _csv(viewer.get(f"{BASE}/prevention/?year={YEAR}&format=csv"))
    council = next(r for r in rows if r["Partner"] == "Southampton City Council")
    assert council["Budget (£)"] == "1099999.99"
    assert council["Linked to a care group (£)"] == "600000.00"
    assert council["Community (£)"] == "999999.99"
    shares = _csv(viewer.get(f"{BASE}/prevention/?table=shares&format=csv"))
    year = next(r for r in shares if r["Financial year"] == "2028/29")
    assert year["Prevention share (%)"] == "13.33" and year["Target (%)"] == "15.00"


def test_joint_posts_split_and_totals(client_for, world, southampton):
    team = Team.objects.create(partnership=southampton, name="Pages Test Unit")
    council, ccg = world["council"], world["ccg"]
    services.joint_post_create(
        **world["common"],
        team=team,
        title="Pages test head of service",
        annual_cost=Decimal("78000.00"),
        shares={council: 6000, ccg: 4000},
    )
    services.joint_post_create(
        **world["common"],
        team=team,
        title="Pages test commissioner",
        annual_cost=Decimal("90800.01"),
        is_new=True,
    )
    viewer = client_for("southampton", Role.VIEWER)
    text = _text(_page(viewer.get(f"{BASE}/posts/")))
    assert "Pages test head of service £78,000.00 £46,800.00 60.00 % £31,200.00 40.00 %" in text or (
        "Pages test head of service £78,000.00 £31,200.00 40.00 % £46,800.00 60.00 %" in text
    )
    # a new post is shared equally, the odd penny to one partner, so the split adds to the cost
    assert re.search(
        r"Pages test commissioner New post £90,800.01 £45,400.0[01] 50.00 % £45,400.0[01] 50.00 %", text
    )
    rows = _csv(viewer.get(f"{BASE}/posts/?format=csv"))
    mine = [r for r in rows if r["Team"] == "Pages Test Unit"]
    assert len(mine) == 2
    for row in mine:
        parts = [Decimal(v) for k, v in row.items() if k.endswith("(£)") and k != "Annual cost (£)" and v]
        assert sum(parts) == Decimal(row["Annual cost (£)"])
