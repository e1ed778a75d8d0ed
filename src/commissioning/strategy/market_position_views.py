"""Market position statement pages: statements by care group with their review dates, each with its
generated sections, commentary, intentions, version history, and the way to approval and publication.

Reads need ``VIEW_STRATEGY``; every write ``MANAGE_STRATEGY``, checked again by the services.
The public pages (no sign-in) show only published versions, from their frozen content.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import form_page, submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.governance.selectors import public_partnership
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import market_position, market_position_charts, market_position_pdf
from commissioning.strategy import market_position_figures as figures
from commissioning.strategy import market_position_selectors as selectors
from commissioning.strategy.market_position_forms import (
    CommentaryForm,
    IntentionForm,
    StatementForm,
    SubmitForm,
    WithdrawForm,
)
from commissioning.strategy.models import MarketStatement, Section, StatementVersion, VersionStatus
from commissioning.strategy.pages import back_to, can_manage

NAV = {"nav_stage": "strategy"}
INTENTION_HEADERS = (
    "Position",
    "Type of service",
    "Service or part of the market",
    "Area",
    "Intention",
    "From",
    "To",
    "Why",
    "Strategic objective",
    "Contract",
)


def _statement(request: HttpRequest, pk: int) -> MarketStatement:
    return found_or_404(selectors.statement_in, request.partnership, pk)  # type: ignore[attr-defined]


def _back(statement: MarketStatement, anchor: str = "") -> HttpResponse:
    return back_to("strategy:statement", statement, anchor)


def _latest(statement: MarketStatement) -> StatementVersion:
    latest = statement.latest  # type: ignore[attr-defined]
    if latest is None:
        raise Http404
    return latest


def _sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    charts = market_position_charts.web_charts(content)
    commentary = content.get("commentary", {})
    return [
        {
            "key": s.value,
            "label": s.label,
            "text": commentary.get(s.value, ""),
            "chart": charts.get(s.value),
            "table": _projection_table(content) if s == Section.NEEDS else None,
        }
        for s in Section
    ]


def _projection_table(content: dict[str, Any]) -> dict[str, Any]:
    """Projections with a row per year and a column per measure and area, so a long run stays narrow."""
    projections = content.get("projections", [])
    headers = [f"{p['measure']} ({p['area']})" for p in projections]
    by_year: dict[int, list[Any]] = {}
    for n, p in enumerate(projections):
        for y in p["years"]:
            by_year.setdefault(y["year"], [None] * len(projections))[n] = y["people"]
    return {"headers": headers, "rows": sorted(by_year.items())}


def _intention_rows(content: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            i["position"],
            i["service_type_label"],
            i["description"],
            i["area"],
            i["direction_label"],
            i["starts_on"],
            i["ends_on"],
            i["rationale"],
            i["objective"],
            i["contract"],
        )
        for i in content.get("intentions", [])
    ]


@partnership_view(Permission.VIEW_STRATEGY)
def statement_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.statements_by_care_group(request.partnership)  # type: ignore[attr-defined]
    return render(
        request,
        "strategy/statement_list.html",
        {"groups": groups, "can_manage": can_manage(request), **NAV},
    )


@partnership_view(Permission.VIEW_STRATEGY)
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version of the statement (the latest unless ``?version=<n>``), with figures, commentary and
    intentions; ``?format=csv|xlsx`` exports its intentions."""
    partnership = request.partnership  # type: ignore[attr-defined]
    statement = _statement(request, pk)
    versions = list(statement.versions.all())
    wanted = request.GET.get("version", "")
    version = next((v for v in versions if str(v.number) == wanted), None) if wanted else _latest(statement)
    if version is None:
        raise Http404
    content = market_position.content_of(version)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-statement-{statement.pk}-v{version.number}-intentions",
            headers=INTENTION_HEADERS,
            rows=_intention_rows(content),
            fmt=fmt,
        )
    state = market_position.version_state(version)
    can_edit = can_manage(request) and version.status == VersionStatus.DRAFT
    return render(
        request,
        "strategy/statement_detail.html",
        {
            "statement": statement,
            "version": version,
            "versions": versions,
            "is_latest": version == statement.latest,  # type: ignore[attr-defined]
            "state": state,
            "state_label": market_position.state_label(state),
            "content": content,
            "sections": _sections(content),
            "intentions": list(version.intentions.all()),
            "can_manage": can_manage(request),
            "can_edit": can_edit,
            "problems": market_position.readiness_problems(version) if can_edit else {},
            **NAV,
        },
    )


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    caption: str,
    submit_label: str,
    statement: MarketStatement | None,
) -> HttpResponse:
    return form_page(
        request,
        "strategy/statement_form.html",
        form,
        title=title,
        caption=caption,
        submit_label=submit_label,
        statement=statement,
        **NAV,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def statement_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = StatementForm(request.POST or None, partnership=partnership)
    created = submit(
        request,
        form,
        lambda data: market_position.create_statement(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if created is not None:
        messages.success(request, f"{created.title} started.")
        return _back(created)
    return _form_page(
        request,
        form,
        title="New statement",
        caption="Market position statements",
        submit_label="Start the statement",
        statement=None,
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def statement_commentary(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    statement = _statement(request, pk)
    if section not in Section.values:
        raise Http404
    form = CommentaryForm(request.POST)
    try:
        if form.is_valid():
            market_position.save_commentary(
                actor=request.user,  # type: ignore[arg-type]
                version=_latest(statement),
                section=section,
                text=form.cleaned_data["text"],
            )
            messages.success(request, f"{Section(section).label}: commentary saved.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(statement, f"section-{section}")


@partnership_view(Permission.MANAGE_STRATEGY)
def intention_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    statement = _statement(request, pk)
    form = IntentionForm(request.POST or None, partnership=partnership, care_group_id=statement.care_group_id)
    added = submit(
        request,
        form,
        lambda data: market_position.add_intention(actor=request.user, version=_latest(statement), **data),  # type: ignore[arg-type]
    )
    if added is not None:
        messages.success(request, "Intention added.")
        return _back(statement, "intentions")
    return _form_page(
        request,
        form,
        title="Add an intention",
        caption=statement.title,
        submit_label="Add the intention",
        statement=statement,
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def intention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    intention = found_or_404(selectors.intention_in, partnership, pk)
    statement = intention.version.statement
    initial = {
        "service_type": intention.service_type,
        "description": intention.description,
        "direction": intention.direction,
        "starts_on": intention.starts_on,
        "ends_on": intention.ends_on,
        "rationale": intention.rationale,
        "area": intention.area_id,
        "objective": intention.objective_id,
        "contract": intention.contract_id,
    }
    form = IntentionForm(
        request.POST or None, initial=initial, partnership=partnership, care_group_id=statement.care_group_id
    )
    updated = submit(
        request,
        form,
        lambda data: market_position.update_intention(actor=request.user, intention=intention, **data),  # type: ignore[arg-type]
    )
    if updated is not None:
        messages.success(request, f"Intention {updated.position} saved.")
        return _back(statement, "intentions")
    return _form_page(
        request,
        form,
        title=f"Edit intention {intention.position}",
        caption=statement.title,
        submit_label="Save changes",
        statement=statement,
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def intention_remove(request: HttpRequest, pk: int) -> HttpResponse:
    intention = found_or_404(selectors.intention_in, request.partnership, pk)  # type: ignore[attr-defined]
    statement = intention.version.statement
    try:
        market_position.remove_intention(actor=request.user, intention=intention)  # type: ignore[arg-type]
        messages.success(request, "Intention removed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(statement, "intentions")


@partnership_view(Permission.MANAGE_STRATEGY)
def statement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    statement = _statement(request, pk)
    version = _latest(statement)
    form = SubmitForm(request.POST or None, partnership=partnership)
    submitted = submit(
        request,
        form,
        lambda data: market_position.submit_version(actor=request.user, version=version, **data),  # type: ignore[arg-type]
    )
    if submitted is not None:
        assert submitted.decision is not None
        messages.success(
            request,
            f"Version {submitted.number} submitted for approval through {submitted.decision.reference}.",
        )
        return _back(statement)
    return _form_page(
        request,
        form,
        title="Submit for approval",
        caption=f"{statement.title}, version {version.number}",
        submit_label="Submit for approval",
        statement=statement,
    )


def _act(request: HttpRequest, statement: MarketStatement, write: Any, done: str) -> HttpResponse:
    try:
        write()
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(statement)


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def statement_publish(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    version = _latest(statement)
    return _act(
        request,
        statement,
        lambda: market_position.publish_version(actor=request.user, version=version),  # type: ignore[arg-type]
        f"Version {version.number} published.",
    )


@require_POST
@partnership_view(Permission.MANAGE_STRATEGY)
def statement_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    return _act(
        request,
        statement,
        lambda: market_position.new_version(actor=request.user, statement=statement),  # type: ignore[arg-type]
        "New draft version started.",
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def statement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    version = _latest(statement)
    form = WithdrawForm(request.POST or None)
    withdrawn = submit(
        request,
        form,
        lambda data: market_position.withdraw_version(actor=request.user, version=version, **data),  # type: ignore[arg-type]
    )
    if withdrawn is not None:
        messages.success(request, f"Version {withdrawn.number} withdrawn.")
        return _back(statement)
    return _form_page(
        request,
        form,
        title=f"Withdraw version {version.number}",
        caption=statement.title,
        submit_label="Withdraw the version",
        statement=statement,
    )


@partnership_view(Permission.VIEW_STRATEGY)
def statement_history(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    return render(
        request,
        "strategy/statement_history.html",
        {"statement": statement, "history": selectors.history(statement), **NAV},
    )


# Public --------------------------------------------------------------------------------------


def _published(slug: str, pk: int) -> StatementVersion:
    partnership = found_or_404(public_partnership, slug)
    return found_or_404(selectors.published_version, partnership, pk)


@login_not_required
def public_statements(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = found_or_404(public_partnership, slug)
    return render(
        request,
        "strategy/public_statements.html",
        {"partnership": partnership, "versions": selectors.published_statements(partnership)},
    )


@login_not_required
def public_statement(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    version = _published(slug, pk)
    content = version.snapshot or {}
    return render(
        request,
        "strategy/public_statement.html",
        {
            "partnership": version.statement.partnership,
            "statement": version.statement,
            "version": version,
            "content": content,
            "sections": _sections(content),
        },
    )


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
def public_statement_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    version = _published(slug, pk)
    pdf = market_position_pdf.statement_pdf(version.snapshot or {}, published_on=version.published_on)
    return _download(
        HttpResponse(pdf, content_type="application/pdf"), f"{slug}-statement-{pk}-v{version.number}.pdf"
    )


@login_not_required
def public_statement_json(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    version = _published(slug, pk)
    data = {
        "published_on": version.published_on.isoformat() if version.published_on else None,
        "licence": "Open Government Licence v3.0",
        **(version.snapshot or {}),
    }
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    return _download(response, f"{slug}-statement-{pk}-v{version.number}.json")


FIGURE_HEADERS = ("Section", "Item", "Value")


@login_not_required
def public_statement_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The published figures as long-format CSV (section, item, value): one row per figure."""
    version = _published(slug, pk)
    content = version.snapshot or {}
    rows = [
        (part, key, value)
        for part in figures.FIGURE_PARTS
        for key, value in figures.flat(content.get(part, {})).items()
    ]
    response = table_response(
        filename=f"{slug}-statement-{pk}-v{version.number}-figures",
        headers=FIGURE_HEADERS,
        rows=rows,
        fmt="csv",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
def public_intentions_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    version = _published(slug, pk)
    response = table_response(
        filename=f"{slug}-statement-{pk}-v{version.number}-intentions",
        headers=INTENTION_HEADERS,
        rows=_intention_rows(version.snapshot or {}),
        fmt="csv",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
