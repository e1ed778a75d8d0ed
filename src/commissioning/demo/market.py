"""The market and the contract register: Southampton's providers with their quality ratings, 150
contracts across the council and the CCG, 2,000 placements and packages of care, grants to the
voluntary sector and two procurements in progress; a handful of Nottinghamshire providers and
contracts so that each partnership sees only its own.

Apart from the two NHS trusts already in the demo partnerships, every provider and person is
invented; the shape (care groups, the Better Care Fund's schemes, the buyer's team buying placements
at negotiated prices, duplicated contracts the unit was set up to end) follows the Southampton
documents. A fixed seed makes the data the same on every load, and dates are
anchored to ``DEMO_TODAY`` rather than the real today so that "ending within six months" stays true.
Bulk rows go in with ``bulk_create`` and one audit insert per kind: the loader must stay fast because
every test database loads it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from commissioning.contracts.categories import add_months
from commissioning.contracts.models import (
    AwardRoute,
    Contract,
    ContractStatus,
    Frequency,
    Funding,
    Grant,
    Kpi,
    Outcome,
    PaymentBasis,
    Placement,
    Polarity,
    SupportOption,
)
from commissioning.core.audit import Auditor, snapshot
from commissioning.core.models import User
from commissioning.core.money import pounds
from commissioning.core.permissions import Role
from commissioning.demo.partners import demo_username
from commissioning.finance.models import BudgetLine, PooledFund, Scheme
from commissioning.market import services as market_services
from commissioning.market.models import (
    CapacityUnit,
    Location,
    PanelRole,
    Procurement,
    ProcurementCategory,
    Provider,
    QualityRating,
    Rating,
    RatingSource,
    Sector,
    ServiceOffer,
    ServiceType,
)
from commissioning.market.models import Stage as ProcurementStage
from commissioning.market.rulesets import load_rule_sets
from commissioning.partners import identifiers
from commissioning.partners import services as partner_services
from commissioning.partners.models import Area, CareGroup, Organisation, Partnership

# The day of the Integrated Commissioning Board's November 2026 meeting in the governance demo: the
# demo's "today", so that expiry windows and "in progress" stay true whenever the demo is loaded.
DEMO_TODAY = dt.date(2026, 11, 17)
SEED = 20261117
SOUTHAMPTON_CONTRACTS = 150
SOUTHAMPTON_PLACEMENTS = 2000

S = ServiceType
K = Organisation.Kind
Q = QualityRating

# Rating histories: each is a path of ratings from the first inspection to the latest.
RATING_PATHS: dict[str, tuple[str, ...]] = {
    "steady": (Q.GOOD, Q.GOOD),
    "improving": (Q.REQUIRES_IMPROVEMENT, Q.GOOD),
    "falling": (Q.GOOD, Q.REQUIRES_IMPROVEMENT),
    "falling_again": (Q.GOOD, Q.GOOD, Q.REQUIRES_IMPROVEMENT),
    "recovered": (Q.GOOD, Q.REQUIRES_IMPROVEMENT, Q.GOOD),
    "star": (Q.GOOD, Q.OUTSTANDING),
    "star_kept": (Q.GOOD, Q.OUTSTANDING, Q.OUTSTANDING),
    "three_good": (Q.GOOD, Q.GOOD, Q.GOOD),
    "failing": (Q.GOOD, Q.REQUIRES_IMPROVEMENT, Q.INADEQUATE),
    "new": (Q.NOT_YET_RATED,),
    "local": (Q.GOOD, Q.GOOD),
    "local_improving": (Q.REQUIRES_IMPROVEMENT, Q.GOOD),
}


@dataclass(frozen=True)
class DemoProvider:
    name: str
    kind: str
    sector: str
    # (service type, capacity) — the unit follows from the service type.
    services: tuple[tuple[str, int | None], ...]
    # (location name, postcode)
    locations: tuple[tuple[str, str], ...]
    ratings: str
    is_sme: bool = True
    description: str = ""
    ods_code: str = ""


P = DemoProvider
PRIVATE, VCSE, NHS, SOCIAL = (
    Sector.PRIVATE.value,
    Sector.VCSE.value,
    Sector.NHS.value,
    Sector.SOCIAL_ENTERPRISE.value,
)

SOUTHAMPTON_PROVIDERS: tuple[DemoProvider, ...] = (
    # NHS: Solent NHS Trust is already in the partnership as an associate.
    P(
        "Solent NHS Trust",
        K.NHS_TRUST,
        NHS,
        ((S.COMMUNITY_HEALTH, None), (S.REABLEMENT, 900), (S.MENTAL_HEALTH, None), (S.EQUIPMENT, None)),
        (("Royal South Hants community hub", "SO14 0YG"), ("Western Community Hospital site", "SO16 4XE")),
        "steady",
        is_sme=False,
        description="Community and mental health services across the city.",
        ods_code="R1C",
    ),
    P(
        "Hamble Vale Community Health NHS Foundation Trust",
        K.NHS_TRUST,
        NHS,
        ((S.COMMUNITY_HEALTH, None), (S.MENTAL_HEALTH, None)),
        (("Hamble Vale headquarters", "SO19 8BR"),),
        "falling",
        is_sme=False,
        description="Community nursing, therapies and specialist mental health services.",
        ods_code="RZH",
    ),
    # Home care agencies.
    P(
        "Itchen Valley Home Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 4200), (S.REABLEMENT, 600)),
        (("Itchen Valley Home Care office", "SO18 2NL"),),
        "star",
        is_sme=False,
    ),
    P(
        "Bitterne Park Homecare Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 2600),),
        (("Bitterne Park office", "SO18 1RT"),),
        "steady",
    ),
    P(
        "Shirley Home Support Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 1800),),
        (("Shirley High Street office", "SO15 3NX"),),
        "falling",
    ),
    P(
        "Woolston Riverside Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 2200), (S.SUPPORTED_LIVING, 700)),
        (("Woolston Riverside office", "SO19 9AW"),),
        "recovered",
    ),
    P(
        "Portswood Care at Home Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 3100),),
        (("Portswood Road office", "SO17 2FW"),),
        "three_good",
        is_sme=False,
    ),
    P(
        "Westgate Domiciliary Services Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 1500),),
        (("Westgate office", "SO14 2AQ"),),
        "improving",
    ),
    P(
        "Weston Shore Homecare Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 1200),),
        (("Weston Shore office", "SO19 9HJ"),),
        "new",
    ),
    P(
        "Sholing Community Carers Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 2000),),
        (("Sholing office", "SO19 8PT"),),
        "falling_again",
    ),
    # Care homes, residential and nursing.
    P(
        "Itchen Valley Care Homes Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 64), (S.NURSING, 40)),
        (("Riverside House", "SO18 2HW"), ("Mansbridge Lodge", "SO18 3HW")),
        "steady",
        is_sme=False,
    ),
    P(
        "Bassett Green Nursing Home Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.NURSING, 58),),
        (("Bassett Green Nursing Home", "SO16 3NP"),),
        "star_kept",
    ),
    P(
        "Lordshill Lodge Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 42),),
        (("Lordshill Lodge", "SO16 8HY"),),
        "falling",
    ),
    P(
        "Peartree House Residential Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 36),),
        (("Peartree House", "SO19 7GZ"),),
        "three_good",
    ),
    P(
        "Redbridge Court Care Homes Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 50), (S.NURSING, 30)),
        (("Redbridge Court", "SO16 9BL"),),
        "failing",
        description="Placements suspended after the latest inspection; the quality team is supporting "
        "residents and families.",
    ),
    P(
        "Thornhill Manor Nursing Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.NURSING, 72),),
        (("Thornhill Manor", "SO19 6FH"),),
        "recovered",
        is_sme=False,
    ),
    P(
        "Swaythling Grange Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 45), (S.NURSING, 25)),
        (("Swaythling Grange", "SO18 2RD"),),
        "improving",
    ),
    P(
        "Freemantle Gardens Care Home Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 38),),
        (("Freemantle Gardens", "SO15 3BQ"),),
        "steady",
    ),
    P(
        "Millbrook Meadows Nursing Centre Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.NURSING, 84), (S.RESIDENTIAL, 20)),
        (("Millbrook Meadows", "SO16 4DX"),),
        "falling_again",
        is_sme=False,
    ),
    P(
        "Ocean Quay Care Group Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 90), (S.NURSING, 110)),
        (
            ("Ocean Quay Court", "SO14 3JW"),
            ("Ocean Quay Gardens", "SO15 2DU"),
            ("Quayside Lodge", "SO14 5QB"),
        ),
        "three_good",
        is_sme=False,
        description="A regional care home group with three homes in the city.",
    ),
    P(
        "Highfield Rise Care Home Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 28),),
        (("Highfield Rise", "SO17 1PN"),),
        "new",
    ),
    # Supported living and reablement.
    P(
        "Test Valley Supported Living Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.SUPPORTED_LIVING, 2400),),
        (("Test Valley office", "SO16 6AZ"),),
        "star",
        is_sme=False,
    ),
    P(
        "Hollybrook Support Services Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.SUPPORTED_LIVING, 1600), (S.MENTAL_HEALTH, None)),
        (("Hollybrook office", "SO16 6RJ"),),
        "steady",
    ),
    P(
        "Regents Park Supported Living Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.SUPPORTED_LIVING, 1100),),
        (("Regents Park office", "SO15 8PQ"),),
        "improving",
    ),
    P(
        "Bevois Valley Independent Living Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.SUPPORTED_LIVING, 900), (S.DAY_OPPORTUNITIES, 30)),
        (("Bevois Valley office", "SO14 0JT"),),
        "three_good",
    ),
    P(
        "Northam Reablement Partners Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.REABLEMENT, 1400), (S.HOME_CARE, 800)),
        (("Northam office", "SO14 0PB"),),
        "steady",
    ),
    P(
        "Riverside Intermediate Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.REABLEMENT, 1100),),
        (("Riverside office", "SO14 5PQ"),),
        "improving",
    ),
    P(
        "Harbourside Equipment Services Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.EQUIPMENT, None),),
        (("Harbourside depot", "SO15 0LH"),),
        "local",
        is_sme=False,
    ),
    # Social enterprises.
    P(
        "Bargate Day Opportunities CIC",
        K.VCSE,
        SOCIAL,
        ((S.DAY_OPPORTUNITIES, 60),),
        (("Bargate centre", "SO14 2DL"),),
        "steady",
    ),
    P(
        "Portswood Community Day Services CIC",
        K.VCSE,
        SOCIAL,
        ((S.DAY_OPPORTUNITIES, 45), (S.SHORT_BREAKS, 12)),
        (("Portswood day centre", "SO17 3SS"),),
        "star",
    ),
    P(
        "Lordsdale Wellbeing CIC",
        K.VCSE,
        SOCIAL,
        ((S.PREVENTION, None), (S.MENTAL_HEALTH, None)),
        (("Lordsdale hub", "SO16 8DJ"),),
        "local",
    ),
    P(
        "Freemantle Supported Employment CIC",
        K.VCSE,
        SOCIAL,
        ((S.DAY_OPPORTUNITIES, 35), (S.SUPPORTED_LIVING, 400)),
        (("Freemantle workshop", "SO15 3AE"),),
        "improving",
    ),
    # Voluntary and community organisations.
    P(
        "Southampton Carers Together",
        K.VCSE,
        VCSE,
        ((S.CARERS, None), (S.SHORT_BREAKS, 20)),
        (("Carers' centre", "SO14 1LT"),),
        "local",
    ),
    P(
        "Itchen Advocacy Partnership",
        K.VCSE,
        VCSE,
        ((S.ADVOCACY, None),),
        (("Itchen Advocacy office", "SO14 7DX"),),
        "local",
    ),
    P(
        "Bitterne Good Neighbours Network",
        K.VCSE,
        VCSE,
        ((S.PREVENTION, None), (S.CARERS, None)),
        (("Bitterne community rooms", "SO18 6BT"),),
        "local_improving",
    ),
    P(
        "Woolston Memory Cafe Trust",
        K.VCSE,
        VCSE,
        ((S.PREVENTION, None), (S.DAY_OPPORTUNITIES, 25)),
        (("Woolston memory cafe", "SO19 9AN"),),
        "local",
    ),
    P(
        "Shirley Peer Support Network",
        K.VCSE,
        VCSE,
        ((S.MENTAL_HEALTH, None), (S.ADVOCACY, None)),
        (("Shirley peer support hub", "SO15 5QY"),),
        "local",
    ),
    P(
        "Stand Tall Falls Prevention Trust",
        K.VCSE,
        VCSE,
        ((S.PREVENTION, None),),
        (("Stand Tall studio", "SO16 7EJ"),),
        "local",
    ),
    P(
        "Young Carers of the Itchen",
        K.VCSE,
        VCSE,
        ((S.CARERS, None),),
        (("Young carers' project", "SO18 4JE"),),
        "local",
    ),
    P(
        "Harbour Light Recovery Trust",
        K.VCSE,
        VCSE,
        ((S.SUBSTANCE_MISUSE, None),),
        (("Harbour Light recovery centre", "SO14 3HU"),),
        "steady",
    ),
    P(
        "Test Estuary Sensory Support",
        K.VCSE,
        VCSE,
        ((S.ADVOCACY, None), (S.PREVENTION, None)),
        (("Sensory resource centre", "SO15 2JS"),),
        "local",
    ),
    P(
        "Little Oaks Short Breaks",
        K.VCSE,
        VCSE,
        ((S.SHORT_BREAKS, 16),),
        (("Little Oaks house", "SO16 3QB"),),
        "star",
    ),
    P(
        "Weston Lane Recovery Housing",
        K.VCSE,
        VCSE,
        ((S.SUBSTANCE_MISUSE, None), (S.SUPPORTED_LIVING, 300)),
        (("Weston Lane house", "SO19 9GZ"),),
        "new",
    ),
)

NOTTINGHAMSHIRE_PROVIDERS: tuple[DemoProvider, ...] = (
    P(
        "Nottinghamshire Healthcare NHS Foundation Trust",
        K.NHS_TRUST,
        NHS,
        ((S.MENTAL_HEALTH, None), (S.COMMUNITY_HEALTH, None)),
        (("Trust headquarters", "NG3 6AA"),),
        "steady",
        is_sme=False,
        ods_code="RHA",
    ),
    P(
        "Sherwood Edge Home Care Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.HOME_CARE, 2800),),
        (("Sherwood Edge office", "NG21 9HL"),),
        "falling",
    ),
    P(
        "Trent Meadows Care Homes Ltd",
        K.PRIVATE_PROVIDER,
        PRIVATE,
        ((S.RESIDENTIAL, 55), (S.NURSING, 35)),
        (("Trent Meadows", "NG24 1AB"),),
        "steady",
        is_sme=False,
    ),
    P(
        "Bassetlaw Carers' Network",
        K.VCSE,
        VCSE,
        ((S.CARERS, None),),
        (("Carers' centre, Worksop", "S80 1HP"),),
        "local",
    ),
    P(
        "Dukeries Supported Living CIC",
        K.VCSE,
        SOCIAL,
        ((S.SUPPORTED_LIVING, 1200),),
        (("Dukeries office", "NG22 9TD"),),
        "improving",
    ),
)

CAPACITY_UNITS: dict[str, str] = {
    S.RESIDENTIAL: CapacityUnit.BEDS,
    S.NURSING: CapacityUnit.BEDS,
    S.SHORT_BREAKS: CapacityUnit.BEDS,
    S.HOME_CARE: CapacityUnit.HOURS_PER_WEEK,
    S.SUPPORTED_LIVING: CapacityUnit.HOURS_PER_WEEK,
    S.REABLEMENT: CapacityUnit.HOURS_PER_WEEK,
    S.DAY_OPPORTUNITIES: CapacityUnit.PLACES,
}
CQC_REGULATED = {
    S.RESIDENTIAL,
    S.NURSING,
    S.HOME_CARE,
    S.SUPPORTED_LIVING,
    S.REABLEMENT,
    S.COMMUNITY_HEALTH,
    S.MENTAL_HEALTH,
    S.SHORT_BREAKS,
}

# Outcomes contracts are held to: a small shared list, so that overlapping contracts share them.
OUTCOMES = {
    "independence": "People live independently at home for longer",
    "hospital": "Fewer avoidable admissions to hospital",
    "discharge": "People return home promptly and safely after a hospital stay",
    "choice": "People have choice and control over their care and support",
    "safety": "People feel safe and are protected from harm",
    "quality": "People receive care that is safe, effective and well led",
    "carers": "Carers are supported to look after their own health and wellbeing",
    "wellbeing": "People's mental health and wellbeing improve",
    "inclusion": "People take part in community life, work and learning",
    "voice": "People's views are heard in decisions about their care",
    "recovery": "People recover from drug and alcohol dependence and stay well",
    "families": "Children and young people stay safely with their families",
    "falls": "Fewer older people fall and are hurt",
    "breaks": "Carers have regular breaks from caring",
    "peer": "People with lived experience support each other's recovery",
    "active": "Older people stay active and confident on their feet",
    "own_home": "People live in a home of their own with the support they choose",
}


@dataclass(frozen=True)
class DemoKpi:
    code: str
    name: str
    definition: str
    unit: str
    target: str | None
    polarity: str
    frequency: str


UP, DOWN = Polarity.INCREASE.value, Polarity.DECREASE.value
MONTHLY, QUARTERLY, ANNUAL = Frequency.MONTHLY.value, Frequency.QUARTERLY.value, Frequency.ANNUAL.value
SATISFACTION = DemoKpi(
    "SAT",
    "Service user satisfaction",
    "Of the people using the service who answered the annual survey, the percentage satisfied or very "
    "satisfied with their care and support.",
    "%",
    "85",
    UP,
    ANNUAL,
)
DELAYS = DemoKpi(
    "DTC",
    "Delayed transfers",
    "Days in the month that people medically fit to leave hospital waited for this service to start.",
    "days",
    "60",
    DOWN,
    MONTHLY,
)
K_ = DemoKpi
KPIS: dict[str, tuple[DemoKpi, ...]] = {
    S.HOME_CARE: (
        K_(
            "HC01",
            "Missed home care visits",
            "Planned visits not delivered, per 1,000 planned visits in the month.",
            "per 1,000 visits",
            "2",
            DOWN,
            MONTHLY,
        ),
        K_(
            "HC02",
            "Visits on time",
            "Percentage of visits starting within 30 minutes of the planned time.",
            "%",
            "90",
            UP,
            MONTHLY,
        ),
        K_(
            "HC03",
            "Packages started within 7 days",
            "Percentage of new packages starting within 7 days of the referral being accepted.",
            "%",
            "85",
            UP,
            MONTHLY,
        ),
        DELAYS,
        SATISFACTION,
    ),
    S.REABLEMENT: (
        K_(
            "RB01",
            "Still at home 91 days after reablement",
            "% of people aged 65 and over still at home 91 days after discharge from hospital into "
            "reablement.",
            "%",
            "82.5",
            UP,
            QUARTERLY,
        ),
        K_(
            "RB02",
            "No ongoing care after reablement",
            "Percentage of people finishing reablement who need no long-term care and support.",
            "%",
            "60",
            UP,
            QUARTERLY,
        ),
        DELAYS,
        SATISFACTION,
    ),
    S.RESIDENTIAL: (
        K_(
            "CH01",
            "Emergency admissions of residents",
            "Emergency hospital admissions of residents, per 100 occupied beds in the quarter.",
            "per 100 beds",
            "8",
            DOWN,
            QUARTERLY,
        ),
        K_(
            "CH02",
            "Falls causing injury",
            "Falls that caused an injury, per 1,000 occupied bed days.",
            "per 1,000 bed days",
            "1.5",
            DOWN,
            MONTHLY,
        ),
        K_(
            "CH03",
            "Care plans reviewed",
            "Percentage of residents whose care plan was reviewed with them in the last 12 months.",
            "%",
            "100",
            UP,
            QUARTERLY,
        ),
        SATISFACTION,
    ),
    S.NURSING: (
        K_(
            "NU01",
            "Pressure ulcers acquired in the home",
            "Category 2 or worse pressure ulcers that developed while in the home.",
            "people",
            "0",
            DOWN,
            MONTHLY,
        ),
        K_(
            "NU02",
            "Emergency admissions of residents",
            "Emergency hospital admissions of residents, per 100 occupied beds in the quarter.",
            "per 100 beds",
            "10",
            DOWN,
            QUARTERLY,
        ),
        K_(
            "NU03",
            "Continuing healthcare reviews on time",
            "Percentage of residents funded by continuing healthcare reviewed within 3 months of "
            "placement and yearly after.",
            "%",
            "95",
            UP,
            QUARTERLY,
        ),
        SATISFACTION,
    ),
    S.SUPPORTED_LIVING: (
        K_(
            "SL01",
            "Support plans reviewed",
            "Percentage of tenants with a person-centred support plan reviewed with them in the year.",
            "%",
            "95",
            UP,
            QUARTERLY,
        ),
        K_(
            "SL02",
            "In paid or voluntary work",
            "Percentage of tenants in paid or voluntary work.",
            "%",
            "15",
            UP,
            ANNUAL,
        ),
        K_(
            "SL03",
            "Restrictive practices",
            "Incidents in which physical restraint or restrictive practice was used.",
            "incidents",
            "0",
            DOWN,
            MONTHLY,
        ),
        SATISFACTION,
    ),
    S.DAY_OPPORTUNITIES: (
        K_(
            "DO01",
            "Attendance",
            "Sessions attended as a percentage of sessions planned.",
            "%",
            "90",
            UP,
            MONTHLY,
        ),
        K_(
            "DO02",
            "Activities in the community",
            "Percentage of people taking part in at least one activity a month outside the centre.",
            "%",
            "60",
            UP,
            QUARTERLY,
        ),
        SATISFACTION,
    ),
    S.COMMUNITY_HEALTH: (
        K_(
            "CM01",
            "Urgent community response in 2 hours",
            "Percentage of urgent community response referrals seen within 2 hours.",
            "%",
            "70",
            UP,
            MONTHLY,
        ),
        K_(
            "CM02",
            "Treatment within 18 weeks",
            "Percentage of patients starting treatment within 18 weeks of referral.",
            "%",
            "92",
            UP,
            MONTHLY,
        ),
        DELAYS,
        K_(
            "CM04",
            "Friends and Family Test",
            "Percentage of patients who rated their experience good or very good.",
            "%",
            "90",
            UP,
            QUARTERLY,
        ),
    ),
    S.MENTAL_HEALTH: (
        K_(
            "MH01",
            "Follow-up within 72 hours of discharge",
            "Percentage of people discharged from inpatient mental health care followed up within 72 hours.",
            "%",
            "80",
            UP,
            MONTHLY,
        ),
        K_(
            "MH02",
            "In settled accommodation",
            "Percentage of adults in contact with secondary mental health services living in settled "
            "accommodation.",
            "%",
            "60",
            UP,
            QUARTERLY,
        ),
        K_(
            "MH03",
            "Recovery after talking therapy",
            "Percentage of people finishing a course of talking therapy who moved to recovery.",
            "%",
            "50",
            UP,
            QUARTERLY,
        ),
        SATISFACTION,
    ),
    S.CARERS: (
        K_(
            "CA01",
            "Carers' assessments",
            "Carers' assessments completed in the quarter.",
            "people",
            "150",
            UP,
            QUARTERLY,
        ),
        K_(
            "CA02",
            "Better quality of life",
            "Percentage of carers reporting a better quality of life after support.",
            "%",
            "70",
            UP,
            ANNUAL,
        ),
        K_(
            "CA03",
            "Young carers supported",
            "Young carers newly identified and supported in the quarter.",
            "people",
            "30",
            UP,
            QUARTERLY,
        ),
    ),
    S.ADVOCACY: (
        K_(
            "AD01",
            "Allocated within 5 working days",
            "Percentage of referrals allocated to an advocate within 5 working days.",
            "%",
            "90",
            UP,
            MONTHLY,
        ),
        K_(
            "AD02",
            "Statutory advocacy completed",
            "Care Act and mental capacity advocacy cases closed in the quarter.",
            "people",
            None,
            Polarity.NEUTRAL.value,
            QUARTERLY,
        ),
        SATISFACTION,
    ),
    S.EQUIPMENT: (
        K_(
            "EQ01",
            "Delivered within 7 days",
            "Percentage of standard equipment orders delivered within 7 days.",
            "%",
            "95",
            UP,
            MONTHLY,
        ),
        K_(
            "EQ02",
            "Equipment recycled",
            "Percentage of returned equipment cleaned and issued again.",
            "%",
            "80",
            UP,
            QUARTERLY,
        ),
        K_(
            "EQ03",
            "Urgent deliveries within 24 hours",
            "Percentage of urgent orders delivered within 24 hours, including for hospital discharge.",
            "%",
            "98",
            UP,
            MONTHLY,
        ),
    ),
    S.PREVENTION: (
        K_(
            "PV01",
            "Completed strength and balance programme",
            "People completing at least 20 weeks of a strength and balance programme.",
            "people",
            "75",
            UP,
            QUARTERLY,
        ),
        K_(
            "PV02",
            "Falls admissions, aged 65 and over",
            "Emergency admissions for falls of people aged 65 and over, per 100,000 residents.",
            "per 100,000",
            "2000",
            DOWN,
            ANNUAL,
        ),
        K_(
            "PV03",
            "Improved wellbeing",
            "Percentage of participants whose wellbeing score rose by 3 points or more.",
            "%",
            "70",
            UP,
            QUARTERLY,
        ),
    ),
    S.SHORT_BREAKS: (
        K_(
            "SB01",
            "Families receiving short breaks",
            "Families who had at least one short break in the quarter.",
            "families",
            "60",
            UP,
            QUARTERLY,
        ),
        K_(
            "SB02",
            "Nights of short breaks",
            "Overnight short breaks delivered in the month.",
            "nights",
            "120",
            UP,
            MONTHLY,
        ),
        K_(
            "SB03",
            "Parent carer satisfaction",
            "Percentage of parent carers satisfied with the short breaks their family received.",
            "%",
            "90",
            UP,
            ANNUAL,
        ),
    ),
    S.SUBSTANCE_MISUSE: (
        K_(
            "SM01",
            "Successful completions: opiates",
            "People leaving opiate treatment drug-free who did not return within 6 months, as a "
            "percentage of all in treatment.",
            "%",
            "6",
            UP,
            QUARTERLY,
        ),
        K_(
            "SM02",
            "Successful completions: non-opiates",
            "The same measure for people treated for non-opiate drugs.",
            "%",
            "35",
            UP,
            QUARTERLY,
        ),
        K_(
            "SM03",
            "Treatment within 3 weeks",
            "Percentage of people starting treatment within 3 weeks of referral.",
            "%",
            "95",
            UP,
            MONTHLY,
        ),
    ),
}
OUTCOMES_FOR: dict[str, tuple[str, ...]] = {
    S.HOME_CARE: ("independence", "discharge", "choice", "quality"),
    S.REABLEMENT: ("independence", "discharge", "hospital"),
    S.RESIDENTIAL: ("quality", "safety", "hospital"),
    S.NURSING: ("quality", "safety", "hospital"),
    S.SUPPORTED_LIVING: ("independence", "inclusion", "choice", "safety"),
    S.DAY_OPPORTUNITIES: ("inclusion", "carers", "wellbeing"),
    S.COMMUNITY_HEALTH: ("hospital", "discharge", "independence"),
    S.MENTAL_HEALTH: ("wellbeing", "hospital", "inclusion"),
    S.CARERS: ("carers", "wellbeing", "voice"),
    S.ADVOCACY: ("voice", "safety", "choice"),
    S.EQUIPMENT: ("independence", "discharge", "falls"),
    S.PREVENTION: ("falls", "wellbeing", "independence"),
    S.SHORT_BREAKS: ("families", "carers"),
    S.SUBSTANCE_MISUSE: ("recovery", "wellbeing", "safety"),
}


@dataclass(frozen=True)
class ContractKind:
    """A family of contracts: what is bought, by whom, at what size and how it is funded.

    ``funding`` is ``council``, ``ccg``, ``joint`` or the name of a Better Care Fund scheme;
    ``cost_centre`` names the budget line the money comes from, where there is one; ``sectors``
    narrows the providers that may hold it.

    Kinds buying the same service for the same people from different partners (or with different
    funders) hold different outcomes, and draw on different providers: otherwise the contracts audit
    would find duplicates everywhere, not just the deliberate ones.
    """

    service_type: str
    titles: tuple[str, ...]
    care_groups: tuple[str, ...]
    annual: tuple[int, int]
    basis: str
    lead: str
    funding: str
    award: str
    count: int
    cost_centre: str = ""
    sectors: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()  # default: the service type's usual outcomes
    providers: tuple[str, ...] = ()  # named providers only (and no other kind may use them)


OLDER = "Older people"
MH = "Mental health"
LD = "Learning disability and autism"
CYP = "Children and young people"
CARERS = "Carers"
PD = "Physical disability and sensory impairment"
B = PaymentBasis
A = AwardRoute

CONTRACT_KINDS: tuple[ContractKind, ...] = (
    ContractKind(
        S.HOME_CARE,
        (
            "Home care, city centre and Bargate",
            "Home care, east: Bitterne and Harefield",
            "Home care, west: Shirley and Millbrook",
            "Home care, north: Portswood and Swaythling",
            "Home care, Woolston and Sholing",
            "Home care in extra care housing",
            "Double-handed home care",
            "Night-time home care",
            "Home care framework call-off",
        ),
        (OLDER, OLDER, PD),
        (1_000_000, 4_800_000),
        B.COST_AND_VOLUME,
        "council",
        "council",
        A.TENDER,
        18,
        "PD01",
        outcomes=("independence", "choice", "quality"),
    ),
    ContractKind(
        S.RESIDENTIAL,
        (
            "Residential care block beds",
            "Residential dementia care beds",
            "Residential care, spot purchase agreement",
            "Respite beds",
        ),
        (OLDER, OLDER, MH, LD),
        (300_000, 1_800_000),
        B.BLOCK,
        "council",
        "council",
        A.TENDER,
        14,
        outcomes=("quality", "safety", "hospital"),
    ),
    ContractKind(
        S.NURSING,
        ("Nursing care beds, council-funded", "Discharge to assess nursing beds"),
        (OLDER,),
        (300_000, 1_200_000),
        B.BLOCK,
        "council",
        "Discharge to assess beds",
        A.TENDER,
        4,
        outcomes=("discharge", "independence"),
        providers=("Swaythling Grange Care Ltd", "Ocean Quay Care Group Ltd"),
    ),
    ContractKind(
        S.NURSING,
        ("Continuing healthcare nursing beds", "Nursing dementia beds", "End of life nursing beds"),
        (OLDER, OLDER, PD),
        (400_000, 2_500_000),
        B.COST_PER_CASE,
        "ccg",
        "ccg",
        A.FRAMEWORK,
        10,
        outcomes=("quality", "safety", "hospital"),
        providers=(
            "Bassett Green Nursing Home Ltd",
            "Thornhill Manor Nursing Ltd",
            "Millbrook Meadows Nursing Centre Ltd",
        ),
    ),
    ContractKind(
        S.SUPPORTED_LIVING,
        ("Community support after hospital discharge (Transforming Care)",),
        (LD,),
        (350_000, 900_000),
        B.COST_PER_CASE,
        "ccg",
        "ccg",
        A.DIRECT_AWARD,
        3,
        "LD01",
        outcomes=("hospital", "safety"),
        providers=("Hollybrook Support Services Ltd",),
    ),
    ContractKind(
        S.SUPPORTED_LIVING,
        (
            "Supported living for adults with a learning disability",
            "Supported living for autistic adults",
            "Supported living, mental health recovery",
            "Supported living, complex needs",
        ),
        (LD, LD, MH),
        (400_000, 3_500_000),
        B.COST_AND_VOLUME,
        "council",
        "joint",
        A.TENDER,
        14,
        "LD01",
        outcomes=("independence", "inclusion", "choice"),
    ),
    ContractKind(
        S.DAY_OPPORTUNITIES,
        (
            "Day opportunities for adults with a learning disability",
            "Day opportunities for older people living with dementia",
            "Community day opportunities",
        ),
        (LD, OLDER, PD),
        (100_000, 600_000),
        B.COST_PER_CASE,
        "council",
        "council",
        A.QUOTE,
        10,
    ),
    ContractKind(
        S.REABLEMENT,
        ("Reablement at home", "Bed-based reablement", "Hospital discharge reablement"),
        (OLDER,),
        (400_000, 2_500_000),
        B.BLOCK,
        "council",
        "Reablement at home",
        A.TENDER,
        6,
        sectors=(PRIVATE,),
    ),
    ContractKind(
        S.COMMUNITY_HEALTH,
        (
            "Community nursing",
            "Community therapies",
            "Children's community health services",
            "Urgent community response",
            "Community rehabilitation",
        ),
        (OLDER, PD, CYP),
        (1_500_000, 9_000_000),
        B.BLOCK,
        "ccg",
        "ccg",
        A.DIRECT_AWARD,
        10,
        sectors=(NHS,),
        outcomes=("hospital", "discharge", "independence"),
    ),
    ContractKind(
        S.MENTAL_HEALTH,
        (
            "Community mental health services",
            "Crisis and recovery support",
            "Talking therapies",
            "Early intervention in psychosis",
        ),
        (MH,),
        (200_000, 3_000_000),
        B.BLOCK,
        "ccg",
        "ccg",
        A.DIRECT_AWARD,
        8,
        "MH01",
        sectors=(NHS,),
        outcomes=("hospital", "safety"),
    ),
    ContractKind(
        S.MENTAL_HEALTH,
        ("Mental health housing support", "Mental health day services", "Wellbeing and recovery college"),
        (MH,),
        (150_000, 900_000),
        B.BLOCK,
        "council",
        "council",
        A.TENDER,
        5,
        "MH02",
        sectors=(PRIVATE, VCSE, SOCIAL),
        outcomes=("wellbeing", "inclusion", "independence"),
    ),
    ContractKind(
        S.CARERS,
        ("Carers' breaks", "Young carers' support", "Carers' information and advice"),
        (CARERS,),
        (40_000, 300_000),
        B.BLOCK,
        "council",
        "Carers' breaks and support",
        A.GRANT,
        8,
        outcomes=("carers", "wellbeing"),
    ),
    ContractKind(
        S.ADVOCACY,
        ("Independent advocacy", "Care Act advocacy", "Independent mental capacity advocacy"),
        (OLDER, MH, LD),
        (80_000, 250_000),
        B.BLOCK,
        "council",
        "council",
        A.TENDER,
        7,
    ),
    ContractKind(
        S.EQUIPMENT,
        ("Integrated community equipment service",),
        (OLDER, PD),
        (500_000, 1_500_000),
        B.COST_AND_VOLUME,
        "council",
        "Community equipment",
        A.TENDER,
        3,
        sectors=(PRIVATE,),
    ),
    ContractKind(
        S.PREVENTION,
        ("Falls prevention", "Strength and balance classes", "Community navigators"),
        (OLDER,),
        (20_000, 200_000),
        B.BLOCK,
        "council",
        "Falls prevention",
        A.QUOTE,
        5,
        outcomes=("falls", "independence"),
    ),
    ContractKind(
        S.PREVENTION,
        ("Social prescribing", "Loneliness and isolation service", "Healthy lifestyles"),
        (OLDER, MH, PD),
        (20_000, 200_000),
        B.OUTCOME_BASED,
        "council",
        "council",
        A.GRANT,
        5,
        "PH01",
        outcomes=("wellbeing", "inclusion", "voice"),
    ),
    ContractKind(
        S.SHORT_BREAKS,
        ("Overnight short breaks for disabled children", "Holiday short breaks", "Family support"),
        (CYP, LD),
        (100_000, 500_000),
        B.BLOCK,
        "council",
        "council",
        A.TENDER,
        6,
        "CY01",
    ),
    ContractKind(
        S.SUBSTANCE_MISUSE,
        ("Drug and alcohol treatment and recovery", "Recovery housing"),
        (MH,),
        (500_000, 2_200_000),
        B.OUTCOME_BASED,
        "council",
        "council",
        A.TENDER,
        4,
        "PH01",
    ),
)


@dataclass(frozen=True)
class Duplicate:
    """The same provider paid by both partners for the same service to the same people."""

    provider: str
    service_type: str
    care_group: str
    outcomes: tuple[str, ...]
    council: tuple[str, dt.date, dt.date, int]
    ccg: tuple[str, dt.date, dt.date, int]


D = dt.date
DUPLICATES: tuple[Duplicate, ...] = (
    Duplicate(
        "Southampton Carers Together",
        S.CARERS,
        CARERS,
        ("breaks", "voice"),
        ("Carers' information and breaks service", D(2024, 4, 1), D(2027, 3, 31), 180_000),
        ("Carers' health and wellbeing support", D(2025, 1, 1), D(2027, 12, 31), 95_000),
    ),
    Duplicate(
        "Itchen Valley Home Care Ltd",
        S.HOME_CARE,
        OLDER,
        ("discharge", "hospital"),
        ("Home from hospital support", D(2025, 4, 1), D(2028, 3, 31), 650_000),
        ("Discharge support at home", D(2025, 10, 1), D(2027, 9, 30), 420_000),
    ),
    Duplicate(
        "Shirley Peer Support Network",
        S.MENTAL_HEALTH,
        MH,
        ("peer", "voice"),
        ("Mental health peer support and recovery", D(2023, 4, 1), D(2027, 3, 31), 140_000),
        ("Community mental health peer support", D(2024, 7, 1), D(2027, 6, 30), 110_000),
    ),
    Duplicate(
        "Stand Tall Falls Prevention Trust",
        S.PREVENTION,
        OLDER,
        ("active", "hospital"),
        ("Falls prevention exercise classes", D(2024, 4, 1), D(2027, 3, 31), 85_000),
        ("Strength and balance programme", D(2025, 4, 1), D(2027, 3, 31), 60_000),
    ),
    Duplicate(
        "Test Valley Supported Living Ltd",
        S.SUPPORTED_LIVING,
        LD,
        ("own_home", "voice"),
        ("Supported living for adults with a learning disability", D(2022, 4, 1), D(2027, 3, 31), 1_800_000),
        ("Intensive community support (Transforming Care)", D(2023, 10, 1), D(2027, 9, 30), 600_000),
    ),
)

# Placements: (service type, share of 2,000, unit price range £, units a week range, step)
PLACEMENT_MIX = (
    (S.RESIDENTIAL, 450, ("750", "1100"), (1, 1), "1"),
    (S.NURSING, 300, ("950", "1500"), (1, 1), "1"),
    (S.HOME_CARE, 800, ("21", "28"), (4, 30), "0.5"),
    (S.SUPPORTED_LIVING, 250, ("16", "22"), (20, 80), "1"),
    (S.DAY_OPPORTUNITIES, 200, ("50", "90"), (1, 5), "1"),
)
# Far above the 95th percentile: complex care bought one person at a time.
OUTLIERS = {
    S.RESIDENTIAL: ("2650", "3400"),
    S.NURSING: ("2900", "3800"),
    S.HOME_CARE: ("38", "46"),
    S.SUPPORTED_LIVING: ("30", "40"),
    S.DAY_OPPORTUNITIES: ("180", "250"),
}
OUTLIER_COUNTS = {
    S.RESIDENTIAL: 3,
    S.NURSING: 3,
    S.HOME_CARE: 3,
    S.SUPPORTED_LIVING: 2,
    S.DAY_OPPORTUNITIES: 1,
}
PLACEMENT_GROUPS = {
    S.RESIDENTIAL: ((OLDER, 80), (MH, 8), (LD, 7), (PD, 5)),
    S.NURSING: ((OLDER, 85), (PD, 10), (MH, 5)),
    S.HOME_CARE: ((OLDER, 75), (PD, 20), (MH, 5)),
    S.SUPPORTED_LIVING: ((LD, 75), (MH, 25)),
    S.DAY_OPPORTUNITIES: ((LD, 60), (OLDER, 30), (PD, 10)),
}
SUPPORT_OPTIONS_CARE_HOMES = ((SupportOption.ARRANGED, 90), (SupportOption.MANAGED_BUDGET, 10))
# Chosen so that, with care homes mostly arranged, the whole is about 60/15/10/15.
SUPPORT_OPTIONS_COMMUNITY = (
    (SupportOption.ARRANGED, 42),
    (SupportOption.MANAGED_BUDGET, 18),
    (SupportOption.INDIVIDUAL_SERVICE_FUND, 16),
    (SupportOption.DIRECT_PAYMENT, 24),
)

GRANT_PROGRAMMES = (
    ("Community Wellbeing Grants", OLDER),
    ("Carers' Small Grants", CARERS),
    ("Winter Resilience Fund", OLDER),
    ("Mental Health Community Fund", MH),
)
COMMUNITY_GROUPS = (
    "Thornhill Lunch Club",
    "Sholing Walking for Health Group",
    "Freemantle Community Choir for Memory",
    "Bitterne Men's Shed Association",
    "Polygon Befriending Circle",
    "Swaythling Parent Carers' Forum",
)


# Helpers -----------------------------------------------------------------------------------


def _term_end(starts_on: dt.date, months: int) -> dt.date:
    return add_months(starts_on, months) - dt.timedelta(days=1)


def _months_between(starts_on: dt.date, ends_on: dt.date) -> int:
    after = ends_on + dt.timedelta(days=1)
    return (after.year - starts_on.year) * 12 + after.month - starts_on.month


def _money_between(rng: random.Random, low: int | str, high: int | str, step: int = 1) -> Decimal:
    """A sum between two bounds in whole steps of pence, never through a float."""
    low_p, high_p = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return pounds(Decimal(rng.randrange(low_p // step, high_p // step + 1) * step) / 100)


def _weighted(rng: random.Random, options: Iterable[tuple[Any, int]]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _audit(actor: User, partnership: Partnership, objects: Iterable[models.Model]) -> int:
    return Auditor(actor, partnership_id=partnership.pk).record_many(
        "create", [(obj, None, snapshot(obj)) for obj in objects]
    )


# Loader ------------------------------------------------------------------------------------


def load(*, actor: User, say: Callable[[str], None], **_: object) -> None:
    # The national rule sets come with the migrations; a flushed database (the browser tests' live
    # server) has lost them, and the demo's procurements need them. Loading is idempotent.
    load_rule_sets()
    southampton = Partnership.objects.filter(slug="southampton").first()
    if southampton is not None and not Provider.objects.filter(partnership=southampton).exists():
        rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
        providers = _providers(actor, southampton, SOUTHAMPTON_PROVIDERS, rng, area_code="E06000045")
        contracts = _southampton_contracts(actor, southampton, providers, rng)
        placements = _southampton_placements(actor, southampton, providers, contracts, rng)
        grants = _southampton_grants(actor, southampton, rng)
        _southampton_procurements(southampton)
        say(
            f"  market: {len(providers)} providers; {len(contracts)} contracts, {placements} placements "
            f"and {grants} grants in Southampton; two procurements in progress"
        )
    nottinghamshire = Partnership.objects.filter(slug="nottinghamshire").first()
    if nottinghamshire is not None and not Provider.objects.filter(partnership=nottinghamshire).exists():
        rng = random.Random(SEED + 1)  # noqa: S311 - repeatable demo data, not secrets
        providers = _providers(actor, nottinghamshire, NOTTINGHAMSHIRE_PROVIDERS, rng, area_code="E10000024")
        written = _nottinghamshire_contracts(actor, nottinghamshire, providers, rng)
        say(f"  market: {len(providers)} providers and {written} contracts in Nottinghamshire")


def _organisation(actor: User, spec: DemoProvider, number: int) -> Organisation:
    """The provider's organisation: found by ODS code, or registered with invented numbers that
    pass the registers' format checks."""
    if spec.ods_code:
        existing = Organisation.objects.filter(ods_code=spec.ods_code).first()
        if existing is not None:
            return existing
        return partner_services.organisation_register(
            actor=actor, name=spec.name, kind=spec.kind, ods_code=spec.ods_code
        )
    fields: dict[str, str] = {}
    if spec.sector == VCSE:
        fields["charity_number"] = f"{1_190_000 + number * 173}"
        assert identifiers.check_charity_number(fields["charity_number"]) is None
    else:
        fields["companies_house_number"] = f"{14_200_000 + number * 2_741:08d}"
        assert identifiers.check_companies_house_number(fields["companies_house_number"]) is None
    existing = Organisation.objects.filter(**fields).first()
    if existing is not None:
        return existing
    return partner_services.organisation_register(actor=actor, name=spec.name, kind=spec.kind, **fields)


