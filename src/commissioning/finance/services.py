"""Writes to finance: validated, atomic, permission-checked and audited, money exact to the penny.

Every function here needs ``Permission.MANAGE_FINANCE`` and records each change to money in the audit
trail. A refusal raises ``ValidationError`` keyed by field (``__all__`` when no one field is at fault)
or ``NotPermitted``, always before anything is written, inside one transaction, so nothing is ever
half-saved. Money is given as ``Decimal`` (an int or a numeric string will also do): floats are refused
because they cannot hold pence exactly, and so are negative sums and fractions of a penny, each with a
message naming the field and the value.

Pooled funds and budget lines carry a ``version``: an update names the version it was made against
and is refused if someone else has changed the record since, so the second of two people editing the
same line is told rather than silently overwriting the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.finance import settlement
from commissioning.finance.models import (
    FULL_SHARE,
    Actual,
    Arrangement,
    BudgetLine,
    Contribution,
    Forecast,
    JointPost,
    PooledFund,
    PostShare,
    PreventionTarget,
    RiskShare,
    RiskShareRule,
    Scheme,
    SchemeFunding,
    Tier,
)
from commissioning.governance.models import Agreement, Team
from commissioning.governance.rules import financial_year_label, money
from commissioning.partners.models import CareGroup, Organisation, Partnership, PartnershipMember
from commissioning.partners.permissions import require_permission

PENNY = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")  # what a MoneyField holds
FIRST_YEAR, LAST_YEAR = 1990, 2100
FUND_FIELDS = ("name", "host", "purpose", "starts_on", "ends_on", "risk_share_rule", "agreement")
SCHEME_FIELDS = ("name", "scheme_type", "commissioner", "provider_type", "provider", "tier", "care_group")
BUDGET_LINE_FIELDS = (
    "organisation",
    "financial_year",
    "cost_centre",
    "service_area",
    "tier",
    "amount",
    "arrangement",
    "care_group",
    "fund",
    "scheme",
)

Versioned = TypeVar("Versioned", PooledFund, BudgetLine)
Funding = tuple[Organisation, int, Decimal]


# Shared checks ---------------------------------------------------------------------------


def _money(value: Any, field: str, *, what: str = "The amount") -> Decimal:
    """Money as an exact Decimal to the penny; floats are refused because they cannot hold pence."""
    if isinstance(value, float):
        raise ValidationError(
            {field: f"{what} must be given as an exact sum (a Decimal), not a float ({value})."}
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."})
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{what} must be a sum of money; {value!r} is not one."})
    if amount < 0:
        raise ValidationError({field: f"{what} cannot be negative ({value})."})
    if amount != amount.quantize(PENNY):
        raise ValidationError(
            {field: f"{what} is in pounds and pence; {value} has more than two decimal places."}
        )
    if amount > MAX_MONEY:
        raise ValidationError({field: f"{what} is too large ({money(amount)})."})
    return amount.quantize(PENNY)


def _share(value: Any, field: str, *, what: str = "A share") -> int:
    """A share in whole basis points, 0 to 10,000 (100 %)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            {field: f"{what} is given in whole basis points (2500 is 25 %), not {value!r}."}
        )
    if not 0 <= value <= FULL_SHARE:
        raise ValidationError(
            {field: f"{what} must be between 0 and 10,000 basis points (0 % to 100 %); {value} is not."}
        )
    return value


def _adds_to_full(shares: Iterable[int], field: str) -> None:
    total = sum(shares)
    if total != FULL_SHARE:
        raise ValidationError({field: f"Shares add to {settlement.percent(total)} %, not 100 %."})


def _year(value: Any, field: str = "financial_year") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(
            {field: f"A financial year is the year it starts, e.g. 2025 for 2025/26; {value!r} is not one."}
        )
    return value


def _same_partnership(partnership_id: int, partnership: Partnership, what: str) -> None:
    if partnership_id != partnership.pk:
        raise NotPermitted(f"That {what} belongs to another partnership.")


