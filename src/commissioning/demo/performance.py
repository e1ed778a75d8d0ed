"""Performance and quality: returns for the demo contracts, one provider's decline with its review
and remedial plan, a decommissioning case under way, the partnership's evaluation and a draft
integrated performance report.

Returns cover every KPI of every active contract in both demo partnerships, for each period due by
``DEMO_TODAY`` since the contract began (no active demo contract began before December 2021), so
that the only overdue returns are the few left out on purpose. Most KPIs vary by chance around a
level near their target; a few series are written out because the story depends on them:

* Westgate Domiciliary Services (home care in the north of Southampton) ran steadily until January
  2026, when visits on time began to fall: its chart shows a special cause of concern, the escalation
  rule opened a contract review, and a remedial plan was agreed with the provider;
* Lordshill Lodge (residential block beds) has missed its falls and care plan targets throughout, was
  rated requires improvement, did not deliver its remedial plan, and is part-way through a
  decommissioning case: the transition plan covers some of the residents, not yet all;
* Solent NHS Trust's community nursing cut delayed transfers after a new discharge pathway: a special
  cause of improvement, on a contract the demo provider contact submits returns for.

A fixed seed makes every load the same. Rows go in with one ``bulk_create`` per model, and each part
loads only when its partnership has none yet, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Case, Value, When
from django.utils import timezone

from commissioning.contracts.duplicates import possible_duplicates
from commissioning.contracts.models import Contract, ContractStatus, Kpi, Placement, ServiceType
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import User
from commissioning.core.permissions import Role
from commissioning.demo.market import DEMO_TODAY
from commissioning.demo.market import SEED as MARKET_SEED
from commissioning.demo.partners import demo_username
from commissioning.engagement.models import Audience, Channel, Consultation, Response, Theme
from commissioning.governance.models import Board, Meeting
from commissioning.governance.rules import financial_year_label
from commissioning.market.models import Provider, QualityRating, Rating
from commissioning.partners.models import Membership, Partnership
from commissioning.performance import spc
from commissioning.performance.models import (
    AppraisalOption,
    CaseRisk,
    CaseStage,
    CaseStep,
    Chase,
    DecommissioningCase,
    EqualityOutcome,
    EscalationRule,
    EscalationTrigger,
    EvaluationMeasure,
    EvaluationValue,
    Finding,
    KpiReturn,
    Notification,
    OptionAppraisal,
    PerformanceReport,
    PlanStatus,
    Rag,
    RemedialAction,
    RemedialPlan,
    ReportCommentary,
    ReportStatus,
    ReturnRevision,
    ReturnStatus,
    Review,
    ReviewKind,
    ReviewStatus,
    TransitionArrangement,
)
from commissioning.performance.schedule import DUE_DAYS, Period, expected_periods

SEED = MARKET_SEED + 7
UNTIL = DEMO_TODAY - dt.timedelta(days=DUE_DAYS)
"""Periods ending by this day were due by ``DEMO_TODAY``: the last ones with returns."""
AWAITING_DAYS = 45
"""Latest returns due within this many days of ``DEMO_TODAY`` still await validation."""
COUNT_UNITS = frozenset({"people", "incidents", "families", "nights"})
PARTNERSHIPS = ("southampton", "nottinghamshire")
MIN_HISTORY = 6
"""Only KPIs with at least this many periods behind them are left with returns missing."""

# The escalation rules every partnership starts with (as the escalation settings page makes them).
DEFAULT_RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    (EscalationTrigger.SPECIAL_CAUSE_CONCERN, {"review_kind": ReviewKind.CONTRACT}),
    (EscalationTrigger.TARGET_MISSED, {"consecutive_periods": 3, "review_kind": ReviewKind.CONTRACT}),
    (
        EscalationTrigger.QUALITY_RATING,
        {
            "ratings": [QualityRating.REQUIRES_IMPROVEMENT.value, QualityRating.INADEQUATE.value],
            "review_kind": ReviewKind.QUALITY,
        },
    ),
)

CORRECTION_REASONS = (
    "Late data from the electronic call monitoring system added.",
    "The first figure counted planned rather than delivered activity.",
    "Two incidents reclassified after investigation.",
    "Denominator corrected: respite stays had been left out.",
    "Typing error in the first submission.",
    "Figures rerun after a duplicate referral was removed.",
)
QUERIES = (
    "This is well away from your usual figure. Please confirm it and say what changed.",
    "The figure does not match the activity in your invoice for the month. Please check it.",
    "Please send the numerator and denominator behind this percentage.",
)
COMMENTS = (
    "Figures taken from our case management system on the fifth working day.",
    "Two new staff started this month, so capacity improved towards the end of the period.",
    "Sickness absence was higher than usual in the second half of the period.",
    "Includes activity for people transferred to us from another provider.",
)


# Small helpers -------------------------------------------------------------------------------


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def _decimal(value: float, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _values(*numbers: float | int) -> list[Decimal]:
    return [Decimal(str(number)) for number in numbers]


def _poisson(rng: random.Random, mean: float) -> int:
    """A count of rare events (Knuth's method; means here are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _audit(actor: User, partnership_id: int, objects: Sequence[models.Model]) -> int:
    return Auditor(actor, partnership_id=partnership_id).record_many(
        "create", [(obj, None, snapshot(obj)) for obj in objects]
    )


def _backdate(model: type[models.Model], field_name: str, when: dict[int, dt.datetime]) -> None:
    """Set automatic timestamps to the story's dates, in one update per model."""
    if not when:
        return
    output = model._meta.get_field(field_name)
    assert isinstance(output, models.Field)
    model.objects.filter(pk__in=list(when)).update(  # type: ignore[attr-defined]
        **{field_name: Case(*(When(pk=pk, then=Value(at)) for pk, at in when.items()), output_field=output)}
    )


def _user(slug: str, role: Role, fallback: User) -> User:
    return User.objects.filter(username=demo_username(slug, role)).first() or fallback


# Loader --------------------------------------------------------------------------------------


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnerships = list(Partnership.objects.filter(slug__in=PARTNERSHIPS).order_by("slug"))
    if not partnerships:
        return
    rules = _escalation_rules(actor, partnerships)
    southampton = next((p for p in partnerships if p.slug == "southampton"), None)
    story = _Story.find(southampton) if southampton is not None else None
    written = _returns(actor, partnerships, story)
    if written:
        say(f"  performance: {written} returns for the demo contracts")
    if story is not None and not Review.objects.filter(partnership=story.partnership).exists():
        story.write(actor, rules.get(story.partnership.pk, {}))
        say(
            "  performance: a provider's decline with its review and remedial plan; a decommissioning case "
            "at the transition stage"
        )
    if southampton is not None:
        if not EvaluationValue.objects.filter(partnership=southampton).exists():
            _evaluation(actor, southampton)
        if not PerformanceReport.objects.filter(partnership=southampton).exists():
            _report(actor, southampton, story)


def _escalation_rules(
    actor: User, partnerships: Sequence[Partnership]
) -> dict[int, dict[str, EscalationRule]]:
    """Each partnership's three default rules, made where a partnership has none."""
    have = {p.pk for p in partnerships if EscalationRule.objects.filter(partnership=p).exists()}
    new = [
        EscalationRule(partnership=p, trigger=trigger, **settings)
        for p in partnerships
        if p.pk not in have
        for trigger, settings in DEFAULT_RULES
    ]
    EscalationRule.objects.bulk_create(new)
    for partnership in partnerships:
        _audit(actor, partnership.pk, [rule for rule in new if rule.partnership_id == partnership.pk])
    rules: dict[int, dict[str, EscalationRule]] = defaultdict(dict)
    for rule in EscalationRule.objects.filter(partnership__in=partnerships).order_by("pk"):
        rules[rule.partnership_id].setdefault(rule.trigger, rule)
    return rules


# Values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Process:
    """How one KPI's values vary: a level, common-cause spread, rounding and bounds."""

    level: float
    spread: float
    places: int
    high: float | None = None
    rare: bool = False

    def draw(self, rng: random.Random) -> Decimal:
        value = float(_poisson(rng, self.level)) if self.rare else rng.gauss(self.level, self.spread)
        if self.high is not None:
            value = min(self.high, value)
        return _decimal(max(0.0, value), self.places)


def _process(kpi: Kpi, rng: random.Random) -> _Process:
    """A plausible process for the KPI's unit and target: most services meet their targets
    comfortably, some hit and miss, a few fall short."""
    target = None if kpi.target is None else float(kpi.target)
    sign = {"increase": 1, "decrease": -1}.get(kpi.polarity, 0)
    standing = rng.choices((3.4, 1.2, -0.5, -3.2), weights=(50, 30, 12, 8))[0]  # spreads on the good side
    if kpi.unit == "%":
        base = target if target is not None else rng.uniform(40, 90)
        spread = rng.uniform(1.0, 2.2) if base >= 30 else rng.uniform(0.3, 0.8)
        level = min(base + sign * standing * spread, 99.7 - spread)
        return _Process(max(level, 2 * spread), spread, 1, high=100.0)
    if kpi.unit in COUNT_UNITS:
        if target is None:
            level = rng.uniform(40, 120)
            return _Process(level, math.sqrt(level), 0)
        if target < 3:
            return _Process(rng.uniform(0.7, 1.6) if standing > 0 else rng.uniform(1.8, 3.2), 0, 0, rare=True)
        spread = max(1.0, math.sqrt(target) * 1.2)
        return _Process(max(target + sign * standing * spread, 2 * spread), spread, 0)
    base = target if target else 10.0
    spread = base * rng.uniform(0.08, 0.14)
    places = 0 if base >= 50 else 1 if base >= 5 else 2
    return _Process(max(base + sign * standing * spread, 2 * spread), spread, places)


# The story: Westgate's decline, Lordshill Lodge's decommissioning, Solent's improvement ---------


# Visits on time (%), October 2024 to September 2026: steady until December 2025, then a decline.
WESTGATE_ON_TIME = _values(
    93.6, 94.1, 92.8, 93.2, 94.4, 93.9, 92.9, 93.7, 94.2, 93.1, 92.6, 93.8, 94.0, 93.3, 92.7,
    91.4, 90.6, 89.1, 87.6, 86.2, 84.9, 83.7, 83.1, 82.4,
)  # fmt: skip
WESTGATE_PACKAGES = _values(
    87.5, 88.2, 86.9, 87.8, 88.5, 87.1, 86.6, 88.0, 87.4, 86.8, 87.9, 88.3, 87.2, 86.5, 87.6,
    86.1, 85.4, 84.8, 83.9, 84.6, 83.2, 84.1, 83.5, 84.4,
)  # fmt: skip
WESTGATE_DELAYS = _values(
    36, 41, 39, 44, 37, 40, 35, 42, 38, 39, 43, 37, 41, 45, 40,
    48, 52, 57, 61, 66, 70, 74, 71, 73,
)  # fmt: skip
WESTGATE_COMMENTS = {
    dt.date(2026, 1, 1): "Four experienced care workers left the north team in December and January.",
    dt.date(2026, 3, 1): "Rotas covered by overtime; new starters are shadowing before working alone.",
    dt.date(2026, 5, 1): "Early-morning runs in Swaythling and Bassett were the latest. Two late medication "
    "calls were raised as safeguarding concerns and investigated.",
    dt.date(2026, 7, 1): "Runs re-planned from 1 August so that time-critical calls come first.",
    dt.date(2026, 9, 1): "Six new care workers finished induction in September; vacancies remain in Bassett.",
}
# Falls causing injury (per 1,000 bed days), December 2024 to September 2026: above target throughout.
LORDSHILL_FALLS = _values(
    2.3, 2.5, 2.4, 2.2, 2.5, 2.4, 2.6, 2.4, 2.3, 2.5, 2.6,
    2.4, 2.7, 2.5, 2.4, 2.6, 2.5, 2.7, 2.6, 2.4, 2.6, 2.5,
)  # fmt: skip
LORDSHILL_CARE_PLANS = _values(84.0, 81.5, 79.2, 82.6, 78.4, 80.1, 76.9, 79.5)
LORDSHILL_ADMISSIONS = _values(10.4, 11.9, 12.6, 11.2, 13.1, 12.4, 13.8, 12.9)
LORDSHILL_SATISFACTION = _values(78.0, 71.0)
# Delayed transfers waiting for community nursing (days), November 2024 to September 2026.
SOLENT_DELAYS = _values(
    71, 76, 68, 74, 79, 70, 73, 77, 69, 75, 72, 78, 74, 71, 76,
    58, 51, 46, 42, 39, 36, 34, 31,
)  # fmt: skip
SOLENT_COMMENTS = {
    dt.date(2026, 2, 1): "The discharge-to-assess pathway with the acute trust started on 2 February.",
    dt.date(2026, 6, 1): "A second discharge coordinator joined the team in June.",
}

WESTGATE_ATTENDEES = (
    "Contract manager, Integrated Commissioning Unit (chair)",
    "Quality and safeguarding officer, Integrated Commissioning Unit",
    "Home care brokerage team leader, Southampton City Council",
    "Registered manager, Westgate Domiciliary Services",
    "Operations director, Westgate Domiciliary Services",
)
WESTGATE_ACTIONS = (
    (
        "Pause new home care packages for Westgate in Swaythling and Bassett and broker them to other "
        "framework providers until staffing recovers.",
        "Home care brokerage team leader, Southampton City Council",
        dt.date(2026, 7, 24),
        dt.date(2026, 7, 23),
    ),
    (
        "Report visits on time, missed visits and late time-critical calls to the contract manager every "
        "week until visits on time has been above target for three months.",
        "Registered manager, Westgate Domiciliary Services",
        dt.date(2026, 7, 31),
        dt.date(2026, 7, 31),
    ),
    (
        "Re-plan runs so that time-critical calls (medication, diabetes, end of life care) are scheduled "
        "first, with realistic travel time between calls.",
        "Operations director, Westgate Domiciliary Services",
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 4),
    ),
    (
        "Check electronic call monitoring data against rotas for a sample of 50 visits each month.",
        "Contract officer, Integrated Commissioning Unit",
        dt.date(2026, 9, 30),
        dt.date(2026, 9, 30),
    ),
    (
        "Fill the care worker vacancies in the north team through a recruitment campaign with paid "
        "induction.",
        "Registered manager, Westgate Domiciliary Services",
        dt.date(2026, 11, 30),
        None,
    ),
)
LORDSHILL_ATTENDEES = (
    "Quality and safeguarding lead, Integrated Commissioning Unit (chair)",
    "Contract manager, Integrated Commissioning Unit",
    "Care home support team nurse, Solent NHS Trust",
    "Registered manager, Lordshill Lodge",
    "Nominated individual, Lordshill Lodge Care Ltd",
)
LORDSHILL_ACTIONS = (
    (
        "Complete a falls risk assessment for every resident, reviewed monthly and after any fall.",
        "Registered manager, Lordshill Lodge",
        dt.date(2025, 11, 30),
        dt.date(2025, 12, 12),
    ),
    (
        "Give falls prevention training to all care staff, with the care home support team.",
        "Care home support team nurse, Solent NHS Trust",
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 20),
    ),
    (
        "Review every resident's care plan with them and their family, oldest plans first.",
        "Deputy manager, Lordshill Lodge",
        dt.date(2026, 1, 31),
        None,
    ),
    (
        "Appoint a deputy manager and a clinical lead for the home.",
        "Nominated individual, Lordshill Lodge Care Ltd",
        dt.date(2026, 2, 28),
        None,
    ),
)
CASE_OPENED = dt.date(2026, 5, 13)
CASE_STEPS = (
    (
        CaseStage.RATIONALE,
        CaseStage.OPTIONS,
        dt.date(2026, 6, 2),
        "Rationale agreed; three KPIs and the quality review attached as evidence.",
    ),
    (
        CaseStage.OPTIONS,
        CaseStage.RISK,
        dt.date(2026, 6, 23),
        "The Older People Strategic Commissioning Group preferred to decommission the block beds.",
    ),
    (
        CaseStage.RISK,
        CaseStage.CONSULTATION,
        dt.date(2026, 7, 6),
        "Risks to residents scored; the highest, moving home, has a mitigation.",
    ),
    (
        CaseStage.CONSULTATION,
        CaseStage.EQUALITY,
        dt.date(2026, 9, 14),
        "Consultation closed on 4 September; its themes and what we did are recorded.",
    ),
    (
        CaseStage.EQUALITY,
        CaseStage.TRANSITION,
        dt.date(2026, 10, 5),
        "Equality impact assessment done: the proposal was adjusted so that nobody has to move.",
    ),
)
CASE_OPTIONS = (
    (
        AppraisalOption.REMODEL,
        "Keep the block contract but change it: eight beds instead of twelve, a higher price for a dementia "
        "specialist service and a quality improvement partner funded for a year. It relies on leadership "
        "the home has not kept, and costs more per bed.",
        "735000.00",
        "40000.00",
    ),
    (
        AppraisalOption.REPROCURE,
        "Tender the block beds. Likely to attract providers rated good, but it would take nine to twelve "
        "months, and most residents would have to move home if another provider won.",
        "790000.00",
        "65000.00",
    ),
    (
        AppraisalOption.DECOMMISSION,
        "End the block contract and buy residential care for older people through the spot purchasing "
        "framework at the usual price; homes rated good in the west of the city have vacancies. Residents "
        "choose to stay at Lordshill Lodge under individual agreements, with closer monitoring, or to move "
        "to a home of their choice.",
        "742000.00",
        "38000.00",
    ),
)
CASE_RISKS = (
    (
        "Moving home can cause distress, confusion, falls and a decline in health, most of all for "
        "residents living with dementia.",
        4,
        4,
        "Nobody moves without a review of their needs and, where they lack capacity, a best interests "
        "decision. Residents may stay under an individual agreement. Moves are planned with families, "
        "familiar staff and belongings go too, and the care home support team visits within a fortnight.",
    ),
    (
        "Quality at the home falls further while the contract winds down and staff leave.",
        3,
        4,
        "Monthly unannounced quality visits; no new admissions under the block contract; safeguarding "
        "concerns about the home tracked weekly by the quality and safeguarding lead.",
    ),
    (
        "Not enough beds rated good at the usual price near residents' families.",
        2,
        3,
        "The buyer's team is holding vacancies at two homes rated good in the west of the city and will "
        "pay above the usual price where a resident's needs require it.",
    ),
)
CONSULTATION_THEMES = (
    (
        "Staying put",
        "Families asked that nobody be made to move, especially residents living with dementia who have "
        "settled at the home.",
        "Residents can stay at Lordshill Lodge under individual placement agreements, with monthly quality "
        "visits; nobody moves without a review of their needs.",
    ),
    (
        "Choosing a new home",
        "Families who want a move asked for a real choice of homes near them, not just whichever has a "
        "vacancy.",
        "The buyer's team is holding vacancies at two homes rated good in the west of the city, and "
        "families can visit them before anyone decides.",
    ),
    (
        "Keeping in touch",
        "Residents asked to keep in touch with their friends at the home and the staff who know them.",
        "Friends can move together where they wish, and familiar staff go with residents on the day.",
    ),
)
CONSULTATION_RESPONSES = (
    (Audience.CARERS, Channel.MEETING, dt.date(2026, 7, 22), "Mum has settled well and knows the staff. "
     "Please don't make her move again.", 0),
    (Audience.CARERS, Channel.EMAIL, dt.date(2026, 8, 3), "We would like Dad nearer to us in Shirley, but "
     "only somewhere that is rated good.", 1),
    (Audience.SERVICE_USERS, Channel.PAPER, dt.date(2026, 8, 11), "I want to stay with my friends from "
     "the lounge.", 2),
    (Audience.PROVIDERS, Channel.EMAIL, dt.date(2026, 8, 28), "We have two vacancies for older people "
     "and can offer visits to families before any decision.", 1),
)  # fmt: skip
# (how they go, where to, move by) for the residents whose review is done.
ARRANGEMENTS = (
    ("stay", None, dt.date(2027, 1, 31)),
    ("move", "Freemantle Gardens Care Home Ltd", dt.date(2027, 2, 15)),
    ("stay", None, dt.date(2027, 1, 31)),
    ("stay", None, dt.date(2027, 1, 31)),
    ("move", "Peartree House Residential Care Ltd", dt.date(2027, 3, 1)),
    ("move", "Freemantle Gardens Care Home Ltd", dt.date(2027, 3, 15)),
    ("stay", None, dt.date(2027, 1, 31)),
)


