"""Market position statements: figures generated from the demo's live data, versions that freeze on
submission and never change once published, publication only after the decision is approved, clear
refusals (each message), links to another partnership refused, commissioners only, all audited."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from commissioning.contracts.models import Contract, Placement
from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.strategy import market_position
from commissioning.strategy.models import (
    CommissioningStrategy,
    Direction,
    Intention,
    MarketStatement,
    Section,
    SectionCommentary,
    StatementKind,
    StatementVersion,
    StrategicObjective,
    VersionStatus,
)

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 17)


def _commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


def _statement(partnership, actor, **overrides):
    data = {
        "care_group": partnership.care_groups.get(name="Carers"),
        "kind": StatementKind.MARKET_POSITION,
        "financial_year": 2028,
    }
    data.update(overrides)
    return market_position.create_statement(actor=actor, partnership=partnership, **data)


def _intention(actor, version, **overrides):
    data = {
        "service_type": "home_care",
        "description": "Home care at night",
        "direction": Direction.GROW,
        "starts_on": dt.date(2028, 4, 1),
        "ends_on": dt.date(2029, 3, 31),
        "rationale": "More people want care at home.",
    }
    data.update(overrides)
    return market_position.add_intention(actor=actor, version=version, **data)


def _ready(partnership, actor):
    statement = _statement(partnership, actor)
    version = statement.versions.get()
    market_position.save_commentary(
        actor=actor, version=version, section=Section.INTRODUCTION, text="For providers of carers' support."
    )
    _intention(actor, version)
    return statement, version


def _decision(partnership, actor, state=DecisionState.PROPOSED, **overrides):
    data = {
        "partnership": partnership,
        "reference": f"MPS-{state}",
        "title": "Approve the statement",
        "kind": "strategy",
        "state": state,
        "proposed_by": actor,
    }
    data.update(overrides)
    return Decision.objects.create(**data)


def _counts():
    return (
        MarketStatement.objects.count(),
        StatementVersion.objects.count(),
        SectionCommentary.objects.count(),
        Intention.objects.count(),
        AuditEvent.objects.count(),
    )


# Generation on the demo -----------------------------------------------------------------------


def test_generated_figures_match_the_live_data(southampton, user_for):
    older = southampton.care_groups.get(name="Older people")
    statement = MarketStatement.objects.get(partnership=southampton, care_group=older)
    content = market_position.generate(statement, on=ON)
    current = Placement.objects.filter(
        partnership=southampton, care_group=older, starts_on__lte=ON, ends_on__isnull=True
    ) | Placement.objects.filter(
        partnership=southampton, care_group=older, starts_on__lte=ON, ends_on__gte=ON
    )
    by_type = dict(current.values_list("service_type").annotate(n=Count("pk")))
    prices = {r["service_type"]: r for r in content["prices"]}
    assert {t: r["placements"] for t, r in prices.items()} == by_type
    home_care = sorted(current.filter(service_type="home_care").values_list("unit_price", flat=True))
    middle = len(home_care) // 2
    median = (
        home_care[middle]
        if len(home_care) % 2
        else ((home_care[middle - 1] + home_care[middle]) / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)
    )
    assert Decimal(prices["home_care"]["median"]) == median
    active = Contract.objects.filter(partnership=southampton, care_group=older, status="active")
    assert content["provision"]["contracts"] == active.count()
    assert content["provision"]["placements"] == sum(by_type.values())
    weekly = sum(current.values_list("weekly_cost", flat=True), Decimal(0))
    assert Decimal(content["spend"]["placements_annual"]) == sum(
        (Decimal(r["annual_spend"]) for r in content["prices"]), Decimal(0)
    )
    assert abs(Decimal(content["spend"]["placements_annual"]) - weekly * 52) < Decimal("0.05") * len(by_type)
    assert content["spend"]["budget_total"] == "12463000.00"
    assert {i["code"] for i in content["needs"]["indicators"]} >= {"falls-admissions", "hip-fractures"}
    dementia = next(p for p in content["projections"] if "dementia" in p["measure"])
    people = [y["people"] for y in dementia["years"]]
    assert people == sorted(people) and all(p % 10 == 0 for p in people)
    quality = content["quality"]
    assert quality["rated"] > 0 and sum(r["locations"] for r in quality["rows"]) == quality["rated"]


def test_demo_statement_is_published_on_an_approved_decision(southampton):
    statement = MarketStatement.objects.get(
        partnership=southampton, kind=StatementKind.MARKET_POSITION, care_group__name="Older people"
    )
    version = statement.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    assert version.decision.state == DecisionState.APPROVED and version.decision.kind == "strategy"
    assert version.snapshot["intentions"] and version.snapshot["commentary"]["introduction"]
    assert statement.next_review_on == dt.date(2027, 9, 30)
    draft = MarketStatement.objects.get(partnership=southampton, kind=StatementKind.INTENTIONS)
    assert draft.versions.get().status == VersionStatus.DRAFT


def test_demo_loader_runs_twice_without_change(southampton, system):
    from commissioning.demo import market_position as demo

    before = _counts()
    demo.load(actor=system, say=lambda message: None)
    assert _counts() == before


# Versions -------------------------------------------------------------------------------------


def test_submission_freezes_the_figures_and_text(southampton, user_for):
    actor = _commissioner(user_for)
    _, version = _ready(southampton, actor)
    decision = _decision(southampton, actor)
    market_position.submit_version(actor=actor, version=version, decision=decision, on=ON)
    version.refresh_from_db()
    assert version.status == VersionStatus.SUBMITTED and version.decision == decision
    assert version.snapshot["generated_on"] == ON.isoformat()
    assert version.snapshot["intentions"][0]["description"] == "Home care at night"
    assert version.snapshot["commentary"] == {"introduction": "For providers of carers' support."}
    assert market_position.version_state(version) == VersionStatus.SUBMITTED
    assert history_for(version).filter(action=AuditEvent.Action.STATE).exists()


def test_published_version_never_changes(southampton, user_for):
    actor = _commissioner(user_for)
    statement = MarketStatement.objects.get(partnership=southampton, care_group__name="Older people")
    version = statement.versions.get()
    frozen = dict(version.snapshot)
    intention = version.intentions.first()
    with pytest.raises(ValidationError) as error:
        market_position.save_commentary(actor=actor, version=version, section=Section.NEEDS, text="Changed")
    assert market_position.NOT_DRAFT in error.value.messages
    with pytest.raises(ValidationError):
        _intention(actor, version)
    with pytest.raises(ValidationError):
        market_position.update_intention(
            actor=actor,
            intention=intention,
            service_type="nursing",
            description="Changed",
            direction=Direction.REDUCE,
            starts_on=ON,
            rationale="Changed",
        )
    with pytest.raises(ValidationError):
        market_position.remove_intention(actor=actor, intention=intention)
    # New live data does not move the published figures.
    Placement.objects.filter(partnership=southampton, care_group=statement.care_group).update(
        unit_price=Decimal("1.00")
    )
    version.refresh_from_db()
    assert version.snapshot == frozen
    assert market_position.content_of(version) == frozen


def test_new_version_carries_the_words_over_and_is_compared(southampton, user_for):
    actor = _commissioner(user_for)
    statement = MarketStatement.objects.get(partnership=southampton, care_group__name="Older people")
    first = statement.versions.get()
    second = market_position.new_version(actor=actor, statement=statement)
    assert second.number == 2 and second.status == VersionStatus.DRAFT
    assert market_position.commentary_of(second) == market_position.commentary_of(first)
    assert [i["description"] for i in market_position.intentions_of(second)] == [
        i["description"] for i in market_position.intentions_of(first)
    ]
    with pytest.raises(ValidationError) as error:
        market_position.new_version(actor=actor, statement=statement)
    assert "Version 2 is still a draft: edit that one." in error.value.messages
    market_position.save_commentary(
        actor=actor, version=second, section=Section.INTRODUCTION, text="Refreshed"
    )
    first.refresh_from_db()
    assert first.snapshot["commentary"]["introduction"] != "Refreshed"


def test_blank_commentary_removes_it(southampton, user_for):
    actor = _commissioner(user_for)
    _, version = _ready(southampton, actor)
    market_position.save_commentary(actor=actor, version=version, section=Section.INTRODUCTION, text="  ")
    assert not version.commentary.exists()
    with pytest.raises(ValidationError) as error:
        market_position.save_commentary(actor=actor, version=version, section="nonsense", text="x")
    assert error.value.message_dict == {"section": ["Choose one of the statement's sections."]}


def test_removing_an_intention_closes_the_gap(southampton, user_for):
    actor = _commissioner(user_for)
    _, version = _ready(southampton, actor)
    second = _intention(actor, version, description="Day services")
    third = _intention(actor, version, description="Advocacy")
    market_position.remove_intention(actor=actor, intention=second)
    third.refresh_from_db()
    assert third.position == 2


# The approval gate ----------------------------------------------------------------------------


def test_publish_only_once_the_decision_is_approved(southampton, user_for):
    actor = _commissioner(user_for)
    statement, version = _ready(southampton, actor)
    with pytest.raises(ValidationError) as error:
        market_position.publish_version(actor=actor, version=version)
    assert market_position.NOT_APPROVED in error.value.messages[0]
    decision = _decision(southampton, actor)
    market_position.submit_version(actor=actor, version=version, decision=decision, on=ON)
    with pytest.raises(ValidationError) as error:
        market_position.publish_version(actor=actor, version=version)
    assert error.value.messages == [f"{market_position.NOT_APPROVED} {decision.reference} is proposed."]
    decision.state = DecisionState.APPROVED
    decision.save()
    version.refresh_from_db()
    assert market_position.version_state(version) == VersionStatus.APPROVED
    market_position.publish_version(actor=actor, version=version, on=dt.date(2027, 2, 1))
    version.refresh_from_db()
    statement.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED and version.published_on == dt.date(2027, 2, 1)
    assert statement.next_review_on == dt.date(2028, 2, 1)
    with pytest.raises(ValidationError) as error:
        market_position.publish_version(actor=actor, version=version)
    assert "Version 1 is already published." in error.value.messages


def test_rejected_decision_reads_as_rejected_and_allows_a_new_version(southampton, user_for):
    actor = _commissioner(user_for)
    statement, version = _ready(southampton, actor)
    decision = _decision(southampton, actor)
    market_position.submit_version(actor=actor, version=version, decision=decision, on=ON)
    with pytest.raises(ValidationError) as error:
        market_position.new_version(actor=actor, statement=statement)
    assert "Version 1 is submitted for approval: publish or withdraw it before starting another." in (
        error.value.messages
    )
    decision.state = DecisionState.REJECTED
    decision.save()
    version.refresh_from_db()
    assert market_position.version_state(version) == VersionStatus.REJECTED
    assert market_position.new_version(actor=actor, statement=statement).number == 2


def test_submit_refuses_an_incomplete_draft_and_a_wrong_decision(southampton, nottinghamshire, user_for):
    actor = _commissioner(user_for)
    statement = _statement(southampton, actor, financial_year=2029)
    version = statement.versions.get()
    with pytest.raises(ValidationError) as error:
        market_position.submit_version(actor=actor, version=version, decision=None)
    assert error.value.message_dict == {
        "intentions": ["Add at least one intention: say what the partners will grow, keep, reduce or stop."],
        "commentary": ["Write the introduction: who the statement is for and what it covers."],
        "decision": ["Choose the governance decision that will approve the statement."],
    }
    statement, version = _ready(southampton, actor)
    cases = [
        (_decision(nottinghamshire, actor, reference="N-1"), market_position.OTHER_DECISION),
        (_decision(southampton, actor, reference="C-1", kind="contract"), "C-1 is not a strategy decision."),
        (
            _decision(southampton, actor, reference="D-1", state=DecisionState.DRAFT),
            "D-1 is draft; choose one that is proposed or approved.",
        ),
    ]
    before = _counts()
    for decision, message in cases:
        with pytest.raises(ValidationError) as error:
            market_position.submit_version(actor=actor, version=version, decision=decision)
        assert error.value.message_dict == {"decision": [message]}
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT and version.snapshot is None
    assert _counts() == before


def test_withdraw_needs_a_reason_and_takes_the_version_back(southampton, user_for):
    actor = _commissioner(user_for)
    statement = MarketStatement.objects.get(partnership=southampton, care_group__name="Older people")
    version = statement.versions.get()
    with pytest.raises(ValidationError) as error:
        market_position.withdraw_version(actor=actor, version=version, reason=" ")
    assert error.value.message_dict == {"reason": ["Say why the version is withdrawn."]}
    market_position.withdraw_version(actor=actor, version=version, reason="Prices were wrong.", on=ON)
    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN and version.withdrawn_reason == "Prices were wrong."
    with pytest.raises(ValidationError) as error:
        market_position.withdraw_version(actor=actor, version=version, reason="Again")
    assert "Only a submitted or published version can be withdrawn." in error.value.messages


# Bad input and scoping ------------------------------------------------------------------------


def test_create_refuses_bad_input_with_each_message(southampton, nottinghamshire, user_for):
    actor = _commissioner(user_for)
    before = _counts()
    with pytest.raises(ValidationError) as error:
        market_position.create_statement(
            actor=actor,
            partnership=southampton,
            care_group=nottinghamshire.care_groups.first(),
            kind="brochure",
            financial_year=1999,
            review_months=40,
        )
    assert error.value.message_dict == {
        "care_group": [market_position.OTHER_CARE_GROUP],
        "kind": ["Choose commissioning intentions or a market position statement."],
        "financial_year": ["Enter the financial year the statement covers, e.g. 2027 for 2027/28."],
        "review_months": ["Review the statement at least every 36 months."],
    }
    with pytest.raises(ValidationError) as error:
        _statement(southampton, actor, care_group=None, financial_year=None)
    assert error.value.message_dict["care_group"] == ["Choose the care group the statement is for."]
    assert _counts() == before


def test_one_statement_of_a_kind_a_year(southampton, user_for):
    actor = _commissioner(user_for)
    _statement(southampton, actor)
    with pytest.raises(ValidationError) as error:
        _statement(southampton, actor)
    assert error.value.message_dict == {
        "financial_year": [
            "Carers already has a market position statement for 2028/29: start a new version of it instead."
        ]
    }


def test_intention_refuses_bad_input_with_each_message(southampton, user_for):
    actor = _commissioner(user_for)
    _, version = _ready(southampton, actor)
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _intention(
            actor,
            version,
            service_type="spa_days",
            description=" ",
            direction="expand",
            starts_on=dt.date(2028, 4, 1),
            ends_on=dt.date(2028, 1, 1),
            rationale="",
        )
    assert error.value.message_dict == {
        "service_type": ["Choose the type of service."],
        "description": ["Say which service or part of the market the intention is about."],
        "direction": ["Choose whether to grow, maintain, reduce or decommission it."],
        "ends_on": ["The change must end on or after the date it starts."],
        "rationale": ["Give the reason for the intention."],
    }
    with pytest.raises(ValidationError) as error:
        _intention(actor, version, starts_on=None, direction=Direction.DECOMMISSION)
    assert error.value.message_dict == {
        "starts_on": ["Enter when the change starts."],
        "contract": ["Choose the contract to be decommissioned."],
    }
    assert _counts() == before


def test_links_to_another_partnership_are_refused(southampton, nottinghamshire, user_for):
    actor = _commissioner(user_for)
    _, version = _ready(southampton, actor)
    foreign_contract = Contract.objects.filter(partnership=nottinghamshire).first()
    foreign_area = nottinghamshire.areas.exclude(pk__in=southampton.areas.all()).first()
    foreign_objective = StrategicObjective.objects.exclude(strategy__partnership=southampton).first()
    if foreign_objective is None:
        strategy = CommissioningStrategy.objects.create(
            partnership=nottinghamshire,
            care_group=nottinghamshire.care_groups.first(),
            title="Elsewhere",
            horizon="one_year",
            starts_on=dt.date(2026, 4, 1),
            ends_on=dt.date(2027, 3, 31),
            purpose="Not ours",
            created_by=actor,
        )
        foreign_objective = StrategicObjective.objects.create(strategy=strategy, position=1, objective="x")
    before = _counts()
    with pytest.raises(ValidationError) as error:
        _intention(actor, version, contract=foreign_contract, area=foreign_area, objective=foreign_objective)
    assert error.value.message_dict == {
        "contract": [market_position.OTHER_CONTRACT],
        "area": [market_position.OTHER_AREA],
        "objective": [market_position.OTHER_OBJECTIVE],
    }
    older_strategy = CommissioningStrategy.objects.get(
        partnership=southampton, care_group__name="Older people", horizon="ten_year"
    )
    with pytest.raises(ValidationError) as error:
        _statement(southampton, actor, from_strategy=older_strategy)
    assert error.value.message_dict == {
        "from_strategy": ["Choose a strategy for the statement's own care group."]
    }
    with pytest.raises(ValidationError) as error:
        _statement(
            nottinghamshire, user_for("nottinghamshire", Role.COMMISSIONER), from_strategy=older_strategy
        )
    assert error.value.message_dict["from_strategy"] == [market_position.OTHER_STRATEGY]
    assert _counts() == before


def test_intentions_seeded_from_a_strategy(southampton, user_for):
    actor = _commissioner(user_for)
    strategy = CommissioningStrategy.objects.get(
        partnership=southampton, care_group__name="Older people", horizon="ten_year"
    )
    statement = _statement(
        southampton,
        actor,
        care_group=strategy.care_group,
        kind=StatementKind.INTENTIONS,
        from_strategy=strategy,
    )
    rows = market_position.intentions_of(statement.versions.get())
    developments = [d for o in strategy.objectives.all() for d in o.developments.all()]
    assert len(rows) == len(developments)
    by_text = {r["description"]: r["direction"] for r in rows}
    invest = next(d for d in developments if d.implication == "invest")
    disinvest = next(d for d in developments if d.implication == "disinvest")
    assert by_text[invest.description] == Direction.GROW
    assert by_text[disinvest.description] == Direction.REDUCE


def test_only_commissioners_write(southampton, user_for):
    statement = MarketStatement.objects.get(partnership=southampton, care_group__name="Older people")
    for role in (Role.VIEWER, Role.PROVIDER_CONTACT, Role.FINANCE_OFFICER):
        actor = user_for("southampton", role)
        with pytest.raises(NotPermitted):
            _statement(southampton, actor)
        with pytest.raises(NotPermitted):
            market_position.new_version(actor=actor, statement=statement)
        with pytest.raises(NotPermitted):
            market_position.withdraw_version(actor=actor, version=statement.versions.get(), reason="x")
    other = user_for("nottinghamshire", Role.COMMISSIONER)
    with pytest.raises(NotPermitted):
        market_position.new_version(actor=other, statement=statement)
