"""The Public Contracts Regulations 2015 and the NHS procurement regulations of 2013 as rule sets:
the days they take over and hand on, the thresholds of each period, the calendar-day standstill,
and which set decides when two are in force."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations, pairwise

import holidays as bank_holidays
import pytest
from django.db.migrations.recorder import MigrationRecorder

from commissioning.market.models import RuleSet
from commissioning.market.routes import route_for
from commissioning.market.rules import BODY_KINDS, CATEGORIES, Facts, RuleSetSpec, decide
from commissioning.market.rulesets import load_rule_sets, read_rule_set_files

D = Decimal
ENGLAND = frozenset(bank_holidays.UK(subdiv="ENG", years=range(2010, 2030)).keys())
NATIONAL = [spec for spec, _ in read_rule_set_files()]
BY_CODE = {spec.code: spec for spec in NATIONAL}
PCR = "public-contracts-regulations-2015"
PCR_PERIODS = {
    # code suffix: (first day, last day, works, supplies and services, light-touch, Contracts Finder)
    "2015": (date(2015, 2, 26), date(2015, 12, 31), "4322012", "172514", "625050", "25000"),
    "2016": (date(2016, 1, 1), date(2016, 4, 17), "4104394", "164176", "589148", "25000"),
    "2016-04": (date(2016, 4, 18), date(2017, 12, 31), "4104394", "164176", "589148", "25000"),
    "2018": (date(2018, 1, 1), date(2019, 12, 31), "4551413", "181302", "615278", "25000"),
    "2020": (date(2020, 1, 1), date(2020, 12, 31), "4733252", "189330", "663540", "25000"),
    "2021": (date(2021, 1, 1), date(2021, 12, 31), "4733252", "189330", "663540", "25000"),
    "2022": (date(2022, 1, 1), date(2022, 12, 20), "5336937", "213477", "663540", "25000"),
    "2022-12": (date(2022, 12, 21), date(2023, 12, 31), "5336937", "213477", "663540", "30000"),
    "2024": (date(2024, 1, 1), date(2025, 2, 23), "5372609", "214904", "663540", "30000"),
}
NHS_2013 = "nhs-procurement-regulations-2013"


def route(category="services", body="council", value="100000", on=date(2018, 6, 1), **kwargs):
    facts = Facts(category=category, body_kind=body, value=D(value), starts_on=on, **kwargs)
    return decide(facts, NATIONAL, holidays=ENGLAND)


def step(decision, stage):
    return next(s for s in decision.timeline if s.stage == stage)


# --- The files ---------------------------------------------------------------------------------


def test_the_new_files_parse_and_state_their_sources():
    assert {f"{PCR}-{suffix}" for suffix in PCR_PERIODS} | {NHS_2013} <= set(BY_CODE)
    for suffix in PCR_PERIODS:
        spec = BY_CODE[f"{PCR}-{suffix}"]
        assert "SI 2015/102" in spec.source and "26 February 2015" in spec.source, spec.code
        assert spec.body_kinds == {"council", "nhs"} and spec.precedence == 100
    nhs = BY_CODE[NHS_2013]
    assert "SI 2013/500" in nhs.source and "1 April 2013" in nhs.source
    assert nhs.body_kinds == {"nhs"} and nhs.precedence == 150
    assert (nhs.effective_from, nhs.effective_to) == (date(2013, 4, 1), date(2023, 12, 31))


@pytest.mark.parametrize("suffix", PCR_PERIODS)
def test_each_period_holds_its_thresholds(suffix):
    first, last, works, services, light_touch, contracts_finder = PCR_PERIODS[suffix]
    spec = BY_CODE[f"{PCR}-{suffix}"]
    assert (spec.effective_from, spec.effective_to) == (first, last)
    rules = {rule.position: rule for rule in spec.rules}
    assert rules[10].min_value == D(works) == rules[40].max_value
    assert rules[20].min_value == D(services) == rules[41].max_value
    assert rules[30].min_value == D(light_touch) == rules[42].max_value
    assert rules[40].min_value == rules[41].min_value == rules[50].max_value == D(contracts_finder)
    # Thresholds included VAT from 1 January 2022; before that the source says to record values net of VAT.
    assert ("net of VAT for a procurement that started earlier" in spec.source) == (first < date(2022, 1, 1))


def test_the_pcr_sets_fill_the_gap_without_overlap():
    chain = sorted((BY_CODE[f"{PCR}-{s}"] for s in PCR_PERIODS), key=lambda spec: spec.effective_from)
    framework = BY_CODE["council-framework-2010"]
    act = BY_CODE["procurement-act-2023-2025"]
    assert chain[0].effective_from == framework.effective_to + timedelta(days=1) == date(2015, 2, 26)
    for before, after in pairwise(chain):
        assert after.effective_from == before.effective_to + timedelta(days=1), (before.code, after.code)
    assert chain[-1].effective_to == date(2025, 2, 23) == act.effective_from - timedelta(days=1)
    assert (
        BY_CODE[NHS_2013].effective_to + timedelta(days=1)
        == BY_CODE["nhs-provider-selection-regime-2024"].effective_from
    )


def _covers(spec: RuleSetSpec, category: str, body: str) -> bool:
    return any(
        (not rule.categories or category in rule.categories)
        and (not rule.body_kinds or body in rule.body_kinds)
        for rule in spec.rules
    )


def _boundary_days() -> list[date]:
    days = {date(2013, 3, 31), date(2026, 6, 1)}
    for spec in NATIONAL:
        days |= {spec.effective_from - timedelta(days=1), spec.effective_from}
        if spec.effective_to:
            days |= {spec.effective_to, spec.effective_to + timedelta(days=1)}
    return sorted(day for day in days if day >= date(2010, 4, 1))


@pytest.mark.parametrize("day", _boundary_days())
def test_on_every_boundary_day_one_set_decides_without_a_tie(day):
    """No day is left without a route, and two sets covering the same purchase never share a precedence."""
    for category in CATEGORIES:
        for body in BODY_KINDS:
            sets = [
                s
                for s in NATIONAL
                if s.in_force_on(day)
                and (not s.body_kinds or body in s.body_kinds)
                and _covers(s, category, body)
            ]
            for one, other in combinations(sets, 2):
                assert one.precedence != other.precedence, (day, category, body, one.code, other.code)
            if day >= date(2010, 4, 1):
                for value in ("10000", "100000", "1000000", "10000000"):
                    assert route(category=category, body=body, value=value, on=day).route


# --- The days the Regulations took over and handed on -------------------------------------------


def test_25_february_2015_is_the_framework_and_26_february_the_regulations():
    before = route(value="200000", on=date(2015, 2, 25))
    after = route(value="200000", on=date(2015, 2, 26))
    assert (before.rule_set_code, before.route) == ("council-framework-2010", "full_tender")
    assert (after.rule_set_code, after.route) == (f"{PCR}-2015", "competitive_tender")
    assert after.explanation[0].startswith(
        "Public Contracts Regulations 2015 (thresholds from 1 January 2014) applied: in force from "
        "26 February 2015 to 31 December 2015, and the procurement starts on 26 February 2015."
    )
    assert any(
        "Joint commissioning framework (2010) (in force from 1 April 2010 to 25 February 2015)" in line
        for line in after.explanation
    )


def test_23_february_2025_is_the_regulations_and_24_february_the_act():
    """£214,904 of services: full procedure both days; a 10 calendar day standstill becomes 8 working days."""
    before = route(value="214904", on=date(2025, 2, 23))
    after = route(value="214904", on=date(2025, 2, 24))
    assert (before.rule_set_code, before.route) == (f"{PCR}-2024", "competitive_tender")
    assert (after.rule_set_code, after.route) == ("procurement-act-2023-2025", "competitive_tender")
    assert before.standstill_working_days == 0 and after.standstill_working_days == 8
    assert any("Find a Tender" in notice.name for notice in before.notices)
    assert route(value="29999.99", on=date(2025, 2, 23)).rule_set_code == f"{PCR}-2024"


# --- Thresholds at their edges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "value", "expected"),
    [
        ("services", "24999.99", "quotations"),
        ("services", "25000.00", "below_threshold"),
        ("services", "181301.99", "below_threshold"),
        ("goods", "181302.00", "competitive_tender"),
        ("works", "4551412.99", "below_threshold"),
        ("works", "4551413.00", "competitive_tender"),
        ("light_touch", "615277.99", "below_threshold"),
        ("light_touch", "615278.00", "light_touch_tender"),
    ],
)
def test_2018_threshold_edges(category, value, expected):
    decision = route(category=category, value=value, on=date(2018, 6, 1))
    assert (decision.rule_set_code, decision.route) == (f"{PCR}-2018", expected)


@pytest.mark.parametrize(
    ("category", "value", "expected"),
    [
        ("services", "29999.99", "quotations"),
        ("services", "30000.00", "below_threshold"),
        ("services", "214903.99", "below_threshold"),
        ("services", "214904.00", "competitive_tender"),
        ("works", "5372608.99", "below_threshold"),
        ("works", "5372609.00", "competitive_tender"),
        ("light_touch", "663539.99", "below_threshold"),
        ("light_touch", "663540.00", "light_touch_tender"),
    ],
)
def test_2024_threshold_edges(category, value, expected):
    decision = route(category=category, value=value, on=date(2024, 6, 3))
    assert (decision.rule_set_code, decision.route) == (f"{PCR}-2024", expected)


def test_thresholds_change_on_1_january():
    """£170,000 of services: above the 2016 threshold (£164,176), below the 2018 one (£181,302)."""
    assert route(value="170000", on=date(2017, 12, 31)).route == "competitive_tender"
    assert route(value="170000", on=date(2018, 1, 1)).route == "below_threshold"
    # The light-touch threshold rose to £663,540 on 1 January 2020.
    assert route(category="light_touch", value="650000", on=date(2019, 12, 31)).route == "light_touch_tender"
    assert route(category="light_touch", value="650000", on=date(2020, 1, 1)).route == "below_threshold"


def test_contracts_finder_limit_rose_to_30000_on_21_december_2022():
    assert route(value="27000", on=date(2022, 12, 20)).route == "below_threshold"
    assert route(value="27000", on=date(2022, 12, 21)).route == "quotations"


# --- Notices and the minimum timeline -----------------------------------------------------------


def test_ojeu_until_2020_and_find_a_tender_from_2021():
    last_ojeu = route(value="500000", on=date(2020, 12, 31))
    first_fts = route(value="500000", on=date(2021, 1, 1))
    assert last_ojeu.notices[0].name == "Contract notice in the Official Journal of the European Union (OJEU)"
    assert first_fts.notices[0].name == "Contract notice in Find a Tender (the UK e-notification service)"
    assert last_ojeu.rule_set_code == f"{PCR}-2020" and first_fts.rule_set_code == f"{PCR}-2021"


def test_above_threshold_open_procedure_and_a_standstill_of_10_calendar_days():
    """Start Thu 1 Mar 2018: tenders from 31 Mar (30 days, electronic), contract on 11 Apr after a standstill
    ending at midnight on 10 Apr; the Easter bank holidays (30 Mar, 2 Apr) do not count as they would
    for working days."""
    decision = route(value="300000", on=date(2018, 3, 1))
    assert decision.standstill_working_days == 0
    assert [s.stage for s in decision.timeline] == ["need_confirmed", "notice", "bids", "award", "contract"]
    bids = step(decision, "bids")
    assert (bids.minimum_days, bids.working_days, bids.earliest_on) == (30, False, date(2018, 3, 31))
    contract = step(decision, "contract")
    assert (contract.minimum_days, contract.working_days) == (11, False)
    assert decision.earliest_contract_on == date(2018, 4, 11)
    assert "10 calendar days" in contract.label
    standstill = next(n for n in decision.notices if "standstill" in n.name)
    assert (standstill.days, standstill.working_days, standstill.before) == (10, False, "contract")
    names = " | ".join(n.name for n in decision.notices)
    assert "Contracts Finder within 24 hours" in names and "within 30 days of the award" in names
    assert not any("working days" in line for line in decision.explanation)


def test_light_touch_needs_a_notice_or_pin_and_sets_no_tender_period():
    decision = route(category="light_touch", value="700000", on=date(2018, 6, 1))
    assert decision.notices[0].name.startswith("Contract notice or prior information notice")
    bids = step(decision, "bids")
    assert bids.minimum_days == 0 and "no minimum" in bids.label
    assert step(decision, "contract").minimum_days == 11
    assert any("grouped within 30 days of the end of each quarter" in n.name for n in decision.notices)


def test_below_threshold_publishes_on_contracts_finder():
    decision = route(value="50000", on=date(2019, 5, 1))
    names = [n.name for n in decision.notices]
    assert names[0].startswith(
        "Opportunity on Contracts Finder within 24 hours of advertising it, if advertised"
    )
    assert names[1] == "Award published on Contracts Finder (regulation 112)"
    assert decision.earliest_contract_on == date(2019, 5, 1)
    early = route(value="50000", on=date(2015, 3, 2))
    assert "from 1 April 2015" in early.notices[0].name


# --- NHS health care: the 2013 regulations beside the Regulations --------------------------------


def test_nhs_health_care_joined_the_light_touch_regime_on_18_april_2016():
    before = route(category="health_care", body="nhs", value="1000000", on=date(2016, 4, 17))
    after = route(category="health_care", body="nhs", value="1000000", on=date(2016, 4, 18))
    assert (before.rule_set_code, before.route) == (NHS_2013, "nhs_procurement_duties")
    assert "the rule sets consulted before it had no rule for this procurement" in before.explanation[0]
    assert (after.rule_set_code, after.route, after.rule_position) == (
        f"{PCR}-2016-04",
        "light_touch_tender",
        32,
    )
    assert (
        "Also in force: NHS (Procurement, Patient Choice and Competition) (No. 2) Regulations 2013"
        in (after.explanation[0])
    )
    assert not any("Contracts Finder" in n.name for n in after.notices)


def test_nhs_health_care_below_the_threshold_has_duties_but_no_route():
    decision = route(category="health_care", body="nhs", value="100000", on=date(2018, 6, 1))
    assert decision.rule_set_code == NHS_2013
    assert decision.route == "nhs_procurement_duties"
    assert [s.stage for s in decision.timeline] == ["need_confirmed", "award", "contract"]
    assert decision.earliest_contract_on == date(2018, 6, 1)
    text = "\n".join(decision.explanation)
    assert "Public Contracts Regulations 2015 (thresholds from 1 January 2018) is in force but none" in text
    assert "rule 32 (Light-touch regime with the NHS procurement regulations) did not apply" in text
    assert "treat providers equally" in decision.explanation[-1]


def test_in_2014_the_joint_framework_is_consulted_before_the_nhs_regulations():
    decision = route(category="health_care", body="nhs", value="1000000", on=date(2014, 6, 1))
    assert decision.rule_set_code == "council-framework-2010"
    assert "it has precedence 100, consulted first" in decision.explanation[0]
    assert "Also in force: NHS (Procurement, Patient Choice and Competition)" in decision.explanation[0]


def test_the_provider_selection_regime_took_over_health_care_on_1_january_2024():
    for value, route_then in (("100000", "nhs_procurement_duties"), ("1000000", "light_touch_tender")):
        last = route(category="health_care", body="nhs", value=value, on=date(2023, 12, 31))
        assert last.route == route_then
        first = route(category="health_care", body="nhs", value=value, on=date(2024, 1, 1))
        assert (first.rule_set_code, first.route) == (
            "nhs-provider-selection-regime-2024",
            "competitive_process",
        )
    # 2024's Regulations hold no health care rows, so the regime decides for councils too.
    council = route(category="health_care", body="council", value="100000", on=date(2024, 6, 3))
    assert council.rule_set_code == "nhs-provider-selection-regime-2024"


def test_councils_buy_health_services_under_the_regulations_not_the_nhs_ones():
    assert route(category="health_care", value="700000", on=date(2018, 6, 1)).rule_position == 31
    assert route(category="health_care", value="100000", on=date(2018, 6, 1)).rule_position == 43
    small = route(category="health_care", value="1000", on=date(2015, 6, 1))
    assert (small.rule_set_code, small.route) == (f"{PCR}-2015", "quotations")


# --- On the database -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migrations_loaded_the_new_sets(southampton):
    applied = MigrationRecorder.Migration.objects.filter(app="market").values_list("name", flat=True)
    assert {"0002_rule_sets", "0003_rule_sets_2015"} <= set(applied)
    codes = [f"{PCR}-{suffix}" for suffix in PCR_PERIODS] + [NHS_2013]
    rows = {
        r.code: r for r in RuleSet.objects.filter(code__in=codes, partnership=None).prefetch_related("rules")
    }
    assert set(rows) == set(codes)
    assert rows[f"{PCR}-2018"].rules.get(position=30).min_value == D("615278.00")
    assert rows[NHS_2013].effective_to == date(2023, 12, 31)
    result = load_rule_sets()
    assert set(codes) <= set(result.unchanged) and not result.created and not result.updated

    facts = Facts("light_touch", "council", D("700000"), date(2019, 9, 2))
    decision = route_for(partnership=southampton, facts=facts)
    assert (decision.rule_set_code, decision.route) == (f"{PCR}-2018", "light_touch_tender")
    assert decision.rule_id == rows[f"{PCR}-2018"].rules.get(position=30).pk
