"""The commissioning self-assessment: questions on each stage of the cycle, answered from the records.

Each question is a function registered under a stage with ``@question(stage, key, text)``. It reads the
partnership's own records in a fixed number of queries and returns an ``Answer``: met, partly met or not
met, the evidence (counts and dates, with a link to the page that shows them) and what is missing. The
questions follow the self-assessment frameworks in the joint commissioning documents (the nine steps in
three phases, the principles in action, the five measures by which joint commissioning is evaluated),
in our own words. To add a question, write one more function here; its key is kept in recorded
assessments, so keep keys stable once used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from commissioning.contracts.duplicates import possible_duplicates
from commissioning.contracts.models import Contract, ContractStatus, Kpi, Placement, SupportOption
from commissioning.core.dates import long_date
from commissioning.core.permissions import Permission
from commissioning.engagement.models import Audience, Consultation, Theme
from commissioning.finance.models import Arrangement, BudgetLine, Forecast, PooledFund
from commissioning.finance.presenters import money
from commissioning.finance.summaries import prevention_share
from commissioning.governance.models import (
    Agreement,
    AgreementKind,
    BoardKind,
    BoardMember,
    Decision,
    DecisionState,
    Interest,
    Meeting,
    MeetingStatus,
)
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.market.models import Procurement, ProcurementStatus, Provider, Sector, Stage
from commissioning.needs.models import (
    ALL_AGES,
    Indicator,
    IndicatorImport,
    IndicatorValue,
    NeedMeasure,
    PopulationProjection,
    Sex,
)
from commissioning.partners.models import Partnership
from commissioning.performance.models import (
    EscalationRule,
    EscalationTrigger,
    EvaluationMeasure,
    EvaluationValue,
    KpiReturn,
    Review,
    ReviewStatus,
)
from commissioning.performance.schedule import expected_periods
from commissioning.strategy import maturity
from commissioning.strategy.maturity import MET, NOT_MET, PARTLY, by_share
from commissioning.strategy.models import (
    CommissioningStrategy,
    MarketStatement,
    Outcome,
    Priority,
    PriorityRound,
    PriorityStatus,
    RoundStatus,
    Service,
    ServiceStatus,
    StrategyAction,
    StrategyStatus,
    VersionStatus,
)

YEAR = dt.timedelta(days=365)


@dataclass(frozen=True)
class StageInfo:
    key: str
    label: str
    question: str


STAGES: tuple[StageInfo, ...] = (
    StageInfo("needs", "Needs", "Do we know what our population needs?"),
    StageInfo("strategy", "Strategy", "Have we agreed what to do about it, and for whom?"),
    StageInfo("resources", "Resources", "Do the partners plan and put their money in together?"),
    StageInfo("market", "Market and procurement", "Do we know the market, and buy fairly?"),
    StageInfo("contracts", "Contracts and placements", "Do our contracts buy outcomes?"),
    StageInfo("performance", "Performance", "Do we know whether it works, and act when it does not?"),
    StageInfo("governance", "Governance and engagement", "Are decisions open, accountable and informed?"),
)
STAGE_KEYS = tuple(s.key for s in STAGES)


@dataclass(frozen=True)
class EvidenceLink:
    """The page that shows the evidence; shown only to those allowed to open it."""

    label: str
    url_name: str
    permission: Permission
    anchor: str = ""

    def href(self, slug: str) -> str:
        url = reverse(self.url_name, args=[slug])
        return f"{url}#{self.anchor}" if self.anchor else url


@dataclass(frozen=True)
class Answer:
    status: str
    evidence: str
    missing: str = ""
    link: EvidenceLink | None = None

    @property
    def status_label(self) -> str:
        return maturity.STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Context:
    """What every question reads: the partnership and the day the assessment is made."""

    partnership: Partnership
    today: dt.date

    @property
    def year_ago(self) -> dt.date:
        return self.today - YEAR

    @property
    def financial_year(self) -> int:
        return financial_year_of(self.today)


Check = Callable[[Context], Answer]


@dataclass(frozen=True)
class Question:
    key: str
    stage: str
    text: str
    check: Check


QUESTIONS: list[Question] = []


def question(stage: str, key: str, text: str) -> Callable[[Check], Check]:
    """Register a question under a stage; its full key is ``<stage>.<key>``."""
    if stage not in STAGE_KEYS:
        raise ValueError(f"Unknown stage {stage!r}.")
    full_key = f"{stage}.{key}"
    if any(q.key == full_key for q in QUESTIONS):
        raise ValueError(f"Question {full_key} is registered twice.")

    def register(check: Check) -> Check:
        QUESTIONS.append(Question(full_key, stage, text, check))
        return check

    return register


def questions_of(stage: str) -> list[Question]:
    return [q for q in QUESTIONS if q.stage == stage]


def _names(names: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


def _of(done: int, total: int, noun: str) -> str:
    return f"{done} of {total} {noun}"


def _n(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _localdate(value: dt.datetime) -> dt.date:
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


# Needs ---------------------------------------------------------------------------------------

JSNA = EvidenceLink("The JSNA", "needs:home", Permission.VIEW_NEEDS)


@question(
    "needs", "jsna_current", "Has the joint strategic needs assessment been refreshed in the last year?"
)
def _jsna_current(ctx: Context) -> Answer:
    indicators = Indicator.objects.filter(partnership=ctx.partnership).count()
    last = IndicatorImport.objects.filter(partnership=ctx.partnership).aggregate(last=Max("imported_at"))[
        "last"
    ]
    if not indicators:
        return Answer(
            NOT_MET, "No JSNA indicators recorded.", "Load the JSNA's indicators and their values.", JSNA
        )
    if last is None:
        return Answer(
            NOT_MET,
            f"{indicators} indicators, with no record of when their values were loaded.",
            "Load the latest values (a Fingertips export or record-level data).",
            JSNA,
        )
    loaded_on = _localdate(last)
    evidence = f"{indicators} indicators; values last loaded on {long_date(loaded_on)}."
    if loaded_on >= ctx.year_ago:
        return Answer(MET, evidence, link=JSNA)
    status = PARTLY if loaded_on >= ctx.today - 2 * YEAR else NOT_MET
    return Answer(status, evidence, "Refresh the JSNA: its values are more than a year old.", JSNA)


@question("needs", "care_groups_covered", "Does the needs assessment cover every care group?")
def _care_groups_covered(ctx: Context) -> Answer:
    groups = list(
        ctx.partnership.care_groups.filter(is_active=True)
        .annotate(n=Count("indicators", filter=Q(indicators__partnership=ctx.partnership)))
        .order_by("position", "name")
        .values_list("name", "n")
    )
    bare = [name for name, n in groups if not n]
    covered = len(groups) - len(bare)
    link = JSNA
    if not groups:
        return Answer(
            NOT_MET, "No care groups recorded.", "Record the care groups the partnership serves.", link
        )
    evidence = _of(covered, len(groups), "care groups have JSNA indicators.")
    missing = f"No indicators yet for {_names(bare)}." if bare else ""
    return Answer(by_share(covered, len(groups)), evidence, missing, link)


@question("needs", "breakdowns", "Can the needs of particular groups be seen (by sex, age or deprivation)?")
def _breakdowns(ctx: Context) -> Answer:
    total = Indicator.objects.filter(partnership=ctx.partnership).count()
    broken = (
        IndicatorValue.objects.filter(indicator__partnership=ctx.partnership)
        .filter(~Q(sex=Sex.PERSONS) | ~Q(age=ALL_AGES) | ~Q(category=""))
        .values("indicator")
        .distinct()
        .count()
    )
    if not total:
        return Answer(
            NOT_MET, "No JSNA indicators recorded.", "Load the JSNA's indicators and their values.", JSNA
        )
    evidence = _of(broken, total, "indicators have values broken down by sex, age or another category.")
    missing = (
        ""
        if total and broken * 2 >= total
        else "Load breakdowns for more indicators (sex, age band, deprivation)."
    )
    return Answer(by_share(broken, total, met_at=0.5), evidence, missing, JSNA)


@question("needs", "projections", "Are future needs projected from prevalence and population?")
def _projections(ctx: Context) -> Answer:
    measures = NeedMeasure.objects.filter(partnership=ctx.partnership).count()
    projections = PopulationProjection.objects.filter(partnership=ctx.partnership).count()
    link = EvidenceLink("Need projections", "needs:projections", Permission.VIEW_NEEDS)
    evidence = f"{measures} need measures with prevalence rates; {projections} population projection rows."
    if measures and projections:
        return Answer(MET, evidence, link=link)
    missing = "Add need measures with their prevalence rates." if not measures else ""
    if not projections:
        missing = (missing + " Load population projections.").strip()
    return Answer(PARTLY if measures or projections else NOT_MET, evidence, missing, link)


# Strategy ------------------------------------------------------------------------------------

PRIORITIES = EvidenceLink("Priorities and outcomes", "strategy:home", Permission.VIEW_STRATEGY)
STRATEGIES = EvidenceLink("Commissioning strategies", "strategy:strategies", Permission.VIEW_STRATEGY)


def _priorities(ctx: Context) -> dict[str, int]:
    return (
        Priority.objects.filter(partnership=ctx.partnership)
        .exclude(status=PriorityStatus.RETIRED)
        .aggregate(
            total=Count("id", distinct=True),
            agreed=Count("id", distinct=True, filter=Q(status=PriorityStatus.AGREED)),
            evidenced=Count("id", distinct=True, filter=Q(evidence_links__isnull=False)),
        )
    )


@question("strategy", "priorities_agreed", "Have the partners agreed their priorities through a decision?")
def _priorities_agreed(ctx: Context) -> Answer:
    counts = _priorities(ctx)
    total, agreed = counts["total"], counts["agreed"]
    if not total:
        return Answer(
            NOT_MET, "No priorities recorded.", "Set priorities from the JSNA's evidence.", PRIORITIES
        )
    missing = "" if agreed == total else f"{total - agreed} priorities still to agree through a decision."
    return Answer(
        by_share(agreed, total), _of(agreed, total, "priorities agreed by a decision."), missing, PRIORITIES
    )


@question("strategy", "priorities_evidenced", "Does every priority rest on evidence from the JSNA?")
def _priorities_evidenced(ctx: Context) -> Answer:
    counts = _priorities(ctx)
    total, evidenced = counts["total"], counts["evidenced"]
    if not total:
        return Answer(
            NOT_MET, "No priorities recorded.", "Set priorities from the JSNA's evidence.", PRIORITIES
        )
    missing = "" if evidenced == total else f"Link JSNA indicators to {total - evidenced} more priorities."
    return Answer(
        by_share(evidenced, total),
        _of(evidenced, total, "priorities linked to JSNA indicators."),
        missing,
        PRIORITIES,
    )


@question(
    "strategy", "strategy_per_care_group", "Is there an approved commissioning strategy for each care group?"
)
def _strategy_per_care_group(ctx: Context) -> Answer:
    groups = list(
        ctx.partnership.care_groups.filter(is_active=True)
        .order_by("position", "name")
        .values_list("pk", "name")
    )
    rows = CommissioningStrategy.objects.filter(partnership=ctx.partnership).values_list(
        "care_group_id", "status", "decision__state"
    )
    drafted: set[int] = set()
    approved: set[int] = set()
    for group_id, status, decision_state in rows:
        drafted.add(group_id)
        if status == StrategyStatus.SUBMITTED and decision_state == DecisionState.APPROVED:
            approved.add(group_id)
    if not groups:
        return Answer(
            NOT_MET, "No care groups recorded.", "Record the care groups the partnership serves.", STRATEGIES
        )
    with_strategy = sum(1 for pk, _ in groups if pk in drafted)
    with_approved = sum(1 for pk, _ in groups if pk in approved)
    evidence = f"{_of(with_strategy, len(groups), 'care groups')} have a strategy; {with_approved} approved."
    gaps = []
    none = [name for pk, name in groups if pk not in drafted]
    unapproved = [name for pk, name in groups if pk in drafted and pk not in approved]
    if none:
        gaps.append(f"No strategy yet for {_names(none)}.")
    if unapproved:
        gaps.append(f"Not yet approved for {_names(unapproved)}.")
    status = MET if with_approved == len(groups) else (PARTLY if with_strategy else NOT_MET)
    return Answer(status, evidence, " ".join(gaps), STRATEGIES)


@question("strategy", "action_plans_on_track", "Are the strategies' action plans on track?")
def _action_plans_on_track(ctx: Context) -> Answer:
    counts = StrategyAction.objects.filter(strategy__partnership=ctx.partnership).aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(done_on__isnull=True, due_on__lt=ctx.today)),
        done=Count("id", filter=Q(done_on__isnull=False)),
    )
    total, overdue = counts["total"], counts["overdue"]
    if not total:
        return Answer(NOT_MET, "No action plans recorded.", "Give each strategy an action plan.", STRATEGIES)
    evidence = f"{total} actions: {counts['done']} done, {overdue} overdue."
    missing = f"{overdue} actions are past their date and not done." if overdue else ""
    return Answer(by_share(total - overdue, total, partly_at=0.5), evidence, missing, STRATEGIES)


@question(
    "strategy", "outcomes_measured", "Are the outcomes the partnership commissions for measured by the JSNA?"
)
def _outcomes_measured(ctx: Context) -> Answer:
    counts = Outcome.objects.filter(
        framework__partnership=ctx.partnership, framework__is_active=True
    ).aggregate(
        total=Count("id", distinct=True),
        linked=Count("id", distinct=True, filter=Q(indicator_links__isnull=False)),
    )
    total, linked = counts["total"], counts["linked"]
    link = EvidenceLink("Outcome frameworks", "strategy:frameworks", Permission.VIEW_STRATEGY)
    if not total:
        return Answer(NOT_MET, "No outcome framework adopted.", "Adopt an outcome framework.", link)
    missing = "" if linked * 2 >= total else "Link JSNA indicators to more of the outcomes."
    return Answer(
        by_share(linked, total, met_at=0.5),
        _of(linked, total, "outcomes have a JSNA indicator."),
        missing,
        link,
    )


@question(
    "strategy",
    "services_mapped",
    "Are services mapped to the outcomes they serve and the money that pays for them?",
)
def _services_mapped(ctx: Context) -> Answer:
    counts = Service.objects.filter(partnership=ctx.partnership, status=ServiceStatus.ACTIVE).aggregate(
        total=Count("id", distinct=True),
        to_outcomes=Count("id", distinct=True, filter=Q(outcomes__isnull=False)),
        funded=Count("id", distinct=True, filter=Q(funding_links__isnull=False) | Q(contracts__isnull=False)),
    )
    link = EvidenceLink("Services map", "strategy:services_map", Permission.VIEW_STRATEGY)
    total = counts["total"]
    if not total:
        return Answer(NOT_MET, "No services mapped.", "Map the services the partners commission.", link)
    mapped = min(counts["to_outcomes"], counts["funded"])
    evidence = (
        f"{total} services mapped: {counts['to_outcomes']} to outcomes, "
        f"{counts['funded']} to a budget line or contract."
    )
    gaps = []
    if counts["to_outcomes"] < total:
        gaps.append(f"Link {total - counts['to_outcomes']} services to the outcomes they serve.")
    if counts["funded"] < total:
        gaps.append(f"Say what funds {total - counts['funded']} services.")
    return Answer(by_share(mapped, total), evidence, " ".join(gaps), link)


@question(
    "strategy",
    "priority_setting",
    "Are investment and disinvestment choices made in a priority-setting round?",
)
def _priority_setting(ctx: Context) -> Answer:
    rounds = list(
        PriorityRound.objects.filter(partnership=ctx.partnership).values_list("financial_year", "status")
    )
    link = EvidenceLink("Priority setting", "strategy:rounds", Permission.VIEW_STRATEGY)
    if not rounds:
        return Answer(
            NOT_MET, "No priority-setting round held.", "Hold a priority-setting round for the year.", link
        )
    current = [status for year, status in rounds if year >= ctx.financial_year]
    decided = [status for status in current if status == RoundStatus.DECIDED]
    year = financial_year_label(ctx.financial_year)
    evidence = (
        f"{_n(len(rounds), 'round')} in all; {len(current)} for {year} or later, {len(decided)} decided."
    )
    if decided:
        return Answer(MET, evidence, link=link)
    missing = "Take the round's portfolio to a decision." if current else f"Hold a round for {year}."
    return Answer(PARTLY, evidence, missing, link)


# Resources -----------------------------------------------------------------------------------

BUDGETS = EvidenceLink("Budgets", "finance:budgets", Permission.VIEW_FINANCE)


def _budget(ctx: Context) -> dict[str, Decimal | None]:
    return BudgetLine.objects.filter(
        partnership=ctx.partnership, financial_year=ctx.financial_year
    ).aggregate(
        total=Sum("amount"),
        joint=Sum("amount", filter=Q(arrangement__in=[Arrangement.ALIGNED, Arrangement.POOLED])),
        linked=Sum("amount", filter=Q(care_group__isnull=False)),
    )


def _share_text(part: Decimal, whole: Decimal) -> str:
    return f"{part / whole * 100:.0f} %"


@question("resources", "aligned_or_pooled", "Are the partners' budgets aligned or pooled?")
def _aligned_or_pooled(ctx: Context) -> Answer:
    budget = _budget(ctx)
    total, joint = budget["total"] or Decimal(0), budget["joint"] or Decimal(0)
    year = financial_year_label(ctx.financial_year)
    if total <= 0:
        return Answer(NOT_MET, f"No budgets recorded for {year}.", "Record the partners' budgets.", BUDGETS)
    evidence = (
        f"{money(joint)} of {money(total)} ({_share_text(joint, total)}) in {year} is aligned or pooled."
    )
    status = MET if joint * 2 >= total else (PARTLY if joint > 0 else NOT_MET)
    missing = "" if status == MET else "Align or pool more of the budgets the partners commission with."
    return Answer(status, evidence, missing, BUDGETS)


@question("resources", "section_75", "Does a pooled fund rest on a Section 75 agreement?")
def _section_75(ctx: Context) -> Answer:
    funds = list(
        PooledFund.objects.filter(partnership=ctx.partnership)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=ctx.today))
        .values_list("name", "agreement__kind", "agreement__ends_on")
    )
    link = EvidenceLink("Funds", "finance:home", Permission.VIEW_FINANCE)
    if not funds:
        return Answer(NOT_MET, "No pooled fund in place.", "Pool a fund under a Section 75 agreement.", link)
    under = [
        name
        for name, kind, ends_on in funds
        if kind == AgreementKind.S75_POOLED_FUND and (ends_on is None or ends_on >= ctx.today)
    ]
    evidence = _of(len(under), len(funds), "pooled funds in place rest on a Section 75 agreement in force.")
    if under:
        return Answer(MET, evidence, link=link)
    others = [name for name, *_ in funds]
    return Answer(PARTLY, evidence, f"Put {_names(others)} under a Section 75 pooled fund agreement.", link)


@question("resources", "prevention_target", "Is there a prevention target for this year, and is it met?")
def _prevention_target(ctx: Context) -> Answer:
    rows = prevention_share(ctx.partnership)
    link = EvidenceLink("Prevention", "finance:prevention", Permission.VIEW_FINANCE)
    year = financial_year_label(ctx.financial_year)
    this = next((r for r in rows if r.financial_year == ctx.financial_year), None)
    if this is None or this.target_bp is None:
        status = PARTLY if any(r.target_bp is not None for r in rows) else NOT_MET
        return Answer(
            status, f"No prevention target set for {year}.", f"Set a prevention target for {year}.", link
        )
    evidence = (
        f"{maturity.percent(this.share_bp)} of {year}'s budgets are in prevention, "
        f"against a target of {maturity.percent(this.target_bp)}."
    )
    if this.share_bp >= this.target_bp:
        return Answer(MET, evidence, link=link)
    return Answer(PARTLY, evidence, "Move more of the budget into prevention to reach the target.", link)


@question(
    "resources", "budgets_targeted", "Are budgets linked to the care groups they serve (the budget audit)?"
)
def _budgets_targeted(ctx: Context) -> Answer:
    budget = _budget(ctx)
    total, linked = budget["total"] or Decimal(0), budget["linked"] or Decimal(0)
    year = financial_year_label(ctx.financial_year)
    link = EvidenceLink("Budget audit", "finance:prevention", Permission.VIEW_FINANCE, anchor="audit")
    if total <= 0:
        return Answer(NOT_MET, f"No budgets recorded for {year}.", "Record the partners' budgets.", link)
    evidence = (
        f"{money(linked)} of {money(total)} ({_share_text(linked, total)}) in {year} names a care group."
    )
    status = MET if linked * 10 >= total * 9 else (PARTLY if linked > 0 else NOT_MET)
    missing = "" if status == MET else "Say which care group each budget line serves."
    return Answer(status, evidence, missing, link)


@question("resources", "forecast_recent", "Is spending forecast and monitored every quarter?")
def _forecast_recent(ctx: Context) -> Answer:
    last = Forecast.objects.filter(budget_line__partnership=ctx.partnership).aggregate(last=Max("made_in"))[
        "last"
    ]
    if last is None:
        return Answer(NOT_MET, "No forecasts recorded.", "Load forecasts of the year's outturn.", BUDGETS)
    evidence = f"The latest forecast was made in {last:%B %Y}."
    age = (ctx.today - last).days
    if age <= 92:
        return Answer(MET, evidence, link=BUDGETS)
    status = PARTLY if age <= 183 else NOT_MET
    return Answer(status, evidence, "Forecast the outturn at least every quarter.", BUDGETS)


# Market and procurement ----------------------------------------------------------------------

PROVIDERS = EvidenceLink("Providers", "providers:list", Permission.VIEW_MARKET)
PROCUREMENTS = EvidenceLink("Procurements", "market:procurements", Permission.VIEW_MARKET)


@question("market", "quality_known", "Is the quality of the providers we buy from known and recent?")
def _quality_known(ctx: Context) -> Answer:
    latest = list(
        Provider.objects.filter(partnership=ctx.partnership, contracts__status=ContractStatus.ACTIVE)
        .distinct()
        .annotate(last=Max("ratings__rated_on"))
        .values_list("last", flat=True)
    )
    if not latest:
        return Answer(
            NOT_MET, "No providers hold active contracts.", "Record providers and their contracts.", PROVIDERS
        )
    recent = sum(1 for day in latest if day is not None and day >= ctx.today - 3 * YEAR)
    evidence = _of(recent, len(latest), "providers with active contracts were rated in the last three years.")
    missing = (
        "" if recent == len(latest) else f"Record a quality rating for {len(latest) - recent} providers."
    )
    return Answer(by_share(recent, len(latest), met_at=0.9), evidence, missing, PROVIDERS)


@question("market", "mixed_market", "Does the market draw on the voluntary sector and social enterprises?")
def _mixed_market(ctx: Context) -> Answer:
    sectors = dict(
        Provider.objects.filter(partnership=ctx.partnership)
        .values_list("sector")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not sectors:
        return Answer(NOT_MET, "No providers recorded.", "Build the provider register.", PROVIDERS)
    labels = dict(Sector.choices)
    evidence = "Providers: " + ", ".join(f"{labels.get(s, s)} {n}" for s, n in sorted(sectors.items())) + "."
    community = sectors.get(Sector.VCSE, 0) + sectors.get(Sector.SOCIAL_ENTERPRISE, 0)
    if len(sectors) >= 3 and community:
        return Answer(MET, evidence, link=PROVIDERS)
    missing = (
        "Develop voluntary, community and social enterprise providers."
        if not community
        else ("Widen the range of sectors providing.")
    )
    return Answer(PARTLY if len(sectors) >= 2 else NOT_MET, evidence, missing, PROVIDERS)


@question("market", "procurement_routes", "Is every procurement's route chosen under the rules and recorded?")
def _procurement_routes(ctx: Context) -> Answer:
    counts = (
        Procurement.objects.filter(partnership=ctx.partnership)
        .exclude(status=ProcurementStatus.CANCELLED)
        .aggregate(total=Count("id"), routed=Count("id", filter=~Q(route="")))
    )
    total, routed = counts["total"], counts["routed"]
    if not total:
        return Answer(
            NOT_MET, "No procurements recorded.", "Run procurements through the platform.", PROCUREMENTS
        )
    missing = "" if routed == total else f"Choose the route for {total - routed} procurements."
    return Answer(
        by_share(routed, total),
        _of(routed, total, "procurements have a recorded route."),
        missing,
        PROCUREMENTS,
    )


@question("market", "weighted_criteria", "Are tenders evaluated against published, weighted criteria?")
def _weighted_criteria(ctx: Context) -> Answer:
    past_notice = [Stage.NOTICE, Stage.BIDS, Stage.EVALUATION, Stage.AWARD, Stage.STANDSTILL, Stage.CONTRACT]
    weights = list(
        Procurement.objects.filter(partnership=ctx.partnership, stage__in=past_notice)
        .exclude(status=ProcurementStatus.CANCELLED)
        .annotate(weight=Sum("criteria__weight"))
        .values_list("weight", flat=True)
    )
    if not weights:
        return Answer(
            NOT_MET,
            "No procurement has published its notice yet.",
            "Publish criteria with the notice.",
            PROCUREMENTS,
        )
    complete = sum(1 for w in weights if w is not None and w == 100)
    evidence = _of(complete, len(weights), "procurements past their notice have criteria weighing 100 %.")
    missing = (
        "" if complete == len(weights) else f"Weight the criteria of {len(weights) - complete} procurements."
    )
    return Answer(by_share(complete, len(weights)), evidence, missing, PROCUREMENTS)


@question(
    "market",
    "intentions_published",
    "Are commissioning intentions published to the market and kept up to date?",
)
def _intentions_published(ctx: Context) -> Answer:
    rows = list(
        MarketStatement.objects.filter(partnership=ctx.partnership)
        .annotate(
            published=Count("versions", filter=Q(versions__status=VersionStatus.PUBLISHED)),
        )
        .values_list("title", "published", "next_review_on")
    )
    link = EvidenceLink("Market position", "strategy:statements", Permission.VIEW_STRATEGY)
    if not rows:
        return Answer(
            NOT_MET,
            "No commissioning intentions or market position statements.",
            "Publish them to providers.",
            link,
        )
    published = [(title, review) for title, count, review in rows if count]
    overdue = [title for title, review in published if review < ctx.today]
    evidence = (
        f"{_of(len(published), len(rows), 'statements')} published; {len(overdue)} past their review date."
    )
    gaps = []
    if len(published) < len(rows):
        gaps.append(f"Publish {_n(len(rows) - len(published), 'more statement')}.")
    if overdue:
        gaps.append(f"Review {_names(overdue)}.")
    status = MET if published and not gaps else (PARTLY if published else NOT_MET)
    return Answer(status, evidence, " ".join(gaps), link)


# Contracts and placements --------------------------------------------------------------------

REGISTER = EvidenceLink("Contract register", "contracts:register", Permission.VIEW_CONTRACTS)


def _active_contracts(ctx: Context) -> dict[str, int]:
    return Contract.objects.filter(partnership=ctx.partnership, status=ContractStatus.ACTIVE).aggregate(
        total=Count("id", distinct=True),
        with_kpis=Count("id", distinct=True, filter=Q(kpis__isnull=False)),
        with_outcomes=Count("id", distinct=True, filter=Q(outcomes__isnull=False)),
        managed=Count("id", distinct=True, filter=Q(contract_manager__isnull=False)),
    )


@question("contracts", "kpis", "Does every active contract have KPIs to monitor it by?")
def _contract_kpis(ctx: Context) -> Answer:
    counts = _active_contracts(ctx)
    total, done = counts["total"], counts["with_kpis"]
    if not total:
        return Answer(NOT_MET, "No active contracts.", "Record the partnership's contracts.", REGISTER)
    missing = "" if done == total else f"Agree KPIs for {total - done} contracts."
    return Answer(
        by_share(done, total, met_at=0.9), _of(done, total, "active contracts have KPIs."), missing, REGISTER
    )


@question("contracts", "outcomes", "Are contracts specified by the outcomes they should achieve?")
def _contract_outcomes(ctx: Context) -> Answer:
    counts = _active_contracts(ctx)
    total, done = counts["total"], counts["with_outcomes"]
    if not total:
        return Answer(NOT_MET, "No active contracts.", "Record the partnership's contracts.", REGISTER)
    missing = "" if done == total else f"Specify outcomes for {total - done} contracts."
    return Answer(
        by_share(done, total, met_at=0.9),
        _of(done, total, "active contracts name their outcomes."),
        missing,
        REGISTER,
    )


@question("contracts", "managed", "Does every active contract have a named contract manager?")
def _contract_managed(ctx: Context) -> Answer:
    counts = _active_contracts(ctx)
    total, done = counts["total"], counts["managed"]
    if not total:
        return Answer(NOT_MET, "No active contracts.", "Record the partnership's contracts.", REGISTER)
    missing = "" if done == total else f"Name a contract manager for {total - done} contracts."
    return Answer(
        by_share(done, total),
        _of(done, total, "active contracts have a contract manager."),
        missing,
        REGISTER,
    )


@question("contracts", "no_duplication", "Is the cross-agency audit of contracts free of duplication?")
def _no_duplication(ctx: Context) -> Answer:
    pairs = possible_duplicates(partnership=ctx.partnership, on=ctx.today)
    link = EvidenceLink("Possible duplicates", "contract_audit:duplicates", Permission.VIEW_CONTRACTS)
    if not Contract.objects.filter(partnership=ctx.partnership, status=ContractStatus.ACTIVE).exists():
        return Answer(NOT_MET, "No active contracts to audit.", "Record the partnership's contracts.", link)
    evidence = f"{_n(len(pairs), 'possible duplicate pair')} among contracts in force."
    if not pairs:
        return Answer(MET, evidence, link=link)
    return Answer(
        PARTLY if len(pairs) <= 3 else NOT_MET,
        evidence,
        "Review the pairs and merge or end duplicates.",
        link,
    )


@question("contracts", "personalised", "Do people hold the money for their own care where they can?")
def _personalised(ctx: Context) -> Answer:
    counts = (
        Placement.objects.filter(partnership=ctx.partnership, starts_on__lte=ctx.today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=ctx.today))
        .aggregate(
            total=Count("id"), self_directed=Count("id", filter=~Q(support_option=SupportOption.ARRANGED))
        )
    )
    total, self_directed = counts["total"], counts["self_directed"]
    link = EvidenceLink("Personalisation", "placements:personalisation", Permission.VIEW_PLACEMENTS)
    if not total:
        return Answer(
            NOT_MET, "No current placements recorded.", "Load placements and packages of care.", link
        )
    evidence = (
        f"{self_directed} of {total} current packages ({self_directed * 100 // total} %) are a direct "
        "payment, personal budget or individual service fund."
    )
    status = by_share(self_directed, total, met_at=1 / 3)
    missing = "" if status == MET else "Offer direct payments and personal budgets more widely."
    return Answer(status, evidence, missing, link)


# Performance ---------------------------------------------------------------------------------

REVIEWS = EvidenceLink("Reviews", "reviews:list", Permission.VIEW_PERFORMANCE)


@question("performance", "returns_on_time", "Do providers send their returns on time?")
def _returns_on_time(ctx: Context) -> Answer:
    kpis = list(
        Kpi.objects.filter(
            contract__partnership=ctx.partnership, contract__status=ContractStatus.ACTIVE
        ).values_list("pk", "frequency", "contract__starts_on", "contract__ends_on")
    )
    received = {
        (kpi_id, start): _localdate(at)
        for kpi_id, start, at in KpiReturn.objects.filter(
            kpi__contract__partnership=ctx.partnership,
            kpi__contract__status=ContractStatus.ACTIVE,
            period_end__gte=ctx.year_ago - dt.timedelta(days=31),
        ).values_list("kpi_id", "period_start", "submitted_at")
    }
    link = EvidenceLink("Late and missing returns", "returns:overdue", Permission.VIEW_PERFORMANCE)
    due = on_time = 0
    for pk, frequency, starts_on, ends_on in kpis:
        for period in expected_periods(frequency, starts_on, ends_on, until=ctx.today):
            if not ctx.year_ago <= period.due < ctx.today:
                continue
            due += 1
            came = received.get((pk, period.start))
            on_time += came is not None and came <= period.due
    if not due:
        return Answer(
            NOT_MET, "No returns fell due in the last year.", "Set KPIs that report during the year.", link
        )
    evidence = f"{on_time} of {due} returns due in the last year came on time ({on_time * 100 // due} %)."
    status = by_share(on_time, due, met_at=0.9, partly_at=0.6)
    missing = "" if status == MET else "Chase late returns and agree reporting dates with providers."
    return Answer(status, evidence, missing, link)


@question("performance", "special_causes_reviewed", "Do special causes of concern lead to a review?")
def _special_causes_reviewed(ctx: Context) -> Answer:
    active = EscalationRule.objects.filter(
        partnership=ctx.partnership, trigger=EscalationTrigger.SPECIAL_CAUSE_CONCERN, is_active=True
    ).exists()
    counts = Review.objects.filter(
        partnership=ctx.partnership, escalation_rule__trigger=EscalationTrigger.SPECIAL_CAUSE_CONCERN
    ).aggregate(
        total=Count("id"),
        waiting=Count(
            "id", filter=Q(status=ReviewStatus.OPEN, opened_at__date__lt=ctx.today - dt.timedelta(days=28))
        ),
    )
    link = EvidenceLink("Escalation rules", "reviews:rules", Permission.MANAGE_PERFORMANCE)
    rule = (
        "A special cause of concern opens a review" if active else "No rule opens a review on a special cause"
    )
    evidence = (
        f"{rule}; {_n(counts['total'], 'review')} opened that way, "
        f"{counts['waiting']} open for more than four weeks."
    )
    if not active:
        status = PARTLY if counts["total"] else NOT_MET
        return Answer(status, evidence, "Turn on escalation for special causes of concern.", link)
    if counts["waiting"]:
        return Answer(PARTLY, evidence, "Hold the reviews that have waited more than four weeks.", REVIEWS)
    return Answer(MET, evidence, link=REVIEWS)


@question("performance", "contracts_reviewed", "Has every active contract been reviewed in the last year?")
def _contracts_reviewed(ctx: Context) -> Answer:
    counts = Contract.objects.filter(partnership=ctx.partnership, status=ContractStatus.ACTIVE).aggregate(
        total=Count("id", distinct=True),
        reviewed=Count("id", distinct=True, filter=Q(reviews__held_on__gte=ctx.year_ago)),
    )
    total, reviewed = counts["total"], counts["reviewed"]
    if not total:
        return Answer(NOT_MET, "No active contracts.", "Record the partnership's contracts.", REVIEWS)
    missing = "" if reviewed == total else f"Hold a review of {total - reviewed} contracts."
    return Answer(
        by_share(reviewed, total, met_at=0.9),
        _of(reviewed, total, "active contracts had a review in the last year."),
        missing,
        REVIEWS,
    )


@question("performance", "remedial_plans", "Does every review rated red have a remedial plan?")
def _remedial_plans(ctx: Context) -> Answer:
    counts = Review.objects.filter(partnership=ctx.partnership).aggregate(
        held=Count("id", filter=~Q(status=ReviewStatus.OPEN)),
        red=Count("id", filter=Q(overall_rating="red")),
        planned=Count("id", filter=Q(overall_rating="red", remedial_plan__isnull=False)),
    )
    if not counts["held"]:
        return Answer(NOT_MET, "No reviews held yet.", "Review contracts and rate what they find.", REVIEWS)
    red, planned = counts["red"], counts["planned"]
    if not red:
        return Answer(MET, f"{counts['held']} reviews held; none rated red.", link=REVIEWS)
    missing = "" if planned == red else f"Agree a remedial plan for {red - planned} red-rated reviews."
    return Answer(
        by_share(planned, red), _of(planned, red, "red-rated reviews have a remedial plan."), missing, REVIEWS
    )


@question(
    "performance", "evaluated", "Is joint commissioning itself evaluated against its measures each year?"
)
def _evaluated(ctx: Context) -> Answer:
    measures = set(
        EvaluationValue.objects.filter(
            partnership=ctx.partnership, financial_year__gte=ctx.financial_year - 1
        )
        .values_list("measure", flat=True)
        .distinct()
    )
    link = EvidenceLink("Evaluation", "performance:evaluation", Permission.VIEW_PERFORMANCE)
    labels = dict(EvaluationMeasure.choices)
    wanted = list(EvaluationMeasure.values)
    missing_measures = [labels[m] for m in wanted if m not in measures]
    evidence = _of(
        len(measures & set(wanted)), len(wanted), "evaluation measures recorded for last year or this."
    )
    missing = f"Record: {_names(missing_measures)}." if missing_measures else ""
    return Answer(by_share(len(measures & set(wanted)), len(wanted)), evidence, missing, link)


# Governance and engagement -------------------------------------------------------------------

DECISIONS = EvidenceLink("Decisions", "governance:decisions", Permission.VIEW_GOVERNANCE)
CONSULTATIONS = EvidenceLink("Consultations", "engagement:consultations", Permission.VIEW_GOVERNANCE)


@question("governance", "board_meets", "Does the joint commissioning board meet four to six times a year?")
def _board_meets(ctx: Context) -> Answer:
    busiest = (
        Meeting.objects.filter(
            board__partnership=ctx.partnership,
            board__kind=BoardKind.BOARD,
            board__is_active=True,
            status=MeetingStatus.HELD,
            starts_at__date__gte=ctx.year_ago,
            starts_at__date__lte=ctx.today,
        )
        .values("board__name")
        .annotate(n=Count("id"))
        .order_by("-n", "board__name")
        .first()
    )
    link = EvidenceLink("Boards and groups", "governance:home", Permission.VIEW_GOVERNANCE)
    if busiest is None:
        return Answer(NOT_MET, "No board meetings held in the last year.", "Hold the board's meetings.", link)
    held = busiest["n"]
    evidence = f"{busiest['board__name']} met {held} times in the last year."
    if held >= 4:
        return Answer(MET, evidence, link=link)
    return Answer(PARTLY, evidence, f"Meet at least four times a year ({4 - held} more).", link)


@question(
    "governance", "decisions_reasoned", "Are decisions recorded with their reasons and the options rejected?"
)
def _decisions_reasoned(ctx: Context) -> Answer:
    counts = Decision.objects.filter(
        partnership=ctx.partnership, state__in=[DecisionState.APPROVED, DecisionState.REJECTED]
    ).aggregate(
        total=Count("id", distinct=True),
        reasoned=Count("id", distinct=True, filter=~Q(reasons="") & Q(rejected_options__isnull=False)),
    )
    total, reasoned = counts["total"], counts["reasoned"]
    if not total:
        return Answer(
            NOT_MET,
            "No decisions taken yet.",
            "Take the partnership's decisions through the platform.",
            DECISIONS,
        )
    missing = (
        "" if reasoned == total else f"Record reasons and rejected options for {total - reasoned} decisions."
    )
    return Answer(
        by_share(reasoned, total),
        _of(reasoned, total, "decisions give reasons and options rejected."),
        missing,
        DECISIONS,
    )


@question("governance", "interests_declared", "Have the board members declared their interests?")
def _interests_declared(ctx: Context) -> Answer:
    members = set(
        BoardMember.objects.filter(
            board__partnership=ctx.partnership, board__is_active=True, left_on__isnull=True
        )
        .values_list("person_id", flat=True)
        .distinct()
    )
    link = EvidenceLink("Interests", "governance:interests", Permission.VIEW_GOVERNANCE)
    if not members:
        return Answer(NOT_MET, "No board members recorded.", "Record the boards and their members.", link)
    declared = set(
        Interest.objects.filter(partnership=ctx.partnership, person_id__in=members)
        .values_list("person_id", flat=True)
        .distinct()
    )
    undeclared = len(members) - len(declared)
    missing = (
        f"{_n(undeclared, 'member has', 'members have')} no declaration on the register."
        if undeclared
        else ""
    )
    return Answer(
        by_share(len(declared), len(members)),
        _of(len(declared), len(members), "board members have declared interests."),
        missing,
        link,
    )


@question(
    "governance", "agreements_reviewed", "Are the partnership's agreements in force and due for review?"
)
def _agreements_reviewed(ctx: Context) -> Answer:
    rows = list(
        Agreement.objects.filter(partnership=ctx.partnership, starts_on__lte=ctx.today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=ctx.today))
        .values_list("title", "review_on")
    )
    link = EvidenceLink("Agreements", "governance:agreements", Permission.VIEW_GOVERNANCE)
    if not rows:
        return Answer(
            NOT_MET, "No agreement in force.", "Record the agreements the partnership runs on.", link
        )
    overdue = [title for title, review_on in rows if review_on is None or review_on < ctx.today]
    evidence = _of(len(rows) - len(overdue), len(rows), "agreements in force have a review date still ahead.")
    missing = f"Review or set a review date for {_names(overdue)}." if overdue else ""
    return Answer(by_share(len(rows) - len(overdue), len(rows)), evidence, missing, link)


@question("governance", "consulted", "Have service users and carers been consulted in the last year?")
def _consulted(ctx: Context) -> Answer:
    recent = list(
        Consultation.objects.filter(
            partnership=ctx.partnership, opens_on__gte=ctx.year_ago, opens_on__lte=ctx.today
        ).values_list("audiences", flat=True)
    )
    if not recent:
        return Answer(
            NOT_MET, "No consultation opened in the last year.", "Consult people on the plans.", CONSULTATIONS
        )
    people = {Audience.SERVICE_USERS, Audience.CARERS}
    with_people = sum(1 for audiences in recent if people & set(audiences or []))
    evidence = (
        f"{_n(len(recent), 'consultation')} opened in the last year; "
        f"{with_people} asked service users or carers."
    )
    if with_people:
        return Answer(MET, evidence, link=CONSULTATIONS)
    return Answer(
        PARTLY, evidence, "Ask service users and carers, not only staff and providers.", CONSULTATIONS
    )


@question(
    "governance", "you_said_we_did", "Does every consultation report back what was done (you said, we did)?"
)
def _you_said_we_did(ctx: Context) -> Answer:
    themes = Theme.objects.filter(
        consultation__partnership=ctx.partnership, consultation__closes_on__lt=ctx.today
    )
    counts = themes.aggregate(
        total=Count("id"),
        answered=Count("id", filter=~Q(we_did="")),
        unpublished=Count("consultation", distinct=True, filter=Q(consultation__is_published=False)),
    )
    link = EvidenceLink("You said, we did", "engagement:you_said_we_did", Permission.VIEW_GOVERNANCE)
    total, answered = counts["total"], counts["answered"]
    if not total:
        return Answer(
            NOT_MET,
            "No themes from closed consultations.",
            "Summarise what people said, and what was done.",
            link,
        )
    evidence = f"{_of(answered, total, 'themes')} from closed consultations say what was done."
    gaps = []
    if answered < total:
        gaps.append(f"Say what was done about {total - answered} themes.")
    if counts["unpublished"]:
        gaps.append(f"Publish {counts['unpublished']} closed consultations.")
    status = by_share(answered, total)
    if status == MET and counts["unpublished"]:
        status = PARTLY
    return Answer(status, evidence, " ".join(gaps), link)


# The assessment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    question: Question
    answer: Answer


@dataclass(frozen=True)
class StageResult:
    stage: StageInfo
    answers: list[Answered]

    @property
    def score(self) -> int | None:
        return maturity.score_bp(a.answer.status for a in self.answers)

    @property
    def level(self) -> str:
        return maturity.level(self.score)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for a in self.answers if a.answer.status == s) for s in maturity.STATUSES}


@dataclass(frozen=True)
class Assessment:
    partnership: Partnership
    today: dt.date
    stages: list[StageResult] = field(default_factory=list)

    @property
    def answers(self) -> list[Answered]:
        return [a for stage in self.stages for a in stage.answers]

    @property
    def score(self) -> int | None:
        return maturity.score_bp(a.answer.status for a in self.answers)

    @property
    def level(self) -> str:
        return maturity.level(self.score)

    def stage_scores(self) -> dict[str, int | None]:
        return {s.stage.key: s.score for s in self.stages}


def assess(partnership: Partnership, *, today: dt.date | None = None) -> Assessment:
    """Every question answered from the partnership's records as they stand on ``today``."""
    ctx = Context(partnership, today or timezone.localdate())
    stages = [
        StageResult(stage, [Answered(q, q.check(ctx)) for q in questions_of(stage.key)]) for stage in STAGES
    ]
    return Assessment(partnership, ctx.today, stages)
