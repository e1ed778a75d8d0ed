"""Reads for priority-setting rounds, scoped to the partnership, in a fixed number of queries.

The panel's mean per option and criterion leaves out the scores of anyone who declared an interest
in that option; the optimiser and the sensitivity to the weights read the same inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, QuerySet

from commissioning.core.models import User
from commissioning.governance.models import Decision, DecisionState
from commissioning.partners.models import Partnership
from commissioning.strategy import portfolio
from commissioning.strategy.models import (
    OptimisationRun,
    OptionKind,
    PanelInterest,
    PanelMember,
    PanelScore,
    PriorityRound,
    RoundCriterion,
    RoundOption,
)

MEAN_PLACES = Decimal("0.01")
SENSITIVITY_STEPS = (10, 20)
"""Each weight is moved by these many points either way; the table shows the first."""


def rounds_of(partnership: Partnership) -> QuerySet[PriorityRound]:
    """The partnership's rounds, newest year first, with how many options and panel members each has."""
    return (
        PriorityRound.objects.filter(partnership=partnership)
        .select_related("decision")
        .annotate(option_count=Count("options", distinct=True), member_count=Count("panel", distinct=True))
        .order_by("-financial_year", "name")
    )


def round_in(partnership: Partnership, pk: int) -> PriorityRound:
    """One round of the partnership; DoesNotExist otherwise."""
    return PriorityRound.objects.select_related("partnership", "decision").get(partnership=partnership, pk=pk)


def option_in(partnership: Partnership, round_pk: int, pk: int) -> RoundOption:
    return RoundOption.objects.select_related("round__partnership").get(
        round__partnership=partnership, round_id=round_pk, pk=pk
    )


def member_in(partnership: Partnership, round_pk: int, pk: int) -> PanelMember:
    return PanelMember.objects.select_related("round__partnership", "user").get(
        round__partnership=partnership, round_id=round_pk, pk=pk
    )


def panel_candidates(partnership: Partnership) -> QuerySet[User]:
    """People who can sit on a panel: those holding a role in the partnership other than provider contact."""
    return (
        User.objects.filter(memberships__partnership=partnership, is_active=True)
        .exclude(memberships__partnership=partnership, memberships__role="provider_contact")
        .distinct()
        .order_by("full_name", "username")
    )


def decisions_for(partnership: Partnership) -> QuerySet[Decision]:
    """Decisions that may adopt a round's result: the partnership's proposed or approved ones."""
    return Decision.objects.filter(
        partnership=partnership, state__in=[DecisionState.PROPOSED, DecisionState.APPROVED]
    ).order_by("-created_at", "reference")


# The optimiser's inputs ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInputs:
    """Everything the pure optimiser needs, keyed by option id and scorer username."""

    options: list[portfolio.Option]
    criteria: list[portfolio.Criterion]
    scores: list[portfolio.Score]
    excluded: list[portfolio.Score]
    scale: tuple[int, int]
    budget: Decimal
    min_prevention_share: Decimal | None


def _inputs(
    round_: PriorityRound,
    options: Sequence[RoundOption],
    criteria: Sequence[RoundCriterion],
    scores: Sequence[PanelScore],
    conflicts: set[tuple[int, int]],
) -> RoundInputs:
    kept: list[portfolio.Score] = []
    excluded: list[portfolio.Score] = []
    keys = {c.pk: c.key for c in criteria}
    for s in scores:
        score = portfolio.Score(str(s.option_id), s.member.user.username, keys[s.criterion_id], s.score)
        (excluded if (s.member_id, s.option_id) in conflicts else kept).append(score)
    share = round_.min_prevention_share / 100 if round_.min_prevention_share else None
    return RoundInputs(
        options=[
            portfolio.Option(
                key=str(o.pk),
                title=o.title,
                cost=o.net_cost,
                people=o.people,
                is_prevention=o.is_prevention,
                must_do=o.must_do,
                exclusive_group=o.exclusive_group or None,
                care_group=o.care_group.name if o.care_group else "",
            )
            for o in options
        ],
        criteria=[portfolio.Criterion(c.key, c.label, c.weight) for c in criteria],
        scores=kept,
        excluded=excluded,
        scale=(0, round_.scale_top),
        budget=round_.budget,
        min_prevention_share=share,
    )


