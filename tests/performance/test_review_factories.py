"""Data for the review and escalation tests, built with the ORM so each test states its own figures.

A contract here belongs to "Review Test Care Ltd" (a provider the demo does not have), runs from
April two years back for five years, and is managed by the demo commissioner unless told
otherwise. ``report`` writes a KPI's returns for its most recent ended periods, oldest first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Kpi
from commissioning.market.models import Provider
from commissioning.partners.models import Organisation
from commissioning.performance.models import KpiReturn
from commissioning.performance.schedule import expected_periods

STEADY = [90, 92, 89, 91, 90, 93, 88, 91, 90, 92, 89, 91, 90, 92, 89, 91]
"""Sixteen months of common-cause variation around 90 (no run, trend or point near the limits)."""


def council() -> Organisation:
    return Organisation.objects.get(gss_code="E06000045")


def make_provider(partnership, name: str = "Review Test Care Ltd") -> Provider:
    organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.PRIVATE_PROVIDER)
    return Provider.objects.create(partnership=partnership, organisation=organisation, sector="private")


def provider_for(partnership, organisation: Organisation) -> Provider:
    provider = Provider.objects.filter(partnership=partnership, organisation=organisation).first()
    return provider or Provider.objects.create(
        partnership=partnership, organisation=organisation, sector="nhs"
    )


def make_contract(
    partnership, provider: Provider, *, reference: str = "RV-001", manager=None, status=ContractStatus.ACTIVE
) -> Contract:
    today = timezone.localdate()
    starts = dt.date(today.year - 2, 4, 1)
    return Contract.objects.create(
        partnership=partnership,
        reference=reference,
        title=f"Review test service {reference}",
        provider=provider,
        lead_commissioner=council(),
        service_type="home_care",
        starts_on=starts,
        ends_on=dt.date(starts.year + 5, 3, 31),
        annual_value=Decimal("100000.00"),
        lifetime_value=Decimal("500000.00"),
        payment_basis="block",
        status=status,
        contract_manager=manager,
    )


def make_kpi(
    contract: Contract,
    *,
    code: str = "A1",
    target: str | None = "80",
    polarity: str = "increase",
    frequency: str = "monthly",
    unit: str = "%",
) -> Kpi:
    return Kpi.objects.create(
        contract=contract,
        code=code,
        name=f"Visits on time {code}",
        definition="Visits that start within 30 minutes of the planned time.",
        unit=unit,
        target=None if target is None else Decimal(target),
        polarity=polarity,
        frequency=frequency,
    )


def report(kpi: Kpi, values, *, user, submitted_at: dt.datetime | None = None) -> list[KpiReturn]:
    """Returns for the KPI's latest ``len(values)`` ended periods (replacing any there already)."""
    contract = kpi.contract
    periods = expected_periods(
        kpi.frequency, contract.starts_on, contract.ends_on, until=timezone.localdate()
    )
    chosen = periods[-len(values) :]
    assert len(chosen) == len(values), "the contract has not run long enough for so many returns"
    when = submitted_at or timezone.now()
    KpiReturn.objects.filter(kpi=kpi, period_start__in=[p.start for p in chosen]).delete()
    return KpiReturn.objects.bulk_create(
        KpiReturn(
            kpi=kpi,
            period_start=period.start,
            period_end=period.end,
            value=Decimal(str(value)),
            submitted_by=user,
            submitted_at=when,
        )
        for period, value in zip(chosen, values, strict=True)
    )
