"""Writes to the contract register: validated, atomic, permission-checked and audited.

Every function needs ``Permission.MANAGE_CONTRACTS`` in the contract's partnership and refuses,
before anything is written, with a ``ValidationError`` keyed by field (``__all__`` when no one field
is at fault) or ``NotPermitted``. A contract's funding rows always add to its lifetime value to the
penny; errors about one funding row are keyed ``funding-<n>-<field>`` (n from 0, in the order
given), which is the id of that row's field in the funding formset, so a page can point at it.

A contract carries a ``version``: an update names the version it was made against and is refused
if someone else has saved the contract since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max

from commissioning.contracts import categories
from commissioning.contracts.models import (
    AwardRoute,
    Contract,
    ContractStatus,
    Frequency,
    Funding,
    Kpi,
    Outcome,
    PaymentBasis,
    Polarity,
)
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import AuditEvent, User
from commissioning.core.money import format_pounds
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.finance.models import BudgetLine, Contribution, PooledFund, Scheme
from commissioning.finance.services import commissioning_partners
from commissioning.market.models import (
    Milestone,
    Procurement,
    ProcurementStatus,
    Provider,
    ServiceType,
    Stage,
)
from commissioning.market.provider_services import sector_for
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership
from commissioning.partners.permissions import require_permission

PENNY = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_TARGET = Decimal("9999999999.9999")  # what a KPI's target (14 digits, 4 places) holds
CONTRACT_FIELDS = (
    "title",
    "description",
    "provider",
    "lead_commissioner",
    "care_group",
    "service_type",
    "services",
    "area",
    "starts_on",
    "ends_on",
    "extension_months",
    "extension_notes",
    "notice_months",
    "annual_value",
    "lifetime_value",
    "payment_basis",
    "award_route",
    "status",
    "contract_manager",
    "ocds_id",
)
KPI_FIELDS = ("code", "name", "definition", "unit", "target", "polarity", "frequency", "outcome")


@dataclass(frozen=True)
class FundingShare:
    """One partner's share of a contract's lifetime value, optionally from a fund, scheme or budget line."""

    organisation: Organisation
    amount: Decimal | int | str
    fund: PooledFund | None = None
    scheme: Scheme | None = None
    budget_line: BudgetLine | None = None


@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome to register with a contract."""

    title: str
    description: str = ""


@dataclass(frozen=True)
class KpiSpec:
    """A KPI to register with a contract; ``outcome`` is the title of one of its outcomes, if any."""

    code: str
    name: str
    definition: str
    polarity: str
    frequency: str
    unit: str = ""
    target: Decimal | int | str | None = None
    outcome: str = ""


# Shared checks ---------------------------------------------------------------------------


def _money(value: Any, *, what: str) -> tuple[Decimal | None, str | None]:
    """Money as an exact Decimal to the penny, or the reason it is not one (floats are refused)."""
    if isinstance(value, float):
        return None, f"{what} must be given as an exact sum (a Decimal), not a float ({value})."
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None, f"{what} must be a sum of money; {value!r} is not one."
    try:
        amount = Decimal(value.strip().replace("£", "").replace(",", "") if isinstance(value, str) else value)
    except InvalidOperation:
        return None, f"{what} must be a sum of money; {value!r} is not one."
    if not amount.is_finite():
        return None, f"{what} must be a sum of money; {value!r} is not one."
    if amount < 0:
        return None, f"{what} cannot be negative ({value})."
    if amount != amount.quantize(PENNY):
        return None, f"{what} is in pounds and pence; {value} has more than two decimal places."
    if amount > MAX_MONEY:
        return None, f"{what} is too large ({format_pounds(amount)})."
    return amount.quantize(PENNY), None


