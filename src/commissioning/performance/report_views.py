"""Pages under ``/p/<slug>/performance/``: the integrated performance reports (list, new, the report
with its commentary, its PDF) and the evaluation of the partnership's arrangements.

Thin: they read through ``report_selectors`` and ``evaluation``, write through ``report_services``,
and a refusal comes back onto the form it was made from. Everyone who views performance sees them
(board members included); commissioners write. Providers' contacts have no access: the report
covers every provider's contracts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.partners.decorators import partnership_view
from commissioning.performance import evaluation, report_services
from commissioning.performance import report_selectors as selectors
from commissioning.performance.kpi_selectors import READING_HEADERS, reading_cells
from commissioning.performance.report_forms import (
    CommentaryForm,
    ConfirmForm,
    EvaluationValueForm,
    ReportForm,
)
from commissioning.performance.series import reading, series_for

NAV = {"nav_stage": "performance"}
PDF = "application/pdf"
LIST_HEADERS = ("Title", "Board", "Meeting", "Period end", "Status", "Created by", "Created")
ROW_HEADERS = (
    "Care group",
    "Contract",
    "Contract title",
    "Provider",
    "KPI code",
    "KPI",
    *READING_HEADERS,
    "Exception",
    "Commentary",
)
EVALUATION_HEADERS = (
    "Measure",
    "Financial year",
    "Value",
    "Unit",
    "How obtained",
    "Sample size",
    "Source",
    "Which way is better",
)


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, **NAV}, status=status)


def _actor(request: HttpRequest) -> Any:
    """The signed-in person (``partnership_view`` has checked their membership)."""
    return request.user  # type: ignore[return-value]


def _can_manage(request: HttpRequest) -> bool:
    return Permission.MANAGE_PERFORMANCE in request.permissions  # type: ignore[attr-defined]


def _report(request: HttpRequest, pk: int) -> Any:
    partnership = request.partnership  # type: ignore[attr-defined]
    return found_or_404(selectors.report_in, partnership, pk)


def _report_url(report: Any, anchor: str = "") -> str:
    url = reverse("performance:report", args=[report.partnership.slug, report.pk])
    return f"{url}#{anchor}" if anchor else url


def _report_form(request: HttpRequest, **kwargs: Any) -> ReportForm:
    partnership = request.partnership  # type: ignore[attr-defined]
    return ReportForm(
        request.POST or None,
        boards=selectors.boards_for_reports(partnership),
        meetings=selectors.meetings_for_reports(partnership),
        **kwargs,
    )


# The list of reports ---------------------------------------------------------------------


@partnership_view(Permission.VIEW_PERFORMANCE)
def report_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    reports = list(selectors.reports_in(partnership))
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-performance-reports",
            headers=LIST_HEADERS,
            rows=(
                (
                    r.title,
                    r.board.name if r.board else "",
                    timezone.localdate(r.meeting.starts_at) if r.meeting else None,
                    r.period_end,
                    r.get_status_display(),
                    r.created_by.get_full_name() or r.created_by.username,
                    r.created_at.date(),
                )
                for r in reports
            ),
            fmt=fmt,
        )
    return _page(
        request, "performance/report_list.html", {"reports": reports, "can_manage": _can_manage(request)}
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def report_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    today = timezone.localdate()
    period_end = selectors.last_month_end(today)
    form = _report_form(
        request,
        initial={"period_end": period_end, "title": f"Integrated performance report to {period_end:%B %Y}"},
    )
    report = submit(
        request,
        form,
        lambda data: report_services.create_report(actor=_actor(request), partnership=partnership, **data),
    )
    if report is not None:
        messages.success(request, f"“{report.title}” is drafted. Add commentary, then issue it to the board.")
        return redirect(_report_url(report))
    return _page(
        request,
        "performance/report_form.html",
        {"form": form, "title": "New integrated performance report", "submit_label": "Create the report"},
        status=400 if form.is_bound else 200,
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if not selectors.is_draft(report):
        raise NotPermitted("The report has been issued to the board; it cannot be changed.")
    form = _report_form(
        request,
        initial={
            "title": report.title,
            "board": report.board,
            "meeting": report.meeting,
            "period_end": report.period_end,
            "introduction": report.introduction,
        },
    )
    saved = submit(
        request,
        form,
        lambda data: report_services.update_report(actor=_actor(request), report=report, **data),
    )
    if saved is not None:
        messages.success(request, "The report's details are saved.")
        return redirect(_report_url(saved))
    return _page(
        request,
        "performance/report_form.html",
        {"form": form, "report": report, "title": "Change the report's details", "submit_label": "Save"},
        status=400 if form.is_bound else 200,
    )


# One report ------------------------------------------------------------------------------


def _export_rows(content: selectors.ReportContent) -> list[tuple[Any, ...]]:
    rows = []
    for section in content.sections:
        for row in section.rows:
            kpi = row.kpi
            rows.append(
                (
                    section.name,
                    kpi.contract.reference,
                    kpi.contract.title,
                    kpi.contract.provider.organisation.name,
                    kpi.code,
                    kpi.name,
                    *reading_cells(row.reading),
                    "Yes" if row.is_exception else "",
                    row.commentary.text if row.commentary else "",
                )
            )
    return rows


def _examples(content: selectors.ReportContent) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]:
    """Each variation and assurance found in the report, with a KPI reading to draw its icon from."""
    by_variation: dict[str, Any] = {}
    by_assurance: dict[str, Any] = {}
    for row in content.rows:
        by_variation.setdefault(row.reading.variation or "none", row.reading)
        by_assurance.setdefault(row.reading.assurance or "none", row.reading)
    variation = [(t, by_variation[t.key]) for t in content.variation_counts if t.count]
    assurance = [(t, by_assurance[t.key]) for t in content.assurance_counts if t.count]
    return variation, assurance


@partnership_view(Permission.VIEW_PERFORMANCE)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    content = selectors.report_content(report, today=timezone.localdate())
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{slugify(report.title)}-kpis", headers=ROW_HEADERS, rows=_export_rows(content), fmt=fmt
        )
    editable = _can_manage(request) and selectors.is_draft(report)
    variation, assurance = _examples(content)
    return _page(
        request,
        "performance/report_detail.html",
        {
            "report": report,
            "content": content,
            "variation_tallies": variation,
            "assurance_tallies": assurance,
            "editable": editable,
            "can_manage": _can_manage(request),
            "issue_form": ConfirmForm() if editable else None,
        },
    )


@partnership_view(Permission.VIEW_PERFORMANCE)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF board paper, with each exception's SPC chart."""
    from commissioning.performance import report_pdf as paper  # fpdf2 and matplotlib: load for downloads only

    report = _report(request, pk)
    today = timezone.localdate()
    content = selectors.report_content(report, today=today)
    response = HttpResponse(paper.report_pdf(content, today=today), content_type=PDF)
    response["Content-Disposition"] = (
        f'inline; filename="{slugify(report.title) or "performance-report"}.pdf"'
    )
    return response


