"""Commissioning strategy pages: strategies by care group, each with its schematic, action plan,
measures of success, live needs analysis and current resources, and their edit pages.

Reads need ``VIEW_STRATEGY``; every write ``MANAGE_STRATEGY``, checked again by the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from commissioning.core.dates import long_date
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import form_page, submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import strategies, strategy_selectors
from commissioning.strategy.models import (
    CommissioningStrategy,
    ServiceDevelopment,
    StrategyAction,
    StrategyStatus,
    SuccessMeasure,
)
from commissioning.strategy.pages import back_to, can_manage
from commissioning.strategy.strategy_forms import (
    ActionForm,
    DevelopmentForm,
    MeasureForm,
    ObjectiveForm,
    StrategyForm,
    SubmitForm,
)

NAV = {"nav_stage": "strategy"}
SCHEMATIC_HEADERS = (
    "Objective",
    "Strategic objective",
    "Service development",
    "For whom",
    "Where",
    "By when",
    "Rationale",
    "Implication",
    "What it means",
    "Transition cost",
    "How success is measured",
    "Contract",
)


def _schematic_rows(strategy: CommissioningStrategy) -> list[tuple[Any, ...]]:
    """One row per service development (one for an objective without any), in the schematic's order."""
    rows: list[tuple[Any, ...]] = []
    for objective in strategy.objectives.all():
        developments = list(objective.developments.all())
        if not developments:
            rows.append((objective.position, objective.objective, *([""] * 4), "", "", "", None, "", ""))
        for d in developments:
            where = "; ".join(part for part in (d.where, ", ".join(a.name for a in d.areas.all())) if part)
            rows.append(
                (
                    objective.position,
                    objective.objective,
                    d.description,
                    d.for_whom,
                    where,
                    d.by_when,
                    d.rationale,
                    d.get_implication_display(),
                    d.implications,
                    d.transition_cost,
                    d.success_measure,
                    d.contract.reference if d.contract else "",
                )
            )
    return rows


def _strategy(request: HttpRequest, pk: int) -> CommissioningStrategy:
    return found_or_404(strategy_selectors.strategy_in, request.partnership, pk)  # type: ignore[attr-defined]


def _back(strategy: CommissioningStrategy, anchor: str = "") -> HttpResponse:
    return back_to("strategy:strategy", strategy, anchor)


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    caption: str,
    submit_label: str,
    strategy: CommissioningStrategy | None,
) -> HttpResponse:
    return form_page(
        request,
        "strategy/strategy_form.html",
        form,
        title=title,
        caption=caption,
        submit_label=submit_label,
        strategy=strategy,
        **NAV,
    )


@partnership_view(Permission.VIEW_STRATEGY)
def strategy_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    groups = strategy_selectors.strategies_by_care_group(partnership)
    return render(
        request,
        "strategy/strategy_list.html",
        {
            "groups": groups,
            "any_strategy": any(g.strategies for g in groups),
            "can_manage": can_manage(request),
            **NAV,
        },
    )


@partnership_view(Permission.VIEW_STRATEGY)
def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = found_or_404(strategy_selectors.strategy_page, partnership, pk)
    strategy = page.strategy
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-strategy-{strategy.pk}-schematic",
            headers=SCHEMATIC_HEADERS,
            rows=_schematic_rows(strategy),
            fmt=fmt,
        )
    return render(
        request,
        "strategy/strategy_detail.html",
        {
            "page": page,
            "strategy": strategy,
            "period": f"{long_date(strategy.starts_on)} to {long_date(strategy.ends_on)}",
            "can_edit": can_manage(request) and strategy.status == StrategyStatus.DRAFT,
            "can_revise": can_manage(request) and strategies.is_rejected(strategy),
            "problems": strategies.readiness_problems(strategy)
            if strategy.status == StrategyStatus.DRAFT
            else {},
            **NAV,
        },
    )


def _strategy_data(data: dict[str, Any]) -> dict[str, Any]:
    data["priorities"] = list(data.get("priorities") or [])
    return data