def _apply(obj: models.Model, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


def commissioning_partners(partnership: Partnership) -> dict[int, Organisation]:
    """The host and partners, who commit money (associates do not): id -> organisation, host first."""
    members = (
        PartnershipMember.objects.filter(partnership=partnership)
        .exclude(role=PartnershipMember.Role.ASSOCIATE)
        .select_related("organisation")
        .order_by("role", "organisation__name")  # "host" sorts before "partner"
    )
    return {member.organisation_id: member.organisation for member in members}


def _not_a_partner(organisation: Organisation, partnership: Partnership) -> str:
    return (
        f"{organisation.name} is not a commissioning partner of {partnership.name}; "
        "only the host and partners commit money."
    )


def _check_partner(
    organisation: Organisation | None,
    partners: Mapping[int, Organisation],
    partnership: Partnership,
    field: str,
) -> None:
    if organisation is None:
        raise ValidationError({field: "Choose one of the partnership's commissioning partners."})
    if organisation.pk not in partners:
        raise ValidationError({field: _not_a_partner(organisation, partnership)})


def _check_care_group(care_group: CareGroup | None, partnership: Partnership) -> None:
    if care_group is not None and care_group.partnership_id != partnership.pk:
        raise ValidationError({"care_group": f"{care_group.name} is not a care group of {partnership.name}."})


def _check_tier(tier: str) -> None:
    if tier not in Tier.values:
        names = ", ".join(Tier.values)
        raise ValidationError({"tier": f"{tier!r} is not a tier; use one of {names}."})


def _fund_runs_in(fund: PooledFund, year: int, field: str = "financial_year") -> None:
    """Refuse money for a year the fund does not run in (a financial year is 1 April to 31 March)."""
    starts, ends = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    if ends < fund.starts_on or (fund.ends_on is not None and fund.ends_on < starts):
        span = f"from {long_date(fund.starts_on)}" + (
            f" to {long_date(fund.ends_on)}" if fund.ends_on else ""
        )
        raise ValidationError(
            {field: f"{fund.name} runs {span}, so it has no money in {financial_year_label(year)}."}
        )


def _locked(obj: Versioned, version: Any, what: str) -> Versioned:
    """The record as it is now, locked for this transaction; refused if changed since ``version``.

    Optimistic locking: the caller read ``version`` when the person opened the record. If the stored
    version has moved on, someone else saved in between, and saving now would silently undo their work.
    """
    model = type(obj)
    current = model.objects.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"{what} has been deleted by someone else since you opened it."}
        )
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({NON_FIELD_ERRORS: f"Say which version of {what} you changed."})
    if version != current.version:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{what} was changed by someone else since you opened it "
                f"(now version {current.version}); reload to see their change."
            }
        )
    return current


def _sync(
    auditor: Auditor,
    existing: Mapping[Any, models.Model],
    wanted: Mapping[Any, dict[str, Any]],
    make: Any,
) -> list[Any]:
    """Make the stored rows match ``wanted`` (key -> field values): update, create, delete, each audited."""
    rows: list[Any] = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = make(**values)
            row.save()
            auditor.created(row)
        else:
            before = snapshot(row)
            for name, value in values.items():
                setattr(row, name, value)
            if snapshot(row) != before:
                row.save()
                auditor.updated(row, before)
        rows.append(row)
    for key, row in existing.items():
        if key not in wanted:
            before, pk = snapshot(row), row.pk
            row.delete()
            row.pk = pk  # so the event names the row that went
            auditor.deleted(row, before)
    return rows


# Pooled funds ----------------------------------------------------------------------------


def _fund_of(fund: PooledFund, partnership: Partnership) -> None:
    _same_partnership(fund.partnership_id, partnership, "pooled fund")


def _fund_label(fund: PooledFund) -> str:
    return f"The pooled fund {fund.name}"


