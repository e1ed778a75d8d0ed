"""Writes to governance: validated, atomic, permission-checked and audited.

The rules themselves (quorum, conflicts, delegation limits) live in ``governance.rules`` as pure
functions; this module loads the rows they need, refuses what they refuse, and records what changed.
A refusal raises ``ValidationError`` keyed by field (``__all__`` when no one field is at fault) or
``NotPermitted``, always before anything is written, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import ROLE_LABELS, Permission, Role
from commissioning.core.validation import validate
from commissioning.engagement.models import Theme
from commissioning.governance import rules
from commissioning.governance.models import (
    Action,
    AgendaItem,
    Agreement,
    Approval,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DelegationRule,
    Interest,
    Meeting,
    RejectedOption,
    ResourceImplication,
    Team,
    Vote,
)
from commissioning.partners.models import (
    Area,
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)
from commissioning.partners.permissions import has_permission, require_permission, roles_granting

MAX_MONEY = Decimal("999999999999.99")
BOARD_FIELDS = (
    "name",
    "kind",
    "purpose",
    "scope",
    "reports_to",
    "reports_to_body",
    "quorum_minimum",
    "quorum_each_partner",
    "meetings_min_per_year",
    "meetings_max_per_year",
    "is_active",
)
DECISION_FIELDS = (
    "title",
    "kind",
    "board",
    "summary",
    "recommendations",
    "reasons",
    "legal_implications",
    "is_key_decision",
    "expected_on",
)
EDITABLE_STATES = (Decision.State.DRAFT, Decision.State.DEFERRED)


# Shared checks ---------------------------------------------------------------------------


def _apply(obj: Any, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


def _require_any(actor: User, partnership: Partnership, *permissions: Permission) -> None:
    """Refuse unless the actor holds one of the permissions, naming every role that would do."""
    if any(has_permission(actor, permission, partnership=partnership) for permission in permissions):
        return
    allowed: list[str] = []
    for permission in permissions:
        allowed += [role for role in roles_granting(permission) if role not in allowed]
    raise NotPermitted(
        f"Your role in {partnership.name} does not allow this; it needs a {' or '.join(allowed)}."
    )


def _same_partnership(partnership_id: int, partnership: Partnership, what: str) -> None:
    if partnership_id != partnership.pk:
        raise NotPermitted(f"That {what} belongs to another partnership.")


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def meeting_date(meeting: Meeting) -> dt.date:
    """The day a meeting is (or was) held, in local time."""
    return _local_date(meeting.starts_at)


def commissioners(partnership: Partnership) -> dict[int, str]:
    """The host and partners (who commit money and make up each-partner quorum): id -> name, host first."""
    members = (
        PartnershipMember.objects.filter(partnership=partnership)
        .exclude(role=PartnershipMember.Role.ASSOCIATE)
        .select_related("organisation")
        .order_by("role", "organisation__name")  # "host" sorts before "partner"
    )
    return {member.organisation_id: member.organisation.name for member in members}


def _is_member_organisation(partnership: Partnership, organisation: Organisation) -> bool:
    return PartnershipMember.objects.filter(partnership=partnership, organisation=organisation).exists()


def _is_person_in(partnership: Partnership, person: User) -> bool:
    return Membership.objects.filter(partnership=partnership, user=person).exists()


def _unknown_person(partnership: Partnership, person: User) -> str:
    return f"{person} is not a member of {partnership.name}; give them a role in the partnership first."


def _money(value: Any, field: str, *, what: str = "An amount") -> Decimal:
    """Money as an exact Decimal to the penny; floats are refused because they cannot hold pence."""
    if isinstance(value, float):
        raise ValidationError({field: f"{what} must be given as an exact sum (a Decimal), not a float."})
    if isinstance(value, bool):
        raise ValidationError({field: f"{what} must be a sum of money."})
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."})
    if amount < 0:
        raise ValidationError({field: f"{what} cannot be negative ({value})."})
    if amount != amount.quantize(rules.PENNY):
        raise ValidationError({field: f"{what} is in pounds and pence; {value} has fractions of a penny."})
    if amount > MAX_MONEY:
        raise ValidationError({field: f"{what} is too large ({rules.money(amount)})."})
    return amount.quantize(rules.PENNY)


def _dates_ordered(earlier: dt.date | None, later: dt.date | None, field: str, message: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise ValidationError({field: message})


def _state_event(
    auditor: Auditor, obj: Decision | Meeting, before: str, after: str, summary: str, **extra: Any
) -> None:
    auditor.record(
        AuditEvent.Action.STATE,
        obj,
        before={"state": before},
        after={"state": after, **extra},
        summary=summary,
    )


# Boards ----------------------------------------------------------------------------------


def _check_board(
    board: Board,
    partnership: Partnership,
    *,
    delegated_by: Sequence[Organisation] | None,
    care_groups: Sequence[CareGroup] | None,
) -> None:
    """Terms of reference that make sense for this partnership; raises before anything is saved."""
    board.name = board.name.strip()
    validate(board)
    errors: dict[str, str] = {}
    clash = Board.objects.filter(partnership=partnership).exclude(pk=board.pk)
    if clash.filter(name__iexact=board.name).exists():
        errors["name"] = f"{partnership.name} already has a board or group called {board.name}."
    if board.quorum_minimum < 1:
        errors["quorum_minimum"] = "A quorum needs at least one voting member."
    if board.meetings_min_per_year > board.meetings_max_per_year:
        errors["meetings_max_per_year"] = (
            f"The most meetings a year ({board.meetings_max_per_year}) cannot be fewer than the least "
            f"({board.meetings_min_per_year})."
        )
    if board.reports_to is not None:
        parent: Board | None = board.reports_to
        if parent is not None and parent.partnership_id != partnership.pk:
            errors["reports_to"] = f"{parent.name} is not a board of {partnership.name}."
        else:
            seen: set[int] = set()
            while parent is not None and parent.pk not in seen:
                if board.pk is not None and parent.pk == board.pk:
                    errors["reports_to"] = "A board cannot report to itself, directly or through its groups."
                    break
                seen.add(parent.pk)
                parent = parent.reports_to
    if delegated_by is not None:
        partners = commissioners(partnership)
        outsiders = [org.name for org in delegated_by if org.pk not in partners]
        if outsiders:
            errors["delegated_by"] = (
                f"Only the commissioning partners of {partnership.name} can delegate to a board; "
                f"{', '.join(outsiders)} is not one."
            )
    if care_groups is not None:
        foreign = [group.name for group in care_groups if group.partnership_id != partnership.pk]
        if foreign:
            errors["care_groups"] = f"Not a care group of {partnership.name}: {', '.join(foreign)}."
    if errors:
        raise ValidationError(errors)


def _unique_slug(partnership: Partnership, name: str) -> str:
    base = slugify(name)[:56] or "board"
    taken = set(
        Board.objects.filter(partnership=partnership, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def board_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    purpose: str,
    kind: str = "board",
    scope: str = "",
    reports_to: Board | None = None,
    reports_to_body: str = "",
    quorum_minimum: int = 3,
    quorum_each_partner: bool = True,
    meetings_min_per_year: int = 4,
    meetings_max_per_year: int = 6,
    delegated_by: Iterable[Organisation] = (),
    care_groups: Iterable[CareGroup] = (),
) -> Board:
    """Set up a board or group with its terms of reference."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    delegating, groups = list(delegated_by), list(care_groups)
    board = Board(
        partnership=partnership,
        name=name.strip(),
        slug=_unique_slug(partnership, name),
        kind=kind,
        purpose=purpose.strip(),
        scope=scope.strip(),
        reports_to=reports_to,
        reports_to_body=reports_to_body.strip(),
        quorum_minimum=quorum_minimum,
        quorum_each_partner=quorum_each_partner,
        meetings_min_per_year=meetings_min_per_year,
        meetings_max_per_year=meetings_max_per_year,
    )
    _check_board(board, partnership, delegated_by=delegating, care_groups=groups)
    board.save()
    board.delegated_by.set(delegating)
    board.care_groups.set(groups)
    Auditor(actor, partnership_id=partnership.pk).created(board)
    return board


