"""Writes to placements and packages of care: one at a time from the form, or a file at once.

Both need ``Permission.MANAGE_PLACEMENTS``, check everything before writing and audit what they
write. A person is named only by a pseudonymous reference; an NHS number, when given, is checked
(Modulus 11) and kept only as its keyed hash (``contracts.pseudonyms``).

An import reads the file into DuckDB and checks every row there, set-based: one query per rule
over the whole file, names of providers, care groups and partners resolved against small lookup
tables. Every problem is reported as (row, column, reason) and nothing is written unless the file
is clean; a clean file is written in one transaction, in batches of a statement each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from commissioning.contracts.models import Contract, Placement, PlacementImport, SupportOption
from commissioning.contracts.pseudonyms import InvalidNhsNumber, check_person_ref, hasher, nhs_number_hash
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.finance.ledger import Unreadable, load_file, normalise_column
from commissioning.market.models import PLACEMENT_SERVICE_TYPES, Provider
from commissioning.market.provider_services import provider_key, provider_lookup
from commissioning.partners.identifiers import check_nhs_number, nhs_number_digits
from commissioning.partners.models import CareGroup, Organisation, Partnership, PartnershipMember
from commissioning.partners.permissions import require_permission

Progress = Callable[[str, int, int], None]
PENNY = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")
MAX_UNITS = Decimal("999999.99")  # units_per_week: 8 digits, 2 after the point
SERVICE_TYPES = {t.value: t.label for t in PLACEMENT_SERVICE_TYPES}
REQUIRED = (
    "person_ref",
    "provider",
    "service_type",
    "care_group",
    "unit_price",
    "units_per_week",
    "start",
    "end",
    "funding_partner",
    "support_option",
)
OPTIONAL = ("nhs_number", "contract_reference")
WRITE_BATCH = 5_000
MAX_ERRORS = 10_000
AUDIT_FIELDS = ("nhs_number_hash",)  # never in the audit trail either


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def funding_partners(partnership: Partnership) -> dict[int, Organisation]:
    """The host and partners, who pay for placements (associates do not)."""
    members = (
        PartnershipMember.objects.filter(partnership=partnership)
        .exclude(role=PartnershipMember.Role.ASSOCIATE)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    return {member.organisation_id: member.organisation for member in members}


def _money(value: Any, field: str, what: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError({field: f"{what} must be given as an exact sum (a Decimal), not {value!r}."})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: f"{what} must be a number; {value!r} is not one."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{what} must be a number; {value!r} is not one."})
    if amount < 0:
        raise ValidationError({field: f"{what} cannot be negative."})
    if amount != amount.quantize(PENNY):
        raise ValidationError({field: f"{what} has more than two decimal places ({value})."})
    return amount.quantize(PENNY)


@transaction.atomic
def record_placement(
    *,
    actor: User,
    partnership: Partnership,
    person_ref: str,
    provider: Provider,
    service_type: str,
    unit_price: Decimal,
    units_per_week: Decimal,
    starts_on: dt.date,
    funding_organisation: Organisation,
    support_option: str,
    care_group: CareGroup | None = None,
    contract: Contract | None = None,
    ends_on: dt.date | None = None,
    nhs_number: str = "",
) -> Placement:
    """Record a placement or package of care; its weekly cost is unit price × units, to the penny."""
    require_permission(actor, Permission.MANAGE_PLACEMENTS, partnership=partnership)
    person_ref = (person_ref or "").strip()
    problem = check_person_ref(person_ref)
    if problem:
        raise ValidationError({"person_ref": problem})
    nhs_hash = ""
    if (nhs_number or "").strip():
        try:
            nhs_hash = nhs_number_hash(nhs_number)
        except InvalidNhsNumber as error:
            raise ValidationError({"nhs_number": str(error)}) from None
    if provider.partnership_id != partnership.pk:
        raise ValidationError({"provider": f"{provider} is not in {partnership.name}'s provider register."})
    if service_type not in SERVICE_TYPES:
        names = ", ".join(label.lower() for label in SERVICE_TYPES.values())
        raise ValidationError({"service_type": f"A placement is one of: {names}."})
    price = _money(unit_price, "unit_price", "The unit price")
    units = _money(units_per_week, "units_per_week", "The units a week")
    if units <= 0:
        raise ValidationError({"units_per_week": "The units a week must be more than nothing."})
    if units > MAX_UNITS:
        raise ValidationError({"units_per_week": "The units a week are too many to be right."})
    weekly = (price * units).quantize(PENNY)
    if weekly > MAX_MONEY:
        raise ValidationError({"unit_price": "The weekly cost is too large to be right."})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "The placement cannot end before it starts."})
    if funding_organisation.pk not in funding_partners(partnership):
        raise ValidationError(
            {
                "funding_organisation": f"{funding_organisation.name} is not a commissioning partner of "
                f"{partnership.name}; only the host and partners pay for placements."
            }
        )
    if support_option not in SupportOption.values:
        raise ValidationError({"support_option": "Choose how the person holds the money."})
    if care_group is not None and care_group.partnership_id != partnership.pk:
        raise ValidationError({"care_group": f"{care_group.name} is not a care group of {partnership.name}."})
    if contract is not None and contract.partnership_id != partnership.pk:
        raise ValidationError({"contract": "That contract belongs to another partnership."})
    placement = Placement.objects.create(
        partnership=partnership,
        person_ref=person_ref,
        nhs_number_hash=nhs_hash,
        provider=provider,
        contract=contract,
        service_type=service_type,
        care_group=care_group,
        unit_price=price,
        units_per_week=units,
        weekly_cost=weekly,
        starts_on=starts_on,
        ends_on=ends_on,
        funding_organisation=funding_organisation,
        support_option=support_option,
    )
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.CREATE,
        placement,
        after=snapshot(placement, exclude=AUDIT_FIELDS),
        summary=f"Placement {person_ref}: {SERVICE_TYPES[service_type]} at {provider}, £{weekly:,.2f} a week",
    )
    return placement


@transaction.atomic
def end_placement(*, actor: User, placement: Placement, ends_on: dt.date) -> Placement:
    """End a placement on a date (on or after its start)."""
    partnership = placement.partnership
    require_permission(actor, Permission.MANAGE_PLACEMENTS, partnership=partnership)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if ends_on < placement.starts_on:
        raise ValidationError({"ends_on": "The placement cannot end before it starts."})
    before = snapshot(placement, exclude=AUDIT_FIELDS)
    placement.ends_on = ends_on
    placement.save(update_fields=["ends_on"])
    Auditor(actor, partnership_id=partnership.pk).updated(
        placement,
        before,
        summary=f"Placement {placement.person_ref} ends on {ends_on:%d %B %Y}",
    )
    return placement


# Imports ---------------------------------------------------------------------------------------


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _literal(value: int | str) -> str:
    return str(int(value)) if isinstance(value, int) else _sql_text(value)


def _lookup_table(
    con: duckdb.DuckDBPyConnection, name: str, pairs: list[tuple[str, Any]], kind: str = "BIGINT"
) -> None:
    """A small table from a normalised name to what it stands for (the first given wins)."""
    con.execute(f"CREATE TABLE {name} (key VARCHAR PRIMARY KEY, value {kind})")
    unique: dict[str, Any] = {}
    for key, value in pairs:
        if key:
            unique.setdefault(key, value)
    items = list(unique.items())
    for start in range(0, len(items), 1000):
        rows = ", ".join(f"({_sql_text(k)}, {_literal(v)})" for k, v in items[start : start + 1000])
        con.execute(f"INSERT INTO {name} VALUES {rows}")  # noqa: S608 - literals quoted


def _header(columns: list[tuple[str, str]]) -> tuple[dict[str, str], list[RowError]]:
    """Our name → DuckDB's column, and the problems with the header."""
    physical: dict[str, str] = {}
    errors: list[RowError] = []
    known = (*REQUIRED, *OPTIONAL)
    for inner, original in columns:
        name = normalise_column(original)
        if name in physical:
            errors.append(RowError(1, original, "the same column appears twice"))
            continue
        if name not in known:
            errors.append(RowError(1, original, f"unknown column: expected {', '.join(known)}"))
            continue
        physical[name] = inner
    errors += [RowError(1, name, "required column is missing") for name in REQUIRED if name not in physical]
    return physical, errors


