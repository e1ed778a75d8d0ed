"""Forms for the contract register: they parse and label; the services validate and decide.

The funding form is a formset of one row per funder's share; a service's refusal about one share
(keyed ``funding-<n>-<field>``) is put back on that row, so the error summary links to it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from commissioning.contracts.models import AwardRoute, ContractStatus, Frequency, PaymentBasis, Polarity
from commissioning.contracts.services import FundingShare
from commissioning.core.forms import NhsFormMixin
from commissioning.finance.forms import Pounds
from commissioning.governance.forms import DATE
from commissioning.governance.rules import financial_year_label
from commissioning.market.models import ServiceType

ENDING_CHOICES = [
    ("", "Any time"),
    ("6", "Within 6 months"),
    ("12", "Within 12 months"),
    ("18", "Within 18 months"),
]


def _set(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


def _blank(choices: Any, label: str) -> list[tuple[str, str]]:
    return [("", label), *[(str(value), str(name)) for value, name in choices]]


class ContractsForm(NhsFormMixin, forms.Form):
    pass


class RegisterFilterForm(ContractsForm):
    q = forms.CharField(required=False, label="Search", help_text="Reference, title, services or provider.")
    care_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="All care groups")
    service_type = forms.ChoiceField(choices=(), required=False, label="Service type")
    provider = forms.ModelChoiceField(queryset=None, required=False, empty_label="All providers")
    partner = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All partners", label="Lead or funding partner"
    )
    status = forms.ChoiceField(choices=(), required=False)
    ending = forms.ChoiceField(choices=ENDING_CHOICES, required=False, label="Ending")

    def __init__(self, *args: Any, care_groups: Any, providers: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["care_group"], care_groups)
        _set(self.fields["provider"], providers)
        _set(self.fields["partner"], partners)
        self.fields["service_type"].choices = _blank(ServiceType.choices, "All service types")  # type: ignore[attr-defined]
        self.fields["status"].choices = _blank(ContractStatus.choices, "Any status")  # type: ignore[attr-defined]


class ContractForm(ContractsForm):
    reference = forms.CharField(max_length=40)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    provider = forms.ModelChoiceField(queryset=None, help_text="From the partnership's provider register.")
    lead_commissioner = forms.ModelChoiceField(queryset=None, label="Lead commissioner")
    care_group = forms.ModelChoiceField(queryset=None, required=False, label="Care group")
    service_type = forms.ChoiceField(choices=ServiceType.choices, label="Service type")
    services = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The services in the specification.",
    )
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, label="Ends on", help_text="The last day of the contract.")
    extension_months = forms.IntegerField(
        min_value=0, max_value=600, initial=0, label="Extension allowed (months)"
    )
    extension_notes = forms.CharField(max_length=200, required=False, label="Extension terms")
    notice_months = forms.IntegerField(min_value=0, max_value=600, initial=3, label="Notice (months)")
    annual_value = Pounds(label="Value per year (£)")
    lifetime_value = Pounds(label="Value over the term (£)", help_text="The funding must add to this.")
    payment_basis = forms.ChoiceField(choices=PaymentBasis.choices, label="Payment basis")
    award_route = forms.ChoiceField(choices=AwardRoute.choices, label="How it was let")
    status = forms.ChoiceField(choices=ContractStatus.choices, initial=ContractStatus.ACTIVE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        providers: Any,
        partners: Any,
        care_groups: Any,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["provider"], providers)
        _set(self.fields["lead_commissioner"], partners)
        _set(self.fields["care_group"], care_groups)
        if editing:
            self.fields["version"].required = True
            self.fields["reference"].disabled = True
        else:
            del self.fields["version"]

    @staticmethod
    def initial_from(contract: Any) -> dict[str, Any]:
        names = (
            "reference",
            "title",
            "description",
            "service_type",
            "services",
            "starts_on",
            "ends_on",
            "extension_months",
            "extension_notes",
            "notice_months",
            "annual_value",
            "lifetime_value",
            "payment_basis",
            "award_route",
            "status",
            "version",
        )
        data = {name: getattr(contract, name) for name in names}
        data |= {
            "provider": contract.provider_id,
            "lead_commissioner": contract.lead_commissioner_id,
            "care_group": contract.care_group_id,
        }
        return data


class AwardForm(ContractsForm):
    """The contract an awarded procurement produced; most terms come from the procurement and the bid."""

    reference = forms.CharField(max_length=40)
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave blank to use the procurement's title."
    )
    lead_commissioner = forms.ModelChoiceField(queryset=None, label="Lead commissioner")
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, label="Ends on")
    lifetime_value = Pounds(
        label="Value over the term (£)",
        required=False,
        help_text="Leave blank to use the winning bid's price.",
    )
    annual_value = Pounds(
        label="Value per year (£)", required=False, help_text="Leave blank to spread the value over the term."
    )
    payment_basis = forms.ChoiceField(choices=PaymentBasis.choices, label="Payment basis")
    extension_months = forms.IntegerField(
        min_value=0, max_value=600, initial=0, label="Extension allowed (months)"
    )
    notice_months = forms.IntegerField(min_value=0, max_value=600, initial=3, label="Notice (months)")
    services = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["lead_commissioner"], partners)


class FundingForm(ContractsForm):
    organisation = forms.ModelChoiceField(queryset=None, required=False, label="Funder")
    amount = Pounds(required=False, label="Amount (£)")
    fund = forms.ModelChoiceField(queryset=None, required=False, label="From pooled fund")
    scheme = forms.ModelChoiceField(queryset=None, required=False, label="Scheme")
    budget_line = forms.ModelChoiceField(queryset=None, required=False, label="Budget line")

    def __init__(
        self, *args: Any, partners: Any, funds: Any, schemes: Any, budget_lines: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["organisation"], partners)
        _set(self.fields["fund"], funds)
        _set(self.fields["scheme"], schemes)
        _set(self.fields["budget_line"], budget_lines)
        self.fields["budget_line"].label_from_instance = _budget_line_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("organisation") is not None and data.get("amount") is None:
            self.add_error("amount", "Give the amount this partner pays.")
        if data.get("amount") is not None and data.get("organisation") is None:
            self.add_error("organisation", "Choose the partner that pays this amount.")
        return data


def _budget_line_label(line: Any) -> str:
    """e.g. "2025/26 Southampton City Council BCF01: Reablement"."""
    name = line.organisation.short_name or line.organisation.name
    return f"{financial_year_label(line.financial_year)} {name} {line.cost_centre}: {line.service_area}"


FundingFormSet = formset_factory(FundingForm, extra=3)


def funding_formset(
    data: Any, *, partners: Any, funds: Any, schemes: Any, budget_lines: Any, initial: Any = None
) -> Any:
    return FundingFormSet(
        data,
        prefix="funding",
        initial=initial,
        form_kwargs={"partners": partners, "funds": funds, "schemes": schemes, "budget_lines": budget_lines},
    )


def _filled(formset: Any) -> list[tuple[int, Any]]:
    return [
        (index, form)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data.get("organisation") is not None
    ]


def funding_of(formset: Any) -> list[FundingShare]:
    """A share for each filled row, in the order entered."""
    return [
        FundingShare(
            organisation=form.cleaned_data["organisation"],
            amount=form.cleaned_data["amount"],
            fund=form.cleaned_data.get("fund"),
            scheme=form.cleaned_data.get("scheme"),
            budget_line=form.cleaned_data.get("budget_line"),
        )
        for _, form in _filled(formset)
    ]


def put_back(error: ValidationError, form: Any, formset: Any) -> None:
    """A service's refusal on the fields it names: ``funding-<n>-<field>`` on the nth filled row."""
    rows = [form_ for _, form_ in _filled(formset)] if formset is not None else []
    rest: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "funding" and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            name = parts[2] if parts[2] in row.fields else None
            for message in messages:
                row.add_error(name, message)
        else:
            rest[key] = messages
    if rest:
        form.add_service_error(ValidationError(rest))


class OutcomeForm(ContractsForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class KpiForm(ContractsForm):
    code = forms.CharField(max_length=20, help_text="Short and unique within the contract, such as K1.")
    name = forms.CharField(max_length=200)
    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), help_text="What is counted, and how."
    )
    unit = forms.CharField(max_length=30, required=False, help_text="For example %, people or days.")
    target = forms.CharField(max_length=30, required=False, help_text="A number, such as 85 or 12.5.")
    polarity = forms.ChoiceField(choices=Polarity.choices, label="Which way is better")
    frequency = forms.ChoiceField(choices=Frequency.choices, label="Reported")
    outcome = forms.ModelChoiceField(queryset=None, required=False, label="Outcome it measures")

    def __init__(self, *args: Any, outcomes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["outcome"], outcomes)


class ExtendForm(ContractsForm):
    months = forms.IntegerField(min_value=1, max_value=600, label="Extend by (months)")


class EndForm(ContractsForm):
    ended_on = forms.DateField(
        widget=DATE, required=False, label="Ended on", help_text="Leave blank if it ran to its end date."
    )
    terminated = forms.BooleanField(required=False, label="Terminated early (not by expiry)")
