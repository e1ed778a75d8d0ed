"""Pages for provider returns under ``/p/<slug>/returns/``. Thin: selectors read,
``performance.returns`` and ``performance.return_imports`` write.

A provider's contact sees and submits only the returns of their own organisation's contracts:
anything else is "not found", so a page never confirms another provider's contract exists.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from commissioning.contracts.upload_views import ERRORS_SHOWN, Upload, UploadForm
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.imports import ImportFailed
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.performance import return_selectors as selectors
from commissioning.performance import returns as services
from commissioning.performance.return_forms import (
    ChaseForm,
    CorrectionForm,
    QueryForm,
    ReturnForm,
    ScheduleFilterForm,
)
from commissioning.performance.return_imports import UPLOAD_SUFFIXES, import_returns
from commissioning.performance.schedule import DUE_DAYS, Period, period_containing
from commissioning.performance.scope import may_submit_for, sees_all_contracts

NAV = {"nav_stage": "performance"}
PAGE_SIZE = 100
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STATUS_FILTERS: dict[str, frozenset[str] | None] = {
    "outstanding": selectors.OUTSTANDING,
    "late": frozenset({selectors.LATE}),
    "due": frozenset({selectors.DUE}),
    "received": frozenset({selectors.RECEIVED}),
    "all": None,
}


def _format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _partnership(request: HttpRequest) -> Any:
    """The partnership, once the user is known to have a part in returns."""
    partnership = request.partnership  # type: ignore[attr-defined]
    selectors.require_returns_access(request.user, partnership)
    return partnership


def _page_number(request: HttpRequest) -> Any:
    return request.GET.get("page")


def _chosen(form: ScheduleFilterForm) -> dict[str, int | None]:
    """The provider and contract the filters chose, as the schedule selectors take them."""
    provider, contract = form.choice("provider"), form.choice("contract")
    return {
        "provider_id": provider.pk if provider else None,
        "contract_id": contract.pk if contract else None,
    }


@partnership_view(Permission.VIEW_PARTNERSHIP)
def home(request: HttpRequest) -> HttpResponse:
    """The returns the user owes or oversees: due and late first, with a Submit link for each."""
    partnership = _partnership(request)
    user = request.user
    today = timezone.localdate()
    sees_all = sees_all_contracts(user, partnership)
    providers, contracts = selectors.filter_choices(user, partnership)
    form = ScheduleFilterForm(request.GET or None, providers=providers, contracts=contracts)
    if not sees_all:
        del form.fields["provider"]
    status = form.choice("status") or "outstanding"
    rows = selectors.schedule(user, partnership, today=today, **_chosen(form))
    counts = {name: sum(row.status == name for row in rows) for name in selectors.STATUS_LABELS}
    wanted = STATUS_FILTERS.get(status, selectors.OUTSTANDING)
    if wanted is not None:
        rows = [row for row in rows if row.status in wanted]
    if wanted is not None and selectors.RECEIVED not in wanted:
        rows.sort(key=lambda row: (row.period.due, row.contract.reference, row.kpi.position, row.kpi.code))
    fmt = _format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-returns",
            headers=selectors.SCHEDULE_HEADERS,
            rows=selectors.schedule_table(rows),
            fmt=fmt,
        )
    submittable = set(selectors.submittable_kpis(user, partnership).values_list("pk", flat=True))
    return render(
        request,
        "performance/returns_home.html",
        {
            "form": form,
            "page": Paginator(rows, PAGE_SIZE).get_page(_page_number(request)),
            "total": len(rows),
            "counts": counts,
            "submittable": submittable,
            "sees_all": sees_all,
            "may_submit": selectors.may_submit(user, partnership),
            "may_review": selectors.may_review(user, partnership),
            "due_days": DUE_DAYS,
            **NAV,
        },
    )


def _kpi_context(kpi: Any) -> dict[str, Any]:
    return {
        "kpi": kpi,
        "contract": kpi.contract,
        "target_text": services.plain(kpi.target) if kpi.target is not None else "",
    }


def _submit_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "performance/returns_submit.html", {**context, **NAV}, status=status)


@partnership_view(Permission.VIEW_PARTNERSHIP)
def submit_return(request: HttpRequest, kpi: int, period_start: dt.date) -> HttpResponse:
    """The form for one KPI's figure for one period, with its definition, target and recent figures."""
    partnership = _partnership(request)
    user = request.user
    found = found_or_404(selectors.kpi_in, user, partnership, kpi)
    existing = selectors.return_for(found, period_start)
    if existing is not None:
        messages.info(request, "This period's return is already in. To change the figure, correct it.")
        return redirect("returns:detail", partnership.slug, existing.pk)
    if not may_submit_for(user, found.contract):
        raise NotPermitted(
            "Only the provider's contacts (or an administrator) submit returns; you can chase it instead."
        )
    period, problem = services.period_problem(found, period_start, today=timezone.localdate())
    context: dict[str, Any] = {
        **_kpi_context(found),
        "period": period,
        "period_start": period_start,
        "recent": selectors.recent_figures(found, before=period_start),
    }
    if problem:
        return _submit_page(request, {**context, "errors": [problem]}, status=400)
    assert period is not None
    form = ReturnForm(request.POST or None, unit=found.unit)
    saved = submit(
        request,
        form,
        lambda data: services.submit_return(
            actor=user,  # type: ignore[arg-type]
            kpi=found,
            period_start=period_start,
            value=data["value"],
            commentary=data["commentary"],
        ),
    )
    if saved is not None:
        messages.success(
            request, f"Return for {found.code} for {period.label} submitted: {services.plain(saved.value)}."
        )
        return redirect("returns:detail", partnership.slug, saved.pk)
    return _submit_page(request, {**context, "form": form}, status=400 if form.errors else 200)


