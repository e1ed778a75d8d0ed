"""The golden thread page: stand on a priority, service, budget line, scheme, contract or KPI and walk
the thread both ways, with its totals, the evidence trail and a download of every row."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view
from commissioning.strategy import golden_thread

NAV = {"nav_stage": "strategy"}


@partnership_view(Permission.VIEW_STRATEGY)
def thread(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    if kind not in golden_thread.KINDS:
        raise Http404(
            "The golden thread starts from an indicator, priority, service, budget line, scheme, "
            "contract or KPI."
        )
    try:
        found = golden_thread.thread_for(partnership, kind, pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-golden-thread-{kind}-{pk}",
            headers=golden_thread.EXPORT_HEADERS,
            rows=golden_thread.export_rows(found),
            fmt=fmt,
        )
    return render(
        request,
        "strategy/thread.html",
        {
            "thread": found,
            "stages": [(stage, found.stages.get(stage, [])) for stage in golden_thread.STAGES],
            **NAV,
        },
    )
