"""SPC charts the NHS *Making Data Count* way, as Plotly JSON for ``finance/charts.js`` to draw.

A chart is built from the table ``series.chart_table`` returns, so the lines drawn are exactly the
limits ``spc.xmr`` computed. The colours, the words for point types and rules, and the icons'
letters live here too: the server-side images (``chart_render``) and the icon template tag use
them, so every picture of a KPI looks and reads the same.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from commissioning.finance.charts import CONFIG, FONT, TEXT
from commissioning.performance import spc

# Making Data Count colours: (chart point, icon).
IMPROVEMENT = ("#289DE0", "#41B6E6")
CONCERN = ("#FAB428", "#ED8B00")
NEUTRAL = ("#490092", "#490092")
COMMON = ("#7B7D7D", "#7B7D7D")
LINE_GREY = "#A6A6A6"
MEAN = "#231F20"
LIMIT_GREY = "#768692"
TARGET_RED = "#DA291C"
REBASE = "#4C6272"

POINT_COLOURS = {
    "common_cause": COMMON[0],
    "special_cause_improvement": IMPROVEMENT[0],
    "special_cause_concern": CONCERN[0],
    "special_cause_neutral": NEUTRAL[0],
}
POINT_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral": "Special cause: neither improvement nor concern",
}
_RULES = spc.Rules()
RULE_LABELS = {
    "beyond_limits": "Beyond a process limit",
    "trend": f"{_RULES.trend_length} or more points rising or falling",
    "two_of_three": "2 of 3 points close to a process limit",
    "run": f"{_RULES.run_length} or more points on one side of the mean",
}


@dataclass(frozen=True)
class Badge:
    """How one icon is drawn: a circle of ``fill`` with ``letter`` in ``ink`` (no letter: a squiggle)."""

    key: str
    letter: str
    fill: str
    ink: str
    label: str
    dashed: bool = False


_VARIATION_DRAWING = {
    "common_cause": ("", COMMON[1], "#FFFFFF"),
    "improvement_high": ("H", IMPROVEMENT[1], TEXT),
    "improvement_low": ("L", IMPROVEMENT[1], TEXT),
    "concern_high": ("H", CONCERN[1], TEXT),
    "concern_low": ("L", CONCERN[1], TEXT),
    "neutral_high": ("H", NEUTRAL[1], "#FFFFFF"),
    "neutral_low": ("L", NEUTRAL[1], "#FFFFFF"),
}
_ASSURANCE_DRAWING = {
    "pass": ("P", IMPROVEMENT[1], TEXT),
    "fail": ("F", CONCERN[1], TEXT),
    "inconsistent": ("?", COMMON[1], "#FFFFFF"),
}
NOT_ENOUGH_DATA = "Not enough data: limits need at least two returns"
PLAIN: dict[str, Any] = {
    "template": "none",
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "font": {"family": FONT, "size": 14, "color": TEXT},
}
"""The look every chart on the performance pages shares."""


def variation_badge(variation: str | None) -> Badge:
    if variation is None:
        return Badge("none", "–", "#FFFFFF", COMMON[1], NOT_ENOUGH_DATA, dashed=True)
    letter, fill, ink = _VARIATION_DRAWING[variation]
    return Badge(variation, letter, fill, ink, spc.VARIATION_LABELS[variation])


def assurance_badge(assurance: str | None, *, reason: str = "No target") -> Badge:
    """The assurance icon; with none, a dashed circle saying why (``reason``)."""
    if assurance is None:
        return Badge("none", "–", "#FFFFFF", COMMON[1], reason, dashed=True)
    letter, fill, ink = _ASSURANCE_DRAWING[assurance]
    return Badge(assurance, letter, fill, ink, spc.ASSURANCE_LABELS[assurance])


def no_assurance_reason(reading: Any) -> str:
    """Why a reading has no assurance icon."""
    kpi = reading.kpi
    if reading.variation is None:
        return "No assurance yet: not enough data"
    if kpi.target is None:
        return "No assurance: no target is set"
    if kpi.polarity == "neutral":
        return "No assurance: the measure has no preferred direction"
    return "No assurance"


def reading_badges(reading: Any) -> tuple[Badge, Badge]:
    """A KPI reading's two icons: its variation, and its assurance (or why it has none)."""
    return (
        variation_badge(reading.variation),
        assurance_badge(reading.assurance, reason=no_assurance_reason(reading)),
    )


