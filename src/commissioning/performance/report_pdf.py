"""The integrated performance report as a PDF board paper (fpdf2).

A cover with the title, board, meeting and period; a summary of the KPIs by variation and
assurance, the evaluation measures and the exceptions; each care group's KPIs in a table whose
icon cells carry the Making Data Count colours; then each exception with its SPC chart. Every page
is marked OFFICIAL and numbered. The text font is DejaVu Sans (shipped with matplotlib), so any
character a commissioner types prints.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.table import Table

from commissioning.core.dates import long_date
from commissioning.performance.charts import (
    Badge,
    assurance_badge,
    reading_badges,
    variation_badge,
    with_unit,
)
from commissioning.performance.report_selectors import ReportContent, ReportRow, Section, Tally
from commissioning.performance.series import chart_table

MARKING = "OFFICIAL"
FONT = "DejaVu"
NHS_BLUE = (0, 94, 184)
TEXT = (33, 43, 50)
SECONDARY = (76, 98, 114)
HEADING_FILL = (232, 237, 238)
SHORT_VARIATION = {
    "common_cause": "Common cause",
    "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)",
    "concern_high": "Concern (high)",
    "concern_low": "Concern (low)",
    "neutral_high": "Neither (high)",
    "neutral_low": "Neither (low)",
    "none": "Too few returns",
}
SHORT_ASSURANCE = {"pass": "Pass", "fail": "Fail", "inconsistent": "Hit and miss", "none": "None"}
KPI_COLUMNS = (
    "Contract",
    "Provider",
    "KPI",
    "Latest period",
    "Value",
    "Target",
    "Variation",
    "Assurance",
    "Commentary",
)
KPI_WIDTHS = (28, 34, 52, 22, 18, 18, 29, 24, 48)
EXCEPTION_COLUMNS = (
    "Care group",
    "Contract",
    "Provider",
    "KPI",
    "Latest period",
    "Value",
    "Target",
    "Variation",
    "Assurance",
)
EXCEPTION_WIDTHS = (34, 28, 38, 60, 22, 18, 18, 29, 26)
EVALUATION_COLUMNS = ("Measure", "Latest year", "Value", "Change", "Better or worse", "Which way is better")
EVALUATION_WIDTHS = (75, 25, 25, 70, 20, 35)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class BoardPaper(FPDF):
    """An A4 landscape paper with the protective marking and page numbers on every page."""

    def __init__(self, *, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        fonts = _font_dir()
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        self.set_margins(12, 16, 12)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_text_color(*TEXT)

    def header(self) -> None:
        self.set_y(6)
        self.set_font(FONT, "B", 10)
        self.set_text_color(*TEXT)
        self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*SECONDARY)
        self.cell(0, 4, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.set_font(FONT, "B", 8)
        self.cell(0, 4, MARKING, align="C")
        self.set_x(self.l_margin)
        self.set_font(FONT, "", 8)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*TEXT)

    # Building blocks ---------------------------------------------------------------------

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font(FONT, "B", size)
        self.set_text_color(*NHS_BLUE)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*TEXT)
        self.ln(2)

    def paragraph(self, text: str, *, size: int = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        for part in [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]:
            self.multi_cell(0, size * 0.5, part.strip(), align="L", new_x="LMARGIN", new_y="NEXT")
            self.ln(1.5)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        for key, value in rows:
            self.set_font(FONT, "B", 11)
            self.cell(45, 7, key)
            self.set_font(FONT, "", 11)
            self.multi_cell(0, 7, value, align="L", new_x="LMARGIN", new_y="NEXT")


def icon_cell(badge: Badge, short: str) -> tuple[str, FontFace]:
    """The icon as a table cell: its letter and a short meaning on the icon's colour."""
    letter = badge.letter or "~"
    style = FontFace(emphasis="BOLD", color=_rgb(badge.ink), fill_color=_rgb(badge.fill))
    return f"{letter}  {short}", style


