"""Grants pages: the list with totals by programme and recipient, one grant, and the 360Giving import."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.contracts import grants
from commissioning.contracts.models import GrantImport
from commissioning.contracts.upload_views import Upload, upload_page
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "contracts"}


@partnership_view(Permission.VIEW_CONTRACTS)
def grant_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return table_response(
            filename=f"{partnership.slug}-grants",
            headers=grants.EXPORT_COLUMNS,
            rows=grants.grant_rows(grants.grants_in(partnership)),
            fmt=fmt,
        )
    return render(
        request,
        "contracts/grant_list.html",
        {
            "grants": grants.grants_in(partnership),
            "totals": grants.grant_totals(partnership),
            "imports": GrantImport.objects.filter(partnership=partnership).select_related("imported_by")[:5],
            **NAV,
        },
    )


@partnership_view(Permission.VIEW_CONTRACTS)
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    grant = found_or_404(grants.grant_for, partnership, pk)
    return render(request, "contracts/grant_detail.html", {"grant": grant, **NAV})


def _import_grants(request: HttpRequest, path: Path, name: str) -> str:
    batch = grants.import_grants(
        actor=request.user,  # type: ignore[arg-type]
        partnership=request.partnership,  # type: ignore[attr-defined]
        path=path,
        file_name=name,
    )
    return f"Imported {batch.rows:,} grants from {batch.file_name}."


GRANT_UPLOAD = Upload(
    title="Import grants from a 360Giving file",
    caption="Grants",
    intro=(
        "Every row is checked before anything is saved. If any row has a problem, nothing is imported "
        "and each problem is listed with its row and column. The funder of every grant must be an "
        "organisation in this partnership, named by its org-id (for example GB-LAE-TRF)."
    ),
    label="360Giving CSV file",
    help_text=(
        "One row per grant with the 360Giving column titles: Identifier, Title, Currency, "
        "Amount Awarded, Award Date, Recipient Org:Identifier, Recipient Org:Name, "
        "Funding Org:Identifier and Funding Org:Name are required."
    ),
    suffixes=(".csv",),
    load=_import_grants,
    done_url="grants:list",
    breadcrumbs="contracts/_grant_breadcrumbs.html",
)


@partnership_view(Permission.MANAGE_CONTRACTS)
def grant_import(request: HttpRequest) -> HttpResponse:
    return upload_page(request, GRANT_UPLOAD)
