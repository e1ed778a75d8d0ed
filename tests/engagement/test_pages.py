"""Engagement pages: who may see and change what, the upload's problem table, exports and the public page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from commissioning.core.permissions import Role
from commissioning.engagement.models import Consultation, Response, Theme
from commissioning.engagement.services import consultation_publish, response_add, theme_update
from commissioning.governance.models import Decision

pytestmark = pytest.mark.django_db

BASE = "/p/southampton/engagement"
SECRET = "My neighbour at 12 Acacia Avenue never gets a break."


@pytest.fixture
def answered(southampton, commissioner, consultation, themes):
    """A consultation with a response, one theme answered by a decision, and one not yet answered."""
    response_add(
        actor=commissioner,
        partnership=southampton,
        consultation=consultation,
        respondent_type="carers",
        channel="survey",
        received_on=dt.date(2025, 2, 1),
        text=SECRET,
        themes=[themes["Booking"]],
    )
    theme_update(
        actor=commissioner,
        partnership=southampton,
        theme=themes["Booking"],
        we_did="Carers can now book a break online in one step.",
    )
    decision = Decision.objects.create(
        partnership=southampton,
        reference="ENG-PAGE-1",
        title="Commission online booking for short breaks",
        kind="service",
        proposed_by=commissioner,
        decided_on=dt.date(2025, 5, 1),
    )
    decision.themes.add(themes["Booking"])
    return decision


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


# Who may see what ------------------------------------------------------------------------


def test_a_viewer_reads_the_pages_and_the_navigation_offers_them(client_for, consultation, answered):
    viewer = client_for("southampton", Role.VIEWER)
    listing = viewer.get(f"{BASE}/")
    assert listing.status_code == 200
    assert consultation.title in listing.text
    assert f'href="{BASE}/"' in listing.text and f'href="{BASE}/you-said-we-did/"' in listing.text
    assert "Add a consultation" not in listing.text  # a viewer cannot change anything
    detail = viewer.get(f"{BASE}/{consultation.pk}/")
    assert detail.status_code == 200
    assert "Carers can now book a break online" in detail.text
    assert f'href="/p/southampton/governance/decisions/{answered.pk}/"' in detail.text
    assert SECRET in detail.text  # staff read what people said
    assert "Record a response" not in detail.text
    internal = viewer.get(f"{BASE}/you-said-we-did/")
    assert internal.status_code == 200
    assert "Overnight care" in internal.text and "ENG-PAGE-1" in internal.text


@pytest.mark.parametrize(
    "path",
    ["/", "/you-said-we-did/", "/{pk}/", "/new/", "/{pk}/responses/new/", "/{pk}/responses/import/"],
)
def test_a_provider_contact_is_refused(client_for, consultation, path):
    page = client_for("southampton", Role.PROVIDER_CONTACT).get(BASE + path.format(pk=consultation.pk))
    assert page.status_code == 403


@pytest.mark.parametrize("path", ["/", "/{pk}/", "/{pk}/edit/"])
def test_another_partnership_cannot_find_the_consultation(client_for, consultation, path):
    notts = client_for("nottinghamshire", Role.ADMINISTRATOR)
    assert notts.get(BASE + path.format(pk=consultation.pk)).status_code == 404
    own = f"/p/nottinghamshire/engagement/{consultation.pk}/"
    assert notts.get(own).status_code == 404


def test_a_viewer_cannot_reach_the_forms(client_for, consultation):
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.get(f"{BASE}/new/").status_code == 403
    assert viewer.post(f"{BASE}/{consultation.pk}/publish/", {"published": "yes"}).status_code == 403


# Forms -----------------------------------------------------------------------------------


def test_a_commissioner_adds_a_consultation_through_the_form(client_for):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    form = commissioner.get(f"{BASE}/new/")
    assert form.status_code == 200 and 'class="nhsuk-checkboxes__input"' in form.text
    data = {
        "title": "Home care in Portswood",
        "purpose": "What matters most to people who receive care at home?",
        "audiences": ["service_users", "carers"],
        "channels": ["survey", "event"],
        "opens_on": "2025-02-01",
        "closes_on": "01/01/2025",
    }
    refused = commissioner.post(f"{BASE}/new/", data)
    assert refused.status_code == 200
    assert "cannot close before it opens" in refused.text
    assert not Consultation.objects.filter(title="Home care in Portswood").exists()
    done = commissioner.post(f"{BASE}/new/", data | {"closes_on": "2025-03-31"})
    consultation = Consultation.objects.get(title="Home care in Portswood")
    assert done.status_code == 302 and done.url == f"{BASE}/{consultation.pk}/"
    assert consultation.audiences == ["service_users", "carers"]
    edit = commissioner.get(f"{BASE}/{consultation.pk}/edit/")
    assert edit.status_code == 200 and 'value="2025-02-01"' in edit.text and "checked" in edit.text


def test_themes_and_responses_are_entered_through_forms(client_for, consultation, themes):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    added = commissioner.post(
        f"{BASE}/{consultation.pk}/themes/new/",
        {"title": "Transport", "you_said": "Getting to the respite centre is hard without a car."},
    )
    assert added.status_code == 302
    theme = Theme.objects.get(consultation=consultation, title="Transport")
    assert theme.position == 3
    changed = commissioner.post(
        f"{BASE}/{consultation.pk}/themes/{theme.pk}/edit/",
        {"title": "Transport", "you_said": theme.you_said, "we_did": "A minibus now runs.", "position": 1},
    )
    assert changed.status_code == 302
    theme.refresh_from_db()
    assert (theme.we_did, theme.position) == ("A minibus now runs.", 1)

    form = commissioner.get(f"{BASE}/{consultation.pk}/responses/new/")
    assert form.status_code == 200
    assert 'value="staff"' not in form.text  # only the consultation's own audiences are offered
    refused = commissioner.post(
        f"{BASE}/{consultation.pk}/responses/new/",
        {"respondent_type": "staff", "channel": "survey", "received_on": "2025-02-01", "text": "Hi"},
    )
    assert refused.status_code == 200 and "nhsuk-error-summary" in refused.text
    recorded = commissioner.post(
        f"{BASE}/{consultation.pk}/responses/new/",
        {
            "respondent_type": "carers",
            "channel": "paper",
            "received_on": "14/02/2025",
            "text": "The minibus would help.",
            "themes": [theme.pk],
        },
    )
    assert recorded.status_code == 302
    response = Response.objects.get(consultation=consultation)
    assert response.received_on == dt.date(2025, 2, 14)
    assert list(response.themes.all()) == [theme]


def test_publishing_from_the_page(client_for, consultation):
    commissioner = client_for("southampton", Role.COMMISSIONER)
    done = commissioner.post(f"{BASE}/{consultation.pk}/publish/", {"published": "yes"})
    assert done.status_code == 302
    consultation.refresh_from_db()
    assert consultation.is_published
    assert commissioner.get(f"{BASE}/{consultation.pk}/publish/").status_code == 405


# Upload ----------------------------------------------------------------------------------


def test_an_upload_with_problems_lists_each_row_and_column_and_imports_nothing(
    client_for, consultation, themes
):
    content = _csv_bytes(
        [
            ["respondent_type", "channel", "received_on", "text", "themes", "postcode"],
            ["carers", "survey", "2025-01-20", "Fine.", "Booking", ""],
            ["wizards", "survey", "2025-01-20", "Bad type.", "", ""],
            ["carers", "survey", "31/02/2025", "Bad date.", "Parking", ""],
        ]
    )
    page = client_for("southampton", Role.COMMISSIONER).post(
        f"{BASE}/{consultation.pk}/responses/import/", {"file": _upload("responses.csv", content)}
    )
    assert page.status_code == 400
    assert "Nothing was imported: 4 problems found" in page.text
    table = page.text.split('id="import-problems"')[1].split("</table>")[0]
    cells = [c.split("</td>")[0] for c in table.split('<td class="nhsuk-table__cell">')[1:]]
    rows = [tuple(cells[i : i + 2]) for i in range(0, len(cells), 3)]
    assert rows == [("1", "postcode"), ("3", "respondent_type"), ("4", "received_on"), ("4", "themes")]
    assert not Response.objects.filter(consultation=consultation).exists()


def test_an_xlsx_upload_lands_and_returns_to_the_consultation(client_for, consultation, themes):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Respondent_Type", "Channel", "Received_On", "Text", "Themes"])
    sheet.append(["Carers", "Online survey", dt.date(2025, 1, 20), "Booking is slow.", "Booking"])
    sheet.append(["Providers", "Public event", "2025-02-02", "We can do more nights.", "Overnight care"])
    out = io.BytesIO()
    workbook.save(out)
    page = client_for("southampton", Role.COMMISSIONER).post(
        f"{BASE}/{consultation.pk}/responses/import/",
        {"file": _upload("responses.xlsx", out.getvalue())},
    )
    assert page.status_code == 302 and page.url.endswith(f"/{consultation.pk}/#responses")
    assert Response.objects.filter(consultation=consultation, source="imported").count() == 2


def test_the_upload_form_refuses_other_kinds_of_file(client_for, consultation):
    page = client_for("southampton", Role.COMMISSIONER).post(
        f"{BASE}/{consultation.pk}/responses/import/", {"file": _upload("responses.pdf", b"%PDF")}
    )
    assert page.status_code == 200 and "Choose a .csv or .xlsx file." in page.text


# Exports ---------------------------------------------------------------------------------


def test_consultations_and_responses_export_as_csv_and_xlsx(client_for, consultation, answered):
    viewer = client_for("southampton", Role.VIEWER)
    listing = viewer.get(f"{BASE}/?format=csv")
    assert listing["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(listing.content.decode())))
    assert rows[0][:3] == ["Title", "Purpose", "Who is asked"]
    mine = next(r for r in rows if r[0] == consultation.title)
    assert mine[2] == "Service users, Carers, Providers" and mine[6] == "1" and mine[7] == "2"

    responses = viewer.get(f"{BASE}/{consultation.pk}/?format=xlsx")
    assert responses["Content-Disposition"].endswith('-responses.xlsx"')
    sheet = load_workbook(io.BytesIO(responses.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3] == "What they said"
    assert values[1][1:5] == ("Carers", "Online survey", SECRET, "Booking")


# The public page -------------------------------------------------------------------------


def test_the_public_page_needs_no_sign_in_and_shows_only_what_is_published(
    client, southampton, commissioner, consultation, themes, answered
):
    url = "/public/southampton/you-said-we-did/"
    before = client.get(url)
    assert before.status_code == 200
    assert consultation.title not in before.text  # not published yet
    consultation_publish(actor=commissioner, partnership=southampton, consultation=consultation)
    page = client.get(url)
    assert page.status_code == 200
    assert consultation.title in page.text
    assert "Carers can now book a break online in one step." in page.text
    assert "ENG-PAGE-1" in page.text  # the decision that answered it, by reference
    assert "/governance/decisions/" not in page.text  # staff pages are not linked for the public
    assert "Overnight care" not in page.text  # no "we did" yet
    assert SECRET not in page.text  # never what any one person said
    assert "response" not in page.text.lower()  # nor how many responded
    assert client.get("/public/nowhere/you-said-we-did/").status_code == 404
    assert client.get(f"{BASE}/").status_code == 302  # staff pages still need sign-in


def test_undecided_decisions_and_unpublished_consultations_stay_off_the_public_page(
    client, southampton, commissioner, consultation, themes, answered
):
    answered.decided_on = None
    answered.save()
    consultation_publish(actor=commissioner, partnership=southampton, consultation=consultation)
    page = client.get("/public/southampton/you-said-we-did/")
    assert "Carers can now book a break online" in page.text and "ENG-PAGE-1" not in page.text


def test_the_consultation_page_reads_in_a_fixed_number_of_queries(
    client_for, consultation, themes, answered, django_assert_max_num_queries
):
    """More themes, decisions and responses must not mean more queries."""
    viewer = client_for("southampton", Role.VIEWER)
    url = f"{BASE}/{consultation.pk}/"
    viewer.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as first:
        viewer.get(url)
    for n in range(5):
        theme = Theme.objects.create(
            consultation=consultation, title=f"Extra {n}", you_said="More.", position=10 + n
        )
        answered.themes.add(theme)
        response = Response.objects.create(
            consultation=consultation,
            respondent_type="carers",
            channel="survey",
            received_on=dt.date(2025, 2, 2),
            text=f"Response {n}",
        )
        response.themes.add(theme)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = viewer.get(url)
    assert "Extra 4" in page.text
    with CaptureQueriesContext(connection) as listing:
        viewer.get(f"{BASE}/you-said-we-did/")
    assert len(listing.captured_queries) <= 10
