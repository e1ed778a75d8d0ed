"""Reporting periods follow calendar months and the April–March financial year."""

from datetime import date, timedelta

import pytest

from commissioning.performance.schedule import (
    DUE_DAYS,
    Period,
    expected_periods,
    is_period_start,
    period_containing,
    period_status,
)


@pytest.mark.parametrize(
    ("frequency", "day", "start", "end", "label"),
    [
        ("monthly", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28), "Feb 2026"),
        ("monthly", date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29), "Feb 2024"),
        ("quarterly", date(2026, 5, 3), date(2026, 4, 1), date(2026, 6, 30), "Q1 2026/27"),
        ("quarterly", date(2027, 3, 31), date(2027, 1, 1), date(2027, 3, 31), "Q4 2026/27"),
        ("quarterly", date(2026, 12, 1), date(2026, 10, 1), date(2026, 12, 31), "Q3 2026/27"),
        ("six_monthly", date(2026, 9, 30), date(2026, 4, 1), date(2026, 9, 30), "H1 2026/27"),
        ("six_monthly", date(2027, 1, 15), date(2026, 10, 1), date(2027, 3, 31), "H2 2026/27"),
        ("annual", date(2027, 2, 1), date(2026, 4, 1), date(2027, 3, 31), "2026/27"),
        ("annual", date(2026, 4, 1), date(2026, 4, 1), date(2027, 3, 31), "2026/27"),
    ],
)
def test_period_containing_a_day(frequency, day, start, end, label):
    period = period_containing(frequency, day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert is_period_start(frequency, start)
    assert period.due == end + timedelta(days=DUE_DAYS)


def test_mid_period_days_are_not_period_starts():
    assert not is_period_start("monthly", date(2026, 4, 2))
    assert not is_period_start("quarterly", date(2026, 5, 1))
    assert is_period_start("quarterly", date(2026, 7, 1))
    assert not is_period_start("annual", date(2026, 1, 1))


def test_expected_periods_cover_the_term_up_to_the_day_given():
    periods = expected_periods("quarterly", date(2025, 5, 15), date(2027, 3, 31), until=date(2026, 1, 10))
    assert [p.label for p in periods] == ["Q1 2025/26", "Q2 2025/26", "Q3 2025/26"]
    monthly = expected_periods("monthly", date(2024, 11, 17), date(2026, 11, 16), until=date(2026, 11, 17))
    assert monthly[0] == Period(date(2024, 11, 1), date(2024, 11, 30))
    assert monthly[-1].label == "Oct 2026"
    assert len(monthly) == 24


def test_a_period_after_the_contract_ends_is_not_expected():
    periods = expected_periods("monthly", date(2025, 1, 1), date(2025, 3, 31), until=date(2026, 1, 1))
    assert [p.label for p in periods] == ["Jan 2025", "Feb 2025", "Mar 2025"]


def test_status_of_a_period():
    period = Period(date(2026, 9, 1), date(2026, 9, 30))
    assert period_status(period, received=True, today=date(2026, 12, 1)) == "received"
    assert period_status(period, received=False, today=date(2026, 9, 15)) == "open"
    assert period_status(period, received=False, today=date(2026, 10, 20)) == "due"
    assert period_status(period, received=False, today=date(2026, 10, 21)) == "late"


def test_an_unknown_frequency_is_refused_clearly():
    with pytest.raises(ValueError, match="Unknown reporting frequency 'weekly'"):
        period_containing("weekly", date(2026, 1, 1))
