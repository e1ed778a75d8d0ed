"""File uploads on the contracts pages: one form and one page for every import (grants, OCDS
releases, contracts), each checking the whole file before anything is saved and listing every
problem with its row, column and reason."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from commissioning.core.errors import NotPermitted
from commissioning.core.forms import NhsFormMixin
from commissioning.core.imports import ImportFailed

ERRORS_SHOWN = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """What one import page asks for and does."""

    title: str
    caption: str
    intro: str
    label: str
    help_text: str
    suffixes: tuple[str, ...]
    load: Callable[[HttpRequest, Path, str], str]  # imports the file; returns the success message
    done_url: str  # a URL name taking the partnership's slug
    breadcrumbs: str = ""
    max_bytes: int = MAX_UPLOAD_BYTES
    recent: Callable[[Any], Any] | None = None  # the partnership's earlier imports, to list below the form


class UploadForm(NhsFormMixin, forms.Form):
    file = forms.FileField()

    def __init__(self, *args: Any, upload: Upload, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suffixes = upload.suffixes
        self.max_bytes = upload.max_bytes
        self.fields["file"].label = upload.label
        self.fields["file"].help_text = upload.help_text

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith(self.suffixes):
            raise forms.ValidationError(f"Choose a {' or '.join(self.suffixes)} file.")
        if file.size > self.max_bytes:
            raise forms.ValidationError(
                f"The file is larger than {self.max_bytes // 2**20} MB; import it with the command line."
            )
        return file


def upload_page(request: HttpRequest, upload: Upload) -> HttpResponse:
    """The upload form; on a good file, import it and go on; on a bad one, list every problem."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None, upload=upload)
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="upload-") as folder:
            path = Path(folder) / f"upload{Path(file.name).suffix.lower()}"
            with path.open("wb") as handle:
                for chunk in file.chunks():
                    handle.write(chunk)
            try:
                message = upload.load(request, path, file.name)
            except ImportFailed as failure:
                problems = failure
            except NotPermitted as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, message)
                return redirect(upload.done_url, partnership.slug)
    return render(
        request,
        "contracts/upload.html",
        {
            "upload": upload,
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            "recent_imports": upload.recent(partnership) if upload.recent else None,
            "nav_stage": "contracts",
        },
        status=400 if problems else 200,
    )
