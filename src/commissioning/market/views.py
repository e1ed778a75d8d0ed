"""Procurement pages: thin views that read through selectors, write through services, and render.

Bids, scores and the evaluation are shown only to the procurement's panel (``selectors.can_see_bids``);
anyone else gets 403 on the bid pages and a line on the procurement page saying they are commercial in
confidence. A refused write comes back to its form in the NHS.UK error summary, nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.market import selectors, services
from commissioning.market.forms import (
    AwardForm,
    BidForm,
    BidStatusForm,
    CancelForm,
    MilestoneForm,
    PanelMemberForm,
    ProcurementForm,
    RouteFactsForm,
    ScoresForm,
    criteria_rows,
    criterion_formset,
)
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "market"}


def _user(request: HttpRequest) -> Any:
    return request.user


def _procurement(request: HttpRequest, pk: int) -> Any:
    return found_or_404(selectors.procurement_in, request.partnership, pk)  # type: ignore[attr-defined]


def _detail_url(request: HttpRequest, pk: int) -> str:
    return reverse("market:procurement", args=[request.partnership.slug, pk])  # type: ignore[attr-defined]


def _form_page(request: HttpRequest, title: str, cancel_url: str, **context: Any) -> HttpResponse:
    return render(
        request, "market/procurement_form.html", {"title": title, "cancel_url": cancel_url, **NAV, **context}
    )


def _contract_url(slug: str, pk: int) -> str | None:
    """The contract register's "new from procurement" page, once the contracts app provides it."""
    try:
        return reverse("contracts:new_from_procurement", kwargs={"slug": slug, "pk": pk})
    except NoReverseMatch:
        return None


# The list and the route check -------------------------------------------------------------


@partnership_view(Permission.VIEW_MARKET)
def procurements(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-procurements",
            headers=selectors.LIST_HEADERS,
            rows=selectors.procurement_rows(partnership),
            fmt=fmt,
        )
    return render(
        request,
        "market/procurements.html",
        {"procurements": selectors.procurements_in(partnership), **NAV},
    )


