"""Writes to the services map: services, what they serve, what funds and delivers them, and retiring them.

Every function needs ``Permission.MANAGE_STRATEGY`` in the service's partnership, checks everything
before writing (so nothing is half-saved), refuses with a ``ValidationError`` keyed by field, and
records each change in the audit trail. Whatever a service links to must be the same partnership's.
A budget line's shares across services add to at most 100 %, so mapped spend is never counted twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from commissioning.contracts.models import Contract
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.finance.models import FULL_SHARE, BudgetLine, Scheme
from commissioning.finance.services import commissioning_partners
from commissioning.needs.models import NeedMeasure
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.strategy.models import (
    CapacityUnit,
    Outcome,
    Priority,
    Service,
    ServiceFunding,
    ServiceStatus,
    StrategicObjective,
)

OTHER = {
    "care_groups": "That care group belongs to another partnership.",
    "areas": "That area is not one of this partnership's areas.",
    "outcomes": "That outcome belongs to another partnership's framework.",
    "priorities": "That priority belongs to another partnership.",
    "objectives": "That strategic objective belongs to another partnership's strategy.",
    "schemes": "That scheme belongs to another partnership's fund.",
    "contracts": "That contract belongs to another partnership.",
    "need_measure": "That need measure belongs to another partnership.",
    "budget_line": "That budget line belongs to another partnership.",
}
RETIRED = "A retired service cannot be changed."
LINK_KINDS = ("care_groups", "areas", "outcomes", "priorities", "objectives", "schemes", "contracts")


def _auditor(actor: User, partnership: Partnership) -> Auditor:
    return Auditor(actor, partnership_id=partnership.pk)


def _require(actor: User, service: Service) -> Partnership:
    """The service's partnership, once the actor may manage it and the service is still active."""
    partnership = service.partnership
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    if service.status != ServiceStatus.ACTIVE:
        raise ValidationError({"__all__": RETIRED})
    return partnership


def _belongs(partnership: Partnership, kind: str, obj: Any) -> bool:
    """Whether one linked object is the partnership's own."""
    if kind == "areas":
        return bool(partnership.areas.filter(pk=obj.pk).exists())
    owner = {
        "care_groups": lambda o: o.partnership_id,
        "outcomes": lambda o: o.framework.partnership_id,
        "priorities": lambda o: o.partnership_id,
        "objectives": lambda o: o.strategy.partnership_id,
        "schemes": lambda o: o.fund.partnership_id,
        "contracts": lambda o: o.partnership_id,
        "need_measure": lambda o: o.partnership_id,
        "budget_line": lambda o: o.partnership_id,
    }[kind]
    return bool(owner(obj) == partnership.pk)


def _check_links(
    partnership: Partnership, links: Mapping[str, Sequence[Any]], errors: dict[str, str]
) -> None:
    area_ids = set(partnership.areas.values_list("pk", flat=True)) if links.get("areas") else set()
    for kind, objs in links.items():
        if kind == "areas":
            bad = any(a.pk not in area_ids for a in objs)
        else:
            bad = any(not _belongs(partnership, kind, obj) for obj in objs)
        if bad:
            errors[kind] = OTHER[kind]


def _check_service(
    partnership: Partnership,
    *,
    name: str,
    commissioner: Organisation | None,
    links: Mapping[str, Sequence[Any]],
    capacity: Decimal | None,
    capacity_unit: str,
    need_measure: NeedMeasure | None,
    need_share_bp: int | None,
    units_per_person: Decimal | None,
    exclude: int = 0,
) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter the service's name."
    elif (
        Service.objects.filter(partnership=partnership, name__iexact=name.strip())
        .exclude(pk=exclude)
        .exists()
    ):
        errors["name"] = f"The map already has a service called {name.strip()}."
    if commissioner is None:
        errors["commissioner"] = "Choose the partner that commissions the service."
    elif commissioner.pk not in commissioning_partners(partnership):
        errors["commissioner"] = f"{commissioner.name} is not a commissioning partner of {partnership.name}."
    _check_links(partnership, links, errors)
    if capacity is not None and capacity < 0:
        errors["capacity"] = "Capacity cannot be negative."
    if capacity_unit and capacity_unit not in CapacityUnit.values:
        errors["capacity_unit"] = "Choose the unit capacity is counted in."
    elif not capacity_unit and (capacity is not None or need_measure is not None):
        errors["capacity_unit"] = (
            "Choose the unit capacity is counted in: beds, hours a week, places or people."
        )
    if need_measure is not None and not _belongs(partnership, "need_measure", need_measure):
        errors["need_measure"] = OTHER["need_measure"]
    if need_share_bp is None or not 1 <= need_share_bp <= FULL_SHARE:
        errors["need_share_bp"] = (
            "Enter the share of the people in need the service is for: above 0 % and at most 100 %."
        )
    if units_per_person is None or units_per_person <= 0:
        errors["units_per_person"] = "Enter how much capacity one person uses: more than zero."
    if errors:
        raise ValidationError(errors)