@transaction.atomic
def board_update(*, actor: User, partnership: Partnership, board: Board, **fields: Any) -> Board:
    """Change terms of reference; ``delegated_by`` and ``care_groups`` replace the lists when given.

    The slug stays as it was, so links to the board keep working after a rename.
    """
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _same_partnership(board.partnership_id, partnership, "board")
    delegating = fields.pop("delegated_by", None)
    groups = fields.pop("care_groups", None)
    delegating = None if delegating is None else list(delegating)
    groups = None if groups is None else list(groups)
    before = snapshot(board)
    _apply(board, fields, BOARD_FIELDS)
    _check_board(board, partnership, delegated_by=delegating, care_groups=groups)
    if delegating is not None:
        removed = set(board.delegated_by.values_list("pk", flat=True)) - {org.pk for org in delegating}
        in_use = DelegationRule.objects.filter(board=board, organisation_id__in=removed).select_related(
            "organisation"
        )
        if in_use:
            names = sorted({rule.organisation.name for rule in in_use})
            raise ValidationError(
                {
                    "delegated_by": f"{', '.join(names)} still delegate to {board.name} in their scheme of "
                    "delegation; change that first."
                }
            )
    board.save()
    if delegating is not None:
        board.delegated_by.set(delegating)
    if groups is not None:
        board.care_groups.set(groups)
    Auditor(actor, partnership_id=partnership.pk).updated(board, before)
    return board


@transaction.atomic
def board_member_add(
    *,
    actor: User,
    partnership: Partnership,
    board: Board,
    person: User,
    organisation: Organisation,
    role: str = "member",
    joined_on: dt.date | None = None,
) -> BoardMember:
    """Give a person of the partnership a seat on a board, for one of its organisations."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _same_partnership(board.partnership_id, partnership, "board")
    if not _is_person_in(partnership, person):
        raise ValidationError({"person": _unknown_person(partnership, person)})
    if not _is_member_organisation(partnership, organisation):
        raise ValidationError(
            {"organisation": f"{organisation.name} is not an organisation of {partnership.name}."}
        )
    if BoardMember.objects.filter(board=board, person=person).exists():
        raise ValidationError({"person": f"{person} already has a seat on {board.name}."})
    member = BoardMember(
        board=board, person=person, organisation=organisation, role=role, joined_on=joined_on
    )
    validate(member)
    if role == BoardMember.Role.CHAIR:
        chair = BoardMember.objects.filter(
            board=board, role=BoardMember.Role.CHAIR, left_on__isnull=True
        ).first()
        if chair is not None:
            raise ValidationError({"role": f"{board.name} already has a chair: {chair.person}."})
    member.save()
    Auditor(actor, partnership_id=partnership.pk).created(member)
    return member


@transaction.atomic
def board_member_remove(
    *, actor: User, partnership: Partnership, member: BoardMember, left_on: dt.date
) -> BoardMember:
    """Record that a member left the board; the seat stays so past attendance and votes still read."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _same_partnership(member.board.partnership_id, partnership, "board member")
    if member.left_on is not None:
        raise ValidationError(
            {"left_on": f"{member.person} already left {member.board.name} on {long_date(member.left_on)}."}
        )
    _dates_ordered(
        member.joined_on,
        left_on,
        "left_on",
        f"{member.person} joined on {long_date(member.joined_on)}, so cannot have left before that."
        if member.joined_on
        else "",
    )
    before = snapshot(member)
    member.left_on = left_on
    member.save()
    Auditor(actor, partnership_id=partnership.pk).updated(member, before)
    return member


# Meetings --------------------------------------------------------------------------------


def _meeting_of(meeting: Meeting, partnership: Partnership) -> None:
    _same_partnership(meeting.board.partnership_id, partnership, "meeting")