def _detail(request: HttpRequest, kpi_return: Any, *, query_form: QueryForm | None = None) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    user = request.user
    contract = kpi_return.kpi.contract
    return render(
        request,
        "performance/returns_detail.html",
        {
            **_kpi_context(kpi_return.kpi),
            "kpi_return": kpi_return,
            "value_text": services.plain(kpi_return.value),
            "period": Period(kpi_return.period_start, kpi_return.period_end),
            "revisions": [(r, services.plain(r.value)) for r in selectors.revisions_of(kpi_return)],
            "history": history_for(kpi_return),
            "may_correct": may_submit_for(user, contract),
            "may_review": selectors.may_review(user, partnership),
            "query_form": query_form or QueryForm(),
            **NAV,
        },
        status=400 if query_form is not None and query_form.errors else 200,
    )


@partnership_view(Permission.VIEW_PARTNERSHIP)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(request)
    return _detail(request, found_or_404(selectors.return_in, request.user, partnership, pk))


@partnership_view(Permission.VIEW_PARTNERSHIP)
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A new figure for a return already made, with the reason; the old one stays in its history."""
    partnership = _partnership(request)
    user = request.user
    kpi_return = found_or_404(selectors.return_in, user, partnership, pk)
    kpi = kpi_return.kpi
    if not may_submit_for(user, kpi.contract):
        raise NotPermitted("Only the provider's contacts (or an administrator) correct returns.")
    form = CorrectionForm(
        request.POST or None,
        initial={"value": services.plain(kpi_return.value), "commentary": kpi_return.commentary},
        unit=kpi.unit,
    )
    saved = submit(
        request,
        form,
        lambda data: services.correct_return(actor=user, kpi_return=kpi_return, **data),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(
            request, f"Return corrected: version {saved.version}, {services.plain(saved.value)}."
        )
        return redirect("returns:detail", partnership.slug, saved.pk)
    return render(
        request,
        "performance/returns_correct.html",
        {
            **_kpi_context(kpi),
            "kpi_return": kpi_return,
            "value_text": services.plain(kpi_return.value),
            "period": Period(kpi_return.period_start, kpi_return.period_end),
            "form": form,
            **NAV,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    kpi_return = found_or_404(selectors.return_in, request.user, partnership, pk)
    try:
        services.validate_return(actor=request.user, kpi_return=kpi_return)  # type: ignore[arg-type]
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Return validated.")
    return redirect("returns:detail", partnership.slug, kpi_return.pk)


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def query(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    kpi_return = found_or_404(selectors.return_in, request.user, partnership, pk)
    form = QueryForm(request.POST)
    saved = submit(
        request,
        form,
        lambda data: services.query_return(actor=request.user, kpi_return=kpi_return, query=data["query"]),  # type: ignore[arg-type]
    )
    if saved is None:
        return _detail(request, kpi_return, query_form=form)
    messages.success(request, "Return queried; the provider's contacts have been told.")
    return redirect("returns:detail", partnership.slug, kpi_return.pk)


def _import_returns(request: HttpRequest, path: Path, name: str) -> str:
    result = import_returns(
        actor=request.user,  # type: ignore[arg-type]
        partnership=request.partnership,  # type: ignore[attr-defined]
        path=path,
        file_name=name,
    )
    return result.message


RETURN_UPLOAD = Upload(
    title="Upload returns",
    caption="Returns",
    intro=(
        "Many KPIs and periods at once. Every row is checked before anything is saved: the contract and "
        "KPI must be yours, the period must be in the KPI's schedule and ended, and the figure a number "
        "its unit allows. If any row has a problem, nothing is saved and each problem is listed with its "
        "row and column."
    ),
    label="Returns file (CSV or Excel)",
    help_text=(
        "Columns: contract_reference, kpi_code, period_start (2026-04-01, or 2026-04 for a month), value, "
        "commentary (optional), correction_reason (only to correct a figure already sent)."
    ),
    suffixes=UPLOAD_SUFFIXES,
    load=_import_returns,
    done_url="returns:home",
    max_bytes=MAX_UPLOAD_BYTES,
)


@partnership_view(Permission.SUBMIT_RETURNS)
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file of returns; on a good file, save it all and go on; on a bad one, list every problem."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None, upload=RETURN_UPLOAD)
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="returns-") as folder:
            path = Path(folder) / f"upload{Path(file.name).suffix.lower()}"
            with path.open("wb") as handle:
                for chunk in file.chunks():
                    handle.write(chunk)
            try:
                message = RETURN_UPLOAD.load(request, path, file.name)
            except ImportFailed as failure:
                problems = failure
            else:
                messages.success(request, message)
                return redirect(RETURN_UPLOAD.done_url, partnership.slug)
    return render(
        request,
        "performance/returns_upload.html",
        {
            "upload": RETURN_UPLOAD,
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            "recent_imports": selectors.return_imports_for(request.user, partnership),
            **NAV,
        },
        status=400 if problems else 200,
    )


@partnership_view(Permission.SUBMIT_RETURNS)
def template(request: HttpRequest) -> HttpResponse:
    """A returns file to fill in, one row for each period due or late."""
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = _format(request) or "xlsx"
    return table_response(
        filename=f"{partnership.slug}-returns-due",
        headers=selectors.TEMPLATE_HEADERS,
        rows=selectors.template_rows(request.user, partnership, today=timezone.localdate()),
        fmt=fmt,
    )


@partnership_view(Permission.VIEW_PERFORMANCE)
def overdue(request: HttpRequest) -> HttpResponse:
    """Returns past their due date that have not come in, by provider and contract, to chase."""
    partnership = request.partnership  # type: ignore[attr-defined]
    user = request.user
    today = timezone.localdate()
    providers, contracts = selectors.filter_choices(user, partnership)
    form = ScheduleFilterForm(
        request.GET or None, providers=providers, contracts=contracts, with_status=False
    )
    rows = selectors.overdue(user, partnership, today=today, **_chosen(form))
    fmt = _format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-overdue-returns",
            headers=selectors.OVERDUE_HEADERS,
            rows=selectors.overdue_table(rows),
            fmt=fmt,
        )
    return render(
        request,
        "performance/returns_overdue.html",
        {
            "form": form,
            "page": Paginator(rows, PAGE_SIZE).get_page(_page_number(request)),
            "total": len(rows),
            "providers_late": len({row.contract.provider_id for row in rows}),
            "may_chase": selectors.may_review(user, partnership),
            **NAV,
        },
    )


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def chase(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ChaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That return could not be chased: the KPI or period was missing.")
        return redirect("returns:overdue", partnership.slug)
    kpi = found_or_404(selectors.kpi_in, request.user, partnership, form.cleaned_data["kpi"])
    try:
        done = services.chase(
            actor=request.user,  # type: ignore[arg-type]
            kpi=kpi,
            period_start=form.cleaned_data["period_start"],
            message=form.cleaned_data["message"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        period = period_containing(kpi.frequency, done.chase.period_start)
        told = (
            f"{done.told} provider contact{'s' if done.told != 1 else ''} told"
            if done.told
            else "no provider contact is registered to tell, so only the chase is recorded"
        )
        messages.success(request, f"Chased {kpi.contract.reference} {kpi.code} for {period.label}: {told}.")
    return redirect("returns:overdue", partnership.slug)
