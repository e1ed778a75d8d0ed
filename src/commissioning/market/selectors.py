"""Reads for the procurement pages, scoped to the partnership, with bids for the panel only.

Bids, scores and the evaluation are commercial in confidence: ``can_see_bids`` is true only for a
person on that procurement's panel (evaluator, moderator or named officer) who still holds a role in
the partnership that sees its market. Administrators and commissioners not on the panel do not see
them; ``bids_for`` and ``evaluation_for`` refuse them with ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from commissioning.core.models import User
from commissioning.core.permissions import ROLE_PERMISSIONS, Permission
from commissioning.market import evaluation, routes, rules, services
from commissioning.market.models import (
    STAGE_ORDER,
    Bid,
    Criterion,
    Milestone,
    ModeratedScore,
    PanelMember,
    Procurement,
    ProcurementStatus,
    Score,
    Stage,
)
from commissioning.partners.models import CareGroup, Organisation, Partnership
from commissioning.partners.permissions import has_permission
from commissioning.partners.selectors import care_groups_in

# Choices for forms ---------------------------------------------------------------------------


def commissioning_bodies_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The host and partners, who procure for the partnership."""
    ids = [org.pk for org in services.commissioning_bodies(partnership)]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return care_groups_in(partnership)


def people_of(partnership: Partnership) -> QuerySet[User]:
    """People with a role in the partnership that sees its market: who may sit on a panel."""
    roles = [role.value for role, granted in ROLE_PERMISSIONS.items() if Permission.VIEW_MARKET in granted]
    return (
        User.objects.filter(memberships__partnership=partnership, memberships__role__in=roles, is_active=True)
        .distinct()
        .order_by("full_name", "username")
    )


def organisations_for_bids() -> QuerySet[Organisation]:
    """Organisations that may bid: providers (NHS trusts, voluntary and private), by name."""
    return Organisation.objects.exclude(kind__in=Organisation.COMMISSIONING_KINDS).order_by("name")


# Procurements ------------------------------------------------------------------------------


def procurements_in(partnership: Partnership) -> QuerySet[Procurement]:
    """The partnership's procurements, newest first, with what the list shows."""
    return (
        Procurement.objects.filter(partnership=partnership)
        .select_related("commissioning_body", "care_group", "rule__rule_set", "awarded_bid__bidder")
        .order_by("-starts_on", "reference")
    )


def procurement_in(partnership: Partnership, pk: int) -> Procurement:
    """A procurement of this partnership; another partnership's is ``DoesNotExist`` (a 404)."""
    return procurements_in(partnership).get(pk=pk)


def bid_in(procurement: Procurement, pk: int) -> Bid:
    return Bid.objects.select_related("bidder", "procurement__partnership").get(
        procurement=procurement, pk=pk
    )


def criteria_of(procurement: Procurement) -> list[Criterion]:
    return list(Criterion.objects.filter(procurement=procurement).order_by("position", "id"))


def panel_of(procurement: Procurement) -> list[PanelMember]:
    return list(PanelMember.objects.filter(procurement=procurement).select_related("user"))


