"""The evaluation measures on a partnership built here (so the demo's contracts do not count): which
contracts are jointly commissioned, their providers' latest ratings, their KPIs against target, the
contracts audit's duplicates and the budget audit's share; the trend across years with stored values
winning over computed ones; recording and freezing values, validated and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.contracts.models import Contract, Funding, Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.finance.models import BudgetLine, PooledFund
from commissioning.governance.rules import financial_year_of
from commissioning.market.models import Provider, Rating
from commissioning.partners.models import CareGroup, Membership, Organisation, Partnership
from commissioning.performance import evaluation, report_services
from commissioning.performance.models import EvaluationMeasure, EvaluationValue, KpiReturn
from commissioning.performance.schedule import Period
from commissioning.performance.series import SpcReading

pytestmark = pytest.mark.django_db

D = Decimal
ON = dt.date(2026, 6, 30)  # in the financial year 2026/27
START, END = dt.date(2025, 4, 1), dt.date(2028, 3, 31)
PASSING = [95, 96, 94, 95, 96, 94, 95, 96, 94, 95, 96, 95]  # limits well above a target of 90
HIT_AND_MISS = [85, 95, 86, 94, 85, 96, 84, 95, 86, 94, 85, 92]  # target inside the limits; latest 92
MISSING = [80, 81, 79, 80, 81, 79, 80, 81, 79, 80, 81, 79]  # below 90 throughout


class World:
    """A small partnership: two commissioners, providers with rating histories, contracts and KPIs."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.partnership = Partnership.objects.create(
            name="Evaluation Test Partnership", slug="evaluation-test"
        )
        self.council = self.organisation("Evaluation Test Council", Organisation.Kind.LOCAL_AUTHORITY)
        self.icb = self.organisation("Evaluation Test ICB", Organisation.Kind.ICB)
        self.group = CareGroup.objects.create(
            partnership=self.partnership, name="Older people", slug="older-people"
        )
        self.fund = PooledFund.objects.create(
            partnership=self.partnership,
            name="Test pooled fund",
            host=self.council,
            purpose="Tests",
            starts_on=START,
        )
        self.count = 0

    def organisation(self, name: str, kind: str) -> Organisation:
        return Organisation.objects.create(name=name, kind=kind)

    def provider(self, name: str, *ratings: tuple[str, dt.date]) -> Provider:
        organisation = self.organisation(name, Organisation.Kind.PRIVATE_PROVIDER)
        provider = Provider.objects.create(
            partnership=self.partnership, organisation=organisation, sector="private"
        )
        for rating, rated_on in ratings:
            Rating.objects.create(provider=provider, rating=rating, rated_on=rated_on)
        return provider

    def contract(
        self,
        provider: Provider,
        *,
        funders: tuple[Organisation, ...] = (),
        pooled: bool = False,
        lead: Organisation | None = None,
        status: str = "active",
        starts_on: dt.date = START,
        ends_on: dt.date = END,
    ) -> Contract:
        self.count += 1
        contract = Contract.objects.create(
            partnership=self.partnership,
            reference=f"EV-{self.count:03d}",
            title=f"Evaluation test contract {self.count}",
            provider=provider,
            lead_commissioner=lead or self.council,
            care_group=self.group,
            service_type="home_care",
            starts_on=starts_on,
            ends_on=ends_on,
            annual_value=D("100000.00"),
            lifetime_value=D("300000.00"),
            payment_basis="block",
            status=status,
        )
        for organisation in funders:
            Funding.objects.create(
                contract=contract,
                organisation=organisation,
                fund=self.fund if pooled else None,
                amount=D("300000.00") / len(funders),
            )
        return contract

    def kpi(self, contract: Contract, code: str, values=(), *, target="90", polarity="increase") -> Kpi:
        kpi = Kpi.objects.create(
            contract=contract,
            code=code,
            name=f"Test measure {code}",
            definition="A test measure.",
            unit="%",
            target=None if target is None else D(target),
            polarity=polarity,
            frequency="monthly",
        )
        month = contract.starts_on
        for value in values:
            end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            KpiReturn.objects.create(
                kpi=kpi,
                period_start=month,
                period_end=end,
                value=D(value),
                submitted_by=self.actor,
                submitted_at=timezone.now(),
            )
            month = end + dt.timedelta(days=1)
        return kpi


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def world(commissioner):
    world = World(commissioner)
    both = (world.council, world.icb)
    world.good = world.provider(
        "Good Care Ltd", ("requires_improvement", dt.date(2023, 5, 1)), ("good", dt.date(2025, 2, 1))
    )
    world.poor = world.provider(
        "Poor Care Ltd", ("good", dt.date(2022, 1, 1)), ("requires_improvement", dt.date(2025, 9, 1))
    )
    world.unrated = world.provider("New Care Ltd", ("not_yet_rated", dt.date(2025, 1, 1)))
    world.improving = world.provider(
        "Improving Care Ltd", ("inadequate", dt.date(2024, 3, 1)), ("outstanding", dt.date(2026, 8, 1))
    )
    world.single = world.provider("Single Care Ltd", ("good", dt.date(2024, 1, 1)))
    # Jointly commissioned and in force on ON:
    world.joint_good = world.contract(world.good, funders=both)  # good: counts
    world.joint_pooled = world.contract(world.poor, funders=(world.council,), pooled=True)  # RI
    world.joint_unrated = world.contract(world.unrated, funders=both)  # not yet rated: left out
    world.joint_improving = world.contract(
        world.improving, funders=both
    )  # inadequate on ON, outstanding later
    # Not jointly commissioned, or not in force on ON:
    world.single_funded = world.contract(world.single, funders=(world.council,))
    world.contract(world.good, funders=both, ends_on=dt.date(2026, 3, 31), status="ended")
    world.contract(world.good, funders=both, status="draft")
    return world


