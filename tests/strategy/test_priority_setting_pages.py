"""Priority-setting pages over HTTP: every reading role sees rounds, commissioners set them up, panel
members score their own grid, the results explain each option and chart the sensitivity; a provider's
contact sees nothing, another partnership's round is not found, and pages read in bounded queries."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning.core.permissions import Role
from commissioning.demo import priority_setting as demo
from commissioning.strategy import priority_setting as services
from commissioning.strategy.models import OptimisationRun, PanelScore, PriorityRound, RoundStatus

pytestmark = pytest.mark.django_db


def _url(name, *args, slug="southampton"):
    return reverse(f"strategy:{name}", args=[slug, *args])


def _demo_round(southampton):
    return PriorityRound.objects.get(partnership=southampton, name=demo.ROUND_NAME)


@pytest.fixture
def commissioner(user_for):
    return user_for("southampton", Role.COMMISSIONER)


@pytest.fixture
def draft(southampton, commissioner):
    return services.create_round(
        actor=commissioner, partnership=southampton, name="Draft round", financial_year=2027, budget="1000"
    )


def test_the_navigation_links_to_priority_setting(client_for):
    response = client_for("southampton", Role.VIEWER).get(reverse("dashboard", args=["southampton"]))
    assert _url("rounds").encode() in response.content


@pytest.mark.parametrize("role", [Role.VIEWER, Role.BOARD_MEMBER, Role.FINANCE_OFFICER, Role.COMMISSIONER])
def test_reading_roles_see_the_rounds_and_the_round(
    client_for, southampton, role, django_assert_max_num_queries
):
    client = client_for("southampton", role)
    round_ = _demo_round(southampton)
    with django_assert_max_num_queries(15):
        response = client.get(_url("rounds"))
    assert response.status_code == 200
    assert demo.ROUND_NAME.encode() in response.content and b"2027/28" in response.content
    with django_assert_max_num_queries(22):
        response = client.get(_url("round", round_.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Carers&#x27; breaks and an assessment hub" in body
    assert "their scores are left out" in body and 'id="interests-rule"' in body
    if role == Role.COMMISSIONER:
        assert "Scoring closed" in body and "Run the optimiser" in body
    else:
        assert "Run the optimiser" not in body and "Add an option" not in body


def test_the_round_page_reads_in_the_same_queries_however_many_options(
    client_for, southampton, commissioner, draft, django_assert_max_num_queries
):
    client = client_for("southampton", Role.VIEWER)
    for n in range(12):
        services.add_option(
            actor=commissioner, round_=draft, title=f"Option {n}", kind="investment", amount="10"
        )
    with django_assert_max_num_queries(22):
        assert client.get(_url("round", draft.pk)).status_code == 200


def test_a_provider_contact_sees_nothing_and_another_partnership_is_not_found(
    client_for, southampton, nottinghamshire, user_for
):
    round_ = _demo_round(southampton)
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(_url("rounds")).status_code == 403
    assert client.get(_url("round", round_.pk)).status_code == 403
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    assert client.get(_url("round", round_.pk)).status_code == 404
    assert client.get(_url("round", round_.pk, slug="nottinghamshire")).status_code == 404
    assert client.get(_url("round_results", round_.pk, slug="nottinghamshire")).status_code == 404


def test_the_options_table_downloads_as_csv_and_excel(client_for, southampton):
    round_ = _demo_round(southampton)
    client = client_for("southampton", Role.VIEWER)
    response = client.get(_url("round", round_.pk) + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Option", "Investment or disinvestment", "Cost (+) or saving (-)"]
    assert rows[0][-1] == "Weighted benefit" and "Scale (mean)" in rows[0]
    assert len(rows) == 1 + round_.options.count()
    saving = next(r for r in rows if r[0] == "Withdraw the community alarm subsidy")
    assert saving[2] == "-120000.00"
    response = client.get(_url("round", round_.pk) + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_viewers_cannot_reach_the_set_up_pages(client_for, southampton, draft):
    client = client_for("southampton", Role.VIEWER)
    for url in (
        _url("round_new"),
        _url("round_edit", draft.pk),
        _url("round_criteria", draft.pk),
        _url("round_option_new", draft.pk),
        _url("round_member_new", draft.pk),
        _url("round_decision", draft.pk),
    ):
        assert client.get(url).status_code == 403
    assert client.post(_url("round_run", draft.pk)).status_code == 403
    assert client.post(_url("round_status", draft.pk, "open")).status_code == 403


def test_a_commissioner_sets_a_round_up_through_the_pages(client_for, southampton, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(
        _url("round_new"),
        {
            "name": "Winter 2027",
            "financial_year": "2027",
            "budget": "250000",
            "min_prevention_share": "20",
            "scale_top": "10",
        },
    )
    round_ = PriorityRound.objects.get(partnership=southampton, name="Winter 2027")
    assert response.status_code == 302 and round_.scale_top == 10
    response = client.post(
        _url("round_criteria", round_.pk),
        {
            "label_0": "Scale",
            "weight_0": "40",
            "label_1": "Transformational change",
            "weight_1": "40",
            "label_2": "Value for money",
            "weight_2": "30",
            "label_3": "Strategic fit",
            "weight_3": "10",
        },
    )
    assert response.status_code == 400
    assert "The weights add up to 120%, not 100%." in response.content.decode()
    response = client.post(
        _url("round_criteria", round_.pk),
        {
            "label_0": "Scale",
            "weight_0": "40",
            "label_1": "Transformational change",
            "weight_1": "30",
            "label_2": "Value for money",
            "weight_2": "30",
            "label_3": "",
            "weight_3": "",
            "label_4": "",
            "weight_4": "",
        },
    )
    assert response.status_code == 302
    assert list(round_.criteria.values_list("weight", flat=True)) == [Decimal(40), Decimal(30), Decimal(30)]
    response = client.post(
        _url("round_option_new", round_.pk),
        {"title": "Befriending", "kind": "investment", "amount": "0", "people": "10"},
    )
    assert (
        response.status_code == 400
        and "Enter the cost a year in pounds, above zero." in response.content.decode()
    )
    for title, amount in (("Befriending", "40000"), ("Home library", "20000")):
        response = client.post(
            _url("round_option_new", round_.pk),
            {"title": title, "kind": "investment", "amount": amount, "people": "10", "is_prevention": "on"},
        )
        assert response.status_code == 302
    befriending = round_.options.get(title="Befriending")
    viewer = user_for("southampton", Role.VIEWER)
    response = client.post(
        _url("round_member_new", round_.pk),
        {"user": viewer.pk, "role": "public", "interest_in": [befriending.pk], "interest": ""},
    )
    assert response.status_code == 400 and "Say what the interest is." in response.content.decode()
    response = client.post(
        _url("round_member_new", round_.pk),
        {
            "user": viewer.pk,
            "role": "public",
            "interest_in": [befriending.pk],
            "interest": "Volunteer there.",
        },
    )
    assert response.status_code == 302
    assert round_.panel.get(user=viewer).interests.get().option == befriending
    nottingham_user = user_for("nottinghamshire", Role.COMMISSIONER)
    response = client.post(_url("round_member_new", round_.pk), {"user": nottingham_user.pk, "role": "chair"})
    assert response.status_code == 400  # not among the choices: another partnership's person
    response = client.post(_url("round_status", round_.pk, "open"))
    round_.refresh_from_db()
    assert response.status_code == 302 and round_.status == RoundStatus.SCORING


def test_a_panel_member_scores_their_own_grid(client_for, southampton, commissioner, user_for, draft):
    a = services.add_option(actor=commissioner, round_=draft, title="A", kind="investment", amount="500")
    b = services.add_option(actor=commissioner, round_=draft, title="B", kind="investment", amount="600")
    viewer = user_for("southampton", Role.VIEWER)
    services.add_panel_member(
        actor=commissioner, round_=draft, user=viewer, role="public", interests={a: "Mine."}
    )
    services.open_scoring(actor=commissioner, round_=draft)
    client = client_for("southampton", Role.VIEWER)
    response = client.get(_url("round_scores", draft.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Interest declared" in body and "You do not score this option." in body
    criteria = list(draft.criteria.all())
    data = {f"score_{b.pk}_{c.pk}": "4" for c in criteria}
    data[f"score_{b.pk}_{criteria[0].pk}"] = "9"
    response = client.post(_url("round_scores", draft.pk), data)
    assert response.status_code == 400
    assert "Your score for B on Scale must be a whole number from 0 to 5." in response.content.decode()
    assert not PanelScore.objects.filter(member__round=draft).exists()
    data[f"score_{b.pk}_{criteria[0].pk}"] = "5"
    data[f"comment_{b.pk}_{criteria[0].pk}"] = "Reaches the most people."
    response = client.post(_url("round_scores", draft.pk), data)
    assert response.status_code == 302
    scores = PanelScore.objects.filter(member__round=draft, member__user=viewer)
    assert scores.count() == 4 and scores.get(criterion=criteria[0]).comment == "Reaches the most people."
    # Someone not on the panel has no grid to score.
    assert (
        client_for("southampton", Role.FINANCE_OFFICER).get(_url("round_scores", draft.pk)).status_code == 404
    )


def test_the_results_explain_each_option_and_chart_the_sensitivity(
    client_for, southampton, django_assert_max_num_queries
):
    round_ = _demo_round(southampton)
    client = client_for("southampton", Role.BOARD_MEMBER)
    with django_assert_max_num_queries(15):
        response = client.get(_url("round_results", round_.pk))
    assert response.status_code == 200
    body = response.content.decode()
    run = round_.runs.get()
    assert body.count('nhsuk-tag--green">In<') == run.chosen.count()
    assert body.count('nhsuk-tag--grey">Out<') == round_.options.count() - run.chosen.count()
    assert "a must-do option" in body
    assert 'id="chart-sensitivity"' in body and "chart-sensitivity-data" in body
    assert 'id="sensitivity-table"' in body and "Value for money" in body
    assert 'id="stale"' not in body and "Run the optimiser again" not in body


def test_a_commissioner_runs_the_optimiser_and_a_failure_is_explained(
    client_for, southampton, commissioner, user_for, draft
):
    a = services.add_option(actor=commissioner, round_=draft, title="A", kind="investment", amount="500")
    services.add_option(actor=commissioner, round_=draft, title="B", kind="investment", amount="600")
    services.add_panel_member(actor=commissioner, round_=draft, user=commissioner, role="chair")
    services.open_scoring(actor=commissioner, round_=draft)
    entries = [services.ScoreEntry(a.pk, c.pk, 3) for c in draft.criteria.all()]
    services.submit_scores(actor=commissioner, round_=draft, entries=entries)
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.post(_url("round_run", draft.pk), follow=True)
    assert "Option &#x27;B&#x27; has no scores." in response.content.decode()
    assert not OptimisationRun.objects.filter(round=draft).exists()
    b = draft.options.get(title="B")
    services.submit_scores(
        actor=commissioner,
        round_=draft,
        entries=[services.ScoreEntry(b.pk, c.pk, 4) for c in draft.criteria.all()],
    )
    response = client.post(_url("round_run", draft.pk))
    assert response.status_code == 302 and response["Location"] == _url("round_results", draft.pk)
    assert OptimisationRun.objects.filter(round=draft, run_by=commissioner).count() == 1


def test_the_decision_is_recorded_from_the_partnerships_decisions(client_for, southampton, commissioner):
    from commissioning.governance.models import Decision, DecisionState

    round_ = _demo_round(southampton)
    decision = Decision.objects.create(
        partnership=southampton,
        reference="PS-27",
        title="Adopt the 2027/28 investments",
        kind="budget",
        state=DecisionState.PROPOSED,
        proposed_by=commissioner,
    )
    client = client_for("southampton", Role.COMMISSIONER)
    response = client.get(_url("round_decision", round_.pk))
    assert response.status_code == 200 and "PS-27: Adopt the 2027/28 investments" in response.content.decode()
    response = client.post(_url("round_decision", round_.pk), {"decision": decision.pk})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DECIDED and round_.decision == decision
    body = client.get(_url("round", round_.pk)).content.decode()
    assert "PS-27" in body and "Change the round" not in body


def test_a_panel_member_declares_an_interest_after_joining(
    client_for, southampton, commissioner, user_for, draft
):
    a = services.add_option(actor=commissioner, round_=draft, title="A", kind="investment", amount="500")
    services.add_option(actor=commissioner, round_=draft, title="B", kind="investment", amount="600")
    viewer = user_for("southampton", Role.VIEWER)
    member = services.add_panel_member(actor=commissioner, round_=draft, user=viewer, role="public")
    finance = services.add_panel_member(
        actor=commissioner, round_=draft, user=user_for("southampton", Role.FINANCE_OFFICER), role="finance"
    )
    client = client_for("southampton", Role.VIEWER)
    url = _url("round_interest_new", draft.pk, member.pk)
    assert url in client.get(_url("round", draft.pk)).content.decode()
    refused = client.post(url, {"option": a.pk, "interest": ""})
    assert refused.status_code == 400 and not member.interests.exists()
    assert client.post(url, {"option": a.pk, "interest": "My sister runs the provider."}).status_code == 302
    assert member.interests.get().option == a
    # The option is no longer offered to them, and nobody else's interests are theirs to declare.
    assert f'value="{a.pk}"' not in client.get(url).content.decode()
    assert client.get(_url("round_interest_new", draft.pk, finance.pk)).status_code == 404
    # Whoever runs the round may declare for any member.
    manager = client_for("southampton", Role.COMMISSIONER)
    response = manager.post(
        _url("round_interest_new", draft.pk, finance.pk), {"option": a.pk, "interest": "Shareholder."}
    )
    assert response.status_code == 302 and finance.interests.count() == 1
