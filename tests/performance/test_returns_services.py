"""Provider returns through the services: the period and value rules, one return per period,
corrections that keep every figure, a commissioner's validation and query, chasing, and the
audit trail — on the demo's contracts, as the demo's provider contact and commissioner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.contracts.models import Contract, Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners.models import Membership
from commissioning.performance import return_selectors as selectors
from commissioning.performance import returns as services
from commissioning.performance.models import (
    Chase,
    KpiReturn,
    Notification,
    ReturnRevision,
    ReturnStatus,
)
from commissioning.performance.schedule import Period, period_containing
from tests.conftest import demo_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 17)
OCT = dt.date(2026, 10, 1)  # ended 31 October, due 20 November: "due" on TODAY
SEP = dt.date(2026, 9, 1)  # due 20 October: "late" on TODAY
NOV = dt.date(2026, 11, 1)  # still open on TODAY


# Test data shared with the other returns tests -----------------------------------------------


def provider_organisations(partnership, user) -> list[int]:
    return list(
        Membership.objects.filter(
            user=user, partnership=partnership, role=Role.PROVIDER_CONTACT.value
        ).values_list("organisation_id", flat=True)
    )


def _kpi(partnership, user, *, own: bool, frequency: str, unit: str, around: dt.date) -> Kpi:
    """A KPI of a contract running from well before ``around`` to after it, with no returns yet."""
    organisations = provider_organisations(partnership, user)
    kpis = Kpi.objects.filter(
        contract__partnership=partnership,
        frequency=frequency,
        unit=unit,
        contract__starts_on__lte=around - dt.timedelta(days=400),
        contract__ends_on__gte=around,
    ).select_related("contract__provider__organisation", "contract__partnership")
    kpis = (
        kpis.filter(contract__provider__organisation_id__in=organisations)
        if own
        else kpis.exclude(contract__provider__organisation_id__in=organisations)
    )
    kpi = kpis.order_by("contract__reference", "code").first()
    assert kpi is not None, f"the demo has no {frequency} KPI in {unit} for this test"
    KpiReturn.objects.filter(kpi=kpi).delete()
    Chase.objects.filter(kpi=kpi).delete()
    return kpi


def own_kpi(partnership, *, frequency="monthly", unit="%", around=TODAY) -> Kpi:
    """A KPI of a contract held by the demo provider contact's organisation."""
    user = demo_user(partnership.slug, Role.PROVIDER_CONTACT)
    return _kpi(partnership, user, own=True, frequency=frequency, unit=unit, around=around)


def other_kpi(partnership, *, frequency="monthly", unit="%", around=TODAY) -> Kpi:
    """A KPI of another provider's contract, which the demo provider contact must never see."""
    user = demo_user(partnership.slug, Role.PROVIDER_CONTACT)
    return _kpi(partnership, user, own=False, frequency=frequency, unit=unit, around=around)


def months_back(today: dt.date, months: int) -> Period:
    """The monthly period ``months`` before the one containing ``today``."""
    period = period_containing("monthly", today)
    for _ in range(months):
        period = period_containing("monthly", period.start - dt.timedelta(days=1))
    return period


@pytest.fixture
def provider(southampton):
    return demo_user("southampton", Role.PROVIDER_CONTACT)


@pytest.fixture
def commissioner(southampton):
    return demo_user("southampton", Role.COMMISSIONER)


@pytest.fixture
def administrator(southampton):
    return demo_user("southampton", Role.ADMINISTRATOR)


@pytest.fixture
def kpi(southampton):
    return own_kpi(southampton)


def events_for(obj, action=None):
    events = AuditEvent.objects.filter(object_id=str(obj.pk), object_type__model=obj._meta.model_name)
    return events.filter(action=action) if action else events