# Rules: (column, SQL condition that marks the row bad, reason as an SQL expression).
def _rules() -> list[tuple[str, str, str]]:
    types = ", ".join(sorted(SERVICE_TYPES))
    options = ", ".join(SupportOption.values)
    return [
        ("person_ref", "person_ref = ''", "'a person reference is required'"),
        ("person_ref", "person_ref <> '' AND person_problem IS NOT NULL", "person_problem"),
        ("nhs_number", "nhs_number <> '' AND nhs_problem IS NOT NULL", "nhs_problem"),
        ("provider", "provider = ''", "'the provider is required'"),
        (
            "provider",
            "provider <> '' AND provider_id IS NULL",
            "'no provider called ' || provider || ' in this partnership''s register'",
        ),
        ("service_type", "service_type_value IS NULL", f"'must be one of {types}'"),
        (
            "care_group",
            "care_group <> '' AND care_group_id IS NULL",
            "'no care group called ' || care_group || ' in this partnership'",
        ),
        ("unit_price", "price IS NULL", "'must be pounds and pence, like 845.50'"),
        ("unit_price", "price < 0", "'The unit price cannot be negative.'"),
        ("unit_price", "price >= 1e12", "'is too large to be right'"),
        ("units_per_week", "units IS NULL", "'must be a number with at most two decimal places'"),
        ("units_per_week", "units <= 0", "'must be more than nothing'"),
        ("units_per_week", "units > 999999.99", "'are too many to be right'"),
        ("start", "starts_on IS NULL", "'must be a date, like 2026-04-01 or 01/04/2026'"),
        ("end", "\"end\" <> '' AND ends_on IS NULL", "'must be a date, like 2027-03-31 or 31/03/2027'"),
        (
            "end",
            "ends_on IS NOT NULL AND starts_on IS NOT NULL AND ends_on < starts_on",
            "'the placement ends before it starts'",
        ),
        ("funding_partner", "funding_partner = ''", "'the funding partner is required'"),
        (
            "funding_partner",
            "funding_partner <> '' AND funding_id IS NULL",
            "funding_partner || ' is not a commissioning partner of this partnership '"
            " || '(give its name, ODS or GSS code)'",
        ),
        ("support_option", "support_value IS NULL", f"'must be one of {options}'"),
        (
            "contract_reference",
            "contract_reference <> '' AND contract_id IS NULL",
            "'no contract with the reference ' || contract_reference || ' in this partnership'",
        ),
    ]


