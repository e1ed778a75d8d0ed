"""Grants to voluntary and community organisations, in and out in the 360Giving CSV layout.

The funder of every grant must be an organisation of the partnership, named by its org-id
(``GB-LAE-TRF`` for Trafford council); a file that names anyone else is refused row by row, because
a partnership publishes only its own members' grants. A recipient is linked to an organisation we
already hold when its org-id matches one (charity, company, NHS or council register), and is
otherwise kept as the name and identifier the file gives. Column titles are matched without regard
to case, so files such as Trafford's ("From an open call?", "Last modified") read as the standard
titles; columns the platform does not keep are ignored. Every row is checked first and every problem
reported with its row (1 is the header) and column; the file lands whole, audited, or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum

from commissioning.contracts.models import Grant, GrantImport
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.imports import ImportFailed, RowError
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Permission
from commissioning.partners.models import Organisation, Partnership
from commissioning.partners.permissions import require_permission

IDENTIFIER = "Identifier"
TITLE = "Title"
DESCRIPTION = "Description"
CURRENCY = "Currency"
AMOUNT = "Amount Awarded"
AWARD_DATE = "Award Date"
PLANNED_START = "Planned Dates:Start Date"
PLANNED_END = "Planned Dates:End Date"
RECIPIENT_ID = "Recipient Org:Identifier"
RECIPIENT_NAME = "Recipient Org:Name"
RECIPIENT_CHARITY = "Recipient Org:Charity Number"
RECIPIENT_COMPANY = "Recipient Org:Company Number"
LOCATION_NAME = "Beneficiary Location:Name"
LOCATION_CODE = "Beneficiary Location:Geographic Code"
FUNDER_ID = "Funding Org:Identifier"
FUNDER_NAME = "Funding Org:Name"
PROGRAMME = "Grant Programme:Title"
OPEN_CALL = "From An Open Call?"
LAST_MODIFIED = "Last Modified"

REQUIRED = (
    IDENTIFIER,
    TITLE,
    CURRENCY,
    AMOUNT,
    AWARD_DATE,
    RECIPIENT_ID,
    RECIPIENT_NAME,
    FUNDER_ID,
    FUNDER_NAME,
)
OPTIONAL = (
    DESCRIPTION,
    PLANNED_START,
    PLANNED_END,
    LOCATION_NAME,
    LOCATION_CODE,
    PROGRAMME,
    OPEN_CALL,
    LAST_MODIFIED,
)
# The columns written out, in the 360Giving standard's titles and order.
EXPORT_COLUMNS = (
    IDENTIFIER,
    TITLE,
    DESCRIPTION,
    CURRENCY,
    AMOUNT,
    AWARD_DATE,
    PLANNED_START,
    PLANNED_END,
    RECIPIENT_ID,
    RECIPIENT_NAME,
    RECIPIENT_CHARITY,
    RECIPIENT_COMPANY,
    LOCATION_NAME,
    LOCATION_CODE,
    FUNDER_ID,
    FUNDER_NAME,
    PROGRAMME,
    OPEN_CALL,
    LAST_MODIFIED,
)
LIMITS = {
    IDENTIFIER: 100,
    TITLE: 300,
    RECIPIENT_ID: 100,
    RECIPIENT_NAME: 300,
    PROGRAMME: 200,
    LOCATION_CODE: 20,
    LOCATION_NAME: 200,
}
MAX_MONEY = Decimal("999999999999.99")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([Tt ].*)?$")
YES, NO = {"yes", "true", "1", "y"}, {"no", "false", "0", "n"}
# The org-id schemes whose identifiers an organisation keeps, and the field each is kept in.
SCHEME_FIELDS = {
    "GB-CHC": "charity_number",
    "GB-COH": "companies_house_number",
    "GB-NHS": "ods_code",
    "GB-LAE": "la_code",
}


def _date(value: str) -> dt.date:
    match = DATE.match(value)
    if not match:
        raise ValueError
    return dt.date.fromisoformat(match.group(1))


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _amount(value: str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidOperation
    return amount


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        reason = "the file is not UTF-8 text; save it as CSV UTF-8"
        raise ImportFailed([RowError(1, "(file)", reason)]) from None
    except OSError as error:
        raise ImportFailed([RowError(1, "(file)", f"the file cannot be read: {error}")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportFailed([RowError(1, "(file)", "the file is empty")])
    return [title.strip() for title in rows[0]], rows[1:]


def _columns(header: list[str]) -> dict[str, int]:
    """Where each column we read is, by its standard title matched without regard to case."""
    wanted = {title.lower(): title for title in (*REQUIRED, *OPTIONAL)}
    found: dict[str, int] = {}
    for position, title in enumerate(header):
        standard = wanted.get(title.lower())
        if standard and standard not in found:
            found[standard] = position
    missing = [title for title in REQUIRED if title not in found]
    if missing:
        raise ImportFailed(
            [RowError(1, title, "this required 360Giving column is missing") for title in missing]
        )
    return found


def _org_ids(organisations: Iterable[Organisation]) -> dict[str, Organisation]:
    return {o.org_id.upper(): o for o in organisations if o.org_id}


def _recipients(codes: set[str]) -> dict[str, Organisation]:
    """The organisations we hold whose org-id the file gives, one query for them all."""
    by_field: dict[str, set[str]] = {}
    for code in codes:
        prefix = "-".join(code.split("-")[:2])
        field_name = SCHEME_FIELDS.get(prefix)
        if field_name and len(code) > len(prefix) + 1:
            by_field.setdefault(field_name, set()).add(code[len(prefix) + 1 :])
    if not by_field:
        return {}
    query = Organisation.objects.none()
    for field_name, values in by_field.items():
        query = query | Organisation.objects.filter(**{f"{field_name}__in": values})
    return _org_ids(query)


@dataclass
class _Row:
    grant: Grant
    funder_id: str
    recipient_id: str


def _check(
    partnership: Partnership, header: list[str], rows: list[list[str]]
) -> tuple[list[_Row], list[RowError]]:
    columns = _columns(header)
    funders = _org_ids(partnership.organisations.all())
    held = set(Grant.objects.filter(partnership=partnership).values_list("identifier", flat=True))
    errors: list[RowError] = []
    checked: list[_Row] = []
    first_seen: dict[str, int] = {}
    for index, cells in enumerate(rows):
        row = index + 2
        if not any(cell.strip() for cell in cells):
            continue

        def cell(title: str, cells: list[str] = cells) -> str:
            position = columns.get(title)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        def problem(title: str, reason: str, row: int = row) -> None:
            errors.append(RowError(row=row, column=title, reason=reason))

        for title in REQUIRED:
            if not cell(title):
                problem(title, "a value is required")
        for title, limit in LIMITS.items():
            if len(cell(title)) > limit:
                problem(title, f"is {len(cell(title))} characters long; at most {limit} are kept")
        identifier = cell(IDENTIFIER)
        if identifier:
            if identifier in first_seen:
                problem(IDENTIFIER, f"{identifier} is also the identifier on row {first_seen[identifier]}")
            elif identifier in held:
                problem(IDENTIFIER, f"{partnership.name} already holds a grant with this identifier")
            first_seen.setdefault(identifier, row)
        currency = cell(CURRENCY)
        if currency and currency != "GBP":
            problem(CURRENCY, f"only grants in pounds sterling (GBP) can be imported, not {currency}")
        amount = None
        if cell(AMOUNT):
            try:
                amount = _amount(cell(AMOUNT))
            except InvalidOperation:
                problem(AMOUNT, f"{cell(AMOUNT)!r} is not a number (write 1500.50, without £ or commas)")
            else:
                if amount < 0:
                    problem(AMOUNT, f"{amount} is negative")
                elif amount != amount.quantize(Decimal("0.01")):
                    problem(AMOUNT, f"{amount} has fractions of a penny")
                elif amount > MAX_MONEY:
                    problem(AMOUNT, f"{amount} is too large")
        dates: dict[str, dt.date | None] = {}
        for title in (AWARD_DATE, PLANNED_START, PLANNED_END):
            dates[title] = None
            if cell(title):
                try:
                    dates[title] = _date(cell(title))
                except ValueError:
                    problem(title, f"{cell(title)!r} is not a date in the form YYYY-MM-DD")
        start, end = dates[PLANNED_START], dates[PLANNED_END]
        if start and end and end < start:
            problem(PLANNED_END, f"the planned end {end} is before the planned start {start}")
        open_call = None
        if cell(OPEN_CALL):
            answer = cell(OPEN_CALL).lower()
            if answer in YES | NO:
                open_call = answer in YES
            else:
                problem(OPEN_CALL, f"{cell(OPEN_CALL)!r} is not Yes or No")
        modified = None
        if cell(LAST_MODIFIED):
            try:
                modified = _moment(cell(LAST_MODIFIED))
            except ValueError:
                problem(LAST_MODIFIED, f"{cell(LAST_MODIFIED)!r} is not a date and time (ISO 8601)")
        funder_id = cell(FUNDER_ID).upper()
        funder = funders.get(funder_id)
        if funder_id and funder is None:
            problem(FUNDER_ID, f"{funder_id} is not the org-id of any organisation in {partnership.name}")
        checked.append(
            _Row(
                grant=Grant(
                    partnership=partnership,
                    identifier=identifier,
                    title=cell(TITLE),
                    description=cell(DESCRIPTION),
                    currency=currency or "GBP",
                    amount_awarded=amount if amount is not None else Decimal("0"),
                    award_date=dates[AWARD_DATE] or dt.date.min,  # a missing date is an error above
                    planned_start=start,
                    planned_end=end,
                    funder=funder,
                    recipient_org_id=cell(RECIPIENT_ID),
                    recipient_name=cell(RECIPIENT_NAME),
                    programme=cell(PROGRAMME),
                    beneficiary_location_code=cell(LOCATION_CODE),
                    beneficiary_location_name=cell(LOCATION_NAME),
                    from_open_call=open_call,
                    last_modified=modified,
                ),
                funder_id=funder_id,
                recipient_id=cell(RECIPIENT_ID).upper(),
            )
        )
    if not checked and not errors:
        errors.append(RowError(2, "(file)", "the file has a header but no grants"))
    return checked, errors


@transaction.atomic
def import_grants(
    *, actor: User, partnership: Partnership, path: str | Path, file_name: str = ""
) -> GrantImport:
    """Import a 360Giving CSV of grants made by the partnership's members: every row or none."""
    require_permission(actor, Permission.MANAGE_CONTRACTS, partnership=partnership)
    path = Path(path)
    header, rows = _read(path)
    checked, errors = _check(partnership, header, rows)
    if errors:
        raise ImportFailed(errors)
    recipients = _recipients({row.recipient_id for row in checked})
    batch = GrantImport.objects.create(
        partnership=partnership,
        file_name=(file_name or path.name)[:255],
        rows=len(checked),
        imported_by=actor,
    )
    grants = []
    for row in checked:
        row.grant.recipient = recipients.get(row.recipient_id)
        row.grant.source_import = batch
        grants.append(row.grant)
    Grant.objects.bulk_create(grants, batch_size=500)
    total = sum((grant.amount_awarded for grant in grants), Decimal("0"))
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.IMPORT,
        batch,
        after=snapshot(batch) | {"total": str(total)},
        summary=f"{len(grants):,} grants totalling £{total:,.2f} from {batch.file_name}",
    )
    return batch


