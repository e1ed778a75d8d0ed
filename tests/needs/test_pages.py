"""The JSNA pages over HTTP: profiles, indicators, the worse-and-worsening list, projections, exports.

The data are built here so every comparison and trend is known in advance (the demo's own
indicators for Southampton are removed inside each test's transaction):

* smoking      – proportion, lower is better: Southampton 15% → 20%, England 14%: worse and worsening;
                 deprivation deciles in 2022 (complete) and 2023 (decile 10 has a count of 3);
* activity     – proportion, higher is better: 70% against 65%: better, no change;
* alcohol      – crude rate, lower is better: 500 against 505 per 100,000: similar;
                 one comparator's count is 3 in 2023;
* self-harm    – crude rate, lower is better: 400 → 300 against 200: worse but improving;
* over-65      – proportion, no judgement: 20% against 18%: higher;
* obesity      – proportion, lower is better, quintiles: Southampton highest of its peers: worst quintile.
"""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from commissioning.core.permissions import Role
from commissioning.needs import (
    benchmarking,
    charts,
    fingertips,
    fingertips_layout,
    presenters,
    selectors,
    stats,
)
from commissioning.needs.models import (
    Indicator,
    IndicatorValue,
    NeedMeasure,
    PopulationProjection,
    PrevalenceRate,
)
from commissioning.partners.models import Area

pytestmark = pytest.mark.django_db

SOU, ENG, SE, SW = "E06000045", "E92000001", "E12000008", "E12000009"
YEARS = range(2018, 2024)
BASE = "/p/southampton/needs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BRIEF_COLUMNS = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
]
DECILES = ["1 - most deprived", *(str(d) for d in range(2, 10)), "10 - least deprived"]


def _value(indicator, area, year, count, denominator, **breakdown):
    """A value with the limits the statistics module would publish for it."""
    method = stats.proportion if indicator.value_type == "proportion" else stats.rate
    value, lower, upper = (
        float(x) for x in method(count, denominator, 0.95, multiplier=indicator.multiplier)
    )
    _, lower_998, upper_998 = (
        float(x) for x in method(count, denominator, 0.998, multiplier=indicator.multiplier)
    )
    return IndicatorValue(
        indicator=indicator,
        area=area,
        period=str(year),
        period_sort=year * 10_000,
        count=count,
        denominator=denominator,
        value=value,
        lower_95=lower,
        upper_95=upper,
        lower_998=lower_998,
        upper_998=upper_998,
        **breakdown,
    )


def _indicator(partnership, code, name, topic, value_type, polarity, method="ci_overlap_95", **extra):
    multiplier = 100 if value_type == "proportion" else 100_000
    unit = "%" if value_type == "proportion" else "per 100,000"
    return Indicator.objects.create(
        partnership=partnership,
        code=code,
        name=name,
        topic=topic,
        value_type=value_type,
        multiplier=multiplier,
        unit=unit,
        polarity=polarity,
        benchmark_method=method,
        source="Test data",
        **extra,
    )


@pytest.fixture
def areas(db):
    codes = [SOU, ENG, SE, SW]
    found = {a.gss_code: a for a in Area.objects.filter(gss_code__in=codes)}
    comparators = list(found[SOU].comparators.order_by("gss_code"))
    assert comparators, "the demo sets Southampton's comparators"
    return found, comparators


