"""Maturity arithmetic for the commissioning self-assessment: answers to scores, scores to levels.

Pure (no Django) so the scoring can be tested on its own and reused by exports and the command line.
A question met scores in full, partly met scores half, not met nothing; a score is kept in basis
points (10,000 = every question met) so it adds and compares exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

MET = "met"
PARTLY = "partly"
NOT_MET = "not_met"
STATUSES = (MET, PARTLY, NOT_MET)
STATUS_LABELS = {MET: "Met", PARTLY: "Partly met", NOT_MET: "Not met"}
HALF_POINTS = {MET: 2, PARTLY: 1, NOT_MET: 0}
FULL = 10_000

LEVELS = (
    (7_500, "Mature"),
    (5_000, "Established"),
    (2_500, "Developing"),
    (0, "Beginning"),
)
"""Lower bounds of each maturity level, in basis points, highest first."""


def score_bp(statuses: Iterable[str]) -> int | None:
    """The share of the questions met, partly met counting half, in basis points (half up); None for
    no questions."""
    found = list(statuses)
    if not found:
        return None
    unknown = sorted(set(found) - set(STATUSES))
    if unknown:
        raise ValueError(f"Unknown answer {unknown[0]!r}; use one of {', '.join(STATUSES)}.")
    points = sum(HALF_POINTS[s] for s in found)
    return (points * FULL + len(found)) // (2 * len(found))


def level(score: int | None) -> str:
    """The maturity level a score reaches."""
    if score is None:
        return "Not assessed"
    for floor, label in LEVELS:
        if score >= floor:
            return label
    return LEVELS[-1][1]


def percent(score: int | None) -> str:
    """A score as people read it: '62.5 %' (whole numbers without decimals)."""
    if score is None:
        return "–"
    whole, rest = divmod(score, 100)
    return f"{whole} %" if rest == 0 else f"{score / 100:.1f} %"


def by_share(done: int, total: int, *, met_at: float = 1.0, partly_at: float = 0.0) -> str:
    """Met when at least ``met_at`` of ``total`` is done, partly when more than ``partly_at`` is, else
    not met; nothing to count is not met (there is no evidence to show)."""
    if total <= 0 or done <= 0:
        return NOT_MET
    share = done / total
    if share >= met_at:
        return MET
    return PARTLY if share > partly_at else NOT_MET


def change_bp(then: int | None, now: int | None) -> int | None:
    """How far a score moved since a recorded assessment (positive is better)."""
    if then is None or now is None:
        return None
    return now - then