@transaction.atomic
def meeting_schedule(
    *, actor: User, partnership: Partnership, board: Board, starts_at: dt.datetime, location: str = ""
) -> Meeting:
    """Put a meeting in the board's calendar (past meetings can be entered to record them)."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _same_partnership(board.partnership_id, partnership, "board")
    if not board.is_active:
        raise ValidationError({"board": f"{board.name} is no longer active."})
    if not isinstance(starts_at, dt.datetime):
        raise ValidationError({"starts_at": "Give the date and time the meeting starts."})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    meeting = Meeting(board=board, starts_at=starts_at, location=location.strip())
    validate(meeting)
    meeting.save()
    Auditor(actor, partnership_id=partnership.pk).created(meeting)
    return meeting


def _serving_on(member: BoardMember, day: dt.date) -> bool:
    return (member.joined_on is None or member.joined_on <= day) and (
        member.left_on is None or day <= member.left_on
    )


@transaction.atomic
def meeting_record_attendance(
    *, actor: User, partnership: Partnership, meeting: Meeting, present: Iterable[BoardMember]
) -> Meeting:
    """Record who was present (replacing any earlier record); the meeting is then held."""
    _require_any(actor, partnership, Permission.MANAGE_BOARDS, Permission.RECORD_DECISIONS)
    _meeting_of(meeting, partnership)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"present": "This meeting was cancelled, so no one attended it."})
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            {
                "present": f"The meeting is on {long_date(meeting_date(meeting))}; "
                "record attendance once it has happened."
            }
        )
    day = meeting_date(meeting)
    chosen = list(present)
    for member in chosen:
        if member.board_id != meeting.board_id:
            raise ValidationError({"present": f"{member.person} is not a member of this board."})
        if not _serving_on(member, day):
            raise ValidationError(
                {"present": f"{member.person} was not a member of {meeting.board.name} on {long_date(day)}."}
            )
    present_ids = {member.pk for member in chosen}
    voted = (
        Vote.objects.filter(meeting=meeting)
        .exclude(member_id__in=present_ids)
        .select_related("member__person")
        .first()
    )
    if voted is not None:
        raise ValidationError({"present": f"{voted.member.person} voted at this meeting, so was present."})
    before_present = sorted(meeting.attendance.filter(present=True).values_list("member_id", flat=True))
    before_status = meeting.status
    meeting.attendance.all().delete()
    serving = [m for m in meeting.board.members.all() if _serving_on(m, day) or m.pk in present_ids]
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=member, present=member.pk in present_ids) for member in serving
    )
    meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["status"])
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.record(
        AuditEvent.Action.STATE if before_status != meeting.status else AuditEvent.Action.UPDATE,
        meeting,
        before={"state": before_status, "present": before_present},
        after={"state": meeting.status, "present": sorted(present_ids)},
        summary=f"Attendance recorded: {len(present_ids)} present",
    )
    return meeting


@transaction.atomic
def meeting_update_minutes(
    *, actor: User, partnership: Partnership, meeting: Meeting, minutes: str
) -> Meeting:
    _require_any(actor, partnership, Permission.MANAGE_BOARDS, Permission.RECORD_DECISIONS)
    _meeting_of(meeting, partnership)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"minutes": "This meeting was cancelled, so it has no minutes."})
    if meeting.starts_at > timezone.now():
        raise ValidationError({"minutes": "Minutes are written after the meeting has happened."})
    before = snapshot(meeting)
    meeting.minutes = minutes.strip()
    meeting.save(update_fields=["minutes"])
    Auditor(actor, partnership_id=partnership.pk).updated(meeting, before)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: User, partnership: Partnership, meeting: Meeting) -> Meeting:
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _meeting_of(meeting, partnership)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "Only a planned meeting can be cancelled; "
                f"this one is {meeting.get_status_display().lower()}."
            }
        )
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status"])
    _state_event(
        Auditor(actor, partnership_id=partnership.pk),
        meeting,
        Meeting.Status.PLANNED,
        meeting.status,
        "Meeting cancelled",
    )
    return meeting


@transaction.atomic
def agenda_item_add(
    *,
    actor: User,
    partnership: Partnership,
    meeting: Meeting,
    title: str,
    decision: Decision | None = None,
    paper_url: str = "",
    notes: str = "",
) -> AgendaItem:
    """Add an item at the end of the agenda, optionally the paper for a decision the board will take."""
    _require_any(actor, partnership, Permission.MANAGE_BOARDS, Permission.RECORD_DECISIONS)
    _meeting_of(meeting, partnership)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"title": "This meeting was cancelled."})
    if decision is not None:
        _same_partnership(decision.partnership_id, partnership, "decision")
        if decision.board_id is not None and decision.board_id != meeting.board_id:
            raise ValidationError(
                {"decision": f"{decision.reference} is for {decision.board}, not {meeting.board.name}."}
            )
    last = meeting.agenda.order_by("-position").values_list("position", flat=True).first()
    item = AgendaItem(
        meeting=meeting,
        position=(last or 0) + 1,
        title=title.strip(),
        decision=decision,
        paper_url=paper_url.strip(),
        notes=notes.strip(),
    )
    validate(item)
    item.save()
    Auditor(actor, partnership_id=partnership.pk).created(item)
    return item


@transaction.atomic
def action_add(
    *, actor: User, partnership: Partnership, meeting: Meeting, description: str, owner: User, due_on: dt.date
) -> Action:
    _require_any(actor, partnership, Permission.MANAGE_BOARDS, Permission.RECORD_DECISIONS)
    _meeting_of(meeting, partnership)
    if not _is_person_in(partnership, owner):
        raise ValidationError({"owner": _unknown_person(partnership, owner)})
    held_on = meeting_date(meeting)
    _dates_ordered(
        held_on,
        due_on,
        "due_on",
        f"An action cannot be due before the meeting that set it ({long_date(held_on)}).",
    )
    action = Action(meeting=meeting, description=description.strip(), owner=owner, due_on=due_on)
    validate(action)
    action.save()
    Auditor(actor, partnership_id=partnership.pk).created(action)
    return action


@transaction.atomic
def action_complete(*, actor: User, partnership: Partnership, action: Action) -> Action:
    """Mark an action done: its owner can, as can whoever records the board's business."""
    if action.owner_id != actor.pk:
        _require_any(actor, partnership, Permission.MANAGE_BOARDS, Permission.RECORD_DECISIONS)
    else:
        require_permission(actor, Permission.VIEW_GOVERNANCE, partnership=partnership)
    _same_partnership(action.meeting.board.partnership_id, partnership, "action")
    if action.done:
        raise ValidationError({NON_FIELD_ERRORS: "This action is already done."})
    before = snapshot(action)
    action.done = True
    action.save(update_fields=["done"])
    Auditor(actor, partnership_id=partnership.pk).updated(action, before)
    return action


# Decisions -------------------------------------------------------------------------------


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    """The decision with its options and resources, so an audit event shows the whole paper."""
    data = snapshot(decision)
    data["rejected_options"] = [[o.option, o.reason] for o in decision.rejected_options.all()]
    data["resources"] = [
        [r.organisation_id, r.financial_year, str(r.amount)] for r in decision.resources.all()
    ]
    return data


