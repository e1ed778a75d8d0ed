"""Reads for the integrated performance report: the reports of a partnership, and one report's content.

A report covers every KPI of the contracts in force at its period end (drafts left out), read as at
that day: the returns of all of them come in one batch (``series.series_for``), so the report costs
the same few queries however many KPIs it holds. KPIs are grouped by their contract's care group
("No care group" last) and, within a group, exceptions come first, then improvements, then the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet

from commissioning.contracts.models import Contract, ContractStatus, Kpi
from commissioning.governance.models import Board, Meeting
from commissioning.governance.rules import financial_year_of
from commissioning.partners.models import CareGroup, Partnership
from commissioning.performance import evaluation, spc
from commissioning.performance.charts import NOT_ENOUGH_DATA
from commissioning.performance.models import PerformanceReport, ReportCommentary, ReportStatus
from commissioning.performance.series import KpiSeries, SpcReading, reading, series_for

EXCEPTION, IMPROVEMENT, OTHER = 0, 1, 2
RANK_LABELS = {EXCEPTION: "Exception", IMPROVEMENT: "Improvement", OTHER: ""}
NO_CARE_GROUP = "No care group"


def reports_in(partnership: Partnership) -> QuerySet[PerformanceReport]:
    return PerformanceReport.objects.filter(partnership=partnership).select_related(
        "board", "meeting", "created_by"
    )


def report_in(partnership: Partnership, pk: int) -> PerformanceReport:
    """A report of this partnership (``DoesNotExist`` otherwise, so pages say not found)."""
    return reports_in(partnership).select_related("partnership").get(pk=pk)


def boards_for_reports(partnership: Partnership) -> QuerySet[Board]:
    return Board.objects.filter(partnership=partnership, is_active=True).order_by("kind", "name")


def meetings_for_reports(partnership: Partnership) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(board__partnership=partnership, board__is_active=True)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("board")
        .order_by("-starts_at")
    )


def report_contracts(partnership: Partnership, period_end: dt.date) -> QuerySet[Contract]:
    """The contracts a report as at ``period_end`` covers: let, and in force on that day."""
    return Contract.objects.filter(
        partnership=partnership, starts_on__lte=period_end, ends_on__gte=period_end
    ).exclude(status=ContractStatus.DRAFT)


def report_kpis(report: PerformanceReport) -> QuerySet[Kpi]:
    return (
        Kpi.objects.filter(contract__in=report_contracts(report.partnership, report.period_end))
        .select_related("contract__provider__organisation", "contract__care_group")
        .order_by("contract__reference", "position", "code", "pk")
    )


def care_group_in(partnership: Partnership, pk: int) -> CareGroup:
    return CareGroup.objects.get(partnership=partnership, pk=pk)


def commentary_on(
    report: PerformanceReport, *, kpi: Kpi | None = None, care_group: CareGroup | None = None
) -> ReportCommentary | None:
    """The report's commentary on one KPI or on one care group as a whole, if written."""
    if kpi is not None:
        return ReportCommentary.objects.filter(report=report, kpi=kpi).first()
    return ReportCommentary.objects.filter(report=report, kpi__isnull=True, care_group=care_group).first()


def last_month_end(today: dt.date) -> dt.date:
    """The end of the last whole month: a report's usual period end."""
    return today.replace(day=1) - dt.timedelta(days=1)


# One report's content ------------------------------------------------------------------------


def rank(spc_reading: SpcReading) -> int:
    if spc_reading.is_exception:
        return EXCEPTION
    if (spc_reading.variation or "").startswith("improvement"):
        return IMPROVEMENT
    return OTHER


@dataclass(frozen=True)
class ReportRow:
    """One KPI in the report: its reading as at the period end and any commentary on it."""

    reading: SpcReading
    series: KpiSeries
    commentary: ReportCommentary | None

    @property
    def kpi(self) -> Kpi:
        return self.reading.kpi

    @property
    def contract(self) -> Contract:
        return self.reading.kpi.contract

    @property
    def rank(self) -> int:
        return rank(self.reading)

    @property
    def rank_label(self) -> str:
        return RANK_LABELS[self.rank]

    @property
    def is_exception(self) -> bool:
        return self.reading.is_exception


