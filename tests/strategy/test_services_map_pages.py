"""The services map pages: the demo map with its gaps, duplication, prevention share and need against
capacity; filters and downloads; a service's page, forms and funding; scoping and permissions; and
bounded queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from commissioning.core.permissions import Role
from commissioning.finance.models import BudgetLine
from commissioning.strategy import services_map_selectors
from commissioning.strategy.models import Outcome, Service, ServiceFunding

pytestmark = pytest.mark.django_db


def _map(partnership, **query):
    url = reverse("strategy:services_map", args=[partnership.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_demo_map_shows_real_gaps_duplicates_prevention_and_need(southampton):
    page = services_map_selectors.services_map(southampton, financial_year=2026)
    gaps = {(g.priority.title, g.outcome.code): g for g in page.gaps}
    assert gaps[("Reduce self-harm", "safeguarding")].reason == "No service mapped"
    healthy = gaps[("Improve: Children living with obesity", "be-healthy")]
    assert healthy.reason == "Little mapped spend" and healthy.spend < page.little_spend
    assert ("Prevent hip fractures", "delaying-need") not in gaps
    carers = next(
        d for d in page.duplicates if d.care_group.name == "Carers" and d.outcome.code == "quality-of-life"
    )
    assert {s.name for s in carers.services} >= {
        "Carers' breaks and support",
        "Carers' support in general practice",
    }
    assert {o.name for o in carers.commissioners} == {
        "Southampton City Council",
        "NHS Southampton City Clinical Commissioning Group",
    }
    assert page.prevention.target_bp == 1300 and page.prevention.share_bp < 1300
    homes = next(
        r for r in page.need if r.service.name == "Care home beds for older people living with dementia"
    )
    assert homes.years[-1].shortfall > homes.years[0].shortfall > 0


def test_a_higher_threshold_makes_more_gaps(southampton):
    low = services_map_selectors.services_map(southampton, financial_year=2026, little_spend=0)
    high = services_map_selectors.services_map(southampton, financial_year=2026, little_spend=10**9)
    assert len(low.gaps) < len(high.gaps)
    assert all(g.reason == "No service mapped" for g in low.gaps)


def test_the_map_page_renders_its_panels_and_filters(southampton, client_for):
    client = client_for("southampton", Role.VIEWER)
    response = client.get(_map(southampton))
    body = response.content.decode()
    assert response.status_code == 200
    for anchor in (
        'id="gaps-table"',
        'id="duplicates-table"',
        'id="prevention-share"',
        'class="nhsuk-table need-table"',
    ):
        assert anchor in body
    assert "Below target" in body and "Add a service" not in body
    # The filter shows what the page shows: the year on display and the default threshold
    form = response.context["form"]
    assert form["year"].value() == response.context["page"].financial_year
    assert form["little_spend"].value() == response.context["page"].little_spend
    carers = southampton.care_groups.get(name="Carers")
    filtered = client.get(_map(southampton, care_group=carers.pk, year=2026))
    names = {row.service.name for row in filtered.context["page"].rows}
    assert names == {
        "Carers' breaks and support",
        "Carers' support in general practice",
        "Day opportunities for older people living with dementia",
    }
    be_healthy = Outcome.objects.get(framework__partnership=southampton, code="be-healthy")
    only = client.get(_map(southampton, outcome=be_healthy.pk)).context["page"].rows
    assert [row.service.name for row in only] == ["Healthy weight service for children"]


def test_the_map_downloads_as_csv_and_excel(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(_map(southampton, year=2026, format="csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Service", "Commissioner"]
    reablement = next(r for r in rows if r[0] == "Reablement at home")
    assert reablement[7] == "5665000.00"  # both partners' BCF01 lines for 2026/27, all of each
    assert client.get(_map(southampton, format="xlsx")).content[:2] == b"PK"


def test_the_map_reads_in_bounded_queries(southampton, client_for, django_assert_max_num_queries):
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(45):
        client.get(_map(southampton))


def test_a_commissioner_adds_a_service_funds_it_and_unlinks(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    older = southampton.care_groups.get(name="Older people")
    council = southampton.members.get(role="host").organisation
    response = client.post(
        reverse("strategy:service_new", args=[southampton.slug]),
        {
            "name": "Handy person service",
            "commissioner": council.pk,
            "care_groups": [older.pk],
            "is_prevention": "on",
            "capacity_unit": "",
            "need_share_percent": "100",
            "units_per_person": "1",
        },
    )
    service = Service.objects.get(partnership=southampton, name="Handy person service")
    assert response.status_code == 302 and service.is_prevention
    line = BudgetLine.objects.get(
        partnership=southampton, organisation=council, cost_centre="PH01", financial_year=2026
    )
    funded = client.post(
        reverse("strategy:service_fund", args=[southampton.slug, service.pk]),
        {"budget_line": line.pk, "share_percent": "2.5"},
    )
    assert funded.status_code == 302
    assert ServiceFunding.objects.get(service=service, budget_line=line).share_bp == 250
    too_much = client.post(
        reverse("strategy:service_fund", args=[southampton.slug, service.pk]),
        {"budget_line": line.pk, "share_percent": "95"},
    )
    assert too_much.status_code == 400
    assert "Other services already take 6 % of PH01 2026; at most 94 % is left." in too_much.content.decode()
    detail = client.get(reverse("strategy:service", args=[southampton.slug, service.pk]))
    assert "Golden thread" in detail.content.decode() and "2.50 %" in detail.content.decode()
    client.post(
        reverse("strategy:service_unlink", args=[southampton.slug, service.pk, "care_groups", older.pk])
    )
    assert not service.care_groups.exists()


def test_the_service_form_refuses_bad_input_with_messages(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        reverse("strategy:service_new", args=[southampton.slug]),
        {"name": "", "need_share_percent": "100", "units_per_person": "1", "capacity": "12"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose a partner" in body or "This field is required" in body
    assert not Service.objects.filter(partnership=southampton, name="").exists()


def test_another_partnerships_service_is_not_found_and_readers_cannot_write(
    southampton, nottinghamshire, client_for
):
    service = Service.objects.get(partnership=southampton, name="Reablement at home")
    notts = client_for("nottinghamshire", Role.COMMISSIONER)
    assert notts.get(reverse("strategy:service", args=[nottinghamshire.slug, service.pk])).status_code == 404
    assert (
        notts.post(reverse("strategy:service_edit", args=[nottinghamshire.slug, service.pk])).status_code
        == 404
    )
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.get(reverse("strategy:service_new", args=[southampton.slug])).status_code == 403
    assert (
        viewer.post(reverse("strategy:service_retire", args=[southampton.slug, service.pk])).status_code
        == 403
    )
    provider = client_for("southampton", Role.PROVIDER_CONTACT)
    assert provider.get(_map(southampton)).status_code == 403


def test_editing_and_retiring_through_the_pages(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    service = Service.objects.get(partnership=southampton, name="Healthy weight service for children")
    edit = client.get(reverse("strategy:service_edit", args=[southampton.slug, service.pk]))
    assert edit.status_code == 200 and edit.context["form"].initial["need_share_percent"] == 100
    retired = client.post(
        reverse("strategy:service_retire", args=[southampton.slug, service.pk]), {"retired_on": "2026-11-30"}
    )
    assert retired.status_code == 302
    service.refresh_from_db()
    assert service.status == "retired"
    page = services_map_selectors.services_map(southampton, financial_year=2026)
    gap = next(g for g in page.gaps if g.outcome.code == "be-healthy")
    assert gap.reason == "No service mapped"