def _check_fund(fund: PooledFund, partnership: Partnership) -> None:
    """A fund that makes sense for this partnership; raises before anything is saved."""
    errors: dict[str, str] = {}
    if not fund.name:
        errors["name"] = "Give the fund a name."
    elif (
        PooledFund.objects.filter(partnership=partnership, name__iexact=fund.name)
        .exclude(pk=fund.pk)
        .exists()
    ):
        errors["name"] = f"{partnership.name} already has a pooled fund called {fund.name}."
    if not fund.purpose:
        errors["purpose"] = "Say what the fund is for."
    host: Organisation | None = fund.host if fund.host_id is not None else None
    if host is None:
        errors["host"] = "Choose the partner that hosts the fund."
    elif host.pk not in commissioning_partners(partnership):
        errors["host"] = f"The host must be a commissioning partner: {_not_a_partner(host, partnership)}"
    if not isinstance(fund.starts_on, dt.date):
        errors["starts_on"] = "Give the date the fund starts."
    elif fund.ends_on is not None and fund.ends_on < fund.starts_on:
        errors["ends_on"] = (
            f"The fund cannot end ({long_date(fund.ends_on)}) before it starts ({long_date(fund.starts_on)})."
        )
    if fund.risk_share_rule not in RiskShareRule.values:
        rules = ", ".join(RiskShareRule.values)
        errors["risk_share_rule"] = f"{fund.risk_share_rule!r} is not a risk-share rule; use one of {rules}."
    agreement: Agreement | None = fund.agreement if fund.agreement_id is not None else None
    if agreement is not None and agreement.partnership_id != partnership.pk:
        errors["agreement"] = f"{agreement.title} is not an agreement of {partnership.name}."
    if errors:
        raise ValidationError(errors)
    if fund.pk is not None:
        years = Contribution.objects.filter(fund=fund).values_list("financial_year", flat=True).distinct()
        for year in sorted(years):
            _fund_runs_in(fund, year, "starts_on" if dt.date(year + 1, 3, 31) < fund.starts_on else "ends_on")
    validate(fund)


@transaction.atomic
def fund_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    host: Organisation,
    purpose: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    risk_share_rule: str = RiskShareRule.PROPORTIONAL,
    agreement: Agreement | None = None,
) -> PooledFund:
    """Set up a pooled fund (Section 75 or similar), hosted by one of the commissioning partners."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    fund = PooledFund(
        partnership=partnership,
        name=name.strip(),
        host=host,
        purpose=purpose.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        risk_share_rule=risk_share_rule,
        agreement=agreement,
    )
    _check_fund(fund, partnership)
    fund.save()
    Auditor(actor, partnership_id=partnership.pk).created(fund)
    return fund


@transaction.atomic
def fund_update(
    *, actor: User, partnership: Partnership, fund: PooledFund, version: int, **fields: Any
) -> PooledFund:
    """Change a fund's terms, refused if someone else changed it since ``version``; returns it as saved."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _fund_of(fund, partnership)
    current = _locked(fund, version, _fund_label(fund))
    before = snapshot(current)
    _apply(current, fields, FUND_FIELDS)
    _check_fund(current, partnership)
    if snapshot(current) == before:
        return current
    current.version += 1
    current.save()
    Auditor(actor, partnership_id=partnership.pk).updated(current, before)
    return current


