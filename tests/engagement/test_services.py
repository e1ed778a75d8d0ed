"""Engagement services: consultations, themes and responses kept true to what was asked."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook

from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.engagement import selectors
from commissioning.engagement.models import Consultation, Response, Theme
from commissioning.engagement.services import (
    consultation_create,
    consultation_publish,
    consultation_update,
    response_add,
    responses_import,
    theme_add,
    theme_update,
)
from commissioning.governance.models import Decision
from tests.engagement.conftest import CLOSES, OPENS

pytestmark = pytest.mark.django_db

HEADER = ["respondent_type", "channel", "received_on", "text", "themes"]
GOOD_ROWS = [
    ["carers", "survey", "2025-01-20", "Booking took three weeks.", "Booking"],
    [
        "Carers",
        "Paper questionnaire",
        "03/02/2025",
        "Nothing overnight in Woolston.",
        "overnight care; Booking",
    ],
    ["Service users", "EVENT", "2025-04-10", "I want to choose who looks after me.", ""],
]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _consultation_fields(**changes):
    fields = {
        "title": "Day opportunities",
        "purpose": "What should day opportunities for adults with a learning disability offer?",
        "audiences": ["service_users", "carers"],
        "channels": ["survey"],
        "opens_on": OPENS,
        "closes_on": CLOSES,
    }
    return fields | changes


# Consultations ---------------------------------------------------------------------------


def test_a_commissioner_opens_a_consultation_and_it_is_audited(southampton, commissioner):
    consultation = consultation_create(
        actor=commissioner,
        partnership=southampton,
        **_consultation_fields(audiences=["carers", "service_users", "carers"]),
    )
    assert consultation.audiences == ["service_users", "carers"]  # in the audiences' order, once each
    assert consultation.created_by == commissioner and not consultation.is_published
    event = AuditEvent.objects.get(object_type__model="consultation", object_id=str(consultation.pk))
    assert event.action == "create" and event.partnership_id == southampton.pk


def test_a_consultation_cannot_close_before_it_opens(southampton, commissioner):
    with pytest.raises(ValidationError) as refused:
        consultation_create(
            actor=commissioner,
            partnership=southampton,
            **_consultation_fields(opens_on=dt.date(2025, 3, 1), closes_on=dt.date(2025, 2, 1)),
        )
    assert "closes_on" in refused.value.message_dict
    assert not Consultation.objects.filter(title="Day opportunities").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"audiences": []}, "audiences"),
        ({"audiences": ["tourists"]}, "audiences"),
        ({"channels": []}, "channels"),
        ({"channels": ["carrier_pigeon"]}, "channels"),
        ({"title": "  "}, "title"),
    ],
)
def test_who_is_asked_and_how_must_be_named_and_known(southampton, commissioner, changes, field):
    with pytest.raises(ValidationError) as refused:
        consultation_create(actor=commissioner, partnership=southampton, **_consultation_fields(**changes))
    assert field in refused.value.message_dict


def test_a_viewer_cannot_open_a_consultation(southampton, user_for):
    with pytest.raises(NotPermitted):
        consultation_create(
            actor=user_for("southampton", Role.VIEWER), partnership=southampton, **_consultation_fields()
        )


def test_another_partnership_cannot_change_the_consultation(nottinghamshire, user_for, consultation):
    with pytest.raises(NotPermitted):
        consultation_update(
            actor=user_for("nottinghamshire", Role.COMMISSIONER),
            partnership=nottinghamshire,
            consultation=consultation,
            title="Taken over",
        )


def test_updating_records_before_and_after_and_keeps_responses_fitting(
    southampton, commissioner, consultation
):
    consultation_update(
        actor=commissioner, partnership=southampton, consultation=consultation, title="Short breaks"
    )
    event = AuditEvent.objects.get(
        object_type__model="consultation", object_id=str(consultation.pk), action="update"
    )
    assert (event.before["title"], event.after["title"]) == ("Short breaks for carers", "Short breaks")
    response_add(
        actor=commissioner,
        partnership=southampton,
        consultation=consultation,
        respondent_type="providers",
        channel="event",
        received_on=dt.date(2025, 2, 1),
        text="We could offer more overnight places with notice.",
    )
    with pytest.raises(ValidationError) as refused:
        consultation_update(
            actor=commissioner,
            partnership=southampton,
            consultation=consultation,
            audiences=["carers"],
            opens_on=dt.date(2025, 2, 15),
        )
    assert {"audiences", "opens_on"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:
        consultation_update(
            actor=commissioner, partnership=southampton, consultation=consultation, created_by=None
        )
    assert "created_by" in refused.value.message_dict


def test_publishing_is_a_recorded_change_of_state(southampton, commissioner, consultation):
    consultation_publish(actor=commissioner, partnership=southampton, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.is_published
    consultation_publish(
        actor=commissioner, partnership=southampton, consultation=consultation, published=False
    )
    consultation.refresh_from_db()
    assert not consultation.is_published
    events = AuditEvent.objects.filter(
        object_type__model="consultation", object_id=str(consultation.pk), action="state"
    )
    assert events.count() == 2


# Themes ----------------------------------------------------------------------------------


def test_themes_are_added_in_order_and_titles_are_unique_in_a_consultation(
    southampton, commissioner, consultation, themes
):
    assert [t.position for t in themes.values()] == [1, 2]
    with pytest.raises(ValidationError) as refused:
        theme_add(
            actor=commissioner,
            partnership=southampton,
            consultation=consultation,
            title="booking",
            you_said="Again.",
        )
    assert "title" in refused.value.message_dict
    theme = theme_update(
        actor=commissioner,
        partnership=southampton,
        theme=themes["Booking"],
        we_did="Carers can now book a break online in one step.",
    )
    assert theme.we_did.startswith("Carers can now book")
    assert AuditEvent.objects.filter(
        object_type__model="theme", object_id=str(theme.pk), action="update"
    ).exists()


def test_a_theme_shows_the_decisions_that_answered_it(southampton, commissioner, consultation, themes):
    decision = Decision.objects.create(
        partnership=southampton,
        reference="ENG-TEST-1",
        title="Commission an online booking service for short breaks",
        kind="service",
        proposed_by=commissioner,
    )
    decision.themes.add(themes["Booking"])
    found = selectors.consultation_in(southampton, consultation.pk)
    by_title = {t.title: t for t in found.themes.all()}
    assert [d.reference for d in by_title["Booking"].decisions.all()] == ["ENG-TEST-1"]
    assert list(by_title["Overnight care"].decisions.all()) == []


# Responses entered -----------------------------------------------------------------------


def test_a_response_is_recorded_with_its_themes(southampton, commissioner, consultation, themes):
    response = response_add(
        actor=commissioner,
        partnership=southampton,
        consultation=consultation,
        respondent_type="carers",
        channel="paper",
        received_on=dt.date(2025, 2, 3),
        text="  I waited three weeks to book a weekend.  ",
        themes=[themes["Booking"]],
    )
    assert response.text == "I waited three weeks to book a weekend."
    assert response.source == "entered"
    assert list(response.themes.all()) == [themes["Booking"]]
    event = AuditEvent.objects.get(object_type__model="response", object_id=str(response.pk))
    assert event.after["themes"] == [themes["Booking"].pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"respondent_type": "staff"}, "respondent_type"),  # not asked in this consultation
        ({"respondent_type": "aliens"}, "respondent_type"),
        ({"channel": "email"}, "channel"),
        ({"received_on": dt.date(2025, 1, 5)}, "received_on"),  # before it opened
        ({"text": "   "}, "text"),
    ],
)
def test_a_response_must_fit_its_consultation(southampton, commissioner, consultation, changes, field):
    fields = {
        "respondent_type": "carers",
        "channel": "survey",
        "received_on": dt.date(2025, 2, 1),
        "text": "More breaks at weekends, please.",
    } | changes
    with pytest.raises(ValidationError) as refused:
        response_add(actor=commissioner, partnership=southampton, consultation=consultation, **fields)
    assert field in refused.value.message_dict
    assert not Response.objects.filter(consultation=consultation).exists()


def test_a_response_cannot_come_from_the_future_or_name_another_consultations_theme(
    southampton, commissioner, consultation
):
    other = consultation_create(actor=commissioner, partnership=southampton, **_consultation_fields())
    stray = theme_add(
        actor=commissioner, partnership=southampton, consultation=other, title="X", you_said="Y"
    )
    with pytest.raises(ValidationError) as refused:
        response_add(
            actor=commissioner,
            partnership=southampton,
            consultation=consultation,
            respondent_type="carers",
            channel="survey",
            received_on=timezone.localdate() + dt.timedelta(days=1),
            text="Tomorrow's news.",
            themes=[stray],
        )
    assert {"received_on", "themes"} <= set(refused.value.message_dict)


# Responses imported ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_clean_file_lands_whole_with_one_audit_event(
    southampton, commissioner, consultation, themes, tmp_path, kind
):
    if kind == "csv":
        path = _csv(tmp_path / "responses.csv", HEADER, GOOD_ROWS)
    else:
        rows = [list(r) for r in GOOD_ROWS]
        rows[0][2] = dt.datetime(2025, 1, 20)  # a real Excel date cell
        path = _xlsx(tmp_path / "responses.xlsx", HEADER, [*rows, [None] * 5])  # a trailing blank row
    before = AuditEvent.objects.count()
    count = responses_import(
        actor=commissioner, partnership=southampton, consultation=consultation, path=path
    )
    assert count == 3
    responses = list(selectors.responses_in(consultation))
    assert [(r.respondent_type, r.channel, r.received_on) for r in responses] == [
        ("carers", "survey", dt.date(2025, 1, 20)),
        ("carers", "paper", dt.date(2025, 2, 3)),
        ("service_users", "event", dt.date(2025, 4, 10)),  # after closing: late post is accepted
    ]
    assert {r.source for r in responses} == {"imported"}
    assert [sorted(t.title for t in r.themes.all()) for r in responses] == [
        ["Booking"],
        ["Booking", "Overnight care"],
        [],
    ]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "import" and event.summary.startswith("3 responses imported from responses.")
    counts = {
        t.title: t.response_count
        for t in selectors.consultation_in(southampton, consultation.pk).themes.all()
    }
    assert counts == {"Booking": 2, "Overnight care": 1}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_refused_whole_with_every_problem_named(
    southampton, commissioner, consultation, themes, tmp_path, kind
):
    header = [*HEADER, "postcode"]
    rows = [
        ["carers", "survey", "2025-01-20", "Fine row.", "Booking", ""],
        ["pensioners", "survey", "2025-01-21", "Bad respondent type.", "", ""],
        ["carers", "survey", "2025-01-22", "Unknown theme.", "Booking; Parking", ""],
        ["carers", "survey", "the 3rd of Feb", "Unparseable date.", "", ""],
        ["carers", "survey", "2025-01-23", "   ", "", ""],
        ["staff", "email", "2024-12-01", "Not asked, wrong channel, too early.", "", ""],
    ]
    path = (_csv if kind == "csv" else _xlsx)(tmp_path / f"bad.{kind}", header, rows)
    before = (Response.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ImportFailed) as failed:
        responses_import(actor=commissioner, partnership=southampton, consultation=consultation, path=path)
    problems = {(e.row, e.column) for e in failed.value.errors}
    assert problems == {
        (1, "postcode"),
        (3, "respondent_type"),
        (4, "themes"),
        (5, "received_on"),
        (6, "text"),
        (7, "respondent_type"),
        (7, "channel"),
        (7, "received_on"),
    }
    reasons = {(e.row, e.column): e.reason for e in failed.value.errors}
    assert reasons[(1, "postcode")] == "unknown column"
    assert "'Parking'" in reasons[(4, "themes")]
    assert "is not a date" in reasons[(5, "received_on")]
    assert reasons[(6, "text")] == "is blank"
    assert "before the consultation opened" in reasons[(7, "received_on")]
    assert (Response.objects.count(), AuditEvent.objects.count()) == before


def test_missing_columns_and_other_files_are_reported_at_row_one(
    southampton, commissioner, consultation, tmp_path
):
    path = _csv(tmp_path / "short.csv", ["respondent_type", "text"], [["carers", "Hello"]])
    with pytest.raises(ImportFailed) as failed:
        responses_import(actor=commissioner, partnership=southampton, consultation=consultation, path=path)
    assert {(e.row, e.column) for e in failed.value.errors} == {(1, "channel"), (1, "received_on")}
    other = tmp_path / "responses.txt"
    other.write_text("hello")
    with pytest.raises(ImportFailed) as failed:
        responses_import(actor=commissioner, partnership=southampton, consultation=consultation, path=other)
    assert failed.value.errors[0].row == 1
    broken = tmp_path / "responses.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ImportFailed) as failed:
        responses_import(actor=commissioner, partnership=southampton, consultation=consultation, path=broken)
    assert "cannot be read as an Excel workbook" in failed.value.errors[0].reason
    empty = _csv(tmp_path / "empty.csv", HEADER, [])
    with pytest.raises(ImportFailed):
        responses_import(actor=commissioner, partnership=southampton, consultation=consultation, path=empty)


def test_a_viewer_cannot_import(southampton, user_for, consultation, tmp_path):
    path = _csv(tmp_path / "responses.csv", HEADER, GOOD_ROWS[:1])
    with pytest.raises(NotPermitted):
        responses_import(
            actor=user_for("southampton", Role.VIEWER),
            partnership=southampton,
            consultation=consultation,
            path=path,
        )
    assert not Response.objects.filter(consultation=consultation).exists()


def test_you_said_we_did_for_the_public_shows_only_published_answered_themes(
    southampton, commissioner, consultation, themes
):
    theme_update(
        actor=commissioner, partnership=southampton, theme=themes["Booking"], we_did="Online booking."
    )

    def ours() -> list:
        return [c for c in selectors.published_you_said_we_did(southampton) if c.pk == consultation.pk]

    assert ours() == []
    consultation_publish(actor=commissioner, partnership=southampton, consultation=consultation)
    [published] = ours()
    assert [t.title for t in published.themes.all()] == ["Booking"]
    internal = {c.pk: c for c in selectors.you_said_we_did(southampton)}
    assert [t.title for t in internal[consultation.pk].themes.all()] == ["Booking", "Overnight care"]
    assert isinstance(published.themes.all()[0], Theme)
