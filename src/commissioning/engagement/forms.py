"""Forms for consultations, themes and responses; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.engagement.models import Audience, Channel, Consultation, Theme

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _checkboxes(choices: Any, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "nhsuk-checkboxes__input"}),
        **kwargs,
    )


class ConsultationForm(NhsFormMixin, forms.Form):
    title = forms.CharField(max_length=255)
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the partnership wants to learn, and what it will decide with the answers.",
    )
    audiences = _checkboxes(Audience.choices, label="Who is asked")
    channels = _checkboxes(Channel.choices, label="How they are asked")
    opens_on = _date_field("Opens on")
    closes_on = _date_field("Closes on")

    @classmethod
    def for_consultation(cls, data: Any, consultation: Consultation) -> ConsultationForm:
        """The form filled in from a consultation, to change it."""
        return cls(data, initial={name: getattr(consultation, name) for name in cls.base_fields})


class ThemeForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["title", "you_said", "we_did", "position"]
        labels = {"you_said": "You said", "we_did": "We did", "position": "Order on the page"}
        help_texts = {
            "you_said": "What people told us, summarised in their terms.",
            "we_did": "What the partnership did about it; leave blank until it has acted.",
        }
        widgets = {"you_said": forms.Textarea(attrs={"rows": 4}), "we_did": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = self.instance.pk is not None

    def validate_unique(self) -> None:
        """Checked by the service, which knows the consultation."""


class ResponseForm(NhsFormMixin, forms.Form):
    respondent_type = forms.ChoiceField(label="Who responded")
    channel = forms.ChoiceField(label="How it was received")
    received_on = _date_field("Received on")
    text = forms.CharField(label="What they said", widget=forms.Textarea(attrs={"rows": 5}))
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "nhsuk-checkboxes__input"}),
        help_text="The themes this response speaks to.",
    )

    def __init__(self, *args: Any, consultation: Consultation, themes: Any, **kwargs: Any) -> None:
        """Offer only the consultation's own audiences, channels and themes."""
        super().__init__(*args, **kwargs)
        self.fields["respondent_type"].choices = [  # type: ignore[attr-defined]
            (v, Audience(v).label) for v in consultation.audiences
        ]
        self.fields["channel"].choices = [(v, Channel(v).label) for v in consultation.channels]  # type: ignore[attr-defined]
        self.fields["themes"].queryset = themes  # type: ignore[attr-defined]
        if not themes:
            del self.fields["themes"]


class ResponsesUploadForm(NhsFormMixin, forms.Form):
    file = forms.FileField(
        label="Responses file",
        help_text=(
            "A .csv or .xlsx file with the columns respondent_type, channel, received_on (2025-03-31 or "
            "31/03/2025), text and, optionally, themes (theme titles separated by ';')."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Choose a .csv or .xlsx file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
