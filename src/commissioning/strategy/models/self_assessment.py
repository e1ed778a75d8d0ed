"""Recorded commissioning self-assessments: the answers and scores as they stood on a day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.partners.models import Partnership

FULL_SCORE_BP = 10_000


class SelfAssessment(models.Model):
    """A dated snapshot of the live self-assessment, so the partnership can see its progress.

    ``answers`` keeps, per question, its key, stage, wording, status, evidence, what was missing and any
    commentary, exactly as shown when recorded; later changes to the questions do not rewrite it.
    ``stage_scores`` holds each stage's score in basis points (10,000 = every question met).
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="self_assessments")
    assessed_on = models.DateField()
    overall_bp = models.PositiveIntegerField()
    stage_scores = models.JSONField(default=dict)
    answers = models.JSONField(default=list)
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-assessed_on", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall_bp__lte=FULL_SCORE_BP), name="%(app_label)s_%(class)s_overall_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Self-assessment of {self.assessed_on:%d %B %Y}"
