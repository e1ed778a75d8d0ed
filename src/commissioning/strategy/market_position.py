"""Commissioning intentions and market position statements: the figures generated from live data,
and the writes (statements, commentary, intentions, versions, approval, publication, withdrawal).

The figures for a care group come from every stage of the cycle: the JSNA's indicators and the need
projections, the providers, their locations, capacity and latest ratings, the contracts and current
placements with their prices, and the care group's budget lines. When a version is submitted they
are frozen as JSON with its commentary and intentions, so the version the board approves is the one
the public reads, however the live data moves afterwards.

Every write needs ``Permission.MANAGE_STRATEGY`` in the statement's partnership, checks everything
before writing, refuses with a ``ValidationError`` keyed by field, and is audited. Only a draft
version changes; a published version never does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from commissioning.contracts.categories import add_months
from commissioning.contracts.models import Contract, ContractStatus, Placement
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.finance.models import BudgetLine
from commissioning.governance.models import Decision, DecisionKind, DecisionState
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.market.models import Location, QualityRating, Rating, ServiceOffer, ServiceType
from commissioning.needs import selectors as needs_selectors
from commissioning.needs.models import Indicator
from commissioning.partners.models import Area, CareGroup, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.strategy import market_position_figures as figures
from commissioning.strategy.models import (
    CommissioningStrategy,
    Direction,
    ImplicationKind,
    Intention,
    MarketStatement,
    Section,
    SectionCommentary,
    StatementKind,
    StatementVersion,
    StrategicObjective,
    VersionStatus,
)
from commissioning.strategy.selectors import evidence_for
from commissioning.strategy.strategy_selectors import decided_state

NOT_DRAFT = "Only a draft version can change: start a new version to edit a submitted or published one."
OTHER_CARE_GROUP = "That care group belongs to another partnership."
OTHER_DECISION = "That decision belongs to another partnership."
OTHER_OBJECTIVE = "That strategic objective belongs to another partnership's strategy."
OTHER_CONTRACT = "That contract belongs to another partnership."
OTHER_AREA = "That area is not one of this partnership's areas."
OTHER_STRATEGY = "That strategy belongs to another partnership."
ALREADY = {
    StatementKind.INTENTIONS: "commissioning intentions",
    StatementKind.MARKET_POSITION: "a market position statement",
}
NOT_APPROVED = "A version is published only once its decision is approved."
PRICE_UNITS = {
    ServiceType.RESIDENTIAL: "a week",
    ServiceType.NURSING: "a week",
    ServiceType.HOME_CARE: "an hour",
    ServiceType.SUPPORTED_LIVING: "an hour",
    ServiceType.DAY_OPPORTUNITIES: "a day",
}
# What a strategy's commissioning implication means for the market, when intentions are seeded.
FROM_IMPLICATION = {
    ImplicationKind.INVEST: Direction.GROW,
    ImplicationKind.DISINVEST: Direction.REDUCE,
    ImplicationKind.DECOMMISSION: Direction.DECOMMISSION,
    ImplicationKind.REMODEL: Direction.MAINTAIN,
    ImplicationKind.RENEGOTIATE_CONTRACT: Direction.MAINTAIN,
    ImplicationKind.REDISTRIBUTE: Direction.MAINTAIN,
}


def today() -> dt.date:
    return timezone.localdate()


# Reading the state ---------------------------------------------------------------------------


def version_state(version: StatementVersion) -> str:
    """The version's state as governance has it: a submitted version follows its decision."""
    return decided_state(version.status, version.decision)


def state_label(state: str) -> str:
    return VersionStatus(state).label


# Generation ----------------------------------------------------------------------------------


def _rounded(value: float | None) -> float | None:
    """Indicator values as the JSNA shows them: one decimal place, two below ten."""
    if value is None:
        return None
    return round(value, 1 if abs(value) >= 10 else 2)


