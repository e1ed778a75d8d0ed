"""Decommissioning pages: thin views that read through selectors, write through services, and render.

Everyone who may see performance sees the cases; only those who manage performance change them.
A refused write comes back to the page it was made from, in the NHS.UK error summary, with the
input kept and nothing saved; a refused move on comes back to the case page with what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.performance import decommissioning as checks
from commissioning.performance import decommissioning_selectors as selectors
from commissioning.performance import decommissioning_services as services
from commissioning.performance.decommissioning_forms import (
    AdvanceForm,
    AppraisalForm,
    ArrangementForm,
    CaseForm,
    ChooseForm,
    ConsultationForm,
    DecisionForm,
    EqualityForm,
    NoticeForm,
    RationaleForm,
    RemoveForm,
    ReopenForm,
    RiskForm,
    RiskSummaryForm,
    TransitionSummaryForm,
    WithdrawForm,
)
from commissioning.performance.models import CaseStage

NAV = {"nav_stage": "performance"}
FORM_PAGE = "performance/decommissioning_form.html"


def _user(request: HttpRequest) -> Any:
    return request.user


def _slug(request: HttpRequest) -> str:
    return request.partnership.slug  # type: ignore[attr-defined]


def _case(request: HttpRequest, pk: int) -> Any:
    return found_or_404(selectors.case_in, request.partnership, request.user, pk)  # type: ignore[attr-defined]


def _detail(request: HttpRequest, case: Any) -> HttpResponse:
    return redirect("decommissioning:detail", _slug(request), case.pk)


def _detail_url(request: HttpRequest, case: Any, anchor: str = "") -> str:
    url = reverse("decommissioning:detail", args=[_slug(request), case.pk])
    return f"{url}#{anchor}" if anchor else url


def _stage_page(
    request: HttpRequest,
    case: Any,
    stage: str,
    title: str,
    form: Any,
    *,
    lede: str = "",
    submit_label: str = "Save",
    extra_forms: tuple[tuple[Any, str, str], ...] = (),
) -> HttpResponse:
    """A stage's page: its evidence so far, what it still lacks, and the form that records it."""
    page = selectors.case_page(case)
    return render(
        request,
        FORM_PAGE,
        {
            "case": case,
            "page": page,
            "stage": stage,
            "stage_label": selectors.stage_label(stage),
            "part": f"performance/decommissioning_part_{stage}.html",
            "editable": case.stage == stage,
            "title": title,
            "lede": lede,
            "form": form,
            "submit_label": submit_label,
            "extra_forms": extra_forms,
            "cancel_url": _detail_url(request, case, stage),
            **NAV,
        },
        status=400 if request.method == "POST" else 200,
    )


def _save(
    request: HttpRequest, case: Any, form: Any, write: Callable[[dict[str, Any]], Any], done: str
) -> HttpResponse | None:
    """Save a valid form through its service; on success go back to the case page."""
    if submit(request, form, write) is None:
        return None
    messages.success(request, done)
    return redirect(_detail_url(request, case, case.stage))


def _remove(
    request: HttpRequest, case: Any, stage: str, remove: Callable[[], None], done: str
) -> HttpResponse:
    """Remove a row of a stage's evidence (or say why not), then back to that stage on the case page."""
    try:
        remove()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(_detail_url(request, case, stage))


# The list and a new case -------------------------------------------------------------------------


@partnership_view(Permission.VIEW_PERFORMANCE)
def case_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-decommissioning",
            headers=selectors.LIST_HEADERS,
            rows=selectors.case_rows(partnership, request.user),
            fmt=fmt,
        )
    cases = selectors.cases_in(partnership, request.user)
    return render(request, "performance/decommissioning_list.html", {"cases": cases, **NAV})


@partnership_view(Permission.MANAGE_PERFORMANCE)
def new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contracts = selectors.contracts_for_cases(request.user, partnership)
    initial = {}
    wanted = request.GET.get("contract", "")
    if wanted.isdigit():
        initial["contract"] = contracts.filter(pk=int(wanted)).first()
    form = CaseForm(request.POST or None, contracts=contracts, initial=initial)
    case = submit(request, form, lambda data: services.open_case(actor=_user(request), **data))
    if case is not None:
        messages.success(request, f"Case {case.reference} opened.")
        return redirect("decommissioning:detail", partnership.slug, case.pk)
    return render(
        request,
        FORM_PAGE,
        {
            "title": "Open a decommissioning case",
            "lede": "A case takes a contract through each step in order: rationale and performance evidence, "
            "options, risk, consultation, equality impact, transition plan, notice and decision.",
            "form": form,
            "submit_label": "Open the case",
            "cancel_url": reverse("decommissioning:list", args=[partnership.slug]),
            **NAV,
        },
        status=400 if request.method == "POST" else 200,
    )


# The case page and moving on ---------------------------------------------------------------------


