"""Forms for frameworks and priorities; choices are limited to the partnership's own records."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.core.models import User
from commissioning.governance.forms import DATE, Checkboxes
from commissioning.partners.models import Partnership
from commissioning.strategy import selectors
from commissioning.strategy.framework_templates import framework_templates


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class OutcomeChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.framework.name}: {obj.title}"


class IndicatorChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.topic})" if obj.topic else obj.name


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class PriorityForm(NhsFormMixin, forms.Form):
    care_group = forms.ModelChoiceField(queryset=None, label="Care group", empty_label="Choose a care group")  # type: ignore[arg-type]
    title = forms.CharField(max_length=200, label="Title")
    statement = forms.CharField(widget=_text(3), label="What the partnership will achieve")
    rationale = forms.CharField(
        widget=_text(4), required=False, label="Why", help_text="The case from the evidence."
    )
    evidence = IndicatorChoices(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=Checkboxes,
        label="Evidence",
        help_text="The JSNA indicators the priority rests on.",
    )
    outcomes = OutcomeChoices(
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=Checkboxes,
        label="Outcomes it serves",
    )
    owner = OwnerChoice(queryset=None, required=False, label="Owner", empty_label="No one named")  # type: ignore[arg-type]
    owner_post = forms.CharField(
        max_length=200, required=False, label="Owner's post", help_text="e.g. Head of adult commissioning."
    )
    review_by = forms.DateField(widget=DATE, required=False, label="Review by")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_group"].queryset = partnership.care_groups.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["evidence"].queryset = selectors.indicators_of(partnership)  # type: ignore[attr-defined]
        self.fields["outcomes"].queryset = selectors.outcomes_of(partnership)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(memberships__partnership=partnership).distinct().order_by("username")
        )


class AgreeForm(NhsFormMixin, forms.Form):
    decision = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label="The decision that agreed it",
        help_text="An approved decision of this partnership's governance.",
        empty_label="Choose a decision",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = selectors.approved_decisions(partnership)  # type: ignore[attr-defined]


class AdoptForm(NhsFormMixin, forms.Form):
    template_key = forms.ChoiceField(widget=forms.RadioSelect, label="Framework")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_key"].choices = [(t.key, t.name) for t in framework_templates().values()]  # type: ignore[attr-defined]


class LinkIndicatorForm(NhsFormMixin, forms.Form):
    outcome = forms.ModelChoiceField(queryset=None, label="Outcome", empty_label="Choose an outcome")  # type: ignore[arg-type]
    indicator = forms.ModelChoiceField(queryset=None, label="Indicator", empty_label="Choose an indicator")  # type: ignore[arg-type]
    note = forms.CharField(max_length=255, required=False, label="Note", help_text="How it shows progress.")

    def __init__(self, *args: Any, partnership: Partnership, outcomes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = outcomes  # type: ignore[attr-defined]
        self.fields["indicator"].queryset = selectors.indicators_of(partnership)  # type: ignore[attr-defined]


class OutcomeForm(NhsFormMixin, forms.Form):
    code = forms.SlugField(max_length=40, label="Code", help_text="Short and unique, e.g. be-healthy.")
    title = forms.CharField(max_length=200, label="Outcome")
    description = forms.CharField(widget=_text(3), required=False, label="Description")
