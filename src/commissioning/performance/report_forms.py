"""Forms for the integrated performance report and the evaluation measures: they parse and label; the
services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from commissioning.core.dates import long_date
from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import DATE
from commissioning.governance.rules import financial_year_label
from commissioning.performance import evaluation


class ReportsForm(NhsFormMixin, forms.Form):
    pass


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.board.name}, {long_date(timezone.localdate(obj.starts_at))}"


class ReportForm(ReportsForm):
    title = forms.CharField(max_length=200, help_text="e.g. Integrated performance report to October 2026.")
    board: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Board")
    meeting = MeetingChoice(
        queryset=None,
        required=False,
        label="Meeting",
        help_text="The meeting of that board the report goes to, if it is set.",
    )
    period_end = forms.DateField(
        widget=DATE,
        label="Period end",
        help_text=(
            "The last day the report covers: KPIs are read as at this day, with the contracts then in force."
        ),
    )
    introduction = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="What the board should take from the report, in a few sentences.",
    )

    def __init__(self, *args: Any, boards: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards  # type: ignore[attr-defined]
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]


class CommentaryForm(ReportsForm):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Commentary",
        help_text="What the figures mean and what is being done. Leave it empty to remove the commentary.",
    )


class ConfirmForm(ReportsForm):
    """A button's form: nothing to fill in."""


class EvaluationValueForm(ReportsForm):
    measure = forms.ChoiceField(choices=(), label="Measure")
    financial_year = forms.TypedChoiceField(choices=(), coerce=int, label="Financial year")
    value = forms.DecimalField(
        label="Value",
        help_text="A percentage from 0 to 100 (e.g. 71.5), or for duplication a whole number of contracts.",
    )
    sample_size = forms.IntegerField(
        required=False, label="Sample size", help_text="For a survey: how many responded."
    )
    source = forms.CharField(
        max_length=255,
        label="Source",
        help_text="Where the figure comes from, e.g. Annual provider survey 2025/26.",
    )
    replace = forms.BooleanField(required=False, label="Replace the recorded value, if the year has one")

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure")] + [  # type: ignore[attr-defined]
            (str(spec.key), spec.label) for spec in evaluation.MEASURES
        ]
        self.fields["financial_year"].choices = [(year, financial_year_label(year)) for year in years]  # type: ignore[attr-defined]
