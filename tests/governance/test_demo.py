"""The demo partnership's governance is real-shaped and runs through the services' own rules."""

from __future__ import annotations

from decimal import Decimal

from commissioning.engagement.models import Consultation
from commissioning.governance.approval_status import decision_approval_status
from commissioning.governance.models import Agreement, Board, Decision, Team


def test_the_board_and_its_groups(southampton):
    board = Board.objects.get(partnership=southampton, name="Integrated Commissioning Board")
    assert (board.meetings_min_per_year, board.meetings_max_per_year) == (4, 6)
    assert board.reporting_groups.count() == 3
    assert board.meetings.count() == 12
    assert set(board.delegated_by.values_list("name", flat=True)) == {
        "Southampton City Council",
        "NHS Southampton City Clinical Commissioning Group",
    }


def test_the_integrated_commissioning_unit_decision(southampton):
    icu = Decision.objects.get(
        partnership=southampton, title__startswith="Establish an Integrated Commissioning Unit"
    )
    assert icu.state == "approved"
    assert icu.reference.startswith("D-2013-")
    assert icu.rejected_options.count() == 4
    assert {r.amount for r in icu.resources.all()} == {Decimal("90800.00")}
    assert icu.approvals.count() == 2
    assert decision_approval_status(icu)["complete"]
    assert icu.themes.count() == 5
    assert Consultation.objects.get(
        partnership=southampton, title__startswith="Integrated Commissioning Unit"
    ).is_published
    assert Team.objects.get(partnership=southampton).budget == Decimal("3600000.00")
    assert set(Agreement.objects.filter(decisions=icu).values_list("kind", flat=True)) == {"mou", "s113"}


def test_a_proposal_awaits_the_board_with_both_approvals_missing(southampton):
    equipment = Decision.objects.get(partnership=southampton, title__startswith="Recommission the integrated")
    assert equipment.state == "proposed"
    status = decision_approval_status(equipment)
    assert not status["complete"]
    assert len(status["missing"]) == 2
