"""Partner pages over real HTTP: sign-in, partnership isolation, role limits, bad input, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from commissioning.core.models import ApiToken, AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners.models import CareGroup, Membership, Organisation, PartnershipMember

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def db_state() -> dict[str, list[dict]]:
    """Every partner row and every audit event, to show a refused request changed nothing."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "care_groups": list(CareGroup.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "members": list(PartnershipMember.objects.order_by("pk").values()),
        "tokens": list(ApiToken.objects.order_by("pk").values()),
        "audit_events": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
    }


@pytest.fixture
def southampton_ids(southampton):
    """Ids of Southampton-only objects, to try by URL from another partnership."""
    council = Organisation.objects.get(name="Southampton City Council")
    assert not council.partnership_memberships.exclude(partnership=southampton).exists()
    return {
        "org": council.pk,
        "group": southampton.care_groups.get(name="Mental health").pk,
        "membership": southampton.memberships.get(user__username="demo-southampton-viewer").pk,
    }


# Signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/p/southampton/", "/p/southampton/organisations/", "/api/docs"])
def test_anonymous_pages_redirect_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "next=" in response.url


def test_anonymous_api_call_is_401(client):
    response = client.get("/api/partnerships")
    assert response.status_code == 401


# One partnership cannot reach another's pages ---------------------------------------------

SOUTHAMPTON_PAGES = [
    "/p/southampton/",
    "/p/southampton/partnership/",
    "/p/southampton/organisations/",
    "/p/southampton/organisations/?format=csv",
    "/p/southampton/organisations/new/",
    "/p/southampton/organisations/{org}/",
    "/p/southampton/organisations/{org}/edit/",
    "/p/southampton/care-groups/",
    "/p/southampton/care-groups/new/",
    "/p/southampton/care-groups/{group}/",
    "/p/southampton/care-groups/{group}/edit/",
    "/p/southampton/areas/",
    "/p/southampton/areas/E06000045/",
    "/p/southampton/people/",
    "/p/southampton/people/new/",
    "/p/southampton/audit/",
    "/p/southampton/audit/?format=xlsx",
]


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.VIEWER])
@pytest.mark.parametrize("url", SOUTHAMPTON_PAGES)
def test_nottinghamshire_member_gets_404_for_every_southampton_page(client_for, southampton_ids, role, url):
    client = client_for("nottinghamshire", role)
    response = client.get(url.format(**southampton_ids))
    assert response.status_code == 404
    assert "Southampton City Council" not in response.text


def test_nottinghamshire_member_gets_404_for_a_partnership_that_does_not_exist(client_for):
    response = client_for("nottinghamshire", Role.ADMINISTRATOR).get("/p/no-such-place/")
    assert response.status_code == 404


SOUTHAMPTON_POSTS = [
    (
        "/p/southampton/organisations/{org}/edit/",
        {"name": "Renamed council", "kind": "local_authority", "gss_code": "E06000045", "la_code": "STH"},
    ),
    (
        "/p/southampton/organisations/new/",
        {"name": "Sneaky Trust", "kind": "nhs_trust", "ods_code": "RZZ", "member_role": "associate"},
    ),
    ("/p/southampton/care-groups/{group}/edit/", {"name": "Renamed", "position": "1", "is_active": "on"}),
    ("/p/southampton/care-groups/new/", {"name": "Sneaky group", "position": "9", "is_active": "on"}),
    (
        "/p/southampton/people/new/",
        {"username": "demo-nottinghamshire-viewer", "organisation": "{org}", "role": "administrator"},
    ),
    ("/p/southampton/people/{membership}/revoke/", {}),
]


@pytest.mark.parametrize(("url", "data"), SOUTHAMPTON_POSTS)
def test_nottinghamshire_posts_to_southampton_change_nothing(client_for, southampton_ids, url, data):
    client = client_for("nottinghamshire", Role.ADMINISTRATOR)
    before = db_state()
    form = {key: value.format(**southampton_ids) for key, value in data.items()}
    response = client.post(url.format(**southampton_ids), form)
    assert response.status_code == 404
    assert db_state() == before


def test_another_partnerships_organisation_is_not_found_by_url(client_for, nottinghamshire):
    trust = Organisation.objects.get(ods_code="RHA")
    assert not trust.partnership_memberships.exclude(partnership=nottinghamshire).exists()
    client = client_for("southampton", Role.ADMINISTRATOR)
    assert client.get(f"/p/southampton/organisations/{trust.pk}/").status_code == 404
    assert client.get(f"/p/southampton/organisations/{trust.pk}/edit/").status_code == 404
    before = db_state()
    response = client.post(
        f"/p/southampton/organisations/{trust.pk}/edit/",
        {"name": "Taken over", "kind": "nhs_trust", "ods_code": "RHA"},
    )
    assert response.status_code == 404
    assert db_state() == before


