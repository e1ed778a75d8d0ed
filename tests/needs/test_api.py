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