def _needs(partnership: Partnership, care_group: CareGroup) -> dict[str, Any]:
    indicators = list(
        Indicator.objects.filter(partnership=partnership, care_groups=care_group).order_by("name")
    )
    evidence = evidence_for(partnership, [i.pk for i in indicators])
    rows = []
    for indicator in indicators:
        reading = evidence.get(indicator.pk)
        if reading is None:
            continue
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "period": reading.period,
                "value": _rounded(reading.value),
                "england": _rounded(reading.england),
                "compared_england": reading.england_tag.label,
                "trend": reading.trend_shown.label,
            }
        )
    return {"area": evidence.area.name if evidence.area else "", "indicators": rows}


def _projections(partnership: Partnership, care_group: CareGroup) -> list[dict[str, Any]]:
    out = []
    for group in needs_selectors.need_projections(partnership):
        for projection in group.measures:
            if projection.measure.care_group_id != care_group.pk or projection.error:
                continue
            for area in projection.areas:
                out.append(
                    {
                        "measure": projection.measure.name,
                        "area": area.name,
                        "years": [
                            {"year": y.year, "people": figures.rounded_people(y.people)} for y in area.years
                        ],
                    }
                )
    return out


def _current_placements(partnership: Partnership, care_group: CareGroup, on: dt.date) -> Any:
    return Placement.objects.filter(partnership=partnership, care_group=care_group, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def _quality(provider_ids: set[int], location_ids: set[int]) -> dict[str, Any]:
    """The latest rating of each location delivering the care group's services, or of the provider
    where it has no such located rating."""
    latest: dict[tuple[int, int | None], str] = {}
    for provider_id, location_id, rating in (
        Rating.objects.filter(provider_id__in=provider_ids)
        .filter(Q(location__isnull=True) | Q(location_id__in=location_ids))
        .order_by("-rated_on", "-pk")
        .values_list("provider_id", "location_id", "rating")
    ):
        latest.setdefault((provider_id, location_id), rating)
    located = {provider for provider, location in latest if location is not None}
    counts: dict[str, int] = defaultdict(int)
    for (provider, location), latest_rating in latest.items():
        if location is None and provider in located:
            continue
        if latest_rating != QualityRating.NOT_YET_RATED:
            counts[latest_rating] += 1
    labels = [(r.value, r.label) for r in QualityRating if r != QualityRating.NOT_YET_RATED]
    return figures.quality_mix(counts, labels)


def generate(statement: MarketStatement, *, on: dt.date | None = None) -> dict[str, Any]:
    """The statement's figures from live data, as JSON-ready values (money as strings)."""
    on = on or today()
    partnership, care_group = statement.partnership, statement.care_group
    threshold = settings.SUPPRESSION_THRESHOLD
    contracts = Contract.objects.filter(
        partnership=partnership, care_group=care_group, status=ContractStatus.ACTIVE
    )
    by_type = list(
        contracts.values("service_type")
        .annotate(n=Count("pk"), value=Sum("annual_value"))
        .order_by("service_type")
    )
    placements = list(
        _current_placements(partnership, care_group, on)
        .order_by("service_type")
        .values_list("service_type", "unit_price", "weekly_cost", "provider_id")
    )
    provider_ids = set(contracts.values_list("provider_id", flat=True)) | {p[3] for p in placements}
    service_types = {r["service_type"] for r in by_type} | {p[0] for p in placements}
    prices: dict[str, list[Decimal]] = defaultdict(list)
    weekly: dict[str, list[Decimal]] = defaultdict(list)
    for service_type, unit_price, weekly_cost, _provider in placements:
        prices[service_type].append(unit_price)
        weekly[service_type].append(weekly_cost)
    groups = [
        figures.PlacementGroup(
            service_type=t,
            label=ServiceType(t).label,
            unit=PRICE_UNITS.get(ServiceType(t), ""),
            unit_prices=tuple(prices[t]),
            weekly_costs=tuple(weekly[t]),
        )
        for t in sorted(prices)
    ]
    placement_figures = figures.placement_figures(groups, threshold)
    capacity = list(
        ServiceOffer.objects.filter(
            provider_id__in=provider_ids, service_type__in=service_types, capacity__isnull=False
        )
        .values("service_type", "capacity_unit")
        .annotate(capacity=Sum("capacity"))
        .order_by("service_type", "capacity_unit")
    )
    # The locations that deliver the care group's kinds of service (or have no services recorded).
    location_ids = set(
        Location.objects.filter(provider_id__in=provider_ids)
        .filter(Q(services__service_type__in=service_types) | Q(services__isnull=True))
        .values_list("pk", flat=True)
    )
    year = financial_year_of(on)
    budget = list(
        BudgetLine.objects.filter(partnership=partnership, care_group=care_group, financial_year=year)
        .values("organisation__name")
        .annotate(total=Sum("amount"))
        .order_by("organisation__name")
    )
    contract_value = sum((r["value"] or Decimal(0) for r in by_type), Decimal(0))
    budget_total = sum((r["total"] for r in budget), Decimal(0))
    return {
        "generated_on": on.isoformat(),
        "partnership": partnership.name,
        "care_group": care_group.name,
        "suppression_threshold": threshold,
        "needs": _needs(partnership, care_group),
        "projections": _projections(partnership, care_group),
        "provision": {
            "providers": len(provider_ids),
            "locations": len(location_ids),
            "contracts": sum(r["n"] for r in by_type),
            "contract_annual_value": figures.money_text(contract_value),
            "contracts_by_service": [
                {
                    "service_type": r["service_type"],
                    "label": ServiceType(r["service_type"]).label,
                    "contracts": r["n"],
                    "annual_value": figures.money_text(r["value"] or Decimal(0)),
                }
                for r in by_type
            ],
            "capacity": [
                {
                    "service_type": r["service_type"],
                    "label": ServiceType(r["service_type"]).label,
                    "unit": r["capacity_unit"],
                    "capacity": r["capacity"],
                }
                for r in capacity
            ],
            "placements": placement_figures["total_placements"],
        },
        "spend": {
            "financial_year": year,
            "financial_year_label": financial_year_label(year),
            "budget": [
                {"organisation": r["organisation__name"], "amount": figures.money_text(r["total"])}
                for r in budget
            ],
            "budget_total": figures.money_text(budget_total),
            "placements_annual": figures.money_text(Decimal(placement_figures["total_annual_spend"]))
            if placement_figures["total_annual_spend"] is not None
            else None,
        },
        "prices": placement_figures["rows"],
        "quality": _quality(provider_ids, location_ids),
    }


def commentary_of(version: StatementVersion) -> dict[str, str]:
    return {c.section: c.text for c in version.commentary.all()}


def intentions_of(version: StatementVersion) -> list[dict[str, Any]]:
    """The version's intentions as JSON-ready rows; links are named in words, so they read on their own."""
    rows = []
    for i in version.intentions.all():
        rows.append(
            {
                "position": i.position,
                "service_type": i.service_type,
                "service_type_label": i.get_service_type_display(),
                "description": i.description,
                "area": i.area.name if i.area else "",
                "direction": i.direction,
                "direction_label": i.get_direction_display(),
                "starts_on": i.starts_on.isoformat(),
                "ends_on": i.ends_on.isoformat() if i.ends_on else "",
                "rationale": i.rationale,
                "objective": i.objective.objective if i.objective else "",
                "contract": i.contract.reference if i.contract else "",
            }
        )
    return rows


def content_of(version: StatementVersion, *, on: dt.date | None = None) -> dict[str, Any]:
    """The version's whole content: frozen once submitted, otherwise generated now."""
    if version.snapshot is not None:
        return version.snapshot
    return _freeze(version, on=on)


def _freeze(version: StatementVersion, *, on: dt.date | None = None) -> dict[str, Any]:
    statement = version.statement
    content = generate(statement, on=on)
    content.update(
        title=statement.title,
        kind=statement.kind,
        kind_label=statement.get_kind_display(),
        financial_year_label=financial_year_label(statement.financial_year),
        version=version.number,
        commentary=commentary_of(version),
        intentions=intentions_of(version),
    )
    return content


# Writes --------------------------------------------------------------------------------------


def _auditor(actor: User, partnership: Partnership) -> Auditor:
    return Auditor(actor, partnership_id=partnership.pk)


def _require_draft(actor: User, version: StatementVersion) -> Partnership:
    partnership = version.statement.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError({"__all__": NOT_DRAFT})
    return partnership


@transaction.atomic
def create_statement(
    *,
    actor: User,
    partnership: Partnership,
    care_group: CareGroup | None,
    kind: str,
    financial_year: int | None,
    title: str = "",
    review_months: int = 12,
    next_review_on: dt.date | None = None,
    from_strategy: CommissioningStrategy | None = None,
) -> MarketStatement:
    """A statement with its first draft version; intentions can be seeded from a strategy's
    service developments (invest → grow, disinvest → reduce, decommission → decommission)."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    errors: dict[str, str] = {}
    if care_group is None:
        errors["care_group"] = "Choose the care group the statement is for."
    elif care_group.partnership_id != partnership.pk:
        errors["care_group"] = OTHER_CARE_GROUP
    if kind not in StatementKind.values:
        errors["kind"] = "Choose commissioning intentions or a market position statement."
    if financial_year is None or not 2000 <= financial_year <= 2100:
        errors["financial_year"] = "Enter the financial year the statement covers, e.g. 2027 for 2027/28."
    if not 1 <= review_months <= 36:
        errors["review_months"] = "Review the statement at least every 36 months."
    if from_strategy is not None:
        if from_strategy.partnership_id != partnership.pk:
            errors["from_strategy"] = OTHER_STRATEGY
        elif care_group is not None and from_strategy.care_group_id != care_group.pk:
            errors["from_strategy"] = "Choose a strategy for the statement's own care group."
    if (
        not errors
        and financial_year is not None
        and MarketStatement.objects.filter(
            partnership=partnership, care_group=care_group, kind=kind, financial_year=financial_year
        ).exists()
    ):
        assert care_group is not None and financial_year is not None
        errors["financial_year"] = (
            f"{care_group.name} already has {ALREADY[StatementKind(kind)]} for "
            f"{financial_year_label(financial_year)}: start a new version of it instead."
        )
    if errors:
        raise ValidationError(errors)
    assert care_group is not None and financial_year is not None
    label = financial_year_label(financial_year)
    statement = MarketStatement(
        partnership=partnership,
        care_group=care_group,
        kind=kind,
        title=title.strip() or f"{care_group.name}: {StatementKind(kind).label.lower()} {label}",
        financial_year=financial_year,
        review_months=review_months,
        next_review_on=next_review_on or dt.date(financial_year, 4, 1),
        created_by=actor,
    )
    validate(statement)
    statement.save()
    version = StatementVersion.objects.create(statement=statement, number=1, created_by=actor)
    auditor = _auditor(actor, partnership)
    auditor.created(statement, summary=f"{statement.title} started")
    auditor.created(version, summary=f"{statement.title}: version 1 drafted")
    if from_strategy is not None:
        _seed_from_strategy(actor, version, from_strategy)
    return statement


def _seed_from_strategy(actor: User, version: StatementVersion, strategy: CommissioningStrategy) -> None:
    objectives = StrategicObjective.objects.filter(strategy=strategy).prefetch_related(
        "developments__contract"
    )
    rows: list[Intention] = []
    for objective in objectives:
        for d in objective.developments.all():
            rows.append(
                Intention(
                    version=version,
                    position=len(rows) + 1,
                    service_type=d.contract.service_type if d.contract else ServiceType.OTHER,
                    description=d.description[:255],
                    direction=FROM_IMPLICATION[ImplicationKind(d.implication)],
                    starts_on=max(strategy.starts_on, dt.date(version.statement.financial_year, 4, 1)),
                    ends_on=d.by_when if d.by_when >= strategy.starts_on else None,
                    rationale=d.rationale,
                    objective=objective,
                    contract=d.contract,
                )
            )
    for row in rows:
        if row.ends_on is not None and row.ends_on < row.starts_on:
            row.ends_on = None
    Intention.objects.bulk_create(rows)
    _auditor(actor, version.statement.partnership).record_many(
        AuditEvent.Action.CREATE, [(i, None, snapshot(i)) for i in rows]
    )


@transaction.atomic
def save_commentary(
    *, actor: User, version: StatementVersion, section: str, text: str
) -> SectionCommentary | None:
    """A section's commentary; blank text removes it."""
    partnership = _require_draft(actor, version)
    if section not in Section.values:
        raise ValidationError({"section": "Choose one of the statement's sections."})
    auditor = _auditor(actor, partnership)
    found = SectionCommentary.objects.filter(version=version, section=section).first()
    if not text.strip():
        if found is not None:
            auditor.deleted(
                found, snapshot(found), summary=f"{found.get_section_display()} commentary removed"
            )
            found.delete()
        return None
    if found is None:
        found = SectionCommentary.objects.create(version=version, section=section, text=text.strip())
        auditor.created(found, summary=f"{found.get_section_display()} commentary written")
        return found
    before = snapshot(found)
    found.text = text.strip()
    found.save(update_fields=["text"])
    auditor.updated(found, before, summary=f"{found.get_section_display()} commentary edited")
    return found


def _check_intention(
    partnership: Partnership,
    *,
    service_type: str,
    description: str,
    direction: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    rationale: str,
    area: Area | None,
    objective: StrategicObjective | None,
    contract: Contract | None,
) -> None:
    errors: dict[str, str] = {}
    if service_type not in ServiceType.values:
        errors["service_type"] = "Choose the type of service."
    if not description.strip():
        errors["description"] = "Say which service or part of the market the intention is about."
    if direction not in Direction.values:
        errors["direction"] = "Choose whether to grow, maintain, reduce or decommission it."
    if starts_on is None:
        errors["starts_on"] = "Enter when the change starts."
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The change must end on or after the date it starts."
    if not rationale.strip():
        errors["rationale"] = "Give the reason for the intention."
    if area is not None and not partnership.areas.filter(pk=area.pk).exists():
        errors["area"] = OTHER_AREA
    if objective is not None and objective.strategy.partnership_id != partnership.pk:
        errors["objective"] = OTHER_OBJECTIVE
    if contract is not None and contract.partnership_id != partnership.pk:
        errors["contract"] = OTHER_CONTRACT
    elif contract is None and direction == Direction.DECOMMISSION:
        errors["contract"] = "Choose the contract to be decommissioned."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_intention(
    *,
    actor: User,
    version: StatementVersion,
    service_type: str,
    description: str,
    direction: str,
    starts_on: dt.date | None,
    rationale: str,
    ends_on: dt.date | None = None,
    area: Area | None = None,
    objective: StrategicObjective | None = None,
    contract: Contract | None = None,
) -> Intention:
    partnership = _require_draft(actor, version)
    _check_intention(
        partnership,
        service_type=service_type,
        description=description,
        direction=direction,
        starts_on=starts_on,
        ends_on=ends_on,
        rationale=rationale,
        area=area,
        objective=objective,
        contract=contract,
    )
    assert starts_on is not None
    StatementVersion.objects.select_for_update().filter(pk=version.pk).first()
    last = version.intentions.aggregate(last=Max("position"))["last"] or 0
    intention = Intention(
        version=version,
        position=last + 1,
        service_type=service_type,
        description=description.strip(),
        direction=direction,
        starts_on=starts_on,
        ends_on=ends_on,
        rationale=rationale.strip(),
        area=area,
        objective=objective,
        contract=contract,
    )
    validate(intention)
    intention.save()
    _auditor(actor, partnership).created(intention, summary=f"Intention added to {version}")
    return intention


@transaction.atomic
def update_intention(
    *,
    actor: User,
    intention: Intention,
    service_type: str,
    description: str,
    direction: str,
    starts_on: dt.date | None,
    rationale: str,
    ends_on: dt.date | None = None,
    area: Area | None = None,
    objective: StrategicObjective | None = None,
    contract: Contract | None = None,
) -> Intention:
    partnership = _require_draft(actor, intention.version)
    _check_intention(
        partnership,
        service_type=service_type,
        description=description,
        direction=direction,
        starts_on=starts_on,
        ends_on=ends_on,
        rationale=rationale,
        area=area,
        objective=objective,
        contract=contract,
    )
    assert starts_on is not None
    before = snapshot(intention)
    intention.service_type, intention.description, intention.direction = (
        service_type,
        description.strip(),
        direction,
    )
    intention.starts_on, intention.ends_on, intention.rationale = starts_on, ends_on, rationale.strip()
    intention.area, intention.objective, intention.contract = area, objective, contract
    validate(intention)
    intention.save()
    _auditor(actor, partnership).updated(intention, before, summary=f"Intention {intention.position} edited")
    return intention


@transaction.atomic
def remove_intention(*, actor: User, intention: Intention) -> None:
    version = intention.version
    partnership = _require_draft(actor, version)
    _auditor(actor, partnership).deleted(intention, snapshot(intention), summary="Intention removed")
    position = intention.position
    intention.delete()
    for later in version.intentions.filter(position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])


