"""What the strategy pages share: whether the user may change strategy records, and the way back to an
object's page after a change, at the part of it that changed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from commissioning.core.permissions import Permission


def can_manage(request: HttpRequest) -> bool:
    return Permission.MANAGE_STRATEGY in request.permissions  # type: ignore[attr-defined]


def back_to(viewname: str, obj: Any, anchor: str = "") -> HttpResponse:
    """Redirect to the page of a partnership's object, scrolled to ``anchor`` when one is given."""
    response = redirect(viewname, obj.partnership.slug, obj.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response
