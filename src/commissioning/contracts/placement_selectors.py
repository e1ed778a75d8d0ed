"""Reads of placements, scoped to the partnership: the register, one placement, and the prices and
personalisation figures, which load the partnership's placements into Arrow with one query and
hand them to ``contracts.pricing``. Nothing here reads or returns an NHS number hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db.models import Count, QuerySet, Sum

from commissioning.contracts import pricing
from commissioning.contracts.models import Contract, Placement, PlacementImport, SupportOption
from commissioning.contracts.placements import SERVICE_TYPES, funding_partners
from commissioning.market.models import Provider
from commissioning.partners.models import CareGroup, Organisation, Partnership, PartnershipMember

LIST_FIELDS = (
    "id",
    "person_ref",
    "provider_id",
    "contract_id",
    "service_type",
    "care_group_id",
    "unit_price",
    "units_per_week",
    "weekly_cost",
    "starts_on",
    "ends_on",
    "funding_organisation_id",
    "support_option",
)


def placements_in(partnership: Partnership) -> QuerySet[Placement]:
    """The register, newest first, with what a row shows (never the NHS number hash)."""
    return (
        Placement.objects.filter(partnership=partnership)
        .select_related("provider__organisation", "care_group", "funding_organisation", "contract")
        .defer("nhs_number_hash")
        .order_by("-starts_on", "person_ref", "pk")
    )


def placement_in(partnership: Partnership, pk: int) -> Placement:
    return placements_in(partnership).get(pk=pk)


def providers_of(partnership: Partnership) -> QuerySet[Provider]:
    return Provider.objects.filter(partnership=partnership).select_related("organisation")


def funders_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The host and partners, who may fund a placement."""
    return (
        Organisation.objects.filter(
            partnership_memberships__partnership=partnership,
            partnership_memberships__role__in=(PartnershipMember.Role.HOST, PartnershipMember.Role.PARTNER),
        )
        .order_by("name")
        .distinct()
    )


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return CareGroup.objects.filter(partnership=partnership, is_active=True).order_by("position", "name")


def contracts_of(partnership: Partnership) -> QuerySet[Contract]:
    return Contract.objects.filter(partnership=partnership).order_by("reference")


def placement_imports_in(partnership: Partnership) -> QuerySet[PlacementImport]:
    return PlacementImport.objects.filter(partnership=partnership).select_related("imported_by")[:10]


def placements_arrow(partnership: Partnership, *, current_on: dt.date | None = None) -> pa.Table:
    """The partnership's placements as Arrow, in one query (optionally only those current on a day)."""
    rows = Placement.objects.filter(partnership=partnership)
    if current_on is not None:
        rows = rows.filter(starts_on__lte=current_on).exclude(ends_on__lt=current_on)
    values = list(
        rows.values_list(
            "id",
            "person_ref",
            "service_type",
            "provider_id",
            "funding_organisation_id",
            "care_group_id",
            "support_option",
            "unit_price",
            "weekly_cost",
            "starts_on",
            "ends_on",
        )
    )
    columns: list[tuple[Any, ...]] = list(zip(*values, strict=True)) if values else [() for _ in range(11)]
    return pa.table(
        {
            "id": pa.array(columns[0], pa.int64()),
            "person_ref": pa.array(columns[1], pa.string()),
            "service_type": pa.array(columns[2], pa.string()),
            "provider": pa.array(columns[3], pa.int64()),
            "funding_organisation": pa.array(columns[4], pa.int64()),
            "care_group": pa.array(columns[5], pa.int64()),
            "support_option": pa.array(columns[6], pa.string()),
            "unit_price": pa.array([float(v) for v in columns[7]], pa.float64()),
            "weekly_cost": pa.array([float(v) for v in columns[8]], pa.float64()),
            "starts_on": pa.array(columns[9], pa.date32()),
            "ends_on": pa.array(columns[10], pa.date32()),
        }
    )


@dataclass(frozen=True)
class PricesPage:
    """Price intelligence with names attached: rows are plain dicts for the template and exports."""

    by_service: list[dict[str, Any]]
    by_provider: list[dict[str, Any]]
    outliers: list[dict[str, Any]]
    spread: list[dict[str, Any]]
    lower: float
    upper: float
    prices: dict[str, list[float]] = field(default_factory=dict)


