"""The governance rules as pure functions: no database, so every edge is cheap to pin down."""

from datetime import date
from decimal import Decimal

import pytest

from commissioning.governance import rules
from commissioning.governance.rules import DeclaredInterest, Rule, Seat

COUNCIL, CCG, TRUST = 1, 2, 3
PARTNERS = {COUNCIL: "Southampton City Council", CCG: "NHS Southampton City CCG"}


def seat(person: int, organisation: int, votes: bool = True) -> Seat:
    return Seat(member_id=100 + person, person_id=person, organisation_id=organisation, votes=votes)


# Financial years ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2014, 4, 1), 2014),
        (date(2015, 3, 31), 2014),
        (date(2014, 3, 31), 2013),
        (date(2014, 12, 31), 2014),
        (date(2015, 1, 1), 2014),
    ],
)
def test_financial_year_runs_april_to_march(day, year):
    assert rules.financial_year_of(day) == year


@pytest.mark.parametrize(("year", "label"), [(2014, "2014/15"), (1999, "1999/00"), (2009, "2009/10")])
def test_financial_year_label(year, label):
    assert rules.financial_year_label(year) == label


def test_money_is_pounds_and_pence():
    assert rules.money(Decimal("25000")) == "£25,000.00"
    assert rules.money(Decimal("0.5")) == "£0.50"


# Quorum ---------------------------------------------------------------------------------------


def test_quorate_with_enough_voting_members_from_each_partner():
    result = rules.quorum(
        [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, CCG)], minimum=3, partners=PARTNERS, each_partner=True
    )
    assert result == rules.Quorum(is_quorate=True, present_voting=3, reasons=())


def test_too_few_voting_members_says_how_many():
    result = rules.quorum(
        [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, CCG)], minimum=4, partners=PARTNERS, each_partner=True
    )
    assert not result.is_quorate
    assert result.reasons == ("3 voting members present; 4 needed",)


def test_one_voting_member_is_singular():
    result = rules.quorum([seat(1, COUNCIL)], minimum=2, partners=PARTNERS, each_partner=False)
    assert result.reasons == ("1 voting member present; 2 needed",)


def test_advisers_do_not_count():
    present = [seat(1, COUNCIL), seat(2, CCG), seat(3, CCG, votes=False)]
    result = rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=True)
    assert (result.is_quorate, result.present_voting) == (False, 2)


def test_each_partner_rule_names_the_missing_partner():
    present = [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, COUNCIL), seat(4, CCG, votes=False)]
    result = rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=True)
    assert result.reasons == ("no voting member from NHS Southampton City CCG present",)


def test_each_partner_rule_off_ignores_the_mix():
    present = [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, COUNCIL)]
    assert rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=False).is_quorate


def test_associates_are_not_needed_for_each_partner_quorum():
    present = [seat(1, COUNCIL), seat(2, CCG), seat(3, TRUST)]
    assert rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=True).is_quorate


def test_no_one_present_lists_every_shortfall():
    result = rules.quorum([], minimum=3, partners=PARTNERS, each_partner=True)
    assert result.reasons == (
        "0 voting members present; 3 needed",
        "no voting member from Southampton City Council present",
        "no voting member from NHS Southampton City CCG present",
    )


def test_excluded_people_do_not_count_for_the_item():
    present = [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, CCG)]
    result = rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=True, excluded_people={2})
    assert not result.is_quorate
    assert result.present_voting == 2
    assert result.reasons == ("2 voting members without a declared interest present; 3 needed",)


def test_excluding_a_partners_only_member_breaks_each_partner_quorum():
    present = [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, CCG), seat(4, COUNCIL)]
    result = rules.quorum(present, minimum=3, partners=PARTNERS, each_partner=True, excluded_people=[3])
    assert result.reasons == ("no voting member from NHS Southampton City CCG present",)


def test_excluding_someone_absent_changes_nothing():
    present = [seat(1, COUNCIL), seat(2, COUNCIL), seat(3, CCG)]
    assert rules.quorum(
        present, minimum=3, partners=PARTNERS, each_partner=True, excluded_people={9}
    ).is_quorate


