"""The self-assessment's arithmetic, without the database: partly met counts half, scores in basis points
rounded half up, levels by score, and shares turned into answers."""

from __future__ import annotations

import pytest

from commissioning.strategy import maturity
from commissioning.strategy.maturity import MET, NOT_MET, PARTLY


def test_partly_met_counts_half_and_scores_round_half_up():
    assert maturity.score_bp([MET, MET]) == 10_000
    assert maturity.score_bp([MET, PARTLY]) == 7_500
    assert maturity.score_bp([PARTLY, NOT_MET, NOT_MET]) == 1_667  # 1/6, half up
    assert maturity.score_bp([MET, NOT_MET, NOT_MET]) == 3_333
    assert maturity.score_bp([NOT_MET]) == 0
    assert maturity.score_bp([]) is None


def test_an_unknown_answer_is_refused():
    with pytest.raises(ValueError, match="Unknown answer 'maybe'"):
        maturity.score_bp([MET, "maybe"])


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (None, "Not assessed"),
        (0, "Beginning"),
        (2_499, "Beginning"),
        (2_500, "Developing"),
        (5_000, "Established"),
        (7_499, "Established"),
        (7_500, "Mature"),
        (10_000, "Mature"),
    ],
)
def test_levels_by_score(score, label):
    assert maturity.level(score) == label


def test_percent_reads_whole_numbers_plainly():
    assert maturity.percent(5_000) == "50 %"
    assert maturity.percent(1_667) == "16.7 %"
    assert maturity.percent(None) == "–"


@pytest.mark.parametrize(
    ("done", "total", "kwargs", "expected"),
    [
        (5, 5, {}, MET),
        (4, 5, {}, PARTLY),
        (0, 5, {}, NOT_MET),
        (0, 0, {}, NOT_MET),
        (9, 10, {"met_at": 0.9}, MET),
        (6, 10, {"met_at": 0.9, "partly_at": 0.6}, NOT_MET),
        (7, 10, {"met_at": 0.9, "partly_at": 0.6}, PARTLY),
    ],
)
def test_shares_become_answers(done, total, kwargs, expected):
    assert maturity.by_share(done, total, **kwargs) == expected


def test_change_between_scores():
    assert maturity.change_bp(5_000, 7_500) == 2_500
    assert maturity.change_bp(None, 7_500) is None
