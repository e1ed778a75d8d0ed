"""Charts of a statement's figures where readers compare: projected need by year, the spread of
prices by service type, and the quality mix. Plotly JSON for the web pages (drawn by
``finance/charts.js``) and matplotlib PNGs for the PDF, both from the same frozen content."""

from __future__ import annotations

import io
import json
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = "Frutiger W01, Arial, sans-serif"
TEXT = "#212B32"
COLOURS = ("#005EB8", "#ED8B00", "#007F3B", "#330072", "#768692")
RATING_COLOURS = {
    "outstanding": "#007F3B",
    "good": "#41B6E6",
    "requires_improvement": "#ED8B00",
    "inadequate": "#D5281B",
}
CONFIG = {"displaylogo": False, "responsive": True}


def _json(figure: go.Figure, height: int, **layout: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "template": "none",
        "font": {"family": FONT, "size": 14, "color": TEXT},
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 40, "b": 60},
        "legend": {"orientation": "h", "y": -0.25},
    }
    figure.update_layout(**(settings | layout))
    out: dict[str, Any] = json.loads(figure.to_json())
    out["config"] = CONFIG
    return out


def chart(key: str, figure: dict[str, Any], label: str) -> dict[str, Any]:
    """A chart for ``finance/_chart.html``."""
    return {"id": f"chart-{key}", "data_id": f"chart-{key}-data", "figure": figure, "label": label}


def _price_rows(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in content.get("prices", []) if r.get("median") is not None]


def web_charts(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The page's charts, keyed by section; a section without figures has none."""
    out: dict[str, dict[str, Any]] = {}
    projections = content.get("projections", [])
    if projections:
        figure = go.Figure()
        for n, p in enumerate(projections):
            figure.add_scatter(
                x=[y["year"] for y in p["years"]],
                y=[y["people"] for y in p["years"]],
                mode="lines+markers",
                name=f"{p['measure']} ({p['area']})",
                line={"color": COLOURS[n % len(COLOURS)]},
            )
        out["needs"] = chart(
            "projections",
            _json(
                figure,
                380,
                xaxis={"title": "Year"},
                yaxis={"title": "People (estimated)", "rangemode": "tozero"},
            ),
            "Projected people in need by year; the table below gives the same figures.",
        )
    prices = _price_rows(content)
    if prices:
        # One panel per service type: prices by the hour, day and week do not share an axis.
        figure = make_subplots(
            rows=1, cols=len(prices), subplot_titles=[f"{r['label']} ({r['unit']})" for r in prices]
        )
        for n, r in enumerate(prices):
            low, mid, high = float(r["lower_quartile"]), float(r["median"]), float(r["upper_quartile"])
            figure.add_box(
                x=[r["label"]],
                name=r["label"],
                q1=[low],
                median=[mid],
                q3=[high],
                lowerfence=[low],
                upperfence=[high],
                marker_color=COLOURS[n % len(COLOURS)],
                showlegend=False,
                row=1,
                col=n + 1,
            )
            figure.update_yaxes(tickprefix="£", row=1, col=n + 1)
            figure.update_xaxes(showticklabels=False, row=1, col=n + 1)
        out["prices"] = chart(
            "prices",
            _json(figure, 360),
            "Lower quartile, median and upper quartile unit price by service type; "
            "the table gives the figures.",
        )
    quality = content.get("quality", {})
    if quality.get("rated"):
        figure = go.Figure()
        for r in quality["rows"]:
            figure.add_bar(
                x=[r["share"]],
                y=["Rated locations"],
                orientation="h",
                name=r["label"],
                marker_color=RATING_COLOURS.get(r["rating"], COLOURS[-1]),
                text=[f"{r['share']} %"],
            )
        out["quality"] = chart(
            "quality",
            _json(
                figure,
                240,
                barmode="stack",
                xaxis={"title": "Share of rated locations (%)", "range": [0, 100]},
                yaxis={"showticklabels": False},
                legend={"orientation": "h", "y": 1.25, "traceorder": "normal"},
            ),
            "Share of rated locations by their latest rating; the table gives the figures.",
        )
    return out


def png_charts(content: dict[str, Any]) -> dict[str, bytes]:
    """The same charts as PNGs for the PDF, drawn with matplotlib (no browser needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out: dict[str, bytes] = {}

    def save(figure: Figure) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
        return buffer.getvalue()

    projections = content.get("projections", [])
    if projections:
        figure = Figure(figsize=(8, 3.2))
        axes = figure.subplots()
        for n, p in enumerate(projections):
            axes.plot(
                [y["year"] for y in p["years"]],
                [y["people"] for y in p["years"]],
                marker="o",
                color=COLOURS[n % len(COLOURS)],
                label=f"{p['measure']} ({p['area']})",
            )
        axes.set_ylabel("People (estimated)")
        axes.set_ylim(bottom=0)
        axes.legend(fontsize=7, loc="lower right")
        out["needs"] = save(figure)
    prices = _price_rows(content)
    if prices:
        figure = Figure(figsize=(8, 3.2))
        panels = figure.subplots(1, len(prices), squeeze=False)[0]
        for axes, r in zip(panels, prices, strict=True):
            low, mid, high = float(r["lower_quartile"]), float(r["median"]), float(r["upper_quartile"])
            stats = [{"label": "", "q1": low, "med": mid, "q3": high, "whislo": low, "whishi": high}]
            axes.bxp(stats, showfliers=False)
            axes.set_title(f"{r['label']}\n({r['unit']})", fontsize=8)
            axes.tick_params(labelsize=7)
        panels[0].set_ylabel("Unit price (£)")
        figure.tight_layout()
        out["prices"] = save(figure)
    quality = content.get("quality", {})
    if quality.get("rated"):
        figure = Figure(figsize=(8, 1.4))
        axes = figure.subplots()
        left = 0.0
        for r in quality["rows"]:
            axes.barh(
                ["Rated"], [r["share"]], left=left, color=RATING_COLOURS.get(r["rating"]), label=r["label"]
            )
            left += r["share"]
        axes.set_xlim(0, 100)
        axes.set_xlabel("Share of rated locations (%)")
        axes.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.6))
        out["quality"] = save(figure)
    return out