# Conflicts of interest ------------------------------------------------------------------------


INTEREST = DeclaredInterest(
    person_id=7, organisation_id=TRUST, starts_on=date(2014, 1, 1), ends_on=date(2014, 6, 30)
)


@pytest.mark.parametrize(
    ("on", "conflicted"),
    [
        (date(2013, 12, 31), False),
        (date(2014, 1, 1), True),
        (date(2014, 6, 30), True),
        (date(2014, 7, 1), False),
    ],
)
def test_an_interest_is_live_from_its_first_to_its_last_day(on, conflicted):
    assert (rules.conflicted_people([INTEREST], {TRUST}, on) == {7}) is conflicted


def test_an_open_ended_interest_stays_live():
    open_ended = DeclaredInterest(7, TRUST, date(2014, 1, 1), None)
    assert rules.conflicted_people([open_ended], [TRUST], date(2030, 1, 1)) == {7}


def test_only_interests_in_named_organisations_conflict():
    others = [
        DeclaredInterest(8, COUNCIL, date(2014, 1, 1), None),
        DeclaredInterest(9, None, date(2014, 1, 1), None),
        INTEREST,
    ]
    assert rules.conflicted_people(others, {TRUST}, date(2014, 3, 1)) == {7}
    assert rules.conflicted_people(others, set(), date(2014, 3, 1)) == set()


# Scheme of delegation -------------------------------------------------------------------------


def rule(
    rid: int,
    *,
    organisation: int = COUNCIL,
    who: str,
    limit: str | None,
    kind: str = "",
    board: int | None = None,
) -> Rule:
    amount = None if limit is None else Decimal(limit)
    return Rule(
        id=rid,
        organisation_id=organisation,
        decision_kind=kind,
        board_id=board,
        role="commissioner" if who == "a commissioner" else "",
        post="" if board or who == "a commissioner" else who,
        limit=amount,
        label=rules.rule_label(who, amount),
        who=who,
    )


COMMISSIONER = rule(1, who="a commissioner", limit="25000.00")
BOARD = rule(2, who="the Integrated Commissioning Board", limit=None, board=5)
CABINET = rule(3, who="the Cabinet", limit=None)
DIRECTOR = rule(4, who="the Director of People", limit="250000.00", kind="contract")
CCG_OFFICER = rule(5, organisation=CCG, who="a finance officer", limit="50000.00")
SCHEME = [COMMISSIONER, BOARD, CABINET, DIRECTOR, CCG_OFFICER]


def test_labels_name_the_approver_and_the_limit():
    assert COMMISSIONER.label == "a commissioner (up to £25,000.00)"
    assert BOARD.label == "the Integrated Commissioning Board (no limit)"


def test_applicable_rules_are_the_organisations_for_this_kind_or_any_kind():
    assert rules.applicable(SCHEME, organisation_id=COUNCIL, decision_kind="budget") == [
        COMMISSIONER,
        BOARD,
        CABINET,
    ]
    assert DIRECTOR in rules.applicable(SCHEME, organisation_id=COUNCIL, decision_kind="contract")
    assert rules.applicable(SCHEME, organisation_id=CCG, decision_kind="budget") == [CCG_OFFICER]


@pytest.mark.parametrize(
    ("amount", "allowed"),
    [("24999.99", True), ("25000.00", True), ("25000.01", False), ("0", True)],
)
def test_a_limit_allows_up_to_and_including_itself(amount, allowed):
    assert rules.within(COMMISSIONER, Decimal(amount)) is allowed


def test_no_limit_allows_any_amount():
    assert rules.within(BOARD, Decimal("999999999.99"))


