"""Reads for the governance pages, scoped to the partnership and fetched in a fixed number of queries.

Each page gathers its rows with ``select_related``/``prefetch_related`` and then applies the pure
rules (quorum, conflicts, meeting frequency) in memory, so the queries do not grow with the boards,
members, agenda items or decisions shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent, User
from commissioning.engagement.models import Theme
from commissioning.governance import rules
from commissioning.governance.models import (
    Action,
    AgendaItem,
    Agreement,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DecisionState,
    DelegationRule,
    Interest,
    Meeting,
    MeetingStatus,
    RejectedOption,
    ResourceImplication,
    Vote,
)
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership, PartnershipMember
from commissioning.partners.selectors import areas_of, care_groups_in, organisations_in

UNDECIDED = (DecisionState.DRAFT, DecisionState.PROPOSED, DecisionState.DEFERRED)
MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
# The chair first, then members, co-opted members and advisers, as a paper lists them.
SEAT_ORDER = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(("chair", "member", "co_opted"))),
    default=Value(3),
)


def today() -> dt.date:
    return timezone.localdate()


def meeting_day(meeting: Meeting) -> dt.date:
    """The local date a meeting is held on: interests and membership are judged on that day."""
    return timezone.localdate(meeting.starts_at)


# Choices for forms ---------------------------------------------------------------------------


def people_in(partnership: Partnership) -> QuerySet[User]:
    """Everyone with a role in the partnership: board members, interest holders, action owners."""
    return (
        User.objects.filter(memberships__partnership=partnership, is_active=True)
        .distinct()
        .order_by("full_name", "username")
    )


def organisations_of(partnership: Partnership) -> QuerySet[Organisation]:
    """Member organisations and those whose staff work here (providers), for choices and interests."""
    return organisations_in(partnership)


def partners_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The commissioning partners (host first): each keeps its own scheme of delegation."""
    return partners_of_id(partnership.pk)


def member_organisations(partnership: Partnership) -> QuerySet[Organisation]:
    """Organisations placed in the partnership (partners and associates): who a board seat is for."""
    return Organisation.objects.filter(partnership_memberships__partnership=partnership).order_by("name")


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return care_groups_in(partnership)


def areas_in(partnership: Partnership) -> QuerySet[Area]:
    return areas_of(partnership)


def history(obj: Any) -> QuerySet[AuditEvent]:
    return history_for(obj)


# Boards ------------------------------------------------------------------------------------


def boards_in(partnership: Partnership, *, active_only: bool = False) -> QuerySet[Board]:
    boards = Board.objects.filter(partnership=partnership).select_related("reports_to")
    if active_only:
        boards = boards.filter(is_active=True)
    return boards.order_by("kind", "name")


def board_in(partnership: Partnership, pk: int) -> Board:
    return (
        boards_in(partnership)
        .prefetch_related(
            Prefetch("delegated_by", queryset=Organisation.objects.order_by("name")),
            Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")),
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class BoardNode:
    """A board with the groups that report to it, for the reporting-lines tree."""

    board: Board
    children: tuple[BoardNode, ...] = ()


def board_tree(boards: Sequence[Board]) -> list[BoardNode]:
    """Boards as a tree of reporting lines; boards reporting outside the partnership are roots."""
    ids = {board.pk for board in boards}
    children: dict[int | None, list[Board]] = defaultdict(list)
    for board in boards:
        parent = board.reports_to_id if board.reports_to_id in ids else None
        children[parent].append(board)

    def build(board: Board, seen: frozenset[int]) -> BoardNode:
        below = [child for child in children[board.pk] if child.pk not in seen]
        return BoardNode(board, tuple(build(child, seen | {child.pk}) for child in below))

    roots = children[None]
    if not roots and boards:  # reporting lines in a loop: start from the first board
        roots = [boards[0]]
    return [build(board, frozenset({board.pk})) for board in roots]


def members_of_board(board: Board, *, on: dt.date | None = None) -> QuerySet[BoardMember]:
    """The board's members on a day (default today): joined by then and not yet left."""
    day = on or today()
    return (
        board.members.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gte=day),
        )
        .select_related("person", "organisation")
        .order_by(SEAT_ORDER, "person__full_name", "person__username")
    )


def board_member_in(partnership: Partnership, pk: int) -> BoardMember:
    return BoardMember.objects.select_related("board", "person", "organisation").get(
        pk=pk, board__partnership=partnership
    )


