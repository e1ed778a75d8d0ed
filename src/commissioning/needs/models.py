"""Needs: the joint strategic needs assessment's indicators, their values, and need projections.

Indicators belong to a partnership: an analyst loads published extracts (Fingertips) and the
partners' own record-level data for the areas the partnership compares itself with, and each
partnership decides which measures make up its JSNA.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.core.constraints import in_choices
from commissioning.partners.models import Area, CareGroup, Partnership


class ValueType(models.TextChoices):
    PROPORTION = "proportion", "Proportion"
    CRUDE_RATE = "crude_rate", "Crude rate"
    DSR = "dsr", "Directly standardised rate"
    ISR = "isr", "Indirectly standardised ratio"
    MEAN = "mean", "Mean"
    COUNT = "count", "Count"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    LOWER_IS_BETTER = "lower_is_better", "Lower is better"
    NO_JUDGEMENT = "no_judgement", "No judgement"


class BenchmarkMethod(models.TextChoices):
    CI_OVERLAP_95 = "ci_overlap_95", "Confidence interval overlapping the benchmark (95%)"
    CI_OVERLAP_998 = "ci_overlap_998", "Confidence interval overlapping the benchmark (99.8%)"
    QUINTILES = "quintiles", "Quintiles"


class Sex(models.TextChoices):
    PERSONS = "persons", "Persons"
    MALE = "male", "Male"
    FEMALE = "female", "Female"


ALL_AGES = "All ages"


class Indicator(models.Model):
    """A defined measure: what is counted, over what, how it is scaled, and which way is better."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(
        max_length=60, help_text="Short stable name used in files and URLs, e.g. 'smoking-prevalence'."
    )
    name = models.CharField(max_length=255)
    definition = models.TextField(blank=True)
    topic = models.CharField(max_length=120, blank=True, help_text="The JSNA chapter it belongs to.")
    value_type = models.CharField(max_length=20, choices=ValueType.choices)
    multiplier = models.PositiveIntegerField(default=1, help_text="e.g. 100 for a percentage.")
    unit = models.CharField(max_length=60, blank=True, help_text="e.g. '%' or 'per 100,000'.")
    polarity = models.CharField(max_length=20, choices=Polarity.choices, default=Polarity.NO_JUDGEMENT)
    benchmark_method = models.CharField(
        max_length=20, choices=BenchmarkMethod.choices, default=BenchmarkMethod.CI_OVERLAP_95
    )
    source = models.CharField(max_length=255, blank=True)
    fingertips_id = models.PositiveIntegerField("Fingertips indicator ID", null=True, blank=True)
    care_groups = models.ManyToManyField(CareGroup, blank=True, related_name="indicators")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "code"], name="%(app_label)s_%(class)s_code_unique"
            ),
            models.UniqueConstraint(
                fields=["partnership", "fingertips_id"],
                condition=Q(fingertips_id__isnull=False),
                name="%(app_label)s_%(class)s_fingertips_unique",
            ),
            models.CheckConstraint(
                condition=in_choices("value_type", ValueType),
                name="%(app_label)s_%(class)s_value_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("polarity", Polarity), name="%(app_label)s_%(class)s_polarity_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("benchmark_method", BenchmarkMethod),
                name="%(app_label)s_%(class)s_benchmark_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gte=1), name="%(app_label)s_%(class)s_multiplier_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def confidence(self) -> float:
        """The confidence level its benchmark comparison uses."""
        return 0.998 if self.benchmark_method == BenchmarkMethod.CI_OVERLAP_998 else 0.95


class IndicatorImport(models.Model):
    """One file loaded into the JSNA: where the values came from, who loaded them and when."""

    class Kind(models.TextChoices):
        FINGERTIPS = "fingertips", "Fingertips CSV export"
        RECORDS = "records", "Record-level data"
        DEMO = "demo", "Demo data"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="indicator_imports")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    rows_read = models.PositiveIntegerField(default=0)
    values_written = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class IndicatorValue(models.Model):
    """One published number: an indicator for an area, period and population group.

    The breakdown is sex, age band and an optional category (type and name), as in Fingertips:
    e.g. category type 'Deprivation decile (IMD2019)' and category 'Most deprived decile'.
    Limits are kept at both published confidence levels so either benchmark method can be used.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicator_values")
    period = models.CharField(max_length=30, help_text="As published, e.g. '2019', '2019/20', '2017 - 19'.")
    period_sort = models.PositiveIntegerField(help_text="Orders periods: YYYY0000 for the starting year.")
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.PERSONS)
    age = models.CharField(max_length=40, default=ALL_AGES)
    category_type = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=120, blank=True)
    count = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    lower_95 = models.FloatField(null=True, blank=True)
    upper_95 = models.FloatField(null=True, blank=True)
    lower_998 = models.FloatField(null=True, blank=True)
    upper_998 = models.FloatField(null=True, blank=True)
    value_note = models.CharField(max_length=255, blank=True)
    source_import = models.ForeignKey(
        IndicatorImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="values"
    )

    class Meta:
        ordering = ["indicator", "period_sort", "area"]
        indexes = [
            models.Index(fields=["indicator", "area", "period_sort"], name="needs_value_series"),
            models.Index(fields=["area", "indicator"], name="needs_value_area"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period", "sex", "age", "category_type", "category"],
                name="%(app_label)s_%(class)s_once",
            ),
            models.CheckConstraint(
                condition=in_choices("sex", Sex), name="%(app_label)s_%(class)s_sex_valid"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=0),
                name="%(app_label)s_%(class)s_count_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(lower_95__isnull=True)
                | Q(upper_95__isnull=True)
                | Q(lower_95__lte=models.F("upper_95")),
                name="%(app_label)s_%(class)s_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.area.gss_code} · {self.period}"

    @property
    def is_headline(self) -> bool:
        """The all-persons, all-ages, no-category value that benchmarks and spine charts use."""
        return self.sex == Sex.PERSONS and self.age == ALL_AGES and not self.category_type


class NeedMeasure(models.Model):
    """A need to project, in the manner of POPPI and PANSI: prevalence by age and sex × population."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="need_measures")
    care_group = models.ForeignKey(
        CareGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="need_measures"
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=255, help_text="e.g. 'People aged 65+ living with dementia'.")
    source = models.CharField(max_length=255, blank=True, help_text="Where the prevalence rates come from.")
    assumptions = models.TextField(blank=True, help_text="What the projection takes as given.")

    class Meta:
        ordering = ["care_group__position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "code"], name="%(app_label)s_%(class)s_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PrevalenceRate(models.Model):
    """The share of an age band and sex who have the need (a fraction between 0 and 1)."""

    measure = models.ForeignKey(NeedMeasure, on_delete=models.CASCADE, related_name="rates")
    sex = models.CharField(max_length=10, choices=Sex.choices)
    age_band = models.CharField(max_length=20)
    rate = models.FloatField()

    class Meta:
        ordering = ["measure", "sex", "age_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "sex", "age_band"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="%(app_label)s_%(class)s_rate_fraction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.sex} {self.age_band}: {self.rate:.4f}"


class PopulationProjection(models.Model):
    """Projected residents of an area by year, sex and age band (e.g. ONS subnational projections)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="population_projections"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="population_projections")
    year = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    age_band = models.CharField(max_length=20)
    population = models.FloatField()
    source = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["area", "year", "sex", "age_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "area", "year", "sex", "age_band"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=Q(population__gte=0), name="%(app_label)s_%(class)s_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.gss_code} {self.year} {self.sex} {self.age_band}"