def _providers(
    actor: User,
    partnership: Partnership,
    specs: tuple[DemoProvider, ...],
    rng: random.Random,
    *,
    area_code: str,
) -> dict[str, Provider]:
    """Providers with their locations, services and rating histories."""
    area = Area.objects.filter(gss_code=area_code).first()
    offset = 0 if partnership.slug == "southampton" else 100
    providers = [
        Provider(
            partnership=partnership,
            organisation=_organisation(actor, spec, offset + number),
            sector=spec.sector,
            cqc_provider_id=(
                f"1-{101_000_000 + (offset + number) * 7_919}"
                if spec.ratings not in ("local", "local_improving")
                else ""
            ),
            is_sme=spec.is_sme,
            description=spec.description,
        )
        for number, spec in enumerate(specs, start=1)
    ]
    Provider.objects.bulk_create(providers)
    locations = [
        Location(
            provider=provider,
            name=name,
            postcode=postcode,
            area=area,
            cqc_location_id=f"1-{1_100_000_000 + (offset + number) * 10_007 + index}"
            if provider.cqc_provider_id
            else "",
        )
        for number, (provider, spec) in enumerate(zip(providers, specs, strict=True), start=1)
        for index, (name, postcode) in enumerate(spec.locations)
    ]
    Location.objects.bulk_create(locations)
    first_location: dict[int, Location] = {}
    for location in locations:
        first_location.setdefault(location.provider_id, location)
    offers, ratings = [], []
    for provider, spec in zip(providers, specs, strict=True):
        home = first_location[provider.pk]
        for service_type, capacity in spec.services:
            unit = CAPACITY_UNITS.get(service_type, CapacityUnit.PLACES if capacity else "")
            offers.append(
                ServiceOffer(
                    provider=provider,
                    location=home if service_type in (S.RESIDENTIAL, S.NURSING) else None,
                    service_type=service_type,
                    capacity=capacity,
                    capacity_unit=unit if capacity else "",
                )
            )
        path = RATING_PATHS[spec.ratings]
        source = RatingSource.LOCAL if spec.ratings.startswith("local") else RatingSource.CQC
        # Spread the inspections over 2019–2026: one in each of two or three windows.
        windows: tuple[tuple[int, int], ...] = ((2019, 2020), (2022, 2023), (2025, 2026))
        if len(path) == 2:
            windows = ((2019, 2021), (2023, 2026))
        elif path == (Q.NOT_YET_RATED,):
            windows = ((2026, 2026),)
        for rating, (first, last) in zip(path, windows, strict=True):
            year = rng.randint(first, last)
            rated_on = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            rated_on = min(rated_on, DEMO_TODAY - dt.timedelta(days=rng.randint(20, 120)))
            ratings.append(
                Rating(
                    provider=provider,
                    location=home if source == RatingSource.CQC else None,
                    rating=rating,
                    rated_on=rated_on,
                    source=source,
                    recorded_by=actor,
                )
            )
    ServiceOffer.objects.bulk_create(offers)
    Rating.objects.bulk_create(ratings)
    _audit(actor, partnership, providers)
    _audit(actor, partnership, ratings)
    return {spec.name: provider for provider, spec in zip(providers, specs, strict=True)}