@dataclass(frozen=True)
class CalendarMonth:
    year: int
    month: int
    meetings: tuple[Meeting, ...]

    @property
    def label(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%B %Y")


def _meetings(partnership: Partnership) -> QuerySet[Meeting]:
    return Meeting.objects.filter(board__partnership=partnership).select_related("board")


def _financial_year_bounds(financial_year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime(financial_year, 4, 1, tzinfo=zone)
    return start, dt.datetime(financial_year + 1, 4, 1, tzinfo=zone)


def calendar_of(
    partnership: Partnership, financial_year: int, *, board: Board | None = None
) -> list[CalendarMonth]:
    """The meetings of one financial year, April to March, month by month (in one query)."""
    start, end = _financial_year_bounds(financial_year)
    meetings = _meetings(partnership).filter(starts_at__gte=start, starts_at__lt=end)
    if board is not None:
        meetings = meetings.filter(board=board)
    by_month: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings.order_by("starts_at"):
        by_month[timezone.localtime(meeting.starts_at).month].append(meeting)
    return [
        CalendarMonth(financial_year if month >= 4 else financial_year + 1, month, tuple(by_month[month]))
        for month in MONTHS
    ]


def planned_meeting_days(months: Iterable[CalendarMonth]) -> list[dt.date]:
    """The days of meetings not cancelled: what the terms of reference's frequency counts."""
    return [
        meeting_day(meeting)
        for month in months
        for meeting in month.meetings
        if meeting.status != MeetingStatus.CANCELLED
    ]


@dataclass(frozen=True)
class BoardPage:
    board: Board
    members: list[BoardMember]
    delegations: list[DelegationRule]
    groups: list[Board]
    financial_year: int
    frequency_warning: str | None
    calendar: list[CalendarMonth]
    upcoming: list[Meeting]
    decisions: list[Decision]


def board_page(partnership: Partnership, board: Board, *, financial_year: int | None = None) -> BoardPage:
    """Terms of reference, membership, delegations and the year's calendar with its frequency check."""
    now = today()
    year = financial_year if financial_year is not None else rules.financial_year_of(now)
    calendar = calendar_of(partnership, year, board=board)
    warning = rules.frequency_warning(
        planned_meeting_days(calendar),
        minimum=board.meetings_min_per_year,
        maximum=board.meetings_max_per_year,
        financial_year=year,
    )
    return BoardPage(
        board=board,
        members=list(members_of_board(board, on=now)),
        delegations=list(
            DelegationRule.objects.filter(partnership=partnership, board=board).select_related("organisation")
        ),
        groups=list(Board.objects.filter(partnership=partnership, reports_to=board).order_by("name")),
        financial_year=year,
        frequency_warning=warning,
        calendar=calendar,
        upcoming=list(
            _meetings(partnership)
            .filter(board=board, starts_at__gte=timezone.now(), status=MeetingStatus.PLANNED)
            .order_by("starts_at")[:5]
        ),
        decisions=list(board.decisions.order_by("-created_at")[:10]),
    )


# Home ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GovernanceHome:
    boards: list[Board]
    tree: list[BoardNode]
    upcoming: list[Meeting]
    awaiting: list[Decision]


def governance_home(partnership: Partnership, *, upcoming: int = 10) -> GovernanceHome:
    """Boards and their reporting lines, the next meetings and the decisions awaiting approval."""
    boards = list(boards_in(partnership))
    return GovernanceHome(
        boards=boards,
        tree=board_tree(boards),
        upcoming=list(
            _meetings(partnership)
            .filter(starts_at__gte=timezone.now(), status=MeetingStatus.PLANNED)
            .order_by("starts_at")[:upcoming]
        ),
        awaiting=list(
            Decision.objects.filter(partnership=partnership, state=DecisionState.PROPOSED)
            .select_related("board")
            .order_by(F("expected_on").asc(nulls_last=True), "reference")
        ),
    )


# Meetings ------------------------------------------------------------------------------------


def meeting_in(partnership: Partnership, pk: int) -> Meeting:
    return _meetings(partnership).get(pk=pk)


def _seat(member: BoardMember) -> rules.Seat:
    return rules.Seat(
        member_id=member.pk,
        person_id=member.person_id,
        organisation_id=member.organisation_id,
        votes=member.votes,
    )


def _declared(interest: Interest) -> rules.DeclaredInterest:
    return rules.DeclaredInterest(
        person_id=interest.person_id,
        organisation_id=interest.organisation_id,
        starts_on=interest.starts_on,
        ends_on=interest.ends_on,
    )


def partner_names(partnership: Partnership) -> dict[int, str]:
    """Commissioning partners by id, named as the quorum's reasons name them."""
    return {org.pk: org.name for org in partners_of(partnership)}


@dataclass(frozen=True)
class VoteRow:
    member: BoardMember
    present: bool
    excluded: bool
    vote: Vote | None

    @property
    def can_vote(self) -> bool:
        return self.present and self.member.votes and not self.excluded


@dataclass(frozen=True)
class DecisionItem:
    """A decision on the agenda: who is conflicted out of it, the quorum for it, and the votes."""

    decision: Decision
    conflicted: list[BoardMember]
    quorum: rules.Quorum
    votes: list[VoteRow]

    @property
    def voters(self) -> list[VoteRow]:
        return [row for row in self.votes if row.can_vote]


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    decision: DecisionItem | None


@dataclass(frozen=True)
class AttendanceRow:
    member: BoardMember
    present: bool | None  # None: not recorded


@dataclass(frozen=True)
class MeetingPack:
    meeting: Meeting
    board: Board
    day: dt.date
    members: list[BoardMember]
    attendance: list[AttendanceRow]
    attendance_recorded: bool
    quorum: rules.Quorum
    agenda: list[AgendaEntry]
    actions: list[Action]

    @property
    def decision_items(self) -> list[DecisionItem]:
        return [entry.decision for entry in self.agenda if entry.decision is not None]


def meeting_pack(partnership: Partnership, meeting: Meeting) -> MeetingPack:
    """The meeting pack: agenda, conflicts per decision, attendance and quorum, minutes, actions."""
    board = meeting.board
    day = meeting_day(meeting)
    members = list(
        BoardMember.objects.filter(board=board)
        .select_related("person", "organisation")
        .order_by(SEAT_ORDER, "person__full_name", "person__username")
    )
    attendance = {row.member_id: row.present for row in Attendance.objects.filter(meeting=meeting)}
    sitting = [
        member
        for member in members
        if (member.joined_on is None or member.joined_on <= day)
        and (member.left_on is None or member.left_on >= day)
    ]
    # Anyone recorded at the meeting stays on its record, even after leaving the board.
    shown = [member for member in members if member in sitting or member.pk in attendance]
    present = [member for member in shown if attendance.get(member.pk)]
    seats = [_seat(member) for member in present]
    partners = partner_names(partnership)
    agenda = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("decision", "decision__board")
        .prefetch_related(
            Prefetch("decision__organisations_named", queryset=Organisation.objects.order_by("name")),
            Prefetch("decision__votes", queryset=Vote.objects.filter(meeting=meeting)),
        )
        .order_by("position", "pk")
    )
    named = {org.pk for item in agenda if item.decision for org in item.decision.organisations_named.all()}
    interests = [
        _declared(interest)
        for interest in Interest.objects.filter(
            partnership=partnership,
            organisation_id__in=named,
            person_id__in=[member.person_id for member in shown],
        )
    ]
    entries = []
    for item in agenda:
        decision_item = None
        if item.decision is not None:
            decision = item.decision
            named_ids = [org.pk for org in decision.organisations_named.all()]
            excluded = rules.conflicted_people(interests, named_ids, day)
            votes = {vote.member_id: vote for vote in decision.votes.all()}
            decision_item = DecisionItem(
                decision=decision,
                conflicted=[member for member in shown if member.person_id in excluded],
                quorum=rules.quorum(
                    seats,
                    minimum=board.quorum_minimum,
                    partners=partners,
                    each_partner=board.quorum_each_partner,
                    excluded_people=excluded,
                ),
                votes=[
                    VoteRow(
                        member=member,
                        present=bool(attendance.get(member.pk)),
                        excluded=member.person_id in excluded,
                        vote=votes.get(member.pk),
                    )
                    for member in shown
                    if member.votes
                ],
            )
        entries.append(AgendaEntry(item, decision_item))
    return MeetingPack(
        meeting=meeting,
        board=board,
        day=day,
        members=sitting,
        attendance=[AttendanceRow(member, attendance.get(member.pk)) for member in shown],
        attendance_recorded=bool(attendance),
        quorum=rules.quorum(
            seats, minimum=board.quorum_minimum, partners=partners, each_partner=board.quorum_each_partner
        ),
        agenda=entries,
        actions=list(Action.objects.filter(meeting=meeting).select_related("owner").order_by("due_on", "pk")),
    )


def action_in(partnership: Partnership, pk: int) -> Action:
    return Action.objects.select_related("meeting", "owner").get(
        pk=pk, meeting__board__partnership=partnership
    )


def agenda_decisions_in(partnership: Partnership, *, board: Board | None = None) -> QuerySet[Decision]:
    """Decisions a meeting can still take: not yet approved or rejected, for this board or none yet."""
    decisions = Decision.objects.filter(partnership=partnership, state__in=UNDECIDED)
    if board is not None:
        decisions = decisions.filter(Q(board=board) | Q(board__isnull=True))
    return decisions.order_by("reference")


def decision_item(partnership: Partnership, meeting: Meeting, decision: Decision) -> DecisionItem | None:
    """One decision as this meeting's pack shows it (conflicts, quorum, votes), if it is on the agenda."""
    for item in meeting_pack(partnership, meeting).decision_items:
        if item.decision.pk == decision.pk:
            return item
    return None


# Decisions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionFilters:
    """The decision log's filters, as a form cleaned them from the query string."""

    board: Board | None = None
    care_group: CareGroup | None = None
    state: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def decisions_in(partnership: Partnership, filters: DecisionFilters | None = None) -> QuerySet[Decision]:
    """The decision log, newest first by the date decided (or expected, while undecided)."""
    decisions = (
        Decision.objects.filter(partnership=partnership)
        .select_related("board")
        .prefetch_related(Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")))
        .annotate(log_date=Coalesce("decided_on", "expected_on"))
    )
    if filters is not None:
        if filters.board is not None:
            decisions = decisions.filter(board=filters.board)
        if filters.care_group is not None:
            decisions = decisions.filter(care_groups=filters.care_group)
        if filters.state:
            decisions = decisions.filter(state=filters.state)
        if filters.date_from is not None:
            decisions = decisions.filter(log_date__gte=filters.date_from)
        if filters.date_to is not None:
            decisions = decisions.filter(log_date__lte=filters.date_to)
    return decisions.order_by(F("log_date").desc(nulls_last=True), "-created_at")


def forward_plan(partnership: Partnership) -> QuerySet[Decision]:
    """Key decisions not yet taken, soonest expected first (those with no date last)."""
    return (
        Decision.objects.filter(partnership=partnership, is_key_decision=True, state__in=UNDECIDED)
        .select_related("board")
        .prefetch_related(Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")))
        .order_by(F("expected_on").asc(nulls_last=True), "reference")
    )


def decision_in(partnership: Partnership, pk: int) -> Decision:
    return (
        Decision.objects.filter(partnership=partnership)
        .select_related("board", "decided_at", "proposed_by")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class ResourceRow:
    organisation: Organisation
    amounts: list[Decimal | None]
    total: Decimal


@dataclass(frozen=True)
class ResourceTable:
    """Resource implications as partners by financial years, with totals both ways."""

    years: list[int]
    rows: list[ResourceRow]
    year_totals: list[Decimal]
    total: Decimal

    @property
    def year_labels(self) -> list[str]:
        return [rules.financial_year_label(year) for year in self.years]


def resource_table(lines: Iterable[ResourceImplication]) -> ResourceTable:
    lines = list(lines)
    years = sorted({line.financial_year for line in lines})
    organisations: dict[int, Organisation] = {}
    cells: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in lines:
        organisations.setdefault(line.organisation_id, line.organisation)
        cells[line.organisation_id, line.financial_year] += line.amount
    rows = [
        ResourceRow(
            organisation=organisation,
            amounts=[cells.get((org_id, year)) for year in years],
            total=sum((cells.get((org_id, year), Decimal(0)) for year in years), Decimal(0)),
        )
        for org_id, organisation in sorted(organisations.items(), key=lambda pair: pair[1].name)
    ]
    year_totals = [
        sum((cells.get((org, year), Decimal(0)) for org in organisations), Decimal(0)) for year in years
    ]
    return ResourceTable(years=years, rows=rows, year_totals=year_totals, total=sum(year_totals, Decimal(0)))


@dataclass(frozen=True)
class DecisionPage:
    decision: Decision
    rejected_options: list[RejectedOption]
    resources: ResourceTable
    areas: list[Area]
    care_groups: list[CareGroup]
    organisations_named: list[Organisation]
    votes: list[Vote]
    themes: list[Theme]
    agreements: list[Agreement]
    agenda_items: list[AgendaItem]


def decision_page(decision: Decision) -> DecisionPage:
    """Every section of a decision with its approvals, votes, engagement evidence and agreements."""
    return DecisionPage(
        decision=decision,
        rejected_options=list(decision.rejected_options.order_by("position", "pk")),
        resources=resource_table(decision.resources.select_related("organisation")),
        areas=list(decision.areas.order_by("name")),
        care_groups=list(decision.care_groups.order_by("position", "name")),
        organisations_named=list(decision.organisations_named.order_by("name")),
        votes=list(
            decision.votes.select_related(
                "member", "member__person", "member__organisation", "meeting"
            ).order_by("meeting__starts_at", "member__person__username")
        ),
        themes=list(
            decision.themes.select_related("consultation").order_by("consultation__title", "position")
        ),
        agreements=list(decision.agreements.order_by("starts_on")),
        agenda_items=list(
            decision.agenda_items.select_related("meeting", "meeting__board").order_by("meeting__starts_at")
        ),
    )


def public_partnership(slug: str) -> Partnership:
    """A partnership named in a public address; unknown slugs raise ``DoesNotExist``."""
    return Partnership.objects.get(slug=slug)


def public_decisions(partnership: Partnership) -> QuerySet[Decision]:
    """Approved decisions only, with what the public may read: never drafts or proposals."""
    return (
        Decision.objects.filter(partnership=partnership, state=DecisionState.APPROVED)
        .select_related("board")
        .prefetch_related(
            Prefetch("rejected_options", queryset=RejectedOption.objects.order_by("position", "pk"))
        )
        .order_by(F("decided_on").desc(nulls_last=True), "-reference")
    )


# Interests, delegation, agreements -----------------------------------------------------------


def interests_in(partnership: Partnership) -> QuerySet[Interest]:
    """The register of interests: every declaration, live or ended."""
    return (
        Interest.objects.filter(partnership=partnership)
        .select_related("person", "organisation")
        .order_by("person__full_name", "person__username", "-starts_on", "pk")
    )


def interest_in(partnership: Partnership, pk: int) -> Interest:
    return interests_in(partnership).get(pk=pk)


def own_interests(partnership: Partnership, person: Any) -> set[int]:
    """The ids of a person's declarations: each may record when their own interest ended."""
    return set(Interest.objects.filter(partnership=partnership, person=person).values_list("pk", flat=True))


@dataclass(frozen=True)
class OrganisationScheme:
    organisation: Organisation
    rules: list[DelegationRule]


def scheme_of_delegation(partnership: Partnership) -> list[OrganisationScheme]:
    """Each partner's scheme of delegation, its rules from the lowest limit up (no limit last)."""
    lines = (
        DelegationRule.objects.filter(partnership=partnership)
        .select_related("organisation", "board")
        .order_by("organisation__name", F("limit").asc(nulls_last=True), "pk")
    )
    by_organisation: dict[int, OrganisationScheme] = {}
    for line in lines:
        scheme = by_organisation.setdefault(line.organisation_id, OrganisationScheme(line.organisation, []))
        scheme.rules.append(line)
    return list(by_organisation.values())


def agreements_in(partnership: Partnership) -> QuerySet[Agreement]:
    """The agreements register, with parties, the decisions that made them and the teams they govern."""
    return (
        Agreement.objects.filter(partnership=partnership)
        .prefetch_related(
            Prefetch("parties", queryset=Organisation.objects.order_by("name")),
            Prefetch("decisions", queryset=Decision.objects.order_by("reference")),
            "teams",
        )
        .order_by("starts_on", "title")
    )


# Approval -----------------------------------------------------------------------------------


def partners_of_id(partnership_id: int) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        partnership_memberships__partnership_id=partnership_id,
        partnership_memberships__role__in=(PartnershipMember.Role.HOST, PartnershipMember.Role.PARTNER),
    ).order_by("partnership_memberships__role", "name")


def approvable_for(decision: Decision, *, missing: Iterable[int], complete: bool) -> QuerySet[Organisation]:
    """The partners an officer could still approve the decision for: those missing, or any while none has."""
    if complete or decision.state != DecisionState.PROPOSED:
        return Organisation.objects.none()
    wanted = list(missing)
    if wanted:
        return partners_of_id(decision.partnership_id).filter(pk__in=wanted)
    return partners_of_id(decision.partnership_id)


def themes_of(partnership: Partnership) -> QuerySet[Theme]:
    """The themes of the partnership's consultations, for linking a decision to its evidence."""
    return Theme.objects.filter(consultation__partnership=partnership).select_related("consultation")
