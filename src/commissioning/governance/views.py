"""Governance pages: thin views that read through selectors, write through services, and render.

A refused write (a service's ``ValidationError`` or ``NotPermitted``) comes back to the page it was
made from, in the NHS.UK error summary, with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.governance import presenters, rules, selectors, services
from commissioning.governance.approval_status import decision_approval_status, decision_required_sections
from commissioning.governance.forms import (
    ActionForm,
    AgendaItemForm,
    AgreementForm,
    ApproveForm,
    AttendanceForm,
    BoardForm,
    BoardMemberForm,
    DecisionFilterForm,
    DecisionForm,
    DelegationRuleForm,
    InterestEndForm,
    InterestForm,
    LeaveForm,
    MeetingForm,
    MinutesForm,
    ReasonForm,
    RejectedOptionFormSet,
    ResourceFormSet,
    VotesForm,
    financial_year_choices,
    rejected_options_of,
    resources_of,
)
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "governance"}
FIRST_YEAR, LAST_YEAR = 1990, 2100
View = Callable[..., HttpResponse]


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _can(request: HttpRequest, permission: Permission) -> bool:
    return permission in request.permissions  # type: ignore[attr-defined]


def _messages(error: ValidationError | NotPermitted) -> list[str]:
    if isinstance(error, ValidationError):
        return list(dict.fromkeys(error.messages))
    return [str(error)]


def _form_page(request: HttpRequest, title: str, cancel_url: str, **context: Any) -> HttpResponse:
    return render(
        request, "governance/form_page.html", {"title": title, "cancel_url": cancel_url, **NAV, **context}
    )


def _financial_year(request: HttpRequest) -> int:
    """The financial year asked for in ``?year=``, or the current one."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    return year if FIRST_YEAR <= year <= LAST_YEAR else rules.financial_year_of(selectors.today())


# Home and calendar ---------------------------------------------------------------------------


