"""The form on a KPI's page: recalculate its SPC limits from a period, with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin


class RebaseForm(NhsFormMixin, forms.Form):
    period_start = forms.TypedChoiceField(
        coerce=dt.date.fromisoformat,
        label="Recalculate the limits from",
        help_text="The first period after the change to the service. Earlier periods keep their limits.",
    )
    reason = forms.CharField(
        max_length=255,
        label="Why the limits are recalculated",
        help_text="For example: new model of care from July; the definition changed.",
    )

    def __init__(self, *args: Any, periods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period_start"].choices = [("", "Choose a period"), *periods]  # type: ignore[attr-defined]
