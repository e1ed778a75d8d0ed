"""Writes to the provider register: providers, their locations, services and quality ratings.

Every write needs ``Permission.MANAGE_MARKET``, is validated before anything is saved, runs in one
transaction and is audited. A provider is an organisation of a provider kind (NHS trust, voluntary or
community organisation, private provider) registered once in a partnership; a commissioner cannot be
registered as a provider of its own partnership's market.

``find_provider`` and ``provider_lookup`` resolve what people type (a name, an org-id such as
``GB-COH-01234567``, an ODS, Companies House, charity or CQC number) to a provider, for forms and for
the contract and placement imports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from commissioning.core.audit import Auditor, snapshot
from commissioning.core.errors import NotPermitted
from commissioning.core.models import User
from commissioning.core.permissions import Permission
from commissioning.core.validation import validate
from commissioning.market.models import (
    CapacityUnit,
    Location,
    Provider,
    QualityRating,
    Rating,
    RatingSource,
    Sector,
    ServiceOffer,
    ServiceType,
)
from commissioning.partners import identifiers
from commissioning.partners.models import Area, Organisation, Partnership
from commissioning.partners.permissions import require_permission
from commissioning.partners.services import PROVIDER_KINDS

PROVIDER_FIELDS = ("sector", "cqc_provider_id", "is_sme", "description")
# The CQC numbers providers and locations as "1-" and nine to eleven digits, e.g. 1-101641421.
CQC_ID = re.compile(r"^1-\d{6,12}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")
NHS_KINDS = frozenset(
    {Organisation.Kind.NHS_TRUST, Organisation.Kind.ICB, Organisation.Kind.CCG, Organisation.Kind.PCT}
)
# org-id.guide prefixes and the organisation field each names.
ORG_ID_PREFIXES = {
    "GB-COH-": "companies_house_number",
    "GB-CHC-": "charity_number",
    "GB-NHS-": "ods_code",
}
PROVIDER_KIND_NAMES = "an NHS trust, a voluntary, community or social enterprise, or a private provider"


def _kind_label(kind: str) -> str:
    return str(dict(Organisation.Kind.choices).get(kind, kind)).lower()


def _cqc_id(value: str, field: str) -> str:
    value = identifiers.normalise(value)
    if value and not CQC_ID.match(value):
        raise ValidationError({field: f"A CQC ID is 1- and digits, such as 1-101641421; {value} is not one."})
    return value


def sector_for(kind: str) -> str:
    """A provider record's sector, inferred from the organisation's kind. A council providing a
    service counts as private only because the register has no other public-sector choice; the
    record's sector can be changed."""
    if kind in NHS_KINDS:
        return Sector.NHS
    if kind == Organisation.Kind.VCSE:
        return Sector.VCSE
    return Sector.PRIVATE


def _sector(value: str) -> str:
    if value not in Sector.values:
        raise ValidationError(
            {"sector": f"Choose the provider's sector: {', '.join(str(label) for label in Sector.labels)}."}
        )
    return value


def _refuse_commissioner(organisation: Organisation) -> None:
    if organisation.kind not in PROVIDER_KINDS:
        raise ValidationError(
            {
                "organisation": f"{organisation.name} is a {_kind_label(organisation.kind)}, a commissioner; "
                f"a provider is {PROVIDER_KIND_NAMES}."
            }
        )


def _existing_organisation(
    *, companies_house_number: str, charity_number: str, ods_code: str
) -> Organisation | None:
    """The organisation already in the register under one of these identifiers, if any."""
    query = models.Q()
    for field, value in (
        ("companies_house_number", companies_house_number),
        ("charity_number", charity_number),
        ("ods_code", ods_code),
    ):
        value = identifiers.normalise(value)
        if value:
            query |= models.Q(**{field: value})
    if not query:
        return None
    return Organisation.objects.filter(query).order_by("pk").first()


def _same_partnership(provider: Provider, partnership: Partnership | None = None) -> None:
    if partnership is not None and provider.partnership_id != partnership.pk:
        raise NotPermitted("That provider belongs to another partnership.")


# Providers ---------------------------------------------------------------------------------


