"""The cross-agency contract audit: contracts different partners let that may buy the same thing twice.

Two contracts are a possible duplicate when they are let or paid for by different partners (their
lead commissioners differ, or the partners funding them do), they overlap in time, and either

* they are with the same provider, or
* they are for the same service type, care group and area, and are held to at least one shared
  outcome (titles compared ignoring case and runs of white space).

Each pair comes with its evidence: the facts that matched, the overlap period and their combined annual
value. The register is read in two queries (the contracts; their funders and outcomes together) and
paired in Python, grouping by provider and by service, so no query is made per contract. Drafts have
not been let and are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from django.db.models import CharField, IntegerField, Value

from commissioning.contracts.models import Contract, ContractStatus, Funding, Outcome
from commissioning.core.dates import long_date
from commissioning.partners.models import Partnership

NOT_LET = (ContractStatus.DRAFT,)
SAME_PROVIDER = "same_provider"
SAME_SERVICE = "same_service"


@dataclass(frozen=True)
class ContractFacts:
    """What the audit knows about one contract."""

    pk: int
    reference: str
    title: str
    provider_id: int
    provider: str
    lead_id: int
    lead: str
    funders: tuple[str, ...]
    funder_ids: frozenset[int]
    service_type: str
    service: str
    care_group_id: int | None
    care_group: str
    area_id: int | None
    area: str
    starts_on: dt.date
    ends_on: dt.date
    annual_value: Decimal
    status: str
    outcomes: dict[str, str]  # normalised title -> title as written

    @property
    def paid_by(self) -> frozenset[int]:
        """The partners paying for it: its funders, or its lead commissioner when none is recorded."""
        return self.funder_ids or frozenset({self.lead_id})

    @property
    def parties(self) -> str:
        funded = [name for name in self.funders if name != self.lead]
        return f"led by {self.lead}" + (f", funded with {' and '.join(funded)}" if funded else "")


@dataclass(frozen=True)
class DuplicatePair:
    first: ContractFacts
    second: ContractFacts
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    overlap_starts: dt.date
    overlap_ends: dt.date

    @property
    def contracts(self) -> tuple[ContractFacts, ContractFacts]:
        return (self.first, self.second)

    @property
    def combined_annual_value(self) -> Decimal:
        return self.first.annual_value + self.second.annual_value

    @property
    def overlap_days(self) -> int:
        return (self.overlap_ends - self.overlap_starts).days + 1


def normalise_title(title: str) -> str:
    return " ".join(title.split()).casefold()


# Reading the register ------------------------------------------------------------------------


def contract_facts(partnership: Partnership, *, on: dt.date | None = None) -> list[ContractFacts]:
    """Every contract let in the partnership (in force on ``on``, if given), in two queries."""
    contracts = Contract.objects.filter(partnership=partnership).exclude(status__in=NOT_LET)
    if on is not None:
        contracts = contracts.filter(starts_on__lte=on, ends_on__gte=on, status=ContractStatus.ACTIVE)
    rows = list(
        contracts.order_by("starts_on", "pk").values(
            "pk",
            "reference",
            "title",
            "provider_id",
            "provider__organisation__name",
            "lead_commissioner_id",
            "lead_commissioner__name",
            "service_type",
            "care_group_id",
            "care_group__name",
            "area_id",
            "area__name",
            "starts_on",
            "ends_on",
            "annual_value",
            "status",
        )
    )
    chosen = contracts.order_by().values("pk")
    funders: dict[int, dict[int, str]] = defaultdict(dict)
    outcomes: dict[int, dict[str, str]] = defaultdict(dict)
    if rows:
        funding = (
            Funding.objects.filter(contract__in=chosen)
            .order_by()
            .values_list(
                "contract_id", Value("f", output_field=CharField()), "organisation_id", "organisation__name"
            )
        )
        titles = (
            Outcome.objects.filter(contract__in=chosen)
            .order_by()
            .values_list(
                "contract_id",
                Value("o", output_field=CharField()),
                Value(0, output_field=IntegerField()),
                "title",
            )
        )
        for contract_id, kind, organisation_id, text in funding.union(titles, all=True):
            if kind == "f":
                funders[contract_id][organisation_id] = text
            elif normalise_title(text):
                outcomes[contract_id].setdefault(normalise_title(text), " ".join(text.split()))
    services = dict(Contract._meta.get_field("service_type").choices or [])
    return [
        ContractFacts(
            pk=row["pk"],
            reference=row["reference"],
            title=row["title"],
            provider_id=row["provider_id"],
            provider=row["provider__organisation__name"],
            lead_id=row["lead_commissioner_id"],
            lead=row["lead_commissioner__name"],
            funders=tuple(sorted(funders[row["pk"]].values())),
            funder_ids=frozenset(funders[row["pk"]]),
            service_type=row["service_type"],
            service=str(services.get(row["service_type"], row["service_type"])),
            care_group_id=row["care_group_id"],
            care_group=row["care_group__name"] or "",
            area_id=row["area_id"],
            area=row["area__name"] or "",
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            annual_value=row["annual_value"],
            status=row["status"],
            outcomes=outcomes[row["pk"]],
        )
        for row in rows
    ]


# Pairing (pure) ------------------------------------------------------------------------------


def different_partners(a: ContractFacts, b: ContractFacts) -> bool:
    """Let by different lead commissioners, or paid for by different partners."""
    return a.lead_id != b.lead_id or a.paid_by != b.paid_by


def overlap(a: ContractFacts, b: ContractFacts) -> tuple[dt.date, dt.date] | None:
    starts, ends = max(a.starts_on, b.starts_on), min(a.ends_on, b.ends_on)
    return (starts, ends) if starts <= ends else None


def _service_key(c: ContractFacts) -> tuple[str, int, int] | None:
    if c.care_group_id is None or c.area_id is None:
        return None
    return (c.service_type, c.care_group_id, c.area_id)


def compare(a: ContractFacts, b: ContractFacts) -> DuplicatePair | None:
    """The pair with its evidence if it is a possible duplicate, else ``None``."""
    if a.pk == b.pk or not different_partners(a, b):
        return None
    period = overlap(a, b)
    if period is None:
        return None
    shared = sorted(a.outcomes.keys() & b.outcomes.keys())
    same_service = _service_key(a) is not None and _service_key(a) == _service_key(b)
    reasons = []
    if a.provider_id == b.provider_id:
        reasons.append(SAME_PROVIDER)
    if same_service and shared:
        reasons.append(SAME_SERVICE)
    if not reasons:
        return None
    first, second = sorted((a, b), key=lambda c: (c.starts_on, c.reference, c.pk))
    evidence = [
        f"Different partners: {first.reference} is {first.parties}; {second.reference} is {second.parties}.",
    ]
    if a.provider_id == b.provider_id:
        evidence.append(f"Same provider: {a.provider}.")
    if a.service_type == b.service_type:
        evidence.append(f"Same service type: {a.service}.")
    if a.care_group_id is not None and a.care_group_id == b.care_group_id:
        evidence.append(f"Same care group: {a.care_group}.")
    if a.area_id is not None and a.area_id == b.area_id:
        evidence.append(f"Same area: {a.area}.")
    if shared:
        titles = ", ".join(f"“{first.outcomes[key]}”" for key in shared)
        evidence.append(f"Shared outcome{'s' if len(shared) > 1 else ''}: {titles}.")
    evidence.append(f"Overlap from {long_date(period[0])} to {long_date(period[1])}.")
    return DuplicatePair(
        first=first,
        second=second,
        reasons=tuple(reasons),
        evidence=tuple(evidence),
        overlap_starts=period[0],
        overlap_ends=period[1],
    )


def pair_up(contracts: Sequence[ContractFacts]) -> list[DuplicatePair]:
    """Compare only contracts that share a provider or a service, care group and area."""
    groups: dict[object, list[ContractFacts]] = defaultdict(list)
    for contract in contracts:
        groups[("provider", contract.provider_id)].append(contract)
        key = _service_key(contract)
        if key is not None:
            groups[("service", key)].append(contract)
    seen: set[tuple[int, int]] = set()
    pairs: list[DuplicatePair] = []
    for members in groups.values():
        for a, b in combinations(members, 2):
            ids = (min(a.pk, b.pk), max(a.pk, b.pk))
            if ids in seen:
                continue
            seen.add(ids)
            pair = compare(a, b)
            if pair is not None:
                pairs.append(pair)
    pairs.sort(key=lambda p: (-p.combined_annual_value, p.first.reference, p.second.reference))
    return pairs


# Selectors -----------------------------------------------------------------------------------


def possible_duplicates(*, partnership: Partnership, on: dt.date | None = None) -> list[DuplicatePair]:
    """Pairs of contracts different partners let that may duplicate each other, largest first.

    With ``on``, only contracts in force that day; without, every contract let, at any time.
    """
    return pair_up(contract_facts(partnership, on=on))


def duplicate_count(*, partnership: Partnership) -> int:
    """How many possible duplicates the register holds (the board's evaluation indicator)."""
    return len(possible_duplicates(partnership=partnership))


EXPORT_HEADERS = (
    "First contract",
    "First title",
    "First lead commissioner",
    "First provider",
    "Second contract",
    "Second title",
    "Second lead commissioner",
    "Second provider",
    "Matched",
    "Overlap from",
    "Overlap to",
    "Combined annual value",
    "Evidence",
)
REASON_LABELS = {SAME_PROVIDER: "Same provider", SAME_SERVICE: "Same service, care group, area and outcome"}


def export_rows(pairs: Iterable[DuplicatePair]) -> list[list[object]]:
    return [
        [
            pair.first.reference,
            pair.first.title,
            pair.first.lead,
            pair.first.provider,
            pair.second.reference,
            pair.second.title,
            pair.second.lead,
            pair.second.provider,
            "; ".join(REASON_LABELS[reason] for reason in pair.reasons),
            pair.overlap_starts.isoformat(),
            pair.overlap_ends.isoformat(),
            pair.combined_annual_value,
            " ".join(pair.evidence),
        ]
        for pair in pairs
    ]