def _next_reference(partnership: Partnership, expected_on: dt.date | None = None) -> str:
    """D-<year>-<NNN>, numbered within the year the decision is due (or this year)."""
    prefix = f"D-{(expected_on or timezone.localdate()).year}-"
    numbers = [
        int(ref[len(prefix) :])
        for ref in Decision.objects.filter(partnership=partnership, reference__startswith=prefix).values_list(
            "reference", flat=True
        )
        if ref[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_decision_links(
    partnership: Partnership,
    *,
    board: Board | None,
    areas: Sequence[Area] | None,
    care_groups: Sequence[CareGroup] | None,
    themes: Sequence[Theme] | None = None,
) -> None:
    errors: dict[str, str] = {}
    if board is not None and board.partnership_id != partnership.pk:
        errors["board"] = f"{board.name} is not a board of {partnership.name}."
    if areas:
        own = set(partnership.areas.values_list("pk", flat=True))
        outside = []
        for area in areas:
            node: Area | None = area
            for _ in range(6):  # ward → district → county is as deep as areas go
                if node is None or node.pk in own:
                    break
                node = node.parent
            if node is None or node.pk not in own:
                outside.append(area.name)
        if outside:
            errors["areas"] = f"Outside {partnership.name}'s areas: {', '.join(outside)}."
    if care_groups:
        foreign = [group.name for group in care_groups if group.partnership_id != partnership.pk]
        if foreign:
            errors["care_groups"] = f"Not a care group of {partnership.name}: {', '.join(foreign)}."
    if themes:
        strangers = [t.title for t in themes if t.consultation.partnership_id != partnership.pk]
        if strangers:
            errors["themes"] = f"Not from a consultation of {partnership.name}: {', '.join(strangers)}."
    if themes:
        strangers = [t.title for t in themes if t.consultation.partnership_id != partnership.pk]
        if strangers:
            errors["themes"] = f"Not from a consultation of {partnership.name}: {', '.join(strangers)}."
    if errors:
        raise ValidationError(errors)


def _clean_options(rejected_options: Iterable[Any]) -> list[tuple[str, str]]:
    cleaned: list[tuple[str, str]] = []
    for number, entry in enumerate(rejected_options, start=1):
        try:
            option, reason = entry
        except (TypeError, ValueError):
            raise ValidationError(
                {"rejected_options": f"Option {number}: give the option and why it was rejected."}
            ) from None
        option, reason = str(option).strip(), str(reason).strip()
        if not option:
            raise ValidationError({"rejected_options": f"Option {number} needs a description."})
        if not reason:
            raise ValidationError(
                {"rejected_options": f"Option {number} ({option}) needs the reason it was rejected."}
            )
        if len(option) > RejectedOption._meta.get_field("option").max_length:  # type: ignore[operator]
            raise ValidationError(
                {"rejected_options": f"Option {number}: keep the option to 255 characters."}
            )
        cleaned.append((option, reason))
    return cleaned


def _clean_resources(
    partnership: Partnership, resources: Iterable[Any]
) -> list[tuple[Organisation, int, Decimal, str]]:
    partners = commissioners(partnership)
    cleaned: list[tuple[Organisation, int, Decimal, str]] = []
    seen: set[tuple[int, int]] = set()
    for number, entry in enumerate(resources, start=1):
        try:
            organisation, year, amount, *rest = entry
        except (TypeError, ValueError):
            raise ValidationError(
                {"resources": f"Line {number}: give the partner, the financial year and the amount."}
            ) from None
        if not isinstance(organisation, Organisation) or organisation.pk not in partners:
            raise ValidationError(
                {
                    "resources": f"Line {number}: {organisation} is not a commissioning partner of "
                    f"{partnership.name}, so it cannot commit money here."
                }
            )
        if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
            raise ValidationError(
                {
                    "resources": f"Line {number}: the financial year is the year it starts, "
                    "e.g. 2014 for 2014/15."
                }
            )
        label = f"Line {number} ({organisation.name}, {rules.financial_year_label(year)})"
        money = _money(amount, "resources", what=f"{label}: the amount")
        if (organisation.pk, year) in seen:
            raise ValidationError(
                {"resources": f"{label} appears twice; give one amount per partner and year."}
            )
        seen.add((organisation.pk, year))
        cleaned.append((organisation, year, money, str(rest[0]).strip() if rest else ""))
    return cleaned


def _write_options(decision: Decision, options: list[tuple[str, str]]) -> None:
    decision.rejected_options.all().delete()
    RejectedOption.objects.bulk_create(
        RejectedOption(decision=decision, position=position, option=option, reason=reason)
        for position, (option, reason) in enumerate(options, start=1)
    )


def _write_resources(decision: Decision, resources: list[tuple[Organisation, int, Decimal, str]]) -> None:
    decision.resources.all().delete()
    ResourceImplication.objects.bulk_create(
        ResourceImplication(
            decision=decision,
            organisation=organisation,
            financial_year=year,
            amount=amount,
            description=text[:255],
        )
        for organisation, year, amount, text in resources
    )


@transaction.atomic
def decision_create(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    kind: str,
    board: Board | None = None,
    summary: str = "",
    recommendations: str = "",
    reasons: str = "",
    legal_implications: str = "",
    is_key_decision: bool = False,
    expected_on: dt.date | None = None,
    areas: Iterable[Area] = (),
    care_groups: Iterable[CareGroup] = (),
    organisations_named: Iterable[Organisation] = (),
    rejected_options: Iterable[Any] = (),
    resources: Iterable[Any] = (),
    themes: Iterable[Theme] = (),
) -> Decision:
    """Start a decision paper as a draft; sections can be filled in before it is proposed.

    ``rejected_options`` are (option, reason) pairs; ``resources`` are (partner, financial year,
    Decimal amount[, description]) lines.
    """
    require_permission(actor, Permission.PROPOSE_DECISIONS, partnership=partnership)
    area_list, group_list, named = list(areas), list(care_groups), list(organisations_named)
    theme_list = list(themes)
    decision = Decision(
        partnership=partnership,
        reference=_next_reference(partnership, expected_on),
        title=title.strip(),
        kind=kind,
        board=board,
        summary=summary.strip(),
        recommendations=recommendations.strip(),
        reasons=reasons.strip(),
        legal_implications=legal_implications.strip(),
        is_key_decision=is_key_decision,
        expected_on=expected_on,
        proposed_by=actor,
    )
    validate(decision)
    _check_decision_links(
        partnership, board=board, areas=area_list, care_groups=group_list, themes=theme_list
    )
    options = _clean_options(rejected_options)
    lines = _clean_resources(partnership, resources)
    decision.save()
    decision.areas.set(area_list)
    decision.care_groups.set(group_list)
    decision.organisations_named.set(named)
    decision.themes.set(theme_list)
    _write_options(decision, options)
    _write_resources(decision, lines)
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.CREATE,
        decision,
        after=_decision_snapshot(decision),
        summary="Draft decision started",
    )
    return decision


@transaction.atomic
def decision_update(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    rejected_options: Iterable[Any] | None = None,
    resources: Iterable[Any] | None = None,
    **fields: Any,
) -> Decision:
    """Edit a draft (or deferred) paper; options and resources are replaced when given.

    ``areas``, ``care_groups``, ``organisations_named`` and ``themes`` (the engagement evidence) may be
    passed to replace those lists.
    """
    require_permission(actor, Permission.PROPOSE_DECISIONS, partnership=partnership)
    _same_partnership(decision.partnership_id, partnership, "decision")
    if decision.state not in EDITABLE_STATES:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{decision.reference} is {decision.get_state_display().lower()}; "
                "only a draft or "
                "deferred decision can be changed."
            }
        )
    lists = {
        name: fields.pop(name)
        for name in ("areas", "care_groups", "organisations_named", "themes")
        if name in fields
    }
    lists = {name: list(values) for name, values in lists.items()}
    before = _decision_snapshot(decision)
    _apply(decision, fields, DECISION_FIELDS)
    validate(decision)
    _check_decision_links(
        partnership,
        board=decision.board,
        areas=lists.get("areas"),
        care_groups=lists.get("care_groups"),
        themes=lists.get("themes"),
    )
    options = None if rejected_options is None else _clean_options(rejected_options)
    lines = None if resources is None else _clean_resources(partnership, resources)
    decision.save()
    for name, values in lists.items():
        getattr(decision, name).set(values)
    if options is not None:
        _write_options(decision, options)
    if lines is not None:
        _write_resources(decision, lines)
    after = _decision_snapshot(decision)
    if after != before:
        Auditor(actor, partnership_id=partnership.pk).record(
            AuditEvent.Action.UPDATE, decision, before=before, after=after, summary="Decision paper changed"
        )
    return decision