# The rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "low", "high"),
    [
        ("%", 0, 100),
        (" Percent ", 0, 100),
        ("days", 0, None),
        ("people", 0, None),
        ("per 1,000 bed days", 0, None),
        ("", 0, None),
        ("net change in people", None, None),
    ],
)
def test_the_range_a_unit_allows(unit, low, high):
    expected = (None if low is None else Decimal(low), None if high is None else Decimal(high))
    assert services.value_range(unit) == expected


@pytest.mark.parametrize(
    ("raw", "unit", "value", "problem"),
    [
        ("87.5", "%", Decimal("87.5"), None),
        ("87.5%", "%", Decimal("87.5"), None),
        (" 1,234 ", "days", Decimal("1234"), None),
        (12, "people", Decimal("12"), None),
        (0.25, "days", Decimal("0.25"), None),
        ("-3", "net change in people", Decimal("-3"), None),
        ("", "%", None, "Give the figure for the period."),
        ("lots", "%", None, "'lots' is not a number"),
        ("NaN", "%", None, "'NaN' is not a number"),
        ("100.01", "%", None, "100.01 is out of range: a KPI measured in % must be between 0 and 100."),
        ("-1", "%", None, "must be between 0 and 100"),
        ("-2", "days", None, "-2 is out of range: a KPI measured in days cannot be negative."),
        ("1.23456", "days", None, "more than four decimal places"),
        ("12345678901", "days", None, "is too large"),
        (True, "days", None, "is not a number"),
    ],
)
def test_a_figure_is_a_number_its_unit_allows(raw, unit, value, problem):
    parsed, reason = services.parse_value(raw, unit)
    assert parsed == value
    if problem is None:
        assert reason is None
    else:
        assert problem in reason


@pytest.mark.parametrize(
    ("unit", "hint"),
    [("%", "In %, from 0 to 100."), ("days", "In days; not negative."), ("", "A number; not negative.")],
)
def test_the_form_says_what_range_a_unit_allows(unit, hint):
    assert services.range_hint(unit) == hint


def test_a_period_must_start_the_kpis_cycle_fall_in_the_term_and_have_ended(kpi):
    contract = kpi.contract
    period, problem = services.period_problem(kpi, OCT, today=TODAY)
    assert problem is None and period == Period(OCT, dt.date(2026, 10, 31))
    _, problem = services.period_problem(kpi, dt.date(2026, 10, 15), today=TODAY)
    assert "15 October 2026 is not the start of a reporting period" in problem
    assert "reported monthly" in problem and "Oct 2026, starts on 1 October 2026" in problem
    _, problem = services.period_problem(kpi, NOV, today=TODAY)
    assert problem == "Nov 2026 has not ended yet; its return can be made from 1 December 2026."
    before = period_containing("monthly", contract.starts_on - dt.timedelta(days=1)).start
    _, problem = services.period_problem(kpi, before, today=TODAY)
    assert f"outside the term of contract {contract.reference}" in problem


def test_a_quarterly_kpi_takes_returns_for_financial_quarters(southampton):
    quarterly = own_kpi(southampton, frequency="quarterly")
    period, problem = services.period_problem(quarterly, dt.date(2026, 7, 1), today=TODAY)
    assert problem is None and period.label == "Q2 2026/27"
    _, problem = services.period_problem(quarterly, dt.date(2026, 8, 1), today=TODAY)
    assert "reported quarterly" in problem and "Q2 2026/27, starts on 1 July 2026" in problem


# Submitting ----------------------------------------------------------------------------------


def test_a_provider_submits_a_return_with_its_first_revision_and_audit(provider, kpi):
    kpi_return = services.submit_return(
        actor=provider, kpi=kpi, period_start=OCT, value="91.25", commentary=" New rota. ", today=TODAY
    )
    kpi_return.refresh_from_db()
    assert (kpi_return.period_start, kpi_return.period_end) == (OCT, dt.date(2026, 10, 31))
    assert kpi_return.value == Decimal("91.25")
    assert kpi_return.commentary == "New rota."
    assert (kpi_return.status, kpi_return.version, kpi_return.submitted_by) == ("submitted", 1, provider)
    revision = kpi_return.revisions.get()
    assert (revision.version, revision.value, revision.reason) == (1, Decimal("91.25"), "")
    created = events_for(kpi_return, AuditEvent.Action.CREATE).get()
    assert created.actor == provider
    assert created.partnership_id == kpi.contract.partnership_id
    assert created.summary == f"Return for {kpi.code} Oct 2026: 91.25"
    assert events_for(revision, AuditEvent.Action.CREATE).count() == 1


