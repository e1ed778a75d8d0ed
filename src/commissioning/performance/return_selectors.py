"""Reads for provider returns: each visible KPI's schedule of returns, the overdue list, a
return and its history.

A schedule is built from a handful of queries whatever the number of KPIs (the KPIs with their
contracts, their returns, their chases); the periods themselves are computed in Python from
each KPI's frequency and its contract's term (``performance.schedule``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import Permission
from commissioning.market.models import Provider
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import has_permission
from commissioning.performance.models import Chase, KpiReturn, ReturnImport, ReturnRevision
from commissioning.performance.returns import plain
from commissioning.performance.schedule import Period, expected_periods, period_status
from commissioning.performance.scope import (
    sees_all_contracts,
    submittable_contracts,
    visible_contracts,
    visible_kpis,
)

RECEIVED, LATE, DUE = "received", "late", "due"
STATUS_LABELS = {RECEIVED: "Received", LATE: "Late", DUE: "Due"}
OUTSTANDING = frozenset({LATE, DUE})
RECENT_VALUES = 6


def may_use_returns(user: Any, partnership: Partnership) -> bool:
    """Whether the user may see returns at all: those who see performance, and provider contacts."""
    return has_permission(user, Permission.VIEW_PERFORMANCE, partnership=partnership) or has_permission(
        user, Permission.SUBMIT_RETURNS, partnership=partnership
    )


def require_returns_access(user: Any, partnership: Partnership) -> None:
    if not may_use_returns(user, partnership):
        raise NotPermitted(
            f"Your role in {partnership.name} does not allow this; returns are for the partnership's "
            "commissioners and its providers' contacts."
        )


def may_submit(user: Any, partnership: Partnership) -> bool:
    return has_permission(user, Permission.SUBMIT_RETURNS, partnership=partnership)


def may_review(user: Any, partnership: Partnership) -> bool:
    return has_permission(user, Permission.MANAGE_PERFORMANCE, partnership=partnership)


@dataclass(frozen=True)
class ScheduleRow:
    """One period a KPI owes a return for, and whether it came."""

    kpi: Kpi
    period: Period
    status: str
    kpi_return: KpiReturn | None
    chases: int
    last_chased: dt.datetime | None
    today: dt.date

    @property
    def contract(self) -> Contract:
        return self.kpi.contract

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def days_late(self) -> int:
        return max((self.today - self.period.due).days, 0)

    @property
    def received_late(self) -> bool:
        """A return that came in after its due date."""
        if self.kpi_return is None:
            return False
        return timezone.localdate(self.kpi_return.submitted_at) > self.period.due

    @property
    def value_text(self) -> str:
        return "" if self.kpi_return is None else plain(self.kpi_return.value)


def submittable_kpis(user: Any, partnership: Partnership) -> QuerySet[Kpi]:
    """The KPIs the user may submit returns for (``scope.submittable_contracts``, in one query)."""
    return Kpi.objects.filter(contract__in=submittable_contracts(user, partnership))


def _kpis(
    user: Any,
    partnership: Partnership,
    *,
    provider_id: int | None = None,
    contract_id: int | None = None,
    kpi_ids: Iterable[int] | None = None,
    submittable_only: bool = False,
) -> QuerySet[Kpi]:
    base = submittable_kpis(user, partnership) if submittable_only else visible_kpis(user, partnership)
    kpis = base.select_related("contract__provider__organisation")
    if provider_id:
        kpis = kpis.filter(contract__provider_id=provider_id)
    if contract_id:
        kpis = kpis.filter(contract_id=contract_id)
    if kpi_ids is not None:
        kpis = kpis.filter(pk__in=list(kpi_ids))
    return kpis.order_by("contract__reference", "position", "code")


def schedule(
    user: Any,
    partnership: Partnership,
    *,
    today: dt.date,
    statuses: Iterable[str] | None = None,
    provider_id: int | None = None,
    contract_id: int | None = None,
    kpi_ids: Iterable[int] | None = None,
    submittable_only: bool = False,
) -> list[ScheduleRow]:
    """Every ended period of every KPI the user may see, with its status on ``today``: what an
    active contract owes, and what any contract has reported.

    Periods still open are left out. Rows run by contract, KPI, then newest period first.
    """
    wanted = frozenset(statuses) if statuses is not None else frozenset(STATUS_LABELS)
    chosen = _kpis(
        user,
        partnership,
        provider_id=provider_id,
        contract_id=contract_id,
        kpi_ids=kpi_ids,
        submittable_only=submittable_only,
    )
    kpis = list(chosen)
    ids = chosen.values("pk")
    returns = {
        (r.kpi_id, r.period_start): r
        for r in KpiReturn.objects.filter(kpi_id__in=ids).select_related("submitted_by")
    }
    chased = {
        (row["kpi_id"], row["period_start"]): (row["count"], row["last"])
        for row in Chase.objects.filter(kpi_id__in=ids)
        .values("kpi_id", "period_start")
        .annotate(count=Count("id"), last=Max("chased_at"))
        .order_by()
    }
    rows: list[ScheduleRow] = []
    for kpi in kpis:
        contract = kpi.contract
        periods = expected_periods(kpi.frequency, contract.starts_on, contract.ends_on, until=today)
        owes = contract.status == ContractStatus.ACTIVE
        for period in reversed(periods):
            found = returns.get((kpi.pk, period.start))
            if found is None and not owes:
                # A draft owes nothing yet; an ended contract's missing returns are no longer chased.
                continue
            status = period_status(period, received=found is not None, today=today)
            if status not in wanted:
                continue
            count, last = chased.get((kpi.pk, period.start), (0, None))
            rows.append(
                ScheduleRow(
                    kpi=kpi,
                    period=period,
                    status=status,
                    kpi_return=found,
                    chases=count,
                    last_chased=last,
                    today=today,
                )
            )
    return rows


def overdue(
    user: Any,
    partnership: Partnership,
    *,
    today: dt.date,
    provider_id: int | None = None,
    contract_id: int | None = None,
) -> list[ScheduleRow]:
    """Returns past their due date and not received, the longest overdue first."""
    rows = schedule(
        user, partnership, today=today, statuses=[LATE], provider_id=provider_id, contract_id=contract_id
    )
    return sorted(rows, key=lambda row: (row.period.due, row.contract.reference, row.kpi.position))


SCHEDULE_HEADERS = (
    "Contract",
    "Provider",
    "KPI code",
    "KPI",
    "Unit",
    "Period",
    "Period start",
    "Period end",
    "Due",
    "Status",
    "Value",
    "Return status",
    "Version",
    "Times chased",
)


def schedule_table(rows: Iterable[ScheduleRow]) -> Iterable[tuple[Any, ...]]:
    """The schedule as rows for a CSV or Excel download."""
    for row in rows:
        found = row.kpi_return
        yield (
            row.contract.reference,
            row.contract.provider.organisation.name,
            row.kpi.code,
            row.kpi.name,
            row.kpi.unit,
            row.period.label,
            row.period.start,
            row.period.end,
            row.period.due,
            row.status_label,
            found.value if found else None,
            found.get_status_display() if found else "",
            found.version if found else None,
            row.chases,
        )


OVERDUE_HEADERS = (
    "Contract",
    "Provider",
    "KPI code",
    "KPI",
    "Period",
    "Period start",
    "Due",
    "Days late",
    "Times chased",
    "Last chased",
)


def overdue_table(rows: Iterable[ScheduleRow]) -> Iterable[tuple[Any, ...]]:
    for row in rows:
        yield (
            row.contract.reference,
            row.contract.provider.organisation.name,
            row.kpi.code,
            row.kpi.name,
            row.period.label,
            row.period.start,
            row.period.due,
            row.days_late,
            row.chases,
            timezone.localdate(row.last_chased) if row.last_chased else None,
        )


TEMPLATE_HEADERS = (
    "contract_reference",
    "kpi_code",
    "period_start",
    "value",
    "commentary",
    "correction_reason",
    "kpi_name",
    "unit",
    "period",
    "due_on",
)


def template_rows(user: Any, partnership: Partnership, *, today: dt.date) -> list[tuple[Any, ...]]:
    """A returns file ready to fill in: one row for each period due or late, oldest first."""
    rows = schedule(user, partnership, today=today, statuses=OUTSTANDING, submittable_only=True)
    rows.sort(key=lambda row: (row.contract.reference, row.kpi.position, row.kpi.code, row.period.start))
    return [
        (
            row.contract.reference,
            row.kpi.code,
            row.period.start.isoformat(),
            "",
            "",
            "",
            row.kpi.name,
            row.kpi.unit,
            row.period.label,
            row.period.due.isoformat(),
        )
        for row in rows
    ]


def filter_choices(user: Any, partnership: Partnership) -> tuple[QuerySet[Provider], QuerySet[Contract]]:
    """The providers and contracts the user may filter the schedule by: those they can see."""
    contracts = visible_contracts(user, partnership).filter(kpis__isnull=False).distinct()
    providers = (
        Provider.objects.filter(partnership=partnership, contracts__in=contracts)
        .select_related("organisation")
        .distinct()
        .order_by("organisation__name")
    )
    return providers, contracts.order_by("reference")


def kpi_in(user: Any, partnership: Partnership, pk: int) -> Kpi:
    """A KPI the user may see (``Kpi.DoesNotExist`` otherwise, so pages answer 404)."""
    return visible_kpis(user, partnership).select_related("contract__provider__organisation").get(pk=pk)


def kpi_by_reference(user: Any, partnership: Partnership, contract_reference: str, code: str) -> Kpi:
    """A visible KPI by its contract's reference and its code, in any case."""
    return (
        visible_kpis(user, partnership)
        .select_related("contract__provider__organisation")
        .get(contract__reference__iexact=contract_reference.strip(), code__iexact=code.strip())
    )


