"""The integrated performance report against the real database: its content on returns built here
(care groups in order, "No care group" last, exceptions first within each group, then
improvements, then the rest), commentary written, rewritten and removed, issue locking every edit,
and the validation and permissions of each write.

The report's contracts run from April 2017 to March 2019 and it is read as at 30 November 2018,
before any demo contract began, so its content is exactly what is built here: twenty monthly
returns from April 2017 for each KPI.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning.contracts.models import Kpi
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.governance.models import Board, Meeting
from commissioning.partners.models import CareGroup, Partnership
from commissioning.performance import report_selectors, report_services
from commissioning.performance.models import KpiReturn, PerformanceReport, ReportCommentary, ReportStatus
from commissioning.performance.schedule import iter_periods
from tests.contracts.test_contract_services import make_provider, standard

pytestmark = pytest.mark.django_db

D = Decimal
START, END = dt.date(2017, 4, 1), dt.date(2019, 3, 31)
PERIOD_END = dt.date(2018, 11, 30)
STABLE = [90, 91, 92, 90, 91, 92, 90, 91, 92, 90, 91, 92]
SERIES = {
    # code: (values, target, polarity) — codes sort the opposite way to the expected order
    "R1": ([*STABLE, 91, 90, 92, 91, 90, 92, 91, 90], None, "increase"),  # common cause: the rest
    "R2": ([*STABLE, 110, 111, 109, 112, 110, 108, 111, 110], None, "increase"),  # improvement
    "R3": ([*STABLE, 70, 71, 69, 72, 70, 68, 71, 70], None, "increase"),  # concern: an exception
    "R4": ([*STABLE, 91, 90, 92, 91, 90, 92, 91, 90], "99", "increase"),  # fails its target: an exception
}


def add_returns(kpi: Kpi, values, *, by) -> None:
    periods = iter_periods("monthly", kpi.contract.starts_on, kpi.contract.ends_on)
    for period, value in zip(periods, values, strict=False):
        KpiReturn.objects.create(
            kpi=kpi,
            period_start=period.start,
            period_end=period.end,
            value=D(str(value)),
            submitted_by=by,
            submitted_at=timezone.now(),
        )


def make_kpi(contract, code, values=(), *, target=None, polarity="increase", by=None) -> Kpi:
    kpi = Kpi.objects.create(
        contract=contract,
        code=code,
        name=f"Report measure {code}",
        definition="A measure for the report tests.",
        unit="%",
        target=None if target is None else D(target),
        polarity=polarity,
        frequency="monthly",
    )
    if values:
        add_returns(kpi, values, by=by)
    return kpi


class Built:
    """Contracts in force on PERIOD_END in two care groups and none, with KPIs and returns."""

    def __init__(self, partnership: Partnership, actor) -> None:
        self.partnership = partnership
        self.actor = actor
        self.first_group = CareGroup.objects.create(
            partnership=partnership, name="Report test adults", slug="report-test-adults", position=0
        )
        self.second_group = CareGroup.objects.create(
            partnership=partnership, name="Report test children", slug="report-test-children", position=1
        )
        provider = make_provider(partnership, name="Report Test Care Ltd")
        self.contract = self.make_contract("RP-001", provider, self.first_group)
        self.kpis = {
            code: make_kpi(self.contract, code, values, target=target, polarity=polarity, by=actor)
            for code, (values, target, polarity) in SERIES.items()
        }
        self.children = self.make_contract("RP-002", provider, self.second_group)
        self.child_kpi = make_kpi(self.children, "C1", STABLE, by=actor)
        self.ungrouped = self.make_contract("RP-003", provider, None)
        self.ungrouped_kpi = make_kpi(self.ungrouped, "N1", by=actor)  # no returns yet
        later = self.make_contract("RP-004", provider, self.first_group, starts_on=dt.date(2018, 12, 1))
        self.later_kpi = make_kpi(later, "L1", STABLE, by=actor)
        draft = self.make_contract("RP-005", provider, self.first_group, status="draft")
        self.draft_kpi = make_kpi(draft, "D1", STABLE, by=actor)
        self.board = (
            Board.objects.filter(partnership=partnership, reports_to__isnull=True).order_by("pk").first()
        )

    def make_contract(self, reference, provider, group, *, starts_on=START, status="active"):
        return standard(
            self.partnership,
            self.actor,
            provider,
            reference=reference,
            care_group=group,
            starts_on=starts_on,
            ends_on=END,
            status=status,
        )

    def report(self, **overrides) -> PerformanceReport:
        arguments = {
            "actor": self.actor,
            "partnership": self.partnership,
            "title": "Report test: performance to November 2018",
            "board": self.board,
            "period_end": PERIOD_END,
            "introduction": "What the board should take from this.",
        }
        return report_services.create_report(**(arguments | overrides))


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def built(southampton, commissioner):
    return Built(southampton, commissioner)


def codes(section):
    return [row.kpi.code for row in section.rows]


# Content ---------------------------------------------------------------------------------


def test_kpis_are_grouped_by_care_group_with_exceptions_first_then_improvements(built):
    report = built.report()
    content = report_selectors.report_content(report, today=timezone.localdate())
    assert [section.name for section in content.sections] == [
        "Report test adults",
        "Report test children",
        "No care group",
    ]
    adults, children, ungrouped = content.sections
    assert codes(adults) == ["R3", "R4", "R2", "R1"]
    assert [row.rank_label for row in adults.rows] == ["Exception", "Exception", "Improvement", ""]
    assert adults.rows[0].reading.variation == "concern_low"
    assert adults.rows[1].reading.assurance == "fail"
    assert adults.rows[2].reading.variation == "improvement_high"
    assert (adults.exceptions, adults.improvements) == (2, 1)
    assert codes(children) == ["C1"] and codes(ungrouped) == ["N1"]
    # Contracts not yet in force on the period end, and drafts, are not in the report.
    assert built.later_kpi.pk not in {row.kpi.pk for row in content.rows}
    assert built.draft_kpi.pk not in {row.kpi.pk for row in content.rows}
    assert [row.kpi.code for row in content.exceptions] == ["R3", "R4"]
    assert content.kpi_count == 6


def test_the_summary_counts_kpis_by_variation_and_assurance(built):
    content = report_selectors.report_content(built.report(), today=timezone.localdate())
    variation = {tally.key: tally.count for tally in content.variation_counts}
    assert variation["concern_low"] == 1
    assert variation["improvement_high"] == 1
    assert variation["common_cause"] == 3  # R1, R4 and C1
    assert variation["none"] == 1  # N1 has no returns
    assert sum(variation.values()) == 6
    assurance = {tally.key: tally.count for tally in content.assurance_counts}
    assert assurance["fail"] == 1 and assurance["none"] == 5


def test_the_content_is_read_as_at_the_period_end(built):
    report = built.report(period_end=dt.date(2018, 3, 31))  # twelve stable months: no change yet
    content = report_selectors.report_content(report, today=timezone.localdate())
    adults = content.sections[0]
    r3 = next(row for row in adults.rows if row.kpi.code == "R3")
    assert r3.reading.variation == "common_cause" and r3.reading.latest_value == D("92")
    assert r3.reading.latest_period.label == "Mar 2018"


# Creating and changing a report --------------------------------------------------------------


def test_a_report_is_drafted_and_audited(built):
    report = built.report()
    assert report.status == ReportStatus.DRAFT and report.created_by == built.actor
    event = AuditEvent.objects.filter(
        object_id=str(report.pk), object_type__model="performancereport"
    ).latest("id")
    assert event.action == AuditEvent.Action.CREATE and event.partnership_id == built.partnership.pk


def test_a_report_needs_a_title_a_board_of_the_partnership_and_a_past_period_end(built, nottinghamshire):
    other_board = Board.objects.create(
        partnership=nottinghamshire, name="Report test board", slug="report-test-board", purpose="Tests."
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = PerformanceReport.objects.count()
    with pytest.raises(ValidationError) as error:
        built.report(title=" ", board=other_board, period_end=tomorrow)
    problems = error.value.message_dict
    assert "Give the report a title." in problems["title"]
    assert "is not a board of" in " ".join(problems["board"])
    assert "is after today" in " ".join(problems["period_end"])
    with pytest.raises(ValidationError) as error:
        built.report(board=None)
    assert "Choose the board" in " ".join(error.value.message_dict["board"])
    assert PerformanceReport.objects.count() == before


def test_the_meeting_must_be_one_of_the_boards(built):
    other = Board.objects.filter(partnership=built.partnership).exclude(pk=built.board.pk).first()
    meeting = Meeting.objects.create(board=other, starts_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        built.report(meeting=meeting)
    assert "choose one of its meetings" in " ".join(error.value.message_dict["meeting"])
    own = Meeting.objects.create(board=built.board, starts_at=timezone.now())
    assert built.report(meeting=own).meeting == own


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER, Role.PROVIDER_CONTACT]
)
def test_only_commissioners_and_administrators_write_reports(built, user_for, role):
    with pytest.raises(NotPermitted):
        built.report(actor=user_for("southampton", role))
    report = built.report()
    someone = user_for("southampton", role)
    with pytest.raises(NotPermitted):
        report_services.write_commentary(actor=someone, report=report, kpi=built.kpis["R1"], text="No.")
    with pytest.raises(NotPermitted):
        report_services.issue_report(actor=someone, report=report)
    administrator = user_for("southampton", Role.ADMINISTRATOR)
    assert report_services.write_commentary(
        actor=administrator, report=report, kpi=built.kpis["R1"], text="Yes."
    )


# Commentary --------------------------------------------------------------------------------------


def test_commentary_is_written_rewritten_and_removed_with_an_audit_of_each(built):
    report = built.report()
    kpi = built.kpis["R3"]
    note = report_services.write_commentary(
        actor=built.actor, report=report, kpi=kpi, text="  Falling since May.  "
    )
    assert note.text == "Falling since May." and note.written_by == built.actor
    again = report_services.write_commentary(
        actor=built.actor, report=report, kpi=kpi, text="A remedial plan is agreed."
    )
    assert again.pk == note.pk and ReportCommentary.objects.filter(report=report, kpi=kpi).count() == 1
    group = report_services.write_commentary(
        actor=built.actor, report=report, care_group=built.first_group, text="Adults: one concern."
    )
    content = report_selectors.report_content(report, today=timezone.localdate())
    adults = content.sections[0]
    assert adults.commentary == group
    assert adults.rows[0].commentary.text == "A remedial plan is agreed."
    assert all(row.commentary is None for row in adults.rows[1:])

    assert report_services.write_commentary(actor=built.actor, report=report, kpi=kpi, text="   ") is None
    assert not ReportCommentary.objects.filter(pk=note.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(note.pk), object_type__model="reportcommentary")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE]


def test_commentary_is_on_a_kpi_in_the_report_or_one_of_the_partnerships_care_groups(built, nottinghamshire):
    report = built.report()
    with pytest.raises(ValidationError) as error:
        report_services.write_commentary(
            actor=built.actor, report=report, kpi=built.later_kpi, text="Too soon."
        )
    assert "is not in this report" in " ".join(error.value.message_dict["kpi"])
    elsewhere = CareGroup.objects.filter(partnership=nottinghamshire).first()
    with pytest.raises(ValidationError) as error:
        report_services.write_commentary(
            actor=built.actor, report=report, care_group=elsewhere, text="Not ours."
        )
    assert "is not a care group of" in " ".join(error.value.message_dict["care_group"])
    with pytest.raises(ValidationError):
        report_services.write_commentary(actor=built.actor, report=report, text="About nothing.")
    assert not ReportCommentary.objects.filter(report=report).exists()


# Issuing ---------------------------------------------------------------------------------------


def test_issuing_locks_the_report_and_its_commentary(built):
    report = built.report()
    report_services.write_commentary(
        actor=built.actor, report=report, kpi=built.kpis["R3"], text="Before issue."
    )
    issued = report_services.issue_report(actor=built.actor, report=report)
    assert issued.status == ReportStatus.ISSUED
    event = AuditEvent.objects.filter(
        object_id=str(report.pk), object_type__model="performancereport"
    ).latest("id")
    assert event.action == AuditEvent.Action.UPDATE and event.after["status"] == "issued"

    refusals = [
        lambda: report_services.write_commentary(
            actor=built.actor, report=report, kpi=built.kpis["R3"], text="After issue."
        ),
        lambda: report_services.write_commentary(
            actor=built.actor, report=report, care_group=built.first_group, text="After issue."
        ),
        lambda: report_services.update_report(
            actor=built.actor, report=report, title="Renamed", board=built.board, period_end=PERIOD_END
        ),
        lambda: report_services.issue_report(actor=built.actor, report=report),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError) as error:
            refused()
        assert "has been issued to the board" in " ".join(error.value.messages)
    report.refresh_from_db()
    assert report.title == "Report test: performance to November 2018"
    assert [note.text for note in report.commentary.all()] == ["Before issue."]


def test_a_draft_reports_details_change_and_are_audited(built):
    report = built.report()
    changed = report_services.update_report(
        actor=built.actor,
        report=report,
        title="Report test: to October 2018",
        board=built.board,
        period_end=dt.date(2018, 10, 31),
        introduction="Shorter.",
    )
    assert (changed.title, changed.period_end, changed.introduction) == (
        "Report test: to October 2018",
        dt.date(2018, 10, 31),
        "Shorter.",
    )
    event = AuditEvent.objects.filter(
        object_id=str(report.pk), object_type__model="performancereport"
    ).latest("id")
    assert event.before["title"] == "Report test: performance to November 2018"
    assert event.after["period_end"] == "2018-10-31"
