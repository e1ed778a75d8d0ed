"""The golden thread: from a priority, service, budget line, scheme, contract or KPI to everything it
traces back and forward to, with spend counted once, the cross-agency budget audit, the evidence trail,
an export, scoping to the partnership, and a page whose queries do not grow with the thread."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.permissions import Role
from commissioning.finance.models import BudgetLine, Scheme
from commissioning.needs.models import Indicator
from commissioning.partners.models import Organisation
from commissioning.strategy import golden_thread, services_map
from commissioning.strategy.models import Priority, Service

pytestmark = pytest.mark.django_db


def _url(partnership, kind, pk, **query):
    url = reverse("strategy:thread", args=[partnership.slug, kind, pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _hip_fractures(partnership):
    return Priority.objects.get(partnership=partnership, title="Prevent hip fractures")


def test_a_priority_walks_down_to_services_money_contracts_and_kpis_and_up_to_evidence(southampton):
    thread = golden_thread.thread_for(southampton, "priority", _hip_fractures(southampton).pk)
    stages = {stage: [link.label for link in links] for stage, links in thread.stages.items()}
    assert "Falls prevention service" in stages["Service"]
    assert "Strength and balance classes" in stages["Service"]
    # Reached through the strategy's objectives, which serve this priority.
    assert "Reablement at home" in stages["Service"]
    assert "SCC-2025-020 Falls prevention" in stages["Contract"]
    assert any(label.startswith("PV01 ") for label in stages["KPI"])
    assert "Hip fractures in people aged 65+" in stages["Need"]
    assert next(link for link in thread.stages["Priority"] if link.is_start).label == "Prevent hip fractures"
    kpi = next(link for link in thread.stages["KPI"] if link.reading is not None)
    assert kpi.reading_text


def test_spend_against_a_priority_counts_each_share_of_a_line_once(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    priority = _hip_fractures(southampton)
    before = dict(golden_thread.thread_for(southampton, "priority", priority.pk).spend_by_year)
    council = Organisation.objects.get(gss_code="E06000045")
    line = BudgetLine.objects.get(
        partnership=southampton, organisation=council, cost_centre="PH01", financial_year=2026
    )
    # A second service on the same public health line, serving the priority twice over.
    service = services_map.create_service(
        actor=commissioner,
        partnership=southampton,
        name="Home hazard checks",
        commissioner=council,
        priorities=[priority],
        objectives=list(priority.strategic_objectives.all()),
    )
    services_map.fund_service(actor=commissioner, service=service, budget_line=line, share_bp=1_000)
    after = dict(golden_thread.thread_for(southampton, "priority", priority.pk).spend_by_year)
    assert after[2026] - before[2026] == Decimal("298700.00")  # 10 % of £2,987,000, once
    assert after[2025] == before[2025]


def test_the_cross_agency_budget_audit_gives_each_partners_share_linked_to_priorities(southampton):
    audit = {(a.organisation.name, a.financial_year): a for a in golden_thread.budget_audit(southampton)}
    council = audit[("Southampton City Council", 2026)]
    total = sum(
        BudgetLine.objects.filter(
            partnership=southampton, organisation__gss_code="E06000045", financial_year=2026
        ).values_list("amount", flat=True),
        Decimal(0),
    )
    assert council.total == total
    assert 0 < council.linked < council.total
    assert council.linked_bp == round(council.linked * 10_000 / council.total)


@pytest.mark.parametrize("kind", ["indicator", "service", "budget-line", "scheme", "contract", "kpi"])
def test_every_kind_of_object_starts_a_thread_that_reaches_the_priority(kind, southampton, client_for):
    service = Service.objects.get(partnership=southampton, name="Falls prevention service")
    start = {
        "indicator": Indicator.objects.get(partnership=southampton, name="Hip fractures in people aged 65+"),
        "service": service,
        "budget-line": service.funding_links.first().budget_line,
        "scheme": Scheme.objects.get(fund__partnership=southampton, name="Falls prevention"),
        "contract": Contract.objects.get(partnership=southampton, reference="SCC-2025-020"),
        "kpi": Kpi.objects.filter(
            contract__reference="SCC-2025-020", contract__partnership=southampton
        ).first(),
    }[kind]
    response = client_for("southampton", Role.VIEWER).get(_url(southampton, kind, start.pk))
    assert response.status_code == 200
    thread = response.context["thread"]
    assert "Prevent hip fractures" in [link.label for link in thread.stages["Priority"]]
    assert any(link.is_start for link in thread.links)
    assert "Golden thread from this" in response.content.decode()


def test_the_thread_downloads_as_csv_and_excel(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    pk = _hip_fractures(southampton).pk
    response = client.get(_url(southampton, "priority", pk, format="csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(golden_thread.EXPORT_HEADERS)
    assert rows[[r[0] for r in rows].index("Priority")][:2] == ["Priority", "Prevent hip fractures"]
    assert {r[0] for r in rows[1:]} >= {"Need", "Service", "Budget line", "Contract", "KPI"}
    xlsx = client.get(_url(southampton, "priority", pk, format="xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_another_partnerships_object_or_an_unknown_kind_is_not_found(
    southampton, nottinghamshire, client_for
):
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    service = Service.objects.get(partnership=southampton, name="Falls prevention service")
    assert client.get(_url(nottinghamshire, "service", service.pk)).status_code == 404
    assert client.get(_url(nottinghamshire, "priority", _hip_fractures(southampton).pk)).status_code == 404
    assert client.get(_url(nottinghamshire, "provider", 1)).status_code == 404
    # And Southampton's own thread is not theirs to see.
    assert client.get(_url(southampton, "service", service.pk)).status_code == 404


def test_provider_contacts_see_nothing_of_the_thread(southampton, client_for):
    response = client_for("southampton", Role.PROVIDER_CONTACT).get(
        _url(southampton, "priority", _hip_fractures(southampton).pk)
    )
    assert response.status_code == 403


def _priority_with_units(partnership, actor, units, label):
    """A priority with ``units`` services, each funded by its own line, delivered by a contract with a KPI."""
    council = Organisation.objects.get(gss_code="E06000045")
    template = Contract.objects.get(partnership=partnership, reference="SCC-2025-020")
    priority = Priority.objects.create(
        partnership=partnership,
        care_group=partnership.care_groups.get(name="Older people"),
        title=f"Bounded thread {label}",
        statement="Fewer falls.",
        created_by=actor,
    )
    for unit in range(units):
        code = f"{label}-{unit:03d}"
        service = Service.objects.create(
            partnership=partnership, name=f"Thread {code}", commissioner=council, created_by=actor
        )
        service.priorities.add(priority)
        line = BudgetLine.objects.create(
            partnership=partnership,
            organisation=council,
            financial_year=2026,
            cost_centre=f"T{code}",
            service_area="Thread test",
            tier="prevention",
            amount=Decimal("1000.00"),
        )
        service.funding_links.create(budget_line=line, share_bp=10_000)
        contract = Contract.objects.create(
            partnership=partnership,
            reference=f"T-{code}",
            title=f"Thread {code}",
            provider=template.provider,
            lead_commissioner=council,
            service_type="prevention",
            starts_on=dt.date(2025, 4, 1),
            ends_on=dt.date(2028, 3, 31),
            annual_value=Decimal("1000.00"),
            lifetime_value=Decimal("3000.00"),
            payment_basis="block",
        )
        service.contracts.add(contract)
        Kpi.objects.create(
            contract=contract,
            code="K1",
            name="People",
            definition="People.",
            polarity="increase",
            frequency="quarterly",
        )
    return priority


def test_the_priority_page_reads_in_the_same_queries_with_50_or_500_linked_objects(
    southampton, user_for, client_for, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = user_for("southampton", Role.COMMISSIONER)
    small = _priority_with_units(southampton, actor, 12, "s")
    large = _priority_with_units(southampton, actor, 125, "l")
    client = client_for("southampton", Role.COMMISSIONER)
    client.get(_url(southampton, "priority", small.pk))  # warm the caches both requests share
    counts = {}
    for name, priority in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(southampton, "priority", priority.pk))
        assert response.status_code == 200
        counts[name] = (response.context["thread"].count, len(queries.captured_queries))
    assert counts["small"][0] == 49 and counts["large"][0] == 501
    assert counts["small"][1] == counts["large"][1]
    with django_assert_num_queries(counts["large"][1]):
        client.get(_url(southampton, "priority", large.pk))


def test_priority_service_budget_line_contract_and_kpi_pages_link_to_the_thread(southampton, client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    service = Service.objects.get(partnership=southampton, name="Falls prevention service")
    priority = _hip_fractures(southampton)
    line = service.funding_links.first().budget_line
    contract = Contract.objects.get(partnership=southampton, reference="SCC-2025-020")
    kpi = contract.kpis.first()
    hip = Indicator.objects.get(partnership=southampton, name="Hip fractures in people aged 65+")
    pages = {
        reverse("strategy:priority", args=[southampton.slug, priority.pk]): _url(
            southampton, "priority", priority.pk
        ),
        reverse("strategy:service", args=[southampton.slug, service.pk]): _url(
            southampton, "service", service.pk
        ),
        reverse("finance:budget_line", args=[southampton.slug, line.pk]): _url(
            southampton, "budget-line", line.pk
        ),
        reverse("contracts:detail", args=[southampton.slug, contract.pk]): _url(
            southampton, "contract", contract.pk
        ),
        reverse("kpis:detail", args=[southampton.slug, kpi.pk]): _url(southampton, "kpi", kpi.pk),
        reverse("needs:indicator", args=[southampton.slug, hip.pk]): _url(southampton, "indicator", hip.pk),
        reverse("finance:fund", args=[southampton.slug, line.fund_id]): _url(
            southampton,
            "scheme",
            Scheme.objects.get(fund__partnership=southampton, name="Falls prevention").pk,
        ),
    }
    for page, thread in pages.items():
        assert thread in client.get(page).content.decode(), page