# Which contracts are joint, and their quality ------------------------------------------------


def test_joint_contracts_are_funded_by_two_partners_or_from_a_pooled_fund_and_in_force(world):
    joint = set(evaluation.joint_contracts(world.partnership, on=ON))
    assert joint == {world.joint_good, world.joint_pooled, world.joint_unrated, world.joint_improving}


def test_joint_quality_is_the_share_of_rated_providers_rated_good_or_outstanding_on_the_day(world):
    result = evaluation.joint_quality(world.partnership, on=ON)
    # Judged: good (good), poor (requires improvement), improving (inadequate until August 2026).
    assert (result.part, result.whole, result.value) == (1, 3, D("33.3"))
    assert "1 with a provider not yet rated left out" in result.basis
    later = evaluation.joint_quality(world.partnership, on=dt.date(2026, 9, 1))
    assert (later.part, later.whole, later.value) == (2, 3, D("66.7"))


def test_joint_quality_has_no_value_without_a_rated_joint_contract(commissioner):
    empty = World(commissioner)
    assert evaluation.joint_quality(empty.partnership, on=ON).value is None


# Value: KPIs assured to pass or meeting their target -------------------------------------------


def test_joint_value_counts_kpis_assured_to_pass_or_meeting_target_on_joint_contracts_only(world):
    world.kpi(world.joint_good, "A1", PASSING)  # assured to pass
    world.kpi(world.joint_good, "A2", HIT_AND_MISS)  # hit and miss, but the latest (92) meets 90
    world.kpi(world.joint_pooled, "A3", MISSING)  # misses
    world.kpi(world.joint_pooled, "A4", PASSING, target=None)  # no target: left out
    world.kpi(world.joint_pooled, "A5", PASSING, polarity="neutral")  # no preferred direction: left out
    world.kpi(world.joint_improving, "A6", ())  # no returns: left out
    world.kpi(world.single_funded, "A7", PASSING)  # not jointly commissioned: left out
    result = evaluation.joint_value(world.partnership, on=dt.date(2026, 4, 30))
    assert (result.part, result.whole, result.value) == (2, 3, D("66.7"))


def _reading(kpi, *, assurance, latest):
    return SpcReading(
        kpi=kpi,
        points=12,
        variation="common_cause",
        assurance=assurance,
        latest_value=None if latest is None else D(latest),
        latest_period=Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        latest_point_type="common_cause",
    )


