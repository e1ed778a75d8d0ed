"""Reads for the contract register, scoped to the partnership, in a fixed number of queries.

The register's page of rows comes with the provider, its latest quality rating (a subquery), the
funders (one prefetch) and the KPI count (an annotation), so 50 rows or 5,000 cost the same
queries. The expiry pipeline asks the procurement rules engine once per kind of re-procurement
(category, kind of body, value band between the rules' thresholds), not once per contract.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from commissioning.contracts import categories
from commissioning.contracts.models import Contract, ContractStatus, Funding, Kpi, Outcome
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Permission
from commissioning.finance.models import BudgetLine, PooledFund, Scheme
from commissioning.finance.selectors import partners_of
from commissioning.market import routes, rules
from commissioning.market.models import Procurement, Provider, QualityRating, Rating, Rule, Sector
from commissioning.partners.models import CareGroup, Organisation, Partnership
from commissioning.partners.permissions import has_permission
from commissioning.partners.selectors import care_groups_in

PER_PAGE = 50
ZERO = Decimal("0.00")
PIPELINE_BANDS = (6, 12, 18)
TRANSPARENCY_THRESHOLD = Decimal("5000.00")
RATING_LABELS = {str(value): str(label) for value, label in QualityRating.choices}


def today() -> dt.date:
    return timezone.localdate()


# Choices for forms ---------------------------------------------------------------------------


def commissioners_of(partnership: Partnership) -> QuerySet[Organisation]:
    """The commissioning partners, who lead and fund contracts."""
    return partners_of(partnership)


def care_groups_of(partnership: Partnership) -> QuerySet[CareGroup]:
    return care_groups_in(partnership)


def providers_of(partnership: Partnership) -> QuerySet[Provider]:
    return Provider.objects.filter(partnership=partnership).select_related("organisation")


def funds_of(partnership: Partnership) -> QuerySet[PooledFund]:
    return PooledFund.objects.filter(partnership=partnership).order_by("name")


def schemes_of(partnership: Partnership) -> QuerySet[Scheme]:
    return (
        Scheme.objects.filter(fund__partnership=partnership)
        .select_related("fund")
        .order_by("fund__name", "name")
    )


def budget_lines_of(partnership: Partnership) -> QuerySet[BudgetLine]:
    return (
        BudgetLine.objects.filter(partnership=partnership)
        .select_related("organisation")
        .order_by("-financial_year", "organisation__name", "cost_centre")
    )


def outcomes_of(contract: Contract) -> QuerySet[Outcome]:
    return Outcome.objects.filter(contract=contract)


def history(contract: Contract) -> QuerySet[AuditEvent]:
    return history_for(contract)


# The register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is narrowed to; blank or ``None`` means every value."""

    care_group_id: int | None = None
    service_type: str = ""
    provider_id: int | None = None
    partner_id: int | None = None
    status: str = ""
    ending_within_months: int | None = None
    text: str = ""


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register, with the totals of everything the filters match."""

    page: Page
    count: int
    annual_value: Decimal
    lifetime_value: Decimal


def _latest_rating() -> Subquery:
    return Subquery(
        Rating.objects.filter(provider=OuterRef("provider_id"))
        .order_by("-rated_on", "-id")
        .values("rating")[:1]
    )


def _filtered(partnership: Partnership, filters: RegisterFilters, on: dt.date) -> QuerySet[Contract]:
    contracts = Contract.objects.filter(partnership=partnership)
    if filters.care_group_id:
        contracts = contracts.filter(care_group_id=filters.care_group_id)
    if filters.service_type:
        contracts = contracts.filter(service_type=filters.service_type)
    if filters.provider_id:
        contracts = contracts.filter(provider_id=filters.provider_id)
    if filters.partner_id:
        funds = Funding.objects.filter(contract=OuterRef("pk"), organisation_id=filters.partner_id)
        contracts = contracts.filter(Q(lead_commissioner_id=filters.partner_id) | Exists(funds))
    if filters.status:
        contracts = contracts.filter(status=filters.status)
    if filters.ending_within_months:
        until = categories.add_months(on, filters.ending_within_months)
        contracts = contracts.filter(ends_on__gte=on, ends_on__lte=until)
    text = filters.text.strip()
    if text:
        contracts = contracts.filter(
            Q(reference__icontains=text)
            | Q(title__icontains=text)
            | Q(services__icontains=text)
            | Q(provider__organisation__name__icontains=text)
        )
    return contracts


def contracts_in(
    partnership: Partnership, filters: RegisterFilters | None = None, *, on: dt.date | None = None
) -> QuerySet[Contract]:
    """The register's rows as the filters narrow them, each with what the table shows."""
    return (
        _filtered(partnership, filters or RegisterFilters(), on or today())
        .select_related("provider__organisation", "lead_commissioner", "care_group")
        .prefetch_related(
            Prefetch(
                "funding", queryset=Funding.objects.select_related("organisation").order_by("-amount", "pk")
            )
        )
        .annotate(latest_rating=_latest_rating(), kpi_count=Count("kpis", distinct=True))
        .order_by("ends_on", "reference")
    )


