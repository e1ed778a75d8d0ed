"""The demo's priority-setting round: Southampton 2027/28, complete, with a recorded run; idempotent."""

from __future__ import annotations

import pytest

from commissioning.core.permissions import Role
from commissioning.demo import priority_setting as demo
from commissioning.strategy import priority_setting_selectors as selectors
from commissioning.strategy.models import (
    OptionKind,
    PanelInterest,
    PanelScore,
    PriorityRound,
    RoundOption,
    RoundStatus,
)

pytestmark = pytest.mark.django_db


def _round(southampton):
    return PriorityRound.objects.get(partnership=southampton, name=demo.ROUND_NAME)


def test_demo_round_has_options_panel_interest_scores_and_a_run(southampton, user_for):
    round_ = _round(southampton)
    assert round_.financial_year == 2027 and round_.status == RoundStatus.CLOSED
    options = list(round_.options.all())
    assert 14 <= len(options) <= 16
    kinds = {o.kind for o in options}
    assert kinds == {OptionKind.INVESTMENT, OptionKind.DISINVESTMENT}
    assert any(o.must_do for o in options) and any(o.is_prevention for o in options)
    assert sum(1 for o in options if o.exclusive_group == "extra-care") == 2
    assert all(o.priority is None or o.priority.partnership_id == southampton.pk for o in options)
    assert any(o.priority is not None for o in options)
    assert round_.panel.count() == 4
    interest = PanelInterest.objects.get(member__round=round_)
    assert interest.member.user == user_for("southampton", Role.COMMISSIONER)
    assert interest.register_entry is not None
    assert not PanelScore.objects.filter(member=interest.member, option=interest.option).exists()
    page = selectors.round_page(southampton, round_.pk, user_for("southampton", Role.VIEWER))
    assert page.complete
    run = round_.runs.get()
    chosen = set(run.chosen.all())
    assert any(o.must_do for o in chosen)
    assert len({o for o in chosen if o.exclusive_group == "extra-care"}) <= 1
    assert run.total_cost <= round_.budget
    assert run.prevention_share is not None and run.prevention_share * 100 >= round_.min_prevention_share
    assert set(run.explanations) == {str(o.pk) for o in options}
    assert selectors.results(southampton, round_.pk).current


def test_demo_is_idempotent(southampton, user_for):
    before = (PriorityRound.objects.count(), RoundOption.objects.count(), PanelScore.objects.count())
    demo.load(actor=user_for("southampton", Role.ADMINISTRATOR), say=lambda _: None)
    after = (PriorityRound.objects.count(), RoundOption.objects.count(), PanelScore.objects.count())
    assert after == before
