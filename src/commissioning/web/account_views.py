"""The signed-in person's own API tokens, for machine clients of the JSON API."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commissioning.core.forms import NhsFormMixin, submit
from commissioning.core.tokens import api_token_create, api_token_revoke, tokens_of


class SetPasswordForm(NhsFormMixin, auth_forms.SetPasswordForm):
    """Django's set-password form in the design system's dress."""


class TokenForm(NhsFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'Monthly ledger upload'.")
    valid_for_days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=366, initial=90)


def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    issued = submit(
        request,
        form,
        lambda data: api_token_create(
            actor=request.user,  # type: ignore[arg-type]
            name=data["name"],
            valid_for=dt.timedelta(days=data["valid_for_days"]),
        ),
    )
    new_token = issued[1] if issued else None
    if issued:
        form = TokenForm()
    return render(
        request,
        "web/api_tokens.html",
        {"form": form, "tokens": tokens_of(request.user), "new_token": new_token},  # type: ignore[arg-type]
    )


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens_of(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if token is None:
        raise Http404
    api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api_tokens")
