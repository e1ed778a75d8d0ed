"""Figures as the JSNA pages write them: one decimal place or whole numbers, a dash for none."""

from __future__ import annotations

from django import template

from commissioning.needs import presenters

register = template.Library()


@register.filter
def num(value: float | None, decimals: int = 1) -> str:
    return presenters.number(value, int(decimals))


@register.filter
def whole(value: float | None) -> str:
    return presenters.whole(value)


@register.filter
def signed(value: float | None, decimals: int = 0) -> str:
    """A change with its sign: +120 or −35."""
    if value is None:
        return "–"
    text = presenters.number(abs(value), int(decimals))
    return text if value == 0 else ("+" if value > 0 else "−") + text


@register.filter
def get(mapping: dict, key: str) -> object:
    return mapping.get(key)


@register.filter
def percent(fraction: float | None, decimals: int = 2) -> str:
    """A prevalence rate held as a fraction, shown as a percentage: 0.0123 → 1.23."""
    return "–" if fraction is None else presenters.number(fraction * 100, int(decimals))
