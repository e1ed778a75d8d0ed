"""Reads for the provider register: rows with each provider's latest rating, rating histories and
the market at a glance.

The register is one query for the providers (the latest rating, its date and the locations count are
computed by the database per provider) and one for their services, whatever the number of providers.
A provider's latest rating is its most recent rating of any of its locations or of the provider
itself; a provider never rated counts as not yet rated.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from commissioning.market.models import (
    CapacityUnit,
    Location,
    Provider,
    QualityRating,
    Rating,
    Sector,
    ServiceOffer,
    ServiceType,
)
from commissioning.partners.models import Partnership

HUNDRED = Decimal(100)
# NHS.UK tag colours for the CQC scale: the two good ratings in blue and green, warnings warm.
RATING_COLOURS: dict[str, str] = {
    QualityRating.OUTSTANDING: "blue",
    QualityRating.GOOD: "green",
    QualityRating.REQUIRES_IMPROVEMENT: "orange",
    QualityRating.INADEQUATE: "red",
    QualityRating.NOT_YET_RATED: "grey",
}
RATING_LABELS: dict[str, str] = {str(code): str(label) for code, label in QualityRating.choices}
RATED_GOOD = (QualityRating.OUTSTANDING, QualityRating.GOOD)
# The four points of the scale, best first; "not yet rated" is not a judgement.
JUDGED = (
    QualityRating.OUTSTANDING,
    QualityRating.GOOD,
    QualityRating.REQUIRES_IMPROVEMENT,
    QualityRating.INADEQUATE,
)


@dataclass(frozen=True)
class RatingTag:
    """A rating in words and the NHS.UK tag colour it is shown in."""

    code: str
    label: str
    colour: str

    @property
    def css(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.colour}"


def rating_tag(code: str | None) -> RatingTag:
    """The tag for a rating code; no rating at all reads as not yet rated."""
    code = code or QualityRating.NOT_YET_RATED
    return RatingTag(str(code), str(RATING_LABELS.get(code, code)), RATING_COLOURS.get(code, "grey"))


def capacity_text(capacity: int | None, unit: str) -> str:
    """ "40 beds", "120 hours a week"; blank when the capacity is not known."""
    if capacity is None:
        return ""
    label = str(dict(CapacityUnit.choices).get(unit, unit)).lower()
    return f"{capacity:,} {label}"


@dataclass(frozen=True)
class ProviderRow:
    provider: Provider
    latest: RatingTag
    rated_on: dt.date | None
    locations: int
    services: tuple[str, ...]
    capacity: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.provider.organisation.name

    @property
    def org_id(self) -> str:
        return self.provider.organisation.org_id

    @property
    def sector(self) -> str:
        return self.provider.get_sector_display()


@dataclass(frozen=True)
class RatingRow:
    rating: Rating
    tag: RatingTag

    @property
    def where(self) -> str:
        return self.rating.location.name if self.rating.location else "The provider as a whole"


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int
    colour: str = ""


@dataclass(frozen=True)
class CapacityTotal:
    service_type: str
    label: str
    capacity: int
    unit: str

    @property
    def text(self) -> str:
        return capacity_text(self.capacity, self.unit)


@dataclass(frozen=True)
class MarketSummary:
    providers: int
    by_sector: tuple[Tally, ...]
    by_rating: tuple[Tally, ...]
    judged: int
    good_or_outstanding: int
    capacity: tuple[CapacityTotal, ...] = field(default_factory=tuple)

    @property
    def share_good_or_outstanding(self) -> Decimal | None:
        """Of the providers with a rating on the four-point scale, the percentage rated good or better."""
        if not self.judged:
            return None
        return (Decimal(self.good_or_outstanding) * HUNDRED / self.judged).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


# Providers ---------------------------------------------------------------------------------


def providers_in(partnership: Partnership) -> QuerySet[Provider]:
    return Provider.objects.filter(partnership=partnership).select_related("organisation")


def provider_in(partnership: Partnership, pk: int) -> Provider:
    """A provider of this partnership; another partnership's is ``DoesNotExist`` (a 404)."""
    return providers_in(partnership).get(pk=pk)


def _latest(column: str) -> Subquery:
    latest = Rating.objects.filter(provider=OuterRef("pk")).order_by("-rated_on", "-pk").values(column)[:1]
    return Subquery(latest)


