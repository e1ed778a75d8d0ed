"""Writes for provider returns: submissions, corrections, a commissioner's validation or query,
and chasing a missing return. Validated, atomic, permission-checked and audited.

A return is accepted only for a period that starts on its KPI's reporting cycle, overlaps its
contract's term and has ended, with a number its unit allows. There is one return per KPI and
period: a second submission is refused and a correction (with its reason) asked for instead.
Every submission and correction is also kept as a ``ReturnRevision``, so no figure is lost.

The period and value rules are plain functions (``period_problem``, ``parse_value``), so the
file import and the API give exactly the same messages as the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from commissioning.contracts.models import Contract, Frequency, Kpi
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.errors import NotPermitted
from commissioning.core.models import User
from commissioning.core.permissions import Permission, Role
from commissioning.core.system import system_user
from commissioning.partners.models import Membership
from commissioning.partners.permissions import require_permission
from commissioning.performance import escalation
from commissioning.performance.models import Chase, KpiReturn, ReturnRevision, ReturnStatus
from commissioning.performance.notifications import notify
from commissioning.performance.schedule import Period, period_containing
from commissioning.performance.scope import may_submit_for, require_contract_visible

MAX_VALUE = Decimal("9999999999.9999")
"""The largest figure a return holds (14 digits, 4 decimal places)."""
PLACES = Decimal("0.0001")
MAX_REASON = 255
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})
SIGNED_WORDS = ("change", "difference", "net", "variance", "balance")
"""Units that say a figure may fall below zero (a net change); any other unit counts or measures."""


# Rules shared by the form, the file import and the API -------------------------------------


def value_range(unit: str) -> tuple[Decimal | None, Decimal | None]:
    """The lowest and highest figure a KPI in this unit can report (``None``: no bound).

    A percentage lies between 0 and 100. Counts, rates, days and anything else measured cannot
    be negative, unless the unit says the figure is a change or difference.
    """
    text = " ".join(unit.lower().split())
    if text in PERCENT_UNITS:
        return Decimal(0), Decimal(100)
    if any(word in text.split() for word in SIGNED_WORDS):
        return None, None
    return Decimal(0), None


def range_hint(unit: str) -> str:
    """What a form says about the figure it wants, from the unit's range."""
    low, high = value_range(unit)
    measure = f"In {unit.strip()}" if unit.strip() else "A number"
    if low is not None and high is not None:
        return f"{measure}, from {plain(low)} to {plain(high)}."
    if low is not None:
        return f"{measure}; not negative."
    return f"{measure}."


def plain(value: Decimal | None) -> str:
    """A figure as people write it: 87.5, not 87.5000; a dash for none."""
    if value is None:
        return "–"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unit_phrase(unit: str) -> str:
    return f"measured in {unit}" if unit else "with no unit"


