"""A published statement as a PDF (fpdf2), from its frozen content: the same words and figures as
the web page, with the charts drawn by matplotlib."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from fpdf.fonts import FontFace

from commissioning.core.dates import long_date
from commissioning.performance.report_pdf import FONT, HEADING_FILL, BoardPaper
from commissioning.strategy import market_position_charts
from commissioning.strategy.models import Section


def _pounds(value: str | None) -> str:
    return "–" if value is None else f"£{float(value):,.2f}"


def _day(value: str) -> str:
    return long_date(dt.date.fromisoformat(value)) if value else ""


def _number(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(pdf: BoardPaper, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if not rows:
        pdf.paragraph("No figures.")
        return
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=4.2,
        text_align="LEFT",
        repeat_headings=1,
        padding=1.2,
    ) as table:
        heading = table.row()
        for column in columns:
            heading.cell(column)
        for row in rows:
            line = table.row()
            for cell in row:
                line.cell(cell)
    pdf.ln(3)


def statement_pdf(content: dict[str, Any], *, published_on: dt.date | None) -> bytes:
    label = f"{content['title']} (version {content['version']})"
    pdf = BoardPaper(footer_text=label)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(content["title"], 20)
    pdf.facts(
        [
            ("Partnership", content["partnership"]),
            ("Care group", content["care_group"]),
            ("Kind", content["kind_label"]),
            ("Year", content["financial_year_label"]),
            ("Version", str(content["version"])),
            ("Published", long_date(published_on) if published_on else "Not published"),
            ("Figures as at", long_date(dt.date.fromisoformat(content["generated_on"]))),
        ]
    )
    commentary = content.get("commentary", {})
    charts = market_position_charts.png_charts(content)
    for section in Section:
        pdf.add_page() if section in (Section.NEEDS, Section.INTENTIONS) else pdf.ln(4)
        pdf.heading(section.label, 14)
        if commentary.get(section.value):
            pdf.paragraph(commentary[section.value])
        _section(pdf, section, content)
        if section.value in charts:
            pdf.image(io.BytesIO(charts[section.value]), w=200)
    pdf.ln(4)
    pdf.paragraph(
        f"Counts from 1 to {content['suppression_threshold'] - 1} are not published, nor the spend and "
        "prices behind them; projections are estimates rounded to the nearest ten.",
        size=8,
        style="I",
    )
    return bytes(pdf.output())


def _section(pdf: BoardPaper, section: Section, content: dict[str, Any]) -> None:
    if section == Section.NEEDS:
        needs = content["needs"]
        _table(
            pdf,
            (
                "Indicator",
                "Period",
                f"{needs['area'] or 'Area'}",
                "England",
                "Compared with England",
                "Trend",
            ),
            [
                (
                    i["name"],
                    i["period"],
                    _number(i["value"]),
                    _number(i["england"]),
                    i["compared_england"],
                    i["trend"],
                )
                for i in needs["indicators"]
            ],
        )
        for p in content["projections"]:
            years = p["years"]
            _table(
                pdf,
                ("Projected need", *[str(y["year"]) for y in years[:: max(1, len(years) // 8)]]),
                [
                    (
                        f"{p['measure']} ({p['area']})",
                        *[f"{y['people']:,}" for y in years[:: max(1, len(years) // 8)]],
                    )
                ],
            )
    elif section == Section.PROVISION:
        p = content["provision"]
        pdf.facts(
            [
                ("Providers", _number(p["providers"])),
                ("Locations", _number(p["locations"])),
                ("Active contracts", f"{p['contracts']} worth {_pounds(p['contract_annual_value'])} a year"),
                ("Current placements", _number(p["placements"])),
            ]
        )
        _table(
            pdf,
            ("Service type", "Capacity", "Unit"),
            [(c["label"], _number(c["capacity"]), c["unit"].replace("_", " ")) for c in p["capacity"]],
        )
    elif section == Section.SPEND:
        s = content["spend"]
        _table(
            pdf,
            ("Partner", f"Budget {s['financial_year_label']}"),
            [(b["organisation"], _pounds(b["amount"])) for b in s["budget"]]
            + [("Total", _pounds(s["budget_total"]))],
        )
        pdf.paragraph(f"Current placements cost {_pounds(s['placements_annual'])} a year at today's prices.")
    elif section == Section.PRICES:
        _table(
            pdf,
            (
                "Service type",
                "Unit",
                "Placements",
                "Lower quartile",
                "Median",
                "Upper quartile",
                "Annual spend",
            ),
            [
                (
                    r["label"],
                    r["unit"],
                    "Suppressed" if r["suppressed"] else _number(r["placements"]),
                    _pounds(r["lower_quartile"]),
                    _pounds(r["median"]),
                    _pounds(r["upper_quartile"]),
                    _pounds(r["annual_spend"]),
                )
                for r in content["prices"]
            ],
        )
    elif section == Section.QUALITY:
        q = content["quality"]
        _table(
            pdf,
            ("Latest rating", "Locations", "Share"),
            [(r["label"], str(r["locations"]), f"{r['share']} %") for r in q["rows"]],
        )
    elif section == Section.INTENTIONS:
        _table(
            pdf,
            ("Service", "Type", "Intention", "From", "To", "Why"),
            [
                (
                    i["description"],
                    i["service_type_label"],
                    i["direction_label"],
                    _day(i["starts_on"]),
                    _day(i["ends_on"]) or "–",
                    i["rationale"],
                )
                for i in content["intentions"]
            ],
        )