@dataclass
class _Funder:
    """Resolves who pays for a contract: organisations, the pooled fund and its schemes, budget lines."""

    council: Organisation
    ccg: Organisation
    fund: PooledFund | None
    schemes: dict[str, Scheme]
    shares: dict[str, Decimal]  # scheme name → council's share of its funding
    lines: dict[tuple[int, str, int], BudgetLine]

    def line(self, organisation: Organisation, cost_centre: str, starts_on: dt.date) -> BudgetLine | None:
        if not cost_centre:
            return None
        year = min(max(_financial_year(starts_on), 2024), 2026)
        return self.lines.get((organisation.pk, cost_centre, year))

    def rows(self, contract: Contract, funding: str, cost_centre: str, rng: random.Random) -> list[Funding]:
        """Funding rows adding exactly to the contract's lifetime value."""
        total = contract.lifetime_value
        if funding in ("council", "ccg"):
            payer = self.council if funding == "council" else self.ccg
            return [
                Funding(
                    contract=contract,
                    organisation=payer,
                    budget_line=self.line(payer, cost_centre, contract.starts_on),
                    amount=total,
                )
            ]
        if funding == "joint":
            council_share = Decimal(rng.choice((50, 60, 70, 80))) / 100
            council_amount = pounds(total * council_share)
            return [
                Funding(
                    contract=contract,
                    organisation=self.council,
                    budget_line=self.line(self.council, cost_centre, contract.starts_on),
                    amount=council_amount,
                ),
                Funding(
                    contract=contract,
                    organisation=self.ccg,
                    budget_line=self.line(self.ccg, cost_centre, contract.starts_on),
                    amount=total - council_amount,
                ),
            ]
        scheme = self.schemes.get(funding)
        if scheme is None:  # no Better Care Fund loaded: the council pays
            return [Funding(contract=contract, organisation=self.council, amount=total)]
        council_amount = pounds(total * self.shares[funding])
        number = 1 + list(self.schemes).index(funding)
        return [
            Funding(
                contract=contract,
                organisation=organisation,
                fund=self.fund,
                scheme=scheme,
                budget_line=self.line(organisation, f"BCF{number:02d}", contract.starts_on),
                amount=amount,
            )
            for organisation, amount in ((self.council, council_amount), (self.ccg, total - council_amount))
            if amount > 0
        ]


