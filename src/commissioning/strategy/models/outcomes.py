"""Strategy: the outcomes a partnership commissions for, and its priorities with their evidence.

An outcome framework is data (the five Every Child Matters outcomes, an adult social care set, or
the partnership's own), each outcome linked to the JSNA indicators that show progress on it. A
priority belongs to one care group, rests on evidence indicators read live from the JSNA, serves
outcomes, and is agreed by an approved governance decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.core.constraints import in_choices
from commissioning.governance.models import Decision
from commissioning.needs.models import Indicator
from commissioning.partners.models import CareGroup, Partnership


class OutcomeFramework(models.Model):
    """A set of outcomes the partnership commissions for, e.g. Every Child Matters."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="outcome_frameworks")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="Where the framework comes from.")
    template_key = models.SlugField(
        max_length=60,
        blank=True,
        help_text="The shipped framework it was adopted from; blank if defined here.",
    )
    care_groups = models.ManyToManyField(CareGroup, blank=True, related_name="outcome_frameworks")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.UniqueConstraint(
                fields=["partnership", "template_key"],
                condition=~Q(template_key=""),
                name="%(app_label)s_%(class)s_adopted_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """One outcome of a framework, e.g. "Be healthy"."""

    framework = models.ForeignKey(OutcomeFramework, on_delete=models.CASCADE, related_name="outcomes")
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    indicators = models.ManyToManyField(
        Indicator, through="OutcomeIndicator", blank=True, related_name="outcomes"
    )

    class Meta:
        ordering = ["framework", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="%(app_label)s_%(class)s_code_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class OutcomeIndicator(models.Model):
    """An indicator that shows progress on an outcome (same partnership, checked by the services)."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="indicator_links")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="outcome_links")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["outcome", "indicator__name"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "indicator"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} ← {self.indicator}"


class PriorityStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed"
    RETIRED = "retired", "Retired"


class Priority(models.Model):
    """What the partnership will act on for one care group, why, who owns it and who agreed it."""

    Status = PriorityStatus

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="priorities")
    care_group = models.ForeignKey(CareGroup, on_delete=models.PROTECT, related_name="priorities")
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="What the partnership will achieve.")
    rationale = models.TextField(blank=True, help_text="Why, from the evidence.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_post = models.CharField(max_length=200, blank=True, help_text="e.g. Head of adult commissioning.")
    status = models.CharField(max_length=10, choices=PriorityStatus.choices, default=PriorityStatus.DRAFT)
    agreed_by_decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="priorities"
    )
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="priorities")
    evidence = models.ManyToManyField(
        Indicator, through="PriorityEvidence", blank=True, related_name="priorities"
    )
    review_by = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership", "care_group__position", "title"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "care_group", "title"], name="%(app_label)s_%(class)s_title_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("status", PriorityStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=PriorityStatus.AGREED) | Q(agreed_by_decision__isnull=False),
                name="%(app_label)s_%(class)s_agreed_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PriorityEvidence(models.Model):
    """An indicator a priority rests on, in the order the priority presents them."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="evidence_links")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="priority_links")
    note = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["priority", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "indicator"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.priority} ← {self.indicator}"
