"""Loading what need projections rest on: population projections and prevalence rates."""

from __future__ import annotations

import pytest

from commissioning.core.imports import ImportFailed
from commissioning.core.permissions import Role
from commissioning.needs.models import NeedMeasure, PopulationProjection, PrevalenceRate
from commissioning.needs.services import population_import, prevalence_import

POPULATION = """area_code,year,sex,age_band,population,source
E10000024,2030,male,65-74,10000,ONS 2018-based projections
E10000024,2030,female,65-74,11000,ONS 2018-based projections
E10000024,2035,male,65-74,12000,ONS 2018-based projections
E10000024,2035,female,65-74,13000,ONS 2018-based projections
"""
PREVALENCE = """measure_code,measure_name,care_group,sex,age_band,rate,source,assumptions
falls-65-74,People aged 65-74 who fall,Older people,male,65-74,0.2,Demo rates,Rates stay as today
falls-65-74,People aged 65-74 who fall,Older people,female,65-74,0.3,Demo rates,Rates stay as today
"""


@pytest.fixture
def analyst(user_for):
    return user_for("southampton", Role.COMMISSIONER)


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_population_and_prevalence_load_and_project(nottinghamshire, user_for, tmp_path, client_for):
    analyst = user_for("nottinghamshire", Role.COMMISSIONER)
    assert (
        population_import(
            actor=analyst, partnership=nottinghamshire, path=_file(tmp_path, "p.csv", POPULATION)
        )
        == 4
    )
    assert (
        prevalence_import(
            actor=analyst, partnership=nottinghamshire, path=_file(tmp_path, "r.csv", PREVALENCE)
        )
        == 2
    )
    measure = NeedMeasure.objects.get(partnership=nottinghamshire, code="falls-65-74")
    assert measure.care_group.name == "Older people"
    assert measure.assumptions == "Rates stay as today"
    assert sorted(measure.rates.values_list("rate", flat=True)) == [0.2, 0.3]
    page = (
        client_for("nottinghamshire", Role.VIEWER)
        .get("/p/nottinghamshire/needs/projections/")
        .content.decode()
    )
    assert "People aged 65-74 who fall" in page
    # 2035: 12,000 × 0.2 + 13,000 × 0.3 = 6,300 people
    assert "6,300" in page


def test_loading_again_replaces_the_same_years_and_rates(southampton, analyst, tmp_path):
    for _ in range(2):
        population_import(actor=analyst, partnership=southampton, path=_file(tmp_path, "p.csv", POPULATION))
        prevalence_import(actor=analyst, partnership=southampton, path=_file(tmp_path, "r.csv", PREVALENCE))
    assert PopulationProjection.objects.filter(partnership=southampton, age_band="65-74").count() == 4
    assert PrevalenceRate.objects.filter(measure__code="falls-65-74").count() == 2


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("E06999999,2030,male,75-84,5,", "area_code", "unknown area code"),
        ("E10000024,20300,male,75-84,5,", "year", "must be a year"),
        ("E10000024,2030,men,75-84,5,", "sex", "male, female or persons"),
        ("E10000024,2030,male,75-84,-5,", "population", "0 or more"),
        ("E10000024,2030,male,65-74,5,", "age_band", "repeats row 2"),
    ],
)
def test_bad_population_rows_are_named_and_nothing_lands(southampton, analyst, tmp_path, line, column, words):
    before = PopulationProjection.objects.count()
    with pytest.raises(ImportFailed) as failure:
        population_import(
            actor=analyst, partnership=southampton, path=_file(tmp_path, "p.csv", POPULATION + line)
        )
    assert [(e.row, e.column) for e in failure.value.errors] == [(6, column)]
    assert words in failure.value.errors[0].reason
    assert PopulationProjection.objects.count() == before


def test_bad_prevalence_rows_are_named(southampton, analyst, tmp_path):
    bad = PREVALENCE + "falls-65-74,People aged 65-74 who fall,Nobody,persons,75-84,7.1,,\n"
    with pytest.raises(ImportFailed) as failure:
        prevalence_import(actor=analyst, partnership=southampton, path=_file(tmp_path, "r.csv", bad))
    assert [(e.row, e.column) for e in failure.value.errors] == [(4, "care_group"), (4, "rate")]
    assert not NeedMeasure.objects.filter(code="falls-65-74").exists()


def test_the_upload_page_and_the_command_take_projection_files(southampton, client_for, tmp_path, capsys):
    from commissioning.cli import main

    client = client_for("southampton", Role.COMMISSIONER)
    with _file(tmp_path, "population.csv", POPULATION).open("rb") as handle:
        response = client.post("/p/southampton/needs/import/", {"file": handle}, follow=True)
    assert "Imported 4 population projections from population.csv." in response.content.decode()
    code = main(
        [
            "import",
            "prevalence",
            str(_file(tmp_path, "r.csv", PREVALENCE)),
            "--partnership",
            "southampton",
            "--no-migrate",
        ]
    )
    assert code == 0
    assert "Imported 2 prevalence rates from r.csv" in capsys.readouterr().out
