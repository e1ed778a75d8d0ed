"""Year-end settlement of a pooled fund, and exact splitting of money and shares: pure, Decimal only.

No Django here (an import-linter contract keeps it so), so the arithmetic is fast to test and the same
from services, pages, the CLI and notebooks.

Splitting is done in whole pence (or whole basis points) by the largest-remainder method: each part
first gets its exact proportion rounded towards zero, then the pence left over go one each to the parts
with the largest fractional remainders, ties going to the part named first. So the parts always add up
to the total exactly, and each is within a penny of its exact proportion. A negative total is split as
the mirror image of the positive one, so an underspend is shared exactly as an overspend would be.

Settlement, for one fund and one year:

* ``budget`` is the sum of the contributions; ``variance = outturn - budget`` (positive: overspend).
* Each partner's ``share_of_variance`` is set by the risk-share rule; the shares add up to the variance.
* ``spend_attributed = contribution + share_of_variance``: what the year cost that partner. These add
  up to the outturn.
* ``transfer`` is the money that moves at year end. The host holds the pool and pays the bills; every
  other partner has already paid its contribution in. So a non-host partner's transfer is its share of
  the variance: positive, it pays the host its share of an overspend; negative, the host pays it back
  its share of an underspend. The host's own transfer is 0 by definition (it cannot pay itself): its
  share of the variance simply stays in, or comes out of, the pool it holds.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

PENNY = Decimal("0.01")
FULL_SHARE = 10_000  # basis points: 100 %

PROPORTIONAL = "proportional"
HOST = "host"
FIXED = "fixed"
CAPPED = "capped"
RULES = (PROPORTIONAL, HOST, FIXED, CAPPED)


# --- Exact splitting ---------------------------------------------------------------------------


def _pence(amount: Decimal, what: str) -> int:
    """A sum of money as whole pence; refuses floats and fractions of a penny rather than round them."""
    if isinstance(amount, float) or not isinstance(amount, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(amount).__name__} ({amount!r}).")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"{what} must be a sum of money, not {value}.")
    pence = value * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"{what} has fractions of a penny ({value}).")
    return int(pence)


def _money(pence: int) -> Decimal:
    """Whole pence as pounds with two places (never a negative zero)."""
    return Decimal(pence) * PENNY


def _weight(value: int | Decimal, key: Hashable) -> Fraction:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"The weight for {key} must be an int or a Decimal, not {value!r}.")
    if not Decimal(value).is_finite() or value < 0:
        raise ValueError(f"The weight for {key} cannot be negative ({value}).")
    return Fraction(value)


def _largest_remainder(units: int, weights: Mapping[K, int | Decimal]) -> dict[K, int]:
    """Split a whole number of units in proportion to the weights, exactly, by largest remainder."""
    exact = {key: _weight(value, key) for key, value in weights.items()}
    total_weight = sum(exact.values(), Fraction(0))
    if units == 0:
        return dict.fromkeys(exact, 0)
    if total_weight == 0:
        raise ValueError("There is nothing to split by: every weight is zero.")
    sign, size = (1, units) if units > 0 else (-1, -units)
    parts: dict[K, int] = {}
    remainders: list[tuple[Fraction, int, K]] = []
    for position, (key, weight) in enumerate(exact.items()):
        share = size * weight / total_weight
        parts[key] = share.numerator // share.denominator
        remainders.append((share - parts[key], position, key))
    left = size - sum(parts.values())
    # Largest remainder first; among equal remainders, the key given first.
    for _, _, key in sorted(remainders, key=lambda item: (-item[0], item[1]))[:left]:
        parts[key] += 1
    return {key: sign * part for key, part in parts.items()}


def allocate(total: Decimal, weights: Mapping[K, int | Decimal]) -> dict[K, Decimal]:
    """Split a sum of money in proportion to the weights, to the penny, so the parts add up exactly.

    ``total`` may be negative (an underspend) and must be whole pence; weights must not be negative and
    cannot all be zero unless the total is. Ties for a last penny go to the key given first.
    """
    pence = _largest_remainder(_pence(total, "The total"), weights)
    return {key: _money(part) for key, part in pence.items()}


def shares_bp(amounts: Mapping[K, int | Decimal]) -> dict[K, int]:
    """Each amount's share of the whole in basis points, adding up to exactly 10,000 (largest remainder)."""
    return _largest_remainder(FULL_SHARE, amounts)


def percent(share_bp: int) -> str:
    """Basis points as people write a percentage: 9750 is "97.50"."""
    return f"{Decimal(share_bp) / 100:.2f}"


# --- Settlement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSettlement(Generic[K]):
    """One partner's part in a year-end settlement (see the module docstring for the sign of transfer)."""

    organisation: K
    contribution: Decimal
    share_of_variance: Decimal
    spend_attributed: Decimal  # contribution + share of the variance
    transfer: Decimal  # > 0: the partner pays the host; < 0: the host pays the partner; host: always 0
    is_host: bool = False