def provider_register(
    partnership: Partnership,
    *,
    sector: str = "",
    rating: str = "",
    service_type: str = "",
    text: str = "",
) -> list[ProviderRow]:
    """The register's rows, filtered by sector, latest rating, a service offered and a name."""
    locations = Location.objects.filter(provider=OuterRef("pk")).order_by().values("provider")
    providers = providers_in(partnership).annotate(
        latest_rating=_latest("rating"),
        latest_rated_on=_latest("rated_on"),
        location_count=Coalesce(
            Subquery(locations.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
            Value(0),
        ),
    )
    if sector:
        providers = providers.filter(sector=sector)
    if rating == QualityRating.NOT_YET_RATED:
        providers = providers.filter(Q(latest_rating__isnull=True) | Q(latest_rating=rating))
    elif rating:
        providers = providers.filter(latest_rating=rating)
    if service_type:
        providers = providers.filter(
            Exists(ServiceOffer.objects.filter(provider=OuterRef("pk"), service_type=service_type))
        )
    if text.strip():
        words = " ".join(text.split())
        providers = providers.filter(
            Q(organisation__name__icontains=words) | Q(organisation__short_name__icontains=words)
        )
    providers = providers.prefetch_related(
        Prefetch("services", queryset=ServiceOffer.objects.order_by("service_type", "pk"))
    ).order_by("organisation__name", "pk")
    rows = []
    for provider in providers:
        offers = list(provider.services.all())
        totals: dict[str, int] = defaultdict(int)
        for offer in offers:
            if offer.capacity is not None:
                totals[offer.capacity_unit] += offer.capacity
        rows.append(
            ProviderRow(
                provider=provider,
                latest=rating_tag(provider.latest_rating),
                rated_on=provider.latest_rated_on,
                locations=provider.location_count,
                services=tuple(dict.fromkeys(offer.get_service_type_display() for offer in offers)),
                capacity=tuple(capacity_text(total, unit) for unit, total in sorted(totals.items())),
            )
        )
    return rows


def rating_history(provider: Provider) -> list[RatingRow]:
    """Every rating the provider and its locations have had, oldest first."""
    ratings = provider.ratings.select_related("location", "recorded_by").order_by("rated_on", "pk")
    return [RatingRow(rating, rating_tag(rating.rating)) for rating in ratings]


def latest_rating(provider: Provider) -> Rating | None:
    return provider.ratings.order_by("-rated_on", "-pk").first()


def locations_of(provider: Provider) -> QuerySet[Location]:
    return provider.locations.select_related("area").order_by("name")


def services_of(provider: Provider) -> QuerySet[ServiceOffer]:
    return provider.services.select_related("location").order_by("service_type", "pk")


def market_summary(partnership: Partnership) -> MarketSummary:
    """Providers by sector and by latest rating, the share rated good or better, capacity by service."""
    sectors = Counter(
        dict(
            Provider.objects.filter(partnership=partnership)
            .values_list("sector")
            .annotate(n=Count("pk"))
            .values_list("sector", "n")
        )
    )
    latest = Counter(
        rating or QualityRating.NOT_YET_RATED
        for rating in Provider.objects.filter(partnership=partnership)
        .annotate(latest_rating=_latest("rating"))
        .values_list("latest_rating", flat=True)
    )
    capacity = (
        ServiceOffer.objects.filter(provider__partnership=partnership, capacity__isnull=False)
        .values("service_type", "capacity_unit")
        .annotate(total=Sum("capacity"))
        .order_by("service_type", "capacity_unit")
    )
    service_labels = dict(ServiceType.choices)
    return MarketSummary(
        providers=sum(sectors.values()),
        by_sector=tuple(Tally(str(s), str(label), sectors.get(s, 0)) for s, label in Sector.choices),
        by_rating=tuple(
            Tally(str(code), str(label), latest.get(code, 0), RATING_COLOURS[code])
            for code, label in QualityRating.choices
        ),
        judged=sum(latest.get(code, 0) for code in JUDGED),
        good_or_outstanding=sum(latest.get(code, 0) for code in RATED_GOOD),
        capacity=tuple(
            CapacityTotal(
                row["service_type"],
                str(service_labels.get(row["service_type"], row["service_type"])),
                row["total"],
                row["capacity_unit"],
            )
            for row in capacity
        ),
    )


def register_export_rows(rows: list[ProviderRow]) -> list[list[object]]:
    """The register as a spreadsheet: one row a provider."""
    return [
        [
            row.name,
            row.org_id,
            row.sector,
            "Yes" if row.provider.is_sme else "No",
            row.provider.cqc_provider_id,
            row.latest.label,
            row.rated_on.isoformat() if row.rated_on else "",
            row.locations,
            "; ".join(row.services),
            "; ".join(row.capacity),
        ]
        for row in rows
    ]


REGISTER_HEADERS = (
    "Provider",
    "Org-id",
    "Sector",
    "SME",
    "CQC provider ID",
    "Latest rating",
    "Rated on",
    "Locations",
    "Services",
    "Capacity",
)
