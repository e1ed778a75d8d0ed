"""The form that records a self-assessment: a summary, and optional commentary on each question."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.strategy.self_assessment import Assessment
from commissioning.strategy.self_assessment_services import MAX_COMMENTARY, MAX_SUMMARY


def field_name(key: str) -> str:
    """A question's key as a form field name (``needs.jsna_current`` → ``note__needs__jsna_current``)."""
    return "note__" + key.replace(".", "__")


class RecordForm(NhsFormMixin, forms.Form):
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=MAX_SUMMARY,
        label="Summary",
        help_text="What the partnership concludes, and what it will work on next.",
    )

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        self.keys: dict[str, str] = {}
        super().__init__(*args, **kwargs)
        for answered in assessment.answers:
            name = field_name(answered.question.key)
            self.keys[name] = answered.question.key
            self.fields[name] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=MAX_COMMENTARY,
                label=answered.question.text,
                help_text=f"{answered.answer.status_label}: {answered.answer.evidence}",
            )
        # The mixin dressed the fields it found at construction; dress the added ones the same way.
        for name in self.keys:
            field = self.fields[name]
            field.widget.attrs.setdefault("class", "nhsuk-textarea")
            field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def commentary(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(name) or "" for name, key in self.keys.items()}