def _funder(partnership: Partnership, council: Organisation, ccg: Organisation) -> _Funder:
    fund = PooledFund.objects.filter(partnership=partnership).order_by("pk").first()
    schemes: dict[str, Scheme] = {}
    shares: dict[str, Decimal] = {}
    if fund is not None:
        totals: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for scheme in Scheme.objects.filter(fund=fund).order_by("pk").prefetch_related("funding"):
            schemes[scheme.name] = scheme
            for row in scheme.funding.all():
                totals[scheme.name][row.organisation_id] += row.amount
        for name, by_org in totals.items():
            whole = sum(by_org.values(), Decimal(0))
            shares[name] = by_org.get(council.pk, Decimal(0)) / whole if whole else Decimal(1)
    lines = {
        (line.organisation_id, line.cost_centre, line.financial_year): line
        for line in BudgetLine.objects.filter(partnership=partnership)
    }
    return _Funder(council, ccg, fund, schemes, shares, lines)


def _contract_dates(rng: random.Random) -> tuple[dt.date, dt.date]:
    """A quarter of contracts ended in the last three years; the rest end over the next four, so
    some fall within 6, 12 and 18 months of ``DEMO_TODAY``. Starts fall in 2019–2026."""
    months_ahead = rng.randint(-36, -1) if rng.random() < 0.25 else rng.randint(0, 47)
    ends_on = add_months(DEMO_TODAY.replace(day=1), months_ahead + 1) - dt.timedelta(days=1)
    term = rng.choice((12, 24, 36, 36, 48, 60))
    starts_on = add_months(ends_on + dt.timedelta(days=1), -term)
    while starts_on < dt.date(2019, 4, 1):
        starts_on = add_months(starts_on, 12)
    while starts_on > DEMO_TODAY - dt.timedelta(days=60):
        starts_on = add_months(starts_on, -12)
    return starts_on, ends_on