@pytest.fixture
def jsna(southampton, areas):
    """Southampton's JSNA replaced with indicators whose comparisons and trends are known."""
    Indicator.objects.filter(partnership=southampton).delete()
    found, comparators = areas
    sou, eng, se, sw = found[SOU], found[ENG], found[SE], found[SW]
    made = {
        "smoking": _indicator(
            southampton,
            "smoking",
            "Smoking prevalence in adults",
            "Lifestyle",
            "proportion",
            "lower_is_better",
            fingertips_id=92443,
        ),
        "activity": _indicator(
            southampton, "activity", "Physically active adults", "Lifestyle", "proportion", "higher_is_better"
        ),
        "alcohol": _indicator(
            southampton,
            "alcohol",
            "Admissions for alcohol",
            "Hospital admissions",
            "crude_rate",
            "lower_is_better",
        ),
        "self-harm": _indicator(
            southampton,
            "self-harm",
            "Admissions for self-harm",
            "Hospital admissions",
            "crude_rate",
            "lower_is_better",
        ),
        "over-65": _indicator(
            southampton, "over-65", "People aged 65 and over", "Population", "proportion", "no_judgement"
        ),
        "obesity": _indicator(
            southampton,
            "obesity",
            "Obesity in reception-year children",
            "Children",
            "proportion",
            "lower_is_better",
            method="quintiles",
        ),
    }
    values = []
    for step, year in enumerate(YEARS):
        i = made["smoking"]
        values += [
            _value(i, sou, year, 1500 + 100 * step, 10_000),
            _value(i, eng, year, 140_000, 1_000_000),
            _value(i, se, year, 130_000, 1_000_000),
            _value(i, sw, year, 135_000, 1_000_000),
            *(_value(i, c, year, 1300 + 50 * n, 10_000) for n, c in enumerate(comparators)),
        ]
        i = made["activity"]
        values += [
            _value(i, sou, year, 7000, 10_000),
            _value(i, eng, year, 650_000, 1_000_000),
            _value(i, se, year, 660_000, 1_000_000),
            *(_value(i, c, year, 6000 + 100 * n, 10_000) for n, c in enumerate(comparators)),
        ]
        i = made["alcohol"]
        values += [
            _value(i, sou, year, 500, 100_000),
            _value(i, eng, year, 50_500, 10_000_000),
            _value(i, se, year, 48_000, 10_000_000),
            *(
                _value(i, c, year, 3 if (n == 0 and year == 2023) else 450 + 10 * n, 100_000)
                for n, c in enumerate(comparators)
            ),
        ]
        i = made["self-harm"]
        values += [
            _value(i, sou, year, 400 - 20 * step, 100_000),
            _value(i, eng, year, 20_000, 10_000_000),
            _value(i, se, year, 21_000, 10_000_000),
        ]
        i = made["over-65"]
        values += [_value(i, sou, year, 2000, 10_000), _value(i, eng, year, 180_000, 1_000_000)]
        i = made["obesity"]
        values += [
            _value(i, sou, year, 120, 1000),
            _value(i, eng, year, 95_000, 1_000_000),
            *(_value(i, c, year, 60 + 3 * n, 1000) for n, c in enumerate(comparators)),
        ]
    smoking = made["smoking"]
    for year, counts, denominators in (
        (2022, [280 - 20 * d for d in range(10)], [1000] * 10),
        (2023, [300 - 20 * d for d in range(9)] + [3], [1000] * 9 + [20]),
    ):
        values += [
            _value(smoking, sou, year, count, denominator, category_type="Deprivation decile", category=label)
            for label, count, denominator in zip(DECILES, counts, denominators, strict=True)
        ]
    values += [
        _value(smoking, sou, 2023, 1100, 5000, sex="male"),
        _value(smoking, sou, 2023, 900, 5000, sex="female"),
    ]
    IndicatorValue.objects.bulk_create(values)
    return made


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _chart_json(page, chart_id):
    found = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no chart {chart_id}"
    return json.loads(found.group(1))


def _csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _csv_header(response):
    return next(csv.reader(io.StringIO(response.content.decode())))


# The JSNA home -----------------------------------------------------------------------------


def test_home_lists_indicators_by_topic_with_links(client_for, jsna):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/"))
    assert "<h1>Joint strategic needs assessment</h1>" in page
    for topic in ("Lifestyle", "Hospital admissions", "Population", "Children"):
        assert f"<h2>{topic}</h2>" in page
    assert f'href="{BASE}/indicators/{jsna["smoking"].pk}/"' in page
    assert "Lower is better" in page and "2023" in page
    assert f'href="{BASE}/areas/{SOU}/profile/"' in page
    assert f'href="{BASE}/worse/"' in page and f'href="{BASE}/projections/"' in page
    assert f'href="{BASE}/import/"' not in page  # a viewer cannot import


def test_home_offers_import_to_a_commissioner_and_navigation_leads_to_the_jsna(client_for, jsna):
    page = _page(client_for("southampton", Role.COMMISSIONER).get(f"{BASE}/"))
    assert f'href="{BASE}/import/"' in page
    dashboard = _page(client_for("southampton", Role.VIEWER).get("/p/southampton/"))
    assert f'<a href="{BASE}/">JSNA</a>' in dashboard
    assert f'<a href="{BASE}/worse/">Worse and worsening</a>' in dashboard


