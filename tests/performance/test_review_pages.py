"""Review pages over real HTTP: they render, write through the services, show refusals on the form,
export, and show a provider's contact only their own contracts' reviews, read-only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from commissioning.core.permissions import Role
from commissioning.partners.models import Membership
from commissioning.performance import escalation, reviews
from commissioning.performance.models import EscalationRule, Notification, RemedialAction, Review

from .test_review_factories import STEADY, make_contract, make_kpi, make_provider, provider_for, report

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/reviews/"


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def contract(southampton, commissioner):
    return make_contract(southampton, make_provider(southampton), manager=commissioner)


@pytest.fixture
def review(contract, commissioner):
    return reviews.open_review(actor=commissioner, contract=contract, kind="contract", title="Spring review")


def today():
    return timezone.localdate()


def page_text(response) -> str:
    return response.content.decode()


# The list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.VIEWER, Role.BOARD_MEMBER, Role.ADMINISTRATOR])
def test_the_list_shows_reviews_to_those_who_see_performance(client_for, review, role):
    response = client_for("southampton", role).get(BASE)
    assert response.status_code == 200
    assert "Spring review" in page_text(response)
    assert ("Open a review" in page_text(response)) == (role in (Role.COMMISSIONER, Role.ADMINISTRATOR))


def test_the_list_filters_by_status_kind_and_contract(
    client_for, southampton, contract, review, commissioner
):
    other = make_contract(southampton, contract.provider, reference="RV-OTHER")
    reviews.open_review(actor=commissioner, contract=other, kind="quality", title="Other quality visit")
    client = client_for("southampton", Role.COMMISSIONER)
    text = page_text(client.get(BASE, {"kind": "quality"}))
    assert "Other quality visit" in text and "Spring review" not in text
    text = page_text(client.get(BASE, {"contract": contract.pk}))
    assert "Spring review" in text and "Other quality visit" not in text
    text = page_text(client.get(BASE, {"status": "closed"}))
    assert "Spring review" not in text


def test_the_list_exports_csv_and_excel(client_for, review):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(BASE, {"format": "csv", "contract": review.contract_id})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Opened", "Review", "Kind"]
    assert [row[1] for row in rows[1:]] == ["Spring review"]
    assert rows[1][5] == "Open"
    response = client.get(BASE, {"format": "xlsx", "contract": review.contract_id})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).value == "Spring review"


# Provider contacts -------------------------------------------------------------------------


@pytest.fixture
def provider_contact(user_for):
    return user_for("southampton", Role.PROVIDER_CONTACT)


@pytest.fixture
def own_review(southampton, provider_contact, commissioner):
    organisation = Membership.objects.get(
        user=provider_contact, partnership=southampton, role="provider_contact"
    ).organisation
    own = make_contract(southampton, provider_for(southampton, organisation), reference="RV-OWN")
    return reviews.open_review(actor=commissioner, contract=own, kind="quality", title="Own provider review")


def test_a_provider_contact_sees_only_their_own_contracts_reviews(client_for, review, own_review):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    text = page_text(client.get(BASE))
    assert "Own provider review" in text
    assert "Spring review" not in text
    assert "Open a review" not in text
    assert client.get(f"{BASE}{review.pk}/").status_code == 404
    detail = client.get(f"{BASE}{own_review.pk}/")
    assert detail.status_code == 200
    assert "Record the review meeting" not in page_text(detail)
    rows = list(csv.reader(io.StringIO(client.get(BASE, {"format": "csv"}).content.decode())))
    assert [row[1] for row in rows[1:]] == ["Own provider review"]


def test_a_provider_contact_cannot_change_a_review(client_for, own_review):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(f"{BASE}{own_review.pk}/held/").status_code == 403
    response = client.post(
        f"{BASE}{own_review.pk}/findings/new/", {"area": "a", "finding": "b", "rating": "red"}
    )
    assert response.status_code == 403
    assert not own_review.findings.exists()


# Opening, changing and holding ------------------------------------------------------------


def test_new_preselects_the_contract_and_opens_the_review(client_for, contract):
    kpi = make_kpi(contract)
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(f"{BASE}new/", {"contract": contract.pk})
    assert response.status_code == 200
    assert f'<option value="{contract.pk}" selected>' in page_text(response)
    response = client.post(
        f"{BASE}new/?contract={contract.pk}",
        {
            "contract": contract.pk,
            "kind": "quality",
            "title": "Visit",
            "scheduled_for": "",
            "trigger_kpi": kpi.pk,
        },
    )
    review = Review.objects.get(contract=contract)
    assert response.status_code == 302 and response["Location"] == f"{BASE}{review.pk}/"
    assert (review.kind, review.title, review.trigger_kpi) == ("quality", "Visit", kpi)


def test_a_refused_review_comes_back_with_the_errors(client_for, contract):
    client = client_for("southampton", Role.COMMISSIONER)
    far = (today() + dt.timedelta(days=4 * 366)).isoformat()
    response = client.post(
        f"{BASE}new/", {"contract": contract.pk, "kind": "contract", "title": "Far", "scheduled_for": far}
    )
    assert response.status_code == 400
    assert "There is a problem" in page_text(response)
    assert "three years ahead" in page_text(response)
    assert not Review.objects.filter(contract=contract).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FINANCE_OFFICER, Role.PROVIDER_CONTACT])
def test_only_managers_may_open_a_review(client_for, contract, role):
    assert client_for("southampton", role).get(f"{BASE}new/").status_code == 403


def test_edit_and_hold_pages_save(client_for, review):
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.get(f"{BASE}{review.pk}/edit/").status_code == 200
    response = client.post(
        f"{BASE}{review.pk}/edit/", {"kind": "quality", "title": "Renamed review", "scheduled_for": ""}
    )
    assert response.status_code == 302
    assert client.get(f"{BASE}{review.pk}/held/").status_code == 200
    response = client.post(
        f"{BASE}{review.pk}/held/",
        {
            "held_on": today().isoformat(),
            "attendees": "Contract manager",
            "summary": "Improving",
            "overall_rating": "amber",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.title, review.kind, review.status, review.overall_rating) == (
        "Renamed review",
        "quality",
        "held",
        "amber",
    )
    text = page_text(client.get(f"{BASE}{review.pk}/"))
    assert "Improving" in text and "nhsuk-tag--orange" in text


# Findings, plans and closing ----------------------------------------------------------------


def test_the_whole_lifecycle_through_the_pages(client_for, review, contract):
    kpi = make_kpi(contract)
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.get(f"{BASE}{review.pk}/findings/new/").status_code == 200
    response = client.post(
        f"{BASE}{review.pk}/findings/new/",
        {"area": "Responsive", "finding": "Visits late", "rating": "red", "kpi": kpi.pk},
    )
    assert response.status_code == 302
    finding = review.findings.get()
    response = client.post(
        f"{BASE}{review.pk}/findings/{finding.pk}/",
        {"area": "Responsive", "finding": "Visits often late", "rating": "red", "kpi": kpi.pk},
    )
    assert response.status_code == 302
    client.post(
        f"{BASE}{review.pk}/held/",
        {
            "held_on": today().isoformat(),
            "attendees": "CM",
            "summary": "Late visits",
            "overall_rating": "red",
        },
    )
    response = client.post(f"{BASE}{review.pk}/close/")
    assert response.status_code == 400
    assert "agree a remedial plan before closing" in page_text(response)
    response = client.post(
        f"{BASE}{review.pk}/plan/new/",
        {"summary": "Fix rotas", "review_by": (today() + dt.timedelta(days=30)).isoformat()},
    )
    assert response["Location"] == f"{BASE}{review.pk}/plan/actions/new/"
    response = client.post(
        f"{BASE}{review.pk}/plan/actions/new/",
        {"action": "New rota", "owner": "Registered manager", "due_on": today().isoformat()},
    )
    assert response.status_code == 302
    action = RemedialAction.objects.get(plan__review=review)
    response = client.post(f"{BASE}{review.pk}/plan/status/", {"status": "agreed", "agreed_on": ""})
    assert response.status_code == 302
    response = client.post(f"{BASE}{review.pk}/plan/status/", {"status": "complete"})
    assert response.status_code == 400
    assert "a plan is complete only when all its actions are" in page_text(response)
    response = client.post(f"{BASE}{review.pk}/plan/actions/{action.pk}/complete/", {"completed_on": ""})
    assert response.status_code == 302
    assert client.post(f"{BASE}{review.pk}/plan/status/", {"status": "complete"}).status_code == 302
    response = client.post(f"{BASE}{review.pk}/close/")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "closed" and review.remedial_plan.status == "complete"
    text = page_text(client.get(f"{BASE}{review.pk}/"))
    assert "Visits often late" in text
    assert f"/p/southampton/kpis/{kpi.pk}/" in text
    assert "New rota" in text and "Registered manager" in text
    assert "Record the review meeting" not in text


def test_an_action_due_in_the_past_is_refused_on_the_form(client_for, review, commissioner):
    reviews.create_plan(actor=commissioner, review=review, summary="s", review_by=today())
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        f"{BASE}{review.pk}/plan/actions/new/",
        {"action": "Late", "owner": "x", "due_on": (today() - dt.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    assert "cannot be in the past" in page_text(response)


def test_a_review_of_another_partnership_is_not_found(client_for, review):
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    assert client.get(f"/p/nottinghamshire/reviews/{review.pk}/").status_code == 404
    assert client.get(f"/p/nottinghamshire/reviews/{review.pk}/edit/").status_code == 404


# Escalation pages ----------------------------------------------------------------------------


def test_escalated_review_shows_its_trigger_and_a_link_to_the_kpi(client_for, contract, commissioner):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    text = page_text(client_for("southampton", Role.VIEWER).get(f"{BASE}{review.pk}/"))
    assert "Opened by the escalation rule" in text
    assert "has been below its target of 95% for 3 months" in text
    assert f'href="/p/southampton/kpis/{kpi.pk}/"' in text


def test_rules_page_lists_and_edits_the_rules(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(f"{BASE}rules/")
    assert response.status_code == 200
    assert "Target missed for consecutive periods" in page_text(response)
    rule = EscalationRule.objects.get(partnership=southampton, trigger="target_missed")
    assert client.get(f"{BASE}rules/{rule.pk}/").status_code == 200
    response = client.post(
        f"{BASE}rules/{rule.pk}/", {"is_active": "", "review_kind": "contract", "consecutive_periods": "4"}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.is_active, rule.consecutive_periods) == (False, 4)
    quality = EscalationRule.objects.get(partnership=southampton, trigger="quality_rating")
    response = client.post(f"{BASE}rules/{quality.pk}/", {"is_active": "on", "review_kind": "quality"})
    assert response.status_code == 400
    assert "Ratings that open a review" in page_text(response)
    assert client_for("southampton", Role.VIEWER).get(f"{BASE}rules/").status_code == 403


def test_run_page_runs_the_checks_and_lists_what_opened(client_for, contract, commissioner):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.get(f"{BASE}run/").status_code == 200
    response = client.post(f"{BASE}run/")
    assert response.status_code == 200
    review = Review.objects.get(contract=contract, escalation_rule__trigger="target_missed")
    assert f"{BASE}{review.pk}/" in page_text(response)
    assert "opened." in page_text(response)
    again = client.post(f"{BASE}run/")
    assert f"{BASE}{review.pk}/" not in page_text(again)
    assert client_for("southampton", Role.VIEWER).post(f"{BASE}run/").status_code == 403


# Notifications -----------------------------------------------------------------------------


def test_notifications_page_lists_mine_and_marks_them_read(client_for, contract, commissioner, user_for):
    kpi = make_kpi(contract, target="95")
    report(kpi, STEADY, user=commissioner)
    [review] = escalation.check_kpis(kpi_ids=[kpi.pk], actor=commissioner)
    note = Notification.objects.get(recipient=commissioner, url__endswith=f"/reviews/{review.pk}/")
    client = client_for("southampton", Role.COMMISSIONER)
    text = page_text(client.get(f"{BASE}notifications/"))
    assert review.title in text and "Mark as read" in text
    response = client.post(f"{BASE}notifications/", {"notification": note.pk})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    viewer_text = page_text(client_for("southampton", Role.VIEWER).get(f"{BASE}notifications/"))
    assert review.title not in viewer_text


def test_marking_read_touches_only_my_own(client_for, southampton, commissioner, user_for):
    viewer = user_for("southampton", Role.VIEWER)
    mine = Notification.objects.create(partnership=southampton, recipient=commissioner, subject="Mine")
    theirs = Notification.objects.create(partnership=southampton, recipient=viewer, subject="Theirs")
    client_for("southampton", Role.COMMISSIONER).post(f"{BASE}notifications/", {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client_for("southampton", Role.COMMISSIONER).post(f"{BASE}notifications/")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_the_list_reads_in_the_same_number_of_queries_however_many_reviews(
    client_for, southampton, contract, commissioner
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("southampton", Role.COMMISSIONER)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for i in range(n):
            review = reviews.open_review(
                actor=commissioner, contract=contract, kind="contract", title=f"R{i}"
            )
            reviews.add_finding(actor=commissioner, review=review, area="Safe", finding="f", rating="red")
            reviews.create_plan(actor=commissioner, review=review, summary="s", review_by=today())

    add(2)
    queries()  # the first request also remembers the chosen partnership
    few = queries()
    add(5)
    assert queries() == few
