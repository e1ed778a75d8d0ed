"""The cross-agency contract audit page: possible duplicates with their evidence, and its download."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.contracts import duplicates
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view


def _on(request: HttpRequest) -> tuple[dt.date | None, str]:
    """The day asked for in ``?on=YYYY-MM-DD``, or none (every contract at any time), and any problem."""
    text = request.GET.get("on", "").strip()
    if not text:
        return None, ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return None, f"{text} is not a date; give it as YYYY-MM-DD. Showing every contract instead."


@partnership_view(Permission.VIEW_CONTRACTS)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    on, problem = _on(request)
    pairs = duplicates.possible_duplicates(partnership=partnership, on=on)
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        suffix = f"-{on.isoformat()}" if on else ""
        return table_response(
            filename=f"{partnership.slug}-possible-duplicates{suffix}",
            headers=duplicates.EXPORT_HEADERS,
            rows=duplicates.export_rows(pairs),
            fmt=fmt,
        )
    return render(
        request,
        "contracts/duplicates.html",
        {
            "pairs": pairs,
            "on": on,
            "on_text": request.GET.get("on", "") if problem else (on.isoformat() if on else ""),
            "problem": problem,
            "reason_labels": duplicates.REASON_LABELS,
            "nav_stage": "contracts",
        },
    )