def parse_value(raw: Any, unit: str | None) -> tuple[Decimal | None, str | None]:
    """The figure as a Decimal, or why it cannot be one: not a number, too precise, out of range
    for the unit (not checked when the unit is ``None``, for a KPI not known)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "Give the figure for the period."
    if isinstance(raw, bool):
        return None, f"{raw!r} is not a number."
    text = str(raw).strip() if isinstance(raw, str | float) else raw
    if isinstance(text, str):
        text = text.replace(",", "")
        if text.endswith("%") and " ".join((unit or "").lower().split()) in PERCENT_UNITS:
            text = text[:-1].strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None, f"{raw!r} is not a number; write the figure with digits, such as 87.5."
    if not number.is_finite():
        return None, f"{raw!r} is not a number; write the figure with digits, such as 87.5."
    if abs(number) > MAX_VALUE:
        return None, f"{plain(number)} is too large; a return holds figures up to {plain(MAX_VALUE)}."
    if number != number.quantize(PLACES):
        return None, f"{raw} has more than four decimal places."
    if unit is None:
        return number.quantize(PLACES), None
    low, high = value_range(unit)
    if low is not None and high is not None and not low <= number <= high:
        return None, (
            f"{plain(number)} is out of range: a KPI {_unit_phrase(unit)} must be between "
            f"{plain(low)} and {plain(high)}."
        )
    if low is not None and number < low:
        return None, f"{plain(number)} is out of range: a KPI {_unit_phrase(unit)} cannot be negative."
    return number.quantize(PLACES), None


def period_problem(kpi: Kpi, start: dt.date, *, today: dt.date) -> tuple[Period | None, str | None]:
    """The reporting period starting on ``start``, or why no return can be made for it.

    It must start a period of the KPI's frequency, overlap the contract's term and have ended:
    a period can be reported from the day after it ends. ``kpi.contract`` must be loaded.
    """
    frequency = Frequency(kpi.frequency)
    period = period_containing(kpi.frequency, start)
    if period.start != start:
        return None, (
            f"{long_date(start)} is not the start of a reporting period: {kpi.code} is reported "
            f"{frequency.label.lower()}, and the period containing that day, {period.label}, starts on "
            f"{long_date(period.start)}."
        )
    contract: Contract = kpi.contract
    if period.end < contract.starts_on or period.start > contract.ends_on:
        return None, (
            f"{period.label} is outside the term of contract {contract.reference} "
            f"({long_date(contract.starts_on)} to {long_date(contract.ends_on)}), so no return is expected."
        )
    if today <= period.end:
        return None, (
            f"{period.label} has not ended yet; its return can be made from "
            f"{long_date(period.end + dt.timedelta(days=1))}."
        )
    return period, None


def duplicate_message(existing: KpiReturn, kpi: Kpi, period: Period) -> str:
    return (
        f"A return for {kpi.code} for {period.label} was already submitted on "
        f"{long_date(timezone.localdate(existing.submitted_at))} (figure {plain(existing.value)}); "
        "to change it, make a correction and give the reason."
    )


def _after_returns_saved(kpi_ids: Iterable[int], actor: User) -> None:
    """Run the escalation rules on the KPIs whose returns changed, inside the same transaction,
    so a review opens with the figure that caused it. Reviews are opened by the platform itself
    (the system user), not by the provider whose figure triggered them."""
    escalation.check_kpis(kpi_ids=list(kpi_ids), actor=system_user())


# Submissions and corrections -----------------------------------------------------------------


def _require_submitter(actor: User, contract: Contract) -> None:
    require_permission(actor, Permission.SUBMIT_RETURNS, partnership=contract.partnership)
    if not may_submit_for(actor, contract):
        raise NotPermitted("You can submit returns only for contracts held by the organisation you act for.")


def _lock(kpi: Kpi) -> None:
    """Hold the KPI while its return is written, so two submissions for a period cannot cross."""
    list(Kpi.objects.select_for_update().filter(pk=kpi.pk).values_list("pk", flat=True))


def _commentary(text: Any) -> str:
    return str(text or "").strip()


@transaction.atomic
def submit_return(
    *,
    actor: User,
    kpi: Kpi,
    period_start: dt.date,
    value: Any,
    commentary: str = "",
    today: dt.date | None = None,
) -> KpiReturn:
    """Record a provider's figure for one KPI and period (version 1), with its first revision."""
    contract = kpi.contract
    _require_submitter(actor, contract)
    today = today or timezone.localdate()
    _lock(kpi)
    errors: dict[str, str] = {}
    period, problem = period_problem(kpi, period_start, today=today)
    if problem:
        errors["period_start"] = problem
    number, problem = parse_value(value, kpi.unit)
    if problem:
        errors["value"] = problem
    if period is not None:
        existing = KpiReturn.objects.filter(kpi=kpi, period_start=period.start).first()
        if existing is not None:
            errors["period_start"] = duplicate_message(existing, kpi, period)
    if errors:
        raise ValidationError(errors)
    assert period is not None and number is not None
    now = timezone.now()
    kpi_return = KpiReturn.objects.create(
        kpi=kpi,
        period_start=period.start,
        period_end=period.end,
        value=number,
        commentary=_commentary(commentary),
        submitted_by=actor,
        submitted_at=now,
    )
    revision = ReturnRevision.objects.create(
        kpi_return=kpi_return,
        version=1,
        value=number,
        commentary=kpi_return.commentary,
        submitted_by=actor,
        submitted_at=now,
    )
    auditor = Auditor(actor, partnership_id=contract.partnership_id)
    auditor.created(kpi_return, summary=f"Return for {kpi.code} {period.label}: {plain(number)}")
    auditor.created(revision)
    _after_returns_saved([kpi.pk], actor)
    return kpi_return