@dataclass(frozen=True)
class Settlement(Generic[K]):
    """A fund's year end: budget, outturn, variance (outturn - budget; > 0 is an overspend), who bears it."""

    rule: str
    budget: Decimal
    outturn: Decimal
    variance: Decimal
    partners: tuple[PartnerSettlement[K], ...]
    basis: str = ""  # where the outturn came from, when the caller says: "forecast" or "actual"

    @property
    def host(self) -> PartnerSettlement[K]:
        return next(partner for partner in self.partners if partner.is_host)

    def partner(self, organisation: K) -> PartnerSettlement[K]:
        return next(partner for partner in self.partners if partner.organisation == organisation)


def _ordered(*groups: Iterable[K]) -> list[K]:
    seen: dict[K, None] = {}
    for group in groups:
        for key in group:
            seen.setdefault(key, None)
    return list(seen)


def _fixed(shares: Mapping[K, int]) -> Mapping[K, int]:
    for key, share in shares.items():
        if isinstance(share, bool) or not isinstance(share, int):
            raise TypeError(f"The share for {key} must be whole basis points (an int), not {share!r}.")
        if share < 0:
            raise ValueError(f"The share for {key} cannot be negative ({share}).")
    total = sum(shares.values())
    if total != FULL_SHARE:
        raise ValueError(f"Fixed shares add to {percent(total)} %, not 100 %.")
    return shares


def settle(
    *,
    rule: str,
    host: K,
    contributions: Mapping[K, Decimal],
    outturn: Decimal,
    fixed_shares_bp: Mapping[K, int] | None = None,
    caps: Mapping[K, Decimal] | None = None,
) -> Settlement[K]:
    """Share a fund's over- or underspend between its partners under a risk-share rule, to the penny.

    * ``proportional``: in proportion to the year's contributions.
    * ``host``: the host carries all of it.
    * ``fixed``: by ``fixed_shares_bp``, which must add up to 10,000 basis points.
    * ``capped``: by ``fixed_shares_bp`` when given (else by contributions), but no partner other than
      the host carries more than its cap (an absolute amount of the variance, either way); the host
      carries the remainder. A cap given for the host is ignored: the remainder is its by definition.

    The partners are those that contributed, then the host, then any named only in the shares or caps,
    in that order (which also breaks ties for a last penny).
    """
    if rule not in RULES:
        raise ValueError(f"Unknown risk-share rule {rule!r}: use one of {', '.join(RULES)}.")
    paid: dict[K, int] = {}
    for key, amount in contributions.items():
        paid[key] = _pence(amount, f"The contribution of {key}")
        if paid[key] < 0:
            raise ValueError(f"The contribution of {key} cannot be negative ({amount}).")
    budget_pence = sum(paid.values())
    variance_pence = _pence(outturn, "The outturn") - budget_pence
    shares = _fixed(fixed_shares_bp) if fixed_shares_bp is not None else None
    limits: dict[K, int] = {}
    for key, cap in (caps or {}).items():
        limits[key] = _pence(cap, f"The cap of {key}")
        if limits[key] < 0:
            raise ValueError(f"The cap of {key} cannot be negative ({cap}).")
    partners = _ordered(contributions, [host], shares or {}, limits)
    for key in partners:
        paid.setdefault(key, 0)

    # Shares of the variance, in whole pence.
    if rule == HOST:
        carried = {key: (variance_pence if key == host else 0) for key in partners}
    elif rule == FIXED:
        if shares is None:
            raise ValueError("The fixed rule needs each partner's fixed share.")
        carried = _largest_remainder(variance_pence, {key: shares.get(key, 0) for key in partners})
    else:  # PROPORTIONAL or CAPPED
        weights: Mapping[K, int | Decimal] = paid
        if rule == CAPPED and shares is not None:
            weights = {key: shares.get(key, 0) for key in partners}
        elif variance_pence and not any(paid.values()):
            raise ValueError("No contributions to share the variance by.")
        carried = _largest_remainder(variance_pence, weights)
        if rule == CAPPED:
            for key in partners:
                if key != host and key in limits:
                    carried[key] = max(-limits[key], min(limits[key], carried[key]))
            carried[host] = variance_pence - sum(carried[key] for key in partners if key != host)

    settled = tuple(
        PartnerSettlement(
            organisation=key,
            contribution=_money(paid[key]),
            share_of_variance=_money(carried[key]),
            spend_attributed=_money(paid[key] + carried[key]),
            transfer=_money(0 if key == host else carried[key]),
            is_host=key == host,
        )
        for key in partners
    )
    return Settlement(
        rule=rule,
        budget=_money(budget_pence),
        outturn=_money(budget_pence + variance_pence),
        variance=_money(variance_pence),
        partners=settled,
    )