def decision_required_sections(decision: Decision) -> list[str]:
    """What the paper still lacks before it can be proposed (empty when it is complete)."""
    return rules.required_sections(
        summary=decision.summary,
        recommendations=decision.recommendations,
        reasons=decision.reasons,
        rejected_options=decision.rejected_options.count() if decision.pk else 0,
        legal_implications=decision.legal_implications,
        has_board=decision.board_id is not None,
    )


SECTION_FIELDS = {
    "summary": "summary",
    "recommendations": "recommendations",
    "reasons": "reasons",
    "at least one alternative option considered and rejected": "rejected_options",
    "legal implications": "legal_implications",
    "the board that will decide": "board",
}


@transaction.atomic
def decision_propose(*, actor: User, partnership: Partnership, decision: Decision) -> Decision:
    """Put a complete paper forward for decision; a deferred decision comes back afresh.

    Votes and approvals from before a deferral are cleared (the audit trail keeps them), because the
    paper may have changed and each member votes once on a decision.
    """
    require_permission(actor, Permission.PROPOSE_DECISIONS, partnership=partnership)
    _same_partnership(decision.partnership_id, partnership, "decision")
    if decision.state not in EDITABLE_STATES:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"{decision.reference} is already {decision.get_state_display().lower()}."}
        )
    missing = decision_required_sections(decision)
    if missing:
        sentence = f"Before it can be proposed, this decision needs: {', '.join(missing)}."
        errors = {SECTION_FIELDS[section]: f"Add the {section}." for section in missing}
        errors[NON_FIELD_ERRORS] = sentence
        raise ValidationError(errors)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    for stale in [*decision.votes.all(), *decision.approvals.all()]:
        auditor.deleted(
            stale, snapshot(stale), summary="Cleared when the deferred decision was proposed again"
        )
        stale.delete()
    before = decision.state
    decision.state = Decision.State.PROPOSED
    decision.save(update_fields=["state", "updated_at"])
    _state_event(auditor, decision, before, decision.state, f"{decision.reference} proposed")
    return decision


# Quorum and conflicts (read helpers that the writes below rely on) -------------------------


def decision_conflicted_people(decision: Decision, on: dt.date) -> set[int]:
    """People with a declared interest, live on ``on``, in an organisation the decision names."""
    named = set(decision.organisations_named.values_list("pk", flat=True))
    if not named:
        return set()
    interests = Interest.objects.filter(partnership_id=decision.partnership_id, organisation_id__in=named)
    return rules.conflicted_people(
        (rules.DeclaredInterest(i.person_id, i.organisation_id, i.starts_on, i.ends_on) for i in interests),
        named,
        on,
    )


def meeting_quorum(meeting: Meeting, decision: Decision | None = None) -> rules.Quorum:
    """The meeting's quorum from its attendance; for an item, people conflicted on it do not count."""
    board = meeting.board
    seats = [
        rules.Seat(a.member_id, a.member.person_id, a.member.organisation_id, a.member.votes)
        for a in meeting.attendance.filter(present=True).select_related("member")
    ]
    excluded = decision_conflicted_people(decision, meeting_date(meeting)) if decision is not None else set()
    return rules.quorum(
        seats,
        minimum=board.quorum_minimum,
        partners=commissioners(board.partnership),
        each_partner=board.quorum_each_partner,
        excluded_people=excluded,
    )


def _interest_in(decision: Decision, person: User, on: dt.date) -> str:
    named = decision.organisations_named.all()
    interest = (
        Interest.objects.filter(partnership_id=decision.partnership_id, person=person, organisation__in=named)
        .filter(starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("organisation")
        .first()
    )
    return interest.organisation.name if interest is not None and interest.organisation else ""


def _check_deciding_meeting(decision: Decision, meeting: Meeting, partnership: Partnership) -> None:
    """The meeting must be one of the deciding board's, and held."""
    _meeting_of(meeting, partnership)
    if decision.board_id is None or meeting.board_id != decision.board_id:
        raise ValidationError(
            {
                "meeting": f"That is a meeting of {meeting.board.name}; "
                f"{decision.reference} is for {decision.board}."
            }
        )
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(
            {"meeting": "Record who attended the meeting first: quorum is counted from attendance."}
            if meeting.status == Meeting.Status.PLANNED
            else {"meeting": "That meeting was cancelled."}
        )


def _check_quorate(decision: Decision, meeting: Meeting) -> None:
    result = meeting_quorum(meeting, decision)
    if not result.is_quorate:
        raise ValidationError({"meeting": f"The meeting was not quorate: {'; '.join(result.reasons)}."})


def _require_proposed(decision: Decision) -> None:
    if decision.state != Decision.State.PROPOSED:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{decision.reference} is "
                f"{decision.get_state_display().lower()}, not proposed."
            }
        )


