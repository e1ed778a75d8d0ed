"""JSON API for provider returns: the schedule of returns, submitting one, and a KPI's returns.

A provider's contact sees and submits only their own organisation's contracts; any other KPI is
"not found", exactly as on the pages. A return is checked by the same rules as the form and the
file upload, and a refusal names the field and the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status

from commissioning.contracts.models import Kpi
from commissioning.core.lookup import found_or_404
from commissioning.partners import selectors as partner_selectors
from commissioning.partners.models import Partnership
from commissioning.performance import return_selectors as selectors
from commissioning.performance import returns as services
from commissioning.performance.models import KpiReturn
from commissioning.performance.return_imports import DATE_HINT, parse_period_start
from commissioning.performance.schedule import Period

router = Router(tags=["returns"])


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    try:
        partnership = partner_selectors.partnership_for(request.user, slug)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    selectors.require_returns_access(request.user, partnership)
    return partnership


class Message(Schema):
    detail: str


class ScheduleOut(Schema):
    kpi_id: int
    contract_reference: str
    provider: str
    kpi_code: str
    kpi_name: str
    unit: str
    period: str
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date
    status: str
    return_id: int | None
    value: float | None
    return_status: str | None
    version: int | None


class ScheduleQuery(Schema):
    status: str | None = None
    contract: str | None = None


class RevisionOut(Schema):
    version: int
    value: float
    commentary: str
    reason: str
    submitted_by: str
    submitted_at: dt.datetime


class ReturnOut(Schema):
    id: int
    kpi_id: int
    contract_reference: str
    kpi_code: str
    period: str
    period_start: dt.date
    period_end: dt.date
    value: float
    commentary: str
    status: str
    version: int
    submitted_by: str
    submitted_at: dt.datetime
    query: str
    revisions: list[RevisionOut]


class ReturnIn(Schema):
    contract_reference: str
    kpi_code: str
    period_start: str
    value: str | float | int | None = None
    commentary: str = ""


def _schedule_out(row: selectors.ScheduleRow) -> dict[str, Any]:
    found = row.kpi_return
    return {
        "kpi_id": row.kpi.pk,
        "contract_reference": row.contract.reference,
        "provider": row.contract.provider.organisation.name,
        "kpi_code": row.kpi.code,
        "kpi_name": row.kpi.name,
        "unit": row.kpi.unit,
        "period": row.period.label,
        "period_start": row.period.start,
        "period_end": row.period.end,
        "due_on": row.period.due,
        "status": row.status,
        "return_id": found.pk if found else None,
        "value": float(found.value) if found else None,
        "return_status": found.status if found else None,
        "version": found.version if found else None,
    }


def _return_out(kpi_return: KpiReturn, kpi: Kpi, revisions: list[Any]) -> dict[str, Any]:
    return {
        "id": kpi_return.pk,
        "kpi_id": kpi.pk,
        "contract_reference": kpi.contract.reference,
        "kpi_code": kpi.code,
        "period": Period(kpi_return.period_start, kpi_return.period_end).label,
        "period_start": kpi_return.period_start,
        "period_end": kpi_return.period_end,
        "value": float(kpi_return.value),
        "commentary": kpi_return.commentary,
        "status": kpi_return.status,
        "version": kpi_return.version,
        "submitted_by": kpi_return.submitted_by.display_name,
        "submitted_at": kpi_return.submitted_at,
        "query": kpi_return.query,
        "revisions": [
            {
                "version": r.version,
                "value": float(r.value),
                "commentary": r.commentary,
                "reason": r.reason,
                "submitted_by": r.submitted_by.display_name,
                "submitted_at": r.submitted_at,
            }
            for r in revisions
        ],
    }


@router.get("/partnerships/{slug}/returns", response=list[ScheduleOut])
def schedule(request: HttpRequest, slug: str, filters: Query[ScheduleQuery]) -> Any:
    """Every ended period of the KPIs you can see, with its status (received, due or late) and figure.

    ``?status=late`` lists only late returns; ``?contract=<reference>`` one contract's.
    """
    partnership = _partnership(request, slug)
    statuses = None
    if filters.status:
        if filters.status not in selectors.STATUS_LABELS:
            known = ", ".join(selectors.STATUS_LABELS)
            raise ValidationError({"status": f"Unknown status {filters.status!r}; use one of {known}."})
        statuses = [filters.status]
    contract_id = None
    if filters.contract:
        contract = (
            selectors.filter_choices(request.user, partnership)[1]
            .filter(reference__iexact=filters.contract.strip())
            .first()
        )
        if contract is None:
            raise Http404
        contract_id = contract.pk
    rows = selectors.schedule(
        request.user, partnership, today=timezone.localdate(), statuses=statuses, contract_id=contract_id
    )
    return [_schedule_out(row) for row in rows]


@router.post("/partnerships/{slug}/returns", response={201: ReturnOut, 404: Message})
def submit(request: HttpRequest, slug: str, payload: ReturnIn) -> Any:
    """Submit a figure for one KPI and period. A period already reported is refused (400)."""
    partnership = _partnership(request, slug)
    start = parse_period_start(payload.period_start)
    if start is None:
        raise ValidationError({"period_start": f"{payload.period_start!r} is not a date; {DATE_HINT}."})
    try:
        kpi = selectors.kpi_by_reference(
            request.user, partnership, payload.contract_reference, payload.kpi_code
        )
    except Kpi.DoesNotExist:
        return Status(
            404,
            {
                "detail": f"No KPI {payload.kpi_code} on a contract {payload.contract_reference} "
                "that you can see in this partnership."
            },
        )
    kpi_return = services.submit_return(
        actor=request.user,  # type: ignore[arg-type]
        kpi=kpi,
        period_start=start,
        value=payload.value,
        commentary=payload.commentary,
    )
    return Status(201, _return_out(kpi_return, kpi, list(selectors.revisions_of(kpi_return))))


@router.get("/partnerships/{slug}/kpis/{kpi_id}/returns", response=list[ReturnOut])
def kpi_returns(request: HttpRequest, slug: str, kpi_id: int) -> Any:
    """A KPI's returns, oldest period first, each with every figure reported for it."""
    partnership = _partnership(request, slug)
    kpi = found_or_404(selectors.kpi_in, request.user, partnership, kpi_id)
    return [_return_out(r, kpi, list(r.revisions.all())) for r in selectors.returns_of_kpi(kpi)]