@transaction.atomic
def new_version(*, actor: User, statement: MarketStatement) -> StatementVersion:
    """The next edit cycle: a draft carrying over the latest version's commentary and intentions."""
    partnership = statement.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    MarketStatement.objects.select_for_update().filter(pk=statement.pk).first()
    latest = statement.versions.select_related("decision").order_by("-number").first()
    if latest is not None:
        state = version_state(latest)
        if state == VersionStatus.DRAFT:
            raise ValidationError({"__all__": f"Version {latest.number} is still a draft: edit that one."})
        if state in (VersionStatus.SUBMITTED, VersionStatus.APPROVED):
            raise ValidationError(
                {
                    "__all__": f"Version {latest.number} is {state_label(state).lower()}: "
                    "publish or withdraw "
                    "it before starting another."
                }
            )
    version = StatementVersion.objects.create(
        statement=statement, number=(latest.number if latest else 0) + 1, created_by=actor
    )
    if latest is not None:
        SectionCommentary.objects.bulk_create(
            SectionCommentary(version=version, section=c.section, text=c.text)
            for c in latest.commentary.all()
        )
        Intention.objects.bulk_create(
            Intention(
                version=version,
                position=i.position,
                service_type=i.service_type,
                description=i.description,
                area_id=i.area_id,
                direction=i.direction,
                starts_on=i.starts_on,
                ends_on=i.ends_on,
                rationale=i.rationale,
                objective_id=i.objective_id,
                contract_id=i.contract_id,
            )
            for i in latest.intentions.all()
        )
    _auditor(actor, partnership).created(
        version, summary=f"{statement.title}: version {version.number} drafted"
    )
    return version


