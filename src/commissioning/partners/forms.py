from __future__ import annotations

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.core.permissions import ROLE_CHOICES
from commissioning.partners.models import CareGroup, Organisation, PartnershipMember
from commissioning.partners.selectors import active_user


class HttpsURLField(forms.URLField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)  # type: ignore[arg-type]


class OrganisationForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "ods_code",
            "gss_code",
            "companies_house_number",
            "charity_number",
            "la_code",
            "website",
        ]
        field_classes = {"website": HttpsURLField}
        help_texts = {
            "ods_code": "NHS Organisation Data Service code, such as QRL or 10X.",
            "gss_code": "ONS code for a council, such as E06000045.",
            "companies_house_number": "Eight digits, or two letters and six digits.",
            "charity_number": "Six or seven digits.",
        }

    def validate_unique(self) -> None:
        """Uniqueness is the service's rule, reported there with the field named."""


class NewOrganisationForm(OrganisationForm):
    member_role = forms.ChoiceField(
        label="Place in this partnership",
        choices=PartnershipMember.Role.choices,
        initial=PartnershipMember.Role.ASSOCIATE,
        help_text="Hosts and partners must be commissioning organisations; providers are associates.",
    )


class CareGroupForm(NhsFormMixin, forms.ModelForm):
    class Meta:
        model = CareGroup
        fields = ["name", "description", "position", "is_active"]
        labels = {"is_active": "In use", "position": "Order on lists"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        """Checked by the service, which knows the partnership."""


class MembershipForm(NhsFormMixin, forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Acting for")
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args: object, organisations: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]

    def clean_username(self) -> object:
        """The person, found by user name."""
        user = active_user(self.cleaned_data["username"].strip())
        if user is None:
            raise forms.ValidationError("No active user has this user name.")
        return user


class NewPersonForm(NhsFormMixin, forms.Form):
    full_name = forms.CharField(max_length=200)
    email = forms.EmailField(label="Email address")
    username = forms.CharField(
        label="User name", max_length=150, help_text="What they will sign in with, e.g. jsmith."
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Acting for")
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args: object, organisations: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
