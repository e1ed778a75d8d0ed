"""Market and procurement: providers, their quality, procurement rules as data, procurement projects.

A provider is an organisation the partnership buys from, registered once per partnership with its
sector, locations, services and quality ratings. Procurement rules are rows with effective dates, so
the same engine (``market.rules``) applies a council's 2010 framework and today's law. Bids and
scores are commercial in confidence: only the procurement's panel sees them (``market.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership


class Sector(models.TextChoices):
    NHS = "nhs", "NHS"
    PRIVATE = "private", "Private"
    VCSE = "vcse", "Voluntary and community"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"


class QualityRating(models.TextChoices):
    """The CQC's four-point scale, best first, and the state before a first inspection."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_RATED = "not_yet_rated", "Not yet rated"


class ServiceType(models.TextChoices):
    """What is bought. The first five are the placement and package types."""

    RESIDENTIAL = "residential", "Residential care"
    NURSING = "nursing", "Nursing care"
    HOME_CARE = "home_care", "Home care"
    SUPPORTED_LIVING = "supported_living", "Supported living"
    DAY_OPPORTUNITIES = "day_opportunities", "Day opportunities"
    REABLEMENT = "reablement", "Reablement and intermediate care"
    COMMUNITY_HEALTH = "community_health", "Community health services"
    MENTAL_HEALTH = "mental_health", "Mental health services"
    CARERS = "carers", "Carers' support"
    ADVOCACY = "advocacy", "Advocacy and information"
    EQUIPMENT = "equipment", "Equipment and adaptations"
    PREVENTION = "prevention", "Prevention and wellbeing"
    SHORT_BREAKS = "short_breaks", "Short breaks"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse services"
    OTHER = "other", "Other services"


PLACEMENT_SERVICE_TYPES = (
    ServiceType.RESIDENTIAL,
    ServiceType.NURSING,
    ServiceType.HOME_CARE,
    ServiceType.SUPPORTED_LIVING,
    ServiceType.DAY_OPPORTUNITIES,
)


class CapacityUnit(models.TextChoices):
    BEDS = "beds", "Beds"
    HOURS_PER_WEEK = "hours_per_week", "Hours a week"
    PLACES = "places", "Places"


class Provider(models.Model):
    """An organisation the partnership buys from, in this partnership's market register."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="providers")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="provider_records")
    sector = models.CharField(max_length=20, choices=Sector.choices)
    cqc_provider_id = models.CharField("CQC provider ID", max_length=20, blank=True)
    is_sme = models.BooleanField("Small or medium enterprise", default=False)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=in_choices("sector", Sector), name="%(app_label)s_%(class)s_sector_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name


class Location(models.Model):
    """A place a provider delivers from (a care home, an office); CQC rates locations."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="%(app_label)s_%(class)s_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceOffer(models.Model):
    """A service a provider offers, with its capacity (beds, hours a week or places)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="services")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="services"
    )
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    capacity_unit = models.CharField(max_length=15, choices=CapacityUnit.choices, blank=True)

    class Meta:
        ordering = ["provider", "service_type"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("service_type", ServiceType),
                name="%(app_label)s_%(class)s_service_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | ~Q(capacity_unit=""),
                name="%(app_label)s_%(class)s_capacity_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} at {self.provider}"


class RatingSource(models.TextChoices):
    CQC = "cqc", "Care Quality Commission"
    OFSTED = "ofsted", "Ofsted"
    LOCAL = "local", "Local quality assurance"


class Rating(models.Model):
    """A quality rating on a date: a history, so the latest is one of many."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="ratings")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    rating = models.CharField(max_length=25, choices=QualityRating.choices)
    rated_on = models.DateField()
    source = models.CharField(max_length=10, choices=RatingSource.choices, default=RatingSource.CQC)
    report_url = models.URLField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["provider", "-rated_on"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("rating", QualityRating), name="%(app_label)s_%(class)s_rating_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("source", RatingSource), name="%(app_label)s_%(class)s_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_rating_display()} on {self.rated_on:%d %b %Y}"


class ProcurementCategory(models.TextChoices):
    """How procurement law classes what is bought; the rules engine matches on it."""

    GOODS = "goods", "Goods"
    SERVICES = "services", "Services"
    WORKS = "works", "Works"
    LIGHT_TOUCH = "light_touch", "Light-touch services (social, health and education)"
    HEALTH_CARE = "health_care", "NHS health care services (Provider Selection Regime)"


class BodyKind(models.TextChoices):
    """The kind of contracting authority a rule applies to."""

    COUNCIL = "council", "Local authority"
    NHS = "nhs", "NHS body"


class RuleSet(models.Model):
    """A body of procurement rules in force between two dates, with its source.

    National rule sets (no partnership) apply to every partnership; a partnership may add its own
    standing orders, which are consulted first.
    """

    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_sets"
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    source = models.TextField(help_text="Where the rules come from: the act, regulations or standing orders.")
    body_kinds = models.JSONField(default=list, blank=True, help_text="Empty applies to every kind of body.")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    precedence = models.PositiveSmallIntegerField(
        default=100, help_text="Lower is consulted first when several rule sets are in force."
    )

    class Meta:
        ordering = ["precedence", "-effective_from", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="%(app_label)s_%(class)s_code_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rule(models.Model):
    """One row of a rule set: when it applies (category, body, value band, sector) and what it requires.

    ``notices`` is a list of ``{"name", "days", "working_days", "before"}``; ``steps`` the minimum
    timeline as ``{"stage", "days", "working_days"}``; ``market.rules`` reads and checks both.
    """

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    route = models.CharField(max_length=40)
    route_name = models.CharField(max_length=120)
    categories = models.JSONField(default=list, blank=True, help_text="Empty matches every category.")
    body_kinds = models.JSONField(default=list, blank=True)
    provider_sectors = models.JSONField(default=list, blank=True)
    conditions = models.JSONField(
        default=list, blank=True, help_text="Named facts that must hold, e.g. existing_provider_satisfactory."
    )
    min_value = MoneyField(null=True, blank=True, help_text="Inclusive lower bound of the lifetime value.")
    max_value = MoneyField(null=True, blank=True, help_text="Exclusive upper bound of the lifetime value.")
    notices = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=list, blank=True)
    standstill_working_days = models.PositiveSmallIntegerField(default=0)
    explanation = models.TextField()

    class Meta:
        ordering = ["rule_set", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "position"], name="%(app_label)s_%(class)s_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gt=F("min_value")),
                name="%(app_label)s_%(class)s_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.code} #{self.position}: {self.route_name}"