def correction_problems(
    kpi_return: KpiReturn, number: Decimal | None, commentary: str, reason: str
) -> dict[str, str]:
    """Why a correction cannot be made: no reason, or nothing changed."""
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the figure is being corrected."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason to {MAX_REASON} characters or fewer."
    if number is not None and number == kpi_return.value and commentary == kpi_return.commentary:
        errors["value"] = (
            f"The figure ({plain(number)}) and commentary are the same as version {kpi_return.version}; "
            "there is nothing to correct."
        )
    return errors


RESUBMITTED_FIELDS = (
    "value",
    "commentary",
    "version",
    "status",
    "reviewed_by",
    "reviewed_at",
    "submitted_by",
    "submitted_at",
)
"""What ``resubmit`` changes."""


def resubmit(kpi_return: KpiReturn, *, value: Decimal, commentary: str, actor: User, at: dt.datetime) -> None:
    """Put a corrected figure on a return, unsaved: its next version, submitted again and unreviewed."""
    kpi_return.value = value
    kpi_return.commentary = commentary
    kpi_return.version += 1
    kpi_return.status = ReturnStatus.SUBMITTED
    kpi_return.reviewed_by = None
    kpi_return.reviewed_at = None
    kpi_return.submitted_by = actor
    kpi_return.submitted_at = at


@transaction.atomic
def correct_return(
    *, actor: User, kpi_return: KpiReturn, value: Any, commentary: str, reason: str
) -> KpiReturn:
    """Replace a return's figure (version + 1), keeping the earlier one as a revision.

    A validated or queried return goes back to submitted: the new figure needs checking again.
    """
    kpi = kpi_return.kpi
    contract = kpi.contract
    _require_submitter(actor, contract)
    _lock(kpi)
    current = KpiReturn.objects.select_for_update().get(pk=kpi_return.pk)
    commentary = _commentary(commentary)
    reason = " ".join(str(reason or "").split())
    number, problem = parse_value(value, kpi.unit)
    errors = {"value": problem} if problem else {}
    errors = correction_problems(current, number, commentary, reason) | errors
    if errors:
        raise ValidationError(errors)
    assert number is not None
    before = snapshot(current)
    earlier = current.value
    now = timezone.now()
    resubmit(current, value=number, commentary=commentary, actor=actor, at=now)
    current.save()
    revision = ReturnRevision.objects.create(
        kpi_return=current,
        version=current.version,
        value=number,
        commentary=commentary,
        reason=reason,
        submitted_by=actor,
        submitted_at=now,
    )
    auditor = Auditor(actor, partnership_id=contract.partnership_id)
    auditor.updated(
        current,
        before,
        summary=f"Corrected {kpi.code} from {plain(earlier)} to {plain(number)}: {reason}",
    )
    auditor.created(revision)
    _after_returns_saved([kpi.pk], actor)
    return current


# A commissioner's review ---------------------------------------------------------------------


def _require_reviewer(actor: User, kpi_return: KpiReturn) -> Contract:
    contract = kpi_return.kpi.contract
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=contract.partnership)
    require_contract_visible(actor, contract)
    return contract


@transaction.atomic
def validate_return(*, actor: User, kpi_return: KpiReturn) -> KpiReturn:
    """Accept a return's figure as checked."""
    contract = _require_reviewer(actor, kpi_return)
    current = KpiReturn.objects.select_for_update().get(pk=kpi_return.pk)
    if current.status == ReturnStatus.VALIDATED:
        raise ValidationError({"__all__": f"Version {current.version} of this return is already validated."})
    before = snapshot(current)
    current.status = ReturnStatus.VALIDATED
    current.reviewed_by = actor
    current.reviewed_at = timezone.now()
    current.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    Auditor(actor, partnership_id=contract.partnership_id).updated(
        current, before, summary=f"Validated {kpi_return.kpi.code} version {current.version}"
    )
    return current


