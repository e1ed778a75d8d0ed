"""The statement's arithmetic over plain data: quartiles to the penny, 52-week annualising, small
numbers hidden with their prices and spend (and one more where the total would give them away),
the quality mix, and what changed between two versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commissioning.strategy import market_position_figures as figures


def _group(service_type, prices, weekly=None):
    prices = tuple(Decimal(p) for p in prices)
    return figures.PlacementGroup(
        service_type=service_type,
        label=service_type.title(),
        unit="a week",
        unit_prices=prices,
        weekly_costs=tuple(Decimal(w) for w in weekly) if weekly else prices,
    )


def test_quartiles_interpolate_to_the_penny():
    low, mid, high = figures.quartiles([Decimal("100"), Decimal("200"), Decimal("300"), Decimal("401")])
    assert (low, mid, high) == (Decimal("175.00"), Decimal("250.00"), Decimal("325.25"))


def test_quartiles_need_a_price():
    with pytest.raises(ValueError, match="at least one price"):
        figures.quartiles([])


def test_weekly_cost_is_annualised_at_52_weeks():
    assert figures.annualise(Decimal("123.45")) == Decimal("6419.40")


def test_projected_people_are_rounded_to_the_nearest_ten():
    assert [figures.rounded_people(p) for p in (2764.9, 2765.1, 4.0)] == [2760, 2770, 0]


def test_small_counts_hide_their_prices_and_spend_and_one_more_row():
    groups = [
        _group("residential", ["700"] * 20),
        _group("nursing", ["900"] * 3),
        _group("home_care", ["25"] * 8),
    ]
    out = figures.placement_figures(groups, threshold=5)
    rows = {r["service_type"]: r for r in out["rows"]}
    # Nursing (3) is below the threshold; home care (8), the smallest other row, is hidden too so the
    # published total cannot give nursing away.
    assert rows["nursing"]["suppressed"] and rows["nursing"]["median"] is None
    assert rows["nursing"]["annual_spend"] is None and rows["nursing"]["placements"] is None
    assert rows["home_care"]["suppressed"] and rows["home_care"]["lower_quartile"] is None
    assert not rows["residential"]["suppressed"]
    assert rows["residential"]["placements"] == 20
    assert rows["residential"]["median"] == "700.00"
    assert rows["residential"]["annual_spend"] == "728000.00"
    assert out["total_placements"] == 31


def test_a_small_total_is_hidden_too():
    out = figures.placement_figures([_group("nursing", ["900"] * 2)], threshold=5)
    assert out["total_placements"] is None and out["total_annual_spend"] is None


def test_quality_mix_gives_whole_per_cent_shares():
    mix = figures.quality_mix(
        {"good": 7, "outstanding": 1, "inadequate": 2},
        [("outstanding", "Outstanding"), ("good", "Good"), ("inadequate", "Inadequate")],
    )
    assert mix["rated"] == 10
    assert [r["share"] for r in mix["rows"]] == [10, 70, 20]
    assert mix["good_or_better"] == 80


def test_quality_mix_with_nothing_rated():
    assert figures.quality_mix({}, [("good", "Good")])["good_or_better"] is None


def test_changes_name_commentary_intentions_and_figures():
    before = {
        "commentary": {"introduction": "Old words", "needs": "Same"},
        "intentions": [{"description": "Home care", "direction": "grow", "starts_on": "2027-04-01"}],
        "prices": [{"service_type": "home_care", "median": "24.00"}],
    }
    after = {
        "commentary": {"introduction": "New words", "needs": "Same", "quality": "Added"},
        "intentions": [
            {"description": "Home care", "direction": "maintain", "starts_on": "2027-04-01"},
            {"description": "Reablement", "direction": "grow", "starts_on": "2027-04-01"},
        ],
        "prices": [{"service_type": "home_care", "median": "25.10"}],
    }
    found = {(c.part, c.item): c for c in figures.changes(before, after)}
    assert found[("Commentary", "introduction")].kind == "changed"
    assert found[("Commentary", "quality")].kind == "added"
    assert ("Commentary", "needs") not in found
    assert found[("Intentions", "Reablement")].kind == "added"
    assert "maintain" in found[("Intentions", "Home care")].after
    price = found[("Figures", "prices: [home_care].median")]
    assert (price.before, price.after) == ("24.00", "25.10")


def test_no_change_means_no_changes():
    content = {"commentary": {"introduction": "x"}, "intentions": [], "quality": {"rated": 3}}
    assert figures.changes(content, dict(content)) == []