def _target(value: Any, code: str) -> tuple[Decimal | None, str | None]:
    """A KPI target: a number (Decimal, int or numeric text) or nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    problem = f"The target for {code} must be a number; {value!r} is not one."
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        return None, problem
    try:
        number = Decimal(value.strip().replace(",", "") if isinstance(value, str) else value)
    except InvalidOperation:
        return None, problem
    if not number.is_finite() or abs(number) > MAX_TARGET:
        return None, problem
    if number != number.quantize(Decimal("0.0001")):
        return None, f"The target for {code} has more than four decimal places ({value})."
    return number, None


def _not_a_partner(organisation: Organisation, partnership: Partnership) -> str:
    return (
        f"{organisation.name} is not a commissioning partner of {partnership.name}; "
        "only the host and partners fund or lead contracts."
    )


def _lock(contract: Contract) -> Contract:
    current = Contract.objects.select_for_update().filter(pk=contract.pk).first()
    if current is None:
        raise ValidationError({NON_FIELD_ERRORS: f"Contract {contract.reference} has been deleted."})
    return current


def _locked(contract: Contract, version: Any) -> Contract:
    """The contract as stored now, locked; refused if someone saved it since ``version``."""
    current = _lock(contract)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({NON_FIELD_ERRORS: f"Say which version of {contract.reference} you changed."})
    if version != current.version:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"Contract {contract.reference} was changed by someone else since you "
                f"opened it (now version {current.version}); reload to see their change."
            }
        )
    return current


def _check_contract(
    contract: Contract, partnership: Partnership, partners: Mapping[int, Organisation]
) -> dict[str, str]:
    """What is wrong with a contract's own fields, by field; money fields are made exact in place."""
    errors: dict[str, str] = {}
    contract.reference = (contract.reference or "").strip()
    contract.title = (contract.title or "").strip()
    if not contract.reference:
        errors["reference"] = "Give the contract a reference."
    elif (
        Contract.objects.filter(partnership=partnership, reference__iexact=contract.reference)
        .exclude(pk=contract.pk)
        .exists()
    ):
        errors["reference"] = (
            f"{partnership.name} already has a contract with the reference {contract.reference}."
        )
    if not contract.title:
        errors["title"] = "Give the contract a title."
    provider: Provider | None = contract.provider if contract.provider_id is not None else None
    if provider is None:
        errors["provider"] = "Choose the provider from the partnership's provider register."
    elif provider.partnership_id != partnership.pk:
        errors["provider"] = (
            f"{provider.organisation.name} is not in {partnership.name}'s provider register; "
            "add it there first."
        )
    lead: Organisation | None = contract.lead_commissioner if contract.lead_commissioner_id else None
    if lead is None:
        errors["lead_commissioner"] = "Choose the partner that leads the contract."
    elif lead.pk not in partners:
        errors["lead_commissioner"] = _not_a_partner(lead, partnership)
    care_group: CareGroup | None = contract.care_group if contract.care_group_id else None
    if care_group is not None and care_group.partnership_id != partnership.pk:
        errors["care_group"] = f"{care_group.name} is not a care group of {partnership.name}."
    procurement: Procurement | None = contract.procurement if contract.procurement_id else None
    if procurement is not None and procurement.partnership_id != partnership.pk:
        errors["procurement"] = f"Procurement {procurement.reference} belongs to another partnership."
    for field, choices, what in (
        ("service_type", ServiceType, "service type"),
        ("payment_basis", PaymentBasis, "payment basis"),
        ("award_route", AwardRoute, "way of letting a contract"),
        ("status", ContractStatus, "contract status"),
    ):
        value = getattr(contract, field)
        if value not in choices.values:
            names = ", ".join(choices.values)
            errors[field] = f"{value!r} is not a {what}; use one of {names}."
    starts, ends = contract.starts_on, contract.ends_on
    if not isinstance(starts, dt.date):
        errors["starts_on"] = "Give the date the contract starts."
    if not isinstance(ends, dt.date):
        errors["ends_on"] = "Give the date the contract ends."
    elif isinstance(starts, dt.date) and ends < starts:
        errors["ends_on"] = (
            f"The contract cannot end ({long_date(ends)}) before it starts ({long_date(starts)})."
        )
    for field, what in (("annual_value", "The annual value"), ("lifetime_value", "The lifetime value")):
        amount, problem = _money(getattr(contract, field), what=what)
        if problem:
            errors[field] = problem
        else:
            setattr(contract, field, amount)
    for field, what in (("extension_months", "Extension months"), ("notice_months", "Notice months")):
        value = getattr(contract, field)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600:
            errors[field] = f"{what} must be a whole number of months from 0 to 600, not {value!r}."
    return errors