def _southampton_contracts(
    actor: User, partnership: Partnership, providers: dict[str, Provider], rng: random.Random
) -> list[Contract]:
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    area = Area.objects.filter(gss_code="E06000045").first()
    manager = User.objects.filter(username=demo_username("southampton", Role.COMMISSIONER)).first()
    funder = _funder(partnership, council, ccg)
    offers: dict[str, list[Provider]] = defaultdict(list)
    for spec in SOUTHAMPTON_PROVIDERS:
        for service_type, _capacity in spec.services:
            offers[service_type].append(providers[spec.name])
    leads = {"council": council, "ccg": ccg}
    sequence: dict[tuple[str, int], int] = defaultdict(int)

    def reference(lead: Organisation, starts_on: dt.date) -> str:
        prefix = "SCC" if lead == council else "CCG"
        sequence[(prefix, starts_on.year)] += 1
        return f"{prefix}-{starts_on.year}-{sequence[(prefix, starts_on.year)]:03d}"

    # (contract, funding kind, cost centre, outcome keys)
    planned: list[tuple[Contract, str, str, tuple[str, ...]]] = []

    def add(
        *,
        kind: ContractKind | None,
        provider: Provider,
        lead: Organisation,
        title: str,
        service_type: str,
        care_group: str,
        starts_on: dt.date,
        ends_on: dt.date,
        annual: Decimal,
        funding: str,
        cost_centre: str,
        outcomes: tuple[str, ...],
    ) -> None:
        months = _months_between(starts_on, ends_on)
        extension = rng.choice((0, 0, 0, 12, 24)) if kind is None or kind.award != A.GRANT else 0
        contract = Contract(
            partnership=partnership,
            reference=reference(lead, starts_on),
            title=title,
            provider=provider,
            lead_commissioner=lead,
            care_group=groups.get(care_group),
            service_type=service_type,
            services=f"{ServiceType(service_type).label} as set out in the specification.",
            area=area,
            starts_on=starts_on,
            ends_on=ends_on,
            extension_months=extension,
            extension_notes=f"Up to {extension} months in 12-month steps." if extension else "",
            notice_months=6 if annual >= 1_000_000 else 3,
            annual_value=annual,
            lifetime_value=pounds(annual * months / 12),
            payment_basis=kind.basis if kind else B.BLOCK,
            award_route=kind.award if kind else A.QUOTE if annual < 200_000 else A.TENDER,
            status=ContractStatus.ENDED if ends_on < DEMO_TODAY else ContractStatus.ACTIVE,
            contract_manager=manager,
        )
        planned.append((contract, funding, cost_centre, outcomes))

    # Each provider is bought from by one lead commissioner with one set of funders, except the
    # deliberate duplicates, so that they are the pairs the contracts audit finds.
    side: dict[int, tuple[str, frozenset[str]]] = {}
    reserved = {pair.provider for pair in DUPLICATES} | {
        name for kind in CONTRACT_KINDS for name in kind.providers
    }

    for pair in DUPLICATES:
        provider = providers[pair.provider]
        for lead_key, (title, starts_on, ends_on, annual) in (("council", pair.council), ("ccg", pair.ccg)):
            add(
                kind=None,
                provider=provider,
                lead=leads[lead_key],
                title=title,
                service_type=pair.service_type,
                care_group=pair.care_group,
                starts_on=starts_on,
                ends_on=ends_on,
                annual=pounds(annual),
                funding=lead_key,
                cost_centre="",
                outcomes=pair.outcomes,
            )
    # The NHS's own contracts first, so the NHS trusts are on its side.
    for kind in sorted(CONTRACT_KINDS, key=lambda kind: kind.lead != "ccg"):
        payers = frozenset({kind.lead} if kind.funding in ("council", "ccg") else {"council", "ccg"})
        if kind.providers:
            pool = [providers[name] for name in kind.providers]
        else:
            pool = [
                p
                for p in offers[kind.service_type]
                if str(p) not in reserved
                and (not kind.sectors or p.sector in kind.sectors)
                and side.get(p.pk, (kind.lead, payers)) == (kind.lead, payers)
            ]
        assert pool, f"No provider left for {kind.titles[0]}"
        rng.shuffle(pool)
        for index in range(kind.count):
            starts_on, ends_on = _contract_dates(rng)
            provider = pool[index % len(pool)]
            side[provider.pk] = (kind.lead, payers)
            wanted = kind.outcomes or OUTCOMES_FOR[kind.service_type]
            add(
                kind=kind,
                provider=provider,
                lead=leads[kind.lead],
                title=kind.titles[index % len(kind.titles)],
                service_type=kind.service_type,
                care_group=kind.care_groups[index % len(kind.care_groups)],
                starts_on=starts_on,
                ends_on=ends_on,
                annual=_money_between(rng, kind.annual[0], kind.annual[1], step=100_00),
                funding=kind.funding,
                cost_centre=kind.cost_centre,
                outcomes=tuple(rng.sample(wanted, k=min(len(wanted), rng.randint(2, 3)))),
            )
    assert len(planned) == SOUTHAMPTON_CONTRACTS, len(planned)
    return _write_contracts(actor, partnership, planned, funder, rng)


