"""JSNA pages: thin views that call one selector, add its charts, and render or download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.needs import charts, fingertips_layout, selectors, services
from commissioning.needs.forms import IndicatorForm
from commissioning.partners.decorators import partnership_view


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _download(export: selectors.Export, filename: str, fmt: str) -> HttpResponse:
    """A table in the Fingertips layout, small numbers already suppressed by the selector."""
    return table_response(
        filename=filename,
        headers=fingertips_layout.columns(export.region_name),
        rows=fingertips_layout.rows(export.frame, export.indicators, export.areas),
        fmt=fmt,
    )


def _chart(key: str, figure: dict[str, Any], label: str) -> dict[str, Any]:
    """A chart for ``needs/_chart.html``; its label tells screen-reader users where the figures are."""
    label = f"{label}; the table below gives the figures."
    return {"id": f"chart-{key}", "data_id": f"chart-{key}-data", "figure": figure, "label": label}


@partnership_view(Permission.VIEW_NEEDS)
def home(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = _export_format(request)
    if fmt:
        return _download(selectors.jsna_export(partnership), f"{partnership.slug}-jsna", fmt)
    return render(
        request, "needs/home.html", {"home": selectors.jsna_home(partnership), "nav_stage": "needs"}
    )


@partnership_view(Permission.VIEW_NEEDS)
def area_profile(request: HttpRequest, gss_code: str) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    area = found_or_404(selectors.area_for, partnership, gss_code)
    profile = selectors.area_profile(partnership, area)
    fmt = _export_format(request)
    if fmt:
        return _download(profile.export, f"{partnership.slug}-{area.gss_code}-profile", fmt)
    region_name = profile.region.name if profile.region else None
    chart = None
    if profile.rows:
        figure = charts.spine_chart(profile.rows, area.name, region_name)
        chart = _chart("spine", figure, f"Spine chart of {len(profile.rows)} indicators for {area.name}")
    return render(
        request, "needs/area_profile.html", {"profile": profile, "chart": chart, "nav_stage": "needs"}
    )


@partnership_view(Permission.VIEW_NEEDS)
def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    chosen = found_or_404(selectors.indicator_in, partnership, pk)
    code = request.GET.get("area") or selectors.default_area_code(partnership)
    area = found_or_404(selectors.area_for, partnership, code)
    page = found_or_404(
        selectors.indicator_page, partnership, chosen, area, request.GET.get("period") or None
    )
    fmt = _export_format(request)
    if fmt:
        return _download(page.export, f"{partnership.slug}-indicator-{chosen.code}", fmt)
    trend = _chart(
        "trend",
        charts.trend_chart(
            page.series[area.gss_code], page.series[selectors.ENGLAND], area.name, chosen.unit
        ),
        f"Trend in {chosen.name} for {area.name} and England",
    )
    breakdowns = [
        (
            breakdown,
            _chart(
                breakdown.slug,
                charts.breakdown_chart(breakdown.rows, page.overall, chosen.unit, area.name),
                f"{chosen.name} {breakdown.title.lower()} for {area.name}, {page.period}",
            ),
        )
        for breakdown in page.breakdowns
    ]
    return render(
        request,
        "needs/indicator.html",
        {"page": page, "trend_chart": trend, "breakdowns": breakdowns, "nav_stage": "needs"},
    )


@partnership_view(Permission.VIEW_NEEDS)
def worse(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    listing = selectors.worse_and_worsening(partnership)
    fmt = _export_format(request)
    if fmt:
        return _download(listing.export, f"{partnership.slug}-worse-than-england", fmt)
    return render(request, "needs/worse.html", {"listing": listing, "nav_stage": "needs"})


def _projection_chart(projection: selectors.MeasureProjection) -> dict[str, Any] | None:
    if not projection.areas:
        return None
    name = projection.measure.name
    figure = charts.projection_chart(projection.areas, name)
    return _chart(projection.measure.code, figure, f"Projected number of {name.lower()} by year")


PROJECTION_COLUMNS = (
    "Care group",
    "Measure",
    "Area Code",
    "Area Name",
    "Year",
    "People",
    "Base year",
    "Change from base year",
    "Change from base year (%)",
    "Source",
)


@partnership_view(Permission.VIEW_NEEDS)
def projections(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    groups = selectors.need_projections(partnership)
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                group.name,
                m.measure.name,
                a.code,
                a.name,
                y.year,
                round(y.people, 1),
                a.years[0].year,
                round(y.change, 1),
                None if y.change_percent is None else round(y.change_percent, 1),
                m.measure.source,
            )
            for group in groups
            for m in group.measures
            for a in m.areas
            for y in a.years
        )
        return table_response(
            filename=f"{partnership.slug}-need-projections", headers=PROJECTION_COLUMNS, rows=rows, fmt=fmt
        )
    charted = [(group, [(m, _projection_chart(m)) for m in group.measures]) for group in groups]
    return render(request, "needs/projections.html", {"groups": charted, "nav_stage": "needs"})


@partnership_view(Permission.MANAGE_INDICATORS)
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    indicator = found_or_404(selectors.indicator_in, partnership, pk)
    form = IndicatorForm(request.POST or None, instance=found_or_404(selectors.indicator_in, partnership, pk))
    saved = submit(
        request,
        form,
        lambda data: services.indicator_save(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            code=indicator.code,
            **data,
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("needs:indicator", partnership.slug, pk)
    return render(
        request,
        "partners/form_page.html",
        {
            "form": form,
            "title": f"Change {indicator.name}",
            "cancel_url": reverse("needs:indicator", args=[partnership.slug, pk]),
            "nav_stage": "needs",
        },
    )
