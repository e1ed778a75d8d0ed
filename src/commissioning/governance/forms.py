"""Forms for the governance pages: they parse and label; the services validate and decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory

from commissioning.core.forms import NhsFormMixin
from commissioning.core.permissions import ROLE_CHOICES
from commissioning.governance import rules
from commissioning.governance.models import (
    AgreementKind,
    BoardKind,
    BoardMemberRole,
    DecisionKind,
    DecisionState,
    InterestKind,
    VoteChoice,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _text(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class Checkboxes(forms.CheckboxSelectMultiple):
    """NHS.UK checkboxes; ``governance/_field.html`` renders one item per choice."""

    nhs_checkboxes = True


class PoundsField(forms.DecimalField):
    """An amount in pounds and pence, as Decimal (never float); accepts "£1,234.56"."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace("£", "").replace(",", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {}


def _choices(field: forms.Field, queryset: Any) -> None:
    field.queryset = queryset  # type: ignore[attr-defined]


class GovernanceForm(NhsFormMixin, forms.Form):
    """The design system's classes, with checkbox groups styled item by item."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "nhsuk-checkboxes__input"


# Boards ------------------------------------------------------------------------------------


class BoardForm(GovernanceForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=BoardKind.choices, initial=BoardKind.BOARD)
    purpose = forms.CharField(widget=_text())
    scope = forms.CharField(required=False, widget=_text(3))
    reports_to = forms.ModelChoiceField(
        queryset=None, required=False, label="Reports to (a board of this partnership)"
    )
    reports_to_body = forms.CharField(
        max_length=200,
        required=False,
        label="Reports to (outside the partnership)",
        help_text="For example, the Health and Wellbeing Board.",
    )
    quorum_minimum = forms.IntegerField(
        min_value=1, initial=3, label="Quorum", help_text="Voting members who must be present."
    )
    quorum_each_partner = forms.BooleanField(
        required=False, initial=True, label="The quorum needs a voting member from each partner"
    )
    meetings_min_per_year = forms.IntegerField(min_value=0, initial=4, label="Fewest meetings a year")
    meetings_max_per_year = forms.IntegerField(min_value=0, initial=6, label="Most meetings a year")
    delegated_by = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=Checkboxes,
        label="Partners that delegate decisions to it",
    )
    care_groups = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=Checkboxes)
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (untick when the board or group is stood down)"
    )

    def __init__(
        self, *args: Any, boards: Any, partners: Any, care_groups: Any, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]  # a new board is active
        _choices(self.fields["reports_to"], boards)
        _choices(self.fields["delegated_by"], partners)
        _choices(self.fields["care_groups"], care_groups)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("meetings_min_per_year"), data.get("meetings_max_per_year")
        if low is not None and high is not None and low > high:
            self.add_error(
                "meetings_max_per_year", "The most meetings a year cannot be fewer than the fewest."
            )
        return data

    @staticmethod
    def initial_from(board: Any) -> dict[str, Any]:
        return {
            "name": board.name,
            "kind": board.kind,
            "purpose": board.purpose,
            "scope": board.scope,
            "reports_to": board.reports_to_id,
            "reports_to_body": board.reports_to_body,
            "quorum_minimum": board.quorum_minimum,
            "quorum_each_partner": board.quorum_each_partner,
            "meetings_min_per_year": board.meetings_min_per_year,
            "meetings_max_per_year": board.meetings_max_per_year,
            "delegated_by": [org.pk for org in board.delegated_by.all()],
            "care_groups": [group.pk for group in board.care_groups.all()],
            "is_active": board.is_active,
        }


class BoardMemberForm(GovernanceForm):
    person = forms.ModelChoiceField(queryset=None)
    organisation = forms.ModelChoiceField(queryset=None, label="Sits for")
    role = forms.ChoiceField(choices=BoardMemberRole.choices, initial=BoardMemberRole.MEMBER)
    joined_on = forms.DateField(required=False, widget=DATE, label="Joined on")

    def __init__(self, *args: Any, people: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["person"], people)
        _choices(self.fields["organisation"], organisations)


class LeaveForm(GovernanceForm):
    left_on = forms.DateField(widget=DATE, label="Left on")


class InterestEndForm(GovernanceForm):
    ends_on = forms.DateField(widget=DATE, label="Last day the interest was held")


class MeetingForm(GovernanceForm):
    starts_at = forms.DateTimeField(widget=DATETIME, label="Date and time")
    location = forms.CharField(max_length=200, required=False)


# Meetings ----------------------------------------------------------------------------------


class AgendaItemForm(GovernanceForm):
    title = forms.CharField(max_length=255)
    decision = forms.ModelChoiceField(
        queryset=None, required=False, help_text="A decision the meeting is asked to take."
    )
    paper_url = forms.URLField(required=False, label="Link to the paper", assume_scheme="https")
    notes = forms.CharField(required=False, widget=_text(3))

    def __init__(self, *args: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["decision"], decisions)


class AttendanceForm(GovernanceForm):
    present = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=Checkboxes, label="Who was present"
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["present"], members)
        self.fields["present"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: f"{m.person.display_name} ({m.get_role_display()}, {m.organisation.name})"
        )


class MinutesForm(GovernanceForm):
    minutes = forms.CharField(required=False, widget=_text(12))


class ActionForm(GovernanceForm):
    description = forms.CharField(widget=_text(3))
    owner = forms.ModelChoiceField(queryset=None)
    due_on = forms.DateField(widget=DATE, label="Due on")

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["owner"], people)


class VotesForm(GovernanceForm):
    """One choice per member who may vote on the item: present, voting and not conflicted."""

    def __init__(self, *args: Any, rows: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {}
        for row in rows:
            name = f"member_{row.member.pk}"
            self.members[name] = row.member
            self.fields[name] = forms.ChoiceField(
                label=row.member.person.display_name,
                choices=[("", "Not recorded"), *VoteChoice.choices],
                required=False,
                initial=row.vote.choice if row.vote else "",
            )
            self.fields[name].widget.attrs["class"] = "nhsuk-select"

    def choices(self) -> list[tuple[Any, str]]:
        return [(self.members[name], choice) for name, choice in self.cleaned_data.items() if choice]


class ReasonForm(GovernanceForm):
    reason = forms.CharField(required=False, widget=_text(2))


# Decisions ---------------------------------------------------------------------------------


class DecisionForm(GovernanceForm):
    title = forms.CharField(max_length=255)
    kind = forms.ChoiceField(choices=DecisionKind.choices)
    board = forms.ModelChoiceField(queryset=None, required=False, label="Board that will decide")
    summary = forms.CharField(required=False, widget=_text())
    recommendations = forms.CharField(required=False, widget=_text())
    reasons = forms.CharField(required=False, widget=_text(), label="Reasons for the recommendations")
    legal_implications = forms.CharField(required=False, widget=_text(3))
    is_key_decision = forms.BooleanField(required=False, label="Key decision (published in the forward plan)")
    expected_on = forms.DateField(required=False, widget=DATE, label="Expected to be decided on")
    areas = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=Checkboxes)
    care_groups = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=Checkboxes)
    organisations_named = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=Checkboxes,
        label="Organisations the decision names",
        help_text="Board members with a live interest in one of these are excluded from the vote.",
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=Checkboxes,
        label="What people told us (consultation themes this decision answers)",
        help_text="Shown on the decision page as its engagement evidence; 'you said, we did' links back.",
    )

    def __init__(
        self,
        *args: Any,
        boards: Any,
        areas: Any,
        care_groups: Any,
        organisations: Any,
        themes: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["board"], boards)
        _choices(self.fields["areas"], areas)
        _choices(self.fields["care_groups"], care_groups)
        _choices(self.fields["organisations_named"], organisations)
        _choices(self.fields["themes"], themes)
        self.fields["themes"].label_from_instance = (  # type: ignore[attr-defined]
            lambda theme: f"{theme.title} ({theme.consultation.title})"
        )

    @staticmethod
    def initial_from(decision: Any) -> dict[str, Any]:
        return {
            "title": decision.title,
            "kind": decision.kind,
            "board": decision.board_id,
            "summary": decision.summary,
            "recommendations": decision.recommendations,
            "reasons": decision.reasons,
            "legal_implications": decision.legal_implications,
            "is_key_decision": decision.is_key_decision,
            "expected_on": decision.expected_on,
            "areas": [area.pk for area in decision.areas.all()],
            "care_groups": [group.pk for group in decision.care_groups.all()],
            "organisations_named": [org.pk for org in decision.organisations_named.all()],
            "themes": [theme.pk for theme in decision.themes.all()],
        }


class RowForm(GovernanceForm):
    """One repeated row: it counts when anything is typed in it, whatever it was shown with."""

    def has_changed(self) -> bool:
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)


class RejectedOptionForm(RowForm):
    option = forms.CharField(max_length=255, required=False, label="Option")
    reason = forms.CharField(required=False, widget=_text(2), label="Why it was rejected")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("option", "").strip() and not data.get("reason", "").strip():
            self.add_error("reason", "Say why this option was rejected.")
        if data.get("reason", "").strip() and not data.get("option", "").strip():
            self.add_error("option", "Name the option that was rejected.")
        return data


def financial_year_choices(around: int, *, before: int = 3, after: int = 6) -> list[tuple[int, str]]:
    return [(year, rules.financial_year_label(year)) for year in range(around - before, around + after)]


class ResourceForm(RowForm):
    organisation = forms.ModelChoiceField(queryset=None, required=False, label="Partner")
    financial_year = forms.TypedChoiceField(coerce=int, required=False, choices=())
    amount = PoundsField(required=False, label="Amount (£)")

    def __init__(self, *args: Any, organisations: Any, years: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["organisation"], organisations)
        self.fields["financial_year"].choices = [("", "Choose a year"), *years]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [
            name for name in ("organisation", "financial_year", "amount") if data.get(name) not in (None, "")
        ]
        if given and len(given) < 3:
            for name in ("organisation", "financial_year", "amount"):
                if name not in given:
                    self.add_error(name, "Give the partner, the financial year and the amount.")
        return data


RejectedOptionFormSet = formset_factory(RejectedOptionForm, extra=3)
ResourceFormSet = formset_factory(ResourceForm, extra=3)


def rejected_options_of(formset: Any) -> list[tuple[str, str]]:
    """(option, reason) for each filled row, in the order entered."""
    return [
        (form.cleaned_data["option"].strip(), form.cleaned_data["reason"].strip())
        for form in formset.forms
        if form.cleaned_data.get("option", "").strip()
    ]


def resources_of(formset: Any) -> list[tuple[Any, int, Decimal]]:
    """(organisation, financial year, amount as Decimal) for each filled row."""
    return [
        (form.cleaned_data["organisation"], form.cleaned_data["financial_year"], form.cleaned_data["amount"])
        for form in formset.forms
        if form.cleaned_data.get("organisation") is not None
    ]


class ApproveForm(GovernanceForm):
    organisation = forms.ModelChoiceField(queryset=None, label="Approve for")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["organisation"], organisations)


class DecisionFilterForm(GovernanceForm):
    """The decision log's filters, read from the query string."""

    board = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any board")
    care_group = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any care group")
    state = forms.ChoiceField(choices=[("", "Any state"), *DecisionState.choices], required=False)
    date_from = forms.DateField(required=False, widget=DATE, label="Decided or expected from")
    date_to = forms.DateField(required=False, widget=DATE, label="Decided or expected to")

    def __init__(self, *args: Any, boards: Any, care_groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["board"], boards)
        _choices(self.fields["care_group"], care_groups)