def test_a_kpi_delivers_when_assured_to_pass_even_if_the_latest_point_misses(world):
    higher = world.kpi(world.joint_good, "B1")
    lower = world.kpi(world.joint_good, "B2", target="60", polarity="decrease")
    assert evaluation.delivers(_reading(higher, assurance="pass", latest="85"))
    assert evaluation.delivers(_reading(higher, assurance="inconsistent", latest="90"))
    assert not evaluation.delivers(_reading(higher, assurance="inconsistent", latest="89.9"))
    assert not evaluation.delivers(_reading(higher, assurance="fail", latest=None))
    assert evaluation.delivers(_reading(lower, assurance=None, latest="60"))
    assert not evaluation.delivers(_reading(lower, assurance="fail", latest="61"))


# Duplication and the budget audit -------------------------------------------------------------


def test_duplication_counts_the_audits_pairs_among_contracts_in_force(world):
    assert evaluation.duplication(world.partnership, on=ON).value == 0
    shared = world.provider("Shared Care Ltd")
    world.contract(shared, lead=world.council)
    world.contract(shared, lead=world.icb)
    world.contract(
        shared, lead=world.icb, starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2022, 3, 31), status="ended"
    )
    result = evaluation.duplication(world.partnership, on=ON)
    assert result.value == 1
    assert result.basis == "1 possible duplicate among contracts in force"


def budget(world, year, cost_centre, amount, *, linked):
    BudgetLine.objects.create(
        partnership=world.partnership,
        organisation=world.council,
        financial_year=year,
        cost_centre=cost_centre,
        care_group=world.group if linked else None,
        service_area="Test",
        tier="community",
        amount=D(amount),
    )


def test_priority_resources_is_the_budget_audits_share_linked_to_a_care_group_each_year(world):
    budget(world, 2025, "A", "600.00", linked=True)
    budget(world, 2025, "B", "400.00", linked=False)
    budget(world, 2026, "A", "750.00", linked=True)
    budget(world, 2026, "B", "250.00", linked=False)
    by_year = evaluation.priority_resources_by_year(world.partnership)
    assert {year: result.value for year, result in by_year.items()} == {2025: D("60.0"), 2026: D("75.0")}
    assert evaluation.priority_resources(world.partnership, financial_year=2024).value is None


# The trend across years --------------------------------------------------------------------------


def store(world, measure, year, value, **extra):
    return EvaluationValue.objects.create(
        partnership=world.partnership,
        measure=measure,
        financial_year=year,
        value=D(value),
        recorded_by=world.actor,
        **extra,
    )


def by_measure(trends):
    return {trend.measure.key: trend for trend in trends}


def test_trends_show_stored_years_and_this_year_computed_live_with_the_change(world):
    store(world, EvaluationMeasure.PROVIDER_CLARITY, 2024, "60", sample_size=40, source="Survey 2024/25")
    store(world, EvaluationMeasure.PROVIDER_CLARITY, 2025, "65.5", sample_size=52, source="Survey 2025/26")
    store(world, EvaluationMeasure.DUPLICATION, 2025, "3", source="Contracts audit at 31 March 2026")
    budget(world, 2024, "A", "500.00", linked=True)
    budget(world, 2024, "B", "500.00", linked=False)
    budget(world, 2025, "A", "600.00", linked=True)
    budget(world, 2025, "B", "400.00", linked=False)
    budget(world, 2026, "A", "750.00", linked=True)
    budget(world, 2026, "B", "250.00", linked=False)
    store(world, EvaluationMeasure.PRIORITY_RESOURCES, 2025, "58", source="Budget audit as reported")

    trends = by_measure(evaluation.trends(world.partnership, today=ON))

    clarity = trends[EvaluationMeasure.PROVIDER_CLARITY]
    assert [(y.financial_year, y.value, y.origin) for y in clarity.years] == [
        (2024, D("60"), evaluation.RECORDED),
        (2025, D("65.5"), evaluation.RECORDED),
    ]
    assert clarity.change.text == "Up 5.5 points on 2024/25" and clarity.change.better is True

    duplication = trends[EvaluationMeasure.DUPLICATION]
    assert [(y.financial_year, y.value, y.origin) for y in duplication.years] == [
        (2025, D("3"), evaluation.FROZEN),
        (2026, D("0"), evaluation.LIVE),
    ]
    assert (
        duplication.change.text == "Down 3 on 2025/26" and duplication.change.better is True
    )  # lower is better

    resources = trends[EvaluationMeasure.PRIORITY_RESOURCES]
    assert [(y.financial_year, y.value, y.origin) for y in resources.years] == [
        (2024, D("50.0"), evaluation.FROM_BUDGETS),
        (2025, D("58"), evaluation.FROZEN),  # what was stored wins over the budget lines
        (2026, D("75.0"), evaluation.LIVE),
    ]
    assert trends[EvaluationMeasure.JOINT_QUALITY].latest.value == D("33.3")
    assert trends[EvaluationMeasure.USER_SATISFACTION].years == []

    chart = clarity.chart(chart_id="chart-clarity")
    (line,) = chart["figure"]["data"]
    assert line["x"] == ["2024/25", "2025/26"] and line["y"] == [60.0, 65.5]
    (bars,) = duplication.chart(chart_id="chart-dup")["figure"]["data"]
    assert bars["type"] == "bar" and bars["y"] == [3.0, 0.0]


