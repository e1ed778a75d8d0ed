"""Writes for the integrated performance report and the partnership's evaluation measures.

A report is drafted (title, board, meeting, period end, introduction), commented on KPI by KPI and
care group by care group, and issued to the board; once issued it is the board's paper and nothing
in it changes. Evaluation values are recorded from surveys, or frozen from the platform's own
records at the end of a year, one per measure and year.

Every function needs ``Permission.MANAGE_PERFORMANCE`` in the partnership, refuses with a
``ValidationError`` keyed by field before writing anything, and audits what it changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.contracts.models import Kpi
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.dates import long_date
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.governance.models import Board, Meeting
from commissioning.governance.rules import financial_year_label, financial_year_of
from commissioning.partners.models import CareGroup, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.performance import evaluation
from commissioning.performance.audited import delete, store
from commissioning.performance.models import (
    EvaluationValue,
    PerformanceReport,
    ReportCommentary,
    ReportStatus,
)
from commissioning.performance.report_selectors import commentary_on, report_kpis

MAX_TITLE = 200
MAX_SOURCE = 255
MAX_TEXT = 10_000
EARLIEST_YEAR = 2000
MAX_PLACES = 4
MAX_COUNT = Decimal("9999999999")
STORED_PLACES = Decimal("0.0001")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _auditor(actor: User, partnership_id: int) -> Auditor:
    return Auditor(actor, partnership_id=partnership_id)


# Reports -----------------------------------------------------------------------------------


def _not_issued(report: PerformanceReport, doing: str) -> None:
    if report.status == ReportStatus.ISSUED:
        raise ValidationError(
            {NON_FIELD_ERRORS: f"“{report.title}” has been issued to the board; you cannot {doing}."}
        )


def _check_report(
    *,
    partnership: Partnership,
    title: Any,
    board: Board | None,
    meeting: Meeting | None,
    period_end: Any,
    today: dt.date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _text(title):
        errors["title"] = "Give the report a title."
    elif len(_text(title)) > MAX_TITLE:
        errors["title"] = f"A title has at most {MAX_TITLE} characters."
    if board is None:
        errors["board"] = "Choose the board the report is for."
    elif board.partnership_id != partnership.pk:
        errors["board"] = f"{board.name} is not a board of {partnership.name}."
    if meeting is not None and board is not None and meeting.board_id != board.pk:
        errors["meeting"] = (
            f"That meeting is of {meeting.board.name}, not {board.name}; choose one of its meetings."
        )
    if period_end is None:
        errors["period_end"] = "Give the period end: the last day the report covers."
    elif not isinstance(period_end, dt.date) or isinstance(period_end, dt.datetime):
        errors["period_end"] = "The period end must be a date."
    elif period_end > today:
        errors["period_end"] = (
            f"The period end ({long_date(period_end)}) is after today ({long_date(today)}); "
            "a report covers periods that have ended."
        )
    elif period_end.year < EARLIEST_YEAR:
        errors["period_end"] = f"The period end must be in {EARLIEST_YEAR} or later."
    return errors


def _report_fields(
    *,
    partnership: Partnership,
    title: Any,
    board: Board | None,
    meeting: Meeting | None,
    period_end: Any,
    introduction: Any,
) -> dict[str, Any]:
    """A report's details, tidied, once every one is acceptable (else all the refusals at once)."""
    errors = _check_report(
        partnership=partnership,
        title=title,
        board=board,
        meeting=meeting,
        period_end=period_end,
        today=timezone.localdate(),
    )
    if errors:
        raise ValidationError(errors)
    return {
        "title": _text(title),
        "board": board,
        "meeting": meeting,
        "period_end": period_end,
        "introduction": _text(introduction),
    }


@transaction.atomic
def create_report(
    *,
    actor: User,
    partnership: Partnership,
    title: str,
    board: Board | None,
    period_end: dt.date,
    meeting: Meeting | None = None,
    introduction: str = "",
) -> PerformanceReport:
    """A draft report for a board, as at a period end."""
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    fields = _report_fields(
        partnership=partnership,
        title=title,
        board=board,
        meeting=meeting,
        period_end=period_end,
        introduction=introduction,
    )
    report = PerformanceReport.objects.create(partnership=partnership, created_by=actor, **fields)
    _auditor(actor, partnership.pk).created(
        report, summary=f"Drafted the performance report “{report.title}”"
    )
    return report


