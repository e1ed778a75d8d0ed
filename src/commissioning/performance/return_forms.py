"""Forms for returns: they collect what was typed; ``performance.returns`` checks and decides,
so a figure typed in a form is judged by the same rules as one in a file or through the API."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.contracts.models import Contract
from commissioning.core.forms import NhsFormMixin
from commissioning.market.models import Provider
from commissioning.performance.returns import MAX_REASON, range_hint

SCHEDULE_STATUSES = [
    ("outstanding", "Due or late"),
    ("late", "Late"),
    ("due", "Due"),
    ("received", "Received"),
    ("all", "All"),
]


class ReturnForm(NhsFormMixin, forms.Form):
    value = forms.CharField(
        label="Figure for the period",
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    commentary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything that explains the figure: a change in the service, a data problem.",
    )

    def __init__(self, *args: Any, unit: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].help_text = range_hint(unit)
        self.fields["value"].widget.attrs["aria-describedby"] = "id_value-hint"


class CorrectionForm(ReturnForm):
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=MAX_REASON,
        help_text="Kept with the earlier figure in the return's history.",
    )


class QueryForm(NhsFormMixin, forms.Form):
    query = forms.CharField(
        label="Your question to the provider",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChaseForm(forms.Form):
    """The hidden fields of a Chase button on the overdue list."""

    kpi = forms.IntegerField()
    period_start = forms.DateField()
    message = forms.CharField(required=False, max_length=2000)


class ScheduleFilterForm(NhsFormMixin, forms.Form):
    status = forms.ChoiceField(choices=SCHEDULE_STATUSES, required=False, label="Show")
    provider: forms.ModelChoiceField[Provider] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All providers"
    )
    contract: forms.ModelChoiceField[Contract] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All contracts"
    )

    def __init__(
        self, *args: Any, providers: Any, contracts: Any, with_status: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        if not with_status:
            del self.fields["status"]

    def choice(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None
