"""A synthetic JSNA for the demo city: person-level records generated here, computed by the engine.

Southampton, the South East, England and Southampton's ten comparators get eight financial
years of records for 22 indicators, drawn from prevalences that vary by age, sex, deprivation,
area and year. The records go through the same import as a partner's own extract (DuckDB
checks, the Ibis engine, the statistics), so the demo shows exactly what real data would.
The numbers are invented; the shape is realistic: Southampton is more deprived than England,
worse and getting worse on self-harm and alcohol, worse but improving on smoking, better on
physical activity. Need projections to 2035 use illustrative POPPI/PANSI-style prevalence.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from commissioning.core.models import User
from commissioning.governance.rules import financial_year_label
from commissioning.needs.models import Indicator, NeedMeasure, PopulationProjection, PrevalenceRate, Sex
from commissioning.needs.services import indicator_link_care_groups, indicators_import
from commissioning.partners.models import Area, CareGroup, Partnership

SEED = 20_190_401
YEARS = tuple(financial_year_label(year) for year in range(2017, 2025))
CITY = "E06000045"
REGION = "E12000008"
ENGLAND = "E92000001"
# Persons sampled per area and year: larger for the region and England, as their published
# figures rest on larger numbers.
SAMPLE = {CITY: 50_000, REGION: 80_000, ENGLAND: 120_000}
COMPARATOR_SAMPLE = 20_000
LOCALITIES = ("Central", "East", "West")  # tied to deprivation: the centre is the most deprived
ETHNIC_GROUPS = ("White", "Asian or Asian British", "Black or Black British", "Mixed", "Other ethnic group")


@dataclass(frozen=True)
class DemoIndicator:
    code: str
    name: str
    topic: str
    value_type: str
    multiplier: int
    unit: str
    polarity: str
    rate: float  # average share of the population with the outcome in England
    ages: str  # which ages it concerns (see AGE_PROFILES)
    deprivation: float  # how much more common in the most deprived decile than the average (0.3 = 30 %)
    male: float  # male prevalence relative to female
    trend: float  # England's change a year (0.02 = 2 % up a year)
    city: float = 1.0  # Southampton relative to England
    city_trend: float | None = None  # Southampton's own change a year, where it differs
    care_group: str = ""
    definition: str = ""


P, CR, DSR = "proportion", "crude_rate", "dsr"
LOW, HIGH, NONE = "lower_is_better", "higher_is_better", "no_judgement"
OLDER, MH, LD, CYP, CARERS, PD = (
    "Older people",
    "Mental health",
    "Learning disability and autism",
    "Children and young people",
    "Carers",
    "Physical disability and sensory impairment",
)

INDICATORS: tuple[DemoIndicator, ...] = (
    DemoIndicator(
        "smoking-prevalence",
        "Smoking prevalence in adults (18+)",
        "Behavioural risk factors",
        P,
        100,
        "%",
        LOW,
        0.14,
        "adult",
        0.6,
        1.2,
        -0.04,
        city=1.25,
        city_trend=-0.05,
        definition="Adults recorded as current smokers, as a percentage of the population.",
    ),
    DemoIndicator(
        "physically-inactive",
        "Physically inactive adults",
        "Behavioural risk factors",
        P,
        100,
        "%",
        LOW,
        0.22,
        "adult",
        0.4,
        0.9,
        0.0,
        city=0.85,
        definition="Adults doing less than 30 minutes of moderate activity a week.",
    ),
    DemoIndicator(
        "obesity-adults",
        "Adults living with obesity (QOF register)",
        "Behavioural risk factors",
        P,
        100,
        "%",
        LOW,
        0.10,
        "adult",
        0.35,
        1.0,
        0.03,
        city=1.05,
    ),
    DemoIndicator(
        "alcohol-admissions",
        "Admission episodes for alcohol-related conditions",
        "Behavioural risk factors",
        DSR,
        100_000,
        "per 100,000",
        LOW,
        0.020,
        "adult",
        0.7,
        1.6,
        0.01,
        city=1.35,
        city_trend=0.05,
        care_group=MH,
    ),
    DemoIndicator(
        "self-harm-admissions",
        "Emergency hospital admissions for intentional self-harm",
        "Mental health",
        DSR,
        100_000,
        "per 100,000",
        LOW,
        0.010,
        "young_adult",
        0.6,
        0.6,
        -0.01,
        city=1.4,
        city_trend=0.06,
        care_group=MH,
    ),
    DemoIndicator(
        "depression-prevalence",
        "Depression: recorded prevalence (18+)",
        "Mental health",
        P,
        100,
        "%",
        NONE,
        0.12,
        "adult",
        0.3,
        0.6,
        0.05,
        city=1.1,
        care_group=MH,
    ),
    DemoIndicator(
        "smi-prevalence",
        "Severe mental illness: recorded prevalence",
        "Mental health",
        P,
        100,
        "%",
        NONE,
        0.009,
        "adult",
        0.8,
        1.1,
        0.01,
        city=1.3,
        care_group=MH,
    ),
    DemoIndicator(
        "secondary-mh-contact",
        "Adults in contact with secondary mental health services",
        "Mental health",
        CR,
        100_000,
        "per 100,000",
        NONE,
        0.025,
        "adult",
        0.5,
        1.0,
        0.02,
        city=1.15,
        care_group=MH,
    ),
    DemoIndicator(
        "dementia-diagnosed",
        "Dementia: recorded prevalence (65+)",
        "Older people",
        P,
        100,
        "%",
        NONE,
        0.008,
        "dementia",
        0.1,
        0.8,
        0.02,
        city=0.95,
        care_group=OLDER,
    ),
    DemoIndicator(
        "falls-admissions",
        "Emergency hospital admissions due to falls in people aged 65+",
        "Older people",
        DSR,
        100_000,
        "per 100,000",
        LOW,
        0.006,
        "older",
        0.2,
        0.7,
        0.01,
        city=1.02,
        care_group=OLDER,
    ),
    DemoIndicator(
        "hip-fractures",
        "Hip fractures in people aged 65+",
        "Older people",
        DSR,
        100_000,
        "per 100,000",
        LOW,
        0.0012,
        "older",
        0.2,
        0.5,
        -0.01,
        care_group=OLDER,
    ),
    DemoIndicator(
        "long-term-support-older",
        "Older people receiving long-term social care support",
        "Older people",
        CR,
        100_000,
        "per 100,000",
        NONE,
        0.009,
        "older",
        0.4,
        0.7,
        -0.01,
        city=1.1,
        care_group=OLDER,
    ),
    DemoIndicator(
        "reablement-at-home",
        "Older people still at home 91 days after reablement",
        "Older people",
        P,
        100,
        "%",
        HIGH,
        0.015,
        "older",
        -0.1,
        1.0,
        0.02,
        city=1.08,
        care_group=OLDER,
    ),
    DemoIndicator(
        "learning-disability-register",
        "Learning disability: GP register",
        "Learning disability and autism",
        P,
        100,
        "%",
        NONE,
        0.005,
        "flat",
        0.4,
        1.4,
        0.02,
        city=1.1,
        care_group=LD,
    ),
    DemoIndicator(
        "autism-diagnosed",
        "Autism: recorded diagnosis",
        "Learning disability and autism",
        P,
        100,
        "%",
        NONE,
        0.011,
        "child",
        0.1,
        3.0,
        0.08,
        care_group=LD,
    ),
    DemoIndicator(
        "child-obesity",
        "Children living with obesity",
        "Children and young people",
        P,
        100,
        "%",
        LOW,
        0.05,
        "child",
        0.7,
        1.1,
        0.01,
        city=1.1,
        care_group=CYP,
    ),
    DemoIndicator(
        "children-in-need",
        "Children in need",
        "Children and young people",
        CR,
        10_000,
        "per 10,000",
        NONE,
        0.0075,
        "child",
        1.0,
        1.1,
        0.0,
        city=1.2,
        care_group=CYP,
    ),
    DemoIndicator(
        "looked-after-children",
        "Children looked after",
        "Children and young people",
        CR,
        10_000,
        "per 10,000",
        NONE,
        0.0017,
        "child",
        1.2,
        1.2,
        0.02,
        city=1.4,
        care_group=CYP,
    ),
    DemoIndicator(
        "unpaid-carers",
        "People providing unpaid care",
        "Carers",
        P,
        100,
        "%",
        NONE,
        0.09,
        "carer",
        0.1,
        0.7,
        -0.01,
        city=0.9,
        care_group=CARERS,
    ),
    DemoIndicator(
        "carers-supported",
        "Carers receiving support from social care",
        "Carers",
        P,
        100,
        "%",
        HIGH,
        0.012,
        "carer",
        0.0,
        0.7,
        0.01,
        city=0.8,
        care_group=CARERS,
    ),
    DemoIndicator(
        "cvd-mortality-u75",
        "Deaths from cardiovascular disease in people under 75",
        "Mortality",
        DSR,
        100_000,
        "per 100,000",
        LOW,
        0.0010,
        "rising",
        0.9,
        1.8,
        -0.02,
        city=1.15,
        care_group=PD,
    ),
    DemoIndicator(
        "sensory-impairment",
        "People registered blind, partially sighted or deaf",
        "Physical and sensory",
        CR,
        100_000,
        "per 100,000",
        NONE,
        0.006,
        "rising",
        0.2,
        0.9,
        -0.01,
        care_group=PD,
    ),
)


def _age_profile(kind: str, age: np.ndarray) -> np.ndarray:
    """How common an outcome is at each age, relative to its average across the ages it concerns."""
    adult = (age >= 18).astype(float)
    if kind == "adult":
        return adult
    if kind == "child":
        return (age < 18).astype(float)
    if kind == "young_adult":
        return np.where((age >= 10) & (age < 45), 2.0, np.where(age >= 45, 0.6, 0.0))
    if kind == "older":
        return np.where(age >= 65, np.exp((age - 65) / 9.0), 0.0) / 1.8
    if kind == "dementia":
        return np.where(age >= 65, 2.0 ** ((age - 65) / 5.0), 0.0) / 4.0
    if kind == "carer":
        return np.where((age >= 40) & (age < 75), 1.8, np.where(age >= 16, 0.6, 0.0))
    if kind == "rising":
        return np.clip((age - 25) / 30.0, 0.0, None)
    return np.ones_like(age, dtype=float)


def _ages(rng: np.random.Generator, size: int) -> np.ndarray:
    ages = np.arange(100)
    weights = np.where(ages < 60, 1.0, np.exp(-(ages - 60) / 14.0))
    return rng.choice(ages, size=size, p=weights / weights.sum())


def _deciles(rng: np.random.Generator, size: int, tilt: float) -> np.ndarray:
    """Deprivation deciles, tilted towards the most deprived (tilt > 0) or least deprived (< 0)."""
    deciles = np.arange(1, 11)
    weights = np.exp(-tilt * (deciles - 5.5) / 4.5)
    return rng.choice(deciles, size=size, p=weights / weights.sum())


def generate_records(comparators: list[str], *, seed: int = SEED) -> pd.DataFrame:
    """One row per person per year for the city, region, England and comparators, with 0/1 outcomes."""
    rng = np.random.default_rng(seed)
    areas = [(CITY, SAMPLE[CITY], 0.45), (REGION, SAMPLE[REGION], -0.2), (ENGLAND, SAMPLE[ENGLAND], 0.0)]
    areas += [(code, COMPARATOR_SAMPLE, float(rng.uniform(-0.2, 0.5))) for code in comparators]
    area_effect = {code: rng.lognormal(0.0, 0.08, size=len(INDICATORS)) for code, _, _ in areas}
    area_effect[ENGLAND] = np.ones(len(INDICATORS))
    area_effect[REGION] = rng.lognormal(-0.05, 0.04, size=len(INDICATORS))
    frames = []
    for code, size, tilt in areas:
        for year_index, period in enumerate(YEARS):
            age = _ages(rng, size)
            decile = _deciles(rng, size, tilt)
            male = rng.random(size) < 0.49
            shares = (
                np.array([0.80, 0.10, 0.04, 0.03, 0.03])
                if code != CITY
                else np.array([0.78, 0.12, 0.05, 0.03, 0.02])
            )
            frame = pd.DataFrame(
                {
                    "area_code": code,
                    "period": period,
                    "sex": np.where(male, "M", "F"),
                    "age": age.astype(np.int16),
                    "deprivation_decile": decile.astype(np.int8),
                    "ethnicity": np.asarray(ETHNIC_GROUPS)[rng.choice(5, size=size, p=shares)],
                    # The city's three localities; other areas' records carry none.
                    "locality": (
                        np.asarray(LOCALITIES)[np.clip((decile - 1) // 4 + rng.integers(-1, 2, size), 0, 2)]
                        if code == CITY
                        else None
                    ),
                }
            )
            deprivation = (5.5 - decile) / 4.5
            for position, spec in enumerate(INDICATORS):
                change = spec.city_trend if (code == CITY and spec.city_trend is not None) else spec.trend
                level = spec.city if code == CITY else float(area_effect[code][position])
                probability = (
                    spec.rate
                    * _age_profile(spec.ages, age)
                    * np.clip(1.0 + spec.deprivation * deprivation, 0.05, None)
                    * np.where(male, 2 * spec.male / (1 + spec.male), 2 / (1 + spec.male))
                    * level
                    * (1.0 + change) ** (year_index - 3.5)
                )
                frame[spec.code.replace("-", "_")] = (
                    rng.random(size) < np.clip(probability, 0, 0.95)
                ).astype(np.int8)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _definitions_csv(path: Path) -> Path:
    rows = [
        {
            "code": spec.code,
            "name": spec.name,
            "value_type": spec.value_type,
            "multiplier": spec.multiplier,
            "unit": spec.unit,
            "polarity": spec.polarity,
            "benchmark_method": "ci_overlap_95",
            "topic": spec.topic,
            "definition": spec.definition or f"{spec.name}. Synthetic demo data.",
            "source": "Demo: synthetic person-level records computed by the platform",
        }
        for spec in INDICATORS
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


# Need projections ----------------------------------------------------------------------------

OLDER_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
WORKING_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64")
# Illustrative prevalence (fractions), shaped like the published POPPI/PANSI tables.
NEED_MEASURES = (
    (
        "dementia-65-plus",
        "People aged 65 and over living with dementia",
        OLDER,
        {
            "male": (0.015, 0.031, 0.051, 0.102, 0.164, 0.292),
            "female": (0.018, 0.030, 0.066, 0.117, 0.203, 0.331),
        },
        OLDER_BANDS,
    ),
    (
        "domestic-task-65-plus",
        "People aged 65 and over unable to manage at least one domestic task on their own",
        OLDER,
        {
            "male": (0.12, 0.15, 0.21, 0.27, 0.40, 0.55),
            "female": (0.18, 0.21, 0.29, 0.37, 0.53, 0.70),
        },
        OLDER_BANDS,
    ),
    (
        "learning-disability-18-64",
        "Adults aged 18 to 64 with a learning disability",
        LD,
        {
            "male": (0.0305, 0.0302, 0.0296, 0.0282, 0.0256),
            "female": (0.0220, 0.0217, 0.0212, 0.0202, 0.0184),
        },
        WORKING_BANDS,
    ),
)
# Residents by sex and band in the base year, and growth a year (older bands grow fastest).
BASE_POPULATION = {
    CITY: {
        "65-69": (5_600, 5_700),
        "70-74": (4_900, 5_300),
        "75-79": (3_600, 4_200),
        "80-84": (2_400, 3_200),
        "85-89": (1_300, 2_100),
        "90+": (500, 1_200),
        "18-24": (18_500, 17_900),
        "25-34": (21_200, 19_800),
        "35-44": (16_900, 15_600),
        "45-54": (14_800, 14_300),
        "55-64": (12_900, 12_800),
    },
}
GROWTH = {
    "65-69": 0.010,
    "70-74": 0.018,
    "75-79": 0.026,
    "80-84": 0.030,
    "85-89": 0.032,
    "90+": 0.040,
    "18-24": 0.002,
    "25-34": 0.001,
    "35-44": 0.006,
    "45-54": 0.000,
    "55-64": 0.008,
}
PROJECTION_YEARS = range(2024, 2036)


def _projections(partnership: Partnership, actor: User, say: Callable[[str], None]) -> None:
    if NeedMeasure.objects.filter(partnership=partnership).exists():
        return
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    for code, name, group, rates, bands in NEED_MEASURES:
        measure = NeedMeasure.objects.create(
            partnership=partnership,
            care_group=groups.get(group),
            code=code,
            name=name,
            source="Demo: illustrative prevalence rates in the manner of POPPI and PANSI",
            assumptions=(
                "Prevalence by age band and sex stays at today's rates; the number in need changes only "
                "with the size and age of the population. Population from the demo's projection, growing "
                "fastest in the oldest age bands."
            ),
        )
        PrevalenceRate.objects.bulk_create(
            PrevalenceRate(measure=measure, sex=sex, age_band=band, rate=rate)
            for sex, values in rates.items()
            for band, rate in zip(bands, values, strict=True)
        )
    area = Area.objects.get(gss_code=CITY)
    PopulationProjection.objects.bulk_create(
        PopulationProjection(
            partnership=partnership,
            area=area,
            year=year,
            sex=sex,
            age_band=band,
            population=round(base[index] * (1 + GROWTH[band]) ** (year - PROJECTION_YEARS.start)),
            source="Demo: illustrative projection shaped like ONS subnational population projections",
        )
        for band, base in BASE_POPULATION[CITY].items()
        for index, sex in enumerate((Sex.MALE, Sex.FEMALE))
        for year in PROJECTION_YEARS
    )
    say(f"  need projections: {len(NEED_MEASURES)} measures to {PROJECTION_YEARS.stop - 1}")


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    partnership = Partnership.objects.filter(slug="southampton").first()
    if partnership is None:
        return
    if not Indicator.objects.filter(partnership=partnership).exists():
        comparators = list(Area.objects.get(gss_code=CITY).comparators.values_list("gss_code", flat=True))
        records = generate_records(sorted(comparators))
        with tempfile.TemporaryDirectory(prefix="demo-jsna-") as folder:
            path = Path(folder) / "southampton-jsna-records.parquet"
            records.to_parquet(path, index=False)
            batch = indicators_import(
                actor=actor,
                partnership=partnership,
                path=path,
                file_name="southampton-jsna-records.parquet",
                definitions=_definitions_csv(Path(folder) / "definitions.csv"),
            )
        indicator_link_care_groups(
            actor=actor,
            partnership=partnership,
            links={spec.code: [spec.care_group] for spec in INDICATORS if spec.care_group},
        )
        say(
            f"  JSNA: {len(INDICATORS)} indicators, {batch.values_written:,} values "
            f"from {len(records):,} person-level records"
        )
    _projections(partnership, actor, say)
