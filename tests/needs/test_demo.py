"""The demo JSNA: realistic in shape, computed through the engine, with projections to 2035."""

from __future__ import annotations

from django.db.models import Count

from commissioning.needs.models import (
    Indicator,
    IndicatorImport,
    IndicatorValue,
    NeedMeasure,
    PopulationProjection,
)


def test_the_demo_city_has_a_jsna_of_twenty_indicators_over_eight_years(southampton):
    indicators = Indicator.objects.filter(partnership=southampton)
    assert indicators.count() >= 20
    assert {i.value_type for i in indicators} >= {"proportion", "crude_rate", "dsr"}
    assert IndicatorImport.objects.filter(partnership=southampton, kind="records").exists()
    headline = IndicatorValue.objects.filter(
        indicator__partnership=southampton, sex="persons", age="All ages", category_type=""
    )
    periods = headline.filter(area__gss_code="E06000045").values("indicator").annotate(n=Count("period"))
    assert all(row["n"] == 8 for row in periods)
    areas = set(headline.values_list("area__gss_code", flat=True).distinct())
    comparators = set(southampton.areas.get().comparators.values_list("gss_code", flat=True))
    assert len(comparators) == 10
    assert areas == {"E06000045", "E12000008", "E92000001"} | comparators


def test_the_demo_has_breakdowns_by_sex_age_deprivation_and_ethnicity(southampton):
    values = IndicatorValue.objects.filter(indicator__code="smoking-prevalence", area__gss_code="E06000045")
    assert set(values.values_list("sex", flat=True)) == {"persons", "male", "female"}
    assert values.exclude(age="All ages").values("age").distinct().count() == 19
    assert set(values.values_list("category_type", flat=True)) == {
        "",
        "Deprivation decile",
        "Ethnic group",
        "Locality",
    }
    localities = values.filter(category_type="Locality", period="2024/25")
    assert set(localities.values_list("category", flat=True)) == {"Central", "East", "West"}
    headline = values.get(period="2024/25", sex="persons", age="All ages", category_type="")
    assert sum(v.denominator for v in localities) == headline.denominator


def test_the_demo_city_is_worse_than_england_on_self_harm(southampton):
    city, england = (
        IndicatorValue.objects.get(
            indicator__code="self-harm-admissions",
            area__gss_code=code,
            period="2024/25",
            sex="persons",
            age="All ages",
            category_type="",
        )
        for code in ("E06000045", "E92000001")
    )
    assert city.lower_95 > england.upper_95


def test_the_demo_projects_need_to_2035(southampton):
    measures = NeedMeasure.objects.filter(partnership=southampton)
    assert measures.count() >= 3
    assert all(m.rates.exists() and m.assumptions for m in measures)
    years = PopulationProjection.objects.filter(partnership=southampton).values_list("year", flat=True)
    assert max(years) == 2035
