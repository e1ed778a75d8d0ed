"""The demo's money: three years of budgets, a pooled fund, a year of actuals ending over budget."""

from __future__ import annotations

from decimal import Decimal

from commissioning.finance.models import Actual, BudgetLine, Forecast, JointPost, PooledFund
from commissioning.finance.summaries import fund_settlement


def test_three_years_of_budgets_and_a_pooled_fund_with_schemes(southampton):
    assert set(
        BudgetLine.objects.filter(partnership=southampton).values_list("financial_year", flat=True)
    ) >= {
        2024,
        2025,
        2026,
    }
    fund = PooledFund.objects.get(partnership=southampton)
    assert fund.schemes.count() == 5
    assert fund.risk_share_rule == "capped"


def test_twelve_months_of_actuals_end_in_an_overspend_that_settles_to_the_penny(southampton):
    fund = PooledFund.objects.get(partnership=southampton)
    months = Actual.objects.filter(budget_line__fund=fund, budget_line__financial_year=2025).dates(
        "month", "month"
    )
    assert len(months) == 12
    assert Forecast.objects.filter(budget_line__fund=fund).dates("made_in", "month").count() == 12
    settlement = fund_settlement(fund, 2025)
    assert settlement.variance > 0
    assert sum(p.share_of_variance for p in settlement.partners) == settlement.variance
    assert settlement.variance == settlement.outturn - settlement.budget
    assert all(p.share_of_variance.as_tuple().exponent == -2 for p in settlement.partners)


def test_the_units_new_posts_are_shared_equally(southampton):
    new = JointPost.objects.filter(partnership=southampton, is_new=True)
    assert new.count() == 2
    for post in new:
        assert sorted(post.shares.values_list("share_bp", flat=True)) == [5000, 5000]
        assert post.annual_cost == Decimal("90800.00")
