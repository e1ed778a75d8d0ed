"""Review pages: the list, one review with its findings and remedial plan, the forms that change
them, the escalation rules, the "run checks now" page and each person's notifications.

Thin: they read through ``review_selectors``, write through ``reviews`` and ``escalation``, and a
refusal comes back onto the form it was made from. Providers' contacts see their own contracts'
reviews, read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from commissioning.core.dates import long_date
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.performance import escalation, notifications, reviews
from commissioning.performance import review_selectors as selectors
from commissioning.performance.models import EscalationTrigger, ReviewStatus
from commissioning.performance.review_forms import (
    ActionForm,
    CloseForm,
    CompleteActionForm,
    FindingForm,
    HoldForm,
    MarkReadForm,
    PlanForm,
    PlanStatusForm,
    ReviewFilterForm,
    ReviewForm,
    RuleForm,
)

NAV = {"nav_stage": "performance"}
PAGE_SIZE = 50
LIST_HEADERS = (
    "Opened",
    "Review",
    "Kind",
    "Contract",
    "Provider",
    "Status",
    "Scheduled for",
    "Held on",
    "Overall rating",
    "Findings",
    "Red findings",
    "Escalated by",
    "KPI",
    "Remedial plan",
    "Actions open",
)


def kpi_url(slug: str, kpi_pk: int) -> str:
    """The KPI's own page."""
    return reverse("kpis:detail", args=[slug, kpi_pk])


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, posted_error: bool = False
) -> HttpResponse:
    return render(request, template, {**context, **NAV}, status=400 if posted_error else 200)


def _form_page(
    request: HttpRequest, *, title: str, form: Any, cancel_url: str, submit_label: str, **extra: Any
) -> HttpResponse:
    return _page(
        request,
        "performance/review_form.html",
        {"title": title, "form": form, "cancel_url": cancel_url, "submit_label": submit_label, **extra},
        posted_error=request.method == "POST",
    )


def _detail_url(slug: str, pk: int, anchor: str = "") -> str:
    return reverse("reviews:detail", args=[slug, pk]) + (f"#{anchor}" if anchor else "")


def _can_see(request: HttpRequest) -> None:
    selectors.require_may_see_reviews(request.user, request.partnership)  # type: ignore[attr-defined]


def _actor(request: HttpRequest) -> Any:
    """The signed-in person (``partnership_view`` has checked their membership)."""
    return request.user


def _review(request: HttpRequest, pk: int) -> Any:
    return found_or_404(selectors.review_in, request.partnership, pk)  # type: ignore[attr-defined]


def _change_review(
    request: HttpRequest,
    review: Any,
    form: Any,
    write: Callable[[dict[str, Any]], Any],
    *,
    said: Callable[[Any], str],
    title: str,
    submit_label: str,
    anchor: str = "",
    next_url: str = "",
    **extra: Any,
) -> HttpResponse:
    """A form that changes one review: once written, say what was done and go back to the review
    (at ``anchor``), or on to ``next_url``; otherwise the form again, cancelling to the same place."""
    back = _detail_url(request.partnership.slug, review.pk, anchor)  # type: ignore[attr-defined]
    saved = submit(request, form, write)
    if saved is not None:
        messages.success(request, said(saved))
        return redirect(next_url or back)
    return _form_page(
        request, title=title, form=form, cancel_url=back, submit_label=submit_label, review=review, **extra
    )


# The list --------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[ReviewFilterForm, selectors.ReviewFilters]:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ReviewFilterForm(
        request.GET or None,
        contracts=selectors.contracts_with_reviews(request.user, partnership),
        providers=selectors.providers_with_reviews(request.user, partnership),
    )
    if not form.is_bound or not form.is_valid():
        return form, selectors.ReviewFilters()
    data = form.cleaned_data
    return form, selectors.ReviewFilters(
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        contract_id=data["contract"].pk if data.get("contract") else None,
        provider_id=data["provider"].pk if data.get("provider") else None,
    )


def _row(review: Any) -> tuple[Any, ...]:
    plan = getattr(review, "remedial_plan", None)
    return (
        review.opened_at.date(),
        review.title,
        review.get_kind_display(),
        f"{review.contract.reference} {review.contract.title}",
        review.contract.provider.organisation.name,
        review.get_status_display(),
        review.scheduled_for,
        review.held_on,
        review.get_overall_rating_display(),
        review.finding_count,
        review.red_count,
        review.escalation_rule.get_trigger_display() if review.escalation_rule else "",
        review.trigger_kpi.code if review.trigger_kpi else "",
        plan.get_status_display() if plan else "",
        review.open_action_count,
    )


@partnership_view(Permission.VIEW_PARTNERSHIP)
def review_list(request: HttpRequest) -> HttpResponse:
    _can_see(request)
    partnership = request.partnership  # type: ignore[attr-defined]
    form, filters = _filters(request)
    found = selectors.review_list(request.user, partnership, filters)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-reviews",
            headers=LIST_HEADERS,
            rows=(_row(r) for r in found),
            fmt=fmt,
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "performance/review_list.html",
        {"form": form, "page": page, "counts": selectors.review_counts(request.user, partnership)},
    )


