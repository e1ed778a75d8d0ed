"""A KPI's SPC chart drawn on the server (matplotlib, Agg) as PNG or SVG, and as an Excel workbook.

For board papers and spreadsheets, where the interactive chart cannot go. The picture carries the
same lines, colours and icons as the page's Plotly chart (``charts``), with the title and the icons'
meanings written on it, since a pasted image travels without its page.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from commissioning.performance.charts import (
    LIMIT_GREY,
    LINE_GREY,
    MEAN,
    POINT_COLOURS,
    POINT_LABELS,
    REBASE,
    TARGET_RED,
    Badge,
    limits_groups,
    rebase_positions,
    with_unit,
)

IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_TICKS = 24


def _icon(figure: Figure, x: float, y: float, badge: Badge) -> None:
    """One icon in figure coordinates: the letter in a circle of the icon's colour."""
    figure.text(
        x,
        y,
        badge.letter or "~",
        ha="center",
        va="center",
        fontsize=13,
        fontweight="bold",
        color=badge.ink,
        bbox={
            "boxstyle": "circle,pad=0.35",
            "facecolor": badge.fill,
            "edgecolor": badge.ink if badge.dashed else badge.fill,
            "linestyle": "--" if badge.dashed else "-",
        },
    )


def render(
    table: pd.DataFrame,
    *,
    fmt: str,
    title: str,
    unit: str = "",
    badges: Sequence[Badge] = (),
    rebase_reasons: Mapping[int, str] | None = None,
) -> bytes:
    """The chart as ``png`` or ``svg`` bytes; ``badges`` are the variation and assurance icons."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"Unknown image format {fmt!r}; use png or svg.")
    table = table.reset_index(drop=True)
    figure = Figure(figsize=(11, 5.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    n = len(table)
    x = list(range(n))
    values = table["value"].astype(float)
    axes.plot(x, values, color=LINE_GREY, linewidth=2, zorder=2)
    for index, (_, positions) in enumerate(limits_groups(table)):
        span = [positions[0], positions[-1]]
        for column, style, colour, label in (
            ("mean", "-", MEAN, "Mean"),
            ("upl", "--", LIMIT_GREY, "Process limits"),
            ("lpl", "--", LIMIT_GREY, None),
        ):
            level = float(table[column].iloc[positions[0]])
            axes.plot(
                span,
                [level, level],
                linestyle=style,
                color=colour,
                linewidth=1.5,
                label=label if index == 0 else None,
                zorder=1,
            )
    target = float(table["target"].iloc[0]) if n else float("nan")
    if target == target:  # not NaN
        axes.axhline(target, color=TARGET_RED, linestyle="--", linewidth=1.5, label="Target", zorder=1)
        axes.annotate(
            f"Target {with_unit(target, unit)}",
            xy=(1, target),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            color=TARGET_RED,
            fontsize=9,
        )
    present = table[table["value"].notna()]
    for point_type, points in present.groupby("point_type", sort=False):
        axes.scatter(
            [int(i) for i in points.index],
            points["value"].astype(float),
            s=50,
            color=POINT_COLOURS[str(point_type)],
            edgecolors="white",
            linewidths=0.8,
            label=POINT_LABELS[str(point_type)],
            zorder=3,
        )
    reasons = rebase_reasons or {}
    for position in rebase_positions(table):
        axes.axvline(position - 0.5, color=REBASE, linestyle=":", linewidth=1.5)
        why = reasons.get(position, "")
        axes.annotate(
            textwrap.shorten(f"Limits recalculated{': ' + why if why else ''}", 50, placeholder="…"),
            xy=(position - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            color=REBASE,
            fontsize=8,
        )
    step = max(1, -(-n // MAX_TICKS))
    axes.set_xticks(x[::step], [str(p) for p in table["period"]][::step], rotation=45, ha="right", fontsize=8)
    if n:
        axes.set_xlim(-0.5, n - 0.5)
    axes.set_ylabel(unit or "Value")
    axes.grid(axis="y", color="#E8EDEE")
    axes.spines[["top", "right"]].set_visible(False)
    handles, labels = axes.get_legend_handles_labels()
    if rebase_positions(table):
        handles.append(Line2D([], [], color=REBASE, linestyle=":"))
        labels.append("Limits recalculated")
    if handles:
        figure.legend(
            handles, labels, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False
        )
    figure.suptitle(
        textwrap.shorten(title, 90, placeholder="…"), x=0.01, ha="left", fontsize=13, fontweight="bold"
    )
    for offset, badge in enumerate(reversed(badges)):
        _icon(figure, 0.975 - 0.045 * offset, 0.955, badge)
    if badges:
        meanings = "  ".join(f"{badge.letter or '~'}: {badge.label}." for badge in badges)
        axes.set_title(textwrap.fill(meanings, 150), loc="left", fontsize=8, color="#4C6272")
    out = io.BytesIO()
    if fmt == "svg":
        figure.savefig(out, format="svg", metadata={"Date": None})
    else:
        figure.savefig(out, format="png")
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def chart_workbook(
    *,
    title: str,
    details: Sequence[tuple[str, Any]],
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    png: bytes | None,
) -> bytes:
    """A workbook with the KPI and its chart on the first sheet and the points on the second."""
    workbook = Workbook()
    chart = workbook.active
    assert chart is not None
    chart.title = "Chart"
    chart.append([_cell(title)])
    chart["A1"].font = Font(bold=True, size=14)
    for key, value in details:
        chart.append([key, _cell(value)])
    chart.column_dimensions["A"].width = 24
    chart.column_dimensions["B"].width = 60
    if png is not None:
        image = Image(io.BytesIO(png))
        image.width, image.height = image.width * 0.75, image.height * 0.75
        chart.add_image(image, f"A{len(details) + 3}")
    points = workbook.create_sheet("Points")
    points.append(list(headers))
    for row in rows:
        points.append([_cell(value) for value in row])
    for index, header in enumerate(headers, start=1):
        points.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 2)
    points.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
