"""The returns API over real HTTP with tokens and sessions: a provider's contact sees and submits
only their own organisation's returns; refusals name the field and the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.core.tokens import api_token_create
from commissioning.performance import returns as services
from commissioning.performance.models import KpiReturn
from tests.conftest import demo_user
from tests.performance.test_returns_services import months_back, other_kpi, own_kpi, provider_organisations

pytestmark = pytest.mark.django_db

JSON = "application/json"
RETURNS = "/api/partnerships/southampton/returns"


def bearer(role: Role) -> dict[str, str]:
    _, raw = api_token_create(
        actor=demo_user("southampton", role), name="returns", valid_for=dt.timedelta(days=1)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def kpi(southampton, today):
    return own_kpi(southampton, around=today)


@pytest.fixture
def theirs(southampton, today):
    return other_kpi(southampton, around=today)


def body(kpi, period, value, **extra):
    return {
        "contract_reference": kpi.contract.reference,
        "kpi_code": kpi.code,
        "period_start": period.start.isoformat(),
        "value": value,
        **extra,
    }


def test_a_providers_token_lists_only_its_own_schedule(client, southampton, kpi, theirs, today):
    auth = bearer(Role.PROVIDER_CONTACT)
    response = client.get(RETURNS, **auth)
    assert response.status_code == 200
    rows = response.json()
    assert rows and {row["contract_reference"] for row in rows}.isdisjoint({theirs.contract.reference})
    provider = demo_user("southampton", Role.PROVIDER_CONTACT)
    own = set(
        southampton.contracts.filter(
            provider__organisation_id__in=provider_organisations(southampton, provider)
        ).values_list("reference", flat=True)
    )
    assert {row["contract_reference"] for row in rows} <= own
    period = months_back(today, 3)
    row = next(r for r in rows if r["kpi_id"] == kpi.pk and r["period_start"] == period.start.isoformat())
    assert row == {
        "kpi_id": kpi.pk,
        "contract_reference": kpi.contract.reference,
        "provider": kpi.contract.provider.organisation.name,
        "kpi_code": kpi.code,
        "kpi_name": kpi.name,
        "unit": "%",
        "period": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "due_on": period.due.isoformat(),
        "status": "late",
        "return_id": None,
        "value": None,
        "return_status": None,
        "version": None,
    }
    late = client.get(RETURNS, {"status": "late"}, **auth).json()
    assert late and {r["status"] for r in late} == {"late"}
    one = client.get(RETURNS, {"contract": kpi.contract.reference}, **auth).json()
    assert {r["contract_reference"] for r in one} == {kpi.contract.reference}
    assert client.get(RETURNS, {"contract": theirs.contract.reference}, **auth).status_code == 404
    wrong = client.get(RETURNS, {"status": "lost"}, **auth)
    assert wrong.status_code == 400 and "Unknown status 'lost'" in wrong.json()["errors"]["status"][0]


def test_a_provider_submits_through_the_api_and_is_refused_clearly(client, kpi, today):
    auth = bearer(Role.PROVIDER_CONTACT)
    period = months_back(today, 2)
    response = client.post(
        RETURNS, body(kpi, period, 88.5, commentary="From the API"), content_type=JSON, **auth
    )
    assert response.status_code == 201
    made = response.json()
    saved = KpiReturn.objects.get(kpi=kpi, period_start=period.start)
    assert made["id"] == saved.pk and made["value"] == 88.5 and made["version"] == 1
    assert made["period"] == period.label and made["commentary"] == "From the API"
    assert [r["version"] for r in made["revisions"]] == [1]
    assert AuditEvent.objects.filter(
        action="create", object_type__model="kpireturn", object_id=str(saved.pk)
    ).exists()
    again = client.post(RETURNS, body(kpi, period, 90), content_type=JSON, **auth)
    assert again.status_code == 400
    assert "already submitted" in again.json()["errors"]["period_start"][0]
    earlier = months_back(today, 3)
    bad = client.post(RETURNS, body(kpi, earlier, "ninety"), content_type=JSON, **auth)
    assert bad.status_code == 400 and "'ninety' is not a number" in bad.json()["errors"]["value"][0]
    high = client.post(RETURNS, body(kpi, earlier, 140), content_type=JSON, **auth)
    assert "must be between 0 and 100" in high.json()["errors"]["value"][0]
    when = client.post(RETURNS, {**body(kpi, earlier, 1), "period_start": "soon"}, content_type=JSON, **auth)
    assert when.status_code == 400 and when.json()["errors"]["period_start"] == [
        "'soon' is not a date; write 2026-04-01, or 2026-04 for a month."
    ]
    mid = {**body(kpi, earlier, 1), "period_start": earlier.start.replace(day=9).isoformat()}
    assert (
        "not the start of a reporting period"
        in client.post(RETURNS, mid, content_type=JSON, **auth).json()["errors"]["period_start"][0]
    )
    assert KpiReturn.objects.filter(kpi=kpi).count() == 1


def test_another_providers_kpi_is_not_found_and_commissioners_cannot_submit(
    client, southampton, kpi, theirs, today
):
    period = months_back(today, 2)
    provider = bearer(Role.PROVIDER_CONTACT)
    response = client.post(RETURNS, body(theirs, period, 50), content_type=JSON, **provider)
    assert response.status_code == 404
    assert response.json() == {
        "detail": f"No KPI {theirs.code} on a contract {theirs.contract.reference} "
        "that you can see in this partnership."
    }
    assert (
        client.get(f"/api/partnerships/southampton/kpis/{theirs.pk}/returns", **provider).status_code == 404
    )
    commissioner = bearer(Role.COMMISSIONER)
    refused = client.post(RETURNS, body(theirs, period, 50), content_type=JSON, **commissioner)
    assert refused.status_code == 403 and "provider contact or administrator" in refused.json()["detail"]
    assert not KpiReturn.objects.filter(kpi__in=[kpi, theirs]).exists()
    nottingham = client.get("/api/partnerships/nottinghamshire/returns", **provider)
    assert nottingham.status_code == 404


def test_a_kpis_returns_carry_their_revisions_for_the_provider_and_commissioners(client, kpi, today):
    provider = demo_user("southampton", Role.PROVIDER_CONTACT)
    period = months_back(today, 2)
    made = services.submit_return(actor=provider, kpi=kpi, period_start=period.start, value="60")
    services.correct_return(actor=provider, kpi_return=made, value="65", commentary="", reason="Recount")
    for role in (Role.PROVIDER_CONTACT, Role.COMMISSIONER, Role.VIEWER):
        response = client.get(f"/api/partnerships/southampton/kpis/{kpi.pk}/returns", **bearer(role))
        assert response.status_code == 200
        [found] = response.json()
        assert (found["value"], found["version"], found["status"]) == (65.0, 2, "submitted")
        assert [(r["version"], r["value"], r["reason"]) for r in found["revisions"]] == [
            (1, 60.0, ""),
            (2, 65.0, "Recount"),
        ]


def test_a_provider_contacts_browser_session_is_scoped_the_same_way(client_for, kpi, theirs, today):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    rows = client.get(RETURNS).json()
    assert rows and theirs.contract.reference not in {row["contract_reference"] for row in rows}
    period = months_back(today, 2)
    assert client.post(RETURNS, body(theirs, period, 5), content_type=JSON).status_code == 404
    assert client.post(RETURNS, body(kpi, period, 5), content_type=JSON).status_code == 201
