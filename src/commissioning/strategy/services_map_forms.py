"""Forms for the services map; every choice is limited to the partnership's own records (and the
services check again, so a forged choice is refused with a clear message)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from commissioning.contracts.models import Contract
from commissioning.core.forms import NhsFormMixin
from commissioning.finance.models import Scheme
from commissioning.finance.services import commissioning_partners
from commissioning.governance.forms import DATE, Checkboxes
from commissioning.governance.rules import financial_year_label
from commissioning.partners.models import Organisation, Partnership
from commissioning.strategy import selectors, services_map_selectors
from commissioning.strategy.models import CapacityUnit, Priority, StrategicObjective


class _Multiple(forms.ModelMultipleChoiceField):
    def __init__(self, label: str, help_text: str = "") -> None:
        super().__init__(queryset=None, required=False, widget=Checkboxes, label=label, help_text=help_text)


class ServiceForm(NhsFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What the service does"
    )
    commissioner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label="Commissioned and funded by",
        empty_label="Choose a partner",
    )
    care_groups = _Multiple("Care groups it serves")
    areas = _Multiple("Areas", "Leave blank if it covers the whole partnership.")
    outcomes = _Multiple("Outcomes it serves")
    priorities = _Multiple("Priorities it serves")
    objectives = _Multiple("Strategic objectives it delivers")
    schemes = _Multiple("Schemes it belongs to")
    contracts = _Multiple("Contracts that deliver it")
    is_prevention = forms.BooleanField(required=False, label="Prevention and early intervention")
    capacity_unit = forms.ChoiceField(
        choices=[("", "Not counted"), *CapacityUnit.choices], required=False, label="Capacity is counted in"
    )
    capacity = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        label="Commissioned capacity",
        help_text="Leave blank to count the active placements under its contracts.",
    )
    need_measure: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Need it meets",
        empty_label="None",
        help_text="A projected need from the needs assessment, to compare with the capacity.",
    )
    need_share_percent = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        decimal_places=2,
        initial=Decimal("100"),
        label="Share of the people with that need it is for (%)",
        help_text="e.g. 30 for care home beds against everyone living with dementia.",
    )
    units_per_person = forms.DecimalField(
        max_digits=8,
        decimal_places=2,
        initial=Decimal("1"),
        label="Capacity one person uses",
        help_text="e.g. 1 bed, or 10 hours of home care a week.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["commissioner"].queryset = Organisation.objects.filter(
            pk__in=list(commissioning_partners(partnership))
        ).order_by("name")
        fields["care_groups"].queryset = partnership.care_groups.filter(is_active=True).order_by("position")
        fields["areas"].queryset = partnership.areas.order_by("name")
        fields["outcomes"].queryset = selectors.outcomes_of(partnership)
        fields["outcomes"].label_from_instance = lambda o: f"{o.framework.name}: {o.title}"
        fields["priorities"].queryset = (
            Priority.objects.filter(partnership=partnership)
            .exclude(status="retired")
            .select_related("care_group")
            .order_by("care_group__position", "title")
        )
        fields["priorities"].label_from_instance = lambda p: f"{p.care_group.name}: {p.title}"
        fields["objectives"].queryset = (
            StrategicObjective.objects.filter(strategy__partnership=partnership)
            .select_related("strategy")
            .order_by("strategy__title", "position")
        )
        fields["objectives"].label_from_instance = lambda o: (
            f"{o.strategy.title}: {o.position}. {o.objective[:80]}"
        )
        fields["schemes"].queryset = Scheme.objects.filter(fund__partnership=partnership).order_by("name")
        fields["contracts"].queryset = Contract.objects.filter(partnership=partnership).order_by("reference")
        fields["need_measure"].queryset = partnership.need_measures.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("care_groups", "areas", "outcomes", "priorities", "objectives", "schemes", "contracts"):
            data[name] = list(data.get(name) or [])
        data["capacity_unit"] = data.get("capacity_unit") or ""
        percent = data.pop("need_share_percent", None)
        data["need_share_bp"] = None if percent is None else int(percent * 100)
        return data


class FundingForm(NhsFormMixin, forms.Form):
    budget_line: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label="Budget line",
        empty_label="Choose a budget line",
    )
    share_percent = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        decimal_places=2,
        label="Share of the line that funds the service (%)",
        help_text="e.g. 100 if the whole line funds it, 40 if it shares the line with other services.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["budget_line"]
        field.queryset = services_map_selectors.budget_lines_of(partnership)
        field.label_from_instance = lambda b: (
            f"{financial_year_label(b.financial_year)} {b.organisation.name} {b.cost_centre} "
            f"{b.service_area}: £{b.amount:,.2f}"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        percent = data.pop("share_percent", None)
        data["share_bp"] = None if percent is None else int(percent * 100)
        return data


class RetireForm(NhsFormMixin, forms.Form):
    retired_on = forms.DateField(widget=DATE, label="The service ended on")


class MapFilterForm(NhsFormMixin, forms.Form):
    year = forms.TypedChoiceField(coerce=int, required=False, label="Financial year")
    care_group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Care group", empty_label="All"
    )
    area: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Area", empty_label="All"
    )
    outcome: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Outcome", empty_label="All"
    )
    little_spend = forms.DecimalField(
        min_value=Decimal("0"),
        decimal_places=2,
        required=False,
        label="Little spend (£ a year)",
        help_text="A priority outcome with less mapped spend than this shows as a gap.",
    )

    def __init__(self, *args: Any, partnership: Partnership, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["year"].choices = [(y, financial_year_label(y)) for y in years]
        fields["care_group"].queryset = partnership.care_groups.order_by("position")
        fields["area"].queryset = partnership.areas.order_by("name")
        fields["outcome"].queryset = selectors.outcomes_of(partnership)
