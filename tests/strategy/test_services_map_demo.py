"""The demo's services map: Southampton's services drawn from its contracts, budget lines and schemes,
loaded once (a second run changes nothing); Nottinghamshire, with no money in the demo, has none."""

from __future__ import annotations

import pytest

from commissioning.core.models import AuditEvent
from commissioning.core.system import system_user
from commissioning.demo import services_map as demo_services_map
from commissioning.strategy.models import Service, ServiceFunding

pytestmark = pytest.mark.django_db


def test_the_demo_maps_southamptons_services_with_funding_and_contracts(southampton, nottinghamshire):
    services = Service.objects.filter(partnership=southampton)
    assert services.count() == len(demo_services_map.SERVICES)
    assert ServiceFunding.objects.filter(service__partnership=southampton).exists()
    assert services.filter(contracts__isnull=False).distinct().count() >= 10
    assert services.filter(need_measure__isnull=False).count() == 4
    assert not Service.objects.filter(partnership=nottinghamshire).exists()
    # No budget line is shared past all of it.
    for line_id in ServiceFunding.objects.values_list("budget_line_id", flat=True).distinct():
        assert (
            sum(ServiceFunding.objects.filter(budget_line_id=line_id).values_list("share_bp", flat=True))
            <= 10_000
        )


def test_loading_again_changes_nothing(southampton):
    before = (Service.objects.count(), ServiceFunding.objects.count(), AuditEvent.objects.count())
    said = []
    demo_services_map.load(actor=system_user(), say=said.append)
    assert (Service.objects.count(), ServiceFunding.objects.count(), AuditEvent.objects.count()) == before
    assert said == []