# Reads and the export ------------------------------------------------------------------------


def grants_in(partnership: Partnership) -> QuerySet[Grant]:
    """The partnership's grants, newest first, with funder and recipient loaded."""
    return Grant.objects.filter(partnership=partnership).select_related("funder", "recipient")


@dataclass(frozen=True)
class GrantTotals:
    count: int
    total: Decimal
    by_programme: list[dict[str, Any]]
    by_recipient: list[dict[str, Any]]


def grant_totals(partnership: Partnership, *, top: int = 20) -> GrantTotals:
    """How many grants, how much, by programme and by recipient (the largest ``top``)."""
    grants = Grant.objects.filter(partnership=partnership)
    overall = grants.aggregate(count=Count("pk"), total=Sum("amount_awarded"))
    by_programme = list(
        grants.values("programme")
        .annotate(count=Count("pk"), total=Sum("amount_awarded"))
        .order_by("-total", "programme")
    )
    by_recipient = list(
        grants.values("recipient_org_id", "recipient_name")
        .annotate(count=Count("pk"), total=Sum("amount_awarded"))
        .order_by("-total", "recipient_name")[:top]
    )
    return GrantTotals(
        count=overall["count"] or 0,
        total=overall["total"] or Decimal("0"),
        by_programme=by_programme,
        by_recipient=by_recipient,
    )


