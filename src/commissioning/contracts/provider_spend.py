"""What each partner spends with a provider: its contracts and its current placements.

A partner's annual contract value with a provider is its funding of each contract in force (its share
of the lifetime value, from ``Funding``) spread evenly over the contract's term: £300,000 over a
three-year contract is £100,000 a year. Terms are measured in calendar months (a part month counts
by its days), so whole-year contracts divide exactly; sums are kept as exact fractions and rounded to
the penny once, per partner. A placement's annual cost is 52 weeks of its weekly cost.

Each read is a fixed number of queries whatever the number of contracts, placements or providers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from commissioning.contracts.categories import add_months
from commissioning.contracts.models import Contract, ContractStatus, Funding, Placement
from commissioning.market.models import Provider
from commissioning.partners.models import Organisation, Partnership, PartnershipMember

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
WEEKS_A_YEAR = 52
# A contract counts towards what is spent while it is in force; a draft has not been let.
NOT_LET = (ContractStatus.DRAFT,)
IN_FORCE = (ContractStatus.ACTIVE,)


# Pure arithmetic ---------------------------------------------------------------------------


def term_months(starts_on: dt.date, ends_on: dt.date) -> Fraction:
    """The months from the first day to the last, inclusive: 1 April 2025 to 31 March 2028 is 36."""
    stop = ends_on + dt.timedelta(days=1)
    whole = (stop.year - starts_on.year) * 12 + stop.month - starts_on.month
    if add_months(starts_on, whole) > stop:
        whole -= 1
    anchor = add_months(starts_on, whole)
    month_length = (add_months(starts_on, whole + 1) - anchor).days
    return whole + Fraction((stop - anchor).days, month_length)


def annual_share(amount: Decimal, starts_on: dt.date, ends_on: dt.date) -> Fraction:
    """A sum over a term, spread evenly per year of the term (exact; round once when shown)."""
    months = term_months(starts_on, ends_on)
    return Fraction(amount) * 12 / months if months else Fraction(amount)


def to_pounds(value: Fraction | Decimal | int) -> Decimal:
    """An exact fraction of pounds to the penny, half up."""
    fraction = Fraction(value)
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(PENNY, ROUND_HALF_UP)


def in_force(*, status: str, starts_on: dt.date, ends_on: dt.date, on: dt.date) -> bool:
    return status in IN_FORCE and starts_on <= on <= ends_on


# Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSpend:
    """One funding partner's money with one provider."""

    organisation_id: int
    name: str
    contracts: int
    annual_contract_value: Decimal
    lifetime_funding: Decimal
    placements: int
    weekly_placement_cost: Decimal

    @property
    def annual_placement_cost(self) -> Decimal:
        return self.weekly_placement_cost * WEEKS_A_YEAR

    @property
    def annual_total(self) -> Decimal:
        return self.annual_contract_value + self.annual_placement_cost


@dataclass(frozen=True)
class SpendTotals:
    annual_contract_value: Decimal
    lifetime_funding: Decimal
    placements: int
    weekly_placement_cost: Decimal
    annual_placement_cost: Decimal
    annual_total: Decimal


