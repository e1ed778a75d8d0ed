"""Forms for commissioning strategies; every choice is limited to the partnership's own records."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE, Checkboxes
from commissioning.partners.models import Partnership
from commissioning.strategy import selectors, strategy_selectors
from commissioning.strategy.models import (
    CommissioningStrategy,
    ImplicationKind,
    Priority,
    StrategyHorizon,
)


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OutcomeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.framework.name}: {obj.title}"


class StrategyForm(NhsFormMixin, forms.Form):
    care_group = forms.ModelChoiceField(queryset=None, label="Care group", empty_label="Choose a care group")  # type: ignore[arg-type]
    title = forms.CharField(max_length=200, label="Title")
    horizon = forms.ChoiceField(choices=StrategyHorizon.choices, widget=forms.RadioSelect, label="Horizon")
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, label="Ends on")
    purpose = forms.CharField(widget=_text(4), label="Purpose")
    commitments = forms.CharField(widget=_text(4), required=False, label="Commitments")
    legislation = forms.CharField(
        widget=_text(3), required=False, label="Legislation and guidance", help_text="e.g. Care Act 2014."
    )
    priorities = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=Checkboxes,
        label="Priorities it delivers",
        help_text="Priorities of the strategy's care group.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_group"].queryset = partnership.care_groups.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["priorities"].queryset = (  # type: ignore[attr-defined]
            Priority.objects.filter(partnership=partnership)
            .exclude(status="retired")
            .select_related("care_group")
            .order_by("care_group__position", "title")
        )
        self.fields["priorities"].label_from_instance = lambda p: f"{p.care_group.name}: {p.title}"  # type: ignore[attr-defined]


class ObjectiveForm(NhsFormMixin, forms.Form):
    text = forms.CharField(widget=_text(3), label="Strategic objective")
    priority = forms.ModelChoiceField(
        queryset=None, required=False, label="Priority it serves", empty_label="None"
    )  # type: ignore[arg-type]
    outcome = OutcomeChoice(queryset=None, required=False, label="Outcome it serves", empty_label="None")  # type: ignore[arg-type]

    def __init__(self, *args: Any, strategy: CommissioningStrategy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partnership = strategy.partnership
        self.fields["priority"].queryset = Priority.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership, care_group=strategy.care_group
        ).order_by("title")
        self.fields["outcome"].queryset = selectors.outcomes_of(partnership)  # type: ignore[attr-defined]


class DevelopmentForm(NhsFormMixin, forms.Form):
    description = forms.CharField(widget=_text(3), label="The gap: the service development")
    for_whom = forms.CharField(max_length=255, label="For whom")
    where = forms.CharField(max_length=255, required=False, label="Where")
    areas = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=Checkboxes, label="Areas")  # type: ignore[arg-type]
    by_when = forms.DateField(widget=DATE, label="By when")
    rationale = forms.CharField(widget=_text(3), label="Rationale")
    implication = forms.ChoiceField(
        choices=[("", "Choose one"), *ImplicationKind.choices], label="Commissioning implication"
    )
    implications = forms.CharField(
        widget=_text(3),
        required=False,
        label="What it means",
        help_text="Contract renegotiation, redistribution of resources, what changes.",
    )
    transition_cost = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, label="Transition cost (£)"
    )
    success_measure = forms.CharField(widget=_text(2), required=False, label="How success is measured")
    contract = forms.ModelChoiceField(
        queryset=None, required=False, label="Contract affected", empty_label="None"
    )  # type: ignore[arg-type]

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = partnership.areas.order_by("name")  # type: ignore[attr-defined]
        self.fields["contract"].queryset = partnership.contracts.order_by("reference")  # type: ignore[attr-defined]


class ActionForm(NhsFormMixin, forms.Form):
    action = forms.CharField(widget=_text(2), label="Action")
    owner = forms.CharField(max_length=200, label="Owner", help_text="A post or team.")
    due_on = forms.DateField(widget=DATE, label="Due on")
    done_on = forms.DateField(widget=DATE, required=False, label="Done on")
    objective = forms.ModelChoiceField(queryset=None, required=False, label="Objective", empty_label="None")  # type: ignore[arg-type]

    def __init__(self, *args: Any, strategy: CommissioningStrategy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = strategy.objectives.order_by("position")  # type: ignore[attr-defined]


class MeasureForm(NhsFormMixin, forms.Form):
    measure = forms.CharField(max_length=255, label="Measure of success")
    indicator = forms.ModelChoiceField(
        queryset=None, required=False, label="JSNA indicator", empty_label="None"
    )  # type: ignore[arg-type]
    target = forms.CharField(max_length=255, required=False, label="Target")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = selectors.indicators_of(partnership)  # type: ignore[attr-defined]


class SubmitForm(NhsFormMixin, forms.Form):
    decision = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        label="The governance decision",
        help_text="A proposed or approved strategy decision of this partnership.",
        empty_label="Choose a decision",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = strategy_selectors.strategy_decisions(partnership)  # type: ignore[attr-defined]
