"""The self-assessment pages over HTTP: the live assessment with evidence links for those allowed to follow
them, its exports, recording by commissioners only, snapshots compared with now and scoped to the
partnership, and bounded queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from commissioning.core.permissions import Role
from commissioning.strategy import self_assessment as sa
from commissioning.strategy.models import SelfAssessment
from commissioning.strategy.self_assessment_services import record_self_assessment

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def test_viewer_sees_each_stage_with_scores_evidence_and_what_is_missing(
    client_for, southampton, django_assert_max_num_queries
):
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(75):
        response = client.get(_url("self_assessment"))
    assert response.status_code == 200
    text = response.content.decode()
    for stage in sa.STAGES:
        assert f'id="stage-{stage.key}"' in text
    assert "Overall maturity:" in text and "<progress" in text
    assert 'id="chart-maturity-data"' in text
    assert "7 priorities still to agree through a decision." in text
    assert 'href="/p/southampton/needs/"' in text
    # Placements are not a viewer's to see, so that evidence is not linked for them.
    assert "/p/southampton/placements/personalisation/" not in text
    assert "Record this assessment" not in text
    assert "No assessment recorded yet" in text


def test_commissioner_sees_the_placements_evidence_and_may_record(client_for, southampton):
    text = client_for("southampton", Role.COMMISSIONER).get(_url("self_assessment")).content.decode()
    assert reverse("placements:personalisation", args=["southampton"]) in text
    assert "Record this assessment" in text


def test_the_answers_export_as_csv_and_excel(client_for, southampton):
    client = client_for("southampton", Role.VIEWER)
    response = client.get(_url("self_assessment"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Stage", "Question", "Answer", "Evidence", "What is missing", "Evidence page"]
    assert len(rows) == 1 + len(sa.QUESTIONS)
    agreed = next(r for r in rows if r[1] == "Have the partners agreed their priorities through a decision?")
    assert agreed[2] == "Not met" and agreed[5].endswith("/p/southampton/strategy/")
    xlsx = client.get(_url("self_assessment"), {"format": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_provider_contacts_and_strangers_see_nothing(client_for, southampton):
    assert client_for("southampton", Role.PROVIDER_CONTACT).get(_url("self_assessment")).status_code == 403
    assert client_for("nottinghamshire", Role.ADMINISTRATOR).get(_url("self_assessment")).status_code == 404


def test_commissioner_records_with_commentary_and_sees_it_against_now(client_for, southampton, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    form = client.get(_url("self_assessment_record"))
    assert form.status_code == 200
    assert "Have the partners agreed their priorities through a decision?" in form.content.decode()
    response = client.post(
        _url("self_assessment_record"),
        {"summary": "Agree the priorities next.", "note__strategy__priorities_agreed": "Board in January."},
    )
    row = SelfAssessment.objects.get(partnership=southampton)
    assert response.status_code == 302 and response["Location"] == _url("self_assessment_snapshot", row.pk)
    assert row.recorded_by == user_for("southampton", Role.COMMISSIONER)
    assert next(a for a in row.answers if a["key"] == "strategy.priorities_agreed")["commentary"] == (
        "Board in January."
    )
    page = client.get(_url("self_assessment_snapshot", row.pk)).content.decode()
    assert "Agree the priorities next." in page and "Commentary: Board in January." in page
    home = client.get(_url("self_assessment")).content.decode()
    assert _url("self_assessment_snapshot", row.pk) in home and "Recorded assessments" in home


def test_an_overlong_summary_is_shown_on_the_form(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(_url("self_assessment_record"), {"summary": "x" * 4001})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not SelfAssessment.objects.filter(partnership=southampton).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER])
def test_readers_cannot_record(role, client_for, southampton):
    client = client_for("southampton", role)
    assert client.get(_url("self_assessment_record")).status_code == 403
    assert client.post(_url("self_assessment_record"), {"summary": "x"}).status_code == 403
    assert not SelfAssessment.objects.exists()


def test_a_snapshot_compares_then_with_now_and_exports(client_for, southampton, user_for):
    row = record_self_assessment(actor=user_for("southampton", Role.COMMISSIONER), partnership=southampton)
    answers = list(row.answers)
    answers[0] = {**answers[0], "status": "not_met"}
    answers.append({**answers[0], "key": "needs.retired_question", "question": "A question no longer asked?"})
    SelfAssessment.objects.filter(pk=row.pk).update(answers=answers, overall_bp=0)
    client = client_for("southampton", Role.VIEWER)
    page = client.get(_url("self_assessment_snapshot", row.pk)).content.decode()
    assert "No longer asked" in page and "better" in page
    response = client.get(_url("self_assessment_snapshot", row.pk), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Stage", "Question", "Then", "Now", "Change"]
    first = next(r for r in rows if r[1] == answers[0]["question"])
    assert first[2] == "Not met" and first[4] == "better"
    assert any(r[1] == "A question no longer asked?" and r[4] == "dropped" for r in rows)
    history = client.get(_url("self_assessment"), {"table": "history", "format": "csv"})
    assert list(csv.reader(io.StringIO(history.content.decode())))[1][2] == "0 %"


def test_another_partnerships_snapshot_is_not_found(client_for, nottinghamshire, user_for):
    row = record_self_assessment(
        actor=user_for("nottinghamshire", Role.COMMISSIONER), partnership=nottinghamshire
    )
    client = client_for("southampton", Role.ADMINISTRATOR)
    assert client.get(_url("self_assessment_snapshot", row.pk)).status_code == 404


def test_the_strategy_stage_links_to_the_self_assessment(client_for, southampton):
    page = client_for("southampton", Role.VIEWER).get(reverse("dashboard", args=["southampton"]))
    assert _url("self_assessment") in page.content.decode()
