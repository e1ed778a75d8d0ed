"""Demo partners: Southampton's Integrated Commissioning Unit and Nottinghamshire's joint
commissioning groups. Organisations, codes and care groups come from the public documents;
the people are invented demo accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commissioning.core.models import User
from commissioning.core.permissions import Role
from commissioning.partners import services
from commissioning.partners.area_register import areas_load_register
from commissioning.partners.models import (
    Area,
    CareGroup,
    Membership,
    Organisation,
    Partnership,
    PartnershipMember,
)


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kind: str
    role: str
    identifiers: dict[str, str]


@dataclass(frozen=True)
class DemoPartnership:
    slug: str
    name: str
    description: str
    organisations: tuple[DemoOrganisation, ...]
    areas: tuple[str, ...]
    comparators: dict[str, tuple[str, ...]]
    care_groups: tuple[tuple[str, str], ...]
    # Which organisation each demo role acts for.
    role_organisations: dict[Role, str]


K = Organisation.Kind
M = PartnershipMember.Role

PARTNERSHIPS = (
    DemoPartnership(
        slug="southampton",
        name="Southampton Integrated Commissioning",
        description=(
            "Southampton City Council and NHS Southampton City Clinical Commissioning Group "
            "commission together through an Integrated Commissioning Unit, overseen by the "
            "Integrated Commissioning Board, which reports to the Health and Wellbeing Board."
        ),
        organisations=(
            DemoOrganisation(
                "council",
                "Southampton City Council",
                K.LOCAL_AUTHORITY,
                M.HOST,
                {"gss_code": "E06000045", "la_code": "STH"},
            ),
            DemoOrganisation(
                "ccg",
                "NHS Southampton City Clinical Commissioning Group",
                K.CCG,
                M.PARTNER,
                {"ods_code": "10X", "short_name": "Southampton City CCG"},
            ),
            DemoOrganisation("provider", "Solent NHS Trust", K.NHS_TRUST, M.ASSOCIATE, {"ods_code": "R1C"}),
        ),
        areas=("E06000045",),
        # Illustrative comparators (not an official nearest-neighbour set): other port and
        # south-coast cities, and unitary cities of a similar size and make-up.
        comparators={
            "E06000045": (
                "E06000044",  # Portsmouth
                "E06000026",  # Plymouth
                "E06000023",  # Bristol
                "E06000043",  # Brighton and Hove
                "E06000038",  # Reading
                "E06000032",  # Luton
                "E06000030",  # Swindon
                "E06000042",  # Milton Keynes
                "E06000015",  # Derby
                "E06000035",  # Medway
            )
        },
        care_groups=(
            ("Older people", "People aged 65 and over, including those living with dementia."),
            ("Mental health", "Adults with mental health needs, from prevention to crisis care."),
            ("Learning disability and autism", "Children and adults with a learning disability or autism."),
            ("Children and young people", "Children, young people and their families."),
            ("Carers", "People of any age who care for a family member or friend."),
            (
                "Physical disability and sensory impairment",
                "Adults with a physical disability or sensory impairment.",
            ),
        ),
        role_organisations={
            Role.VIEWER: "council",
            Role.COMMISSIONER: "council",
            Role.FINANCE_OFFICER: "ccg",
            Role.BOARD_MEMBER: "ccg",
            Role.PROVIDER_CONTACT: "provider",
            Role.ADMINISTRATOR: "council",
        },
    ),
    DemoPartnership(
        slug="nottinghamshire",
        name="Nottinghamshire Joint Commissioning",
        description=(
            "Nottinghamshire County Council and the NHS bodies for the county plan and buy care "
            "together through joint commissioning groups for each care group, overseen by an "
            "executive joint commissioning group that supports the Health and Wellbeing Board."
        ),
        organisations=(
            DemoOrganisation(
                "council",
                "Nottinghamshire County Council",
                K.LOCAL_AUTHORITY,
                M.HOST,
                {"gss_code": "E10000024", "la_code": "NTT"},
            ),
            DemoOrganisation(
                "county-pct", "NHS Nottinghamshire County", K.PCT, M.PARTNER, {"ods_code": "5N8"}
            ),
            DemoOrganisation("bassetlaw-pct", "NHS Bassetlaw", K.PCT, M.PARTNER, {"ods_code": "5ET"}),
            DemoOrganisation(
                "provider",
                "Nottinghamshire Healthcare NHS Foundation Trust",
                K.NHS_TRUST,
                M.ASSOCIATE,
                {"ods_code": "RHA"},
            ),
        ),
        areas=("E10000024",),
        comparators={},
        care_groups=(
            ("Older people", "Older adults, including older people's mental health."),
            ("Younger adults: mental health", "Adults of working age with mental health needs."),
            ("Younger adults: learning disability", "Adults of working age with a learning disability."),
            ("Younger adults: autism", "Adults on the autistic spectrum."),
            ("Children: disability", "Disabled children and their families."),
            ("Children: CAMHS", "Child and adolescent mental health services."),
            ("Carers", "Carers of all ages, including young carers."),
            (
                "Physical disability and sensory impairment",
                "Adults with a physical disability or sensory impairment.",
            ),
        ),
        role_organisations={
            Role.VIEWER: "council",
            Role.COMMISSIONER: "council",
            Role.FINANCE_OFFICER: "county-pct",
            Role.BOARD_MEMBER: "bassetlaw-pct",
            Role.PROVIDER_CONTACT: "provider",
            Role.ADMINISTRATOR: "council",
        },
    ),
)


def demo_username(partnership_slug: str, role: Role) -> str:
    return f"demo-{partnership_slug}-{role.value.replace('_', '-')}"


def _organisation(actor: User, partnership: Partnership | None, spec: DemoOrganisation) -> Organisation:
    lookup = {k: v for k, v in spec.identifiers.items() if k in ("ods_code", "gss_code")}
    existing = Organisation.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    if partnership is None:
        return services.organisation_register(actor=actor, name=spec.name, kind=spec.kind, **spec.identifiers)
    return services.organisation_create(
        actor=actor,
        partnership=partnership,
        member_role=spec.role,
        name=spec.name,
        kind=spec.kind,
        **spec.identifiers,
    )


def load(*, actor: User, password: str, say: Callable[[str], Any]) -> None:
    if not Area.objects.filter(gss_code="E92000001").exists():
        result = areas_load_register(actor=actor)
        say(f"  areas: {result['created']} created from the register of local authorities")
    for spec in PARTNERSHIPS:
        partnership = Partnership.objects.filter(slug=spec.slug).first()
        organisations: dict[str, Organisation] = {}
        if partnership is None:
            for org in spec.organisations:
                if org.role != M.ASSOCIATE:
                    organisations[org.key] = _organisation(actor, None, org)
            partnership = services.partnership_create(
                actor=actor,
                name=spec.name,
                slug=spec.slug,
                description=spec.description,
                members=[
                    (organisations[o.key], o.role) for o in spec.organisations if o.key in organisations
                ],
                areas=Area.objects.filter(gss_code__in=spec.areas),
            )
            say(f"  partnership: {partnership.name}")
        for org in spec.organisations:
            if org.key not in organisations:
                organisations[org.key] = _organisation(actor, partnership, org)
        for area_code, comparator_codes in spec.comparators.items():
            area = Area.objects.get(gss_code=area_code)
            if not area.comparators.exists():
                services.area_set_comparators(
                    actor=actor,
                    partnership=partnership,
                    area=area,
                    comparators=Area.objects.filter(gss_code__in=comparator_codes),
                )
        existing_groups = set(
            CareGroup.objects.filter(partnership=partnership).values_list("name", flat=True)
        )
        for position, (name, description) in enumerate(spec.care_groups, start=1):
            if name not in existing_groups:
                services.care_group_create(
                    actor=actor,
                    partnership=partnership,
                    name=name,
                    description=description,
                    position=position,
                )
        for role, org_key in spec.role_organisations.items():
            username = demo_username(spec.slug, role)
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "full_name": f"Demo {role.label.lower()} ({spec.slug.title()})",
                    "email": f"{username}@example.org",
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            organisation = organisations[org_key]
            if not Membership.objects.filter(user=user, partnership=partnership, role=role).exists():
                services.membership_create(
                    actor=actor,
                    partnership=partnership,
                    user=user,
                    organisation=organisation,
                    role=role,
                )
    say(f"  demo users: demo-<partnership>-<role>, password {password!r}")
