"""KPI pages under ``/p/<slug>/kpis/``: a KPI's SPC chart with its icons, points and rebasing; a
contract's KPIs as a summary of icons; the chart as PNG, SVG or Excel.

Anyone who may view performance sees every contract; a provider's contact sees only their own
organisation's contracts, and any other is "not found" (``performance.scope``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.performance import charts, kpi_selectors, kpi_services
from commissioning.performance.kpi_forms import RebaseForm

NAV = {"nav_stage": "performance"}
CHART_FORMATS = ("png", "svg", "xlsx")
POINT_HEADERS = (
    "Period",
    "Period starts",
    "Value",
    "Mean",
    "Lower process limit",
    "Upper process limit",
    "Target",
    "Point type",
    "Special-cause rules",
    "Limits period",
)
SUMMARY_HEADERS = ("Code", "KPI", *kpi_selectors.READING_HEADERS)


def _require_access(request: HttpRequest) -> None:
    """Those who view performance, and providers' contacts (for their own contracts only)."""
    granted = request.permissions  # type: ignore[attr-defined]
    if Permission.VIEW_PERFORMANCE not in granted and Permission.SUBMIT_RETURNS not in granted:
        raise NotPermitted("Your role does not allow you to see performance.")


def _kpi(request: HttpRequest, pk: int) -> Any:
    _require_access(request)
    partnership = request.partnership  # type: ignore[attr-defined]
    return found_or_404(lambda: kpi_selectors.kpi_in(user=request.user, partnership=partnership, pk=pk))


def _contract(request: HttpRequest, pk: int) -> Any:
    _require_access(request)
    partnership = request.partnership  # type: ignore[attr-defined]
    return found_or_404(lambda: kpi_selectors.contract_in(user=request.user, partnership=partnership, pk=pk))


def _filename(kpi: Any, suffix: str) -> str:
    return f"{slugify(kpi.contract.reference)}-{slugify(kpi.code)}-{suffix}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _point_rows(page: kpi_selectors.KpiPage) -> list[tuple[Any, ...]]:
    target = page.kpi.target
    return [
        (
            row.period.label,
            row.period.start,
            row.value,
            _round(row.mean),
            _round(row.lpl),
            _round(row.upl),
            target,
            row.point_label,
            row.rules_label,
            row.limits_period,
        )
        for row in page.rows
    ]


def _title(kpi: Any) -> str:
    return f"{kpi.code} {kpi.name} ({kpi.contract.reference})"


@partnership_view()
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    kpi = _kpi(request, pk)
    page = kpi_selectors.kpi_page(kpi, today=timezone.localdate())
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=_filename(kpi, "points"), headers=POINT_HEADERS, rows=_point_rows(page), fmt=fmt
        )
    form = None
    if Permission.MANAGE_PERFORMANCE in request.permissions:  # type: ignore[attr-defined]
        form = RebaseForm(request.POST or None, periods=kpi_selectors.rebase_choices(page))
        rebase = submit(
            request,
            form,
            lambda data: kpi_services.rebase_kpi(actor=request.user, kpi=kpi, **data),  # type: ignore[arg-type]
        )
        if rebase is not None:
            messages.success(
                request, f"The limits of {kpi.code} are recalculated from {rebase.period_start:%B %Y}."
            )
            return redirect(reverse("kpis:detail", args=[partnership.slug, kpi.pk]) + "#limits")
    elif request.method == "POST":
        raise NotPermitted("Your role does not allow you to recalculate a KPI's limits.")
    chart = None
    if page.has_returns and page.table is not None:
        chart = {
            "id": "chart-spc",
            "data_id": "chart-spc-data",
            "figure": charts.spc_figure(page.table, unit=kpi.unit, rebase_reasons=page.rebase_reasons),
            "label": f"SPC chart of {kpi.code} {kpi.name}; the table of points below gives the figures.",
        }
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "performance/kpi_detail.html",
        {"kpi": kpi, "page": page, "chart": chart, "form": form, **NAV},
        status=status,
    )


@partnership_view()
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The chart as a PNG or SVG image, or an Excel workbook with the chart and its points."""
    if fmt not in CHART_FORMATS:
        raise Http404("Charts download as png, svg or xlsx.")
    kpi = _kpi(request, pk)
    page = kpi_selectors.kpi_page(kpi, today=timezone.localdate())
    if page.table is None:
        raise Http404("No returns yet, so no chart.")
    from commissioning.performance import chart_render  # matplotlib is heavy: load it for downloads only

    def image(image_format: str) -> bytes:
        return chart_render.render(
            page.table,
            fmt=image_format,
            title=_title(kpi),
            unit=kpi.unit,
            badges=list(charts.reading_badges(page.reading)),
            rebase_reasons=page.rebase_reasons,
        )

    if fmt == "xlsx":
        variation, assurance = charts.reading_badges(page.reading)
        content = chart_render.chart_workbook(
            title=_title(kpi),
            details=[
                ("Definition", kpi.definition),
                ("Unit", kpi.unit),
                ("Target", kpi.target),
                ("Which way is better", kpi.get_polarity_display()),
                ("Variation", variation.label),
                ("Assurance", assurance.label),
                ("Reading", page.summary),
            ],
            headers=POINT_HEADERS,
            rows=_point_rows(page),
            png=image("png"),
        )
        content_type = chart_render.XLSX
    else:
        content = image(fmt)
        content_type = chart_render.IMAGE_FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(kpi, "spc")}.{fmt}"'
    if fmt == "svg":
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _summary_rows(readings: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.kpi.code, r.kpi.name, *kpi_selectors.reading_cells(r)) for r in readings]


def _contract_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    contract = _contract(request, pk)
    readings = kpi_selectors.contract_readings(contract, today=timezone.localdate())
    return {"contract": contract, "readings": readings, **NAV}


@partnership_view()
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    """All a contract's KPIs, each with its latest return and icons; exportable."""
    context = _contract_context(request, pk)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{slugify(context['contract'].reference)}-kpis",
            headers=SUMMARY_HEADERS,
            rows=_summary_rows(context["readings"]),
            fmt=fmt,
        )
    return render(request, "performance/kpi_contract.html", context)


@partnership_view()
def contract_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The same summary as a fragment, for the contract's own page to load."""
    return render(request, "performance/kpi_contract_summary.html", _contract_context(request, pk))
