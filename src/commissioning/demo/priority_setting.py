"""The demo's priority-setting round: Southampton's investments and savings for 2027/28.

Sixteen candidate investments and disinvestments across the care groups, each tied to the care
group's priority it serves where one fits; a panel of four demo users, one of whom declares an
interest (the commissioner is a trustee of a local carers' charity, as the register of interests
already records); complete scores on the four criteria of the Nottinghamshire paper; and an
optimiser run. Scoring is closed and the board has yet to decide. Idempotent: a second load finds
the round and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from commissioning.core.models import User
from commissioning.core.permissions import Role
from commissioning.demo.partners import demo_username
from commissioning.governance.models import Interest
from commissioning.partners.models import Partnership
from commissioning.strategy import priority_setting as services
from commissioning.strategy.models import OptionKind, PanelRole, Priority, PriorityRound, RoundOption

ROUND_NAME = "Investments and savings 2027/28"
YEAR = 2027
BUDGET = Decimal("1000000.00")
PREVENTION_SHARE = Decimal("35")
WEIGHTS = {
    "scale": Decimal(30),
    "transformational_change": Decimal(25),
    "value_for_money": Decimal(25),
    "strategic_fit": Decimal(20),
}

INVEST, DISINVEST = OptionKind.INVESTMENT, OptionKind.DISINVESTMENT

# title, kind, amount a year, people a year, care group, prevention, must do, exclusive group,
# description, and the panel's typical scores (scale, transformation, value for money, strategic fit).
OPTIONS: tuple[tuple[str, str, str, int, str, bool, bool, str, str, tuple[int, int, int, int]], ...] = (
    (
        "Strength and balance programme after a first fall",
        INVEST,
        "180000.00",
        1200,
        "Older people",
        True,
        False,
        "",
        "Community classes and a home hazard check for people who have fallen once.",
        (4, 3, 4, 5),
    ),
    (
        "Reablement at home within 48 hours of discharge",
        INVEST,
        "420000.00",
        900,
        "Older people",
        False,
        False,
        "",
        "A reablement team that starts within two days of leaving hospital.",
        (5, 3, 3, 5),
    ),
    (
        "Extra care housing: forty more flats",
        INVEST,
        "650000.00",
        40,
        "Older people",
        False,
        False,
        "extra-care",
        "Revenue support for a new extra care scheme in the city centre.",
        (2, 5, 2, 5),
    ),
    (
        "Extra care housing: twenty flats with a dementia wing",
        INVEST,
        "380000.00",
        20,
        "Older people",
        False,
        False,
        "extra-care",
        "A smaller scheme, half of it designed for people living with dementia.",
        (1, 4, 3, 5),
    ),
    (
        "Crisis café and out-of-hours mental health support",
        INVEST,
        "260000.00",
        1500,
        "Mental health",
        False,
        False,
        "",
        "An evening safe space run with the voluntary sector, as an alternative to A&E.",
        (3, 5, 2, 4),
    ),
    (
        "Supported employment for people with a learning disability",
        INVEST,
        "140000.00",
        120,
        "Learning disability and autism",
        True,
        False,
        "",
        "Job coaches who find and keep paid work alongside people.",
        (1, 5, 4, 3),
    ),
    (
        "Carers' breaks and an assessment hub",
        INVEST,
        "210000.00",
        2000,
        "Carers",
        True,
        False,
        "",
        "Short breaks and a single place for carers' assessments, run by a carers' charity.",
        (4, 2, 5, 3),
    ),
    (
        "Early help family workers in schools",
        INVEST,
        "320000.00",
        800,
        "Children and young people",
        True,
        False,
        "",
        "Family workers based in schools in the most deprived wards.",
        (4, 4, 2, 3),
    ),
    (
        "Clearing the Deprivation of Liberty Safeguards backlog",
        INVEST,
        "150000.00",
        600,
        "Learning disability and autism",
        False,
        True,
        "",
        "Best interests assessors to clear the backlog the law requires the council to assess.",
        (2, 1, 2, 3),
    ),
    (
        "Telecare and falls sensors for people living alone",
        INVEST,
        "160000.00",
        1800,
        "Older people",
        True,
        False,
        "",
        "Sensors and a response service for people at risk of an unseen fall.",
        (4, 2, 4, 2),
    ),
    (
        "Rehabilitation officer for sensory impairment",
        INVEST,
        "60000.00",
        250,
        "Physical disability and sensory impairment",
        False,
        False,
        "",
        "A specialist officer for people newly losing their sight or hearing.",
        (1, 1, 5, 2),
    ),
    (
        "Close the remaining long-stay beds at a council care home",
        DISINVEST,
        "480000.00",
        35,
        "Older people",
        False,
        False,
        "",
        "Residents move to extra care or nursing homes of their choice over the year.",
        (2, 1, 2, 1),
    ),
    (
        "Replace the day centre block contract with personal budgets",
        DISINVEST,
        "220000.00",
        90,
        "Learning disability and autism",
        False,
        False,
        "",
        "People choose their own day opportunities with a personal budget.",
        (2, 1, 2, 2),
    ),
    (
        "Bring people home from out-of-area mental health placements",
        DISINVEST,
        "300000.00",
        25,
        "Mental health",
        False,
        False,
        "",
        "Step-down places in the city replace placements far from home.",
        (1, 1, 1, 1),
    ),
    (
        "End the duplicated information and advice contract",
        DISINVEST,
        "90000.00",
        400,
        "Carers",
        False,
        False,
        "",
        "Two contracts give the same advice; keep the one with better reach.",
        (1, 1, 2, 1),
    ),
    (
        "Withdraw the community alarm subsidy",
        DISINVEST,
        "120000.00",
        2500,
        "Older people",
        False,
        False,
        "",
        "People would pay the full charge for a pendant alarm.",
        (3, 2, 3, 3),
    ),
)

# Words that tie an option to the priority it serves, among its care group's priorities; the demo's
# priorities are drawn from the JSNA, so an option whose words match none serves no priority yet.
PRIORITY_WORDS: dict[str, tuple[str, ...]] = {
    "Strength and balance programme after a first fall": ("fall", "fracture"),
    "Telecare and falls sensors for people living alone": ("fall", "fracture"),
    "Reablement at home within 48 hours of discharge": ("reablement", "hospital", "discharge", "at home"),
    "Extra care housing: forty more flats": ("residential", "care home", "independen"),
    "Extra care housing: twenty flats with a dementia wing": ("dementia", "residential", "care home"),
    "Close the remaining long-stay beds at a council care home": ("residential", "care home"),
    "Crisis café and out-of-hours mental health support": ("mental", "suicide", "self-harm", "crisis"),
    "Bring people home from out-of-area mental health placements": ("mental", "placement"),
    "Supported employment for people with a learning disability": ("employment", "work"),
    "Carers' breaks and an assessment hub": ("carer",),
    "End the duplicated information and advice contract": ("carer",),
    "Early help family workers in schools": ("famil", "school", "early help"),
}

PANEL = (
    (Role.BOARD_MEMBER, PanelRole.CHAIR),
    (Role.COMMISSIONER, PanelRole.COMMISSIONER),
    (Role.FINANCE_OFFICER, PanelRole.FINANCE),
    (Role.VIEWER, PanelRole.PUBLIC),
)
# Panel members differ a little from the typical score, so the means are not all whole numbers.
NUDGES = (0, 1, 0, -1, 1)
CONFLICTED = (Role.COMMISSIONER, "Carers' breaks and an assessment hub")


def _serves(priorities: list[Priority], care_group_id: int | None, words: tuple[str, ...]) -> Priority | None:
    """The first of the care group's priorities whose title has one of the words."""
    for priority in priorities:
        title = priority.title.lower()
        if priority.care_group_id == care_group_id and any(word in title for word in words):
            return priority
    return None


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None or PriorityRound.objects.filter(partnership=partnership, name=ROUND_NAME).exists():
        return
    round_ = services.create_round(
        actor=actor,
        partnership=partnership,
        name=ROUND_NAME,
        financial_year=YEAR,
        budget=BUDGET,
        min_prevention_share=PREVENTION_SHARE,
        scale_top=5,
    )
    criteria = list(round_.criteria.all())
    services.set_criteria(
        actor=actor,
        round_=round_,
        rows=[services.CriterionRow(c.pk, c.label, WEIGHTS[c.key]) for c in criteria],
    )
    groups = {g.name: g for g in partnership.care_groups.all()}
    priorities = list(
        Priority.objects.filter(partnership=partnership).exclude(status="retired").order_by("title")
    )
    options: dict[str, RoundOption] = {}
    typical: dict[str, tuple[int, int, int, int]] = {}
    for title, kind, amount, people, group, prevention, must, exclusive, description, scores in OPTIONS:
        care_group = groups.get(group)
        options[title] = services.add_option(
            actor=actor,
            round_=round_,
            title=title,
            kind=kind,
            amount=Decimal(amount),
            people=people,
            description=description,
            care_group=care_group,
            priority=_serves(
                priorities, care_group.pk if care_group else None, PRIORITY_WORDS.get(title, ())
            ),
            is_prevention=prevention,
            must_do=must,
            exclusive_group=exclusive,
        )
        typical[title] = scores
    users = {role: User.objects.get(username=demo_username("southampton", role)) for role, _role in PANEL}
    conflicted_role, conflicted_title = CONFLICTED
    for role, panel_role in PANEL:
        interests = {}
        if role == conflicted_role:
            interests[options[conflicted_title]] = (
                "Trustee of a local carers' charity that would bid to run the hub."
            )
        member = services.add_panel_member(
            actor=actor, round_=round_, user=users[role], role=panel_role, interests=interests
        )
        entry = Interest.objects.filter(partnership=partnership, person=users[role]).first()
        if interests and entry is not None:
            member.interests.update(register_entry=entry)
    services.open_scoring(actor=actor, round_=round_)
    for n, (role, _role) in enumerate(PANEL):
        entries = []
        for m, (title, option) in enumerate(options.items()):
            if role == conflicted_role and title == conflicted_title:
                continue
            for k, criterion in enumerate(criteria):
                nudge = NUDGES[(n + m + k) % len(NUDGES)]
                score = min(max(typical[title][k] + nudge, 0), 5)
                entries.append(services.ScoreEntry(option.pk, criterion.pk, score))
        services.submit_scores(actor=users[role], round_=round_, entries=entries)
    services.close_scoring(actor=actor, round_=round_)
    run = services.run_optimiser(actor=actor, round_=round_)
    say(
        f"  priority setting (southampton): {len(options)} options scored by {len(PANEL)}; "
        f"{run.chosen.count()} recommended"
    )
