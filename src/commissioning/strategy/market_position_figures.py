"""The arithmetic of a market position statement, over plain data: price quartiles, annualised spend,
small-number suppression, the quality mix, and what changed between two versions.

No Django here, so the published figures can be checked quickly and reproduced from the open data.
Money travels as Decimal and is written to JSON as a string, never as a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from commissioning.needs import stats

PENNY = Decimal("0.01")
WEEKS_A_YEAR = 52
PROJECTION_ROUNDING = 10


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)


def money_text(value: Decimal | None) -> str | None:
    """Money as JSON carries it: a string of pounds and pence."""
    return None if value is None else str(money(value))


def annualise(weekly: Decimal) -> Decimal:
    """A weekly cost as a year's spend, at 52 weeks."""
    return money(weekly * WEEKS_A_YEAR)


def rounded_people(people: float) -> int:
    """Projected people rounded to the nearest ten: estimates, not counts, and published as such."""
    return int(round(people / PROJECTION_ROUNDING) * PROJECTION_ROUNDING)


def quartiles(values: Sequence[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """Lower quartile, median and upper quartile (linear interpolation), to the penny (half up)."""
    if not values:
        raise ValueError("Quartiles need at least one price.")
    ordered = sorted(values)
    last = len(ordered) - 1

    def at(fraction: Decimal) -> Decimal:
        # Exact in Decimal, as numpy's default (linear) method would give it, then rounded half up.
        position = fraction * last
        below = int(position)
        above = min(below + 1, last)
        return money(ordered[below] + (ordered[above] - ordered[below]) * (position - below))

    return at(Decimal("0.25")), at(Decimal("0.5")), at(Decimal("0.75"))


def hidden_counts(counts: Mapping[str, int], threshold: int) -> set[str]:
    """Which counts to hide: small ones (1 to threshold - 1), and one more where a single small count
    could be worked out from the published total."""
    keys = list(counts)
    if not keys:
        return set()
    hide = stats.suppress([counts[k] for k in keys], threshold, totals_groups=[0] * len(keys))
    return {k for k, hidden in zip(keys, hide, strict=True) if hidden}


@dataclass(frozen=True)
class PlacementGroup:
    """The current placements of one service type: their unit prices and weekly costs."""

    service_type: str
    label: str
    unit: str
    unit_prices: tuple[Decimal, ...]
    weekly_costs: tuple[Decimal, ...]


def placement_figures(groups: Sequence[PlacementGroup], threshold: int) -> dict[str, Any]:
    """Counts, annualised spend and price quartiles by service type, with small numbers hidden.

    Where a count is hidden, so are its spend and prices (they would say what few people pay); the
    totals stay, since secondary suppression stops a hidden row being worked out from them.
    """
    counts = {g.service_type: len(g.unit_prices) for g in groups}
    hidden = hidden_counts(counts, threshold)
    rows: list[dict[str, Any]] = []
    total_annual = Decimal(0)
    for g in groups:
        annual = annualise(sum(g.weekly_costs, Decimal(0)))
        total_annual += annual
        row: dict[str, Any] = {
            "service_type": g.service_type,
            "label": g.label,
            "unit": g.unit,
            "suppressed": g.service_type in hidden,
            "placements": None,
            "annual_spend": None,
            "lower_quartile": None,
            "median": None,
            "upper_quartile": None,
        }
        if g.service_type not in hidden and g.unit_prices:
            low, mid, high = quartiles(g.unit_prices)
            row.update(
                placements=len(g.unit_prices),
                annual_spend=money_text(annual),
                lower_quartile=money_text(low),
                median=money_text(mid),
                upper_quartile=money_text(high),
            )
        rows.append(row)
    total = sum(counts.values())
    return {
        "rows": rows,
        "total_placements": None if 0 < total < threshold else total,
        "total_annual_spend": money_text(total_annual) if total >= threshold or total == 0 else None,
    }


def quality_mix(counts: Mapping[str, int], labels: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Rated locations by their latest rating, with each rating's share in whole per cent."""
    rated = sum(counts.values())
    rows = [
        {
            "rating": key,
            "label": label,
            "locations": counts.get(key, 0),
            "share": round(100 * counts.get(key, 0) / rated) if rated else 0,
        }
        for key, label in labels
    ]
    good = counts.get("good", 0) + counts.get("outstanding", 0)
    return {"rated": rated, "rows": rows, "good_or_better": round(100 * good / rated) if rated else None}


# What changed between versions ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    part: str
    item: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"


def flat(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for key, inner in value.items():
            out.update(flat(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for n, inner in enumerate(value):
            name = _row_name(inner, n)
            out.update(flat(inner, f"{prefix}[{name}]"))
        return out
    return {prefix: "" if value is None else str(value)}


def _row_name(row: Any, n: int) -> str:
    if isinstance(row, Mapping):
        for key in ("service_type", "rating", "code", "name", "organisation", "measure", "year"):
            if key in row:
                return str(row[key])
    return str(n + 1)


FIGURE_PARTS = ("needs", "projections", "provision", "spend", "prices", "quality")


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    """What a version changed against the one before: commentary by section, intentions by what they
    are about, and every generated figure that moved."""
    before = before or {}
    found: list[Change] = []
    old_text, new_text = before.get("commentary", {}), after.get("commentary", {})
    for section in sorted(set(old_text) | set(new_text)):
        if old_text.get(section, "") != new_text.get(section, ""):
            found.append(Change("Commentary", section, old_text.get(section, ""), new_text.get(section, "")))
    old_int = {i["description"]: i for i in before.get("intentions", [])}
    new_int = {i["description"]: i for i in after.get("intentions", [])}
    for name in sorted(set(old_int) | set(new_int)):
        a, b = old_int.get(name), new_int.get(name)
        if a == b:
            continue
        found.append(Change("Intentions", name, _intention_text(a), _intention_text(b)))
    for part in FIGURE_PARTS:
        old, new = flat(before.get(part, {})), flat(after.get(part, {}))
        for key in sorted(set(old) | set(new)):
            if old.get(key, "") != new.get(key, ""):
                found.append(Change("Figures", f"{part}: {key}", old.get(key, ""), new.get(key, "")))
    return found


def _intention_text(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    timing = row.get("starts_on", "") + (f" to {row['ends_on']}" if row.get("ends_on") else "")
    return f"{row.get('direction_label', row.get('direction', ''))}, {timing}: {row.get('rationale', '')}"


def intention_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Intentions as open data, in a stable column order."""
    columns = (
        "position",
        "service_type",
        "service_type_label",
        "description",
        "area",
        "direction",
        "direction_label",
        "starts_on",
        "ends_on",
        "rationale",
        "objective",
        "contract",
    )
    return [{c: row.get(c, "") for c in columns} for row in rows]
