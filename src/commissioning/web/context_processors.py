from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from commissioning.partners.selectors import partnerships_for
from commissioning.web.navigation import CYCLE


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The partnership switcher and the cycle navigation for the current partnership."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    partnership = getattr(request, "partnership", None)
    permissions = getattr(request, "permissions", frozenset())
    stages = []
    if partnership is not None:
        for stage in CYCLE:
            links = []
            for link in stage.links:
                url = reverse(link.url_name, args=[partnership.slug])
                # A page reached under two permissions (e.g. returns) is listed once.
                if link.permission in permissions and all(seen["url"] != url for seen in links):
                    links.append({"label": link.label, "url": url})
            stages.append(
                {"key": stage.key, "label": stage.label, "question": stage.question, "links": links}
            )
    return {
        "my_partnerships": list(partnerships_for(user).only("slug", "name")),
        "current_partnership": partnership,
        "cycle": stages,
        "permissions": {p.value for p in permissions},
    }
