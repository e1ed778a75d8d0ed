"""Forms for the Resources pages: they parse and label; the services validate and decide.

Amounts are pounds and pence as ``Decimal`` (never float): "£1,234.56", "1234.56" and "1,234"
are read; "12.345" and "1e3" are refused rather than rounded or guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.finance.models import Arrangement, LedgerImport, RiskShareRule, Tier
from commissioning.governance.forms import DATE, PoundsField
from commissioning.governance.rules import financial_year_label

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".pq")
_POUNDS = re.compile(r"-?\d+(\.\d+)?")
_PERCENT = re.compile(r"\d+(\.\d+)?")


class Pounds(PoundsField):
    """Pounds and pence, written out: at most two decimal places, no exponents."""

    default_error_messages = {
        "invalid": "Enter an amount in pounds and pence, like £1,234.56.",
        "max_decimal_places": "Enter pounds and pence: no more than 2 decimal places.",
        "min_value": "Enter an amount of £0.00 or more.",
    }

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            cleaned = value.strip().replace("£", "").replace(",", "").replace(" ", "")
            if cleaned and not _POUNDS.fullmatch(cleaned):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class Percent(forms.DecimalField):
    """A share as a percentage with up to two places: "25", "33.33" or "25 %" → basis points."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(100))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.error_messages["max_decimal_places"] = "Enter a percentage with no more than 2 decimal places."

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace("%", "").replace(" ", "")
            if value and not _PERCENT.fullmatch(value):
                raise forms.ValidationError("Enter a percentage, like 25 or 33.33.", code="invalid")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}


def basis_points(percent: Decimal) -> int:
    """25.5 % is 2550 basis points (the field allows two places, so this is exact)."""
    return int(percent * 100)


def year_label(year: int) -> str:
    return financial_year_label(year)


def year_choices(years: Iterable[int]) -> list[tuple[int, str]]:
    return [(year, year_label(year)) for year in sorted(set(years))]


def _set(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class FinanceForm(NhsFormMixin, forms.Form):
    def add_field(self, name: str, field: forms.Field) -> None:
        """A field added after the form is made, dressed as ``NhsFormMixin`` dresses the others."""
        field.widget.attrs.setdefault("class", "nhsuk-input")
        if field.help_text:
            field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
        self.fields[name] = field


def _partner_field(name: str) -> str:
    return f"partner_{name}"


# Funds -------------------------------------------------------------------------------------


class FundForm(FinanceForm):
    name = forms.CharField(max_length=200)
    host = forms.ModelChoiceField(
        queryset=None, help_text="The partner that holds the fund and pays its bills."
    )
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    agreement = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The Section 75 (or other) agreement the fund is made under."
    )
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, label="Ends on", required=False)
    risk_share_rule = forms.ChoiceField(
        choices=RiskShareRule.choices,
        label="How an overspend or underspend is shared",
        initial=RiskShareRule.PROPORTIONAL,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, partners: Any, agreements: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["host"], partners)
        _set(self.fields["agreement"], agreements)
        if not editing:
            del self.fields["version"]
        else:
            self.fields["version"].required = True

    @staticmethod
    def initial_from(fund: Any) -> dict[str, Any]:
        return {
            "name": fund.name,
            "host": fund.host_id,
            "purpose": fund.purpose,
            "agreement": fund.agreement_id,
            "starts_on": fund.starts_on,
            "ends_on": fund.ends_on,
            "risk_share_rule": fund.risk_share_rule,
            "version": fund.version,
        }