def _names(partnership: Partnership) -> tuple[dict[int, str], dict[int, str]]:
    providers = dict(Provider.objects.filter(partnership=partnership).values_list("pk", "organisation__name"))
    funders = {pk: org.name for pk, org in funding_partners(partnership).items()}
    return providers, funders


def prices_page(partnership: Partnership, *, lower: float = 0.05, upper: float = 0.95) -> PricesPage:
    """The prices page of the placements current today."""
    table = placements_arrow(partnership, current_on=dt.date.today())
    if table.num_rows == 0:
        return PricesPage([], [], [], [], lower, upper)
    found = pricing.intelligence(table, lower=lower, upper=upper)
    providers, funders = _names(partnership)

    def named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            row["service_label"] = SERVICE_TYPES.get(row["service_type"], row["service_type"])
            if "provider" in row:
                row["provider_name"] = providers.get(row["provider"], "")
            if "funding_organisation" in row:
                row["funder_name"] = funders.get(row["funding_organisation"], "")
        return rows

    prices: dict[str, list[float]] = {}
    for service, price in zip(
        table.column("service_type").to_pylist(),
        pricing.placements_table(table).select(pricing.PRICE).to_pyarrow().column(0).to_pylist(),
        strict=True,
    ):
        prices.setdefault(service, []).append(price)
    return PricesPage(
        by_service=named(found.by_service.to_pylist()),
        by_provider=named(found.by_provider.to_pylist()),
        outliers=named(found.outliers.to_pylist()),
        spread=named(found.spread.to_pylist()),
        lower=lower,
        upper=upper,
        prices={k: sorted(v) for k, v in prices.items()},
    )


@dataclass(frozen=True)
class Position:
    rank: float | None
    wording: str
    out_of_line: bool


def price_position_of(partnership: Partnership, placement: Placement) -> Position:
    """Where a placement's comparable price sits among the partnership's current ones of its type."""
    table = placements_arrow(partnership, current_on=dt.date.today())
    prices = (
        pricing.prices_of(pricing.placements_table(table), placement.service_type) if table.num_rows else []
    )
    unit_priced = placement.service_type in pricing.UNIT_PRICED
    value = float(placement.unit_price if unit_priced else placement.weekly_cost)
    rank = pricing.price_position(value, prices)
    label = SERVICE_TYPES.get(placement.service_type, placement.service_type)
    wording = pricing.position_wording(rank, label)
    return Position(rank, wording, rank is not None and (rank > 95 or rank < 5))


@dataclass(frozen=True)
class PersonalisationPage:
    by_option: list[dict[str, Any]]
    by_care_group: list[dict[str, Any]]
    over_time: list[dict[str, Any]]
    people: int
    weekly_spend: Decimal


def personalisation_page(partnership: Partnership, *, today: dt.date | None = None) -> PersonalisationPage:
    """How far personalisation has gone: people and weekly spend by the way they hold the money,
    by care group, and at the start of each of the last five financial years."""
    today = today or dt.date.today()
    current = Placement.objects.filter(partnership=partnership, starts_on__lte=today).exclude(
        ends_on__lt=today
    )
    labels = dict(SupportOption.choices)
    by_option = [
        {**row, "label": labels.get(row["support_option"], row["support_option"])}
        for row in current.values("support_option")
        .annotate(people=Count("person_ref", distinct=True), weekly=Sum("weekly_cost"))
        .order_by("support_option")
    ]
    by_group = [
        {**row, "label": labels.get(row["support_option"], row["support_option"])}
        for row in current.values("care_group__name", "support_option")
        .annotate(people=Count("person_ref", distinct=True), weekly=Sum("weekly_cost"))
        .order_by("care_group__name", "support_option")
    ]
    year = today.year if today.month >= 4 else today.year - 1
    dates = [dt.date(y, 4, 1) for y in range(year - 4, year + 1)] + [today]
    table = placements_arrow(partnership)
    over_time = (
        pricing.personalisation_over_time(pricing.placements_table(table), dates).to_pylist()
        if table.num_rows
        else []
    )
    for row in over_time:
        row["label"] = labels.get(row["support_option"], row["support_option"])
    totals = current.aggregate(people=Count("person_ref", distinct=True), weekly=Sum("weekly_cost"))
    return PersonalisationPage(
        by_option=by_option,
        by_care_group=by_group,
        over_time=over_time,
        people=totals["people"] or 0,
        weekly_spend=totals["weekly"] or Decimal("0.00"),
    )