def _require_view(user: Any, partnership: Partnership) -> None:
    if not has_permission(user, Permission.VIEW_CONTRACTS, partnership=partnership):
        raise NotPermitted(f"Your role in {partnership.name} does not allow you to see its contracts.")


def contract_register(
    *,
    partnership: Partnership,
    user: Any,
    filters: RegisterFilters,
    page: int | str | None = 1,
    on: dt.date | None = None,
) -> RegisterPage:
    """A page of 50 contracts and the totals of every contract the filters match."""
    _require_view(user, partnership)
    on = on or today()
    totals = _filtered(partnership, filters, on).aggregate(
        count=Count("pk"), annual=Sum("annual_value"), lifetime=Sum("lifetime_value")
    )
    paginator = Paginator(contracts_in(partnership, filters, on=on), PER_PAGE)
    paginator.count = totals["count"]  # already counted with the totals; saves a query
    shown = paginator.get_page(page)
    for contract in shown.object_list:
        contract.rating_label = RATING_LABELS.get(contract.latest_rating or "", "")
    return RegisterPage(
        page=shown,
        count=totals["count"],
        annual_value=totals["annual"] or ZERO,
        lifetime_value=totals["lifetime"] or ZERO,
    )


def register_rows(partnership: Partnership, user: Any, filters: RegisterFilters) -> Iterator[Contract]:
    """Every contract the filters match, for an export, read in chunks with their funders."""
    _require_view(user, partnership)
    return contracts_in(partnership, filters).iterator(chunk_size=2000)


# One contract ------------------------------------------------------------------------------


def contract_in(partnership: Partnership, pk: int) -> Contract:
    """A contract of this partnership (``DoesNotExist`` for any other, so pages say not found)."""
    return Contract.objects.select_related(
        "provider__organisation",
        "lead_commissioner",
        "care_group",
        "area",
        "contract_manager",
        "procurement",
        "partnership",
    ).get(partnership=partnership, pk=pk)


def kpi_in(contract: Contract, pk: int) -> Kpi:
    return Kpi.objects.select_related("contract").get(contract=contract, pk=pk)


def procurement_in(partnership: Partnership, pk: int) -> Procurement:
    """A procurement of this partnership, with its winning bid, for the award → contract page."""
    return Procurement.objects.select_related(
        "awarded_bid__bidder", "care_group", "commissioning_body", "partnership"
    ).get(partnership=partnership, pk=pk)


@dataclass(frozen=True)
class FundingSplit:
    organisation: Organisation
    fund: PooledFund | None
    scheme: Scheme | None
    budget_line: BudgetLine | None
    amount: Decimal
    percent: Decimal


@dataclass(frozen=True)
class ContractDetail:
    contract: Contract
    funding: list[FundingSplit]
    by_funder: list[tuple[str, Decimal]]
    outcomes: list[Outcome]
    kpis: list[Kpi]
    latest_rating: Rating | None
    extension_until: dt.date | None
    history: list[AuditEvent] = field(default_factory=list)


