"""Reads for the self-assessment pages: recorded snapshots, and a snapshot compared with now.

Scoped to the partnership; a snapshot of another partnership is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from commissioning.partners.models import Partnership
from commissioning.strategy import maturity
from commissioning.strategy.models import SelfAssessment
from commissioning.strategy.self_assessment import STAGES, Assessment


def history(partnership: Partnership) -> QuerySet[SelfAssessment]:
    """Recorded self-assessments, newest first, with who recorded them (one query)."""
    return (
        SelfAssessment.objects.filter(partnership=partnership)
        .select_related("recorded_by")
        .order_by("-assessed_on", "-recorded_at", "-id")
    )


def snapshot_in(partnership: Partnership, pk: int) -> SelfAssessment:
    """One recorded self-assessment; DoesNotExist if it is not this partnership's."""
    return SelfAssessment.objects.select_related("recorded_by").get(partnership=partnership, pk=pk)


def latest(partnership: Partnership) -> SelfAssessment | None:
    return history(partnership).first()


@dataclass(frozen=True)
class StageChange:
    key: str
    label: str
    then: int | None
    now: int | None

    @property
    def change(self) -> int | None:
        return maturity.change_bp(self.then, self.now)


@dataclass(frozen=True)
class AnswerChange:
    key: str
    stage: str
    question: str
    then: dict[str, Any] | None
    now_status: str | None
    now_evidence: str

    @property
    def then_status(self) -> str | None:
        return self.then["status"] if self.then else None

    @property
    def direction(self) -> str:
        """``better``, ``worse``, ``same``, ``new`` (asked since) or ``dropped`` (no longer asked)."""
        if self.then is None:
            return "new"
        if self.now_status is None:
            return "dropped"
        then = maturity.HALF_POINTS.get(self.then["status"], 0)
        now = maturity.HALF_POINTS[self.now_status]
        return "better" if now > then else "worse" if now < then else "same"


@dataclass(frozen=True)
class Comparison:
    snapshot: SelfAssessment
    assessment: Assessment
    stages: list[StageChange]
    answers: list[AnswerChange]

    @property
    def overall_change(self) -> int | None:
        return maturity.change_bp(self.snapshot.overall_bp, self.assessment.score)


def compare(snapshot: SelfAssessment, assessment: Assessment) -> Comparison:
    """A recorded self-assessment beside the live one, stage by stage and question by question."""
    labels = {s.key: s.label for s in STAGES}
    now_scores = assessment.stage_scores()
    stage_keys = [s.key for s in STAGES] + [k for k in snapshot.stage_scores if k not in labels]
    stages = [
        StageChange(key, labels.get(key) or key, snapshot.stage_scores.get(key), now_scores.get(key))
        for key in stage_keys
    ]
    recorded = {row["key"]: row for row in snapshot.answers}
    answers = [
        AnswerChange(
            a.question.key,
            labels[a.question.stage],
            a.question.text,
            recorded.get(a.question.key),
            a.answer.status,
            a.answer.evidence,
        )
        for a in assessment.answers
    ]
    live = {a.question.key for a in assessment.answers}
    answers += [
        AnswerChange(row["key"], labels.get(row["stage"]) or row["stage"], row["question"], row, None, "")
        for row in snapshot.answers
        if row["key"] not in live
    ]
    return Comparison(snapshot, assessment, stages, answers)
