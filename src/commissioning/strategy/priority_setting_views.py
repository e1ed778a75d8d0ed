"""Priority-setting pages: rounds, their criteria, options, panel and interests, each panel member's
scoring grid, the optimiser's recommendation with its reasons, and its sensitivity to the weights.

Reads need ``VIEW_STRATEGY``; setting a round up ``MANAGE_STRATEGY``; a panel member scores only
through their own grid. The services check every rule again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import form_page, submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.governance.rules import financial_year_label
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import priority_setting as services
from commissioning.strategy import priority_setting_selectors as selectors
from commissioning.strategy.models import PriorityRound, RoundStatus
from commissioning.strategy.pages import back_to, can_manage
from commissioning.strategy.priority_setting_charts import sensitivity_chart
from commissioning.strategy.priority_setting_forms import (
    CriteriaForm,
    DecisionForm,
    InterestForm,
    OptionForm,
    PanelMemberForm,
    RoundForm,
    ScoringForm,
)

NAV = {"nav_stage": "strategy"}
OPTION_HEADERS = (
    "Option",
    "Investment or disinvestment",
    "Cost (+) or saving (-)",
    "People affected",
    "Care group",
    "Priority",
    "Prevention",
    "Must do",
    "Exclusive group",
)


def _round(request: HttpRequest, pk: int) -> PriorityRound:
    return found_or_404(selectors.round_in, request.partnership, pk)  # type: ignore[attr-defined]


def _back(round_: PriorityRound, anchor: str = "") -> HttpResponse:
    return back_to("strategy:round", round_, anchor)


def _form_page(
    request: HttpRequest, form: forms.Form, *, title: str, round_: PriorityRound | None, submit_label: str
) -> HttpResponse:
    return form_page(
        request, "strategy/round_form.html", form, title=title, round=round_, submit_label=submit_label, **NAV
    )


@partnership_view(Permission.VIEW_STRATEGY)
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = list(selectors.rounds_of(request.partnership))  # type: ignore[attr-defined]
    for round_ in rounds:
        round_.year_label = financial_year_label(round_.financial_year)  # type: ignore[attr-defined]
    return render(
        request, "strategy/round_list.html", {"rounds": rounds, "can_manage": can_manage(request), **NAV}
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def round_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = RoundForm(request.POST or None)
    created = submit(
        request,
        form,
        lambda data: services.create_round(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if created is not None:
        messages.success(request, f"Round {created.name} set up with the default criteria, equally weighted.")
        return _back(created)
    return _form_page(
        request, form, title="Set up a priority-setting round", round_=None, submit_label="Set up"
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    initial = {
        "name": found.name,
        "financial_year": found.financial_year,
        "budget": found.budget,
        "min_prevention_share": found.min_prevention_share,
        "scale_top": found.scale_top,
    }
    form = RoundForm(request.POST or None, initial=initial)
    updated = submit(
        request,
        form,
        lambda data: services.update_round(actor=request.user, round_=found, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Round {updated.name} saved.")
        return _back(updated)
    return _form_page(request, form, title=f"Change {found.name}", round_=found, submit_label="Save changes")


@partnership_view(Permission.VIEW_STRATEGY)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = found_or_404(selectors.round_page, partnership, pk, request.user)
    round_ = page.round
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-round-{round_.pk}-options",
            headers=(*OPTION_HEADERS, *(f"{c.label} (mean)" for c in page.criteria), "Weighted benefit"),
            rows=[
                (
                    row.option.title,
                    row.option.get_kind_display(),
                    row.option.net_cost,
                    row.option.people,
                    row.option.care_group.name if row.option.care_group else "",
                    row.option.priority.title if row.option.priority else "",
                    "Yes" if row.option.is_prevention else "No",
                    "Yes" if row.option.must_do else "No",
                    row.option.exclusive_group,
                    *row.means,
                    row.benefit,
                )
                for row in page.options
            ],
            fmt=fmt,
        )
    return render(
        request,
        "strategy/round_detail.html",
        {
            "page": page,
            "round": round_,
            "year": financial_year_label(round_.financial_year),
            "can_manage": can_manage(request) and round_.status != RoundStatus.DECIDED,
            "can_change_options": can_manage(request)
            and round_.status in (RoundStatus.DRAFT, RoundStatus.SCORING),
            "problems": services.readiness_problems(round_) if round_.status == RoundStatus.DRAFT else {},
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def round_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    criteria = list(found.criteria.all())
    form = CriteriaForm(request.POST or None, criteria=criteria, allow_new=found.status == RoundStatus.DRAFT)
    saved = submit(
        request,
        form,
        lambda data: services.set_criteria(actor=request.user, round_=found, rows=form.rows()),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, "Criteria and weights saved.")
        return _back(found, "criteria")
    context = {"form": form, "round": found, **NAV}
    return render(request, "strategy/round_criteria.html", context, status=400 if form.errors else 200)


@partnership_view(Permission.MANAGE_STRATEGY)
def round_option_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    form = OptionForm(request.POST or None, partnership=found.partnership)
    added = submit(
        request,
        form,
        lambda data: services.add_option(actor=request.user, round_=found, **data),  # type: ignore[arg-type]
    )
    if added is not None:
        messages.success(request, f"Option {added.title} added.")
        return _back(found, "options")
    return _form_page(request, form, title="Add an option", round_=found, submit_label="Add the option")


@partnership_view(Permission.MANAGE_STRATEGY)
def round_option_edit(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    option = found_or_404(selectors.option_in, request.partnership, pk, option_pk)  # type: ignore[attr-defined]
    initial = {
        "title": option.title,
        "description": option.description,
        "kind": option.kind,
        "amount": option.amount,
        "people": option.people,
        "care_group": option.care_group_id,
        "priority": option.priority_id,
        "is_prevention": option.is_prevention,
        "must_do": option.must_do,
        "exclusive_group": option.exclusive_group,
    }
    form = OptionForm(request.POST or None, initial=initial, partnership=option.round.partnership)
    updated = submit(
        request,
        form,
        lambda data: services.update_option(actor=request.user, option=option, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Option {updated.title} saved.")
        return _back(option.round, "options")
    return _form_page(
        request, form, title=f"Change {option.title}", round_=option.round, submit_label="Save changes"
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def round_option_remove(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    option = found_or_404(selectors.option_in, request.partnership, pk, option_pk)  # type: ignore[attr-defined]
    try:
        services.remove_option(actor=request.user, option=option)  # type: ignore[arg-type]
        messages.success(request, f"Option {option.title} removed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(option.round, "options")


@partnership_view(Permission.MANAGE_STRATEGY)
def round_member_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    form = PanelMemberForm(request.POST or None, round_=found)

    def write(data: dict[str, Any]) -> Any:
        if data.get("interest_in") and not (data.get("interest") or "").strip():
            raise ValidationError({"interest": "Say what the interest is."})
        return services.add_panel_member(
            actor=request.user,  # type: ignore[arg-type]
            round_=found,
            user=data["user"],
            role=data["role"],
            interests=form.interests(),
        )

    added = submit(request, form, write)
    if added is not None:
        messages.success(request, f"{added.user} joined the panel.")
        return _back(found, "panel")
    return _form_page(
        request, form, title="Add a panel member", round_=found, submit_label="Add to the panel"
    )


@partnership_view(Permission.VIEW_STRATEGY)
def round_interest_new(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    """A panel member declares an interest after joining: the member themselves, or whoever runs the round."""
    member = found_or_404(selectors.member_in, request.partnership, pk, member_pk)  # type: ignore[attr-defined]
    if member.user_id != request.user.pk and not can_manage(request):
        raise Http404("Only the member or whoever runs the round may declare their interests.")
    form = InterestForm(request.POST or None, member=member)
    declared = submit(
        request,
        form,
        lambda data: services.declare_interest(
            actor=request.user,  # type: ignore[arg-type]
            member=member,
            option=data["option"],
            interest=data["interest"],
        ),
    )
    if declared is not None:
        messages.success(request, f"Interest in {declared.option.title} declared; those scores are left out.")
        return _back(member.round, "panel")
    return _form_page(
        request,
        form,
        title=f"Declare an interest: {member.user}",
        round_=member.round,
        submit_label="Declare the interest",
    )


@partnership_view(Permission.VIEW_STRATEGY)
def round_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in panel member's scoring grid: option × criterion, with a comment on each."""
    grid = found_or_404(selectors.scoring_grid, request.partnership, pk, request.user)  # type: ignore[attr-defined]
    form = ScoringForm(request.POST or None, grid=grid)
    saved = submit(
        request,
        form,
        lambda data: services.submit_scores(actor=request.user, round_=grid.round, entries=form.entries()),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, f"Your scores are saved ({saved} changed).")
        return _back(grid.round, "panel")
    context = {
        "form": form,
        "grid": grid,
        "round": grid.round,
        "open": grid.round.status == RoundStatus.SCORING,
        **NAV,
    }
    return render(request, "strategy/round_scores.html", context, status=400 if form.errors else 200)


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def round_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open the round for scoring, or close scoring."""
    found = _round(request, pk)
    change = {"open": services.open_scoring, "close": services.close_scoring}.get(action)
    if change is None:
        raise Http404
    try:
        change(actor=request.user, round_=found)  # type: ignore[arg-type]
        messages.success(request, f"Round {found.name} is now {services.STATUS_PHRASES[found.status]}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(found)


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def round_run(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    try:
        services.run_optimiser(actor=request.user, round_=found)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(found)
    messages.success(request, "The optimiser has recommended a portfolio.")
    return redirect("strategy:round_results", found.partnership.slug, found.pk)


@partnership_view(Permission.VIEW_STRATEGY)
def round_results(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    result = found_or_404(selectors.results, partnership, pk)
    chart = None
    if result.sensitivity:
        chart = {
            "id": "chart-sensitivity",
            "data_id": "chart-sensitivity-data",
            "label": "How the portfolio changes as each weight moves; the table below lists the options.",
            "figure": sensitivity_chart(result.sensitivity, result.titles),
        }
    first = result.sensitivity[min(result.sensitivity)] if result.sensitivity else None
    return render(
        request,
        "strategy/round_results.html",
        {
            "result": result,
            "round": result.round,
            "chart": chart,
            "table": first,
            "step": min(result.sensitivity) if result.sensitivity else None,
            "can_run": can_manage(request)
            and result.round.status in (RoundStatus.SCORING, RoundStatus.CLOSED),
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def round_decision(request: HttpRequest, pk: int) -> HttpResponse:
    found = _round(request, pk)
    form = DecisionForm(request.POST or None, partnership=found.partnership)
    decided = submit(
        request,
        form,
        lambda data: services.record_decision(actor=request.user, round_=found, **data),  # type: ignore[arg-type]
    )
    if decided is not None:
        messages.success(request, f"Round {decided.name} recorded as decided.")
        return _back(decided)
    return _form_page(
        request,
        form,
        title="Record the decision that adopted the result",
        round_=found,
        submit_label="Record",
    )