# Interests, delegation, agreements ---------------------------------------------------------


class InterestForm(GovernanceForm):
    person = forms.ModelChoiceField(queryset=None, help_text="Whose interest this is.")
    kind = forms.ChoiceField(choices=InterestKind.choices, label="Type of interest")
    interest = forms.CharField(widget=_text(3), help_text="What the interest is, as it will be published.")
    organisation = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The organisation the interest is in, if any."
    )
    starts_on = forms.DateField(widget=DATE, label="From")
    ends_on = forms.DateField(widget=DATE, required=False, label="To")

    def __init__(self, *args: Any, people: Any, organisations: Any, for_others: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["organisation"], organisations)
        if for_others:
            _choices(self.fields["person"], people)
        else:
            del self.fields["person"]


class DelegationRuleForm(GovernanceForm):
    organisation = forms.ModelChoiceField(queryset=None, label="Partner")
    decision_kind = forms.ChoiceField(
        choices=[("", "Any kind of decision"), *DecisionKind.choices],
        required=False,
        label="Kind of decision",
    )
    board = forms.ModelChoiceField(queryset=None, required=False, label="Approver: a board")
    role = forms.ChoiceField(choices=[("", "–"), *ROLE_CHOICES], required=False, label="Approver: a role")
    post = forms.CharField(
        max_length=200,
        required=False,
        label="Approver: a named post",
        help_text="For example, Director of Adult Services.",
    )
    limit = PoundsField(
        required=False,
        label="Limit (£)",
        help_text="The most it may commit for this partner; leave blank for no limit.",
    )

    def __init__(self, *args: Any, organisations: Any, boards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["organisation"], organisations)
        _choices(self.fields["board"], boards)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = [name for name in ("board", "role", "post") if data.get(name)]
        if len(named) != 1:
            self.add_error(None, "Name exactly one approver: a board, a role or a named post.")
        return data


class AgreementForm(GovernanceForm):
    kind = forms.ChoiceField(choices=AgreementKind.choices)
    title = forms.CharField(max_length=255)
    purpose = forms.CharField(widget=_text())
    parties = forms.ModelMultipleChoiceField(queryset=None, widget=Checkboxes)
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    review_on = forms.DateField(widget=DATE, required=False, label="Review by")
    ends_on = forms.DateField(widget=DATE, required=False, label="Ends on")
    decisions = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=Checkboxes, label="Decisions that made it"
    )

    def __init__(self, *args: Any, organisations: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["parties"], organisations)
        _choices(self.fields["decisions"], decisions)