def test_another_partnerships_care_group_is_not_found_by_url(client_for, nottinghamshire):
    group = nottinghamshire.care_groups.get(name="Children: CAMHS")
    client = client_for("southampton", Role.ADMINISTRATOR)
    assert client.get(f"/p/southampton/care-groups/{group.pk}/").status_code == 404
    assert client.get(f"/p/southampton/care-groups/{group.pk}/edit/").status_code == 404
    before = db_state()
    edit = client.post(
        f"/p/southampton/care-groups/{group.pk}/edit/",
        {"name": "Hijacked", "position": "1", "is_active": "on"},
    )
    assert edit.status_code == 404
    assert db_state() == before


def test_another_partnerships_membership_cannot_be_revoked_by_url(client_for, nottinghamshire):
    membership = nottinghamshire.memberships.get(user__username="demo-nottinghamshire-viewer")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    assert client.post(f"/p/southampton/people/{membership.pk}/revoke/").status_code == 404
    assert db_state() == before


def test_an_administrator_revokes_a_role(client_for, user_for, southampton):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    membership = southampton.memberships.get(user__username="demo-southampton-viewer")
    client = client_for("southampton", Role.ADMINISTRATOR)
    assert client.get(f"/p/southampton/people/{membership.pk}/revoke/").status_code == 405
    response = client.post(f"/p/southampton/people/{membership.pk}/revoke/")
    assert response.status_code == 302
    assert response.url == "/p/southampton/people/"
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="revoke", object_id=str(membership.pk))
    assert event.actor == admin


def test_a_viewer_cannot_revoke_a_role(client_for, southampton):
    membership = southampton.memberships.get(user__username="demo-southampton-commissioner")
    client = client_for("southampton", Role.VIEWER)
    before = db_state()
    assert client.post(f"/p/southampton/people/{membership.pk}/revoke/").status_code == 403
    assert db_state() == before


# Role limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/p/southampton/care-groups/new/", {"name": "Homeless people", "position": "7", "is_active": "on"}),
        (
            "/p/southampton/organisations/new/",
            {"name": "Southampton Voluntary Services", "kind": "vcse", "member_role": "associate"},
        ),
    ],
)
def test_a_viewer_cannot_add_care_groups_or_organisations(client_for, url, data):
    client = client_for("southampton", Role.VIEWER)
    before = db_state()
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert db_state() == before