@partnership_view(Permission.VIEW_GOVERNANCE)
def home(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return render(request, "governance/home.html", {"home": selectors.governance_home(partnership), **NAV})


@partnership_view(Permission.VIEW_GOVERNANCE)
def calendar(request: HttpRequest) -> HttpResponse:
    """Every board's meetings in one financial year, so clashes and gaps show."""
    partnership = request.partnership  # type: ignore[attr-defined]
    year = _financial_year(request)
    return render(
        request,
        "governance/calendar.html",
        {"year": year, "months": selectors.calendar_of(partnership, year), **NAV},
    )


# Boards ------------------------------------------------------------------------------------


def _board_form(request: HttpRequest, partnership: Any, board: Any = None) -> BoardForm:
    boards = selectors.boards_in(partnership)
    return BoardForm(
        request.POST or None,
        initial=BoardForm.initial_from(board) if board is not None else None,
        boards=boards.exclude(pk=board.pk) if board is not None else boards,
        partners=selectors.partners_of(partnership),
        care_groups=selectors.care_groups_of(partnership),
        editing=board is not None,
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    board = found_or_404(selectors.board_in, partnership, pk)
    page = selectors.board_page(partnership, board, financial_year=_financial_year(request))
    return render(
        request,
        "governance/board.html",
        {
            "page": page,
            "board": board,
            "quorum_rule": presenters.quorum_rule(board.quorum_minimum, board.quorum_each_partner),
            "frequency": presenters.frequency(board.meetings_min_per_year, board.meetings_max_per_year),
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_BOARDS)
def board_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = _board_form(request, partnership)
    board = submit(
        request,
        form,
        lambda data: services.board_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if board is not None:
        messages.success(request, f"{board.name} set up.")
        return redirect("governance:board", partnership.slug, board.pk)
    return _form_page(
        request, "Set up a board or group", reverse("governance:home", args=[partnership.slug]), form=form
    )


@partnership_view(Permission.MANAGE_BOARDS)
def board_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    board = found_or_404(selectors.board_in, partnership, pk)
    form = _board_form(request, partnership, board)
    saved = submit(
        request,
        form,
        lambda data: services.board_update(actor=request.user, partnership=partnership, board=board, **data),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, "Terms of reference saved.")
        return redirect("governance:board", partnership.slug, pk)
    cancel = reverse("governance:board", args=[partnership.slug, pk])
    return _form_page(request, f"Change {board.name}", cancel, form=form)


@partnership_view(Permission.MANAGE_BOARDS)
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    board = found_or_404(selectors.board_in, partnership, pk)
    form = BoardMemberForm(
        request.POST or None,
        people=selectors.people_in(partnership),
        organisations=selectors.member_organisations(partnership),
    )
    member = submit(
        request,
        form,
        lambda data: services.board_member_add(
            actor=request.user, partnership=partnership, board=board, **data
        ),  # type: ignore[arg-type]
    )
    if member is not None:
        messages.success(request, f"{member.person.display_name} added to {board.name}.")
        return redirect("governance:board", partnership.slug, pk)
    cancel = reverse("governance:board", args=[partnership.slug, pk])
    return _form_page(request, f"Add a member to {board.name}", cancel, form=form, submit_label="Add member")


@partnership_view(Permission.MANAGE_BOARDS)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """A member leaves on a date; the seat stays so past attendance and votes still read."""
    partnership = request.partnership  # type: ignore[attr-defined]
    member = found_or_404(selectors.board_member_in, partnership, pk)
    form = LeaveForm(request.POST or None, initial={"left_on": selectors.today()})
    done = submit(
        request,
        form,
        lambda data: services.board_member_remove(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            member=member,
            left_on=data["left_on"],
        ),
    )
    if done is not None:
        messages.success(request, f"{member.person.display_name} left {member.board.name}.")
        return redirect("governance:board", partnership.slug, member.board_id)
    cancel = reverse("governance:board", args=[partnership.slug, member.board_id])
    title = f"Remove {member.person.display_name} from {member.board.name}"
    return _form_page(request, title, cancel, form=form, submit_label="Remove member")


@partnership_view(Permission.MANAGE_BOARDS)
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    board = found_or_404(selectors.board_in, partnership, pk)
    form = MeetingForm(request.POST or None, initial={"location": ""})
    meeting = submit(
        request,
        form,
        lambda data: services.meeting_schedule(
            actor=request.user, partnership=partnership, board=board, **data
        ),  # type: ignore[arg-type]
    )
    if meeting is not None:
        messages.success(request, "Meeting scheduled.")
        return redirect("governance:meeting", partnership.slug, meeting.pk)
    cancel = reverse("governance:board", args=[partnership.slug, pk])
    return _form_page(
        request, f"Schedule a meeting of {board.name}", cancel, form=form, submit_label="Schedule"
    )


# Meetings ----------------------------------------------------------------------------------


def _meeting_page(
    request: HttpRequest, meeting: Any, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    """The meeting pack, with vote forms for the decisions it can still take."""
    partnership = request.partnership  # type: ignore[attr-defined]
    pack = selectors.meeting_pack(partnership, meeting)
    vote_forms = {
        item.decision.pk: VotesForm(
            rows=[row for row in item.voters if row.vote is None], prefix=f"d{item.decision.pk}"
        )
        for item in pack.decision_items
    }
    return render(
        request,
        "governance/meeting.html",
        {
            "pack": pack,
            "vote_forms": vote_forms,
            "can_record": _can(request, Permission.RECORD_DECISIONS),
            "can_manage": _can(request, Permission.MANAGE_BOARDS),
            "errors": errors,
            **NAV,
        },
        status=status,
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return _meeting_page(request, found_or_404(selectors.meeting_in, partnership, pk))


def _meeting_write(request: HttpRequest, meeting: Any, write: Callable[[], Any], done: str) -> HttpResponse:
    """Run one service for the meeting pack; a refusal is shown on the pack, with nothing changed."""
    partnership = request.partnership  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            write()
    except (ValidationError, NotPermitted) as error:
        meeting.refresh_from_db()
        return _meeting_page(request, meeting, errors=_messages(error), status=400)
    messages.success(request, done)
    return redirect("governance:meeting", partnership.slug, meeting.pk)


@require_POST
@partnership_view(Permission.MANAGE_BOARDS)
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    meeting = found_or_404(selectors.meeting_in, partnership, pk)
    return _meeting_write(
        request,
        meeting,
        lambda: services.meeting_cancel(actor=request.user, partnership=partnership, meeting=meeting),  # type: ignore[arg-type]
        "Meeting cancelled.",
    )


def _recorder(view: View) -> View:
    """Board business is recorded by a board administrator or a board member."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (_can(request, Permission.MANAGE_BOARDS) or _can(request, Permission.RECORD_DECISIONS)):
            raise NotPermitted("Recording a meeting needs a board member or an administrator.")
        return view(request, *args, **kwargs)

    return wrapper


def _meeting_form(
    request: HttpRequest,
    pk: int,
    make: Callable[[Any], Any],
    write: Callable[[Any, Any, dict[str, Any]], Any],
    title: str,
    done: str,
    **extra: Any,
) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    meeting = found_or_404(selectors.meeting_in, partnership, pk)
    form = make(meeting)
    if submit(request, form, lambda data: write(partnership, meeting, data)) is not None:
        messages.success(request, done)
        return redirect("governance:meeting", partnership.slug, pk)
    cancel = reverse("governance:meeting", args=[partnership.slug, pk])
    return _form_page(request, f"{title}: {meeting}", cancel, form=form, **extra)


@partnership_view(Permission.VIEW_GOVERNANCE)
@_recorder
def agenda_item_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return _meeting_form(
        request,
        pk,
        lambda meeting: AgendaItemForm(
            request.POST or None, decisions=selectors.agenda_decisions_in(partnership, board=meeting.board)
        ),
        lambda p, meeting, data: services.agenda_item_add(
            actor=request.user,  # type: ignore[arg-type]
            partnership=p,
            meeting=meeting,
            **data,
        ),
        "Add an agenda item",
        "Agenda item added.",
        submit_label="Add item",
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
@_recorder
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]

    def make(meeting: Any) -> AttendanceForm:
        present = [
            row.member.pk for row in selectors.meeting_pack(partnership, meeting).attendance if row.present
        ]
        return AttendanceForm(
            request.POST or None,
            initial={"present": present},
            members=selectors.members_of_board(meeting.board, on=selectors.meeting_day(meeting)),
        )

    return _meeting_form(
        request,
        pk,
        make,
        lambda p, meeting, data: services.meeting_record_attendance(
            actor=request.user,  # type: ignore[arg-type]
            partnership=p,
            meeting=meeting,
            present=data["present"],
        ),
        "Record attendance",
        "Attendance recorded.",
        submit_label="Record attendance",
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
@_recorder
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_form(
        request,
        pk,
        lambda meeting: MinutesForm(request.POST or None, initial={"minutes": meeting.minutes}),
        lambda p, meeting, data: services.meeting_update_minutes(
            actor=request.user,  # type: ignore[arg-type]
            partnership=p,
            meeting=meeting,
            minutes=data["minutes"],
        ),
        "Minutes",
        "Minutes saved.",
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
@_recorder
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return _meeting_form(
        request,
        pk,
        lambda meeting: ActionForm(request.POST or None, people=selectors.people_in(partnership)),
        lambda p, meeting, data: services.action_add(
            actor=request.user,  # type: ignore[arg-type]
            partnership=p,
            meeting=meeting,
            **data,
        ),
        "Add an action",
        "Action added.",
        submit_label="Add action",
    )


@require_POST
@partnership_view(Permission.VIEW_GOVERNANCE)
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    action = found_or_404(selectors.action_in, partnership, pk)
    return _meeting_write(
        request,
        action.meeting,
        lambda: services.action_complete(actor=request.user, partnership=partnership, action=action),  # type: ignore[arg-type]
        "Action marked done.",
    )


@require_POST
@partnership_view(Permission.RECORD_DECISIONS)
def votes(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    """Record the votes of the members present who may vote on the item, all or none."""
    partnership = request.partnership  # type: ignore[attr-defined]
    meeting = found_or_404(selectors.meeting_in, partnership, pk)
    decision = found_or_404(selectors.decision_in, partnership, decision_pk)
    item = selectors.decision_item(partnership, meeting, decision)
    if item is None:
        raise Http404("That decision is not on this meeting's agenda.")
    form = VotesForm(
        request.POST, rows=[row for row in item.voters if row.vote is None], prefix=f"d{decision.pk}"
    )
    if not form.is_valid() or not form.choices():
        return _meeting_page(request, meeting, errors=["Choose at least one member's vote."], status=400)

    def record() -> None:
        for member, choice in form.choices():
            services.decision_vote(
                actor=request.user,  # type: ignore[arg-type]
                partnership=partnership,
                decision=decision,
                meeting=meeting,
                member=member,
                choice=choice,
            )

    return _meeting_write(request, meeting, record, f"Votes recorded on {decision.reference}.")


OUTCOMES = {
    "approve": "approved at this meeting",
    "reject": "rejected",
    "defer": "deferred",
}


@require_POST
@partnership_view(Permission.RECORD_DECISIONS)
def meeting_decide(request: HttpRequest, pk: int, decision_pk: int, outcome: str) -> HttpResponse:
    """Approve, reject or defer a decision at the meeting; the service checks quorum and votes."""
    partnership = request.partnership  # type: ignore[attr-defined]
    if outcome not in OUTCOMES:
        raise Http404
    meeting = found_or_404(selectors.meeting_in, partnership, pk)
    decision = found_or_404(selectors.decision_in, partnership, decision_pk)
    reason = ReasonForm(request.POST, prefix=f"r{decision.pk}")
    text = reason.cleaned_data.get("reason", "") if reason.is_valid() else ""
    common = {"actor": request.user, "partnership": partnership, "decision": decision, "meeting": meeting}

    def write() -> Any:
        if outcome == "approve":
            return services.decision_approve(**common)  # type: ignore[arg-type]
        if outcome == "reject":
            return services.decision_reject(**common, reason=text)  # type: ignore[arg-type]
        return services.decision_defer(**common, reason=text)  # type: ignore[arg-type]

    return _meeting_write(request, meeting, write, f"{decision.reference} {OUTCOMES[outcome]}.")


# Decisions ---------------------------------------------------------------------------------

DECISION_COLUMNS = (
    "Reference",
    "Title",
    "Kind",
    "State",
    "Board",
    "Care groups",
    "Key decision",
    "Expected on",
    "Decided on",
    "Summary",
)


def _decision_rows(decisions: Any) -> Any:
    return (
        (
            d.reference,
            d.title,
            d.get_kind_display(),
            d.get_state_display(),
            d.board.name if d.board else "",
            "; ".join(group.name for group in d.care_groups.all()),
            presenters.yes_no(d.is_key_decision),
            d.expected_on,
            d.decided_on,
            d.summary,
        )
        for d in decisions
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
def decision_log(request: HttpRequest) -> HttpResponse:
    """Every decision, filtered by board, care group, state and dates; downloadable as filtered."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = DecisionFilterForm(
        request.GET,
        boards=selectors.boards_in(partnership),
        care_groups=selectors.care_groups_of(partnership),
    )
    filters = (
        selectors.DecisionFilters(**form.cleaned_data) if form.is_valid() else selectors.DecisionFilters()
    )
    decisions = selectors.decisions_in(partnership, filters)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-decisions",
            headers=DECISION_COLUMNS,
            rows=_decision_rows(decisions),
            fmt=fmt,
        )
    return render(request, "governance/decision_log.html", {"form": form, "decisions": decisions, **NAV})


@partnership_view(Permission.VIEW_GOVERNANCE)
def forward_plan(request: HttpRequest) -> HttpResponse:
    """Key decisions to come, soonest first, as a council's forward plan publishes them."""
    partnership = request.partnership  # type: ignore[attr-defined]
    decisions = selectors.forward_plan(partnership)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-forward-plan",
            headers=("Expected on", "Reference", "Title", "Kind", "State", "Board", "Care groups", "Summary"),
            rows=(
                (
                    d.expected_on,
                    d.reference,
                    d.title,
                    d.get_kind_display(),
                    d.get_state_display(),
                    d.board.name if d.board else "",
                    "; ".join(group.name for group in d.care_groups.all()),
                    d.summary,
                )
                for d in decisions
            ),
            fmt=fmt,
        )
    return render(request, "governance/forward_plan.html", {"decisions": decisions, **NAV})


def _decision_page(
    request: HttpRequest, decision: Any, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    page = selectors.decision_page(decision)
    status_of = decision_approval_status(decision)
    approvable = selectors.approvable_for(
        decision,
        missing=[row["organisation"].pk for row in status_of["missing"]],
        complete=status_of["complete"],
    )
    return render(
        request,
        "governance/decision.html",
        {
            "page": page,
            "decision": decision,
            "status": status_of,
            "approve_form": ApproveForm(organisations=approvable) if approvable.exists() else None,
            "missing_sections": decision_required_sections(decision),
            "history": selectors.history(decision) if _can(request, Permission.VIEW_AUDIT) else None,
            "errors": errors,
            **NAV,
        },
        status=status,
    )


@partnership_view(Permission.VIEW_GOVERNANCE)
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return _decision_page(request, found_or_404(selectors.decision_in, partnership, pk))


def _decision_write(request: HttpRequest, decision: Any, write: Callable[[], Any], done: str) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    try:
        write()
    except (ValidationError, NotPermitted) as error:
        decision.refresh_from_db()
        return _decision_page(request, decision, errors=_messages(error), status=400)
    messages.success(request, done)
    return redirect("governance:decision", partnership.slug, decision.pk)


@require_POST
@partnership_view(Permission.PROPOSE_DECISIONS)
def decision_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the paper forward; a refusal lists every missing section."""
    partnership = request.partnership  # type: ignore[attr-defined]
    decision = found_or_404(selectors.decision_in, partnership, pk)
    return _decision_write(
        request,
        decision,
        lambda: services.decision_propose(actor=request.user, partnership=partnership, decision=decision),  # type: ignore[arg-type]
        f"{decision.reference} proposed.",
    )


@require_POST
@partnership_view(Permission.VIEW_GOVERNANCE)
def decision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer approves for a partner under their delegation; above it, the refusal says who can."""
    partnership = request.partnership  # type: ignore[attr-defined]
    decision = found_or_404(selectors.decision_in, partnership, pk)
    form = ApproveForm(request.POST, organisations=selectors.partners_of(partnership))
    if not form.is_valid():
        return _decision_page(request, decision, errors=["Choose the partner you approve for."], status=400)
    return _decision_write(
        request,
        decision,
        lambda: services.decision_approve(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            decision=decision,
            organisation=form.cleaned_data["organisation"],
        ),
        f"{decision.reference} approved for {form.cleaned_data['organisation'].name}.",
    )


def _decision_forms(request: HttpRequest, partnership: Any, decision: Any = None) -> tuple[Any, Any, Any]:
    data = request.POST or None
    form = DecisionForm(
        data,
        initial=DecisionForm.initial_from(decision) if decision is not None else None,
        boards=selectors.boards_in(partnership, active_only=True),
        areas=selectors.areas_in(partnership),
        care_groups=selectors.care_groups_of(partnership),
        organisations=selectors.organisations_of(partnership),
        themes=selectors.themes_of(partnership),
    )
    page = selectors.decision_page(decision) if decision is not None else None
    options = RejectedOptionFormSet(
        data,
        prefix="options",
        initial=[{"option": o.option, "reason": o.reason} for o in page.rejected_options] if page else None,
    )
    years = financial_year_choices(rules.financial_year_of(selectors.today()))
    if page is not None:
        known = dict(years)
        years = sorted({**known, **{y: rules.financial_year_label(y) for y in page.resources.years}}.items())
    lines = (
        [
            {"organisation": row.organisation.pk, "financial_year": year, "amount": amount}
            for row in page.resources.rows
            for year, amount in zip(page.resources.years, row.amounts, strict=True)
            if amount is not None
        ]
        if page
        else None
    )
    resources = ResourceFormSet(
        data,
        prefix="resources",
        initial=lines,
        form_kwargs={"organisations": selectors.partners_of(partnership), "years": years},
    )
    return form, options, resources


def _save_decision(
    request: HttpRequest, form: Any, options: Any, resources: Any, write: Callable[..., Any]
) -> Any:
    """Call the service with the paper and its repeated rows; its refusal goes to the error summary."""
    if request.method != "POST" or not all(f.is_valid() for f in (form, options, resources)):
        return None
    try:
        return write(
            **form.cleaned_data,
            rejected_options=rejected_options_of(options),
            resources=resources_of(resources),
        )
    except ValidationError as error:
        form.add_service_error(error)
        return None


def _decision_form_page(
    request: HttpRequest, title: str, cancel: str, forms: tuple[Any, Any, Any]
) -> HttpResponse:
    form, options, resources = forms
    return render(
        request,
        "governance/decision_form.html",
        {
            "title": title,
            "cancel_url": cancel,
            "form": form,
            "options": options,
            "resources": resources,
            "formsets": [options, resources],
            **NAV,
        },
        status=400 if request.method == "POST" else 200,
    )


@partnership_view(Permission.PROPOSE_DECISIONS)
def decision_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    forms = _decision_forms(request, partnership)
    decision = _save_decision(
        request,
        *forms,
        lambda **data: services.decision_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if decision is not None:
        messages.success(request, f"Draft {decision.reference} started.")
        return redirect("governance:decision", partnership.slug, decision.pk)
    return _decision_form_page(
        request, "Start a decision paper", reverse("governance:decisions", args=[partnership.slug]), forms
    )


@partnership_view(Permission.PROPOSE_DECISIONS)
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    decision = found_or_404(selectors.decision_in, partnership, pk)
    forms = _decision_forms(request, partnership, decision)
    saved = _save_decision(
        request,
        *forms,
        lambda **data: services.decision_update(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            decision=decision,
            **data,
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("governance:decision", partnership.slug, pk)
    cancel = reverse("governance:decision", args=[partnership.slug, pk])
    return _decision_form_page(request, f"Change {decision.reference}", cancel, forms)


# Interests ---------------------------------------------------------------------------------

PUBLICATION_COLUMNS = ("Name", "Type of interest", "Interest", "Organisation", "From", "To")


@partnership_view(Permission.VIEW_GOVERNANCE)
def interests(request: HttpRequest) -> HttpResponse:
    """The register of interests; the download is the published register: names and interests only."""
    partnership = request.partnership  # type: ignore[attr-defined]
    declared = selectors.interests_in(partnership)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-register-of-interests",
            headers=PUBLICATION_COLUMNS,
            rows=(
                (
                    i.person.display_name,
                    i.get_kind_display(),
                    i.interest,
                    i.organisation.name if i.organisation else "",
                    i.starts_on,
                    i.ends_on,
                )
                for i in declared
            ),
            fmt=fmt,
        )
    return render(
        request,
        "governance/interests.html",
        {
            "interests": declared,
            "today": selectors.today(),
            "own": selectors.own_interests(partnership, request.user),
            **NAV,
        },
    )


@partnership_view(Permission.DECLARE_INTERESTS)
def interest_new(request: HttpRequest) -> HttpResponse:
    """Declare one's own interest; a board administrator may declare for another member."""
    partnership = request.partnership  # type: ignore[attr-defined]
    for_others = _can(request, Permission.MANAGE_BOARDS)
    form = InterestForm(
        request.POST or None,
        initial={"person": request.user.pk, "starts_on": selectors.today()},
        people=selectors.people_in(partnership),
        organisations=selectors.organisations_of(partnership),
        for_others=for_others,
    )

    def declare(data: dict[str, Any]) -> Any:
        person = data.pop("person", None) or request.user
        return services.interest_declare(actor=request.user, partnership=partnership, person=person, **data)  # type: ignore[arg-type]

    if submit(request, form, declare) is not None:
        messages.success(request, "Interest declared.")
        return redirect("governance:interests", partnership.slug)
    cancel = reverse("governance:interests", args=[partnership.slug])
    return _form_page(request, "Declare an interest", cancel, form=form, submit_label="Declare interest")


@partnership_view(Permission.DECLARE_INTERESTS)
def interest_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the last day an interest was held: one's own, or anyone's for a board administrator."""
    partnership = request.partnership  # type: ignore[attr-defined]
    interest = found_or_404(selectors.interest_in, partnership, pk)
    form = InterestEndForm(request.POST or None, initial={"ends_on": selectors.today()})
    ended = submit(
        request,
        form,
        lambda data: services.interest_end(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            interest=interest,
            ends_on=data["ends_on"],
        ),
    )
    if ended is not None:
        messages.success(request, "End date recorded.")
        return redirect("governance:interests", partnership.slug)
    cancel = reverse("governance:interests", args=[partnership.slug])
    title = f"End {interest.person.display_name}'s interest"
    return _form_page(request, title, cancel, form=form, submit_label="Record end date")


# Scheme of delegation ----------------------------------------------------------------------


@partnership_view(Permission.VIEW_GOVERNANCE)
def delegation(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return render(
        request, "governance/delegation.html", {"schemes": selectors.scheme_of_delegation(partnership), **NAV}
    )


@partnership_view(Permission.MANAGE_BOARDS)
def delegation_rule_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = DelegationRuleForm(
        request.POST or None,
        organisations=selectors.partners_of(partnership),
        boards=selectors.boards_in(partnership, active_only=True),
    )
    rule = submit(
        request,
        form,
        lambda data: services.delegation_rule_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if rule is not None:
        messages.success(request, f"Added to {rule.organisation.name}'s scheme of delegation.")
        return redirect("governance:delegation", partnership.slug)
    cancel = reverse("governance:delegation", args=[partnership.slug])
    return _form_page(request, "Add a line to a scheme of delegation", cancel, form=form, submit_label="Add")


# Agreements --------------------------------------------------------------------------------

AGREEMENT_COLUMNS = (
    "Kind",
    "Title",
    "Parties",
    "Purpose",
    "Starts on",
    "Review by",
    "Ends on",
    "Review reminder",
    "Decisions",
    "Teams",
)


@partnership_view(Permission.VIEW_GOVERNANCE)
def agreements(request: HttpRequest) -> HttpResponse:
    """The agreements register, with reviews due within 90 days or overdue flagged."""
    partnership = request.partnership  # type: ignore[attr-defined]
    found = selectors.agreements_in(partnership)
    today = selectors.today()
    fmt = _export_format(request)
    if fmt:
        rows = []
        for a in found:
            reminder = presenters.review_reminder(a.review_on, a.ends_on, today)
            rows.append(
                (
                    a.get_kind_display(),
                    a.title,
                    "; ".join(org.name for org in a.parties.all()),
                    a.purpose,
                    a.starts_on,
                    a.review_on,
                    a.ends_on,
                    reminder.label if reminder else "",
                    "; ".join(d.reference for d in a.decisions.all()),
                    "; ".join(team.name for team in a.teams.all()),
                )
            )
        return table_response(
            filename=f"{partnership.slug}-agreements", headers=AGREEMENT_COLUMNS, rows=rows, fmt=fmt
        )
    return render(request, "governance/agreements.html", {"agreements": found, "today": today, **NAV})


@partnership_view(Permission.MANAGE_BOARDS)
def agreement_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = AgreementForm(
        request.POST or None,
        organisations=selectors.member_organisations(partnership),
        decisions=selectors.decisions_in(partnership),
    )
    agreement = submit(
        request,
        form,
        lambda data: services.agreement_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if agreement is not None:
        messages.success(request, f"{agreement.title} registered.")
        return redirect("governance:agreements", partnership.slug)
    cancel = reverse("governance:agreements", args=[partnership.slug])
    return _form_page(request, "Register an agreement", cancel, form=form, submit_label="Register")


# Public ------------------------------------------------------------------------------------


@login_not_required
def public_decisions(request: HttpRequest, slug: str) -> HttpResponse:
    """The public decision log: approved decisions only, readable without signing in."""
    partnership = found_or_404(selectors.public_partnership, slug)
    return render(
        request,
        "governance/public_decisions.html",
        {"partnership": partnership, "decisions": selectors.public_decisions(partnership)},
    )
