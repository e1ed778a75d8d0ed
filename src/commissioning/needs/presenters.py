"""Display wording and colours for the JSNA pages, charts and exports, in one place.

The statistics module speaks in codes ("worse", "Q5", "increasing_and_getting_worse"); people read
"Worse", "Worst quintile" and "Increasing and getting worse" in the colours Fingertips taught them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Fingertips' benchmark colours, so a spine chart reads the same as the national one.
BETTER = "#92D050"
SIMILAR = "#FFC000"
WORSE = "#C00000"
HIGHER = "#3B5FE0"
LOWER = "#BED2FF"
NOT_COMPARED = "#B1B4B6"


@dataclass(frozen=True)
class Tag:
    """A comparison as shown: its words, its NHS.UK tag modifier and its chart colour."""

    label: str
    tag: str
    colour: str
    family: str  # better / similar / worse / higher / lower / not_compared

    @property
    def css(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.tag}"


_TAGS = {
    "better": Tag("Better", "green", BETTER, "better"),
    "similar": Tag("Similar", "yellow", SIMILAR, "similar"),
    "worse": Tag("Worse", "red", WORSE, "worse"),
    "higher": Tag("Higher", "blue", HIGHER, "higher"),
    "lower": Tag("Lower", "blue", LOWER, "lower"),
    "not_compared": Tag("Not compared", "grey", NOT_COMPARED, "not_compared"),
}
_JUDGED_QUINTILES = {
    "Q1": Tag("Best quintile", "green", BETTER, "better"),
    "Q2": Tag("Second-best quintile", "green", BETTER, "better"),
    "Q3": Tag("Middle quintile", "yellow", SIMILAR, "similar"),
    "Q4": Tag("Second-worst quintile", "red", WORSE, "worse"),
    "Q5": Tag("Worst quintile", "red", WORSE, "worse"),
}
_UNJUDGED_QUINTILES = {
    "Q1": Tag("Highest quintile", "blue", HIGHER, "higher"),
    "Q2": Tag("Second-highest quintile", "blue", HIGHER, "higher"),
    "Q3": Tag("Middle quintile", "blue", LOWER, "similar"),
    "Q4": Tag("Second-lowest quintile", "blue", LOWER, "lower"),
    "Q5": Tag("Lowest quintile", "blue", LOWER, "lower"),
}


def comparison_tag(code: str, polarity: str = "no_judgement") -> Tag:
    """The tag for a comparison code from ``stats.compare`` or ``stats.quantile_compare``."""
    if code in _TAGS:
        return _TAGS[code]
    quintiles = _UNJUDGED_QUINTILES if polarity == "no_judgement" else _JUDGED_QUINTILES
    return quintiles.get(code, _TAGS["not_compared"])


def comparison_text(code: str, polarity: str = "no_judgement") -> str:
    """The words for exports: blank where nothing was compared (England with itself)."""
    return "" if not code else comparison_tag(code, polarity).label


_TRENDS = {
    "increasing_and_getting_worse": ("Increasing and getting worse", "↑", "red"),
    "decreasing_and_getting_worse": ("Decreasing and getting worse", "↓", "red"),
    "increasing_and_getting_better": ("Increasing and getting better", "↑", "green"),
    "decreasing_and_getting_better": ("Decreasing and getting better", "↓", "green"),
    "increasing": ("Increasing", "↑", "blue"),
    "decreasing": ("Decreasing", "↓", "blue"),
    "no_significant_change": ("No significant change", "→", "grey"),
    "cannot_be_calculated": ("Cannot be calculated", "", "white"),
}


@dataclass(frozen=True)
class Trend:
    label: str
    arrow: str
    tag: str

    @property
    def css(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.tag}"


def trend(code: str) -> Trend:
    label, arrow, tag = _TRENDS.get(code or "cannot_be_calculated", _TRENDS["cannot_be_calculated"])
    return Trend(label, arrow, tag)


def trend_text(code: str) -> str:
    return "" if not code else trend(code).label


def is_getting_worse(code: str) -> bool:
    return code.endswith("_getting_worse")


def number(value: float | None, decimals: int = 1) -> str:
    """A figure as a page shows it: thousands separated, a dash when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}"


def whole(value: float | None) -> str:
    return number(value, 0)


SEX_LABELS = {"persons": "Persons", "male": "Male", "female": "Female"}
AREA_TYPE_LABELS = {"country": "England", "region": "Region"}


def sex_label(sex: str) -> str:
    return SEX_LABELS.get(sex, sex.title())
