"""Review and remedial plan services against the real database: the lifecycle rules hold, refusals
name the field and save nothing, only those who manage performance may write, and every change
is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.performance import reviews
from commissioning.performance.models import Finding, PlanStatus, RemedialAction, RemedialPlan, Review

from .test_review_factories import make_contract, make_kpi, make_provider

pytestmark = pytest.mark.django_db


def errors(error: ValidationError) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in error.message_dict.items()}


def events(obj, action=None):
    found = AuditEvent.objects.filter(object_id=str(obj.pk), object_type__model=obj._meta.model_name)
    if action:
        found = found.filter(action=action)
    return list(found.order_by("id"))


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def contract(southampton, commissioner):
    return make_contract(southampton, make_provider(southampton), manager=commissioner)


@pytest.fixture
def review(contract, commissioner):
    return reviews.open_review(
        actor=commissioner, contract=contract, kind="contract", title="Quarterly review"
    )


def held(review, actor, rating="amber"):
    return reviews.hold_review(
        actor=actor,
        review=review,
        held_on=timezone.localdate(),
        attendees="Contract manager, Southampton City Council\nRegistered manager, provider",
        summary="Visits are late on Mondays; staffing is being recruited.",
        overall_rating=rating,
    )


def today():
    return timezone.localdate()


# Opening and changing ----------------------------------------------------------------------


def test_open_review_is_stored_and_audited(contract, commissioner):
    kpi = make_kpi(contract)
    review = reviews.open_review(
        actor=commissioner,
        contract=contract,
        kind="quality",
        title="  Quality visit  ",
        scheduled_for=today() + dt.timedelta(days=14),
        trigger_kpi=kpi,
    )
    review.refresh_from_db()
    assert (review.status, review.kind, review.title, review.trigger_kpi) == (
        "open",
        "quality",
        "Quality visit",
        kpi,
    )
    assert review.partnership_id == contract.partnership_id
    assert review.opened_by == commissioner
    [event] = events(review, AuditEvent.Action.CREATE)
    assert event.actor == commissioner and "opened" in event.summary


def test_open_review_refuses_bad_fields_by_name_and_saves_nothing(southampton, contract, commissioner):
    other = make_contract(southampton, contract.provider, reference="RV-002")
    foreign_kpi = make_kpi(other, code="Z9")
    with pytest.raises(ValidationError) as caught:
        reviews.open_review(
            actor=commissioner,
            contract=contract,
            kind="audit",
            title=" ",
            scheduled_for=today() + dt.timedelta(days=5 * 366),
            trigger_kpi=foreign_kpi,
        )
    found = errors(caught.value)
    assert set(found) == {"kind", "title", "scheduled_for", "trigger_kpi"}
    assert "Z9" in found["trigger_kpi"] and "RV-001" in found["trigger_kpi"]
    assert "three years" in found["scheduled_for"]
    assert not Review.objects.filter(contract=contract).exists()


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.FINANCE_OFFICER, Role.BOARD_MEMBER, Role.PROVIDER_CONTACT]
)
def test_only_those_who_manage_performance_may_open_a_review(contract, user_for, role):
    with pytest.raises(NotPermitted):
        reviews.open_review(
            actor=user_for("southampton", role), contract=contract, kind="contract", title="T"
        )
    assert not Review.objects.filter(contract=contract).exists()


def test_administrator_may_open_a_review(contract, user_for):
    review = reviews.open_review(
        actor=user_for("southampton", Role.ADMINISTRATOR), contract=contract, kind="contract", title="T"
    )
    assert review.pk


def test_a_commissioner_of_another_partnership_may_not_open_a_review(contract, user_for):
    with pytest.raises(NotPermitted):
        reviews.open_review(
            actor=user_for("nottinghamshire", Role.COMMISSIONER),
            contract=contract,
            kind="contract",
            title="T",
        )


def test_update_review_changes_fields_and_audits_before_and_after(review, commissioner):
    reviews.update_review(
        actor=commissioner, review=review, kind="quality", title="Renamed", scheduled_for=today()
    )
    review.refresh_from_db()
    assert (review.kind, review.title, review.scheduled_for) == ("quality", "Renamed", today())
    [event] = events(review, AuditEvent.Action.UPDATE)
    assert event.before["title"] == "Quarterly review" and event.after["title"] == "Renamed"


# Holding -----------------------------------------------------------------------------------


def test_hold_records_the_meeting(review, commissioner):
    held(review, commissioner, rating="green")
    review.refresh_from_db()
    assert review.status == "held"
    assert review.held_on == today()
    assert review.overall_rating == "green"
    assert "Registered manager" in review.attendees
    [event] = events(review, AuditEvent.Action.UPDATE)
    assert event.before["status"] == "open" and event.after["status"] == "held"


def test_hold_refuses_a_future_date_missing_fields_and_an_unknown_rating(review, commissioner):
    with pytest.raises(ValidationError) as caught:
        reviews.hold_review(
            actor=commissioner,
            review=review,
            held_on=today() + dt.timedelta(days=1),
            attendees="",
            summary=" ",
            overall_rating="purple",
        )
    found = errors(caught.value)
    assert set(found) == {"held_on", "attendees", "summary", "overall_rating"}
    assert "future" in found["held_on"]
    review.refresh_from_db()
    assert review.status == "open" and review.held_on is None


# Findings ----------------------------------------------------------------------------------


def test_findings_are_added_in_order_and_may_name_a_kpi_of_the_contract(review, contract, commissioner):
    kpi = make_kpi(contract)
    first = reviews.add_finding(
        actor=commissioner, review=review, area="Safe", finding="Good", rating="green"
    )
    second = reviews.add_finding(
        actor=commissioner, review=review, area="KPI", finding="Late visits", rating="red", kpi=kpi
    )
    assert [f.pk for f in review.findings.all()] == [first.pk, second.pk]
    assert second.kpi == kpi
    assert events(second, AuditEvent.Action.CREATE)


def test_a_finding_cannot_name_another_contracts_kpi(southampton, review, contract, commissioner):
    other = make_contract(southampton, contract.provider, reference="RV-003")
    with pytest.raises(ValidationError) as caught:
        reviews.add_finding(
            actor=commissioner, review=review, area="", finding="", rating="blue", kpi=make_kpi(other)
        )
    assert set(errors(caught.value)) == {"area", "finding", "rating", "kpi"}
    assert not Finding.objects.filter(review=review).exists()


def test_update_finding_corrects_it(review, commissioner):
    finding = reviews.add_finding(actor=commissioner, review=review, area="Safe", finding="x", rating="amber")
    reviews.update_finding(
        actor=commissioner, existing=finding, area="Well-led", finding="Better", rating="green"
    )
    finding.refresh_from_db()
    assert (finding.area, finding.finding, finding.rating) == ("Well-led", "Better", "green")
    [event] = events(finding, AuditEvent.Action.UPDATE)
    assert event.before["rating"] == "amber" and event.after["rating"] == "green"


# Closing -----------------------------------------------------------------------------------


def test_a_review_not_yet_held_cannot_close(review, commissioner):
    with pytest.raises(ValidationError) as caught:
        reviews.close_review(actor=commissioner, review=review)
    assert "Record the review meeting" in " ".join(caught.value.messages)
    review.refresh_from_db()
    assert review.status == "open"


def test_a_held_review_with_no_red_closes_and_is_audited(review, commissioner):
    held(review, commissioner)
    reviews.add_finding(actor=commissioner, review=review, area="Safe", finding="ok", rating="amber")
    reviews.close_review(actor=commissioner, review=review)
    review.refresh_from_db()
    assert review.status == "closed"
    [event] = events(review, AuditEvent.Action.STATE)
    assert event.before["status"] == "held" and event.after["status"] == "closed"


def test_a_red_finding_needs_a_remedial_plan_before_closing(review, commissioner):
    held(review, commissioner)
    reviews.add_finding(actor=commissioner, review=review, area="Workforce", finding="Gaps", rating="red")
    with pytest.raises(ValidationError) as caught:
        reviews.close_review(actor=commissioner, review=review)
    assert "remedial plan" in " ".join(caught.value.messages)
    assert "Workforce" in " ".join(caught.value.messages)
    review.refresh_from_db()
    assert review.status == "held"
    reviews.create_plan(
        actor=commissioner, review=review, summary="Recruit", review_by=today() + dt.timedelta(30)
    )
    reviews.close_review(actor=commissioner, review=review)
    review.refresh_from_db()
    assert review.status == "closed"


def test_a_review_rated_red_overall_needs_a_plan_too(review, commissioner):
    held(review, commissioner, rating="red")
    with pytest.raises(ValidationError):
        reviews.close_review(actor=commissioner, review=review)


def test_a_closed_review_cannot_change(review, commissioner):
    held(review, commissioner)
    reviews.close_review(actor=commissioner, review=review)
    with pytest.raises(ValidationError, match="closed"):
        reviews.add_finding(actor=commissioner, review=review, area="a", finding="b", rating="green")
    with pytest.raises(ValidationError, match="closed"):
        reviews.update_review(actor=commissioner, review=review, kind="contract", title="New")
    with pytest.raises(ValidationError, match="closed"):
        held(review, commissioner)
    with pytest.raises(ValidationError, match="already closed"):
        reviews.close_review(actor=commissioner, review=review)


# Remedial plans ----------------------------------------------------------------------------


@pytest.fixture
def plan(review, commissioner):
    return reviews.create_plan(
        actor=commissioner, review=review, summary="Fix Monday visits", review_by=today() + dt.timedelta(60)
    )


def test_a_plan_is_created_once_and_audited(review, plan, commissioner):
    assert plan.status == "draft" and plan.created_by == commissioner
    assert events(plan, AuditEvent.Action.CREATE)
    with pytest.raises(ValidationError, match="already has a remedial plan"):
        reviews.create_plan(actor=commissioner, review=review, summary="Again", review_by=today())
    assert RemedialPlan.objects.filter(review=review).count() == 1


def test_plan_refuses_a_past_review_date_and_a_blank_summary(review, commissioner):
    with pytest.raises(ValidationError) as caught:
        reviews.create_plan(
            actor=commissioner, review=review, summary="", review_by=today() - dt.timedelta(1)
        )
    found = errors(caught.value)
    assert set(found) == {"summary", "review_by"}
    assert "past" in found["review_by"]


def test_actions_need_an_owner_and_a_sensible_due_date(plan, commissioner):
    with pytest.raises(ValidationError) as caught:
        reviews.add_action(
            actor=commissioner, plan=plan, action=" ", owner="", due_on=today() - dt.timedelta(2)
        )
    assert set(errors(caught.value)) == {"action", "owner", "due_on"}
    with pytest.raises(ValidationError) as caught:
        reviews.add_action(
            actor=commissioner, plan=plan, action="a", owner="b", due_on=today() + dt.timedelta(days=4 * 366)
        )
    assert "three years" in errors(caught.value)["due_on"]
    assert not RemedialAction.objects.filter(plan=plan).exists()


def test_a_plan_is_agreed_with_actions_and_complete_only_when_all_are_done(plan, commissioner):
    with pytest.raises(ValidationError, match="Add the plan's actions"):
        reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.AGREED)
    first = reviews.add_action(
        actor=commissioner, plan=plan, action="Recruit 3 carers", owner="Registered manager", due_on=today()
    )
    second = reviews.add_action(
        actor=commissioner,
        plan=plan,
        action="Weekly rota check",
        owner="Contract manager",
        due_on=today() + dt.timedelta(30),
    )
    assert [first.position, second.position] == [1, 2]
    with pytest.raises(ValidationError, match="can only become"):
        reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.COMPLETE)
    reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.AGREED)
    plan.refresh_from_db()
    assert plan.status == "agreed" and plan.agreed_on == today()
    reviews.complete_action(actor=commissioner, action=first)
    with pytest.raises(ValidationError) as caught:
        reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.COMPLETE)
    assert "1 action still to complete" in errors(caught.value)["status"]
    reviews.complete_action(actor=commissioner, action=second)
    reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.COMPLETE)
    plan.refresh_from_db()
    assert plan.status == "complete"
    states = [e.after["status"] for e in events(plan, AuditEvent.Action.STATE)]
    assert states == ["agreed", "complete"]
    with pytest.raises(ValidationError, match="takes no more actions"):
        reviews.add_action(actor=commissioner, plan=plan, action="More", owner="x", due_on=today())


def test_completing_an_action_refuses_a_future_date_and_a_second_time(plan, commissioner):
    action = reviews.add_action(actor=commissioner, plan=plan, action="a", owner="b", due_on=today())
    with pytest.raises(ValidationError) as caught:
        reviews.complete_action(actor=commissioner, action=action, completed_on=today() + dt.timedelta(1))
    assert "future" in errors(caught.value)["completed_on"]
    reviews.complete_action(actor=commissioner, action=action)
    action.refresh_from_db()
    assert action.completed_on == today()
    [event] = events(action, AuditEvent.Action.STATE)
    assert event.before["completed_on"] is None
    with pytest.raises(ValidationError, match="already completed"):
        reviews.complete_action(actor=commissioner, action=action)


def test_a_plan_can_be_marked_not_delivered(plan, commissioner):
    reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.FAILED)
    plan.refresh_from_db()
    assert plan.status == "failed"
    with pytest.raises(ValidationError, match="cannot change any more"):
        reviews.set_plan_status(actor=commissioner, plan=plan, status=PlanStatus.AGREED)


def test_plan_changes_need_manage_performance(plan, user_for, commissioner):
    viewer = user_for("southampton", Role.VIEWER)
    action = reviews.add_action(actor=commissioner, plan=plan, action="a", owner="b", due_on=today())
    with pytest.raises(NotPermitted):
        reviews.add_action(actor=viewer, plan=plan, action="a", owner="b", due_on=today())
    with pytest.raises(NotPermitted):
        reviews.complete_action(actor=viewer, action=action)
    with pytest.raises(NotPermitted):
        reviews.set_plan_status(actor=viewer, plan=plan, status=PlanStatus.FAILED)
    action.refresh_from_db()
    assert action.completed_on is None
