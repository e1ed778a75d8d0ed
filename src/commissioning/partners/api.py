"""JSON API for partners: partnerships, organisations, areas, care groups, memberships, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from commissioning.core.lookup import found_or_404
from commissioning.core.permissions import Permission
from commissioning.partners import selectors, services
from commissioning.partners.models import Partnership
from commissioning.partners.permissions import require_permission, roles_in

router = Router(tags=["partners"])


def _partnership(request: HttpRequest, slug: str, permission: Permission) -> Partnership:
    try:
        partnership = selectors.partnership_for(request.user, slug)
    except Partnership.DoesNotExist as exc:
        raise Http404 from exc
    require_permission(request.user, permission, partnership=partnership)
    return partnership


def _areas_named(codes: list[str], *, field: str) -> list[Any]:
    """The areas with these GSS codes; any code that names no area is an error on ``field``."""
    found = list(selectors.areas().filter(gss_code__in=codes))
    unknown = sorted(set(codes) - {area.gss_code for area in found})
    if unknown:
        raise ValidationError({field: f"No area has the GSS code {', '.join(unknown)}."})
    return found


class PartnershipOut(Schema):
    slug: str
    name: str
    description: str
    my_roles: list[str]


class MemberOut(Schema):
    organisation_id: int
    organisation: str = Field(..., alias="organisation.name")
    role: str


class PartnershipDetailOut(PartnershipOut):
    members: list[MemberOut]
    areas: list[str]


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    ods_code: str
    gss_code: str
    companies_house_number: str
    charity_number: str
    la_code: str
    website: str
    org_id: str


class OrganisationIn(Schema):
    name: str
    kind: str
    short_name: str = ""
    ods_code: str = ""
    gss_code: str = ""
    companies_house_number: str = ""
    charity_number: str = ""
    la_code: str = ""
    website: str = ""
    member_role: str = "associate"


class OrganisationPatch(Schema):
    name: str | None = None
    short_name: str | None = None
    kind: str | None = None
    ods_code: str | None = None
    gss_code: str | None = None
    companies_house_number: str | None = None
    charity_number: str | None = None
    la_code: str | None = None
    website: str | None = None


class AreaOut(Schema):
    gss_code: str
    name: str
    area_type: str
    parent: str | None = Field(None, alias="parent.gss_code")
    valid_from: dt.date | None
    valid_to: dt.date | None


class AreaDetailOut(Schema):
    gss_code: str
    name: str
    area_type: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    comparators: list[str]
    children: list[str]


class AreaFilter(Schema):
    area_type: str = ""
    parent: str = ""
    current_only: bool = False


class CareGroupOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    position: int
    is_active: bool


class CareGroupIn(Schema):
    name: str
    description: str = ""
    position: int | None = None


class CareGroupPatch(Schema):
    name: str | None = None
    description: str | None = None
    position: int | None = None
    is_active: bool | None = None


class MembershipOut(Schema):
    id: int
    username: str = Field(..., alias="user.username")
    organisation_id: int
    organisation: str = Field(..., alias="organisation.name")
    role: str


class MembershipIn(Schema):
    username: str
    organisation_id: int
    role: str


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor: str = Field(..., alias="actor.username")
    action: str
    object_type: str = Field(..., alias="object_type.model")
    object_id: str
    object_repr: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _partnership_out(request: HttpRequest, partnership: Partnership) -> dict[str, Any]:
    return {
        "slug": partnership.slug,
        "name": partnership.name,
        "description": partnership.description,
        "my_roles": sorted(role.value for role in roles_in(request.user, partnership)),
    }


@router.get("/partnerships", response=list[PartnershipOut])
def list_partnerships(request: HttpRequest) -> list[dict[str, Any]]:
    """The partnerships you belong to."""
    return [_partnership_out(request, p) for p in selectors.partnerships_for(request.user)]


@router.get("/partnerships/{slug}", response=PartnershipDetailOut)
def get_partnership(request: HttpRequest, slug: str) -> dict[str, Any]:
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    return {
        **_partnership_out(request, partnership),
        "members": list(selectors.members_of(partnership)),
        "areas": [area.gss_code for area in selectors.areas_of(partnership)],
    }


class PartnershipPatch(Schema):
    name: str | None = None
    description: str | None = None
    areas: list[str] | None = None


@router.patch("/partnerships/{slug}", response=PartnershipDetailOut)
def update_partnership(request: HttpRequest, slug: str, payload: PartnershipPatch) -> dict[str, Any]:
    """Rename the partnership, describe it, or set the areas (GSS codes) it covers."""
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    changes = payload.dict(exclude_none=True)
    codes = changes.pop("areas", None)
    areas = None if codes is None else _areas_named(codes, field="areas")
    services.partnership_update(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        areas=areas,
        **changes,
    )
    return get_partnership(request, slug)


class MemberIn(Schema):
    organisation_id: int
    role: str


@router.post("/partnerships/{slug}/members", response={201: MemberOut})
def add_member(request: HttpRequest, slug: str, payload: MemberIn) -> Status[Any]:
    """Bring an organisation already in the register into the partnership."""
    partnership = _partnership(request, slug, Permission.MANAGE_PARTNERSHIP)
    organisation = found_or_404(selectors.organisation_by_id, payload.organisation_id)
    member = services.partnership_member_add(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        organisation=organisation,
        role=payload.role,
    )
    return Status(201, member)


@router.delete("/partnerships/{slug}/members/{organisation_id}", response={204: None})
def remove_member(request: HttpRequest, slug: str, organisation_id: int) -> Status[None]:
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    member = found_or_404(selectors.member_of, partnership, organisation_id)
    services.partnership_member_remove(actor=request.user, partnership=partnership, member=member)  # type: ignore[arg-type]
    return Status(204, None)


class ComparatorsIn(Schema):
    comparators: list[str]


@router.put("/partnerships/{slug}/areas/{gss_code}/comparators", response=AreaDetailOut)
def set_comparators(request: HttpRequest, slug: str, gss_code: str, payload: ComparatorsIn) -> dict[str, Any]:
    """Set the areas one of the partnership's areas is benchmarked against."""
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    area = found_or_404(selectors.area_detail, gss_code)
    chosen = _areas_named(payload.comparators, field="comparators")
    services.area_set_comparators(actor=request.user, partnership=partnership, area=area, comparators=chosen)  # type: ignore[arg-type]
    return get_area(request, gss_code)


