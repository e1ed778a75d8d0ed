"""Plotly figures for the Resources pages, as plain JSON for ``finance/charts.js`` to draw.

Charts complement the tables beside them, which carry the same figures (to the penny) for
screen readers and for people who prefer numbers; the charts themselves are drawn in pounds as
floats, which is exact enough for a picture and never used for a sum.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from commissioning.finance import presenters

FONT = "Frutiger W01, Arial, sans-serif"
TEXT = "#212B32"
BLUE = "#005EB8"
GREY = "#768692"
GREEN = "#007F3B"
WARM = "#ED8B00"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
# Sankey node colours by column: partners, funds and budgets, schemes, providers.
NODE_COLOURS = {"partner": BLUE, "fund": "#330072", "budget": "#41B6E6", "scheme": GREEN, "provider": WARM}


def _json(figure: go.Figure) -> dict[str, Any]:
    """Plain JSON (no NumPy or Decimal types) that Django's ``json_script`` can write into the page."""
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out


def _layout(figure: go.Figure, height: int, **extra: Any) -> None:
    layout: dict[str, Any] = {
        "template": "none",
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": FONT, "size": 14, "color": TEXT},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": -0.18},
    }
    figure.update_layout(**(layout | extra))


def _pounds(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def forecast_history_chart(points: Sequence[Any], budget: Decimal) -> dict[str, Any]:
    """The forecast outturn as made month by month, against the budget: a line creeping above it
    is an overspend seen coming. Each point has ``made_in`` (a date) and ``outturn``."""
    months = [presenters.month(p.made_in) for p in points]
    figure = go.Figure()
    figure.add_scatter(
        x=months,
        y=[_pounds(budget)] * len(months),
        mode="lines",
        name="Budget",
        line={"color": GREY, "dash": "dash"},
        hoverinfo="skip",
    )
    figure.add_scatter(
        x=months,
        y=[_pounds(p.outturn) for p in points],
        mode="lines+markers",
        name="Forecast outturn",
        line={"color": BLUE},
        marker={"size": 8},
        text=[presenters.money(p.outturn) for p in points],
        hovertemplate="%{x}: %{text}<extra></extra>",
    )
    _layout(
        figure,
        height=340,
        xaxis={"type": "category", "title": "Month the forecast was made"},
        yaxis={"title": "Pounds", "tickprefix": "£", "separatethousands": True},
    )
    return _json(figure)


def sankey_chart(nodes: Sequence[Any], links: Sequence[Any]) -> dict[str, Any]:
    """Money from partners through funds and budgets to schemes and providers.

    ``nodes`` have ``label`` and ``column``; ``links`` have ``source`` and ``target`` (indexes
    into ``nodes``) and ``amount``.
    """
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.2f",
            valuesuffix="",
            node={
                "label": [n.label for n in nodes],
                "color": [NODE_COLOURS.get(n.column, GREY) for n in nodes],
                "pad": 14,
                "thickness": 16,
                "line": {"color": TEXT, "width": 0.5},
                "hovertemplate": "%{label}: £%{value:,.2f}<extra></extra>",
            },
            link={
                "source": [link.source for link in links],
                "target": [link.target for link in links],
                "value": [_pounds(link.amount) for link in links],
                "color": "rgba(118, 134, 146, 0.35)",
                "hovertemplate": "%{source.label} → %{target.label}: £%{value:,.2f}<extra></extra>",
            },
        )
    )
    _layout(figure, height=max(420, 34 * len(nodes) // 2 + 200), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return _json(figure)


def prevention_chart(years: Sequence[Any]) -> dict[str, Any]:
    """The prevention share of commissioning spend by year (bars) against the target (a line).

    Each year has ``financial_year``, ``share_bp`` and ``target_bp`` (None where no target is set)."""
    labels = [presenters.financial_year(y.financial_year) for y in years]
    figure = go.Figure()
    figure.add_bar(
        x=labels,
        y=[y.share_bp / 100 for y in years],
        name="Prevention share of commissioning budgets",
        marker_color=GREEN,
        text=[presenters.share(y.share_bp, 1) for y in years],
        textposition="outside",
    )
    figure.add_scatter(
        x=labels,
        y=[None if y.target_bp is None else y.target_bp / 100 for y in years],
        mode="lines+markers",
        name="Target trajectory",
        line={"color": TEXT, "dash": "dash"},
        marker={"size": 9, "symbol": "diamond"},
        connectgaps=True,
    )
    _layout(
        figure,
        height=360,
        xaxis={"type": "category", "title": "Financial year"},
        yaxis={"title": "Share of commissioning budgets (%)", "rangemode": "tozero", "ticksuffix": " %"},
    )
    return _json(figure)
