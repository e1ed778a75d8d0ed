"""API plumbing shared by every area: authentication, errors, and the caller's own tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.responses import Status
from ninja.security import HttpBearer, django_auth

from commissioning.core.imports import ImportFailed
from commissioning.core.tokens import api_token_create, api_token_user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer jcp_…`` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


AUTH = [TokenAuth(), django_auth]


def install_error_handlers(api: NinjaAPI) -> None:
    """Turn service errors into JSON: 400 naming fields, 403 with the reason, 404."""

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return api.create_response(
            request, {"detail": "The request was not valid.", "errors": errors}, status=400
        )

    @api.exception_handler(ImportFailed)
    def import_failed(request: HttpRequest, exc: ImportFailed) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": str(exc), "errors": [vars(error) for error in exc.errors]},
            status=400,
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "You do not have permission."}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found."}, status=404)


router = Router(tags=["tokens"])


class TokenIn(Schema):
    name: str
    valid_for_days: int = 90


class TokenOut(Schema):
    name: str
    prefix: str
    token: str
    expires_at: dt.datetime | None


@router.post("/tokens", response={201: TokenOut}, auth=django_auth)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Issue an API token for yourself (signed in through the browser). Shown once."""
    days = min(max(payload.valid_for_days, 1), 366)
    token, raw = api_token_create(
        actor=request.user,  # type: ignore[arg-type]
        name=payload.name,
        valid_for=dt.timedelta(days=days),
    )
    return Status(
        201, {"name": token.name, "prefix": token.prefix, "token": raw, "expires_at": token.expires_at}
    )
