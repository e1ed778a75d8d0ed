"""Reads for the market position pages, scoped to the partnership, in a fixed number of queries.

Signed-in pages see every version; the public ones only published versions, read from their
frozen content, never the live data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from commissioning.contracts.models import Contract
from commissioning.governance.models import Decision
from commissioning.governance.rules import financial_year_label
from commissioning.partners.models import Area, CareGroup, Partnership
from commissioning.strategy import market_position, strategy_selectors
from commissioning.strategy import market_position_figures as figures
from commissioning.strategy.models import (
    CommissioningStrategy,
    Intention,
    MarketStatement,
    StatementVersion,
    StrategicObjective,
    VersionStatus,
)


def _versions() -> QuerySet[StatementVersion]:
    return StatementVersion.objects.select_related("decision").order_by("-number")


def _annotate(statement: MarketStatement, on: dt.date) -> MarketStatement:
    versions = list(statement.versions.all())
    latest = versions[0] if versions else None
    statement.latest = latest  # type: ignore[attr-defined]
    statement.state = market_position.version_state(latest) if latest else VersionStatus.DRAFT  # type: ignore[attr-defined]
    statement.state_label = market_position.state_label(statement.state)  # type: ignore[attr-defined]
    statement.published = next(  # type: ignore[attr-defined]
        (v for v in versions if v.status == VersionStatus.PUBLISHED), None
    )
    statement.overdue = statement.next_review_on < on  # type: ignore[attr-defined]
    statement.year_label = financial_year_label(statement.financial_year)  # type: ignore[attr-defined]
    return statement


@dataclass
class CareGroupStatements:
    care_group: CareGroup
    statements: list[MarketStatement]


def statements_by_care_group(
    partnership: Partnership, *, on: dt.date | None = None
) -> list[CareGroupStatements]:
    """Every active care group (and any inactive one with a statement) with its statements (3 queries)."""
    on = on or market_position.today()
    found = [
        _annotate(s, on)
        for s in MarketStatement.objects.filter(partnership=partnership)
        .select_related("care_group")
        .prefetch_related(Prefetch("versions", queryset=_versions()))
        .order_by("care_group__position", "kind", "-financial_year")
    ]
    by_group: dict[int, list[MarketStatement]] = {}
    for statement in found:
        by_group.setdefault(statement.care_group_id, []).append(statement)
    groups = partnership.care_groups.order_by("position", "name")
    return [CareGroupStatements(g, by_group.get(g.pk, [])) for g in groups if g.is_active or g.pk in by_group]


def statement_in(partnership: Partnership, pk: int) -> MarketStatement:
    """One statement with its versions, their commentary and intentions; DoesNotExist if not ours."""
    intentions = Intention.objects.select_related("area", "objective", "contract")
    versions = _versions().prefetch_related("commentary", Prefetch("intentions", queryset=intentions))
    statement = (
        MarketStatement.objects.filter(partnership=partnership)
        .select_related("care_group", "partnership")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .get(pk=pk)
    )
    return _annotate(statement, market_position.today())


def version_in(partnership: Partnership, pk: int) -> StatementVersion:
    return StatementVersion.objects.select_related(
        "statement", "statement__partnership", "statement__care_group", "decision"
    ).get(statement__partnership=partnership, pk=pk)


def intention_in(partnership: Partnership, pk: int) -> Intention:
    return Intention.objects.select_related("version", "version__statement__partnership").get(
        version__statement__partnership=partnership, pk=pk
    )


def statement_decisions(partnership: Partnership) -> QuerySet[Decision]:
    return strategy_selectors.strategy_decisions(partnership)


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return partnership.care_groups.filter(is_active=True).order_by("position", "name")


def strategies_of(partnership: Partnership) -> QuerySet[CommissioningStrategy]:
    return CommissioningStrategy.objects.filter(partnership=partnership).select_related("care_group")


def objectives_of(partnership: Partnership, care_group_id: int) -> QuerySet[StrategicObjective]:
    return StrategicObjective.objects.filter(
        strategy__partnership=partnership, strategy__care_group_id=care_group_id
    ).select_related("strategy")


def contracts_of(partnership: Partnership, care_group_id: int) -> QuerySet[Contract]:
    return Contract.objects.filter(partnership=partnership, care_group_id=care_group_id).order_by("reference")


def areas_of(partnership: Partnership) -> QuerySet[Area]:
    return partnership.areas.order_by("name")


@dataclass
class VersionChanges:
    version: StatementVersion
    state_label: str
    changes: list[figures.Change] = field(default_factory=list)


def history(statement: MarketStatement) -> list[VersionChanges]:
    """Each version, newest first, with what it changed against the one before it."""
    versions = sorted(statement.versions.all(), key=lambda v: v.number)
    out: list[VersionChanges] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        content = market_position.content_of(version)
        out.append(
            VersionChanges(
                version,
                market_position.state_label(market_position.version_state(version)),
                figures.changes(previous, content) if previous is not None else [],
            )
        )
        previous = content
    return list(reversed(out))


# Public --------------------------------------------------------------------------------------


def published_statements(partnership: Partnership) -> list[StatementVersion]:
    """The latest published version of each statement, for the public index (1 query)."""
    versions = (
        StatementVersion.objects.filter(statement__partnership=partnership, status=VersionStatus.PUBLISHED)
        .select_related("statement", "statement__care_group")
        .order_by(
            "statement__care_group__position", "statement__kind", "-statement__financial_year", "-number"
        )
    )
    seen: set[int] = set()
    out = []
    for version in versions:
        if version.statement_id not in seen:
            seen.add(version.statement_id)
            out.append(version)
    return out


def published_version(partnership: Partnership, statement_pk: int) -> StatementVersion:
    """A statement's latest published version; DoesNotExist when it has none."""
    version = (
        StatementVersion.objects.filter(
            statement__partnership=partnership, statement_id=statement_pk, status=VersionStatus.PUBLISHED
        )
        .select_related("statement", "statement__care_group", "statement__partnership")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise StatementVersion.DoesNotExist
    return version
