"""Plotly figures for the JSNA pages, as plain JSON for ``needs/charts.js`` to draw.

Charts complement the tables beside them, which carry the same figures for screen readers and
for people who prefer numbers. plotly.js comes from the Python package's own copy, served as a
static file, so the charts work with no internet connection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from commissioning.needs import presenters

FONT = "Frutiger W01, Arial, sans-serif"
RANGE = "#D8DDE0"
MIDDLE = "#768692"
ENGLAND_LINE = "#212B32"
AREA_LINE = "#005EB8"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def _json(figure: go.Figure) -> dict[str, Any]:
    """Plain JSON (no NumPy types) that Django's ``json_script`` can write into the page."""
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out


def _layout(figure: go.Figure, height: int, **extra: Any) -> None:
    # No Plotly template: a template is copied into every figure (slow, and kilobytes per chart).
    figure.update_layout(
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "size": 14, "color": "#212B32"},
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.12},
        **extra,
    )


def spine_chart(rows: Sequence[Any], area_name: str, region_name: str | None) -> dict[str, Any]:
    """Fingertips' spine chart: England at the centre, the peers' range as a band, the area a dot.

    Each row is scaled on its own so that England sits at 0 and the furthest of the worst, best
    and area values from England sits at 1; worse is always to the left (or lower, for indicators
    without a judgement). The dot takes the colour of the area's comparison with England.
    """
    labels, wide_base, wide, mid_base, mid = [], [], [], [], []
    area_x: list[float | None] = []
    region_x: list[float | None] = []
    colours, hover, region_hover = [], [], []
    for row in rows:
        spread = row.spread
        centre = row.england if row.england is not None else spread.median
        known = [v for v in (spread.worst, spread.best, row.value, row.region) if v is not None]
        if centre is None:
            centre = row.value if row.value is not None else 0.0
        reach = max((abs(v - centre) for v in known), default=0.0) or 1.0
        sign = -1.0 if row.indicator.polarity == "lower_is_better" else 1.0

        def scaled(
            v: float | None, centre: float = centre, reach: float = reach, sign: float = sign
        ) -> float | None:
            return None if v is None else sign * (v - centre) / reach

        labels.append(f"{row.indicator.name} ({row.period})")
        low, high = scaled(spread.worst), scaled(spread.best)
        wide_base.append(min(low, high) if low is not None and high is not None else None)
        wide.append(abs(high - low) if low is not None and high is not None else None)
        q_low, q_high = scaled(spread.q25), scaled(spread.q75)
        mid_base.append(min(q_low, q_high) if q_low is not None and q_high is not None else None)
        mid.append(abs(q_high - q_low) if q_low is not None and q_high is not None else None)
        area_x.append(scaled(row.value))
        region_x.append(scaled(row.region))
        tag = row.england_tag
        colours.append(tag.colour)
        unit = f" {row.indicator.unit}" if row.indicator.unit else ""
        hover.append(
            f"{area_name}: {presenters.number(row.value)}{unit}<br>Compared with England: {tag.label}"
        )
        region_hover.append(f"{region_name or 'Region'}: {presenters.number(row.region)}{unit}")
    figure = go.Figure()
    figure.add_bar(
        y=labels,
        x=wide,
        base=wide_base,
        orientation="h",
        marker_color=RANGE,
        name="Peers: worst to best",
        hoverinfo="skip",
    )
    figure.add_bar(
        y=labels,
        x=mid,
        base=mid_base,
        orientation="h",
        marker_color=MIDDLE,
        name="Peers: 25th to 75th percentile",
        hoverinfo="skip",
    )
    if region_name:
        figure.add_scatter(
            y=labels,
            x=region_x,
            mode="markers",
            name=region_name,
            text=region_hover,
            hoverinfo="text",
            marker={"symbol": "diamond-open", "size": 11, "color": ENGLAND_LINE, "line": {"width": 2}},
        )
    figure.add_scatter(
        y=labels,
        x=area_x,
        mode="markers",
        name=area_name,
        text=hover,
        hoverinfo="text",
        marker={
            "symbol": "circle",
            "size": 14,
            "color": colours,
            "line": {"color": ENGLAND_LINE, "width": 1},
        },
    )
    figure.add_vline(x=0, line_color=ENGLAND_LINE, line_width=2)
    _layout(
        figure,
        height=90 + 38 * max(len(rows), 1),
        barmode="overlay",
        bargap=0.45,
        xaxis={
            "range": [-1.08, 1.08],
            "showticklabels": False,
            "ticks": "",
            "title": "← worse (or lower) · England · better (or higher) →",
        },
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return _json(figure)


def trend_chart(points: Sequence[Any], england: Sequence[Any], area_name: str, unit: str) -> dict[str, Any]:
    """The area's values over time with their confidence intervals, and England's line."""
    figure = go.Figure()
    figure.add_scatter(
        x=[p.period for p in england],
        y=[p.value for p in england],
        mode="lines+markers",
        name="England",
        line={"color": ENGLAND_LINE, "dash": "dash"},
        marker={"size": 6},
    )
    figure.add_scatter(
        x=[p.period for p in points],
        y=[p.value for p in points],
        mode="lines+markers",
        name=area_name,
        line={"color": AREA_LINE},
        marker={"size": 9},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [_above(p) for p in points],
            "arrayminus": [_below(p) for p in points],
            "color": AREA_LINE,
        },
    )
    _layout(
        figure, height=380, xaxis={"type": "category", "title": "Period"}, yaxis={"title": unit or "Value"}
    )
    return _json(figure)


def _above(point: Any) -> float | None:
    return None if point.value is None or point.upper is None else point.upper - point.value


def _below(point: Any) -> float | None:
    return None if point.value is None or point.lower is None else point.value - point.lower


def breakdown_chart(rows: Sequence[Any], overall: float | None, unit: str, area_name: str) -> dict[str, Any]:
    """One bar per group with its confidence interval, against the area's overall value."""
    figure = go.Figure()
    figure.add_bar(
        y=[r.label for r in rows],
        x=[r.value for r in rows],
        orientation="h",
        marker_color=[r.tag.colour for r in rows],
        marker_line={"color": ENGLAND_LINE, "width": 1},
        name=unit or "Value",
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [_above(r) for r in rows],
            "arrayminus": [_below(r) for r in rows],
            "color": ENGLAND_LINE,
        },
        showlegend=False,
    )
    if overall is not None:
        figure.add_vline(
            x=overall,
            line_color=AREA_LINE,
            line_dash="dash",
            annotation_text=f"{area_name} overall",
            annotation_position="top",
        )
    _layout(
        figure,
        height=90 + 32 * max(len(rows), 1),
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        xaxis={"title": unit or "Value", "rangemode": "tozero"},
    )
    return _json(figure)


def projection_chart(areas: Sequence[Any], title: str) -> dict[str, Any]:
    """Projected numbers of people by year, one line per area."""
    figure = go.Figure()
    for area in areas:
        figure.add_scatter(
            x=[y.year for y in area.years],
            y=[round(y.people) for y in area.years],
            mode="lines+markers",
            name=area.name,
        )
    _layout(
        figure,
        height=340,
        xaxis={"title": "Year", "dtick": 1 if len(areas[0].years) <= 12 else 5} if areas else {},
        yaxis={"title": "People", "rangemode": "tozero"},
        title={"text": title, "font": {"size": 15}},
    )
    return _json(figure)
