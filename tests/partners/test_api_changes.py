"""Changing a partnership and revoking roles over the API, scoped and audited."""

import pytest

from commissioning.core.models import AuditEvent
from commissioning.core.permissions import Role
from commissioning.partners.models import Membership

pytestmark = pytest.mark.django_db


def _token_client(client, user):
    from commissioning.core.tokens import api_token_create

    _, raw = api_token_create(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_administrator_updates_partnership_and_areas(client, user_for, southampton):
    auth = _token_client(client, user_for("southampton", Role.ADMINISTRATOR))
    response = client.patch(
        "/api/partnerships/southampton",
        {"description": "Joint commissioning for the city", "areas": ["E06000045", "E06000044"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    assert response.json()["areas"] == ["E06000044", "E06000045"]
    assert response.json()["description"] == "Joint commissioning for the city"
    event = AuditEvent.objects.filter(object_type__model="partnership", action="update").get()
    assert event.before["areas"] != event.after["areas"]


def test_unknown_area_codes_are_named_and_nothing_changes(client, user_for, southampton):
    auth = _token_client(client, user_for("southampton", Role.ADMINISTRATOR))
    response = client.patch(
        "/api/partnerships/southampton",
        {"name": "Renamed", "areas": ["E06000045", "E06999999"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert "E06999999" in response.json()["errors"]["areas"][0]
    southampton.refresh_from_db()
    assert southampton.name == "Southampton Integrated Commissioning"


def test_commissioner_cannot_change_the_partnership(client, user_for):
    auth = _token_client(client, user_for("southampton", Role.COMMISSIONER))
    response = client.patch(
        "/api/partnerships/southampton", {"name": "Mine"}, content_type="application/json", **auth
    )
    assert response.status_code == 403


def test_revoke_membership_over_the_api(client, user_for, southampton, nottinghamshire):
    admin = _token_client(client, user_for("southampton", Role.ADMINISTRATOR))
    membership = Membership.objects.get(partnership=southampton, role="viewer")
    notts = _token_client(client, user_for("nottinghamshire", Role.ADMINISTRATOR))
    assert (
        client.delete(f"/api/partnerships/southampton/memberships/{membership.pk}", **notts).status_code
        == 404
    )
    assert (
        client.delete(f"/api/partnerships/nottinghamshire/memberships/{membership.pk}", **notts).status_code
        == 404
    )
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert (
        client.delete(f"/api/partnerships/southampton/memberships/{membership.pk}", **admin).status_code
        == 204
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(object_type__model="membership", action="revoke").count() == 1


def test_members_join_and_leave_over_the_api(client, user_for, southampton, nottinghamshire):
    from commissioning.partners.models import Membership, Organisation, PartnershipMember

    admin = _token_client(client, user_for("southampton", Role.ADMINISTRATOR))
    icb = Organisation.objects.create(name="NHS Hampshire and Isle of Wight ICB", kind="icb", ods_code="QRL")
    joined = client.post(
        "/api/partnerships/southampton/members",
        {"organisation_id": icb.pk, "role": "partner"},
        content_type="application/json",
        **admin,
    )
    assert joined.status_code == 201, joined.content
    again = client.post(
        "/api/partnerships/southampton/members",
        {"organisation_id": icb.pk, "role": "host"},
        content_type="application/json",
        **admin,
    )
    assert again.status_code == 400 and "already a member" in again.json()["errors"]["organisation"][0]
    # The CCG may now leave: the council and the ICB remain as two commissioners.
    ccg = Organisation.objects.get(ods_code="10X")
    Membership.objects.filter(partnership=southampton, organisation=ccg).delete()
    left = client.delete(f"/api/partnerships/southampton/members/{ccg.pk}", **admin)
    assert left.status_code == 204
    assert not PartnershipMember.objects.filter(partnership=southampton, organisation=ccg).exists()
    # Removing the ICB as well would leave the council alone, so it is refused.
    refused = client.delete(f"/api/partnerships/southampton/members/{icb.pk}", **admin)
    assert refused.status_code == 400 and "at least two" in refused.json()["errors"]["members"][0]


def test_comparators_are_set_for_the_partnerships_own_areas_only(client, user_for):
    admin = _token_client(client, user_for("southampton", Role.ADMINISTRATOR))
    response = client.put(
        "/api/partnerships/southampton/areas/E06000045/comparators",
        {"comparators": ["E06000044", "E06000026"]},
        content_type="application/json",
        **admin,
    )
    assert response.status_code == 200
    assert response.json()["comparators"] == ["E06000026", "E06000044"]
    outside = client.put(
        "/api/partnerships/southampton/areas/E10000024/comparators",
        {"comparators": ["E06000044"]},
        content_type="application/json",
        **admin,
    )
    assert outside.status_code == 403
    bad = client.put(
        "/api/partnerships/southampton/areas/E06000045/comparators",
        {"comparators": ["E06999999"]},
        content_type="application/json",
        **admin,
    )
    assert bad.status_code == 400 and "E06999999" in bad.json()["errors"]["comparators"][0]
