"""Display wording and colours for the Resources pages, charts and exports, in one place.

Selectors speak in Decimals, basis points and codes ("capped", "pooled"); people read "£1,234.56",
"25.00 %", "Capped shares, the remainder to the host" and a red, amber or green tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from commissioning.core.money import display_pounds
from commissioning.governance.rules import financial_year_label

PENNY = Decimal("0.01")
HUNDREDTH = Decimal("0.01")
FULL_SHARE = 10_000


@dataclass(frozen=True)
class Tag:
    """Words and the NHS.UK tag colour they are shown in."""

    label: str
    colour: str

    @property
    def css(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.colour}"


# The thresholds are ``summaries.rag``'s: the forecast's distance from the budget, either way.
RAG = {
    "green": Tag("Green", "green"),
    "amber": Tag("Amber", "yellow"),
    "red": Tag("Red", "red"),
}
RAG_MEANING = (
    "Green: the forecast outturn is within 1 % of the budget. Amber: within 5 %. Red: more than 5 % "
    "over or under the budget."
)
NO_RAG = Tag("No budget", "grey")


def money(amount: Decimal | int | None) -> str:
    """£1,234.56 from a Decimal (never a float); a dash when there is none; -£20.00 for credits."""
    return display_pounds(amount)


def variance(amount: Decimal | None) -> str:
    """A forecast less its budget in words: an overspend or an underspend."""
    if amount is None:
        return "–"
    if amount > 0:
        return f"{money(amount)} over"
    if amount < 0:
        return f"{money(-amount)} under"
    return "On budget"


def rag(code: str, budget: Decimal | None = None) -> Tag:
    """The tag for a RAG code from ``summaries.rag``; grey where there is no budget to judge against."""
    if budget is not None and not budget:
        return NO_RAG
    return RAG.get(code, NO_RAG)


def share(basis_points: int | Decimal | None, places: int = 2) -> str:
    """Basis points as a percentage: 2500 is "25.00 %"."""
    if basis_points is None:
        return "–"
    value = (Decimal(basis_points) / 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f} %"


def fraction(part: Decimal | None, whole: Decimal | None, places: int = 2) -> str:
    """``part`` as a percentage of ``whole``; a dash when the whole is nothing."""
    if part is None or not whole:
        return "–"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{value:,.{places}f} %"


def basis_points_of(part: Decimal, whole: Decimal) -> int:
    """``part`` of ``whole`` in basis points, rounded half up (0 when the whole is nothing)."""
    if not whole:
        return 0
    return int((Decimal(part) * FULL_SHARE / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP))


def financial_year(year: int) -> str:
    """How people write a financial year: 2026 is "2026/27"."""
    return financial_year_label(year)


def month(day: object) -> str:
    """A month as a page shows it: "Apr 2026"."""
    return format(day, "%b %Y") if day is not None else "–"


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"
