"""Need projections: prevalence × population, checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commissioning.needs.projections import by_band, change_from_base, project


def prevalence(*rows):
    return pd.DataFrame(rows, columns=["measure", "sex", "age_band", "rate"])


def population(*rows):
    return pd.DataFrame(rows, columns=["area_code", "year", "sex", "age_band", "population"])


DEMENTIA = prevalence(
    ("dementia", "male", "65-69", 0.01),
    ("dementia", "male", "70-74", 0.03),
    ("dementia", "female", "65-69", 0.02),
    ("dementia", "female", "70-74", 0.04),
)
PEOPLE = population(
    ("E06000045", 2025, "male", "65-69", 1000),
    ("E06000045", 2025, "male", "70-74", 500),
    ("E06000045", 2025, "female", "65-69", 1200),
    ("E06000045", 2025, "female", "70-74", 700),
    ("E06000045", 2030, "male", "65-69", 1100),
    ("E06000045", 2030, "male", "70-74", 600),
    ("E06000045", 2030, "female", "65-69", 1300),
    ("E06000045", 2030, "female", "70-74", 800),
    # A band with no rate adds nobody.
    ("E06000045", 2025, "male", "18-24", 9000),
)


def test_projection_multiplies_rates_by_population_and_sums_bands():
    result = project(DEMENTIA, PEOPLE)
    assert list(result.columns) == ["measure", "area_code", "year", "people"]
    by_year = dict(zip(result["year"], result["people"], strict=True))
    # 2025: 1000×.01 + 500×.03 + 1200×.02 + 700×.04 = 10 + 15 + 24 + 28 = 77
    # 2030: 1100×.01 + 600×.03 + 1300×.02 + 800×.04 = 11 + 18 + 26 + 32 = 87
    assert by_year == pytest.approx({2025: 77.0, 2030: 87.0})


def test_projection_by_band_keeps_the_detail():
    detail = by_band(DEMENTIA, PEOPLE)
    row = detail[(detail["year"] == 2030) & (detail["sex"] == "female") & (detail["age_band"] == "70-74")]
    assert row["people"].item() == pytest.approx(32.0)
    assert row["population"].item() == 800
    assert "18-24" not in set(detail["age_band"])
    assert detail.groupby("year")["people"].sum().to_dict() == pytest.approx({2025: 77.0, 2030: 87.0})


def test_several_measures_and_areas_are_projected_separately():
    rates = pd.concat(
        [DEMENTIA, prevalence(("falls", "male", "65-69", 0.5), ("falls", "female", "65-69", 0.5))]
    )
    people = pd.concat([PEOPLE, PEOPLE.assign(area_code="E06000044", population=PEOPLE["population"] * 2)])
    result = project(rates, people).set_index(["measure", "area_code", "year"])["people"]
    assert result[("dementia", "E06000044", 2025)] == pytest.approx(154.0)
    # falls 2025 in Southampton: (1000 + 1200) × 0.5 = 1100
    assert result[("falls", "E06000045", 2025)] == pytest.approx(1100.0)
    assert len(result) == 8


def test_persons_rates_use_male_plus_female_population():
    rates = prevalence(("ld", "persons", "65-69", 0.1))
    result = project(rates, PEOPLE)
    # 2025: (1000 + 1200) × 0.1 = 220; 2030: (1100 + 1300) × 0.1 = 240
    assert result["people"].tolist() == pytest.approx([220.0, 240.0])


def test_missing_population_band_is_named():
    rates = pd.concat([DEMENTIA, prevalence(("dementia", "female", "90+", 0.3))])
    with pytest.raises(ValueError, match=r"no figures for female 90\+"):
        project(rates, PEOPLE)


def test_band_missing_in_one_year_is_named_with_where():
    gappy = PEOPLE[~((PEOPLE["year"] == 2030) & (PEOPLE["age_band"] == "70-74") & (PEOPLE["sex"] == "male"))]
    with pytest.raises(ValueError, match=r"male 70-74 .*E06000045 in 2030"):
        project(DEMENTIA, gappy)


@pytest.mark.parametrize(
    "rates, message",
    [
        (prevalence(("d", "male", "65-69", 1.5)), "between 0 and 1"),
        (prevalence(("d", "male", "65-69", 0.1), ("d", "male", "65-69", 0.2)), "more than one rate"),
        (prevalence(("d", "male", "65-69", 0.1), ("d", "persons", "65-69", 0.2)), "count people twice"),
    ],
)
def test_bad_rates_are_refused(rates, message):
    with pytest.raises(ValueError, match=message):
        project(rates, PEOPLE)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="no rate column"):
        project(DEMENTIA.drop(columns="rate"), PEOPLE)


def test_change_from_base_year():
    changed = change_from_base(project(DEMENTIA, PEOPLE))
    last = changed[changed["year"] == 2030].iloc[0]
    assert last["base_year"] == 2025
    assert last["change"] == pytest.approx(10.0)
    assert last["change_percent"] == pytest.approx(10 / 77 * 100)
    first = changed[changed["year"] == 2025].iloc[0]
    assert first["change"] == 0


def test_change_from_zero_has_no_percentage():
    zero = pd.DataFrame(
        {"measure": ["m", "m"], "area_code": ["A", "A"], "year": [2025, 2030], "people": [0.0, 5.0]}
    )
    changed = change_from_base(zero)
    assert changed["change"].tolist() == [0.0, 5.0]
    assert math.isnan(changed["change_percent"].iloc[1])