def can_see_bids(user: Any, procurement: Procurement) -> bool:
    """True only for the procurement's panel: evaluators, moderators and named officers.

    Being an administrator or a commissioner is not enough: commercial-in-confidence bids are seen
    by the people named on this procurement, who must also still see the partnership's market.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if not services.panel_roles(user, procurement):
        return False
    return has_permission(user, Permission.VIEW_MARKET, partnership=procurement.partnership)


def _require_bids(user: Any, procurement: Procurement) -> None:
    if not can_see_bids(user, procurement):
        raise PermissionDenied(
            f"Bids for {procurement.reference} are commercial in confidence: only its evaluation panel "
            "and named officers see them."
        )


def bids_for(user: Any, procurement: Procurement) -> QuerySet[Bid]:
    """The bids, for the panel only; anyone else is refused with ``PermissionDenied``."""
    _require_bids(user, procurement)
    return Bid.objects.filter(procurement=procurement).select_related("bidder").order_by("bidder__name")


# The procurement page ----------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    required: bool
    minimum: str  # the rule's minimum, in words, or "" for a stage outside the timeline
    planned_on: dt.date | None
    earliest_on: dt.date | None  # the rule's earliest date given the stages reached so far
    reached_on: dt.date | None
    note: str
    state: str  # "done", "current", "next", "to_do", "not_needed"

    @property
    def days_late(self) -> int | None:
        """Days after the plan it was reached (negative: early), or None if not both known."""
        if self.reached_on is None or self.planned_on is None:
            return None
        return (self.reached_on - self.planned_on).days

    @property
    def is_late(self) -> bool:
        return (self.days_late or 0) > 0

    @property
    def is_early(self) -> bool:
        return (self.days_late or 0) < 0

    @property
    def overdue(self) -> bool:
        """Not reached, and its planned date has passed."""
        return (
            self.reached_on is None and self.planned_on is not None and self.planned_on < timezone.localdate()
        )


@dataclass(frozen=True)
class Notice:
    name: str
    days: int
    working_days: bool
    before: str

    @property
    def when(self) -> str:
        label = Stage(self.before).label.lower() if self.before in STAGE_ORDER else self.before
        if not self.days:
            return f"at {label}"
        unit = "working days" if self.working_days else "days"
        return f"at least {self.days} {unit} before {label}"


@dataclass(frozen=True)
class Step:
    label: str
    minimum_days: int
    working_days: bool
    earliest_on: dt.date


@dataclass(frozen=True)
class RouteView:
    """A route decision as the pages show it, from the engine or from what a procurement stored."""

    route_name: str
    rule_set_name: str
    source: str
    notices: list[Notice]
    timeline: list[Step]
    explanation: list[str]
    standstill_working_days: int
    earliest_contract_on: dt.date | None


def route_view(decision: rules.Decision) -> RouteView:
    return RouteView(
        route_name=decision.route_name,
        rule_set_name=decision.rule_set_name,
        source=decision.source,
        notices=[Notice(**notice) for notice in decision.notices_json()],
        timeline=[Step(s.label, s.minimum_days, s.working_days, s.earliest_on) for s in decision.timeline],
        explanation=list(decision.explanation),
        standstill_working_days=decision.standstill_working_days,
        earliest_contract_on=decision.earliest_contract_on,
    )


def stored_route(procurement: Procurement) -> RouteView:
    """The route the procurement was decided under, as stored (later rule changes do not alter it)."""
    rule = procurement.rule
    timeline = [
        Step(s["label"], s["minimum_days"], s["working_days"], dt.date.fromisoformat(s["earliest_on"]))
        for s in procurement.timeline
    ]
    return RouteView(
        route_name=rule.route_name if rule is not None else procurement.route,
        rule_set_name=rule.rule_set.name if rule is not None else "",
        source=rule.rule_set.source if rule is not None else "",
        notices=[Notice(**notice) for notice in (rule.notices if rule is not None else [])],
        timeline=timeline,
        explanation=[line for line in procurement.route_explanation.splitlines() if line.strip()],
        standstill_working_days=rule.standstill_working_days if rule is not None else 0,
        earliest_contract_on=timeline[-1].earliest_on if timeline else None,
    )


@dataclass
class ProcurementPage:
    procurement: Procurement
    stages: list[StageRow]
    route: RouteView
    criteria: list[Criterion]
    weight_total: Decimal
    panel: list[PanelMember]
    can_see_bids: bool
    my_roles: set[str]
    next_stage: StageRow | None
    evaluation: Evaluation | None = None
    bid_count: int = 0


def _stage_rows(procurement: Procurement) -> list[StageRow]:
    milestones = {m.stage: m for m in Milestone.objects.filter(procurement=procurement)}
    reached = {stage: m.reached_on for stage, m in milestones.items() if m.reached_on is not None}
    required = set(services.required_stages(procurement))
    in_timeline = {step["stage"] for step in procurement.timeline}
    current = STAGE_ORDER.index(procurement.stage)
    rows: list[StageRow] = []
    next_found = procurement.status == ProcurementStatus.CANCELLED
    for index, stage in enumerate(STAGE_ORDER):
        milestone = milestones.get(stage)
        reached_on = milestone.reached_on if milestone else None
        if reached_on is not None:
            state = "current" if index == current else "done"
        elif index < current:
            state = "not_needed"
        elif not next_found and (stage in required or index == current + 1):
            state, next_found = "next", True
        else:
            state = "to_do" if stage in required else "not_needed"
        rows.append(
            StageRow(
                stage=stage,
                label=Stage(stage).label,
                required=stage in required,
                minimum=services.minimum_text(procurement, stage) if stage in in_timeline else "",
                planned_on=milestone.planned_on if milestone else None,
                earliest_on=services.earliest_for(procurement, stage, reached)
                if reached_on is None
                else None,
                reached_on=reached_on,
                note=milestone.note if milestone else "",
                state=state,
            )
        )
    return rows


def procurement_page(user: Any, procurement: Procurement) -> ProcurementPage:
    """Everything the procurement page shows; the bids and evaluation only for its panel."""
    stages = _stage_rows(procurement)
    criteria = criteria_of(procurement)
    sees = can_see_bids(user, procurement)
    page = ProcurementPage(
        procurement=procurement,
        stages=stages,
        route=stored_route(procurement),
        criteria=criteria,
        weight_total=sum((c.weight for c in criteria), Decimal(0)),
        panel=panel_of(procurement),
        can_see_bids=sees,
        my_roles=services.panel_roles(user, procurement),
        next_stage=next((row for row in stages if row.state == "next"), None),
    )
    if sees:
        page.evaluation = evaluation_for(user, procurement)
        page.bid_count = len(page.evaluation.bids)
    return page


# The evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScores:
    criterion: Criterion
    raw: list[tuple[str, Decimal, str]]  # (evaluator's name, score, comment)
    mean: Decimal | None
    moderated: Decimal | None
    rationale: str


@dataclass
class BidEvaluation:
    bid: Bid
    criteria: list[CriterionScores]
    weighted: Decimal | None  # out of 100, once moderated on every criterion
    so_far: Decimal  # weighted over the criteria moderated so far
    rank: int | None = None
    evaluated: bool = True

    @property
    def complete(self) -> bool:
        return self.weighted is not None


@dataclass
class Evaluation:
    procurement: Procurement
    criteria: list[Criterion]
    evaluators: list[str]
    bids: list[BidEvaluation] = field(default_factory=list)

    @property
    def ready_to_award(self) -> bool:
        evaluated = [b for b in self.bids if b.evaluated]
        return bool(evaluated) and bool(self.criteria) and all(b.complete for b in evaluated)

    @property
    def ranked(self) -> list[BidEvaluation]:
        return sorted(self.bids, key=lambda b: (b.rank is None, b.rank or 0, b.bid.bidder.name))


def evaluation_for(user: Any, procurement: Procurement) -> Evaluation:
    """Per bid: each evaluator's raw scores beside the moderated score, the weighted total and the rank.

    The weighted score is Σ(moderated score ÷ highest score × weight), out of 100; bids not under
    evaluation (not compliant, withdrawn) are listed but not ranked. Four queries, whatever the size.
    """
    _require_bids(user, procurement)
    criteria = criteria_of(procurement)
    bids = list(
        Bid.objects.filter(procurement=procurement)
        .select_related("bidder")
        .prefetch_related(
            Prefetch(
                "scores", queryset=Score.objects.select_related("evaluator").order_by("evaluator__username")
            ),
            Prefetch("moderated_scores", queryset=ModeratedScore.objects.all()),
        )
        .order_by("bidder__name")
    )
    spec = [(c.pk, c.weight, c.max_score) for c in criteria]
    evaluators: set[str] = set()
    rows: list[BidEvaluation] = []
    for bid in bids:
        raw: dict[int, list[tuple[str, Decimal, str]]] = defaultdict(list)
        for score in bid.scores.all():
            name = score.evaluator.display_name
            evaluators.add(name)
            raw[score.criterion_id].append((name, score.score, score.comment))
        moderated = {m.criterion_id: m for m in bid.moderated_scores.all()}
        values = {pk: m.score for pk, m in moderated.items()}
        rows.append(
            BidEvaluation(
                bid=bid,
                criteria=[
                    CriterionScores(
                        criterion=c,
                        raw=raw.get(c.pk, []),
                        mean=evaluation.mean(s for _, s, _ in raw.get(c.pk, [])),
                        moderated=values.get(c.pk),
                        rationale=moderated[c.pk].rationale if c.pk in moderated else "",
                    )
                    for c in criteria
                ],
                weighted=evaluation.weighted_score(values, spec),
                so_far=evaluation.partial_score(values, spec),
                evaluated=bid.status in services.EVALUATED,
            )
        )
    ranks = evaluation.ranks({row.bid.pk: row.weighted for row in rows if row.evaluated})
    for row in rows:
        row.rank = ranks.get(row.bid.pk)
    return Evaluation(procurement=procurement, criteria=criteria, evaluators=sorted(evaluators), bids=rows)


def bid_scores(user: Any, bid: Bid) -> dict[int, tuple[Decimal, str]]:
    """The user's own scores of a bid, by criterion id, to fill the scoring form."""
    _require_bids(user, bid.procurement)
    return {
        row.criterion_id: (row.score, row.comment) for row in Score.objects.filter(bid=bid, evaluator=user)
    }