def _funding_rows(
    shares: Sequence[FundingShare],
    lifetime_value: Decimal | None,
    partnership: Partnership,
    partners: Mapping[int, Organisation],
) -> tuple[list[Funding], dict[str, str]]:
    """Unsaved funding rows for ``shares``, and what is wrong with them keyed ``funding-<n>-<field>``."""
    errors: dict[str, str] = {}
    rows: list[Funding] = []
    funds = {share.fund.pk for share in shares if share.fund is not None} | {
        share.scheme.fund_id for share in shares if share.scheme is not None
    }
    contributors = set(
        Contribution.objects.filter(fund_id__in=funds).values_list("fund_id", "organisation_id").distinct()
    )
    seen: set[tuple[int, int | None, int | None, int | None]] = set()
    for index, share in enumerate(shares):
        key = f"funding-{index}-"
        organisation = share.organisation
        if organisation is None:
            errors[key + "organisation"] = "Choose the partner that funds this share."
            continue
        if organisation.pk not in partners:
            errors[key + "organisation"] = _not_a_partner(organisation, partnership)
        amount, problem = _money(share.amount, what=f"{organisation.name}'s share")
        if problem:
            errors[key + "amount"] = problem
        elif amount is not None and amount <= 0:
            errors[key + "amount"] = f"{organisation.name}'s share must be more than £0.00."
        fund, scheme, line = share.fund, share.scheme, share.budget_line
        if scheme is not None:
            if scheme.fund.partnership_id != partnership.pk:
                errors[key + "scheme"] = f"The scheme {scheme.name} belongs to another partnership."
            elif fund is not None and scheme.fund_id != fund.pk:
                errors[key + "scheme"] = f"The scheme {scheme.name} is not part of {fund.name}."
            fund = fund or scheme.fund
        if fund is not None:
            if fund.partnership_id != partnership.pk:
                errors[key + "fund"] = f"The fund {fund.name} belongs to another partnership."
            elif fund.host_id != organisation.pk and (fund.pk, organisation.pk) not in contributors:
                errors[key + "fund"] = (
                    f"{organisation.name} does not contribute to {fund.name}, so cannot fund a share from it."
                )
        if line is not None:
            if line.partnership_id != partnership.pk:
                errors[key + "budget_line"] = (
                    f"Budget line {line.cost_centre} belongs to another partnership."
                )
            elif line.organisation_id != organisation.pk:
                errors[key + "budget_line"] = (
                    f"Budget line {line.cost_centre} is not {organisation.name}'s; a share is paid from the "
                    "funder's own budget."
                )
        identity = (
            organisation.pk,
            fund.pk if fund else None,
            scheme.pk if scheme else None,
            line.pk if line else None,
        )
        if identity in seen:
            errors[key + "organisation"] = (
                f"{organisation.name}'s share from the same source is given twice; give it once."
            )
        seen.add(identity)
        if amount is not None:
            rows.append(
                Funding(organisation=organisation, fund=fund, scheme=scheme, budget_line=line, amount=amount)
            )
    if not errors and lifetime_value is not None:
        total = sum((row.amount for row in rows), Decimal("0.00"))
        if not shares and lifetime_value > 0:
            errors["funding"] = (
                f"Say who funds the contract: the funding must add to the lifetime value, "
                f"{format_pounds(lifetime_value)}."
            )
        elif total != lifetime_value:
            errors["funding"] = (
                f"The funding adds to {format_pounds(total)} but the lifetime value is "
                f"{format_pounds(lifetime_value)}; they must be equal."
            )
    return rows, errors


def _kpi_problems(kpi: Kpi, label: str) -> dict[str, str]:
    """What is wrong with one KPI, by field; the target is made a Decimal in place."""
    errors: dict[str, str] = {}
    kpi.code = (kpi.code or "").strip()
    kpi.name = (kpi.name or "").strip()
    kpi.definition = (kpi.definition or "").strip()
    if not kpi.code:
        errors["code"] = f"Give {label} a code, such as K1."
    elif len(kpi.code) > 20:
        errors["code"] = f"A KPI code has at most 20 characters; {kpi.code!r} is longer."
    if not kpi.name:
        errors["name"] = f"Give {label} a name."
    if not kpi.definition:
        errors["definition"] = f"Define {label}: what is counted, and how."
    target, problem = _target(kpi.target, kpi.code or label)
    if problem:
        errors["target"] = problem
    else:
        kpi.target = target
    if kpi.polarity not in Polarity.values:
        errors["polarity"] = f"{kpi.polarity!r} is not a polarity; use one of {', '.join(Polarity.values)}."
    if kpi.frequency not in Frequency.values:
        errors["frequency"] = (
            f"{kpi.frequency!r} is not a reporting frequency; use one of {', '.join(Frequency.values)}."
        )
    return errors