def contract_detail(*, partnership: Partnership, pk: int) -> ContractDetail:
    """A contract with its funding split, outcomes with their KPIs, and the provider's latest rating."""
    contract = contract_in(partnership, pk)
    rows = list(
        Funding.objects.filter(contract=contract)
        .select_related("organisation", "fund", "scheme", "budget_line")
        .order_by("-amount", "pk")
    )
    total = sum((row.amount for row in rows), ZERO)
    funding = [
        FundingSplit(
            organisation=row.organisation,
            fund=row.fund,
            scheme=row.scheme,
            budget_line=row.budget_line,
            amount=row.amount,
            percent=(row.amount * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0.0"),
        )
        for row in rows
    ]
    by_funder: dict[str, Decimal] = {}
    for row in rows:
        by_funder[row.organisation.name] = by_funder.get(row.organisation.name, ZERO) + row.amount
    kpis = list(Kpi.objects.filter(contract=contract).select_related("outcome"))
    outcomes = list(Outcome.objects.filter(contract=contract))
    rating = Rating.objects.filter(provider_id=contract.provider_id).order_by("-rated_on", "-id").first()
    until = (
        categories.add_months(contract.ends_on + dt.timedelta(days=1), contract.extension_months)
        - dt.timedelta(days=1)
        if contract.extension_months
        else None
    )
    return ContractDetail(
        contract=contract,
        funding=funding,
        by_funder=sorted(by_funder.items(), key=lambda item: -item[1]),
        outcomes=outcomes,
        kpis=kpis,
        latest_rating=rating,
        extension_until=until,
        history=list(history_for(contract)[:20]),
    )


# The expiry pipeline -------------------------------------------------------------------------


@dataclass(frozen=True)
class Lead:
    """How long a re-procurement takes by the route the rules give: start to earliest contract."""

    route_name: str
    days: int
    rule_set_name: str = ""


LeadTime = Callable[[str, str, Decimal], Lead | None]


@dataclass(frozen=True)
class PipelineRow:
    contract: Contract
    category: str
    body_kind: str
    lead: Lead | None
    start_by: dt.date | None
    late: bool
    extension_until: dt.date | None


@dataclass(frozen=True)
class PipelineBand:
    months: int
    label: str
    rows: list[PipelineRow]


@dataclass(frozen=True)
class Pipeline:
    today: dt.date
    bands: list[PipelineBand]

    @property
    def late(self) -> int:
        return sum(1 for band in self.bands for row in band.rows if row.late)

    @property
    def rows(self) -> list[PipelineRow]:
        return [row for band in self.bands for row in band.rows]


def body_kind_of(organisation: Organisation) -> str:
    """Council or NHS: the kind of contracting authority the procurement rules ask about."""
    try:
        return routes.body_kind_of(organisation)
    except ValueError:  # not a public body; judged as a council's purchase would be
        return categories.COUNCIL


def engine_lead_time(partnership: Partnership, on: dt.date) -> LeadTime:
    """Lead times from the procurement rules in force on ``on`` (none where no rule applies)."""

    def lead(category: str, body_kind: str, value: Decimal) -> Lead | None:
        facts = rules.Facts(category=category, body_kind=body_kind, value=value, starts_on=on)
        try:
            decision = routes.route_for(partnership=partnership, facts=facts)
        except rules.NoRouteError:
            return None
        return Lead(
            route_name=decision.route_name,
            days=rules.minimum_lead_days(decision),
            rule_set_name=decision.rule_set_name,
        )

    return lead


def _thresholds(partnership: Partnership) -> list[Decimal]:
    """Every value at which some rule starts or stops applying: between two, the rules give one answer."""
    bands = Rule.objects.filter(Q(rule_set__partnership__isnull=True) | Q(rule_set__partnership=partnership))
    values = {
        value for pair in bands.values_list("min_value", "max_value") for value in pair if value is not None
    }
    return sorted(values)


def expiry_pipeline(
    *, partnership: Partnership, today: dt.date, lead_time: LeadTime | None = None
) -> Pipeline:
    """Live contracts ending within 6, 12 and 18 months, with the day their re-procurement must start.

    That day is the contract's end (the day after it, when the new contract must begin) less the
    minimum lead time of the route a re-procurement would need; unused extensions are shown, not
    assumed. A contract whose start-by day has passed is late.
    """
    lead_time = lead_time or engine_lead_time(partnership, today)
    horizon = categories.add_months(today, PIPELINE_BANDS[-1])
    contracts = list(
        Contract.objects.filter(
            partnership=partnership,
            status__in=(ContractStatus.ACTIVE, ContractStatus.DRAFT),
            ends_on__gte=today,
            ends_on__lte=horizon,
        )
        .select_related("provider__organisation", "lead_commissioner", "care_group")
        .order_by("ends_on", "reference")
    )
    thresholds = _thresholds(partnership) if contracts else []
    decided: dict[tuple[str, str, int], Lead | None] = {}
    limits = [(months, categories.add_months(today, months)) for months in PIPELINE_BANDS]
    bands: dict[int, list[PipelineRow]] = {months: [] for months in PIPELINE_BANDS}
    for contract in contracts:
        kind = body_kind_of(contract.lead_commissioner)
        category = categories.category_for(contract.service_type, kind)
        key = (category, kind, bisect_right(thresholds, contract.lifetime_value))
        if key not in decided:
            decided[key] = lead_time(category, kind, contract.lifetime_value)
        lead = decided[key]
        start_by = contract.ends_on + dt.timedelta(days=1 - lead.days) if lead is not None else None
        until = (
            categories.add_months(contract.ends_on + dt.timedelta(days=1), contract.extension_months)
            - dt.timedelta(days=1)
            if contract.extension_months
            else None
        )
        row = PipelineRow(
            contract=contract,
            category=category,
            body_kind=kind,
            lead=lead,
            start_by=start_by,
            late=start_by is not None and start_by < today,
            extension_until=until,
        )
        band = next(months for months, limit in limits if contract.ends_on <= limit)
        bands[band].append(row)
    labels = {6: "Ending within 6 months", 12: "Ending in 6 to 12 months", 18: "Ending in 12 to 18 months"}
    return Pipeline(
        today=today,
        bands=[
            PipelineBand(months=months, label=labels[months], rows=bands[months]) for months in PIPELINE_BANDS
        ],
    )


# The transparency code contract register --------------------------------------------------

TRANSPARENCY_HEADERS = (
    "Reference number",
    "Title of agreement",
    "Description of goods and/or services",
    "Supplier name",
    "Supplier Companies House number",
    "Supplier charity number",
    "Department or partner responsible",
    "Start date",
    "End date",
    "Review or extension date",
    "Value over the term (£)",
    "Value per year (£)",
    "Irrecoverable VAT (£)",
    "Let by tender or quote",
    "SME",
    "VCSE",
)


def transparency_rows(partnership: Partnership) -> Iterator[tuple[Any, ...]]:
    """The Local Government Transparency Code contract register: every contract over £5,000.

    Irrecoverable VAT is not recorded, so it is left blank as the code allows ("if known").
    """
    contracts = (
        Contract.objects.filter(partnership=partnership, lifetime_value__gt=TRANSPARENCY_THRESHOLD)
        .exclude(status=ContractStatus.DRAFT)
        .select_related("provider__organisation", "lead_commissioner")
        .order_by("reference")
    )
    for contract in contracts.iterator(chunk_size=2000):
        supplier = contract.provider.organisation
        extension = ""
        if contract.extension_months:
            until = categories.add_months(contract.ends_on + dt.timedelta(days=1), contract.extension_months)
            extension = (until - dt.timedelta(days=1)).isoformat()
        yield (
            contract.reference,
            contract.title,
            contract.description or contract.services or contract.get_service_type_display(),
            supplier.name,
            supplier.companies_house_number,
            supplier.charity_number,
            contract.lead_commissioner.name,
            contract.starts_on.isoformat(),
            contract.ends_on.isoformat(),
            extension,
            f"{contract.lifetime_value:.2f}",
            f"{contract.annual_value:.2f}",
            "",
            contract.get_award_route_display(),
            "Yes" if contract.provider.is_sme else "No",
            "Yes" if contract.provider.sector in (Sector.VCSE, Sector.SOCIAL_ENTERPRISE) else "No",
        )