# The list ------------------------------------------------------------------------------------


LIST_HEADERS = (
    "Reference",
    "Title",
    "Service",
    "Category",
    "Commissioning body",
    "Estimated value (£)",
    "Contract months",
    "Starts on",
    "Route",
    "Rule set",
    "Stage",
    "Status",
    "Awarded on",
)


def procurement_rows(partnership: Partnership) -> list[tuple[Any, ...]]:
    """The list as rows for CSV and Excel. The winner is not shown: the award notice publishes it."""
    return [
        (
            p.reference,
            p.title,
            p.get_service_type_display(),
            p.get_category_display(),
            p.commissioning_body.name,
            p.estimated_value,
            p.contract_months,
            p.starts_on,
            p.rule.route_name if p.rule else p.route,
            p.rule.rule_set.name if p.rule else "",
            p.get_stage_display(),
            p.get_status_display(),
            p.awarded_on,
        )
        for p in procurements_in(partnership)
    ]


def stage_counts(partnership: Partnership) -> dict[str, int]:
    """How many procurements in progress are at each stage."""
    rows = (
        Procurement.objects.filter(partnership=partnership, status=ProcurementStatus.ACTIVE)
        .values("stage")
        .annotate(n=Count("id"))
    )
    return {row["stage"]: row["n"] for row in rows}


