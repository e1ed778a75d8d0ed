"""Commissioning intentions and market position statements: per care group, versioned, approved
through governance and published with a frozen copy of the figures they were approved on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.contracts.models import Contract
from commissioning.core.constraints import in_choices
from commissioning.governance.models import Decision
from commissioning.market.models import ServiceType
from commissioning.partners.models import Area, CareGroup, Partnership

from .strategies import StrategicObjective


class StatementKind(models.TextChoices):
    INTENTIONS = "intentions", "Commissioning intentions"
    MARKET_POSITION = "market_position", "Market position statement"


class VersionStatus(models.TextChoices):
    """Stored states; "approved" and "rejected" are read from the linked decision's state."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


STORED_STATUSES = (
    VersionStatus.DRAFT,
    VersionStatus.SUBMITTED,
    VersionStatus.PUBLISHED,
    VersionStatus.WITHDRAWN,
)


class Section(models.TextChoices):
    """The statement's sections, in the order a reader meets them."""

    INTRODUCTION = "introduction", "About this statement"
    NEEDS = "needs", "Needs and projections"
    PROVISION = "provision", "Current provision"
    SPEND = "spend", "Spend"
    PRICES = "prices", "Prices"
    QUALITY = "quality", "Quality"
    INTENTIONS = "intentions", "Our intentions"
    PROVIDERS = "providers", "What we want from providers"


class Direction(models.TextChoices):
    GROW = "grow", "Grow"
    MAINTAIN = "maintain", "Maintain"
    REDUCE = "reduce", "Reduce"
    DECOMMISSION = "decommission", "Decommission"


class MarketStatement(models.Model):
    """One care group's statement of one kind for one financial year, reviewed on a cycle."""

    Kind = StatementKind

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="market_statements")
    care_group = models.ForeignKey(CareGroup, on_delete=models.PROTECT, related_name="market_statements")
    kind = models.CharField(max_length=20, choices=StatementKind.choices)
    title = models.CharField(max_length=200)
    financial_year = models.PositiveSmallIntegerField(help_text="The year it covers, by its April start.")
    review_months = models.PositiveSmallIntegerField(default=12)
    next_review_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "care_group__position", "kind", "-financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "care_group", "kind", "financial_year"],
                name="%(app_label)s_%(class)s_once_a_year",
            ),
            models.CheckConstraint(
                condition=in_choices("kind", StatementKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(review_months__gte=1, review_months__lte=36),
                name="%(app_label)s_%(class)s_review_months_range",
            ),
            models.CheckConstraint(
                condition=Q(financial_year__gte=2000, financial_year__lte=2100),
                name="%(app_label)s_%(class)s_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StatementVersion(models.Model):
    """One edit cycle of a statement. From submission on it carries the frozen figures, commentary
    and intentions as JSON, so what was approved is what is published, whatever the live data does."""

    statement = models.ForeignKey(MarketStatement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="market_statement_versions"
    )
    snapshot = models.JSONField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "number"], name="%(app_label)s_%(class)s_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in STORED_STATUSES]),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT)
                | (Q(decision__isnull=False) & Q(snapshot__isnull=False)),
                name="%(app_label)s_%(class)s_submitted_is_frozen",
            ),
            models.CheckConstraint(
                condition=~Q(status=VersionStatus.PUBLISHED) | Q(published_on__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement.title}, version {self.number}"


class SectionCommentary(models.Model):
    """The commissioners' words for one section of one version, beside the generated figures."""

    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE, related_name="commentary")
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()

    class Meta:
        ordering = ["version", "section"]
        verbose_name_plural = "section commentary"
        constraints = [
            models.UniqueConstraint(fields=["version", "section"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("section", Section), name="%(app_label)s_%(class)s_section_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_section_display()} ({self.version})"


class Intention(models.Model):
    """What the partners mean to do with a service in the market: grow, maintain, reduce or
    decommission it, over which period, and why."""

    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE, related_name="intentions")
    position = models.PositiveSmallIntegerField()
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    description = models.CharField(max_length=255, help_text="The service or part of the market.")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    rationale = models.TextField()
    objective = models.ForeignKey(
        StrategicObjective, null=True, blank=True, on_delete=models.SET_NULL, related_name="intentions"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="intentions"
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="%(app_label)s_%(class)s_position_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("service_type", ServiceType),
                name="%(app_label)s_%(class)s_service_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("direction", Direction), name="%(app_label)s_%(class)s_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.description}"