@transaction.atomic
def register_provider(
    *,
    actor: User,
    partnership: Partnership,
    organisation: Organisation | None = None,
    name: str = "",
    kind: str = "",
    sector: str = "",
    companies_house_number: str = "",
    charity_number: str = "",
    ods_code: str = "",
    cqc_provider_id: str = "",
    is_sme: bool = False,
    description: str = "",
) -> Provider:
    """Put an organisation in the partnership's provider register.

    Give an existing ``organisation``, or a ``name`` and ``kind`` (and identifiers) for a new one; an
    identifier already in the organisation register means that organisation is reused rather than
    duplicated. ``sector`` defaults from the kind (an NHS trust is NHS, and so on).
    """
    require_permission(actor, Permission.MANAGE_MARKET, partnership=partnership)
    auditor = Auditor(actor, partnership_id=partnership.pk)
    if organisation is None:
        organisation = _existing_organisation(
            companies_house_number=companies_house_number, charity_number=charity_number, ods_code=ods_code
        )
    if organisation is None:
        name = " ".join(name.split())
        if kind not in PROVIDER_KINDS:
            if kind in Organisation.Kind.values:
                raise ValidationError(
                    {
                        "kind": f"A {_kind_label(kind)} is a commissioner, not a provider; "
                        f"a provider is {PROVIDER_KIND_NAMES}."
                    }
                )
            raise ValidationError({"kind": f"Say what kind of provider this is: {PROVIDER_KIND_NAMES}."})
        if not name:
            raise ValidationError({"name": "Enter the provider's name."})
        organisation = Organisation(
            name=name,
            kind=kind,
            companies_house_number=companies_house_number,
            charity_number=charity_number,
            ods_code=ods_code,
        )
        validate(organisation)  # identifiers well formed and unique, with field-named messages
        organisation.save()
        auditor.created(organisation)
    _refuse_commissioner(organisation)
    if Provider.objects.filter(partnership=partnership, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": f"{organisation.name} is already in {partnership.name}'s provider register."}
        )
    provider = Provider(
        partnership=partnership,
        organisation=organisation,
        sector=_sector(sector or sector_for(organisation.kind)),
        cqc_provider_id=_cqc_id(cqc_provider_id, "cqc_provider_id"),
        is_sme=bool(is_sme),
        description=description.strip(),
    )
    validate(provider)
    provider.save()
    auditor.created(provider, summary=f"Registered {organisation.name} as a provider")
    return provider


@transaction.atomic
def update_provider(*, actor: User, provider: Provider, **changes: Any) -> Provider:
    """Change a provider's sector, CQC provider ID, SME status or description."""
    require_permission(actor, Permission.MANAGE_MARKET, partnership=provider.partnership)
    unknown = set(changes) - set(PROVIDER_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    before = snapshot(provider)
    if "sector" in changes:
        provider.sector = _sector(changes["sector"])
    if "cqc_provider_id" in changes:
        provider.cqc_provider_id = _cqc_id(changes["cqc_provider_id"] or "", "cqc_provider_id")
    if "is_sme" in changes:
        provider.is_sme = bool(changes["is_sme"])
    if "description" in changes:
        provider.description = (changes["description"] or "").strip()
    validate(provider)
    provider.save()
    Auditor(actor, partnership_id=provider.partnership_id).updated(provider, before)
    return provider


@transaction.atomic
def add_location(
    *,
    actor: User,
    provider: Provider,
    name: str,
    cqc_location_id: str = "",
    postcode: str = "",
    area: Area | None = None,
) -> Location:
    """Add a place the provider delivers from (CQC rates locations as well as providers)."""
    require_permission(actor, Permission.MANAGE_MARKET, partnership=provider.partnership)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter the location's name."})
    if provider.locations.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"{provider} already has a location called {name}."})
    code = identifiers.normalise(postcode)
    if code and not POSTCODE.match(code):
        raise ValidationError({"postcode": f"Enter a UK postcode, such as SO14 7LY; {postcode} is not one."})
    location = Location(
        provider=provider,
        name=name,
        cqc_location_id=_cqc_id(cqc_location_id, "cqc_location_id"),
        postcode=f"{code[:-3]} {code[-3:]}" if code else "",
        area=area,
    )
    validate(location)
    location.save()
    Auditor(actor, partnership_id=provider.partnership_id).created(location)
    return location