def _write_contracts(
    actor: User,
    partnership: Partnership,
    planned: list[tuple[Contract, str, str, tuple[str, ...]]],
    funder: _Funder,
    rng: random.Random,
) -> list[Contract]:
    contracts = Contract.objects.bulk_create([contract for contract, *_ in planned])
    funding: list[Funding] = []
    outcomes: list[Outcome] = []
    kpis: list[Kpi] = []
    outcome_of_kpi: list[int] = []
    for contract, funding_kind, cost_centre, outcome_keys in planned:
        funding.extend(funder.rows(contract, funding_kind, cost_centre, rng))
        first = len(outcomes)
        outcomes.extend(
            Outcome(contract=contract, title=OUTCOMES[key], position=position)
            for position, key in enumerate(outcome_keys, start=1)
        )
        pool = KPIS[contract.service_type]
        for position, spec in enumerate(rng.sample(pool, k=min(len(pool), rng.randint(2, 4))), start=1):
            kpis.append(
                Kpi(
                    contract=contract,
                    code=spec.code,
                    name=spec.name,
                    definition=spec.definition,
                    unit=spec.unit,
                    target=Decimal(spec.target) if spec.target is not None else None,
                    polarity=spec.polarity,
                    frequency=spec.frequency,
                    position=position,
                )
            )
            outcome_of_kpi.append(first + (position - 1) % len(outcome_keys))
    Funding.objects.bulk_create(funding)
    Outcome.objects.bulk_create(outcomes)
    for kpi, outcome_index in zip(kpis, outcome_of_kpi, strict=True):
        kpi.outcome = outcomes[outcome_index]
    Kpi.objects.bulk_create(kpis)
    _audit(actor, partnership, contracts)
    _audit(actor, partnership, funding)
    return contracts