def return_in(user: Any, partnership: Partnership, pk: int) -> KpiReturn:
    """A return of a KPI the user may see (``KpiReturn.DoesNotExist`` otherwise)."""
    return KpiReturn.objects.select_related(
        "kpi__contract__provider__organisation", "submitted_by", "reviewed_by", "source_import"
    ).get(pk=pk, kpi__in=visible_kpis(user, partnership))


def return_for(kpi: Kpi, period_start: dt.date) -> KpiReturn | None:
    return KpiReturn.objects.filter(kpi=kpi, period_start=period_start).first()


def revisions_of(kpi_return: KpiReturn) -> QuerySet[ReturnRevision]:
    """Every figure reported for the return, first submission first."""
    return kpi_return.revisions.select_related("submitted_by").order_by("version")


@dataclass(frozen=True)
class Figure:
    """A figure reported, as shown beside the form for the next one."""

    period: Period
    value_text: str
    status: str


def recent_figures(kpi: Kpi, *, before: dt.date | None = None, count: int = RECENT_VALUES) -> list[Figure]:
    """The KPI's latest figures (before a period, when given), oldest first."""
    returns = KpiReturn.objects.filter(kpi=kpi)
    if before is not None:
        returns = returns.filter(period_start__lt=before)
    latest = returns.order_by("-period_start").values_list("period_start", "period_end", "value", "status")
    return [
        Figure(Period(start, end), plain(value), status)
        for start, end, value, status in reversed(latest[:count])
    ]


def returns_of_kpi(kpi: Kpi) -> QuerySet[KpiReturn]:
    """A KPI's returns with their revisions, oldest period first."""
    return (
        KpiReturn.objects.filter(kpi=kpi)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch("revisions", queryset=ReturnRevision.objects.select_related("submitted_by"))
        )
        .order_by("period_start")
    )


def return_imports_for(user: Any, partnership: Partnership) -> QuerySet[ReturnImport]:
    """Earlier uploads: all of the partnership's for those who see every contract, else the user's own."""
    imports = ReturnImport.objects.filter(partnership=partnership).select_related("imported_by")
    if not sees_all_contracts(user, partnership):
        imports = imports.filter(imported_by=user)
    return imports[:10]