def test_a_stored_value_for_this_year_wins_over_the_live_computation(world):
    store(world, EvaluationMeasure.DUPLICATION, 2026, "4", source="Frozen")
    trends = by_measure(evaluation.trends(world.partnership, today=ON))
    (year,) = trends[EvaluationMeasure.DUPLICATION].years
    assert (year.value, year.origin) == (D("4"), evaluation.FROZEN)
    assert trends[EvaluationMeasure.DUPLICATION].now is None


def test_trends_up_to_a_past_year_compute_nothing_live(world):
    store(world, EvaluationMeasure.USER_SATISFACTION, 2024, "70", source="Survey")
    store(world, EvaluationMeasure.USER_SATISFACTION, 2026, "75", source="Survey")
    trends = by_measure(evaluation.trends(world.partnership, today=ON, up_to=2025))
    assert [y.financial_year for y in trends[EvaluationMeasure.USER_SATISFACTION].years] == [2024]
    assert all(trend.now is None for trend in trends.values())
    assert trends[EvaluationMeasure.JOINT_QUALITY].years == []


# Recording values --------------------------------------------------------------------------------

THIS_YEAR = financial_year_of(timezone.localdate())


def latest_event(obj):
    return AuditEvent.objects.filter(object_id=str(obj.pk), object_type__model=obj._meta.model_name).latest(
        "id"
    )


def record(actor, partnership, **overrides):
    arguments = {
        "actor": actor,
        "partnership": partnership,
        "measure": EvaluationMeasure.USER_SATISFACTION,
        "financial_year": THIS_YEAR,
        "value": D("82.5"),
        "sample_size": 500,
        "source": "Annual user survey",
    }
    return report_services.record_evaluation_value(**(arguments | overrides))


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"value": D("100.1")}, "value", "from 0 to 100"),
        ({"value": D("-0.5")}, "value", "from 0 to 100"),
        ({"value": "many"}, "value", "must be a number"),
        ({"value": D("50.12345")}, "value", "at most 4 decimal places"),
        (
            {"measure": EvaluationMeasure.DUPLICATION, "financial_year": THIS_YEAR - 1, "value": D("-1")},
            "value",
            "cannot be negative",
        ),
        (
            {"measure": EvaluationMeasure.DUPLICATION, "financial_year": THIS_YEAR - 1, "value": D("2.5")},
            "value",
            "whole number",
        ),
        (
            {"measure": EvaluationMeasure.JOINT_QUALITY},
            "financial_year",
            "freeze this year's computed values",
        ),
        ({"financial_year": THIS_YEAR + 1}, "financial_year", "has not started"),
        ({"measure": "happiness"}, "measure", "Choose one of the evaluation measures"),
        ({"sample_size": 0}, "sample_size", "at least 1"),
        ({"source": "  "}, "source", "Say where the figure comes from"),
    ],
)
def test_a_recorded_value_is_validated_and_nothing_is_written(
    southampton, commissioner, overrides, field, words
):
    before = EvaluationValue.objects.count()
    with pytest.raises(ValidationError) as error:
        record(commissioner, southampton, **overrides)
    assert words in " ".join(error.value.message_dict[field])
    assert EvaluationValue.objects.count() == before


