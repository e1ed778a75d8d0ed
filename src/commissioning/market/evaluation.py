"""Evaluation arithmetic: weighted scores, rankings and price scores, exact in Decimal.

Pure (no Django), so the sums a procurement is awarded on can be checked by hand and in tests.
A bid's weighted score is Σ(moderated score ÷ highest score × weight), out of 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


def weighted_score(
    moderated: Mapping[int, Decimal], criteria: Sequence[tuple[int, Decimal, int]]
) -> Decimal | None:
    """Out of 100: ``criteria`` as (id, weight %, highest score); None until every criterion is moderated."""
    if not criteria or any(criterion_id not in moderated for criterion_id, _, _ in criteria):
        return None
    total = sum(
        (
            moderated[criterion_id] / Decimal(max_score) * weight
            for criterion_id, weight, max_score in criteria
        ),
        Decimal(0),
    )
    return total.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def partial_score(moderated: Mapping[int, Decimal], criteria: Sequence[tuple[int, Decimal, int]]) -> Decimal:
    """The weighted score so far, counting only the criteria moderated (for a running total)."""
    total = sum(
        (
            moderated[criterion_id] / Decimal(max_score) * weight
            for criterion_id, weight, max_score in criteria
            if criterion_id in moderated
        ),
        Decimal(0),
    )
    return total.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def ranks(scores: Mapping[int, Decimal | None]) -> dict[int, int]:
    """Rank bids by weighted score, highest first; equal scores share a rank; unscored bids have none."""
    ordered = sorted((score for score in scores.values() if score is not None), reverse=True)
    position: dict[Decimal, int] = {}
    for index, score in enumerate(ordered, start=1):
        position.setdefault(score, index)
    return {bid: position[score] for bid, score in scores.items() if score is not None}


def price_score(price: Decimal, prices: Iterable[Decimal], max_score: int) -> Decimal:
    """The lowest price ÷ this price × the highest score; the lowest bid scores full marks."""
    positive = [p for p in prices if p > 0]
    if price <= 0 or not positive:
        return Decimal(max_score).quantize(HUNDREDTH)
    lowest = min(positive)
    return (lowest / price * Decimal(max_score)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The evaluators' average, to two places, for showing beside the moderated score."""
    items = list(values)
    if not items:
        return None
    return (sum(items, Decimal(0)) / len(items)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
