"""Forms for the procurement pages: they parse and label; the services validate and decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE, Checkboxes, PoundsField
from commissioning.market.models import (
    STAGE_ORDER,
    BidStatus,
    PanelRole,
    ProcurementCategory,
    ServiceType,
    Stage,
)

CONDITIONS = (
    ("existing_provider_satisfactory", "The existing provider is satisfactory (NHS health care)"),
    ("considerable_change", "The service changes considerably"),
    ("only_capable_provider", "Only one provider is capable of providing the service"),
    ("patient_choice", "Patients choose their provider"),
    (
        "most_suitable_provider_identifiable",
        "The most suitable provider can be identified without a competition",
    ),
)
CRITERION_ROWS = 8


def _set(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class MarketForm(NhsFormMixin, forms.Form):
    pass


class RouteFactsForm(MarketForm):
    """The facts the rules ask about; the route check and the new procurement share them."""

    category = forms.ChoiceField(
        choices=ProcurementCategory.choices, help_text="How procurement law classes what is bought."
    )
    commissioning_body = forms.ModelChoiceField(
        queryset=None, help_text="The partner that runs the procurement."
    )
    estimated_value = PoundsField(
        label="Estimated lifetime value", help_text="Including extensions and VAT, e.g. £750,000.00."
    )
    starts_on = forms.DateField(
        widget=DATE, label="Starts on", help_text="The day the procurement starts decides which rules apply."
    )
    vcse_only = forms.BooleanField(required=False, label="Reserved for the voluntary and community sector")
    conditions = forms.MultipleChoiceField(
        choices=CONDITIONS,
        required=False,
        widget=Checkboxes,
        help_text="Facts the NHS Provider Selection Regime asks about.",
    )

    def __init__(self, *args: Any, bodies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["commissioning_body"], bodies)


class ProcurementForm(RouteFactsForm):
    reference = forms.CharField(max_length=40, help_text="Your reference, e.g. SCC-2026-014.")
    title = forms.CharField(max_length=200, help_text="What is being bought.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    care_group = forms.ModelChoiceField(queryset=None, required=False)
    service_type = forms.ChoiceField(choices=ServiceType.choices, label="Type of service")
    contract_months = forms.IntegerField(
        min_value=1, max_value=600, initial=36, label="Contract length in months"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = (
        "reference",
        "title",
        "description",
        "care_group",
        "service_type",
        "category",
        "commissioning_body",
        "estimated_value",
        "contract_months",
        "starts_on",
        "vcse_only",
        "conditions",
    )

    def __init__(
        self, *args: Any, bodies: Any, care_groups: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, bodies=bodies, **kwargs)
        _set(self.fields["care_group"], care_groups)
        if editing:
            del self.fields["reference"]
            self.fields["version"].required = True
        else:
            del self.fields["version"]

    @staticmethod
    def initial_from(procurement: Any) -> dict[str, Any]:
        return {
            "title": procurement.title,
            "description": procurement.description,
            "care_group": procurement.care_group_id,
            "service_type": procurement.service_type,
            "category": procurement.category,
            "commissioning_body": procurement.commissioning_body_id,
            "estimated_value": procurement.estimated_value,
            "contract_months": procurement.contract_months,
            "starts_on": procurement.starts_on,
            "vcse_only": procurement.vcse_only,
            "conditions": list(procurement.conditions or ()),
            "version": procurement.version,
        }


class MilestoneForm(MarketForm):
    stage = forms.ChoiceField(choices=(), help_text="Stages are reached in order.")
    reached_on = forms.DateField(widget=DATE, label="Reached on")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        later = STAGE_ORDER[STAGE_ORDER.index(current) + 1 :]
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            (stage, Stage(stage).label) for stage in later if stage != Stage.AWARD
        ]


class PanelMemberForm(MarketForm):
    user = forms.ModelChoiceField(queryset=None, label="Person")
    role = forms.ChoiceField(choices=PanelRole.choices, help_text="Everyone on the panel sees the bids.")

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["user"], people)
        self.fields["user"].label_from_instance = lambda user: user.display_name  # type: ignore[attr-defined]


class CriterionForm(MarketForm):
    name = forms.CharField(max_length=200, required=False)
    weight = forms.DecimalField(
        max_digits=5, decimal_places=2, required=False, label="Weight (%)", widget=forms.TextInput
    )
    max_score = forms.IntegerField(min_value=1, max_value=100, required=False, label="Highest score")
    is_price = forms.BooleanField(required=False, label="Price criterion")
    description = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Every row is read, even one left as it was shown: the rows replace the criteria whole.
        kwargs["empty_permitted"] = False
        super().__init__(*args, **kwargs)


CriterionFormSet = forms.formset_factory(CriterionForm, extra=0)


def criterion_formset(data: Any, criteria: list[Any]) -> Any:
    """The criteria as rows, with blank rows to add more (up to eight in all)."""
    initial = [
        {
            "name": c.name,
            "weight": c.weight,
            "max_score": c.max_score,
            "is_price": c.is_price,
            "description": c.description,
        }
        for c in criteria
    ]
    initial += [{"max_score": 5}] * max(CRITERION_ROWS - len(initial), 0)
    return CriterionFormSet(data, initial=initial, prefix="criteria")


def criteria_rows(formset: Any) -> list[tuple[str, Decimal, bool, int, str]]:
    """The filled rows of the criteria formset, as ``set_criteria`` takes them."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data.get("name") and data.get("weight") is None:
            continue
        rows.append(
            (
                data.get("name") or "",
                data.get("weight") if data.get("weight") is not None else Decimal(0),
                bool(data.get("is_price")),
                data.get("max_score") or 5,
                data.get("description") or "",
            )
        )
    return rows


class BidForm(MarketForm):
    bidder = forms.CharField(
        max_length=200,
        help_text="The organisation's name, or its Companies House, charity or ODS number.",
    )
    received_on = forms.DateField(widget=DATE, label="Received on")
    price = PoundsField(label="Lifetime price", help_text="The total price bid, e.g. £640,000.00.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BidStatusForm(MarketForm):
    status = forms.ChoiceField(choices=BidStatus.choices)
    note = forms.CharField(required=False)


class ScoresForm(MarketForm):
    """One score (and a comment, or a rationale when moderating) per criterion."""

    def __init__(self, *args: Any, criteria: list[Any], moderating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.moderating = moderating
        for c in criteria:
            self.fields[f"score_{c.pk}"] = forms.DecimalField(
                label=f"{c.name} (0 to {c.max_score})",
                min_value=0,
                max_value=c.max_score,
                decimal_places=2,
                required=False,
                widget=forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-4"}),
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label="Rationale" if moderating else "Comment",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "nhsuk-textarea"}),
            )

    def rows(self) -> list[tuple[Any, Decimal, str]]:
        """(criterion, score, comment or rationale) for each criterion given a score."""
        return [
            (c, self.cleaned_data[f"score_{c.pk}"], self.cleaned_data.get(f"note_{c.pk}") or "")
            for c in self.criteria
            if self.cleaned_data.get(f"score_{c.pk}") is not None
        ]

    def pairs(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"score_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]


class AwardForm(MarketForm):
    bid = forms.ModelChoiceField(queryset=None, label="Winning bid", empty_label=None)
    awarded_on = forms.DateField(widget=DATE, label="Award decided on")

    def __init__(self, *args: Any, bids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self.fields["bid"], bids)
        self.fields["bid"].label_from_instance = (  # type: ignore[attr-defined]
            lambda bid: f"{bid.bidder.name} (£{bid.price:,.2f})"
        )


class CancelForm(MarketForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the procurement stops.")