@dataclass
class _Series:
    """A KPI's story values for its latest periods, with commentary and corrections by period."""

    values: list[Decimal]
    comments: dict[dt.date, str] = field(default_factory=dict)
    corrections: dict[dt.date, tuple[Decimal, str]] = field(default_factory=dict)
    lead_in: _Process | None = None
    """How the values ran before the written ones, where the contract is older."""


@dataclass
class _Story:
    partnership: Partnership
    westgate: Contract
    lordshill: Contract
    solent: Contract | None
    kpis: dict[str, Kpi]  # "westgate HC02", "lordshill CH02", ...

    @classmethod
    def find(cls, partnership: Partnership) -> _Story | None:
        """The story's contracts in the market demo: None if the market demo is not there."""
        active = Contract.objects.filter(
            partnership=partnership, status=ContractStatus.ACTIVE
        ).select_related("provider__organisation", "care_group", "contract_manager", "partnership")
        westgate = (
            active.filter(
                provider__organisation__name="Westgate Domiciliary Services Ltd",
                service_type=ServiceType.HOME_CARE,
                kpis__code="HC02",
            )
            .order_by("starts_on", "pk")
            .first()
        )
        lordshill = (
            active.filter(provider__organisation__name="Lordshill Lodge Care Ltd", kpis__code="CH02")
            .order_by("starts_on", "pk")
            .first()
        )
        if westgate is None or lordshill is None:
            return None
        solent = (
            active.filter(provider__organisation__ods_code="R1C", title="Community nursing", kpis__code="DTC")
            .order_by("starts_on", "pk")
            .first()
        )
        contracts = {"westgate": westgate, "lordshill": lordshill}
        if solent is not None:
            contracts["solent"] = solent
        names = {contract.pk: name for name, contract in contracts.items()}
        kpis = {
            f"{names[kpi.contract_id]} {kpi.code}": kpi
            for kpi in Kpi.objects.filter(contract__in=list(contracts.values())).order_by("position", "pk")
        }
        for kpi in kpis.values():
            kpi.contract = next(c for c in contracts.values() if c.pk == kpi.contract_id)
        return cls(partnership, westgate, lordshill, solent, kpis)

    def series(self) -> dict[int, _Series]:
        """The written-out series, by KPI id."""
        wanted = {
            "westgate HC02": _Series(
                WESTGATE_ON_TIME,
                WESTGATE_COMMENTS,
                {
                    dt.date(2026, 2, 1): (
                        Decimal("89.4"),
                        "Call monitoring data for two double-handed runs had been left out.",
                    )
                },
                lead_in=_Process(93.4, 0.6, 1),
            ),
            "westgate HC03": _Series(WESTGATE_PACKAGES, lead_in=_Process(87.4, 0.6, 1)),
            "westgate DTC": _Series(WESTGATE_DELAYS, lead_in=_Process(40, 3, 0)),
            "lordshill CH02": _Series(LORDSHILL_FALLS),
            "lordshill CH03": _Series(LORDSHILL_CARE_PLANS),
            "lordshill CH01": _Series(LORDSHILL_ADMISSIONS),
            "lordshill SAT": _Series(LORDSHILL_SATISFACTION),
            "solent DTC": _Series(
                SOLENT_DELAYS,
                SOLENT_COMMENTS,
                {dt.date(2025, 9, 1): (Decimal("81"), "Two patients counted twice after a ward transfer.")},
            ),
        }
        return {self.kpis[key].pk: series for key, series in wanted.items() if key in self.kpis}

    def write(self, actor: User, rules: dict[str, EscalationRule]) -> None:
        """The reviews, remedial plans, notification and decommissioning case."""
        partnership = self.partnership
        commissioner = _user(partnership.slug, Role.COMMISSIONER, actor)
        on_time = self.kpis["westgate HC02"]
        delays = self.kpis.get("westgate DTC")
        falls = self.kpis["lordshill CH02"]
        care_plans = self.kpis.get("lordshill CH03")
        ratings = list(
            Rating.objects.filter(provider=self.lordshill.provider).order_by("-rated_on", "-pk")[:2]
        )
        # Worded as the quality rating rule words what it opens.
        provider = self.lordshill.provider
        rating_label, rating_detail = "requires improvement", f"{provider}'s quality rating fell."
        if ratings:
            latest = ratings[0]
            rating_label = latest.get_rating_display().lower()
            rating_detail = f"{provider} was rated {rating_label} on {long_date(latest.rated_on)}" + (
                f", down from {ratings[1].get_rating_display().lower()} on {long_date(ratings[1].rated_on)}."
                if len(ratings) > 1
                else ", its first rating."
            )

        westgate_review = Review(
            partnership=partnership,
            contract=self.westgate,
            kind=ReviewKind.CONTRACT,
            title=f"{self.westgate.reference}: special cause of concern on KPI {on_time.code}",
            status=ReviewStatus.HELD,
            scheduled_for=dt.date(2026, 7, 8),
            held_on=dt.date(2026, 7, 8),
            attendees="\n".join(WESTGATE_ATTENDEES),
            summary=(
                "Visits on time has fallen every month since January, from a steady 93% to 86.2% in May, "
                "against a target of 90%. Westgate put the fall down to losing experienced care workers in "
                "the north team over the winter, with rotas filled by overtime and by new starters still in "
                "induction. Late calls are concentrated on early-morning and teatime runs in Swaythling and "
                "Bassett, and two late medication calls were raised as safeguarding concerns. The provider "
                "accepted the findings and agreed a remedial plan; new packages in Swaythling and Bassett "
                "are paused while staffing recovers."
            ),
            overall_rating=Rag.RED,
            escalation_rule=rules.get(EscalationTrigger.SPECIAL_CAUSE_CONCERN),
            trigger_kpi=on_time,
            trigger_detail=_decline_detail(on_time),
            opened_by=actor,
        )
        lordshill_review = Review(
            partnership=partnership,
            contract=self.lordshill,
            kind=ReviewKind.QUALITY,
            title=f"{self.lordshill.reference}: {provider} rated {rating_label}",
            status=ReviewStatus.CLOSED,
            scheduled_for=dt.date(2025, 10, 1),
            held_on=dt.date(2025, 10, 1),
            attendees="\n".join(LORDSHILL_ATTENDEES),
            summary=(
                "The inspection found falls were not well managed and many care plans had not been reviewed "
                "with residents and their families. Falls causing injury have been above target in every "
                "month of the contract, and a fifth of care plans were more than a year old. The home has "
                "had three registered managers in two years. A remedial plan was agreed, to be reviewed at "
                "the end of March 2026."
            ),
            overall_rating=Rag.RED,
            escalation_rule=rules.get(EscalationTrigger.QUALITY_RATING),
            trigger_detail=rating_detail,
            opened_by=actor,
        )
        Review.objects.bulk_create([westgate_review, lordshill_review])
        findings = [
            Finding(
                review=westgate_review,
                position=1,
                area="KPI",
                kpi=on_time,
                rating=Rag.RED,
                finding=(
                    "Visits on time fell from an average of 93% over 2025 to 86.2% in May 2026, below the "
                    "target of 90% for three months running. The chart shows a special cause, not chance."
                ),
            ),
            Finding(
                review=westgate_review,
                position=2,
                area="Workforce",
                rating=Rag.RED,
                finding=(
                    "Care worker turnover in the north team was 41% over the last twelve months and 11 of "
                    "its 64 posts are vacant. Runs are covered by overtime and by new starters before they "
                    "have finished induction."
                ),
            ),
            Finding(
                review=westgate_review,
                position=3,
                area="Safe",
                rating=Rag.AMBER,
                finding=(
                    "Two time-critical medication calls were more than an hour late in May and were raised "
                    "as safeguarding concerns. Both were investigated promptly; no one came to harm, and the "
                    "lessons were shared with staff."
                ),
            ),
            Finding(
                review=westgate_review,
                position=4,
                area="Responsive",
                kpi=delays,
                rating=Rag.AMBER,
                finding=(
                    "Westgate handed back four packages and declined nine new ones since April. Days that "
                    "people fit to leave hospital waited for this service rose from around 40 a month in "
                    "2025 to 66 in May, above the target of 60."
                ),
            ),
            Finding(
                review=lordshill_review,
                position=1,
                area="Safe",
                kpi=falls,
                rating=Rag.RED,
                finding=(
                    "Falls causing injury have been above the target of 1.5 per 1,000 bed days in every "
                    "month of the contract. Falls risk assessments were missing for a third of the residents "
                    "sampled."
                ),
            ),
            Finding(
                review=lordshill_review,
                position=2,
                area="Effective",
                kpi=care_plans,
                rating=Rag.RED,
                finding=(
                    "Only four in five residents had their care plan reviewed with them in the last twelve "
                    "months, against a target of every resident."
                ),
            ),
            Finding(
                review=lordshill_review,
                position=3,
                area="Well-led",
                rating=Rag.AMBER,
                finding=(
                    "The home has had three registered managers in two years. The current manager started in "
                    "July 2025 and has a credible improvement plan, but little support from the provider."
                ),
            ),
        ]
        Finding.objects.bulk_create(findings)
        westgate_plan = RemedialPlan(
            review=westgate_review,
            summary=(
                "Westgate will bring visits on time back to at least 90% by December 2026 by filling its "
                "vacancies in the north team, re-planning runs so that time-critical calls come first, and "
                "reporting weekly until the measure has been above target for three months. The Integrated "
                "Commissioning Unit checks call monitoring data every month, and new packages in Swaythling "
                "and Bassett stay paused until staffing recovers."
            ),
            status=PlanStatus.AGREED,
            agreed_on=dt.date(2026, 7, 22),
            review_by=dt.date(2026, 12, 2),
            created_by=commissioner,
        )
        lordshill_plan = RemedialPlan(
            review=lordshill_review,
            summary=(
                "Lordshill Lodge will assess every resident's risk of falling, train its staff in falls "
                "prevention with the care home support team, review every care plan with residents and "
                "families, and appoint a deputy manager and a clinical lead. Progress to be reviewed at the "
                "end of March 2026. Not delivered: care plan reviews and both posts were still outstanding "
                "at the review."
            ),
            status=PlanStatus.FAILED,
            agreed_on=dt.date(2025, 10, 15),
            review_by=dt.date(2026, 3, 31),
            created_by=commissioner,
        )
        RemedialPlan.objects.bulk_create([westgate_plan, lordshill_plan])
        actions = [
            RemedialAction(
                plan=plan,
                position=position,
                action=action,
                owner=owner,
                due_on=due_on,
                completed_on=completed_on,
            )
            for plan, specs in ((westgate_plan, WESTGATE_ACTIONS), (lordshill_plan, LORDSHILL_ACTIONS))
            for position, (action, owner, due_on, completed_on) in enumerate(specs, start=1)
        ]
        RemedialAction.objects.bulk_create(actions)
        recipient = self.westgate.contract_manager or commissioner
        notification = Notification(
            partnership=partnership,
            recipient=recipient,
            subject=f"Review opened: {westgate_review.title}",
            body=(
                f"{westgate_review.trigger_detail}\n\nA contract review of contract "
                f"{self.westgate.reference} ({self.westgate.title}, {self.westgate.provider}) has been "
                "opened by the escalation rule 'Special cause of concern on a KPI'. Arrange the review with "
                "the provider and record what it finds."
            ),
            url=_review_url(partnership, westgate_review),
            read_at=_at(dt.date(2026, 6, 22), 11, 40),
        )
        Notification.objects.bulk_create([notification])
        case = self._case(actor, commissioner, lordshill_review)
        _backdate(
            Review,
            "opened_at",
            {
                westgate_review.pk: _at(dt.date(2026, 6, 22), 9, 5),
                lordshill_review.pk: _at(dt.date(2025, 9, 9), 9, 5),
            },
        )
        _backdate(
            RemedialPlan,
            "created_at",
            {
                westgate_plan.pk: _at(dt.date(2026, 7, 15), 14),
                lordshill_plan.pk: _at(dt.date(2025, 10, 8), 14),
            },
        )
        _backdate(Notification, "created_at", {notification.pk: _at(dt.date(2026, 6, 22), 9, 5)})
        _backdate(DecommissioningCase, "opened_at", {case.pk: _at(CASE_OPENED, 11)})
        for objects in (
            [westgate_review, lordshill_review],
            findings,
            [westgate_plan, lordshill_plan],
            actions,
        ):
            _audit(actor, partnership.pk, objects)

    def _case(self, actor: User, commissioner: User, review: Review) -> DecommissioningCase:
        """The decommissioning case for Lordshill Lodge's block beds, at the transition stage."""
        partnership, contract = self.partnership, self.lordshill
        residents = list(
            Placement.objects.filter(contract=contract, ends_on__isnull=True).order_by("person_ref", "pk")
        )
        providers = {
            str(provider): provider
            for provider in Provider.objects.filter(partnership=partnership).select_related("organisation")
        }
        consultation = Consultation(
            partnership=partnership,
            title="Lordshill Lodge: proposal to end the block contract for residential beds",
            purpose=(
                "Ask the residents of Lordshill Lodge, their families and advocates, and care home providers "
                "in the city what they think of ending the council's block contract for residential beds at "
                "Lordshill Lodge, and what would matter most to them if it ends."
            ),
            audiences=[Audience.SERVICE_USERS.value, Audience.CARERS.value, Audience.PROVIDERS.value],
            channels=[Channel.MEETING.value, Channel.PAPER.value, Channel.EMAIL.value],
            opens_on=dt.date(2026, 7, 13),
            closes_on=dt.date(2026, 9, 4),
            is_published=True,
            created_by=commissioner,
        )
        Consultation.objects.bulk_create([consultation])
        themes = [
            Theme(consultation=consultation, position=position, title=title, you_said=said, we_did=did)
            for position, (title, said, did) in enumerate(CONSULTATION_THEMES, start=1)
        ]
        Theme.objects.bulk_create(themes)
        responses = [
            Response(consultation=consultation, respondent_type=who, channel=how, received_on=day, text=text)
            for who, how, day, text, _theme in CONSULTATION_RESPONSES
        ]
        Response.objects.bulk_create(responses)
        Response.themes.through.objects.bulk_create(
            [
                Response.themes.through(response_id=response.pk, theme_id=themes[spec[4]].pk)
                for response, spec in zip(responses, CONSULTATION_RESPONSES, strict=True)
            ]
        )
        case = DecommissioningCase(
            partnership=partnership,
            contract=contract,
            reference="DC-2026-001",
            title=f"End the residential block beds contract at {contract.provider}",
            stage=CaseStage.TRANSITION,
            rationale=(
                "Lordshill Lodge has missed its targets for falls causing injury and for care plan reviews "
                "in every period since the block contract began, and its charts show it will go on missing "
                "them as things stand. The Care Quality Commission rated the home requires improvement in "
                "September 2025. The remedial plan agreed after the quality review was not delivered by its "
                "review date at the end of March 2026: care plan reviews and both leadership posts are still "
                "outstanding. Meanwhile homes rated good in the west of the city have vacancies at the usual "
                "price."
            ),
            chosen_option=AppraisalOption.DECOMMISSION,
            users_affected=len(residents),
            risk_summary=(
                f"{len(residents)} older people live at Lordshill Lodge under the block contract, most of "
                "them living with dementia. Moving home is the greatest risk to them. Ending the block "
                "contract does not mean anyone has to move: each resident can choose to stay under an "
                "individual placement agreement while the home is monitored closely."
            ),
            consultation=consultation,
            equality_summary=(
                "The residents are older people, most of them women and most living with dementia, so the "
                "proposal affects people sharing the protected characteristics of age, disability and sex; "
                "their carers are affected too. Moving home is harder for people living with dementia and "
                "for residents whose families live far away. The proposal was adjusted so that no one has "
                "to move: residents can stay under individual agreements, independent advocacy is offered "
                "to everyone without a family member to support them, and information is given in easy "
                "read and large print."
            ),
            equality_outcome=EqualityOutcome.ADJUST,
            transition_summary=(
                "Each resident has a review of their needs with their family or an advocate, then chooses "
                "to stay at Lordshill Lodge under an individual placement agreement or to move to another "
                "home. The remaining reviews are booked; their arrangements follow once they are done."
            ),
            opened_by=commissioner,
        )
        DecommissioningCase.objects.bulk_create([case])
        evidence = [
            kpi
            for key, kpi in self.kpis.items()
            if key in ("lordshill CH02", "lordshill CH03", "lordshill CH01")
        ]
        case.evidence_kpis.set(evidence)
        case.reviews.set([review])
        options = [
            OptionAppraisal(
                case=case,
                option=option,
                appraisal=text,
                annual_cost=Decimal(annual),
                transition_cost=Decimal(transition),
            )
            for option, text, annual, transition in CASE_OPTIONS
        ]
        OptionAppraisal.objects.bulk_create(options)
        risks = [
            CaseRisk(case=case, description=text, likelihood=likelihood, impact=impact, mitigation=mitigation)
            for text, likelihood, impact, mitigation in CASE_RISKS
        ]
        CaseRisk.objects.bulk_create(risks)
        # Arrangements for the residents whose reviews are done: not yet everyone.
        arrangements = []
        for resident, (how, where, move_by) in zip(residents, ARRANGEMENTS, strict=False):
            if how == "stay":
                arrangements.append(
                    TransitionArrangement(
                        case=case,
                        placement=resident,
                        arrangement=(
                            "Stays at Lordshill Lodge under an individual placement agreement at the same "
                            "weekly price; care reviewed three months after the change."
                        ),
                        new_provider=contract.provider,
                        move_by=move_by,
                    )
                )
            else:
                arrangements.append(
                    TransitionArrangement(
                        case=case,
                        placement=resident,
                        arrangement=(
                            f"Moves to {where} after a visit with family; a familiar carer goes with them on "
                            "the day and the care home support team visits in the first fortnight."
                        ),
                        new_provider=providers.get(str(where)),
                        move_by=move_by,
                    )
                )
        TransitionArrangement.objects.bulk_create(arrangements)
        steps = [
            CaseStep(case=case, from_stage=before, to_stage=after, moved_by=commissioner, note=note)
            for before, after, _day, note in CASE_STEPS
        ]
        CaseStep.objects.bulk_create(steps)
        _backdate(
            CaseStep,
            "moved_at",
            {step.pk: _at(day, 16) for step, (*_, day, _note) in zip(steps, CASE_STEPS, strict=True)},
        )
        for objects in ([consultation], themes, [case], options, risks, arrangements):
            _audit(actor, partnership.pk, objects)
        return case


