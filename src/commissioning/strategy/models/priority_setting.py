"""Priority-setting rounds in the manner of programme budgeting and marginal analysis.

A round has a budget envelope, weighted criteria, candidate investments and disinvestments, a panel
whose members declare their interests and score each option on each criterion, and the optimiser
runs that recommended a portfolio. The arithmetic lives in the pure ``strategy.portfolio`` module.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.governance.models import Decision, Interest
from commissioning.partners.models import CareGroup, Partnership

from .outcomes import Priority


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCORING = "scoring", "Scoring"
    CLOSED = "closed", "Scoring closed"
    DECIDED = "decided", "Decided"


class OptionKind(models.TextChoices):
    INVESTMENT = "investment", "Investment"
    DISINVESTMENT = "disinvestment", "Disinvestment"


class PanelRole(models.TextChoices):
    CHAIR = "chair", "Chair"
    COMMISSIONER = "commissioner", "Commissioner"
    FINANCE = "finance", "Finance lead"
    CLINICAL = "clinical", "Clinical or professional adviser"
    PUBLIC = "public", "Public or lay member"


SCALE_TOPS = (5, 10)
"""A round scores from 0 to 5 or from 0 to 10."""


class PriorityRound(models.Model):
    """One round of priority setting for a financial year, within a budget envelope."""

    Status = RoundStatus

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="priority_rounds")
    name = models.CharField(max_length=200)
    financial_year = models.PositiveSmallIntegerField(help_text="The year the financial year starts in.")
    budget = MoneyField(help_text="Net new money the round may commit; below zero, a savings target.")
    min_prevention_share = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text="Per cent of the money invested that must go on prevention.",
    )
    scale_top = models.PositiveSmallIntegerField(default=5, help_text="Scores run from 0 to this.")
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="priority_rounds"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-financial_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("status", RoundStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_prevention_share__gte=0, min_prevention_share__lte=100),
                name="%(app_label)s_%(class)s_share_range",
            ),
            models.CheckConstraint(
                condition=Q(scale_top__in=SCALE_TOPS), name="%(app_label)s_%(class)s_scale_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=RoundStatus.DECIDED) | Q(decision__isnull=False),
                name="%(app_label)s_%(class)s_decided_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoundCriterion(models.Model):
    """A criterion the panel scores on, with its weight in per cent (a round's weights add to 100)."""

    round = models.ForeignKey(PriorityRound, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="%(app_label)s_%(class)s_key_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100), name="%(app_label)s_%(class)s_weight_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.weight}%)"


class RoundOption(models.Model):
    """A candidate investment or disinvestment: what it costs or saves a year, and whom it reaches."""

    Kind = OptionKind

    round = models.ForeignKey(PriorityRound, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=15, choices=OptionKind.choices)
    amount = MoneyField(help_text="The cost of an investment or the saving of a disinvestment.")
    people = models.PositiveIntegerField(default=0, help_text="People affected a year.")
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="priority_options"
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.SET_NULL, related_name="round_options"
    )
    is_prevention = models.BooleanField(default=False)
    must_do = models.BooleanField(default=False, help_text="A statutory or already-committed item.")
    exclusive_group = models.CharField(
        max_length=60,
        blank=True,
        help_text="Options sharing a group are alternatives: at most one is chosen.",
    )

    class Meta:
        ordering = ["round", "title"]
        constraints = [
            models.UniqueConstraint(fields=["round", "title"], name="%(app_label)s_%(class)s_title_unique"),
            models.CheckConstraint(
                condition=in_choices("kind", OptionKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def net_cost(self) -> Decimal:
        """What choosing it adds to spending: a disinvestment releases money, so counts below zero."""
        return -self.amount if self.kind == OptionKind.DISINVESTMENT else self.amount


class PanelMember(models.Model):
    """A person on the round's scoring panel, in a role."""

    Role = PanelRole

    round = models.ForeignKey(PriorityRound, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=15, choices=PanelRole.choices)

    class Meta:
        ordering = ["round", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("role", PanelRole), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PanelInterest(models.Model):
    """An interest a panel member declares in one option; their scores on it leave the panel's mean."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="interests")
    option = models.ForeignKey(RoundOption, on_delete=models.CASCADE, related_name="interests")
    interest = models.TextField()
    register_entry = models.ForeignKey(
        Interest, null=True, blank=True, on_delete=models.SET_NULL, related_name="round_interests"
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member", "option__title"]
        constraints = [
            models.UniqueConstraint(fields=["member", "option"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member.user} in {self.option}"


class PanelScore(models.Model):
    """One panel member's score for one option on one criterion, within the round's scale."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="scores")
    option = models.ForeignKey(RoundOption, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RoundCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member", "option", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "option", "criterion"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(condition=Q(score__lte=10), name="%(app_label)s_%(class)s_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member.user}: {self.option} / {self.criterion.label} = {self.score}"


class OptimisationRun(models.Model):
    """What the optimiser recommended from one set of inputs, kept so a board can see it later."""

    round = models.ForeignKey(PriorityRound, on_delete=models.CASCADE, related_name="runs")
    inputs_hash = models.CharField(max_length=64)
    weights = models.JSONField(help_text="Criterion key → weight in per cent, as run.")
    benefits = models.JSONField(help_text="Option id → weighted benefit, as run.")
    chosen = models.ManyToManyField(RoundOption, blank=True, related_name="chosen_in")
    objective = models.DecimalField(max_digits=12, decimal_places=4, help_text="Total weighted benefit.")
    total_cost = MoneyField()
    prevention_share = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=60)
    gap = models.FloatField(default=0)
    explanations = models.JSONField(help_text="Option id → why it is in or out.")
    run_at = models.DateTimeField(auto_now_add=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["round", "-run_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} run {self.pk}"