@transaction.atomic
def contributions_set(
    *,
    actor: User,
    partnership: Partnership,
    fund: PooledFund,
    financial_year: int,
    amounts: Mapping[Organisation, Decimal],
) -> list[Contribution]:
    """Replace the partners' contributions to a fund for one year; their shares follow from the amounts."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _fund_of(fund, partnership)
    year = _year(financial_year)
    _fund_runs_in(fund, year)
    partners = commissioning_partners(partnership)
    wanted: dict[int, dict[str, Any]] = {}
    for organisation, value in amounts.items():
        if organisation.pk not in partners:
            raise ValidationError({"amounts": _not_a_partner(organisation, partnership)})
        amount = _money(value, "amounts", what=f"{organisation.name}'s contribution")
        wanted[organisation.pk] = {
            "fund": fund,
            "organisation": organisation,
            "financial_year": year,
            "amount": amount,
        }
    if sum(values["amount"] for values in wanted.values()) <= 0:
        raise ValidationError(
            {
                "amounts": f"The contributions for {financial_year_label(year)} add up to £0.00; give each "
                "partner's contribution."
            }
        )
    existing = {
        row.organisation_id: row
        for row in Contribution.objects.select_for_update().filter(fund=fund, financial_year=year)
    }
    return _sync(Auditor(actor, partnership_id=partnership.pk), existing, wanted, Contribution)


@transaction.atomic
def risk_shares_set(
    *,
    actor: User,
    partnership: Partnership,
    fund: PooledFund,
    shares: Mapping[Organisation, tuple[int, Decimal | None]],
) -> list[RiskShare]:
    """Replace the fund's fixed risk shares (basis points adding to 10,000) and caps for the capped rule."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _fund_of(fund, partnership)
    partners = commissioning_partners(partnership)
    wanted: dict[int, dict[str, Any]] = {}
    for organisation, given in shares.items():
        if organisation.pk not in partners:
            raise ValidationError({"shares": _not_a_partner(organisation, partnership)})
        if not isinstance(given, tuple) or len(given) != 2:
            raise ValidationError(
                {"shares": f"Give {organisation.name}'s share and cap (or None) as a pair."}
            )
        share_bp, cap = given
        wanted[organisation.pk] = {
            "fund": fund,
            "organisation": organisation,
            "share_bp": _share(share_bp, "shares", what=f"{organisation.name}'s share"),
            "cap": None if cap is None else _money(cap, "shares", what=f"{organisation.name}'s cap"),
        }
    _adds_to_full((values["share_bp"] for values in wanted.values()), "shares")
    existing = {row.organisation_id: row for row in RiskShare.objects.select_for_update().filter(fund=fund)}
    return _sync(Auditor(actor, partnership_id=partnership.pk), existing, wanted, RiskShare)


# Schemes ---------------------------------------------------------------------------------


def _check_scheme(scheme: Scheme, partnership: Partnership) -> None:
    errors: dict[str, str] = {}
    if not scheme.name:
        errors["name"] = "Give the scheme a name."
    elif Scheme.objects.filter(fund=scheme.fund, name__iexact=scheme.name).exclude(pk=scheme.pk).exists():
        errors["name"] = f"{scheme.fund.name} already has a scheme called {scheme.name}."
    if not scheme.scheme_type:
        errors["scheme_type"] = "Say what type of scheme this is, e.g. Reablement."
    commissioner: Organisation | None = scheme.commissioner if scheme.commissioner_id is not None else None
    if commissioner is None:
        errors["commissioner"] = "Choose the partner that commissions the scheme."
    elif commissioner.pk not in commissioning_partners(partnership):
        errors["commissioner"] = _not_a_partner(commissioner, partnership)
    if errors:
        raise ValidationError(errors)
    _check_tier(scheme.tier)
    _check_care_group(scheme.care_group, partnership)
    validate(scheme)


