"""Escalation rules against constructed returns and ratings: each rule opens a review when it should
and not otherwise, says why in plain English, opens no duplicate, and tells the contract manager
(a stored notification and an email)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.contracts.models import ContractStatus
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.market.models import Rating
from commissioning.performance import escalation, reviews
from commissioning.performance.models import (
    EscalationRule,
    EscalationTrigger,
    Notification,
    Review,
)
from commissioning.performance.schedule import Period

from .test_review_factories import STEADY, make_contract, make_kpi, make_provider, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def provider(southampton):
    return make_provider(southampton)


@pytest.fixture
def contract(southampton, provider, commissioner):
    return make_contract(southampton, provider, manager=commissioner)


def rule(partnership, trigger):
    escalation.ensure_default_rules(partnership)
    return EscalationRule.objects.get(partnership=partnership, trigger=trigger)


def escalated(contract, trigger=None):
    found = Review.objects.filter(contract=contract, escalation_rule__isnull=False)
    if trigger:
        found = found.filter(escalation_rule__trigger=trigger)
    return list(found)


def month_names(kpi, count):
    """The labels of the last ``count`` reported periods, as the rule lists them."""
    from commissioning.performance.models import KpiReturn

    starts = list(
        KpiReturn.objects.filter(kpi=kpi).order_by("period_start").values_list("period_start", "period_end")
    )
    return escalation.period_list([Period(s, e) for s, e in starts[-count:]], kpi.frequency)


# Default rules -----------------------------------------------------------------------------


def test_default_rules_are_made_once(southampton):
    first = escalation.ensure_default_rules(southampton)
    again = escalation.ensure_default_rules(southampton)
    assert [r.pk for r in first] == [r.pk for r in again]
    by_trigger = {r.trigger: r for r in first}
    assert set(by_trigger) == set(EscalationTrigger.values)
    assert by_trigger["target_missed"].consecutive_periods == 3
    assert by_trigger["quality_rating"].ratings == ["requires_improvement", "inadequate"]
    assert by_trigger["quality_rating"].review_kind == "quality"
    assert all(r.is_active for r in first)
    assert (
        AuditEvent.objects.filter(
            object_type__model="escalationrule", object_id=str(by_trigger["target_missed"].pk)
        ).count()
        == 1
    )


# Special cause of concern -----------------------------------------------------------------


def test_special_cause_of_concern_opens_a_review_and_notifies_the_manager(
    contract, commissioner, django_capture_on_commit_callbacks
):
    kpi = make_kpi(contract, target="80")
    report(kpi, [*STEADY, 60], user=commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        opened = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    [review] = opened
    assert review.escalation_rule.trigger == "special_cause_concern"
    assert review.trigger_kpi == kpi
    assert review.contract == contract and review.status == "open" and review.kind == "contract"
    assert review.trigger_detail.startswith(
        "KPI A1 (Visits on time A1) shows special cause variation of concern in "
    )
    assert "60% is below the lower process limit of " in review.trigger_detail
    [note] = Notification.objects.filter(recipient=commissioner, url__endswith=f"/reviews/{review.pk}/")
    assert note.subject == f"Review opened: {review.title}"
    assert review.trigger_detail in note.body
    [email] = [m for m in mail.outbox if review.title in m.subject]
    assert email.to == [commissioner.email]
    assert f"/reviews/{review.pk}/" in email.body
    event = AuditEvent.objects.get(object_type__model="review", object_id=str(review.pk))
    assert event.action == "create" and commissioner.display_name in event.summary


def test_common_cause_data_meeting_target_opens_nothing(
    contract, commissioner, django_capture_on_commit_callbacks
):
    kpi = make_kpi(contract, target="80")
    report(kpi, STEADY, user=commissioner)
    notes = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []
    assert escalated(contract) == []
    assert Notification.objects.count() == notes
    assert mail.outbox == []


def test_a_special_cause_of_improvement_opens_nothing(contract, commissioner):
    kpi = make_kpi(contract, target="80")
    report(kpi, [*STEADY, 120], user=commissioner)
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []


def test_lower_is_better_concern_is_a_high_point(contract, commissioner):
    kpi = make_kpi(contract, target="20", polarity="decrease", unit="days")
    report(kpi, [12, 13, 11, 12, 14, 12, 13, 11, 12, 13, 12, 11, 13, 12, 14, 40], user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert "40 days is above the upper process limit of" in review.trigger_detail


# Target missed ------------------------------------------------------------------------------


def test_target_missed_three_periods_running_opens_a_review_with_the_months(contract, commissioner):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert review.escalation_rule.trigger == "target_missed"
    months = month_names(kpi, 3)
    assert review.trigger_detail == (
        f"KPI A1 (Visits on time A1) has been below its target of 95% for 3 months: {months} "
        "(reported 92%, 89%, 91%)."
    )
    assert "missed its target 3 months running" in review.title


def test_target_missed_needs_every_one_of_the_last_n(contract, commissioner):
    kpi = make_kpi(contract, target="90.5")
    report(kpi, STEADY, user=commissioner)  # ... 90, 92, 89, 91: 92 meets the target
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []


def test_target_missed_follows_polarity(contract, commissioner):
    lower = make_kpi(contract, code="B1", target="10", polarity="decrease", unit="")
    report(lower, [12, 11, 13, 12], user=commissioner)
    met = make_kpi(contract, code="B2", target="15", polarity="decrease", unit="")
    report(met, [12, 11, 13, 12], user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[lower.pk, met.pk], actor=commissioner)
    assert review.trigger_kpi == lower
    assert "has been above its target of 10 for 3 months" in review.trigger_detail
    assert "B2" not in review.trigger_detail


def test_target_missed_counts_the_rules_number_of_periods(southampton, contract, commissioner):
    target_rule = rule(southampton, "target_missed")
    escalation.update_rule(
        actor=commissioner, rule=target_rule, is_active=True, review_kind="contract", consecutive_periods=5
    )
    kpi = make_kpi(contract, target="95")
    report(kpi, [96, 96, 90, 90, 90, 90], user=commissioner)
    escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert escalated(contract, "target_missed") == []
    report(
        kpi,
        [96, 90, 90, 90, 90, 90],
        user=commissioner,
        submitted_at=timezone.now() + dt.timedelta(seconds=1),
    )
    escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    [review] = escalated(contract, "target_missed")
    assert "for 5 months" in review.trigger_detail


def test_quarterly_kpis_count_quarters(contract, commissioner):
    kpi = make_kpi(contract, target="95", frequency="quarterly")
    report(kpi, [90, 91, 89], user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert "for 3 quarters: Q" in review.trigger_detail


def test_two_kpis_of_one_contract_open_one_review_naming_both(contract, commissioner):
    first = make_kpi(contract, code="A1", target="95")
    second = make_kpi(contract, code="A2", target="95")
    report(first, STEADY, user=commissioner)
    report(second, STEADY, user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[first.pk, second.pk], actor=commissioner)
    assert review.trigger_kpi == first
    assert "KPI A1" in review.trigger_detail and "KPI A2" in review.trigger_detail
    assert review.title == "RV-001: KPIs A1 and A2 missed their targets"


def test_a_switched_off_rule_opens_nothing(southampton, contract, commissioner):
    escalation.update_rule(
        actor=commissioner,
        rule=rule(southampton, "target_missed"),
        is_active=False,
        review_kind="contract",
        consecutive_periods=3,
    )
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []


def test_ended_contracts_are_not_escalated(southampton, provider, commissioner):
    ended = make_contract(southampton, provider, reference="RV-END", status=ContractStatus.ENDED)
    kpi = make_kpi(ended, target="95")
    report(kpi, STEADY, user=commissioner)
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []


# Idempotent ---------------------------------------------------------------------------------


def test_checking_again_opens_no_second_review_while_one_is_open_or_held(contract, commissioner):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []
    reviews.hold_review(
        actor=commissioner,
        review=review,
        held_on=timezone.localdate(),
        attendees="Both",
        summary="Discussed",
        overall_rating="amber",
    )
    report(kpi, [88], user=commissioner)  # a newer figure, still missing the target
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []
    assert len(escalated(contract)) == 1


def test_after_closing_only_new_returns_open_another(contract, commissioner):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner, submitted_at=timezone.now() - dt.timedelta(hours=1))
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    reviews.hold_review(
        actor=commissioner,
        review=review,
        held_on=timezone.localdate(),
        attendees="Both",
        summary="Discussed",
        overall_rating="amber",
    )
    reviews.close_review(actor=commissioner, review=review)
    assert escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner) == []
    report(kpi, [85], user=commissioner, submitted_at=timezone.now() + dt.timedelta(seconds=1))
    [again] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    assert again.pk != review.pk and "85%" in again.trigger_detail


# Who is told ----------------------------------------------------------------------------------


def test_without_a_contract_manager_the_commissioners_are_told(
    southampton, provider, commissioner, django_capture_on_commit_callbacks
):
    unmanaged = make_contract(southampton, provider, reference="RV-NOMGR", manager=None)
    kpi = make_kpi(unmanaged, target="95")
    report(kpi, STEADY, user=commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    told = set(
        Notification.objects.filter(url__endswith=f"/reviews/{review.pk}/").values_list(
            "recipient__username", flat=True
        )
    )
    assert commissioner.username in told
    assert "demo-southampton-viewer" not in told
    assert any(commissioner.email in m.to for m in mail.outbox)


# Quality ratings -----------------------------------------------------------------------------


def rate(provider, rating, days_ago):
    return Rating.objects.create(
        provider=provider, rating=rating, rated_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )


def provider_reviews(contract):
    return escalated(contract, "quality_rating")


def test_a_fall_from_good_to_requires_improvement_opens_a_quality_review(
    southampton, provider, contract, commissioner, django_capture_on_commit_callbacks
):
    second = make_contract(southampton, provider, reference="RV-002", manager=commissioner)
    ended = make_contract(southampton, provider, reference="RV-OLD", status=ContractStatus.ENDED)
    rate(provider, "good", 400)
    rate(provider, "requires_improvement", 3)
    with django_capture_on_commit_callbacks(execute=True):
        opened = escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    mine = [r for r in opened if r.contract.provider_id == provider.pk]
    assert {r.contract for r in mine} == {contract, second}
    assert not provider_reviews(ended)
    review = provider_reviews(contract)[0]
    assert review.kind == "quality" and review.trigger_kpi is None
    assert review.trigger_detail.startswith("Review Test Care Ltd was rated requires improvement on ")
    assert ", down from good on " in review.trigger_detail
    assert Notification.objects.filter(
        recipient=commissioner, url__endswith=f"/reviews/{review.pk}/"
    ).exists()
    assert any(review.title in m.subject for m in mail.outbox)
    again = escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    assert not [r for r in again if r.contract.provider_id == provider.pk]


def test_a_first_rating_of_inadequate_opens_a_review(southampton, provider, contract, commissioner):
    rate(provider, "not_yet_rated", 200)
    rate(provider, "inadequate", 1)
    escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    [review] = provider_reviews(contract)
    assert "its first rating" in review.trigger_detail


def test_a_rating_that_did_not_fall_opens_nothing(southampton, provider, contract, commissioner):
    rate(provider, "inadequate", 400)
    rate(provider, "requires_improvement", 3)  # better than before
    escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    assert provider_reviews(contract) == []


def test_a_good_rating_opens_nothing_unless_the_rule_says_so(southampton, provider, contract, commissioner):
    rate(provider, "outstanding", 400)
    rate(provider, "good", 3)
    escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    assert provider_reviews(contract) == []
    escalation.update_rule(
        actor=commissioner,
        rule=rule(southampton, "quality_rating"),
        is_active=True,
        review_kind="quality",
        ratings=["good", "inadequate"],
    )
    escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    assert len(provider_reviews(contract)) == 1


def test_a_closed_rating_review_is_not_reopened_for_the_same_rating(
    southampton, provider, contract, commissioner
):
    rate(provider, "good", 400)
    rate(provider, "inadequate", 3)
    [review] = [
        r
        for r in escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
        if r.contract == contract
    ]
    reviews.hold_review(
        actor=commissioner,
        review=review,
        held_on=timezone.localdate(),
        attendees="a",
        summary="b",
        overall_rating="amber",
    )
    reviews.close_review(actor=commissioner, review=review)
    escalation.check_provider_ratings(partnership=southampton, actor=commissioner)
    assert len(provider_reviews(contract)) == 1


# Rules and running them -----------------------------------------------------------------------


def test_update_rule_validates_and_audits(southampton, commissioner):
    target_rule = rule(southampton, "target_missed")
    with pytest.raises(ValidationError) as caught:
        escalation.update_rule(
            actor=commissioner, rule=target_rule, is_active=True, review_kind="other", consecutive_periods=0
        )
    assert set(caught.value.message_dict) == {"review_kind", "consecutive_periods"}
    quality_rule = rule(southampton, "quality_rating")
    with pytest.raises(ValidationError) as caught:
        escalation.update_rule(
            actor=commissioner, rule=quality_rule, is_active=True, review_kind="quality", ratings=[]
        )
    assert "ratings" in caught.value.message_dict
    with pytest.raises(ValidationError):
        escalation.update_rule(
            actor=commissioner,
            rule=quality_rule,
            is_active=True,
            review_kind="quality",
            ratings=["outstanding"],
        )
    escalation.update_rule(
        actor=commissioner, rule=target_rule, is_active=False, review_kind="quality", consecutive_periods=6
    )
    target_rule.refresh_from_db()
    assert (target_rule.is_active, target_rule.review_kind, target_rule.consecutive_periods) == (
        False,
        "quality",
        6,
    )
    event = AuditEvent.objects.filter(
        object_type__model="escalationrule", object_id=str(target_rule.pk), action="update"
    ).get()
    assert event.before["consecutive_periods"] == 3 and event.after["consecutive_periods"] == 6


def test_update_rule_needs_manage_performance(southampton, user_for):
    with pytest.raises(NotPermitted):
        escalation.update_rule(
            actor=user_for("southampton", Role.VIEWER),
            rule=rule(southampton, "target_missed"),
            is_active=False,
            review_kind="contract",
            consecutive_periods=3,
        )


def test_run_all_checks_every_active_contract_and_reads_them_in_a_fixed_number_of_queries(
    southampton, provider, commissioner, django_assert_max_num_queries
):
    kpis = []
    for n in range(4):
        contract = make_contract(southampton, provider, reference=f"RV-R{n}", manager=commissioner)
        kpi = make_kpi(contract, target="95")
        report(kpi, STEADY, user=commissioner)
        kpis.append(kpi)
    opened = escalation.run_all(partnership=southampton, actor=commissioner)
    mine = [r for r in opened if r.contract.provider_id == provider.pk]
    assert sorted(r.trigger_kpi_id for r in mine) == sorted(k.pk for k in kpis)
    assert all(r.escalation_rule.trigger == "target_missed" for r in mine)
    with django_assert_max_num_queries(QUERIES_WHEN_NOTHING_OPENS):
        assert escalation.run_all(partnership=southampton, actor=commissioner) == []


QUERIES_WHEN_NOTHING_OPENS = 30
"""However many contracts and KPIs: the rules, the KPIs, their returns, rebases, earlier reviews and
ratings are each read once (the rest are savepoints)."""


def test_run_all_needs_manage_performance(southampton, user_for):
    with pytest.raises(NotPermitted):
        escalation.run_all(partnership=southampton, actor=user_for("southampton", Role.VIEWER))


def test_amounts_read_naturally():
    assert escalation._amount(Decimal("85.5000"), "%") == "85.5%"
    assert escalation._amount(Decimal("1.0000"), "incidents") == "1 incident"
    assert escalation._amount(Decimal("1"), "people") == "1 person"
    assert escalation._amount(Decimal("3"), "people") == "3 people"
    assert escalation._amount(Decimal("1"), "per 100 beds") == "1 per 100 beds"
    assert escalation._amount(78.43333, "") == "78.43"


def test_period_list_shortens_months_of_one_year():
    months = [Period(dt.date(2025, m, 1), dt.date(2025, m, 28)) for m in (11, 12)]
    months.append(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    assert escalation.period_list(months, "monthly") == "Nov, Dec 2025, Jan 2026"
    assert escalation.period_list(months[:2], "monthly") == "Nov, Dec 2025"


def test_recording_a_rating_in_the_market_register_escalates_by_itself(
    southampton, provider, contract, commissioner, django_capture_on_commit_callbacks
):
    from commissioning.market.provider_services import record_rating

    rate(provider, "good", 400)
    with django_capture_on_commit_callbacks(execute=True):
        record_rating(
            actor=commissioner,
            provider=provider,
            rating="inadequate",
            rated_on=timezone.localdate() - dt.timedelta(days=1),
            source="cqc",
        )
    [review] = provider_reviews(contract)
    assert review.kind == "quality" and "rated inadequate" in review.trigger_detail
    assert Notification.objects.filter(
        recipient=commissioner, url__endswith=f"/reviews/{review.pk}/"
    ).exists()
