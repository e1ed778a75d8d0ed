"""Plotly figures for the contract pages, as plain JSON for ``finance/charts.js`` to draw.

The table beside each chart carries the same figures to the penny; the chart draws pounds as floats,
exact enough for a picture and never used for a sum.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from commissioning.finance.charts import BLUE, CONFIG, FONT, GREEN, GREY, TEXT, WARM

COLOURS = [BLUE, GREEN, WARM, "#330072", "#41B6E6", GREY]


def funding_chart(by_funder: Sequence[tuple[str, Decimal]]) -> dict[str, Any]:
    """Who pays for the contract: one ring, a slice per funding partner."""
    figure = go.Figure(
        go.Pie(
            labels=[name for name, _ in by_funder],
            values=[float(amount) for _, amount in by_funder],
            hole=0.55,
            sort=False,
            marker={"colors": COLOURS[: len(by_funder)]},
            texttemplate="%{percent:.1%}",
            hovertemplate="%{label}: £%{value:,.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        template="none",
        paper_bgcolor="white",
        font={"family": FONT, "size": 14, "color": TEXT},
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.1},
    )
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out