def _southampton_placements(
    actor: User,
    partnership: Partnership,
    providers: dict[str, Provider],
    contracts: list[Contract],
    rng: random.Random,
) -> int:
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    offers: dict[str, list[Provider]] = defaultdict(list)
    for spec in SOUTHAMPTON_PROVIDERS:
        for service_type, _capacity in spec.services:
            if service_type in OUTLIERS:
                offers[service_type].append(providers[spec.name])
    by_provider: dict[tuple[int, str], list[Contract]] = defaultdict(list)
    for contract in contracts:
        by_provider[(contract.provider_id, contract.service_type)].append(contract)
    kinds = [service_type for service_type, count, *_ in PLACEMENT_MIX for _ in range(count)]
    assert len(kinds) == SOUTHAMPTON_PLACEMENTS
    rng.shuffle(kinds)
    outliers = {
        index
        for service_type, count in OUTLIER_COUNTS.items()
        for index in rng.sample([i for i, kind in enumerate(kinds) if kind == service_type], count)
    }
    mix = {service_type: (price, units, step) for service_type, _, price, units, step in PLACEMENT_MIX}
    placements = []
    first_day, last_day = dt.date(2019, 4, 1), DEMO_TODAY - dt.timedelta(days=7)
    span = (last_day - first_day).days
    for index, service_type in enumerate(kinds):
        (low, high), (fewest, most), step = mix[service_type]
        # Recent starts are likelier: most people in care now started in the last three years.
        starts_on = first_day + dt.timedelta(days=int(span * rng.random() ** 0.6))
        if index in outliers:
            low, high = OUTLIERS[service_type]
        unit_price = _money_between(rng, low, high)
        steps = int((Decimal(most) - Decimal(fewest)) / Decimal(step))
        units = Decimal(fewest) + Decimal(step) * rng.randint(0, steps)
        if index in outliers and service_type == S.SUPPORTED_LIVING:
            units = Decimal(rng.randint(100, 140))  # two staff around the clock at times
        ended = rng.random() < 0.25
        ends_on = None
        if ended:
            ends_on = min(
                starts_on + dt.timedelta(days=rng.randint(14, 900)), DEMO_TODAY - dt.timedelta(days=1)
            )
        nursing_chc = service_type == S.NURSING and rng.random() < 0.4
        section_117 = service_type == S.SUPPORTED_LIVING and rng.random() < 0.08
        options = (
            SUPPORT_OPTIONS_CARE_HOMES
            if service_type in (S.RESIDENTIAL, S.NURSING)
            else SUPPORT_OPTIONS_COMMUNITY
        )
        provider = rng.choice(offers[service_type])
        linked = [
            c
            for c in by_provider.get((provider.pk, service_type), ())
            if c.starts_on <= starts_on <= c.ends_on
        ]
        placements.append(
            Placement(
                partnership=partnership,
                person_ref=f"P-{index + 101:06d}",
                provider=provider,
                contract=linked[0] if linked and rng.random() < 0.7 else None,
                service_type=service_type,
                care_group=groups.get(_weighted(rng, PLACEMENT_GROUPS[service_type])),
                unit_price=unit_price,
                units_per_week=units,
                weekly_cost=pounds(unit_price * units),
                starts_on=starts_on,
                ends_on=ends_on,
                funding_organisation=ccg if nursing_chc or section_117 else council,
                support_option=SupportOption.ARRANGED if nursing_chc else _weighted(rng, options),
            )
        )
    Placement.objects.bulk_create(placements, batch_size=500)
    _audit(actor, partnership, placements)
    return len(placements)


def _southampton_grants(actor: User, partnership: Partnership, rng: random.Random) -> int:
    council = Organisation.objects.get(gss_code="E06000045")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    recipients: list[tuple[Organisation | None, str, str]] = [
        (
            provider.organisation,
            provider.organisation.name,
            identifiers.org_identifier(
                charity_number=provider.organisation.charity_number,
                companies_house_number=provider.organisation.companies_house_number,
            ),
        )
        for provider in Provider.objects.filter(
            partnership=partnership, sector__in=(Sector.VCSE, Sector.SOCIAL_ENTERPRISE)
        ).select_related("organisation")
    ]
    recipients += [
        (None, name, f"GB-CHC-{1_201_000 + number * 311}") for number, name in enumerate(COMMUNITY_GROUPS)
    ]
    grants = []
    for number in range(24):
        organisation, name, org_id = recipients[number % len(recipients)]
        programme, group = GRANT_PROGRAMMES[number % len(GRANT_PROGRAMMES)]
        award_date = dt.date(2024 + number % 3, rng.randint(1, 12), rng.randint(1, 28))
        award_date = min(award_date, DEMO_TODAY - dt.timedelta(days=30))
        planned_start = award_date + dt.timedelta(days=rng.randint(7, 45))
        grants.append(
            Grant(
                partnership=partnership,
                identifier=f"360G-SCC-{award_date.year}-{number + 1:03d}",
                title=f"{programme}: {name}",
                description=f"A grant from the {programme} to {name} for work in Southampton.",
                amount_awarded=_money_between(rng, 1_500, 60_000, step=50_00),
                award_date=award_date,
                planned_start=planned_start,
                planned_end=_term_end(planned_start, 12),
                funder=council,
                recipient=organisation,
                recipient_org_id=org_id,
                recipient_name=name,
                programme=programme,
                beneficiary_location_code="E06000045",
                beneficiary_location_name="Southampton",
                from_open_call=rng.random() < 0.8,
                care_group=groups.get(group),
            )
        )
    Grant.objects.bulk_create(grants)
    _audit(actor, partnership, grants)
    return len(grants)