# One review ------------------------------------------------------------------------------


@partnership_view(Permission.VIEW_PARTNERSHIP)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _can_see(request)
    partnership = request.partnership  # type: ignore[attr-defined]
    review = found_or_404(selectors.review_detail, request.user, partnership, pk)
    for finding in review.findings.all():
        finding.kpi_url = kpi_url(partnership.slug, finding.kpi_id) if finding.kpi_id else ""  # type: ignore[attr-defined]
    plan = review.plan  # type: ignore[attr-defined]
    actions = list(plan.actions.all()) if plan else []
    return _page(
        request,
        "performance/review_detail.html",
        {
            "review": review,
            "plan": plan,
            "actions": actions,
            "open_actions": sum(action.completed_on is None for action in actions),
            "trigger_kpi_url": kpi_url(partnership.slug, review.trigger_kpi_id)
            if review.trigger_kpi_id
            else "",
            "close_blockers": reviews.close_blockers(review) if review.status != ReviewStatus.CLOSED else [],
            "can_manage": "manage_performance" in {p.value for p in request.permissions},  # type: ignore[attr-defined]
        },
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def review_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    contracts = selectors.contracts_for_review(partnership)
    chosen = None
    wanted = request.GET.get("contract", "")
    if wanted.isdigit():
        chosen = contracts.filter(pk=int(wanted)).first()
    kpis = selectors.kpis_of(chosen, partnership)
    wanted_kpi = request.GET.get("kpi", "")
    kpi = kpis.filter(pk=int(wanted_kpi)).first() if chosen and wanted_kpi.isdigit() else None
    initial: dict[str, Any] = {"contract": chosen.pk if chosen else None, "kind": "contract"}
    if kpi is not None:
        initial |= {"trigger_kpi": kpi.pk, "title": f"{chosen.reference}: {kpi.code} {kpi.name}"[:200]}
    form = ReviewForm(request.POST or None, contracts=contracts, kpis=kpis, initial=initial)
    review = submit(request, form, lambda data: reviews.open_review(actor=_actor(request), **data))
    if review is not None:
        messages.success(request, f"Review opened: {review.title}.")
        return redirect("reviews:detail", partnership.slug, review.pk)
    cancel = (
        reverse("contracts:detail", args=[partnership.slug, chosen.pk])
        if chosen
        else reverse("reviews:list", args=[partnership.slug])
    )
    return _form_page(
        request, title="Open a review", form=form, cancel_url=cancel, submit_label="Open review"
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    form = ReviewForm(
        request.POST or None,
        contracts=selectors.contracts_for_review(partnership),
        kpis=selectors.kpis_of(review.contract, partnership),
        editing=True,
        initial={
            "kind": review.kind,
            "title": review.title,
            "scheduled_for": review.scheduled_for,
            "trigger_kpi": review.trigger_kpi_id,
        },
    )
    return _change_review(
        request,
        review,
        form,
        lambda data: reviews.update_review(actor=_actor(request), review=review, **data),
        said=lambda saved: "Review saved.",
        title=f"Change the review of {review.contract.reference}",
        submit_label="Save review",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def review_hold(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    initial = {
        "held_on": review.held_on or review.scheduled_for,
        "attendees": review.attendees,
        "summary": review.summary,
        "overall_rating": review.overall_rating,
    }
    form = HoldForm(request.POST or None, initial=initial)
    return _change_review(
        request,
        review,
        form,
        lambda data: reviews.hold_review(actor=_actor(request), review=review, **data),
        said=lambda saved: (
            f"Review recorded as held on {long_date(saved.held_on or form.cleaned_data['held_on'])}."
        ),
        title=f"Record the review meeting: {review.title}",
        submit_label="Save meeting record",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    form = CloseForm(request.POST if request.method == "POST" else None)
    closed = submit(request, form, lambda data: reviews.close_review(actor=_actor(request), review=review))
    if closed is not None:
        messages.success(request, f"Review closed: {closed.title}.")
        return redirect("reviews:detail", partnership.slug, pk)
    return _page(
        request,
        "performance/review_close.html",
        {
            "review": review,
            "form": form,
            "blockers": reviews.close_blockers(review),
            "cancel_url": _detail_url(partnership.slug, pk),
        },
        posted_error=request.method == "POST",
    )


# Findings --------------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_PERFORMANCE)
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    form = FindingForm(request.POST or None, kpis=selectors.kpis_of(review.contract, partnership))
    return _change_review(
        request,
        review,
        form,
        lambda data: reviews.add_finding(actor=_actor(request), review=review, **data),
        said=lambda finding: f"Finding added: {finding.area}.",
        title=f"Add a finding: {review.title}",
        submit_label="Add finding",
        anchor="findings",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def finding_edit(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    finding = found_or_404(selectors.finding_in, review, finding_pk)
    form = FindingForm(
        request.POST or None,
        kpis=selectors.kpis_of(review.contract, partnership),
        initial={
            "area": finding.area,
            "finding": finding.finding,
            "rating": finding.rating,
            "kpi": finding.kpi_id,
        },
    )
    return _change_review(
        request,
        review,
        form,
        lambda data: reviews.update_finding(actor=_actor(request), existing=finding, **data),
        said=lambda saved: f"Finding saved: {saved.area}.",
        title=f"Change a finding: {review.title}",
        submit_label="Save finding",
        anchor="findings",
    )


# Remedial plans --------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_PERFORMANCE)
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    return _change_review(
        request,
        review,
        PlanForm(request.POST or None),
        lambda data: reviews.create_plan(actor=_actor(request), review=review, **data),
        said=lambda plan: "Remedial plan started; now add its actions.",
        title=f"Start a remedial plan: {review.title}",
        submit_label="Start plan",
        next_url=reverse("reviews:action_new", args=[partnership.slug, pk]),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    plan = found_or_404(selectors.plan_of, review)
    return _change_review(
        request,
        review,
        PlanStatusForm(request.POST or None),
        lambda data: reviews.set_plan_status(actor=_actor(request), plan=plan, **data),
        said=lambda saved: f"The remedial plan is now {saved.get_status_display().lower()}.",
        title=f"Update the remedial plan: {review.title}",
        submit_label="Save",
        anchor="plan",
        lede=f"The plan is {plan.get_status_display().lower()}.",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    review = _review(request, pk)
    plan = found_or_404(selectors.plan_of, review)
    another = "another" in request.POST
    return _change_review(
        request,
        review,
        ActionForm(request.POST or None),
        lambda data: reviews.add_action(actor=_actor(request), plan=plan, **data),
        said=lambda action: f"Action added, due {long_date(action.due_on)}.",
        title=f"Add an action to the remedial plan: {review.title}",
        submit_label="Add action",
        anchor="plan",
        next_url=reverse("reviews:action_new", args=[partnership.slug, pk]) if another else "",
        another_label="Add action and another",
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def action_complete(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    review = _review(request, pk)
    plan = found_or_404(selectors.plan_of, review)
    action = found_or_404(selectors.action_in, plan, action_pk)
    form = CompleteActionForm(request.POST if request.method == "POST" else None)
    return _change_review(
        request,
        review,
        form,
        lambda data: reviews.complete_action(actor=_actor(request), action=action, **data),
        said=lambda done: (
            f"Action marked complete on {long_date(done.completed_on or form.cleaned_data['completed_on'])}."
        ),
        title="Mark an action complete",
        submit_label="Mark complete",
        anchor="plan",
        lede=f"{action.action} (owner: {action.owner}; due {long_date(action.due_on)})",
    )


# Escalation ------------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_PERFORMANCE)
def rules(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    escalation.ensure_default_rules(partnership, actor=_actor(request))
    found = list(selectors.rules_of(partnership))
    return _page(
        request,
        "performance/review_rules.html",
        {"rules": [(rule, escalation.describe(rule)) for rule in found]},
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    rule = found_or_404(selectors.rule_in, partnership, pk)
    form = RuleForm(
        request.POST or None,
        trigger=rule.trigger,
        initial={
            "is_active": rule.is_active,
            "review_kind": rule.review_kind,
            "consecutive_periods": rule.consecutive_periods,
            "ratings": rule.ratings,
        },
    )

    def save(data: dict[str, Any]) -> Any:
        return escalation.update_rule(actor=_actor(request), rule=rule, **data)

    saved = submit(request, form, save)
    if saved is not None:
        state = "on" if saved.is_active else "off"
        messages.success(request, f"Rule saved ({state}): {saved.get_trigger_display()}.")
        return redirect("reviews:rules", partnership.slug)
    return _form_page(
        request,
        title=f"Escalation rule: {rule.get_trigger_display()}",
        form=form,
        cancel_url=reverse("reviews:rules", args=[partnership.slug]),
        submit_label="Save rule",
        lede=escalation.describe(rule),
    )


@partnership_view(Permission.MANAGE_PERFORMANCE)
@require_http_methods(["GET", "POST"])
def run(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    opened = None
    if request.method == "POST":
        opened = escalation.run_all(partnership=partnership, actor=_actor(request))
    active = [
        (rule, escalation.describe(rule))
        for rule in escalation.ensure_default_rules(partnership, actor=_actor(request))
        if rule.is_active
    ]
    return _page(
        request,
        "performance/review_run.html",
        {"opened": opened, "active_rules": active, "quality_trigger": EscalationTrigger.QUALITY_RATING},
    )


# Notifications ---------------------------------------------------------------------------


@partnership_view(Permission.VIEW_PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data.get("notification")
            try:
                count = notifications.mark_read(
                    actor=_actor(request),
                    partnership=partnership,
                    ids=[chosen] if chosen else None,
                )
            except ValidationError as error:  # pragma: no cover - mark_read refuses only anonymous users
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
        return redirect("reviews:notifications", partnership.slug)
    found = notifications.notifications_for(request.user, partnership)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        "performance/notifications.html",
        {"page": page, "unread": notifications.unread_count(request.user, partnership)},
    )
