"""Need projections in the manner of POPPI and PANSI: prevalence by sex and age band × population.

A measure says what share of each sex and age band has a need (e.g. dementia); an area's projected
population by year, sex and age band turns that into the number of people expected to have it.
The prevalence is held constant, so the projection shows the effect of demographic change alone;
that is the assumption the pages state next to every figure.

Pure pandas, no Django: the pages, the CLI and a notebook all project the same way.
"""

from __future__ import annotations

import pandas as pd

PREVALENCE_COLUMNS = ("measure", "sex", "age_band", "rate")
POPULATION_COLUMNS = ("area_code", "year", "sex", "age_band", "population")
PERSONS = "persons"
_SHOWN = 8  # missing bands named in an error message before "and N more"


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"The {name} table has no {', '.join(missing)} column.")


def _named(pairs: list[tuple[str, str]]) -> str:
    words = [f"{sex} {band}" for sex, band in pairs[:_SHOWN]]
    more = len(pairs) - _SHOWN
    return ", ".join(words) + (f" and {more} more" if more > 0 else "")


def _with_persons(population: pd.DataFrame, prevalence: pd.DataFrame) -> pd.DataFrame:
    """Add 'persons' rows (male + female) for bands whose rate is for both sexes together.

    POPPI gives some rates for persons only; a population split by sex still serves them.
    """
    wanted = set(prevalence.loc[prevalence["sex"] == PERSONS, "age_band"])
    have = set(population.loc[population["sex"] == PERSONS, "age_band"])
    derive = wanted - have
    if not derive:
        return population
    split = population[population["age_band"].isin(derive) & population["sex"].isin(["male", "female"])]
    persons = split.groupby(["area_code", "year", "age_band"], as_index=False)["population"].sum()
    persons["sex"] = PERSONS
    return pd.concat([population, persons[list(POPULATION_COLUMNS)]], ignore_index=True)


def _checked(prevalence: pd.DataFrame, population: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refuse inputs that would silently under- or double-count, naming what is wrong."""
    _require_columns(prevalence, PREVALENCE_COLUMNS, "prevalence")
    _require_columns(population, POPULATION_COLUMNS, "population")
    prevalence = prevalence[list(PREVALENCE_COLUMNS)].copy()
    population = population[list(POPULATION_COLUMNS)].copy()
    if prevalence["rate"].isna().any() or ((prevalence["rate"] < 0) | (prevalence["rate"] > 1)).any():
        raise ValueError("Prevalence rates must be fractions between 0 and 1.")
    if population["population"].isna().any() or (population["population"] < 0).any():
        raise ValueError("Populations must be zero or more.")
    repeated = prevalence.duplicated(["measure", "sex", "age_band"])
    if repeated.any():
        pairs = list(prevalence.loc[repeated, ["sex", "age_band"]].itertuples(index=False, name=None))
        raise ValueError(f"Prevalence gives more than one rate for {_named(pairs)}.")
    sexes = prevalence.groupby(["measure", "age_band"])["sex"].agg(set)
    mixed = [band for (_, band), s in sexes.items() if PERSONS in s and len(s) > 1]
    if mixed:
        raise ValueError(
            f"Prevalence gives both a persons rate and a rate by sex for {', '.join(sorted(set(mixed)))}; "
            "that would count people twice."
        )
    population = _with_persons(population, prevalence)
    bands = prevalence[["sex", "age_band"]].drop_duplicates()
    present = population[["sex", "age_band"]].drop_duplicates()
    absent = bands.merge(present, how="left", indicator=True)
    absent = absent[absent["_merge"] == "left_only"]
    if len(absent):
        pairs = sorted(absent[["sex", "age_band"]].itertuples(index=False, name=None))
        raise ValueError(f"The population has no figures for {_named(pairs)}, which the prevalence uses.")
    # Every area and year must have every band the rates use, or its total would come out low.
    places = population[["area_code", "year"]].drop_duplicates()
    expected = places.merge(bands, how="cross")
    gaps = expected.merge(population[["area_code", "year", "sex", "age_band"]], how="left", indicator=True)
    gaps = gaps[gaps["_merge"] == "left_only"]
    if len(gaps):
        first = gaps.iloc[0]
        pairs = sorted(gaps[["sex", "age_band"]].drop_duplicates().itertuples(index=False, name=None))
        raise ValueError(
            f"The population has no figures for {_named(pairs)} in some years or areas "
            f"(first: {first['area_code']} in {first['year']}), which the prevalence uses."
        )
    return prevalence, population


def by_band(prevalence: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """People with each need by area, year, sex and age band: the detail behind :func:`project`.

    Columns: measure, area_code, year, sex, age_band, rate, population, people. Bands in the
    population that the measure has no rate for are left out (they add no need).
    """
    prevalence, population = _checked(prevalence, population)
    detail = prevalence.merge(population, on=["sex", "age_band"], how="inner")
    detail["people"] = detail["rate"] * detail["population"]
    columns = ["measure", "area_code", "year", "sex", "age_band", "rate", "population", "people"]
    return detail[columns].sort_values(["measure", "area_code", "year", "sex", "age_band"], ignore_index=True)


def project(prevalence: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Projected people with each need: prevalence × population summed over sex and age bands.

    ``prevalence``: measure, sex, age_band, rate (a fraction). ``population``: area_code, year, sex,
    age_band, population. Returns measure, area_code, year, people. Raises ``ValueError`` naming
    any band the rates use that the population lacks.
    """
    detail = by_band(prevalence, population)
    return detail.groupby(["measure", "area_code", "year"], as_index=False, sort=True)["people"].sum()


def change_from_base(projected: pd.DataFrame) -> pd.DataFrame:
    """Add each measure and area's change since its first year, as a number and a percentage.

    The percentage is blank where the base year has nobody (a change from zero has no ratio).
    """
    out = projected.sort_values(["measure", "area_code", "year"], ignore_index=True)
    base = out.groupby(["measure", "area_code"])["people"].transform("first")
    out["base_year"] = out.groupby(["measure", "area_code"])["year"].transform("first")
    out["change"] = out["people"] - base
    out["change_percent"] = (out["change"] / base.where(base != 0)) * 100
    return out
