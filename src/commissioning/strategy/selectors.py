"""Reads for the strategy pages, scoped to the partnership, with their evidence read live.

The evidence is the JSNA's own reading of the partnership's home area (``needs.selectors``): the
latest value, its comparison with England and its recent trend, computed for every indicator at
once, so a page's queries do not grow with its priorities or indicators.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from commissioning.governance.models import Decision, DecisionState
from commissioning.needs import presenters
from commissioning.needs import selectors as needs_selectors
from commissioning.needs.models import Indicator
from commissioning.needs.selectors import SpineRow
from commissioning.partners.models import Area, CareGroup, Partnership
from commissioning.strategy.models import (
    Outcome,
    OutcomeFramework,
    OutcomeIndicator,
    Priority,
    PriorityEvidence,
    PriorityStatus,
)

# Frameworks ----------------------------------------------------------------------------------


def frameworks_of(partnership: Partnership) -> QuerySet[OutcomeFramework]:
    """The partnership's frameworks with their care groups and how many outcomes each has."""
    return (
        OutcomeFramework.objects.filter(partnership=partnership)
        .annotate(outcome_count=Count("outcomes", distinct=True))
        .prefetch_related(Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")))
        .order_by("-is_active", "name")
    )


def framework_in(partnership: Partnership, pk: int) -> OutcomeFramework:
    """One framework with its outcomes and their linked indicators; DoesNotExist if not this partnership's."""
    links = OutcomeIndicator.objects.select_related("indicator").order_by("indicator__name")
    outcomes = Outcome.objects.prefetch_related(Prefetch("indicator_links", queryset=links))
    return (
        OutcomeFramework.objects.filter(partnership=partnership)
        .prefetch_related(
            Prefetch("outcomes", queryset=outcomes),
            Prefetch("care_groups", queryset=CareGroup.objects.order_by("position", "name")),
        )
        .get(pk=pk)
    )


def outcome_in(partnership: Partnership, pk: int) -> Outcome:
    return Outcome.objects.select_related("framework").get(framework__partnership=partnership, pk=pk)


def outcomes_of(partnership: Partnership) -> QuerySet[Outcome]:
    """Outcomes of the partnership's active frameworks, for choosing what a priority serves."""
    return (
        Outcome.objects.filter(framework__partnership=partnership, framework__is_active=True)
        .select_related("framework")
        .order_by("framework__name", "position")
    )


def indicators_of(partnership: Partnership) -> QuerySet[Indicator]:
    return Indicator.objects.filter(partnership=partnership).order_by("topic", "name")


def approved_decisions(partnership: Partnership) -> QuerySet[Decision]:
    """Decisions that may agree a priority: the partnership's approved ones, latest first."""
    return Decision.objects.filter(partnership=partnership, state=DecisionState.APPROVED).order_by(
        "-decided_on", "reference"
    )


# Evidence ------------------------------------------------------------------------------------


@dataclass
class Evidence:
    """Each indicator's latest reading for the partnership's home area, by indicator id."""

    area: Area | None
    readings: dict[int, SpineRow] = field(default_factory=dict)

    def get(self, indicator_id: int) -> SpineRow | None:
        return self.readings.get(indicator_id)


def evidence_for(partnership: Partnership, indicator_ids: Iterable[int]) -> Evidence:
    """The JSNA's reading of these indicators for the partnership's home area, read in one pass."""
    wanted = set(indicator_ids)
    if not wanted:
        return Evidence(None)
    try:
        area = needs_selectors.area_for(partnership, needs_selectors.default_area_code(partnership))
    except Area.DoesNotExist:
        return Evidence(None)
    profile = needs_selectors.area_profile(partnership, area)
    return Evidence(area, {row.indicator.pk: row for row in profile.rows if row.indicator.pk in wanted})


# Priorities ----------------------------------------------------------------------------------


def _priorities() -> QuerySet[Priority]:
    evidence = PriorityEvidence.objects.select_related("indicator").order_by("position", "id")
    return Priority.objects.select_related("care_group", "owner", "agreed_by_decision").prefetch_related(
        Prefetch("evidence_links", queryset=evidence),
        Prefetch("outcomes", queryset=Outcome.objects.select_related("framework").order_by("position")),
    )


def priorities_of(partnership: Partnership, *, include_retired: bool = True) -> list[Priority]:
    found = _priorities().filter(partnership=partnership)
    if not include_retired:
        found = found.exclude(status=PriorityStatus.RETIRED)
    return list(found.order_by("care_group__position", "care_group__name", "title"))


def priority_in(partnership: Partnership, pk: int) -> Priority:
    """One priority with its links; DoesNotExist if it is not this partnership's."""
    return _priorities().get(partnership=partnership, pk=pk)


@dataclass
class CareGroupPriorities:
    care_group: CareGroup
    priorities: list[Priority]


@dataclass
class StrategyHome:
    groups: list[CareGroupPriorities]
    frameworks: list[OutcomeFramework]
    evidence: Evidence

    @property
    def priorities(self) -> list[Priority]:
        return [p for g in self.groups for p in g.priorities]


def strategy_home(partnership: Partnership) -> StrategyHome:
    """Priorities grouped by care group (every active care group shown), frameworks, and evidence."""
    priorities = priorities_of(partnership)
    by_group = {
        group_id: list(items)
        for group_id, items in itertools.groupby(priorities, key=lambda p: p.care_group_id)
    }
    care_groups = list(partnership.care_groups.order_by("position", "name"))
    groups = [
        CareGroupPriorities(g, by_group.get(g.pk, [])) for g in care_groups if g.is_active or g.pk in by_group
    ]
    indicator_ids = {link.indicator_id for p in priorities for link in p.evidence_links.all()}
    return StrategyHome(groups, list(frameworks_of(partnership)), evidence_for(partnership, indicator_ids))


def is_concern(reading: SpineRow | None) -> bool:
    """Worse than England or getting worse: what makes an indicator a case for a priority."""
    if reading is None:
        return False
    return reading.england_tag.family == "worse" or presenters.is_getting_worse(reading.trend)