@dataclass
class _Tally:
    name: str
    contracts: set[int]
    annual: Fraction
    lifetime: Decimal
    placements: int = 0
    weekly: Decimal = ZERO


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _spend(
    partnership: Partnership, *, provider: Provider | None, on: dt.date
) -> dict[int, dict[int, PartnerSpend]]:
    """provider id -> organisation id -> spend: two queries, the rest in Python over the rows."""
    funding = Funding.objects.filter(contract__partnership=partnership).exclude(contract__status__in=NOT_LET)
    placements = Placement.objects.filter(partnership=partnership, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    if provider is not None:
        funding = funding.filter(contract__provider=provider)
        placements = placements.filter(provider=provider)
    tallies: dict[tuple[int, int], _Tally] = {}
    for provider_id, org_id, name, amount, contract_id, status, starts_on, ends_on in funding.values_list(
        "contract__provider_id",
        "organisation_id",
        "organisation__name",
        "amount",
        "contract_id",
        "contract__status",
        "contract__starts_on",
        "contract__ends_on",
    ):
        tally = tallies.setdefault((provider_id, org_id), _Tally(name, set(), Fraction(0), ZERO))
        tally.lifetime += amount
        if in_force(status=status, starts_on=starts_on, ends_on=ends_on, on=on):
            tally.contracts.add(contract_id)
            tally.annual += annual_share(amount, starts_on, ends_on)
    for row in (
        placements.values("provider_id", "funding_organisation_id", "funding_organisation__name")
        .annotate(n=Count("pk"), weekly=Sum("weekly_cost"))
        .order_by()
    ):
        key = (row["provider_id"], row["funding_organisation_id"])
        tally = tallies.setdefault(key, _Tally(row["funding_organisation__name"], set(), Fraction(0), ZERO))
        tally.placements += row["n"]
        tally.weekly += row["weekly"] or ZERO
    out: dict[int, dict[int, PartnerSpend]] = defaultdict(dict)
    for (provider_id, org_id), tally in tallies.items():
        out[provider_id][org_id] = PartnerSpend(
            organisation_id=org_id,
            name=tally.name,
            contracts=len(tally.contracts),
            annual_contract_value=to_pounds(tally.annual),
            lifetime_funding=tally.lifetime,
            placements=tally.placements,
            weekly_placement_cost=tally.weekly,
        )
    return out


# Selectors ---------------------------------------------------------------------------------


def spend_by_partner(
    *, partnership: Partnership, provider: Provider, on: dt.date | None = None
) -> list[PartnerSpend]:
    """Each funding partner's annual contract value and current placements with this provider, by name."""
    if provider.partnership_id != partnership.pk:
        return []
    rows = _spend(partnership, provider=provider, on=_today(on)).get(provider.pk, {})
    return sorted(rows.values(), key=lambda row: (row.name, row.organisation_id))


def spend_by_provider(
    *, partnership: Partnership, on: dt.date | None = None
) -> dict[int, dict[int, PartnerSpend]]:
    """For the register: provider id -> funding organisation id -> spend, for every provider at once."""
    return dict(_spend(partnership, provider=None, on=_today(on)))


def spend_totals(rows: Iterable[PartnerSpend]) -> SpendTotals:
    rows = list(rows)
    weekly = sum((row.weekly_placement_cost for row in rows), ZERO)
    return SpendTotals(
        annual_contract_value=sum((row.annual_contract_value for row in rows), ZERO),
        lifetime_funding=sum((row.lifetime_funding for row in rows), ZERO),
        placements=sum(row.placements for row in rows),
        weekly_placement_cost=weekly,
        annual_placement_cost=weekly * WEEKS_A_YEAR,
        annual_total=sum((row.annual_total for row in rows), ZERO),
    )


def contracts_for_provider(*, partnership: Partnership, provider: Provider) -> QuerySet[Contract]:
    """The provider's contracts in this partnership, earliest first, with their funding partners."""
    return (
        Contract.objects.filter(partnership=partnership, provider=provider)
        .select_related("lead_commissioner", "care_group", "area")
        .prefetch_related(
            Prefetch(
                "funding",
                queryset=Funding.objects.select_related("organisation").order_by("organisation__name", "pk"),
            )
        )
        .order_by("starts_on", "reference")
    )


def commissioning_partners(partnership: Partnership) -> list[Organisation]:
    """The host and partners (who pay for care), host first: the register's spending columns."""
    members = (
        PartnershipMember.objects.filter(
            partnership=partnership,
            role__in=(PartnershipMember.Role.HOST, PartnershipMember.Role.PARTNER),
        )
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    return [member.organisation for member in members]
