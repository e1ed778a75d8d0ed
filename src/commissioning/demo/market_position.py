"""Market position: Southampton's published market position statement for older people's care,
approved by the Integrated Commissioning Board in September 2026, and a draft statement of
commissioning intentions for another care group. Loads only when Southampton has no statement yet,
so a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus
from commissioning.core.models import User
from commissioning.governance import services as governance
from commissioning.governance.models import Board, BoardMember, Decision, DecisionState, Meeting
from commissioning.market.models import ServiceType
from commissioning.partners.models import CareGroup, Partnership
from commissioning.strategy import market_position
from commissioning.strategy.models import (
    CommissioningStrategy,
    Direction,
    MarketStatement,
    Section,
    StatementKind,
    StrategicObjective,
)

MEETING_DAY = dt.date(2026, 9, 15)
FIGURES_ON = dt.date(2026, 9, 1)
PUBLISHED_ON = dt.date(2026, 9, 30)

COMMENTARY = {
    Section.INTRODUCTION: (
        "This statement is for everyone who provides, or might provide, care and support for older people "
        "in Southampton: care homes, home care agencies, day services, voluntary and community groups and "
        "social enterprises.\n\n"
        "The city council and the integrated care board commission together. We publish what we know about "
        "need, supply, spend, prices and quality, and what we intend to buy more of, keep, buy less of or "
        "stop, so that providers can plan their business with us rather than guess."
    ),
    Section.NEEDS: (
        "The number of older people living with dementia, and of those who need help with everyday tasks, "
        "will keep rising through the next decade. Falls admissions and long-term admissions to care homes "
        "are higher than in England, and too few people are still at home three months after reablement."
    ),
    Section.PROVISION: (
        "Most of the market is independent: care homes and home care agencies of every size, with a small "
        "number of NHS and voluntary sector providers. Capacity is counted from providers' own returns."
    ),
    Section.SPEND: (
        "The partners' budgets for older people are set each year; spend on individual placements is shown "
        "at today's prices for a full year, so it shows the commitment we carry rather than the outturn."
    ),
    Section.PRICES: (
        "Prices are what we pay now for current placements, by type of service. We show the middle half of "
        "the prices paid; where few people receive a service we do not publish its figures."
    ),
    Section.QUALITY: (
        "We want every older person's care to be rated good or outstanding. We work with any provider rated "
        "as requiring improvement on a plan, and place no one new with a service rated inadequate."
    ),
    Section.INTENTIONS: (
        "We will buy more care at home, reablement and support for carers, and fewer long-term care home "
        "places, as extra care housing opens. Nursing care stays at about today's level, with more of it "
        "for people with dementia."
    ),
    Section.PROVIDERS: (
        "Talk to us early about new services, especially at home, at night and for people with dementia. "
        "We will hold provider forums each quarter and give at least three months' notice of any change to "
        "how we buy."
    ),
}

# service type, what, direction, from, to, why, the older people's strategy objective it serves (by position)
OLDER_PEOPLE_INTENTIONS: tuple[tuple[str, str, str, dt.date, dt.date | None, str, int | None], ...] = (
    (
        ServiceType.HOME_CARE,
        "Home care, including night support",
        Direction.GROW,
        dt.date(2026, 10, 1),
        dt.date(2029, 3, 31),
        "More people want to stay at home, and the number needing help with everyday tasks is rising.",
        4,
    ),
    (
        ServiceType.REABLEMENT,
        "Reablement at home after a hospital stay",
        Direction.GROW,
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 31),
        "Too few people are home three months after reablement; a start within 48 hours should change that.",
        2,
    ),
    (
        ServiceType.RESIDENTIAL,
        "Long-term residential care home places",
        Direction.REDUCE,
        dt.date(2027, 4, 1),
        dt.date(2030, 3, 31),
        "Admissions are above England; extra care housing offers the same safety at home.",
        4,
    ),
    (
        ServiceType.NURSING,
        "Nursing care, with more places for people with dementia",
        Direction.MAINTAIN,
        dt.date(2026, 10, 1),
        None,
        "Demand is steady overall, but more people in nursing care are living with dementia.",
        None,
    ),
    (
        ServiceType.CARERS,
        "Flexible breaks for carers of people with dementia",
        Direction.GROW,
        dt.date(2027, 4, 1),
        dt.date(2028, 3, 31),
        "Carer breakdown is a common reason for a first care home place.",
        3,
    ),
)


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None or MarketStatement.objects.filter(partnership=partnership).exists():
        return
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    older = groups.get("Older people")
    if older is None:
        return
    published = _older_people(actor, partnership, older)
    drafted = _intentions_draft(actor, partnership, groups)
    say(f"  market position (southampton): {published} published statement, {drafted} draft intentions")


def _decision(actor: User, partnership: Partnership, older: CareGroup) -> Decision | None:
    """The board's approval, taken at its September 2026 meeting as the 2013 decisions were."""
    board = Board.objects.filter(partnership=partnership, name="Integrated Commissioning Board").first()
    meeting = (
        Meeting.objects.filter(board=board, starts_at__date=MEETING_DAY).first()
        if board is not None
        else None
    )
    if board is None or meeting is None or meeting.starts_at > timezone.now():
        return None
    common: dict[str, Any] = {"actor": actor, "partnership": partnership}
    decision = governance.decision_create(
        **common,
        title="Publish the market position statement for older people's care, 2026/27",
        kind="strategy",
        board=board,
        summary=(
            "A market position statement for older people's care: need, supply, spend, prices and quality, "
            "and the partners' intentions for each kind of service."
        ),
        recommendations="Approve the statement for publication, and its review in twelve months.",
        reasons="Providers plan better when commissioners say openly what they will buy, and why.",
        legal_implications=(
            "The Care Act 2014 asks councils to promote a diverse, sustainable, high-quality market."
        ),
        expected_on=MEETING_DAY,
        care_groups=[older],
        rejected_options=[
            ("Publish intentions only", "Providers asked for the figures behind the intentions.")
        ],
    )
    governance.decision_propose(**common, decision=decision)
    members = list(BoardMember.objects.filter(board=board).select_related("person"))
    if not meeting.attendance.exists():
        governance.meeting_record_attendance(**common, meeting=meeting, present=members)
    governance.agenda_item_add(
        **common, meeting=meeting, title="Older people's market position", decision=decision
    )
    for member in members:
        if member.role in BoardMember.VOTING_ROLES:
            governance.decision_vote(
                **common, decision=decision, meeting=meeting, member=member, choice="for"
            )
    governance.decision_approve(**common, decision=decision, meeting=meeting)
    decision.refresh_from_db()
    return decision if decision.state == DecisionState.APPROVED else None


