"""Contracts and placements: the contract register with its funding, outcomes and KPIs;
individual placements and packages of care with their prices; grants to the voluntary sector.

A contract's funding rows add to its lifetime value exactly (``contracts.services`` refuses
anything else). A placement names a person only by a pseudonymous reference; an NHS number, if
given, is kept only as a keyed hash (``contracts.pseudonyms``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from commissioning.core.constraints import in_choices
from commissioning.core.money import MoneyField
from commissioning.finance.models import BudgetLine, PooledFund, Scheme
from commissioning.market.models import PLACEMENT_SERVICE_TYPES, Procurement, Provider, ServiceType
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership


class PaymentBasis(models.TextChoices):
    BLOCK = "block", "Block"
    COST_AND_VOLUME = "cost_and_volume", "Cost and volume"
    COST_PER_CASE = "cost_per_case", "Cost per case (spot)"
    OUTCOME_BASED = "outcome_based", "Outcome-based"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    TERMINATED = "terminated", "Terminated"


class AwardRoute(models.TextChoices):
    """How the contract was let, as the transparency code asks."""

    TENDER = "tender", "Published invitation to tender"
    QUOTE = "quote", "Invitation to quote"
    DIRECT_AWARD = "direct_award", "Direct award"
    FRAMEWORK = "framework", "Call-off from a framework"
    GRANT = "grant", "Grant agreement"


class Contract(models.Model):
    """A contract in the register: who provides what, for whom, for how long and how much."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="contracts")
    reference = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    lead_commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="led_contracts"
    )
    procurement = models.OneToOneField(
        Procurement, null=True, blank=True, on_delete=models.PROTECT, related_name="contract"
    )
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts"
    )
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    services = models.TextField(blank=True, help_text="The services in the specification.")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    extension_months = models.PositiveSmallIntegerField(
        default=0, help_text="Months of extension the contract allows beyond its end."
    )
    extension_notes = models.CharField(max_length=200, blank=True)
    notice_months = models.PositiveSmallIntegerField(default=3)
    annual_value = MoneyField()
    lifetime_value = MoneyField(help_text="The whole term's value, excluding extensions not yet taken.")
    payment_basis = models.CharField(max_length=20, choices=PaymentBasis.choices)
    award_route = models.CharField(max_length=15, choices=AwardRoute.choices, default=AwardRoute.TENDER)
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    contract_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ocds_id = models.CharField("OCDS ID", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "ends_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="%(app_label)s_%(class)s_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="%(app_label)s_%(class)s_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0) & Q(lifetime_value__gte=0),
                name="%(app_label)s_%(class)s_values_not_negative",
            ),
            models.CheckConstraint(
                condition=in_choices("service_type", ServiceType),
                name="%(app_label)s_%(class)s_service_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("payment_basis", PaymentBasis),
                name="%(app_label)s_%(class)s_payment_basis_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("award_route", AwardRoute), name="%(app_label)s_%(class)s_award_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ContractStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["partnership", "ends_on"], name="contracts_ends_on_idx")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Funding(models.Model):
    """A partner's share of a contract's lifetime value, optionally from a fund, scheme or budget line."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="funding")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contract_funding")
    fund = models.ForeignKey(PooledFund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey(Scheme, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    budget_line = models.ForeignKey(
        BudgetLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="contract_funding"
    )
    amount = MoneyField()

    class Meta:
        ordering = ["contract", "organisation__name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} funds £{self.amount:,.2f} of {self.contract.reference}"


class Outcome(models.Model):
    """An outcome the contract is held to."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contract", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Polarity(models.TextChoices):
    INCREASE = "increase", "Higher is better"
    DECREASE = "decrease", "Lower is better"
    NEUTRAL = "neutral", "No preferred direction"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SIX_MONTHLY = "six_monthly", "Six-monthly"
    ANNUAL = "annual", "Annual"