def _audit_many(auditor: Auditor, rows: Sequence[Any]) -> None:
    if rows:
        auditor.record_many(AuditEvent.Action.CREATE, [(row, None, snapshot(row)) for row in rows])


def _write_funding(auditor: Auditor, contract: Contract, rows: list[Funding]) -> list[Funding]:
    """Replace a contract's funding with ``rows``, auditing what went and what came."""
    for old in list(Funding.objects.filter(contract=contract)):
        before, pk = snapshot(old), old.pk
        old.delete()
        old.pk = pk
        auditor.deleted(old, before)
    for row in rows:
        row.contract = contract
    created = Funding.objects.bulk_create(rows)
    _audit_many(auditor, created)
    return created


# The register ----------------------------------------------------------------------------


@transaction.atomic
def register_contract(
    *,
    actor: User,
    partnership: Partnership,
    reference: str,
    title: str,
    provider: Provider,
    lead_commissioner: Organisation,
    starts_on: dt.date,
    ends_on: dt.date,
    annual_value: Decimal | int | str,
    lifetime_value: Decimal | int | str,
    payment_basis: str,
    service_type: str,
    funding: Sequence[FundingShare],
    care_group: CareGroup | None = None,
    services: str = "",
    area: Area | None = None,
    extension_months: int = 0,
    extension_notes: str = "",
    notice_months: int = 3,
    award_route: str = AwardRoute.TENDER,
    description: str = "",
    contract_manager: User | None = None,
    procurement: Procurement | None = None,
    status: str = ContractStatus.ACTIVE,
    ocds_id: str = "",
    outcomes: Iterable[OutcomeSpec] = (),
    kpis: Iterable[KpiSpec] = (),
) -> Contract:
    """Put a contract in the register with its funding, outcomes and KPIs, all or nothing.

    The funding must add to the lifetime value exactly; every funder and the lead commissioner
    must be a commissioning partner; the provider must be in this partnership's provider register.
    """
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    partners = commissioning_partners(partnership)
    contract = Contract(
        partnership=partnership,
        reference=reference,
        title=title,
        description=(description or "").strip(),
        provider=provider,
        lead_commissioner=lead_commissioner,
        procurement=procurement,
        care_group=care_group,
        service_type=service_type,
        services=(services or "").strip(),
        area=area,
        starts_on=starts_on,
        ends_on=ends_on,
        extension_months=extension_months,
        extension_notes=(extension_notes or "").strip(),
        notice_months=notice_months,
        annual_value=annual_value,
        lifetime_value=lifetime_value,
        payment_basis=payment_basis,
        award_route=award_route,
        status=status,
        contract_manager=contract_manager,
        ocds_id=(ocds_id or "").strip(),
    )
    errors = _check_contract(contract, partnership, partners)
    lifetime = None if "lifetime_value" in errors else contract.lifetime_value
    funding_rows, funding_errors = _funding_rows(list(funding), lifetime, partnership, partners)
    errors |= funding_errors
    outcome_rows = [
        Outcome(title=(spec.title or "").strip(), description=(spec.description or "").strip(), position=i)
        for i, spec in enumerate(outcomes)
    ]
    if any(not row.title for row in outcome_rows):
        errors["outcomes"] = "Give every outcome a title."
    by_title = {row.title.casefold(): row for row in outcome_rows}
    kpi_rows: list[tuple[Kpi, str]] = []
    kpi_errors: list[str] = []
    codes: set[str] = set()
    for i, spec in enumerate(kpis):
        kpi = Kpi(
            code=spec.code,
            name=spec.name,
            definition=spec.definition,
            unit=(spec.unit or "").strip(),
            target=spec.target,
            polarity=spec.polarity,
            frequency=spec.frequency,
            position=i,
        )
        problems = _kpi_problems(kpi, f"KPI {i + 1}")
        kpi_errors += [f"KPI {kpi.code or i + 1}: {message}" for message in problems.values()]
        if kpi.code and kpi.code.upper() in codes:
            kpi_errors.append(f"The KPI code {kpi.code} is used twice; each KPI needs its own code.")
        codes.add(kpi.code.upper())
        wanted = (spec.outcome or "").strip()
        if wanted and wanted.casefold() not in by_title:
            kpi_errors.append(f"KPI {kpi.code}: the contract has no outcome called {wanted!r}.")
        kpi_rows.append((kpi, wanted))
    if kpi_errors:
        errors["kpis"] = " ".join(kpi_errors)
    if errors:
        raise ValidationError(errors)
    validate(contract)
    contract.save()
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.created(
        contract,
        summary=f"Contract {contract.reference} registered, {format_pounds(contract.lifetime_value)}",
    )
    _write_funding(auditor, contract, funding_rows)
    for row in outcome_rows:
        row.contract = contract
    _audit_many(auditor, Outcome.objects.bulk_create(outcome_rows))
    for kpi, wanted in kpi_rows:
        kpi.contract = contract
        kpi.outcome = by_title[wanted.casefold()] if wanted else None
    _audit_many(auditor, Kpi.objects.bulk_create([kpi for kpi, _ in kpi_rows]))
    return contract


