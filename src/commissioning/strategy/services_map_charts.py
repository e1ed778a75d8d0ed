"""Plotly figures for the services map, drawn by ``finance/charts.js`` beside tables with the same figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

FONT = "Frutiger W01, Arial, sans-serif"
TEXT = "#212B32"
BLUE = "#005EB8"
GREEN = "#007F3B"
WARM = "#ED8B00"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def chart(key: str, figure: dict[str, Any], label: str) -> dict[str, Any]:
    """A chart for ``finance/_chart.html``; its label tells screen-reader users where the figures are."""
    return {
        "id": f"chart-{key}",
        "data_id": f"chart-{key}-data",
        "figure": figure,
        "label": f"{label}; the table gives the figures.",
    }


def _json(figure: go.Figure, height: int, **layout: Any) -> dict[str, Any]:
    figure.update_layout(
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "size": 14, "color": TEXT},
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        **layout,
    )
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out


def need_chart(row: Any) -> dict[str, Any]:
    """Projected people in need by year against the people today's capacity serves."""
    years = [y.year for y in row.years]
    figure = go.Figure()
    figure.add_scatter(
        x=years,
        y=[round(y.need) for y in row.years],
        mode="lines+markers",
        name="People in need",
        line={"color": BLUE},
    )
    figure.add_scatter(
        x=years,
        y=[round(y.capacity) for y in row.years],
        mode="lines",
        name="People today's capacity serves",
        line={"color": GREEN, "dash": "dash"},
    )
    return _json(figure, 320, xaxis={"title": "Year"}, yaxis={"title": "People", "rangemode": "tozero"})


def spend_by_outcome_chart(items: Sequence[tuple[Any, Decimal]]) -> dict[str, Any]:
    """Mapped spend of the services serving each outcome (a service serving two counts under both)."""
    figure = go.Figure()
    figure.add_bar(
        y=[o.title for o, _ in items][::-1],
        x=[float(a) for _, a in items][::-1],
        orientation="h",
        marker_color=BLUE,
        name="Mapped spend",
    )
    return _json(
        figure,
        120 + 40 * len(items),
        xaxis={"title": "Mapped spend (£)", "rangemode": "tozero"},
        yaxis={"automargin": True},
    )