@transaction.atomic
def query_return(*, actor: User, kpi_return: KpiReturn, query: str) -> KpiReturn:
    """Ask the provider about a return's figure; their contacts are told."""
    contract = _require_reviewer(actor, kpi_return)
    query = str(query or "").strip()
    if not query:
        raise ValidationError({"query": "Say what you want the provider to check or explain."})
    current = KpiReturn.objects.select_for_update().select_related("kpi__contract").get(pk=kpi_return.pk)
    before = snapshot(current)
    current.status = ReturnStatus.QUERIED
    current.query = query
    current.reviewed_by = actor
    current.reviewed_at = timezone.now()
    current.save(update_fields=["status", "query", "reviewed_by", "reviewed_at"])
    Auditor(actor, partnership_id=contract.partnership_id).updated(
        current, before, summary=f"Queried {current.kpi.code} version {current.version}"
    )
    period = Period(current.period_start, current.period_end)
    _tell_provider(
        contract,
        subject=f"Return queried: {contract.reference} {current.kpi.code} {period.label}",
        body=f"{actor.display_name} asks about the figure of {plain(current.value)}:\n\n{query}",
        url=reverse("returns:detail", args=[contract.partnership.slug, current.pk]),
    )
    return current


# Chasing a missing return --------------------------------------------------------------------


@dataclass(frozen=True)
class Chased:
    chase: Chase
    told: int
    """How many provider contacts were sent the reminder."""


def provider_contacts(contract: Contract) -> list[User]:
    """The people who act for the contract's provider in its partnership."""
    memberships = Membership.objects.filter(
        partnership_id=contract.partnership_id,
        role=Role.PROVIDER_CONTACT.value,
        organisation_id=contract.provider.organisation_id,
        user__is_active=True,
    ).select_related("user")
    people: dict[int, User] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, membership.user)
    return list(people.values())


def _tell_provider(contract: Contract, *, subject: str, body: str, url: str) -> int:
    people = provider_contacts(contract)
    for person in people:
        notify(partnership=contract.partnership, recipient=person, subject=subject, body=body, url=url)
    return len(people)


@transaction.atomic
def chase(
    *, actor: User, kpi: Kpi, period_start: dt.date, message: str = "", today: dt.date | None = None
) -> Chased:
    """Remind the provider of a return that is due or late, and record that they were chased."""
    contract = kpi.contract
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=contract.partnership)
    require_contract_visible(actor, contract)
    today = today or timezone.localdate()
    period, problem = period_problem(kpi, period_start, today=today)
    if problem:
        raise ValidationError({"period_start": problem})
    assert period is not None
    existing = KpiReturn.objects.filter(kpi=kpi, period_start=period.start).first()
    if existing is not None:
        raise ValidationError(
            {
                "period_start": f"The return for {kpi.code} for {period.label} was received on "
                f"{long_date(timezone.localdate(existing.submitted_at))}; there is nothing to chase."
            }
        )
    message = str(message or "").strip()
    record = Chase.objects.create(kpi=kpi, period_start=period.start, chased_by=actor, message=message)
    Auditor(actor, partnership_id=contract.partnership_id).created(
        record, summary=f"Chased {contract.reference} {kpi.code} {period.label}"
    )
    lateness = (
        f"It was due on {long_date(period.due)}."
        if today > period.due
        else f"It is due by {long_date(period.due)}."
    )
    body = (
        f"The return for {kpi.code} {kpi.name} on contract {contract.reference} ({contract.title}) "
        f"for {period.label} has not been received. {lateness}"
    )
    if message:
        body = f"{body}\n\n{message}"
    told = _tell_provider(
        contract,
        subject=f"Return needed: {contract.reference} {kpi.code} {period.label}",
        body=body,
        url=reverse("returns:submit", args=[contract.partnership.slug, kpi.pk, period.start.isoformat()]),
    )
    return Chased(chase=record, told=told)
