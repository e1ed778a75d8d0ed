"""The self-assessment answered from the records: Southampton (much recorded), Nottinghamshire (little) and
a bare partnership; answers move when the records do; recording keeps a snapshot, audited, for managers
only; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.permissions import Role
from commissioning.demo.market import DEMO_TODAY
from commissioning.finance.models import PooledFund, PreventionTarget
from commissioning.governance.models import Agreement, AgreementKind, Decision, DecisionState
from commissioning.partners.models import CareGroup, Partnership
from commissioning.strategy import self_assessment as sa
from commissioning.strategy.maturity import MET, NOT_MET, PARTLY
from commissioning.strategy.models import Priority, PriorityStatus, SelfAssessment, StrategyAction
from commissioning.strategy.self_assessment_services import record_self_assessment

pytestmark = pytest.mark.django_db


def _answers(partnership, today=DEMO_TODAY):
    return {a.question.key: a.answer for a in sa.assess(partnership, today=today).answers}


@pytest.fixture
def bare(db):
    partnership = Partnership.objects.create(name="Bare test partnership", slug="bare-test")
    CareGroup.objects.create(partnership=partnership, name="Older people", slug="older-people")
    return partnership


def _decision(partnership, actor, reference, **extra):
    data = {
        "partnership": partnership,
        "reference": reference,
        "title": "Agree it",
        "kind": "strategy",
        "state": DecisionState.APPROVED,
        "proposed_by": actor,
        "decided_on": DEMO_TODAY,
    }
    data.update(extra)
    return Decision.objects.create(**data)


def test_every_stage_of_the_cycle_has_three_to_seven_questions_with_unique_keys():
    assert [s.key for s in sa.STAGES] == [
        "needs",
        "strategy",
        "resources",
        "market",
        "contracts",
        "performance",
        "governance",
    ]
    for stage in sa.STAGES:
        assert 3 <= len(sa.questions_of(stage.key)) <= 7, stage.key
    keys = [q.key for q in sa.QUESTIONS]
    assert len(keys) == len(set(keys))


def test_registering_a_question_twice_or_under_no_stage_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        sa.question("needs", "jsna_current", "Again?")
    with pytest.raises(ValueError, match="Unknown stage"):
        sa.question("nowhere", "x", "Where?")


def test_southampton_answers_from_its_records(southampton):
    answers = _answers(southampton)
    assert answers["needs.jsna_current"].status == MET
    assert answers["needs.projections"].status == MET
    # The demo's priorities are drafts and its strategies not yet approved.
    assert answers["strategy.priorities_agreed"].status == NOT_MET
    assert answers["strategy.priorities_agreed"].missing == "7 priorities still to agree through a decision."
    assert answers["strategy.strategy_per_care_group"].status == PARTLY
    assert "Learning disability and autism" in answers["strategy.strategy_per_care_group"].missing
    # The pooled fund rests on a Section 113 agreement, not a Section 75 one.
    assert answers["resources.section_75"].status == PARTLY
    assert answers["resources.prevention_target"].status == PARTLY
    assert answers["contracts.kpis"].status == MET
    assert answers["governance.you_said_we_did"].status == MET
    link = answers["needs.jsna_current"].link
    assert link is not None and link.href("southampton") == "/p/southampton/needs/"


def test_nottinghamshire_has_little_to_show(nottinghamshire):
    assessment = sa.assess(nottinghamshire, today=DEMO_TODAY)
    answers = {a.question.key: a.answer for a in assessment.answers}
    assert answers["needs.jsna_current"].status == NOT_MET
    assert answers["needs.jsna_current"].evidence == "No JSNA indicators recorded."
    assert answers["contracts.kpis"].status == MET
    assert answers["governance.board_meets"].status == NOT_MET
    southampton_score = sa.assess(Partnership.objects.get(slug="southampton"), today=DEMO_TODAY).score
    assert assessment.score < southampton_score


def test_a_bare_partnership_meets_nothing_and_says_what_is_missing(bare):
    assessment = sa.assess(bare, today=DEMO_TODAY)
    assert {a.answer.status for a in assessment.answers} == {NOT_MET}
    assert assessment.score == 0 and assessment.level == "Beginning"
    assert all(a.answer.missing for a in assessment.answers)
    assert all(s.score == 0 for s in assessment.stages)


def test_agreeing_priorities_moves_the_answer(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    decision = _decision(southampton, commissioner, "PRI-1")
    priorities = list(Priority.objects.filter(partnership=southampton))
    Priority.objects.filter(pk=priorities[0].pk).update(
        status=PriorityStatus.AGREED, agreed_by_decision=decision
    )
    assert _answers(southampton)["strategy.priorities_agreed"].status == PARTLY
    Priority.objects.filter(partnership=southampton).update(
        status=PriorityStatus.AGREED, agreed_by_decision=decision
    )
    answer = _answers(southampton)["strategy.priorities_agreed"]
    assert answer.status == MET and answer.missing == ""


def test_a_stale_jsna_is_partly_then_not_met(southampton):
    assert _answers(southampton, DEMO_TODAY + dt.timedelta(days=500))["needs.jsna_current"].status == PARTLY
    answer = _answers(southampton, DEMO_TODAY + dt.timedelta(days=1000))["needs.jsna_current"]
    assert answer.status == NOT_MET
    assert answer.missing == "Refresh the JSNA: its values are more than a year old."


def test_overdue_actions_put_the_plans_off_track(southampton):
    assert _answers(southampton)["strategy.action_plans_on_track"].status == MET
    StrategyAction.objects.filter(strategy__partnership=southampton).update(
        due_on=DEMO_TODAY - dt.timedelta(days=1)
    )
    answer = _answers(southampton)["strategy.action_plans_on_track"]
    assert answer.status == NOT_MET and "past their date" in answer.missing


def test_a_section_75_agreement_and_a_reachable_target_are_met(southampton):
    fund = PooledFund.objects.get(partnership=southampton)
    agreement = Agreement.objects.create(
        partnership=southampton,
        kind=AgreementKind.S75_POOLED_FUND,
        title="Section 75 pooled fund agreement",
        purpose="Pool the fund",
        starts_on=dt.date(2024, 4, 1),
    )
    PooledFund.objects.filter(pk=fund.pk).update(agreement=agreement)
    PreventionTarget.objects.filter(partnership=southampton, financial_year=2026).update(share_bp=1000)
    answers = _answers(southampton)
    assert answers["resources.section_75"].status == MET
    assert answers["resources.prevention_target"].status == MET


def test_a_decision_without_reasons_is_partly_met(southampton, user_for):
    assert _answers(southampton)["governance.decisions_reasoned"].status == MET
    _decision(southampton, user_for("southampton", Role.COMMISSIONER), "NO-REASONS")
    answer = _answers(southampton)["governance.decisions_reasoned"]
    assert answer.status == PARTLY
    assert answer.missing == "Record reasons and rejected options for 1 decisions."


def test_the_queries_do_not_grow_with_the_records(southampton, bare, django_assert_max_num_queries):
    with django_assert_max_num_queries(50):
        sa.assess(southampton, today=DEMO_TODAY)
    with django_assert_max_num_queries(50):
        sa.assess(bare, today=DEMO_TODAY)


# Recording ------------------------------------------------------------------------------------


def test_recording_keeps_the_answers_scores_and_commentary_and_is_audited(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    row = record_self_assessment(
        actor=commissioner,
        partnership=southampton,
        summary="  Priorities next.  ",
        commentary={"strategy.priorities_agreed": "Going to the board in January.", "needs.projections": " "},
        today=DEMO_TODAY,
    )
    assessment = sa.assess(southampton, today=DEMO_TODAY)
    assert row.assessed_on == DEMO_TODAY and row.recorded_by == commissioner
    assert row.overall_bp == assessment.score and row.summary == "Priorities next."
    assert row.stage_scores == assessment.stage_scores()
    by_key = {a["key"]: a for a in row.answers}
    assert len(by_key) == len(sa.QUESTIONS)
    assert by_key["strategy.priorities_agreed"]["status"] == NOT_MET
    assert by_key["strategy.priorities_agreed"]["commentary"] == "Going to the board in January."
    assert by_key["needs.projections"]["commentary"] == ""
    event = history_for(row).get(action="create")
    assert event.actor == commissioner and event.partnership_id == southampton.pk
    assert event.summary.startswith("Self-assessment recorded:")


def test_recording_refuses_bad_input_and_saves_nothing(southampton, user_for):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    before = SelfAssessment.objects.count()
    cases = [
        (
            {"commentary": {"needs.nothing": "x"}},
            "commentary",
            "There is no question needs.nothing in the self-assessment.",
        ),
        (
            {"commentary": {"needs.projections": "x" * 2001}},
            "commentary",
            "Keep each commentary to 2,000 characters.",
        ),
        ({"summary": "x" * 4001}, "summary", "Keep the summary to 4,000 characters."),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            record_self_assessment(actor=commissioner, partnership=southampton, **kwargs)
        assert refused.value.message_dict[field] == [message]
    assert SelfAssessment.objects.count() == before


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BOARD_MEMBER, Role.PROVIDER_CONTACT])
def test_only_managers_record(role, southampton, user_for):
    with pytest.raises(NotPermitted):
        record_self_assessment(actor=user_for("southampton", role), partnership=southampton)
    assert not SelfAssessment.objects.filter(partnership=southampton).exists()


def test_a_southampton_commissioner_cannot_record_for_nottinghamshire(nottinghamshire, user_for):
    with pytest.raises(NotPermitted):
        record_self_assessment(actor=user_for("southampton", Role.COMMISSIONER), partnership=nottinghamshire)


def test_the_services_map_priority_setting_and_market_position_are_asked_about(southampton, bare):
    answers = _answers(southampton)
    for key in ("strategy.services_mapped", "strategy.priority_setting", "market.intentions_published"):
        assert answers[key].link is not None and answers[key].evidence, key
    bare_answers = _answers(bare)
    assert bare_answers["strategy.services_mapped"].evidence == "No services mapped."
    assert bare_answers["strategy.priority_setting"].status == NOT_MET
    assert bare_answers["market.intentions_published"].status == NOT_MET
