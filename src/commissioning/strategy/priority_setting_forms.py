"""Forms for priority-setting rounds; every choice is limited to the partnership's own records.

The forms only parse; the services check the rules (weights adding to 100, scores on the scale)
and their messages land back on the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.governance.forms import Checkboxes
from commissioning.partners.models import Partnership
from commissioning.strategy import priority_setting_selectors as selectors
from commissioning.strategy.models import (
    OptionKind,
    PanelMember,
    PanelRole,
    Priority,
    PriorityRound,
    RoundCriterion,
    RoundOption,
    RoundStatus,
)
from commissioning.strategy.priority_setting import CriterionRow, ScoreEntry, cell

SCALES = [(5, "0 to 5"), (10, "0 to 10")]


class RoundForm(NhsFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Name", help_text="e.g. Investment and savings 2027/28.")
    financial_year = forms.IntegerField(
        label="Financial year starting in", help_text="e.g. 2027 for 2027/28.", min_value=2000, max_value=2100
    )
    budget = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        label="Budget envelope (£)",
        help_text="Net new money the round may commit; below zero for a savings target.",
    )
    min_prevention_share = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        label="Minimum prevention share (%)",
        help_text="Of the money invested, the least that must go on prevention.",
        initial=0,
    )
    scale_top = forms.TypedChoiceField(
        choices=SCALES, coerce=int, widget=forms.RadioSelect, label="Scoring scale", initial=5
    )


class CriteriaForm(NhsFormMixin, forms.Form):
    """One label and weight per criterion, and a blank line to add one while the round is a draft."""

    def __init__(self, *args: Any, criteria: list[RoundCriterion], allow_new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.lines: list[tuple[str, str, int | None]] = []
        for n, criterion in enumerate([*criteria, *([None] if allow_new else [])]):
            required = criterion is not None and not allow_new
            self.fields[f"label_{n}"] = forms.CharField(
                max_length=120,
                required=required,
                label="Criterion" if criterion is not None else "New criterion (optional)",
                initial=criterion.label if criterion else "",
            )
            self.fields[f"weight_{n}"] = forms.CharField(
                max_length=8,
                required=required,
                label="Weight (%)",
                initial=f"{criterion.weight:f}".rstrip("0").rstrip(".") if criterion else "",
            )
            self.lines.append((f"label_{n}", f"weight_{n}", criterion.pk if criterion else None))
        # NhsFormMixin dressed the fields before they existed; dress the new ones too.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "nhsuk-input")

    def rows(self) -> list[CriterionRow]:
        rows = []
        for label, weight, pk in self.lines:
            text = self.cleaned_data.get(label) or ""
            if not text.strip() and not (self.cleaned_data.get(weight) or "").strip():
                continue  # a blank line: a new criterion not wanted, or (in a draft) one dropped
            rows.append(CriterionRow(pk=pk, label=text, weight=self.cleaned_data.get(weight) or ""))
        return rows

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[label], self[weight]) for label, weight, _ in self.lines]


class OptionForm(NhsFormMixin, forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Description"
    )
    kind = forms.ChoiceField(
        choices=OptionKind.choices, widget=forms.RadioSelect, label="Investment or disinvestment"
    )
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        label="Cost or saving a year (£)",
        help_text="What an investment costs, or what a disinvestment releases.",
    )
    people = forms.IntegerField(min_value=0, label="People affected a year", initial=0)
    care_group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Care group", empty_label="None"
    )
    priority: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Priority it serves", empty_label="None"
    )
    is_prevention = forms.BooleanField(required=False, label="Prevention")
    must_do = forms.BooleanField(
        required=False,
        label="Must do",
        help_text="Statutory or already committed: chosen whatever its score.",
    )
    exclusive_group = forms.CharField(
        max_length=60,
        required=False,
        label="Exclusive group",
        help_text="Give alternatives the same group name: at most one of them is chosen.",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_group"].queryset = partnership.care_groups.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["priority"].queryset = (  # type: ignore[attr-defined]
            Priority.objects.filter(partnership=partnership)
            .exclude(status="retired")
            .select_related("care_group")
            .order_by("care_group__position", "title")
        )
        self.fields["priority"].label_from_instance = lambda p: f"{p.care_group.name}: {p.title}"  # type: ignore[attr-defined]


class PanelMemberForm(NhsFormMixin, forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label="Person",
        empty_label="Choose a person",
    )
    role = forms.ChoiceField(choices=PanelRole.choices, label="Role on the panel")
    interest_in: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=Checkboxes,
        label="Options they declare an interest in",
        help_text="Their scores on these options are left out of the panel's mean.",
    )
    interest = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="The interest",
        help_text="e.g. Trustee of a provider that would deliver the service.",
    )

    def __init__(self, *args: Any, round_: PriorityRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.panel_candidates(round_.partnership)  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        self.fields["interest_in"].queryset = round_.options.order_by("title")  # type: ignore[attr-defined]

    def interests(self) -> dict[RoundOption, str]:
        text = self.cleaned_data.get("interest") or ""
        return {option: text for option in self.cleaned_data.get("interest_in") or []}


class InterestForm(NhsFormMixin, forms.Form):
    """A panel member's interest in one option, declared after joining the panel."""

    option: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="Option", empty_label="Choose an option"
    )
    interest = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="The interest",
        help_text="e.g. Trustee of a provider that would deliver the service.",
    )

    def __init__(self, *args: Any, member: PanelMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        declared = member.interests.values_list("option_id", flat=True)
        options = member.round.options.exclude(pk__in=declared).order_by("title")
        self.fields["option"].queryset = options  # type: ignore[attr-defined]


class ScoringForm(forms.Form):
    """The signed-in panel member's grid: a score and a comment per option and criterion."""

    def __init__(self, *args: Any, grid: selectors.ScoringGrid, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        top = grid.round.scale_top
        closed = grid.round.status != RoundStatus.SCORING  # shown, but no longer open to change
        for option in grid.options:
            for criterion in grid.criteria:
                found = grid.scores.get((option.pk, criterion.pk))
                name = cell(option.pk, criterion.pk)
                self.fields[name] = forms.CharField(
                    required=False,
                    label=f"{option.title}: {criterion.label} (0 to {top})",
                    initial="" if found is None else str(found.score),
                    widget=forms.TextInput(
                        attrs={"class": "nhsuk-input nhsuk-input--width-2", "inputmode": "numeric"}
                    ),
                    disabled=closed,
                )
                self.fields[f"comment_{option.pk}_{criterion.pk}"] = forms.CharField(
                    required=False,
                    label=f"Comment on {option.title}: {criterion.label}",
                    initial="" if found is None else found.comment,
                    widget=forms.TextInput(attrs={"class": "nhsuk-input"}),
                    disabled=closed,
                )

    def entries(self) -> list[ScoreEntry]:
        return [
            ScoreEntry(
                option.pk,
                criterion.pk,
                (self.cleaned_data.get(cell(option.pk, criterion.pk)) or "").strip() or None,
                self.cleaned_data.get(f"comment_{option.pk}_{criterion.pk}") or "",
            )
            for option in self.grid.options
            if option.pk not in self.grid.conflicted
            for criterion in self.grid.criteria
        ]

    def add_service_error(self, error: Any) -> None:
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    def rows(self) -> list[tuple[RoundOption, bool, list[tuple[forms.BoundField, forms.BoundField]]]]:
        return [
            (
                option,
                option.pk in self.grid.conflicted,
                [
                    (self[cell(option.pk, c.pk)], self[f"comment_{option.pk}_{c.pk}"])
                    for c in self.grid.criteria
                ],
            )
            for option in self.grid.options
        ]


class DecisionForm(NhsFormMixin, forms.Form):
    decision: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label="Decision",
        empty_label="Choose a decision",
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = selectors.decisions_for(partnership)  # type: ignore[attr-defined]
        self.fields["decision"].label_from_instance = lambda d: f"{d.reference}: {d.title}"  # type: ignore[attr-defined]
