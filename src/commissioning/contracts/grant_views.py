"""Grants pages: the list with totals by programme and recipient, one grant, and the 360Giving import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning.contracts import grants
from commissioning.contracts.models import GrantImport
from commissioning.core.errors import NotPermitted
from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import NhsFormMixin
from commissioning.core.imports import ImportFailed
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners.decorators import partnership_view

NAV = {"nav_stage": "contracts"}
ERRORS_SHOWN = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class GrantUploadForm(NhsFormMixin, forms.Form):
    file = forms.FileField(
        label="360Giving CSV file",
        help_text=(
            "One row per grant with the 360Giving column titles: Identifier, Title, Currency, "
            "Amount Awarded, Award Date, Recipient Org:Identifier, Recipient Org:Name, "
            "Funding Org:Identifier and Funding Org:Name are required."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB; import it with the command line.")
        return upload


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


@partnership_view(Permission.MANAGE_CONTRACTS)
def grant_import(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = GrantUploadForm(request.POST or None, request.FILES or None)
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="grants-") as folder:
            path = Path(folder) / "upload.csv"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                batch = grants.import_grants(
                    actor=request.user,  # type: ignore[arg-type]
                    partnership=partnership,
                    path=path,
                    file_name=upload.name,
                )
            except ImportFailed as failure:
                problems = failure
            except NotPermitted as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"Imported {batch.rows:,} grants from {batch.file_name}.")
                return redirect("grants:list", partnership.slug)
    return render(
        request,
        "contracts/grant_import.html",
        {
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            **NAV,
        },
        status=400 if problems else 200,
    )
