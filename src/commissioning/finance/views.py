"""Resources pages: thin views that read through selectors, write through services, and render.

A refused write (a service's ``ValidationError``, such as a stale version, or ``NotPermitted``)
comes back to the form it was made from, in the NHS.UK error summary, with the user's input kept
and nothing changed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.imports import ImportFailed
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.finance import charts, exports, imports, presenters, selectors, services
from commissioning.finance.forms import (
    BudgetFilterForm,
    BudgetLineForm,
    ContributionsForm,
    FundForm,
    LedgerUploadForm,
    RiskSharesForm,
    SchemeForm,
)
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "resources"}
FIRST_YEAR, LAST_YEAR = 1990, 2100
ERRORS_SHOWN = 200
PLANNING_YEARS_AHEAD = 3


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _financial_year(request: HttpRequest, default: int | None = None) -> int:
    """The financial year asked for in ``?year=``, or the current one."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if FIRST_YEAR <= year <= LAST_YEAR:
        return year
    return default if default is not None else selectors.current_financial_year()


def _planning_years(partnership: Any) -> list[int]:
    """Years a form may choose: those with money already, and a few either side of this one."""
    now = selectors.current_financial_year()
    return sorted({*selectors.years_of(partnership), *range(now - 2, now + PLANNING_YEARS_AHEAD + 1)})


def _chart(key: str, figure: dict[str, Any], label: str) -> dict[str, Any]:
    """A chart for ``finance/_chart.html``; its label tells screen-reader users where the figures are."""
    return {
        "id": f"chart-{key}",
        "data_id": f"chart-{key}-data",
        "figure": figure,
        "label": f"{label}; the table below gives the figures.",
    }


def _form_page(request: HttpRequest, title: str, cancel_url: str, **context: Any) -> HttpResponse:
    return render(
        request, "finance/form_page.html", {"title": title, "cancel_url": cancel_url, **NAV, **context}
    )


def _user(request: HttpRequest) -> Any:
    return request.user


# Resources home ----------------------------------------------------------------------------


@partnership_view(Permission.VIEW_FINANCE)
def home(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    year = _financial_year(request)
    page = selectors.resources_home(partnership, year)
    return render(request, "finance/home.html", {"page": page, **NAV})


# Funds -------------------------------------------------------------------------------------


def _fund_form(request: HttpRequest, partnership: Any, fund: Any = None) -> FundForm:
    return FundForm(
        request.POST or None,
        initial=FundForm.initial_from(fund) if fund is not None else None,
        partners=selectors.partners_of(partnership),
        agreements=selectors.agreements_of(partnership),
        editing=fund is not None,
    )


@partnership_view(Permission.VIEW_FINANCE)
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fund = found_or_404(selectors.fund_in, partnership, pk)
    year = _financial_year(request)
    page = selectors.fund_page(partnership, fund, year)
    fmt = request.GET.get("format", "")
    name = f"{partnership.slug}-fund-{fund.pk}-{year}"
    if fmt == "workbook":
        rows = page.settlement.partners if page.settlement else ()
        return exports.planning_workbook(page, rows, f"{name}-planning")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{name}-summary",
            headers=exports.SUMMARY_HEADERS,
            rows=exports.pence(exports.summary_rows(page)),
            fmt=fmt,
        )
    chart = None
    if page.forecast_history:
        chart = _chart(
            "forecast",
            charts.forecast_history_chart(page.forecast_history, page.total.budget),
            f"Forecast outturn of {fund.name} by the month it was made, {presenters.financial_year(year)}",
        )
    return render(request, "finance/fund.html", {"page": page, "fund": fund, "chart": chart, **NAV})


@partnership_view(Permission.MANAGE_FINANCE)
def fund_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = _fund_form(request, partnership)
    fund = submit(
        request,
        form,
        lambda data: services.fund_create(actor=_user(request), partnership=partnership, **data),
    )
    if fund is not None:
        messages.success(request, f"{fund.name} set up.")
        return redirect("finance:fund", partnership.slug, fund.pk)
    return _form_page(
        request, "Set up a pooled fund", reverse("finance:home", args=[partnership.slug]), form=form
    )


