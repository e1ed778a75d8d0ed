"""The services map: what is provided, by whom, for whom and where, and what it is for.

A service is mapped upward to the outcomes it serves and the priorities and strategic objectives it
delivers, and downward to the budget lines that fund it (with the share of each line, so a line
shared between services is never counted twice), the schemes it belongs to and the contracts that
deliver it. Its commissioned capacity is stated (a block of beds or hours) or read from the active
placements under its contracts, and compared with a projected need through a need measure: the
share of the people with that need the service is for (a third of people with dementia live in a
care home, say), each using some of the capacity (one bed, ten hours of home care a week).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.contracts.models import Contract
from commissioning.core.constraints import in_choices
from commissioning.finance.models import FULL_SHARE, BudgetLine, Scheme
from commissioning.needs.models import NeedMeasure
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership

from .outcomes import Outcome, Priority
from .strategies import StrategicObjective


class CapacityUnit(models.TextChoices):
    BEDS = "beds", "Beds"
    HOURS_PER_WEEK = "hours_per_week", "Hours a week"
    PLACES = "places", "Places"
    PEOPLE_PER_YEAR = "people_per_year", "People a year"


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class Service(models.Model):
    """A service on the partnership's map, commissioned (and funded) by one partner organisation."""

    Status = ServiceStatus

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="mapped_services")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="mapped_services")
    care_groups = models.ManyToManyField(CareGroup, blank=True, related_name="mapped_services")
    areas = models.ManyToManyField(
        Area, blank=True, related_name="mapped_services", help_text="None means the whole partnership."
    )
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="services")
    priorities = models.ManyToManyField(Priority, blank=True, related_name="services")
    objectives = models.ManyToManyField(StrategicObjective, blank=True, related_name="services")
    budget_lines: models.ManyToManyField[BudgetLine, ServiceFunding] = models.ManyToManyField(
        BudgetLine, through="ServiceFunding", blank=True, related_name="mapped_services"
    )
    schemes = models.ManyToManyField(Scheme, blank=True, related_name="mapped_services")
    contracts = models.ManyToManyField(Contract, blank=True, related_name="mapped_services")
    is_prevention = models.BooleanField(
        default=False, help_text="Prevention and early intervention: counts towards the prevention share."
    )
    capacity = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Commissioned capacity; blank to read it from the active placements under its contracts.",
    )
    capacity_unit = models.CharField(max_length=20, choices=CapacityUnit.choices, blank=True)
    need_measure = models.ForeignKey(
        NeedMeasure, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    need_share_bp = models.PositiveIntegerField(
        default=FULL_SHARE,
        help_text="Share of the people with that need this service is for, in basis points: 3000 is 30 %.",
    )
    units_per_person = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=1,
        help_text="Capacity one person in need uses, e.g. 1 bed, or 10 hours of home care a week.",
    )
    status = models.CharField(max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    retired_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ServiceStatus), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(capacity_unit="") | in_choices("capacity_unit", CapacityUnit),
                name="%(app_label)s_%(class)s_unit_valid",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | (Q(capacity__gte=0) & ~Q(capacity_unit="")),
                name="%(app_label)s_%(class)s_capacity_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(units_per_person__gt=0), name="%(app_label)s_%(class)s_units_per_person_positive"
            ),
            models.CheckConstraint(
                condition=Q(need_share_bp__gte=1, need_share_bp__lte=FULL_SHARE),
                name="%(app_label)s_%(class)s_need_share_range",
            ),
            models.CheckConstraint(
                condition=Q(status=ServiceStatus.ACTIVE) | Q(retired_on__isnull=False),
                name="%(app_label)s_%(class)s_retired_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceFunding(models.Model):
    """The share of a budget line that funds a service; a line's shares add to at most 100 %."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="funding_links")
    budget_line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="service_links")
    share_bp = models.PositiveIntegerField(help_text="Basis points of the line: 10000 is all of it.")

    class Meta:
        ordering = ["service", "budget_line__financial_year", "budget_line__cost_centre"]
        constraints = [
            models.UniqueConstraint(fields=["service", "budget_line"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(
                condition=Q(share_bp__gte=1, share_bp__lte=FULL_SHARE),
                name="%(app_label)s_%(class)s_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share_bp / 100:.2f} % of {self.budget_line} to {self.service}"
