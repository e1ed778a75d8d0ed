"""Pages inside a partnership: resolve it from the URL, check the role, remember the choice."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from commissioning.core.permissions import Permission
from commissioning.partners import selectors
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import permissions_in, require_permission

CURRENT_PARTNERSHIP_KEY = "current_partnership"


def partnership_view(
    permission: Permission = Permission.VIEW_PARTNERSHIP,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Give the view ``request.partnership``; 404 for non-members, 403 without the permission."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                partnership = selectors.partnership_for(request.user, slug)
            except Partnership.DoesNotExist as exc:
                raise Http404("No such partnership.") from exc
            require_permission(request.user, permission, partnership=partnership)
            request.partnership = partnership  # type: ignore[attr-defined]
            request.permissions = permissions_in(request.user, partnership)  # type: ignore[attr-defined]
            if request.session.get(CURRENT_PARTNERSHIP_KEY) != partnership.slug:
                request.session[CURRENT_PARTNERSHIP_KEY] = partnership.slug
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