def _links(**kwargs: Sequence[Any] | None) -> dict[str, list[Any]]:
    return {kind: list(kwargs.get(kind) or ()) for kind in LINK_KINDS}


@transaction.atomic
def create_service(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    commissioner: Organisation | None,
    description: str = "",
    care_groups: Sequence[CareGroup] = (),
    areas: Sequence[Area] = (),
    outcomes: Sequence[Outcome] = (),
    priorities: Sequence[Priority] = (),
    objectives: Sequence[StrategicObjective] = (),
    schemes: Sequence[Scheme] = (),
    contracts: Sequence[Contract] = (),
    is_prevention: bool = False,
    capacity: Decimal | None = None,
    capacity_unit: str = "",
    need_measure: NeedMeasure | None = None,
    need_share_bp: int | None = FULL_SHARE,
    units_per_person: Decimal | None = Decimal("1"),
) -> Service:
    """A service on the map, with what it serves and what delivers it."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    links = _links(
        care_groups=care_groups,
        areas=areas,
        outcomes=outcomes,
        priorities=priorities,
        objectives=objectives,
        schemes=schemes,
        contracts=contracts,
    )
    _check_service(
        partnership,
        name=name,
        commissioner=commissioner,
        links=links,
        capacity=capacity,
        capacity_unit=capacity_unit,
        need_measure=need_measure,
        need_share_bp=need_share_bp,
        units_per_person=units_per_person,
    )
    assert commissioner is not None and units_per_person is not None and need_share_bp is not None
    service = Service(
        partnership=partnership,
        name=name.strip(),
        description=description.strip(),
        commissioner=commissioner,
        is_prevention=is_prevention,
        capacity=capacity,
        capacity_unit=capacity_unit,
        need_measure=need_measure,
        need_share_bp=need_share_bp,
        units_per_person=units_per_person,
        created_by=actor,
    )
    validate(service)
    service.save()
    for kind, objs in links.items():
        getattr(service, kind).set(objs)
    _auditor(actor, partnership).created(service, summary=f"Service {service.name} mapped")
    return service


@transaction.atomic
def update_service(
    *,
    actor: User,
    service: Service,
    name: str,
    commissioner: Organisation | None,
    description: str = "",
    care_groups: Sequence[CareGroup] = (),
    areas: Sequence[Area] = (),
    outcomes: Sequence[Outcome] = (),
    priorities: Sequence[Priority] = (),
    objectives: Sequence[StrategicObjective] = (),
    schemes: Sequence[Scheme] = (),
    contracts: Sequence[Contract] = (),
    is_prevention: bool = False,
    capacity: Decimal | None = None,
    capacity_unit: str = "",
    need_measure: NeedMeasure | None = None,
    need_share_bp: int | None = FULL_SHARE,
    units_per_person: Decimal | None = Decimal("1"),
) -> Service:
    """Change a service and what it links to, in one go."""
    partnership = _require(actor, service)
    links = _links(
        care_groups=care_groups,
        areas=areas,
        outcomes=outcomes,
        priorities=priorities,
        objectives=objectives,
        schemes=schemes,
        contracts=contracts,
    )
    _check_service(
        partnership,
        name=name,
        commissioner=commissioner,
        links=links,
        capacity=capacity,
        capacity_unit=capacity_unit,
        need_measure=need_measure,
        need_share_bp=need_share_bp,
        units_per_person=units_per_person,
        exclude=service.pk,
    )
    assert commissioner is not None and units_per_person is not None and need_share_bp is not None
    before = snapshot(service)
    service.name = name.strip()
    service.description = description.strip()
    service.commissioner = commissioner
    service.is_prevention = is_prevention
    service.capacity = capacity
    service.capacity_unit = capacity_unit
    service.need_measure = need_measure
    service.need_share_bp = need_share_bp
    service.units_per_person = units_per_person
    validate(service)
    for kind, objs in links.items():
        getattr(service, kind).set(objs)
    if snapshot(service) != before:
        service.version += 1
        service.save()
        _auditor(actor, partnership).updated(service, before, summary=f"Service {service.name} updated")
    return service


@transaction.atomic
def retire_service(*, actor: User, service: Service, retired_on: dt.date | None) -> Service:
    """Take a service off the live map; it stays on record with its links."""
    partnership = _require(actor, service)
    if retired_on is None:
        raise ValidationError({"retired_on": "Enter the date the service ended."})
    before = snapshot(service)
    service.status = ServiceStatus.RETIRED
    service.retired_on = retired_on
    service.version += 1
    service.save()
    _auditor(actor, partnership).record(
        AuditEvent.Action.STATE,
        service,
        before=before,
        after=snapshot(service),
        summary=f"Service {service.name} retired",
    )
    return service


# One link at a time --------------------------------------------------------------------------


def _link_change(actor: User, service: Service, kind: str, obj: Any, *, add: bool) -> Service:
    partnership = _require(actor, service)
    if kind not in LINK_KINDS:
        raise ValidationError(
            {
                "kind": "Choose what to link: a care group, area, outcome, priority, "
                "objective, scheme or contract."
            }
        )
    if obj is None:
        raise ValidationError({kind: "Choose what to link."})
    errors: dict[str, str] = {}
    _check_links(partnership, {kind: [obj]}, errors)
    if errors:
        raise ValidationError(errors)
    before = snapshot(service)
    manager = getattr(service, kind)
    (manager.add if add else manager.remove)(obj)
    if snapshot(service) != before:
        service.version += 1
        service.save(update_fields=["version"])
        verb = "linked to" if add else "unlinked from"
        _auditor(actor, partnership).updated(service, before, summary=f"Service {service.name} {verb} {obj}")
    return service


@transaction.atomic
def link(*, actor: User, service: Service, kind: str, obj: Any) -> Service:
    """Link a service to one care group, area, outcome, priority, objective, scheme or contract."""
    return _link_change(actor, service, kind, obj, add=True)


@transaction.atomic
def unlink(*, actor: User, service: Service, kind: str, obj: Any) -> Service:
    return _link_change(actor, service, kind, obj, add=False)


# Funding -------------------------------------------------------------------------------------


def _percent(basis_points: int) -> str:
    return f"{basis_points / 100:.2f}".rstrip("0").rstrip(".") + " %"


@transaction.atomic
def fund_service(
    *, actor: User, service: Service, budget_line: BudgetLine | None, share_bp: int | None
) -> ServiceFunding:
    """Set the share of a budget line that funds a service; the line's shares add to at most 100 %."""
    partnership = _require(actor, service)
    errors: dict[str, str] = {}
    if budget_line is None:
        errors["budget_line"] = "Choose the budget line that funds the service."
    elif budget_line.partnership_id != partnership.pk:
        errors["budget_line"] = OTHER["budget_line"]
    if share_bp is None or not 1 <= share_bp <= FULL_SHARE:
        errors["share_bp"] = (
            "Enter the share of the line that funds the service: more than 0 % and at most 100 %."
        )
    if not errors:
        assert budget_line is not None and share_bp is not None
        # Lock the line's shares so two people cannot both allocate the last of it.
        others = (
            ServiceFunding.objects.select_for_update()
            .filter(budget_line=budget_line)
            .exclude(service=service)
            .aggregate(total=Sum("share_bp"))["total"]
            or 0
        )
        if others + share_bp > FULL_SHARE:
            errors["share_bp"] = (
                f"Other services already take {_percent(others)} of {budget_line.cost_centre} "
                f"{budget_line.financial_year}; at most {_percent(FULL_SHARE - others)} is left."
            )
    if errors:
        raise ValidationError(errors)
    assert budget_line is not None and share_bp is not None
    link_row = ServiceFunding.objects.filter(service=service, budget_line=budget_line).first()
    auditor = _auditor(actor, partnership)
    if link_row is None:
        link_row = ServiceFunding.objects.create(service=service, budget_line=budget_line, share_bp=share_bp)
        auditor.created(link_row, summary=f"{_percent(share_bp)} of {budget_line} funds {service.name}")
    elif link_row.share_bp != share_bp:
        before = snapshot(link_row)
        link_row.share_bp = share_bp
        link_row.save(update_fields=["share_bp"])
        auditor.updated(
            link_row, before, summary=f"{_percent(share_bp)} of {budget_line} funds {service.name}"
        )
    return link_row


@transaction.atomic
def unfund_service(*, actor: User, service: Service, budget_line: BudgetLine) -> None:
    """The budget line no longer funds the service."""
    partnership = _require(actor, service)
    link_row = ServiceFunding.objects.filter(service=service, budget_line=budget_line).first()
    if link_row is None:
        raise ValidationError({"budget_line": "That budget line does not fund this service."})
    _auditor(actor, partnership).deleted(
        link_row, snapshot(link_row), summary=f"{budget_line} no longer funds {service.name}"
    )
    link_row.delete()
