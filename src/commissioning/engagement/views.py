"""Engagement pages: thin views that call one selector or service and render.

Staff pages sit inside a partnership; the public "you said, we did" page needs no sign-in
and shows only what the partnership has published, never what any one person said.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.imports import ImportFailed
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.engagement import selectors, services
from commissioning.engagement.forms import ConsultationForm, ResponseForm, ResponsesUploadForm, ThemeForm
from commissioning.engagement.models import Audience, Channel, Consultation
from commissioning.partners.decorators import partnership_view

NAV = "engagement"
RESPONSES_PAGE_SIZE = 50
ERRORS_SHOWN = 200


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _labels(values: list[str], choices: type[Audience] | type[Channel]) -> str:
    return ", ".join(choices(v).label for v in values)


def _form_page(request: HttpRequest, form: Any, title: str, cancel_url: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        "engagement/form_page.html",
        {"form": form, "title": title, "cancel_url": cancel_url, "nav_stage": NAV, **extra},
    )


def _consultation(request: HttpRequest, pk: int) -> Consultation:
    return found_or_404(selectors.consultation_in, request.partnership, pk)  # type: ignore[attr-defined]


# Consultations ---------------------------------------------------------------------------

CONSULTATION_COLUMNS = (
    "Title",
    "Purpose",
    "Who is asked",
    "How",
    "Opens",
    "Closes",
    "Responses",
    "Themes",
    "Published",
)


@partnership_view(Permission.VIEW_GOVERNANCE)
def consultation_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultations = selectors.consultations_in(partnership)
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                c.title,
                c.purpose,
                _labels(c.audiences, Audience),
                _labels(c.channels, Channel),
                c.opens_on,
                c.closes_on,
                c.response_count,  # type: ignore[attr-defined]
                c.theme_count,  # type: ignore[attr-defined]
                "yes" if c.is_published else "no",
            )
            for c in consultations
        )
        return table_response(
            filename=f"{partnership.slug}-consultations", headers=CONSULTATION_COLUMNS, rows=rows, fmt=fmt
        )
    return render(
        request, "engagement/consultation_list.html", {"consultations": consultations, "nav_stage": NAV}
    )


RESPONSE_COLUMNS = ("Received", "Respondent", "Channel", "What they said", "Themes", "Entered or imported")


@partnership_view(Permission.VIEW_GOVERNANCE)
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    responses = selectors.responses_in(consultation)
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                r.received_on,
                r.get_respondent_type_display(),
                r.get_channel_display(),
                r.text,
                "; ".join(t.title for t in r.themes.all()),
                r.get_source_display(),
            )
            for r in responses
        )
        return table_response(
            filename=f"{partnership.slug}-consultation-{consultation.pk}-responses",
            headers=RESPONSE_COLUMNS,
            rows=rows,
            fmt=fmt,
        )
    can_audit = Permission.VIEW_AUDIT in request.permissions  # type: ignore[attr-defined]
    return render(
        request,
        "engagement/consultation_detail.html",
        {
            "consultation": consultation,
            "audiences": _labels(consultation.audiences, Audience),
            "channels": _labels(consultation.channels, Channel),
            "summary": selectors.response_summary(consultation),
            "page": Paginator(responses, RESPONSES_PAGE_SIZE).get_page(request.GET.get("page")),
            "history": selectors.history(consultation) if can_audit else None,
            "can_manage": Permission.MANAGE_ENGAGEMENT in request.permissions,  # type: ignore[attr-defined]
            "nav_stage": NAV,
        },
    )


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def consultation_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = ConsultationForm(request.POST or None)
    consultation = submit(
        request,
        form,
        lambda data: services.consultation_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if consultation is not None:
        messages.success(request, f"Consultation {consultation.title} added.")
        return redirect("engagement:consultation", partnership.slug, consultation.pk)
    cancel = reverse("engagement:consultations", args=[partnership.slug])
    return _form_page(request, form, "Add a consultation", cancel)


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    form = ConsultationForm.for_consultation(request.POST or None, consultation)
    saved = submit(
        request,
        form,
        lambda data: services.consultation_update(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            consultation=consultation,
            **data,
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("engagement:consultation", partnership.slug, pk)
    cancel = reverse("engagement:consultation", args=[partnership.slug, pk])
    return _form_page(request, form, f"Change {consultation.title}", cancel)


@require_POST
@partnership_view(Permission.MANAGE_ENGAGEMENT)
def consultation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    published = request.POST.get("published") == "yes"
    services.consultation_publish(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        consultation=consultation,
        published=published,
    )
    messages.success(
        request,
        "Published on the public 'you said, we did' page."
        if published
        else "Withdrawn from the public 'you said, we did' page.",
    )
    return redirect("engagement:consultation", partnership.slug, pk)


# Themes ----------------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def theme_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    form = ThemeForm(request.POST or None)
    theme = submit(
        request,
        form,
        lambda data: services.theme_add(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            consultation=consultation,
            **data,
        ),
    )
    if theme is not None:
        messages.success(request, f"Theme {theme.title} added.")
        return redirect(reverse("engagement:consultation", args=[partnership.slug, pk]) + "#themes")
    cancel = reverse("engagement:consultation", args=[partnership.slug, pk])
    return _form_page(request, form, "Add a theme", cancel, caption=consultation.title)


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def theme_edit(request: HttpRequest, pk: int, theme_pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    theme = found_or_404(selectors.theme_in, partnership, pk, theme_pk)
    form = ThemeForm(
        request.POST or None, instance=found_or_404(selectors.theme_in, partnership, pk, theme_pk)
    )
    saved = submit(
        request,
        form,
        lambda data: services.theme_update(actor=request.user, partnership=partnership, theme=theme, **data),  # type: ignore[arg-type]
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect(reverse("engagement:consultation", args=[partnership.slug, pk]) + "#themes")
    cancel = reverse("engagement:consultation", args=[partnership.slug, pk])
    return _form_page(request, form, f"Change {theme.title}", cancel, caption=theme.consultation.title)


# Responses -------------------------------------------------------------------------------


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def response_new(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    form = ResponseForm(
        request.POST or None, consultation=consultation, themes=selectors.themes_of(consultation)
    )
    response = submit(
        request,
        form,
        lambda data: services.response_add(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            consultation=consultation,
            **data,
        ),
    )
    if response is not None:
        messages.success(request, "Response recorded.")
        if "another" in request.POST:
            return redirect("engagement:response_new", partnership.slug, pk)
        return redirect(reverse("engagement:consultation", args=[partnership.slug, pk]) + "#responses")
    cancel = reverse("engagement:consultation", args=[partnership.slug, pk])
    return _form_page(request, form, "Record a response", cancel, caption=consultation.title, another=True)


def _saved(upload: Any, folder: str) -> Path:
    """The upload on disk, keeping its extension: the service reads CSV or xlsx from a path."""
    path = Path(folder) / ("responses" + Path(upload.name or "").suffix.lower())
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@partnership_view(Permission.MANAGE_ENGAGEMENT)
def responses_upload(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    consultation = _consultation(request, pk)
    form = ResponsesUploadForm(request.POST or None, request.FILES or None)
    problems: ImportFailed | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="responses-") as folder:
            try:
                count = services.responses_import(
                    actor=request.user,  # type: ignore[arg-type]
                    partnership=partnership,
                    consultation=consultation,
                    path=_saved(upload, folder),
                    file_name=upload.name,
                )
            except ImportFailed as failure:
                problems = failure
            else:
                messages.success(
                    request, f"Imported {count:,} response{'s' if count != 1 else ''} from {upload.name}."
                )
                return redirect(
                    reverse("engagement:consultation", args=[partnership.slug, pk]) + "#responses"
                )
    return render(
        request,
        "engagement/import.html",
        {
            "consultation": consultation,
            "audiences": _labels(consultation.audiences, Audience),
            "channels": _labels(consultation.channels, Channel),
            "form": form,
            "problems": problems.errors[:ERRORS_SHOWN] if problems else None,
            "problem_count": len(problems.errors) if problems else 0,
            "nav_stage": NAV,
        },
        status=400 if problems else 200,
    )


# You said, we did ------------------------------------------------------------------------


@partnership_view(Permission.VIEW_GOVERNANCE)
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return render(
        request,
        "engagement/you_said_we_did.html",
        {"consultations": selectors.you_said_we_did(partnership), "nav_stage": NAV},
    )


@login_not_required
@require_GET
def public_you_said_we_did(request: HttpRequest, slug: str) -> HttpResponse:
    """Open to everyone: published consultations, what people said in summary, and what was done."""
    partnership = found_or_404(selectors.public_partnership, slug)
    return render(
        request,
        "engagement/public_you_said_we_did.html",
        {"partnership": partnership, "consultations": selectors.published_you_said_we_did(partnership)},
    )
