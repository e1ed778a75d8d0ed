"""API tokens for machine clients: issue, check and revoke."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from commissioning.core.audit import Auditor
from commissioning.core.errors import NotPermitted
from commissioning.core.models import ApiToken, User, hash_token

TOKEN_PREFIX = "jcp_"


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, valid_for: dt.timedelta | None = dt.timedelta(days=90)
) -> tuple[ApiToken, str]:
    """Issue a token for the actor; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip()[:100] or "API token",
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + valid_for if valid_for else None,
    )
    Auditor(actor).record(
        "grant", token, after={"name": token.name, "prefix": token.prefix}, summary="API token issued"
    )
    return token, raw


def api_token_user(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None if it is unknown, expired or revoked."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise NotPermitted("You can revoke only your own tokens.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    Auditor(actor).record("revoke", token, summary="API token revoked")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens, newest first; nobody sees anyone else's."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")
