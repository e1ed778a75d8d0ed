"""Display filters every area shares: ``{{ amount|money }}`` (£1,234.56, a dash for none) and
``{{ mapping|get:key }}``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from commissioning.core.money import display_pounds

register = template.Library()


@register.filter
def money(amount: Decimal | int | None) -> str:
    return display_pounds(amount)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping is not None else None
