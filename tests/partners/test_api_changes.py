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