def round_inputs(round_: PriorityRound) -> RoundInputs:
    """The optimiser's inputs for a round, without the scores of conflicted panel members (4 queries)."""
    options = list(round_.options.select_related("care_group").order_by("title"))
    criteria = list(round_.criteria.all())
    scores = list(PanelScore.objects.filter(member__round=round_).select_related("member__user"))
    conflicts = set(PanelInterest.objects.filter(member__round=round_).values_list("member_id", "option_id"))
    return _inputs(round_, options, criteria, scores, conflicts)


def inputs_hash(inputs: RoundInputs) -> str:
    """A fingerprint of everything the optimiser reads, so two runs on the same inputs can be told apart."""
    data = {
        "budget": str(inputs.budget),
        "share": str(inputs.min_prevention_share),
        "scale": list(inputs.scale),
        "criteria": [[c.key, str(c.weight)] for c in inputs.criteria],
        "options": [
            [o.key, str(o.cost), o.people, o.is_prevention, o.must_do, o.exclusive_group or ""]
            for o in inputs.options
        ],
        "scores": sorted([s.option_key, s.scorer, s.criterion_key, int(s.score)] for s in inputs.scores),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# The round page ------------------------------------------------------------------------------


@dataclass
class OptionRow:
    option: RoundOption
    means: list[Decimal | None]
    benefit: Decimal | None
    scorers: int
    conflicted: list[str]


@dataclass
class MemberRow:
    member: PanelMember
    interests: list[PanelInterest]
    scored: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.scored >= self.expected


@dataclass
class RoundPage:
    round: PriorityRound
    criteria: list[RoundCriterion]
    weights_total: Decimal
    options: list[OptionRow]
    members: list[MemberRow]
    scored: int
    expected: int
    me: PanelMember | None
    latest: OptimisationRun | None
    invest_total: Decimal = Decimal(0)
    release_total: Decimal = Decimal(0)
    inputs: RoundInputs | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.scored >= self.expected

    @property
    def percent_scored(self) -> int:
        return int(self.scored * 100 / self.expected) if self.expected else 0


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(MEAN_PLACES, rounding=ROUND_HALF_UP)


def round_page(partnership: Partnership, pk: int, user: User) -> RoundPage:
    """A round with its criteria, options and the panel's means, the panel with interests and progress."""
    round_ = round_in(partnership, pk)
    criteria = list(round_.criteria.all())
    options = list(round_.options.select_related("care_group", "priority").order_by("title"))
    members = list(
        round_.panel.select_related("user").prefetch_related(
            Prefetch("interests", queryset=PanelInterest.objects.select_related("option", "register_entry"))
        )
    )
    scores = list(PanelScore.objects.filter(member__round=round_).select_related("member__user"))
    latest = round_.runs.select_related("run_by").prefetch_related("chosen").first()
    conflicts = {(m.pk, i.option_id) for m in members for i in m.interests.all()}
    inputs = _inputs(round_, options, criteria, scores, conflicts)
    weights = {c.pk: c.weight for c in criteria}
    by_cell: dict[tuple[int, int], list[int]] = {}
    scorers: dict[int, set[int]] = {}
    per_member: dict[int, int] = {}
    for s in scores:
        if (s.member_id, s.option_id) in conflicts:
            continue
        by_cell.setdefault((s.option_id, s.criterion_id), []).append(s.score)
        scorers.setdefault(s.option_id, set()).add(s.member_id)
        per_member[s.member_id] = per_member.get(s.member_id, 0) + 1
    conflicted_names: dict[int, list[str]] = {}
    for m in members:
        for i in m.interests.all():
            conflicted_names.setdefault(i.option_id, []).append(m.user.display_name)
    rows = []
    for option in options:
        means = [_mean(by_cell.get((option.pk, c.pk), [])) for c in criteria]
        benefit = None
        if criteria and all(m is not None for m in means):
            benefit = sum(
                (
                    Decimal(sum(by_cell[(option.pk, c.pk)]))
                    / len(by_cell[(option.pk, c.pk)])
                    * weights[c.pk]
                    / 100
                    for c in criteria
                ),
                Decimal(0),
            ).quantize(portfolio.BENEFIT_PLACES, rounding=ROUND_HALF_UP)
            if option.kind == OptionKind.DISINVESTMENT:
                benefit = -benefit
        rows.append(
            OptionRow(
                option, means, benefit, len(scorers.get(option.pk, ())), conflicted_names.get(option.pk, [])
            )
        )
    member_rows = []
    for m in members:
        free = len(options) - len({i.option_id for i in m.interests.all()})
        member_rows.append(
            MemberRow(m, list(m.interests.all()), per_member.get(m.pk, 0), free * len(criteria))
        )
    return RoundPage(
        round=round_,
        criteria=criteria,
        weights_total=sum((c.weight for c in criteria), Decimal(0)),
        options=rows,
        members=member_rows,
        scored=sum(min(r.scored, r.expected) for r in member_rows),
        expected=sum(r.expected for r in member_rows),
        me=next((m for m in members if m.user_id == user.pk), None),
        latest=latest,
        invest_total=sum((o.amount for o in options if o.kind == OptionKind.INVESTMENT), Decimal(0)),
        release_total=sum((o.amount for o in options if o.kind == OptionKind.DISINVESTMENT), Decimal(0)),
        inputs=inputs,
    )


# Scoring grid --------------------------------------------------------------------------------


@dataclass
class ScoringGrid:
    round: PriorityRound
    member: PanelMember
    options: list[RoundOption]
    criteria: list[RoundCriterion]
    scores: dict[tuple[int, int], PanelScore]
    conflicted: set[int]


def scoring_grid(partnership: Partnership, pk: int, user: User) -> ScoringGrid:
    """The signed-in panel member's grid; DoesNotExist if the round is not theirs to score."""
    round_ = round_in(partnership, pk)
    member = PanelMember.objects.select_related("user").get(round=round_, user=user)
    return ScoringGrid(
        round=round_,
        member=member,
        options=list(round_.options.select_related("care_group").order_by("title")),
        criteria=list(round_.criteria.all()),
        scores={(s.option_id, s.criterion_id): s for s in member.scores.all()},
        conflicted=set(member.interests.values_list("option_id", flat=True)),
    )


# Results -------------------------------------------------------------------------------------


@dataclass
class ResultRow:
    option: RoundOption
    chosen: bool
    benefit: Decimal | None
    reason: str


@dataclass
class Results:
    round: PriorityRound
    run: OptimisationRun | None
    rows: list[ResultRow]
    invested: Decimal
    released: Decimal
    prevention_invested: Decimal
    current: bool
    sensitivity: dict[int, portfolio.Sensitivity]
    sensitivity_error: str
    titles: dict[str, str]


def results(partnership: Partnership, pk: int) -> Results:
    """The latest stored run with each option's reason, and how the portfolio moves with the weights."""
    round_ = round_in(partnership, pk)
    run = round_.runs.select_related("run_by").prefetch_related("chosen").first()
    options = list(round_.options.select_related("care_group", "priority").order_by("title"))
    inputs = _inputs(
        round_,
        options,
        list(round_.criteria.all()),
        list(PanelScore.objects.filter(member__round=round_).select_related("member__user")),
        set(PanelInterest.objects.filter(member__round=round_).values_list("member_id", "option_id")),
    )
    chosen = {o.pk for o in run.chosen.all()} if run else set()
    rows = [
        ResultRow(
            option=o,
            chosen=o.pk in chosen,
            benefit=Decimal(run.benefits[str(o.pk)]) if run and str(o.pk) in run.benefits else None,
            reason=run.explanations.get(str(o.pk), "Added after this run.") if run else "",
        )
        for o in options
    ]
    rows.sort(key=lambda r: (not r.chosen, -(r.benefit or Decimal(0)), r.option.title))
    picked = [r.option for r in rows if r.chosen]
    sens: dict[int, portfolio.Sensitivity] = {}
    error = ""
    if run is not None:
        try:
            for step in SENSITIVITY_STEPS:
                sens[step] = portfolio.sensitivity(
                    inputs.options,
                    inputs.criteria,
                    inputs.scores,
                    budget=inputs.budget,
                    min_prevention_share=inputs.min_prevention_share,
                    scale=inputs.scale,
                    step=step,
                )
        except portfolio.PortfolioError as problem:
            sens, error = {}, " ".join(problem.messages)
    return Results(
        round=round_,
        run=run,
        rows=rows,
        invested=sum((o.amount for o in picked if o.kind == OptionKind.INVESTMENT), Decimal(0)),
        released=sum((o.amount for o in picked if o.kind == OptionKind.DISINVESTMENT), Decimal(0)),
        prevention_invested=sum(
            (o.amount for o in picked if o.kind == OptionKind.INVESTMENT and o.is_prevention), Decimal(0)
        ),
        current=run is not None and run.inputs_hash == inputs_hash(inputs),
        sensitivity=sens,
        sensitivity_error=error,
        titles={str(o.pk): o.title for o in options},
    )
