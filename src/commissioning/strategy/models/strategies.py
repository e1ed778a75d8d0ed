"""Commissioning strategies: objectives, the gap (service developments), implications, action plan."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.contracts.models import Contract
from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.governance.models import Decision
from commissioning.needs.models import Indicator
from commissioning.partners.models import Area, CareGroup, Partnership

from .outcomes import Outcome, Priority


class StrategyHorizon(models.TextChoices):
    TEN_YEAR = "ten_year", "10-year strategy"
    THREE_YEAR = "three_year", "Rolling 3-year plan"
    ONE_YEAR = "one_year", "1-year investment plan"


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ImplicationKind(models.TextChoices):
    DISINVEST = "disinvest", "Disinvest"
    DECOMMISSION = "decommission", "Decommission"
    REMODEL = "remodel", "Remodel"
    RENEGOTIATE_CONTRACT = "renegotiate_contract", "Renegotiate a contract"
    REDISTRIBUTE = "redistribute", "Redistribute resources"
    INVEST = "invest", "Invest"


MAX_OBJECTIVES = 8


class CommissioningStrategy(models.Model):
    """A care group's strategy for one horizon: why, what it commits to, and its schematic.

    It goes through governance by being linked to a strategy decision; once that decision is approved
    the strategy reads as approved.
    """

    Horizon = StrategyHorizon
    Status = StrategyStatus

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="commissioning_strategies"
    )
    care_group = models.ForeignKey(
        CareGroup, on_delete=models.PROTECT, related_name="commissioning_strategies"
    )
    title = models.CharField(max_length=200)
    horizon = models.CharField(max_length=10, choices=StrategyHorizon.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    purpose = models.TextField()
    commitments = models.TextField(blank=True)
    legislation = models.TextField(blank=True, help_text="Legislation and guidance it answers to.")
    status = models.CharField(max_length=10, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="commissioning_strategies"
    )
    priorities = models.ManyToManyField(Priority, blank=True, related_name="commissioning_strategies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "care_group__position", "horizon", "title"]
        verbose_name_plural = "commissioning strategies"
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "care_group", "title"], name="%(app_label)s_%(class)s_title_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("horizon", StrategyHorizon), name="%(app_label)s_%(class)s_horizon_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("status", StrategyStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status=StrategyStatus.DRAFT) | Q(decision__isnull=False),
                name="%(app_label)s_%(class)s_submitted_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StrategicObjective(models.Model):
    """One of at most eight strategic objectives, in the strategy's order."""

    strategy = models.ForeignKey(CommissioningStrategy, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField()
    objective = models.TextField()
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.SET_NULL, related_name="strategic_objectives"
    )
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="strategic_objectives"
    )

    class Meta:
        ordering = ["strategy", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "position"], name="%(app_label)s_%(class)s_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_OBJECTIVES),
                name="%(app_label)s_%(class)s_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.objective[:60]}"


class ServiceDevelopment(models.Model):
    """The gap under an objective: for whom, where, by when, why, and what it means for commissioning."""

    objective = models.ForeignKey(StrategicObjective, on_delete=models.CASCADE, related_name="developments")
    description = models.TextField()
    for_whom = models.CharField(max_length=255)
    where = models.CharField(max_length=255, blank=True, help_text="Where, in words.")
    areas = models.ManyToManyField(Area, blank=True, related_name="service_developments")
    by_when = models.DateField()
    rationale = models.TextField()
    implication = models.CharField(max_length=20, choices=ImplicationKind.choices)
    implications = models.TextField(blank=True)
    transition_cost = MoneyField(null=True, blank=True)
    success_measure = models.TextField(blank=True)
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_developments"
    )

    class Meta:
        ordering = ["objective", "by_when", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("implication", ImplicationKind),
                name="%(app_label)s_%(class)s_implication_valid",
            ),
            models.CheckConstraint(
                condition=Q(transition_cost__isnull=True) | Q(transition_cost__gte=0),
                name="%(app_label)s_%(class)s_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]


class StrategyAction(models.Model):
    """One line of the action plan: what, who owns it, by when, and when it was done."""

    strategy = models.ForeignKey(CommissioningStrategy, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    objective = models.ForeignKey(
        StrategicObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )

    class Meta:
        ordering = ["strategy", "due_on", "id"]

    def __str__(self) -> str:
        return self.action[:80]


class SuccessMeasure(models.Model):
    """How the strategy's success is measured, read live from a JSNA indicator where one fits."""

    strategy = models.ForeignKey(CommissioningStrategy, on_delete=models.CASCADE, related_name="measures")
    measure = models.CharField(max_length=255)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="success_measures"
    )
    target = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["strategy", "id"]

    def __str__(self) -> str:
        return self.measure
