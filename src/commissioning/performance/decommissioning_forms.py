"""Forms for the decommissioning pages: they parse and label; the services validate and decide.

Evidence fields are optional here on purpose: a stage's evidence can be saved in parts, and the
case page says what is still missing before the case can move on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from commissioning.governance.forms import DATE, Checkboxes, GovernanceForm, PoundsField
from commissioning.performance.models import AppraisalOption, EqualityOutcome

SCORES = [(n, str(n)) for n in range(1, 6)]


def _text(rows: int = 5) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _offer(form: forms.Form, name: str, queryset: Any, label: Callable[[Any], str] | None = None) -> None:
    """Offer ``queryset`` in the form's choice field ``name``, each choice worded by ``label``."""
    field = form.fields[name]
    field.queryset = queryset  # type: ignore[attr-defined]
    if label is not None:
        field.label_from_instance = label  # type: ignore[attr-defined]


class CaseForm(GovernanceForm):
    contract = forms.ModelChoiceField(queryset=None, label="Contract", empty_label="Choose the contract")
    title = forms.CharField(
        max_length=200, label="Title", help_text="For example, 'Decommission the day service'."
    )
    rationale = forms.CharField(
        widget=_text(), required=False, label="Rationale", help_text="Why the service should change or end."
    )

    def __init__(self, *args: Any, contracts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(
            self, "contract", contracts, lambda c: f"{c.reference} {c.title} ({c.provider.organisation.name})"
        )


class RationaleForm(GovernanceForm):
    rationale = forms.CharField(
        widget=_text(8),
        required=False,
        label="Rationale",
        help_text="Why the service should change or end: what performance shows, and what has been tried.",
    )
    evidence_kpis = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=Checkboxes,
        label="Performance evidence",
        help_text="The contract's KPIs whose SPC charts show the performance.",
    )
    reviews = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=Checkboxes, label="Reviews of the contract"
    )

    def __init__(self, *args: Any, kpis: Any, reviews: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "evidence_kpis", kpis, lambda k: f"{k.code} {k.name}")
        _offer(self, "reviews", reviews)


class AppraisalForm(GovernanceForm):
    option = forms.ChoiceField(choices=AppraisalOption.choices, label="Option")
    appraisal = forms.CharField(
        widget=_text(6),
        label="Appraisal",
        help_text="Benefits, costs and risks for the people using the service.",
    )
    annual_cost = PoundsField(required=False, label="Cost a year (£)")
    transition_cost = PoundsField(required=False, label="One-off cost of the change (£)")


class ChooseForm(GovernanceForm):
    chosen_option = forms.ChoiceField(
        choices=[("", "Choose an option"), *AppraisalOption.choices], label="Option taken forward"
    )


class RiskSummaryForm(GovernanceForm):
    users_affected = forms.IntegerField(
        min_value=0, required=False, label="People using the service now", widget=forms.TextInput
    )
    risk_summary = forms.CharField(
        widget=_text(), required=False, label="Risk to the people using the service, in summary"
    )


class RiskForm(GovernanceForm):
    description = forms.CharField(widget=_text(3), label="Risk")
    likelihood = forms.TypedChoiceField(choices=SCORES, coerce=int, label="Likelihood (1 to 5)")
    impact = forms.TypedChoiceField(choices=SCORES, coerce=int, label="Impact (1 to 5)")
    mitigation = forms.CharField(
        widget=_text(3),
        required=False,
        label="Mitigation",
        help_text="Needed for a risk scored 15 or more (likelihood × impact).",
    )


class RemoveForm(GovernanceForm):
    """A button that removes a row; the hidden field tells the page which button was pressed."""

    remove = forms.CharField(widget=forms.HiddenInput, initial="1")


class ConsultationForm(GovernanceForm):
    consultation = forms.ModelChoiceField(
        queryset=None, label="Consultation", empty_label="Choose the consultation"
    )

    def __init__(self, *args: Any, consultations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "consultation", consultations, lambda c: f"{c.title} (closes {c.closes_on:%d %B %Y})")


class EqualityForm(GovernanceForm):
    summary = forms.CharField(
        widget=_text(8),
        required=False,
        label="Equality impact assessment",
        help_text="Who is affected, by protected characteristic, and how.",
    )
    outcome = forms.ChoiceField(
        choices=[("", "Not decided yet"), *EqualityOutcome.choices], required=False, label="Outcome"
    )


class TransitionSummaryForm(GovernanceForm):
    summary = forms.CharField(widget=_text(), required=False, label="The transition plan, in summary")


class ArrangementForm(GovernanceForm):
    placement = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Placement",
        empty_label="Not a single placement: a cohort",
        help_text="A current placement on the contract without an arrangement yet.",
    )
    cohort = forms.CharField(
        max_length=200, required=False, label="Cohort", help_text="For people not placed individually."
    )
    people = forms.IntegerField(min_value=1, initial=1, label="People", widget=forms.TextInput)
    arrangement = forms.CharField(widget=_text(3), label="What happens for them")
    new_provider = forms.ModelChoiceField(
        queryset=None, required=False, label="New provider", empty_label="None or not known yet"
    )
    move_by = forms.DateField(widget=DATE, label="Moved by")

    def __init__(self, *args: Any, placements: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "placement", placements, lambda p: f"{p.person_ref}: {p.get_service_type_display()}")
        _offer(self, "new_provider", providers, lambda p: p.organisation.name)


class NoticeForm(GovernanceForm):
    notice_served_on = forms.DateField(widget=DATE, label="Notice served on")
    service_ends_on = forms.DateField(widget=DATE, label="Service ends on")


class DecisionForm(GovernanceForm):
    decision = forms.ModelChoiceField(queryset=None, label="Decision", empty_label="Choose the decision")

    def __init__(self, *args: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(
            self,
            "decision",
            decisions,
            lambda d: f"{d.reference}: {d.title} ({d.get_state_display().lower()})",
        )


class AdvanceForm(GovernanceForm):
    note = forms.CharField(widget=_text(2), required=False, label="Note (for the case history)")


class ReopenForm(GovernanceForm):
    stage = forms.ChoiceField(choices=(), label="Reopen at")
    reason = forms.CharField(widget=_text(3), label="Why the case goes back")

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stages  # type: ignore[attr-defined]


class WithdrawForm(GovernanceForm):
    reason = forms.CharField(widget=_text(3), label="Why the case is withdrawn")
