"""Reporting periods: which returns a KPI expects, from its frequency and its contract's term.

Months are calendar months; quarters, half-years and years follow the financial year that
both the NHS and councils account in (April to March). A return is due a fixed number of days
after its period ends. Pure: no Django, so the rules can be tested and reused anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from commissioning.contracts.categories import add_months
from commissioning.governance.rules import financial_year_label, financial_year_of

FREQUENCIES = ("monthly", "quarterly", "six_monthly", "annual")
MONTHS_IN: dict[str, int] = {"monthly": 1, "quarterly": 3, "six_monthly": 6, "annual": 12}
DUE_DAYS = 20
"""Days after a period ends by which its return is due."""

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date

    @property
    def due(self) -> date:
        return self.end + timedelta(days=DUE_DAYS)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def label(self) -> str:
        fy = financial_year_label(financial_year_of(self.start))
        months = self.months
        if months == 1:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if months == 3:
            return f"Q{(self.start.month - 4) % 12 // 3 + 1} {fy}"
        if months == 6:
            return f"H{1 if self.start.month == 4 else 2} {fy}"
        return fy


def _check(frequency: str) -> int:
    try:
        return MONTHS_IN[frequency]
    except KeyError:
        known = ", ".join(FREQUENCIES)
        raise ValueError(f"Unknown reporting frequency {frequency!r}: use one of {known}.") from None


def period_containing(frequency: str, day: date) -> Period:
    """The reporting period of this frequency that contains the day."""
    length = _check(frequency)
    # Months since April of some year: periods longer than a month start in April, July, ...
    offset = (day.month - 4) % length if length > 1 else 0
    start = add_months(date(day.year, day.month, 1), -offset)
    return Period(start, add_months(start, length) - timedelta(days=1))


def is_period_start(frequency: str, day: date) -> bool:
    """Whether the day is the first day of a reporting period of this frequency."""
    return period_containing(frequency, day).start == day


def iter_periods(frequency: str, starts_on: date, ends_on: date) -> Iterator[Period]:
    """Every period of this frequency that overlaps [starts_on, ends_on], in order."""
    length = _check(frequency)
    period = period_containing(frequency, starts_on)
    while period.start <= ends_on:
        yield period
        start = add_months(period.start, length)
        period = Period(start, add_months(start, length) - timedelta(days=1))


def expected_periods(frequency: str, starts_on: date, ends_on: date, *, until: date) -> list[Period]:
    """The periods a contract running [starts_on, ends_on] owes returns for that have ended by ``until``."""
    return [period for period in iter_periods(frequency, starts_on, ends_on) if period.end <= until]


def period_status(period: Period, *, received: bool, today: date) -> str:
    """``received``, ``late`` (missing and past due), ``due`` (ended, not yet due) or ``open``."""
    if received:
        return "received"
    if today > period.due:
        return "late"
    if today > period.end:
        return "due"
    return "open"
