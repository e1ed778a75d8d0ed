"""Performance and quality: what providers report against each contract KPI, the reviews and
remedial plans that follow underperformance, decommissioning cases, and the partnership's
evaluation of its own arrangements.

A KPI's current return for a period is one ``KpiReturn``; every submission and correction is
also kept as a ``ReturnRevision``, so a corrected figure never loses what was first reported.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.contracts.models import Contract, Kpi, Placement
from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.engagement.models import Consultation
from commissioning.governance.models import Board, Decision, Meeting
from commissioning.market.models import Provider
from commissioning.partners.models import CareGroup, Partnership

# ---------------------------------------------------------------------------------------------
# Returns


class ReturnStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    VALIDATED = "validated", "Validated"
    QUERIED = "queried", "Queried"


class ReturnImport(models.Model):
    """A spreadsheet of returns uploaded at once; its returns point back to it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="return_imports")
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows)"


class KpiReturn(models.Model):
    """The value a provider reports for one KPI and one reporting period: the current figure."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="returns")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    commentary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    version = models.PositiveIntegerField(
        default=1, help_text="1 for the first submission; +1 per correction."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    query = models.TextField(blank=True, help_text="The commissioner's question when a return is queried.")
    source_import = models.ForeignKey(
        ReturnImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )

    class Meta:
        ordering = ["kpi", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_start"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="%(app_label)s_%(class)s_dates_ordered"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ReturnStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["kpi", "period_start"], name="performance_return_period_idx")]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period_start:%Y-%m}: {self.value}"


class ReturnRevision(models.Model):
    """One submission or correction of a return, kept for ever (append-only)."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=14, decimal_places=4)
    commentary = models.TextField(blank=True)
    reason = models.CharField(max_length=255, blank=True, help_text="Why a correction was made.")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi_return", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_return", "version"], name="%(app_label)s_%(class)s_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_return} v{self.version}"


class Chase(models.Model):
    """A reminder sent to a provider about a late or missing return."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="chases")
    period_start = models.DateField()
    chased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chased_at = models.DateTimeField(auto_now_add=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-chased_at"]

    def __str__(self) -> str:
        return f"Chased {self.kpi.code} {self.period_start:%Y-%m}"


class KpiRebase(models.Model):
    """A period from which a KPI's SPC limits are recalculated, e.g. after a service change."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="rebases")
    period_start = models.DateField()
    reason = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_start"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} rebased from {self.period_start:%Y-%m}"


# ---------------------------------------------------------------------------------------------
# Reviews, remedial plans and escalation


class ReviewKind(models.TextChoices):
    QUALITY = "quality", "Quality review"
    CONTRACT = "contract", "Contract review"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed"


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class EscalationTrigger(models.TextChoices):
    SPECIAL_CAUSE_CONCERN = "special_cause_concern", "Special cause of concern on a KPI"
    TARGET_MISSED = "target_missed", "Target missed for consecutive periods"
    QUALITY_RATING = "quality_rating", "Provider quality rating fell"