def _review_url(partnership: Partnership, review: Review) -> str:
    """The review's page (the path of ``reviews:detail``, written out so loading needs no URL conf)."""
    return f"/p/{partnership.slug}/reviews/{review.pk}/"


def _decline_detail(kpi: Kpi) -> str:
    """What opened the review, in the escalation rule's words, from the chart as it stood in June."""
    until_may = KpiReturn.objects.filter(kpi=kpi, period_start__lte=dt.date(2026, 5, 1)).order_by(
        "period_start"
    )
    values = [float(value) for value in until_may.values_list("value", flat=True)]
    if not values:
        return f"KPI {kpi.code} ({kpi.name}) shows special cause variation of concern."
    table = spc.xmr(
        values, improvement=kpi.polarity, target=None if kpi.target is None else float(kpi.target)
    )
    lower = _decimal(float(table["lpl"].iloc[-1]), 1)
    return (
        f"KPI {kpi.code} ({kpi.name}) shows special cause variation of concern in May 2026: "
        f"{_decimal(values[-1], 1)}% is below the lower process limit of {lower}%, after two years steady at "
        "around 93%."
    )


# Returns --------------------------------------------------------------------------------------


def _returns(actor: User, partnerships: Sequence[Partnership], story: _Story | None) -> int:
    """Two years of returns for every KPI of every active contract, with their revisions."""
    wanted = [p for p in partnerships if not KpiReturn.objects.filter(kpi__contract__partnership=p).exists()]
    if not wanted:
        return 0
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    kpis = list(
        Kpi.objects.filter(contract__partnership__in=wanted, contract__status=ContractStatus.ACTIVE)
        .select_related("contract__provider")
        .order_by("contract__partnership__slug", "contract__reference", "position", "pk")
    )
    stories = story.series() if story is not None and story.partnership in wanted else {}
    submitters = {
        (m.partnership_id, m.organisation_id): m.user
        for m in Membership.objects.filter(partnership__in=wanted, role=Role.PROVIDER_CONTACT.value)
        .select_related("user")
        .order_by("pk")
    }
    reviewers = {p.pk: _user(p.slug, Role.COMMISSIONER, actor) for p in wanted}
    schedule = {
        kpi.pk: expected_periods(kpi.frequency, kpi.contract.starts_on, kpi.contract.ends_on, until=UNTIL)
        for kpi in kpis
    }
    missing = _missing(
        [kpi for kpi in kpis if len(schedule[kpi.pk]) >= MIN_HISTORY], stories, submitters, rng
    )

    rows: list[KpiReturn] = []
    firsts: list[tuple[Decimal, str] | None] = []  # the first figure and reason, where corrected
    first_at: list[dt.datetime] = []  # when each return was first submitted
    latest: set[int] = set()  # index of each KPI's latest return
    recent: list[int] = []  # returns a commissioner may still be querying
    older: list[int] = []  # returns that may have been corrected
    for kpi in kpis:
        contract = kpi.contract
        periods = schedule[kpi.pk]
        written = stories.get(kpi.pk)
        process = _process(kpi, rng)
        if written is not None and written.lead_in is not None:
            process = written.lead_in
        values = [process.draw(rng) for _ in periods]
        comments: dict[dt.date, str] = {}
        corrections: dict[dt.date, tuple[Decimal, str]] = {}
        if written is not None:
            tail = written.values[-len(periods) :] if periods else []
            values[len(values) - len(tail) :] = tail
            comments, corrections = written.comments, written.corrections
        if kpi.pk in missing:
            periods = periods[: -missing[kpi.pk]]
        submitter = submitters.get((contract.partnership_id, contract.provider.organisation_id), actor)
        for index, (period, value) in enumerate(zip(periods, values, strict=False)):
            submitted = _at(
                period.end + dt.timedelta(days=rng.randint(5, 19)), rng.randint(9, 16), rng.randint(0, 59)
            )
            comment = comments.get(period.start, "")
            if not comment and written is None and rng.random() < 0.04:
                comment = rng.choice(COMMENTS)
            rows.append(
                KpiReturn(
                    kpi=kpi,
                    period_start=period.start,
                    period_end=period.end,
                    value=value,
                    commentary=comment,
                    status=ReturnStatus.VALIDATED,
                    submitted_by=submitter,
                    submitted_at=submitted,
                    reviewed_by=reviewers[contract.partnership_id],
                    reviewed_at=submitted + dt.timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 5)),
                )
            )
            firsts.append(corrections.get(period.start))
            first_at.append(submitted)
            position = len(rows) - 1
            if index == len(periods) - 1:
                latest.add(position)
            elif written is None and index >= len(periods) - 4:
                recent.append(position)
            elif written is None and index < len(periods) - 4:
                older.append(position)

    # A handful of corrections, so that history shows; a few queried; the newest await validation.
    for position in rng.sample(older, min(8, len(older))):
        row = rows[position]
        step = Decimal(1).scaleb(row.value.as_tuple().exponent)  # type: ignore[arg-type]
        was = row.value + step * rng.choice((-12, -7, -4, 3, 5, 9))
        if was < 0 or (row.kpi.unit == "%" and was > 100):
            was = row.value - step * 5 if was > 100 else row.value + step * 5
        firsts[position] = (was, rng.choice(CORRECTION_REASONS))
    for position, correction in enumerate(firsts):
        if correction is not None:
            row = rows[position]
            row.version = 2
            row.submitted_at = first_at[position] + dt.timedelta(days=rng.randint(3, 9), hours=1)
            row.reviewed_at = row.submitted_at + dt.timedelta(days=2)
    uncorrected = [position for position in recent if firsts[position] is None]
    queried = rng.sample(uncorrected, min(10, len(uncorrected)))
    for position in queried:
        row = rows[position]
        row.status = ReturnStatus.QUERIED
        row.query = rng.choice(QUERIES)
    for position in latest:
        row = rows[position]
        if row.period_end + dt.timedelta(days=DUE_DAYS + AWAITING_DAYS) > DEMO_TODAY:
            row.status, row.reviewed_by, row.reviewed_at = ReturnStatus.SUBMITTED, None, None
    KpiReturn.objects.bulk_create(rows, batch_size=1000)

    revisions: list[ReturnRevision] = []
    for row, correction, at in zip(rows, firsts, first_at, strict=True):
        if correction is None:
            revisions.append(_revision(row, 1, row.value, row.commentary, "", at))
            continue
        value, reason = correction
        revisions.append(_revision(row, 1, value, row.commentary, "", at))
        revisions.append(_revision(row, 2, row.value, row.commentary, reason, row.submitted_at))
    ReturnRevision.objects.bulk_create(revisions, batch_size=1000)
    _chases(kpis, schedule, missing, reviewers, rng)
    for partnership in wanted:
        _audit(
            actor, partnership.pk, [row for row in rows if row.kpi.contract.partnership_id == partnership.pk]
        )
    return len(rows)


