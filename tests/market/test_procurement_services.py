"""Procurement services: the route from the rules, stages in order and no sooner than the rule allows,
criteria adding to 100 %, bids for the panel only, scoring, moderation and the award, all audited.

The procurements here are built through the services with references ("PT-…") the demo does not use.
The main one is a £300,000.00 services contract by Southampton City Council starting on Monday
2 March 2026: under the Procurement Act 2023 (thresholds from 1 January 2026) that is the competitive
tendering procedure, with bids at least 25 days after the tender notice and a standstill of eight
working days after the award.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import Role
from commissioning.market import evaluation, selectors, services
from commissioning.market.models import (
    Bid,
    Criterion,
    Milestone,
    ModeratedScore,
    PanelRole,
    Procurement,
    ProcurementStatus,
    Score,
    Stage,
)
from commissioning.partners.models import Membership, Organisation

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)  # a Monday


def _messages(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


@pytest.fixture
def council():
    return Organisation.objects.get(gss_code="E06000045")


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


def _person(southampton, council, username, role=Role.COMMISSIONER):
    person = User.objects.create(username=username, full_name=username.replace("-", " ").title())
    Membership.objects.create(user=person, partnership=southampton, organisation=council, role=role)
    return person


@pytest.fixture
def people(southampton, council):
    return {
        "evaluator": _person(southampton, council, "pt-evaluator", Role.FINANCE_OFFICER),
        "second": _person(southampton, council, "pt-second-evaluator"),
        "moderator": _person(southampton, council, "pt-moderator"),
        "officer": _person(southampton, council, "pt-named-officer"),
    }


@pytest.fixture
def bidders():
    return [
        Organisation.objects.create(
            name="PT Homecare Ltd", kind=Organisation.Kind.PRIVATE_PROVIDER, companies_house_number="09999901"
        ),
        Organisation.objects.create(
            name="PT Community Trust", kind=Organisation.Kind.VCSE, charity_number="1999902"
        ),
    ]


def _procurement(southampton, actor, council, **overrides):
    values = {
        "actor": actor,
        "partnership": southampton,
        "reference": "PT-001",
        "title": "Pages test home support",
        "service_type": "home_care",
        "category": "services",
        "commissioning_body": council,
        "estimated_value": Decimal("300000.00"),
        "contract_months": 36,
        "vcse_only": False,
        "starts_on": START,
    }
    values.update(overrides)
    return services.create_procurement(**values)


@pytest.fixture
def procurement(southampton, commissioner, council, people):
    procurement = _procurement(southampton, commissioner, council)
    services.set_panel(
        actor=commissioner,
        procurement=procurement,
        members=[
            (people["evaluator"], PanelRole.EVALUATOR),
            (people["second"], PanelRole.EVALUATOR),
            (people["moderator"], PanelRole.MODERATOR),
            (people["officer"], PanelRole.NAMED_OFFICER),
        ],
    )
    return procurement


def _criteria(commissioner, procurement):
    return services.set_criteria(
        actor=commissioner,
        procurement=procurement,
        criteria=[
            ("Quality", Decimal("60"), False, 5, "Method statements"),
            ("Social value", Decimal("10"), False, 5, ""),
            ("Price", Decimal("30"), True, 10, "Lifetime price"),
        ],
    )


def test_the_rules_decide_the_route_and_plan_each_stage(procurement):
    procurement.refresh_from_db()
    assert procurement.route == "competitive_tender"
    assert procurement.rule.rule_set.code == "procurement-act-2023-2026"
    assert "Competitive tendering procedure" in procurement.route_explanation
    milestones = {m.stage: m for m in Milestone.objects.filter(procurement=procurement)}
    assert len(milestones) == 8
    assert milestones[Stage.NEED_CONFIRMED].reached_on == START
    assert milestones[Stage.BIDS].planned_on == START + dt.timedelta(days=25)
    # Eight working days after the award on 27 March 2026: Good Friday (3 April) and Easter Monday
    # (6 April) are bank holidays, so the standstill ends on Friday 10 April.
    assert milestones[Stage.STANDSTILL].planned_on == dt.date(2026, 4, 10)
    assert milestones[Stage.MARKET_ENGAGEMENT].planned_on is None


def test_a_council_light_touch_procurement_gets_the_light_touch_route(southampton, commissioner, council):
    procurement = _procurement(
        southampton,
        commissioner,
        council,
        reference="PT-LT",
        category="light_touch",
        estimated_value=Decimal("700000.00"),
    )
    assert procurement.route == "light_touch_tender"
    assert procurement.rule.route_name == "Light-touch competitive procedure"


def test_the_commissioning_body_must_be_a_partner(southampton, commissioner):
    solent = Organisation.objects.get(ods_code="R1C")
    with pytest.raises(ValidationError) as caught:
        _procurement(southampton, commissioner, solent)
    assert "not a commissioning partner" in caught.value.message_dict["commissioning_body"][0]
    assert not Procurement.objects.filter(reference="PT-001").exists()


def test_a_viewer_cannot_start_a_procurement(southampton, user_for, council):
    with pytest.raises(NotPermitted):
        _procurement(southampton, user_for("southampton", Role.VIEWER), council)


def test_weights_not_adding_to_100_are_refused_and_nothing_is_saved(procurement, commissioner):
    _criteria(commissioner, procurement)
    with pytest.raises(ValidationError) as caught:
        services.set_criteria(
            actor=commissioner,
            procurement=procurement,
            criteria=[("Quality", Decimal("65"), False, 5, ""), ("Price", Decimal("30"), True, 5, "")],
        )
    assert caught.value.message_dict["criteria"] == ["The weights add to 95.00 %; they must add to 100 %."]
    # The earlier criteria stand untouched.
    assert [(c.name, c.weight) for c in Criterion.objects.filter(procurement=procurement)] == [
        ("Quality", Decimal("60.00")),
        ("Social value", Decimal("10.00")),
        ("Price", Decimal("30.00")),
    ]


def test_criteria_need_positive_weights_and_unique_names(procurement, commissioner):
    with pytest.raises(ValidationError, match="more than 0 %"):
        services.set_criteria(
            actor=commissioner,
            procurement=procurement,
            criteria=[("Quality", Decimal("100"), False, 5, ""), ("Price", Decimal("0"), True, 5, "")],
        )
    with pytest.raises(ValidationError, match="Two criteria are called quality"):
        services.set_criteria(
            actor=commissioner,
            procurement=procurement,
            criteria=[("Quality", Decimal("50"), False, 5, ""), ("quality", Decimal("50"), True, 5, "")],
        )
    assert not Criterion.objects.filter(procurement=procurement).exists()


def test_stages_cannot_be_skipped(procurement, commissioner):
    with pytest.raises(ValidationError) as caught:
        services.record_milestone(
            actor=commissioner, procurement=procurement, stage=Stage.BIDS, reached_on=dt.date(2026, 5, 1)
        )
    assert "notice published comes before bids received" in _messages(caught.value)
    procurement.refresh_from_db()
    assert procurement.stage == Stage.NEED_CONFIRMED
    assert Milestone.objects.get(procurement=procurement, stage=Stage.BIDS).reached_on is None


def test_bids_cannot_close_before_the_notice_period_has_run(procurement, commissioner):
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.NOTICE, reached_on=dt.date(2026, 3, 9)
    )
    with pytest.raises(ValidationError) as caught:
        services.record_milestone(
            actor=commissioner, procurement=procurement, stage=Stage.BIDS, reached_on=dt.date(2026, 4, 2)
        )
    message = _messages(caught.value)
    assert "cannot be reached before 3 April 2026" in message
    assert "at least 25 days after notice published" in message
    assert "Procurement Act 2023" in message
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.BIDS, reached_on=dt.date(2026, 4, 3)
    )
    procurement.refresh_from_db()
    assert procurement.stage == Stage.BIDS


def _through_to_evaluation(procurement, commissioner, people, bidders):
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.NOTICE, reached_on=dt.date(2026, 3, 9)
    )
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.BIDS, reached_on=dt.date(2026, 4, 7)
    )
    criteria = _criteria(commissioner, procurement)
    officer = people["officer"]
    first = services.record_bid(
        actor=officer,
        procurement=procurement,
        bidder="PT Homecare Ltd",
        received_on=dt.date(2026, 4, 7),
        price=Decimal("280000.00"),
    )
    second = services.record_bid(
        actor=officer,
        procurement=procurement,
        bidder="1999902",
        received_on=dt.date(2026, 4, 6),
        price=Decimal("350000.00"),
    )
    return criteria, first, second


def test_record_bid_needs_the_panel_and_a_known_bidder(procurement, commissioner, people, bidders):
    with pytest.raises(NotPermitted, match="panel"):
        services.record_bid(
            actor=commissioner,
            procurement=procurement,
            bidder=bidders[0],
            received_on=START,
            price=Decimal("1.00"),
        )
    with pytest.raises(ValidationError) as caught:
        services.record_bid(
            actor=people["officer"],
            procurement=procurement,
            bidder="Nobody Known Ltd",
            received_on=START,
            price=Decimal("1.00"),
        )
    assert "No organisation called or numbered 'Nobody Known Ltd' is known" in _messages(caught.value)
    assert not Bid.objects.filter(procurement=procurement).exists()


def test_the_panel_scores_moderates_and_awards(procurement, commissioner, people, bidders):
    (quality, social, _price), first, second = _through_to_evaluation(
        procurement, commissioner, people, bidders
    )
    evaluator, moderator = people["evaluator"], people["moderator"]

    # Only evaluators score, within 0 to the criterion's highest score.
    with pytest.raises(NotPermitted):
        services.score_bid(actor=commissioner, bid=first, criterion=quality, score=Decimal("4"))
    with pytest.raises(NotPermitted):
        services.score_bid(actor=moderator, bid=first, criterion=quality, score=Decimal("4"))
    with pytest.raises(ValidationError, match="from 0 to 5"):
        services.score_bid(actor=evaluator, bid=first, criterion=quality, score=Decimal("6"))
    services.score_bid(actor=evaluator, bid=first, criterion=quality, score=Decimal("4"), comment="Good")
    services.score_bid(actor=people["second"], bid=first, criterion=quality, score=Decimal("3"))
    assert Score.objects.filter(bid=first).count() == 2

    # The award waits for every bid to be moderated on every criterion.
    services.moderate(actor=moderator, bid=first, criterion=quality, score=Decimal("4"), rationale="Agreed")
    with pytest.raises(ValidationError, match="missing PT Community Trust on Quality"):
        services.record_award(
            actor=people["officer"], procurement=procurement, bid=first, awarded_on=dt.date(2026, 4, 20)
        )
    with pytest.raises(NotPermitted):
        services.moderate(actor=evaluator, bid=second, criterion=quality, score=Decimal("3"), rationale="x")
    services.record_moderation(
        actor=people["officer"],
        bid=second,
        scores=[(quality, Decimal("5"), "Excellent"), (social, Decimal("5"), "Strong")],
    )
    services.moderate(actor=moderator, bid=first, criterion=social, score=Decimal("2"), rationale="Thin")
    made = services.score_prices(actor=moderator, procurement=procurement)
    assert {(m.bid_id, m.score) for m in made} == {(first.pk, Decimal("10.00")), (second.pk, Decimal("8.00"))}

    # Weighted: first 4/5×60 + 2/5×10 + 10/10×30 = 82.00; second 60 + 10 + 8/10×30 = 94.00.
    summary = selectors.evaluation_for(people["evaluator"], procurement)
    by_bidder = {row.bid.bidder.name: row for row in summary.bids}
    assert by_bidder["PT Homecare Ltd"].weighted == Decimal("82.00")
    assert by_bidder["PT Community Trust"].weighted == Decimal("94.00")
    assert by_bidder["PT Community Trust"].rank == 1
    assert by_bidder["PT Homecare Ltd"].criteria[0].mean == Decimal("3.50")
    assert summary.ready_to_award

    awarded = services.record_award(
        actor=people["officer"], procurement=procurement, bid=second, awarded_on=dt.date(2026, 4, 20)
    )
    assert awarded.status == ProcurementStatus.AWARDED
    assert awarded.stage == Stage.AWARD
    assert awarded.awarded_bid == second
    assert awarded.awarded_on == dt.date(2026, 4, 20)
    assert Milestone.objects.get(procurement=procurement, stage=Stage.AWARD).reached_on == dt.date(
        2026, 4, 20
    )
    # Scores are final once awarded.
    with pytest.raises(ValidationError):
        services.moderate(actor=moderator, bid=first, criterion=quality, score=Decimal("5"), rationale="Late")

    # The standstill: eight working days after Monday 20 April is Thursday 30 April.
    with pytest.raises(ValidationError) as caught:
        services.record_milestone(
            actor=commissioner, procurement=procurement, stage=Stage.CONTRACT, reached_on=dt.date(2026, 5, 1)
        )
    assert "standstill comes before contract signed" in _messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.record_milestone(
            actor=commissioner,
            procurement=procurement,
            stage=Stage.STANDSTILL,
            reached_on=dt.date(2026, 4, 29),
        )
    assert "cannot be reached before 30 April 2026" in _messages(caught.value)
    assert "at least 8 working days after award decided" in _messages(caught.value)
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.STANDSTILL, reached_on=dt.date(2026, 4, 30)
    )
    with pytest.raises(ValidationError, match="cannot be reached before 1 May 2026"):
        services.record_milestone(
            actor=commissioner, procurement=procurement, stage=Stage.CONTRACT, reached_on=dt.date(2026, 4, 30)
        )
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.CONTRACT, reached_on=dt.date(2026, 5, 1)
    )
    procurement.refresh_from_db()
    assert procurement.stage == Stage.CONTRACT


def test_the_award_cannot_come_before_the_bids(procurement, commissioner, people, bidders):
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.NOTICE, reached_on=dt.date(2026, 3, 9)
    )
    _criteria(commissioner, procurement)
    bid = services.record_bid(
        actor=people["officer"],
        procurement=procurement,
        bidder=bidders[0],
        received_on=dt.date(2026, 3, 20),
        price=Decimal("1000.00"),
    )
    services.record_moderation(
        actor=people["moderator"],
        bid=bid,
        scores=[(c, Decimal("1"), "Agreed") for c in Criterion.objects.filter(procurement=procurement)],
    )
    with pytest.raises(ValidationError, match="bids received comes before award decided"):
        services.record_award(
            actor=people["officer"], procurement=procurement, bid=bid, awarded_on=dt.date(2026, 3, 25)
        )
    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.ACTIVE
    assert procurement.awarded_bid is None


def test_bids_are_for_the_panel_only(procurement, commissioner, people, user_for, bidders):
    services.record_bid(
        actor=people["officer"],
        procurement=procurement,
        bidder=bidders[0],
        received_on=START,
        price=Decimal("1000.00"),
    )
    administrator = user_for("southampton", Role.ADMINISTRATOR)
    for outsider in (commissioner, administrator):
        assert not selectors.can_see_bids(outsider, procurement)
        with pytest.raises(PermissionDenied):
            selectors.bids_for(outsider, procurement)
        page = selectors.procurement_page(outsider, procurement)
        assert page.evaluation is None
    for member in people.values():
        assert selectors.can_see_bids(member, procurement)
        assert [b.bidder.name for b in selectors.bids_for(member, procurement)] == ["PT Homecare Ltd"]


def test_changing_the_facts_reassesses_the_route_until_the_notice(procurement, commissioner):
    procurement.refresh_from_db()
    updated = services.update_procurement(
        actor=commissioner,
        procurement=procurement,
        version=procurement.version,
        estimated_value=Decimal("100000.00"),
    )
    assert updated.route == "below_threshold"
    with pytest.raises(ValidationError, match="changed by someone else"):
        services.update_procurement(actor=commissioner, procurement=procurement, version=1, title="Other")
    services.record_milestone(actor=commissioner, procurement=updated, stage=Stage.NOTICE, reached_on=START)
    updated.refresh_from_db()
    with pytest.raises(ValidationError, match="route is fixed"):
        services.update_procurement(
            actor=commissioner,
            procurement=updated,
            version=updated.version,
            estimated_value=Decimal("400000.00"),
        )


def test_every_change_is_audited(procurement, commissioner, people, bidders):
    started = AuditEvent.objects.get(
        object_type__model="procurement", object_id=str(procurement.pk), action=AuditEvent.Action.CREATE
    ).occurred_at
    _criteria(commissioner, procurement)
    services.record_milestone(
        actor=commissioner, procurement=procurement, stage=Stage.NOTICE, reached_on=dt.date(2026, 3, 9)
    )
    services.record_bid(
        actor=people["officer"],
        procurement=procurement,
        bidder=bidders[0],
        received_on=START,
        price=Decimal("1000.00"),
    )
    services.cancel_procurement(actor=commissioner, procurement=procurement, reason="Need has changed")
    events = AuditEvent.objects.filter(partnership_id=procurement.partnership_id, occurred_at__gte=started)
    kinds = {(e.object_type.model, e.action) for e in events}
    assert ("procurement", AuditEvent.Action.CREATE) in kinds
    assert ("procurement", AuditEvent.Action.UPDATE) in kinds
    assert ("panelmember", AuditEvent.Action.CREATE) in kinds
    assert ("criterion", AuditEvent.Action.CREATE) in kinds
    assert ("milestone", AuditEvent.Action.UPDATE) in kinds
    assert ("bid", AuditEvent.Action.CREATE) in kinds
    created = events.get(
        object_type__model="procurement", object_id=str(procurement.pk), action=AuditEvent.Action.CREATE
    )
    assert created.summary.startswith("Route: Competitive tendering procedure")
    assert created.actor == commissioner
    assert events.filter(summary="Cancelled: Need has changed").exists()
    procurement.refresh_from_db()
    assert procurement.status == ProcurementStatus.CANCELLED


def test_a_panel_member_must_see_the_market(procurement, commissioner, southampton, council):
    outsider = User.objects.create(username="pt-outsider")
    with pytest.raises(ValidationError, match="cannot sit on the panel"):
        services.add_panel_member(
            actor=commissioner, procurement=procurement, user=outsider, role=PanelRole.EVALUATOR
        )


def test_price_scores_and_weights_are_exact():
    assert evaluation.price_score(Decimal("350000"), [Decimal("280000"), Decimal("350000")], 10) == Decimal(
        "8.00"
    )
    assert evaluation.weighted_score(
        {1: Decimal("4"), 2: Decimal("2")}, [(1, Decimal("60"), 5), (2, Decimal("40"), 3)]
    ) == Decimal("74.67")
    assert (
        evaluation.weighted_score({1: Decimal("4")}, [(1, Decimal("60"), 5), (2, Decimal("40"), 3)]) is None
    )
    assert evaluation.ranks({1: Decimal("80"), 2: Decimal("90"), 3: Decimal("80"), 4: None}) == {
        2: 1,
        1: 2,
        3: 2,
    }


def test_moderated_scores_are_unique_per_bid_and_criterion(procurement, commissioner, people, bidders):
    _criteria(commissioner, procurement)
    bid = services.record_bid(
        actor=people["officer"],
        procurement=procurement,
        bidder=bidders[1],
        received_on=START,
        price=Decimal("5.00"),
    )
    quality = Criterion.objects.get(procurement=procurement, name="Quality")
    services.moderate(
        actor=people["moderator"], bid=bid, criterion=quality, score=Decimal("3"), rationale="a"
    )
    services.moderate(actor=people["officer"], bid=bid, criterion=quality, score=Decimal("4"), rationale="b")
    assert ModeratedScore.objects.get(bid=bid, criterion=quality).score == Decimal("4.00")
