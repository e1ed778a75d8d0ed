"""Pages that compose several areas: the partnership picker and the cycle dashboard."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from commissioning.partners.decorators import CURRENT_PARTNERSHIP_KEY, partnership_view
from commissioning.partners.selectors import partnership_summary, partnerships_for
from commissioning.web.navigation import CYCLE

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def home(request: HttpRequest) -> HttpResponse:
    """Go straight to the partnership in use, or ask which one."""
    partnerships = list(partnerships_for(request.user))
    current = request.session.get(CURRENT_PARTNERSHIP_KEY)
    if len(partnerships) == 1:
        return redirect("dashboard", partnerships[0].slug)
    if current and any(p.slug == current for p in partnerships):
        return redirect("dashboard", current)
    return render(request, "web/home.html", {"partnerships": partnerships})


def switch_partnership(request: HttpRequest) -> HttpResponse:
    """The switcher posts a slug; the dashboard checks membership like every page."""
    slug = request.GET.get("partnership", "")
    if not SLUG.fullmatch(slug):
        raise Http404("No such partnership.")
    return redirect(reverse("dashboard", args=[slug]))


@partnership_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    summary = partnership_summary(partnership)
    return render(
        request,
        "web/dashboard.html",
        {"summary": summary, "stage_count": len(CYCLE), "nav_stage": "dashboard"},
    )