def _revision(
    row: KpiReturn, version: int, value: Decimal, commentary: str, reason: str, at: dt.datetime
) -> ReturnRevision:
    return ReturnRevision(
        kpi_return=row,
        version=version,
        value=value,
        commentary=commentary,
        reason=reason,
        submitted_by=row.submitted_by,
        submitted_at=at,
    )


def _missing(
    kpis: Sequence[Kpi],
    stories: dict[int, _Series],
    submitters: dict[tuple[int, int], User],
    rng: random.Random,
) -> dict[int, int]:
    """Monthly KPIs whose last two or three returns have not come in, by KPI id: a few in each
    partnership, always including one of a demo provider contact's organisation."""
    monthly = [kpi for kpi in kpis if kpi.frequency == "monthly" and kpi.pk not in stories]
    contacts = [
        kpi
        for kpi in monthly
        if (kpi.contract.partnership_id, kpi.contract.provider.organisation_id) in submitters
    ]
    chosen: list[Kpi] = []
    by_partnership: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in monthly:
        by_partnership[kpi.contract.partnership_id].append(kpi)
    for partnership_id, candidates in by_partnership.items():
        mine = [kpi for kpi in contacts if kpi.contract.partnership_id == partnership_id]
        if mine:
            chosen.append(rng.choice(mine))
        others = [kpi for kpi in candidates if kpi not in chosen and kpi not in mine]
        chosen.extend(rng.sample(others, min(6 if len(candidates) > 20 else 1, len(others))))
    return {kpi.pk: rng.choice((2, 3)) for kpi in chosen}


