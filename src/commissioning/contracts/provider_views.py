"""The provider page, and the register with each partner's spending: composed here because they read
the market (the provider, its ratings) and the contracts (its contracts, funding and placements)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.contracts import provider_spend
from commissioning.core.lookup import found_or_404
from commissioning.core.money import format_pounds
from commissioning.core.permissions import Permission
from commissioning.market import provider_selectors
from commissioning.market.provider_views import NAV, ExtraColumns, rating_chart, register_page
from commissioning.partners.decorators import partnership_view


@partnership_view(Permission.VIEW_MARKET)
def provider_list(request: HttpRequest) -> HttpResponse:
    """The register, with what each commissioning partner spends a year with each provider."""
    partnership = request.partnership  # type: ignore[attr-defined]
    if Permission.VIEW_CONTRACTS not in request.permissions:  # type: ignore[attr-defined]
        return register_page(request)
    partners = provider_spend.commissioning_partners(partnership)
    spend = provider_spend.spend_by_provider(partnership=partnership)
    shown: dict[int, list[str]] = {}
    exported: dict[int, list[Any]] = {}
    for provider_id, by_partner in spend.items():
        figures = [by_partner[p.pk].annual_total if p.pk in by_partner else None for p in partners]
        total = sum((row.annual_total for row in by_partner.values()), provider_spend.ZERO)
        exported[provider_id] = [*figures, total]
        shown[provider_id] = [format_pounds(f) if f is not None else "–" for f in figures] + [
            format_pounds(total)
        ]
    extra = ExtraColumns(
        headers=[*(f"A year from {p.short_name or p.name}" for p in partners), "A year from all funders"],
        shown=shown,
        exported=exported,
        note="What each partner spends a year: its share of the contracts in force, spread over each "
        "contract's term, and 52 weeks of its current placements.",
    )
    return register_page(request, extra)


@partnership_view(Permission.VIEW_MARKET)
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = request.partnership  # type: ignore[attr-defined]
    provider = found_or_404(provider_selectors.provider_in, partnership, pk)
    history = provider_selectors.rating_history(provider)
    context: dict[str, Any] = {
        "provider": provider,
        "latest": provider_selectors.rating_tag(history[-1].rating.rating if history else None),
        "latest_rating": history[-1].rating if history else None,
        "history": list(reversed(history)),
        "chart": rating_chart(history),
        "locations": provider_selectors.locations_of(provider),
        "services": [
            (offer, provider_selectors.capacity_text(offer.capacity, offer.capacity_unit))
            for offer in provider_selectors.services_of(provider)
        ],
        **NAV,
    }
    if Permission.VIEW_CONTRACTS in request.permissions:  # type: ignore[attr-defined]
        spend = provider_spend.spend_by_partner(partnership=partnership, provider=provider)
        context |= {
            "contracts": provider_spend.contracts_for_provider(partnership=partnership, provider=provider),
            "spend": spend,
            "totals": provider_spend.spend_totals(spend),
            "weeks": provider_spend.WEEKS_A_YEAR,
        }
    return render(request, "market/provider_detail.html", context)