@transaction.atomic
def update_report(
    *,
    actor: User,
    report: PerformanceReport,
    title: str,
    board: Board | None,
    period_end: dt.date,
    meeting: Meeting | None = None,
    introduction: str = "",
) -> PerformanceReport:
    """Change a draft report's details; an issued report is refused."""
    partnership = report.partnership
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    report = PerformanceReport.objects.select_for_update().get(pk=report.pk)
    _not_issued(report, "change it")
    fields = _report_fields(
        partnership=partnership,
        title=title,
        board=board,
        meeting=meeting,
        period_end=period_end,
        introduction=introduction,
    )
    before = snapshot(report)
    for name, value in fields.items():
        setattr(report, name, value)
    report.save()
    _auditor(actor, partnership.pk).updated(
        report, before, summary=f"Changed the performance report “{report.title}”"
    )
    return report


@transaction.atomic
def write_commentary(
    *,
    actor: User,
    report: PerformanceReport,
    text: str,
    kpi: Kpi | None = None,
    care_group: CareGroup | None = None,
) -> ReportCommentary | None:
    """Write (or rewrite) the commentary on one KPI or one care group; blank text removes it."""
    partnership = report.partnership
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    report = PerformanceReport.objects.select_for_update().select_related("partnership").get(pk=report.pk)
    _not_issued(report, "change its commentary")
    if (kpi is None) == (care_group is None):
        raise ValidationError({NON_FIELD_ERRORS: "Commentary is on one KPI or on one care group."})
    if kpi is not None and not report_kpis(report).filter(pk=kpi.pk).exists():
        raise ValidationError({"kpi": f"KPI {kpi.code} is not in this report."})
    if care_group is not None and care_group.partnership_id != partnership.pk:
        raise ValidationError({"care_group": f"{care_group.name} is not a care group of {partnership.name}."})
    words = _text(text)
    if len(words) > MAX_TEXT:
        raise ValidationError(
            {"text": f"Commentary has at most {MAX_TEXT:,} characters; this has {len(words):,}."}
        )
    existing = commentary_on(report, kpi=kpi, care_group=care_group)
    auditor = _auditor(actor, partnership.pk)
    about = f"KPI {kpi.code}" if kpi is not None else f"{care_group.name if care_group else ''}"
    if not words:
        if existing is not None:
            delete(auditor, existing, f"Removed the commentary on {about} in “{report.title}”")
        return None
    return store(
        auditor,
        ReportCommentary,
        existing,
        new={"report": report, "kpi": kpi, "care_group": None if kpi is not None else care_group},
        fields={"text": words, "written_by": actor},
        created=f"Wrote the commentary on {about} in “{report.title}”",
        updated=f"Rewrote the commentary on {about} in “{report.title}”",
    )


@transaction.atomic
def issue_report(*, actor: User, report: PerformanceReport) -> PerformanceReport:
    """Issue the report to its board; from then on nothing in it can change."""
    partnership = report.partnership
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    report = PerformanceReport.objects.select_for_update().get(pk=report.pk)
    _not_issued(report, "issue it again")
    if report.board_id is None:
        raise ValidationError({"board": "Choose the board the report is for before issuing it."})
    before = snapshot(report)
    report.status = ReportStatus.ISSUED
    report.save(update_fields=["status"])
    _auditor(actor, partnership.pk).updated(report, before, summary=f"Issued “{report.title}” to the board")
    return report


# Evaluation values -------------------------------------------------------------------------


def _check_value(spec: evaluation.Measure, value: Any) -> tuple[Decimal | None, str]:
    if value is None or value == "":
        return None, "Give the value."
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, "The value must be a number."
    if not number.is_finite():
        return None, "The value must be a number."
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES:
        return None, f"Give the value to at most {MAX_PLACES} decimal places."
    if spec.is_percent:
        if not Decimal(0) <= number <= Decimal(100):
            return None, f"{spec.label} is a percentage: give a value from 0 to 100 ({number} is not)."
    else:
        if number < 0:
            return None, f"{spec.label} is a count: it cannot be negative."
        if number != number.to_integral_value():
            return None, f"{spec.label} is a count: give a whole number."
        if number > MAX_COUNT:
            return None, f"{spec.label} is at most {MAX_COUNT:,}."
    return number.quantize(STORED_PLACES), ""


