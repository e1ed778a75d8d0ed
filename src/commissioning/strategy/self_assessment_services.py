"""Recording the commissioning self-assessment: a dated snapshot of the live answers and scores.

Recording needs ``Permission.MANAGE_STRATEGY``; the answers are computed from the records at the moment
of recording (never typed in), so a snapshot shows what the platform showed. Commentary per question is
optional, for what the records cannot say. Every snapshot is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning.core.audit import Auditor
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import require_permission
from commissioning.strategy import maturity
from commissioning.strategy.models import SelfAssessment
from commissioning.strategy.self_assessment import QUESTIONS, Assessment, assess

MAX_COMMENTARY = 2000
MAX_SUMMARY = 4000


def snapshot_answers(assessment: Assessment, commentary: Mapping[str, str]) -> list[dict[str, Any]]:
    """The answers as kept in a snapshot: wording and evidence as shown, whatever changes later."""
    return [
        {
            "key": a.question.key,
            "stage": a.question.stage,
            "question": a.question.text,
            "status": a.answer.status,
            "evidence": a.answer.evidence,
            "missing": a.answer.missing,
            "commentary": commentary.get(a.question.key, ""),
        }
        for a in assessment.answers
    ]


@transaction.atomic
def record_self_assessment(
    *,
    actor: User,
    partnership: Partnership,
    summary: str = "",
    commentary: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> SelfAssessment:
    """Keep today's self-assessment with the assessor's summary and any commentary per question."""
    require_permission(actor, Permission.MANAGE_STRATEGY, partnership=partnership)
    notes = {key: text.strip() for key, text in (commentary or {}).items() if text and text.strip()}
    errors: dict[str, str] = {}
    known = {q.key for q in QUESTIONS}
    unknown = sorted(set(notes) - known)
    if unknown:
        errors["commentary"] = f"There is no question {unknown[0]} in the self-assessment."
    elif any(len(text) > MAX_COMMENTARY for text in notes.values()):
        errors["commentary"] = f"Keep each commentary to {MAX_COMMENTARY:,} characters."
    if len(summary.strip()) > MAX_SUMMARY:
        errors["summary"] = f"Keep the summary to {MAX_SUMMARY:,} characters."
    if errors:
        raise ValidationError(errors)
    assessment = assess(partnership, today=today)
    overall = assessment.score
    row = SelfAssessment(
        partnership=partnership,
        assessed_on=assessment.today,
        overall_bp=overall or 0,
        stage_scores=assessment.stage_scores(),
        answers=snapshot_answers(assessment, notes),
        summary=summary.strip(),
        recorded_by=actor,
    )
    validate(row)
    row.save()
    Auditor(actor, partnership_id=partnership.pk).created(
        row, summary=f"Self-assessment recorded: {maturity.percent(overall)} overall ({assessment.level})"
    )
    return row
