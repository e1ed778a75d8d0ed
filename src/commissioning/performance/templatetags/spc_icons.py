"""The Making Data Count icons as small inline SVGs: ``{% variation_icon reading %}``,
``{% assurance_icon reading %}``.

Each icon names itself (``aria-label`` and a ``title`` tooltip); with ``labelled=True`` the meaning
is also written beside it and the drawing is hidden from screen readers, so it is read once.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from commissioning.performance import spc
from commissioning.performance.charts import (
    Badge,
    assurance_badge,
    no_assurance_reason,
    number,
    variation_badge,
    with_unit,
)

register = template.Library()

SQUIGGLE = "M7 18 L11 13 L15 19 L19 12 L22 17 L25 14"


def _svg(badge: Badge, *, size: int, labelled: bool) -> SafeString:
    if labelled:
        naming = mark_safe('aria-hidden="true"')
    else:
        naming = format_html('role="img" aria-label="{}"', badge.label)
    stroke = format_html(
        'stroke="{}" stroke-width="2"{}',
        badge.ink if badge.dashed else badge.fill,
        mark_safe(' stroke-dasharray="4 3"') if badge.dashed else "",
    )
    if badge.letter:
        mark = format_html(
            '<text x="16" y="21.5" text-anchor="middle" font-family="Arial, sans-serif" font-size="16" '
            'font-weight="bold" fill="{}">{}</text>',
            badge.ink,
            badge.letter,
        )
    else:
        mark = format_html(
            '<path d="{}" fill="none" stroke="{}" stroke-width="2.2" stroke-linejoin="round"/>',
            SQUIGGLE,
            badge.ink,
        )
    svg = format_html(
        '<svg class="spc-icon spc-icon--{}" {} width="{}" height="{}" viewBox="0 0 32 32" focusable="false" '
        'style="vertical-align: middle; flex: none"><title>{}</title>'
        '<circle cx="16" cy="16" r="14" fill="{}" {}/>{}</svg>',
        badge.key,
        naming,
        size,
        size,
        badge.label,
        badge.fill,
        stroke,
        mark,
    )
    if not labelled:
        return svg
    return format_html(
        '<span class="spc-icon-labelled" style="display: flex; gap: 8px; align-items: center; '
        'margin-bottom: 8px">{}<span>{}</span></span>',
        svg,
        badge.label,
    )


@register.simple_tag
def variation_icon(reading: Any, size: int = 32, labelled: bool = False) -> SafeString:
    return _svg(variation_badge(reading.variation), size=size, labelled=labelled)


@register.simple_tag
def assurance_icon(reading: Any, size: int = 32, labelled: bool = False) -> SafeString:
    badge = assurance_badge(reading.assurance, reason=no_assurance_reason(reading))
    return _svg(badge, size=size, labelled=labelled)


@register.filter
def spc_number(value: Any) -> str:
    """A figure with at most two decimals and no trailing zeros ("" for none)."""
    return number(value)


@register.filter
def spc_with_unit(value: Any, unit: str) -> str:
    """A figure with its unit: "88.2%", "12 days"."""
    return with_unit(value, unit)


@register.simple_tag
def spc_icon_key() -> SafeString:
    """Every icon with its meaning, for a key beside charts and summaries."""
    variation = [variation_badge(key) for key in spc.VARIATIONS]
    assurance = [assurance_badge(key) for key in spc.ASSURANCES]
    return format_html(
        '<div class="spc-key"><h3 class="nhsuk-heading-xs">Variation</h3>{}'
        '<h3 class="nhsuk-heading-xs">Assurance</h3>{}</div>',
        format_html_join("", "{}", ((_svg(b, size=28, labelled=True),) for b in variation)),
        format_html_join("", "{}", ((_svg(b, size=28, labelled=True),) for b in assurance)),
    )
