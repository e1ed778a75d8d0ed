"""Self-assessment pages: the live assessment with its evidence, recorded snapshots and their comparison.

Reads need ``VIEW_STRATEGY``; recording ``MANAGE_STRATEGY``, checked again by the service. Evidence links
show only to those allowed to open the page they point to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning.core.dates import long_date
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import maturity, self_assessment_selectors, self_assessment_services
from commissioning.strategy.pages import can_manage
from commissioning.strategy.self_assessment import Answered, Assessment, StageResult, assess
from commissioning.strategy.self_assessment_chart import maturity_radar
from commissioning.strategy.self_assessment_forms import RecordForm

NAV = {"nav_stage": "strategy"}
ANSWER_HEADERS = ("Stage", "Question", "Answer", "Evidence", "What is missing", "Evidence page")
HISTORY_HEADERS = ("Assessed on", "Recorded by", "Overall", "Level", "Summary")
COMPARISON_HEADERS = ("Stage", "Question", "Then", "Now", "Change", "Evidence now", "Commentary then")
TAGS = {maturity.MET: "green", maturity.PARTLY: "yellow", maturity.NOT_MET: "red"}


@dataclass(frozen=True)
class Row:
    answered: Answered
    href: str
    tag: str


@dataclass(frozen=True)
class StageView:
    result: StageResult
    rows: list[Row]
    percent: str


def _href(request: HttpRequest, answered: Answered) -> str:
    link = answered.answer.link
    if link is None or link.permission not in request.permissions:  # type: ignore[attr-defined]
        return ""
    return link.href(request.partnership.slug)  # type: ignore[attr-defined]


def _stages(request: HttpRequest, assessment: Assessment) -> list[StageView]:
    return [
        StageView(
            stage,
            [Row(a, _href(request, a), TAGS[a.answer.status]) for a in stage.answers],
            maturity.percent(stage.score),
        )
        for stage in assessment.stages
    ]


def _answer_rows(request: HttpRequest, assessment: Assessment) -> list[tuple[Any, ...]]:
    base = request.build_absolute_uri("/").rstrip("/")
    return [
        (
            stage.stage.label,
            a.question.text,
            a.answer.status_label,
            a.answer.evidence,
            a.answer.missing,
            base + href if (href := _href(request, a)) else "",
        )
        for stage in assessment.stages
        for a in stage.answers
    ]


def _chart(assessment: Assessment, last: Any) -> dict[str, Any]:
    labels = [s.stage.label for s in assessment.stages]
    then = [last.stage_scores.get(s.stage.key) for s in assessment.stages] if last else None
    figure = maturity_radar(
        labels,
        [s.score for s in assessment.stages],
        then,
        f"Recorded {long_date(last.assessed_on)}" if last else "",
    )
    return {
        "id": "chart-maturity",
        "data_id": "chart-maturity-data",
        "figure": figure,
        "label": "Maturity by stage of the cycle; the table below gives the figures.",
    }


def _signed(change: int | None) -> str:
    if change is None:
        return "–"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{sign}{maturity.percent(abs(change))}"


@partnership_view(Permission.VIEW_STRATEGY)
def self_assessment(request: HttpRequest) -> HttpResponse:
    """The live self-assessment; ``?format=csv|xlsx`` exports the answers, with ``table=history`` the
    recorded assessments."""
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = request.GET.get("format", "")
    history = list(self_assessment_selectors.history(partnership))
    if fmt in EXPORT_FORMATS and request.GET.get("table") == "history":
        return table_response(
            filename=f"{partnership.slug}-self-assessments",
            headers=HISTORY_HEADERS,
            rows=[
                (
                    row.assessed_on,
                    row.recorded_by.get_full_name() or row.recorded_by.username,
                    maturity.percent(row.overall_bp),
                    maturity.level(row.overall_bp),
                    row.summary,
                )
                for row in history
            ],
            fmt=fmt,
        )
    assessment = assess(partnership)
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-self-assessment-{assessment.today:%Y-%m-%d}",
            headers=ANSWER_HEADERS,
            rows=_answer_rows(request, assessment),
            fmt=fmt,
        )
    last = history[0] if history else None
    now = assessment.score
    return render(
        request,
        "strategy/self_assessment.html",
        {
            "assessment": assessment,
            "stages": _stages(request, assessment),
            "overall": maturity.percent(now),
            "history": [
                (
                    row,
                    maturity.percent(row.overall_bp),
                    maturity.level(row.overall_bp),
                    _signed(maturity.change_bp(row.overall_bp, now)),
                )
                for row in history
            ],
            "chart": _chart(assessment, last),
            "last": last,
            "today": long_date(assessment.today),
            "can_manage": can_manage(request),
            **NAV,
        },
    )


@partnership_view(Permission.MANAGE_STRATEGY)
def self_assessment_record(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    assessment = assess(partnership)
    form = RecordForm(request.POST or None, assessment=assessment)
    recorded = submit(
        request,
        form,
        lambda data: self_assessment_services.record_self_assessment(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            summary=data.get("summary") or "",
            commentary=form.commentary(),
        ),
    )
    if recorded is not None:
        messages.success(request, f"Self-assessment of {long_date(recorded.assessed_on)} recorded.")
        return redirect("strategy:self_assessment_snapshot", partnership.slug, recorded.pk)
    return render(
        request,
        "strategy/self_assessment_record.html",
        {
            "form": form,
            "assessment": assessment,
            "overall": maturity.percent(assessment.score),
            "today": long_date(assessment.today),
            **NAV,
        },
        status=400 if form.errors else 200,
    )


@partnership_view(Permission.VIEW_STRATEGY)
def self_assessment_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """A recorded self-assessment beside the live one; ``?format=csv|xlsx`` exports the comparison."""
    partnership = request.partnership  # type: ignore[attr-defined]
    snapshot = found_or_404(self_assessment_selectors.snapshot_in, partnership, pk)
    comparison = self_assessment_selectors.compare(snapshot, assess(partnership))
    labels = maturity.STATUS_LABELS
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-self-assessment-{snapshot.assessed_on:%Y-%m-%d}-compared",
            headers=COMPARISON_HEADERS,
            rows=[
                (
                    row.stage,
                    row.question,
                    labels.get(row.then_status or "", "Not asked"),
                    labels.get(row.now_status or "", "No longer asked"),
                    row.direction,
                    row.now_evidence,
                    (row.then or {}).get("commentary", ""),
                )
                for row in comparison.answers
            ],
            fmt=fmt,
        )
    return render(
        request,
        "strategy/self_assessment_snapshot.html",
        {
            "snapshot": snapshot,
            "comparison": comparison,
            "stages": [
                (s, maturity.percent(s.then), maturity.percent(s.now), _signed(s.change))
                for s in comparison.stages
            ],
            "overall_then": maturity.percent(snapshot.overall_bp),
            "overall_now": maturity.percent(comparison.assessment.score),
            "overall_change": _signed(comparison.overall_change),
            "level_then": maturity.level(snapshot.overall_bp),
            "level_now": comparison.assessment.level,
            "answers": [
                (
                    row,
                    labels.get(row.then_status or "", "Not asked then"),
                    TAGS.get(row.then_status or "", "grey"),
                    labels.get(row.now_status or "", "No longer asked"),
                    TAGS.get(row.now_status or "", "grey"),
                )
                for row in comparison.answers
            ],
            "assessed_on": long_date(snapshot.assessed_on),
            **NAV,
        },
    )