def _chases(
    kpis: Sequence[Kpi],
    schedule: dict[int, list[Period]],
    missing: dict[int, int],
    reviewers: dict[int, User],
    rng: random.Random,
) -> None:
    """A reminder for the first missing return of each KPI with returns outstanding."""
    chases, when = [], []
    for kpi in kpis:
        if kpi.pk not in missing:
            continue
        contract = kpi.contract
        period = schedule[kpi.pk][-missing[kpi.pk]]
        chases.append(
            Chase(
                kpi=kpi,
                period_start=period.start,
                chased_by=reviewers[contract.partnership_id],
                message=(
                    f"The {period.label} return for {kpi.code} ({kpi.name}) on contract "
                    f"{contract.reference} was due on {long_date(period.due)}. Please submit it, or tell us "
                    "when it will come."
                ),
            )
        )
        when.append(_at(period.due + dt.timedelta(days=rng.randint(2, 6)), 9, 30))
    Chase.objects.bulk_create(chases)
    _backdate(Chase, "chased_at", {chase.pk: at for chase, at in zip(chases, when, strict=True)})


# Evaluation and the integrated performance report ------------------------------------------------


PROVIDER_CLARITY = ((2022, "58.0", 64), (2023, "62.5", 71), (2024, "66.0", 79), (2025, "71.5", 86))
USER_SATISFACTION = ((2022, "78.4", 412), (2023, "79.6", 436), (2024, "81.2", 468), (2025, "80.7", 495))


