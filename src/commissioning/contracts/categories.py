"""Which procurement category a re-procurement of a contract falls in, from what it buys and who buys it.

Pure: no Django, so the expiry pipeline, the CLI and tests share one mapping. The values are those of
``market.models.ServiceType``, ``ProcurementCategory`` and ``BodyKind``.
"""

from __future__ import annotations

import calendar
import datetime as dt

GOODS = "goods"
SERVICES = "services"
LIGHT_TOUCH = "light_touch"
HEALTH_CARE = "health_care"

NHS = "nhs"
COUNCIL = "council"

# Health care services: bought by an NHS body they fall under the Provider Selection Regime.
HEALTH_SERVICES = frozenset(
    {
        "community_health",
        "mental_health",
        "reablement",
        "nursing",
        "residential",
        "home_care",
        "supported_living",
        "substance_misuse",
    }
)
# Social, health and related services: the Procurement Act's light-touch regime for everyone else.
CARE_SERVICES = HEALTH_SERVICES | {
    "day_opportunities",
    "carers",
    "advocacy",
    "prevention",
    "short_breaks",
}


def category_for(service_type: str, body_kind: str) -> str:
    """The category the rules engine matches on.

    Health services bought by an NHS body are health care (the Provider Selection Regime); social
    care and the other care services are light-touch; equipment is goods; anything else services.
    """
    if service_type == "equipment":
        return GOODS
    if body_kind == NHS and service_type in HEALTH_SERVICES:
        return HEALTH_CARE
    if service_type in CARE_SERVICES:
        return LIGHT_TOUCH
    return SERVICES


def term_months(starts_on: dt.date, ends_on: dt.date) -> int:
    """Whole months in a term that runs from ``starts_on`` to ``ends_on`` inclusive (1 April to 31
    March is 12; a part month left over does not count). At least one, so a value per year exists."""
    after = ends_on + dt.timedelta(days=1)
    months = (after.year - starts_on.year) * 12 + (after.month - starts_on.month)
    if after.day < starts_on.day:
        months -= 1
    return max(months, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))