@transaction.atomic
def update_contract(
    *,
    actor: User,
    contract: Contract,
    version: int,
    funding: Sequence[FundingShare] | None = None,
    **fields: Any,
) -> Contract:
    """Change a contract's terms, refused if someone else saved it since ``version``.

    A change of lifetime value needs the funding with it (``funding=``), so the two stay equal.
    """
    partnership = contract.partnership
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    current = _locked(contract, version)
    unknown = set(fields) - set(CONTRACT_FIELDS) - {"reference", "procurement"}
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    partners = commissioning_partners(partnership)
    errors = _check_contract(current, partnership, partners)
    rows: list[Funding] = []
    if funding is not None:
        lifetime = None if "lifetime_value" in errors else current.lifetime_value
        rows, funding_errors = _funding_rows(list(funding), lifetime, partnership, partners)
        errors |= funding_errors
    elif "lifetime_value" not in errors and current.lifetime_value != Decimal(before["lifetime_value"]):
        total = sum(
            Funding.objects.filter(contract=current).values_list("amount", flat=True), Decimal("0.00")
        )
        if total != current.lifetime_value:
            errors["lifetime_value"] = (
                f"The funding adds to {format_pounds(total)} but the lifetime value would be "
                f"{format_pounds(current.lifetime_value)}; change the funding with the value."
            )
    if errors:
        raise ValidationError(errors)
    validate(current)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    if snapshot(current) != before:
        current.version += 1
        current.save()
        auditor.updated(current, before)
    if funding is not None:
        _write_funding(auditor, current, rows)
    return current


@transaction.atomic
def set_funding(*, actor: User, contract: Contract, funding: Sequence[FundingShare]) -> list[Funding]:
    """Replace who pays for a contract; the shares must add to its lifetime value exactly."""
    partnership = contract.partnership
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    current = _lock(contract)
    partners = commissioning_partners(partnership)
    rows, errors = _funding_rows(list(funding), current.lifetime_value, partnership, partners)
    if errors:
        raise ValidationError(errors)
    return _write_funding(Auditor(actor, partnership_id=partnership.pk), current, rows)


@transaction.atomic
def add_outcome(*, actor: User, contract: Contract, title: str, description: str = "") -> Outcome:
    """Add an outcome the contract is held to."""
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=contract.partnership)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the outcome a title."})
    if Outcome.objects.filter(contract=contract, title__iexact=title).exists():
        raise ValidationError({"title": f"Contract {contract.reference} already has the outcome {title!r}."})
    last = Outcome.objects.filter(contract=contract).aggregate(last=Max("position"))["last"]
    outcome = Outcome.objects.create(
        contract=contract,
        title=title,
        description=(description or "").strip(),
        position=0 if last is None else last + 1,
    )
    Auditor(actor, partnership_id=contract.partnership_id).created(outcome)
    return outcome


def _check_kpi(kpi: Kpi, contract: Contract) -> None:
    errors = _kpi_problems(kpi, "the KPI")
    if (
        "code" not in errors
        and Kpi.objects.filter(contract=contract, code__iexact=kpi.code).exclude(pk=kpi.pk).exists()
    ):
        errors["code"] = f"Contract {contract.reference} already has a KPI with the code {kpi.code}."
    outcome: Outcome | None = kpi.outcome if kpi.outcome_id else None
    if outcome is not None and outcome.contract_id != contract.pk:
        errors["outcome"] = f"The outcome {outcome.title!r} belongs to another contract."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_kpi(
    *,
    actor: User,
    contract: Contract,
    code: str,
    name: str,
    definition: str,
    polarity: str,
    frequency: str,
    unit: str = "",
    target: Decimal | int | str | None = None,
    outcome: Outcome | None = None,
) -> Kpi:
    """Add a KPI: its definition, target, which way is better and how often it is reported."""
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=contract.partnership)
    last = Kpi.objects.filter(contract=contract).aggregate(last=Max("position"))["last"]
    kpi = Kpi(
        contract=contract,
        outcome=outcome,
        code=code,
        name=name,
        definition=definition,
        unit=(unit or "").strip(),
        target=target,
        polarity=polarity,
        frequency=frequency,
        position=0 if last is None else last + 1,
    )
    _check_kpi(kpi, contract)
    kpi.save()
    Auditor(actor, partnership_id=contract.partnership_id).created(kpi)
    return kpi


