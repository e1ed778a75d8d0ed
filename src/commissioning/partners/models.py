"""Partners: organisations, areas, partnerships, care groups and people's memberships."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from commissioning.core.permissions import ROLE_CHOICES
from commissioning.partners import identifiers
from commissioning.partners.identifiers import org_identifier

IDENTIFIER_RULES: dict[str, Callable[[str], str | None]] = {
    "ods_code": identifiers.check_ods_code,
    "gss_code": identifiers.check_gss_code,
    "companies_house_number": identifiers.check_companies_house_number,
    "charity_number": identifiers.check_charity_number,
}


class Organisation(models.Model):
    """A commissioner or a provider. One model with a kind, not a model per kind."""

    class Kind(models.TextChoices):
        ICB = "icb", "Integrated care board"
        CCG = "ccg", "Clinical commissioning group"
        PCT = "pct", "Primary care trust"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        NHS_TRUST = "nhs_trust", "NHS trust"
        VCSE = "vcse", "Voluntary, community or social enterprise"
        PRIVATE_PROVIDER = "private_provider", "Private provider"

    COMMISSIONING_KINDS = (Kind.ICB, Kind.CCG, Kind.PCT, Kind.LOCAL_AUTHORITY)

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ods_code = models.CharField("ODS code", max_length=6, blank=True)
    gss_code = models.CharField("ONS GSS code", max_length=9, blank=True)
    companies_house_number = models.CharField(max_length=8, blank=True)
    charity_number = models.CharField("Charity Commission number", max_length=10, blank=True)
    la_code = models.CharField(
        "Local authority register code",
        max_length=4,
        blank=True,
        help_text="The three- or four-letter code in the register of local authorities (e.g. STH).",
    )
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["icb", "ccg", "pct", "local_authority", "nhs_trust", "vcse", "private_provider"]
                ),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["ods_code"], condition=~Q(ods_code=""), name="%(app_label)s_%(class)s_ods_unique"
            ),
            models.UniqueConstraint(
                fields=["gss_code"], condition=~Q(gss_code=""), name="%(app_label)s_%(class)s_gss_unique"
            ),
            models.UniqueConstraint(
                fields=["companies_house_number"],
                condition=~Q(companies_house_number=""),
                name="%(app_label)s_%(class)s_coh_unique",
            ),
            models.UniqueConstraint(
                fields=["charity_number"],
                condition=~Q(charity_number=""),
                name="%(app_label)s_%(class)s_charity_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Identifiers must be well formed and belong to no other organisation."""
        errors: dict[str, str] = {}
        for field, check in IDENTIFIER_RULES.items():
            value = identifiers.normalise(getattr(self, field))
            setattr(self, field, value)
            if not value:
                continue
            problem = check(value)
            if problem is None:
                clash = Organisation.objects.filter(**{field: value}).exclude(pk=self.pk).first()
                if clash is not None:
                    label = self._meta.get_field(field).verbose_name
                    problem = f"{clash.name} already has the {label} {value}; each is unique."
            if problem:
                errors[field] = problem
        self.la_code = identifiers.normalise(self.la_code)
        if self.la_code and not re.fullmatch(r"[A-Z]{3,4}", self.la_code):
            errors["la_code"] = "A local authority register code is three or four capital letters (e.g. STH)."
        if self.kind == self.Kind.LOCAL_AUTHORITY and self.companies_house_number:
            errors["companies_house_number"] = "A local authority has no Companies House number."
        if errors:
            raise ValidationError(errors)

    @property
    def is_commissioner(self) -> bool:
        return self.kind in self.COMMISSIONING_KINDS

    @property
    def org_id(self) -> str:
        return org_identifier(
            companies_house_number=self.companies_house_number,
            charity_number=self.charity_number,
            ods_code=self.ods_code,
            la_code=self.la_code,
        )


class Area(models.Model):
    """A geography with an ONS GSS code. Areas are reorganised, so each has validity dates."""

    class AreaType(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        COUNTY = "county", "County"
        UNITARY = "unitary", "Unitary authority"
        METROPOLITAN_DISTRICT = "metropolitan_district", "Metropolitan district"
        LONDON_BOROUGH = "london_borough", "London borough"
        NON_METROPOLITAN_DISTRICT = "non_metropolitan_district", "Non-metropolitan district"
        COMBINED_AUTHORITY = "combined_authority", "Combined authority"
        ICB = "icb", "Integrated care board"
        SUB_ICB = "sub_icb", "Sub-ICB location"
        LOCALITY = "locality", "Locality"
        WARD = "ward", "Ward"

    gss_code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=200)
    area_type = models.CharField(max_length=30, choices=AreaType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    comparators = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=False,
        related_name="compared_by",
        help_text="The areas this one is benchmarked against (e.g. its statistical neighbours).",
    )
    register_code = models.CharField(max_length=4, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    replaced_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.gss_code = identifiers.normalise(self.gss_code)
        problem = identifiers.check_gss_code(self.gss_code)
        if problem is None and Area.objects.filter(gss_code=self.gss_code).exclude(pk=self.pk).exists():
            problem = f"An area with the GSS code {self.gss_code} already exists; each is unique."
        if problem:
            errors["gss_code"] = problem
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = "An area cannot stop being valid before it starts."
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = "An area cannot be its own parent."
        if errors:
            raise ValidationError(errors)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Partnership(models.Model):
    """Two or more commissioning organisations that commission jointly."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="partnerships")
    organisations = models.ManyToManyField(
        Organisation, through="PartnershipMember", related_name="partnerships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnershipMember(models.Model):
    """An organisation's place in a partnership: the host, a partner, or an associate."""

    class Role(models.TextChoices):
        HOST = "host", "Host"
        PARTNER = "partner", "Partner"
        ASSOCIATE = "associate", "Associate"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partnership_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTNER)
    joined_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="%(app_label)s_%(class)s_once"
            ),
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(role="host"),
                name="%(app_label)s_%(class)s_one_host",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["host", "partner", "associate"]),
                name="%(app_label)s_%(class)s_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()}) in {self.partnership}"


class CareGroup(models.Model):
    """A population a strategy serves; each partnership keeps its own list."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="care_groups")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["partnership", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "slug"], name="%(app_label)s_%(class)s_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["partnership", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = self.name.strip()
        clash = CareGroup.objects.filter(partnership_id=self.partnership_id).exclude(pk=self.pk)
        errors: dict[str, str] = {}
        if clash.filter(name__iexact=self.name).exists():
            errors["name"] = f"This partnership already has a care group called {self.name}."
        elif clash.filter(slug=self.slug).exists():
            errors["slug"] = f"This partnership already has a care group with the slug {self.slug}."
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """A person acting for an organisation in a partnership, with one role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff_memberships")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership", "organisation", "role"],
                name="%(app_label)s_%(class)s_once",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[value for value, _ in ROLE_CHOICES]),
                name="%(app_label)s_%(class)s_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} for {self.organisation}"