@transaction.atomic
def decision_vote(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    meeting: Meeting,
    member: BoardMember,
    choice: str,
) -> Vote:
    """Record a member's vote at a quorate meeting; advisers and conflicted members cannot vote."""
    require_permission(actor, Permission.RECORD_DECISIONS, partnership=partnership)
    _same_partnership(decision.partnership_id, partnership, "decision")
    _require_proposed(decision)
    _check_deciding_meeting(decision, meeting, partnership)
    if choice not in Vote.Choice.values:
        raise ValidationError({"choice": f"A vote is for, against or abstain, not {choice!r}."})
    if member.board_id != meeting.board_id:
        raise ValidationError({"member": f"{member.person} is not a member of this board."})
    if not meeting.attendance.filter(member=member, present=True).exists():
        raise ValidationError({"member": f"{member.person} was not recorded as present at this meeting."})
    if not member.votes:
        raise ValidationError({"member": f"{member.person} sits as an adviser and does not vote."})
    conflict = _interest_in(decision, member.person, meeting_date(meeting))
    if conflict:
        raise ValidationError(
            {
                "member": f"{member.person} has declared an interest in {conflict} "
                "and cannot vote on this decision."
            }
        )
    if Vote.objects.filter(decision=decision, member=member).exists():
        raise ValidationError({"member": f"{member.person} has already voted on this decision."})
    _check_quorate(decision, meeting)
    vote = Vote.objects.create(decision=decision, meeting=meeting, member=member, choice=choice)
    Auditor(actor, partnership_id=partnership.pk).created(vote)
    return vote


# Delegation and approval -----------------------------------------------------------------