@transaction.atomic
def update_kpi(*, actor: User, kpi: Kpi, **fields: Any) -> Kpi:
    """Change a KPI's definition, target, polarity, frequency or outcome."""
    contract = kpi.contract
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=contract.partnership)
    unknown = set(fields) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    current = Kpi.objects.select_for_update().get(pk=kpi.pk)
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_kpi(current, contract)
    if snapshot(current) != before:
        current.save()
        Auditor(actor, partnership_id=contract.partnership_id).updated(current, before)
    return current


def _spread(rows: Sequence[Funding], extra: Decimal) -> list[Decimal]:
    """``extra`` shared across the rows in proportion to their amounts; leftover pence to the largest."""
    total = sum((row.amount for row in rows), Decimal("0.00"))
    if total <= 0:
        return [extra] + [Decimal("0.00")] * (len(rows) - 1)
    parts = [(extra * row.amount / total).quantize(PENNY, rounding=ROUND_HALF_UP) for row in rows]
    largest = max(range(len(rows)), key=lambda i: rows[i].amount)
    parts[largest] += extra - sum(parts, Decimal("0.00"))
    return parts


@transaction.atomic
def extend_contract(*, actor: User, contract: Contract, months: int) -> Contract:
    """Take up ``months`` of the contract's extension option.

    The end date moves on, the extension months left go down, and the lifetime value grows by the
    annual value for the months taken, shared among the funders as the contract already is.
    """
    partnership = contract.partnership
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    current = _lock(contract)
    if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
        raise ValidationError(
            {"months": f"Extend by a whole number of months, more than 0; {months!r} is not."}
        )
    if current.status not in (ContractStatus.ACTIVE, ContractStatus.DRAFT):
        raise ValidationError(
            {"months": f"Contract {current.reference} has {current.get_status_display().lower()}."}
        )
    if months > current.extension_months:
        left = current.extension_months
        raise ValidationError(
            {
                "months": f"Contract {current.reference} can be extended by at most {left} more month"
                f"{'' if left == 1 else 's'}; {months} asked for."
            }
        )
    before = snapshot(current)
    old_end = current.ends_on
    current.ends_on = categories.add_months(old_end + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    current.extension_months -= months
    extra = (current.annual_value * months / 12).quantize(PENNY, rounding=ROUND_HALF_UP)
    current.lifetime_value += extra
    current.version += 1
    current.save()
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.updated(
        current,
        before,
        summary=f"Extended by {months} months from {long_date(old_end)} to {long_date(current.ends_on)}",
    )
    rows = list(Funding.objects.select_for_update().filter(contract=current).order_by("pk"))
    if rows and extra:
        for row, part in zip(rows, _spread(rows, extra), strict=True):
            row_before = snapshot(row)
            row.amount += part
            row.save(update_fields=["amount"])
            auditor.updated(row, row_before)
    return current


@transaction.atomic
def end_contract(
    *, actor: User, contract: Contract, ended_on: dt.date | None = None, terminated: bool = False
) -> Contract:
    """Record that a contract has ended, or was terminated early (``ended_on`` before its end date)."""
    partnership = contract.partnership
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    current = _lock(contract)
    if current.status in (ContractStatus.ENDED, ContractStatus.TERMINATED):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"Contract {current.reference} has already "
                f"{current.get_status_display().lower()}."
            }
        )
    before = snapshot(current)
    if ended_on is not None:
        if ended_on < current.starts_on:
            raise ValidationError(
                {
                    "ended_on": f"The contract cannot end ({long_date(ended_on)}) before it starts "
                    f"({long_date(current.starts_on)})."
                }
            )
        if ended_on > current.ends_on:
            raise ValidationError(
                {
                    "ended_on": f"The contract runs to {long_date(current.ends_on)}; extend it rather than "
                    f"ending it later ({long_date(ended_on)})."
                }
            )
        current.ends_on = ended_on
    current.status = ContractStatus.TERMINATED if terminated else ContractStatus.ENDED
    current.version += 1
    current.save()
    Auditor(actor, partnership_id=partnership.pk).updated(current, before)
    return current


