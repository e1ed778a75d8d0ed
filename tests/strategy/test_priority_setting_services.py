"""Priority-setting rounds: set up by commissioners, weights adding to 100 %, options and panel of the
round's own partnership, each member scoring only their own grid on the round's scale, declared interests
leaving the panel's mean, optimiser runs kept; every bad input refused with its message, nothing
half-saved, every change audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.core.audit import history_for
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState, Interest
from commissioning.strategy import portfolio
from commissioning.strategy import priority_setting as services
from commissioning.strategy import priority_setting_selectors as selectors
from commissioning.strategy.models import (
    OptimisationRun,
    PanelScore,
    Priority,
    PriorityRound,
    RoundCriterion,
    RoundOption,
    RoundStatus,
)
from commissioning.strategy.priority_setting import CriterionRow, ScoreEntry

pytestmark = pytest.mark.django_db


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def _round(partnership, actor, **overrides):
    data = {
        "name": "Test round 2027/28",
        "financial_year": 2027,
        "budget": Decimal("500000.00"),
        "min_prevention_share": Decimal("0"),
        "scale_top": 5,
    }
    data.update(overrides)
    return services.create_round(actor=actor, partnership=partnership, **data)


def _option(round_, actor, **overrides):
    data = {"title": "Falls service", "kind": "investment", "amount": Decimal("100000.00"), "people": 100}
    data.update(overrides)
    return services.add_option(actor=actor, round_=round_, **data)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def scoring_round(southampton, commissioner, user_for):
    """A round open for scoring: three options, a panel of two (the viewer declared an interest in one)."""
    round_ = _round(southampton, commissioner)
    a = _option(round_, commissioner, title="A: falls", amount=Decimal("300000"), is_prevention=True)
    b = _option(round_, commissioner, title="B: reablement", amount=Decimal("300000"))
    c = _option(round_, commissioner, title="C: close beds", kind="disinvestment", amount=Decimal("100000"))
    services.add_panel_member(actor=commissioner, round_=round_, user=commissioner, role="chair")
    services.add_panel_member(
        actor=commissioner,
        round_=round_,
        user=user_for("southampton", Role.VIEWER),
        role="public",
        interests={a: "Volunteers for the falls charity."},
    )
    services.open_scoring(actor=commissioner, round_=round_)
    return round_, (a, b, c)


def _grid(round_, options, scores):
    """Entries for every criterion of each option in ``scores`` (option → one score for all criteria)."""
    return [
        ScoreEntry(option.pk, criterion.pk, scores[option])
        for option in options
        if option in scores
        for criterion in round_.criteria.all()
    ]


# Rounds ----------------------------------------------------------------------------------------


def test_a_new_round_has_the_four_default_criteria_at_25_each_and_is_audited(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    assert round_.status == RoundStatus.DRAFT
    criteria = list(round_.criteria.values_list("key", "label", "weight"))
    assert criteria == [(c.key, c.label, c.weight) for c in portfolio.DEFAULT_CRITERIA]
    assert all(round_.criteria.values_list("description", flat=True))
    assert history_for(round_).filter(action=AuditEvent.Action.CREATE).exists()
    assert (
        AuditEvent.objects.filter(object_type__model="roundcriterion", partnership_id=southampton.pk).count()
        >= 4
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the round's name."),
        ({"financial_year": 1999}, "financial_year", "Enter the year the financial year starts in"),
        ({"budget": 1000.5}, "budget", "Enter the budget envelope in pounds and pence"),
        ({"budget": "lots"}, "budget", "Enter the budget envelope in pounds and pence"),
        ({"budget": Decimal("10.001")}, "budget", "at most two decimal places"),
        ({"min_prevention_share": Decimal("101")}, "min_prevention_share", "a percentage from 0 to 100"),
        ({"scale_top": 7}, "scale_top", "Choose a scale of 0 to 5 or 0 to 10."),
    ],
)
def test_bad_round_input_is_refused_by_field(southampton, commissioner, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        _round(southampton, commissioner, **overrides)
    assert message in " ".join(_messages(error)[field])
    assert not PriorityRound.objects.filter(name="Test round 2027/28").exists()


def test_round_names_are_unique_in_the_partnership(southampton, nottinghamshire, commissioner, user_for):
    _round(southampton, commissioner)
    with pytest.raises(ValidationError) as error:
        _round(southampton, commissioner, name="test ROUND 2027/28")
    assert _messages(error)["name"] == ["There is already a round called test ROUND 2027/28."]
    _round(nottinghamshire, user_for("nottinghamshire", Role.COMMISSIONER))  # another partnership may


def test_only_commissioners_and_administrators_set_rounds_up(southampton, user_for):
    for role in (Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER, Role.PROVIDER_CONTACT):
        with pytest.raises(NotPermitted):
            _round(southampton, user_for("southampton", role))
    with pytest.raises(NotPermitted):
        _round(southampton, user_for("nottinghamshire", Role.ADMINISTRATOR))
    assert _round(southampton, user_for("southampton", Role.ADMINISTRATOR)).pk


def test_the_scale_cannot_change_once_scored(scoring_round, commissioner):
    round_, options = scoring_round
    services.submit_scores(actor=commissioner, round_=round_, entries=_grid(round_, options, {options[1]: 3}))
    with pytest.raises(ValidationError) as error:
        services.update_round(
            actor=commissioner,
            round_=round_,
            name=round_.name,
            financial_year=2027,
            budget=round_.budget,
            min_prevention_share=0,
            scale_top=10,
        )
    assert _messages(error)["scale_top"] == ["The scale cannot change once the panel has scored."]
    round_.refresh_from_db()
    assert round_.scale_top == 5


# Criteria --------------------------------------------------------------------------------------


def _rows(round_, weights):
    return [CriterionRow(c.pk, c.label, w) for c, w in zip(round_.criteria.all(), weights, strict=True)]


def test_weights_not_adding_to_100_are_refused_and_nothing_changes(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    with pytest.raises(ValidationError) as error:
        services.set_criteria(actor=commissioner, round_=round_, rows=_rows(round_, ["30", "30", "30", "20"]))
    assert _messages(error)["__all__"] == ["The weights add up to 110%, not 100%."]
    assert set(round_.criteria.values_list("weight", flat=True)) == {Decimal(25)}


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("-5", "The weight of Scale must be from 0 to 100%."),
        ("120", "The weight of Scale must be from 0 to 100%."),
        ("a lot", "Enter the weight of Scale as a percentage."),
        (25.5, "Enter the weight of Scale as a percentage."),
        ("25.555", "Give weights to at most two decimal places."),
    ],
)
def test_each_bad_weight_is_refused_on_its_line(southampton, commissioner, weight, message):
    round_ = _round(southampton, commissioner)
    with pytest.raises(ValidationError) as error:
        services.set_criteria(
            actor=commissioner, round_=round_, rows=_rows(round_, [weight, "25", "25", "25"])
        )
    assert _messages(error)["weight_0"] == [message]


def test_criteria_can_be_renamed_added_and_dropped_in_a_draft(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    first, second, *_ = round_.criteria.all()
    rows = [
        CriterionRow(first.pk, "Reach", "40"),
        CriterionRow(second.pk, "Transformational change", "35"),
        CriterionRow(None, "Equity", "25"),
    ]
    services.set_criteria(actor=commissioner, round_=round_, rows=rows)
    assert round_.criteria.get(key="scale").description == services.CRITERION_DESCRIPTIONS["scale"]
    assert list(round_.criteria.values_list("key", "label", "weight")) == [
        ("scale", "Reach", Decimal(40)),
        ("transformational_change", "Transformational change", Decimal(35)),
        ("equity", "Equity", Decimal(25)),
    ]


def test_duplicate_and_blank_labels_and_another_rounds_criterion_are_refused(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    other = _round(southampton, commissioner, name="Another round")
    foreign = other.criteria.first()
    rows = [
        CriterionRow(None, "Scale", "25"),
        CriterionRow(None, "scale", "25"),
        CriterionRow(None, " ", "25"),
        CriterionRow(foreign.pk, "Theirs", "25"),
    ]
    with pytest.raises(ValidationError) as error:
        services.set_criteria(actor=commissioner, round_=round_, rows=rows)
    messages = _messages(error)
    assert messages["label_1"] == ["scale appears more than once."]
    assert messages["label_2"] == ["Enter the criterion's name."]
    assert messages["label_3"] == ["That criterion belongs to another round."]
    assert round_.criteria.count() == 4


def test_after_scoring_opens_only_weights_change(scoring_round, commissioner):
    round_, _ = scoring_round
    rows = [*_rows(round_, ["40", "20", "20", "20"])]
    services.set_criteria(actor=commissioner, round_=round_, rows=rows)
    assert round_.criteria.get(key="scale").weight == Decimal(40)
    with pytest.raises(ValidationError) as error:
        services.set_criteria(actor=commissioner, round_=round_, rows=rows[:3])
    assert _messages(error)["__all__"] == [
        "Criteria can be added or removed only while the round is a draft; change the weights."
    ]


# Options ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Enter the option's title."),
        ({"kind": "maybe"}, "kind", "Choose whether the option is an investment or a disinvestment."),
        ({"amount": Decimal("0")}, "amount", "Enter the cost a year in pounds, above zero."),
        ({"amount": 100.0}, "amount", "Enter the cost a year in pounds, above zero."),
        (
            {"kind": "disinvestment", "amount": "-5"},
            "amount",
            "Enter the saving a year in pounds, above zero.",
        ),
        ({"amount": "10.123"}, "amount", "The cost is in pounds and pence: at most two decimal places."),
        ({"people": -1}, "people", "Enter how many people the option affects a year (0 or more)."),
    ],
)
def test_bad_option_input_is_refused_by_field(southampton, commissioner, overrides, field, message):
    round_ = _round(southampton, commissioner)
    with pytest.raises(ValidationError) as error:
        _option(round_, commissioner, **overrides)
    assert _messages(error)[field] == [message]
    assert not round_.options.exists()


def test_options_link_only_to_the_partnerships_care_groups_and_priorities(
    southampton, nottinghamshire, commissioner
):
    round_ = _round(southampton, commissioner)
    theirs = nottinghamshire.care_groups.first()
    their_priority = Priority.objects.create(
        partnership=nottinghamshire,
        care_group=theirs,
        title="Elsewhere",
        statement="Not ours",
        created_by=commissioner,
    )
    with pytest.raises(ValidationError) as error:
        _option(round_, commissioner, care_group=theirs, priority=their_priority)
    assert _messages(error) == {
        "care_group": ["That care group belongs to another partnership."],
        "priority": ["That priority belongs to another partnership."],
    }
    older = southampton.care_groups.get(name="Older people")
    carers = southampton.care_groups.get(name="Carers")
    priority = Priority.objects.create(
        partnership=southampton,
        care_group=carers,
        title="Carers first",
        statement="x",
        created_by=commissioner,
    )
    with pytest.raises(ValidationError) as error:
        _option(round_, commissioner, care_group=older, priority=priority)
    assert _messages(error)["priority"] == ["Choose a priority of the option's care group."]
    assert not round_.options.exists()
    option = _option(round_, commissioner, care_group=carers, priority=priority, must_do=True)
    assert option.priority == priority and option.net_cost == Decimal("100000.00")


def test_option_titles_are_unique_in_the_round_and_changes_are_audited(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    option = _option(round_, commissioner)
    with pytest.raises(ValidationError) as error:
        _option(round_, commissioner, title="FALLS SERVICE")
    assert _messages(error)["title"] == ["The round already has an option called FALLS SERVICE."]
    services.update_option(
        actor=commissioner,
        option=option,
        title="Falls service",
        kind="disinvestment",
        amount="2500.50",
        people=3,
    )
    option.refresh_from_db()
    assert option.net_cost == Decimal("-2500.50")
    assert history_for(option).filter(action=AuditEvent.Action.UPDATE).exists()
    services.remove_option(actor=commissioner, option=option)
    assert not round_.options.exists()


def test_options_cannot_change_once_scoring_closes(scoring_round, commissioner):
    round_, options = scoring_round
    services.close_scoring(actor=commissioner, round_=round_)
    with pytest.raises(ValidationError) as error:
        _option(round_, commissioner, title="Late idea")
    assert _messages(error)["__all__"] == [
        "This can be done only while the round is a draft or open for scoring; it is closed for scoring."
    ]
    with pytest.raises(ValidationError):
        services.remove_option(actor=commissioner, option=options[0])


# Panel and interests ---------------------------------------------------------------------------


def test_panel_members_come_from_the_partnership_and_sit_once(southampton, commissioner, user_for):
    round_ = _round(southampton, commissioner)
    option = _option(round_, commissioner)
    other_round_option = _option(_round(southampton, commissioner, name="Other"), commissioner)
    cases = [
        ({"user": None}, "user", "Choose who joins the panel."),
        ({"user": user_for("nottinghamshire", Role.COMMISSIONER)}, "user", services.NOT_PANEL_USER),
        ({"user": user_for("southampton", Role.PROVIDER_CONTACT)}, "user", services.NOT_PANEL_USER),
        ({"role": "observer"}, "role", "Choose the panel member's role."),
        ({"interests": {other_round_option: "x"}}, "interests", "That option belongs to another round."),
        ({"interests": {option: " "}}, "interests", "Say what the interest in Falls service is."),
    ]
    for overrides, field, message in cases:
        data = {"user": commissioner, "role": "chair", **overrides}
        with pytest.raises(ValidationError) as error:
            services.add_panel_member(actor=commissioner, round_=round_, **data)
        assert _messages(error)[field] == [message]
    assert not round_.panel.exists()
    services.add_panel_member(actor=commissioner, round_=round_, user=commissioner, role="chair")
    with pytest.raises(ValidationError) as error:
        services.add_panel_member(actor=commissioner, round_=round_, user=commissioner, role="commissioner")
    assert "is already on the panel" in _messages(error)["user"][0]


def test_a_member_declares_their_own_interest_linked_to_their_register_entry(
    scoring_round, user_for, southampton
):
    round_, (a, b, _c) = scoring_round
    viewer = user_for("southampton", Role.VIEWER)
    member = round_.panel.get(user=viewer)
    finance = user_for("southampton", Role.FINANCE_OFFICER)
    someone_elses = Interest.objects.filter(partnership=southampton, person=finance).first()
    assert someone_elses is not None
    with pytest.raises(ValidationError) as error:
        services.declare_interest(
            actor=viewer, member=member, option=b, interest="x", register_entry=someone_elses
        )
    assert _messages(error)["register_entry"] == [services.OTHER_INTEREST]
    with pytest.raises(ValidationError) as error:
        services.declare_interest(actor=viewer, member=member, option=a, interest="again")
    assert _messages(error)["option"] == ["An interest in A: falls is already declared."]
    with pytest.raises(NotPermitted):
        services.declare_interest(actor=finance, member=member, option=b, interest="on their behalf")
    services.declare_interest(actor=viewer, member=member, option=b, interest="My neighbour runs it.")
    assert set(member.interests.values_list("option_id", flat=True)) == {a.pk, b.pk}


# Status ----------------------------------------------------------------------------------------


def test_scoring_opens_only_when_the_round_is_ready(southampton, commissioner):
    round_ = _round(southampton, commissioner)
    with pytest.raises(ValidationError) as error:
        services.open_scoring(actor=commissioner, round_=round_)
    assert _messages(error) == {
        "options": ["Add at least two options to choose between."],
        "panel": ["Put at least one person on the panel."],
    }
    assert PriorityRound.objects.get(pk=round_.pk).status == RoundStatus.DRAFT


def test_the_decision_must_be_the_partnerships_and_follow_a_run(
    scoring_round, commissioner, nottinghamshire, southampton, user_for
):
    round_, options = scoring_round
    viewer = user_for("southampton", Role.VIEWER)
    services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, options, dict.fromkeys(options, 3))
    )
    services.submit_scores(
        actor=viewer, round_=round_, entries=_grid(round_, options[1:], dict.fromkeys(options, 4))
    )
    services.close_scoring(actor=commissioner, round_=round_)

    def decision(partnership, reference, state=DecisionState.PROPOSED):
        return Decision.objects.create(
            partnership=partnership,
            reference=reference,
            title="Adopt",
            kind="budget",
            state=state,
            proposed_by=commissioner,
        )

    with pytest.raises(ValidationError) as error:
        services.record_decision(actor=commissioner, round_=round_, decision=decision(southampton, "PS-1"))
    assert _messages(error)["__all__"] == ["Run the optimiser before recording the decision."]
    services.run_optimiser(actor=commissioner, round_=round_)
    cases = [
        (None, "Choose the decision that adopted the result."),
        (decision(nottinghamshire, "N-1"), "That decision belongs to another partnership."),
        (
            decision(southampton, "PS-2", DecisionState.DRAFT),
            "PS-2 is draft; choose one that is proposed or approved.",
        ),
    ]
    for given, message in cases:
        with pytest.raises(ValidationError) as error:
            services.record_decision(actor=commissioner, round_=round_, decision=given)
        assert _messages(error)["decision"] == [message]
    adopted = decision(southampton, "PS-3", DecisionState.APPROVED)
    services.record_decision(actor=commissioner, round_=round_, decision=adopted)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DECIDED and round_.decision == adopted
    with pytest.raises(ValidationError) as error:
        services.run_optimiser(actor=commissioner, round_=round_)
    assert _messages(error)["__all__"] == [services.DECIDED]


# Scores ----------------------------------------------------------------------------------------


def test_a_member_scores_their_own_grid_and_rescoring_updates_it(scoring_round, commissioner):
    round_, (a, b, c) = scoring_round
    changed = services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, (a, b, c), {a: 4, b: "2", c: None})
    )
    assert changed == 8
    member = round_.panel.get(user=commissioner)
    assert set(member.scores.values_list("option_id", "score")) == {(a.pk, 4), (b.pk, 2)}
    changed = services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, (a, b), {a: 4, b: 5})
    )
    assert changed == 4
    assert set(member.scores.values_list("option_id", "score")) == {(a.pk, 4), (b.pk, 5)}
    assert (
        AuditEvent.objects.filter(object_type__model="panelscore", action=AuditEvent.Action.UPDATE).count()
        == 4
    )


def test_bad_scores_are_refused_cell_by_cell_and_nothing_is_saved(scoring_round, commissioner, user_for):
    round_, (a, b, c) = scoring_round
    criteria = list(round_.criteria.all())
    entries = [
        ScoreEntry(a.pk, criteria[0].pk, 6),
        ScoreEntry(a.pk, criteria[1].pk, "2.5"),
        ScoreEntry(a.pk, criteria[2].pk, True),
        ScoreEntry(a.pk, criteria[3].pk, 3),
        ScoreEntry(b.pk, criteria[0].pk, 3),  # b scored on one criterion only
        ScoreEntry(c.pk, criteria[0].pk, 1),
        *[ScoreEntry(c.pk, k.pk, 1) for k in criteria[1:]],
    ]
    with pytest.raises(ValidationError) as error:
        services.submit_scores(actor=commissioner, round_=round_, entries=entries)
    messages = _messages(error)
    cell = services.cell
    assert messages[cell(a.pk, criteria[0].pk)] == [
        "Your score for A: falls on Scale must be a whole number from 0 to 5."
    ]
    assert messages[cell(a.pk, criteria[1].pk)] == [
        "Your score for A: falls on Transformational change must be a whole number from 0 to 5."
    ]
    assert cell(a.pk, criteria[2].pk) in messages
    assert messages[cell(b.pk, criteria[1].pk)] == [
        "Score B: reablement on Transformational change too, or leave the option blank."
    ]
    assert not PanelScore.objects.filter(member__round=round_).exists()


def test_only_panel_members_score_only_while_scoring_and_not_where_conflicted(
    scoring_round, commissioner, user_for, southampton
):
    round_, (a, b, _c) = scoring_round
    finance = user_for("southampton", Role.FINANCE_OFFICER)
    with pytest.raises(ValidationError) as error:
        services.submit_scores(actor=finance, round_=round_, entries=_grid(round_, (b,), {b: 3}))
    assert _messages(error)["__all__"] == [services.NOT_ON_PANEL]
    viewer = user_for("southampton", Role.VIEWER)
    with pytest.raises(ValidationError) as error:
        services.submit_scores(actor=viewer, round_=round_, entries=_grid(round_, (a,), {a: 3}))
    first = round_.criteria.first()
    assert _messages(error)[services.cell(a.pk, first.pk)] == [
        "You declared an interest in A: falls, so you do not score it."
    ]
    other = _round(southampton, commissioner, name="Other")
    foreign = _option(other, commissioner)
    with pytest.raises(ValidationError) as error:
        services.submit_scores(actor=viewer, round_=round_, entries=[ScoreEntry(foreign.pk, first.pk, 3)])
    assert _messages(error)[services.cell(foreign.pk, first.pk)] == [
        "That option or criterion belongs to another round."
    ]
    services.close_scoring(actor=commissioner, round_=round_)
    with pytest.raises(ValidationError) as error:
        services.submit_scores(actor=viewer, round_=round_, entries=_grid(round_, (b,), {b: 3}))
    assert _messages(error)["__all__"] == [services.NOT_SCORING]
    with pytest.raises(NotPermitted):
        services.submit_scores(
            actor=user_for("nottinghamshire", Role.COMMISSIONER), round_=round_, entries=[]
        )


def test_a_conflicted_members_earlier_scores_leave_the_mean(
    scoring_round, commissioner, user_for, southampton
):
    round_, (a, b, c) = scoring_round
    viewer = user_for("southampton", Role.VIEWER)
    member = round_.panel.get(user=viewer)
    services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, (a, b, c), {a: 2, b: 2, c: 2})
    )
    services.submit_scores(actor=viewer, round_=round_, entries=_grid(round_, (b, c), {b: 4, c: 4}))
    # The viewer declares a further interest in B after scoring it: their scores on B stop counting.
    services.declare_interest(actor=viewer, member=member, option=b, interest="My sister runs it.")
    page = selectors.round_page(southampton, round_.pk, viewer)
    rows = {row.option.pk: row for row in page.options}
    assert rows[b.pk].means == [Decimal("2.00")] * 4 and rows[b.pk].scorers == 1
    assert rows[c.pk].means == [Decimal("3.00")] * 4
    assert rows[c.pk].benefit == Decimal("-3.0000")  # a disinvestment gives its benefit up
    assert rows[a.pk].conflicted == [viewer.display_name]
    assert page.complete and page.scored == page.expected == 4 * 3 + 4 * 1
    inputs = selectors.round_inputs(round_)
    assert {s.option_key for s in inputs.excluded} == {str(b.pk)}


# Optimiser runs --------------------------------------------------------------------------------


def test_the_optimiser_needs_complete_scores(scoring_round, commissioner):
    round_, (a, b, _c) = scoring_round
    services.submit_scores(actor=commissioner, round_=round_, entries=_grid(round_, (a, b), {a: 3, b: 3}))
    with pytest.raises(ValidationError) as error:
        services.run_optimiser(actor=commissioner, round_=round_)
    assert _messages(error)["__all__"] == ["Option 'C: close beds' has no scores."]
    assert not OptimisationRun.objects.filter(round=round_).exists()


def test_a_run_is_kept_with_its_inputs_choice_and_reasons(scoring_round, commissioner, user_for, southampton):
    round_, (a, b, c) = scoring_round
    viewer = user_for("southampton", Role.VIEWER)
    services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, (a, b, c), {a: 5, b: 3, c: 1})
    )
    services.submit_scores(actor=viewer, round_=round_, entries=_grid(round_, (b, c), {b: 3, c: 1}))
    run = services.run_optimiser(actor=commissioner, round_=round_)
    # Budget 500k: A (300k, 5 points) and B (300k, 3 points) need C's 100k saving (giving up 1 point).
    assert set(run.chosen.all()) == {a, b, c}
    assert run.objective == Decimal("7.0000") and run.total_cost == Decimal("500000.00")
    assert run.status == "optimal" and run.gap == 0
    assert set(run.explanations) == {str(a.pk), str(b.pk), str(c.pk)}
    assert run.explanations[str(c.pk)].startswith("In: a disinvestment releasing £100,000")
    assert run.weights == {c.key: "25.00" for c in round_.criteria.all()}
    assert len(run.inputs_hash) == 64
    assert history_for(run).filter(action=AuditEvent.Action.CREATE).exists()
    result = selectors.results(southampton, round_.pk)
    assert result.current and result.invested == Decimal("600000") and result.released == Decimal("100000")
    assert result.sensitivity and all(s.baseline.chosen for s in result.sensitivity.values())
    # A change to the weights makes the kept run out of date until the optimiser runs again.
    services.set_criteria(actor=commissioner, round_=round_, rows=_rows(round_, ["40", "20", "20", "20"]))
    assert not selectors.results(southampton, round_.pk).current


def test_the_prevention_share_and_exclusive_options_bind(southampton, commissioner):
    round_ = _round(southampton, commissioner, budget=Decimal("400100"), min_prevention_share=Decimal("50"))
    p = _option(round_, commissioner, title="Prevention", amount=Decimal("200000"), is_prevention=True)
    q = _option(round_, commissioner, title="Treatment", amount=Decimal("200000"))
    x = _option(
        round_,
        commissioner,
        title="Either",
        amount=Decimal("100"),
        exclusive_group="pair",
        is_prevention=True,
    )
    y = _option(
        round_, commissioner, title="Or", amount=Decimal("100"), exclusive_group="pair", is_prevention=True
    )
    services.add_panel_member(actor=commissioner, round_=round_, user=commissioner, role="chair")
    services.open_scoring(actor=commissioner, round_=round_)
    services.submit_scores(
        actor=commissioner, round_=round_, entries=_grid(round_, (p, q, x, y), {p: 1, q: 5, x: 2, y: 3})
    )
    run = services.run_optimiser(actor=commissioner, round_=round_)
    # The low-scoring prevention option is in: without it the prevention share falls below half.
    assert set(run.chosen.all()) == {p, q, y}
    assert "exclusive group as 'Or'" in run.explanations[str(x.pk)]
    assert run.prevention_share == Decimal("0.5001")


def test_portfolio_weighted_benefit_takes_the_rounds_scale():
    options = [portfolio.Option("a", "A", Decimal(10), 1, False)]
    criteria = [portfolio.Criterion("k", "K", Decimal(100))]
    assert portfolio.weighted_benefit(
        options, criteria, [portfolio.Score("a", "s", "k", 9)], scale=(0, 10)
    ) == {"a": Decimal("9.0000")}
    with pytest.raises(portfolio.PortfolioError, match="outside the scale of 0 to 5"):
        portfolio.weighted_benefit(options, criteria, [portfolio.Score("a", "s", "k", 9)])


def test_rounds_and_their_parts_are_kept_apart(southampton, nottinghamshire, commissioner):
    round_ = _round(southampton, commissioner)
    option = _option(round_, commissioner)
    with pytest.raises(PriorityRound.DoesNotExist):
        selectors.round_in(nottinghamshire, round_.pk)
    with pytest.raises(RoundOption.DoesNotExist):
        selectors.option_in(nottinghamshire, round_.pk, option.pk)
    assert RoundCriterion.objects.filter(round=round_).count() == 4