@transaction.atomic
def add_service_offer(
    *,
    actor: User,
    provider: Provider,
    service_type: str,
    capacity: int | None = None,
    capacity_unit: str = "",
    location: Location | None = None,
) -> ServiceOffer:
    """Record a service the provider offers and, where known, its capacity and unit."""
    require_permission(actor, Permission.MANAGE_MARKET, partnership=provider.partnership)
    if service_type not in ServiceType.values:
        raise ValidationError({"service_type": "Choose the kind of service offered."})
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0):
        raise ValidationError({"capacity": f"Capacity is a whole number, 0 or more; {capacity!r} is not."})
    if capacity is not None and capacity_unit not in CapacityUnit.values:
        raise ValidationError(
            {"capacity_unit": "Say what the capacity counts: beds, hours a week or places."}
        )
    if capacity is None and capacity_unit:
        raise ValidationError({"capacity": "Enter the capacity the unit counts, or leave both blank."})
    if location is not None and location.provider_id != provider.pk:
        raise ValidationError({"location": f"{location.name} is not one of {provider}'s locations."})
    offer = ServiceOffer(
        provider=provider,
        service_type=service_type,
        capacity=capacity,
        capacity_unit=capacity_unit if capacity is not None else "",
        location=location,
    )
    validate(offer)
    offer.save()
    Auditor(actor, partnership_id=provider.partnership_id).created(offer)
    return offer


@transaction.atomic
def record_rating(
    *,
    actor: User,
    provider: Provider,
    rating: str,
    rated_on: dt.date,
    source: str,
    location: Location | None = None,
    report_url: str = "",
) -> Rating:
    """Add a quality rating to the provider's history (it never replaces an earlier one)."""
    require_permission(actor, Permission.MANAGE_MARKET, partnership=provider.partnership)
    if rating not in QualityRating.values:
        raise ValidationError(
            {"rating": f"Choose a rating: {', '.join(str(label) for label in QualityRating.labels)}."}
        )
    if source not in RatingSource.values:
        raise ValidationError({"source": "Choose who gave the rating."})
    if not isinstance(rated_on, dt.date):
        raise ValidationError({"rated_on": "Enter the date of the rating."})
    today = timezone.localdate()
    if rated_on > today:
        raise ValidationError(
            {
                "rated_on": f"A rating cannot be dated in the future: {rated_on:%d %B %Y} is after "
                f"today ({today:%d %B %Y})."
            }
        )
    if location is not None and location.provider_id != provider.pk:
        raise ValidationError({"location": f"{location.name} is not one of {provider}'s locations."})
    record = Rating(
        provider=provider,
        location=location,
        rating=rating,
        rated_on=rated_on,
        source=source,
        report_url=report_url.strip(),
        recorded_by=actor,
    )
    validate(record)
    record.save()
    Auditor(actor, partnership_id=provider.partnership_id).created(record)
    return record


# Resolving what people type ----------------------------------------------------------------


def provider_key(text: str) -> str:
    """The form ``provider_lookup`` keys by: lower case, runs of white space made one space."""
    return " ".join(str(text or "").split()).lower()


def _keys_of(provider: Provider) -> Iterable[str]:
    organisation = provider.organisation
    yield provider_key(organisation.name)
    if organisation.short_name:
        yield provider_key(organisation.short_name)
    for value in (
        organisation.companies_house_number,
        organisation.charity_number,
        organisation.ods_code,
        provider.cqc_provider_id,
    ):
        if value:
            yield provider_key(value)
    for prefix, field in ORG_ID_PREFIXES.items():
        value = getattr(organisation, field)
        if value:
            yield provider_key(f"{prefix}{value}")


def _lookup(partnership: Partnership) -> tuple[dict[str, Provider], set[str]]:
    found: dict[str, Provider] = {}
    ambiguous: set[str] = set()
    for provider in Provider.objects.filter(partnership=partnership).select_related("organisation"):
        for key in set(_keys_of(provider)):
            if key in found and found[key].pk != provider.pk:
                ambiguous.add(key)
            found[key] = provider
    for key in ambiguous:
        del found[key]
    return found, ambiguous


def provider_lookup(partnership: Partnership) -> dict[str, Provider]:
    """Every way to name each provider in the register, in one query, for resolving many rows.

    Keys are ``provider_key`` of the name, short name, each identifier and org-id (``gb-coh-…``,
    ``gb-chc-…``, ``gb-nhs-…``) and CQC provider ID; a name two providers share is left out, so it
    never resolves to the wrong one. Look rows up with ``lookup.get(provider_key(cell))``.
    """
    return _lookup(partnership)[0]


def find_provider(*, partnership: Partnership, text: str) -> Provider:
    """The provider in this partnership's register that ``text`` names, or a clear refusal."""
    shown = " ".join(str(text or "").split())
    if not shown:
        raise ValidationError({"provider": "Enter the provider's name or identifier."})
    found, ambiguous = _lookup(partnership)
    key = provider_key(shown)
    if key in ambiguous:
        raise ValidationError(
            {"provider": f"More than one provider is called {shown}; give its org-id or CQC ID instead."}
        )
    provider = found.get(key)
    if provider is None:
        raise ValidationError({"provider": f"No provider called {shown} in this partnership's register."})
    return provider