def readiness_problems(version: StatementVersion) -> dict[str, str]:
    """What stops a draft going for approval."""
    problems: dict[str, str] = {}
    if not version.intentions.exists():
        problems["intentions"] = (
            "Add at least one intention: say what the partners will grow, keep, reduce or stop."
        )
    if not version.commentary.filter(section=Section.INTRODUCTION).exists():
        problems["commentary"] = "Write the introduction: who the statement is for and what it covers."
    return problems


@transaction.atomic
def submit_version(
    *, actor: User, version: StatementVersion, decision: Decision | None, on: dt.date | None = None
) -> StatementVersion:
    """Freeze the draft's figures, commentary and intentions and link it to the deciding decision."""
    partnership = _require_draft(actor, version)
    errors = readiness_problems(version)
    if decision is None:
        errors["decision"] = "Choose the governance decision that will approve the statement."
    elif decision.partnership_id != partnership.pk:
        errors["decision"] = OTHER_DECISION
    elif decision.kind != DecisionKind.STRATEGY:
        errors["decision"] = f"{decision.reference} is not a strategy decision."
    elif decision.state not in (DecisionState.PROPOSED, DecisionState.APPROVED):
        errors["decision"] = (
            f"{decision.reference} is {decision.get_state_display().lower()}; "
            "choose one that is proposed or approved."
        )
    if errors:
        raise ValidationError(errors)
    before = snapshot(version, exclude=("snapshot",))
    version.snapshot = _freeze(version, on=on)
    version.status = VersionStatus.SUBMITTED
    version.decision = decision
    version.submitted_at = timezone.now()
    validate(version)
    version.save(update_fields=["snapshot", "status", "decision", "submitted_at"])
    assert decision is not None
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        version,
        before=before,
        after=snapshot(version, exclude=("snapshot",)),
        summary=f"{version} submitted for approval through {decision.reference}",
    )
    return version