class Stage(models.TextChoices):
    """A procurement's stages in order; ``STAGE_ORDER`` gives their sequence."""

    NEED_CONFIRMED = "need_confirmed", "Need confirmed"
    MARKET_ENGAGEMENT = "market_engagement", "Market engagement"
    NOTICE = "notice", "Notice published"
    BIDS = "bids", "Bids received"
    EVALUATION = "evaluation", "Evaluation"
    AWARD = "award", "Award decided"
    STANDSTILL = "standstill", "Standstill"
    CONTRACT = "contract", "Contract signed"


STAGE_ORDER: tuple[str, ...] = tuple(value for value, _ in Stage.choices)


class ProcurementStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


class Procurement(models.Model):
    """A procurement project: the facts the rules need, the route they gave, and its progress."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="procurements")
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="procurements"
    )
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    category = models.CharField(max_length=15, choices=ProcurementCategory.choices)
    commissioning_body = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="procurements"
    )
    estimated_value = MoneyField(help_text="Estimated lifetime value, including extensions and VAT.")
    contract_months = models.PositiveSmallIntegerField(default=36)
    vcse_only = models.BooleanField(
        default=False, help_text="Reserved for the voluntary and community sector."
    )
    starts_on = models.DateField(help_text="The day the procurement starts; it decides which rules apply.")
    conditions = models.JSONField(
        default=list,
        blank=True,
        help_text="Named facts the rules ask about, e.g. existing_provider_satisfactory.",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEED_CONFIRMED)
    status = models.CharField(
        max_length=10, choices=ProcurementStatus.choices, default=ProcurementStatus.ACTIVE
    )
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="procurements"
    )
    route = models.CharField(max_length=40, blank=True)
    route_explanation = models.TextField(blank=True)
    timeline = models.JSONField(default=list, blank=True, help_text="The engine's minimum timeline.")
    awarded_bid = models.OneToOneField(
        "Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    awarded_on = models.DateField(null=True, blank=True)
    ocds_id = models.CharField("OCDS ID", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "-starts_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="%(app_label)s_%(class)s_reference_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("service_type", ServiceType),
                name="%(app_label)s_%(class)s_service_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("category", ProcurementCategory),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("stage", Stage), name="%(app_label)s_%(class)s_stage_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ProcurementStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0), name="%(app_label)s_%(class)s_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Milestone(models.Model):
    """When a procurement reached (or plans to reach) a stage."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="milestones")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    planned_on = models.DateField(null=True, blank=True)
    reached_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["procurement", "planned_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "stage"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("stage", Stage), name="%(app_label)s_%(class)s_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procurement.reference}: {self.get_stage_display()}"


class PanelRole(models.TextChoices):
    EVALUATOR = "evaluator", "Evaluator"
    MODERATOR = "moderator", "Moderator"
    NAMED_OFFICER = "named_officer", "Named officer"


class PanelMember(models.Model):
    """Who may see the bids: the evaluation panel and the officers named on the procurement."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="procurement_panels"
    )
    role = models.CharField(max_length=15, choices=PanelRole.choices)

    class Meta:
        ordering = ["procurement", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "user"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=in_choices("role", PanelRole), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.procurement.reference}"


class Criterion(models.Model):
    """An evaluation criterion; a procurement's weights add to exactly 100 %."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2, help_text="Per cent of the total.")
    is_price = models.BooleanField(default=False)
    max_score = models.PositiveSmallIntegerField(default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["procurement", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="%(app_label)s_%(class)s_weight_range"
            ),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="%(app_label)s_%(class)s_max_score"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight} %)"


class BidStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    COMPLIANT = "compliant", "Compliant"
    NON_COMPLIANT = "non_compliant", "Not compliant"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Bid(models.Model):
    """A tender received. Commercial in confidence: only the procurement's panel sees it."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    received_on = models.DateField()
    price = MoneyField(help_text="The lifetime price bid.")
    status = models.CharField(max_length=15, choices=BidStatus.choices, default=BidStatus.RECEIVED)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["procurement", "bidder__name"]
        constraints = [
            models.UniqueConstraint(fields=["procurement", "bidder"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="%(app_label)s_%(class)s_price_not_negative"
            ),
            models.CheckConstraint(
                condition=in_choices("status", BidStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bidder} for {self.procurement.reference}"


class Score(models.Model):
    """One evaluator's score of one bid against one criterion, before moderation."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.score} for {self.criterion.name}"


class ModeratedScore(models.Model):
    """The panel's agreed score for a bid on a criterion, with the reason for it."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="moderated_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="moderated_scores")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    rationale = models.TextField()
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="%(app_label)s_%(class)s_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Moderated {self.score} for {self.criterion.name}"
