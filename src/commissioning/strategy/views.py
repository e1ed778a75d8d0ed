"""Strategy pages: priorities by care group with their live evidence, and outcome frameworks.

Reads need ``VIEW_STRATEGY``; every write ``MANAGE_STRATEGY``, checked again by the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.needs import presenters
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import selectors, services
from commissioning.strategy.forms import AdoptForm, AgreeForm, LinkIndicatorForm, PriorityForm
from commissioning.strategy.framework_templates import framework_templates
from commissioning.strategy.models import Priority
from commissioning.strategy.pages import can_manage

NAV = {"nav_stage": "strategy"}
PRIORITY_HEADERS = (
    "Care group",
    "Priority",
    "Status",
    "Owner",
    "Agreed by",
    "Review by",
    "Outcomes",
    "Evidence",
    "Latest value",
    "Compared with England",
    "Recent trend",
)


def _priority(request: HttpRequest, pk: int) -> Priority:
    partnership = request.partnership  # type: ignore[attr-defined]
    return found_or_404(selectors.priority_in, partnership, pk)


def _owner(priority: Priority) -> str:
    name = (priority.owner.get_full_name() or priority.owner.username) if priority.owner else ""
    return ", ".join(part for part in (name, priority.owner_post) if part)


def _export_rows(home: selectors.StrategyHome) -> list[tuple[Any, ...]]:
    """One row per priority and evidence indicator (one row for a priority without evidence)."""
    rows: list[tuple[Any, ...]] = []
    for p in home.priorities:
        common = (
            p.care_group.name,
            p.title,
            p.get_status_display(),
            _owner(p),
            p.agreed_by_decision.reference if p.agreed_by_decision else "",
            p.review_by,
            "; ".join(o.title for o in p.outcomes.all()),
        )
        links = list(p.evidence_links.all())
        if not links:
            rows.append((*common, "", None, "", ""))
        for link in links:
            reading = home.evidence.get(link.indicator_id)
            rows.append(
                (
                    *common,
                    link.indicator.name,
                    None if reading is None or reading.value is None else round(reading.value, 2),
                    presenters.comparison_text(reading.compared_england, link.indicator.polarity)
                    if reading
                    else "",
                    presenters.trend_text(reading.trend) if reading else "",
                )
            )
    return rows


@partnership_view(Permission.VIEW_STRATEGY)
def home(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    page = selectors.strategy_home(partnership)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-priorities",
            headers=PRIORITY_HEADERS,
            rows=_export_rows(page),
            fmt=fmt,
        )
    return render(request, "strategy/home.html", {"page": page, "can_manage": can_manage(request), **NAV})


@partnership_view(Permission.VIEW_STRATEGY)
def frameworks(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = list(selectors.frameworks_of(partnership))
    adopted = {f.template_key for f in found}
    return render(
        request,
        "strategy/frameworks.html",
        {
            "frameworks": found,
            "can_adopt": can_manage(request) and bool(set(framework_templates()) - adopted),
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def framework_adopt(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = AdoptForm(request.POST or None)
    framework = submit(
        request,
        form,
        lambda data: services.adopt_framework(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if framework is not None:
        messages.success(request, f"{framework.name} adopted, with {framework.outcomes.count()} outcomes.")
        return redirect("strategy:framework", partnership.slug, framework.pk)
    adopted = set(
        partnership.outcome_frameworks.exclude(template_key="").values_list("template_key", flat=True)
    )
    templates = [(t, t.key in adopted) for t in framework_templates().values()]
    status = 400 if form.errors else 200
    return render(
        request, "strategy/framework_adopt.html", {"form": form, "templates": templates, **NAV}, status=status
    )


@partnership_view(Permission.VIEW_STRATEGY)
def framework(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = found_or_404(selectors.framework_in, partnership, pk)
    form = None
    if can_manage(request):
        form = LinkIndicatorForm(request.POST or None, partnership=partnership, outcomes=found.outcomes.all())
        link = submit(
            request,
            form,
            lambda data: services.link_indicator(actor=request.user, **data),  # type: ignore[arg-type]
        )
        if link is not None:
            messages.success(request, f"{link.indicator.name} linked to {link.outcome.title}.")
            return redirect("strategy:framework", partnership.slug, found.pk)
    elif request.method == "POST":
        raise NotPermitted("Your role does not allow you to change outcome frameworks.")
    status = 400 if form is not None and form.errors else 200
    return render(
        request, "strategy/framework.html", {"framework": found, "form": form, **NAV}, status=status
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def outcome_unlink(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    outcome = found_or_404(selectors.outcome_in, partnership, pk)
    indicator = found_or_404(lambda: selectors.indicators_of(partnership).get(pk=indicator_pk))
    try:
        services.unlink_indicator(actor=request.user, outcome=outcome, indicator=indicator)  # type: ignore[arg-type]
        messages.success(request, f"{indicator.name} unlinked from {outcome.title}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("strategy:framework", partnership.slug, outcome.framework_id)


@partnership_view(Permission.VIEW_STRATEGY)
def priority(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _priority(request, pk)
    links = list(found.evidence_links.all())
    evidence = selectors.evidence_for(partnership, [link.indicator_id for link in links])
    rows = [(link, evidence.get(link.indicator_id)) for link in links]
    return render(
        request,
        "strategy/priority.html",
        {
            "priority": found,
            "rows": rows,
            "area": evidence.area,
            "owner": _owner(found),
            "review_by": long_date(found.review_by) if found.review_by else "",
            "can_manage": can_manage(request),
            **NAV,
        },
    )


def _priority_data(data: dict[str, Any]) -> dict[str, Any]:
    data["outcomes"] = list(data.get("outcomes") or [])
    data["evidence"] = list(data.get("evidence") or [])
    return data


@partnership_view(Permission.MANAGE_STRATEGY)
def priority_new(request: HttpRequest) -> HttpResponse:
    """A new priority; ``?indicator=<pk>`` (repeatable) and ``?care_group=<pk>`` preselect them."""
    partnership = request.partnership  # type: ignore[attr-defined]
    initial = {
        "evidence": [v for v in request.GET.getlist("indicator") if v.isdigit()],
        "care_group": request.GET.get("care_group", ""),
    }
    form = PriorityForm(request.POST or None, initial=initial, partnership=partnership)
    created = submit(
        request,
        form,
        lambda data: services.create_priority(
            actor=request.user, partnership=partnership, **_priority_data(data)
        ),  # type: ignore[arg-type]
    )
    if created is not None:
        messages.success(request, f"Priority {created.title} drafted.")
        return redirect("strategy:priority", partnership.slug, created.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "title": "New priority", "submit_label": "Save the priority", **NAV}
    return render(request, "strategy/priority_form.html", context, status=status)


@partnership_view(Permission.MANAGE_STRATEGY)
def priority_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _priority(request, pk)
    initial = {
        "care_group": found.care_group_id,
        "title": found.title,
        "statement": found.statement,
        "rationale": found.rationale,
        "evidence": [link.indicator_id for link in found.evidence_links.all()],
        "outcomes": [o.pk for o in found.outcomes.all()],
        "owner": found.owner_id,
        "owner_post": found.owner_post,
        "review_by": found.review_by,
    }
    form = PriorityForm(request.POST or None, initial=initial, partnership=partnership)
    updated = submit(
        request,
        form,
        lambda data: services.update_priority(actor=request.user, priority=found, **_priority_data(data)),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Priority {updated.title} saved.")
        return redirect("strategy:priority", partnership.slug, updated.pk)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "priority": found,
        "title": f"Edit {found.title}",
        "submit_label": "Save changes",
        **NAV,
    }
    return render(request, "strategy/priority_form.html", context, status=status)


@partnership_view(Permission.MANAGE_STRATEGY)
def priority_agree(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _priority(request, pk)
    form = AgreeForm(request.POST or None, partnership=partnership)
    agreed = submit(
        request,
        form,
        lambda data: services.agree_priority(actor=request.user, priority=found, **data),  # type: ignore[arg-type]
    )
    if agreed is not None:
        messages.success(request, f"Priority {agreed.title} agreed by {agreed.agreed_by_decision}.")
        return redirect("strategy:priority", partnership.slug, agreed.pk)
    status = 400 if form.errors else 200
    return render(
        request, "strategy/priority_agree.html", {"form": form, "priority": found, **NAV}, status=status
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def priority_retire(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    found = _priority(request, pk)
    try:
        services.retire_priority(actor=request.user, priority=found)  # type: ignore[arg-type]
        messages.success(request, f"Priority {found.title} retired.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("strategy:priority", partnership.slug, found.pk)
