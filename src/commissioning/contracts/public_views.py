"""Open data anyone may fetch without signing in: the OCDS release package, the 360Giving grants file
and the Transparency Code contract register, with an index page saying what each is and its licence.

These publish only what the partnership publishes anyway: contracts, awards and grants. Bids,
scores and placements (about individual people) never appear here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from commissioning.contracts import grants, ocds, selectors
from commissioning.core.exports import table_response
from commissioning.core.lookup import found_or_404
from commissioning.governance.selectors import public_partnership


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_not_required
def open_data(request: HttpRequest, slug: str) -> HttpResponse:
    """The index of the partnership's open data, with the licence."""
    partnership = found_or_404(public_partnership, slug)
    return render(
        request,
        "contracts/open_data.html",
        {"partnership": partnership, "licence_url": ocds.OGL, "ocds_prefix": ocds.ocds_prefix()},
    )


@login_not_required
def ocds_package(request: HttpRequest, slug: str) -> HttpResponse:
    """The OCDS 1.1 release package of the partnership's procurements and contracts."""
    partnership = found_or_404(public_partnership, slug)
    package = ocds.release_package(
        partnership=partnership, base_url=_base_url(request), published_at=timezone.now()
    )
    response = JsonResponse(package, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
def grants_file(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's grants as a 360Giving CSV."""
    partnership = found_or_404(public_partnership, slug)
    response = HttpResponse(
        grants.grants_csv(partnership=partnership), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{partnership.slug}-360giving.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
def transparency(request: HttpRequest, slug: str) -> HttpResponse:
    """The Local Government Transparency Code contract register (contracts over £5,000)."""
    partnership = found_or_404(public_partnership, slug)
    return table_response(
        filename=f"{partnership.slug}-contract-register",
        headers=selectors.TRANSPARENCY_HEADERS,
        rows=selectors.transparency_rows(partnership),
        fmt="csv",
    )