@transaction.atomic
def publish_version(*, actor: User, version: StatementVersion, on: dt.date | None = None) -> StatementVersion:
    """Publish an approved version and set the next review from the statement's cycle."""
    statement = version.statement
    partnership = statement.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    state = version_state(version)
    if state == VersionStatus.PUBLISHED:
        raise ValidationError({"__all__": f"Version {version.number} is already published."})
    if state != VersionStatus.APPROVED:
        decision = version.decision
        detail = (
            f" {decision.reference} is {decision.get_state_display().lower()}."
            if decision is not None and version.status == VersionStatus.SUBMITTED
            else ""
        )
        raise ValidationError({"__all__": NOT_APPROVED + detail})
    on = on or today()
    before = snapshot(version, exclude=("snapshot",))
    version.status = VersionStatus.PUBLISHED
    version.published_on = on
    version.save(update_fields=["status", "published_on"])
    statement_before = snapshot(statement)
    statement.next_review_on = add_months(on, statement.review_months)
    statement.save(update_fields=["next_review_on"])
    auditor = _auditor(actor, partnership)
    auditor.record(
        AuditEvent.Action.STATE,
        version,
        before=before,
        after=snapshot(version, exclude=("snapshot",)),
        summary=f"{version} published",
    )
    auditor.updated(statement, statement_before, summary=f"{statement.title}: next review set")
    return version


@transaction.atomic
def withdraw_version(
    *, actor: User, version: StatementVersion, reason: str, on: dt.date | None = None
) -> StatementVersion:
    """Take a submitted or published version back: it leaves the public pages, with the reason kept."""
    partnership = version.statement.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if version.status not in (VersionStatus.SUBMITTED, VersionStatus.PUBLISHED):
        raise ValidationError({"__all__": "Only a submitted or published version can be withdrawn."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the version is withdrawn."})
    before = snapshot(version, exclude=("snapshot",))
    version.status = VersionStatus.WITHDRAWN
    version.withdrawn_on = on or today()
    version.withdrawn_reason = reason.strip()
    version.save(update_fields=["status", "withdrawn_on", "withdrawn_reason"])
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        version,
        before=before,
        after=snapshot(version, exclude=("snapshot",)),
        summary=f"{version} withdrawn",
    )
    return version