def _evaluation(actor: User, partnership: Partnership) -> None:
    """Survey results for 2022/23 to 2025/26, and the contracts audit's count at each year end."""
    recorder = _user(partnership.slug, Role.COMMISSIONER, actor)
    values = [
        EvaluationValue(
            partnership=partnership,
            measure=EvaluationMeasure.PROVIDER_CLARITY,
            financial_year=year,
            value=Decimal(value),
            sample_size=size,
            source=f"Annual provider survey {financial_year_label(year)}",
            recorded_by=recorder,
        )
        for year, value, size in PROVIDER_CLARITY
    ]
    values += [
        EvaluationValue(
            partnership=partnership,
            measure=EvaluationMeasure.USER_SATISFACTION,
            financial_year=year,
            value=Decimal(value),
            sample_size=size,
            source=f"Survey of people using jointly commissioned services {financial_year_label(year)}",
            recorded_by=recorder,
        )
        for year, value, size in USER_SATISFACTION
    ]
    values += [
        EvaluationValue(
            partnership=partnership,
            measure=EvaluationMeasure.DUPLICATION,
            financial_year=year,
            value=Decimal(len(possible_duplicates(partnership=partnership, on=dt.date(year + 1, 3, 31)))),
            source=f"Contracts audit at {long_date(dt.date(year + 1, 3, 31))}",
            recorded_by=recorder,
        )
        for year in (2022, 2023, 2024, 2025)
    ]
    EvaluationValue.objects.bulk_create(values)
    _backdate(
        EvaluationValue,
        "recorded_at",
        {value.pk: _at(dt.date(value.financial_year + 1, 5, 20), 15) for value in values},
    )
    _audit(actor, partnership.pk, values)