class Kpi(models.Model):
    """A key performance indicator: definition, target, which way is better and how often it is reported."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="kpis"
    )
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    definition = models.TextField()
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, people, days.")
    target = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    polarity = models.CharField(max_length=10, choices=Polarity.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contract", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="%(app_label)s_%(class)s_code_unique"),
            models.CheckConstraint(
                condition=in_choices("polarity", Polarity), name="%(app_label)s_%(class)s_polarity_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("frequency", Frequency), name="%(app_label)s_%(class)s_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SupportOption(models.TextChoices):
    """The four ways a person can hold the money for their care (self-directed support)."""

    ARRANGED = "arranged", "Service arranged by the council or ICB"
    MANAGED_BUDGET = "managed_budget", "Personal budget managed by the council or ICB"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund", "Individual service fund held by a provider"
    DIRECT_PAYMENT = "direct_payment", "Direct payment"


class PlacementImport(models.Model):
    """A file of placements imported at once; its rows point back to it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="placement_imports")
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows)"


class Placement(models.Model):
    """An individual placement or package of care, bought at a unit price for some units a week."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="placements")
    person_ref = models.CharField(
        "Person reference", max_length=40, help_text="A pseudonymous reference, never a name or NHS number."
    )
    nhs_number_hash = models.CharField(max_length=64, blank=True, help_text="Keyed hash of the NHS number.")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="placements")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )
    service_type = models.CharField(
        max_length=20, choices=[(t.value, t.label) for t in PLACEMENT_SERVICE_TYPES]
    )
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )
    unit_price = MoneyField(help_text="Price per unit: a week of a bed, an hour of care, a day.")
    units_per_week = models.DecimalField(max_digits=8, decimal_places=2)
    weekly_cost = MoneyField(help_text="Unit price × units a week, to the penny.")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    funding_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="placements"
    )
    support_option = models.CharField(
        max_length=25, choices=SupportOption.choices, default=SupportOption.ARRANGED
    )
    source_import = models.ForeignKey(
        PlacementImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-starts_on", "person_ref"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(weekly_cost__gte=0),
                name="%(app_label)s_%(class)s_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(units_per_week__gt=0), name="%(app_label)s_%(class)s_units_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(service_type__in=[t.value for t in PLACEMENT_SERVICE_TYPES]),
                name="%(app_label)s_%(class)s_service_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("support_option", SupportOption),
                name="%(app_label)s_%(class)s_support_option_valid",
            ),
        ]
        indexes = [models.Index(fields=["partnership", "service_type"], name="placements_service_idx")]

    def __str__(self) -> str:
        return f"{self.person_ref}: {self.get_service_type_display()} at {self.provider}"


class GrantImport(models.Model):
    """A 360Giving file of grants imported at once."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="grant_imports")
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows)"


class Grant(models.Model):
    """A grant to a voluntary or community organisation, in the 360Giving shape."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="grants")
    identifier = models.CharField(max_length=100, help_text="The 360Giving identifier, e.g. 360G-…")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3, default="GBP")
    amount_awarded = MoneyField()
    award_date = models.DateField()
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="grants_made")
    recipient = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="grants_received"
    )
    recipient_org_id = models.CharField(max_length=100)
    recipient_name = models.CharField(max_length=300)
    programme = models.CharField(max_length=200, blank=True)
    beneficiary_location_code = models.CharField(max_length=20, blank=True)
    beneficiary_location_name = models.CharField(max_length=200, blank=True)
    from_open_call = models.BooleanField(null=True, blank=True)
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants"
    )
    last_modified = models.DateTimeField(null=True, blank=True)
    source_import = models.ForeignKey(
        GrantImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants"
    )

    class Meta:
        ordering = ["partnership", "-award_date", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "identifier"], name="%(app_label)s_%(class)s_identifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount_awarded__gte=0), name="%(app_label)s_%(class)s_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="%(app_label)s_%(class)s_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"
