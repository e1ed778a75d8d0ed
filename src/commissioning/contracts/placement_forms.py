"""Forms for placements: they parse and label; ``contracts.placements`` validates and decides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from commissioning.contracts.models import SupportOption
from commissioning.contracts.placements import SERVICE_TYPES
from commissioning.core.forms import NhsFormMixin
from commissioning.finance.forms import Pounds
from commissioning.governance.forms import DATE

UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAX_UPLOAD_BYTES = 128 * 1024 * 1024
BANDS = (
    ("5-95", "Outside the 5th to 95th percentile"),
    ("10-90", "Outside the 10th to 90th percentile"),
    ("25-75", "Outside the 25th to 75th percentile (the interquartile range)"),
)


class PlacementForm(NhsFormMixin, forms.Form):
    person_ref = forms.CharField(
        label="Person reference",
        max_length=40,
        help_text="Your system's reference for the person: never their name or NHS number.",
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=12,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Checked and kept only as a keyed hash, so records can be linked; it is never shown.",
    )
    provider = forms.ModelChoiceField(queryset=None, empty_label="Choose a provider")  # type: ignore[arg-type]
    service_type = forms.ChoiceField(choices=list(SERVICE_TYPES.items()), label="Service type")
    care_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="None")  # type: ignore[arg-type]
    unit_price = Pounds(
        label="Unit price", help_text="The price of a week of a bed, an hour of care or a day."
    )
    units_per_week = forms.DecimalField(
        label="Units a week",
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput,
    )
    starts_on = forms.DateField(label="Starts on", widget=DATE)
    ends_on = forms.DateField(label="Ends on (optional)", required=False, widget=DATE)
    funding_organisation = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label="Funding partner",
        empty_label="Choose a partner",
    )
    support_option = forms.ChoiceField(
        choices=SupportOption.choices, label="How the person holds the money", initial=SupportOption.ARRANGED
    )
    contract = forms.ModelChoiceField(queryset=None, required=False, empty_label="No contract")  # type: ignore[arg-type]

    def __init__(
        self, *args: Any, providers: Any, care_groups: Any, funders: Any, contracts: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        self.fields["care_group"].queryset = care_groups  # type: ignore[attr-defined]
        self.fields["funding_organisation"].queryset = funders  # type: ignore[attr-defined]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]


class BandForm(NhsFormMixin, forms.Form):
    band = forms.ChoiceField(choices=BANDS, required=False, label="Show placements priced")

    def bounds(self) -> tuple[float, float]:
        chosen = self.cleaned_data.get("band") if self.is_valid() else None
        low, high = (chosen or "5-95").split("-")
        return int(low) / 100, int(high) / 100
