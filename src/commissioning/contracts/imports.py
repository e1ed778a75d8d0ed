"""Import a contract register from CSV or xlsx: every row checked, every problem reported, all or nothing.

The file has one contract a row, with a header naming these columns (any order, any case):

* ``reference``, ``title``, ``provider`` (a provider in the partnership's register, by name, short
  name, Companies House, charity or ODS code, org-id or CQC ID), ``lead_commissioner`` (a
  commissioning partner, by name, short name, ODS or GSS code), ``start`` and ``end`` (``2025-04-01``
  or ``01/04/2025``), ``annual_value`` and ``lifetime_value`` (pounds: ``£1,234.56``),
  ``payment_basis`` and ``service_type`` (code or label, e.g. ``block`` or ``Cost and volume``) —
  all required;
* optional ``care_group`` (name or slug), ``description``, ``services``, ``extension_months``,
  ``notice_months``, ``award_route`` (e.g. ``tender``, ``quote``, ``direct_award``);
* the funding, wide: ``funder_1, amount_1, funder_2, amount_2, …`` — each funder a commissioning
  partner, the amounts adding to exactly the lifetime value.

Rows are read by DuckDB (CSV) or openpyxl (xlsx) and checked against lookups built once (providers,
partners, care groups, references in use), so checking costs a handful of queries whatever the size;
a clean file is written with bulk inserts in one transaction and audited, one event per contract.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
from django.db import transaction

from commissioning.contracts.models import AwardRoute, Contract, ContractStatus, Funding, PaymentBasis
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.money import format_pounds
from commissioning.core.permissions import Permission
from commissioning.finance.services import commissioning_partners
from commissioning.market.models import ServiceType
from commissioning.market.provider_services import provider_key, provider_lookup
from commissioning.partners.models import CareGroup, Partnership
from commissioning.partners.permissions import require_permission

Progress = Callable[[str, int, int], None]
REQUIRED = (
    "reference",
    "title",
    "provider",
    "lead_commissioner",
    "start",
    "end",
    "annual_value",
    "lifetime_value",
    "payment_basis",
    "service_type",
)
OPTIONAL = ("care_group", "description", "services", "extension_months", "notice_months", "award_route")
FUNDER = re.compile(r"^(funder|amount)_(\d+)$")
PENNY = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_FIELD = {"reference": 40, "title": 200}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _key(text: Any) -> str:
    return " ".join(str(text or "").split()).lower()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (lower case) and each non-blank row as text by column, with its row number."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ImportFailed([RowError(1, "(file)", f"cannot be read as an xlsx workbook: {exc}")]) from exc
        try:
            cells = book.worksheets[0].iter_rows(values_only=True)
            header = [_cell(name).lower() for name in next(cells, ())]
            raw = [(number, [_cell(value) for value in row]) for number, row in enumerate(cells, start=2)]
        finally:
            book.close()
    else:
        con = duckdb.connect()
        try:
            relation = con.read_csv(str(path), header=True, all_varchar=True)
            header = [name.strip().lower() for name in relation.columns]
            raw = [
                (number, [_cell(v) for v in row]) for number, row in enumerate(relation.fetchall(), start=2)
            ]
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise ImportFailed([RowError(1, "(file)", f"cannot be read as CSV: {first}")]) from exc
        finally:
            con.close()
    rows = [
        (number, dict(zip(header, values + [""] * (len(header) - len(values)), strict=False)))
        for number, values in raw
        if any(values)
    ]
    return header, rows


def _date(text: str) -> dt.date | None:
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def _money(text: str) -> Decimal | None:
    cleaned = text.replace("£", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(PENNY) or amount > MAX_MONEY:
        return None
    return amount.quantize(PENNY)


def _choice(text: str, choices: Any) -> str | None:
    wanted = _key(text)
    for value, label in choices:
        if wanted in (_key(value), _key(label), _key(str(value).replace("_", " "))):
            return str(value)
    return None


def _whole(text: str, default: int) -> int | None:
    if not text:
        return default
    return int(text) if text.isdigit() and int(text) <= 600 else None


def _partner_lookup(partnership: Partnership) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for organisation in commissioning_partners(partnership).values():
        for value in (
            organisation.name,
            organisation.short_name,
            organisation.ods_code,
            organisation.gss_code,
        ):
            if value:
                found[_key(value)] = organisation
    return found


def _care_group_lookup(partnership: Partnership) -> dict[str, CareGroup]:
    found: dict[str, CareGroup] = {}
    for group in CareGroup.objects.filter(partnership=partnership):
        found[_key(group.name)] = group
        found[_key(group.slug)] = group
    return found


def _check(
    partnership: Partnership, header: list[str], rows: list[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[Contract, list[Funding]]], list[RowError]]:
    errors: list[RowError] = []
    missing = [name for name in REQUIRED if name not in header]
    errors += [RowError(1, name, "required column is missing") for name in missing]
    funder_numbers = sorted({int(m.group(2)) for name in header if (m := FUNDER.match(name))})
    for number in funder_numbers:
        for part in ("funder", "amount"):
            if f"{part}_{number}" not in header:
                errors.append(
                    RowError(1, f"{part}_{number}", f"column is missing beside its pair for funder {number}")
                )
    if not funder_numbers:
        errors.append(
            RowError(1, "funder_1", "give the funding as funder_1, amount_1, funder_2, amount_2, …")
        )
    if errors:
        return [], errors
    if not rows:
        return [], [RowError(2, "(file)", "the file has no contracts in it")]
    providers = provider_lookup(partnership)
    partners = _partner_lookup(partnership)
    care_groups = _care_group_lookup(partnership)
    taken = {
        _key(ref)
        for ref in Contract.objects.filter(partnership=partnership).values_list("reference", flat=True)
    }
    seen: dict[str, int] = {}
    checked: list[tuple[Contract, list[Funding]]] = []
    for number, row in rows:
        problems: list[RowError] = []

        def problem(
            column: str, reason: str, number: int = number, problems: list[RowError] = problems
        ) -> None:
            problems.append(RowError(number, column, reason))

        for name in REQUIRED:
            if not row.get(name):
                problem(name, "is blank; every contract needs it")
        reference = row.get("reference", "")
        for name, limit in MAX_FIELD.items():
            if len(row.get(name, "")) > limit:
                problem(name, f"is longer than {limit} characters")
        if reference:
            if _key(reference) in taken:
                problem(
                    "reference", f"{partnership.name} already has a contract with the reference {reference}"
                )
            elif _key(reference) in seen:
                problem(
                    "reference", f"{reference} is also on row {seen[_key(reference)]}; each reference once"
                )
            seen.setdefault(_key(reference), number)
        provider = providers.get(provider_key(row.get("provider", ""))) if row.get("provider") else None
        if row.get("provider") and provider is None:
            problem(
                "provider", f"no provider called {row['provider']} in {partnership.name}'s provider register"
            )
        lead = partners.get(_key(row.get("lead_commissioner"))) if row.get("lead_commissioner") else None
        if row.get("lead_commissioner") and lead is None:
            problem(
                "lead_commissioner",
                f"{row['lead_commissioner']} is not a commissioning partner of {partnership.name}",
            )
        starts = _date(row.get("start", "")) if row.get("start") else None
        ends = _date(row.get("end", "")) if row.get("end") else None
        for name, value in (("start", starts), ("end", ends)):
            if row.get(name) and value is None:
                problem(name, f"{row[name]!r} is not a date; write 2025-04-01 or 01/04/2025")
        if starts and ends and ends < starts:
            problem(
                "end", f"the contract cannot end ({long_date(ends)}) before it starts ({long_date(starts)})"
            )
        values: dict[str, Decimal | None] = {}
        for name in ("annual_value", "lifetime_value"):
            values[name] = _money(row.get(name, "")) if row.get(name) else None
            if row.get(name) and values[name] is None:
                problem(name, f"{row[name]!r} is not a sum of money in pounds and pence")
        basis = (
            _choice(row.get("payment_basis", ""), PaymentBasis.choices) if row.get("payment_basis") else None
        )
        if row.get("payment_basis") and basis is None:
            problem(
                "payment_basis",
                f"{row['payment_basis']!r} is not a payment basis; "
                f"use one of {', '.join(PaymentBasis.values)}",
            )
        service = (
            _choice(row.get("service_type", ""), ServiceType.choices) if row.get("service_type") else None
        )
        if row.get("service_type") and service is None:
            problem(
                "service_type",
                f"{row['service_type']!r} is not a service type; use one of {', '.join(ServiceType.values)}",
            )
        route = (
            _choice(row.get("award_route", ""), AwardRoute.choices)
            if row.get("award_route")
            else AwardRoute.TENDER
        )
        if route is None:
            problem(
                "award_route",
                f"{row['award_route']!r} is not a way of letting a contract; "
                f"use one of {', '.join(AwardRoute.values)}",
            )
        care_group = care_groups.get(_key(row.get("care_group"))) if row.get("care_group") else None
        if row.get("care_group") and care_group is None:
            problem("care_group", f"{partnership.name} has no care group called {row['care_group']}")
        months: dict[str, int | None] = {}
        for name, default in (("extension_months", 0), ("notice_months", 3)):
            months[name] = _whole(row.get(name, ""), default)
            if months[name] is None:
                problem(name, f"{row[name]!r} is not a whole number of months (0 to 600)")
        funding: list[Funding] = []
        total = Decimal("0.00")
        funding_ok = True
        for n in funder_numbers:
            funder_text, amount_text = row.get(f"funder_{n}", ""), row.get(f"amount_{n}", "")
            if not funder_text and not amount_text:
                continue
            funder = partners.get(_key(funder_text)) if funder_text else None
            amount = _money(amount_text) if amount_text else None
            if not funder_text:
                problem(f"funder_{n}", f"is blank but amount_{n} is given; name the partner that pays it")
            elif funder is None:
                problem(f"funder_{n}", f"{funder_text} is not a commissioning partner of {partnership.name}")
            if not amount_text:
                problem(f"amount_{n}", f"is blank; give {funder_text}'s share")
            elif amount is None or amount <= 0:
                problem(f"amount_{n}", f"{amount_text!r} is not a sum of money more than £0.00")
            if funder is None or amount is None or amount <= 0:
                funding_ok = False
                continue
            total += amount
            funding.append(Funding(organisation=funder, amount=amount))
        lifetime = values["lifetime_value"]
        if funding_ok and lifetime is not None and total != lifetime:
            problem(
                "lifetime_value",
                f"the funding adds to {format_pounds(total)} but the lifetime value is "
                f"{format_pounds(lifetime)}; they must be equal",
            )
        if problems:
            errors += problems
            continue
        fields: dict[str, Any] = dict(
            partnership=partnership,
            reference=reference,
            title=row["title"],
            description=row.get("description", ""),
            provider=provider,
            lead_commissioner=lead,
            care_group=care_group,
            service_type=service,
            services=row.get("services", ""),
            starts_on=starts,
            ends_on=ends,
            extension_months=months["extension_months"],
            notice_months=months["notice_months"],
            annual_value=values["annual_value"],
            lifetime_value=lifetime,
            payment_basis=basis,
            award_route=route,
            status=ContractStatus.ACTIVE,
        )
        checked.append((Contract(**fields), funding))
    return checked, errors


def import_contracts(
    *,
    actor: User,
    partnership: Partnership,
    path: str | Path,
    progress: Progress | None = None,
) -> list[Contract]:
    """Add every contract in the file to the register, or none: ``ImportFailed`` lists each problem."""
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    progress = progress or _no_progress
    path = Path(path)
    progress("checking", 0, 1)
    header, rows = read_rows(path)
    checked, errors = _check(partnership, header, rows)
    if errors:
        raise ImportFailed(errors)
    progress("checking", 1, 1)
    total = len(checked)
    with transaction.atomic():
        progress("writing", 0, total)
        contracts = Contract.objects.bulk_create([contract for contract, _ in checked], batch_size=500)
        if any(contract.pk is None for contract in contracts):  # a database that does not return ids
            by_reference = dict(
                Contract.objects.filter(
                    partnership=partnership, reference__in=[c.reference for c in contracts]
                ).values_list("reference", "pk")
            )
            for contract in contracts:
                contract.pk = by_reference[contract.reference]
        funding = []
        for contract, (_, rows_of) in zip(contracts, checked, strict=True):
            for row in rows_of:
                row.contract = contract
                funding.append(row)
        Funding.objects.bulk_create(funding, batch_size=1000)
        auditor = Auditor(actor, partnership_id=partnership.pk)
        auditor.record_many(AuditEvent.Action.IMPORT, [(c, None, snapshot(c)) for c in contracts])
        auditor.record_many(AuditEvent.Action.CREATE, [(f, None, snapshot(f)) for f in funding])
        progress("writing", total, total)
    return contracts
