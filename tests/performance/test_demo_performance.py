"""The performance demo: returns for every demo KPI, one provider's decline read by the SPC engine,
its review and remedial plan, a decommissioning case that cannot yet move on, and a second load
that changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractStatus, Kpi, Placement
from commissioning.core.permissions import Role
from commissioning.demo import performance as demo
from commissioning.demo.market import DEMO_TODAY
from commissioning.engagement.models import Consultation
from commissioning.governance.models import Meeting
from commissioning.partners.models import Membership
from commissioning.performance import scope, series, spc
from commissioning.performance.models import (
    AppraisalOption,
    CaseStage,
    CaseStep,
    Chase,
    DecommissioningCase,
    EscalationRule,
    EscalationTrigger,
    EvaluationMeasure,
    EvaluationValue,
    Finding,
    KpiReturn,
    Notification,
    PerformanceReport,
    PlanStatus,
    Rag,
    RemedialAction,
    RemedialPlan,
    ReportCommentary,
    ReportStatus,
    ReturnRevision,
    ReturnStatus,
    Review,
    ReviewKind,
    ReviewStatus,
    TransitionArrangement,
)
from commissioning.performance.schedule import DUE_DAYS, expected_periods

pytestmark = pytest.mark.django_db

STAGES_PASSED = [
    (CaseStage.RATIONALE, CaseStage.OPTIONS),
    (CaseStage.OPTIONS, CaseStage.RISK),
    (CaseStage.RISK, CaseStage.CONSULTATION),
    (CaseStage.CONSULTATION, CaseStage.EQUALITY),
    (CaseStage.EQUALITY, CaseStage.TRANSITION),
]


def _westgate_on_time() -> Kpi:
    return Kpi.objects.select_related("contract").get(
        contract__provider__organisation__name="Westgate Domiciliary Services Ltd",
        contract__status=ContractStatus.ACTIVE,
        code="HC02",
    )


def _case() -> DecommissioningCase:
    return DecommissioningCase.objects.select_related("contract__provider__organisation").get(
        partnership__slug="southampton", reference="DC-2026-001"
    )


def test_every_demo_kpi_has_a_return_for_each_period_due_but_a_few_recent_ones():
    kpis = list(
        Kpi.objects.filter(
            contract__partnership__slug__in=["southampton", "nottinghamshire"],
            contract__status=ContractStatus.ACTIVE,
        ).select_related("contract__partnership", "contract__provider")
    )
    received: dict[int, list[dt.date]] = defaultdict(list)
    for kpi_id, start in KpiReturn.objects.filter(kpi__in=kpis).values_list("kpi_id", "period_start"):
        received[kpi_id].append(start)
    by_frequency: Counter[str] = Counter()
    short: dict[int, int] = {}
    for kpi in kpis:
        due = [
            period.start
            for period in expected_periods(
                kpi.frequency, kpi.contract.starts_on, kpi.contract.ends_on, until=demo.UNTIL
            )
        ]
        got = sorted(received[kpi.pk])
        # Every return is for a period due, and any gap is the latest two or three periods.
        assert got == due[: len(got)], kpi
        if len(got) < len(due):
            short[kpi.pk] = len(due) - len(got)
        by_frequency[kpi.frequency] += len(got)
    assert by_frequency["monthly"] > 1500
    assert by_frequency["quarterly"] > 600
    assert by_frequency["annual"] > 80
    assert sum(by_frequency.values()) == KpiReturn.objects.count()
    # Nothing is due after the last period ended twenty days before the demo's today.
    assert not KpiReturn.objects.filter(period_end__gt=DEMO_TODAY - dt.timedelta(days=DUE_DAYS)).exists()
    assert 4 <= len(short) <= 12
    assert set(short.values()) <= {2, 3}
    partnerships = {kpi.contract.partnership.slug for kpi in kpis if kpi.pk in short}
    assert partnerships == {"southampton", "nottinghamshire"}
    # Each KPI left short has been chased for its first missing return.
    assert set(Chase.objects.values_list("kpi_id", flat=True)) == set(short)


def test_values_fit_their_units_and_status_follows_the_age_of_the_return():
    percentages = KpiReturn.objects.filter(kpi__unit="%")
    assert percentages.exists()
    assert not percentages.filter(Q(value__lt=0) | Q(value__gt=100)).exists()
    assert not KpiReturn.objects.filter(value__lt=0).exists()
    counts = KpiReturn.objects.filter(kpi__unit__in=["people", "incidents", "families", "nights", "days"])
    assert all(value == value.to_integral_value() for value in counts.values_list("value", flat=True))
    statuses = Counter(KpiReturn.objects.values_list("status", flat=True))
    assert (
        statuses[ReturnStatus.VALIDATED]
        > statuses[ReturnStatus.SUBMITTED]
        > statuses[ReturnStatus.QUERIED]
        > 0
    )
    # Returns still awaiting validation are the recent ones; queried ones carry the question.
    submitted = KpiReturn.objects.filter(status=ReturnStatus.SUBMITTED)
    assert not submitted.filter(period_end__lt=dt.date(2026, 6, 30)).exists()
    assert not submitted.exclude(reviewed_by=None).exists()
    assert not KpiReturn.objects.filter(status=ReturnStatus.QUERIED, query="").exists()
    assert not KpiReturn.objects.filter(status=ReturnStatus.VALIDATED, reviewed_at=None).exists()


def test_each_return_has_its_revisions_and_corrections_keep_the_first_figure():
    returns = KpiReturn.objects.annotate(revisions_count=Count("revisions"))
    assert not returns.exclude(revisions_count=F("version")).exists()
    corrected = KpiReturn.objects.filter(version=2)
    assert 5 <= corrected.count() <= 15
    for kpi_return in corrected.prefetch_related("revisions"):
        first, second = kpi_return.revisions.all()
        assert (first.version, second.version) == (1, 2)
        assert first.value != second.value == kpi_return.value
        assert second.reason and not first.reason
        assert first.submitted_at < second.submitted_at == kpi_return.submitted_at
    assert ReturnRevision.objects.count() == KpiReturn.objects.count() + corrected.count()


def test_returns_are_submitted_by_the_providers_contact_where_the_demo_has_one(southampton, user_for):
    contact = user_for("southampton", Role.PROVIDER_CONTACT)
    organisations = Membership.objects.filter(
        user=contact, partnership=southampton, role=Role.PROVIDER_CONTACT.value
    ).values_list("organisation_id", flat=True)
    theirs = KpiReturn.objects.filter(
        kpi__contract__partnership=southampton, kpi__contract__provider__organisation_id__in=organisations
    )
    assert theirs.count() > 100
    assert set(theirs.values_list("submitted_by", flat=True)) == {contact.pk}
    others = KpiReturn.objects.filter(kpi__contract__partnership=southampton).exclude(pk__in=theirs)
    assert contact.pk not in set(others.values_list("submitted_by", flat=True))


def test_the_provider_contact_sees_a_special_cause_and_an_overdue_return_of_their_own(southampton, user_for):
    contact = user_for("southampton", Role.PROVIDER_CONTACT)
    kpis = list(scope.visible_kpis(contact, southampton).filter(contract__status=ContractStatus.ACTIVE))
    assert kpis
    readings = series.readings_for(
        Kpi.objects.filter(pk__in=[k.pk for k in kpis]).select_related("contract"),
        until=dt.date(2026, 9, 30),
    )
    special = [r for r in readings if r.variation and r.variation != "common_cause"]
    assert any(r.kpi.code == "DTC" and r.variation == "improvement_low" for r in special)
    assert all(scope.may_submit_for(contact, r.kpi.contract) for r in special)
    # One of their monthly KPIs still owes its latest returns.
    latest = (
        KpiReturn.objects.filter(kpi__in=kpis, kpi__frequency="monthly")
        .values("kpi")
        .annotate(last=Max("period_end"))
        .values_list("last", flat=True)
    )
    assert min(latest) <= dt.date(2026, 8, 31) < max(latest)
    assert Chase.objects.filter(kpi__in=kpis).exists()
    # And never another provider's: the deteriorating home care provider is not theirs.
    assert _westgate_on_time().pk not in {k.pk for k in kpis}


def test_the_deteriorating_kpi_reads_special_cause_concern():
    kpi = _westgate_on_time()
    values = list(KpiReturn.objects.filter(kpi=kpi).order_by("period_start").values_list("value", flat=True))
    assert len(values) >= 24
    table = spc.xmr([float(v) for v in values], improvement=kpi.polarity, target=float(kpi.target))
    recent = table.iloc[-7:]
    assert (recent["point_type"] == "special_cause_concern").all()
    assert (recent["side"] == "low").all()
    rules = {rule for point in recent["rules"] for rule in point}
    assert {"beyond_limits", "run"} <= rules
    assert (recent["value"] < recent["lpl"]).sum() >= 5
    assert spc.variation_icon(table, kpi.polarity) == "concern_low"
    assert spc.assurance_icon(table, kpi.polarity, float(kpi.target)) in ("fail", "inconsistent")
    # The platform's own reading agrees, and flags it as an exception.
    reading = series.readings_for([kpi], until=dt.date(2026, 9, 30))[0]
    assert reading.variation == "concern_low"
    assert reading.is_exception or reading.assurance == "inconsistent"
    # Steady before: the first fifteen months of the two years hold within a point or two of 93%.
    steady = [float(v) for v in values[-24:-9]]
    assert max(steady) - min(steady) < 2.5


def test_each_partnership_has_the_default_escalation_rules(southampton, nottinghamshire):
    for partnership in (southampton, nottinghamshire):
        rules = {rule.trigger: rule for rule in EscalationRule.objects.filter(partnership=partnership)}
        assert set(rules) == set(EscalationTrigger.values)
        assert rules[EscalationTrigger.TARGET_MISSED].consecutive_periods == 3
        assert rules[EscalationTrigger.QUALITY_RATING].ratings == ["requires_improvement", "inadequate"]
        assert rules[EscalationTrigger.QUALITY_RATING].review_kind == ReviewKind.QUALITY
        assert all(rule.is_active for rule in rules.values())


def test_the_decline_opened_a_review_with_findings_and_an_agreed_remedial_plan(southampton):
    kpi = _westgate_on_time()
    review = Review.objects.get(
        contract=kpi.contract, escalation_rule__trigger=EscalationTrigger.SPECIAL_CAUSE_CONCERN
    )
    assert review.partnership == southampton
    assert review.trigger_kpi == kpi
    assert "special cause" in review.trigger_detail and "lower process limit" in review.trigger_detail
    assert review.status == ReviewStatus.HELD
    assert review.held_on and review.held_on < DEMO_TODAY
    assert review.opened_at.date() < review.held_on
    assert review.attendees.count("\n") >= 3 and review.summary
    assert review.overall_rating in (Rag.AMBER, Rag.RED)
    findings = list(Finding.objects.filter(review=review))
    assert 3 <= len(findings) <= 4
    assert {f.rating for f in findings} <= set(Rag.values)
    assert any(f.kpi == kpi and f.rating == Rag.RED for f in findings)
    plan = RemedialPlan.objects.get(review=review)
    assert plan.status == PlanStatus.AGREED and plan.agreed_on > review.held_on
    assert plan.review_by > DEMO_TODAY
    actions = list(RemedialAction.objects.filter(plan=plan))
    assert 4 <= len(actions) <= 5
    done = [a for a in actions if a.completed_on]
    assert 0 < len(done) < len(actions)
    assert all(a.owner and a.due_on for a in actions)
    # The contract manager was told.
    notice = Notification.objects.get(partnership=southampton, subject__contains=review.title)
    assert notice.recipient == kpi.contract.contract_manager
    assert str(review.pk) in notice.url


def test_a_decommissioning_case_is_at_the_transition_stage_and_cannot_yet_advance(southampton):
    case = _case()
    contract = case.contract
    assert case.stage == CaseStage.TRANSITION
    assert contract.status == ContractStatus.ACTIVE
    assert contract != _westgate_on_time().contract
    assert case.rationale
    evidence = list(case.evidence_kpis.all())
    assert evidence and all(kpi.contract_id == contract.pk for kpi in evidence)
    reviews = list(case.reviews.all())
    assert reviews and all(review.contract_id == contract.pk for review in reviews)
    assert {o.option for o in case.options.all()} == set(AppraisalOption.values)
    assert case.chosen_option == AppraisalOption.DECOMMISSION
    risks = list(case.risks.all())
    assert len(risks) == 3
    assert any(r.likelihood * r.impact >= 15 and r.mitigation for r in risks)
    consultation = case.consultation
    assert consultation.partnership == southampton and consultation.closes_on < DEMO_TODAY
    assert Consultation.objects.filter(pk=consultation.pk, themes__isnull=False).exists()
    assert case.equality_summary and case.equality_outcome
    steps = [(s.from_stage, s.to_stage) for s in CaseStep.objects.filter(case=case)]
    assert steps == STAGES_PASSED
    # Some current placements have somewhere to go, not all: the transition stage is not done.
    current = Placement.objects.filter(contract=contract).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=timezone.localdate())
    )
    arranged = TransitionArrangement.objects.filter(case=case, placement__isnull=False)
    assert case.users_affected == current.count()
    assert 0 < arranged.count() < current.count()
    assert set(arranged.values_list("placement_id", flat=True)) < set(current.values_list("pk", flat=True))
    assert not arranged.filter(move_by__gt=contract.ends_on).exists()


def test_evaluation_values_and_a_draft_report_for_the_next_board(southampton):
    values = EvaluationValue.objects.filter(partnership=southampton)
    for measure in (EvaluationMeasure.PROVIDER_CLARITY, EvaluationMeasure.USER_SATISFACTION):
        surveys = values.filter(measure=measure).order_by("financial_year")
        assert list(surveys.values_list("financial_year", flat=True)) == [2022, 2023, 2024, 2025]
        assert all(v.sample_size and v.source and 0 < v.value <= 100 for v in surveys)
    assert values.filter(measure=EvaluationMeasure.DUPLICATION, financial_year__lt=2026).count() == 4
    report = PerformanceReport.objects.get(partnership=southampton)
    assert report.status == ReportStatus.DRAFT
    assert report.board is not None and report.board.reports_to is None
    first_after = (
        Meeting.objects.filter(board=report.board, starts_at__date__gt=DEMO_TODAY)
        .order_by("starts_at")
        .first()
    )
    assert report.meeting == first_after
    assert report.period_end == dt.date(2026, 9, 30)
    assert report.introduction
    kpi = _westgate_on_time()
    assert ReportCommentary.objects.filter(report=report, kpi=kpi).exists()
    assert ReportCommentary.objects.filter(
        report=report, care_group=kpi.contract.care_group, kpi=None
    ).exists()


def test_loading_again_changes_nothing(system):
    kinds = (
        EscalationRule,
        KpiReturn,
        ReturnRevision,
        Chase,
        Review,
        Finding,
        RemedialPlan,
        RemedialAction,
        Notification,
        DecommissioningCase,
        TransitionArrangement,
        CaseStep,
        Consultation,
        EvaluationValue,
        PerformanceReport,
        ReportCommentary,
        Contract,
    )
    before = {model.__name__: model.objects.count() for model in kinds}
    demo.load(actor=system, say=lambda message: None)
    assert {model.__name__: model.objects.count() for model in kinds} == before