@router.get("/partnerships/{slug}/organisations", response=list[OrganisationOut])
def list_organisations(request: HttpRequest, slug: str) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_ORGANISATIONS)
    return selectors.organisations_in(partnership)


@router.post("/partnerships/{slug}/organisations", response={201: OrganisationOut})
def create_organisation(request: HttpRequest, slug: str, payload: OrganisationIn) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_ORGANISATIONS)
    data = payload.dict()
    member_role = data.pop("member_role")
    organisation = services.organisation_create(
        actor=request.user,
        partnership=partnership,
        member_role=member_role,
        **data,  # type: ignore[arg-type]
    )
    return Status(201, organisation)


@router.get("/partnerships/{slug}/organisations/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, slug: str, organisation_id: int) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_ORGANISATIONS)
    return found_or_404(selectors.organisation_in, partnership, organisation_id)


@router.patch("/partnerships/{slug}/organisations/{organisation_id}", response=OrganisationOut)
def update_organisation(
    request: HttpRequest, slug: str, organisation_id: int, payload: OrganisationPatch
) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_ORGANISATIONS)
    organisation = found_or_404(selectors.organisation_in, partnership, organisation_id)
    return services.organisation_update(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        organisation=organisation,
        **payload.dict(exclude_none=True),
    )


@router.get("/partnerships/{slug}/organisations/{organisation_id}/history", response=list[AuditEventOut])
def organisation_history(request: HttpRequest, slug: str, organisation_id: int) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_AUDIT)
    return selectors.history(found_or_404(selectors.organisation_in, partnership, organisation_id))