DECIMAL_TEXT = r"^-?\d+(\.\d{1,2})?$"
KEY = "lower(regexp_replace(trim({}), '\\s+', ' ', 'g'))"


def _parse(con: duckdb.DuckDBPyConnection, physical: dict[str, str]) -> None:
    """One pass over the file into ``parsed``: each cell as trimmed text and as its value."""

    def text(name: str) -> str:
        if name not in physical:
            return "''"
        return f"coalesce(trim(CAST(\"{physical[name]}\" AS VARCHAR)), '')"

    def money(name: str) -> str:
        cleaned = f"replace(replace({text(name)}, '£', ''), ',', '')"
        matches = f"regexp_matches({cleaned}, '{DECIMAL_TEXT}')"
        return f"CASE WHEN {matches} THEN TRY_CAST({cleaned} AS DECIMAL(18, 2)) END"

    def day(name: str) -> str:
        value = text(name)
        return (
            f"coalesce(TRY_CAST(try_strptime({value}, '%Y-%m-%d') AS DATE), "
            f"TRY_CAST(try_strptime({value}, '%d/%m/%Y') AS DATE))"
        )

    service_key = f"replace({KEY.format(text('service_type'))}, ' ', '_')"
    support_key = f"replace({KEY.format(text('support_option'))}, ' ', '_')"
    con.execute(
        f"""
        CREATE TABLE parsed AS
        SELECT r._row AS _row,
               {text("person_ref")} AS person_ref,
               {text("nhs_number")} AS nhs_number,
               {text("provider")} AS provider,
               {text("service_type")} AS service_type,
               {text("care_group")} AS care_group,
               {text("unit_price")} AS unit_price,
               {text("units_per_week")} AS units_per_week,
               {text("start")} AS "start",
               {text("end")} AS "end",
               {text("funding_partner")} AS funding_partner,
               {text("support_option")} AS support_option,
               {text("contract_reference")} AS contract_reference,
               {money("unit_price")} AS price,
               {money("units_per_week")} AS units,
               {day("start")} AS starts_on,
               {day("end")} AS ends_on,
               st.value AS service_type_value,
               so.value AS support_value,
               p.value AS provider_id,
               cg.value AS care_group_id,
               f.value AS funding_id,
               c.value AS contract_id
        FROM raw r
        LEFT JOIN service_types st ON st.key = {service_key}
        LEFT JOIN support_options so ON so.key = {support_key}
        LEFT JOIN providers p ON p.key = {KEY.format(text("provider"))}
        LEFT JOIN care_groups cg ON cg.key = {KEY.format(text("care_group"))}
        LEFT JOIN partners f ON f.key = {KEY.format(text("funding_partner"))}
        LEFT JOIN contracts c ON c.key = {KEY.format(text("contract_reference"))}
        """  # noqa: S608 - column names are ours
    )
    # The NHS number rules are Python's (one rule, shared with the form), run once per distinct value.
    con.execute("ALTER TABLE parsed ADD COLUMN nhs_problem VARCHAR")
    con.execute("ALTER TABLE parsed ADD COLUMN person_problem VARCHAR")
    for column, problem_column, check in (
        ("nhs_number", "nhs_problem", check_nhs_number),
        ("person_ref", "person_problem", check_person_ref),
    ):
        values = [
            v
            for (v,) in con.execute(
                f"SELECT DISTINCT {column} FROM parsed WHERE {column} <> ''"  # noqa: S608 - our names
            ).fetchall()
        ]
        bad = [(value, problem) for value in values if (problem := check(value))]
        if bad:
            con.execute("CREATE TEMP TABLE _bad (value VARCHAR, problem VARCHAR)")
            con.executemany("INSERT INTO _bad VALUES (?, ?)", bad)
            con.execute(
                f"UPDATE parsed SET {problem_column} = _bad.problem "  # noqa: S608 - our names
                f"FROM _bad WHERE parsed.{column} = _bad.value"
            )
            con.execute("DROP TABLE _bad")


