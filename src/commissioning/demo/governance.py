"""Southampton's governance and engagement, shaped by the 2009 joint commissioning strategy and the
2013 cabinet report that set up the Integrated Commissioning Unit.

An Integrated Commissioning Board that meets four to six times a financial year, with strategic
commissioning groups reporting to it; the 2013/14 meetings; the decision to establish the unit
(£3.6M, £90,800 a year from each partner from 2014/15, four options rejected) with the staff
consultation and its "you said, we did"; the memorandum and Section 113 agreement behind the
unit; schemes of delegation; declared interests; and this year's schedule with a proposal
awaiting the board. People are the demo users; nothing names a real person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from commissioning.core.models import User
from commissioning.core.permissions import Role
from commissioning.demo.partners import demo_username
from commissioning.engagement import services as engagement
from commissioning.governance import services
from commissioning.governance.models import Board
from commissioning.partners.models import CareGroup, Organisation, Partnership

ICB_PURPOSE = (
    "Make sure the partners' shared strategic priorities are delivered through joint commissioning; agree "
    "joint financial, procurement and contractual arrangements and oversee them; oversee the Integrated "
    "Commissioning Unit and evaluate it."
)
ICB_SCOPE = (
    "Jointly commissioned services for children, young people and adults. Each partner keeps its own "
    "accountability: commissioning decisions beyond the board's delegation go to the Cabinet and the CCG "
    "Governing Body."
)
GROUPS = (
    ("Older People Strategic Commissioning Group", "Older people"),
    ("Children and Families Strategic Commissioning Group", "Children and young people"),
    ("Mental Health and Learning Disability Strategic Commissioning Group", "Mental health"),
)
MEETINGS_2013 = ((2013, 5, 14), (2013, 7, 16), (2013, 9, 17), (2013, 11, 19), (2014, 1, 21), (2014, 3, 18))
MEETINGS_2026 = ((2026, 5, 12), (2026, 7, 14), (2026, 9, 15), (2026, 11, 17), (2027, 1, 19), (2027, 3, 16))
ICU_OPTIONS = (
    (
        "No change: keep today's aligned but separate commissioning",
        "Keeps inconsistent commissioning, disjointed pathways, duplication and little outcome-based "
        "commissioning.",
    ),
    (
        "A shared strategy with separate commissioning functions",
        "A compromise with the same weaknesses: the functions would still duplicate and diverge.",
    ),
    (
        "A Section 75 agreement with a pooled budget, led by either partner",
        "Would bring the benefits of integration, but with more disruption to staff and to each partner's "
        "governance than a trial of the approach first warrants.",
    ),
    (
        "A joint venture company",
        "The same benefits at the cost of transferring staff (TUPE) and moving accountability away from "
        "the Cabinet and the Governing Body before the approach is proven.",
    ),
)
ICU_THEMES = (
    (
        "What system redesign will do",
        "Staff asked for more clarity on the functions of the system redesign teams.",
        "The unit covers the whole commissioning cycle: needs assessment, procurement, service redesign, "
        "involving stakeholders and contract oversight.",
    ),
    (
        "Evidence for the structure",
        "Staff asked what evidence supports the proposed structure.",
        "We drew on the joint commissioning strategy, other integrated units and national evidence; the "
        "Integrated Commissioning Board will monitor and evaluate the model.",
    ),
    (
        "A difference for people who use services",
        "Staff asked whether people using services will see a difference and whether quality will improve.",
        "Commissioning together reduces duplication, joins services up around the person and lets us act "
        "earlier to prevent safeguarding concerns.",
    ),
    (
        "Business support",
        "Business support seemed to be missing from the structure.",
        "Teams keep today's business support while both partners' reviews conclude; business process needs "
        "are part of the transition plan.",
    ),
    (
        "A top-heavy structure",
        "The structure looked top heavy.",
        "Leading change at this scale and pace needs senior skills; the staffing model will be reviewed as "
        "the wider team's expertise grows.",
    ),
)


def _user(role: Role) -> User:
    return User.objects.get(username=demo_username("southampton", role))


def _at(day: tuple[int, int, int], hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*day, hour, 0))


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None or Board.objects.filter(partnership=partnership).exists():
        return
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    solent = Organisation.objects.get(ods_code="R1C")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    common = {"actor": actor, "partnership": partnership}

    icb = services.board_create(
        **common,
        name="Integrated Commissioning Board",
        purpose=ICB_PURPOSE,
        scope=ICB_SCOPE,
        reports_to_body="The Cabinet and the CCG Governing Body, through the Health and Wellbeing Board",
        quorum_minimum=3,
        quorum_each_partner=True,
        meetings_min_per_year=4,
        meetings_max_per_year=6,
        delegated_by=[council, ccg],
        care_groups=list(groups.values()),
    )
    seats = {
        Role.BOARD_MEMBER: (ccg, "chair"),
        Role.COMMISSIONER: (council, "member"),
        Role.ADMINISTRATOR: (council, "member"),
        Role.FINANCE_OFFICER: (ccg, "member"),
        Role.VIEWER: (council, "adviser"),
    }
    members = {
        role: services.board_member_add(
            **common,
            board=icb,
            person=_user(role),
            organisation=org,
            role=seat,
            joined_on=dt.date(2013, 4, 1),
        )
        for role, (org, seat) in seats.items()
    }
    for name, group_name in GROUPS:
        group = services.board_create(
            **common,
            name=name,
            kind="group",
            purpose=f"Set the commissioning intentions for {group_name.lower()}; steer their action plans.",
            reports_to=icb,
            quorum_minimum=2,
            meetings_min_per_year=4,
            meetings_max_per_year=12,
            care_groups=[groups[group_name]] if group_name in groups else [],
        )
        services.board_member_add(
            **common, board=group, person=_user(Role.COMMISSIONER), organisation=council, role="chair"
        )
        services.board_member_add(**common, board=group, person=_user(Role.FINANCE_OFFICER), organisation=ccg)

    # Each partner's scheme of delegation, as far as joint commissioning goes.
    for organisation in (council, ccg):
        services.delegation_rule_create(
            **common, organisation=organisation, board=icb, limit=Decimal("500000.00")
        )
    services.delegation_rule_create(
        **common, organisation=council, role=Role.COMMISSIONER, limit=Decimal("25000.00")
    )
    services.delegation_rule_create(
        **common, organisation=council, post="Director of People", limit=Decimal("250000.00")
    )
    services.delegation_rule_create(
        **common, organisation=ccg, role=Role.FINANCE_OFFICER, limit=Decimal("50000.00")
    )
    # Beyond the board's limit, each partner's own sovereign body decides (no upper limit).
    services.delegation_rule_create(**common, organisation=council, post="Cabinet")
    services.delegation_rule_create(**common, organisation=ccg, post="CCG Governing Body")

    services.interest_declare(
        **common,
        person=_user(Role.FINANCE_OFFICER),
        kind="indirect",
        interest="A close family member works for Solent NHS Trust.",
        organisation=solent,
        starts_on=dt.date(2012, 4, 1),
    )
    services.interest_declare(
        **common,
        person=_user(Role.COMMISSIONER),
        kind="professional",
        interest="Trustee of a local carers' charity.",
        starts_on=dt.date(2015, 6, 1),
    )

    # The staff consultation on the unit, and what it changed.
    consultation = engagement.consultation_create(
        **common,
        title="Integrated Commissioning Unit: staff consultation",
        purpose="Ask the staff who commission for the council and the CCG about bringing them into one unit.",
        audiences=["staff"],
        channels=["event", "meeting", "email"],
        opens_on=dt.date(2013, 7, 26),
        closes_on=dt.date(2013, 8, 30),
    )
    themes = [
        engagement.theme_add(**common, consultation=consultation, title=title, you_said=said, we_did=did)
        for title, said, did in ICU_THEMES
    ]
    for day, channel, text, theme in (
        (
            dt.date(2013, 7, 26),
            "event",
            "I support the direction of travel towards an integrated approach.",
            None,
        ),
        (dt.date(2013, 8, 2), "meeting", "Which functions will the system redesign teams cover?", themes[0]),
        (dt.date(2013, 8, 9), "email", "Where is business support in the new structure?", themes[3]),
        (dt.date(2013, 8, 20), "email", "The structure looks top heavy for the size of the team.", themes[4]),
    ):
        engagement.response_add(
            **common,
            consultation=consultation,
            respondent_type="staff",
            channel=channel,
            received_on=day,
            text=text,
            themes=[theme] if theme else [],
        )
    engagement.consultation_publish(**common, consultation=consultation)

    meetings = [
        services.meeting_schedule(
            **common, board=icb, starts_at=_at(day), location="Civic Centre, Southampton"
        )
        for day in MEETINGS_2013
    ]
    icu = services.decision_create(
        **common,
        title="Establish an Integrated Commissioning Unit with the Clinical Commissioning Group",
        kind="governance",
        board=icb,
        summary=(
            "Bring the council's and the CCG's commissioning staff into "
            "one Integrated Commissioning Unit under "
            "a single management structure, overseen by the Integrated "
            "Commissioning Board, with staff staying "
            "with their employers. Total budget £3.6M from existing staff budgets."
        ),
        recommendations=(
            "Consider the consultation feedback; approve the unit; note "
            "the additional £90,800 a year from each "
            "partner from 2014/15; delegate agreeing the memorandum of "
            "understanding to the council's head of "
            "legal services."
        ),
        reasons=(
            "Redesigning and commissioning services together improves "
            "quality and outcomes and uses resources "
            "better; some investment is needed to bring senior skills into the unit."
        ),
        legal_implications=(
            "A memorandum of understanding between the partners; staff placed at each other's disposal under "
            "Section 113 of the Local Government Act 1972."
        ),
        is_key_decision=True,
        expected_on=dt.date(2013, 11, 19),
        areas=list(partnership.areas.all()),
        care_groups=list(groups.values()),
        rejected_options=ICU_OPTIONS,
        resources=[
            (organisation, year, Decimal("90800.00"))
            for organisation in (council, ccg)
            for year in (2014, 2015, 2016)
        ],
    )
    icu.themes.set(themes)
    services.decision_propose(**common, decision=icu)
    for meeting in meetings[:4]:
        services.meeting_record_attendance(**common, meeting=meeting, present=list(members.values()))
    decided = meetings[3]
    services.agenda_item_add(**common, meeting=decided, title="Integrated Commissioning Unit", decision=icu)
    for role in (Role.BOARD_MEMBER, Role.COMMISSIONER, Role.ADMINISTRATOR, Role.FINANCE_OFFICER):
        services.decision_vote(**common, decision=icu, meeting=decided, member=members[role], choice="for")
    services.decision_approve(**common, decision=icu, meeting=decided)
    services.meeting_update_minutes(
        **common,
        meeting=decided,
        minutes=(
            "The board approved the Integrated Commissioning Unit for both partners, having read the staff "
            "consultation's themes and the options rejected."
        ),
    )
    services.action_add(
        **common,
        meeting=decided,
        description="Agree and sign the memorandum of understanding.",
        owner=_user(Role.ADMINISTRATOR),
        due_on=dt.date(2013, 12, 31),
    )
    services.agreement_create(
        **common,
        kind="mou",
        title="Integrated Commissioning Unit: memorandum of understanding",
        purpose="Principles for finance, staffing, accountability, resolving disagreements and evaluation.",
        parties=[council, ccg],
        starts_on=dt.date(2013, 12, 1),
        review_on=dt.date(2027, 1, 31),
        decisions=[icu],
    )
    s113 = services.agreement_create(
        **common,
        kind="s113",
        title="Integrated Commissioning Unit: Section 113 agreement",
        purpose="Council and CCG staff work for both partners within one management structure.",
        parties=[council, ccg],
        starts_on=dt.date(2014, 4, 1),
        review_on=dt.date(2027, 3, 31),
        decisions=[icu],
    )
    services.team_create(
        **common,
        name="Integrated Commissioning Unit",
        description="System redesign, quality and safeguarding, provider relationships, and a buyer's team.",
        agreement=s113,
        budget=Decimal("3600000.00"),
    )

    # This year: the schedule, and a proposal naming a provider in which a member has an interest.
    this_year = [
        services.meeting_schedule(
            **common, board=icb, starts_at=_at(day), location="Civic Centre, Southampton"
        )
        for day in MEETINGS_2026
    ]
    equipment = services.decision_create(
        **common,
        title="Recommission the integrated community equipment service",
        kind="contract",
        board=icb,
        summary="Commission one community equipment service for the city, jointly funded, from April 2027.",
        recommendations=(
            "Approve a joint procurement of the community equipment service, with the council as lead."
        ),
        reasons=(
            "Two contracts duplicate delivery and stores; one service shortens waits for equipment at home."
        ),
        legal_implications=(
            "A Section 75 lead commissioning agreement; the procurement follows the council's rules."
        ),
        is_key_decision=True,
        expected_on=this_year[3].starts_at.date(),
        care_groups=[groups["Older people"]] if "Older people" in groups else [],
        organisations_named=[solent],
        rejected_options=[
            ("Extend both contracts", "Keeps the duplication and the separate stores for two more years.")
        ],
        resources=[(council, 2027, Decimal("410000.00")), (ccg, 2027, Decimal("390000.00"))],
    )
    services.decision_propose(**common, decision=equipment)
    # On the agenda of the November meeting, whose attendance is still to be recorded.
    services.agenda_item_add(
        **common, meeting=this_year[3], title="Community equipment service", decision=equipment
    )
    services.decision_create(
        **common,
        title="Carers' breaks: a shared offer",
        kind="service",
        board=icb,
        summary="Bring the partners' short-break offers for carers together.",
        expected_on=this_year[5].starts_at.date(),
    )
    say("  governance: the Integrated Commissioning Board and three groups, 12 meetings, 3 decisions")