def number(value: float | Decimal | None, places: int = 2) -> str:
    """A figure as people read it: thousands separated, at most ``places`` decimals, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def with_unit(value: float | Decimal | None, unit: str) -> str:
    text = number(value)
    if not text or not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def rules_text(rules: tuple[str, ...]) -> str:
    return "; ".join(RULE_LABELS[rule] for rule in rules)


def _floats(column: pd.Series) -> list[float | None]:
    """Plain floats with None for NaN, so the JSON holds numbers and gaps, not NumPy types."""
    return [None if pd.isna(v) else float(v) for v in column]


def limits_groups(table: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """Each limits period (rebase group) with its row positions, for groups with limits to draw.

    A group needs two points with a value for a moving range, so one with fewer draws no lines.
    """
    groups = []
    for group, rows in table.groupby("rebase_group", sort=True).indices.items():
        positions = sorted(int(i) for i in rows)
        if table["value"].iloc[positions].notna().sum() >= 2 and not math.isnan(
            table["upl"].iloc[positions[0]]
        ):
            groups.append((int(group), positions))
    return groups


def rebase_positions(table: pd.DataFrame) -> list[int]:
    """Row positions where a new limits period starts."""
    groups = table["rebase_group"].tolist()
    return [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]


def hover_text(row: Any, unit: str) -> str:
    text = f"{row.period}<br>Value: {with_unit(row.value, unit)}<br>{POINT_LABELS[row.point_type]}"
    if row.rules:
        text += f"<br>Rules: {rules_text(row.rules)}"
    return text


def spc_figure(
    table: pd.DataFrame, *, unit: str = "", rebase_reasons: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """The XmR chart of one KPI: values, mean, process limits and target, special causes coloured.

    ``table`` is ``series.chart_table``'s result (a ``period`` column beside ``spc.xmr``'s);
    ``rebase_reasons`` maps a row position where the limits were recalculated to why.
    """
    periods = [str(p) for p in table["period"]]
    figure = go.Figure()
    figure.add_scatter(
        x=periods,
        y=_floats(table["value"]),
        mode="lines",
        name="Value",
        line={"color": LINE_GREY, "width": 2},
        hoverinfo="skip",
        showlegend=False,
    )
    for index, (_, positions) in enumerate(limits_groups(table)):
        x = [periods[i] for i in positions]
        first = index == 0
        for name, column, dash, colour in (
            ("Mean", "mean", "solid", MEAN),
            ("Upper process limit", "upl", "dash", LIMIT_GREY),
            ("Lower process limit", "lpl", "dash", LIMIT_GREY),
        ):
            level = float(table[column].iloc[positions[0]])
            figure.add_scatter(
                x=x,
                y=[level] * len(x),
                mode="lines",
                name=name,
                legendgroup=column,
                showlegend=first,
                line={"color": colour, "dash": dash, "width": 1.5},
                hovertemplate=f"{name}: {with_unit(level, unit)}<extra></extra>",
            )
    target = table["target"].iloc[0] if len(table) else math.nan
    annotations: list[dict[str, Any]] = []
    if not math.isnan(target):
        label = f"Target {with_unit(target, unit)}"
        figure.add_scatter(
            x=periods,
            y=[float(target)] * len(periods),
            mode="lines",
            name="Target",
            line={"color": TARGET_RED, "dash": "dash", "width": 1.5},
            hovertemplate=f"{label}<extra></extra>",
        )
        annotations.append(
            {
                "x": periods[-1],
                "y": float(target),
                "text": label,
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"color": TARGET_RED, "size": 12},
            }
        )
    present = table[table["value"].notna()]
    for point_type, points in present.groupby("point_type", sort=False):
        figure.add_scatter(
            x=[str(p) for p in points["period"]],
            y=_floats(points["value"]),
            mode="markers",
            name=POINT_LABELS[str(point_type)],
            marker={
                "color": POINT_COLOURS[str(point_type)],
                "size": 9,
                "line": {"color": "white", "width": 1},
            },
            text=[hover_text(row, unit) for row in points.itertuples()],
            hovertemplate="%{text}<extra></extra>",
        )
    shapes = []
    reasons = rebase_reasons or {}
    for position in rebase_positions(table):
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": position - 0.5,
                "x1": position - 0.5,
                "y0": 0,
                "y1": 1,
                "line": {"color": REBASE, "dash": "dot", "width": 1.5},
            }
        )
        why = reasons.get(position, "")
        annotations.append(
            {
                "x": position - 0.5,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": "Limits recalculated",
                "hovertext": why or "Limits recalculated",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"color": REBASE, "size": 12},
            }
        )
    figure.update_layout(
        **PLAIN,
        height=460,
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        # The legend sits above the plot, so the period labels below have room to be read whole.
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        hovermode="closest",
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": periods,
            "tickangle": -45,
            "automargin": True,
        },
        yaxis={"title": unit or "Value", "zeroline": False, "gridcolor": "#E8EDEE"},
        shapes=shapes,
        annotations=annotations,
    )
    return as_json(figure)


def as_json(figure: go.Figure) -> dict[str, Any]:
    """Plain JSON (no NumPy or Decimal types) for ``json_script``, with the chart controls set."""
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out
