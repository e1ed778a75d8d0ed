"""The market and contracts demo: the sizes the issue asks for, money that adds up, the deliberate
duplicates and expiries, the two procurements in progress, and a loader that adds nothing twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum

from commissioning.contracts.models import Contract, Funding, Grant, Kpi, Outcome, Placement, SupportOption
from commissioning.core.money import pounds
from commissioning.core.permissions import Role
from commissioning.demo import market as demo
from commissioning.market.models import (
    Bid,
    Location,
    PanelMember,
    Procurement,
    ProcurementStatus,
    Provider,
    QualityRating,
    Rating,
    Score,
    ServiceOffer,
    Stage,
)
from commissioning.partners import identifiers

pytestmark = pytest.mark.django_db


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def test_southampton_has_the_providers_contracts_and_placements_the_issue_asks_for(southampton):
    assert Provider.objects.filter(partnership=southampton).count() >= 38
    assert Contract.objects.filter(partnership=southampton).count() == 150
    assert Placement.objects.filter(partnership=southampton).count() == 2000
    leads = Counter(
        Contract.objects.filter(partnership=southampton).values_list("lead_commissioner__ods_code", flat=True)
    )
    assert leads["10X"] >= 20 and leads[""] >= 60  # the CCG and the council (no ODS code) both contract
    assert Grant.objects.filter(partnership=southampton).count() >= 20


def test_nottinghamshire_has_a_handful_of_its_own(nottinghamshire, southampton):
    providers = Provider.objects.filter(partnership=nottinghamshire)
    assert 3 <= providers.count() <= 10
    assert 3 <= Contract.objects.filter(partnership=nottinghamshire).count() <= 10
    # Each contract is with a provider in its own partnership's register.
    assert not Contract.objects.exclude(provider__partnership=F("partnership")).exists()
    assert not Placement.objects.exclude(provider__partnership=F("partnership")).exists()
    assert not providers.filter(organisation__provider_records__partnership=southampton).exists()


def test_providers_have_sectors_locations_services_and_rating_histories(southampton):
    providers = Provider.objects.filter(partnership=southampton).select_related("organisation")
    sectors = Counter(p.sector for p in providers)
    assert set(sectors) == {"nhs", "private", "vcse", "social_enterprise"}
    for provider in providers:
        organisation = provider.organisation
        assert organisation.kind in ("nhs_trust", "vcse", "private_provider")
        if organisation.companies_house_number:
            assert identifiers.check_companies_house_number(organisation.companies_house_number) is None
        if organisation.charity_number:
            assert identifiers.check_charity_number(organisation.charity_number) is None
        assert organisation.ods_code or organisation.companies_house_number or organisation.charity_number
    postcodes = Location.objects.filter(provider__partnership=southampton).values_list("postcode", flat=True)
    assert postcodes and all(
        code[:4] in {"SO14", "SO15", "SO16", "SO17", "SO18", "SO19"} for code in postcodes
    )
    offers = ServiceOffer.objects.filter(provider__partnership=southampton, capacity__isnull=False)
    assert set(offers.values_list("capacity_unit", flat=True)) == {"beds", "hours_per_week", "places"}
    counts = Provider.objects.filter(partnership=southampton).annotate(n=Count("ratings"))
    assert all(1 <= p.n <= 3 for p in counts)
    ratings = Rating.objects.filter(provider__partnership=southampton)
    assert all(
        dt.date(2019, 1, 1) <= day <= demo.DEMO_TODAY for day in ratings.values_list("rated_on", flat=True)
    )
    kinds = Counter(ratings.values_list("rating", flat=True))
    assert kinds[QualityRating.INADEQUATE] == 1
    assert kinds[QualityRating.REQUIRES_IMPROVEMENT] >= 3
    assert kinds[QualityRating.NOT_YET_RATED] >= 1


def test_every_contracts_funding_adds_exactly_to_its_lifetime_value():
    mismatched = Contract.objects.annotate(funded=Sum("funding__amount")).filter(
        Q(funded__isnull=True) | ~Q(funded=F("lifetime_value"))
    )
    assert list(mismatched.values_list("reference", flat=True)) == []


def test_some_contracts_are_jointly_funded_and_some_from_the_better_care_fund(southampton):
    contracts = Contract.objects.filter(partnership=southampton)
    joint = contracts.annotate(payers=Count("funding__organisation", distinct=True)).filter(payers=2)
    assert joint.count() >= 10
    assert Funding.objects.filter(contract__partnership=southampton, scheme__isnull=False).count() >= 10
    assert Funding.objects.filter(contract__partnership=southampton, budget_line__isnull=False).exists()


def test_contracts_have_outcomes_and_kpis_from_shared_lists(southampton):
    contracts = Contract.objects.filter(partnership=southampton).annotate(
        outcomes_n=Count("outcomes", distinct=True), kpis_n=Count("kpis", distinct=True)
    )
    assert all(2 <= c.outcomes_n <= 3 and 2 <= c.kpis_n <= 4 for c in contracts)
    titles = set(Outcome.objects.filter(contract__partnership=southampton).values_list("title", flat=True))
    assert len(titles) <= len(demo.OUTCOMES)
    kpis = Kpi.objects.filter(contract__partnership=southampton)
    assert kpis.filter(name="Missed home care visits", polarity="decrease").exists()
    assert kpis.filter(code="RB01", unit="%", polarity="increase").exists()
    assert not kpis.filter(Q(definition="") | Q(frequency="")).exists()


def test_some_contracts_end_within_6_12_and_18_months_of_the_demo_day(southampton):
    contracts = Contract.objects.filter(partnership=southampton)
    today = demo.DEMO_TODAY
    assert contracts.filter(ends_on__gt=today, ends_on__lte=_months_after(today, 6)).exists()
    assert contracts.filter(
        ends_on__gt=_months_after(today, 6), ends_on__lte=_months_after(today, 12)
    ).exists()
    assert contracts.filter(
        ends_on__gt=_months_after(today, 12), ends_on__lte=_months_after(today, 18)
    ).exists()
    starts = contracts.values_list("starts_on", flat=True)
    assert min(starts).year >= 2019 and max(starts).year <= 2026
    assert contracts.filter(status="ended").count() == contracts.filter(ends_on__lt=today).count() > 0


def test_the_deliberate_duplicates_exist(southampton):
    """Both partners paying the same provider over the same months; five of them for the same service
    to the same care group."""
    contracts = list(
        Contract.objects.filter(partnership=southampton).values(
            "provider_id", "lead_commissioner_id", "starts_on", "ends_on", "service_type", "care_group_id"
        )
    )
    pairs = [
        (a, b)
        for i, a in enumerate(contracts)
        for b in contracts[i + 1 :]
        if a["provider_id"] == b["provider_id"]
        and a["lead_commissioner_id"] != b["lead_commissioner_id"]
        and a["starts_on"] <= b["ends_on"]
        and b["starts_on"] <= a["ends_on"]
    ]
    assert len(pairs) >= 4
    same_service = [
        (a, b)
        for a, b in pairs
        if a["service_type"] == b["service_type"] and a["care_group_id"] == b["care_group_id"]
    ]
    assert 4 <= len(same_service) <= 6


def test_placements_cost_price_times_units_with_realistic_prices_and_a_few_outliers(southampton):
    rows = list(
        Placement.objects.filter(partnership=southampton).values_list(
            "service_type", "unit_price", "units_per_week", "weekly_cost"
        )
    )
    assert all(cost == pounds(price * units) for _, price, units, cost in rows)
    by_type: dict[str, list[Decimal]] = {}
    for service_type, price, _, _ in rows:
        by_type.setdefault(service_type, []).append(price)
    assert set(by_type) == {"residential", "nursing", "home_care", "supported_living", "day_opportunities"}
    outliers = 0
    for prices in by_type.values():
        prices.sort()
        p95 = prices[int(len(prices) * 0.95)]
        outliers += sum(price > p95 * Decimal("1.5") for price in prices)
    assert 10 <= outliers <= 15
    residential = sorted(by_type["residential"])
    assert Decimal("750") <= residential[len(residential) // 2] <= Decimal("1100")
    assert not Placement.objects.exclude(nhs_number_hash="").exists()


def test_placements_show_personalisation_and_who_pays(southampton):
    placements = Placement.objects.filter(partnership=southampton)
    options = Counter(placements.values_list("support_option", flat=True))
    share = {option: options[option] / 2000 for option in SupportOption.values}
    assert 0.55 <= share["arranged"] <= 0.65
    assert 0.10 <= share["managed_budget"] <= 0.20
    assert 0.06 <= share["individual_service_fund"] <= 0.14
    assert 0.10 <= share["direct_payment"] <= 0.20
    ccg_funded = placements.filter(funding_organisation__ods_code="10X")
    assert 50 <= ccg_funded.count() <= 400
    assert ccg_funded.filter(service_type="nursing").exists()
    assert placements.filter(ends_on__isnull=False).count() >= 200
    linked = placements.filter(contract__isnull=False)
    assert linked.count() >= 200
    assert not linked.exclude(contract__provider=F("provider")).exists()


def test_two_procurements_in_progress_under_different_rule_sets(southampton, user_for):
    procurements = Procurement.objects.filter(partnership=southampton, status=ProcurementStatus.ACTIVE)
    home_care = procurements.select_related("rule__rule_set").get(reference=demo.HOME_CARE_TENDER)
    community = procurements.select_related("rule__rule_set").get(reference=demo.COMMUNITY_HEALTH_PROCUREMENT)
    assert home_care.stage == Stage.EVALUATION and community.stage == Stage.NOTICE
    assert home_care.rule.rule_set.code.startswith("procurement-act-2023")
    assert community.rule.rule_set.code == "nhs-provider-selection-regime-2024"
    assert home_care.route == "light_touch_tender" and community.route == "competitive_process"
    assert sum(c.weight for c in home_care.criteria.all()) == Decimal("100")
    assert Bid.objects.filter(procurement=home_care).count() == 3
    evaluators = {user_for("southampton", Role.COMMISSIONER), user_for("southampton", Role.FINANCE_OFFICER)}
    scorers = set(Score.objects.filter(bid__procurement=home_care).values_list("evaluator", flat=True))
    assert scorers == {user.pk for user in evaluators}
    administrator = user_for("southampton", Role.ADMINISTRATOR)
    assert not PanelMember.objects.filter(procurement__partnership=southampton, user=administrator).exists()


def test_loading_again_adds_nothing(system):
    models = (Provider, Rating, Contract, Funding, Kpi, Placement, Grant, Procurement, Bid, Score)
    before = {model.__name__: model.objects.count() for model in models}
    demo.load(actor=system, say=lambda message: None)
    assert {model.__name__: model.objects.count() for model in models} == before
