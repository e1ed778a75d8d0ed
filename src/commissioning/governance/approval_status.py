"""Where a decision stands against each partner's scheme of delegation, and who is conflicted on an agenda.

Read helpers for pages: they use the same loading and rules as the writes in ``services``, so a page
never says an approval is possible that the service would then refuse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commissioning.governance import rules
from commissioning.governance.models import BoardMember, Decision, Meeting
from commissioning.governance.services import (
    commissioners,
    decision_commitments,
    decision_conflicted_people,
    decision_required_sections,
    delegation_rules,
    meeting_date,
    rule_who,
)
from commissioning.partners.models import Organisation

__all__ = ["agenda_conflicts", "decision_approval_status", "decision_required_sections"]


def decision_approval_status(decision: Decision) -> dict[str, Any]:
    """Per partner: what it commits, whether it has approved, and if not, who can approve it.

    Returns ``{"commitments": [...], "approvals": [...], "missing": [...], "complete": bool}`` where
    each commitment is ``{"organisation", "total", "years": [(label, amount)]}``, each approval
    ``{"organisation", "rule", "approved_by", "meeting", "approved_at"}`` (``rule`` is its label)
    and each missing one ``{"organisation", "total", "approvers": [rule labels that cover the total]}``.
    ``complete`` is true once every partner committing money has approved (or, with nothing
    committed, once one approval is made).
    """
    totals = decision_commitments(decision)
    organisations = Organisation.objects.in_bulk([*totals, *commissioners(decision.partnership)])
    years: dict[int, list[tuple[str, Decimal]]] = {}
    for line in decision.resources.order_by("financial_year"):
        years.setdefault(line.organisation_id, []).append((line.financial_year_label, line.amount))
    approvals = list(
        decision.approvals.select_related("organisation", "rule__board", "approved_by", "meeting")
    )
    approved = {approval.organisation_id for approval in approvals}
    all_rules = delegation_rules(decision.partnership)
    missing = [
        {
            "organisation": organisations[org],
            "total": totals[org],
            "approvers": [
                rule.label
                for rule in rules.approvers_for(
                    all_rules, organisation_id=org, decision_kind=decision.kind, amount=totals[org]
                )
            ],
        }
        for org in rules.missing_approvals(totals, approved)
    ]
    return {
        "commitments": [
            {"organisation": organisations[org], "total": total, "years": years.get(org, [])}
            for org, total in totals.items()
        ],
        "approvals": [
            {
                "organisation": approval.organisation,
                "rule": rules.rule_label(rule_who(approval.rule), approval.rule.limit),
                "approved_by": approval.approved_by,
                "meeting": approval.meeting,
                "approved_at": approval.approved_at,
            }
            for approval in approvals
        ],
        "missing": missing,
        "complete": not missing and bool(approvals),
    }


def agenda_conflicts(meeting: Meeting) -> dict[int, list[BoardMember]]:
    """For each agenda item with a decision: the board members with a live interest in an organisation it
    names on the meeting day, to flag on the agenda (they are excluded from its vote and its quorum)."""
    day = meeting_date(meeting)
    members = list(meeting.board.members.select_related("person", "organisation"))
    flagged: dict[int, list[BoardMember]] = {}
    for item in meeting.agenda.select_related("decision").exclude(decision=None):
        assert item.decision is not None
        people = decision_conflicted_people(item.decision, day)
        if people:
            flagged[item.pk] = [member for member in members if member.person_id in people]
    return flagged
