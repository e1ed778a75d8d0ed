"""Money: Decimal pounds and pence, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models

PENNY = Decimal("0.01")


def pounds(value: Any) -> Decimal:
    """A sum of money to the penny; refuses floats, which cannot hold pence exactly."""
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal, an int or a string.")
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def display_pounds(amount: Decimal | int | None) -> str:
    """£1,234.56 from a Decimal (never a float); a dash when there is none; -£20.00 for credits."""
    if amount is None:
        return "–"
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass a Decimal or an int.")
    value = Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)
    return f"-£{-value:,.2f}" if value < 0 else f"£{value:,.2f}"


def format_pounds(value: Decimal | None) -> str:
    return "" if value is None else f"£{value:,.2f}"


class MoneyField(models.DecimalField):
    """Pounds and pence: 14 digits, 2 after the point (up to £999,999,999,999.99)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_digits") == 14:
            del kwargs["max_digits"]
        if kwargs.get("decimal_places") == 2:
            del kwargs["decimal_places"]
        return name, path, args, kwargs