def grant_for(partnership: Partnership, pk: int) -> Grant:
    """One grant of the partnership; another partnership's is ``DoesNotExist``."""
    return grants_in(partnership).select_related("source_import__imported_by").get(pk=pk)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def grant_rows(grants: Iterable[Grant]) -> Iterable[list[str]]:
    """Each grant as a row of ``EXPORT_COLUMNS``."""
    for grant in grants:
        recipient = grant.recipient
        funder = grant.funder
        values: Mapping[str, str] = {
            IDENTIFIER: grant.identifier,
            TITLE: grant.title,
            DESCRIPTION: grant.description,
            CURRENCY: grant.currency,
            AMOUNT: f"{grant.amount_awarded:.2f}",
            AWARD_DATE: _day(grant.award_date),
            PLANNED_START: _day(grant.planned_start),
            PLANNED_END: _day(grant.planned_end),
            RECIPIENT_ID: grant.recipient_org_id,
            RECIPIENT_NAME: grant.recipient_name,
            RECIPIENT_CHARITY: recipient.charity_number if recipient else "",
            RECIPIENT_COMPANY: recipient.companies_house_number if recipient else "",
            LOCATION_NAME: grant.beneficiary_location_name,
            LOCATION_CODE: grant.beneficiary_location_code,
            FUNDER_ID: funder.org_id,
            FUNDER_NAME: funder.name,
            PROGRAMME: grant.programme,
            OPEN_CALL: _yes_no(grant.from_open_call),
            LAST_MODIFIED: (
                grant.last_modified.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if grant.last_modified
                else ""
            ),
        }
        yield [values[title] for title in EXPORT_COLUMNS]


def grants_csv(*, partnership: Partnership) -> str:
    """The partnership's grants as a 360Giving CSV (standard column titles), oldest award first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(grant_rows(grants_in(partnership).order_by("award_date", "identifier")))
    return buffer.getvalue()
