"""Formatting for market position statements, whose figures travel as JSON (money as strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from commissioning.core.dates import long_date

register = template.Library()

CAPACITY_UNITS = {"beds": "beds", "hours_per_week": "hours a week", "places": "places"}


@register.filter
def pounds(value: Any, places: int = 2) -> str:
    """'1234.5' → '£1,234.50'; nothing → an en dash."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"£{amount:,.{places}f}"


@register.filter
def figure(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def capacity_unit(value: str) -> str:
    return CAPACITY_UNITS.get(value, value)


@register.filter
def iso_long_date(value: str) -> str:
    """'2026-10-01' (as the frozen JSON keeps dates) → '1 October 2026'."""
    if not value:
        return ""
    try:
        return long_date(dt.date.fromisoformat(value))
    except ValueError:
        return value
