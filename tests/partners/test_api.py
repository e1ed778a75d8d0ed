"""The partners JSON API over real HTTP: sessions and tokens, isolation, roles, validation, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from commissioning.core.models import ApiToken, AuditEvent
from commissioning.core.permissions import Role
from commissioning.core.tokens import api_token_create, api_token_revoke
from commissioning.partners import services
from commissioning.partners.models import CareGroup, Membership, Organisation, PartnershipMember

pytestmark = pytest.mark.django_db

JSON = "application/json"


def db_state() -> dict[str, list]:
    """Every partner row and every audit event, to show a refused request changed nothing."""
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "care_groups": list(CareGroup.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "members": list(PartnershipMember.objects.order_by("pk").values()),
        "audit_events": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
    }


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def call(client: Client, method: str, url: str, data: dict | None = None, **extra: str):
    """One API request; a body, where there is one, is JSON."""
    send = getattr(client, method.lower())
    if data is None:
        return send(url, **extra)
    return send(url, data, content_type=JSON, **extra)


# Who is calling ---------------------------------------------------------------------------


def test_session_lists_only_my_partnerships_with_my_roles(client_for):
    response = client_for("southampton", Role.COMMISSIONER).get("/api/partnerships")
    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "southampton",
            "name": "Southampton Integrated Commissioning",
            "description": response.json()[0]["description"],
            "my_roles": ["commissioner"],
        }
    ]


def test_a_person_in_two_partnerships_sees_both_with_their_roles(
    client, user_for, nottinghamshire, southampton
):
    person = user_for("southampton", Role.COMMISSIONER)
    services.membership_create(
        actor=user_for("nottinghamshire", Role.ADMINISTRATOR),
        partnership=nottinghamshire,
        user=person,
        organisation=Organisation.objects.get(gss_code="E10000024"),
        role="viewer",
    )
    client.force_login(person)
    listed = {p["slug"]: p["my_roles"] for p in client.get("/api/partnerships").json()}
    assert listed == {"nottinghamshire": ["viewer"], "southampton": ["commissioner"]}


def test_partnership_detail_lists_members_and_areas(client_for):
    response = client_for("southampton", Role.VIEWER).get("/api/partnerships/southampton")
    assert response.status_code == 200
    body = response.json()
    assert body["areas"] == ["E06000045"]
    members = {m["organisation"]: m["role"] for m in body["members"]}
    assert members == {
        "Southampton City Council": "host",
        "NHS Southampton City Clinical Commissioning Group": "partner",
        "Solent NHS Trust": "associate",
    }


def test_a_token_authenticates_a_machine_client(client, user_for):
    viewer = user_for("southampton", Role.VIEWER)
    token, raw = api_token_create(actor=viewer, name="t")
    assert raw.startswith("jcp_") and token.prefix == raw[:12]
    response = client.get("/api/partnerships", **bearer(raw))
    assert response.status_code == 200
    assert [(p["slug"], p["my_roles"]) for p in response.json()] == [("southampton", ["viewer"])]
    token.refresh_from_db()
    assert token.last_used_at is not None
    organisations = client.get("/api/partnerships/southampton/organisations", **bearer(raw))
    assert organisations.status_code == 200
    assert "Southampton City Council" in {o["name"] for o in organisations.json()}


def _revoked(user):
    token, raw = api_token_create(actor=user, name="t")
    api_token_revoke(actor=user, token=token)
    return raw


def _expired(user):
    token, raw = api_token_create(actor=user, name="t")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return raw


def _tampered(user):
    _, raw = api_token_create(actor=user, name="t")
    return raw[:-2] + ("aa" if raw[-2:] != "aa" else "bb")


def _inactive_owner(user):
    _, raw = api_token_create(actor=user, name="t")
    user.is_active = False
    user.save(update_fields=["is_active"])
    return raw


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: "jcp_not-a-real-token",
        lambda user: "not-even-our-prefix",
        _tampered,
        _revoked,
        _expired,
        _inactive_owner,
    ],
    ids=["unknown", "foreign", "tampered", "revoked", "expired", "inactive-owner"],
)
def test_a_bad_token_gets_401(client, user_for, make_token):
    raw = make_token(user_for("southampton", Role.ADMINISTRATOR))
    assert client.get("/api/partnerships", **bearer(raw)).status_code == 401
    assert client.get("/api/partnerships/southampton/organisations", **bearer(raw)).status_code == 401


def test_a_signed_in_session_issues_a_token_that_then_works(client_for, user_for):
    session = client_for("southampton", Role.FINANCE_OFFICER)
    response = session.post("/api/tokens", {"name": "Budget sync", "valid_for_days": 30}, content_type=JSON)
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Budget sync"
    assert body["token"].startswith(body["prefix"])
    token = ApiToken.objects.get(prefix=body["prefix"])
    assert token.user == user_for("southampton", Role.FINANCE_OFFICER)
    assert body["token"] not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert AuditEvent.objects.filter(action="grant", object_id=str(token.pk)).exists()
    machine = Client()
    listed = machine.get("/api/partnerships", **bearer(body["token"]))
    assert listed.status_code == 200
    assert [p["my_roles"] for p in listed.json()] == [["finance_officer"]]


def test_tokens_are_issued_only_to_a_signed_in_session(client, user_for):
    assert client.post("/api/tokens", {"name": "t"}, content_type=JSON).status_code == 401
    _, raw = api_token_create(actor=user_for("southampton", Role.VIEWER), name="t")
    before = ApiToken.objects.count()
    # A token cannot mint more tokens.
    assert client.post("/api/tokens", {"name": "t2"}, content_type=JSON, **bearer(raw)).status_code == 401
    assert ApiToken.objects.count() == before


# One partnership cannot reach another's data ----------------------------------------------


@pytest.fixture(params=["session", "token"])
def notts_admin(request, client, user_for):
    """A Nottinghamshire administrator, signed in through a session or with a bearer token."""
    admin = user_for("nottinghamshire", Role.ADMINISTRATOR)
    if request.param == "session":
        client.force_login(admin)
        return client, {}
    _, raw = api_token_create(actor=admin, name="t")
    return client, bearer(raw)


def _southampton_ids(southampton):
    return {
        "org": Organisation.objects.get(name="Southampton City Council").pk,
        "group": southampton.care_groups.get(name="Mental health").pk,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/partnerships/southampton",
        "/api/partnerships/southampton/organisations",
        "/api/partnerships/southampton/organisations/{org}",
        "/api/partnerships/southampton/organisations/{org}/history",
        "/api/partnerships/southampton/care-groups",
        "/api/partnerships/southampton/memberships",
        "/api/partnerships/southampton/audit-events",
    ],
)
def test_nottinghamshire_gets_404_reading_southampton(notts_admin, southampton, url):
    client, auth = notts_admin
    response = client.get(url.format(**_southampton_ids(southampton)), **auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("PATCH", "/api/partnerships/southampton/organisations/{org}", {"name": "Renamed council"}),
        (
            "PATCH",
            "/api/partnerships/southampton/care-groups/{group}",
            {"name": "Renamed", "is_active": False},
        ),
        ("POST", "/api/partnerships/southampton/care-groups", {"name": "Sneaky group"}),
        ("POST", "/api/partnerships/southampton/organisations", {"name": "Sneaky Trust", "kind": "vcse"}),
        (
            "POST",
            "/api/partnerships/southampton/memberships",
            {"username": "demo-nottinghamshire-viewer", "organisation_id": "{org}", "role": "administrator"},
        ),
    ],
)
def test_nottinghamshire_gets_404_writing_to_southampton(notts_admin, southampton, method, url, data):
    client, auth = notts_admin
    ids = _southampton_ids(southampton)
    payload = {k: int(v.format(**ids)) if v == "{org}" else v for k, v in data.items()}
    before = db_state()
    response = call(client, method, url.format(**ids), payload, **auth)
    assert response.status_code == 404
    assert db_state() == before


def test_another_partnerships_objects_are_not_found_under_my_partnership(client_for, nottinghamshire):
    trust = Organisation.objects.get(ods_code="RHA")
    group = nottinghamshire.care_groups.get(name="Children: CAMHS")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    assert client.get(f"/api/partnerships/southampton/organisations/{trust.pk}").status_code == 404
    patch = client.patch(
        f"/api/partnerships/southampton/organisations/{trust.pk}", {"name": "Taken"}, content_type=JSON
    )
    assert patch.status_code == 404
    patch = client.patch(
        f"/api/partnerships/southampton/care-groups/{group.pk}", {"name": "Taken"}, content_type=JSON
    )
    assert patch.status_code == 404
    membership = client.post(
        "/api/partnerships/southampton/memberships",
        {"username": "demo-southampton-viewer", "organisation_id": trust.pk, "role": "provider_contact"},
        content_type=JSON,
    )
    assert membership.status_code == 404
    assert db_state() == before


# Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"gss_code": "X06000045"}, "gss_code", "A GSS code is a country letter"),
        ({"companies_house_number": "12345"}, "companies_house_number", "A Companies House number is"),
        ({"charity_number": "12-AB"}, "charity_number", "A Charity Commission number is"),
        ({"ods_code": "10X"}, "ods_code", "already has the ODS code 10X"),
        ({"ods_code": " r1c "}, "ods_code", "Solent NHS Trust already has the ODS code R1C"),
        ({"la_code": "S1"}, "la_code", "three or four capital letters"),
    ],
)
def test_a_bad_organisation_is_refused_naming_the_field(client_for, fields, field, message):
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/api/partnerships/southampton/organisations",
        {"name": "Itchen Community Care", "kind": "vcse", **fields},
        content_type=JSON,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The request was not valid."
    assert list(body["errors"]) == [field]
    assert message in body["errors"][field][0]
    assert db_state() == before


def test_a_good_organisation_is_added_and_audited(client_for, user_for, southampton):
    client = client_for("southampton", Role.ADMINISTRATOR)
    response = client.post(
        "/api/partnerships/southampton/organisations",
        {"name": "Itchen Community Care", "kind": "vcse", "charity_number": "1123456", "website": ""},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["org_id"] == "GB-CHC-1123456"
    organisation = Organisation.objects.get(pk=body["id"])
    assert southampton.members.filter(organisation=organisation, role="associate").exists()
    event = AuditEvent.objects.get(
        action="create", object_type__model="organisation", object_id=str(body["id"])
    )
    assert event.actor == user_for("southampton", Role.ADMINISTRATOR)


def test_patching_an_organisation_to_a_taken_code_is_refused(client_for):
    trust = Organisation.objects.get(ods_code="R1C")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.patch(
        f"/api/partnerships/southampton/organisations/{trust.pk}", {"ods_code": "10X"}, content_type=JSON
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ods_code"]
    assert db_state() == before


def test_a_membership_with_an_unknown_role_is_refused_naming_role(client_for):
    council = Organisation.objects.get(name="Southampton City Council")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/api/partnerships/southampton/memberships",
        {"username": "demo-nottinghamshire-viewer", "organisation_id": council.pk, "role": "overlord"},
        content_type=JSON,
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["role"]
    assert "'overlord' is not a role" in errors["role"][0]
    assert db_state() == before


def test_a_membership_for_an_unknown_person_is_refused_naming_username(client_for):
    council = Organisation.objects.get(name="Southampton City Council")
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = client.post(
        "/api/partnerships/southampton/memberships",
        {"username": "nobody-at-all", "organisation_id": council.pk, "role": "viewer"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]
    assert db_state() == before


def test_a_duplicate_care_group_is_refused_naming_name(client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    before = db_state()
    response = client.post("/api/partnerships/southampton/care-groups", {"name": "CARERS"}, content_type=JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    assert db_state() == before


# Roles ------------------------------------------------------------------------------------


def test_a_viewer_cannot_add_a_care_group_and_is_told_who_can(client_for):
    client = client_for("southampton", Role.VIEWER)
    before = db_state()
    response = client.post(
        "/api/partnerships/southampton/care-groups", {"name": "Homeless"}, content_type=JSON
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "Southampton Integrated Commissioning" in detail
    assert "commissioner or administrator" in detail
    assert db_state() == before


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("POST", "/api/partnerships/southampton/organisations", {"name": "Itchen Care", "kind": "vcse"}),
        ("PATCH", "/api/partnerships/southampton/organisations/{org}", {"name": "Renamed"}),
        ("PATCH", "/api/partnerships/southampton/care-groups/{group}", {"is_active": False}),
        (
            "POST",
            "/api/partnerships/southampton/memberships",
            {"username": "demo-nottinghamshire-viewer", "organisation_id": "{org}", "role": "viewer"},
        ),
    ],
)
def test_a_viewer_cannot_write_through_the_api(client_for, southampton, method, url, data):
    ids = _southampton_ids(southampton)
    payload = {k: int(v.format(**ids)) if v == "{org}" else v for k, v in data.items()}
    client = client_for("southampton", Role.VIEWER)
    before = db_state()
    response = call(client, method, url.format(**ids), payload)
    assert response.status_code == 403
    assert "administrator" in response.json()["detail"]
    assert db_state() == before


@pytest.mark.parametrize(
    "url", ["/api/partnerships/southampton/memberships", "/api/partnerships/southampton/audit-events"]
)
def test_a_provider_contact_cannot_read_people_or_audit(client_for, url):
    response = client_for("southampton", Role.PROVIDER_CONTACT).get(url)
    assert response.status_code == 403


def test_a_commissioner_adds_and_changes_a_care_group(client_for, user_for, southampton):
    commissioner = user_for("southampton", Role.COMMISSIONER)
    client = client_for("southampton", Role.COMMISSIONER)
    created = client.post(
        "/api/partnerships/southampton/care-groups",
        {"name": "People who are homeless", "description": "Rough sleepers."},
        content_type=JSON,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["slug"], body["position"], body["is_active"]) == ("people-who-are-homeless", 7, True)
    changed = client.patch(
        f"/api/partnerships/southampton/care-groups/{body['id']}", {"is_active": False}, content_type=JSON
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    actions = list(
        AuditEvent.objects.filter(object_type__model="caregroup", object_id=str(body["id"]))
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [("create", commissioner.pk), ("update", commissioner.pk)]


# The audit trail --------------------------------------------------------------------------


def test_audit_events_are_listed_newest_first(client_for):
    client = client_for("southampton", Role.COMMISSIONER)
    created = client.post(
        "/api/partnerships/southampton/care-groups", {"name": "Veterans"}, content_type=JSON
    )
    assert created.status_code == 201
    response = client.get("/api/partnerships/southampton/audit-events")
    assert response.status_code == 200
    events = response.json()
    assert len(events) > 10
    newest = events[0]
    assert (newest["action"], newest["object_type"], newest["object_repr"], newest["actor"]) == (
        "create",
        "caregroup",
        "Veterans",
        "demo-southampton-commissioner",
    )
    stamps = [(e["occurred_at"], e["id"]) for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert len(client.get("/api/partnerships/southampton/audit-events?limit=3").json()) == 3
    # Nottinghamshire's work is not in Southampton's trail.
    assert not any("Nottinghamshire" in e["object_repr"] for e in events)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_audit_events_cannot_be_changed_or_deleted(client_for, method):
    client = client_for("southampton", Role.ADMINISTRATOR)
    before = db_state()
    response = call(client, method, "/api/partnerships/southampton/audit-events", {"summary": "rewritten"})
    assert response.status_code == 405
    assert db_state() == before


# Areas and documentation ------------------------------------------------------------------


def test_areas_filter_by_type(client_for):
    response = client_for("southampton", Role.VIEWER).get("/api/areas?area_type=region")
    assert response.status_code == 200
    regions = response.json()
    assert sorted(r["gss_code"] for r in regions) == [f"E1200000{n}" for n in range(1, 10)]
    assert {r["parent"] for r in regions} == {"E92000001"}
    assert "South East" in {r["name"] for r in regions}


def test_area_detail_has_parent_and_comparators(client_for):
    response = client_for("nottinghamshire", Role.PROVIDER_CONTACT).get("/api/areas/E06000045")
    assert response.status_code == 200
    area = response.json()
    assert (area["name"], area["area_type"], area["parent"]) == ("Southampton", "unitary", "E12000008")
    assert sorted(area["comparators"]) == [
        "E06000015",
        "E06000023",
        "E06000026",
        "E06000030",
        "E06000032",
        "E06000035",
        "E06000038",
        "E06000042",
        "E06000043",
        "E06000044",
    ]
    assert client_for("southampton", Role.VIEWER).get("/api/areas/E99999999").status_code == 404


def test_areas_need_a_caller(client):
    assert client.get("/api/areas?area_type=region").status_code == 401


def test_docs_and_schema_for_a_signed_in_user(client_for):
    client = client_for("southampton", Role.VIEWER)
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/partnerships/{slug}/organisations" in paths
    assert "/api/tokens" in paths
    assert set(paths["/api/partnerships/{slug}/audit-events"]) == {"get"}


def test_schema_needs_sign_in(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# Query counts -----------------------------------------------------------------------------


@pytest.fixture
def many_organisations(southampton, user_for):
    admin = user_for("southampton", Role.ADMINISTRATOR)
    for n in range(25):
        services.organisation_create(
            actor=admin,
            partnership=southampton,
            name=f"Care provider {n:02}",
            kind="private_provider",
            companies_house_number=f"{10000000 + n}",
        )
    return 3 + 25


def test_organisations_page_does_not_query_per_row(
    client_for, many_organisations, django_assert_max_num_queries
):
    client = client_for("southampton", Role.ADMINISTRATOR)
    with django_assert_max_num_queries(15):
        response = client.get("/p/southampton/organisations/")
    assert response.status_code == 200
    assert f"{many_organisations} organisations" in response.text


def test_organisations_api_does_not_query_per_row(
    client_for, many_organisations, django_assert_max_num_queries
):
    client = client_for("southampton", Role.ADMINISTRATOR)
    with django_assert_max_num_queries(15):
        response = client.get("/api/partnerships/southampton/organisations")
    assert response.status_code == 200
    assert len(response.json()) == many_organisations


def test_organisations_export_does_not_query_per_row(
    client_for, many_organisations, django_assert_max_num_queries
):
    client = client_for("southampton", Role.ADMINISTRATOR)
    with django_assert_max_num_queries(15):
        response = client.get("/p/southampton/organisations/?format=csv")
    assert response.status_code == 200
    assert len(response.content.decode().strip().splitlines()) == many_organisations + 1


# Cross-site requests ----------------------------------------------------------------------


def test_a_session_write_needs_the_csrf_token(user_for):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_for("southampton", Role.COMMISSIONER))
    before = db_state()
    forged = browser.post("/api/partnerships/southampton/care-groups", {"name": "Forged"}, content_type=JSON)
    assert forged.status_code == 403
    assert db_state() == before
    assert browser.get("/api/partnerships/southampton/care-groups").status_code == 200


def test_a_token_write_needs_no_csrf_token(user_for):
    _, raw = api_token_create(actor=user_for("southampton", Role.COMMISSIONER), name="t")
    machine = Client(enforce_csrf_checks=True)
    response = machine.post(
        "/api/partnerships/southampton/care-groups", {"name": "Veterans"}, content_type=JSON, **bearer(raw)
    )
    assert response.status_code == 201
