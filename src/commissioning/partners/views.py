"""Partner pages: thin views that call one selector or service and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_POST

from commissioning.core.exports import EXPORT_FORMATS, table_response
from commissioning.core.forms import submit
from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners import selectors, services
from commissioning.partners.decorators import partnership_view
from commissioning.partners.forms import (
    CareGroupForm,
    MembershipForm,
    NewOrganisationForm,
    NewPersonForm,
    OrganisationForm,
)


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORT_FORMATS else None


# Partnership -----------------------------------------------------------------------------


@partnership_view()
def partnership_detail(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return render(
        request,
        "partners/partnership.html",
        {
            "members": selectors.members_of(partnership),
            "areas": selectors.areas_of(partnership),
            "history": selectors.history(partnership),
            "nav_stage": "governance",
        },
    )


# Organisations ---------------------------------------------------------------------------

ORGANISATION_COLUMNS = ("Name", "Kind", "ODS code", "GSS code", "Companies House", "Charity", "Org ID")


@partnership_view(Permission.VIEW_ORGANISATIONS)
def organisation_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    organisations = selectors.organisations_in(partnership)
    fmt = _export_format(request)
    if fmt:
        rows = (
            (
                o.name,
                o.get_kind_display(),
                o.ods_code,
                o.gss_code,
                o.companies_house_number,
                o.charity_number,
                o.org_id,
            )
            for o in organisations
        )
        return table_response(
            filename=f"{partnership.slug}-organisations",
            headers=ORGANISATION_COLUMNS,
            rows=rows,
            fmt=fmt,
        )
    return render(
        request,
        "partners/organisation_list.html",
        {
            "organisations": organisations,
            "nav_stage": "market",
        },
    )


@partnership_view(Permission.VIEW_ORGANISATIONS)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    organisation = found_or_404(selectors.organisation_in, partnership, pk)
    can_audit = Permission.VIEW_AUDIT in request.permissions  # type: ignore[attr-defined]
    return render(
        request,
        "partners/organisation_detail.html",
        {
            "organisation": organisation,
            "history": selectors.history(organisation) if can_audit else None,
            "nav_stage": "market",
        },
    )


def _form_page(request: HttpRequest, form: Any, title: str, cancel_url: str, **extra: Any) -> HttpResponse:
    return render(
        request, "partners/form_page.html", {"form": form, "title": title, "cancel_url": cancel_url, **extra}
    )


@partnership_view(Permission.MANAGE_ORGANISATIONS)
def organisation_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = NewOrganisationForm(request.POST or None)
    organisation = submit(
        request,
        form,
        lambda data: services.organisation_create(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if organisation is not None:
        messages.success(request, f"{organisation.name} added.")
        return redirect("partners:organisation", partnership.slug, organisation.pk)
    cancel = reverse("partners:organisations", args=[partnership.slug])
    return _form_page(request, form, "Add an organisation", cancel, nav_stage="market")


@partnership_view(Permission.MANAGE_ORGANISATIONS)
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    organisation = found_or_404(selectors.organisation_in, partnership, pk)
    form = OrganisationForm(
        request.POST or None, instance=found_or_404(selectors.organisation_in, partnership, pk)
    )
    saved = submit(
        request,
        form,
        lambda data: services.organisation_update(
            actor=request.user,
            partnership=partnership,
            organisation=organisation,
            **data,  # type: ignore[arg-type]
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("partners:organisation", partnership.slug, pk)
    cancel = reverse("partners:organisation", args=[partnership.slug, pk])
    return _form_page(request, form, f"Change {organisation.name}", cancel, nav_stage="market")


# Care groups -----------------------------------------------------------------------------


@partnership_view()
def care_group_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    groups = selectors.care_groups_in(partnership)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-care-groups",
            headers=("Order", "Care group", "Description", "In use"),
            rows=((g.position, g.name, g.description, "yes" if g.is_active else "no") for g in groups),
            fmt=fmt,
        )
    return render(
        request,
        "partners/care_group_list.html",
        {
            "care_groups": groups,
            "nav_stage": "strategy",
        },
    )


@partnership_view()
def care_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    group = found_or_404(selectors.care_group_in, partnership, pk)
    can_audit = Permission.VIEW_AUDIT in request.permissions  # type: ignore[attr-defined]
    return render(
        request,
        "partners/care_group_detail.html",
        {
            "care_group": group,
            "history": selectors.history(group) if can_audit else None,
            "nav_stage": "strategy",
        },
    )


@partnership_view(Permission.MANAGE_CARE_GROUPS)
def care_group_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = CareGroupForm(request.POST or None)
    group = submit(
        request,
        form,
        lambda data: services.care_group_create(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            **{k: v for k, v in data.items() if k != "is_active"},
        ),
    )
    if group is not None:
        messages.success(request, f"Care group {group.name} added.")
        return redirect("partners:care_group", partnership.slug, group.pk)
    cancel = reverse("partners:care_groups", args=[partnership.slug])
    return _form_page(request, form, "Add a care group", cancel, nav_stage="strategy")


@partnership_view(Permission.MANAGE_CARE_GROUPS)
def care_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    group = found_or_404(selectors.care_group_in, partnership, pk)
    form = CareGroupForm(
        request.POST or None, instance=found_or_404(selectors.care_group_in, partnership, pk)
    )
    saved = submit(
        request,
        form,
        lambda data: services.care_group_update(
            actor=request.user,
            partnership=partnership,
            care_group=group,
            **data,  # type: ignore[arg-type]
        ),
    )
    if saved is not None:
        messages.success(request, "Changes saved.")
        return redirect("partners:care_group", partnership.slug, pk)
    cancel = reverse("partners:care_group", args=[partnership.slug, pk])
    return _form_page(request, form, f"Change {group.name}", cancel, nav_stage="strategy")


# Areas -----------------------------------------------------------------------------------


@partnership_view()
def area_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    return render(
        request,
        "partners/area_list.html",
        {
            "areas": selectors.areas_of(partnership),
            "nav_stage": "needs",
        },
    )


@partnership_view()
def area_detail(request: HttpRequest, gss_code: str) -> HttpResponse:
    area = found_or_404(selectors.area_detail, gss_code)
    can_audit = Permission.VIEW_AUDIT in request.permissions  # type: ignore[attr-defined]
    return render(
        request,
        "partners/area_detail.html",
        {"area": area, "history": selectors.history(area) if can_audit else None, "nav_stage": "needs"},
    )


# People and roles ------------------------------------------------------------------------


@partnership_view(Permission.VIEW_MEMBERSHIPS)
def membership_list(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    memberships = selectors.memberships_in(partnership)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-people",
            headers=("User name", "Name", "Acting for", "Role"),
            rows=(
                (m.user.username, str(m.user), m.organisation.name, m.get_role_display()) for m in memberships
            ),
            fmt=fmt,
        )
    return render(
        request,
        "partners/membership_list.html",
        {
            "memberships": memberships,
            "nav_stage": "governance",
        },
    )


@partnership_view(Permission.MANAGE_MEMBERSHIPS)
def membership_new(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    form = MembershipForm(request.POST or None, organisations=selectors.organisations_in(partnership))
    membership = submit(
        request,
        form,
        lambda data: services.membership_create(
            actor=request.user,  # type: ignore[arg-type]
            partnership=partnership,
            user=data["username"],
            organisation=data["organisation"],
            role=data["role"],
        ),
    )
    if membership is not None:
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display().lower()}."
        )
        return redirect("partners:memberships", partnership.slug)
    cancel = reverse("partners:memberships", args=[partnership.slug])
    return _form_page(
        request, form, "Give someone a role", cancel, nav_stage="governance", submit_label="Give role"
    )


@partnership_view(Permission.MANAGE_MEMBERSHIPS)
def person_new(request: HttpRequest) -> HttpResponse:
    """Create a sign-in for someone new; show the one-time link where they choose a password."""
    partnership = request.partnership  # type: ignore[attr-defined]
    form = NewPersonForm(request.POST or None, organisations=selectors.organisations_in(partnership))
    membership = submit(
        request,
        form,
        lambda data: services.person_add(actor=request.user, partnership=partnership, **data),  # type: ignore[arg-type]
    )
    if membership is not None:
        person = membership.user
        link = request.build_absolute_uri(
            reverse(
                "password_reset_confirm",
                args=[
                    urlsafe_base64_encode(force_bytes(person.pk)),
                    default_token_generator.make_token(person),
                ],
            )
        )
        return render(
            request,
            "partners/person_added.html",
            {"membership": membership, "link": link, "nav_stage": "governance"},
        )
    cancel = reverse("partners:memberships", args=[partnership.slug])
    return _form_page(
        request, form, "Add a person", cancel, nav_stage="governance", submit_label="Add person"
    )


@require_POST
@partnership_view(Permission.MANAGE_MEMBERSHIPS)
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    membership = found_or_404(selectors.membership_in, partnership, pk)
    try:
        services.membership_revoke(actor=request.user, partnership=partnership, membership=membership)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Role revoked from {membership.user.username}.")
    return redirect("partners:memberships", partnership.slug)


# Audit -----------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


@partnership_view(Permission.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    events = selectors.audit_events_in(partnership)
    fmt = _export_format(request)
    if fmt:
        return table_response(
            filename=f"{partnership.slug}-audit-trail",
            headers=("When", "Who", "Action", "Record type", "Record", "Summary"),
            rows=(
                (
                    e.occurred_at.isoformat(),
                    e.actor.username,
                    e.get_action_display(),
                    e.object_type.name,
                    e.object_repr,
                    e.summary,
                )
                for e in events.iterator(chunk_size=2000)
            ),
            fmt=fmt,
        )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "partners/audit_rows.html" if request.htmx else "partners/audit.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "nav_stage": "governance"})