def _older_people(actor: User, partnership: Partnership, older: CareGroup) -> int:
    statement = market_position.create_statement(
        actor=actor,
        partnership=partnership,
        care_group=older,
        kind=StatementKind.MARKET_POSITION,
        financial_year=2026,
        title="Older people's care: market position statement 2026/27",
        review_months=12,
    )
    version = statement.versions.get()
    for section, text in COMMENTARY.items():
        market_position.save_commentary(actor=actor, version=version, section=section, text=text)
    objectives = {
        o.position: o
        for o in StrategicObjective.objects.filter(
            strategy__partnership=partnership, strategy__care_group=older
        ).order_by("strategy_id")
    }
    for (
        service_type,
        description,
        direction,
        starts_on,
        ends_on,
        rationale,
        objective,
    ) in OLDER_PEOPLE_INTENTIONS:
        market_position.add_intention(
            actor=actor,
            version=version,
            service_type=service_type,
            description=description,
            direction=direction,
            starts_on=starts_on,
            ends_on=ends_on,
            rationale=rationale,
            objective=objectives.get(objective) if objective else None,
        )
    decision = _decision(actor, partnership, older)
    if decision is None:
        return 0
    market_position.submit_version(actor=actor, version=version, decision=decision, on=FIGURES_ON)
    market_position.publish_version(actor=actor, version=version, on=PUBLISHED_ON)
    return 1


def _intentions_draft(actor: User, partnership: Partnership, groups: dict[str, CareGroup]) -> int:
    """Draft intentions for the first other care group with a strategy, seeded from its implications."""
    strategy = (
        CommissioningStrategy.objects.filter(partnership=partnership)
        .exclude(care_group__name="Older people")
        .select_related("care_group")
        .order_by("care_group__position")
        .first()
    )
    group = strategy.care_group if strategy is not None else groups.get("Learning disability and autism")
    if group is None:
        return 0
    statement = market_position.create_statement(
        actor=actor,
        partnership=partnership,
        care_group=group,
        kind=StatementKind.INTENTIONS,
        financial_year=2027,
        review_months=12,
        next_review_on=dt.date(2027, 4, 1),
        from_strategy=strategy,
    )
    version = statement.versions.get()
    market_position.save_commentary(
        actor=actor,
        version=version,
        section=Section.INTRODUCTION,
        text=(
            f"Our draft commissioning intentions for {group.name.lower()} in 2027/28, drawn from the care "
            "group's strategy. We will talk them through with providers before the board approves them."
        ),
    )
    contract = (
        Contract.objects.filter(partnership=partnership, care_group=group, status=ContractStatus.ACTIVE)
        .order_by("ends_on", "reference")
        .first()
    )
    if contract is not None:
        market_position.add_intention(
            actor=actor,
            version=version,
            service_type=contract.service_type,
            description=f"{contract.title} (contract {contract.reference})",
            direction=Direction.MAINTAIN,
            starts_on=max(dt.date(2027, 4, 1), contract.ends_on),
            rationale="Keep the service while the strategy's review of it reports.",
            contract=contract,
        )
    return 1
