"""Governance services against the real database: refusals say why and save nothing; changes are audited."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Role
from commissioning.governance import services
from commissioning.governance.approval_status import agenda_conflicts, decision_approval_status
from commissioning.governance.models import (
    Action,
    Agreement,
    Approval,
    Attendance,
    Board,
    BoardMember,
    Decision,
    DelegationRule,
    Interest,
    Meeting,
    ResourceImplication,
    Team,
    Vote,
)
from commissioning.partners import services as partner_services
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

BOARD_NAME = "Test Integrated Commissioning Board (governance tests)"
HELD_AT = timezone.make_aware(dt.datetime(2014, 5, 20, 14, 0))


def _messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def _counts(*models):
    return [model.objects.count() for model in models]


def _events(obj, action=AuditEvent.Action.STATE):
    return list(
        AuditEvent.objects.filter(
            object_id=str(obj.pk), action=action, object_type__model=obj._meta.model_name
        )
        .order_by("id")
        .values("before", "after", "actor__username", "summary")
    )


@pytest.fixture
def orgs(southampton):
    return SimpleNamespace(
        council=Organisation.objects.get(gss_code="E06000045"),
        ccg=Organisation.objects.get(ods_code="10X"),
        solent=Organisation.objects.get(ods_code="R1C"),
    )


@pytest.fixture
def people(user_for):
    def get(role):
        return user_for("southampton", role)

    return SimpleNamespace(
        admin=get(Role.ADMINISTRATOR),
        commissioner=get(Role.COMMISSIONER),
        finance=get(Role.FINANCE_OFFICER),
        board_member=get(Role.BOARD_MEMBER),
        viewer=get(Role.VIEWER),
        provider=get(Role.PROVIDER_CONTACT),
    )


@pytest.fixture
def outsider(db):
    return User.objects.create(username="governance-outsider", full_name="Olive Outsider")


@pytest.fixture
def setup(southampton, orgs, people):
    """A joint board delegated to by both partners, five seats, and each partner's scheme of delegation.

    The demo's own scheme, approvals and interests are cleared first (inside the test's transaction) so
    that the limits and conflicts here are the only ones.
    """
    Approval.objects.filter(decision__partnership=southampton).delete()
    DelegationRule.objects.filter(partnership=southampton).delete()
    Interest.objects.filter(partnership=southampton).delete()
    common = {"actor": people.admin, "partnership": southampton}
    board = services.board_create(
        **common,
        name=BOARD_NAME,
        purpose="Commission health and care jointly for the city.",
        quorum_minimum=3,
        delegated_by=[orgs.council, orgs.ccg],
    )
    seats = {
        "chair": (people.board_member, orgs.ccg, "chair"),
        "commissioner": (people.commissioner, orgs.council, "member"),
        "admin": (people.admin, orgs.council, "member"),
        "finance": (people.finance, orgs.ccg, "member"),
        "adviser": (people.viewer, orgs.council, "adviser"),
    }
    members = {
        key: services.board_member_add(
            **common, board=board, person=person, organisation=org, role=role, joined_on=dt.date(2013, 4, 1)
        )
        for key, (person, org, role) in seats.items()
    }
    scheme = SimpleNamespace(
        council_board=services.delegation_rule_create(
            **common, organisation=orgs.council, board=board, limit=Decimal("500000.00")
        ),
        ccg_board=services.delegation_rule_create(
            **common, organisation=orgs.ccg, board=board, limit=Decimal("500000.00")
        ),
        commissioner=services.delegation_rule_create(
            **common, organisation=orgs.council, role=Role.COMMISSIONER, limit=Decimal("25000.00")
        ),
        director=services.delegation_rule_create(
            **common, organisation=orgs.council, post="Director of People", limit=Decimal("250000.00")
        ),
        finance=services.delegation_rule_create(
            **common, organisation=orgs.ccg, role=Role.FINANCE_OFFICER, limit=Decimal("50000.00")
        ),
    )
    return SimpleNamespace(board=board, members=members, scheme=scheme, common=common)


def _paper(setup, orgs, **overrides):
    fields = {
        "title": "Joint community equipment service",
        "kind": "budget",
        "board": setup.board,
        "summary": "Buy community equipment once for both partners.",
        "recommendations": "Approve a joint service from April.",
        "reasons": "One service is cheaper and quicker for people leaving hospital.",
        "legal_implications": "A Section 75 lead commissioning agreement.",
        "rejected_options": [("Do nothing", "Two services duplicate stock and delay discharges.")],
        "resources": [
            (orgs.council, 2014, Decimal("100000.00")),
            (orgs.council, 2015, Decimal("100000.00")),
            (orgs.ccg, 2014, Decimal("150000.00")),
        ],
    }
    fields.update(overrides)
    return fields


def _propose(setup, orgs, people, **overrides):
    decision = services.decision_create(**setup.common, **_paper(setup, orgs, **overrides))
    return services.decision_propose(
        actor=people.commissioner, partnership=setup.common["partnership"], decision=decision
    )


def _held(setup, present_keys, starts_at=HELD_AT):
    meeting = services.meeting_schedule(**setup.common, board=setup.board, starts_at=starts_at)
    return services.meeting_record_attendance(
        **setup.common, meeting=meeting, present=[setup.members[key] for key in present_keys]
    )


ALL_VOTING = ("chair", "commissioner", "admin", "finance", "adviser")


# Boards ----------------------------------------------------------------------------------


def test_board_is_created_with_terms_of_reference_and_audited(setup, orgs):
    board = setup.board
    assert board.slug == "test-integrated-commissioning-board-governance-tests"
    assert set(board.delegated_by.all()) == {orgs.council, orgs.ccg}
    assert _events(board, AuditEvent.Action.CREATE)[0]["after"]["quorum_minimum"] == 3


def test_board_refusals_save_nothing(southampton, setup, people, orgs, nottinghamshire):
    before = _counts(Board)
    common = setup.common
    with pytest.raises(ValidationError) as error:
        services.board_create(**common, name=BOARD_NAME.upper(), purpose="Again")
    assert "already has a board or group called" in _messages(error.value, "name")
    with pytest.raises(ValidationError) as error:
        services.board_create(
            **common, name="Odd frequency", purpose="p", meetings_min_per_year=6, meetings_max_per_year=4
        )
    assert "cannot be fewer than the least (6)" in _messages(error.value, "meetings_max_per_year")
    with pytest.raises(ValidationError) as error:
        services.board_create(**common, name="Provider board", purpose="p", delegated_by=[orgs.solent])
    assert "Solent NHS Trust is not one" in _messages(error.value, "delegated_by")
    other = services.board_create(
        actor=User.objects.get(username="system"),
        partnership=nottinghamshire,
        name="Notts board",
        purpose="p",
    )
    with pytest.raises(ValidationError) as error:
        services.board_create(**common, name="Stray group", purpose="p", kind="group", reports_to=other)
    assert "is not a board of Southampton" in _messages(error.value, "reports_to")
    assert _counts(Board) == [before[0] + 1]  # only the Nottinghamshire board


def test_a_group_reports_to_a_board_and_cannot_loop(setup):
    group = services.board_create(
        **setup.common, name="Test older people group", purpose="p", kind="group", reports_to=setup.board
    )
    with pytest.raises(ValidationError) as error:
        services.board_update(**setup.common, board=setup.board, reports_to=group)
    assert "cannot report to itself" in _messages(error.value, "reports_to")


def test_only_administrators_manage_boards(southampton, people):
    with pytest.raises(NotPermitted, match="needs a administrator"):
        services.board_create(actor=people.commissioner, partnership=southampton, name="Mine", purpose="p")


def test_unknown_member_and_outside_organisation_are_refused(setup, outsider, orgs, nottinghamshire):
    before = _counts(BoardMember)
    with pytest.raises(ValidationError) as error:
        services.board_member_add(
            **setup.common, board=setup.board, person=outsider, organisation=orgs.council
        )
    assert "Olive Outsider is not a member of Southampton" in _messages(error.value, "person")
    notts_council = Organisation.objects.get(gss_code="E10000024")
    with pytest.raises(ValidationError) as error:
        services.board_member_add(
            **setup.common,
            board=setup.board,
            person=setup.members["chair"].person,
            organisation=notts_council,
        )
    assert "is not an organisation of" in _messages(error.value, "organisation")
    assert _counts(BoardMember) == before


def test_one_chair_per_board(setup, people, orgs, southampton):
    person = User.objects.create(username="second-chair")
    partner_services.membership_create(
        actor=people.admin, partnership=southampton, user=person, organisation=orgs.council, role=Role.VIEWER
    )
    with pytest.raises(ValidationError) as error:
        services.board_member_add(
            **setup.common, board=setup.board, person=person, organisation=orgs.council, role="chair"
        )
    assert "already has a chair" in _messages(error.value, "role")


def test_leaving_before_joining_is_refused(setup):
    member = setup.members["adviser"]
    with pytest.raises(ValidationError) as error:
        services.board_member_remove(**setup.common, member=member, left_on=dt.date(2013, 3, 31))
    assert "joined on 1 April 2013, so cannot have left before that" in _messages(error.value, "left_on")
    member.refresh_from_db()
    assert member.left_on is None
    services.board_member_remove(**setup.common, member=member, left_on=dt.date(2014, 1, 31))
    assert BoardMember.objects.get(pk=member.pk).left_on == dt.date(2014, 1, 31)


# Meetings --------------------------------------------------------------------------------


def test_attendance_marks_the_meeting_held_and_replaces_earlier_records(setup):
    meeting = _held(setup, ("chair", "commissioner"))
    assert meeting.status == Meeting.Status.HELD
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == 2
    services.meeting_record_attendance(
        **setup.common, meeting=meeting, present=[setup.members["chair"], setup.members["admin"]]
    )
    present = set(
        Attendance.objects.filter(meeting=meeting, present=True).values_list("member_id", flat=True)
    )
    assert present == {setup.members["chair"].pk, setup.members["admin"].pk}
    assert _events(meeting)[0]["after"]["state"] == "held"


def test_attendance_refuses_strangers_future_meetings_and_leavers(setup, southampton, orgs, people):
    other = services.board_create(**setup.common, name="Test other board", purpose="p")
    stranger = services.board_member_add(
        **setup.common, board=other, person=people.commissioner, organisation=orgs.council
    )
    meeting = services.meeting_schedule(**setup.common, board=setup.board, starts_at=HELD_AT)
    with pytest.raises(ValidationError) as error:
        services.meeting_record_attendance(**setup.common, meeting=meeting, present=[stranger])
    assert "is not a member of this board" in _messages(error.value, "present")
    future = services.meeting_schedule(
        **setup.common, board=setup.board, starts_at=timezone.now() + dt.timedelta(days=30)
    )
    with pytest.raises(ValidationError) as error:
        services.meeting_record_attendance(**setup.common, meeting=future, present=[setup.members["chair"]])
    assert "record attendance once it has happened" in _messages(error.value, "present")
    services.board_member_remove(**setup.common, member=setup.members["adviser"], left_on=dt.date(2014, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.meeting_record_attendance(
            **setup.common, meeting=meeting, present=[setup.members["adviser"]]
        )
    assert "was not a member of" in _messages(error.value, "present")
    assert Attendance.objects.filter(meeting__in=[meeting, future]).count() == 0
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED


def test_actions_due_before_the_meeting_are_refused(setup, people):
    meeting = _held(setup, ALL_VOTING)
    with pytest.raises(ValidationError) as error:
        services.action_add(
            **setup.common,
            meeting=meeting,
            description="Draft the s75",
            owner=people.commissioner,
            due_on=dt.date(2014, 5, 19),
        )
    assert "cannot be due before the meeting that set it (20 May 2014)" in _messages(error.value, "due_on")
    assert Action.objects.filter(meeting=meeting).count() == 0
    action = services.action_add(
        **setup.common,
        meeting=meeting,
        description="Draft the s75",
        owner=people.commissioner,
        due_on=dt.date(2014, 5, 20),
    )
    done = services.action_complete(
        actor=people.commissioner, partnership=setup.common["partnership"], action=action
    )
    assert done.done


def test_a_cancelled_meeting_cannot_be_cancelled_twice_or_attended(setup):
    meeting = services.meeting_schedule(**setup.common, board=setup.board, starts_at=HELD_AT)
    services.meeting_cancel(**setup.common, meeting=meeting)
    assert _events(meeting)[0]["after"] == {"state": "cancelled"}
    with pytest.raises(ValidationError):
        services.meeting_cancel(**setup.common, meeting=meeting)
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_record_attendance(**setup.common, meeting=meeting, present=[setup.members["chair"]])


def test_agenda_items_are_numbered_in_order(setup, orgs, people):
    meeting = services.meeting_schedule(**setup.common, board=setup.board, starts_at=HELD_AT)
    decision = services.decision_create(**setup.common, **_paper(setup, orgs))
    first = services.agenda_item_add(**setup.common, meeting=meeting, title="Welcome")
    second = services.agenda_item_add(**setup.common, meeting=meeting, title="Equipment", decision=decision)
    assert (first.position, second.position) == (1, 2)


# Decisions -------------------------------------------------------------------------------


def test_decision_gets_a_reference_and_its_paper(setup, orgs, people, southampton):
    decision = services.decision_create(**setup.common, **_paper(setup, orgs))
    year = timezone.localdate().year
    assert decision.reference.startswith(f"D-{year}-")
    assert len(decision.reference) == len(f"D-{year}-001")
    again = services.decision_create(**setup.common, **_paper(setup, orgs))
    assert int(again.reference[-3:]) == int(decision.reference[-3:]) + 1
    assert decision.state == Decision.State.DRAFT
    assert ResourceImplication.objects.filter(decision=decision).count() == 3
    created = _events(decision, AuditEvent.Action.CREATE)[0]["after"]
    assert [orgs.council.pk, 2015, "100000.00"] in created["resources"]


def test_decision_with_missing_sections_cannot_be_proposed_and_names_them_all(setup, people, southampton):
    decision = services.decision_create(**setup.common, title="Half a paper", kind="budget")
    with pytest.raises(ValidationError) as error:
        services.decision_propose(actor=people.commissioner, partnership=southampton, decision=decision)
    assert error.value.message_dict["__all__"] == [
        "Before it can be proposed, this decision needs: summary, recommendations, reasons, at least one "
        "alternative option considered and rejected, legal implications, the board that will decide."
    ]
    assert set(error.value.message_dict) >= {"summary", "rejected_options", "board", "legal_implications"}
    decision.refresh_from_db()
    assert decision.state == Decision.State.DRAFT
    assert services.decision_required_sections(decision)[-1] == "the board that will decide"


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ("float", "not a float"),
        ("negative", "cannot be negative"),
        ("provider", "is not a commissioning partner"),
        ("twice", "appears twice"),
        ("pennies", "fractions of a penny"),
    ],
)
def test_bad_resource_lines_are_refused_and_nothing_is_saved(setup, orgs, resources, message):
    lines = {
        "float": [(orgs.council, 2014, 1000.5)],
        "negative": [(orgs.council, 2014, Decimal("-1"))],
        "provider": [(orgs.solent, 2014, Decimal("1"))],
        "twice": [(orgs.council, 2014, Decimal("1")), (orgs.council, 2014, Decimal("2"))],
        "pennies": [(orgs.council, 2014, Decimal("1.005"))],
    }[resources]
    before = _counts(Decision, ResourceImplication, AuditEvent)
    with pytest.raises(ValidationError) as error:
        services.decision_create(**setup.common, **_paper(setup, orgs, resources=lines))
    assert message in _messages(error.value, "resources")
    assert _counts(Decision, ResourceImplication, AuditEvent) == before


def test_a_rejected_option_needs_its_reason(setup, orgs):
    with pytest.raises(ValidationError) as error:
        services.decision_create(
            **setup.common, **_paper(setup, orgs, rejected_options=[("Do nothing", " ")])
        )
    assert "Option 1 (Do nothing) needs the reason it was rejected" in _messages(
        error.value, "rejected_options"
    )


def test_update_replaces_resources_only_while_draft(setup, orgs, people, southampton):
    decision = services.decision_create(**setup.common, **_paper(setup, orgs))
    services.decision_update(
        **setup.common, decision=decision, summary="Changed", resources=[(orgs.ccg, 2015, Decimal("10.00"))]
    )
    assert list(decision.resources.values_list("amount", flat=True)) == [Decimal("10.00")]
    assert _events(decision, AuditEvent.Action.UPDATE)[-1]["after"]["summary"] == "Changed"
    services.decision_propose(actor=people.commissioner, partnership=southampton, decision=decision)
    with pytest.raises(ValidationError, match="only a draft or deferred decision can be changed"):
        services.decision_update(**setup.common, decision=decision, summary="Again")


def test_full_happy_path_board_approves_for_both_partners(setup, orgs, people, southampton):
    """Propose → a conflicted member is refused a vote → the quorate board approves for both partners."""
    services.interest_declare(
        actor=people.finance,
        partnership=southampton,
        person=people.finance,
        kind="indirect",
        interest="A close family member works for Solent NHS Trust.",
        organisation=orgs.solent,
        starts_on=dt.date(2014, 1, 1),
    )
    decision = _propose(setup, orgs, people, organisations_named=[orgs.solent])
    assert _events(decision) == [
        {
            "before": {"state": "draft"},
            "after": {"state": "proposed"},
            "actor__username": people.commissioner.username,
            "summary": f"{decision.reference} proposed",
        }
    ]
    meeting = _held(setup, ALL_VOTING)
    item = services.agenda_item_add(**setup.common, meeting=meeting, title="Equipment", decision=decision)
    assert [m.person for m in agenda_conflicts(meeting)[item.pk]] == [people.finance]

    votes_before = Vote.objects.count()
    with pytest.raises(ValidationError) as error:
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members["finance"],
            choice="for",
        )
    assert _messages(error.value, "member") == (
        f"{people.finance} has declared an interest in Solent NHS Trust and cannot vote on this decision."
    )
    with pytest.raises(ValidationError, match="sits as an adviser and does not vote"):
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members["adviser"],
            choice="for",
        )
    assert Vote.objects.count() == votes_before

    for key in ("chair", "commissioner", "admin"):
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members[key],
            choice="for",
        )
    status = decision_approval_status(decision)
    assert [row["total"] for row in status["commitments"]] == [Decimal("200000.00"), Decimal("150000.00")]
    assert status["missing"][0]["approvers"] == [
        "the Director of People (up to £250,000.00)",
        f"the {BOARD_NAME} (up to £500,000.00)",
    ]
    assert not status["complete"]

    services.decision_approve(
        actor=people.board_member, partnership=southampton, decision=decision, meeting=meeting
    )
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    assert (decision.decided_on, decision.decided_at) == (dt.date(2014, 5, 20), meeting)
    approvals = Approval.objects.filter(decision=decision)
    assert {(a.organisation, a.rule_id) for a in approvals} == {
        (orgs.council, setup.scheme.council_board.pk),
        (orgs.ccg, setup.scheme.ccg_board.pk),
    }
    assert _events(decision)[-1]["before"] == {"state": "proposed"}
    assert _events(decision)[-1]["after"]["state"] == "approved"
    assert decision_approval_status(decision)["complete"]


def test_an_inquorate_meeting_cannot_vote_or_approve(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people)
    meeting = _held(setup, ("commissioner", "admin", "adviser"))
    with pytest.raises(ValidationError) as error:
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members["admin"],
            choice="for",
        )
    assert _messages(error.value, "meeting") == (
        "The meeting was not quorate: 2 voting members present; 3 needed; "
        f"no voting member from {orgs.ccg.name} present."
    )
    with pytest.raises(ValidationError, match="The meeting was not quorate"):
        services.decision_approve(
            actor=people.board_member, partnership=southampton, decision=decision, meeting=meeting
        )
    with pytest.raises(ValidationError, match="The meeting was not quorate"):
        services.decision_reject(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            reason="No",
        )
    assert (
        Vote.objects.filter(decision=decision).count(),
        Approval.objects.filter(decision=decision).count(),
    ) == (0, 0)
    decision.refresh_from_db()
    assert decision.state == Decision.State.PROPOSED
    # An inquorate meeting may still defer the item.
    services.decision_defer(
        actor=people.board_member,
        partnership=southampton,
        decision=decision,
        meeting=meeting,
        reason="Inquorate",
    )
    assert _events(decision)[-1]["after"]["reason"] == "Inquorate"


def test_a_conflict_that_breaks_quorum_for_the_item_is_refused(setup, orgs, people, southampton):
    services.interest_declare(
        **setup.common,
        person=people.board_member,
        kind="financial",
        interest="Shares",
        organisation=orgs.solent,
        starts_on=dt.date(2014, 1, 1),
    )
    decision = _propose(setup, orgs, people, organisations_named=[orgs.solent])
    meeting = _held(setup, ("chair", "commissioner", "admin"))
    with pytest.raises(ValidationError) as error:
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members["admin"],
            choice="for",
        )
    assert "without a declared interest present; 3 needed" in _messages(error.value, "meeting")


def test_an_interest_ended_before_the_meeting_does_not_exclude(setup, orgs, people, southampton):
    interest = services.interest_declare(
        **setup.common,
        person=people.finance,
        kind="indirect",
        interest="Sister at Solent",
        organisation=orgs.solent,
        starts_on=dt.date(2013, 1, 1),
    )
    services.interest_end(
        actor=people.finance, partnership=southampton, interest=interest, ends_on=dt.date(2014, 5, 19)
    )
    decision = _propose(setup, orgs, people, organisations_named=[orgs.solent])
    meeting = _held(setup, ALL_VOTING)
    vote = services.decision_vote(
        actor=people.board_member,
        partnership=southampton,
        decision=decision,
        meeting=meeting,
        member=setup.members["finance"],
        choice="against",
    )
    assert vote.choice == "against"


def test_a_board_cannot_approve_without_a_majority(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people)
    meeting = _held(setup, ALL_VOTING)
    for key, choice in (("chair", "for"), ("commissioner", "against"), ("admin", "abstain")):
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members[key],
            choice=choice,
        )
    with pytest.raises(ValidationError, match=r"did not vote for .* \(1 for, 1 against\)"):
        services.decision_approve(
            actor=people.board_member, partnership=southampton, decision=decision, meeting=meeting
        )


def test_a_board_cannot_approve_above_its_delegated_limit(setup, orgs, people, southampton):
    decision = _propose(
        setup,
        orgs,
        people,
        resources=[(orgs.council, 2014, Decimal("300000.00")), (orgs.council, 2015, Decimal("300000.00"))],
    )
    meeting = _held(setup, ALL_VOTING)
    for key in ("chair", "commissioner", "admin", "finance"):
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members[key],
            choice="for",
        )
    before = _counts(Approval, AuditEvent)
    with pytest.raises(ValidationError) as error:
        services.decision_approve(
            actor=people.board_member, partnership=southampton, decision=decision, meeting=meeting
        )
    assert _messages(error.value, "meeting") == (
        f"£600,000.00 for Southampton City Council is above the £500,000.00 the {BOARD_NAME} may approve; "
        "no one in Southampton City Council's scheme of delegation may approve that amount."
    )
    assert _counts(Approval, AuditEvent) == before


def test_an_officer_approves_within_their_role_limit(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people, resources=[(orgs.council, 2014, Decimal("25000.00"))])
    services.decision_approve(actor=people.commissioner, partnership=southampton, decision=decision)
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    assert decision.decided_at is None
    approval = Approval.objects.get(decision=decision)
    assert (approval.organisation, approval.rule_id, approval.approved_by) == (
        orgs.council,
        setup.scheme.commissioner.pk,
        people.commissioner,
    )
    assert _events(approval, AuditEvent.Action.CREATE)[0]["summary"] == (
        "Approved under a commissioner (up to £25,000.00)"
    )


def test_an_officer_above_their_limit_is_refused_naming_the_limit_and_who_can(
    setup, orgs, people, southampton
):
    decision = _propose(setup, orgs, people, resources=[(orgs.council, 2014, Decimal("25000.01"))])
    before = _counts(Approval, AuditEvent)
    with pytest.raises(ValidationError) as error:
        services.decision_approve(actor=people.commissioner, partnership=southampton, decision=decision)
    assert _messages(error.value, "organisation") == (
        "£25,000.01 for Southampton City Council is above the £25,000.00 a commissioner may approve; "
        f"it needs the Director of People or the {BOARD_NAME}."
    )
    assert _counts(Approval, AuditEvent) == before
    decision.refresh_from_db()
    assert decision.state == Decision.State.PROPOSED


def test_a_named_post_approves_one_partner_and_the_other_is_still_missing(setup, orgs, people, southampton):
    people.viewer.job_title = "director of people"
    people.viewer.save()
    decision = _propose(
        setup,
        orgs,
        people,
        resources=[(orgs.council, 2014, Decimal("200000.00")), (orgs.ccg, 2014, Decimal("40000.00"))],
    )
    services.decision_approve(
        actor=people.viewer, partnership=southampton, decision=decision, organisation=orgs.council
    )
    decision.refresh_from_db()
    assert decision.state == Decision.State.PROPOSED
    status = decision_approval_status(decision)
    assert [row["organisation"] for row in status["missing"]] == [orgs.ccg]
    assert status["missing"][0]["approvers"] == [
        "a finance officer (up to £50,000.00)",
        f"the {BOARD_NAME} (up to £500,000.00)",
    ]
    assert status["approvals"][0]["rule"] == "the Director of People (up to £250,000.00)"
    # The CCG's finance officer approves under the CCG's own scheme; now it is approved.
    services.decision_approve(actor=people.finance, partnership=southampton, decision=decision)
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED


def test_a_role_without_delegated_authority_is_refused(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people, resources=[(orgs.ccg, 2014, Decimal("100.00"))])
    with pytest.raises(ValidationError) as error:
        services.decision_approve(
            actor=people.board_member, partnership=southampton, decision=decision, organisation=orgs.ccg
        )
    assert _messages(error.value, "organisation") == (
        f"Your role has no delegated authority for budget or funding decisions for {orgs.ccg.name}; "
        f"it needs a finance officer or the {BOARD_NAME}."
    )
    with pytest.raises(ValidationError, match="commits no money"):
        services.decision_approve(
            actor=people.commissioner, partnership=southampton, decision=decision, organisation=orgs.council
        )


def test_a_draft_cannot_be_approved_or_voted(setup, orgs, people, southampton):
    decision = services.decision_create(**setup.common, **_paper(setup, orgs))
    with pytest.raises(ValidationError, match="is draft, not proposed"):
        services.decision_approve(actor=people.commissioner, partnership=southampton, decision=decision)


def test_reject_needs_a_reason_and_is_audited(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people)
    with pytest.raises(ValidationError) as error:
        services.decision_reject(actor=people.board_member, partnership=southampton, decision=decision)
    assert "Say why" in _messages(error.value, "reason")
    services.decision_reject(
        actor=people.board_member, partnership=southampton, decision=decision, reason="Too costly"
    )
    assert _events(decision)[-1]["after"]["state"] == "rejected"


def test_a_deferred_decision_is_proposed_afresh(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people)
    meeting = _held(setup, ALL_VOTING)
    services.decision_vote(
        actor=people.board_member,
        partnership=southampton,
        decision=decision,
        meeting=meeting,
        member=setup.members["chair"],
        choice="for",
    )
    services.decision_defer(
        actor=people.board_member, partnership=southampton, decision=decision, meeting=meeting
    )
    services.decision_update(**setup.common, decision=decision, summary="Revised")
    services.decision_propose(actor=people.commissioner, partnership=southampton, decision=decision)
    assert decision.votes.count() == 0
    assert [e["after"]["state"] for e in _events(decision)] == ["proposed", "deferred", "proposed"]


def test_permission_refusals(setup, orgs, people, southampton):
    with pytest.raises(NotPermitted):
        services.decision_create(actor=people.viewer, partnership=southampton, **_paper(setup, orgs))
    decision = _propose(setup, orgs, people)
    meeting = _held(setup, ALL_VOTING)
    with pytest.raises(NotPermitted):
        services.decision_vote(
            actor=people.commissioner,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members["chair"],
            choice="for",
        )
    with pytest.raises(NotPermitted):
        services.decision_approve(
            actor=people.commissioner, partnership=southampton, decision=decision, meeting=meeting
        )
    with pytest.raises(NotPermitted):
        services.delegation_rule_create(
            actor=people.board_member, partnership=southampton, organisation=orgs.ccg, role="board_member"
        )
    with pytest.raises(NotPermitted):
        services.interest_declare(
            actor=people.commissioner,
            partnership=southampton,
            person=people.finance,
            kind="financial",
            interest="x",
            starts_on=dt.date(2014, 1, 1),
        )
    with pytest.raises(NotPermitted):
        services.interest_declare(
            actor=people.provider,
            partnership=southampton,
            person=people.provider,
            kind="financial",
            interest="x",
            starts_on=dt.date(2014, 1, 1),
        )
    with pytest.raises(NotPermitted, match="administrator or board member"):
        services.meeting_record_attendance(
            actor=people.commissioner, partnership=southampton, meeting=meeting, present=[]
        )


def test_another_partnerships_objects_are_refused(setup, nottinghamshire, people):
    system = User.objects.get(username="system")
    with pytest.raises(NotPermitted, match="another partnership"):
        services.meeting_schedule(
            actor=system, partnership=nottinghamshire, board=setup.board, starts_at=HELD_AT
        )


# Delegation rules ------------------------------------------------------------------------


def test_delegation_rule_refusals(setup, orgs):
    before = _counts(DelegationRule)
    cases = [
        ({"organisation": orgs.council}, "__all__", "exactly one approver"),
        ({"organisation": orgs.council, "role": "commissioner", "post": "Chief"}, "__all__", "exactly one"),
        (
            {"organisation": orgs.solent, "role": "commissioner"},
            "organisation",
            "not a commissioning partner",
        ),
        ({"organisation": orgs.council, "role": "commissioner", "limit": 10.0}, "limit", "not a float"),
        (
            {"organisation": orgs.council, "role": "commissioner", "limit": Decimal("25000")},
            "__all__",
            "already",
        ),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as error:
            services.delegation_rule_create(**setup.common, **kwargs)
        assert message in _messages(error.value, field)
    other = services.board_create(**setup.common, name="Test undelegated board", purpose="p")
    with pytest.raises(ValidationError, match="has not delegated to Test undelegated board"):
        services.delegation_rule_create(**setup.common, organisation=orgs.ccg, board=other)
    assert _counts(DelegationRule) == before


# Interests -------------------------------------------------------------------------------


def test_interest_refusals(setup, people, outsider, orgs, southampton):
    before = _counts(Interest)
    with pytest.raises(ValidationError) as error:
        services.interest_declare(
            actor=people.finance,
            partnership=southampton,
            person=people.finance,
            kind="financial",
            interest="Shares",
            organisation=orgs.solent,
            starts_on=dt.date(2014, 2, 1),
            ends_on=dt.date(2014, 1, 31),
        )
    assert "cannot end before it starts (1 February 2014)" in _messages(error.value, "ends_on")
    with pytest.raises(ValidationError) as error:
        services.interest_declare(
            **setup.common,
            person=outsider,
            kind="financial",
            interest="Shares",
            starts_on=dt.date(2014, 1, 1),
        )
    assert "is not a member of" in _messages(error.value, "person")
    assert _counts(Interest) == before
    declared = services.interest_declare(
        **setup.common,
        person=people.finance,
        kind="financial",
        interest="Shares",
        starts_on=dt.date(2014, 1, 1),
    )
    with pytest.raises(ValidationError, match="cannot end before that"):
        services.interest_end(
            actor=people.finance, partnership=southampton, interest=declared, ends_on=dt.date(2013, 1, 1)
        )


# Agreements and teams --------------------------------------------------------------------


def test_agreement_register_and_team(setup, orgs, people):
    decision = _propose(setup, orgs, people)
    agreement = services.agreement_create(
        **setup.common,
        kind="s75_pooled",
        title="Better Care Fund s75",
        purpose="Pool the BCF.",
        parties=[orgs.council, orgs.ccg],
        starts_on=dt.date(2015, 4, 1),
        review_on=dt.date(2016, 3, 1),
        ends_on=dt.date(2017, 3, 31),
        decisions=[decision],
    )
    assert list(agreement.decisions.all()) == [decision]
    team = services.team_create(
        **setup.common,
        name="Test integrated commissioning unit",
        agreement=agreement,
        budget=Decimal("3600000"),
    )
    assert team.agreement == agreement
    assert _events(team, AuditEvent.Action.CREATE)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"parties": "one"}, "parties", "at least two parties"),
        ({"parties": "outside"}, "parties", "Not an organisation of"),
        ({"review_on": dt.date(2015, 3, 31)}, "review_on", "cannot be before the start (1 April 2015)"),
        ({"ends_on": dt.date(2015, 3, 31)}, "ends_on", "cannot be before the start (1 April 2015)"),
        (
            {"review_on": dt.date(2018, 1, 1)},
            "review_on",
            "cannot be after the agreement ends (31 March 2017)",
        ),
    ],
)
def test_agreement_refusals_save_nothing(setup, orgs, overrides, field, message):
    parties = {
        "one": [orgs.council],
        "outside": [orgs.council, Organisation.objects.get(gss_code="E10000024")],
    }
    fields = {
        "kind": "mou",
        "title": "MoU",
        "purpose": "Work together.",
        "parties": [orgs.council, orgs.ccg],
        "starts_on": dt.date(2015, 4, 1),
        "ends_on": dt.date(2017, 3, 31),
    }
    fields.update(overrides)
    if isinstance(fields["parties"], str):
        fields["parties"] = parties[fields["parties"]]
    before = _counts(Agreement, Team)
    with pytest.raises(ValidationError) as error:
        services.agreement_create(**setup.common, **fields)
    assert message in _messages(error.value, field)
    assert _counts(Agreement, Team) == before


def test_a_decision_committing_no_money_is_approved_by_one_board_approval(setup, orgs, people, southampton):
    decision = _propose(setup, orgs, people, kind="governance", resources=[])
    meeting = _held(setup, ALL_VOTING)
    for key in ("chair", "commissioner", "admin"):
        services.decision_vote(
            actor=people.board_member,
            partnership=southampton,
            decision=decision,
            meeting=meeting,
            member=setup.members[key],
            choice="for",
        )
    services.decision_approve(actor=people.admin, partnership=southampton, decision=decision, meeting=meeting)
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    assert Approval.objects.filter(decision=decision).count() == 1
    assert decision_approval_status(decision)["complete"]
