"""The JSNA over the API: scoped to the caller's partnership, with small numbers suppressed."""

from __future__ import annotations

from commissioning.core.permissions import Role
from commissioning.needs.models import Indicator


def test_indicators_are_listed_with_their_latest_period(client_for):
    response = client_for("southampton", Role.VIEWER).get("/api/partnerships/southampton/indicators")
    assert response.status_code == 200
    indicators = {i["code"]: i for i in response.json()}
    assert len(indicators) >= 20
    assert indicators["self-harm-admissions"]["value_type"] == "dsr"
    assert indicators["self-harm-admissions"]["latest_period"] == "2024/25"


def test_an_indicators_values_come_in_the_fingertips_columns(client_for, southampton):
    indicator = Indicator.objects.get(partnership=southampton, code="self-harm-admissions")
    client = client_for("southampton", Role.VIEWER)
    detail = client.get(f"/api/partnerships/southampton/indicators/{indicator.pk}").json()
    assert detail["polarity"] == "lower_is_better"
    response = client.get(
        f"/api/partnerships/southampton/indicators/{indicator.pk}/values",
        {"area": "E06000045", "period": "2024/25"},
    )
    assert response.status_code == 200
    values = response.json()
    headline = [
        v
        for v in values
        if v["area_code"] == "E06000045"
        and v["period"] == "2024/25"
        and v["sex"] == "Persons"
        and v["age"] == "All ages"
        and not v["category_type"]
    ]
    assert len(headline) == 1
    assert headline[0]["compared_to_england"] == "Worse"
    assert headline[0]["lower_95"] < headline[0]["value"] < headline[0]["upper_95"]
    # Published numbers hide small counts: no count from 1 to 4 is ever given out.
    assert not [v for v in values if v["count"] is not None and 0 < v["count"] < 5]


def test_the_api_keeps_to_the_callers_partnership(client_for, southampton):
    indicator = Indicator.objects.filter(partnership=southampton).first()
    client = client_for("nottinghamshire", Role.VIEWER)
    assert client.get("/api/partnerships/southampton/indicators").status_code == 404
    assert client.get(f"/api/partnerships/nottinghamshire/indicators/{indicator.pk}").status_code == 404
    provider = client_for("southampton", Role.PROVIDER_CONTACT)
    assert provider.get("/api/partnerships/southampton/indicators").status_code == 403


def test_a_commissioner_corrects_an_indicators_definition_and_it_is_audited(client_for, southampton):
    from commissioning.core.models import AuditEvent

    indicator = Indicator.objects.get(partnership=southampton, code="unpaid-carers")
    client = client_for("southampton", Role.COMMISSIONER)
    url = f"/p/southampton/needs/indicators/{indicator.pk}/edit/"
    assert (
        "Change this indicator"
        in client.get(f"/p/southampton/needs/indicators/{indicator.pk}/").content.decode()
    )
    form = {
        "name": indicator.name,
        "definition": "People who give unpaid care to a relative or friend.",
        "topic": indicator.topic,
        "value_type": "proportion",
        "multiplier": "100",
        "unit": "%",
        "polarity": "no_judgement",
        "benchmark_method": "ci_overlap_998",
        "source": "Census",
        "fingertips_id": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.benchmark_method == "ci_overlap_998"
    assert AuditEvent.objects.filter(
        object_id=str(indicator.pk), object_type__model="indicator", action="update"
    ).exists()
    bad = client.post(url, {**form, "multiplier": "0"})
    assert bad.status_code == 200
    assert "nhsuk-error-summary" in bad.content.decode()
    assert client_for("southampton", Role.VIEWER).get(url).status_code == 403


def test_the_suppression_threshold_is_a_setting(client_for, southampton, settings):
    indicator = Indicator.objects.get(partnership=southampton, code="looked-after-children")
    url = f"/api/partnerships/southampton/indicators/{indicator.pk}/values"
    client = client_for("southampton", Role.VIEWER)
    settings.SUPPRESSION_THRESHOLD = 5
    shown = [v["count"] for v in client.get(url).json() if v["count"] is not None]
    assert any(5 <= count < 10 for count in shown)
    settings.SUPPRESSION_THRESHOLD = 10
    values = client.get(url).json()
    assert not [v for v in values if v["count"] is not None and 0 < v["count"] < 10]
    assert "Suppressed: fewer than 10" in {v["value_note"] for v in values}
