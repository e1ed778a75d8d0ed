"""Template filters for the strategy pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def reading_of(evidence: Any, indicator_id: int) -> Any:
    """The live reading of one indicator from a page's ``Evidence``."""
    return evidence.get(indicator_id)