def _problems(con: duckdb.DuckDBPyConnection) -> list[RowError]:
    selects = [
        f"SELECT _row, {_sql_text(column)} AS col, {reason} AS reason, {i} AS rule "  # noqa: S608 - our rules
        f"FROM parsed WHERE {condition}"
        for i, (column, condition, reason) in enumerate(_rules())
    ]
    rows = con.execute(
        f"SELECT _row, col, reason FROM ({' UNION ALL '.join(selects)}) "  # noqa: S608 - our rules
        f"ORDER BY _row, rule LIMIT {MAX_ERRORS}"
    ).fetchall()
    return [RowError(int(row), str(column), str(reason)) for row, column, reason in rows]


def _references(con: duckdb.DuckDBPyConnection, partnership: Partnership) -> None:
    """The small tables rows are resolved against, keyed the way ``KEY`` normalises a cell."""
    for table, choices in (
        ("service_types", SERVICE_TYPES),
        ("support_options", dict(SupportOption.choices)),
    ):
        pairs = [(value, value) for value in choices]
        pairs += [(provider_key(label).replace(" ", "_"), value) for value, label in choices.items()]
        _lookup_table(con, table, pairs, kind="VARCHAR")
    _lookup_table(con, "providers", [(key, p.pk) for key, p in provider_lookup(partnership).items()])
    groups = CareGroup.objects.filter(partnership=partnership).values_list("pk", "name", "slug")
    _lookup_table(
        con,
        "care_groups",
        [(provider_key(n), pk) for pk, n, _ in groups] + [(provider_key(s), pk) for pk, _, s in groups],
    )
    partners = funding_partners(partnership)
    _lookup_table(
        con,
        "partners",
        [
            (provider_key(value), pk)
            for pk, org in partners.items()
            for value in (org.name, org.short_name, org.ods_code, org.gss_code)
            if value
        ],
    )
    contracts = Contract.objects.filter(partnership=partnership).values_list("pk", "reference")
    _lookup_table(con, "contracts", [(provider_key(ref), pk) for pk, ref in contracts])


def _check(path: Path, partnership: Partnership) -> duckdb.DuckDBPyConnection:
    """The file checked in DuckDB, as the table ``parsed``; raises ``ImportFailed`` with every problem."""
    con = duckdb.connect()
    try:
        try:
            columns = load_file(con, path)
        except Unreadable as unreadable:
            raise ImportFailed([unreadable.error]) from None
        physical, errors = _header(columns)
        if errors:
            raise ImportFailed(errors)
        _references(con, partnership)
        _parse(con, physical)
        errors = _problems(con)
        if errors:
            raise ImportFailed(errors)
        count = con.execute("SELECT count(*) FROM parsed").fetchone()
        if not count or not count[0]:
            raise ImportFailed([RowError(2, "(file)", "the file has no placements")])
    except BaseException:
        con.close()
        raise
    return con


