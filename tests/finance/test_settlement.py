"""Settlement arithmetic: every split reconciles to the penny, under every rule, over- and underspent."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.finance.settlement import FULL_SHARE, RULES, allocate, settle, shares_bp

D = Decimal
AWKWARD = {"council": D("1000000.00"), "ccg": D("2000000.01"), "trust": D("333.33")}
BUDGET = D("3000333.34")
FIXED = {"council": 5_000, "ccg": 3_000, "trust": 2_000}


def _reconciles(result):
    assert sum(p.share_of_variance for p in result.partners) == result.variance
    assert sum(p.spend_attributed for p in result.partners) == result.outturn
    assert sum(p.contribution for p in result.partners) == result.budget
    assert result.variance == result.outturn - result.budget
    host = [p for p in result.partners if p.is_host]
    assert len(host) == 1 and host[0].transfer == 0
    for partner in result.partners:
        assert partner.spend_attributed == partner.contribution + partner.share_of_variance
        assert partner.share_of_variance.as_tuple().exponent == -2
        if not partner.is_host:
            assert partner.transfer == partner.share_of_variance
    # What moves at year end plus what the host bears is the whole variance.
    assert sum(p.transfer for p in result.partners) + result.host.share_of_variance == result.variance


def _shares(result):
    return {p.organisation: p.share_of_variance for p in result.partners}


# --- allocate and shares_bp --------------------------------------------------------------------


def test_a_hundred_pounds_three_ways_gives_the_odd_penny_to_the_first():
    assert allocate(D("100.00"), {"a": 1, "b": 1, "c": 1}) == {
        "a": D("33.34"),
        "b": D("33.33"),
        "c": D("33.33"),
    }
    assert allocate(D("100.00"), {"c": 1, "b": 1, "a": 1}) == {
        "c": D("33.34"),
        "b": D("33.33"),
        "a": D("33.33"),
    }


def test_a_negative_total_is_the_mirror_image():
    assert allocate(D("-100.00"), {"a": 1, "b": 1, "c": 1}) == {
        "a": D("-33.34"),
        "b": D("-33.33"),
        "c": D("-33.33"),
    }


def test_largest_remainder_not_first_key_wins_when_remainders_differ():
    # Exact: 0.02 * 2/3 = 0.01333 and 0.02 * 1/3 = 0.00667: the larger remainder takes the penny.
    assert allocate(D("0.02"), {"small": 1, "large": 2}) == {"small": D("0.01"), "large": D("0.01")}
    assert allocate(D("0.01"), {"small": 1, "large": 2}) == {"small": D("0.00"), "large": D("0.01")}


def test_allocate_refuses_what_it_cannot_split_exactly():
    with pytest.raises(TypeError, match="float"):
        allocate(100.0, {"a": 1})
    with pytest.raises(ValueError, match="fractions of a penny"):
        allocate(D("1.005"), {"a": 1})
    with pytest.raises(ValueError, match="every weight is zero"):
        allocate(D("1.00"), {"a": 0, "b": 0})
    with pytest.raises(ValueError, match="negative"):
        allocate(D("1.00"), {"a": -1, "b": 2})
    assert allocate(D("0.00"), {"a": 0, "b": 0}) == {"a": D("0.00"), "b": D("0.00")}


def test_shares_bp_add_to_ten_thousand_for_awkward_amounts():
    shares = shares_bp(AWKWARD)
    assert shares == {"council": 3333, "ccg": 6666, "trust": 1}
    assert sum(shares.values()) == FULL_SHARE
    thirds = shares_bp({"a": D("333.33"), "b": D("333.33"), "c": D("333.33")})
    assert thirds == {"a": 3334, "b": 3333, "c": 3333}
    sevenths = shares_bp({name: D("0.01") for name in "abcdefg"})
    assert sum(sevenths.values()) == FULL_SHARE and set(sevenths.values()) == {1428, 1429}
    assert shares_bp({"only": D("5.00"), "none": D("0")}) == {"only": FULL_SHARE, "none": 0}


money = st.integers(min_value=-(10**13), max_value=10**13).map(lambda pence: D(pence) / 100)
weights = st.dictionaries(
    st.text(min_size=1, max_size=4),
    st.one_of(
        st.integers(min_value=0, max_value=10**12),
        st.integers(min_value=0, max_value=10**12).map(lambda pence: D(pence) / 100),
    ),
    min_size=1,
    max_size=8,
).filter(lambda found: sum(found.values()) > 0)


@given(total=money, weights=weights)
def test_allocate_always_sums_exactly_and_each_part_is_within_a_penny(total, weights):
    parts = allocate(total, weights)
    assert list(parts) == list(weights)
    assert sum(parts.values()) == total
    whole = sum(Fraction(w) for w in weights.values())
    for key, part in parts.items():
        exact = Fraction(total) * Fraction(weights[key]) / whole
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        assert part == part.quantize(D("0.01"))


@given(amounts=weights)
def test_shares_bp_always_add_to_ten_thousand(amounts):
    shares = shares_bp(amounts)
    assert sum(shares.values()) == FULL_SHARE
    whole = sum(Fraction(a) for a in amounts.values())
    for key, share in shares.items():
        assert abs(share - FULL_SHARE * Fraction(amounts[key]) / whole) < 1


# --- settle --------------------------------------------------------------------------------------


@pytest.mark.parametrize("variance", [D("100.00"), D("-100.00"), D("12345.67"), D("-0.01")])
@pytest.mark.parametrize("rule", RULES)
def test_every_rule_reconciles_to_the_penny_over_and_under(rule, variance):
    result = settle(
        rule=rule,
        host="council",
        contributions=AWKWARD,
        outturn=BUDGET + variance,
        fixed_shares_bp=FIXED if rule == "fixed" else None,
        caps={"ccg": D("30.00")} if rule == "capped" else None,
    )
    assert result.rule == rule
    assert result.budget == BUDGET
    assert result.variance == variance
    _reconciles(result)


def test_proportional_splits_by_contributions():
    over = settle(rule="proportional", host="council", contributions=AWKWARD, outturn=BUDGET + D("100.00"))
    assert _shares(over) == {"council": D("33.33"), "ccg": D("66.66"), "trust": D("0.01")}
    assert over.partner("ccg").transfer == D("66.66")  # the CCG pays the host its share of the overspend
    under = settle(rule="proportional", host="council", contributions=AWKWARD, outturn=BUDGET - D("100.00"))
    assert _shares(under) == {"council": D("-33.33"), "ccg": D("-66.66"), "trust": D("-0.01")}
    assert under.partner("ccg").transfer == D("-66.66")  # the host pays the CCG back its share


def test_equal_contributions_share_a_hundred_pounds_33_34_33_33_33_33():
    equal = {"council": D("333.33"), "ccg": D("333.33"), "trust": D("333.33")}
    result = settle(rule="proportional", host="council", contributions=equal, outturn=D("1099.99"))
    assert _shares(result) == {"council": D("33.34"), "ccg": D("33.33"), "trust": D("33.33")}
    assert [p.transfer for p in result.partners] == [D("0.00"), D("33.33"), D("33.33")]
    _reconciles(result)


def test_host_carries_all_of_it():
    for variance in (D("100.00"), D("-250000.00")):
        result = settle(rule="host", host="ccg", contributions=AWKWARD, outturn=BUDGET + variance)
        assert _shares(result) == {"council": D("0.00"), "ccg": variance, "trust": D("0.00")}
        assert all(p.transfer == 0 for p in result.partners)
        _reconciles(result)


def test_fixed_shares():
    result = settle(
        rule="fixed",
        host="council",
        contributions=AWKWARD,
        outturn=BUDGET + D("100.00"),
        fixed_shares_bp={"council": 3334, "ccg": 3333, "trust": 3333},
    )
    assert _shares(result) == {"council": D("33.34"), "ccg": D("33.33"), "trust": D("33.33")}
    _reconciles(result)


@pytest.mark.parametrize(
    ("shares", "total"),
    [({"council": 5_000, "ccg": 4_750}, "97.50"), ({"council": 6_000, "ccg": 5_000}, "110.00")],
)
def test_fixed_shares_not_adding_to_100_percent_are_refused(shares, total):
    with pytest.raises(ValueError, match=rf"Fixed shares add to {total} %, not 100 %"):
        settle(rule="fixed", host="council", contributions=AWKWARD, outturn=BUDGET, fixed_shares_bp=shares)
    with pytest.raises(ValueError, match="needs each partner's fixed share"):
        settle(rule="fixed", host="council", contributions=AWKWARD, outturn=BUDGET)


def test_caps_bite_and_the_remainder_goes_to_the_host():
    contributions = {"council": D("600000.00"), "ccg": D("400000.00")}
    over = settle(
        rule="capped",
        host="council",
        contributions=contributions,
        outturn=D("1500000.00"),
        fixed_shares_bp={"council": 5_000, "ccg": 5_000},
        caps={"ccg": D("100000.00")},
    )
    # Half of £500,000 would be £250,000; the CCG's cap stops it at £100,000 and the host takes the rest.
    assert _shares(over) == {"council": D("400000.00"), "ccg": D("100000.00")}
    assert over.partner("ccg").transfer == D("100000.00")
    _reconciles(over)
    under = settle(
        rule="capped",
        host="council",
        contributions=contributions,
        outturn=D("500000.00"),
        fixed_shares_bp={"council": 5_000, "ccg": 5_000},
        caps={"ccg": D("100000.00")},
    )
    assert _shares(under) == {"council": D("-400000.00"), "ccg": D("-100000.00")}
    assert under.partner("ccg").transfer == D("-100000.00")
    _reconciles(under)


def test_caps_that_do_not_bite_leave_the_shares_alone_and_contributions_weigh_without_fixed_shares():
    result = settle(
        rule="capped",
        host="council",
        contributions={"council": D("600000.00"), "ccg": D("400000.00")},
        outturn=D("1010000.00"),
        caps={"ccg": D("100000.00"), "council": D("1.00")},  # the host's cap is ignored: it takes the rest
    )
    assert _shares(result) == {"council": D("6000.00"), "ccg": D("4000.00")}
    zero_cap = settle(
        rule="capped",
        host="council",
        contributions={"council": D("600000.00"), "ccg": D("400000.00")},
        outturn=D("990000.00"),
        caps={"ccg": D("0.00")},
    )
    assert _shares(zero_cap) == {"council": D("-10000.00"), "ccg": D("0.00")}
    assert str(zero_cap.partner("ccg").transfer) == "0.00"  # never a negative zero


def test_zero_variance_settles_to_nothing_under_every_rule():
    for rule in RULES:
        result = settle(
            rule=rule,
            host="council",
            contributions=AWKWARD,
            outturn=BUDGET,
            fixed_shares_bp=FIXED if rule == "fixed" else None,
        )
        assert result.variance == 0
        assert all(p.share_of_variance == 0 and p.transfer == 0 for p in result.partners)
        assert [p.spend_attributed for p in result.partners] == list(AWKWARD.values())


def test_a_host_that_contributed_nothing_still_settles():
    result = settle(rule="host", host="council", contributions={"ccg": D("1000.00")}, outturn=D("1100.00"))
    assert [(p.organisation, p.contribution, p.share_of_variance) for p in result.partners] == [
        ("ccg", D("1000.00"), D("0.00")),
        ("council", D("0.00"), D("100.00")),
    ]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="Unknown risk-share rule 'lottery'"):
        settle(rule="lottery", host="council", contributions=AWKWARD, outturn=BUDGET)
    with pytest.raises(TypeError, match="float"):
        settle(rule="host", host="council", contributions=AWKWARD, outturn=float(BUDGET))
    with pytest.raises(ValueError, match="cannot be negative"):
        settle(rule="host", host="council", contributions={"council": D("-1.00")}, outturn=BUDGET)
    with pytest.raises(ValueError, match="cannot be negative"):
        settle(rule="capped", host="council", contributions=AWKWARD, outturn=BUDGET, caps={"ccg": D("-1")})
    with pytest.raises(ValueError, match="No contributions"):
        settle(rule="proportional", host="council", contributions={"council": D("0")}, outturn=D("1.00"))


@given(
    contributions=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=5),
    variance=st.integers(min_value=-(10**11), max_value=10**11),
    rule=st.sampled_from(RULES),
    cap=st.one_of(st.none(), st.integers(min_value=0, max_value=10**10)),
)
def test_settlement_always_reconciles(contributions, variance, rule, cap):
    paid = {f"p{i}": D(pence) / 100 for i, pence in enumerate(contributions)}
    if sum(contributions) == 0:
        paid["p0"] = D("1.00")
    budget = sum(paid.values())
    fixed = shares_bp({key: 1 for key in paid}) if rule == "fixed" else None
    caps = {key: D(cap) / 100 for key in paid} if cap is not None and rule == "capped" else None
    result = settle(
        rule=rule,
        host="p0",
        contributions=paid,
        outturn=budget + D(variance) / 100,
        fixed_shares_bp=fixed,
        caps=caps,
    )
    _reconciles(result)
    if caps:
        for partner in result.partners:
            if not partner.is_host:
                assert abs(partner.share_of_variance) <= caps[partner.organisation]