def _detail_page(request: HttpRequest, case: Any, *, errors: list[str] | None = None) -> HttpResponse:
    page = selectors.case_page(case)
    return render(
        request,
        "performance/decommissioning_detail.html",
        {
            "case": case,
            "page": page,
            "errors": errors or [],
            "advance_form": AdvanceForm(),
            "can_manage": Permission.MANAGE_PERFORMANCE in request.permissions,  # type: ignore[attr-defined]
            **NAV,
        },
        status=400 if errors else 200,
    )


@partnership_view(Permission.VIEW_PERFORMANCE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _case(request, pk))


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = AdvanceForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        case = services.advance(actor=_user(request), case=case, note=note)
    except ValidationError as error:
        return _detail_page(request, _case(request, pk), errors=error.messages)
    if case.stage == CaseStage.COMPLETE:
        messages.success(request, f"Case {case.reference} is complete.")
    else:
        messages.success(request, f"Case {case.reference} moved on to {case.get_stage_display().lower()}.")
    return _detail(request, case)


@partnership_view(Permission.MANAGE_PERFORMANCE)
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if case.stage not in checks.STAGES:
        raise Http404("Only an open case can be reopened.")
    earlier = [(s, selectors.stage_label(s)) for s in checks.STAGES if checks.is_before(s, case.stage)]
    if not earlier:
        raise Http404("The case is at its first stage.")
    form = ReopenForm(request.POST or None, stages=earlier)
    saved = submit(request, form, lambda data: services.reopen(actor=_user(request), case=case, **data))
    if saved is not None:
        messages.success(request, f"Case {saved.reference} reopened at {saved.get_stage_display().lower()}.")
        return _detail(request, saved)
    return _stage_free_page(
        request, case, f"Reopen {case.reference} at an earlier stage", form, "Reopen the case"
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = WithdrawForm(request.POST or None)
    saved = submit(request, form, lambda data: services.withdraw(actor=_user(request), case=case, **data))
    if saved is not None:
        messages.success(request, f"Case {saved.reference} withdrawn.")
        return _detail(request, saved)
    return _stage_free_page(request, case, f"Withdraw {case.reference}", form, "Withdraw the case")


def _stage_free_page(request: HttpRequest, case: Any, title: str, form: Any, label: str) -> HttpResponse:
    return render(
        request,
        FORM_PAGE,
        {
            "case": case,
            "title": title,
            "form": form,
            "submit_label": label,
            "cancel_url": _detail_url(request, case),
            **NAV,
        },
        status=400 if request.method == "POST" else 200,
    )


# One page per stage ------------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_PERFORMANCE)
def rationale(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = RationaleForm(
        request.POST or None,
        kpis=selectors.kpis_of(case.contract),
        reviews=selectors.reviews_of(case.contract),
        initial={
            "rationale": case.rationale,
            "evidence_kpis": list(case.evidence_kpis.all()),
            "reviews": list(case.reviews.all()),
        },
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.update_rationale(
            actor=_user(request),
            case=case,
            rationale=data["rationale"],
            evidence_kpis=list(data["evidence_kpis"]),
            reviews=list(data["reviews"]),
        ),
        "Rationale and performance evidence saved.",
    )
    return done or _stage_page(request, case, CaseStage.RATIONALE, "Rationale and performance evidence", form)


@partnership_view(Permission.MANAGE_PERFORMANCE)
def options(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    option = request.GET.get("option", "")
    current = selectors.appraisal_of(case, option) if option else None
    initial: dict[str, Any] = {"option": option}
    if current is not None:
        initial |= {
            "appraisal": current.appraisal,
            "annual_cost": current.annual_cost,
            "transition_cost": current.transition_cost,
        }
    form = AppraisalForm(request.POST or None, initial=initial)
    done = _save(
        request,
        case,
        form,
        lambda data: services.save_appraisal(actor=_user(request), case=case, **data),
        "Appraisal saved.",
    )
    choose = ChooseForm(initial={"chosen_option": case.chosen_option}, prefix="choose")
    return done or _stage_page(
        request,
        case,
        CaseStage.OPTIONS,
        "Options appraisal",
        form,
        lede="Appraise each option (remodel, re-procure and decommission), then choose one.",
        submit_label="Save the appraisal",
        extra_forms=((choose, reverse("decommissioning:choose", args=[_slug(request), pk]), "Choose"),),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def choose(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ChooseForm(request.POST or None, prefix="choose")
    done = _save(
        request,
        case,
        form,
        lambda data: services.choose_option(actor=_user(request), case=case, option=data["chosen_option"]),
        "Option chosen.",
    )
    return done or _stage_page(
        request, case, CaseStage.OPTIONS, "Choose the option to take forward", form, submit_label="Choose"
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def risk(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = RiskSummaryForm(
        request.POST or None,
        initial={"users_affected": case.users_affected, "risk_summary": case.risk_summary},
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.update_risk_summary(actor=_user(request), case=case, **data),
        "Risk summary saved.",
    )
    add = RiskForm(prefix="risk")
    return done or _stage_page(
        request,
        case,
        CaseStage.RISK,
        "Risk to the people using the service",
        form,
        extra_forms=((add, reverse("decommissioning:risk_add", args=[_slug(request), pk]), "Add the risk"),),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = RiskForm(request.POST or None, prefix="risk")
    done = _save(
        request,
        case,
        form,
        lambda data: services.add_risk(actor=_user(request), case=case, **data),
        "Risk added.",
    )
    return done or _stage_page(request, case, CaseStage.RISK, "Add a risk", form, submit_label="Add the risk")


@partnership_view(Permission.MANAGE_PERFORMANCE)
def risk_edit(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    case = _case(request, pk)
    item = found_or_404(selectors.risk_in, case, risk_pk)
    if request.method == "POST" and "remove" in request.POST:
        return _remove(
            request,
            case,
            CaseStage.RISK,
            lambda: services.remove_risk(actor=_user(request), risk=item),
            "Risk removed.",
        )
    form = RiskForm(
        request.POST or None,
        initial={
            "description": item.description,
            "likelihood": item.likelihood,
            "impact": item.impact,
            "mitigation": item.mitigation,
        },
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.update_risk(actor=_user(request), risk=item, **data),
        "Risk saved.",
    )
    remove = (
        RemoveForm(),
        reverse("decommissioning:risk_edit", args=[_slug(request), pk, risk_pk]),
        "Remove the risk",
    )
    return done or _stage_page(request, case, CaseStage.RISK, "Change a risk", form, extra_forms=(remove,))


@partnership_view(Permission.MANAGE_PERFORMANCE)
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ConsultationForm(
        request.POST or None,
        consultations=selectors.consultations_of(case.partnership),
        initial={"consultation": case.consultation},
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.link_consultation(actor=_user(request), case=case, **data),
        "Consultation linked.",
    )
    return done or _stage_page(
        request,
        case,
        CaseStage.CONSULTATION,
        "Consultation",
        form,
        lede="Link the consultation on the proposal; the case moves on once it has closed.",
        submit_label="Link the consultation",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def equality(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = EqualityForm(
        request.POST or None, initial={"summary": case.equality_summary, "outcome": case.equality_outcome}
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.record_equality(actor=_user(request), case=case, **data),
        "Equality impact assessment saved.",
    )
    return done or _stage_page(request, case, CaseStage.EQUALITY, "Equality impact assessment", form)


def _arrangement_form(request: HttpRequest, case: Any, data: Any = None) -> ArrangementForm:
    taken = case.transitions.exclude(placement=None).values("placement_id")
    return ArrangementForm(
        data,
        placements=selectors.current_placements(case.contract, selectors.today()).exclude(pk__in=taken),
        providers=selectors.providers_of(case.partnership),
        prefix="arrangement",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = _arrangement_form(request, case, request.POST or None)
    done = _save(
        request,
        case,
        form,
        lambda data: services.add_arrangement(actor=_user(request), case=case, **data),
        "Transition arrangement added.",
    )
    summary = TransitionSummaryForm(initial={"summary": case.transition_summary}, prefix="plan")
    return done or _stage_page(
        request,
        case,
        CaseStage.TRANSITION,
        "Transition plan",
        form,
        lede="Every current placement needs an arrangement; people not placed individually are covered "
        "as a cohort.",
        submit_label="Add the arrangement",
        extra_forms=(
            (
                summary,
                reverse("decommissioning:transition_summary", args=[_slug(request), pk]),
                "Save",
            ),
        ),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def transition_summary(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = TransitionSummaryForm(request.POST or None, prefix="plan")
    done = _save(
        request,
        case,
        form,
        lambda data: services.update_transition_summary(actor=_user(request), case=case, **data),
        "Transition plan summary saved.",
    )
    return done or _stage_page(request, case, CaseStage.TRANSITION, "The transition plan, in summary", form)


@require_POST
@partnership_view(Permission.MANAGE_PERFORMANCE)
def arrangement_remove(request: HttpRequest, pk: int, arrangement_pk: int) -> HttpResponse:
    case = _case(request, pk)
    item = found_or_404(selectors.arrangement_in, case, arrangement_pk)
    return _remove(
        request,
        case,
        CaseStage.TRANSITION,
        lambda: services.remove_arrangement(actor=_user(request), arrangement=item),
        "Transition arrangement removed.",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = NoticeForm(
        request.POST or None,
        initial={"notice_served_on": case.notice_served_on, "service_ends_on": case.service_ends_on},
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.record_notice(actor=_user(request), case=case, **data),
        "Notice recorded.",
    )
    months = case.contract.notice_months
    return done or _stage_page(
        request,
        case,
        CaseStage.NOTICE,
        "Notice",
        form,
        lede=f"Contract {case.contract.reference} needs {months} month{'s' if months != 1 else ''}' notice.",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = DecisionForm(
        request.POST or None,
        decisions=selectors.decisions_for(case.partnership),
        initial={"decision": case.decision},
    )
    done = _save(
        request,
        case,
        form,
        lambda data: services.link_decision(actor=_user(request), case=case, **data),
        "Decision linked.",
    )
    return done or _stage_page(
        request,
        case,
        CaseStage.DECISION,
        "Decision",
        form,
        lede="The decision must be approved for every partner funding the contract, by the body or post its "
        "scheme of delegation requires for its share of the contract's value.",
        submit_label="Link the decision",
    )