def _report(actor: User, partnership: Partnership, story: _Story | None) -> None:
    """A draft report for the main board's next meeting, to the last month whose returns are due."""
    board = Board.objects.filter(partnership=partnership, reports_to__isnull=True).order_by("pk").first()
    meeting = (
        Meeting.objects.filter(board=board, starts_at__date__gt=DEMO_TODAY).order_by("starts_at").first()
        if board is not None
        else None
    )
    author = _user(partnership.slug, Role.COMMISSIONER, actor)
    period_end = dt.date(UNTIL.year, UNTIL.month, 1) - dt.timedelta(days=1)
    report = PerformanceReport(
        partnership=partnership,
        title=f"Integrated performance report to {period_end:%B %Y}",
        board=board,
        meeting=meeting,
        period_end=period_end,
        introduction=(
            "This report sets out the performance of the services the council and the NHS commission "
            f"together, to the end of {period_end:%B %Y}. Each measure is read as a statistical process "
            "control chart, so that the board can tell a real change from ordinary variation. Most services "
            "are stable and meeting their targets. Two need the board's attention: home care visits on time "
            "in the north of the city have fallen since January, and the residential block beds at Lordshill "
            "Lodge continue to miss their falls and care plan targets while the decommissioning case "
            "proceeds. Delayed transfers waiting for community nursing have fallen since the new discharge "
            "pathway began in February."
        ),
        status=ReportStatus.DRAFT,
        created_by=author,
    )
    PerformanceReport.objects.bulk_create([report])
    notes: list[ReportCommentary] = []
    if story is not None:
        on_time = story.kpis["westgate HC02"]
        notes.append(
            ReportCommentary(
                report=report,
                kpi=on_time,
                text=(
                    f"Visits on time with {story.westgate.provider} has fallen every month since January, "
                    f"from a steady 93% to {WESTGATE_ON_TIME[-1]}% in September, against a target of 90%. "
                    "The chart shows a special cause of concern, not chance: a long run below the average, "
                    "with the latest months below the lower process limit. The contract review in July found "
                    "the loss of experienced care workers in the north team to be the main cause. The "
                    "remedial plan's early actions are done and new starters are in post, but the measure "
                    "has not yet turned; progress is reviewed on 2 December."
                ),
                written_by=author,
            )
        )
        if story.westgate.care_group is not None:
            residents = Placement.objects.filter(contract=story.lordshill, ends_on__isnull=True).count()
            notes.append(
                ReportCommentary(
                    report=report,
                    care_group=story.westgate.care_group,
                    text=(
                        "Services for older people are mostly stable and meeting their targets. The concerns "
                        "are in home care in the north of the city, where one provider's decline has left "
                        "more people waiting in hospital for a package of care to start, and at Lordshill "
                        "Lodge, where the case to end the block contract is at the transition stage: "
                        f"{min(len(ARRANGEMENTS), residents)} of its {residents} residents have agreed where "
                        "they will live. The Older People Strategic Commissioning Group receives a fuller "
                        "report in January."
                    ),
                    written_by=author,
                )
            )
        solent_delays = story.kpis.get("solent DTC")
        if solent_delays is not None:
            notes.append(
                ReportCommentary(
                    report=report,
                    kpi=solent_delays,
                    text=(
                        "Days that people fit to leave hospital waited for community nursing fell from "
                        f"around 74 a month in 2025 to {SOLENT_DELAYS[-1]} in September, after the "
                        "discharge-to-assess pathway began in February: a special cause of improvement, now "
                        "well inside the target of 60."
                    ),
                    written_by=author,
                )
            )
    ReportCommentary.objects.bulk_create(notes)
    _backdate(PerformanceReport, "created_at", {report.pk: _at(DEMO_TODAY - dt.timedelta(days=5), 15)})
    _audit(actor, partnership.pk, [report])
    _audit(actor, partnership.pk, notes)