@partnership_view(Permission.MANAGE_STRATEGY)
def strategy_new(request: HttpRequest) -> HttpResponse:
    """A new draft strategy; ``?care_group=<pk>`` preselects the care group."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = StrategyForm(
        request.POST or None,
        initial={"care_group": request.GET.get("care_group", "")},
        partnership=partnership,
    )
    created = submit(
        request,
        form,
        lambda data: strategies.create_strategy(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            **_strategy_data(data),
        ),
    )
    if created is not None:
        messages.success(request, f"Strategy {created.title} drafted.")
        return _back(created)
    return _form_page(
        request,
        form,
        title="New commissioning strategy",
        caption="Strategies",
        submit_label="Save the strategy",
        strategy=None,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _strategy(request, pk)
    initial = {
        "care_group": found.care_group_id,
        "title": found.title,
        "horizon": found.horizon,
        "starts_on": found.starts_on,
        "ends_on": found.ends_on,
        "purpose": found.purpose,
        "commitments": found.commitments,
        "legislation": found.legislation,
        "priorities": [p.pk for p in found.priorities.all()],
    }
    form = StrategyForm(request.POST or None, initial=initial, partnership=partnership)
    updated = submit(
        request,
        form,
        lambda data: strategies.update_strategy(
            actor=request.user,  # type: ignore[arg-type]
            strategy=found,
            **_strategy_data(data),
        ),
    )
    if updated is not None:
        messages.success(request, f"Strategy {updated.title} saved.")
        return _back(updated)
    return _form_page(
        request,
        form,
        title=f"Edit {found.title}",
        caption="Strategy",
        submit_label="Save changes",
        strategy=found,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def objective_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _strategy(request, pk)
    form = ObjectiveForm(request.POST or None, strategy=found)
    added = submit(
        request,
        form,
        lambda data: strategies.add_objective(actor=request.user, strategy=found, **data),  # type: ignore[arg-type]
    )
    if added is not None:
        messages.success(request, f"Objective {added.position} added.")
        return _back(found, "schematic")
    return _form_page(
        request,
        form,
        title="Add a strategic objective",
        caption=found.title,
        submit_label="Add the objective",
        strategy=found,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = found_or_404(strategy_selectors.objective_in, request.partnership, pk)  # type: ignore[attr-defined]
    initial = {
        "text": objective.objective,
        "priority": objective.priority_id,
        "outcome": objective.outcome_id,
    }
    form = ObjectiveForm(request.POST or None, initial=initial, strategy=objective.strategy)
    updated = submit(
        request,
        form,
        lambda data: strategies.update_objective(actor=request.user, objective=objective, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Objective {updated.position} saved.")
        return _back(objective.strategy, "schematic")
    return _form_page(
        request,
        form,
        title=f"Edit objective {objective.position}",
        caption=objective.strategy.title,
        submit_label="Save changes",
        strategy=objective.strategy,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def development_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    objective = found_or_404(strategy_selectors.objective_in, partnership, pk)
    form = DevelopmentForm(request.POST or None, partnership=partnership)

    def write(data: dict[str, Any]) -> ServiceDevelopment:
        data["areas"] = list(data.get("areas") or [])
        return strategies.add_development(actor=request.user, objective=objective, **data)  # type: ignore[arg-type]

    added = submit(request, form, write)
    if added is not None:
        messages.success(request, f"Service development added to objective {objective.position}.")
        return _back(objective.strategy, "schematic")
    return _form_page(
        request,
        form,
        title=f"Add the gap for objective {objective.position}",
        caption=objective.strategy.title,
        submit_label="Add the development",
        strategy=objective.strategy,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def development_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    development = found_or_404(strategy_selectors.development_in, partnership, pk)
    objective = development.objective
    initial = {
        "description": development.description,
        "for_whom": development.for_whom,
        "where": development.where,
        "areas": [a.pk for a in development.areas.all()],
        "by_when": development.by_when,
        "rationale": development.rationale,
        "implication": development.implication,
        "implications": development.implications,
        "transition_cost": development.transition_cost,
        "success_measure": development.success_measure,
        "contract": development.contract_id,
    }
    form = DevelopmentForm(request.POST or None, initial=initial, partnership=partnership)

    def write(data: dict[str, Any]) -> ServiceDevelopment:
        data["areas"] = list(data.get("areas") or [])
        return strategies.update_development(actor=request.user, development=development, **data)  # type: ignore[arg-type]

    updated = submit(request, form, write)
    if updated is not None:
        messages.success(request, f"Service development of objective {objective.position} saved.")
        return _back(objective.strategy, "schematic")
    return _form_page(
        request,
        form,
        title=f"Change the gap for objective {objective.position}",
        caption=objective.strategy.title,
        submit_label="Save changes",
        strategy=objective.strategy,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _strategy(request, pk)
    form = ActionForm(request.POST or None, strategy=found)
    added = submit(
        request,
        form,
        lambda data: strategies.add_action(actor=request.user, strategy=found, **data),  # type: ignore[arg-type]
    )
    if added is not None:
        messages.success(request, "Action added to the plan.")
        return _back(found, "action-plan")
    return _form_page(
        request,
        form,
        title="Add an action",
        caption=found.title,
        submit_label="Add the action",
        strategy=found,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def measure_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _strategy(request, pk)
    form = MeasureForm(request.POST or None, partnership=request.partnership)  # type: ignore[attr-defined]
    added = submit(
        request,
        form,
        lambda data: strategies.add_measure(actor=request.user, strategy=found, **data),  # type: ignore[arg-type]
    )
    if added is not None:
        messages.success(request, "Measure of success added.")
        return _back(found, "measures")
    return _form_page(
        request,
        form,
        title="Add a measure of success",
        caption=found.title,
        submit_label="Add the measure",
        strategy=found,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    found = _strategy(request, pk)
    row = found_or_404(lambda: found.actions.get(pk=action_pk))
    initial = {
        "action": row.action,
        "owner": row.owner,
        "due_on": row.due_on,
        "done_on": row.done_on,
        "objective": row.objective_id,
    }
    form = ActionForm(request.POST or None, initial=initial, strategy=found)
    updated = submit(
        request,
        form,
        lambda data: strategies.update_action(actor=request.user, plan_action=row, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, "Action saved.")
        return _back(found, "action-plan")
    return _form_page(
        request,
        form,
        title="Change an action",
        caption=found.title,
        submit_label="Save changes",
        strategy=found,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def measure_edit(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    found = _strategy(request, pk)
    row = found_or_404(lambda: found.measures.get(pk=measure_pk))
    initial = {"measure": row.measure, "indicator": row.indicator_id, "target": row.target}
    form = MeasureForm(request.POST or None, initial=initial, partnership=request.partnership)  # type: ignore[attr-defined]
    updated = submit(
        request,
        form,
        lambda data: strategies.update_measure(actor=request.user, success_measure=row, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, "Measure of success saved.")
        return _back(found, "measures")
    return _form_page(
        request,
        form,
        title="Change a measure of success",
        caption=found.title,
        submit_label="Save changes",
        strategy=found,
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def strategy_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring a rejected strategy back as a new draft version."""
    found = _strategy(request, pk)
    try:
        revised = strategies.revise_strategy(actor=request.user, strategy=found)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(found)
    messages.success(
        request,
        f"{revised.title} is a draft again (version {revised.version}): change it and submit it anew.",
    )
    return _back(revised)


