"""Provider register pages: the register, and registering, changing and rating a provider.

The provider's own page, with its contracts and what each partner spends there, is composed by the
contracts app (``contracts.provider_views``), which may read both apps; so can the register, which
then adds spending columns through ``register_page``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.market import provider_selectors as selectors
from commissioning.market import provider_services as services
from commissioning.market.provider_forms import (
    LocationForm,
    ProviderEditForm,
    ProviderForm,
    RatingForm,
    RegisterFilterForm,
    ServiceOfferForm,
)
from commissioning.partners.decorators import partnership_view
from commissioning.partners.selectors import areas_of, organisations_in
from commissioning.partners.services import PROVIDER_KINDS

NAV = {"nav_stage": "market"}


@dataclass(frozen=True)
class ExtraColumns:
    """Columns a higher app adds to the register: headings, and per provider the cells shown and exported."""

    headers: Sequence[str] = ()
    shown: Mapping[int, Sequence[str]] = field(default_factory=dict)
    exported: Mapping[int, Sequence[Any]] = field(default_factory=dict)
    note: str = ""


def _user(request: HttpRequest) -> Any:
    return request.user


def _detail(partnership: Any, provider: Any) -> HttpResponse:
    return redirect("providers:detail", partnership.slug, provider.pk)


def _form_page(request: HttpRequest, title: str, cancel_url: str, **context: Any) -> HttpResponse:
    return render(
        request, "market/provider_form.html", {"title": title, "cancel_url": cancel_url, **NAV, **context}
    )


def register_page(request: HttpRequest, extra: ExtraColumns | None = None) -> HttpResponse:
    """The register with its filters and summary, as a page or a download (``?format=csv|xlsx``)."""
    partnership = request.partnership  # type: ignore[attr-defined]
    extra = extra or ExtraColumns()
    form = RegisterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.provider_register(
        partnership,
        sector=filters.get("sector", ""),
        rating=filters.get("rating", ""),
        service_type=filters.get("service_type", ""),
        text=filters.get("q", ""),
    )
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        blanks = [""] * len(extra.headers)
        exported = selectors.register_export_rows(rows)
        return table_response(
            filename=f"{partnership.slug}-providers",
            headers=[*selectors.REGISTER_HEADERS, *extra.headers],
            rows=[
                [*cells, *extra.exported.get(row.provider.pk, blanks)]
                for row, cells in zip(rows, exported, strict=True)
            ],
            fmt=fmt,
        )
    blanks = ["–"] * len(extra.headers)
    entries = [(row, extra.shown.get(row.provider.pk, blanks)) for row in rows]
    return render(
        request,
        "market/provider_list.html",
        {
            "form": form,
            "entries": entries,
            "extra": extra,
            "summary": selectors.market_summary(partnership),
            **NAV,
        },
    )


@partnership_view(Permission.VIEW_MARKET)
def provider_list(request: HttpRequest) -> HttpResponse:
    return register_page(request)


@partnership_view(Permission.MANAGE_MARKET)
def provider_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    known = (
        organisations_in(partnership)
        .filter(kind__in=PROVIDER_KINDS)
        .exclude(provider_records__partnership=partnership)
    )
    form = ProviderForm(request.POST or None, organisations=known)
    provider = submit(
        request,
        form,
        lambda data: services.register_provider(actor=_user(request), partnership=partnership, **data),
    )
    if provider is not None:
        messages.success(request, f"{provider} added to the provider register.")
        return _detail(partnership, provider)
    return _form_page(
        request,
        "Register a provider",
        reverse("providers:list", args=[partnership.slug]),
        form=form,
        lede="Choose an organisation the partnership already knows, or give a new one's name, kind and "
        "identifiers. An identifier already in the register brings in that organisation.",
    )


@partnership_view(Permission.MANAGE_MARKET)
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    provider = found_or_404(selectors.provider_in, partnership, pk)
    initial = {name: getattr(provider, name) for name in services.PROVIDER_FIELDS}
    form = ProviderEditForm(request.POST or None, initial=initial)
    saved = submit(
        request, form, lambda data: services.update_provider(actor=_user(request), provider=provider, **data)
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return _detail(partnership, provider)
    cancel = reverse("providers:detail", args=[partnership.slug, pk])
    return _form_page(request, f"Change {provider}", cancel, form=form, provider=provider)


@partnership_view(Permission.MANAGE_MARKET)
def provider_rate(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    provider = found_or_404(selectors.provider_in, partnership, pk)
    form = RatingForm(request.POST or None, locations=selectors.locations_of(provider))
    saved = submit(
        request, form, lambda data: services.record_rating(actor=_user(request), provider=provider, **data)
    )
    if saved is not None:
        messages.success(
            request, f"Rating recorded: {saved.get_rating_display()} on {saved.rated_on:%d %B %Y}."
        )
        return _detail(partnership, provider)
    cancel = reverse("providers:detail", args=[partnership.slug, pk])
    return _form_page(request, f"Record a rating for {provider}", cancel, form=form, provider=provider)


@partnership_view(Permission.MANAGE_MARKET)
def location_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    provider = found_or_404(selectors.provider_in, partnership, pk)
    form = LocationForm(request.POST or None, areas=areas_of(partnership))
    saved = submit(
        request, form, lambda data: services.add_location(actor=_user(request), provider=provider, **data)
    )
    if saved is not None:
        messages.success(request, f"{saved.name} added.")
        return _detail(partnership, provider)
    cancel = reverse("providers:detail", args=[partnership.slug, pk])
    return _form_page(request, f"Add a location for {provider}", cancel, form=form, provider=provider)


@partnership_view(Permission.MANAGE_MARKET)
def service_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    provider = found_or_404(selectors.provider_in, partnership, pk)
    form = ServiceOfferForm(request.POST or None, locations=selectors.locations_of(provider))
    saved = submit(
        request,
        form,
        lambda data: services.add_service_offer(actor=_user(request), provider=provider, **data),
    )
    if saved is not None:
        messages.success(request, f"{saved.get_service_type_display()} added.")
        return _detail(partnership, provider)
    cancel = reverse("providers:detail", args=[partnership.slug, pk])
    return _form_page(request, f"Add a service offered by {provider}", cancel, form=form, provider=provider)


# The ratings chart -------------------------------------------------------------------------

RATING_ORDER = ("not_yet_rated", "inadequate", "requires_improvement", "good", "outstanding")
CHART_COLOURS = ("#005EB8", "#007F3B", "#ED8B00", "#330072", "#768692", "#DA291C")


def rating_chart(history: Sequence[selectors.RatingRow]) -> dict[str, Any] | None:
    """A step chart of each rating over time (one line for the provider, one per location), as
    Plotly JSON for ``finance/charts.js``; the ratings table beside it carries the same facts."""
    if not history:
        return None
    labels = [str(selectors.RATING_LABELS[code]) for code in RATING_ORDER]
    lines: dict[str, list[selectors.RatingRow]] = {}
    for row in history:
        lines.setdefault(row.where, []).append(row)
    figure = go.Figure()
    for index, (where, rows) in enumerate(lines.items()):
        figure.add_scatter(
            x=[row.rating.rated_on.isoformat() for row in rows],
            y=[row.tag.label for row in rows],
            mode="lines+markers",
            line={"shape": "hv", "color": CHART_COLOURS[index % len(CHART_COLOURS)]},
            marker={"size": 9},
            name=where,
        )
    figure.update_layout(
        template="none",
        height=300,
        font={"family": "Frutiger W01, Arial, sans-serif", "size": 14, "color": "#212B32"},
        margin={"l": 170, "r": 10, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": labels, "range": [-0.5, 4.5]},
        xaxis={"type": "date"},
    )
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = {"displaylogo": False, "responsive": True}
    return {
        "id": "chart-ratings",
        "data_id": "chart-ratings-data",
        "figure": out,
        "label": "Quality ratings over time; the table below gives each rating and its date.",
    }