def _article(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def rule_who(rule: DelegationRule) -> str:
    """Who a rule lets approve, as a sentence names them: "the Integrated Commissioning Board"."""
    if rule.board is not None:
        name = rule.board.name
    elif rule.post:
        name = rule.post
    else:
        return _article(ROLE_LABELS[Role(rule.role)].lower())
    return name if name.lower().startswith("the ") else f"the {name}"


def as_rule(rule: DelegationRule) -> rules.Rule:
    who = rule_who(rule)
    return rules.Rule(
        id=rule.pk,
        organisation_id=rule.organisation_id,
        decision_kind=rule.decision_kind,
        board_id=rule.board_id,
        role=rule.role,
        post=rule.post,
        limit=rule.limit,
        label=rules.rule_label(who, rule.limit),
        who=who,
    )


def delegation_rules(partnership: Partnership) -> list[rules.Rule]:
    """The partnership's schemes of delegation as pure rules."""
    found = DelegationRule.objects.filter(partnership=partnership).select_related("board")
    return [as_rule(rule) for rule in found]


def decision_commitments(decision: Decision) -> dict[int, Decimal]:
    """Each partner's total commitment over all years, in the partnership's order (host first)."""
    totals: dict[int, Decimal] = {}
    for line in decision.resources.all():
        totals[line.organisation_id] = totals.get(line.organisation_id, Decimal("0.00")) + line.amount
    order = list(commissioners(decision.partnership))
    return {
        org: totals[org] for org in sorted(totals, key=lambda o: order.index(o) if o in order else len(order))
    }


def _approve(
    auditor: Auditor,
    decision: Decision,
    organisation_id: int,
    rule: rules.Rule,
    actor: User,
    meeting: Meeting | None,
) -> Approval:
    approval = Approval.objects.create(
        decision=decision,
        organisation_id=organisation_id,
        rule_id=rule.id,
        approved_by=actor,
        meeting=meeting,
    )
    auditor.created(approval, summary=f"Approved under {rule.label}")
    return approval


def _approved_ids(decision: Decision) -> set[int]:
    return set(decision.approvals.values_list("organisation_id", flat=True))


def _finish_if_complete(
    auditor: Auditor, decision: Decision, commitments: dict[int, Decimal], meeting: Meeting | None
) -> None:
    approved = _approved_ids(decision)
    if rules.missing_approvals(commitments, approved) or not approved:
        return
    before = decision.state
    decision.state = Decision.State.APPROVED
    decision.decided_at = meeting
    decision.decided_on = meeting_date(meeting) if meeting is not None else timezone.localdate()
    decision.save(update_fields=["state", "decided_at", "decided_on", "updated_at"])
    _state_event(
        auditor,
        decision,
        before,
        decision.state,
        f"{decision.reference} approved",
        decided_on=decision.decided_on.isoformat(),
    )


def _approve_at_meeting(
    actor: User, partnership: Partnership, decision: Decision, meeting: Meeting, auditor: Auditor
) -> dict[int, Decimal]:
    require_permission(actor, Permission.RECORD_DECISIONS, partnership=partnership)
    _check_deciding_meeting(decision, meeting, partnership)
    _check_quorate(decision, meeting)
    tally = {
        row["choice"]: row["n"]
        for row in decision.votes.filter(meeting=meeting).values("choice").annotate(n=Count("pk"))
    }
    votes_for, votes_against = tally.get(Vote.Choice.FOR, 0), tally.get(Vote.Choice.AGAINST, 0)
    if votes_for <= votes_against:
        raise ValidationError(
            {
                "meeting": f"The board did not vote for {decision.reference} at this meeting "
                f"({votes_for} for, {votes_against} against)."
            }
        )
    board = meeting.board
    names = commissioners(partnership)
    all_rules = delegation_rules(partnership)
    delegating = set(board.delegated_by.values_list("pk", flat=True))
    commitments = decision_commitments(decision)
    approved = _approved_ids(decision)
    to_approve: list[tuple[int, rules.Rule]] = []
    if any(amount > 0 for amount in commitments.values()):
        for org in rules.missing_approvals(commitments, approved):
            if org not in delegating:
                continue
            board_rules = [
                rule
                for rule in rules.applicable(all_rules, organisation_id=org, decision_kind=decision.kind)
                if rule.board_id == board.pk
            ]
            if not board_rules:
                continue
            best = max(board_rules, key=lambda rule: (rule.limit is None, rule.limit or 0))
            if not rules.within(best, commitments[org]):
                raise ValidationError(
                    {
                        "meeting": rules.refusal(
                            all_rules,
                            organisation_name=names.get(org, str(org)),
                            organisation_id=org,
                            decision_kind=decision.kind,
                            amount=commitments[org],
                            tried=best,
                        )
                    }
                )
            to_approve.append((org, best))
    elif not approved:
        for org in names:
            board_rules = [
                rule
                for rule in rules.applicable(all_rules, organisation_id=org, decision_kind=decision.kind)
                if rule.board_id == board.pk and org in delegating
            ]
            if board_rules:
                to_approve.append((org, board_rules[0]))
                break
    if not to_approve:
        missing = rules.missing_approvals(commitments, approved)
        needed = (
            f" Approval is still needed for {', '.join(names.get(o, str(o)) for o in missing)}."
            if missing
            else ""
        )
        raise ValidationError(
            {
                "meeting": f"No partner has delegated this decision to {board.name} "
                f"in its scheme of delegation.{needed}"
            }
        )
    for org, rule in to_approve:
        _approve(auditor, decision, org, rule, actor, meeting)
    return commitments


def _actor_rules(
    actor: User, partnership: Partnership, organisation: Organisation, kind: str
) -> list[rules.Rule]:
    roles = set(
        Membership.objects.filter(user=actor, partnership=partnership, organisation=organisation).values_list(
            "role", flat=True
        )
    )
    title = (actor.job_title or "").strip().lower()
    return [
        rule
        for rule in rules.applicable(
            delegation_rules(partnership), organisation_id=organisation.pk, decision_kind=kind
        )
        if rule.board_id is None
        and ((rule.role and rule.role in roles) or (rule.post and rule.post.strip().lower() == title))
    ]


def _approve_as_officer(
    actor: User,
    partnership: Partnership,
    decision: Decision,
    organisation: Organisation | None,
    auditor: Auditor,
) -> dict[int, Decimal]:
    require_permission(actor, Permission.VIEW_GOVERNANCE, partnership=partnership)
    names = commissioners(partnership)
    commitments = decision_commitments(decision)
    approved = _approved_ids(decision)
    missing = rules.missing_approvals(commitments, approved)
    if organisation is None:
        own = set(
            Membership.objects.filter(user=actor, partnership=partnership).values_list(
                "organisation_id", flat=True
            )
        )
        candidates = [org for org in (missing or list(names)) if org in own]
        if len(candidates) != 1:
            raise ValidationError({"organisation": "Say which partner you are approving this decision for."})
        organisation = Organisation.objects.get(pk=candidates[0])
    if organisation.pk not in names:
        raise ValidationError(
            {"organisation": f"{organisation.name} is not a commissioning partner of {partnership.name}."}
        )
    if organisation.pk in approved:
        raise ValidationError(
            {"organisation": f"{decision.reference} is already approved for {organisation.name}."}
        )
    amount = commitments.get(organisation.pk, Decimal("0.00"))
    if missing and organisation.pk not in missing:
        raise ValidationError(
            {
                "organisation": f"{organisation.name} commits no money to {decision.reference}, "
                "so its approval is not needed."
            }
        )
    all_rules = delegation_rules(partnership)
    mine = _actor_rules(actor, partnership, organisation, decision.kind)
    kind_label = decision.get_kind_display().lower()
    if not mine:
        able = rules.approvers_for(
            all_rules, organisation_id=organisation.pk, decision_kind=decision.kind, amount=amount
        )
        who = " or ".join(dict.fromkeys(rule.approver for rule in able))
        raise ValidationError(
            {
                "organisation": f"Your role has no delegated authority for {kind_label} decisions for "
                f"{organisation.name}" + (f"; it needs {who}." if who else ".")
            }
        )
    best = max(mine, key=lambda rule: (rule.limit is None, rule.limit or 0))
    if not rules.within(best, amount):
        raise ValidationError(
            {
                "organisation": rules.refusal(
                    all_rules,
                    organisation_name=organisation.name,
                    organisation_id=organisation.pk,
                    decision_kind=decision.kind,
                    amount=amount,
                    tried=best,
                )
            }
        )
    _approve(auditor, decision, organisation.pk, best, actor, None)
    return commitments


@transaction.atomic
def decision_approve(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    organisation: Organisation | None = None,
    meeting: Meeting | None = None,
) -> Decision:
    """Approve a proposed decision: for one partner, or at a meeting for every partner delegating to it.

    A partner's approval comes from its own scheme of delegation: a board the partner has delegated
    to (at a quorate meeting that voted for it) or an officer within their limit. The decision is
    approved once every partner committing money has approved it.
    """
    # A board's decision is recorded by its members or secretary; an officer acts under their own delegation.
    require_permission(
        actor,
        Permission.RECORD_DECISIONS if meeting is not None else Permission.VIEW_GOVERNANCE,
        partnership=partnership,
    )
    _same_partnership(decision.partnership_id, partnership, "decision")
    _require_proposed(decision)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    if meeting is not None:
        commitments = _approve_at_meeting(actor, partnership, decision, meeting, auditor)
    else:
        commitments = _approve_as_officer(actor, partnership, decision, organisation, auditor)
    _finish_if_complete(auditor, decision, commitments, meeting)
    return decision


def _close(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    meeting: Meeting | None,
    reason: str,
    state: str,
    needs_quorum: bool,
) -> Decision:
    require_permission(actor, Permission.RECORD_DECISIONS, partnership=partnership)
    _same_partnership(decision.partnership_id, partnership, "decision")
    _require_proposed(decision)
    reason = reason.strip()
    if state == Decision.State.REJECTED and not reason:
        raise ValidationError({"reason": "Say why the decision was rejected."})
    if meeting is not None:
        _check_deciding_meeting(decision, meeting, partnership)
        if needs_quorum:
            _check_quorate(decision, meeting)
    before = decision.state
    decision.state = state
    if state == Decision.State.REJECTED:
        decision.decided_at = meeting
        decision.decided_on = meeting_date(meeting) if meeting is not None else timezone.localdate()
    decision.save(update_fields=["state", "decided_at", "decided_on", "updated_at"])
    verb = decision.get_state_display().lower()
    _state_event(
        Auditor(actor, partnership_id=partnership.pk),
        decision,
        before,
        state,
        f"{decision.reference} {verb}" + (f": {reason}" if reason else ""),
        reason=reason,
        meeting=meeting.pk if meeting is not None else None,
    )
    return decision


@transaction.atomic
def decision_reject(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    meeting: Meeting | None = None,
    reason: str = "",
) -> Decision:
    """Reject a proposed decision, with the reason; at a meeting, only if it was quorate for the item."""
    return _close(
        actor=actor,
        partnership=partnership,
        decision=decision,
        meeting=meeting,
        reason=reason,
        state=Decision.State.REJECTED,
        needs_quorum=True,
    )


@transaction.atomic
def decision_defer(
    *,
    actor: User,
    partnership: Partnership,
    decision: Decision,
    meeting: Meeting | None = None,
    reason: str = "",
) -> Decision:
    """Defer a proposed decision; an inquorate meeting may defer (that is often why)."""
    return _close(
        actor=actor,
        partnership=partnership,
        decision=decision,
        meeting=meeting,
        reason=reason,
        state=Decision.State.DEFERRED,
        needs_quorum=False,
    )


@transaction.atomic
def delegation_rule_create(
    *,
    actor: User,
    partnership: Partnership,
    organisation: Organisation,
    limit: Decimal | None = None,
    decision_kind: str = "",
    board: Board | None = None,
    role: str = "",
    post: str = "",
) -> DelegationRule:
    """Add a line to a partner's scheme of delegation: one board, role or named post, and a limit."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    post = post.strip()
    if organisation.pk not in commissioners(partnership):
        raise ValidationError(
            {"organisation": f"{organisation.name} is not a commissioning partner of {partnership.name}."}
        )
    if sum(bool(x) for x in (board is not None, role, post)) != 1:
        raise ValidationError(
            {NON_FIELD_ERRORS: "Name exactly one approver: a board, a role or a named post."}
        )
    if role and role not in {r.value for r in Role if r != Role.PROVIDER_CONTACT}:
        raise ValidationError({"role": f"{role!r} is not a commissioning role."})
    if board is not None:
        _same_partnership(board.partnership_id, partnership, "board")
        if not board.delegated_by.filter(pk=organisation.pk).exists():
            raise ValidationError(
                {
                    "board": f"{organisation.name} has not delegated to {board.name}; add it to the board's "
                    "delegating partners first."
                }
            )
    amount = None if limit is None else _money(limit, "limit", what="The limit")
    rule = DelegationRule(
        partnership=partnership,
        organisation=organisation,
        decision_kind=decision_kind,
        board=board,
        role=role,
        post=post,
        limit=amount,
    )
    validate(rule)
    same = DelegationRule.objects.filter(
        partnership=partnership,
        organisation=organisation,
        decision_kind=decision_kind,
        board=board,
        role=role,
    ).filter(post__iexact=post)
    if same.exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: f"{organisation.name}'s scheme already has this line: {same.first()}."}
        )
    rule.save()
    Auditor(actor, partnership_id=partnership.pk).created(rule)
    return rule


# Interests -------------------------------------------------------------------------------


@transaction.atomic
def interest_declare(
    *,
    actor: User,
    partnership: Partnership,
    person: User,
    kind: str,
    interest: str,
    organisation: Organisation | None = None,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> Interest:
    """Add a declaration to the register: anyone for themselves, a board administrator for others."""
    if person.pk == actor.pk:
        require_permission(actor, Permission.DECLARE_INTERESTS, partnership=partnership)
    else:
        require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    if not _is_person_in(partnership, person):
        raise ValidationError({"person": _unknown_person(partnership, person)})
    _dates_ordered(
        starts_on, ends_on, "ends_on", f"The interest cannot end before it starts ({long_date(starts_on)})."
    )
    declared = Interest(
        partnership=partnership,
        person=person,
        kind=kind,
        interest=interest.strip(),
        organisation=organisation,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    validate(declared)
    declared.save()
    Auditor(actor, partnership_id=partnership.pk).created(declared)
    return declared


@transaction.atomic
def interest_end(*, actor: User, partnership: Partnership, interest: Interest, ends_on: dt.date) -> Interest:
    """Record the last day an interest was held."""
    if interest.person_id == actor.pk:
        require_permission(actor, Permission.DECLARE_INTERESTS, partnership=partnership)
    else:
        require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    _same_partnership(interest.partnership_id, partnership, "interest")
    _dates_ordered(
        interest.starts_on,
        ends_on,
        "ends_on",
        f"The interest started on {long_date(interest.starts_on)}, so it cannot end before that.",
    )
    before = snapshot(interest)
    interest.ends_on = ends_on
    interest.save(update_fields=["ends_on"])
    Auditor(actor, partnership_id=partnership.pk).updated(interest, before)
    return interest


# Agreements and teams --------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    partnership: Partnership,
    kind: str,
    title: str,
    purpose: str,
    parties: Iterable[Organisation],
    starts_on: dt.date,
    review_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    decisions: Iterable[Decision] = (),
) -> Agreement:
    """Register a Section 75 or 113 agreement or a memorandum, with the decisions that made it."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    party_list, decision_list = list({org.pk: org for org in parties}.values()), list(decisions)
    agreement = Agreement(
        partnership=partnership,
        kind=kind,
        title=title.strip(),
        purpose=purpose.strip(),
        starts_on=starts_on,
        review_on=review_on,
        ends_on=ends_on,
    )
    validate(agreement)
    errors: dict[str, str] = {}
    if len(party_list) < 2:
        errors["parties"] = "An agreement needs at least two parties."
    else:
        members = set(
            PartnershipMember.objects.filter(partnership=partnership).values_list(
                "organisation_id", flat=True
            )
        )
        outside = [org.name for org in party_list if org.pk not in members]
        if outside:
            errors["parties"] = f"Not an organisation of {partnership.name}: {', '.join(outside)}."
    if review_on is not None and review_on < starts_on:
        errors["review_on"] = f"The review date cannot be before the start ({long_date(starts_on)})."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = f"The end date cannot be before the start ({long_date(starts_on)})."
    elif ends_on is not None and review_on is not None and review_on > ends_on:
        errors["review_on"] = f"The review date cannot be after the agreement ends ({long_date(ends_on)})."
    foreign = [d.reference for d in decision_list if d.partnership_id != partnership.pk]
    if foreign:
        errors["decisions"] = f"Not decisions of {partnership.name}: {', '.join(foreign)}."
    if errors:
        raise ValidationError(errors)
    agreement.save()
    agreement.parties.set(party_list)
    agreement.decisions.set(decision_list)
    Auditor(actor, partnership_id=partnership.pk).created(agreement)
    return agreement


@transaction.atomic
def team_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    description: str = "",
    agreement: Agreement | None = None,
    budget: Decimal | None = None,
) -> Team:
    """Register a joint team and the agreement that governs it."""
    require_permission(actor, Permission.MANAGE_BOARDS, partnership=partnership)
    if agreement is not None:
        _same_partnership(agreement.partnership_id, partnership, "agreement")
    amount = None if budget is None else _money(budget, "budget", what="The budget")
    team = Team(
        partnership=partnership,
        name=name.strip(),
        description=description.strip(),
        agreement=agreement,
        budget=amount,
    )
    validate(team)
    if Team.objects.filter(partnership=partnership, name__iexact=team.name).exists():
        raise ValidationError({"name": f"{partnership.name} already has a team called {team.name}."})
    team.save()
    Auditor(actor, partnership_id=partnership.pk).created(team)
    return team