def _funding(
    scheme: Scheme, funding: Iterable[Funding], partnership: Partnership
) -> dict[tuple[int, int], dict[str, Any]]:
    """Planned spending per (partner, year), checked: a partner of the partnership, a year of the fund."""
    partners = commissioning_partners(partnership)
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for item in funding:
        if not isinstance(item, tuple) or len(item) != 3:
            raise ValidationError({"funding": "Give each source of funding as (partner, year, amount)."})
        organisation, year, value = item
        if organisation.pk not in partners:
            raise ValidationError({"funding": _not_a_partner(organisation, partnership)})
        year = _year(year, "funding")
        _fund_runs_in(scheme.fund, year, "funding")
        key = (organisation.pk, year)
        if key in wanted:
            raise ValidationError(
                {"funding": f"{organisation.name}'s funding for {financial_year_label(year)} is given twice."}
            )
        what = f"{organisation.name}'s funding for {financial_year_label(year)}"
        wanted[key] = {
            "scheme": scheme,
            "organisation": organisation,
            "financial_year": year,
            "amount": _money(value, "funding", what=what),
        }
    return wanted


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    partnership: Partnership,
    fund: PooledFund,
    name: str,
    scheme_type: str,
    commissioner: Organisation,
    provider_type: str = "",
    provider: Organisation | None = None,
    tier: str = Tier.COMMUNITY,
    care_group: CareGroup | None = None,
    funding: Iterable[Funding] = (),
) -> Scheme:
    """Add a scheme to a fund with its planned spending from each partner, per year."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _fund_of(fund, partnership)
    scheme = Scheme(
        fund=fund,
        name=name.strip(),
        scheme_type=scheme_type.strip(),
        commissioner=commissioner,
        provider_type=provider_type.strip(),
        provider=provider,
        tier=tier,
        care_group=care_group,
    )
    _check_scheme(scheme, partnership)
    wanted = _funding(scheme, funding, partnership)
    scheme.save()
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.created(scheme)
    _sync(auditor, {}, wanted, SchemeFunding)
    return scheme


@transaction.atomic
def scheme_update(
    *,
    actor: User,
    partnership: Partnership,
    scheme: Scheme,
    funding: Iterable[Funding] | None = None,
    **fields: Any,
) -> Scheme:
    """Change a scheme; ``funding``, when given, replaces all its planned spending."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _same_partnership(scheme.fund.partnership_id, partnership, "scheme")
    before = snapshot(scheme)
    _apply(scheme, fields, SCHEME_FIELDS)
    _check_scheme(scheme, partnership)
    wanted = None if funding is None else _funding(scheme, funding, partnership)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    if snapshot(scheme) != before:
        scheme.save()
        auditor.updated(scheme, before)
    if wanted is not None:
        existing = {
            (row.organisation_id, row.financial_year): row
            for row in SchemeFunding.objects.select_for_update().filter(scheme=scheme)
        }
        _sync(auditor, existing, wanted, SchemeFunding)
    return scheme


# Budget lines ----------------------------------------------------------------------------


def _line_label(line: BudgetLine) -> str:
    return (
        f"The budget line {line.cost_centre} ({line.organisation.name}, "
        f"{financial_year_label(line.financial_year)})"
    )


def _check_budget_line(line: BudgetLine, partnership: Partnership) -> None:
    """A partner's budget line that makes sense for this partnership; raises before anything is saved."""
    organisation: Organisation | None = line.organisation if line.organisation_id is not None else None
    _check_partner(organisation, commissioning_partners(partnership), partnership, "organisation")
    assert organisation is not None
    year = _year(line.financial_year)
    line.amount = _money(line.amount, "amount")
    errors: dict[str, str] = {}
    if not line.cost_centre:
        errors["cost_centre"] = "Give the ledger's cost centre code, used to match actuals to this budget."
    else:
        clash = (
            BudgetLine.objects.filter(
                partnership=partnership,
                organisation=organisation,
                financial_year=year,
                cost_centre__iexact=line.cost_centre,
            )
            .exclude(pk=line.pk)
            .first()
        )
        if clash is not None:
            errors["cost_centre"] = (
                f"{organisation.name} already has cost centre {clash.cost_centre} in "
                f"{financial_year_label(year)} ({clash.service_area}); a cost centre is used once per "
                "partner and year."
            )
    if not line.service_area:
        errors["service_area"] = "Say which service area the budget is for."
    if line.arrangement not in Arrangement.values:
        errors["arrangement"] = (
            f"{line.arrangement!r} is not an arrangement; use one of {', '.join(Arrangement.values)}."
        )
    if errors:
        raise ValidationError(errors)
    _check_tier(line.tier)
    _check_care_group(line.care_group, partnership)
    fund: PooledFund | None = line.fund if line.fund_id is not None else None
    scheme: Scheme | None = line.scheme if line.scheme_id is not None else None
    if fund is None:
        if line.arrangement == Arrangement.POOLED:
            raise ValidationError({"fund": "A pooled budget is part of a pooled fund: choose the fund."})
        if scheme is not None:
            raise ValidationError({"fund": f"The scheme {scheme.name} sits in a fund: choose that fund too."})
    else:
        if fund.partnership_id != partnership.pk:
            raise ValidationError({"fund": f"{fund.name} is not a pooled fund of {partnership.name}."})
        if line.arrangement == Arrangement.SINGLE:
            raise ValidationError(
                {"fund": "A single-agency budget is not part of a fund; make it aligned or pooled."}
            )
        _fund_runs_in(fund, year)
        if scheme is not None and scheme.fund_id != fund.pk:
            raise ValidationError({"scheme": f"The scheme {scheme.name} is not part of {fund.name}."})
    validate(line)


