"""Governance rules as pure functions: financial years, quorum, conflicts, delegation limits, frequency.

No Django here (an import-linter contract keeps it so): services and selectors turn rows into these
small frozen records, so the rules are fast to test and the same from the web, the API and the CLI.
Money is always ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PENNY = Decimal("0.01")


# --- Financial years ---------------------------------------------------------------------------


def financial_year_of(day: date) -> int:
    """The financial year (April to March) a day falls in, named by the year it starts: 1 Apr 2014 is 2014."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    """How people write a financial year: 2014 is "2014/15"."""
    return f"{year}/{(year + 1) % 100:02d}"


def money(amount: Decimal) -> str:
    """Pounds with pence and thousands separators, as papers print them: "£25,000.00"."""
    return f"£{amount.quantize(PENNY):,.2f}"


def _join_or(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


# --- Quorum --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A board member present at a meeting; ``votes`` is false for advisers."""

    member_id: int
    person_id: int
    organisation_id: int
    votes: bool


@dataclass(frozen=True)
class Quorum:
    """Whether a meeting (or one item of it) is quorate, and if not, what is missing."""

    is_quorate: bool
    present_voting: int
    reasons: tuple[str, ...]


def quorum(
    present: Sequence[Seat],
    *,
    minimum: int,
    partners: Mapping[int, str],
    each_partner: bool,
    excluded_people: Collection[int] = (),
) -> Quorum:
    """Check the terms of reference's quorum for the seats present.

    Only voting seats count; people excluded from an item (a declared interest) do not count for
    that item. With ``each_partner``, every commissioning partner in ``partners`` (id -> name, in the
    order reasons should name them) needs at least one counting member present.
    """
    excluded = set(excluded_people)
    voting = [seat for seat in present if seat.votes]
    counting = [seat for seat in voting if seat.person_id not in excluded]
    reasons: list[str] = []
    if len(counting) < minimum:
        present_text = _plural(len(counting), "voting member", "voting members")
        if len(counting) < len(voting):
            present_text += " without a declared interest"
        reasons.append(f"{present_text} present; {minimum} needed")
    if each_partner:
        organisations = {seat.organisation_id for seat in counting}
        for organisation_id, name in partners.items():
            if organisation_id not in organisations:
                reasons.append(f"no voting member from {name} present")
    return Quorum(is_quorate=not reasons, present_voting=len(counting), reasons=tuple(reasons))


# --- Conflicts of interest -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredInterest:
    """A declaration from the register: a person's interest in an organisation between two dates."""

    person_id: int
    organisation_id: int | None
    starts_on: date
    ends_on: date | None


def is_live(interest: DeclaredInterest, on: date) -> bool:
    """Live from its first day to its last day inclusive; no end date means still live."""
    return interest.starts_on <= on and (interest.ends_on is None or on <= interest.ends_on)


def conflicted_people(
    interests: Iterable[DeclaredInterest], organisation_ids: Collection[int], on: date
) -> set[int]:
    """People with an interest live on ``on`` in one of the organisations a decision names."""
    named = set(organisation_ids)
    return {
        interest.person_id
        for interest in interests
        if interest.organisation_id is not None
        and interest.organisation_id in named
        and is_live(interest, on)
    }


# --- Scheme of delegation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One line of an organisation's scheme of delegation.

    ``label`` names the approver with the limit ("a commissioner (up to £25,000.00)"); ``who`` names
    the approver alone ("a commissioner") for sentences that already state the amount.
    """

    id: int
    organisation_id: int
    decision_kind: str
    board_id: int | None
    role: str
    post: str
    limit: Decimal | None
    label: str
    who: str = ""

    @property
    def approver(self) -> str:
        return self.who or self.label


def rule_label(who: str, limit: Decimal | None) -> str:
    """The label a rule is shown with: who may approve and up to how much."""
    return f"{who} ({'no limit' if limit is None else f'up to {money(limit)}'})"


def applicable(rules: Iterable[Rule], *, organisation_id: int, decision_kind: str) -> list[Rule]:
    """The organisation's rules for this kind of decision; a rule with kind '' covers any kind."""
    return [
        rule
        for rule in rules
        if rule.organisation_id == organisation_id and rule.decision_kind in ("", decision_kind)
    ]


def within(rule: Rule, amount: Decimal) -> bool:
    """Whether the rule's limit covers the amount; the limit itself is allowed, no limit allows all."""
    return rule.limit is None or amount <= rule.limit


def _by_limit(rule: Rule) -> tuple[int, Decimal]:
    return (1, Decimal(0)) if rule.limit is None else (0, rule.limit)


def approvers_for(
    rules: Iterable[Rule], *, organisation_id: int, decision_kind: str, amount: Decimal
) -> list[Rule]:
    """Rules that can approve this amount, lowest sufficient authority first."""
    found = [
        rule
        for rule in applicable(rules, organisation_id=organisation_id, decision_kind=decision_kind)
        if within(rule, amount)
    ]
    return sorted(found, key=_by_limit)


def refusal(
    rules: Iterable[Rule],
    *,
    organisation_name: str,
    organisation_id: int,
    decision_kind: str,
    amount: Decimal,
    tried: Rule | None,
) -> str:
    """Why an approval above a limit is refused: the limit tried and who can approve this amount."""
    subject = f"{money(amount)} for {organisation_name}"
    if tried is not None and tried.limit is not None:
        head = f"{subject} is above the {money(tried.limit)} {tried.approver} may approve"
    else:
        head = f"{subject} cannot be approved this way"
    names: list[str] = []
    for rule in approvers_for(
        rules, organisation_id=organisation_id, decision_kind=decision_kind, amount=amount
    ):
        if (tried is None or rule.id != tried.id) and rule.approver not in names:
            names.append(rule.approver)
    if not names:
        return f"{head}; no one in {organisation_name}'s scheme of delegation may approve that amount."
    return f"{head}; it needs {_join_or(names)}."


def missing_approvals(commitments: Mapping[int, Decimal], approved: Collection[int]) -> list[int]:
    """Organisations that commit money (more than nothing) and have not approved yet, in given order."""
    done = set(approved)
    return [org for org, amount in commitments.items() if amount > 0 and org not in done]


# --- Decisions -----------------------------------------------------------------------------------


def required_sections(
    *,
    summary: str,
    recommendations: str,
    reasons: str,
    rejected_options: int,
    legal_implications: str,
    has_board: bool,
) -> list[str]:
    """The sections of a decision paper still missing before it can be proposed, in paper order."""
    missing = []
    if not summary.strip():
        missing.append("summary")
    if not recommendations.strip():
        missing.append("recommendations")
    if not reasons.strip():
        missing.append("reasons")
    if rejected_options < 1:
        missing.append("at least one alternative option considered and rejected")
    if not legal_implications.strip():
        missing.append("legal implications")
    if not has_board:
        missing.append("the board that will decide")
    return missing


# --- Meeting frequency ---------------------------------------------------------------------------


def frequency_warning(
    meeting_days: Iterable[date], *, minimum: int, maximum: int, financial_year: int
) -> str | None:
    """A warning when the meetings planned in a financial year fall outside the terms of reference."""
    count = sum(1 for day in meeting_days if financial_year_of(day) == financial_year)
    label = financial_year_label(financial_year)
    planned = _plural(count, "meeting", "meetings")
    if count < minimum:
        return f"{planned} planned in {label}; the terms of reference ask for at least {minimum}."
    if count > maximum:
        return f"{planned} planned in {label}; the terms of reference allow at most {maximum}."
    return None