@partnership_view(Permission.VIEW_MARKET)
def route_check(request: HttpRequest) -> HttpResponse:
    """Which route? The engine's decision for the facts typed in; nothing is saved."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = RouteFactsForm(request.GET or None, bodies=selectors.commissioning_bodies_of(partnership))
    decision = None
    if request.GET and form.is_valid():
        try:
            decision = selectors.route_check(partnership, **form.cleaned_data)
        except ValueError as exc:
            form.add_error(None, str(exc))
    return render(request, "market/procurement_route_check.html", {"form": form, "decision": decision, **NAV})


# A procurement ----------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_PROCUREMENT)
def procurement_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ProcurementForm(
        request.POST or None,
        bodies=selectors.commissioning_bodies_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
    )
    procurement = submit(
        request,
        form,
        lambda data: services.create_procurement(actor=_user(request), partnership=partnership, **data),
    )
    if procurement is not None:
        rule = procurement.rule
        name = rule.route_name if rule else procurement.route
        under = f" under {rule.rule_set.name}" if rule else ""
        messages.success(request, f"Route: {name}{under}")
        return redirect("market:procurement", partnership.slug, procurement.pk)
    cancel = reverse("market:procurements", args=[partnership.slug])
    return _form_page(request, "Start a procurement", cancel, form=form, submit_label="Start procurement")


@partnership_view(Permission.MANAGE_PROCUREMENT)
def procurement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    procurement = _procurement(request, pk)
    form = ProcurementForm(
        request.POST or None,
        initial=ProcurementForm.initial_from(procurement),
        bodies=selectors.commissioning_bodies_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        editing=True,
    )

    def save(data: dict[str, Any]) -> Any:
        version = data.pop("version")
        return services.update_procurement(
            actor=_user(request), procurement=procurement, version=version, **data
        )

    saved = submit(request, form, save)
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("market:procurement", partnership.slug, pk)
    return _form_page(request, f"Change {procurement.reference}", _detail_url(request, pk), form=form)


@partnership_view(Permission.VIEW_MARKET)
def procurement(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    page = selectors.procurement_page(request.user, item)
    chart = {
        "id": "chart-timeline",
        "data_id": "chart-timeline-data",
        "figure": selectors.timeline_figure(page.stages),
        "label": "Each stage's earliest date under the rules and the date reached; the table has the dates.",
    }
    contract_url = _contract_url(partnership.slug, item.pk) if item.awarded_bid_id else None
    return render(
        request,
        "market/procurement.html",
        {"page": page, "procurement": item, "chart": chart, "contract_url": contract_url, **NAV},
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
def milestone(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    form = MilestoneForm(request.POST or None, current=item.stage)
    saved = submit(
        request, form, lambda data: services.record_milestone(actor=_user(request), procurement=item, **data)
    )
    if saved is not None:
        messages.success(request, f"{saved.get_stage_display()} recorded.")
        return redirect("market:procurement", partnership.slug, pk)
    return _form_page(
        request,
        f"Record a stage of {item.reference}",
        _detail_url(request, pk),
        form=form,
        lede="Stages are reached in order, and no sooner than the rules allow after the stage before.",
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    form = PanelMemberForm(request.POST or None, people=selectors.people_of(partnership))
    remove = request.POST.get("remove") if request.method == "POST" else None
    if remove:
        member = next((m for m in selectors.panel_of(item) if str(m.pk) == remove), None)
        if member is not None:
            services.remove_panel_member(actor=_user(request), procurement=item, member=member)
            messages.success(request, f"{member.user.display_name} is no longer on the panel.")
        return redirect("market:panel", partnership.slug, pk)
    saved = submit(
        request, form, lambda data: services.add_panel_member(actor=_user(request), procurement=item, **data)
    )
    if saved is not None:
        messages.success(
            request, f"{saved.user.display_name} added to the panel as {saved.get_role_display().lower()}."
        )
        return redirect("market:panel", partnership.slug, pk)
    return render(
        request,
        "market/procurement_panel.html",
        {"procurement": item, "panel": selectors.panel_of(item), "form": form, **NAV},
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
def criteria(request: HttpRequest, pk: int) -> HttpResponse:
    item = _procurement(request, pk)
    formset = criterion_formset(request.POST or None, selectors.criteria_of(item))
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.set_criteria(actor=_user(request), procurement=item, criteria=criteria_rows(formset))
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, "Evaluation criteria saved.")
            return redirect(_detail_url(request, pk) + "#criteria")
    return render(
        request,
        "market/procurement_criteria.html",
        {"procurement": item, "formset": formset, "formset_list": [formset], "errors": errors, **NAV},
        status=400 if errors else 200,
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    form = CancelForm(request.POST)
    saved = submit(
        request,
        form,
        lambda data: services.cancel_procurement(actor=_user(request), procurement=item, **data),
    )
    if saved is not None:
        messages.success(request, f"{item.reference} cancelled.")
    else:
        messages.error(request, "Say why the procurement is cancelled.")
    return redirect("market:procurement", partnership.slug, pk)


# Bids: the panel only ---------------------------------------------------------------------


@partnership_view(Permission.VIEW_MARKET)
def bids(request: HttpRequest, pk: int) -> HttpResponse:
    item = _procurement(request, pk)
    rows = selectors.bids_for(request.user, item)  # PermissionDenied (403) for anyone not on the panel
    return render(
        request,
        "market/procurement_bids.html",
        {
            "procurement": item,
            "bids": rows,
            "evaluation": selectors.evaluation_for(request.user, item),
            "my_roles": services.panel_roles(request.user, item),
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
def bid_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    selectors.bids_for(request.user, item)
    form = BidForm(request.POST or None)
    saved = submit(
        request, form, lambda data: services.record_bid(actor=_user(request), procurement=item, **data)
    )
    if saved is not None:
        messages.success(request, f"Bid from {saved.bidder.name} recorded.")
        return redirect("market:bids", partnership.slug, pk)
    return _form_page(
        request,
        f"Record a bid for {item.reference}",
        reverse("market:bids", args=[partnership.slug, pk]),
        form=form,
        submit_label="Record bid",
        lede="Bids are commercial in confidence: only the panel sees them.",
    )


@partnership_view(Permission.MANAGE_PROCUREMENT)
def bid_status(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    selectors.bids_for(request.user, item)
    bid = found_or_404(selectors.bid_in, item, bid_pk)
    form = BidStatusForm(request.POST or None, initial={"status": bid.status})
    saved = submit(request, form, lambda data: services.set_bid_status(actor=_user(request), bid=bid, **data))
    if saved is not None:
        messages.success(request, f"Bid from {bid.bidder.name} marked {saved.get_status_display().lower()}.")
        return redirect("market:bids", partnership.slug, pk)
    return _form_page(
        request,
        f"Bid from {bid.bidder.name}",
        reverse("market:bids", args=[partnership.slug, pk]),
        form=form,
        lede="Only bids received or compliant are evaluated and may win.",
    )


def _scores_page(request: HttpRequest, pk: int, bid_pk: int, *, moderating: bool) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    summary = selectors.evaluation_for(request.user, item)
    bid = found_or_404(selectors.bid_in, item, bid_pk)
    row = next(b for b in summary.bids if b.bid.pk == bid.pk)
    if moderating:
        initial = {f"score_{c.criterion.pk}": c.moderated for c in row.criteria} | {
            f"note_{c.criterion.pk}": c.rationale for c in row.criteria
        }
    else:
        mine = selectors.bid_scores(request.user, bid)
        initial = {f"score_{pk_}": value for pk_, (value, _) in mine.items()} | {
            f"note_{pk_}": note for pk_, (_, note) in mine.items()
        }
    form = ScoresForm(request.POST or None, initial=initial, criteria=summary.criteria, moderating=moderating)
    write = services.record_moderation if moderating else services.record_scores

    def save(data: dict[str, Any]) -> Any:
        with transaction.atomic():
            return write(actor=_user(request), bid=bid, scores=form.rows())

    saved = submit(request, form, save)
    if saved is not None:
        messages.success(
            request, f"{'Moderated scores' if moderating else 'Your scores'} for {bid.bidder.name} saved."
        )
        return redirect("market:bids", partnership.slug, pk)
    return render(
        request,
        "market/procurement_scores.html",
        {"procurement": item, "bid": bid, "row": row, "form": form, "moderating": moderating, **NAV},
    )


@partnership_view(Permission.VIEW_MARKET)
def score(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    return _scores_page(request, pk, bid_pk, moderating=False)


@partnership_view(Permission.VIEW_MARKET)
def moderate(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    return _scores_page(request, pk, bid_pk, moderating=True)


@partnership_view(Permission.VIEW_MARKET)
@require_POST
def price_scores(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    selectors.bids_for(request.user, item)
    try:
        made = services.score_prices(actor=_user(request), procurement=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{len(made)} price scores moderated by formula.")
    return redirect("market:bids", partnership.slug, pk)


@partnership_view(Permission.MANAGE_PROCUREMENT)
def award(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    item = _procurement(request, pk)
    summary = selectors.evaluation_for(request.user, item)
    ranked = [row.bid.pk for row in summary.ranked if row.evaluated]
    form = AwardForm(
        request.POST or None,
        initial={"bid": ranked[0] if ranked else None},
        bids=selectors.bids_for(request.user, item).filter(status__in=services.EVALUATED),
    )
    saved = submit(
        request, form, lambda data: services.record_award(actor=_user(request), procurement=item, **data)
    )
    if saved is not None:
        messages.success(request, f"{item.reference} awarded to {saved.awarded_bid.bidder.name}.")
        return redirect("market:procurement", partnership.slug, pk)
    return render(
        request,
        "market/procurement_award.html",
        {
            "procurement": item,
            "evaluation": summary,
            "form": form,
            "cancel_url": _detail_url(request, pk),
            **NAV,
        },
    )