def test_a_commissioner_adds_a_care_group_through_the_form(client_for, user_for, southampton):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.get("/p/southampton/care-groups/new/").status_code == 200
    response = client.post(
        "/p/southampton/care-groups/new/",
        {
            "name": "People who are homeless",
            "description": "Rough sleepers.",
            "position": "7",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    group = CareGroup.objects.get(partnership=southampton, name="People who are homeless")
    assert response.url == f"/p/southampton/care-groups/{group.pk}/"
    assert (group.slug, group.description, group.position) == (
        "people-who-are-homeless",
        "Rough sleepers.",
        7,
    )
    event = AuditEvent.objects.get(object_type__model="caregroup", object_id=str(group.pk))
    assert event.action == "create"
    assert event.actor == commissioner
    assert event.partnership_id == southampton.pk
    page = client.get(response.url)
    assert page.status_code == 200
    history = page.text[page.text.index("<h2>History</h2>") :]
    assert "Created" in history
    assert commissioner.display_name in history
    assert "People who are homeless" in history


@pytest.mark.parametrize(
    "url",
    [
        "/p/southampton/people/",
        "/p/southampton/people/?format=csv",
        "/p/southampton/audit/",
        "/p/southampton/audit/?format=xlsx",
    ],
)
def test_a_provider_contact_cannot_see_people_or_the_audit_trail(client_for, url):
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get(url).status_code == 403


def test_a_provider_contact_sees_organisations_without_their_history(client_for):
    council = Organisation.objects.get(name="Southampton City Council")
    client = client_for("southampton", Role.PROVIDER_CONTACT)
    assert client.get("/p/southampton/organisations/").status_code == 200
    page = client.get(f"/p/southampton/organisations/{council.pk}/")
    assert page.status_code == 200
    assert "<h2>History</h2>" not in page.text


# Bad input through the forms --------------------------------------------------------------


@pytest.mark.parametrize(
    ("ods_code", "message"),
    [
        ("abc!!", "An ODS code is 3 to 6 capital letters and digits"),
        ("10X", "NHS Southampton City Clinical Commissioning Group already has the ODS code 10X"),
        ("10x", "NHS Southampton City Clinical Commissioning Group already has the ODS code 10X"),
    ],
)
def test_an_organisation_with_a_bad_or_taken_ods_code_is_refused(client_for, ods_code, message):
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/p/southampton/organisations/new/",
        {"name": "Another Trust", "kind": "nhs_trust", "ods_code": ods_code, "member_role": "associate"},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert f"ODS code: {message}" in response.text
    assert db_state() == before


def test_changing_an_organisation_to_a_taken_ods_code_is_refused(client_for):
    trust = Organisation.objects.get(ods_code="R1C")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        f"/p/southampton/organisations/{trust.pk}/edit/",
        {"name": trust.name, "kind": "nhs_trust", "ods_code": "10X"},
    )
    assert response.status_code == 200
    assert "ODS code: NHS Southampton City Clinical Commissioning Group already has" in response.text
    assert db_state() == before


def test_a_duplicate_care_group_name_is_refused(client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    before = db_state()
    response = client.post(
        "/p/southampton/care-groups/new/", {"name": "  carers ", "position": "9", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Name: This partnership already has a care group called carers." in response.text
    assert db_state() == before


def test_the_same_care_group_name_is_fine_in_another_partnership(client_for, nottinghamshire):
    client = client_for("nottinghamshire", Role.COMMISSIONER)
    response = client.post(
        "/p/nottinghamshire/care-groups/new/",
        {"name": "Learning disability and autism", "position": "9", "is_active": "on"},
    )
    assert response.status_code == 302
    assert nottinghamshire.care_groups.filter(name="Learning disability and autism").exists()


def test_a_membership_with_a_role_outside_the_list_is_refused(client_for):
    council = Organisation.objects.get(name="Southampton City Council")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/p/southampton/people/new/",
        {"username": "demo-nottinghamshire-viewer", "organisation": str(council.pk), "role": "overlord"},
    )
    assert response.status_code == 200
    assert "Role: Select a valid choice. overlord is not one of the available choices." in response.text
    assert db_state() == before


def test_a_membership_for_another_partnerships_organisation_is_refused(client_for):
    notts_council = Organisation.objects.get(gss_code="E10000024")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/p/southampton/people/new/",
        {"username": "demo-nottinghamshire-viewer", "organisation": str(notts_council.pk), "role": "viewer"},
    )
    assert response.status_code == 200
    assert "Acting for: Select a valid choice." in response.text
    assert db_state() == before


def test_an_administrator_gives_a_role_through_the_form(client_for, user_for, southampton):
    council = Organisation.objects.get(name="Southampton City Council")
    person = user_for("nottinghamshire", Role.VIEWER)
    client = client_for("southampton", Role.ADMINISTRATOR)
    response = client.post(
        "/p/southampton/people/new/",
        {"username": person.username, "organisation": str(council.pk), "role": "viewer"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person, partnership=southampton)
    assert AuditEvent.objects.filter(action="grant", object_id=str(membership.pk)).exists()


# Exports ----------------------------------------------------------------------------------


def test_organisations_export_as_csv(client_for):
    response = client_for("southampton", Role.VIEWER).get("/p/southampton/organisations/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="southampton-organisations.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("Name,Kind,ODS code,GSS code,Companies House,Charity,Org ID")
    assert "Southampton City Council,Local authority,,E06000045,,,GB-LAE-STH" in text
    assert "Nottinghamshire" not in text


def test_organisations_export_as_xlsx(client_for):
    response = client_for("southampton", Role.VIEWER).get("/p/southampton/organisations/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Name"
    names = [row[0] for row in rows[1:]]
    assert "Southampton City Council" in names
    assert "Solent NHS Trust" in names
    assert not any("Nottinghamshire" in name for name in names)


# The partnership switcher -----------------------------------------------------------------


def test_switching_to_a_partnership_you_are_not_in_ends_in_404(client_for):
    client = client_for("nottinghamshire", Role.ADMINISTRATOR)
    response = client.get("/switch/?partnership=southampton", follow=True)
    assert response.status_code == 404
    assert response.redirect_chain[-1][0] == "/p/southampton/"
    assert "Southampton Integrated Commissioning" not in response.text
    # The refused switch is not remembered.
    assert client.session.get("current_partnership") != "southampton"
    assert client.get("/").url == "/p/nottinghamshire/"


def test_switching_to_a_malformed_slug_is_not_found(client_for):
    client = client_for("nottinghamshire", Role.ADMINISTRATOR)
    response = client.get("/switch/?partnership=not a slug/../admin", follow=True)
    assert response.status_code == 404
