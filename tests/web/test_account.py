"""Sign-in rate limiting and a person's own API tokens."""

import re

import pytest

from commissioning.core.models import ApiToken, AuditEvent
from commissioning.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_five_failed_sign_ins_lock_that_user_name_out(client):
    wrong = {"username": "demo-southampton-viewer", "password": "nope"}
    for _ in range(4):
        response = client.post("/accounts/login/", wrong)
        assert response.status_code == 200 and "There is a problem" in response.text
    assert client.post("/accounts/login/", wrong).status_code == 429  # the fifth failure locks
    locked = client.post(
        "/accounts/login/", {"username": "demo-southampton-viewer", "password": "demo-password"}
    )
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.text
    # Another user name from the same address may still sign in.
    ok = client.post(
        "/accounts/login/", {"username": "demo-southampton-commissioner", "password": "demo-password"}
    )
    assert ok.status_code == 302


def test_a_person_issues_uses_and_revokes_their_own_token(client_for, user_for):
    client = client_for("southampton", Role.COMMISSIONER)
    page = client.post("/accounts/tokens/", {"name": "Ledger upload", "valid_for_days": "30"})
    assert page.status_code == 200
    raw = re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1)
    token = ApiToken.objects.get(name="Ledger upload")
    assert token.user == user_for("southampton", Role.COMMISSIONER)
    assert raw not in token.token_hash  # only the hash is kept
    api = client.__class__()
    assert api.get("/api/partnerships", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/partnerships", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    actions = set(AuditEvent.objects.filter(object_type__model="apitoken").values_list("action", flat=True))
    assert actions == {"grant", "revoke"}


def test_nobody_can_revoke_someone_elses_token(client_for, user_for):
    from commissioning.core.tokens import api_token_create

    token, _ = api_token_create(actor=user_for("southampton", Role.ADMINISTRATOR), name="admin's")
    client = client_for("southampton", Role.COMMISSIONER)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert "admin&#x27;s" not in client.get("/accounts/tokens/").text
    token.refresh_from_db()
    assert token.revoked_at is None