@partnership_view(Permission.MANAGE_FINANCE)
def fund_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fund = found_or_404(selectors.fund_in, partnership, pk)
    form = _fund_form(request, partnership, fund)

    def save(data: dict[str, Any]) -> Any:
        version = data.pop("version")
        return services.fund_update(
            actor=_user(request), partnership=partnership, fund=fund, version=version, **data
        )

    saved = submit(request, form, save)
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("finance:fund", partnership.slug, pk)
    cancel = reverse("finance:fund", args=[partnership.slug, pk])
    return _form_page(request, f"Change {fund.name}", cancel, form=form)


@partnership_view(Permission.MANAGE_FINANCE)
def contributions(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fund = found_or_404(selectors.fund_in, partnership, pk)
    year = _financial_year(request)
    initial: dict[str, Any] = {"financial_year": year}
    for row in selectors.contributions_of(fund, year):
        initial[f"partner_{row.organisation.pk}"] = row.amount
    form = ContributionsForm(
        request.POST or None,
        initial=initial,
        partners=selectors.partners_of(partnership),
        years=_planning_years(partnership),
    )
    saved = submit(
        request,
        form,
        lambda data: services.contributions_set(
            actor=_user(request),
            partnership=partnership,
            fund=fund,
            financial_year=data["financial_year"],
            amounts=form.amounts(),
        ),
    )
    if saved is not None:
        chosen = form.cleaned_data["financial_year"]
        messages.success(request, f"Contributions for {presenters.financial_year(chosen)} saved.")
        return redirect(reverse("finance:fund", args=[partnership.slug, pk]) + f"?year={chosen}")
    cancel = reverse("finance:fund", args=[partnership.slug, pk]) + f"?year={year}"
    return _form_page(
        request,
        f"Set contributions to {fund.name}",
        cancel,
        form=form,
        lede="Each partner's share of the fund follows from its contribution; the shares add up to 100 %.",
    )


@partnership_view(Permission.MANAGE_FINANCE)
def risk_shares(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fund = found_or_404(selectors.fund_in, partnership, pk)
    form = RiskSharesForm(
        request.POST or None,
        initial=RiskSharesForm.initial_from(selectors.risk_shares_of(fund)),
        partners=selectors.partners_of(partnership),
    )
    saved = submit(
        request,
        form,
        lambda data: services.risk_shares_set(
            actor=_user(request), partnership=partnership, fund=fund, shares=form.shares()
        ),
    )
    if saved is not None:
        messages.success(request, "Risk shares saved.")
        return redirect("finance:fund", partnership.slug, pk)
    return _form_page(
        request,
        f"Set risk shares for {fund.name}",
        reverse("finance:fund", args=[partnership.slug, pk]),
        form=form,
        lede=(
            f"The fund's rule: {fund.get_risk_share_rule_display().lower()}. Fixed shares are used by the "
            "fixed and capped rules; caps only by the capped rule."
        ),
    )


@partnership_view(Permission.MANAGE_FINANCE)
def scheme_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fund = found_or_404(selectors.fund_in, partnership, pk)
    year = _financial_year(request)
    form = SchemeForm(
        request.POST or None,
        initial={"financial_year": year, "commissioner": fund.host_id},
        partners=selectors.partners_of(partnership),
        organisations=selectors.organisations_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        years=_planning_years(partnership),
    )
    scheme = submit(
        request,
        form,
        lambda data: services.scheme_create(
            actor=_user(request),
            partnership=partnership,
            fund=fund,
            funding=form.funding(),
            **form.scheme_fields(),
        ),
    )
    if scheme is not None:
        messages.success(request, f"{scheme.name} added to {fund.name}.")
        chosen = form.cleaned_data["financial_year"]
        return redirect(reverse("finance:fund", args=[partnership.slug, pk]) + f"?year={chosen}#schemes")
    cancel = reverse("finance:fund", args=[partnership.slug, pk])
    return _form_page(request, f"Add a scheme to {fund.name}", cancel, form=form, submit_label="Add scheme")


# Budget lines ------------------------------------------------------------------------------


def _filters(request: HttpRequest, partnership: Any) -> tuple[BudgetFilterForm, selectors.BudgetFilters]:
    """The filters in the query string; with no year named, this financial year ("All" is blank)."""
    now = selectors.current_financial_year()
    data = request.GET.copy()
    data.setdefault("year", str(now))
    form = BudgetFilterForm(
        data, partners=selectors.partners_of(partnership), years=selectors.years_of(partnership)
    )
    if not form.is_valid():
        return form, selectors.BudgetFilters(financial_year=now)
    organisation = form.cleaned_data.get("organisation")
    return form, selectors.BudgetFilters(
        financial_year=form.cleaned_data.get("year") or None,
        organisation_id=organisation.pk if organisation else None,
        tier=form.cleaned_data.get("tier") or "",
        arrangement=form.cleaned_data.get("arrangement") or "",
    )


BUDGET_HEADERS = (
    "Financial year",
    "Partner",
    "Cost centre",
    "Service area",
    "Care group",
    "Tier",
    "Arrangement",
    "Pooled fund",
    "Scheme",
    "Budget (£)",
    "Actual to date (£)",
    "Forecast outturn (£)",
    "Variance (£)",
)


@partnership_view(Permission.VIEW_FINANCE)
def budgets(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form, filters = _filters(request, partnership)
    lines = selectors.budget_lines_in(partnership, filters)
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                presenters.financial_year(line.financial_year),
                line.organisation.name,
                line.cost_centre,
                line.service_area,
                line.care_group.name if line.care_group else "",
                line.get_tier_display(),
                line.get_arrangement_display(),
                line.fund.name if line.fund else "",
                line.scheme.name if line.scheme else "",
                line.amount,
                line.actual_to_date,  # type: ignore[attr-defined]
                line.forecast_outturn,  # type: ignore[attr-defined]
                line.forecast_outturn - line.amount,  # type: ignore[attr-defined]
            )
            for line in lines
        )
        return table_response(
            filename=f"{partnership.slug}-budget-lines",
            headers=BUDGET_HEADERS,
            rows=exports.pence(rows),
            fmt=fmt,
        )
    return render(
        request,
        "finance/budgets.html",
        {
            "form": form,
            "filters": filters,
            "lines": lines,
            "totals": selectors.budget_totals(partnership, filters),
            **NAV,
        },
    )


def _line_form(request: HttpRequest, partnership: Any, line: Any = None) -> BudgetLineForm:
    initial = (
        BudgetLineForm.initial_from(line)
        if line is not None
        else {"financial_year": _financial_year(request)}
    )
    return BudgetLineForm(
        request.POST or None,
        initial=initial,
        partners=selectors.partners_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        funds=selectors.funds_in(partnership),
        schemes=selectors.schemes_in(partnership),
        years=_planning_years(partnership),
        editing=line is not None,
    )


@partnership_view(Permission.VIEW_FINANCE)
def budget_line(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    line = found_or_404(selectors.budget_line_in, partnership, pk)
    return render(request, "finance/budget_line.html", {"page": selectors.budget_line_page(line), **NAV})


@partnership_view(Permission.MANAGE_FINANCE)
def budget_line_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = _line_form(request, partnership)
    line = submit(
        request,
        form,
        lambda data: services.budget_line_create(actor=_user(request), partnership=partnership, **data),
    )
    if line is not None:
        messages.success(request, f"Budget line {line.cost_centre} added.")
        return redirect("finance:budget_line", partnership.slug, line.pk)
    cancel = reverse("finance:budgets", args=[partnership.slug])
    return _form_page(request, "Add a budget line", cancel, form=form, submit_label="Add budget line")


@partnership_view(Permission.MANAGE_FINANCE)
def budget_line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    line = found_or_404(selectors.budget_line_in, partnership, pk)
    form = _line_form(request, partnership, line)
    saved = submit(
        request,
        form,
        lambda data: services.budget_line_update(
            actor=_user(request),
            partnership=partnership,
            budget_line=line,
            version=data["version"],
            **form.line_fields(),
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("finance:budget_line", partnership.slug, pk)
    cancel = reverse("finance:budget_line", args=[partnership.slug, pk])
    return _form_page(request, f"Change budget line {line.cost_centre}", cancel, form=form)


# Imports -----------------------------------------------------------------------------------


def _saved(upload: UploadedFile, folder: str) -> Path:
    """Uploads go to a private temporary folder: DuckDB reads from a path."""
    path = Path(folder) / ("upload" + Path(upload.name or "").suffix.lower())
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def _run_import(request: HttpRequest, partnership: Any, data: dict[str, Any], path: Path) -> Any:
    common = {
        "actor": _user(request),
        "partnership": partnership,
        "financial_year": data["financial_year"],
        "path": path,
        "file_name": data["file"].name,
    }
    if data["kind"] == "forecast":
        return imports.forecasts_import(**common)
    publisher = data.get("organisation") if data["kind"] == "transparency" else None
    code = (publisher.gss_code or publisher.ods_code) if publisher else None
    return imports.actuals_import(**common, kind=data["kind"], partner=code)


@partnership_view(Permission.MANAGE_FINANCE)
def ledger_import(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = LedgerUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"financial_year": selectors.current_financial_year()},
        years=_planning_years(partnership),
        partners=selectors.partners_of(partnership),
    )
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        with tempfile.TemporaryDirectory(prefix="ledger-") as folder:
            try:
                done = _run_import(
                    request, partnership, form.cleaned_data, _saved(form.cleaned_data["file"], folder)
                )
            except ImportFailed as failure:
                problems = failure
            except NotPermitted as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"Imported {done.rows:,} rows from {done.file_name}.")
                return redirect("finance:imports", partnership.slug)
    return render(
        request,
        "finance/imports.html",
        {
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            "imports": selectors.ledger_imports_in(partnership),
            **NAV,
        },
        status=400 if problems else 200,
    )


# Money flows and prevention ----------------------------------------------------------------


FLOW_HEADERS = ("Financial year", "From", "To", "Amount (£)")


@partnership_view(Permission.VIEW_FINANCE)
def flows(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    year = _financial_year(request)
    flow = selectors.money_flows(partnership, year)
    fmt = _export_format(request)
    if fmt:
        label = presenters.financial_year(year)
        rows = ((label, source.label, target.label, amount) for source, target, amount in flow.rows)
        return table_response(
            filename=f"{partnership.slug}-money-flows-{year}",
            headers=FLOW_HEADERS,
            rows=exports.pence(rows),
            fmt=fmt,
        )
    chart = None
    if flow.links:
        chart = _chart(
            "flows",
            charts.sankey_chart(flow.nodes, flow.links),
            f"Money flows in {presenters.financial_year(year)} from partners to funds, budgets, "
            "schemes and providers",
        )
    return render(request, "finance/flows.html", {"flow": flow, "chart": chart, **NAV})


@partnership_view(Permission.VIEW_FINANCE)
def prevention(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    year = _financial_year(request)
    page = selectors.prevention_page(partnership, year)
    fmt = _export_format(request)
    if fmt and request.GET.get("table") == "shares":
        return table_response(
            filename=f"{partnership.slug}-prevention-share",
            headers=selectors.SHARE_HEADERS,
            rows=exports.pence(page.share_rows()),
            fmt=fmt,
        )
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-budget-audit-{year}",
            headers=selectors.AUDIT_HEADERS,
            rows=exports.pence(page.audit_rows()),
            fmt=fmt,
        )
    chart = None
    if page.years:
        chart = _chart(
            "prevention",
            charts.prevention_chart(page.years),
            "Prevention share of commissioning spend by year against the target",
        )
    return render(request, "finance/prevention.html", {"page": page, "chart": chart, **NAV})


# Joint posts -------------------------------------------------------------------------------


@partnership_view(Permission.VIEW_FINANCE)
def posts(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = selectors.joint_posts(partnership)
    fmt = _export_format(request)
    if fmt:
        headers = (
            "Team",
            "Post",
            "New post",
            "Annual cost (£)",
            *(f"{org.name} (£)" for org in page.partners),
        )
        rows = (
            (
                team.team.name,
                row.post.title,
                presenters.yes_no(row.post.is_new),
                row.post.annual_cost,
                *(row.splits.get(org.pk, (0, None))[1] for org in page.partners),
            )
            for team in page.teams
            for row in team.posts
        )
        return table_response(
            filename=f"{partnership.slug}-joint-posts", headers=headers, rows=exports.pence(rows), fmt=fmt
        )
    return render(request, "finance/posts.html", {"page": page, **NAV})