def _icon_cells(row: ReportRow) -> tuple[tuple[str, FontFace], tuple[str, FontFace]]:
    reading = row.reading
    variation, assurance = reading_badges(reading)
    return (
        icon_cell(variation, SHORT_VARIATION[reading.variation or "none"]),
        icon_cell(assurance, SHORT_ASSURANCE[reading.assurance or "none"]),
    )


def _latest(row: ReportRow) -> tuple[str, str]:
    reading, kpi = row.reading, row.kpi
    if reading.latest_period is None:
        return "No returns", ""
    return reading.latest_period.label, with_unit(reading.latest_value, kpi.unit)


def _target(row: ReportRow) -> str:
    kpi = row.kpi
    return with_unit(kpi.target, kpi.unit) if kpi.target is not None else "None set"


@contextmanager
def _table(
    pdf: BoardPaper,
    columns: Sequence[str],
    widths: Sequence[float],
    *,
    size: int = 8,
    line_height: float = 4.2,
) -> Iterator[Table]:
    """A table in the paper's style, its heading row written and repeated on every page it runs onto."""
    pdf.set_font(FONT, "", size)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=line_height,
        text_align="LEFT",
        repeat_headings=1,
        padding=1.2,
    ) as table:
        heading = table.row()
        for column in columns:
            heading.cell(column)
        yield table


def _readings_table(
    pdf: BoardPaper,
    rows: Sequence[ReportRow],
    *,
    columns: Sequence[str],
    widths: Sequence[float],
    care_group: bool = False,
    commentary: bool = False,
) -> None:
    """KPIs with their latest figure, target and icons; optionally their care group first and
    their commentary last."""
    with _table(pdf, columns, widths) as table:
        for row in rows:
            period, value = _latest(row)
            line = table.row()
            if care_group:
                group = row.contract.care_group
                line.cell(group.name if group else "No care group")
            line.cell(row.contract.reference)
            line.cell(row.contract.provider.organisation.name)
            line.cell(f"{row.kpi.code} {row.kpi.name}")
            line.cell(period)
            line.cell(value)
            line.cell(_target(row))
            for text, style in _icon_cells(row):
                line.cell(text, style=style)
            if commentary:
                line.cell(row.commentary.text if row.commentary else "")


def _cover(pdf: BoardPaper, content: ReportContent, *, today: dt.date) -> None:
    report = content.report
    pdf.add_page()
    pdf.ln(20)
    pdf.set_font(FONT, "", 12)
    pdf.set_text_color(*SECONDARY)
    pdf.cell(0, 8, report.partnership.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*TEXT)
    pdf.heading(report.title, size=24)
    pdf.ln(4)
    meeting = report.meeting
    pdf.facts(
        [
            ("Board", report.board.name if report.board else "Not set"),
            ("Meeting", long_date(timezone.localdate(meeting.starts_at)) if meeting else "Not set"),
            ("Period", f"To {long_date(report.period_end)}"),
            ("Status", report.get_status_display()),
            ("Produced", long_date(today)),
        ]
    )
    if report.introduction:
        pdf.ln(6)
        pdf.heading("Introduction", size=14)
        pdf.paragraph(report.introduction, size=11)


def _tallies(
    counts: Sequence[Tally], badge: Callable[[str | None], Badge], short: dict[str, str]
) -> list[tuple[str, FontFace, str, int]]:
    """Each icon's cell, meaning and number of KPIs ("none": no icon yet)."""
    return [
        (*icon_cell(badge(None if t.key == "none" else t.key), short[t.key]), t.label, t.count)
        for t in counts
    ]


def _tally_table(pdf: BoardPaper, title: str, tallies: Sequence[tuple[str, FontFace, str, int]]) -> None:
    with _table(pdf, (title, "Meaning", "KPIs"), (40, 180, 20), size=9, line_height=4.8) as table:
        for text, style, meaning, count in tallies:
            line = table.row()
            line.cell(text, style=style)
            line.cell(meaning)
            line.cell(str(count), align="RIGHT")


