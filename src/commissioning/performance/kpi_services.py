"""Writes about a KPI's SPC chart: recalculating its limits from a period (rebasing), audited.

Limits are recalculated only after a real change to the service (a new model of care, a changed
definition), so every rebase carries its reason and who made it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning.contracts.models import Kpi
from commissioning.core.audit import Auditor
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.partners.permissions import require_permission
from commissioning.performance.models import KpiRebase
from commissioning.performance.schedule import iter_periods

REASON_LENGTH = KpiRebase._meta.get_field("reason").max_length or 255


@transaction.atomic
def rebase_kpi(*, actor: User, kpi: Kpi, period_start: dt.date, reason: str) -> KpiRebase:
    """Recalculate the KPI's process limits from the period starting ``period_start``.

    The period must be one of the KPI's reporting periods in its contract's term, but not the first
    (the limits start there anyway), and the KPI must not already be rebased there.
    """
    contract = kpi.contract
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=contract.partnership)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the limits are recalculated, e.g. the change to the service."
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = f"Keep the reason to {REASON_LENGTH} characters or fewer."
    periods = list(iter_periods(kpi.frequency, contract.starts_on, contract.ends_on))
    starts = [period.start for period in periods]
    if period_start not in starts:
        errors["period_start"] = (
            f"Choose one of {kpi.code}'s reporting periods; {period_start:%d/%m/%Y} does not start one."
        )
    elif period_start == starts[0]:
        errors["period_start"] = (
            f"The limits already start from the first period ({periods[0].label}); choose a later one."
        )
    elif KpiRebase.objects.filter(kpi=kpi, period_start=period_start).exists():
        label = periods[starts.index(period_start)].label
        errors["period_start"] = f"The limits of {kpi.code} are already recalculated from {label}."
    if errors:
        raise ValidationError(errors)
    rebase = KpiRebase.objects.create(kpi=kpi, period_start=period_start, reason=reason, created_by=actor)
    label = periods[starts.index(period_start)].label
    Auditor(actor, partnership_id=contract.partnership_id).created(
        rebase,
        summary=f"Limits of KPI {kpi.code} on {contract.reference} recalculated from {label}: {reason}",
    )
    return rebase
