"""Market position pages: the list with review dates (overdue highlighted), the statement with its
sections, commentary editors and intentions (CSV and Excel), the version history, submission and
publication; and the public pages, which need no sign-in, show only published versions and offer
the PDF and the open data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.strategy import market_position
from commissioning.strategy.models import (
    MarketStatement,
    Section,
    StatementKind,
    StatementVersion,
    VersionStatus,
)

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def _public(name, *args, slug="southampton"):
    return reverse(f"strategy_public:{name}", args=[slug, *args])


def _published(partnership):
    return MarketStatement.objects.get(partnership=partnership, kind=StatementKind.MARKET_POSITION)


def _draft(partnership):
    return MarketStatement.objects.get(partnership=partnership, kind=StatementKind.INTENTIONS)


def test_list_shows_statements_with_status_and_review(client_for, southampton, django_assert_max_num_queries):
    client = client_for("southampton", Role.VIEWER)
    draft = _draft(southampton)
    MarketStatement.objects.filter(pk=draft.pk).update(next_review_on=dt.date(2020, 1, 1))
    with django_assert_max_num_queries(15):
        response = client.get(_url("statements"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Older people&#x27;s care: market position statement 2026/27" in page
    published_row = page.split(f'id="statement-{_published(southampton).pk}"')[1].split("</tr>")[0]
    assert "Published" in published_row and "30 September 2027" in published_row
    assert "Overdue" not in published_row
    draft_row = page.split(f'id="statement-{draft.pk}"')[1].split("</tr>")[0]
    assert "Overdue" in draft_row and "Draft" in draft_row
    assert "Start a statement" not in page


def test_detail_shows_sections_and_frozen_figures(client_for, southampton, django_assert_max_num_queries):
    client = client_for("southampton", Role.VIEWER)
    statement = _published(southampton)
    with django_assert_max_num_queries(20):
        response = client.get(_url("statement", statement.pk))
    page = response.content.decode()
    for section in Section:
        assert f'id="section-{section.value}"' in page
    assert "Frozen as at 1 September 2026" in page
    assert 'id="chart-prices"' in page and 'id="chart-projections"' in page and 'id="chart-quality"' in page
    assert "Home care, including night support" in page
    assert "Save the commentary" not in page


def test_draft_detail_has_editors_for_commissioners(client_for, southampton, django_assert_max_num_queries):
    client = client_for("southampton", Role.COMMISSIONER)
    statement = _draft(southampton)
    with django_assert_max_num_queries(60):
        response = client.get(_url("statement", statement.pk))
    page = response.content.decode()
    assert page.count("Save the commentary") == len(Section)
    assert "Live: generated now" in page
    assert "Submit for approval" in page and "Add an intention" in page
    assert "Write the introduction" not in page  # the demo draft has one


def test_intentions_export_csv_and_excel(client_for, southampton):
    client = client_for("southampton", Role.VIEWER)
    statement = _published(southampton)
    response = client.get(_url("statement", statement.pk) + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == [
        "Position",
        "Type of service",
        "Service or part of the market",
        "Area",
        "Intention",
    ]
    assert [r[4] for r in rows[1:]] == ["Grow", "Grow", "Reduce", "Maintain", "Grow"]
    response = client.get(_url("statement", statement.pk) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=3).value == "Home care, including night support"


def test_commissioner_edits_commentary_and_intentions(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    statement = _draft(southampton)
    response = client.post(_url("statement_commentary", statement.pk, "quality"), {"text": "Quality first."})
    assert response.status_code == 302 and response["Location"].endswith("#section-quality")
    version = statement.versions.get()
    assert version.commentary.get(section="quality").text == "Quality first."
    response = client.post(
        _url("statement_intention_new", statement.pk),
        {"service_type": "advocacy", "description": "", "direction": "grow", "starts_on": "2027-04-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    response = client.post(
        _url("statement_intention_new", statement.pk),
        {
            "service_type": "advocacy",
            "description": "Independent advocacy",
            "direction": "grow",
            "starts_on": "2027-04-01",
            "ends_on": "2027-01-01",
            "rationale": "More people ask for it.",
        },
    )
    assert response.status_code == 400
    assert "The change must end on or after the date it starts." in response.content.decode()
    response = client.post(
        _url("statement_intention_new", statement.pk),
        {
            "service_type": "advocacy",
            "description": "Independent advocacy",
            "direction": "grow",
            "starts_on": "2027-04-01",
            "rationale": "More people ask for it.",
        },
    )
    assert response.status_code == 302
    intention = version.intentions.get(description="Independent advocacy")
    response = client.post(_url("statement_intention_remove", intention.pk))
    assert response.status_code == 302 and not version.intentions.filter(pk=intention.pk).exists()


def test_submit_and_publish_through_the_pages(client_for, southampton, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    statement = _draft(southampton)
    decision = Decision.objects.create(
        partnership=southampton,
        reference="MPS-2",
        title="Approve the intentions",
        kind="strategy",
        state=DecisionState.PROPOSED,
        proposed_by=user_for("southampton", Role.COMMISSIONER),
    )
    response = client.post(_url("statement_submit", statement.pk), {"decision": ""})
    assert "Choose the governance decision that will approve the statement." in response.content.decode()
    response = client.post(_url("statement_submit", statement.pk), {"decision": decision.pk})
    assert response.status_code == 302
    response = client.post(_url("statement_publish", statement.pk), follow=True)
    assert "A version is published only once its decision is approved. MPS-2 is proposed." in (
        response.content.decode()
    )
    Decision.objects.filter(pk=decision.pk).update(state=DecisionState.APPROVED)
    client.post(_url("statement_publish", statement.pk))
    assert statement.versions.get().status == VersionStatus.PUBLISHED
    assert client_for("southampton", Role.VIEWER).get(_public("statement", statement.pk)).status_code == 200


def test_history_shows_what_changed(client_for, southampton, user_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    statement = _published(southampton)
    second = market_position.new_version(actor=actor, statement=statement)
    market_position.save_commentary(
        actor=actor, version=second, section=Section.PROVIDERS, text="Come to the forum in March."
    )
    response = client_for("southampton", Role.VIEWER).get(_url("statement_history", statement.pk))
    page = response.content.decode()
    assert 'id="version-2"' in page and 'id="version-1"' in page
    assert "Come to the forum in March." in page and "providers" in page


def test_provider_contacts_and_others_are_kept_out(client_for, southampton, nottinghamshire):
    statement = _published(southampton)
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(_url("statements")).status_code == 403
    assert client.get(_url("statement", statement.pk)).status_code == 403
    viewer = client_for("southampton", Role.VIEWER)
    assert viewer.get(_url("statement_new")).status_code == 403
    assert viewer.post(_url("statement_new_version", statement.pk)).status_code == 403
    assert viewer.post(_url("statement_publish", statement.pk)).status_code == 403
    other = client_for("nottinghamshire", Role.COMMISSIONER)
    assert other.get(_url("statement", statement.pk, slug="nottinghamshire")).status_code == 404
    assert other.get(_url("statement_history", statement.pk, slug="nottinghamshire")).status_code == 404
    intention = statement.versions.get().intentions.first()
    assert (
        other.post(_url("statement_intention_remove", intention.pk, slug="nottinghamshire")).status_code
        == 404
    )


def test_new_statement_page(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        _url("statement_new"),
        {
            "care_group": southampton.care_groups.get(name="Carers").pk,
            "kind": "intentions",
            "financial_year": 2027,
            "review_months": 12,
        },
    )
    assert response.status_code == 302
    created = MarketStatement.objects.get(partnership=southampton, care_group__name="Carers")
    assert created.title == "Carers: commissioning intentions 2027/28"
    assert created.next_review_on == dt.date(2027, 4, 1)


# Public ---------------------------------------------------------------------------------------


def test_public_pages_need_no_sign_in_and_show_only_published(client, southampton):
    published = _published(southampton)
    response = client.get(_public("statements"))
    assert response.status_code == 200
    page = response.content.decode()
    assert published.title.replace("'", "&#x27;") in page
    assert _draft(southampton).title not in page
    response = client.get(_public("statement", published.pk))
    assert response.status_code == 200
    assert "Save the commentary" not in response.content.decode()
    for name in ("statement", "statement_pdf", "statement_json", "statement_csv", "intentions_csv"):
        assert client.get(_public(name, _draft(southampton).pk)).status_code == 404
    assert client.get(_public("statement", published.pk, slug="nottinghamshire")).status_code == 404


def test_public_page_reads_the_published_version_not_a_later_draft(client, southampton, user_for):
    actor = user_for("southampton", Role.COMMISSIONER)
    statement = _published(southampton)
    second = market_position.new_version(actor=actor, statement=statement)
    market_position.save_commentary(
        actor=actor, version=second, section=Section.INTRODUCTION, text="DRAFT WORDS"
    )
    page = client.get(_public("statement", statement.pk)).content.decode()
    assert "DRAFT WORDS" not in page and "Version 1, published 30 September 2026" in page


def test_withdrawn_version_leaves_the_public_pages(client, southampton, user_for):
    statement = _published(southampton)
    market_position.withdraw_version(
        actor=user_for("southampton", Role.COMMISSIONER), version=statement.versions.get(), reason="Error"
    )
    assert client.get(_public("statement", statement.pk)).status_code == 404
    assert "No statement has been published yet." in client.get(_public("statements")).content.decode()


def test_pdf_is_a_pdf(client, southampton):
    response = client.get(_public("statement_pdf", _published(southampton).pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")
    assert len(response.content) > 20_000  # the charts are in it


def test_open_data_parses_and_matches_the_snapshot(client, southampton, django_assert_max_num_queries):
    statement = _published(southampton)
    version = statement.versions.get()
    with django_assert_max_num_queries(3):
        response = client.get(_public("statement_json", statement.pk))
    data = json.loads(response.content)
    assert data["published_on"] == "2026-09-30"
    assert data["prices"] == version.snapshot["prices"]
    assert data["intentions"] == version.snapshot["intentions"]
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(_public("statement_csv", statement.pk)).content.decode("utf-8-sig"))
        )
    )
    medians = {
        r["Item"]: r["Value"] for r in rows if r["Section"] == "prices" and r["Item"].endswith(".median")
    }
    assert medians["[home_care].median"] == next(
        p["median"] for p in data["prices"] if p["service_type"] == "home_care"
    )
    intentions = list(
        csv.DictReader(
            io.StringIO(client.get(_public("intentions_csv", statement.pk)).content.decode("utf-8-sig"))
        )
    )
    assert [i["Intention"] for i in intentions] == ["Grow", "Grow", "Reduce", "Maintain", "Grow"]


def test_published_figures_suppress_small_numbers(client, southampton, user_for):
    """A service type with only a few current placements shows no count, price or spend in public."""
    statement = _published(southampton)
    version = statement.versions.get()
    snapshot = dict(version.snapshot)
    snapshot["prices"] = [
        {
            **snapshot["prices"][0],
            "suppressed": True,
            "placements": None,
            "median": None,
            "annual_spend": None,
        },
        *snapshot["prices"][1:],
    ]
    StatementVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
    page = client.get(_public("statement", statement.pk)).content.decode()
    assert "Not published: too few placements" in page
    # And the generator itself hides small counts: a care group with three current placements.
    from commissioning.contracts.models import Placement

    carers = southampton.care_groups.get(name="Carers")
    template = Placement.objects.filter(partnership=southampton).first()
    for n in range(3):
        Placement.objects.create(
            partnership=southampton,
            person_ref=f"TEST-{n}",
            provider=template.provider,
            service_type="residential",
            care_group=carers,
            unit_price=template.unit_price,
            units_per_week=1,
            weekly_cost=template.unit_price,
            starts_on=dt.date(2026, 1, 1),
            funding_organisation=template.funding_organisation,
        )
    draft = market_position.create_statement(
        actor=user_for("southampton", Role.COMMISSIONER),
        partnership=southampton,
        care_group=carers,
        kind=StatementKind.MARKET_POSITION,
        financial_year=2027,
    )
    content = market_position.generate(draft, on=dt.date(2026, 11, 17))
    row = next(r for r in content["prices"] if r["service_type"] == "residential")
    assert row["suppressed"] and row["median"] is None and row["placements"] is None
    assert content["provision"]["placements"] is None
