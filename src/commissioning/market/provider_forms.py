"""Forms for the provider register: they parse and label; ``provider_services`` validates and decides."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE
from commissioning.market.models import CapacityUnit, QualityRating, RatingSource, Sector, ServiceType
from commissioning.partners.models import Organisation

PROVIDER_KIND_CHOICES = [
    ("", "Choose a kind"),
    (Organisation.Kind.NHS_TRUST.value, Organisation.Kind.NHS_TRUST.label),
    (Organisation.Kind.VCSE.value, Organisation.Kind.VCSE.label),
    (Organisation.Kind.PRIVATE_PROVIDER.value, Organisation.Kind.PRIVATE_PROVIDER.label),
]


def _set(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class ProviderForm(NhsFormMixin, forms.Form):
    """Register a provider: an organisation already known, or a new one with its identifiers."""

    organisation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="A new organisation (fill in below)",
        label="Organisation already known to the partnership",
    )
    name = forms.CharField(max_length=200, required=False, label="Name of a new organisation")
    kind = forms.ChoiceField(choices=PROVIDER_KIND_CHOICES, required=False, label="Kind of provider")
    sector = forms.ChoiceField(
        choices=[("", "From the kind of provider"), *Sector.choices],
        required=False,
        help_text="An NHS trust is NHS, a voluntary organisation VCSE and a private provider private, "
        "unless you say otherwise.",
    )
    companies_house_number = forms.CharField(max_length=8, required=False)
    charity_number = forms.CharField(max_length=10, required=False, label="Charity Commission number")
    ods_code = forms.CharField(max_length=6, required=False, label="ODS code")
    cqc_provider_id = forms.CharField(
        max_length=20, required=False, label="CQC provider ID", help_text="For example 1-101641421."
    )
    is_sme = forms.BooleanField(required=False, label="Small or medium enterprise")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["organisation"], organisations)


class ProviderEditForm(NhsFormMixin, forms.Form):
    sector = forms.ChoiceField(choices=Sector.choices)
    cqc_provider_id = forms.CharField(
        max_length=20, required=False, label="CQC provider ID", help_text="For example 1-101641421."
    )
    is_sme = forms.BooleanField(required=False, label="Small or medium enterprise")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class RatingForm(NhsFormMixin, forms.Form):
    rating = forms.ChoiceField(choices=QualityRating.choices)
    rated_on = forms.DateField(widget=DATE, label="Date of the rating", help_text="Not later than today.")
    source = forms.ChoiceField(choices=RatingSource.choices, initial=RatingSource.CQC, label="Rated by")
    location = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="The provider as a whole",
        help_text="The CQC rates each location as well as the provider.",
    )
    report_url = forms.URLField(required=False, label="Link to the report", assume_scheme="https")

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["location"], locations)


class LocationForm(NhsFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    cqc_location_id = forms.CharField(max_length=20, required=False, label="CQC location ID")
    postcode = forms.CharField(max_length=10, required=False)
    area = forms.ModelChoiceField(queryset=None, required=False, empty_label="Not given")

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["area"], areas)


class ServiceOfferForm(NhsFormMixin, forms.Form):
    service_type = forms.ChoiceField(choices=ServiceType.choices, label="Service")
    capacity = forms.IntegerField(min_value=0, required=False, help_text="Leave blank if not known.")
    capacity_unit = forms.ChoiceField(
        choices=[("", "Not given"), *CapacityUnit.choices], required=False, label="Capacity counted in"
    )
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="Not at one location")

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["location"], locations)


class RegisterFilterForm(NhsFormMixin, forms.Form):
    """The register's filters, read from the query string."""

    q = forms.CharField(required=False, label="Name")
    sector = forms.ChoiceField(choices=[("", "All"), *Sector.choices], required=False)
    rating = forms.ChoiceField(
        choices=[("", "All"), *QualityRating.choices], required=False, label="Latest rating"
    )
    service_type = forms.ChoiceField(
        choices=[("", "All"), *ServiceType.choices], required=False, label="Service"
    )
