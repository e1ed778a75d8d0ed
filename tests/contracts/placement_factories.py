"""Small factories for placement tests: a provider in the register, a care group."""

from __future__ import annotations

from commissioning.market.models import Provider, Sector
from commissioning.partners.models import CareGroup, Organisation


def provider_in(partnership, name="Oakwood Care Homes Ltd"):
    organisation = Organisation.objects.create(name=name, kind=Organisation.Kind.PRIVATE_PROVIDER)
    return Provider.objects.create(partnership=partnership, organisation=organisation, sector=Sector.PRIVATE)


def care_group_in(partnership, name="Older people"):
    existing = CareGroup.objects.filter(partnership=partnership, name__iexact=name).first()
    if existing:
        return existing
    slug = name.lower().replace(" ", "-")
    return CareGroup.objects.create(partnership=partnership, name=name, slug=slug)


def council_of(partnership):
    return Organisation.objects.get(
        partnership_memberships__partnership=partnership,
        partnership_memberships__role="host",
    )
