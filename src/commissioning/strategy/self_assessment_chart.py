"""The self-assessment's maturity by stage as a Plotly radar, now against the last recorded assessment.

Pure (Plotly, no Django): it takes stage labels and scores in basis points and returns plain JSON for
``finance/charts.js`` to draw; the table beside the chart carries the same figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

FONT = "Frutiger W01, Arial, sans-serif"
TEXT = "#212B32"
BLUE = "#005EB8"
GREY = "#768692"
CONFIG = {"displaylogo": False, "responsive": True}


def _closed(values: Sequence[Any]) -> list[Any]:
    """A radar's line returns to its first point."""
    return [*values, values[0]] if values else []


def _percent(score: int | None) -> float:
    return 0.0 if score is None else score / 100


def maturity_radar(
    labels: Sequence[str],
    now: Sequence[int | None],
    then: Sequence[int | None] | None = None,
    then_label: str = "",
) -> dict[str, Any]:
    """Each stage's score now (filled) and, when given, at the last recorded assessment (dashed)."""
    figure = go.Figure()
    if then is not None:
        figure.add_scatterpolar(
            r=_closed([_percent(s) for s in then]),
            theta=_closed(list(labels)),
            name=then_label or "Last recorded",
            line={"color": GREY, "dash": "dash"},
            hovertemplate="%{theta}: %{r:.0f} %<extra></extra>",
        )
    figure.add_scatterpolar(
        r=_closed([_percent(s) for s in now]),
        theta=_closed(list(labels)),
        name="Now",
        fill="toself",
        line={"color": BLUE},
        hovertemplate="%{theta}: %{r:.0f} %<extra></extra>",
    )
    figure.update_layout(
        template="none",
        paper_bgcolor="white",
        font={"family": FONT, "size": 14, "color": TEXT},
        height=440,
        margin={"l": 70, "r": 70, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.1},
        polar={
            "radialaxis": {"range": [0, 100], "ticksuffix": " %", "angle": 90, "tickfont": {"size": 11}},
            "angularaxis": {"direction": "clockwise", "rotation": 90},
        },
    )
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out
