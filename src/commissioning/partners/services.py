"""Writes to partners: validated, atomic, permission-checked and audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.errors import NotPermitted
from commissioning.core.models import AuditEvent, User
from commissioning.core.permissions import ROLE_LABELS, Permission, Role
from commissioning.core.validation import validate
from commissioning.partners.models import (
    Area,
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)
from commissioning.partners.permissions import require_permission

ORGANISATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "ods_code",
    "gss_code",
    "companies_house_number",
    "charity_number",
    "la_code",
    "website",
)
PROVIDER_KINDS = (
    Organisation.Kind.NHS_TRUST,
    Organisation.Kind.VCSE,
    Organisation.Kind.PRIVATE_PROVIDER,
)
MINIMUM_COMMISSIONERS = 2


def _apply(obj: Any, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


# Organisations ---------------------------------------------------------------------------


@transaction.atomic
def organisation_register(*, actor: User, **fields: Any) -> Organisation:
    """Add an organisation to the register outside any partnership (platform administrators),
    for example the commissioners about to form a partnership."""
    if not actor.is_superuser:
        raise NotPermitted("Only a platform administrator can add an organisation outside a partnership.")
    organisation = Organisation()
    _apply(organisation, fields, ORGANISATION_FIELDS)
    validate(organisation)
    organisation.save()
    Auditor(actor).created(organisation)
    return organisation


@transaction.atomic
def organisation_create(
    *,
    actor: User,
    partnership: Partnership,
    member_role: str = PartnershipMember.Role.ASSOCIATE,
    **fields: Any,
) -> Organisation:
    """Add an organisation to the register and place it in the partnership."""
    require_permission(actor, Permission.MANAGE_ORGANISATIONS, partnership=partnership)
    organisation = Organisation()
    _apply(organisation, fields, ORGANISATION_FIELDS)
    validate(organisation)
    _check_member_roles(partnership, [(organisation, member_role)], adding=True, field="member_role")
    organisation.save()
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.created(organisation)
    auditor.created(
        PartnershipMember.objects.create(partnership=partnership, organisation=organisation, role=member_role)
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, partnership: Partnership, organisation: Organisation, **changes: Any
) -> Organisation:
    require_permission(actor, Permission.MANAGE_ORGANISATIONS, partnership=partnership)
    before = snapshot(organisation)
    _apply(organisation, changes, ORGANISATION_FIELDS)
    validate(organisation)
    if (
        not organisation.is_commissioner
        and organisation.partnership_memberships.exclude(role=PartnershipMember.Role.ASSOCIATE).exists()
    ):
        raise ValidationError(
            {
                "kind": "This organisation is a host or partner of a partnership, so it must stay "
                "a commissioning organisation."
            }
        )
    organisation.save()
    Auditor(actor, partnership_id=partnership.pk).updated(organisation, before)
    return organisation


# Partnerships ----------------------------------------------------------------------------


def _check_member_roles(
    partnership: Partnership | None,
    members: Sequence[tuple[Organisation, str]],
    *,
    adding: bool = False,
    field: str = "members",
) -> None:
    """Roles must be known, only commissioners may be host or partner, and one host at most."""
    valid_roles = {choice.value for choice in PartnershipMember.Role}
    for organisation, role in members:
        if role not in valid_roles:
            raise ValidationError(
                {
                    field: f"{organisation.name}: the role {role!r} is not one of "
                    f"{', '.join(sorted(valid_roles))}."
                }
            )
        if role != PartnershipMember.Role.ASSOCIATE and not organisation.is_commissioner:
            raise ValidationError(
                {
                    field: f"{organisation.name} is a {organisation.get_kind_display().lower()}, "
                    "not a commissioning organisation, so it can only be an associate."
                }
            )
    hosts = [org for org, role in members if role == PartnershipMember.Role.HOST]
    existing_host = (
        partnership is not None
        and adding
        and partnership.members.filter(role=PartnershipMember.Role.HOST).exists()
    )
    if len(hosts) > 1 or (hosts and existing_host):
        raise ValidationError({field: "A partnership has at most one host organisation."})


def _commissioners(members: Iterable[tuple[Organisation, str]]) -> set[int]:
    return {
        org.pk for org, role in members if role != PartnershipMember.Role.ASSOCIATE and org.is_commissioner
    }


@transaction.atomic
def partnership_create(
    *,
    actor: User,
    name: str,
    members: Sequence[tuple[Organisation, str]],
    slug: str = "",
    description: str = "",
    areas: Iterable[Area] = (),
) -> Partnership:
    """Form a partnership of two or more commissioning organisations (platform administrators)."""
    if not actor.is_superuser:
        raise NotPermitted("Only a platform administrator can form a new partnership.")
    partnership = Partnership(
        name=name.strip(), slug=slug.strip() or slugify(name)[:60], description=description
    )
    validate(partnership)
    _check_member_roles(None, members)
    if len({org.pk for org, _ in members}) != len(members):
        raise ValidationError({"members": "Each organisation can appear only once."})
    if len(_commissioners(members)) < MINIMUM_COMMISSIONERS:
        raise ValidationError(
            {
                "members": "A partnership needs at least two commissioning organisations "
                "(ICB, CCG, PCT or local authority) as host or partners."
            }
        )
    partnership.save()
    partnership.areas.set(list(areas))
    auditor = Auditor(actor, partnership_id=partnership.pk)
    auditor.created(partnership)
    for organisation, role in members:
        auditor.created(
            PartnershipMember.objects.create(partnership=partnership, organisation=organisation, role=role)
        )
    return partnership


@transaction.atomic
def partnership_update(
    *, actor: User, partnership: Partnership, areas: Iterable[Area] | None = None, **changes: Any
) -> Partnership:
    require_permission(actor, Permission.MANAGE_PARTNERSHIP, partnership=partnership)
    before = snapshot(partnership)
    _apply(partnership, changes, ("name", "description"))
    validate(partnership)
    partnership.save()
    if areas is not None:
        partnership.areas.set(list(areas))
    Auditor(actor, partnership_id=partnership.pk).updated(partnership, before)
    return partnership


@transaction.atomic
def partnership_member_add(
    *, actor: User, partnership: Partnership, organisation: Organisation, role: str
) -> PartnershipMember:
    require_permission(actor, Permission.MANAGE_PARTNERSHIP, partnership=partnership)
    if partnership.members.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": f"{organisation.name} is already a member."})
    _check_member_roles(partnership, [(organisation, role)], adding=True, field="role")
    member = PartnershipMember.objects.create(partnership=partnership, organisation=organisation, role=role)
    Auditor(actor, partnership_id=partnership.pk).created(member)
    return member


@transaction.atomic
def partnership_member_remove(*, actor: User, partnership: Partnership, member: PartnershipMember) -> None:
    require_permission(actor, Permission.MANAGE_PARTNERSHIP, partnership=partnership)
    remaining = [
        (m.organisation, m.role)
        for m in partnership.members.select_related("organisation").exclude(pk=member.pk)
    ]
    if len(_commissioners(remaining)) < MINIMUM_COMMISSIONERS:
        raise ValidationError(
            {
                "members": "A partnership needs at least two commissioning organisations; "
                f"removing {member.organisation.name} would leave fewer."
            }
        )
    if Membership.objects.filter(partnership=partnership, organisation=member.organisation_id).exists():
        raise ValidationError(
            {
                "members": f"People still act for {member.organisation.name} in this partnership; "
                "revoke their memberships first."
            }
        )
    before = snapshot(member)
    Auditor(actor, partnership_id=partnership.pk).deleted(member, before)
    member.delete()


# Care groups -----------------------------------------------------------------------------


@transaction.atomic
def care_group_create(
    *,
    actor: User,
    partnership: Partnership,
    name: str,
    description: str = "",
    position: int | None = None,
    slug: str = "",
) -> CareGroup:
    require_permission(actor, Permission.MANAGE_CARE_GROUPS, partnership=partnership)
    if position is None:
        position = partnership.care_groups.count() + 1
    care_group = CareGroup(
        partnership=partnership,
        name=name.strip(),
        slug=slug or slugify(name)[:60],
        description=description.strip(),
        position=position,
    )
    validate(care_group)
    care_group.save()
    Auditor(actor, partnership_id=partnership.pk).created(care_group)
    return care_group


@transaction.atomic
def care_group_update(
    *, actor: User, partnership: Partnership, care_group: CareGroup, **changes: Any
) -> CareGroup:
    require_permission(actor, Permission.MANAGE_CARE_GROUPS, partnership=partnership)
    if care_group.partnership_id != partnership.pk:
        raise NotPermitted("That care group belongs to another partnership.")
    before = snapshot(care_group)
    _apply(care_group, changes, ("name", "description", "position", "is_active"))
    validate(care_group)
    care_group.save()
    Auditor(actor, partnership_id=partnership.pk).updated(care_group, before)
    return care_group


# Memberships -----------------------------------------------------------------------------


@transaction.atomic
def membership_create(
    *,
    actor: User,
    partnership: Partnership,
    user: User,
    organisation: Organisation,
    role: str,
) -> Membership:
    """Give a person a role in the partnership, acting for one organisation."""
    require_permission(actor, Permission.MANAGE_MEMBERSHIPS, partnership=partnership)
    if role not in {r.value for r in Role}:
        raise ValidationError(
            {"role": f"{role!r} is not a role; choose one of {', '.join(r.value for r in Role)}."}
        )
    is_member = partnership.members.filter(organisation=organisation).exists()
    if role == Role.PROVIDER_CONTACT:
        if organisation.kind not in PROVIDER_KINDS:
            raise ValidationError(
                {
                    "organisation": "A provider contact must act for a provider organisation "
                    "(NHS trust, VCSE or private provider)."
                }
            )
    elif not is_member or organisation.kind in PROVIDER_KINDS:
        raise ValidationError(
            {
                "organisation": f"The {ROLE_LABELS[Role(role)].lower()} role is held for a "
                f"commissioning organisation in {partnership.name}; {organisation.name} is not one."
            }
        )
    if Membership.objects.filter(
        user=user, partnership=partnership, organisation=organisation, role=role
    ).exists():
        raise ValidationError({"role": f"{user} already holds this role for {organisation}."})
    membership = Membership.objects.create(
        user=user, partnership=partnership, organisation=organisation, role=role
    )
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.GRANT,
        membership,
        after=snapshot(membership),
        summary=f"{user.username} made {ROLE_LABELS[Role(role)].lower()} for {organisation.name}",
    )
    return membership


@transaction.atomic
def person_add(
    *,
    actor: User,
    partnership: Partnership,
    username: str,
    full_name: str,
    email: str,
    organisation: Organisation,
    role: str,
) -> Membership:
    """Create a sign-in for a new person and give them a role; they set their own password."""
    require_permission(actor, Permission.MANAGE_MEMBERSHIPS, partnership=partnership)
    person = User(username=username.strip(), full_name=full_name.strip(), email=email.strip())
    person.set_unusable_password()
    validate(person)
    person.save()
    Auditor(actor, partnership_id=partnership.pk).created(person, summary="Sign-in created")
    return membership_create(
        actor=actor, partnership=partnership, user=person, organisation=organisation, role=role
    )


@transaction.atomic
def membership_revoke(*, actor: User, partnership: Partnership, membership: Membership) -> None:
    require_permission(actor, Permission.MANAGE_MEMBERSHIPS, partnership=partnership)
    if membership.partnership_id != partnership.pk:
        raise NotPermitted("That membership belongs to another partnership.")
    if membership.user_id == actor.pk and membership.role == Role.ADMINISTRATOR:
        raise ValidationError({"role": "You cannot revoke your own administrator role."})
    before = snapshot(membership)
    Auditor(actor, partnership_id=partnership.pk).record(
        AuditEvent.Action.REVOKE,
        membership,
        before=before,
        summary=f"{membership.user.username} no longer {membership.get_role_display().lower()}",
    )
    membership.delete()


# Areas -----------------------------------------------------------------------------------


@transaction.atomic
def area_set_comparators(
    *, actor: User, partnership: Partnership, area: Area, comparators: Iterable[Area]
) -> Area:
    """Set the areas an area is benchmarked against."""
    require_permission(actor, Permission.MANAGE_AREAS, partnership=partnership)
    if not partnership.areas.filter(pk=area.pk).exists():
        raise NotPermitted(f"{area.name} is not one of {partnership.name}'s areas.")
    chosen = list(comparators)
    if any(other.pk == area.pk for other in chosen):
        raise ValidationError({"comparators": "An area cannot be its own comparator."})
    before = snapshot(area)
    area.comparators.set(chosen)
    Auditor(actor, partnership_id=partnership.pk).updated(area, before)
    return area