# Award to contract ------------------------------------------------------------------------


def award_route_for(route: str) -> str:
    """How the transparency code describes a procurement route: direct award, framework, quote or tender."""
    text = (route or "").lower()
    if "direct" in text:
        return AwardRoute.DIRECT_AWARD
    if "framework" in text:
        return AwardRoute.FRAMEWORK
    if "quote" in text:
        return AwardRoute.QUOTE
    if "grant" in text:
        return AwardRoute.GRANT
    return AwardRoute.TENDER


def _provider_for_bidder(auditor: Auditor, partnership: Partnership, bidder: Organisation) -> Provider:
    provider = Provider.objects.filter(partnership=partnership, organisation=bidder).first()
    if provider is None:
        provider = Provider.objects.create(
            partnership=partnership,
            organisation=bidder,
            sector=sector_for(bidder.kind),
        )
        auditor.created(provider, summary=f"{bidder.name} added to the provider register on award")
    return provider


@transaction.atomic
def register_awarded_contract(
    *,
    actor: User,
    procurement: Procurement,
    reference: str,
    starts_on: dt.date,
    ends_on: dt.date,
    funding: Sequence[FundingShare],
    title: str = "",
    lifetime_value: Decimal | int | str | None = None,
    annual_value: Decimal | int | str | None = None,
    payment_basis: str = PaymentBasis.BLOCK,
    lead_commissioner: Organisation | None = None,
    **rest: Any,
) -> Contract:
    """Register the contract an awarded procurement produced, and mark the procurement signed.

    The provider is the winning bidder (added to the provider register if it is not there yet), the
    lifetime value defaults to the winning price, the annual value to that spread over the term,
    and the care group and service type come from the procurement.
    """
    partnership = procurement.partnership
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    current = (
        Procurement.objects.select_for_update(of=("self",))
        .select_related("awarded_bid__bidder")
        .get(pk=procurement.pk)
    )
    bid = current.awarded_bid
    if current.status != ProcurementStatus.AWARDED or bid is None:
        raise ValidationError(
            {
                "procurement": f"Procurement {current.reference} has not been awarded yet "
                f"({current.get_status_display().lower()}); a contract follows the award."
            }
        )
    if Contract.objects.filter(procurement=current).exists():
        raise ValidationError({"procurement": f"Procurement {current.reference} already has its contract."})
    lifetime: Decimal | int | str = (
        bid.price if lifetime_value is None or lifetime_value == "" else lifetime_value
    )
    annual: Decimal | int | str = lifetime
    if annual_value is not None and annual_value != "":
        annual = annual_value
    elif isinstance(starts_on, dt.date) and isinstance(ends_on, dt.date) and ends_on >= starts_on:
        money, _ = _money(lifetime, what="The lifetime value")
        if money is not None:
            months = categories.term_months(starts_on, ends_on)
            annual = (money * 12 / months).quantize(PENNY, rounding=ROUND_HALF_UP)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    provider = _provider_for_bidder(auditor, partnership, bid.bidder)
    rest.setdefault("award_route", award_route_for(current.route))
    rest.setdefault("care_group", current.care_group)
    rest.setdefault("description", current.description)
    contract = register_contract(
        actor=actor,
        partnership=partnership,
        reference=reference,
        title=title or current.title,
        provider=provider,
        lead_commissioner=lead_commissioner or current.commissioning_body,
        starts_on=starts_on,
        ends_on=ends_on,
        annual_value=annual,
        lifetime_value=lifetime,
        payment_basis=payment_basis,
        service_type=current.service_type,
        funding=funding,
        procurement=current,
        **rest,
    )
    before = snapshot(current)
    current.stage = Stage.CONTRACT
    current.version += 1
    current.save(update_fields=["stage", "version"])
    auditor.updated(current, before, summary=f"Contract {contract.reference} signed")
    Milestone.objects.update_or_create(
        procurement=current, stage=Stage.CONTRACT, defaults={"reached_on": dt.date.today()}
    )
    return contract
