"""Display wording and tag colours for the governance pages, in one place.

Models speak in codes ("proposed", "s75_pooled") and numbers (a quorum of 3, 4 to 6 meetings); people
read "Proposed" in blue and "At least 3 voting members, with one from each partner".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from commissioning.governance import rules

REVIEW_WARNING_DAYS = 90


@dataclass(frozen=True)
class Tag:
    """Words and the NHS.UK tag colour they are shown in."""

    label: str
    colour: str

    @property
    def css(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.colour}"


_DECISION_STATES = {
    "draft": Tag("Draft", "grey"),
    "proposed": Tag("Proposed", "blue"),
    "approved": Tag("Approved", "green"),
    "rejected": Tag("Rejected", "red"),
    "deferred": Tag("Deferred", "yellow"),
}

_MEETING_STATUSES = {
    "planned": Tag("Planned", "blue"),
    "held": Tag("Held", "green"),
    "cancelled": Tag("Cancelled", "grey"),
}

_VOTES = {"for": Tag("For", "green"), "against": Tag("Against", "red"), "abstain": Tag("Abstain", "grey")}


def decision_state(state: str) -> Tag:
    return _DECISION_STATES.get(state, Tag(state.title(), "grey"))


def meeting_status(status: str) -> Tag:
    return _MEETING_STATUSES.get(status, Tag(status.title(), "grey"))


def vote(choice: str) -> Tag:
    return _VOTES.get(choice, Tag(choice.title(), "grey"))


def money(amount: Decimal | None) -> str:
    """£1,234.56 from a Decimal; a dash when there is none."""
    return "–" if amount is None else rules.money(amount)


def limit(amount: Decimal | None) -> str:
    return "No limit" if amount is None else f"Up to {rules.money(amount)}"


def financial_year(year: int) -> str:
    return rules.financial_year_label(year)


def quorum_rule(minimum: int, each_partner: bool) -> str:
    """The terms of reference's quorum in words."""
    members = f"{minimum} voting member{'s' if minimum != 1 else ''}"
    if each_partner:
        return f"At least {members} present, including at least one voting member from each partner."
    return f"At least {members} present."


def frequency(minimum: int, maximum: int) -> str:
    if minimum == maximum:
        return f"{minimum} meeting{'s' if minimum != 1 else ''} a year"
    return f"{minimum} to {maximum} meetings a year"


def quorum_verdict(is_quorate: bool, present_voting: int, reasons: tuple[str, ...]) -> str:
    """A quorum check as one sentence: quorate with how many, or not and why."""
    counted = f"{present_voting} voting member{'s' if present_voting != 1 else ''} counted"
    if is_quorate:
        return f"Quorate: {counted}."
    return f"Not quorate: {'; '.join(reasons)}."


def quorum_tag(is_quorate: bool) -> Tag:
    return Tag("Quorate", "green") if is_quorate else Tag("Not quorate", "red")


def interest_tag(ends_on: date | None, today: date) -> Tag:
    if ends_on is not None and ends_on < today:
        return Tag("Ended", "grey")
    return Tag("Live", "green")


def review_reminder(review_on: date | None, ends_on: date | None, today: date) -> Tag | None:
    """Flag an agreement whose review is overdue or due within 90 days; ended agreements need none."""
    if review_on is None or (ends_on is not None and ends_on < today):
        return None
    if review_on < today:
        return Tag("Review overdue", "red")
    if review_on <= today + timedelta(days=REVIEW_WARNING_DAYS):
        return Tag("Review due soon", "yellow")
    return None


def approver(*, board_name: str, role_label: str, post: str) -> str:
    """Who a line of the scheme of delegation names: a board, a post or a role."""
    if board_name:
        return board_name
    if post:
        return post
    return f"A {role_label.lower()}" if role_label else "–"


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"
