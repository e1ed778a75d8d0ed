"""The sensitivity chart of a priority-setting round, as plain JSON for ``finance/charts.js`` to draw.

One line per criterion: as its weight moves down or up (the others rescaled to keep 100 %), how
many options enter or leave the portfolio chosen with the agreed weights. Flat lines at zero mean
the recommendation does not hang on the exact weights. The table beside it lists the options.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from commissioning.strategy.portfolio import Sensitivity

FONT = "Frutiger W01, Arial, sans-serif"
TEXT = "#212B32"
COLOURS = ("#005EB8", "#007F3B", "#ED8B00", "#330072", "#DA291C", "#768692", "#41B6E6", "#AE2573")
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def sensitivity_chart(by_step: Mapping[int, Sensitivity], titles: Mapping[str, str]) -> dict[str, Any]:
    """Options changed against the change in each criterion's weight, in points."""
    steps = sorted(by_step)
    first = by_step[steps[0]]
    criteria = list(dict.fromkeys((row.criterion, row.label) for row in first.rows))
    figure = go.Figure()
    for n, (key, label) in enumerate(criteria):
        points: dict[int, tuple[int, str]] = {0: (0, "The agreed weights")}
        for step in steps:
            for row in by_step[step].rows:
                if row.criterion != key:
                    continue
                moved = [f"+ {titles.get(k, k)}" for k in row.entering] + [
                    f"− {titles.get(k, k)}" for k in row.leaving
                ]
                text = row.note or ("<br>".join(moved) if moved else "No change")
                points[row.change] = (len(row.entering) + len(row.leaving), text)
        xs = sorted(points)
        figure.add_scatter(
            x=xs,
            y=[points[x][0] for x in xs],
            text=[points[x][1] for x in xs],
            mode="lines+markers",
            name=label,
            line={"color": COLOURS[n % len(COLOURS)]},
            marker={"size": 9},
            hovertemplate=f"{label} %{{x:+d}} points: %{{y}} options change<br>%{{text}}<extra></extra>",
        )
    figure.update_layout(
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "size": 14, "color": TEXT},
        height=380,
        margin={"l": 50, "r": 10, "t": 30, "b": 60},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": "Change in the criterion's weight (points)", "zeroline": True, "dtick": 10},
        yaxis={"title": "Options entering or leaving", "rangemode": "tozero", "dtick": 1},
    )
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out
