"""Priority setting: weighted benefit from a panel's scores, the optimiser, its explanations and
sensitivity to the weights, checked against hand sums and against every subset of small rounds."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissioning.strategy.portfolio import (
    DEFAULT_CRITERIA,
    EXPLAIN_UP_TO,
    SCALE,
    Criterion,
    Limit,
    Option,
    PortfolioError,
    Score,
    optimise,
    sensitivity,
    shifted_weights,
    spending_limit,
    weighted_benefit,
)

D = Decimal


def option(key, cost, *, prevention=False, must=False, group=None, care="", partner="", people=100):
    return Option(
        key=key,
        title=key.replace("-", " ").capitalize(),
        cost=D(cost),
        people=people,
        is_prevention=prevention,
        must_do=must,
        exclusive_group=group,
        care_group=care,
        partner=partner,
    )


def every_score(option_key, scorer, marks, criteria=DEFAULT_CRITERIA):
    return [Score(option_key, scorer, c.key, m) for c, m in zip(criteria, marks, strict=True)]


# Criteria and weighted benefit ------------------------------------------------------------------


def test_default_criteria_are_the_partnerships_four_weighing_100():
    assert [c.label for c in DEFAULT_CRITERIA] == [
        "Scale",
        "Transformational change",
        "Value for money",
        "Strategic fit",
    ]
    assert sum(c.weight for c in DEFAULT_CRITERIA) == 100
    assert SCALE == (0, 5)


def test_weighted_benefit_is_the_mean_of_scorers_times_the_weight():
    criteria = [
        Criterion("scale", "Scale", D(40)),
        Criterion("vfm", "Value for money", D(35)),
        Criterion("fit", "Strategic fit", D(25)),
    ]
    options = [option("falls", 100_000), option("close-centre", -50_000)]
    scores = [
        *every_score("falls", "Ann", [4, 3, 5], criteria),
        *every_score("falls", "Bob", [2, 3, 4], criteria),
        *every_score("close-centre", "Ann", [1, 2, 2], criteria),
        # Bob declared an interest in the day centre and did not score it.
    ]
    benefits = weighted_benefit(options, criteria, scores)
    # falls: means 3, 3, 4.5 → 3 × 0.40 + 3 × 0.35 + 4.5 × 0.25 = 3.375
    assert benefits["falls"] == D("3.3750")
    # the disinvestment gives up the benefit of the service it stops: 0.4 + 0.7 + 0.5 = 1.6
    assert benefits["close-centre"] == D("-1.6000")
    assert all(isinstance(value, Decimal) for value in benefits.values())


def test_weighted_benefit_rounds_to_four_places():
    options = [option("a", 1000)]
    scores = [*every_score("a", "Ann", [1, 1, 1, 1]), *every_score("a", "Bob", [1, 1, 1, 1])]
    scores += every_score("a", "Cat", [2, 1, 1, 1])
    # scale mean 4/3 × 0.25 = 0.3333…, the rest 0.75: 1.0833…
    assert weighted_benefit(options, DEFAULT_CRITERIA, scores)["a"] == D("1.0833")


def test_weights_not_adding_to_100_are_refused_with_each_weight_listed():
    criteria = [Criterion("scale", "Scale", D(50)), Criterion("fit", "Strategic fit", D(45))]
    with pytest.raises(PortfolioError) as raised:
        weighted_benefit([option("a", 10)], criteria, every_score("a", "Ann", [3, 3], criteria))
    assert raised.value.messages == ["The weights add up to 95%, not 100%: Scale 50%, Strategic fit 45%."]


def test_weights_within_a_hundredth_of_100_are_accepted():
    criteria = [
        Criterion("a", "A", D("33.33")),
        Criterion("b", "B", D("33.33")),
        Criterion("c", "C", D("33.33")),
    ]
    benefits = weighted_benefit([option("x", 10)], criteria, every_score("x", "Ann", [3, 3, 3], criteria))
    assert benefits["x"] == D("2.9997")


def test_negative_and_float_weights_are_refused():
    criteria = [Criterion("a", "Scale", D(110)), Criterion("b", "Fit", D(-10)), Criterion("c", "Reach", 0.0)]
    with pytest.raises(PortfolioError) as raised:
        weighted_benefit([], criteria, [])
    assert "The weight of 'Fit' is below zero (-10%)." in raised.value.messages
    assert "The weight of 'Reach' must be a Decimal, not a float." in raised.value.messages


def test_bad_scores_are_all_reported_naming_option_scorer_and_criterion():
    options = [option("falls", 1000), option("carers", 2000), option("unscored", 10)]
    scores = [
        *every_score("falls", "Ann", [7, 3, 3, 3]),
        *every_score("carers", "Bob", [3, D("2.5"), 3, 3]),
        Score("nowhere", "Cat", "scale", 3),
        Score("falls", "Cat", "colour", 3),
        *every_score("carers", "Ann", [1, 1, 1, 1]),
        Score("carers", "Ann", "scale", 2),
        Score("falls", "Dev", "scale", 4),
    ]
    with pytest.raises(PortfolioError) as raised:
        weighted_benefit(options, DEFAULT_CRITERIA, scores)
    assert raised.value.messages == [
        "Ann's score of 7 for option 'Falls' on 'Scale' is outside the scale of 0 to 5.",
        "Bob's score of 2.5 for option 'Carers' on 'Transformational change' is not a whole number.",
        "Cat scored an unknown option 'nowhere'.",
        "Cat scored option 'Falls' on an unknown criterion 'colour'.",
        "Ann scored option 'Carers' on 'Scale' more than once.",
        "Dev scored option 'Falls' but not on: Transformational change, Value for money, Strategic fit.",
        "Option 'Unscored' has no scores.",
    ]


def test_scores_at_both_ends_of_the_scale_and_as_whole_decimals_are_accepted():
    options = [option("a", 10)]
    scores = every_score("a", "Ann", [0, 5, D("3"), D("4.0")])
    assert weighted_benefit(options, DEFAULT_CRITERIA, scores)["a"] == D("3.0000")


# The optimiser on hand-checked rounds -----------------------------------------------------------


def test_budget_binds_and_the_best_affordable_pair_is_chosen():
    options = [option("a", 60_000), option("b", 50_000), option("c", 45_000)]
    benefits = {"a": D(5), "b": D(3), "c": D("2.5")}
    result = optimise(options, benefits, budget=D(100_000))
    # a + b and a + c break the budget; b + c (£95,000, 5.5 points) beats a alone (5 points).
    assert result.chosen == ("b", "c")
    assert result.total_benefit == D("5.5")
    assert result.total_cost == D(95_000)
    assert result.budget_left == D(5_000)
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert result.explanations["a"].startswith(
        "Out: it would take the total to £155,000, £55,000 over the budget of £100,000."
    )
    assert "The best portfolio with it gives 5.00 points, 0.50 fewer" in result.explanations["a"]
    assert result.explanations["b"] == (
        "In: 3.00 points of benefit for £50,000 reaching 100 people, 0.60 points per £10k. "
        "Without it the best portfolio gives 5.00 points, 0.50 fewer."
    )


def test_money_is_decimal_to_the_penny_and_the_budget_may_be_met_exactly():
    options = [option("a", D("33333.33")), option("b", D("66666.67")), option("c", D("0.01"))]
    benefits = {"a": D("1.9"), "b": D(2), "c": D("0.5")}
    exact = optimise(options, benefits, budget=D("100000.00"))
    assert exact.chosen == ("a", "b")
    assert exact.total_cost == D("100000.00")
    assert exact.budget_left == D("0.00")
    assert all(isinstance(v, Decimal) for v in (exact.total_cost, exact.invested, exact.released))
    short = optimise(options, benefits, budget=D("99999.99"))
    assert set(short.chosen) == {"b", "c"}
    assert short.total_cost == D("66666.68")
    assert "£100,000.01, £0.02 over the budget of £99,999.99" in short.explanations["a"]


def test_must_do_options_are_in_whatever_their_score():
    options = [option("duty", 80_000, must=True), option("good", 50_000), option("better", 40_000)]
    benefits = {"duty": D("0.5"), "good": D(4), "better": D(3)}
    result = optimise(options, benefits, budget=D(130_000))
    assert result.chosen == ("duty", "good")
    assert result.explanations["duty"].startswith("In: a must-do option, included whatever its score")
    rest = [o for o in options if o.key != "duty"]
    free = optimise(rest, {o.key: benefits[o.key] for o in rest}, budget=D(130_000))
    assert free.chosen == ("good", "better")


def test_one_option_per_exclusive_group_and_the_explanation_names_the_other():
    options = [
        option("hub", 60_000, group="carers"),
        option("breaks", 30_000, group="carers"),
        option("falls", 30_000),
    ]
    benefits = {"hub": D(4), "breaks": D(3), "falls": D(1)}
    result = optimise(options, benefits, budget=D(200_000))
    assert result.chosen == ("hub", "falls")
    assert result.explanations["breaks"].startswith(
        "Out: it is in the same exclusive group as 'Hub', which gives more benefit "
        "(4.00 points against 3.00)."
    )
    assert (
        "The best portfolio with it gives 4.00 points, 1.00 fewer, leaving out 'Hub'."
        in result.explanations["breaks"]
    )


def test_a_group_mate_with_less_benefit_is_explained_by_what_swapping_would_break():
    options = [
        option("hub", 60_000, group="carers"),
        option("breaks", 30_000, group="carers"),
        option("x", 70_000),
    ]
    benefits = {"hub": D(4), "breaks": D(3), "x": D(5)}
    result = optimise(options, benefits, budget=D(100_000))
    assert result.chosen == ("breaks", "x")
    assert result.explanations["hub"].startswith(
        "Out: it would take the total to £160,000, £60,000 over the budget of £100,000; it is in the same "
        "exclusive group as 'Breaks', which gives less benefit (3.00 points against 4.00), but swapping them "
        "would take the total to £130,000, £30,000 over the budget of £100,000."
    )


def test_disinvestments_release_money_that_funds_better_investments():
    options = [
        option("reablement", 150_000),
        option("close-day-centre", -60_000),
        option("cut-transport", -20_000),
    ]
    benefits = {"reablement": D("4.5"), "close-day-centre": D(-1), "cut-transport": D(-2)}
    result = optimise(options, benefits, budget=D(100_000))
    assert result.chosen == ("reablement", "close-day-centre")
    assert result.total_cost == D(90_000)
    assert result.invested == D(150_000)
    assert result.released == D(60_000)
    assert result.total_benefit == D("3.5")
    assert result.explanations["close-day-centre"] == (
        "In: a disinvestment releasing £60,000 for other options, giving up 1.00 points of benefit. "
        "Without it the best portfolio gives 0.00 points, 3.50 fewer."
    )
    assert result.explanations["cut-transport"].startswith(
        "Out: it would give up 2.00 points of benefit, releasing £20,000, and nothing the money could buy "
        "makes up for that."
    )


def test_a_negative_budget_is_a_savings_target():
    options = [option("a", -50_000), option("b", -30_000), option("c", 20_000)]
    benefits = {"a": D(-3), "b": D(-3), "c": D(2)}
    result = optimise(options, benefits, budget=D(-40_000))
    # a, b and c save £60,000 for -4 points; a alone saves £50,000 for -3.
    assert result.chosen == ("a",)
    assert result.total_cost == D(-50_000)
    assert result.budget_left == D(10_000)
    assert result.explanations["c"].startswith(
        "Out: it would take the total to -£30,000, £10,000 over the budget of -£40,000."
    )


def test_prevention_share_binds_and_is_explained():
    options = [option("beds", 80_000), option("falls", 40_000, prevention=True), option("clinic", 40_000)]
    benefits = {"beds": D(5), "falls": D(2), "clinic": D(3)}
    assert optimise(options, benefits, budget=D(120_000)).chosen == ("beds", "clinic")
    result = optimise(options, benefits, budget=D(120_000), min_prevention_share=D("0.3"))
    assert result.chosen == ("beds", "falls")
    assert result.prevention_share == D("0.3333")
    assert result.explanations["clinic"].startswith(
        "Out: it would take the total to £160,000, £40,000 over the budget of £120,000; "
        "it would lower the prevention share to 25%, below the minimum of 30%."
    )


def test_spending_caps_bind():
    options = [
        option("a", 50_000, care="Older people"),
        option("b", 40_000, care="Older people"),
        option("c", 30_000, care="Mental health"),
    ]
    benefits = {"a": D(5), "b": D(4), "c": D(1)}
    cap = spending_limit("Older people net spending", options, care_group="Older people", at_most=D(60_000))
    assert cap.coefficients == {"a": D(50_000), "b": D(40_000)}
    result = optimise(options, benefits, budget=D(200_000), extra=[cap])
    assert result.chosen == ("a", "c")
    assert result.explanations["b"].startswith(
        "Out: it would break 'Older people net spending': £90,000 against at most £60,000."
    )


def test_count_limits_need_not_be_money():
    options = [option("a", 10), option("b", 10), option("c", 10, partner="ICB")]
    benefits = {"a": D(5), "b": D(4), "c": D(1)}
    rule = Limit("At least one ICB option", {"c": 1}, at_least=1, money=False)
    result = optimise(options, benefits, budget=D(20), extra=[rule])
    assert result.chosen == ("a", "c")


# Impossible rounds and bad input ----------------------------------------------------------------


def test_must_do_options_beyond_the_budget_say_so_with_the_sums():
    options = [option("duty", 150_000, must=True), option("close", -20_000), option("x", 10_000)]
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"duty": D(1), "close": D(-1), "x": D(1)}, budget=D(100_000))
    assert raised.value.messages == [
        "No portfolio keeps every rule:",
        "The cheapest portfolio that keeps the other rules costs £130,000, over the budget of £100,000 "
        "(the must-do options alone cost £150,000).",
        "The must-do options cannot all be included under the other rules.",
    ]


def test_two_must_dos_in_one_exclusive_group_are_named():
    options = [option("a", 10, must=True, group="g"), option("b", 10, must=True, group="g")]
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"a": D(1), "b": D(1)}, budget=D(100))
    assert raised.value.messages == [
        "No portfolio keeps every rule:",
        "The must-do options 'A' and 'B' are in the same exclusive group 'g', so they cannot all be chosen.",
    ]


def test_an_unreachable_prevention_share_is_named():
    options = [option("duty", 100, must=True), option("falls", 20, prevention=True)]
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"duty": D(1), "falls": D(1)}, budget=D(1000), min_prevention_share=D("0.5"))
    assert (
        "No portfolio that keeps the other rules reaches the minimum prevention share of 50%."
        in raised.value.messages
    )


def test_an_unmeetable_limit_is_named():
    options = [option("a", 100), option("b", 100)]
    rule = Limit("At least three schemes", {"a": 1, "b": 1}, at_least=3, money=False)
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"a": D(1), "b": D(1)}, budget=D(1000), extra=[rule])
    assert raised.value.messages == [
        "No portfolio keeps every rule:",
        "No portfolio meets the rule 'At least three schemes' and the other rules together.",
    ]


def test_each_rule_whose_lifting_would_help_is_named():
    options = [option("duty", 100, must=True), option("falls", 100, prevention=True)]
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"duty": D(1), "falls": D(1)}, budget=D(150), min_prevention_share=D("0.5"))
    assert raised.value.messages[1:] == [
        "The cheapest portfolio that keeps the other rules costs £200, over the budget of £150 "
        "(the must-do options alone cost £100).",
        "No portfolio that keeps the other rules reaches the minimum prevention share of 50%.",
        "The must-do options cannot all be included under the other rules.",
    ]


def test_rules_that_fail_only_together_say_so():
    options = [option("a", 100), option("b", 100)]
    rules = [
        Limit("Cap", {"a": D(100), "b": D(100)}, at_most=D(100)),
        Limit("Both schemes", {"a": 1, "b": 1}, at_least=2, money=False),
        Limit("Both again", {"a": 1, "b": 1}, at_least=2, money=False),
    ]
    with pytest.raises(PortfolioError) as raised:
        optimise(options, {"a": D(1), "b": D(1)}, budget=D(100), extra=rules)
    assert raised.value.messages == [
        "No portfolio keeps every rule:",
        "No single rule is to blame: the budget, 'Cap', 'Both schemes' and 'Both again' cannot all be kept "
        "together.",
    ]


def test_bad_input_is_reported_in_full():
    options = [
        option("a", 10),
        Option("a", "Again", 0.5, 1, False),  # type: ignore[arg-type]
        option("pence", D("1.005")),
        option("unpriced", 10),
    ]
    limits = [Limit("Nothing", {"ghost": D(1)}), Limit("Backwards", {"a": D(1)}, at_most=D(1), at_least=D(2))]
    with pytest.raises(PortfolioError) as raised:
        optimise(
            options,
            {"a": D(1), "pence": D(1), "ghost": D(1)},
            budget=1000.0,  # type: ignore[arg-type]
            min_prevention_share=D("1.5"),
            extra=limits,
        )
    assert raised.value.messages == [
        "Option key 'a' is used by more than one option.",
        "The cost of option 'Again' must be a Decimal, not a float.",
        "The cost of option 'Pence' must be pounds and pence, not 1.005.",
        "Option 'Unpriced' has no benefit.",
        "There is a benefit for an unknown option 'ghost'.",
        "The budget must be a Decimal, not a float.",
        "The minimum prevention share must be a Decimal from 0 to 1, not 1.5.",
        "The rule 'Nothing' names an unknown option 'ghost'.",
        "The rule 'Nothing' has neither an upper nor a lower bound.",
        "The rule 'Backwards' asks for at least 2 but at most 1.",
    ]
    assert isinstance(raised.value, ValueError)


# Explanations -----------------------------------------------------------------------------------


def test_large_rounds_explain_without_re_solving_unless_asked():
    size = EXPLAIN_UP_TO + 1
    options = [option(f"o{i}", 1000 + i) for i in range(size)]
    benefits = {o.key: D(i % 7) for i, o in enumerate(options)}
    quick = optimise(options, benefits, budget=D(20_000))
    assert len(quick.explanations) == size
    assert not any("best portfolio" in text for text in quick.explanations.values())
    small = optimise(
        options[:5], {o.key: benefits[o.key] for o in options[:5]}, budget=D(2_000), explain=False
    )
    assert not any("best portfolio" in text for text in small.explanations.values())


def test_an_option_below_every_chosen_rate_says_so():
    options = [option("a", 10_000), option("b", 10_000), option("c", 10_000)]
    result = optimise(options, {"a": D(3), "b": D(2), "c": D(1)}, budget=D(20_000))
    assert (
        "Its 1.00 points per £10k are below those of every option chosen (the lowest is 2.00)."
        in (result.explanations["c"])
    )


# Against every subset ---------------------------------------------------------------------------

MONEY = re.compile(r"-?£[\d,]+(?:\.\d{2})?")
POINTS = r"(-?[\d,]+\.\d{2}|under 0\.01)"


def pounds(text):
    negative = text.startswith("-")
    value = D(text.lstrip("-£").replace(",", ""))
    return -value if negative else value


def feasible(subset, options, budget, share, limits):
    chosen = [o for o, x in zip(options, subset, strict=True) if x]
    if any(o.must_do and not x for o, x in zip(options, subset, strict=True)):
        return False
    if sum((o.cost for o in chosen), D(0)) > budget:
        return False
    groups = [o.exclusive_group for o in chosen if o.exclusive_group]
    if len(groups) != len(set(groups)):
        return False
    if share is not None:
        invested = sum((o.cost for o in chosen if o.cost > 0), D(0))
        prevention = sum((o.cost for o in chosen if o.cost > 0 and o.is_prevention), D(0))
        if prevention < share * invested:
            return False
    for limit in limits:
        value = sum((D(limit.coefficients.get(o.key, 0)) for o in chosen), D(0))
        if limit.at_most is not None and value > limit.at_most:
            return False
        if limit.at_least is not None and value < limit.at_least:
            return False
    return True


@st.composite
def rounds(draw):
    size = draw(st.integers(1, 9))
    options, benefits = [], {}
    for i in range(size):
        disinvestment = draw(st.integers(0, 4)) == 0
        cost = D(draw(st.integers(1_000_00, 60_000_00))) / 100
        key = f"o{i}"
        options.append(
            option(
                key,
                -cost if disinvestment else cost,
                prevention=not disinvestment and draw(st.booleans()),
                must=draw(st.integers(0, 7)) == 0,
                group=draw(st.sampled_from([None, None, "g1", "g2"])),
                care=draw(st.sampled_from(["older", "mental"])),
            )
        )
        benefit = D(draw(st.integers(0, 500))) / 100
        benefits[key] = -benefit if disinvestment else benefit
    budget = D(draw(st.integers(-20, 150))) * 1000
    share = draw(st.sampled_from([None, D("0.25"), D("0.5")]))
    limits = []
    if draw(st.booleans()):
        cap = D(draw(st.integers(0, 100))) * 1000
        limits.append(spending_limit("Older people cap", options, care_group="older", at_most=cap))
    return options, benefits, budget, share, limits


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_optimum_and_explanations_agree_with_every_subset(round_):
    options, benefits, budget, share, limits = round_
    table = []
    for subset in itertools.product((0, 1), repeat=len(options)):
        if feasible(subset, options, budget, share, limits):
            benefit = sum((benefits[o.key] for o, x in zip(options, subset, strict=True) if x), D(0))
            table.append((subset, benefit))
    if not table:
        with pytest.raises(PortfolioError) as raised:
            optimise(options, benefits, budget=budget, min_prevention_share=share, extra=limits)
        assert raised.value.messages[0] == "No portfolio keeps every rule:"
        assert len(raised.value.messages) > 1
        return
    best = max(benefit for _, benefit in table)
    result = optimise(options, benefits, budget=budget, min_prevention_share=share, extra=limits)
    chosen = tuple(int(o.key in result.chosen) for o in options)
    assert feasible(chosen, options, budget, share, limits)
    assert result.total_benefit == best
    assert result.total_cost == sum((o.cost for o in options if o.key in result.chosen), D(0))
    assert result.gap == 0.0

    for position, item in enumerate(options):
        text = result.explanations[item.key]
        inside = [benefit for subset, benefit in table if subset[position]]
        outside = [benefit for subset, benefit in table if not subset[position]]
        if item.key in result.chosen:
            assert text.startswith("In: ")
            if item.must_do:
                assert text.startswith("In: a must-do option")
            else:
                check_counterfactual(text, "Without it", "Without it the best portfolio", outside, best)
        else:
            assert text.startswith("Out: ")
            if "must be done" in text:
                assert not inside
            else:
                check_counterfactual(text, "No portfolio with it", "The best portfolio with it", inside, best)
            if text.startswith("Out: it would take the total to"):
                total = MONEY.search(text)
                assert total
                assert pounds(total.group()) == result.total_cost + item.cost > budget


def check_counterfactual(text, impossible, possible, alternatives, best):
    """What the explanation says the best portfolio with (or without) the option gives is so."""
    if not alternatives:
        assert (
            f"{impossible} no portfolio keeps every rule" in text or f"{impossible} keeps every rule" in text
        )
        return
    other = max(alternatives)
    if other == best:
        assert "(a tie)" in text, text
        return
    match = re.search(rf"{possible} gives {POINTS} points, {POINTS} fewer", text)
    assert match, text
    assert match.group(1).replace(",", "") == f"{other:.2f}"
    if match.group(2) != "under 0.01":
        assert match.group(2).replace(",", "") == f"{best - other:.2f}"


# Sensitivity ------------------------------------------------------------------------------------


def test_shifted_weights_rescale_the_others_and_still_add_to_100():
    weights = shifted_weights(DEFAULT_CRITERIA, "scale", 10)
    # 25 × 65 ÷ 75 = 21.666…: three of 21.67 make 100.01, so the first gives back the penny.
    assert weights == {
        "scale": D(35),
        "transformational_change": D("21.66"),
        "value_for_money": D("21.67"),
        "strategic_fit": D("21.67"),
    }
    assert sum(weights.values()) == 100
    uneven = [Criterion("a", "A", D(60)), Criterion("b", "B", D(30)), Criterion("c", "C", D(10))]
    assert shifted_weights(uneven, "a", -20) == {"a": D(40), "b": D(45), "c": D(15)}
    assert shifted_weights(uneven, "c", -20)["c"] == 0


def test_sensitivity_shows_which_options_enter_and_leave():
    options = [option("big", 100_000), option("lean", 100_000)]
    scores = [
        *every_score("big", "Ann", [5, 3, 1, 3]),  # 3.00
        *every_score("lean", "Ann", [1, 3, 4, 3]),  # 2.75
    ]
    table = sensitivity(options, DEFAULT_CRITERIA, scores, budget=D(100_000), step=10)
    assert table.baseline.chosen == ("big",)
    assert len(table.rows) == 2 * len(DEFAULT_CRITERIA)
    rows = {(row.criterion, row.change): row for row in table.rows}
    # Value for money 35, scale 21.66, the others 21.67: big 2.7332, lean 0.2166 + 0.6501 + 1.4
    # + 0.6501 = 2.9168.
    flipped = rows[("value_for_money", 10)]
    assert (flipped.entering, flipped.leaving) == (("lean",), ("big",))
    assert flipped.changed
    assert flipped.weights == {
        "scale": D("21.66"),
        "transformational_change": D("21.67"),
        "value_for_money": D(35),
        "strategic_fit": D("21.67"),
    }
    assert flipped.total_benefit == D("2.9168")
    # Scale 15, the others 28.33 (the first 28.34): big 2.7334, lean 2.9833.
    assert rows[("scale", -10)].entering == ("lean",)
    assert not rows[("scale", 10)].changed
    assert not rows[("strategic_fit", 10)].changed
    assert not table.stable


def test_sensitivity_notes_a_weight_that_cannot_move():
    criteria = [Criterion("a", "A", D(100)), Criterion("b", "B", D(0))]
    options = [option("x", 10)]
    table = sensitivity(options, criteria, every_score("x", "Ann", [3, 3], criteria), budget=D(10))
    rows = {(row.criterion, row.change): row for row in table.rows}
    assert rows[("a", 10)].note == "the weight is already 100%"
    assert rows[("b", -10)].note == "the weight is already 0%"
    assert rows[("a", -10)].weights == {"a": D(90), "b": D(10)}
    assert table.stable


def test_sensitivity_refuses_a_step_out_of_range():
    with pytest.raises(PortfolioError, match="between 0 and 100"):
        sensitivity([], DEFAULT_CRITERIA, [], budget=D(0), step=0)