def test_recording_stores_one_value_per_measure_and_year_and_replaces_only_when_asked(
    southampton, commissioner
):
    EvaluationValue.objects.filter(partnership=southampton, financial_year=THIS_YEAR).delete()
    first = record(commissioner, southampton)
    assert (first.value, first.sample_size, first.recorded_by) == (D("82.5"), 500, commissioner)
    created = latest_event(first)
    assert created.action == AuditEvent.Action.CREATE and created.partnership_id == southampton.pk
    assert created.actor == commissioner and created.after["value"] == "82.5000"

    with pytest.raises(ValidationError) as error:
        record(commissioner, southampton, value=D("83"))
    assert "already recorded (82.5%)" in " ".join(error.value.message_dict["financial_year"])

    again = record(commissioner, southampton, value=D("83"), sample_size=510, replace=True)
    assert again.pk == first.pk and again.value == D("83") and again.sample_size == 510
    updated = latest_event(first)
    assert updated.action == AuditEvent.Action.UPDATE
    assert updated.before["value"] == "82.5000" and updated.after["value"] == "83.0000"


def test_a_past_years_computed_measure_may_be_recorded(southampton, commissioner):
    EvaluationValue.objects.filter(
        partnership=southampton, measure=EvaluationMeasure.PRIORITY_RESOURCES, financial_year=THIS_YEAR - 3
    ).delete()
    row = record(
        commissioner,
        southampton,
        measure=EvaluationMeasure.PRIORITY_RESOURCES,
        financial_year=THIS_YEAR - 3,
        value=D("61.25"),
        sample_size=None,
        source="Budget audit reported to the board",
    )
    assert row.value == D("61.25")


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER, Role.PROVIDER_CONTACT]
)
def test_only_commissioners_and_administrators_record_or_freeze(southampton, user_for, role):
    with pytest.raises(NotPermitted):
        record(user_for("southampton", role), southampton)
    with pytest.raises(NotPermitted):
        report_services.freeze_evaluation(actor=user_for("southampton", role), partnership=southampton)


# Freezing ---------------------------------------------------------------------------------------


def test_freezing_stores_this_years_computed_values_and_freezing_again_replaces_them(
    southampton, commissioner
):
    today = timezone.localdate()
    live = evaluation.compute(southampton, on=today)
    stored = report_services.freeze_evaluation(actor=commissioner, partnership=southampton)
    assert {row.measure: row.value for row in stored} == {
        key: result.value for key, result in live.items() if result.value is not None
    }
    assert all(row.financial_year == THIS_YEAR for row in stored)
    assert all(row.source.startswith("Computed on ") for row in stored)
    trends = by_measure(evaluation.trends(southampton, today=today))
    for row in stored:
        latest = trends[row.measure].latest
        assert (latest.financial_year, latest.value, latest.origin) == (
            THIS_YEAR,
            row.value,
            evaluation.FROZEN,
        )

    duplication = next(row for row in stored if row.measure == EvaluationMeasure.DUPLICATION)
    EvaluationValue.objects.filter(pk=duplication.pk).update(value=D("99"))
    again = report_services.freeze_evaluation(actor=commissioner, partnership=southampton)
    assert {row.pk for row in again} == {row.pk for row in stored}
    duplication.refresh_from_db()
    assert duplication.value == live[EvaluationMeasure.DUPLICATION].value
    assert latest_event(duplication).action == AuditEvent.Action.UPDATE


def test_freezing_stores_only_the_measures_there_is_something_to_compute_from(commissioner):
    empty = World(commissioner)
    Membership.objects.create(
        user=commissioner,
        partnership=empty.partnership,
        organisation=empty.council,
        role=Role.COMMISSIONER.value,
    )
    # Nothing to compute from but the duplicates count, which is always a number.
    stored = report_services.freeze_evaluation(actor=commissioner, partnership=empty.partnership)
    assert [row.measure for row in stored] == [EvaluationMeasure.DUPLICATION]
    assert stored[0].value == 0
