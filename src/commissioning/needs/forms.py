"""Forms for the JSNA pages."""

from __future__ import annotations

from django import forms

from commissioning.core.forms import NhsFormMixin
from commissioning.needs.models import Indicator
from commissioning.needs.services import INDICATOR_FIELDS

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class IndicatorUploadForm(NhsFormMixin, forms.Form):
    file = forms.FileField(
        label="Data file",
        help_text=(
            "A Fingertips CSV export; record-level data as CSV or Parquet (one row per person with "
            "area_code, period, sex, age, deprivation_decile, optional ethnicity and locality, and a 0/1 "
            "column per indicator code); or, for need projections, population projections (area_code, year, "
            "sex, age_band, population) or prevalence rates (measure_code, measure_name, care_group, sex, "
            "age_band, rate)."
        ),
    )
    definitions = forms.FileField(
        label="Indicator definitions",
        required=False,
        help_text=(
            "For record-level data about indicators not yet defined: a CSV with code, name, value_type, "
            "multiplier, unit, polarity, benchmark_method, topic, definition, source."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".parquet", ".pq")):
            raise forms.ValidationError("Choose a .csv or .parquet file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 512 MB; import it with the command line.")
        return upload

    def clean_definitions(self) -> object:
        upload = self.cleaned_data.get("definitions")
        if upload and not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Indicator definitions are a .csv file.")
        return upload


class IndicatorForm(NhsFormMixin, forms.ModelForm):
    """An indicator's definition: what an import inferred, an analyst can correct here."""

    class Meta:
        model = Indicator
        fields = list(INDICATOR_FIELDS)
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        """Checked by the service and the database, which know the partnership."""
