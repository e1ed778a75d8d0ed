"""Forms for reviews, remedial plans and escalation rules: they parse and label; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE, Checkboxes
from commissioning.performance.escalation import ESCALATING_RATINGS, MAX_CONSECUTIVE
from commissioning.performance.models import PlanStatus, Rag, ReviewKind, ReviewStatus


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _blank(choices: Any, label: str) -> list[tuple[str, str]]:
    return [("", label), *[(str(value), str(name)) for value, name in choices]]


class KpiChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.contract.reference} · {obj.code} {obj.name}"


class ContractChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} {obj.title} ({obj.provider.organisation.name})"


class ReviewsForm(NhsFormMixin, forms.Form):
    pass


class ReviewFilterForm(ReviewsForm):
    status = forms.ChoiceField(choices=_blank(ReviewStatus.choices, "Any status"), required=False)
    kind = forms.ChoiceField(choices=_blank(ReviewKind.choices, "Any kind"), required=False, label="Kind")
    contract = ContractChoice(queryset=None, required=False, empty_label="All contracts")
    provider: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All providers"
    )

    def __init__(self, *args: Any, contracts: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class ReviewForm(ReviewsForm):
    contract = ContractChoice(queryset=None)
    kind = forms.ChoiceField(choices=ReviewKind.choices, label="Kind of review")
    title = forms.CharField(max_length=200)
    scheduled_for = forms.DateField(widget=DATE, required=False, label="Scheduled for")
    trigger_kpi = KpiChoice(
        queryset=None,
        required=False,
        label="KPI that prompted it",
        help_text="If the review is about one KPI of the contract.",
    )

    def __init__(self, *args: Any, contracts: Any, kpis: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["trigger_kpi"].queryset = kpis  # type: ignore[attr-defined]
        if editing:
            del self.fields["contract"]


class HoldForm(ReviewsForm):
    held_on = forms.DateField(widget=DATE, label="Held on")
    attendees = forms.CharField(
        widget=_text(4), help_text="One person or post per line, with their organisation."
    )
    summary = forms.CharField(widget=_text(6), help_text="What the review found and what was agreed.")
    overall_rating = forms.ChoiceField(
        choices=Rag.choices, widget=forms.RadioSelect, label="Overall rating", initial=""
    )


class FindingForm(ReviewsForm):
    area = forms.CharField(
        max_length=100, help_text="For example Safe, Effective, Workforce, Finance or a KPI."
    )
    finding = forms.CharField(widget=_text(5))
    rating = forms.ChoiceField(choices=Rag.choices, widget=forms.RadioSelect)
    kpi = KpiChoice(queryset=None, required=False, label="KPI it is about")

    def __init__(self, *args: Any, kpis: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis  # type: ignore[attr-defined]


class PlanForm(ReviewsForm):
    summary = forms.CharField(
        widget=_text(5), help_text="What the plan must put right, and how success is judged."
    )
    review_by = forms.DateField(widget=DATE, label="Review progress by")


class ActionForm(ReviewsForm):
    action = forms.CharField(widget=_text(3))
    owner = forms.CharField(
        max_length=200, help_text="The person or post responsible, and their organisation."
    )
    due_on = forms.DateField(widget=DATE, label="Due on")


class CompleteActionForm(ReviewsForm):
    completed_on = forms.DateField(
        widget=DATE, required=False, label="Completed on", help_text="Leave blank for today."
    )


PLAN_STATUS_CHOICES = [
    (PlanStatus.AGREED.value, "Agreed with the provider"),
    (PlanStatus.COMPLETE.value, "Complete: every action done"),
    (PlanStatus.FAILED.value, "Not delivered"),
]


class PlanStatusForm(ReviewsForm):
    status = forms.ChoiceField(choices=PLAN_STATUS_CHOICES, widget=forms.RadioSelect, label="The plan is now")
    agreed_on = forms.DateField(
        widget=DATE, required=False, label="Agreed on", help_text="When agreeing it; leave blank for today."
    )


class CloseForm(ReviewsForm):
    """Nothing to fill in: the close button confirms."""


class RuleForm(ReviewsForm):
    is_active = forms.BooleanField(required=False, label="Rule is on")
    review_kind = forms.ChoiceField(choices=ReviewKind.choices, label="Opens a")
    consecutive_periods = forms.IntegerField(
        min_value=1,
        max_value=MAX_CONSECUTIVE,
        label="Reporting periods in a row",
        help_text="How many reported values in a row must miss the target.",
    )
    ratings = forms.MultipleChoiceField(
        choices=[(rating.value, rating.label) for rating in ESCALATING_RATINGS],
        widget=Checkboxes,
        label="Ratings that open a review",
        help_text="When a provider's latest rating falls to one of these.",
    )

    def __init__(self, *args: Any, trigger: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if trigger != "target_missed":
            del self.fields["consecutive_periods"]
        if trigger != "quality_rating":
            del self.fields["ratings"]


class MarkReadForm(ReviewsForm):
    notification = forms.IntegerField(required=False, widget=forms.HiddenInput)