def test_plotly_is_served_from_our_own_static_files(client_for):
    response = client_for("southampton", Role.VIEWER).get("/static/vendor/plotly/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly.js" in b"".join(response.streaming_content)[:2000]


# The area profile ----------------------------------------------------------------------------


def test_area_profile_compares_each_indicator_with_england_and_the_region(client_for, jsna):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/areas/{SOU}/profile/"))
    rows = {
        code: re.search(
            rf'<tr class="nhsuk-table__row" data-indicator="{code}">(.*?)</tr>', page, re.S
        ).group(1)
        for code in jsna
    }
    assert 'nhsuk-tag--red">Worse<' in rows["smoking"]
    assert "Increasing and getting worse" in rows["smoking"]
    assert "20.0" in rows["smoking"] and "14.0" in rows["smoking"] and "13.0" in rows["smoking"]
    assert 'nhsuk-tag--green">Better<' in rows["activity"]
    assert "No significant change" in rows["activity"]
    assert 'nhsuk-tag--yellow">Similar<' in rows["alcohol"]
    assert 'nhsuk-tag--red">Worse<' in rows["self-harm"]
    assert "Decreasing and getting better" in rows["self-harm"]
    assert 'nhsuk-tag--blue">Higher<' in rows["over-65"]
    assert 'nhsuk-tag--red">Worst quintile<' in rows["obesity"]
    assert "Compared with South East" in page


def test_spine_chart_colours_each_indicator_by_its_comparison_with_england(client_for, jsna):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/areas/{SOU}/profile/"))
    figure = _chart_json(page, "chart-spine")
    dots = next(t for t in figure["data"] if t["name"] == "Southampton")
    colours = {
        label.split(" (")[0]: colour for label, colour in zip(dots["y"], dots["marker"]["color"], strict=True)
    }
    assert colours == {
        "Smoking prevalence in adults": presenters.WORSE,
        "Physically active adults": presenters.BETTER,
        "Admissions for alcohol": presenters.SIMILAR,
        "Admissions for self-harm": presenters.WORSE,
        "People aged 65 and over": presenters.HIGHER,
        "Obesity in reception-year children": presenters.WORSE,
    }
    assert "vendor/plotly/plotly.min.js" in page and "cdn" not in page.lower()


def test_spine_rows_scale_england_to_the_centre_and_worse_to_the_left(southampton, jsna):
    area = selectors.area_for(southampton, SOU)
    profile = selectors.area_profile(southampton, area)
    by_code = {row.indicator.code: row for row in profile.rows}
    smoking = by_code["smoking"]
    assert smoking.period == "2023" and smoking.count == 2000
    assert smoking.value == pytest.approx(20.0) and smoking.england == pytest.approx(14.0)
    assert smoking.region == pytest.approx(13.0)
    # Lower is better, so the worst comparator is the highest value.
    assert smoking.spread.worst > smoking.spread.best
    figure = charts.spine_chart(profile.rows, "Southampton", "South East")
    dots = next(t for t in figure["data"] if t["name"] == "Southampton")
    position = dict(zip(dots["y"], dots["x"], strict=True))
    assert position["Smoking prevalence in adults (2023)"] == pytest.approx(-1.0)  # furthest, and worse
    assert position["Physically active adults (2023)"] > 0


def test_suppressed_headline_is_blank_in_the_profile_and_left_out_of_the_spread(southampton, jsna, areas):
    _, comparators = areas
    small = comparators[0]
    area = selectors.area_for(southampton, small.gss_code)
    profile = selectors.area_profile(southampton, area)
    alcohol = next(r for r in profile.rows if r.indicator.code == "alcohol")
    assert alcohol.value is None and alcohol.count is None
    assert alcohol.value_note == "Suppressed: fewer than 5"
    assert alcohol.compared_england == "not_compared"


def test_profile_of_an_area_outside_the_partnership_is_not_found(client_for, jsna):
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.get(f"{BASE}/areas/E06999999/profile/").status_code == 404
    assert viewer.get(f"{BASE}/areas/E10000024/profile/").status_code == 404  # Nottinghamshire
    assert viewer.get(f"{BASE}/areas/{ENG}/profile/").status_code == 200
    assert viewer.get(f"{BASE}/areas/{SE}/profile/").status_code == 200


# The indicator page --------------------------------------------------------------------------


def test_indicator_page_shows_metadata_trend_comparison_and_breakdowns(client_for, jsna):
    smoking = jsna["smoking"]
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/indicators/{smoking.pk}/"))
    assert "<h1>Smoking prevalence in adults</h1>" in page
    assert "92443" in page and "Lower is better" in page and "Test data" in page
    assert "Increasing and getting worse" in page
    trend = _chart_json(page, "chart-trend")
    area_line = next(t for t in trend["data"] if t["name"] == "Southampton")
    assert area_line["x"] == [str(y) for y in YEARS]
    assert area_line["error_y"]["array"][0] > 0
    comparison = re.search(r'id="comparison-table">(.*?)</table>', page, re.S).group(1)
    assert f'data-area="{SOU}"' in comparison and f'data-area="{ENG}"' in comparison
    assert f'data-area="{SE}"' in comparison
    southampton_row = re.search(rf'data-area="{SOU}">(.*?)</tr>', comparison, re.S).group(1)
    assert 'nhsuk-tag--red">Worse<' in southampton_row and "2,000" in southampton_row
    assert '<h3 id="sex">By sex</h3>' in page and "By deprivation decile" in page
    assert _chart_json(page, "chart-sex")["data"][0]["y"] == ["Male", "Female"]


def test_deciles_suppress_the_small_count_and_its_partner(client_for, jsna):
    smoking = jsna["smoking"]
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/indicators/{smoking.pk}/?period=2023"))
    deciles = re.search(
        r'data-breakdown="deprivation-decile-persons-all-ages">(.*?)</table>', page, re.S
    ).group(1)
    assert "Suppressed: fewer than 5" in deciles
    assert "Suppressed to protect a small number" in deciles
    least = re.search(r"10 - least deprived</th>(.*?)</tr>", deciles, re.S).group(1)
    assert "15.0" not in least and ">3<" not in least  # 3 of 20: neither the value nor the count shows
    assert "Not calculated: a decile" in page


def test_deciles_give_the_gap_and_slope_index_of_inequality(southampton, jsna):
    area = selectors.area_for(southampton, SOU)
    page = selectors.indicator_page(southampton, jsna["smoking"], area, "2022")
    deciles = next(b for b in page.breakdowns if b.slug.startswith("deprivation-decile"))
    assert [r.label for r in deciles.rows] == DECILES
    inequality = deciles.inequality
    assert inequality.gap == pytest.approx(18.0)  # 28% in the most deprived tenth, 10% in the least
    assert inequality.ratio == pytest.approx(2.8)
    # Falling steadily by 2 points a decile over equal populations: about -20 points end to end.
    assert inequality.sii == pytest.approx(-20.0, abs=0.5)
    assert inequality.sii_lower < inequality.sii < inequality.sii_upper


def test_indicator_page_for_a_chosen_area_and_period(client_for, jsna, areas):
    _, comparators = areas
    other = comparators[1]
    url = f"{BASE}/indicators/{jsna['smoking'].pk}/?area={other.gss_code}&period=2019"
    page = _page(client_for("southampton", Role.VIEWER).get(url))
    assert f"Trend in {other.name}" in page
    assert '<option value="2019" selected>' in page


def test_indicator_page_refuses_unknown_area_and_period(client_for, jsna):
    viewer = client_for("southampton", Role.VIEWER)
    pk = jsna["smoking"].pk
    assert viewer.get(f"{BASE}/indicators/{pk}/?area=E06999999").status_code == 404
    assert viewer.get(f"{BASE}/indicators/{pk}/?period=1999").status_code == 404
    assert viewer.get(f"{BASE}/indicators/999999/").status_code == 404


# Worse and worsening ------------------------------------------------------------------------


def test_worse_and_worsening_lists_exactly_the_worsening_indicator(client_for, southampton, jsna):
    listing = selectors.worse_and_worsening(southampton)
    (entry,) = listing.areas
    assert entry.area.gss_code == SOU
    assert [r.indicator.code for r in entry.worsening] == ["smoking"]
    assert sorted(r.indicator.code for r in entry.worse) == ["obesity", "self-harm"]
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/worse/"))
    worsening = re.search(rf'id="worsening-{SOU}">(.*?)</table>', page, re.S).group(1)
    assert worsening.count('data-indicator="') == 1 and 'data-indicator="smoking"' in worsening
    assert "Increasing and getting worse" in worsening
    worse = re.search(rf'id="worse-{SOU}">(.*?)</table>', page, re.S).group(1)
    assert 'data-indicator="self-harm"' in worse and 'data-indicator="activity"' not in worse


# Need projections -----------------------------------------------------------------------------


@pytest.fixture
def dementia(southampton, areas):
    NeedMeasure.objects.filter(partnership=southampton).delete()
    PopulationProjection.objects.filter(partnership=southampton).delete()
    found, _ = areas
    measure = NeedMeasure.objects.create(
        partnership=southampton,
        care_group=southampton.care_groups.get(name="Older people"),
        code="dementia",
        name="People aged 65 to 74 living with dementia",
        source="Test prevalence (after POPPI)",
        assumptions="Prevalence by age and sex stays at its current rate.",
    )
    PrevalenceRate.objects.bulk_create(
        PrevalenceRate(measure=measure, sex=sex, age_band=band, rate=rate)
        for sex, band, rate in (
            ("male", "65-69", 0.01),
            ("male", "70-74", 0.03),
            ("female", "65-69", 0.02),
            ("female", "70-74", 0.04),
        )
    )
    people = {
        2025: (1000, 500, 1200, 700),  # 10 + 15 + 24 + 28 = 77
        2030: (1100, 600, 1300, 800),  # 11 + 18 + 26 + 32 = 87
        2035: (1500, 1000, 1500, 1000),  # 15 + 30 + 30 + 40 = 115
    }
    PopulationProjection.objects.bulk_create(
        PopulationProjection(
            partnership=southampton, area=found[SOU], year=year, sex=sex, age_band=band, population=n
        )
        for year, counts in people.items()
        for (sex, band), n in zip(
            (("male", "65-69"), ("male", "70-74"), ("female", "65-69"), ("female", "70-74")),
            counts,
            strict=True,
        )
    )
    return measure


def test_projections_page_shows_projected_people_change_and_assumptions(client_for, dementia):
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/projections/"))
    assert "<h2>Older people</h2>" in page
    table = re.search(rf'data-measure="dementia" data-area="{SOU}">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r'nhsuk-table__cell--numeric">([^<]*)<', table)
    assert cells == ["77", "–", "–", "87", "+10", "+13.0%", "115", "+38", "+49.4%"]
    assert "Test prevalence (after POPPI)" in page and "stays at its current rate" in page
    rates = re.search(r'data-rates="dementia">(.*?)</table>', page, re.S).group(1)
    assert "70-74" in rates and "3.00" in rates and "4.00" in rates
    figure = _chart_json(page, "chart-dementia")
    assert figure["data"][0]["y"] == [77, 87, 115]


def test_projections_export(client_for, dementia):
    rows = _csv(client_for("southampton", Role.VIEWER).get(f"{BASE}/projections/?format=csv"))
    assert [(r["Year"], r["People"], r["Change from base year"]) for r in rows] == [
        ("2025", "77.0", "0.0"),
        ("2030", "87.0", "10.0"),
        ("2035", "115.0", "38.0"),
    ]


def test_projection_with_a_missing_band_explains_itself(client_for, dementia):
    PrevalenceRate.objects.create(measure=dementia, sex="female", age_band="90+", rate=0.3)
    page = _page(client_for("southampton", Role.VIEWER).get(f"{BASE}/projections/"))
    assert "Cannot project" in page and "female 90+" in page


# Exports --------------------------------------------------------------------------------------


def test_exports_use_the_fingertips_layout(client_for, jsna):
    assert list(fingertips_layout.FINGERTIPS_COLUMNS) == BRIEF_COLUMNS
    viewer = client_for("southampton", Role.VIEWER)
    for url in (
        f"{BASE}/?format=csv",
        f"{BASE}/areas/{SOU}/profile/?format=csv",
        f"{BASE}/indicators/{jsna['smoking'].pk}/?format=csv",
        f"{BASE}/worse/?format=csv",
    ):
        header = _csv_header(viewer.get(url))
        assert header[:22] == BRIEF_COLUMNS[:22] and header[23] == "Time period Sortable", url
        assert re.fullmatch(r"Compared to .+ value or percentiles", header[22])
    # The worse list covers Southampton alone, so its region column is named for the South East.
    assert _csv_header(viewer.get(f"{BASE}/worse/?format=csv"))[22] == (
        "Compared to South East region value or percentiles"
    )


def test_indicator_export_suppresses_small_counts_and_their_partners(client_for, jsna):
    response = client_for("southampton", Role.VIEWER).get(
        f"{BASE}/indicators/{jsna['smoking'].pk}/?format=csv"
    )
    rows = _csv(response)
    deciles = {
        r["Category"]: r
        for r in rows
        if r["Time period"] == "2023" and r["Category Type"] == "Deprivation decile"
    }
    least, ninth, eighth = deciles["10 - least deprived"], deciles["9"], deciles["8"]
    assert least["Value note"] == "Suppressed: fewer than 5"
    assert ninth["Value note"] == "Suppressed to protect a small number"
    for row in (least, ninth):
        for column in ("Value", "Count", "Denominator", "Lower CI 95.0 limit", "Upper CI 99.8 limit"):
            assert row[column] == "", (row["Category"], column)
    assert eighth["Count"] == "160" and eighth["Value"] != ""
    headline = next(
        r
        for r in rows
        if r["Area Code"] == SOU
        and r["Time period"] == "2023"
        and r["Category Type"] == ""
        and r["Sex"] == "Persons"
    )
    assert headline["Indicator ID"] == "92443"
    assert headline["Compared to England value or percentiles"] == "Worse"
    assert headline["Recent Trend"] == "Increasing and getting worse"
    assert headline["Parent Code"] == SE and headline["Time period Sortable"] == "20230000"
    assert headline["Area Type"] == "Unitary authority"


def test_profile_export_as_xlsx_suppresses_the_small_headline(client_for, jsna, areas):
    _, comparators = areas
    response = client_for("southampton", Role.VIEWER).get(f"{BASE}/areas/{SOU}/profile/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:22] == BRIEF_COLUMNS[:22]
    records = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    small = next(
        r
        for r in records
        if r["Indicator Name"] == "Admissions for alcohol"
        and r["Area Code"] == comparators[0].gss_code
        and r["Time period"] == "2023"
    )
    assert small["Value note"] == "Suppressed: fewer than 5"
    assert small["Count"] in (None, "") and small["Value"] in (None, "")
    assert any(r["Recent Trend"] == "Increasing and getting worse" for r in records)


def test_worse_export_holds_the_listed_rows(client_for, jsna):
    rows = _csv(client_for("southampton", Role.VIEWER).get(f"{BASE}/worse/?format=csv"))
    assert sorted(r["Indicator Name"] for r in rows) == [
        "Admissions for self-harm",
        "Obesity in reception-year children",
        "Smoking prevalence in adults",
    ]
    assert {r["Area Code"] for r in rows} == {SOU}
    smoking = next(r for r in rows if r["Indicator Name"] == "Smoking prevalence in adults")
    assert smoking["Compared to South East region value or percentiles"] == "Worse"
    assert smoking["Count"] == "2000" and smoking["Time period"] == "2023"


# Access ---------------------------------------------------------------------------------------


def _pages(jsna):
    return [
        f"{BASE}/",
        f"{BASE}/areas/{SOU}/profile/",
        f"{BASE}/indicators/{jsna['smoking'].pk}/",
        f"{BASE}/worse/",
        f"{BASE}/projections/",
        f"{BASE}/?format=csv",
    ]


def test_another_partnership_cannot_see_southampton_pages_or_indicators(client_for, jsna):
    outsider = client_for("nottinghamshire", Role.COMMISSIONER)
    for url in _pages(jsna):
        assert outsider.get(url).status_code == 404, url
    mine = "/p/nottinghamshire/needs"
    assert outsider.get(f"{mine}/indicators/{jsna['smoking'].pk}/").status_code == 404
    assert outsider.get(f"{mine}/areas/{SOU}/profile/").status_code == 404
    # Nottinghamshire's own pages work with no JSNA data at all.
    for url in (f"{mine}/", f"{mine}/areas/E10000024/profile/", f"{mine}/worse/", f"{mine}/projections/"):
        assert outsider.get(url).status_code == 200, url
    assert _csv_header(outsider.get(f"{mine}/?format=csv"))[:22] == BRIEF_COLUMNS[:22]


def test_provider_contact_is_refused(client_for, jsna):
    provider = client_for("southampton", Role.PROVIDER_CONTACT)
    for url in _pages(jsna):
        assert provider.get(url).status_code == 403, url


# Query counts ---------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_indicators(southampton, areas, how_many):
    found, comparators = areas
    values = []
    for n in range(how_many):
        indicator = _indicator(
            southampton, f"extra-{n}", f"Extra indicator {n}", "Extra", "proportion", "higher_is_better"
        )
        for year in YEARS:
            values += [
                _value(indicator, found[SOU], year, 500 + n, 1000),
                _value(indicator, found[ENG], year, 50, 100),
            ]
            values += [_value(indicator, c, year, 400, 1000) for c in comparators]
    IndicatorValue.objects.bulk_create(values)


def test_queries_are_few_and_do_not_grow_with_the_indicators(client_for, southampton, jsna, areas, dementia):
    viewer = client_for("southampton", Role.VIEWER)
    urls = [
        f"{BASE}/",
        f"{BASE}/areas/{SOU}/profile/",
        f"{BASE}/indicators/{jsna['smoking'].pk}/",
        f"{BASE}/worse/",
        f"{BASE}/projections/",
        f"{BASE}/areas/{SOU}/profile/?format=csv",
    ]
    viewer.get(f"{BASE}/")  # the first request of a session also saves the chosen partnership
    before = {url: _queries(viewer, url) for url in urls}
    assert max(before.values()) <= 15, before
    _more_indicators(southampton, areas, 8)
    after = {url: _queries(viewer, url) for url in urls}
    assert after == before


def test_spread_orients_worst_and_best_by_polarity():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    higher = benchmarking.spread(values, "higher_is_better")
    lower = benchmarking.spread(values, "lower_is_better")
    assert (higher.worst, higher.q25, higher.median, higher.best) == (1.0, 2.0, 3.0, 5.0)
    assert (lower.worst, lower.q25, lower.median, lower.best) == (5.0, 4.0, 3.0, 1.0)


def test_vectorised_quintiles_agree_with_the_statistics_module():
    polarities = {1: "lower_is_better", 2: "higher_is_better", 3: "no_judgement"}
    rng = np.random.default_rng(7)
    base = {"period": "2023", "period_sort": 20230000, "sex": "persons", "age": "All ages"}
    frame = benchmarking.values_frame(
        [
            {**base, "indicator_id": indicator, "area_code": f"E0600{n:04d}", "value": value}
            for indicator in polarities
            for n, value in enumerate(rng.normal(50, 10, size=12))
        ]
    )
    meta = pd.DataFrame(
        [(pk, polarity, "quintiles", "proportion", 100) for pk, polarity in polarities.items()],
        columns=benchmarking.META_COLUMNS,
    )
    labels = benchmarking.quintiles(frame, meta, set(frame["area_code"]))
    for indicator, polarity in polarities.items():
        chosen = (frame["indicator_id"] == indicator).to_numpy()
        expected = stats.quantile_compare(frame.loc[chosen, "value"].to_numpy(), polarity)
        assert list(labels[chosen]) == list(expected)


def test_an_indicator_download_reads_back_through_the_fingertips_importer(client_for, jsna):
    response = client_for("southampton", Role.VIEWER).get(
        f"{BASE}/indicators/{jsna['smoking'].pk}/?format=csv"
    )
    codes = {row["Area Code"] for row in _csv(response)}
    parsed, errors = fingertips.parse(io.BytesIO(response.content), area_codes=codes)
    assert errors == []
    assert parsed.rows_read == len(_csv(response))
