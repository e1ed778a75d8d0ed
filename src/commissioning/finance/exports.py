"""Downloads for the Resources pages: the fund summary as a table, and the fund's planning workbook.

The planning workbook is what a finance officer takes into a planning round, in the manner of the
Better Care Fund planning template: expenditure by scheme and funding source for every year, the
contributions and resulting shares, and the year-end settlement, each on its own sheet. Money goes
into the cells as numbers with a pounds format (openpyxl writes a ``Decimal`` exactly as its digits).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from commissioning.core.exports import _safe_cell
from commissioning.finance import presenters

PENNY = Decimal("0.01")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POUNDS_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
SHEETS = ("Expenditure by scheme", "Contributions", "Settlement")
SUMMARY_HEADERS = (
    "Fund",
    "Financial year",
    "By",
    "Name",
    "Budget (£)",
    "Actual to date (£)",
    "Forecast outturn (£)",
    "Variance (£)",
    "RAG",
)


def pence(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """Every Decimal in the rows to two places: SQLite sums money as floats and drops the pence."""
    for row in rows:
        yield [v.quantize(PENNY, rounding=ROUND_HALF_UP) if isinstance(v, Decimal) else v for v in row]


def summary_rows(page: Any) -> list[tuple[Any, ...]]:
    """The fund summary table, by partner then by scheme, with each part's total."""
    year = presenters.financial_year(page.financial_year)
    rows: list[tuple[Any, ...]] = []
    for by, figures, total in (
        ("Partner", page.by_partner, page.total),
        ("Scheme", page.by_scheme, page.total),
    ):
        for f in [*figures, total]:
            rows.append(
                (
                    page.fund.name,
                    year,
                    by,
                    f.label,
                    f.budget,
                    f.actual,
                    f.forecast,
                    f.variance,
                    presenters.rag(f.rag, f.budget).label,
                )
            )
    return rows


def _sheet(
    workbook: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Worksheet:
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in pence(rows):
        sheet.append([_safe_cell(v) for v in row])
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(14, len(header) + 2)
        if "£" in header:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = POUNDS_FORMAT
    sheet.freeze_panes = "A2"
    return sheet


def _total_row(
    rows: Sequence[Sequence[Any]], label_column: int, width: int, money_columns: Sequence[int]
) -> list[Any]:
    total: list[Any] = [None] * width
    total[label_column] = "Total"
    for column in money_columns:
        total[column] = sum(
            (row[column] for row in rows if isinstance(row[column], Decimal)), Decimal("0.00")
        )
    return total


def planning_workbook(page: Any, settlement_rows: Sequence[Any], filename: str) -> HttpResponse:
    """The fund's planning workbook: expenditure by scheme and source per year, contributions, settlement.

    ``page`` is a ``selectors.FundPage``; ``settlement_rows`` are its settlement's partners (or empty).
    """
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)

    spend = [
        (
            presenters.financial_year(f.financial_year),
            f.scheme.name,
            f.scheme.scheme_type,
            f.scheme.get_tier_display(),
            f.scheme.commissioner.name,
            f.scheme.provider.name if f.scheme.provider_id else f.scheme.provider_type,
            f.organisation.name,
            f.amount,
        )
        for f in sorted(
            page.all_funding, key=lambda f: (f.financial_year, f.scheme.name, f.organisation.name)
        )
    ]
    spend_headers = (
        "Financial year",
        "Scheme",
        "Scheme type",
        "Tier",
        "Commissioner",
        "Provider",
        "Funding source",
        "Planned expenditure (£)",
    )
    _sheet(workbook, SHEETS[0], spend_headers, [*spend, _total_row(spend, 0, len(spend_headers), [7])])

    totals_by_year: dict[int, Decimal] = {}
    for c in page.all_contributions:
        totals_by_year[c.financial_year] = totals_by_year.get(c.financial_year, Decimal("0.00")) + c.amount
    contributions = [
        (
            presenters.financial_year(c.financial_year),
            c.organisation.name,
            c.amount,
            presenters.fraction(c.amount, totals_by_year[c.financial_year]),
        )
        for c in page.all_contributions
    ]
    contribution_headers = ("Financial year", "Partner", "Contribution (£)", "Share")
    _sheet(workbook, SHEETS[1], contribution_headers, contributions)

    settled = [
        (
            presenters.financial_year(page.financial_year),
            p.organisation.name,
            "Host" if p.is_host else "Partner",
            p.contribution,
            p.share_of_variance,
            p.spend_attributed,
            p.transfer,
        )
        for p in settlement_rows
    ]
    settlement_headers = (
        "Financial year",
        "Partner",
        "Role",
        "Contribution (£)",
        "Share of variance (£)",
        "Spend attributed (£)",
        "Transfer due (£)",
    )
    _sheet(
        workbook,
        SHEETS[2],
        settlement_headers,
        [*settled, _total_row(settled, 1, len(settlement_headers), [3, 4, 5, 6])] if settled else [],
    )

    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
