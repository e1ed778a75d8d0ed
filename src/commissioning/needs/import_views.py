"""The upload page: an analyst loads a Fingertips export or record-level data into the JSNA."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning.core.errors import NotPermitted
from commissioning.core.imports import ImportFailed
from commissioning.core.permissions import Permission
from commissioning.needs import selectors, services
from commissioning.needs.forms import IndicatorUploadForm
from commissioning.partners.decorators import partnership_view

ERRORS_SHOWN = 200


def _saved(upload: UploadedFile, folder: str, name: str) -> Path:
    """Uploads go to a private temporary folder: DuckDB and pandas read from a path."""
    path = Path(folder) / (name + Path(upload.name or "").suffix.lower())
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def _import(
    request: HttpRequest, partnership: object, data: Path, name: str, definitions: Path | None
) -> str:
    """Run the import the file's header calls for; say what landed."""
    actor = request.user
    kind = services.detect_kind(data)
    if kind == services.POPULATION:
        count = services.population_import(actor=actor, partnership=partnership, path=data)  # type: ignore[arg-type]
        return f"Imported {count:,} population projections from {name}."
    if kind == services.PREVALENCE:
        count = services.prevalence_import(actor=actor, partnership=partnership, path=data)  # type: ignore[arg-type]
        return f"Imported {count:,} prevalence rates from {name}."
    batch = services.indicators_import(
        actor=actor,  # type: ignore[arg-type]
        partnership=partnership,  # type: ignore[arg-type]
        path=data,
        file_name=name,
        definitions=definitions,
    )
    return f"Imported {batch.values_written:,} values from {batch.rows_read:,} rows of {batch.file_name}."


@partnership_view(Permission.MANAGE_INDICATORS)
def upload(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = IndicatorUploadForm(request.POST or None, request.FILES or None)
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        with tempfile.TemporaryDirectory(prefix="indicators-") as folder:
            data = _saved(form.cleaned_data["file"], folder, "data")
            definitions = form.cleaned_data.get("definitions")
            try:
                done = _import(
                    request,
                    partnership,
                    data,
                    form.cleaned_data["file"].name,
                    _saved(definitions, folder, "definitions") if definitions else None,
                )
            except ImportFailed as failure:
                problems = failure
            except NotPermitted as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, done)
                return redirect("needs:import", partnership.slug)
    return render(
        request,
        "needs/import.html",
        {
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            "imports": selectors.imports_in(partnership),
            "nav_stage": "needs",
        },
        status=400 if problems else 200,
    )