class PerPartnerForm(FinanceForm):
    """A form with one or more fields per partner, named ``partner_<id>`` (and ``cap_<id>``)."""

    def __init__(self, *args: Any, partners: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = list(partners)

    def partner_fields(self) -> list[forms.BoundField]:
        return [self[_partner_field(str(org.pk))] for org in self.partners]


class ContributionsForm(PerPartnerForm):
    """Each partner's contribution to the fund for one year; the shares follow from the amounts."""

    financial_year = forms.TypedChoiceField(coerce=int, choices=(), label="Financial year")

    def __init__(self, *args: Any, partners: Sequence[Any], years: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, partners=partners, **kwargs)
        self.fields["financial_year"].choices = year_choices(years)  # type: ignore[attr-defined]
        for org in self.partners:
            self.add_field(
                _partner_field(str(org.pk)),
                Pounds(
                    label=f"Contribution from {org.name}", help_text="In pounds, for example £1,250,000.00."
                ),
            )

    def amounts(self) -> dict[Any, Decimal]:
        return {org: self.cleaned_data[_partner_field(str(org.pk))] for org in self.partners}


class RiskSharesForm(PerPartnerForm):
    """Each partner's fixed share of an over- or underspend, and the most it carries (capped rule)."""

    def __init__(self, *args: Any, partners: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, partners=partners, **kwargs)
        for org in self.partners:
            self.add_field(
                _partner_field(str(org.pk)),
                Percent(
                    label=f"Share carried by {org.name} (%)", help_text="The shares must add up to 100 %."
                ),
            )
            self.add_field(
                f"cap_{org.pk}",
                Pounds(
                    label=f"Most {org.name} carries",
                    required=False,
                    help_text="For the capped rule; leave blank for no cap. The host carries the rest.",
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shares = [data.get(_partner_field(str(org.pk))) for org in self.partners]
        if all(share is not None for share in shares) and sum(shares, Decimal(0)) != 100:  # type: ignore[arg-type]
            raise forms.ValidationError(
                f"The shares add up to {sum(shares, Decimal(0)):.2f} %; they must add up to 100 %."  # type: ignore[arg-type]
            )
        return data

    def shares(self) -> dict[Any, tuple[int, Decimal | None]]:
        return {
            org: (
                basis_points(self.cleaned_data[_partner_field(str(org.pk))]),
                self.cleaned_data.get(f"cap_{org.pk}"),
            )
            for org in self.partners
        }

    @staticmethod
    def initial_from(risk_shares: Iterable[Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for share in risk_shares:
            initial[_partner_field(str(share.organisation_id))] = Decimal(share.share_bp) / 100
            initial[f"cap_{share.organisation_id}"] = share.cap
        return initial


class SchemeForm(PerPartnerForm):
    """A scheme in the fund, with each partner's planned expenditure on it for one year."""

    name = forms.CharField(max_length=200)
    scheme_type = forms.CharField(
        max_length=120,
        label="Type of scheme",
        help_text="For example Reablement, Carers' services, Home care.",
    )
    commissioner = forms.ModelChoiceField(queryset=None, help_text="The partner that commissions it.")
    provider_type = forms.CharField(
        max_length=120,
        required=False,
        label="Type of provider",
        help_text="For example NHS community provider, Voluntary sector, Independent sector.",
    )
    provider = forms.ModelChoiceField(queryset=None, required=False)
    tier = forms.ChoiceField(choices=Tier.choices, initial=Tier.COMMUNITY)
    care_group = forms.ModelChoiceField(queryset=None, required=False, label="Care group")
    financial_year = forms.TypedChoiceField(coerce=int, choices=(), label="Year of the planned expenditure")

    def __init__(
        self,
        *args: Any,
        partners: Sequence[Any],
        organisations: Any,
        care_groups: Any,
        years: Iterable[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, partners=partners, **kwargs)
        _set(self.fields["commissioner"], partners)
        _set(self.fields["provider"], organisations)
        _set(self.fields["care_group"], care_groups)
        self.fields["financial_year"].choices = year_choices(years)  # type: ignore[attr-defined]
        for org in self.partners:
            self.add_field(
                _partner_field(str(org.pk)),
                Pounds(
                    label=f"Planned expenditure from {org.name}",
                    required=False,
                    help_text="Leave blank for none.",
                ),
            )

    def scheme_fields(self) -> dict[str, Any]:
        names = ("name", "scheme_type", "commissioner", "provider_type", "provider", "tier", "care_group")
        return {name: self.cleaned_data[name] for name in names}

    def funding(self) -> list[tuple[Any, int, Decimal]]:
        year = self.cleaned_data["financial_year"]
        return [
            (org, year, amount)
            for org in self.partners
            if (amount := self.cleaned_data.get(_partner_field(str(org.pk)))) is not None
        ]


# Budget lines ------------------------------------------------------------------------------


class BudgetLineForm(FinanceForm):
    organisation = forms.ModelChoiceField(queryset=None, label="Partner")
    financial_year = forms.TypedChoiceField(coerce=int, choices=(), label="Financial year")
    cost_centre = forms.CharField(
        max_length=30, help_text="The ledger's code, used to match actuals to the line."
    )
    service_area = forms.CharField(max_length=120)
    care_group = forms.ModelChoiceField(queryset=None, required=False, label="Care group")
    tier = forms.ChoiceField(choices=Tier.choices)
    arrangement = forms.ChoiceField(choices=Arrangement.choices, initial=Arrangement.SINGLE)
    fund = forms.ModelChoiceField(
        queryset=None, required=False, label="Pooled fund", help_text="For pooled lines."
    )
    scheme = forms.ModelChoiceField(queryset=None, required=False)
    amount = Pounds(label="Budget", help_text="In pounds, for example £250,000.00.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        partners: Any,
        care_groups: Any,
        funds: Any,
        schemes: Any,
        years: Iterable[int],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["organisation"], partners)
        _set(self.fields["care_group"], care_groups)
        _set(self.fields["fund"], funds)
        _set(self.fields["scheme"], schemes)
        self.fields["scheme"].label_from_instance = lambda s: f"{s.name} ({s.fund.name})"  # type: ignore[attr-defined]
        self.fields["financial_year"].choices = year_choices(years)  # type: ignore[attr-defined]
        if editing:
            self.fields["version"].required = True
        else:
            del self.fields["version"]

    def line_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    @staticmethod
    def initial_from(line: Any) -> dict[str, Any]:
        return {
            "organisation": line.organisation_id,
            "financial_year": line.financial_year,
            "cost_centre": line.cost_centre,
            "service_area": line.service_area,
            "care_group": line.care_group_id,
            "tier": line.tier,
            "arrangement": line.arrangement,
            "fund": line.fund_id,
            "scheme": line.scheme_id,
            "amount": line.amount,
            "version": line.version,
        }


class BudgetFilterForm(FinanceForm):
    """The budget lines' filters, read from the query string."""

    year = forms.TypedChoiceField(coerce=int, choices=(), required=False, label="Financial year")
    organisation = forms.ModelChoiceField(queryset=None, required=False, label="Partner", empty_label="All")
    tier = forms.ChoiceField(choices=[("", "All"), *Tier.choices], required=False)
    arrangement = forms.ChoiceField(choices=[("", "All"), *Arrangement.choices], required=False)

    def __init__(self, *args: Any, partners: Any, years: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["organisation"], partners)
        self.fields["year"].choices = [("", "All"), *year_choices(years)]  # type: ignore[attr-defined]


# Imports -----------------------------------------------------------------------------------


class LedgerUploadForm(FinanceForm):
    kind = forms.ChoiceField(
        choices=LedgerImport.Kind.choices,
        label="What the file holds",
        initial=LedgerImport.Kind.LEDGER,
        help_text=(
            "A ledger extract has cost_centre, period (YYYY-MM), amount and partner (ODS or GSS code). "
            "A spend over £500 file is in the Local Government Transparency Code layout. "
            "A forecasts file has cost_centre, partner, made_in (YYYY-MM) and outturn."
        ),
    )
    financial_year = forms.TypedChoiceField(coerce=int, choices=(), label="Financial year")
    organisation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Council that published the spend file",
        help_text="Only for a spend over £500 file: every row is that council's spend.",
    )
    file = forms.FileField(label="File", help_text="CSV, Excel (.xlsx) or Parquet.")

    def __init__(self, *args: Any, years: Iterable[int], partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = year_choices(years)  # type: ignore[attr-defined]
        _set(self.fields["organisation"], partners)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError("Choose a .csv, .xlsx or .parquet file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 512 MB; import it with the command line.")
        return upload