@router.get("/partnerships/{slug}/care-groups", response=list[CareGroupOut])
def list_care_groups(request: HttpRequest, slug: str) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    return selectors.care_groups_in(partnership)


@router.post("/partnerships/{slug}/care-groups", response={201: CareGroupOut})
def create_care_group(request: HttpRequest, slug: str, payload: CareGroupIn) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    care_group = services.care_group_create(
        actor=request.user,
        partnership=partnership,
        **payload.dict(),  # type: ignore[arg-type]
    )
    return Status(201, care_group)


@router.patch("/partnerships/{slug}/care-groups/{care_group_id}", response=CareGroupOut)
def update_care_group(request: HttpRequest, slug: str, care_group_id: int, payload: CareGroupPatch) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_PARTNERSHIP)
    care_group = found_or_404(selectors.care_group_in, partnership, care_group_id)
    return services.care_group_update(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        care_group=care_group,
        **payload.dict(exclude_none=True),
    )


@router.get("/partnerships/{slug}/memberships", response=list[MembershipOut])
def list_memberships(request: HttpRequest, slug: str) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_MEMBERSHIPS)
    return selectors.memberships_in(partnership)


@router.post("/partnerships/{slug}/memberships", response={201: MembershipOut})
def create_membership(request: HttpRequest, slug: str, payload: MembershipIn) -> Any:
    partnership = _partnership(request, slug, Permission.VIEW_MEMBERSHIPS)
    require_permission(request.user, Permission.MANAGE_MEMBERSHIPS, partnership=partnership)
    user = selectors.active_user(payload.username)
    if user is None:
        raise ValidationError({"username": f"No active user is called {payload.username!r}."})
    organisation = found_or_404(selectors.organisation_in, partnership, payload.organisation_id)
    membership = services.membership_create(
        actor=request.user,  # type: ignore[arg-type]
        partnership=partnership,
        user=user,
        organisation=organisation,
        role=payload.role,
    )
    return Status(201, membership)


@router.delete("/partnerships/{slug}/memberships/{membership_id}", response={204: None})
def revoke_membership(request: HttpRequest, slug: str, membership_id: int) -> Status[None]:
    partnership = _partnership(request, slug, Permission.VIEW_MEMBERSHIPS)
    membership = found_or_404(selectors.membership_in, partnership, membership_id)
    services.membership_revoke(actor=request.user, partnership=partnership, membership=membership)  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/partnerships/{slug}/audit-events", response=list[AuditEventOut])
def list_audit_events(request: HttpRequest, slug: str, limit: int = 200) -> Any:
    """The partnership's audit trail, newest first (read-only: events are never edited)."""
    partnership = _partnership(request, slug, Permission.VIEW_AUDIT)
    return selectors.audit_events_in(partnership)[: max(1, min(limit, 1000))]


@router.get("/areas", response=list[AreaOut])
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> Any:
    """Areas are reference data (ONS GSS codes) that every signed-in user may read."""
    return selectors.areas(
        area_type=filters.area_type, parent=filters.parent, current_only=filters.current_only
    )


@router.get("/areas/{gss_code}", response=AreaDetailOut)
def get_area(request: HttpRequest, gss_code: str) -> dict[str, Any]:
    area = found_or_404(selectors.area_detail, gss_code)
    return {
        "gss_code": area.gss_code,
        "name": area.name,
        "area_type": area.area_type,
        "parent": area.parent.gss_code if area.parent else None,
        "valid_from": area.valid_from,
        "valid_to": area.valid_to,
        "comparators": [a.gss_code for a in area.comparators.all()],
        "children": [a.gss_code for a in area.children.all()],
    }
