"""Resources wording in templates: money, variances, RAG tags, shares and financial years."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commissioning.finance import presenters

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    return presenters.money(amount)


@register.filter
def variance(amount: Decimal | None) -> str:
    return presenters.variance(amount)


@register.filter
def rag(figures: Any) -> SafeString:
    """The RAG tag of a row of figures (anything with ``rag`` and ``budget``), or of a RAG code."""
    tag = presenters.rag(figures) if isinstance(figures, str) else presenters.rag(figures.rag, figures.budget)
    return format_html('<strong class="{}">{}</strong>', tag.css, tag.label)


@register.simple_tag
def rag_meaning() -> str:
    return presenters.RAG_MEANING


@register.filter
def share(basis_points: int | None) -> str:
    return presenters.share(basis_points)


@register.filter
def fraction(part: Decimal | None, whole: Decimal | None) -> str:
    return presenters.fraction(part, whole)


@register.filter
def year(financial_year: int | None) -> str:
    return "–" if financial_year is None else presenters.financial_year(financial_year)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping is not None else None


@register.filter
def minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b
