"""The strategy pages over HTTP: reads for every commissioning role, writes for commissioners,
nothing for a provider's contact, and a bounded number of queries however many priorities."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from commissioning.core.permissions import Role
from commissioning.governance.models import Decision, DecisionState
from commissioning.needs.models import Indicator
from commissioning.strategy.models import Outcome, OutcomeFramework, Priority, PriorityStatus

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def test_home_lists_priorities_by_care_group_with_live_evidence(
    client_for, southampton, django_assert_max_num_queries
):
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(25):
        response = client.get(_url("home"))
    assert response.status_code == 200
    text = response.content.decode()
    priority = Priority.objects.filter(partnership=southampton).select_related("care_group").first()
    assert priority.title in text and priority.care_group.name in text
    assert "Every Child Matters" in text and "Adult social care outcomes" in text
    assert "Worse" in text  # the evidence badges
    assert "Add a priority" not in text  # a viewer cannot write


def test_priorities_export_as_csv(client_for, southampton):
    response = client_for("southampton", Role.VIEWER).get(_url("home"), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Care group", "Priority", "Status"]
    titles = {row[1] for row in rows[1:]}
    assert titles == set(Priority.objects.filter(partnership=southampton).values_list("title", flat=True))
    assert any(row[9] == "Worse" for row in rows[1:])


def test_priority_page_shows_evidence_with_links(client_for, southampton, django_assert_max_num_queries):
    priority = Priority.objects.filter(partnership=southampton, evidence_links__isnull=False).first()
    indicator = priority.evidence_links.first().indicator
    client = client_for("southampton", Role.VIEWER)
    with django_assert_max_num_queries(20):
        response = client.get(_url("priority", priority.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("needs:indicator", args=["southampton", indicator.pk]) in text
    assert "Southampton" in text and "Not yet agreed" in text


def test_framework_pages_render(client_for, southampton, django_assert_max_num_queries):
    client = client_for("southampton", Role.VIEWER)
    framework = OutcomeFramework.objects.get(partnership=southampton, template_key="every-child-matters")
    assert client.get(_url("frameworks")).status_code == 200
    with django_assert_max_num_queries(15):
        response = client.get(_url("framework", framework.pk))
    text = response.content.decode()
    assert ("Enjoy and achieve" in text and "Children in need" in text) or "children" in text.lower()
    assert "Link the indicator" not in text


def test_provider_contact_has_no_strategy(client_for, southampton):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(_url("home")).status_code == 403
    priority = Priority.objects.filter(partnership=southampton).first()
    assert client.get(_url("priority", priority.pk)).status_code == 403


def test_viewer_cannot_reach_write_pages(client_for, southampton):
    client = client_for("southampton", Role.VIEWER)
    priority = Priority.objects.filter(partnership=southampton).first()
    framework = OutcomeFramework.objects.filter(partnership=southampton).first()
    for url in (
        _url("priority_new"),
        _url("priority_edit", priority.pk),
        _url("priority_agree", priority.pk),
    ):
        assert client.get(url).status_code == 403
    assert client.post(_url("priority_retire", priority.pk)).status_code == 403
    assert client.post(_url("framework", framework.pk), {"outcome": "1", "indicator": "1"}).status_code == 403
    assert Priority.objects.get(pk=priority.pk).status == priority.status


def test_another_partnerships_priority_is_not_found(client_for, southampton):
    priority = Priority.objects.filter(partnership=southampton).first()
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    assert client.get(_url("priority", priority.pk, slug="nottinghamshire")).status_code == 404


def test_commissioner_drafts_agrees_and_retires_a_priority(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    indicator = Indicator.objects.get(partnership=southampton, code="alcohol-admissions")
    page = client.get(_url("priority_new"), {"indicator": indicator.pk})
    assert page.status_code == 200
    assert f'value="{indicator.pk}" ' in page.content.decode() and "checked" in page.content.decode()
    group = southampton.care_groups.get(name="Mental health")
    outcome = Outcome.objects.get(framework__partnership=southampton, code="safeguarding")
    response = client.post(
        _url("priority_new"),
        {
            "care_group": group.pk,
            "title": "Less harm from alcohol",
            "statement": "Fewer admissions.",
            "evidence": [indicator.pk],
            "outcomes": [outcome.pk],
            "owner_post": "Public health lead",
        },
    )
    priority = Priority.objects.get(partnership=southampton, title="Less harm from alcohol")
    assert response.status_code == 302 and response.url == _url("priority", priority.pk)
    assert list(priority.evidence.all()) == [indicator]

    refused = client.post(_url("priority_new"), {"care_group": group.pk, "title": "", "statement": ""})
    assert refused.status_code == 400 and "There is a problem" in refused.content.decode()

    decision = Decision.objects.filter(partnership=southampton, state=DecisionState.APPROVED).first()
    assert decision is not None
    assert client.post(_url("priority_agree", priority.pk), {"decision": decision.pk}).status_code == 302
    priority.refresh_from_db()
    assert priority.status == PriorityStatus.AGREED
    detail = client.get(_url("priority", priority.pk)).content.decode()
    assert reverse("governance:decision", args=["southampton", decision.pk]) in detail

    edited = client.post(
        _url("priority_edit", priority.pk),
        {"care_group": group.pk, "title": "Less harm from alcohol", "statement": "Fewer admissions, sooner."},
    )
    assert edited.status_code == 302
    assert client.post(_url("priority_retire", priority.pk)).status_code == 302
    assert Priority.objects.get(pk=priority.pk).status == PriorityStatus.RETIRED


def test_agree_page_refuses_a_decision_not_offered(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    priority = Priority.objects.filter(partnership=southampton, status=PriorityStatus.DRAFT).first()
    proposed = Decision.objects.filter(partnership=southampton, state=DecisionState.PROPOSED).first()
    response = client.post(_url("priority_agree", priority.pk), {"decision": proposed.pk})
    assert response.status_code == 400
    assert Priority.objects.get(pk=priority.pk).status == PriorityStatus.DRAFT


def test_commissioner_links_and_unlinks_an_indicator(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    framework = OutcomeFramework.objects.get(partnership=southampton, template_key="every-child-matters")
    outcome = framework.outcomes.get(code="enjoy-and-achieve")
    indicator = Indicator.objects.get(partnership=southampton, code="child-obesity")
    response = client.post(
        _url("framework", framework.pk), {"outcome": outcome.pk, "indicator": indicator.pk}
    )
    assert response.status_code == 302
    assert list(outcome.indicators.all()) == [indicator]
    assert client.post(_url("outcome_unlink", outcome.pk, indicator.pk)).status_code == 302
    assert not outcome.indicators.exists()


def test_adopt_page_offers_only_frameworks_not_yet_adopted(client_for, southampton):
    client = client_for("southampton", Role.COMMISSIONER)
    OutcomeFramework.objects.filter(partnership=southampton, template_key="adult-social-care").delete()
    page = client.get(_url("framework_adopt")).content.decode()
    assert "Every Child Matters (already adopted)" in page
    again = client.post(_url("framework_adopt"), {"template_key": "every-child-matters"})
    assert again.status_code == 400 and "already adopted Every Child Matters" in again.content.decode()
    adopted = client.post(_url("framework_adopt"), {"template_key": "adult-social-care"})
    assert adopted.status_code == 302
    assert OutcomeFramework.objects.filter(partnership=southampton, template_key="adult-social-care").exists()


def test_an_indicator_in_the_jsna_leads_a_commissioner_to_a_priority_with_it_as_evidence(
    client_for, southampton
):
    indicator = Indicator.objects.filter(partnership=southampton).first()
    page = reverse("needs:indicator", args=["southampton", indicator.pk])
    link = f"{_url('priority_new')}?indicator={indicator.pk}"
    assert link not in client_for("southampton", Role.VIEWER).get(page).content.decode()
    client = client_for("southampton", Role.COMMISSIONER)
    assert link in client.get(page).content.decode()
    form = client.get(link)
    assert form.status_code == 200
    chosen = re.findall(r"<(?:input|option)[^>]*>", form.content.decode())
    assert any(f'value="{indicator.pk}"' in tag and ("checked" in tag or "selected" in tag) for tag in chosen)