def test_refusal_names_the_limit_and_who_can_approve():
    message = rules.refusal(
        SCHEME,
        organisation_name="Southampton City Council",
        organisation_id=COUNCIL,
        decision_kind="budget",
        amount=Decimal("150000"),
        tried=COMMISSIONER,
    )
    assert message == (
        "£150,000.00 for Southampton City Council is above the £25,000.00 a commissioner may approve; "
        "it needs the Integrated Commissioning Board or the Cabinet."
    )


def test_refusal_lists_the_lowest_sufficient_authority_first():
    message = rules.refusal(
        SCHEME,
        organisation_name="Southampton City Council",
        organisation_id=COUNCIL,
        decision_kind="contract",
        amount=Decimal("30000"),
        tried=COMMISSIONER,
    )
    assert message.endswith(
        "it needs the Director of People, the Integrated Commissioning Board or the Cabinet."
    )


def test_refusal_when_no_one_can_approve_that_much():
    message = rules.refusal(
        SCHEME,
        organisation_name="NHS Southampton City CCG",
        organisation_id=CCG,
        decision_kind="budget",
        amount=Decimal("60000"),
        tried=CCG_OFFICER,
    )
    assert message == (
        "£60,000.00 for NHS Southampton City CCG is above the £50,000.00 a finance officer may approve; "
        "no one in NHS Southampton City CCG's scheme of delegation may approve that amount."
    )


def test_refusal_without_a_rule_tried_still_names_approvers():
    message = rules.refusal(
        SCHEME,
        organisation_name="Southampton City Council",
        organisation_id=COUNCIL,
        decision_kind="budget",
        amount=Decimal("10"),
        tried=None,
    )
    assert message.endswith("it needs a commissioner, the Integrated Commissioning Board or the Cabinet.")


def test_missing_approvals_are_partners_with_money_and_no_approval():
    commitments = {COUNCIL: Decimal("100"), CCG: Decimal("50"), TRUST: Decimal("0")}
    assert rules.missing_approvals(commitments, []) == [COUNCIL, CCG]
    assert rules.missing_approvals(commitments, {COUNCIL}) == [CCG]
    assert rules.missing_approvals(commitments, {COUNCIL, CCG}) == []
    assert rules.missing_approvals({}, []) == []


# Decision papers ------------------------------------------------------------------------------


def test_required_sections_names_every_missing_one():
    assert rules.required_sections(
        summary=" ",
        recommendations="",
        reasons="",
        rejected_options=0,
        legal_implications="",
        has_board=False,
    ) == [
        "summary",
        "recommendations",
        "reasons",
        "at least one alternative option considered and rejected",
        "legal implications",
        "the board that will decide",
    ]
    assert (
        rules.required_sections(
            summary="s",
            recommendations="r",
            reasons="r",
            rejected_options=1,
            legal_implications="l",
            has_board=True,
        )
        == []
    )


# Meeting frequency ----------------------------------------------------------------------------


def days(*pairs: tuple[int, int, int]) -> list[date]:
    return [date(*pair) for pair in pairs]


def test_no_warning_inside_the_range():
    planned = days((2014, 4, 1), (2014, 7, 1), (2014, 10, 1), (2015, 3, 31))
    assert rules.frequency_warning(planned, minimum=4, maximum=6, financial_year=2014) is None


def test_too_few_meetings_warns_and_only_counts_the_year():
    planned = days((2014, 3, 31), (2014, 7, 1), (2014, 10, 1), (2015, 4, 1))
    assert rules.frequency_warning(planned, minimum=4, maximum=6, financial_year=2014) == (
        "2 meetings planned in 2014/15; the terms of reference ask for at least 4."
    )


def test_too_many_meetings_warns():
    planned = [date(2014, month, 1) for month in range(4, 11)]
    assert rules.frequency_warning(planned, minimum=4, maximum=6, financial_year=2014) == (
        "7 meetings planned in 2014/15; the terms of reference allow at most 6."
    )


def test_no_meetings_is_singular_safe():
    assert rules.frequency_warning([], minimum=1, maximum=2, financial_year=2014) == (
        "0 meetings planned in 2014/15; the terms of reference ask for at least 1."
    )