def _summary(pdf: BoardPaper, content: ReportContent) -> None:
    pdf.add_page()
    pdf.heading("Summary")
    exceptions = content.exceptions
    pdf.paragraph(
        f"{content.kpi_count} KPIs of the contracts in force on {long_date(content.report.period_end)}, "
        f"read as statistical process control charts. {len(exceptions)} "
        f"{'is an exception' if len(exceptions) == 1 else 'are exceptions'}: a special cause of concern, "
        "or a target the service is expected to fail consistently."
    )
    _tally_table(pdf, "Variation", _tallies(content.variation_counts, variation_badge, SHORT_VARIATION))
    pdf.ln(4)
    _tally_table(pdf, "Assurance", _tallies(content.assurance_counts, assurance_badge, SHORT_ASSURANCE))
    pdf.ln(6)
    pdf.heading("Evaluation of the partnership", size=13)
    with _table(pdf, EVALUATION_COLUMNS, EVALUATION_WIDTHS, size=9, line_height=4.8) as table:
        for spec, latest, change in content.latest_measures:
            line = table.row()
            line.cell(spec.label)
            line.cell(latest.year_label if latest else "")
            line.cell(latest.text if latest else "No value yet")
            line.cell(change.text if change else "")
            line.cell(change.verdict if change else "")
            line.cell(spec.direction)
    pdf.ln(6)
    pdf.heading("Exceptions", size=13)
    if exceptions:
        _readings_table(pdf, exceptions, columns=EXCEPTION_COLUMNS, widths=EXCEPTION_WIDTHS, care_group=True)
    else:
        pdf.paragraph("No KPI is an exception.")


def _section(pdf: BoardPaper, section: Section) -> None:
    pdf.add_page()
    pdf.heading(section.name)
    counts = (
        f"{len(section.rows)} KPIs; {section.exceptions} exceptions; {section.improvements} improvements."
    )
    pdf.paragraph(counts, size=9, style="I")
    if section.commentary is not None:
        pdf.paragraph(section.commentary.text)
    pdf.ln(2)
    _readings_table(pdf, section.rows, columns=KPI_COLUMNS, widths=KPI_WIDTHS, commentary=True)


def _exception_charts(pdf: BoardPaper, rows: Sequence[ReportRow]) -> None:
    from commissioning.performance import chart_render  # matplotlib's pyplot is heavy: load it only here

    pdf.add_page()
    pdf.heading("Exceptions in detail")
    pdf.paragraph(
        "Each exception's chart: the values, the mean, the process limits and the target, with special "
        "causes coloured. The icons are drawn top right and explained above the chart."
    )
    for index, row in enumerate(rows):
        kpi, reading = row.kpi, row.reading
        badges = list(reading_badges(reading))
        title = f"{kpi.code} {kpi.name} ({kpi.contract.reference})"
        png = chart_render.render(
            chart_table(row.series), fmt="png", title=title, unit=kpi.unit, badges=badges
        )
        if index:
            pdf.add_page()
        pdf.heading(f"{kpi.contract.reference} {kpi.code} {kpi.name}", size=12)
        pdf.paragraph(f"{kpi.contract.provider.organisation.name}. {kpi.contract.title}.", size=9, style="I")
        pdf.image(io.BytesIO(png), w=220 if index else 200)
        if row.commentary is not None:
            pdf.paragraph(row.commentary.text, size=9)
        pdf.ln(3)


def report_pdf(
    content: ReportContent,
    *,
    today: dt.date,
    compress: bool = True,
    charts_for_exceptions: bool = True,
) -> bytes:
    """The report as PDF bytes; without compression its text streams can be read as they are."""
    report = content.report
    pdf = BoardPaper(footer_text=f"{report.title} · to {long_date(report.period_end)}")
    pdf.set_compression(compress)
    pdf.set_title(report.title)
    pdf.set_author(report.partnership.name)
    pdf.set_subject(f"Integrated performance report to {long_date(report.period_end)}")
    pdf.set_creator("Joint commissioning platform")
    pdf.set_creation_date(dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC))
    _cover(pdf, content, today=today)
    _summary(pdf, content)
    for section in content.sections:
        _section(pdf, section)
    if charts_for_exceptions and content.exceptions:
        _exception_charts(pdf, content.exceptions)
    return bytes(pdf.output())