def _remove(request: HttpRequest, strategy: CommissioningStrategy, write: Callable[[], None]) -> HttpResponse:
    try:
        write()
        messages.success(request, "Removed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(strategy)


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def strategy_part_remove(request: HttpRequest, pk: int, part: str, part_pk: int) -> HttpResponse:
    """Remove an objective, service development, action or measure of a draft strategy."""
    found = _strategy(request, pk)
    actor = request.user
    if part == "objective":
        objective = found_or_404(lambda: found.objectives.get(pk=part_pk))
        return _remove(request, found, lambda: strategies.remove_objective(actor=actor, objective=objective))  # type: ignore[arg-type]
    if part == "development":
        development = found_or_404(
            lambda: ServiceDevelopment.objects.select_related("objective__strategy__partnership").get(
                objective__strategy=found, pk=part_pk
            )
        )
        return _remove(
            request,
            found,
            lambda: strategies.remove_development(actor=actor, development=development),  # type: ignore[arg-type]
        )
    if part == "action":
        action = found_or_404(lambda: StrategyAction.objects.get(strategy=found, pk=part_pk))
        return _remove(request, found, lambda: strategies.remove_action(actor=actor, action=action))  # type: ignore[arg-type]
    if part != "measure":
        raise Http404
    measure = found_or_404(lambda: SuccessMeasure.objects.get(strategy=found, pk=part_pk))
    return _remove(request, found, lambda: strategies.remove_measure(actor=actor, measure=measure))  # type: ignore[arg-type]


@partnership_view(Permission.MANAGE_STRATEGY)
def strategy_submit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _strategy(request, pk)
    form = SubmitForm(request.POST or None, partnership=partnership)
    submitted = submit(
        request,
        form,
        lambda data: strategies.submit_for_approval(actor=request.user, strategy=found, **data),  # type: ignore[arg-type]
    )
    if submitted is not None:
        assert submitted.decision is not None
        messages.success(
            request,
            f"Strategy {submitted.title} submitted for approval through {submitted.decision.reference}.",
        )
        return _back(submitted)
    context = {
        "form": form,
        "strategy": found,
        "problems": strategies.readiness_problems(found) if found.status == StrategyStatus.DRAFT else {},
        **NAV,
    }
    return render(request, "strategy/strategy_submit.html", context, status=400 if form.errors else 200)
