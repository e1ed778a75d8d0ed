"""The services map pages: the map with its gaps, duplication, prevention share and need against
capacity; each service with what it serves, what funds it and what delivers it; and their forms.

Reads need ``VIEW_STRATEGY``; every write ``MANAGE_STRATEGY``, checked again by the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import form_page, submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import services_map, services_map_charts, services_map_selectors
from commissioning.strategy.models import Service, ServiceStatus
from commissioning.strategy.pages import back_to, can_manage
from commissioning.strategy.services_map_forms import FundingForm, MapFilterForm, RetireForm, ServiceForm

NAV = {"nav_stage": "strategy"}
MAP_HEADERS = (
    "Service",
    "Commissioner",
    "Care groups",
    "Areas",
    "Outcomes",
    "Priorities",
    "Prevention",
    "Mapped spend (£)",
    "Contracts",
    "Contracts' annual value (£)",
    "Capacity",
    "Capacity unit",
)


def _service(request: HttpRequest, pk: int) -> Service:
    return found_or_404(services_map_selectors.service_in, request.partnership, pk)  # type: ignore[attr-defined]


def _back(service: Service, anchor: str = "") -> HttpResponse:
    return back_to("strategy:service", service, anchor)


def _map_rows(page: services_map_selectors.ServicesMap) -> list[tuple[Any, ...]]:
    rows = []
    for r in page.rows:
        s = r.service
        rows.append(
            (
                s.name,
                s.commissioner.name,
                "; ".join(g.name for g in s.care_groups.all()),
                "; ".join(a.name for a in s.areas.all()) or "Whole partnership",
                "; ".join(o.title for o in s.outcomes.all()),
                "; ".join(p.title for p in s.priorities.all()),
                "Yes" if s.is_prevention else "No",
                r.spend,
                "; ".join(c.reference for c in s.contracts.all()),
                r.contract_value,
                r.capacity.amount,
                r.capacity.unit_label,
            )
        )
    return rows


@partnership_view(Permission.VIEW_STRATEGY)
def services_map_page(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    years = services_map_selectors.years_of(partnership)
    form = MapFilterForm(request.GET or None, partnership=partnership, years=years)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "financial_year": data.get("year") or None,
            "care_group": data["care_group"].pk if data.get("care_group") else None,
            "area": data["area"].pk if data.get("area") else None,
            "outcome": data["outcome"].pk if data.get("outcome") else None,
            "little_spend": data.get("little_spend"),
        }
    page = services_map_selectors.services_map(partnership, **filters)
    if not form.is_bound:  # show what the page is showing: this year and the default threshold
        form.initial.update(year=page.financial_year, little_spend=page.little_spend)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-services-map-{page.financial_year}",
            headers=MAP_HEADERS,
            rows=_map_rows(page),
            fmt=fmt,
        )
    outcome_chart = (
        services_map_charts.chart(
            "spend-by-outcome",
            services_map_charts.spend_by_outcome_chart(page.spend_by_outcome),
            "Mapped spend by outcome",
        )
        if page.spend_by_outcome
        else None
    )
    need_charts = [
        services_map_charts.chart(
            f"need-{index}", services_map_charts.need_chart(row), f"{row.service.name}: need against capacity"
        )
        for index, row in enumerate(page.need)
    ]
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "strategy/services_map.html",
        {
            "page": page,
            "form": form,
            "charts": {"outcomes": outcome_chart},
            "need_rows": list(zip(page.need, need_charts, strict=True)),
            "query": query.urlencode(),
            "can_manage": can_manage(request),
            **NAV,
        },
    )


@partnership_view(Permission.VIEW_STRATEGY)
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    service = _service(request, pk)
    capacity = services_map_selectors.capacities([service], on=services_map_selectors.today())[service.pk]
    can_edit = can_manage(request) and service.status == ServiceStatus.ACTIVE
    return render(
        request,
        "strategy/service_detail.html",
        {
            "service": service,
            "capacity": capacity,
            "funding": list(service.funding_links.all()),
            "funding_form": FundingForm(partnership=partnership) if can_edit else None,
            "retire_form": RetireForm() if can_edit else None,
            "can_edit": can_edit,
            **NAV,
        },
    )


def _form_page(
    request: HttpRequest, form: Any, *, title: str, service: Service | None, submit_label: str
) -> HttpResponse:
    return form_page(
        request,
        "strategy/service_form.html",
        form,
        title=title,
        service=service,
        submit_label=submit_label,
        **NAV,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def service_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ServiceForm(request.POST or None, partnership=partnership)
    created = submit(
        request,
        form,
        lambda data: services_map.create_service(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if created is not None:
        messages.success(request, f"Service {created.name} added to the map.")
        return _back(created)
    return _form_page(
        request, form, title="Add a service to the map", service=None, submit_label="Add the service"
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _service(request, pk)
    initial = {
        "name": found.name,
        "description": found.description,
        "commissioner": found.commissioner_id,
        "is_prevention": found.is_prevention,
        "capacity": found.capacity,
        "capacity_unit": found.capacity_unit,
        "need_measure": found.need_measure_id,
        "need_share_percent": Decimal(found.need_share_bp) / 100,
        "units_per_person": found.units_per_person,
        **{
            kind: [obj.pk for obj in getattr(found, kind).all()]
            for kind in (
                "care_groups",
                "areas",
                "outcomes",
                "priorities",
                "objectives",
                "schemes",
                "contracts",
            )
        },
    }
    form = ServiceForm(request.POST or None, initial=initial, partnership=partnership)
    updated = submit(
        request,
        form,
        lambda data: services_map.update_service(actor=request.user, service=found, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Service {updated.name} saved.")
        return _back(updated)
    return _form_page(request, form, title=f"Edit {found.name}", service=found, submit_label="Save changes")


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def service_fund(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _service(request, pk)
    form = FundingForm(request.POST, partnership=partnership)
    funded = submit(
        request,
        form,
        lambda data: services_map.fund_service(actor=request.user, service=found, **data),  # type: ignore[arg-type]
    )
    if funded is not None:
        messages.success(
            request, f"{funded.share_bp / 100:.2f} % of {funded.budget_line.cost_centre} funds {found.name}."
        )
        return _back(found, "funding")
    return _form_page(
        request, form, title=f"Fund {found.name}", service=found, submit_label="Save the funding"
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def service_unfund(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    found = _service(request, pk)
    link = next((f for f in found.funding_links.all() if f.budget_line_id == line_pk), None)
    if link is None:
        raise Http404
    services_map.unfund_service(actor=request.user, service=found, budget_line=link.budget_line)  # type: ignore[arg-type]
    messages.success(request, f"{link.budget_line.cost_centre} no longer funds {found.name}.")
    return _back(found, "funding")


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def service_unlink(request: HttpRequest, pk: int, kind: str, obj_pk: int) -> HttpResponse:
    """Remove one link; only the service's own links can be named, so the lookup is its scope."""
    found = _service(request, pk)
    if kind not in services_map.LINK_KINDS:
        raise Http404
    obj = next((o for o in getattr(found, kind).all() if o.pk == obj_pk), None)
    if obj is None:
        raise Http404
    services_map.unlink(actor=request.user, service=found, kind=kind, obj=obj)  # type: ignore[arg-type]
    messages.success(request, f"{obj} unlinked from {found.name}.")
    return _back(found)


@partnership_view(Permission.MANAGE_STRATEGY)
def service_retire(request: HttpRequest, pk: int) -> HttpResponse:
    found = _service(request, pk)
    form = RetireForm(request.POST or None)
    retired = submit(
        request,
        form,
        lambda data: services_map.retire_service(actor=request.user, service=found, **data),  # type: ignore[arg-type]
    )
    if retired is not None:
        messages.success(request, f"Service {retired.name} retired from the map.")
        return _back(retired)
    return _form_page(
        request, form, title=f"Retire {found.name}", service=found, submit_label="Retire the service"
    )
