"""The procurement rules engine, pure: bands, effective dates, sectors, PSR routes, working days."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import holidays as bank_holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.market.rules import (
    Facts,
    NoRouteError,
    RuleSetSpec,
    RuleSpec,
    add_working_days,
    decide,
    minimum_lead_days,
    parse_notices,
    parse_steps,
)
from commissioning.market.rulesets import RULESETS_DIR, read_rule_set_files

D = Decimal
ENGLAND = frozenset(bank_holidays.UK(subdiv="ENG", years=range(2010, 2030)).keys())
NATIONAL = [spec for spec, _ in read_rule_set_files()]


def facts(category="services", body="council", value="100000", on=date(2026, 6, 1), **kwargs) -> Facts:
    return Facts(category=category, body_kind=body, value=D(value), starts_on=on, **kwargs)


def route(**kwargs):
    return decide(facts(**kwargs), NATIONAL, holidays=ENGLAND)


# --- The shipped rule sets ---------------------------------------------------------------------


def test_every_rule_set_file_parses_and_states_its_source():
    codes = {spec.code for spec in NATIONAL}
    assert codes >= {
        "council-framework-2010",
        "procurement-act-2023-2025",
        "procurement-act-2023-2026",
        "nhs-provider-selection-regime-2024",
    }
    for spec in NATIONAL:
        assert len(spec.source) > 200, spec.code
        assert spec.rules
    by_code = {spec.code: spec for spec in NATIONAL}
    assert "26 February 2015" in by_code["council-framework-2010"].source
    assert "SI 2025/1200" in by_code["procurement-act-2023-2026"].source
    assert "SI 2023/1348" in by_code["nhs-provider-selection-regime-2024"].source


def test_the_two_procurement_act_sets_meet_without_a_gap():
    old, new = (
        next(s for s in NATIONAL if s.code == code)
        for code in ("procurement-act-2023-2025", "procurement-act-2023-2026")
    )
    assert old.effective_to == date(2025, 12, 31)
    assert new.effective_from == date(2026, 1, 1) == old.effective_to + timedelta(days=1)


# --- Value bands: lower bound inclusive, upper exclusive ----------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("29999.99", "quotations"),
        ("30000.00", "below_threshold"),
        ("207719.99", "below_threshold"),
        ("207720.00", "competitive_tender"),
        ("5000000.00", "competitive_tender"),
    ],
)
def test_services_bands_from_2026(value, expected):
    assert route(value=value).route == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("663539.99", "below_threshold"), ("663540.00", "light_touch_tender")],
)
def test_light_touch_threshold(value, expected):
    assert route(category="light_touch", value=value).route == expected


def test_works_use_the_works_threshold():
    assert route(category="works", value="5192999.99").route == "below_threshold"
    assert route(category="works", value="5193000.00").route == "competitive_tender"


def test_nhs_bodies_buying_services_use_the_same_act_rules():
    decision = route(body="nhs", value="250000")
    assert decision.route == "competitive_tender"
    assert decision.rule_set_code == "procurement-act-2023-2026"


# --- The date a procurement starts decides which rules apply ------------------------------------


def test_thresholds_switch_on_1_january_2026():
    """£210,000 of services: below the old £214,904 threshold, above the new £207,720."""
    before = route(value="210000", on=date(2025, 12, 31))
    after = route(value="210000", on=date(2026, 1, 1))
    assert (before.rule_set_code, before.route) == ("procurement-act-2023-2025", "below_threshold")
    assert (after.rule_set_code, after.route) == ("procurement-act-2023-2026", "competitive_tender")
    assert before.standstill_working_days == 0
    assert after.standstill_working_days == 8
    assert any("Procurement Act 2023 (thresholds to 31 December 2025)" in line for line in after.explanation)
    assert any("Not in force on 1 January 2026" in line for line in after.explanation)


def test_light_touch_threshold_did_not_change_in_2026():
    for on in (date(2025, 12, 31), date(2026, 1, 1)):
        assert route(category="light_touch", value="663540", on=on).route == "light_touch_tender"


def test_2010_framework_applies_to_2012_procurements():
    decision = route(value="35000.01", on=date(2012, 5, 1))
    assert decision.rule_set_code == "council-framework-2010"
    assert decision.route == "full_tender"
    assert route(value="35000.00", on=date(2012, 5, 1)).route == "quotations"
    assert route(value="35000.00", on=date(2015, 2, 25)).rule_set_code == "council-framework-2010"


def test_nothing_in_force_raises_no_route_with_reasons():
    with pytest.raises(NoRouteError) as error:
        route(on=date(1990, 1, 1))
    message = str(error.value)
    assert "No procurement rules are in force on 1 January 1990" in message
    assert "Joint commissioning framework (2010) (in force from 1 April 2010 to 25 February 2015)" in message


def test_between_2015_and_the_act_the_public_contracts_regulations_apply():
    assert route(on=date(2015, 2, 26)).rule_set_code == "public-contracts-regulations-2015-2015"


# --- The voluntary sector in 2010 ---------------------------------------------------------------


def test_vcse_gets_a_90_day_notice_of_intent_in_2010():
    decision = route(value="50000", on=date(2012, 5, 1), provider_sector="vcse")
    assert decision.route == "full_tender"
    intent = decision.notices[0]
    assert (intent.days, intent.working_days, intent.before) == (90, False, "notice")
    assert "voluntary and community sector" in intent.name
    notice_step = next(step for step in decision.timeline if step.stage == "notice")
    assert notice_step.earliest_on == date(2012, 5, 1) + timedelta(days=90)
    ordinary = route(value="50000", on=date(2012, 5, 1))
    assert all("intent" not in notice.name for notice in ordinary.notices)
    assert minimum_lead_days(decision) == minimum_lead_days(ordinary) + 90


def test_vcse_notice_applies_to_small_contracts_too():
    decision = route(value="5000", on=date(2012, 5, 1), provider_sector="vcse")
    assert decision.route == "quotations"
    assert decision.notices[0].days == 90


# --- NHS Provider Selection Regime --------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "expected", "standstill"),
    [
        ({"only_capable_provider"}, "direct_award_a", 0),
        ({"patient_choice"}, "direct_award_b", 0),
        ({"existing_provider_satisfactory"}, "direct_award_c", 8),
        ({"existing_provider_satisfactory", "considerable_change"}, "competitive_process", 8),
        (
            {"existing_provider_satisfactory", "considerable_change", "most_suitable_provider_identifiable"},
            "most_suitable_provider",
            8,
        ),
        ({"most_suitable_provider_identifiable"}, "most_suitable_provider", 8),
        (set(), "competitive_process", 8),
        # A and B come first: the regime requires them where they apply.
        ({"only_capable_provider", "existing_provider_satisfactory"}, "direct_award_a", 0),
    ],
)
def test_psr_routes(conditions, expected, standstill):
    decision = route(category="health_care", body="nhs", value="4000000", conditions=frozenset(conditions))
    assert decision.rule_set_code == "nhs-provider-selection-regime-2024"
    assert decision.route == expected
    assert decision.standstill_working_days == standstill
    stages = [step.stage for step in decision.timeline]
    assert ("standstill" in stages) == bool(standstill)
    names = " ".join(notice.name for notice in decision.notices)
    assert ("intention to award" in names) == bool(standstill)


def test_councils_buy_health_care_under_the_psr():
    decision = route(category="health_care", body="council", value="900000")
    assert decision.route == "competitive_process"


def test_psr_did_not_exist_before_2024():
    decision = route(category="health_care", body="nhs", on=date(2023, 12, 31))
    assert decision.rule_set_code == "nhs-procurement-regulations-2013"


def test_considerable_change_explains_why_c_did_not_apply():
    decision = route(
        category="health_care",
        body="nhs",
        conditions=frozenset({"existing_provider_satisfactory", "considerable_change"}),
    )
    assert any(
        "Direct award process C" in line and "considerable change" in line for line in decision.explanation
    )


# --- Working days and the timeline --------------------------------------------------------------


def test_add_working_days_skips_weekends():
    friday = date(2026, 6, 5)
    assert add_working_days(friday, 1, ()) == date(2026, 6, 8)
    assert add_working_days(friday, 0, ()) == friday
    assert add_working_days(friday, 8, ()) == date(2026, 6, 17)


def test_standstill_over_christmas_2026_skips_bank_holidays():
    """Notice on Tue 22 Dec 2026: 25 and 28 Dec (Boxing Day observed) and 1 Jan 2027 are bank holidays."""
    assert add_working_days(date(2026, 12, 22), 8, ENGLAND) == date(2027, 1, 6)
    assert add_working_days(date(2026, 12, 22), 8, ()) == date(2027, 1, 1)
    decision = route(
        category="health_care",
        body="nhs",
        value="1000000",
        on=date(2026, 12, 22),
        conditions=frozenset({"existing_provider_satisfactory"}),
    )
    standstill = next(step for step in decision.timeline if step.stage == "standstill")
    assert standstill.earliest_on == date(2027, 1, 6)
    assert standstill.working_days and standstill.minimum_days == 8
    assert decision.earliest_contract_on == date(2027, 1, 7)
    assert decision.total_minimum_days == 16


@given(start=st.dates(date(2020, 1, 1), date(2030, 12, 31)), days=st.integers(0, 60))
def test_working_days_land_on_working_days_and_count_exactly(start, days):
    end = add_working_days(start, days, ENGLAND)
    counted = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if (day := start + timedelta(days=offset)).weekday() < 5 and day not in ENGLAND
    )
    assert counted == days
    if days:
        assert end.weekday() < 5 and end not in ENGLAND


def test_competitive_tender_timeline_and_json():
    decision = route(value="300000", on=date(2026, 3, 2))
    stages = [step.stage for step in decision.timeline]
    assert stages == ["need_confirmed", "notice", "bids", "award", "standstill", "contract"]
    bids = decision.timeline[2]
    assert bids.minimum_days == 25 and bids.earliest_on == date(2026, 3, 27)
    # 27 Mar (Fri) + 8 working days: Good Friday 3 Apr and Easter Monday 6 Apr 2026 are skipped.
    assert decision.timeline[4].earliest_on == date(2026, 4, 10)
    assert decision.earliest_contract_on == date(2026, 4, 11)
    assert decision.total_minimum_days == (date(2026, 4, 11) - date(2026, 3, 2)).days
    stored = decision.timeline_json()
    assert json.loads(json.dumps(stored)) == stored
    assert stored[-1] == {
        "stage": "contract",
        "label": "Contract signed",
        "minimum_days": 1,
        "working_days": False,
        "earliest_on": "2026-04-11",
    }
    names = [notice.name for notice in decision.notices]
    assert names[0] == "Tender notice" and any("Contract details notice" in n for n in names)


def test_light_touch_states_no_minimum_tendering_period():
    decision = route(category="light_touch", value="700000")
    bids = next(step for step in decision.timeline if step.stage == "bids")
    assert bids.minimum_days == 0
    assert "no minimum" in bids.label


# --- Explanation and selection order ------------------------------------------------------------


def test_explanation_names_the_rule_set_its_source_and_rules_that_did_not_match():
    decision = route(value="100000")
    text = "\n".join(decision.explanation)
    assert decision.explanation[0].startswith("Procurement Act 2023 (thresholds from 1 January 2026) applied")
    assert "Source: Procurement Act 2023" in text
    assert "rule 20 (Competitive tendering procedure (open or competitive flexible)) did not apply" in text
    assert "the value £100,000.00 is below £207,720.00" in text
    assert "Rule 41 (Below-threshold procurement (notifiable)) matched" in text
    assert "NHS Provider Selection Regime is in force but covers only NHS health care services" in text


def _local(**overrides) -> RuleSetSpec:
    data = {
        "code": "southampton-standing-orders",
        "name": "Southampton contract procedure rules",
        "source": "The council's contract procedure rules, 2025.",
        "effective_from": "2025-04-01",
        "partnership_id": 7,
        "precedence": 100,
        "rules": [
            {
                "position": 1,
                "route": "three_quotes",
                "route_name": "Three written quotes",
                "categories": ["services", "goods"],
                "max_value": "30000",
                "min_value": "5000",
                "notices": [],
                "steps": [
                    {"stage": "need_confirmed", "days": 0, "working_days": False},
                    {"stage": "contract", "days": 10, "working_days": True},
                ],
                "explanation": "Between £5,000 and £30,000 three written quotes are needed.",
            }
        ],
    }
    data.update(overrides)
    return RuleSetSpec.from_data(data)


def test_partnership_rules_are_consulted_before_national():
    decision = decide(facts(value="10000"), [*NATIONAL, _local()], holidays=ENGLAND)
    assert decision.rule_set_code == "southampton-standing-orders"
    assert decision.route == "three_quotes"
    assert "the partnership's own rules are consulted before national rules" in decision.explanation[0]
    assert decision.earliest_contract_on == add_working_days(date(2026, 6, 1), 10, ENGLAND)


def test_a_set_whose_rules_match_nothing_falls_through():
    decision = decide(facts(value="100000"), [*NATIONAL, _local()], holidays=ENGLAND)
    assert decision.rule_set_code == "procurement-act-2023-2026"
    text = "\n".join(decision.explanation)
    assert "Southampton contract procedure rules is in force but none of its rules matched" in text
    assert "the rule sets consulted before it had no rule for this procurement" in text


def test_precedence_orders_national_sets():
    a = _local(code="a-rules", name="A rules", partnership_id=None, precedence=20)
    b = _local(code="b-rules", name="B rules", partnership_id=None, precedence=10)
    decision = decide(facts(value="10000"), [a, b])
    assert decision.rule_set_code == "b-rules"
    assert "precedence 10" in decision.explanation[0] and "Also in force: A rules" in decision.explanation[0]


def test_rule_sets_for_other_bodies_are_skipped():
    councils_only = _local(partnership_id=None, body_kinds=["council"])
    with pytest.raises(NoRouteError, match="In force but not binding an NHS body"):
        decide(facts(body="nhs", value="10000"), [councils_only])


def test_no_rule_matching_says_why():
    with pytest.raises(NoRouteError) as error:
        decide(facts(value="100"), [_local()])
    assert "the value £100.00 is below £5,000.00" in str(error.value)


# --- Malformed data is refused with a clear message ---------------------------------------------


@pytest.mark.parametrize(
    ("notices", "message"),
    [
        ([{"name": "Tender notice", "days": 0, "working_days": False}], "notice 1 is missing before"),
        ([{"name": "X", "days": 0, "working_days": False, "before": "signing"}], "before must be one of"),
        (
            [{"name": "X", "days": -1, "working_days": False, "before": "notice"}],
            "days must be a whole number",
        ),
        ([{"name": "X", "days": 1, "working_days": "yes", "before": "notice"}], "true or false"),
        ([{"name": "", "days": 1, "working_days": True, "before": "notice"}], "name is required"),
        (
            [{"name": "X", "days": 1, "working_days": True, "before": "notice", "when": 1}],
            "unknown keys: when",
        ),
        ("Tender notice", "notices must be a list"),
    ],
)
def test_malformed_notices_are_rejected(notices, message):
    with pytest.raises(ValueError, match=message):
        parse_notices(notices, where="rule 3")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"stage": "bids", "days": 5}], "step 1 is missing working_days"),
        ([{"stage": "tendering", "days": 5, "working_days": False}], "stage must be one of"),
        ([{"stage": "standstill", "days": 8, "working_days": True}], "comes from standstill_working_days"),
        (
            [
                {"stage": "bids", "days": 5, "working_days": False},
                {"stage": "notice", "days": 0, "working_days": False},
            ],
            "stage 'notice' must come after 'bids'",
        ),
        ([{"stage": "bids", "days": 2.5, "working_days": False}], "whole number"),
    ],
)
def test_malformed_steps_are_rejected(steps, message):
    with pytest.raises(ValueError, match=message):
        parse_steps(steps, where="rule 3")


def test_malformed_rules_and_sets_are_rejected():
    base = {"position": 1, "route": "r", "route_name": "R", "explanation": "Why."}
    with pytest.raises(ValueError, match=r"max_value .* must be more than min_value"):
        RuleSpec.from_data({**base, "min_value": "100", "max_value": "100"})
    with pytest.raises(ValueError, match="never a float"):
        RuleSpec.from_data({**base, "min_value": 100.5})
    with pytest.raises(ValueError, match="categories: care_homes not one of"):
        RuleSpec.from_data({**base, "categories": ["care_homes"]})
    with pytest.raises(ValueError, match="is not a condition name"):
        RuleSpec.from_data({**base, "conditions": ["Only Capable"]})
    with pytest.raises(ValueError, match="explanation is required"):
        RuleSpec.from_data({**base, "explanation": ""})
    with pytest.raises(ValueError, match="source is required"):
        _local(source="")
    with pytest.raises(ValueError, match=r"effective_to .* is before effective_from"):
        _local(effective_to="2020-01-01")
    with pytest.raises(ValueError, match="two rules share a position"):
        _local(rules=[base, base])


def test_a_bad_file_is_named(tmp_path):
    good = json.loads((RULESETS_DIR / "council-framework-2010.json").read_text())
    good["rules"][0]["notices"][0].pop("days")
    (tmp_path / "council-framework-2010.json").write_text(json.dumps(good))
    with pytest.raises(ValueError, match=r"council-framework-2010.json: .*rule 1: notice 1 is missing days"):
        read_rule_set_files(tmp_path)