def _commentary(
    request: HttpRequest,
    report: Any,
    *,
    on: dict[str, Any],
    name: str,
    subject: str,
    anchor: str,
    **extra: Any,
) -> HttpResponse:
    """The commentary on one KPI or one care group (``on``): saved, or removed when left blank, then
    back to its place in the report."""
    existing = selectors.commentary_on(report, **on)
    form = CommentaryForm(request.POST or None, initial={"text": existing.text if existing else ""})
    saved = submit(
        request,
        form,
        lambda data: report_services.write_commentary(
            actor=_actor(request), report=report, text=data["text"], **on
        ),
    )
    back = _report_url(report, anchor)
    if request.method == "POST" and not form.errors:
        messages.success(request, f"The commentary on {name} is {'saved' if saved else 'removed'}.")
        return redirect(back)
    return _page(
        request,
        "performance/report_commentary.html",
        {"report": report, "form": form, "subject": subject, "back": back, **on, **extra},
        status=400 if form.is_bound else 200,
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def report_kpi_commentary(request: HttpRequest, pk: int, kpi_pk: int) -> HttpResponse:
    report = _report(request, pk)
    kpi = found_or_404(lambda: selectors.report_kpis(report).get(pk=kpi_pk))
    return _commentary(
        request,
        report,
        on={"kpi": kpi},
        name=kpi.code,
        subject=f"{kpi.contract.reference} {kpi.code} {kpi.name}",
        anchor=f"kpi-{kpi.pk}",
        reading=reading(series_for([kpi], until=report.period_end)[kpi.pk]),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def report_group_commentary(request: HttpRequest, pk: int, group_pk: int) -> HttpResponse:
    report = _report(request, pk)
    partnership = request.partnership  # type: ignore[attr-defined]
    group = found_or_404(selectors.care_group_in, partnership, group_pk)
    return _commentary(
        request,
        report,
        on={"care_group": group},
        name=group.name,
        subject=group.name,
        anchor=f"group-{group.pk}",
    )


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = ConfirmForm(request.POST)
    issued = submit(
        request, form, lambda data: report_services.issue_report(actor=_actor(request), report=report)
    )
    if issued is not None:
        messages.success(request, f"“{issued.title}” is issued to the board. It can no longer be changed.")
    else:
        for error in form.non_field_errors() or [m for ms in form.errors.values() for m in ms]:
            messages.error(request, str(error))
    return redirect(_report_url(report))


# Evaluation ------------------------------------------------------------------------------


def _evaluation_rows(trends: list[evaluation.MeasureTrend]) -> list[tuple[Any, ...]]:
    return [
        (
            trend.measure.label,
            year.year_label,
            year.value,
            "%" if trend.measure.is_percent else "count",
            year.origin_label,
            year.sample_size,
            year.source,
            trend.measure.direction,
        )
        for trend in trends
        for year in trend.years
    ]


@partnership_view(Permission.VIEW_PERFORMANCE)
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """The six measures of the partnership's own arrangements, each by year with its trend."""
    partnership = request.partnership  # type: ignore[attr-defined]
    today = timezone.localdate()
    trends = evaluation.trends(partnership, today=today)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-evaluation",
            headers=EVALUATION_HEADERS,
            rows=_evaluation_rows(trends),
            fmt=fmt,
        )
    current = financial_year_of(today)
    measures = [(trend, trend.chart(chart_id=f"chart-{trend.measure.key}")) for trend in trends]
    return _page(
        request,
        "performance/evaluation_detail.html",
        {
            "measures": measures,
            "current_year": financial_year_label(current),
            "frozen": all(
                any(
                    year.financial_year == current and year.origin == evaluation.FROZEN
                    for year in trend.years
                )
                for trend in trends
                if trend.measure.computed
            ),
            "can_manage": _can_manage(request),
            "freeze_form": ConfirmForm() if _can_manage(request) else None,
            "today": long_date(today),
        },
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def evaluation_record(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    today = timezone.localdate()
    wanted = request.GET.get("measure", "")
    form = EvaluationValueForm(
        request.POST or None,
        years=list(evaluation.year_choices(today)),
        initial={
            "measure": wanted if wanted in evaluation.BY_KEY else "",
            # A computed measure's current year is computed, so its form starts at the year before.
            "financial_year": financial_year_of(today) - (1 if wanted in evaluation.COMPUTED else 0),
        },
    )
    saved = submit(
        request,
        form,
        lambda data: report_services.record_evaluation_value(
            actor=_actor(request), partnership=partnership, **data
        ),
    )
    if saved is not None:
        spec = evaluation.measure(saved.measure)
        messages.success(
            request,
            f"{spec.label} for {financial_year_label(saved.financial_year)} is recorded: "
            f"{evaluation.figure(saved.value, spec.unit)}.",
        )
        return redirect(
            reverse("performance:evaluation", args=[partnership.slug]) + f"#measure-{saved.measure}"
        )
    return _page(
        request,
        "performance/evaluation_record.html",
        {"form": form, "measures": evaluation.MEASURES},
        status=400 if form.is_bound else 200,
    )


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def evaluation_freeze(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ConfirmForm(request.POST)
    stored = submit(
        request,
        form,
        lambda data: report_services.freeze_evaluation(actor=_actor(request), partnership=partnership),
    )
    if stored:
        year = financial_year_label(stored[0].financial_year)
        messages.success(
            request, f"This year's computed values are frozen for {year}: {len(stored)} measures stored."
        )
    else:
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return redirect(reverse("performance:evaluation", args=[partnership.slug]))
