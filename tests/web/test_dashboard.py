"""The dashboard: the partnership picker, the cycle, the switcher and role-aware navigation."""

import pytest

from commissioning.core.permissions import Role
from commissioning.partners import services
from commissioning.partners.models import Organisation

pytestmark = pytest.mark.django_db

STAGES = ["Needs", "Strategy", "Resources", "Market", "Contracts", "Performance", "Governance", "Engagement"]


def test_a_member_of_one_partnership_goes_straight_to_its_dashboard(client_for):
    client = client_for("southampton", Role.VIEWER)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/p/southampton/"


def test_dashboard_lays_out_the_cycle_with_organisations_care_groups_and_areas(client_for):
    page = client_for("southampton", Role.COMMISSIONER).get("/p/southampton/").text
    positions = [page.index(f"\n          {stage}\n") for stage in STAGES]
    assert positions == sorted(positions)
    for text in ["Southampton City Council", "NHS Southampton City Clinical Commissioning Group", "Carers"]:
        assert text in page
    assert ">Southampton</a> (E06000045, in South East)" in page
    assert "Nottinghamshire" not in page


def test_a_person_in_two_partnerships_picks_and_switches(southampton, nottinghamshire, user_for, client):
    admin = user_for("nottinghamshire", Role.ADMINISTRATOR)
    person = user_for("southampton", Role.COMMISSIONER)
    services.membership_create(
        actor=admin,
        partnership=nottinghamshire,
        user=person,
        organisation=Organisation.objects.get(gss_code="E10000024"),
        role="viewer",
    )
    client.force_login(person)
    picker = client.get("/")
    assert picker.status_code == 200
    assert "Southampton Integrated Commissioning" in picker.text
    assert "Nottinghamshire Joint Commissioning" in picker.text
    dashboard = client.get("/p/southampton/")
    assert 'id="switch-partnership"' in dashboard.text
    switched = client.get("/switch/?partnership=nottinghamshire", follow=True)
    assert switched.redirect_chain[-1][0] == "/p/nottinghamshire/"
    assert "Nottinghamshire Joint Commissioning" in switched.text
    # The last partnership used is where "/" goes next time.
    assert client.get("/").url == "/p/nottinghamshire/"


def test_navigation_follows_the_role(client_for):
    admin_page = client_for("southampton", Role.ADMINISTRATOR).get("/p/southampton/").text
    assert "/p/southampton/audit/" in admin_page and "/p/southampton/people/" in admin_page
    provider_page = client_for("southampton", Role.PROVIDER_CONTACT).get("/p/southampton/").text
    assert "/p/southampton/audit/" not in provider_page
    assert "/p/southampton/people/" not in provider_page


def test_dashboard_does_not_query_in_a_loop(client_for, django_assert_max_num_queries):
    client = client_for("southampton", Role.ADMINISTRATOR)
    with django_assert_max_num_queries(20):
        assert client.get("/p/southampton/").status_code == 200


def test_audit_trail_pages_with_htmx(client_for):
    client = client_for("southampton", Role.ADMINISTRATOR)
    full = client.get("/p/southampton/audit/")
    assert full.status_code == 200 and "<h1>Audit trail</h1>" in full.text
    more = client.get("/p/southampton/audit/?page=2", headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert "<h1>" not in more.text and "nhsuk-table__row" in more.text


def test_static_design_system_is_served(client_for):
    client = client_for("southampton", Role.VIEWER)
    page = client.get("/p/southampton/").text
    assert "vendor/nhsuk-frontend/nhsuk-frontend.min.css" in page
    assert "vendor/htmx/htmx.min.js" in page
    assert 'href="#maincontent"' in page