def test_a_bad_submission_names_each_field_and_writes_nothing(provider, kpi):
    with pytest.raises(ValidationError) as refused:
        services.submit_return(actor=provider, kpi=kpi, period_start=NOV, value="about 90", today=TODAY)
    errors = refused.value.message_dict
    assert errors["period_start"] == [
        "Nov 2026 has not ended yet; its return can be made from 1 December 2026."
    ]
    assert "'about 90' is not a number" in errors["value"][0]
    assert not KpiReturn.objects.filter(kpi=kpi).exists()


def test_a_second_submission_for_a_period_is_refused_as_a_duplicate(provider, kpi):
    services.submit_return(actor=provider, kpi=kpi, period_start=OCT, value="90", today=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.submit_return(actor=provider, kpi=kpi, period_start=OCT, value="95", today=TODAY)
    message = refused.value.message_dict["period_start"][0]
    assert f"A return for {kpi.code} for Oct 2026 was already submitted on" in message
    assert "(figure 90)" in message and "make a correction" in message
    assert KpiReturn.objects.get(kpi=kpi).value == Decimal("90")


def test_only_the_providers_contacts_and_administrators_submit(
    southampton, provider, commissioner, administrator
):
    theirs = other_kpi(southampton)
    with pytest.raises(NotPermitted, match="organisation you act for"):
        services.submit_return(actor=provider, kpi=theirs, period_start=OCT, value="90", today=TODAY)
    with pytest.raises(NotPermitted, match="needs a provider contact or administrator"):
        services.submit_return(actor=commissioner, kpi=theirs, period_start=OCT, value="90", today=TODAY)
    assert not KpiReturn.objects.filter(kpi=theirs).exists()
    made = services.submit_return(actor=administrator, kpi=theirs, period_start=OCT, value="90", today=TODAY)
    assert made.submitted_by == administrator


# Correcting ----------------------------------------------------------------------------------


def test_a_correction_keeps_the_earlier_figure_and_sends_a_validated_return_back(provider, commissioner, kpi):
    first = services.submit_return(actor=provider, kpi=kpi, period_start=OCT, value="80", today=TODAY)
    services.validate_return(actor=commissioner, kpi_return=first)
    corrected = services.correct_return(
        actor=provider,
        kpi_return=first,
        value="82.5",
        commentary="Late records added.",
        reason="Late records",
    )
    corrected.refresh_from_db()
    assert (corrected.value, corrected.version, corrected.status) == (Decimal("82.5"), 2, "submitted")
    assert corrected.reviewed_by is None and corrected.reviewed_at is None
    history = list(selectors.revisions_of(corrected).values_list("version", "value", "reason", "commentary"))
    assert history == [
        (1, Decimal("80"), "", ""),
        (2, Decimal("82.5"), "Late records", "Late records added."),
    ]
    update = events_for(corrected, AuditEvent.Action.UPDATE).latest("occurred_at")
    assert update.summary == f"Corrected {kpi.code} from 80 to 82.5: Late records"
    assert update.before["value"] == "80.0000" and update.after["value"] == "82.5000"


def test_a_correction_needs_a_reason_and_a_change(provider, kpi):
    first = services.submit_return(
        actor=provider, kpi=kpi, period_start=OCT, value="80", commentary="As counted.", today=TODAY
    )
    with pytest.raises(ValidationError) as refused:
        services.correct_return(
            actor=provider, kpi_return=first, value="80", commentary="As counted.", reason=""
        )
    errors = refused.value.message_dict
    assert errors["reason"] == ["Say why the figure is being corrected."]
    assert "there is nothing to correct" in errors["value"][0]
    with pytest.raises(ValidationError) as refused:
        services.correct_return(actor=provider, kpi_return=first, value="180", commentary="", reason="Typo")
    assert "must be between 0 and 100" in refused.value.message_dict["value"][0]
    assert ReturnRevision.objects.filter(kpi_return=first).count() == 1


def test_another_provider_cannot_correct_a_return(southampton, provider, administrator):
    theirs = other_kpi(southampton)
    made = services.submit_return(actor=administrator, kpi=theirs, period_start=OCT, value="90", today=TODAY)
    with pytest.raises(NotPermitted):
        services.correct_return(actor=provider, kpi_return=made, value="10", commentary="", reason="Mine now")
    made.refresh_from_db()
    assert made.value == Decimal("90")


# Reviewing -----------------------------------------------------------------------------------


def test_a_commissioner_validates_and_queries_and_the_provider_is_told(
    provider, commissioner, kpi, django_capture_on_commit_callbacks
):
    made = services.submit_return(actor=provider, kpi=kpi, period_start=OCT, value="55", today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        queried = services.query_return(actor=commissioner, kpi_return=made, query="Half of last month?")
    assert (queried.status, queried.query, queried.reviewed_by) == (
        "queried",
        "Half of last month?",
        commissioner,
    )
    note = Notification.objects.get(recipient=provider)
    assert note.subject == f"Return queried: {kpi.contract.reference} {kpi.code} Oct 2026"
    assert note.url == f"/p/southampton/returns/return/{made.pk}/"
    assert [message.to for message in mail.outbox] == [[provider.email]]
    assert "Half of last month?" in mail.outbox[0].body
    validated = services.validate_return(actor=commissioner, kpi_return=made)
    assert validated.status == ReturnStatus.VALIDATED
    with pytest.raises(ValidationError, match="already validated"):
        services.validate_return(actor=commissioner, kpi_return=made)
    actions = list(events_for(made).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "update"]


def test_a_query_needs_words_and_only_commissioners_review(provider, kpi, user_for):
    made = services.submit_return(actor=provider, kpi=kpi, period_start=OCT, value="55", today=TODAY)
    commissioner = user_for("southampton", Role.COMMISSIONER)
    with pytest.raises(ValidationError) as refused:
        services.query_return(actor=commissioner, kpi_return=made, query="   ")
    assert refused.value.message_dict == {"query": ["Say what you want the provider to check or explain."]}
    for role in (Role.PROVIDER_CONTACT, Role.VIEWER, Role.FINANCE_OFFICER):
        with pytest.raises(NotPermitted):
            services.validate_return(actor=user_for("southampton", role), kpi_return=made)
        with pytest.raises(NotPermitted):
            services.query_return(actor=user_for("southampton", role), kpi_return=made, query="Why?")
    made.refresh_from_db()
    assert made.status == "submitted"


# Chasing -------------------------------------------------------------------------------------


def test_chasing_a_late_return_records_it_and_emails_the_providers_contacts(
    provider, commissioner, kpi, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = services.chase(
            actor=commissioner, kpi=kpi, period_start=SEP, message="Please send by Friday.", today=TODAY
        )
    assert done.told == 1
    chase = Chase.objects.get(kpi=kpi)
    assert (chase.period_start, chase.chased_by, chase.message) == (
        SEP,
        commissioner,
        "Please send by Friday.",
    )
    assert events_for(chase, AuditEvent.Action.CREATE).get().summary == (
        f"Chased {kpi.contract.reference} {kpi.code} Sep 2026"
    )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [provider.email]
    assert email.subject == f"Return needed: {kpi.contract.reference} {kpi.code} Sep 2026"
    assert "It was due on 20 October 2026." in email.body and "Please send by Friday." in email.body
    assert f"/p/southampton/returns/{kpi.pk}/2026-09-01/" in email.body
    late = selectors.schedule(commissioner, kpi.contract.partnership, today=TODAY, kpi_ids=[kpi.pk])
    row = next(row for row in late if row.period.start == SEP)
    assert (row.status, row.chases, row.last_chased) == ("late", 1, chase.chased_at)


def test_a_received_or_open_return_is_not_chased_and_providers_cannot_chase(provider, commissioner, kpi):
    services.submit_return(actor=provider, kpi=kpi, period_start=SEP, value="70", today=TODAY)
    with pytest.raises(ValidationError, match="there is nothing to chase"):
        services.chase(actor=commissioner, kpi=kpi, period_start=SEP, today=TODAY)
    with pytest.raises(ValidationError, match="has not ended yet"):
        services.chase(actor=commissioner, kpi=kpi, period_start=NOV, today=TODAY)
    with pytest.raises(NotPermitted):
        services.chase(actor=provider, kpi=kpi, period_start=OCT, today=TODAY)
    assert not Chase.objects.filter(kpi=kpi).exists()


# The schedule --------------------------------------------------------------------------------


def test_the_schedule_marks_each_ended_period_received_due_or_late(
    provider, kpi, django_assert_max_num_queries
):
    partnership = kpi.contract.partnership
    services.submit_return(actor=provider, kpi=kpi, period_start=dt.date(2026, 8, 1), value="90", today=TODAY)
    with django_assert_max_num_queries(6):
        rows = selectors.schedule(provider, partnership, today=TODAY)
    mine = {row.period.start: row for row in rows if row.kpi.pk == kpi.pk}
    assert mine[OCT].status == "due"
    assert mine[SEP].status == "late" and mine[SEP].days_late == (TODAY - dt.date(2026, 10, 20)).days
    assert mine[dt.date(2026, 8, 1)].status == "received"
    assert mine[dt.date(2026, 8, 1)].value_text == "90"
    assert NOV not in mine  # still open
    first = period_containing("monthly", kpi.contract.starts_on).start
    assert min(mine) == first
    organisations = set(provider_organisations(partnership, provider))
    assert {row.contract.provider.organisation_id for row in rows} <= organisations


def test_the_schedule_of_many_kpis_takes_the_same_few_queries(
    commissioner, southampton, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        rows = selectors.schedule(commissioner, southampton, today=TODAY)
    assert len({row.kpi.pk for row in rows}) > 100
    overdue = selectors.overdue(commissioner, southampton, today=TODAY)
    assert overdue and all(row.status == "late" for row in overdue)
    assert [row.period.due for row in overdue] == sorted(row.period.due for row in overdue)


def test_a_return_received_after_its_due_date_is_shown_as_late_in(provider, kpi):
    made = services.submit_return(actor=provider, kpi=kpi, period_start=SEP, value="70", today=TODAY)
    KpiReturn.objects.filter(pk=made.pk).update(submitted_at=timezone.make_aware(dt.datetime(2026, 11, 1, 9)))
    row = next(
        row
        for row in selectors.schedule(provider, kpi.contract.partnership, today=TODAY, kpi_ids=[kpi.pk])
        if row.period.start == SEP
    )
    assert row.status == "received" and row.received_late


@pytest.mark.parametrize("status", ["ended", "draft"])
def test_only_an_active_contract_owes_returns_but_any_keeps_what_it_reported(
    provider, commissioner, kpi, status
):
    services.submit_return(actor=provider, kpi=kpi, period_start=dt.date(2026, 8, 1), value="90", today=TODAY)
    Contract.objects.filter(pk=kpi.contract_id).update(status=status)
    rows = selectors.schedule(commissioner, kpi.contract.partnership, today=TODAY, kpi_ids=[kpi.pk])
    assert [(row.period.start, row.status) for row in rows] == [(dt.date(2026, 8, 1), "received")]
    assert not selectors.overdue(
        commissioner, kpi.contract.partnership, today=TODAY, contract_id=kpi.contract_id
    )