def _rows(
    con: duckdb.DuckDBPyConnection, partnership: Partnership, batch: PlacementImport, now: dt.datetime
) -> Iterator[list[tuple[Any, ...]]]:
    """The checked rows as the table's columns, a batch at a time, NHS numbers hashed on the way."""
    digest = hasher()
    result = con.execute(
        """
        SELECT person_ref, nhs_number, provider_id, contract_id, service_type_value, care_group_id,
               CAST(price AS VARCHAR), CAST(units AS VARCHAR),
               CAST(round(price * units, 2) AS VARCHAR), starts_on, ends_on, funding_id, support_value
        FROM parsed ORDER BY _row
        """
    )
    while True:
        chunk = result.fetchmany(WRITE_BATCH)
        if not chunk:
            return
        yield [
            (
                partnership.pk,
                ref,
                digest(nhs_number_digits(nhs)) if nhs else "",
                provider,
                contract,
                service,
                group,
                price,
                units,
                weekly,
                starts,
                ends,
                funder,
                option,
                batch.pk,
                now,
            )
            for (
                ref,
                nhs,
                provider,
                contract,
                service,
                group,
                price,
                units,
                weekly,
                starts,
                ends,
                funder,
                option,
            ) in (chunk)
        ]


COLUMNS = (
    "partnership_id",
    "person_ref",
    "nhs_number_hash",
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
    "source_import_id",
    "created_at",
)


def _insert(
    con: duckdb.DuckDBPyConnection,
    partnership: Partnership,
    batch: PlacementImport,
    total: int,
    progress: Progress,
) -> int:
    quote = connection.ops.quote_name
    table = quote(Placement._meta.db_table)
    names = ", ".join(quote(c) for c in COLUMNS)
    now = timezone.now()
    written = 0
    progress("writing", 0, total)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.wrap_database_errors,
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for rows in _rows(con, partnership, batch, now):
                for row in rows:
                    copy.write_row(row)
                written += len(rows)
                progress("writing", written, total)
        return written
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    with connection.cursor() as cursor:
        for rows in _rows(con, partnership, batch, now):
            cursor.executemany(sql, rows)
            written += len(rows)
            progress("writing", written, total)
    return written


def import_placements(
    *,
    actor: User,
    partnership: Partnership,
    path: str | Path,
    file_name: str = "",
    progress: Progress | None = None,
) -> PlacementImport:
    """Load a file of placements (CSV or xlsx): every row checked, then all written or none.

    Columns: person_ref, nhs_number (optional), provider, service_type, care_group, unit_price,
    units_per_week, start, end, funding_partner, support_option, contract_reference (optional).
    """
    require_permission(actor, Permission.MANAGE_PLACEMENTS, partnership=partnership)
    progress = progress or _no_progress
    path = Path(path)
    progress("checking", 0, 1)
    con = _check(path, partnership)
    try:
        progress("checking", 1, 1)
        summary_row = con.execute(
            "SELECT count(*), coalesce(sum(round(price * units, 2)), 0), "
            "count(*) FILTER (WHERE nhs_number <> '') "
            "FROM parsed"
        ).fetchone()
        assert summary_row is not None
        rows, weekly, hashed = int(summary_row[0]), Decimal(summary_row[1]), int(summary_row[2])
        with transaction.atomic():
            batch = PlacementImport.objects.create(
                partnership=partnership,
                file_name=(file_name or path.name)[:255],
                rows=rows,
                imported_by=actor,
            )
            written = _insert(con, partnership, batch, rows, progress)
            if written != rows:
                raise ImportFailed([RowError(1, "(file)", "not every row could be written; try again")])
            Auditor(actor, partnership_id=partnership.pk).record(
                AuditEvent.Action.IMPORT,
                batch,
                after=snapshot(batch) | {"weekly_cost": str(weekly), "nhs_numbers_hashed": hashed},
                summary=f"{rows:,} placements costing £{weekly:,.2f} a week from {batch.file_name}",
            )
    finally:
        con.close()
    return batch