class EscalationRule(models.Model):
    """When performance or quality should open a review on its own, and notify the contract manager."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="escalation_rules")
    trigger = models.CharField(max_length=25, choices=EscalationTrigger.choices)
    consecutive_periods = models.PositiveSmallIntegerField(
        default=3, help_text="For a missed target: how many periods in a row."
    )
    ratings = models.JSONField(
        default=list,
        blank=True,
        help_text="For a quality rating: the ratings that escalate (values of QualityRating).",
    )
    review_kind = models.CharField(max_length=10, choices=ReviewKind.choices, default=ReviewKind.CONTRACT)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partnership", "trigger"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("trigger", EscalationTrigger),
                name="%(app_label)s_%(class)s_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(consecutive_periods__gte=1), name="%(app_label)s_%(class)s_periods_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.get_trigger_display()


class Review(models.Model):
    """A quality or contract review meeting with a provider, and what it found."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="reviews")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=10, choices=ReviewKind.choices)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    scheduled_for = models.DateField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    attendees = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    overall_rating = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    escalation_rule = models.ForeignKey(
        EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    trigger_kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trigger_detail = models.TextField(blank=True, help_text="What opened the review, when escalated.")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", ReviewKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ReviewStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(overall_rating="") | in_choices("overall_rating", Rag),
                name="%(app_label)s_%(class)s_rating_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """One finding of a review, rated."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    area = models.CharField(max_length=100, help_text="e.g. Safe, Effective, Workforce, Finance, KPI.")
    finding = models.TextField()
    rating = models.CharField(max_length=5, choices=Rag.choices)
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["review", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("rating", Rag), name="%(app_label)s_%(class)s_rating_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.get_rating_display()}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed with the provider"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Not delivered"


class RemedialPlan(models.Model):
    """A remedial action plan agreed after a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="remedial_plan")
    summary = models.TextField()
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    agreed_on = models.DateField(null=True, blank=True)
    review_by = models.DateField(help_text="When progress is next reviewed.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", PlanStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Remedial plan for {self.review}"


class RemedialAction(models.Model):
    """An action in a remedial plan, with its owner and date."""

    plan = models.ForeignKey(RemedialPlan, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    owner = models.CharField(max_length=200, help_text="The person or post responsible.")
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "due_on", "id"]

    def __str__(self) -> str:
        return self.action[:60]


class Notification(models.Model):
    """A message for one person in the platform (also emailed), e.g. an escalated review."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


# ---------------------------------------------------------------------------------------------
# Decommissioning


class CaseStage(models.TextChoices):
    """The steps of a decommissioning case, in order; none can be skipped."""

    RATIONALE = "rationale", "Rationale and performance evidence"
    OPTIONS = "options", "Options appraisal"
    RISK = "risk", "Risk to current service users"
    CONSULTATION = "consultation", "Consultation"
    EQUALITY = "equality", "Equality impact assessment"
    TRANSITION = "transition", "Transition plan"
    NOTICE = "notice", "Notice"
    DECISION = "decision", "Decision"
    COMPLETE = "complete", "Complete"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AppraisalOption(models.TextChoices):
    REMODEL = "remodel", "Remodel the service"
    REPROCURE = "reprocure", "Re-procure"
    DECOMMISSION = "decommission", "Decommission"


class EqualityOutcome(models.TextChoices):
    """The four outcomes of an equality impact assessment (Equality Act 2010 general duty)."""

    NO_MAJOR_CHANGE = "no_major_change", "No major change needed"
    ADJUST = "adjust", "Adjust the proposal to remove barriers"
    CONTINUE = "continue", "Continue despite adverse impact, justified"
    STOP = "stop", "Stop and rethink"


class DecommissioningCase(models.Model):
    """A proposal to end, remodel or re-procure a contract, taken step by step with its evidence."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="decommissioning_cases"
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="decommissioning_cases")
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    stage = models.CharField(max_length=15, choices=CaseStage.choices, default=CaseStage.RATIONALE)
    # Rationale and performance evidence
    rationale = models.TextField(blank=True)
    evidence_kpis = models.ManyToManyField(Kpi, blank=True, related_name="decommissioning_cases")
    reviews = models.ManyToManyField(Review, blank=True, related_name="decommissioning_cases")
    # Options appraisal
    chosen_option = models.CharField(max_length=15, choices=AppraisalOption.choices, blank=True)
    # Risk to current service users
    users_affected = models.PositiveIntegerField(
        null=True, blank=True, help_text="People using the service now."
    )
    risk_summary = models.TextField(blank=True)
    # Consultation
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.PROTECT, related_name="decommissioning_cases"
    )
    # Equality impact assessment
    equality_summary = models.TextField(blank=True)
    equality_outcome = models.CharField(max_length=20, choices=EqualityOutcome.choices, blank=True)
    # Transition plan: TransitionArrangement rows
    transition_summary = models.TextField(blank=True)
    # Notice
    notice_served_on = models.DateField(null=True, blank=True)
    service_ends_on = models.DateField(null=True, blank=True)
    # Decision
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="decommissioning_cases"
    )
    completed_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="%(app_label)s_%(class)s_reference_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("stage", CaseStage), name="%(app_label)s_%(class)s_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(chosen_option="") | in_choices("chosen_option", AppraisalOption),
                name="%(app_label)s_%(class)s_option_valid",
            ),
            models.CheckConstraint(
                condition=Q(equality_outcome="") | in_choices("equality_outcome", EqualityOutcome),
                name="%(app_label)s_%(class)s_equality_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class OptionAppraisal(models.Model):
    """One option considered for the service, with its costs, benefits and risks."""

    case = models.ForeignKey(DecommissioningCase, on_delete=models.CASCADE, related_name="options")
    option = models.CharField(max_length=15, choices=AppraisalOption.choices)
    appraisal = models.TextField()
    annual_cost = MoneyField(null=True, blank=True)
    transition_cost = MoneyField(null=True, blank=True)

    class Meta:
        ordering = ["case", "option"]
        constraints = [
            models.UniqueConstraint(fields=["case", "option"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("option", AppraisalOption), name="%(app_label)s_%(class)s_option_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_option_display()


class CaseRisk(models.Model):
    """A risk to people using the service, scored likelihood × impact (1–5 each)."""

    case = models.ForeignKey(DecommissioningCase, on_delete=models.CASCADE, related_name="risks")
    description = models.TextField()
    likelihood = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    mitigation = models.TextField(
        blank=True, help_text="Needed before the case advances when the risk scores 15 or more."
    )

    class Meta:
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="%(app_label)s_%(class)s_scores_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class TransitionArrangement(models.Model):
    """Where one current placement (or group of people) goes when the service ends."""

    case = models.ForeignKey(DecommissioningCase, on_delete=models.CASCADE, related_name="transitions")
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    cohort = models.CharField(
        max_length=200, blank=True, help_text="For people not placed individually, e.g. 'day service users'."
    )
    people = models.PositiveIntegerField(default=1)
    arrangement = models.TextField(help_text="What happens for them.")
    new_provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    move_by = models.DateField()

    class Meta:
        ordering = ["case", "move_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "placement"],
                condition=Q(placement__isnull=False),
                name="%(app_label)s_%(class)s_placement_once",
            ),
            models.CheckConstraint(
                condition=Q(placement__isnull=False) | ~Q(cohort=""),
                name="%(app_label)s_%(class)s_placement_or_cohort",
            ),
        ]

    def __str__(self) -> str:
        return self.cohort or str(self.placement)


class CaseStep(models.Model):
    """One move of a case from a stage to the next, by whom and when (the case's own history)."""

    case = models.ForeignKey(DecommissioningCase, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.CharField(max_length=15, choices=CaseStage.choices)
    to_stage = models.CharField(max_length=15, choices=CaseStage.choices)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "moved_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.from_stage} → {self.to_stage}"


# ---------------------------------------------------------------------------------------------
# Evaluation of the partnership and the integrated performance report


class EvaluationMeasure(models.TextChoices):
    PROVIDER_CLARITY = "provider_clarity", "Clarity for providers (provider survey score)"
    DUPLICATION = "duplication", "Duplication of commissioning (contract audit count)"
    JOINT_QUALITY = "joint_quality", "Quality of jointly commissioned services"
    JOINT_VALUE = "joint_value", "Value of jointly commissioned services"
    PRIORITY_RESOURCES = "priority_resources", "Resources targeted at agreed priorities (budget audit share)"
    USER_SATISFACTION = "user_satisfaction", "User satisfaction"


class EvaluationValue(models.Model):
    """One year's value of an evaluation measure, recorded (surveys) or computed and frozen."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="evaluation_values")
    measure = models.CharField(max_length=20, choices=EvaluationMeasure.choices)
    financial_year = models.PositiveSmallIntegerField(help_text="The year the financial year starts.")
    value = models.DecimalField(max_digits=14, decimal_places=4)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "measure", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "measure", "financial_year"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=in_choices("measure", EvaluationMeasure),
                name="%(app_label)s_%(class)s_measure_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.financial_year}: {self.value}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued to the board"


class PerformanceReport(models.Model):
    """An integrated performance report for a board meeting, as at a period end."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="performance_reports")
    title = models.CharField(max_length=200)
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="performance_reports"
    )
    period_end = models.DateField(help_text="The last period the report covers.")
    introduction = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", ReportStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReportCommentary(models.Model):
    """Commentary in a report on one KPI or on a care group as a whole."""

    report = models.ForeignKey(PerformanceReport, on_delete=models.CASCADE, related_name="commentary")
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kpi"],
                condition=Q(kpi__isnull=False),
                name="%(app_label)s_%(class)s_kpi_once",
            ),
            models.UniqueConstraint(
                fields=["report", "care_group"],
                condition=Q(care_group__isnull=False, kpi__isnull=True),
                name="%(app_label)s_%(class)s_group_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