@transaction.atomic
def budget_line_create(
    *,
    actor: User,
    partnership: Partnership,
    organisation: Organisation,
    financial_year: int,
    cost_centre: str,
    service_area: str,
    tier: str,
    amount: Decimal,
    arrangement: str = Arrangement.SINGLE,
    care_group: CareGroup | None = None,
    fund: PooledFund | None = None,
    scheme: Scheme | None = None,
) -> BudgetLine:
    """Add a partner's budget for one year and cost centre (pooled lines name their fund)."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    line = BudgetLine(
        partnership=partnership,
        organisation=organisation,
        financial_year=financial_year,
        cost_centre=cost_centre.strip(),
        service_area=service_area.strip(),
        tier=tier,
        amount=amount,
        arrangement=arrangement,
        care_group=care_group,
        fund=fund,
        scheme=scheme,
    )
    _check_budget_line(line, partnership)
    line.save()
    Auditor(actor, partnership_id=partnership.pk).created(line)
    return line


@transaction.atomic
def budget_line_update(
    *, actor: User, partnership: Partnership, budget_line: BudgetLine, version: int, **fields: Any
) -> BudgetLine:
    """Change a budget line, refused if someone else changed it since ``version``; returns it as saved."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _same_partnership(budget_line.partnership_id, partnership, "budget line")
    current = _locked(budget_line, version, _line_label(budget_line))
    before = snapshot(current)
    _apply(current, fields, BUDGET_LINE_FIELDS)
    _check_budget_line(current, partnership)
    if snapshot(current) == before:
        return current
    current.version += 1
    current.save()
    Auditor(actor, partnership_id=partnership.pk).updated(current, before)
    return current


