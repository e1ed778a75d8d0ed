"""The services map's arithmetic, without the database: shares to the penny, gaps, duplication,
the prevention share and need against capacity."""

from __future__ import annotations

from decimal import Decimal

from commissioning.strategy import services_map_calc as calc
from commissioning.strategy.services_map_calc import MappedService, PriorityOutcome


def _service(pk, commissioner, *, groups=(1,), areas=(), outcomes=(10,), spend="0.00", prevention=False):
    return MappedService(
        id=pk,
        name=f"Service {pk}",
        commissioner_id=commissioner,
        care_group_ids=frozenset(groups),
        area_ids=frozenset(areas),
        outcome_ids=frozenset(outcomes),
        spend=Decimal(spend),
        is_prevention=prevention,
    )


def test_a_share_of_a_line_is_to_the_penny_rounding_half_up():
    assert calc.share_of(Decimal("100000.00"), 3333) == Decimal("33330.00")
    assert calc.share_of(Decimal("0.05"), 5000) == Decimal("0.03")
    assert calc.share_of(Decimal("309000.00"), 10_000) == Decimal("309000.00")


def test_basis_points_are_zero_without_a_whole():
    assert calc.bp(Decimal("1"), Decimal("3")) == 3333
    assert calc.bp(Decimal("5"), Decimal("0")) == 0


def test_a_priority_outcome_with_no_service_for_its_care_group_is_a_gap():
    wanted = [PriorityOutcome(priority_id=1, care_group_id=1, outcome_id=10)]
    other_group = _service(1, 100, groups=(2,), spend="900000.00")
    [gap] = calc.gaps(wanted, [other_group], little_spend=Decimal("50000"))
    assert gap.reason == calc.NO_SERVICE and gap.service_ids == () and gap.spend == Decimal("0.00")


def test_little_spend_is_a_gap_and_the_threshold_decides():
    wanted = [PriorityOutcome(1, 1, 10)]
    services = [_service(1, 100, spend="20000.00"), _service(2, 100, spend="25000.00")]
    [gap] = calc.gaps(wanted, services, little_spend=Decimal("50000"))
    assert gap.reason == calc.LITTLE_SPEND and gap.spend == Decimal("45000.00") and gap.service_ids == (1, 2)
    assert calc.gaps(wanted, services, little_spend=Decimal("45000")) == []


def test_different_commissioners_serving_one_outcome_group_and_area_are_duplicates():
    council = _service(1, 100, areas=(7,))
    icb = _service(2, 200, areas=(7, 8))
    council_again = _service(3, 100, areas=(8,))
    found = calc.duplicates([council, icb, council_again], all_areas=[7, 8])
    assert [(d.area_id, d.service_ids, d.commissioner_ids) for d in found] == [
        (7, (1, 2), (100, 200)),
        (8, (2, 3), (100, 200)),
    ]


def test_one_commissioners_services_are_not_duplicates_and_no_areas_means_everywhere():
    assert calc.duplicates([_service(1, 100), _service(2, 100)], all_areas=[7]) == []
    found = calc.duplicates([_service(1, 100), _service(2, 200, areas=(7,))], all_areas=[7, 8])
    assert [(d.area_id, d.service_ids) for d in found] == [(7, (1, 2))]


def test_prevention_share_of_mapped_spend_against_the_target():
    share = calc.prevention_share(
        [_service(1, 100, spend="300.00", prevention=True), _service(2, 100, spend="700.00")], 2500
    )
    assert (share.prevention, share.total, share.share_bp, share.on_target) == (
        Decimal("300.00"),
        Decimal("1000.00"),
        3000,
        True,
    )
    assert calc.prevention_share([], None).on_target is None


def test_need_against_capacity_shows_the_shortfall_each_year():
    years = calc.need_against_capacity(
        {2027: 1100.0, 2026: 1000.0}, calc.people_served(Decimal("10400"), Decimal("10"))
    )
    assert [(y.year, y.need, y.capacity, y.shortfall) for y in years] == [
        (2026, 1000.0, 1040.0, 0.0),
        (2027, 1100.0, 1040.0, 60.0),
    ]
    assert years[0].covered_bp == 10_000 and years[1].covered_bp == 9455