def _nottinghamshire_contracts(
    actor: User, partnership: Partnership, providers: dict[str, Provider], rng: random.Random
) -> int:
    council = Organisation.objects.get(gss_code="E10000024")
    pct = Organisation.objects.get(ods_code="5N8")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}
    area = Area.objects.filter(gss_code="E10000024").first()
    funder = _Funder(council, pct, None, {}, {}, {})
    rows = (
        # provider, title, service, care group, lead, funding, start, months, annual £
        ("Sherwood Edge Home Care Ltd", "Home care, Sherwood and Newark", S.HOME_CARE,
         "Older people", council, "council", D(2023, 4, 1), 48, 2_100_000),
        ("Trent Meadows Care Homes Ltd", "Residential and nursing beds", S.NURSING,
         "Older people", council, "joint", D(2024, 4, 1), 36, 1_350_000),
        ("Nottinghamshire Healthcare NHS Foundation Trust", "Community mental health services",
         S.MENTAL_HEALTH, "Younger adults: mental health", pct, "ccg", D(2022, 4, 1), 60, 6_400_000),
        ("Nottinghamshire Healthcare NHS Foundation Trust", "Child and adolescent mental health services",
         S.MENTAL_HEALTH, "Children: CAMHS", pct, "joint", D(2025, 4, 1), 36, 2_800_000),
        ("Bassetlaw Carers' Network", "Carers' support in Bassetlaw", S.CARERS,
         "Carers", council, "council", D(2024, 10, 1), 24, 120_000),
        ("Dukeries Supported Living CIC", "Supported living for adults with a learning disability",
         S.SUPPORTED_LIVING, "Younger adults: learning disability", council, "council",
         D(2021, 4, 1), 60, 1_750_000),
    )  # fmt: skip
    planned: list[tuple[Contract, str, str, tuple[str, ...]]] = []
    for number, (name, title, service_type, group, lead, funding, starts_on, months, annual) in enumerate(
        rows, start=1
    ):
        ends_on = _term_end(starts_on, months)
        prefix = "NCC" if lead == council else "NHSN"
        contract = Contract(
            partnership=partnership,
            reference=f"{prefix}-{starts_on.year}-{number:03d}",
            title=title,
            provider=providers[name],
            lead_commissioner=lead,
            care_group=groups.get(group),
            service_type=service_type,
            area=area,
            starts_on=starts_on,
            ends_on=ends_on,
            annual_value=pounds(annual),
            lifetime_value=pounds(Decimal(annual) * months / 12),
            payment_basis=B.BLOCK,
            award_route=A.DIRECT_AWARD if service_type == S.MENTAL_HEALTH else A.TENDER,
            status=ContractStatus.ENDED if ends_on < DEMO_TODAY else ContractStatus.ACTIVE,
        )
        planned.append((contract, funding, "", OUTCOMES_FOR[service_type][:2]))
    return len(_write_contracts(actor, partnership, planned, funder, rng))


# The two procurements: (reference, title, description, care group, service, category, body, value £,
# months, start, conditions, criteria, bids, milestones)
HOME_CARE_TENDER = "SCC-2026-T01"
COMMUNITY_HEALTH_PROCUREMENT = "CCG-2026-T02"
HOME_CARE_CRITERIA = (
    ("Quality and safety", "40", False, 5, "How the service keeps people safe and well, and learns."),
    ("Workforce", "15", False, 5, "Recruiting, paying, training and keeping care workers."),
    ("Outcomes and independence", "10", False, 5, "Helping people do more for themselves."),
    ("Social value", "10", False, 5, "Local jobs, travel and the Southampton living wage."),
    ("Price", "25", True, 5, "The lifetime price; the lowest scores full marks."),
)
# bidder → (price £, received, each evaluator's scores on the criteria other than price, in order:
# (commissioner, finance officer))
HOME_CARE_BIDS = {
    "Itchen Valley Home Care Ltd": ("30950000.00", D(2026, 8, 12), ((4, 4), (4, 3), (5, 4), (3, 3))),
    "Portswood Care at Home Ltd": ("32420000.00", D(2026, 8, 13), ((4, 5), (5, 4), (3, 3), (4, 4))),
    "Bitterne Park Homecare Ltd": ("29780000.00", D(2026, 8, 14), ((3, 3), (3, 2), (3, 4), (2, 3))),
}


def _southampton_procurements(partnership: Partnership) -> None:
    """A council light-touch home care tender under the Procurement Act 2023, at evaluation, and a CCG
    community health procurement under the Provider Selection Regime, at its notice.

    Built through the procurement services, as the demo users, so the rules decide each route and every
    stage, bid and score passes the same checks a commissioner's would. The administrator is kept off
    both panels: the bids are commercial in confidence, and the demo shows it.
    """
    if Procurement.objects.filter(partnership=partnership, reference=HOME_CARE_TENDER).exists():
        return
    users = {
        role: User.objects.get(username=demo_username("southampton", role))
        for role in (Role.COMMISSIONER, Role.FINANCE_OFFICER, Role.BOARD_MEMBER)
    }
    commissioner, finance_officer = users[Role.COMMISSIONER], users[Role.FINANCE_OFFICER]
    council = Organisation.objects.get(gss_code="E06000045")
    ccg = Organisation.objects.get(ods_code="10X")
    groups = {g.name: g for g in CareGroup.objects.filter(partnership=partnership)}

    home_care = market_services.create_procurement(
        actor=commissioner,
        partnership=partnership,
        reference=HOME_CARE_TENDER,
        title="Home care for adults in Southampton",
        description="Re-procurement of the city's home care as four geographic lots from April 2027, "
        "replacing the patch contracts that end in 2027 and 2028. Five years with up to two more.",
        care_group=groups.get(OLDER),
        service_type=S.HOME_CARE,
        category=ProcurementCategory.LIGHT_TOUCH,
        commissioning_body=council,
        estimated_value=Decimal("31500000.00"),
        contract_months=60,
        starts_on=D(2026, 3, 2),
    )
    market_services.set_panel(
        actor=commissioner,
        procurement=home_care,
        members=[
            (commissioner, PanelRole.EVALUATOR),
            (finance_officer, PanelRole.EVALUATOR),
            (users[Role.BOARD_MEMBER], PanelRole.NAMED_OFFICER),
        ],
    )
    criteria = market_services.set_criteria(
        actor=commissioner, procurement=home_care, criteria=HOME_CARE_CRITERIA
    )
    scored = [criterion for criterion in criteria if not criterion.is_price]
    for stage, day, note in (
        (ProcurementStage.MARKET_ENGAGEMENT, D(2026, 4, 20), "Provider forum and soft market testing."),
        (ProcurementStage.NOTICE, D(2026, 6, 1), "Tender notice published on Find a Tender."),
        (ProcurementStage.BIDS, D(2026, 8, 14), "Tender period closed at noon; three tenders received."),
    ):
        market_services.record_milestone(
            actor=commissioner, procurement=home_care, stage=stage, reached_on=day, note=note
        )
    for bidder, (price, received_on, scores) in HOME_CARE_BIDS.items():
        bid = market_services.record_bid(
            actor=commissioner,
            procurement=home_care,
            bidder=Organisation.objects.get(name=bidder),
            received_on=received_on,
            price=Decimal(price),
        )
        for evaluator, column in ((commissioner, 0), (finance_officer, 1)):
            market_services.record_scores(
                actor=evaluator,
                bid=bid,
                scores=[
                    (criterion, Decimal(pair[column]), "")
                    for criterion, pair in zip(scored, scores, strict=True)
                ],
            )
    market_services.record_milestone(
        actor=commissioner,
        procurement=home_care,
        stage=ProcurementStage.EVALUATION,
        reached_on=D(2026, 9, 7),
        note="Individual scoring done; moderation meeting to follow.",
    )

    community = market_services.create_procurement(
        actor=commissioner,
        partnership=partnership,
        reference=COMMUNITY_HEALTH_PROCUREMENT,
        title="Adult community nursing and therapies",
        description="Community nursing, therapies and urgent community response for adults, by the "
        "competitive process of the Provider Selection Regime: no existing provider could be shown to "
        "be the most suitable without comparing offers.",
        care_group=groups.get(OLDER),
        service_type=S.COMMUNITY_HEALTH,
        category=ProcurementCategory.HEALTH_CARE,
        commissioning_body=ccg,
        estimated_value=Decimal("48000000.00"),
        contract_months=60,
        starts_on=D(2026, 9, 1),
    )
    market_services.set_panel(
        actor=commissioner,
        procurement=community,
        members=[(finance_officer, PanelRole.EVALUATOR), (users[Role.BOARD_MEMBER], PanelRole.NAMED_OFFICER)],
    )
    market_services.set_criteria(
        actor=commissioner,
        procurement=community,
        criteria=(
            ("Quality and innovation", "30", False, 5, "The regime's first key criterion."),
            ("Value", "25", True, 5, "The regime's value criterion: price against what is offered."),
            ("Integration and collaboration", "20", False, 5, "Working with primary care and the council."),
            ("Access, inequalities and choice", "15", False, 5, "Reaching the people who need it most."),
            ("Social value", "10", False, 5, "Local employment and environmental sustainability."),
        ),
    )
    market_services.record_milestone(
        actor=commissioner,
        procurement=community,
        stage=ProcurementStage.NOTICE,
        reached_on=D(2026, 11, 2),
        note="Contract notice published; offers due by 15 January 2027.",
    )
