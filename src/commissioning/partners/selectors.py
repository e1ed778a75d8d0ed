"""Reads, scoped to what the user may see. Views and the API reach data only through these."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from commissioning.core.audit import history_for
from commissioning.core.models import AuditEvent, User
from commissioning.partners.models import (
    Area,
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)
from commissioning.partners.permissions import roles_in


def partnerships_for(user: Any) -> QuerySet[Partnership]:
    """The partnerships a user belongs to (all of them for a platform superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Partnership.objects.none()
    if user.is_superuser:
        return Partnership.objects.all()
    return Partnership.objects.filter(memberships__user=user).distinct()


def partnership_for(user: Any, slug: str) -> Partnership:
    """The partnership with this slug, if the user belongs to it.

    Raises ``Partnership.DoesNotExist`` both when it does not exist and when the user is not
    a member, so a URL never reveals another partnership's existence.
    """
    partnership = Partnership.objects.get(slug=slug)
    if not roles_in(user, partnership):
        raise Partnership.DoesNotExist
    return partnership


def members_of(partnership: Partnership) -> QuerySet[PartnershipMember]:
    return partnership.members.select_related("organisation").order_by("role", "organisation__name")


def member_of(partnership: Partnership, organisation_id: int) -> PartnershipMember:
    return members_of(partnership).get(organisation_id=organisation_id)


def organisation_by_id(pk: int) -> Organisation:
    """An organisation in the register (to bring into a partnership), found by id."""
    return Organisation.objects.get(pk=pk)


def organisations_in(partnership: Partnership) -> QuerySet[Organisation]:
    """Member organisations, and those whose staff hold a membership here (e.g. providers)."""
    return (
        Organisation.objects.filter(
            Q(partnership_memberships__partnership=partnership)
            | Q(staff_memberships__partnership=partnership)
        )
        .distinct()
        .order_by("name")
    )


def organisation_in(partnership: Partnership, pk: int) -> Organisation:
    return organisations_in(partnership).get(pk=pk)


def care_groups_in(partnership: Partnership, *, active_only: bool = False) -> QuerySet[CareGroup]:
    groups = partnership.care_groups.all()
    if active_only:
        groups = groups.filter(is_active=True)
    return groups.order_by("position", "name")


def care_group_in(partnership: Partnership, pk: int) -> CareGroup:
    return care_groups_in(partnership).get(pk=pk)


def areas_of(partnership: Partnership) -> QuerySet[Area]:
    return partnership.areas.select_related("parent", "parent__parent").order_by("name")


def areas(*, area_type: str = "", parent: str = "", current_only: bool = False) -> QuerySet[Area]:
    """Areas are public reference data: any signed-in user may read them."""
    found = Area.objects.select_related("parent")
    if area_type:
        found = found.filter(area_type=area_type)
    if parent:
        found = found.filter(parent__gss_code=parent)
    if current_only:
        found = found.filter(valid_to__isnull=True)
    return found.order_by("name")


def area_detail(gss_code: str) -> Area:
    return (
        Area.objects.select_related("parent", "parent__parent")
        .prefetch_related(
            Prefetch("comparators", queryset=Area.objects.order_by("name")),
            Prefetch("children", queryset=Area.objects.order_by("name")),
        )
        .get(gss_code=gss_code)
    )


def active_user(username: str) -> User | None:
    """A signed-up person by user name, to give them a role."""
    return User.objects.filter(username=username, is_active=True).first()


def memberships_in(partnership: Partnership) -> QuerySet[Membership]:
    return partnership.memberships.select_related("user", "organisation").order_by("user__username", "role")


def membership_in(partnership: Partnership, pk: int) -> Membership:
    return memberships_in(partnership).get(pk=pk)


def audit_events_in(partnership: Partnership) -> QuerySet[AuditEvent]:
    """Events recorded in the partnership's work, and changes to its member organisations."""
    organisation_type = ContentType.objects.get_for_model(Organisation)
    organisation_ids = [str(pk) for pk in organisations_in(partnership).values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(
            Q(partnership_id=partnership.pk)
            | Q(object_type=organisation_type, object_id__in=organisation_ids)
        )
        .select_related("actor", "object_type")
        .order_by("-occurred_at", "-id")
    )


def history(obj: Any) -> QuerySet[AuditEvent]:
    return history_for(obj)


def partnership_summary(partnership: Partnership) -> dict[str, Any]:
    """What the dashboard shows about the partnership itself, in a handful of queries."""
    return {
        "members": list(members_of(partnership)),
        "care_groups": list(care_groups_in(partnership, active_only=True)),
        "areas": list(areas_of(partnership)),
        "recent_events": list(audit_events_in(partnership)[:8]),
    }