@transaction.atomic
def budget_line_delete(
    *, actor: User, partnership: Partnership, budget_line: BudgetLine, version: int
) -> None:
    """Remove a budget line entered in error; refused once spending or forecasts are recorded against it."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _same_partnership(budget_line.partnership_id, partnership, "budget line")
    label = _line_label(budget_line)
    current = _locked(budget_line, version, label)
    actuals = Actual.objects.filter(budget_line=current).count()
    forecasts = Forecast.objects.filter(budget_line=current).count()
    if actuals or forecasts:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"{label} has {actuals} actuals and {forecasts} forecasts recorded "
                "against it; deleting it would lose them. Set its amount to £0.00 instead."
            }
        )
    before = snapshot(current)
    pk = current.pk
    current.delete()
    current.pk = pk
    Auditor(actor, partnership_id=partnership.pk).deleted(current, before)


@transaction.atomic
def forecast_record(
    *, actor: User, partnership: Partnership, budget_line: BudgetLine, made_in: dt.date, outturn: Decimal
) -> Forecast:
    """Record the year-end outturn forecast made in a month (replacing that month's, keeping the others)."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _same_partnership(budget_line.partnership_id, partnership, "budget line")
    if not isinstance(made_in, dt.date):
        raise ValidationError({"made_in": "Give the month the forecast was made."})
    month = dt.date(made_in.year, made_in.month, 1)
    year = budget_line.financial_year
    if not dt.date(year, 4, 1) <= month <= dt.date(year + 1, 3, 1):
        raise ValidationError(
            {
                "made_in": f"{budget_line.cost_centre} is a {financial_year_label(year)} budget; its "
                f"forecasts are made from April {year} to March {year + 1}, not in {month:%B %Y}."
            }
        )
    amount = _money(outturn, "outturn", what="The forecast outturn")
    auditor = Auditor(actor, partnership_id=partnership.pk)
    forecast = Forecast.objects.select_for_update().filter(budget_line=budget_line, made_in=month).first()
    if forecast is None:
        forecast = Forecast.objects.create(budget_line=budget_line, made_in=month, outturn=amount)
        auditor.created(forecast)
    elif forecast.outturn != amount:
        before = snapshot(forecast)
        forecast.outturn = amount
        forecast.source_import = None  # typed in now, no longer the imported figure
        forecast.save()
        auditor.updated(forecast, before)
    return forecast


# Joint posts and targets -----------------------------------------------------------------


@transaction.atomic
def joint_post_create(
    *,
    actor: User,
    partnership: Partnership,
    team: Team,
    title: str,
    annual_cost: Decimal,
    is_new: bool = False,
    shares: Mapping[Organisation, int] | None = None,
) -> JointPost:
    """Add a jointly funded post: an existing post keeps its partners' current split, a new one is
    shared equally (50:50 between two partners), as joint units are usually set up."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    _same_partnership(team.partnership_id, partnership, "team")
    if not title.strip():
        raise ValidationError({"title": "Give the post's title."})
    cost = _money(annual_cost, "annual_cost", what="The annual cost")
    partners = commissioning_partners(partnership)
    if is_new:
        if shares:
            raise ValidationError(
                {"shares": "A new post is shared equally between the partners; leave the shares out."}
            )
        split = settlement.shares_bp(dict.fromkeys(partners.values(), 1))
    else:
        if not shares:
            raise ValidationError(
                {"shares": "An existing post keeps its partners' current split: give each partner's share."}
            )
        split = {}
        for organisation, share in shares.items():
            if organisation.pk not in partners:
                raise ValidationError({"shares": _not_a_partner(organisation, partnership)})
            split[organisation] = _share(share, "shares", what=f"{organisation.name}'s share")
        _adds_to_full(split.values(), "shares")
    post = JointPost(partnership=partnership, team=team, title=title.strip(), annual_cost=cost, is_new=is_new)
    validate(post)
    post.save()
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.created(post)
    wanted = {org.pk: {"post": post, "organisation": org, "share_bp": bp} for org, bp in split.items()}
    _sync(auditor, {}, wanted, PostShare)
    return post


@transaction.atomic
def prevention_target_set(
    *, actor: User, partnership: Partnership, financial_year: int, share_bp: int
) -> PreventionTarget:
    """Set the share of commissioning budgets the partnership aims to spend on prevention in a year."""
    require_permission(actor, Permission.MANAGE_FINANCE, partnership=partnership)
    year = _year(financial_year)
    share = _share(share_bp, "share_bp", what="The prevention target")
    existing = {
        row.financial_year: row
        for row in PreventionTarget.objects.select_for_update().filter(
            partnership=partnership, financial_year=year
        )
    }
    wanted = {year: {"partnership": partnership, "financial_year": year, "share_bp": share}}
    target: PreventionTarget = _sync(
        Auditor(actor, partnership_id=partnership.pk), existing, wanted, PreventionTarget
    )[0]
    return target