# The route check ---------------------------------------------------------------------------


def route_check(
    partnership: Partnership,
    *,
    category: str,
    commissioning_body: Organisation,
    estimated_value: Decimal,
    starts_on: dt.date,
    vcse_only: bool = False,
    conditions: Any = (),
) -> RouteView:
    """The engine's decision for facts typed in, saving nothing; raises ``ValueError`` (no route) if none."""
    facts = rules.Facts(
        category=category,
        body_kind=routes.body_kind_of(commissioning_body),
        value=estimated_value,
        starts_on=starts_on,
        provider_sector="vcse" if vcse_only else None,
        conditions=frozenset(conditions or ()),
    )
    return route_view(routes.route_for(partnership=partnership, facts=facts))


def timeline_figure(stages: list[StageRow]) -> dict[str, Any]:
    """A Plotly figure (plain JSON) of each stage's planned (rule minimum) and actual dates."""
    shown = [row for row in stages if row.planned_on or row.reached_on]
    labels = [row.label for row in shown]

    def trace(name: str, days: list[dt.date | None], colour: str, symbol: str) -> dict[str, Any]:
        return {
            "type": "scatter",
            "mode": "markers",
            "name": name,
            "x": [day.isoformat() if day else None for day in days],
            "y": labels,
            "marker": {"color": colour, "size": 12, "symbol": symbol},
        }

    return {
        "data": [
            trace("Earliest under the rules", [row.planned_on for row in shown], "#768692", "line-ns-open"),
            trace("Reached", [row.reached_on for row in shown], "#005EB8", "circle"),
        ],
        "layout": {
            "template": "none",
            "height": 60 + 40 * max(len(shown), 1),
            "margin": {"l": 180, "r": 20, "t": 10, "b": 40},
            "xaxis": {"type": "date"},
            "yaxis": {"autorange": "reversed"},
            "legend": {"orientation": "h", "y": -0.2},
            "font": {"family": "Frutiger W01, Arial, sans-serif", "color": "#212B32"},
        },
        "config": {"displaylogo": False, "responsive": True},
    }