@dataclass
class Section:
    """A care group's KPIs, exceptions first, with the commentary on the group."""

    care_group: CareGroup | None
    rows: list[ReportRow] = field(default_factory=list)
    commentary: ReportCommentary | None = None

    @property
    def name(self) -> str:
        return self.care_group.name if self.care_group else NO_CARE_GROUP

    @property
    def anchor(self) -> str:
        return f"group-{self.care_group.pk}" if self.care_group else "group-none"

    @property
    def exceptions(self) -> int:
        return sum(row.is_exception for row in self.rows)

    @property
    def improvements(self) -> int:
        return sum(row.rank == IMPROVEMENT for row in self.rows)


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass
class ReportContent:
    report: PerformanceReport
    sections: list[Section]
    measures: list[evaluation.MeasureTrend]

    @property
    def rows(self) -> list[ReportRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def exceptions(self) -> list[ReportRow]:
        return [row for row in self.rows if row.is_exception]

    @property
    def kpi_count(self) -> int:
        return len(self.rows)

    @property
    def variation_counts(self) -> list[Tally]:
        counts = Counter(row.reading.variation or "none" for row in self.rows)
        tallies = [Tally(key, spc.VARIATION_LABELS[key], counts[key]) for key in spc.VARIATIONS]
        return [*tallies, Tally("none", NOT_ENOUGH_DATA, counts["none"])]

    @property
    def assurance_counts(self) -> list[Tally]:
        counts = Counter(row.reading.assurance or "none" for row in self.rows)
        tallies = [Tally(key, spc.ASSURANCE_LABELS[key], counts[key]) for key in spc.ASSURANCES]
        return [
            *tallies,
            Tally(
                "none", "No assurance: no target, too few returns or no preferred direction", counts["none"]
            ),
        ]

    @property
    def latest_measures(
        self,
    ) -> list[tuple[evaluation.Measure, evaluation.YearValue | None, evaluation.Change | None]]:
        return evaluation.latest_values(self.measures)


def _row_order(row: ReportRow) -> tuple[int, str, int, str, int]:
    kpi = row.kpi
    return (row.rank, kpi.contract.reference, kpi.position, kpi.code, kpi.pk)


def _section_order(section: Section) -> tuple[int, int, str]:
    group = section.care_group
    if group is None:
        return (1, 0, "")
    return (0, group.position, group.name.casefold())


def report_content(report: PerformanceReport, *, today: dt.date) -> ReportContent:
    """Every KPI of the report, grouped and ordered, with its commentary and the evaluation measures.

    A fixed number of queries: the KPIs (with contract, provider and care group), their returns and
    rebases, the commentary, and the evaluation measures' own reads.
    """
    kpis = list(report_kpis(report))
    all_series = series_for(kpis, until=report.period_end)
    notes = list(ReportCommentary.objects.filter(report=report).select_related("care_group", "written_by"))
    by_kpi = {note.kpi_id: note for note in notes if note.kpi_id is not None}
    by_group = {note.care_group_id: note for note in notes if note.kpi_id is None and note.care_group_id}
    sections: dict[int | None, Section] = {}
    for kpi in kpis:
        group = kpi.contract.care_group
        key = group.pk if group else None
        section = sections.get(key)
        if section is None:
            section = sections[key] = Section(group, commentary=by_group.get(key) if key else None)
        series = all_series[kpi.pk]
        section.rows.append(ReportRow(reading(series), series, by_kpi.get(kpi.pk)))
    ordered = sorted(sections.values(), key=_section_order)
    for section in ordered:
        section.rows.sort(key=_row_order)
    measures = evaluation.trends(
        report.partnership,
        today=today,
        up_to=financial_year_of(report.period_end),
    )
    return ReportContent(report, ordered, measures)


def is_draft(report: PerformanceReport) -> bool:
    return report.status == ReportStatus.DRAFT
