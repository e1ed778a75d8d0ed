"""Placement pages: the register, a new placement with its price position, imports, price
intelligence and personalisation. Thin: selectors read, ``contracts.placements`` writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning.contracts import placement_selectors as selectors
from commissioning.contracts import placements as services
from commissioning.contracts.placement_forms import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, BandForm, PlacementForm
from commissioning.contracts.pricing import QUANTILE_COLUMNS
from commissioning.contracts.upload_views import Upload, upload_page
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "contracts"}
LIST_HEADERS = (
    "Person reference",
    "Provider",
    "Service type",
    "Care group",
    "Unit price (£)",
    "Units a week",
    "Weekly cost (£)",
    "Starts",
    "Ends",
    "Funding partner",
    "How the money is held",
)
FONT = {"family": "Frutiger W01, Arial, sans-serif", "size": 14, "color": "#212B32"}


def _format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _chart(key: str, figure: go.Figure, label: str) -> dict[str, Any]:
    figure.update_layout(
        template="none",
        font=FONT,
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        yaxis={"automargin": True},
        xaxis={"automargin": True},
    )
    data = json.loads(figure.to_json())
    data["config"] = {"displaylogo": False, "responsive": True}
    return {"id": f"chart-{key}", "data_id": f"chart-{key}-data", "figure": data, "label": label}


@partnership_view(Permission.VIEW_PLACEMENTS)
def placement_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    placements = selectors.placements_in(partnership)
    fmt = _format(request)
    if fmt:
        rows = (
            (
                p.person_ref,
                str(p.provider),
                p.get_service_type_display(),
                p.care_group.name if p.care_group else "",
                p.unit_price,
                p.units_per_week,
                p.weekly_cost,
                p.starts_on,
                p.ends_on,
                p.funding_organisation.name,
                p.get_support_option_display(),
            )
            for p in placements.iterator(chunk_size=2000)
        )
        return table_response(
            filename=f"{partnership.slug}-placements", headers=LIST_HEADERS, rows=rows, fmt=fmt
        )
    return render(
        request,
        "contracts/placements.html",
        {"placements": placements[:500], "total": placements.count(), **NAV},
    )


@partnership_view(Permission.MANAGE_PLACEMENTS)
def placement_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = PlacementForm(
        request.POST or None,
        providers=selectors.providers_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        funders=selectors.funders_of(partnership),
        contracts=selectors.contracts_of(partnership),
    )
    placement = submit(
        request,
        form,
        lambda data: services.record_placement(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if placement is not None:
        position = selectors.price_position_of(partnership, placement)
        (messages.warning if position.out_of_line else messages.success)(
            request, f"Placement {placement.person_ref} recorded. {position.wording}"
        )
        return redirect("placements:detail", partnership.slug, placement.pk)
    return render(request, "contracts/placement_form.html", {"form": form, **NAV})


@partnership_view(Permission.VIEW_PLACEMENTS)
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    try:
        placement = selectors.placement_in(partnership, pk)
    except ObjectDoesNotExist as exc:
        raise Http404("No such placement.") from exc
    position = selectors.price_position_of(partnership, placement)
    return render(request, "contracts/placement.html", {"placement": placement, "position": position, **NAV})


def _import_placements(request: HttpRequest, path: Path, name: str) -> str:
    done = services.import_placements(
        actor=request.user,  # type: ignore[arg-type]
        partnership=request.partnership,  # type: ignore[attr-defined]
        path=path,
        file_name=name,
    )
    return f"Imported {done.rows:,} placements from {done.file_name}."


PLACEMENT_UPLOAD = Upload(
    title="Import placements",
    caption="Placements",
    intro=(
        "Every row is checked before anything is saved. If any row has a problem, nothing is imported "
        "and each problem is listed with its row and column. NHS numbers are checked and kept only as "
        "a keyed hash."
    ),
    label="Placements file",
    help_text=(
        "CSV or xlsx with the columns person_ref, nhs_number (optional), provider, service_type, "
        "care_group, unit_price, units_per_week, start, end, funding_partner, support_option, "
        "contract_reference (optional)."
    ),
    suffixes=UPLOAD_SUFFIXES,
    load=_import_placements,
    done_url="placements:import",
    breadcrumbs="contracts/_placement_breadcrumbs.html",
    max_bytes=MAX_UPLOAD_BYTES,
    recent=selectors.placement_imports_in,
)


@partnership_view(Permission.MANAGE_PLACEMENTS)
def placement_import(request: HttpRequest) -> HttpResponse:
    return upload_page(request, PLACEMENT_UPLOAD)


@partnership_view(Permission.VIEW_PLACEMENTS)
def prices(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    band = BandForm(request.GET or None)
    lower, upper = band.bounds()
    page = selectors.prices_page(partnership, lower=lower, upper=upper)
    fmt = _format(request)
    table = request.GET.get("table", "providers")
    if fmt:
        if table == "outliers":
            headers: tuple[str, ...] = (
                "Service type",
                "Provider",
                "Funding partner",
                "Price (£)",
                "Band low",
                "Band high",
                "Side",
            )
            rows: Any = (
                (
                    r["service_label"],
                    r["provider_name"],
                    r["funder_name"],
                    r["price"],
                    r["low"],
                    r["high"],
                    r["side"],
                )
                for r in page.outliers
            )
        else:
            headers = ("Service type", "Provider", "Placements", "Mean", *QUANTILE_COLUMNS)
            rows = (
                (
                    r["service_label"],
                    r["provider_name"],
                    r["count"],
                    r["mean"],
                    *(r[q] for q in QUANTILE_COLUMNS),
                )
                for r in page.by_provider
            )
        return table_response(
            filename=f"{partnership.slug}-prices-{table}", headers=headers, rows=rows, fmt=fmt
        )
    chart = None
    if page.prices:
        figure = go.Figure()
        for row in page.by_service:
            figure.add_box(
                y=page.prices.get(row["service_type"], []), name=row["service_label"], boxpoints="outliers"
            )
        figure.update_layout(showlegend=False, yaxis_title="Price (£ a week, or £ an hour or day)")
        chart = _chart(
            "prices", figure, "Box plots of prices by service type; the tables below give the figures."
        )
    return render(
        request,
        "contracts/prices.html",
        {"page": page, "band": band, "chart": chart, "quantiles": QUANTILE_COLUMNS, **NAV},
    )


@partnership_view(Permission.VIEW_PLACEMENTS)
def personalisation(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = selectors.personalisation_page(partnership)
    chart = None
    if page.over_time:
        figure = go.Figure()
        for option in sorted({row["label"] for row in page.over_time}):
            points = [row for row in page.over_time if row["label"] == option]
            figure.add_bar(x=[str(p["on"]) for p in points], y=[p["people"] for p in points], name=option)
        figure.update_layout(barmode="stack", yaxis_title="People", legend={"orientation": "h", "y": -0.2})
        chart = _chart(
            "personalisation",
            figure,
            "People by how they hold the money, each year; the table gives the figures.",
        )
    return render(request, "contracts/placement_personalisation.html", {"page": page, "chart": chart, **NAV})
