"""The rules adapter on the database: the seeded rule sets, routes for real procurements, local rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.market import rules
from commissioning.market.models import (
    STAGE_ORDER,
    BodyKind,
    Procurement,
    ProcurementCategory,
    Rule,
    RuleSet,
    Sector,
    ServiceType,
)
from commissioning.market.routes import (
    body_kind_of,
    facts_for,
    route_for,
    rule_for,
    rule_sets_in_force,
)
from commissioning.market.rulesets import load_rule_sets
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

NATIONAL_CODES = {
    "council-framework-2010",
    "procurement-act-2023-2025",
    "procurement-act-2023-2026",
    "nhs-provider-selection-regime-2024",
}


def _council():
    return Organisation.objects.get(name="Southampton City Council")


def _icb():
    icb, _ = Organisation.objects.get_or_create(
        ods_code="QRL",
        defaults={"name": "NHS Hampshire and Isle of Wight ICB", "kind": Organisation.Kind.ICB},
    )
    return icb


def _procurement(partnership, *, body, reference="PR-T1", **fields) -> Procurement:
    values = {
        "title": "Test procurement",
        "service_type": ServiceType.HOME_CARE,
        "category": ProcurementCategory.LIGHT_TOUCH,
        "estimated_value": Decimal("1200000.00"),
        "starts_on": timezone.localdate(),
    }
    values.update(fields)
    return Procurement.objects.create(
        partnership=partnership, reference=reference, commissioning_body=body, **values
    )


def test_the_engine_uses_the_models_vocabulary():
    assert tuple(rules.STAGES) == STAGE_ORDER
    assert set(rules.CATEGORIES) == set(ProcurementCategory.values)
    assert set(rules.BODY_KINDS) == set(BodyKind.values)
    assert set(rules.SECTORS) <= set(Sector.values)


def test_the_data_migration_seeded_the_national_rule_sets_with_sources():
    seeded = {rule_set.code: rule_set for rule_set in RuleSet.objects.filter(partnership=None)}
    assert set(seeded) >= NATIONAL_CODES
    for code in NATIONAL_CODES:
        assert "Regulations" in seeded[code].source or "framework" in seeded[code].source
    psr = seeded["nhs-provider-selection-regime-2024"]
    assert list(psr.rules.values_list("route", flat=True)) == [
        "direct_award_a",
        "direct_award_b",
        "direct_award_c",
        "most_suitable_provider",
        "competitive_process",
    ]
    assert psr.rules.get(route="direct_award_c").standstill_working_days == 8
    threshold = seeded["procurement-act-2023-2026"].rules.get(position=20).min_value
    assert threshold == Decimal("207720.00")


def test_load_rule_sets_is_idempotent_and_repairs_edits():
    before = (RuleSet.objects.count(), Rule.objects.count())
    result = load_rule_sets()
    assert set(result.unchanged) >= NATIONAL_CODES and not result.created and not result.updated
    assert (RuleSet.objects.count(), Rule.objects.count()) == before

    rule = Rule.objects.get(rule_set__code="procurement-act-2023-2026", position=20)
    rule.min_value = Decimal("1.00")
    rule.save()
    Rule.objects.filter(rule_set__code="council-framework-2010", position=4).update(route_name="Edited")
    Rule.objects.create(
        rule_set=RuleSet.objects.get(code="council-framework-2010"),
        position=99,
        route="stray",
        route_name="Stray",
        explanation="Not in the file.",
    )
    result = load_rule_sets()
    assert set(result.updated) == {"procurement-act-2023-2026", "council-framework-2010"}
    rule.refresh_from_db()
    assert rule.min_value == Decimal("207720.00")
    framework = Rule.objects.filter(rule_set__code="council-framework-2010")
    assert set(framework.values_list("position", flat=True)) == {1, 2, 3, 4}
    assert framework.get(position=4).route_name == "Written quotations"
    assert (RuleSet.objects.count(), Rule.objects.count()) == before


def test_body_kind_of_commissioners_and_providers():
    assert body_kind_of(_council()) == "council"
    assert body_kind_of(Organisation.objects.get(ods_code="10X")) == "nhs"
    assert body_kind_of(_icb()) == "nhs"
    assert body_kind_of(Organisation.objects.get(ods_code="R1C")) == "nhs"
    charity = Organisation.objects.create(name="Age Concern Test", kind=Organisation.Kind.VCSE)
    with pytest.raises(ValueError, match="not a public body"):
        body_kind_of(charity)


def test_southampton_council_home_care_light_touch_today(southampton, django_assert_num_queries):
    procurement = _procurement(southampton, body=_council())
    facts = facts_for(procurement)
    assert facts.body_kind == "council" and facts.category == "light_touch"
    with django_assert_num_queries(2):
        decision = route_for(partnership=southampton, facts=facts)
    assert decision.route == "light_touch_tender"
    assert decision.rule_set_code == "procurement-act-2023-2026"
    assert decision.standstill_working_days == 8
    assert decision.earliest_contract_on > procurement.starts_on
    rule = rule_for(decision)
    assert rule is not None and rule.rule_set.code == "procurement-act-2023-2026" and rule.position == 30

    procurement.rule = rule
    procurement.route = decision.route
    procurement.timeline = decision.timeline_json()
    procurement.route_explanation = "\n".join(decision.explanation)
    procurement.save()
    procurement.refresh_from_db()
    assert procurement.timeline[-1]["stage"] == "contract"

    smaller = _procurement(southampton, body=_council(), reference="PR-T2", estimated_value=Decimal("400000"))
    assert route_for(partnership=southampton, facts=facts_for(smaller)).route == "below_threshold"


def test_icb_community_health_service_under_the_psr(southampton):
    procurement = _procurement(
        southampton,
        body=_icb(),
        service_type=ServiceType.COMMUNITY_HEALTH,
        category=ProcurementCategory.HEALTH_CARE,
        estimated_value=Decimal("18000000"),
        starts_on=date(2026, 12, 22),
        conditions=["existing_provider_satisfactory"],
    )
    decision = route_for(partnership=southampton, facts=facts_for(procurement))
    assert decision.route == "direct_award_c"
    assert decision.source.startswith("The Health Care Services (Provider Selection Regime) Regulations 2023")
    # Eight working days over Christmas: 25 and 28 December 2026 and 1 January 2027 are bank holidays.
    assert decision.earliest_contract_on == date(2027, 1, 7)

    procurement.conditions = ["existing_provider_satisfactory", "considerable_change"]
    assert route_for(partnership=southampton, facts=facts_for(procurement)).route == "competitive_process"


def test_a_2012_procurement_under_the_2010_framework(southampton):
    procurement = _procurement(
        southampton,
        body=_council(),
        service_type=ServiceType.CARERS,
        category=ProcurementCategory.SERVICES,
        estimated_value=Decimal("60000"),
        starts_on=date(2012, 6, 1),
        vcse_only=True,
    )
    facts = facts_for(procurement)
    assert facts.provider_sector == "vcse"
    decision = route_for(partnership=southampton, facts=facts)
    assert decision.rule_set_code == "council-framework-2010"
    assert decision.route == "full_tender"
    assert decision.notices[0].days == 90
    assert "Joint commissioning framework (2010) applied" in decision.explanation[0]


def test_rule_sets_in_force_on_a_day(southampton):
    codes = {spec.code for spec in rule_sets_in_force(partnership=southampton, on=date(2025, 12, 31))}
    assert codes == {"procurement-act-2023-2025", "nhs-provider-selection-regime-2024"}
    codes = {spec.code for spec in rule_sets_in_force(partnership=southampton, on=date(2026, 1, 1))}
    assert codes == {"procurement-act-2023-2026", "nhs-provider-selection-regime-2024"}


def test_partnership_rule_set_takes_precedence_over_national(southampton, nottinghamshire):
    local = RuleSet.objects.create(
        partnership=southampton,
        code="southampton-contract-procedure-rules",
        name="Southampton contract procedure rules",
        source="Southampton City Council constitution, contract procedure rules.",
        body_kinds=["council"],
        effective_from=date(2025, 4, 1),
        precedence=200,
    )
    Rule.objects.create(
        rule_set=local,
        position=1,
        route="three_quotes",
        route_name="Three written quotations",
        categories=["light_touch", "services"],
        min_value=Decimal("10000"),
        max_value=Decimal("100000"),
        steps=[
            {"stage": "need_confirmed", "days": 0, "working_days": False},
            {"stage": "contract", "days": 10, "working_days": True},
        ],
        explanation="From £10,000 to below £100,000 three written quotations are needed.",
    )
    facts = rules.Facts("light_touch", "council", Decimal("50000"), date(2026, 3, 2))
    decision = route_for(partnership=southampton, facts=facts)
    assert decision.rule_set_code == "southampton-contract-procedure-rules"
    assert "the partnership's own rules are consulted before national rules" in decision.explanation[0]
    assert "Also in force: " in decision.explanation[0]
    assert rule_for(decision).rule_set == local
    assert route_for(partnership=nottinghamshire, facts=facts).route == "below_threshold"
    # Above the local band the national rules still decide.
    above = rules.Facts("light_touch", "council", Decimal("150000"), date(2026, 3, 2))
    assert route_for(partnership=southampton, facts=above).rule_set_code == "procurement-act-2023-2026"
    # And the local rule set is in force only for its own partnership.
    assert "southampton-contract-procedure-rules" not in {
        spec.code for spec in rule_sets_in_force(partnership=nottinghamshire, on=date(2026, 3, 2))
    }


def test_no_route_before_any_rules(southampton):
    with pytest.raises(rules.NoRouteError, match="No procurement rules are in force on 1 January 1990"):
        route_for(
            partnership=southampton, facts=rules.Facts("services", "council", Decimal("1"), date(1990, 1, 1))
        )