@transaction.atomic
def record_evaluation_value(
    *,
    actor: User,
    partnership: Partnership,
    measure: str,
    financial_year: int,
    value: Any,
    source: str,
    sample_size: int | None = None,
    replace: bool = False,
) -> EvaluationValue:
    """Record a measure's value for a financial year: a survey's score, or a past year's computed figure.

    A computed measure's current year is worked out live and stored with ``freeze_evaluation``, so
    only its past years are recorded here. A year already recorded is replaced only when asked.
    """
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    today = timezone.localdate()
    current = financial_year_of(today)
    errors: dict[str, str] = {}
    spec = evaluation.BY_KEY.get(measure)
    if spec is None:
        errors["measure"] = "Choose one of the evaluation measures."
    if not isinstance(financial_year, int) or isinstance(financial_year, bool):
        errors["financial_year"] = "Choose the financial year."
    elif financial_year > current:
        errors["financial_year"] = (
            f"{financial_year_label(financial_year)} has not started; the current year is "
            f"{financial_year_label(current)}."
        )
    elif financial_year < EARLIEST_YEAR:
        errors["financial_year"] = f"Record years from {financial_year_label(EARLIEST_YEAR)} on."
    elif spec is not None and spec.computed and financial_year == current:
        errors["financial_year"] = (
            f"{spec.label} for {financial_year_label(current)} is computed from the platform's records; "
            "freeze this year's computed values instead of recording one."
        )
    number: Decimal | None = None
    if spec is not None:
        number, problem = _check_value(spec, value)
        if problem:
            errors["value"] = problem
    if sample_size is not None and (
        not isinstance(sample_size, int) or isinstance(sample_size, bool) or sample_size < 1
    ):
        errors["sample_size"] = "A sample size is a whole number of responses, at least 1."
    words = _text(source)
    if not words:
        errors["source"] = "Say where the figure comes from, e.g. the survey and when it ran."
    elif len(words) > MAX_SOURCE:
        errors["source"] = f"A source has at most {MAX_SOURCE} characters."
    existing = None
    if not errors:
        existing = (
            EvaluationValue.objects.select_for_update()
            .filter(partnership=partnership, measure=measure, financial_year=financial_year)
            .first()
        )
        if existing is not None and not replace:
            assert spec is not None
            errors["financial_year"] = (
                f"{spec.label} for {financial_year_label(financial_year)} is already recorded "
                f"({evaluation.figure(existing.value, spec.unit)}); "
                "tick “Replace the recorded value” to correct it."
            )
    if errors:
        raise ValidationError(errors)
    assert spec is not None and number is not None
    auditor = _auditor(actor, partnership.pk)
    year = financial_year_label(financial_year)
    return store(
        auditor,
        EvaluationValue,
        existing,
        new={"partnership": partnership, "measure": measure, "financial_year": financial_year},
        fields={"value": number, "sample_size": sample_size, "source": words, "recorded_by": actor},
        created=f"Recorded {spec.label.lower()} for {year}",
        updated=f"Corrected {spec.label.lower()} for {year}",
    )


@transaction.atomic
def freeze_evaluation(*, actor: User, partnership: Partnership) -> list[EvaluationValue]:
    """Store the current year's computed measures as they stand today, so the year's figures stay put.

    Freezing again in the same year stores the figures afresh. A measure with nothing to compute
    from (no budget lines, no rated providers) is left unstored; the duplicates count always is.
    """
    require_permission(actor, Permission.MANAGE_PERFORMANCE, partnership=partnership)
    today = timezone.localdate()
    year = financial_year_of(today)
    computed = evaluation.compute(partnership, on=today)
    existing = {
        row.measure: row
        for row in EvaluationValue.objects.select_for_update().filter(
            partnership=partnership, financial_year=year, measure__in=list(computed)
        )
    }
    auditor = _auditor(actor, partnership.pk)
    stored = []
    for key, result in computed.items():
        if result.value is None:
            continue
        value = result.value.quantize(STORED_PLACES)
        source = f"Computed on {long_date(today)}: {result.basis}"[:MAX_SOURCE]
        what = f"{evaluation.measure(key).label.lower()} for {financial_year_label(year)}"
        row = store(
            auditor,
            EvaluationValue,
            existing.get(key),
            new={"partnership": partnership, "measure": key, "financial_year": year},
            fields={"value": value, "source": source, "sample_size": None, "recorded_by": actor},
            created=f"Froze {what}",
            updated=f"Froze {what} again",
        )
        stored.append(row)
    return stored
