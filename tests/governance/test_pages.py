"""The governance pages over HTTP: boards, meeting packs, decisions, registers and the public log.

The data are built here through the services, with names no demo uses, so what each page must show
is known in advance:

* the Pages Test Board (quorum 3, one voting member from each partner, 4 to 6 meetings a year),
  delegated to by the council (up to £1,000,000) and the CCG (no limit), with the Pages Test Group
  reporting to it;
* members: the demo commissioner (chair) and administrator for the council, the demo finance officer
  and board member for the CCG, the demo viewer as an adviser;
* the finance officer has a live interest in Pages Test Care Ltd, which the proposal names;
* a meeting a week ago with the proposal on its agenda, everyone present but the adviser;
* the proposal commits £100,000 of the council's money and £50,000.50 of the CCG's in 2030/31;
* officers: a council commissioner may approve up to £25,000, a CCG finance officer up to £50,000.50.

Southampton's own schemes of delegation (and any approvals made under them) are removed inside each
test's transaction, so the demo's schemes cannot change who may approve what here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance import services
from commissioning.governance.models import (
    Approval,
    Board,
    Decision,
    DelegationRule,
    Interest,
)
from commissioning.partners.models import CareGroup, Organisation

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/governance"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING_SECTIONS = (
    "summary",
    "recommendations",
    "reasons",
    "at least one alternative option considered and rejected",
    "legal implications",
    "the board that will decide",
)


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def world(southampton, user_for, system):
    """The board, its group, members, a held meeting, a proposal on its agenda, and the schemes."""
    Approval.objects.filter(decision__partnership=southampton).delete()
    DelegationRule.objects.filter(partnership=southampton).delete()
    people = {role: user_for("southampton", role) for role in Role}
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    provider = Organisation.objects.create(
        name="Pages Test Care Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER
    )
    older = CareGroup.objects.get(partnership=southampton, name="Older people")
    carers = CareGroup.objects.get(partnership=southampton, name="Carers")
    common = {"actor": system, "partnership": southampton}

    board = services.board_create(
        **common,
        name="Pages Test Board",
        purpose="Oversee the pages under test.",
        scope="Everything these tests touch.",
        reports_to_body="The Health and Wellbeing Board",
        delegated_by=[council, ccg],
        care_groups=[older],
    )
    group = services.board_create(
        **common, name="Pages Test Group", kind="group", purpose="Report upwards.", reports_to=board
    )
    joined = dt.date(2020, 1, 1)
    seats = {
        Role.COMMISSIONER: (council, "chair"),
        Role.ADMINISTRATOR: (council, "member"),
        Role.FINANCE_OFFICER: (ccg, "member"),
        Role.BOARD_MEMBER: (ccg, "member"),
        Role.VIEWER: (council, "adviser"),
    }
    members = {
        role: services.board_member_add(
            **common, board=board, person=people[role], organisation=org, role=seat, joined_on=joined
        )
        for role, (org, seat) in seats.items()
    }
    services.interest_declare(
        **common,
        person=people[Role.FINANCE_OFFICER],
        kind="financial",
        interest="Shareholding in Pages Test Care Ltd",
        organisation=provider,
        starts_on=joined,
    )
    services.delegation_rule_create(**common, organisation=council, board=board, limit=Decimal("1000000"))
    services.delegation_rule_create(**common, organisation=ccg, board=board)
    services.delegation_rule_create(
        **common, organisation=council, role="commissioner", limit=Decimal("25000")
    )
    services.delegation_rule_create(
        **common, organisation=ccg, role="finance_officer", limit=Decimal("50000.50")
    )

    meeting = services.meeting_schedule(
        **common, board=board, starts_at=timezone.now() - dt.timedelta(days=7), location="Civic Centre"
    )
    proposal = services.decision_create(
        **common,
        title="Pages test: commission home care jointly",
        kind="service",
        board=board,
        summary="Bring home care under one contract.",
        recommendations="Approve joint commissioning of home care.",
        reasons="One pathway, less duplication.",
        legal_implications="Section 75 of the NHS Act 2006 allows it.",
        is_key_decision=True,
        expected_on=dt.date(2031, 2, 1),
        care_groups=[older],
        organisations_named=[provider],
        rejected_options=[("Do nothing", "Keeps the duplication.")],
        resources=[(council, 2030, Decimal("100000")), (ccg, 2030, Decimal("50000.50"))],
    )
    services.decision_propose(**common, decision=proposal)
    services.agenda_item_add(
        **common,
        meeting=meeting,
        title="Home care",
        decision=proposal,
        paper_url="https://example.org/home-care.pdf",
    )
    services.meeting_record_attendance(
        **common, meeting=meeting, present=[m for role, m in members.items() if role != Role.VIEWER]
    )
    services.meeting_update_minutes(**common, meeting=meeting, minutes="The board discussed home care.")
    services.action_add(
        **common,
        meeting=meeting,
        description="Write the service specification",
        owner=people[Role.COMMISSIONER],
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    draft = services.decision_create(
        **common,
        title="Pages test: a draft about carers",
        kind="strategy",
        care_groups=[carers],
        is_key_decision=True,
        expected_on=dt.date(2030, 6, 1),
    )
    return {
        "partnership": southampton,
        "people": people,
        "council": council,
        "ccg": ccg,
        "provider": provider,
        "older": older,
        "carers": carers,
        "board": board,
        "group": group,
        "members": members,
        "meeting": meeting,
        "proposal": proposal,
        "draft": draft,
        "common": common,
    }


def _approved(world, title="Pages test: an approved decision"):
    """A decision approved by the board at the meeting (no money, so one partner's approval decides it)."""
    common = world["common"]
    decision = services.decision_create(
        **common,
        title=title,
        kind="strategy",
        board=world["board"],
        summary="A public summary.",
        recommendations="A public recommendation.",
        reasons="A public reason.",
        legal_implications="None of note.",
        rejected_options=[("A rejected road", "It led nowhere.")],
        care_groups=[world["older"]],
    )
    services.decision_propose(**common, decision=decision)
    services.agenda_item_add(**common, meeting=world["meeting"], title=title, decision=decision)
    for role in (Role.COMMISSIONER, Role.ADMINISTRATOR, Role.BOARD_MEMBER):
        services.decision_vote(
            **common, decision=decision, meeting=world["meeting"], member=world["members"][role], choice="for"
        )
    services.decision_approve(**common, decision=decision, meeting=world["meeting"])
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    return decision


# Access ------------------------------------------------------------------------------------


def _urls(world):
    board, meeting, proposal = world["board"], world["meeting"], world["proposal"]
    return [
        f"{BASE}/",
        f"{BASE}/calendar/",
        f"{BASE}/boards/{board.pk}/",
        f"{BASE}/meetings/{meeting.pk}/",
        f"{BASE}/decisions/",
        f"{BASE}/decisions/forward-plan/",
        f"{BASE}/decisions/{proposal.pk}/",
        f"{BASE}/interests/",
        f"{BASE}/delegation/",
        f"{BASE}/agreements/",
    ]


def test_every_page_opens_for_a_viewer(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    for url in _urls(world):
        assert viewer.get(url).status_code == 200, url


def test_a_provider_contact_is_refused(client_for, world):
    provider = client_for("southampton", Role.PROVIDER_CONTACT)
    for url in _urls(world):
        assert provider.get(url).status_code == 403, url


def test_another_partnership_cannot_reach_southamptons_governance(client_for, world):
    outsider = client_for("nottinghamshire", Role.ADMINISTRATOR)
    for url in _urls(world):
        assert outsider.get(url).status_code == 404, url
    own = "/p/nottinghamshire/governance"
    for url in (
        f"{own}/boards/{world['board'].pk}/",
        f"{own}/meetings/{world['meeting'].pk}/",
        f"{own}/decisions/{world['proposal'].pk}/",
        f"{own}/decisions/{world['proposal'].pk}/edit/",
        f"{own}/boards/{world['board'].pk}/members/new/",
        f"{own}/members/{world['members'][Role.VIEWER].pk}/remove/",
    ):
        assert outsider.get(url).status_code == 404, url


def test_forms_need_their_permission(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    board = world["board"]
    for url in (
        f"{BASE}/boards/new/",
        f"{BASE}/boards/{board.pk}/edit/",
        f"{BASE}/boards/{board.pk}/members/new/",
        f"{BASE}/boards/{board.pk}/meetings/new/",
        f"{BASE}/decisions/new/",
        f"{BASE}/delegation/new/",
        f"{BASE}/agreements/new/",
        f"{BASE}/meetings/{world['meeting'].pk}/attendance/",
    ):
        assert viewer.get(url).status_code == 403, url
    assert viewer.get(f"{BASE}/interests/new/").status_code == 200
    admin = client_for("southampton", Role.ADMINISTRATOR)
    assert admin.get(f"{BASE}/boards/new/").status_code == 200


def test_navigation_leads_to_governance(client_for, world):
    page = _page(client_for("southampton", Role.VIEWER).get("/p/southampton/"))
    for url in (f"{BASE}/", f"{BASE}/decisions/", f"{BASE}/decisions/forward-plan/", f"{BASE}/interests/"):
        assert f'href="{url}"' in page


# Home, boards and calendar -----------------------------------------------------------------


def test_home_shows_reporting_lines_meetings_and_decisions_awaiting(client_for, world):
    common = world["common"]
    upcoming = services.meeting_schedule(
        **common, board=world["board"], starts_at=timezone.now() + dt.timedelta(days=3), location="Room 4"
    )
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/"))
    board_link = page.index(f"{BASE}/boards/{world['board'].pk}/")
    group_link = page.index(f"{BASE}/boards/{world['group'].pk}/")
    assert board_link < group_link
    # The group sits in a list nested inside the board's item.
    assert "platform-tree__children" in page[board_link:group_link]
    assert f"{BASE}/meetings/{upcoming.pk}/" in page and "Room 4" in page
    assert "Pages test: commission home care jointly" in page
    assert "Pages test: a draft about carers" not in page
    for register in ("decisions/", "decisions/forward-plan/", "interests/", "delegation/", "agreements/"):
        assert f'href="{BASE}/{register}"' in page
    assert 'href="/public/southampton/decisions/"' in page


def test_board_page_shows_terms_of_reference_members_and_delegations(client_for, world):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/boards/{world['board'].pk}/"))
    assert "Oversee the pages under test." in page
    assert "The Health and Wellbeing Board" in page
    assert (
        "At least 3 voting members present, including at least one voting member from each partner." in page
    )
    assert "4 to 6 meetings a year" in page
    for role in (Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.VIEWER):
        assert world["people"][role].display_name in page
    assert "Chair" in page and "Adviser (does not vote)" in page
    assert "NHS Southampton City Clinical Commissioning Group" in page
    assert "Up to £1,000,000.00" in page and "No limit" in page
    assert "Pages Test Group" in page


def test_board_calendar_warns_when_the_year_has_too_few_meetings(client_for, world):
    common = world["common"]
    for day in (dt.datetime(2030, 5, 14, 14), dt.datetime(2030, 9, 17, 14)):
        services.meeting_schedule(**common, board=world["board"], starts_at=timezone.make_aware(day))
    viewer = client_for("southampton", Role.VIEWER)
    page = _page(viewer.get(f"{BASE}/boards/{world['board'].pk}/?year=2030"))
    assert "2 meetings planned in 2030/31; the terms of reference ask for at least 4." in page
    assert "May 2030" in page and "March 2031" in page and "14 May, 14:00" in page
    # The current year is the default; the group has no meetings at all.
    group_page = _page(viewer.get(f"{BASE}/boards/{world['group'].pk}/"))
    assert "0 meetings planned in" in group_page
    # Within the range: no warning.
    for day in (dt.datetime(2030, 11, 12, 14), dt.datetime(2031, 1, 14, 14)):
        services.meeting_schedule(**common, board=world["board"], starts_at=timezone.make_aware(day))
    assert "nhsuk-warning-callout" not in _page(viewer.get(f"{BASE}/boards/{world['board'].pk}/?year=2030"))


def test_calendar_of_all_boards(client_for, world):
    common = world["common"]
    services.meeting_schedule(
        **common, board=world["group"], starts_at=timezone.make_aware(dt.datetime(2030, 6, 3, 10))
    )
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/calendar/?year=2030"))
    assert "Board calendar 2030/31" in page
    assert "3 June, 10:00" in page and "Pages Test Group" in page
    # A year out of range falls back to the current one rather than failing.
    assert client_for("southampton", Role.VIEWER).get(f"{BASE}/calendar/?year=99999").status_code == 200


def test_board_forms_create_and_change_a_board(client_for, world):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    response = admin.post(
        f"{BASE}/boards/new/",
        {
            "name": "Pages Test New Board",
            "kind": "group",
            "purpose": "Something new.",
            "reports_to": world["board"].pk,
            "quorum_minimum": "2",
            "meetings_min_per_year": "2",
            "meetings_max_per_year": "4",
            "care_groups": [world["carers"].pk],
        },
    )
    board = Board.objects.get(partnership=world["partnership"], name="Pages Test New Board")
    assert response.status_code == 302 and response["Location"].endswith(f"/boards/{board.pk}/")
    assert board.reports_to == world["board"] and not board.quorum_each_partner
    assert list(board.care_groups.all()) == [world["carers"]]
    # The fewest meetings cannot exceed the most: shown in the error summary, nothing saved.
    page = admin.post(
        f"{BASE}/boards/{board.pk}/edit/",
        {
            "name": "Renamed",
            "kind": "group",
            "purpose": "x",
            "quorum_minimum": "2",
            "meetings_min_per_year": "5",
            "meetings_max_per_year": "4",
        },
    ).content.decode()
    assert "nhsuk-error-summary" in page and "cannot be fewer" in page
    board.refresh_from_db()
    assert board.name == "Pages Test New Board"
    # Editing can stand a board down; a new board is always active.
    assert 'name="is_active"' not in _page(admin.get(f"{BASE}/boards/new/"))
    edit = _page(admin.get(f"{BASE}/boards/{board.pk}/edit/"))
    assert 'name="is_active"' in edit and 'value="Pages Test New Board"' in edit
    response = admin.post(
        f"{BASE}/boards/{board.pk}/edit/",
        {
            "name": "Pages Test Renamed Board",
            "kind": "group",
            "purpose": "Something new.",
            "quorum_minimum": "2",
            "meetings_min_per_year": "2",
            "meetings_max_per_year": "4",
        },
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.name == "Pages Test Renamed Board" and not board.is_active


def test_member_and_meeting_forms(client_for, world):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    board = world["group"]
    person = world["people"][Role.FINANCE_OFFICER]
    response = admin.post(
        f"{BASE}/boards/{board.pk}/members/new/",
        {"person": person.pk, "organisation": world["ccg"].pk, "role": "member", "joined_on": "2024-04-01"},
    )
    assert response.status_code == 302
    member = board.members.get(person=person)
    response = admin.post(f"{BASE}/members/{member.pk}/remove/", {"left_on": "2025-03-31"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_on == dt.date(2025, 3, 31)
    response = admin.post(
        f"{BASE}/boards/{board.pk}/meetings/new/", {"starts_at": "2030-07-01T10:30", "location": "Room 1"}
    )
    meeting = board.meetings.get()
    assert response["Location"].endswith(f"/meetings/{meeting.pk}/")
    assert timezone.localtime(meeting.starts_at).hour == 10


# The meeting pack --------------------------------------------------------------------------


def test_meeting_pack_flags_the_conflicted_member_and_checks_quorum(client_for, world):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/meetings/{world['meeting'].pk}/"))
    finance = world["people"][Role.FINANCE_OFFICER].display_name
    assert "Home care" in page and "https://example.org/home-care.pdf" in page
    assert "Pages test: commission home care jointly" in page
    # Flagged and excluded from the item's vote, and not counted for its quorum.
    assert "Declared interests" in page and "Pages Test Care Ltd" in page
    flagged = page.index("Conflicted</strong> " + finance)
    assert "Excluded: declared interest" in page
    assert "Quorate: 4 voting members counted." in page  # the meeting: the adviser does not count
    assert "Quorate: 3 voting members counted." in page[flagged:]  # the item, without the finance officer
    assert "The board discussed home care." in page
    assert (
        "Write the service specification" in page and world["people"][Role.COMMISSIONER].display_name in page
    )


def test_meeting_pack_explains_an_inquorate_item(client_for, world):
    members = world["members"]
    services.meeting_record_attendance(
        **world["common"],
        meeting=world["meeting"],
        present=[members[Role.COMMISSIONER], members[Role.ADMINISTRATOR], members[Role.FINANCE_OFFICER]],
    )
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/meetings/{world['meeting'].pk}/"))
    assert "Quorate: 3 voting members counted." in page  # the meeting as a whole
    assert (
        "Not quorate: 2 voting members without a declared interest present; 3 needed; "
        "no voting member from NHS Southampton City Clinical Commissioning Group present." in page
    )


def test_votes_exclude_the_conflicted_member_and_the_meeting_approves(client_for, world):
    member = client_for("southampton", Role.BOARD_MEMBER)
    meeting, proposal, members = world["meeting"], world["proposal"], world["members"]
    url = f"{BASE}/meetings/{meeting.pk}/"
    page = _page(member.get(url))
    prefix = f"d{proposal.pk}-member_"
    assert f'name="{prefix}{members[Role.COMMISSIONER].pk}"' in page
    assert f'name="{prefix}{members[Role.FINANCE_OFFICER].pk}"' not in page  # excluded, not selectable
    assert f'name="{prefix}{members[Role.VIEWER].pk}"' not in page  # an adviser does not vote
    votes = {f"{prefix}{members[r].pk}": "for" for r in (Role.COMMISSIONER, Role.ADMINISTRATOR)}
    votes[f"{prefix}{members[Role.BOARD_MEMBER].pk}"] = "against"
    assert member.post(f"{url}decisions/{proposal.pk}/votes/", votes).status_code == 302
    assert proposal.votes.count() == 3
    response = member.post(f"{url}decisions/{proposal.pk}/approve/")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Decision.State.APPROVED
    assert proposal.decided_at == meeting
    assert set(proposal.approvals.values_list("organisation", flat=True)) == {
        world["council"].pk,
        world["ccg"].pk,
    }


def test_a_refused_meeting_decision_shows_the_services_reason(client_for, world):
    member = client_for("southampton", Role.BOARD_MEMBER)
    meeting, proposal = world["meeting"], world["proposal"]
    response = member.post(f"{BASE}/meetings/{meeting.pk}/decisions/{proposal.pk}/approve/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert f"The board did not vote for {proposal.reference} at this meeting (0 for, 0 against)." in page
    response = member.post(f"{BASE}/meetings/{meeting.pk}/decisions/{proposal.pk}/reject/", {})
    assert "Say why the decision was rejected." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == Decision.State.PROPOSED
    response = member.post(
        f"{BASE}/meetings/{meeting.pk}/decisions/{proposal.pk}/defer/",
        {f"r{proposal.pk}-reason": "More data"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Decision.State.DEFERRED


def test_meeting_forms_record_agenda_attendance_minutes_and_actions(client_for, world):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    meeting, members = world["meeting"], world["members"]
    url = f"{BASE}/meetings/{meeting.pk}"
    assert admin.post(f"{url}/agenda/new/", {"title": "Any other business"}).status_code == 302
    assert meeting.agenda.filter(title="Any other business").exists()
    attendance = _page(admin.get(f"{url}/attendance/"))
    assert 'type="checkbox"' in attendance and world["people"][Role.VIEWER].display_name in attendance
    present = [members[r].pk for r in (Role.COMMISSIONER, Role.ADMINISTRATOR, Role.BOARD_MEMBER, Role.VIEWER)]
    present.append(members[Role.FINANCE_OFFICER].pk)
    assert admin.post(f"{url}/attendance/", {"present": present}).status_code == 302
    assert meeting.attendance.filter(present=True).count() == 5
    assert admin.post(f"{url}/minutes/", {"minutes": "Revised minutes."}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Revised minutes."
    owner = world["people"][Role.FINANCE_OFFICER]
    response = admin.post(
        f"{url}/actions/new/", {"description": "Cost the options", "owner": owner.pk, "due_on": "2000-01-01"}
    )
    assert response.status_code == 200 and "cannot be due before the meeting" in response.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = admin.post(
        f"{url}/actions/new/", {"description": "Cost the options", "owner": owner.pk, "due_on": due}
    )
    assert response.status_code == 302
    action = meeting.actions.get(description="Cost the options")
    assert admin.post(f"{BASE}/actions/{action.pk}/done/").status_code == 302
    action.refresh_from_db()
    assert action.done


# Decisions ---------------------------------------------------------------------------------


def test_decision_page_shows_every_section_and_the_missing_approvals(client_for, world):
    proposal = world["proposal"]
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/decisions/{proposal.pk}/"))
    for text in (
        "Bring home care under one contract.",
        "Approve joint commissioning of home care.",
        "One pathway, less duplication.",
        "Do nothing",
        "Keeps the duplication.",
        "Section 75 of the NHS Act 2006 allows it.",
        "Pages Test Care Ltd",
        "Older people",
        "Proposed",
        "Key decision",
    ):
        assert text in page, text
    # Resources by partner and year, with totals, in pounds and pence.
    assert "2030/31" in page
    assert "£100,000.00" in page and "£50,000.50" in page and "£150,000.50" in page
    # Nothing approved yet: both partners are missing, each with who can approve that amount.
    assert "Approvals still missing" in page
    missing = page[page.index("Approvals still missing") :]
    assert "The Pages Test Board (up to £1,000,000.00)" in missing
    assert "A finance officer (up to £50,000.50)" in missing
    assert "The Pages Test Board (no limit)" in missing
    assert "commissioner (up to £25,000.00)" not in missing  # below the council's £100,000
    assert "Approve under my delegation" in page


def test_decision_page_shows_approvals_votes_engagement_and_agreements(client_for, world):
    from commissioning.engagement.models import Consultation, Theme

    decision = _approved(world)
    consultation = Consultation.objects.create(
        partnership=world["partnership"],
        title="Pages test consultation",
        purpose="Ask.",
        opens_on=dt.date(2030, 1, 1),
        closes_on=dt.date(2030, 2, 1),
        created_by=world["people"][Role.COMMISSIONER],
    )
    theme = Theme.objects.create(
        consultation=consultation, title="Access", you_said="Too far to travel.", we_did="Added a clinic."
    )
    decision.themes.add(theme)
    services.agreement_create(
        **world["common"],
        kind="mou",
        title="Pages test memorandum",
        purpose="Work together.",
        parties=[world["council"], world["ccg"]],
        starts_on=dt.date(2030, 4, 1),
        decisions=[decision],
    )
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/decisions/{decision.pk}/"))
    assert "Approved" in page and "Approvals made" in page and "Pages Test Board" in page
    assert page.count(">For</strong>") == 3
    assert "Pages test consultation" in page and "Too far to travel." in page and "Added a clinic." in page
    assert f'href="{reverse("engagement:consultation", args=["southampton", consultation.pk])}"' in page
    assert "Pages test memorandum" in page
    assert "History" in page and "Draft decision started" in page


def test_officer_approval_within_and_above_the_limit(client_for, world):
    proposal = world["proposal"]
    url = f"{BASE}/decisions/{proposal.pk}/approve/"
    finance = client_for("southampton", Role.FINANCE_OFFICER)
    assert finance.post(url, {"organisation": world["ccg"].pk}).status_code == 302
    assert proposal.approvals.filter(organisation=world["ccg"]).exists()
    commissioner = client_for("southampton", Role.COMMISSIONER)
    response = commissioner.post(url, {"organisation": world["council"].pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert (
        "£100,000.00 for Southampton City Council is above the £25,000.00 a commissioner may approve" in page
    )
    assert "it needs the Pages Test Board" in page
    assert not proposal.approvals.filter(organisation=world["council"]).exists()


def test_proposing_an_incomplete_paper_names_every_missing_section_and_changes_nothing(client_for, world):
    draft = world["draft"]
    events = AuditEvent.objects.count()
    response = client_for("southampton", Role.COMMISSIONER).post(f"{BASE}/decisions/{draft.pk}/propose/")
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index("nhsuk-error-summary") : page.index("</ul>", page.index("nhsuk-error-summary"))]
    for section in MISSING_SECTIONS:
        assert section in summary, section
    draft.refresh_from_db()
    assert draft.state == Decision.State.DRAFT
    assert AuditEvent.objects.count() == events


def test_decision_form_creates_a_paper_with_options_and_money_as_decimal(client_for, world):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    assert 'name="resources-0-amount"' in _page(commissioner.get(f"{BASE}/decisions/new/"))
    data = {
        "title": "Pages test: from the form",
        "kind": "budget",
        "board": world["board"].pk,
        "summary": "S",
        "recommendations": "R",
        "reasons": "Why",
        "legal_implications": "L",
        "is_key_decision": "on",
        "expected_on": "2030-10-01",
        "care_groups": [world["older"].pk],
        "organisations_named": [world["council"].pk],
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-0-option": "Option A",
        "options-0-reason": "Too dear",
        "options-1-option": "Option B",
        "options-1-reason": "Too slow",
        "resources-TOTAL_FORMS": "3",
        "resources-INITIAL_FORMS": "0",
        "resources-0-organisation": world["council"].pk,
        "resources-0-financial_year": "2030",
        "resources-0-amount": "£90,800.10",
        "resources-1-organisation": world["ccg"].pk,
        "resources-1-financial_year": "2031",
        "resources-1-amount": "0.30",
    }
    response = commissioner.post(f"{BASE}/decisions/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    decision = Decision.objects.get(partnership=world["partnership"], title="Pages test: from the form")
    assert [(o.option, o.reason) for o in decision.rejected_options.all()] == [
        ("Option A", "Too dear"),
        ("Option B", "Too slow"),
    ]
    amounts = {(r.organisation_id, r.financial_year): r.amount for r in decision.resources.all()}
    assert amounts == {
        (world["council"].pk, 2030): Decimal("90800.10"),
        (world["ccg"].pk, 2031): Decimal("0.30"),
    }
    assert all(isinstance(amount, Decimal) for amount in amounts.values())

    # Editing shows the rows back and replaces them.
    page = _page(commissioner.get(f"{BASE}/decisions/{decision.pk}/edit/"))
    assert 'value="Option A"' in page and 'value="90800.10"' in page
    data.update({"options-1-option": "", "options-1-reason": "", "resources-1-organisation": ""})
    data.update({"resources-1-financial_year": "", "resources-1-amount": "", "title": "Pages test: edited"})
    assert commissioner.post(f"{BASE}/decisions/{decision.pk}/edit/", data).status_code == 302
    decision.refresh_from_db()
    assert decision.title == "Pages test: edited"
    assert decision.rejected_options.count() == 1 and decision.resources.count() == 1


def test_decision_form_reports_half_filled_rows(client_for, world):
    response = client_for("southampton", Role.COMMISSIONER).post(
        f"{BASE}/decisions/new/",
        {
            "title": "Pages test: half filled",
            "kind": "budget",
            "options-TOTAL_FORMS": "1",
            "options-INITIAL_FORMS": "0",
            "options-0-option": "Option A",
            "resources-TOTAL_FORMS": "2",
            "resources-INITIAL_FORMS": "0",
            "resources-0-amount": "12.345",
            "resources-1-amount": "12.34",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why this option was rejected." in page
    assert "Give the partner, the financial year and the amount." in page
    assert "no more than 2 decimal places" in page
    assert not Decision.objects.filter(title="Pages test: half filled").exists()


# The decision log and forward plan ---------------------------------------------------------


def test_decision_log_filters_by_board_care_group_state_and_date(client_for, world):
    approved = _approved(world)
    viewer = client_for("southampton", Role.VIEWER)
    titles = ("Pages test: commission home care jointly", "Pages test: a draft about carers", approved.title)

    def shown(query):
        page = _page(viewer.get(f"{BASE}/decisions/?{query}"))
        return {title for title in titles if title in page}

    assert shown("") == set(titles)
    assert shown(f"board={world['board'].pk}") == {titles[0], approved.title}
    assert shown(f"care_group={world['carers'].pk}") == {titles[1]}
    assert shown("state=proposed") == {titles[0]}
    assert shown("state=approved") >= {approved.title}
    held = timezone.localdate(world["meeting"].starts_at).isoformat()
    assert approved.decided_on.isoformat() == held
    assert shown(f"date_from={held}&date_to={held}") == {approved.title}
    assert shown("date_from=2030-05-01&date_to=2030-12-31") == {titles[1]}
    # An unreadable filter is reported, not ignored silently.
    assert "nhsuk-error-summary" in _page(viewer.get(f"{BASE}/decisions/?date_from=soon"))


def test_decision_log_exports_the_filtered_list(client_for, world):
    _approved(world)
    viewer = client_for("southampton", Role.VIEWER)
    rows = _csv(viewer.get(f"{BASE}/decisions/?board={world['board'].pk}&state=proposed&format=csv"))
    assert [row["Title"] for row in rows] == ["Pages test: commission home care jointly"]
    assert rows[0]["Board"] == "Pages Test Board" and rows[0]["Key decision"] == "Yes"
    assert rows[0]["Care groups"] == "Older people" and rows[0]["State"] == "Proposed"
    sheet = _xlsx(viewer.get(f"{BASE}/decisions/?care_group={world['carers'].pk}&format=xlsx"))
    assert sheet[0][:2] == ["Reference", "Title"]
    ours = [row[1] for row in sheet[1:] if row[1].startswith("Pages test")]
    assert ours == ["Pages test: a draft about carers"]
    assert all("Carers" in row[5] for row in sheet[1:])


def test_forward_plan_lists_key_decisions_not_yet_taken_by_expected_date(client_for, world):
    _approved(world)
    viewer = client_for("southampton", Role.VIEWER)
    page = _page(viewer.get(f"{BASE}/decisions/forward-plan/"))
    assert page.index("Pages test: a draft about carers") < page.index(
        "Pages test: commission home care jointly"
    )
    assert "Pages test: an approved decision" not in page
    rows = _csv(viewer.get(f"{BASE}/decisions/forward-plan/?format=csv"))
    ours = [row for row in rows if row["Title"].startswith("Pages test")]
    assert [row["Expected on"] for row in ours] == ["2030-06-01", "2031-02-01"]
    expected = [row["Expected on"] for row in rows if row["Expected on"]]
    assert expected == sorted(expected)


# Registers ---------------------------------------------------------------------------------


def test_interests_register_and_its_publication_export(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    finance = world["people"][Role.FINANCE_OFFICER]
    services.interest_declare(
        **world["common"],
        person=finance,
        kind="personal",
        interest="Pages test: former trustee",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 12, 31),
    )
    page = _page(viewer.get(f"{BASE}/interests/"))
    assert "Shareholding in Pages Test Care Ltd" in page and "Pages test: former trustee" in page
    assert ">Live</strong>" in page and ">Ended</strong>" in page
    rows = _csv(viewer.get(f"{BASE}/interests/?format=csv"))
    assert list(rows[0]) == ["Name", "Type of interest", "Interest", "Organisation", "From", "To"]
    ours = {row["Interest"]: row for row in rows if row["Name"] == finance.display_name}
    assert ours["Shareholding in Pages Test Care Ltd"]["Organisation"] == "Pages Test Care Ltd"
    assert ours["Pages test: former trustee"]["To"] == "2019-12-31"
    text = viewer.get(f"{BASE}/interests/?format=csv").content.decode()
    assert finance.username not in text and finance.email not in (text if finance.email else "-")
    sheet = _xlsx(viewer.get(f"{BASE}/interests/?format=xlsx"))
    assert sheet[0] == ["Name", "Type of interest", "Interest", "Organisation", "From", "To"]


def test_declaring_an_interest_for_oneself_and_for_another(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    form = _page(viewer.get(f"{BASE}/interests/new/"))
    assert 'name="person"' not in form  # a viewer declares only for themselves
    response = viewer.post(
        f"{BASE}/interests/new/",
        {"kind": "professional", "interest": "Pages test: adviser to a charity", "starts_on": "2024-01-01"},
    )
    assert response.status_code == 302
    assert (
        Interest.objects.get(interest="Pages test: adviser to a charity").person
        == world["people"][Role.VIEWER]
    )
    admin = client_for("southampton", Role.ADMINISTRATOR)
    assert 'name="person"' in _page(admin.get(f"{BASE}/interests/new/"))
    other = world["people"][Role.BOARD_MEMBER]
    response = admin.post(
        f"{BASE}/interests/new/",
        {
            "person": other.pk,
            "kind": "financial",
            "interest": "Pages test: shares",
            "organisation": world["council"].pk,
            "starts_on": "2024-01-01",
            "ends_on": "2023-01-01",
        },
    )
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    assert not Interest.objects.filter(interest="Pages test: shares").exists()


def test_recording_the_end_of_an_interest(client_for, world):
    finance = client_for("southampton", Role.FINANCE_OFFICER)
    interest = Interest.objects.get(interest="Shareholding in Pages Test Care Ltd")
    assert f"{BASE}/interests/{interest.pk}/end/" in _page(finance.get(f"{BASE}/interests/"))
    response = finance.post(f"{BASE}/interests/{interest.pk}/end/", {"ends_on": "2025-12-31"})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.ends_on == dt.date(2025, 12, 31)
    # Ended before the meeting: the finance officer is no longer excluded from the item.
    page = _page(finance.get(f"{BASE}/meetings/{world['meeting'].pk}/"))
    assert "Excluded: declared interest" not in page
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.post(f"{BASE}/interests/{interest.pk}/end/", {"ends_on": "2025-12-31"}).status_code == 403


def test_scheme_of_delegation_page_and_form(client_for, world):
    viewer = client_for("southampton", Role.VIEWER)
    page = _page(viewer.get(f"{BASE}/delegation/"))
    assert "Southampton City Council" in page and "A commissioner" in page and "Up to £25,000.00" in page
    assert "Pages Test Board" in page and "No limit" in page
    admin = client_for("southampton", Role.ADMINISTRATOR)
    response = admin.post(
        f"{BASE}/delegation/new/",
        {"organisation": world["council"].pk, "post": "Director of Adult Services", "limit": "£250,000"},
    )
    assert response.status_code == 302
    rule = DelegationRule.objects.get(partnership=world["partnership"], post="Director of Adult Services")
    assert rule.limit == Decimal("250000.00")
    response = admin.post(
        f"{BASE}/delegation/new/",
        {"organisation": world["council"].pk, "role": "commissioner", "post": "Both"},
    )
    assert response.status_code == 200 and "Name exactly one approver" in response.content.decode()


def test_agreements_register_flags_reviews_due_and_overdue(client_for, world):
    today = timezone.localdate()
    parties = [world["council"], world["ccg"]]
    for title, review in (
        ("Pages test: due soon", today + dt.timedelta(days=30)),
        ("Pages test: overdue", today - dt.timedelta(days=10)),
        ("Pages test: far off", today + dt.timedelta(days=200)),
    ):
        services.agreement_create(
            **world["common"],
            kind="s75_pooled",
            title=title,
            purpose="Pool the fund.",
            parties=parties,
            starts_on=today - dt.timedelta(days=400),
            review_on=review,
            decisions=[world["proposal"]],
        )
    viewer = client_for("southampton", Role.VIEWER)
    page = _page(viewer.get(f"{BASE}/agreements/"))

    def row(title):
        start = page.index(title)
        return page[start : page.index("</tr>", start)]

    assert "Review due soon" in row("Pages test: due soon")
    assert "Review overdue" in row("Pages test: overdue")
    assert "Review" not in row("Pages test: far off").replace("Review by", "")
    assert world["proposal"].reference in row("Pages test: due soon")
    rows = {r["Title"]: r for r in _csv(viewer.get(f"{BASE}/agreements/?format=csv"))}
    assert rows["Pages test: due soon"]["Review reminder"] == "Review due soon"
    assert rows["Pages test: overdue"]["Review reminder"] == "Review overdue"
    assert rows["Pages test: far off"]["Review reminder"] == ""
    assert rows["Pages test: far off"]["Parties"] == (
        "NHS Southampton City Clinical Commissioning Group; Southampton City Council"
    )
    assert _xlsx(viewer.get(f"{BASE}/agreements/?format=xlsx"))[0][0] == "Kind"


def test_agreement_form(client_for, world):
    admin = client_for("southampton", Role.ADMINISTRATOR)
    assert 'type="checkbox"' in _page(admin.get(f"{BASE}/agreements/new/"))
    response = admin.post(
        f"{BASE}/agreements/new/",
        {
            "kind": "s113",
            "title": "Pages test: staff sharing",
            "purpose": "Share staff.",
            "parties": [world["council"].pk],
            "starts_on": "2030-04-01",
        },
    )
    assert response.status_code == 200 and "at least two parties" in response.content.decode()
    response = admin.post(
        f"{BASE}/agreements/new/",
        {
            "kind": "s113",
            "title": "Pages test: staff sharing",
            "purpose": "Share staff.",
            "parties": [world["council"].pk, world["ccg"].pk],
            "starts_on": "2030-04-01",
            "decisions": [world["proposal"].pk],
        },
    )
    assert response.status_code == 302


# The public decision log -------------------------------------------------------------------


def test_public_decision_log_shows_approved_decisions_only_without_signing_in(client, world):
    approved = _approved(world)
    response = client.get("/public/southampton/decisions/")
    page = _page(response)
    assert approved.title in page and approved.reference in page
    for text in ("A public summary.", "A public recommendation.", "A public reason.", "A rejected road"):
        assert text in page
    assert "Pages Test Board" in page
    assert "Pages test: commission home care jointly" not in page
    assert "Pages test: a draft about carers" not in page
    assert client.get("/public/no-such-partnership/decisions/").status_code == 404


# Query counts ------------------------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries, most):
    with django_assert_max_num_queries(most) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_decision_log_and_meeting_pack_queries_do_not_grow(client_for, world, django_assert_max_num_queries):
    viewer = client_for("southampton", Role.VIEWER)
    viewer.get(f"{BASE}/")  # the first request of a session also saves the chosen partnership
    urls = {
        f"{BASE}/decisions/": 12,
        f"{BASE}/decisions/?format=csv": 10,
        f"{BASE}/decisions/forward-plan/": 10,
        f"{BASE}/meetings/{world['meeting'].pk}/": 16,
    }
    before = {url: _queries(viewer, url, django_assert_max_num_queries, most) for url, most in urls.items()}
    common = world["common"]
    for n in range(6):
        decision = services.decision_create(
            **common,
            title=f"Pages test: extra {n}",
            kind="service",
            board=world["board"],
            is_key_decision=True,
            care_groups=[world["older"], world["carers"]],
            organisations_named=[world["provider"]],
        )
        services.agenda_item_add(**common, meeting=world["meeting"], title=f"Extra {n}", decision=decision)
    after = {url: _queries(viewer, url, django_assert_max_num_queries, most) for url, most in urls.items()}
    assert after == before
