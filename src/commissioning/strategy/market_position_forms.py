"""Forms for market position statements; every choice is limited to the partnership's own records."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.contracts.models import Contract
from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE
from commissioning.governance.models import Decision
from commissioning.market.models import ServiceType
from commissioning.partners.models import Area, CareGroup, Partnership
from commissioning.strategy import market_position_selectors as selectors
from commissioning.strategy.models import CommissioningStrategy, Direction, StatementKind, StrategicObjective


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StatementForm(NhsFormMixin, forms.Form):
    care_group = forms.ModelChoiceField(
        queryset=CareGroup.objects.none(), label="Care group", empty_label="Choose a care group"
    )
    kind = forms.ChoiceField(
        choices=StatementKind.choices, widget=forms.RadioSelect, label="Kind of statement"
    )
    financial_year = forms.IntegerField(
        label="Financial year",
        help_text="The year it starts in April, e.g. 2027 for 2027/28.",
        min_value=2000,
    )
    title = forms.CharField(
        max_length=200, required=False, label="Title", help_text="Leave blank for the usual title."
    )
    review_months = forms.IntegerField(
        label="Review every (months)",
        initial=12,
        min_value=1,
        help_text="How often the statement is refreshed.",
    )
    next_review_on = forms.DateField(widget=DATE, required=False, label="First review due")
    from_strategy = forms.ModelChoiceField(
        queryset=CommissioningStrategy.objects.none(),
        required=False,
        label="Seed intentions from a strategy",
        empty_label="Do not seed",
        help_text="Each service development's implication becomes an intention to edit.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_group"].queryset = selectors.care_groups_of(partnership)  # type: ignore[attr-defined]
        self.fields["from_strategy"].queryset = selectors.strategies_of(partnership)  # type: ignore[attr-defined]
        self.fields["from_strategy"].label_from_instance = lambda s: f"{s.care_group.name}: {s.title}"  # type: ignore[attr-defined]


class CommentaryForm(NhsFormMixin, forms.Form):
    text = forms.CharField(widget=_text(6), required=False, label="Commentary")


class IntentionForm(NhsFormMixin, forms.Form):
    service_type = forms.ChoiceField(choices=ServiceType.choices, label="Type of service")
    description = forms.CharField(max_length=255, label="Service or part of the market")
    direction = forms.ChoiceField(choices=Direction.choices, widget=forms.RadioSelect, label="Intention")
    starts_on = forms.DateField(widget=DATE, label="From")
    ends_on = forms.DateField(widget=DATE, required=False, label="To", help_text="Leave blank if open-ended.")
    rationale = forms.CharField(widget=_text(3), label="Why")
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(), required=False, label="Area", empty_label="Whole partnership"
    )
    objective = forms.ModelChoiceField(
        queryset=StrategicObjective.objects.none(),
        required=False,
        label="Strategic objective it serves",
        empty_label="None",
    )
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(), required=False, label="Contract", empty_label="None"
    )

    def __init__(self, *args: Any, partnership: Partnership, care_group_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = selectors.areas_of(partnership)  # type: ignore[attr-defined]
        self.fields["objective"].queryset = selectors.objectives_of(partnership, care_group_id)  # type: ignore[attr-defined]
        self.fields["contract"].queryset = selectors.contracts_of(partnership, care_group_id)  # type: ignore[attr-defined]


class SubmitForm(NhsFormMixin, forms.Form):
    decision = forms.ModelChoiceField(
        queryset=Decision.objects.none(),
        required=False,
        label="The governance decision",
        help_text="A proposed or approved strategy decision of this partnership.",
        empty_label="Choose a decision",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = selectors.statement_decisions(partnership)  # type: ignore[attr-defined]


class WithdrawForm(NhsFormMixin, forms.Form):
    reason = forms.CharField(widget=_text(3), required=False, label="Why it is withdrawn")
