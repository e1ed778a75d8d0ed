"""The services map's arithmetic over plain data: spend shares, gaps, duplication, need against capacity.

No Django here, so the rules are quick to test and the same from a page, an export or the command line.
A service with no areas mapped covers every area of the partnership.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
FULL_SHARE = 10_000


def share_of(amount: Decimal, share_bp: int) -> Decimal:
    """The part of an amount a share in basis points is, to the penny (half up)."""
    return (amount * share_bp / FULL_SHARE).quantize(PENNY, rounding=ROUND_HALF_UP)


def bp(part: Decimal | float, whole: Decimal | float) -> int:
    """Part over whole in basis points, rounded half up; zero when there is no whole."""
    if not whole:
        return 0
    return int((Decimal(str(part)) * FULL_SHARE / Decimal(str(whole))).quantize(1, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class MappedService:
    """What the rules need of a service: who commissions it, for whom, where, for what, and its spend."""

    id: int
    name: str
    commissioner_id: int
    care_group_ids: frozenset[int]
    area_ids: frozenset[int]
    outcome_ids: frozenset[int]
    spend: Decimal = ZERO
    is_prevention: bool = False


def covered_areas(service: MappedService, all_areas: Iterable[int]) -> frozenset[int]:
    return service.area_ids or frozenset(all_areas)


# Gaps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityOutcome:
    """An outcome a priority serves, for the priority's care group."""

    priority_id: int
    care_group_id: int
    outcome_id: int


NO_SERVICE = "No service mapped"
LITTLE_SPEND = "Little mapped spend"


@dataclass(frozen=True)
class Gap:
    priority_id: int
    outcome_id: int
    care_group_id: int
    service_ids: tuple[int, ...]
    spend: Decimal
    reason: str


def gaps(
    wanted: Iterable[PriorityOutcome], services: Iterable[MappedService], *, little_spend: Decimal
) -> list[Gap]:
    """Each priority outcome no service of the priority's care group serves, or whose services'
    mapped spend (each service counted once) is below ``little_spend``."""
    services = list(services)
    found = []
    for item in wanted:
        serving = [
            s for s in services if item.outcome_id in s.outcome_ids and item.care_group_id in s.care_group_ids
        ]
        spend = sum((s.spend for s in serving), ZERO)
        if not serving:
            reason = NO_SERVICE
        elif spend < little_spend:
            reason = LITTLE_SPEND
        else:
            continue
        found.append(
            Gap(
                item.priority_id,
                item.outcome_id,
                item.care_group_id,
                tuple(s.id for s in serving),
                spend,
                reason,
            )
        )
    return found


# Duplication ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """Services of different commissioners serving one outcome for one care group in one area."""

    outcome_id: int
    care_group_id: int
    area_id: int
    service_ids: tuple[int, ...]
    commissioner_ids: tuple[int, ...]


def duplicates(services: Iterable[MappedService], all_areas: Iterable[int]) -> list[Duplicate]:
    """Every (outcome, care group, area) served by services of two or more commissioning partners."""
    all_areas = frozenset(all_areas)
    cells: dict[tuple[int, int, int], list[MappedService]] = defaultdict(list)
    for service in services:
        for outcome in service.outcome_ids:
            for group in service.care_group_ids:
                for area in covered_areas(service, all_areas):
                    cells[(outcome, group, area)].append(service)
    found = []
    for (outcome, group, area), serving in sorted(cells.items()):
        commissioners = sorted({s.commissioner_id for s in serving})
        if len(commissioners) > 1:
            found.append(
                Duplicate(outcome, group, area, tuple(sorted(s.id for s in serving)), tuple(commissioners))
            )
    return found


# Prevention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreventionShare:
    prevention: Decimal
    total: Decimal
    target_bp: int | None

    @property
    def share_bp(self) -> int:
        return bp(self.prevention, self.total)

    @property
    def on_target(self) -> bool | None:
        return None if self.target_bp is None else self.share_bp >= self.target_bp


def prevention_share(services: Iterable[MappedService], target_bp: int | None) -> PreventionShare:
    """The prevention services' share of all mapped spend, against the partnership's target."""
    services = list(services)
    total = sum((s.spend for s in services), ZERO)
    prevention = sum((s.spend for s in services if s.is_prevention), ZERO)
    return PreventionShare(prevention, total, target_bp)


# Need against capacity -----------------------------------------------------------------------


def people_served(capacity: Decimal, units_per_person: Decimal) -> float:
    """How many people a capacity serves at once, when each uses ``units_per_person`` of it."""
    return float(capacity / units_per_person) if units_per_person else 0.0


@dataclass(frozen=True)
class NeedYear:
    year: int
    need: float
    capacity: float

    @property
    def shortfall(self) -> float:
        """People in need beyond what is commissioned; zero where capacity covers the need."""
        return max(self.need - self.capacity, 0.0)

    @property
    def covered_bp(self) -> int:
        return min(bp(self.capacity, self.need), FULL_SHARE) if self.need else FULL_SHARE


def need_against_capacity(need_by_year: Mapping[int, float], capacity_people: float) -> list[NeedYear]:
    """Each projected year's need against today's commissioned capacity held flat."""
    return [NeedYear(year, need_by_year[year], capacity_people) for year in sorted(need_by_year)]
