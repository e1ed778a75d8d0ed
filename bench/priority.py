"""A priority-setting round of 2,000 options under 10 constraints, solved to proven optimality.

Generates (seeded) a round the way a programme budgeting and marginal analysis panel meets one:
investments and disinvestments across five care groups and two funding partners, costs from tens
of thousands of pounds to a few million, a panel of five scoring every option on the four default
criteria (a few stepping back from options they declared an interest in), some options
alternatives to one another. The rules make ten constraints:

1. the budget (net of the money disinvestments release);
2. a minimum prevention share of the money invested;
3. must-do options (statutory duties) in whatever their score;
4. at most one option from each group of alternatives;
5-9. a cap on each care group's net spending;
10. a cap on the ICB's net spending.

Scores become weighted benefit with ``strategy.portfolio.weighted_benefit``; then
``strategy.portfolio.optimise(..., explain=False)`` picks the portfolio (HiGHS through
``scipy.optimize.milp``, every option a 0/1 variable, pence and benefit as integers). Prints the
round, the portfolio, the times of each run and last ``solve_s=<x> gap=<y>``: the slowest run's
seconds for ``optimise`` (must be under 2) and the optimality gap (must be zero).

    uv run python bench/priority.py                # 2,000 options (the measured figure)
    uv run python bench/priority.py --options 200
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

import numpy as np

from commissioning.strategy import portfolio
from commissioning.strategy.portfolio import DEFAULT_CRITERIA, Limit, Option, Score

CARE_GROUPS = (
    "Older people",
    "Learning disabilities",
    "Mental health",
    "Children and young people",
    "Physical disabilities",
)
GROUP_SHARES = (0.32, 0.2, 0.2, 0.16, 0.12)
# Each care group's cap on net spending, as a share of the budget (they add to more than 1, so
# only some bind).
GROUP_CAPS = (0.34, 0.24, 0.22, 0.18, 0.14)
PARTNERS = ("Southampton City Council", "NHS Hampshire and Isle of Wight ICB")
ICB_CAP = 0.55
SCORERS = tuple(f"Panel member {letter}" for letter in "ABCDE")
BUDGET_SHARE = 0.3  # of everything asked for
PREVENTION_SHARE = Decimal("0.35")


def generate(size: int, seed: int = 20260408) -> tuple[list[Option], list[Score]]:
    rng = np.random.default_rng(seed)
    disinvest = rng.random(size) < 0.12
    pounds = np.round(rng.lognormal(11.6, 0.9, size), -2)  # median about £110,000
    pounds = np.clip(pounds, 5_000, 4_000_000)
    cost = np.where(disinvest, -np.round(pounds * 0.8, -2), pounds)
    care_group = rng.choice(len(CARE_GROUPS), size, p=GROUP_SHARES)
    partner = rng.choice(len(PARTNERS), size, p=(0.55, 0.45))
    prevention = ~disinvest & (rng.random(size) < 0.35)
    must = np.zeros(size, dtype=bool)
    must[rng.choice(np.flatnonzero(~disinvest), max(1, size // 100), replace=False)] = True
    group = np.full(size, -1)
    pool = rng.permutation(np.flatnonzero(~must))
    position, number = 0, 0
    while position < len(pool) * 0.25:
        members = int(rng.integers(2, 4))
        group[pool[position : position + members]] = number
        position, number = position + members, number + 1
    people = np.maximum(1, np.round(pounds / rng.uniform(300, 3000, size))).astype(int)

    options = [
        Option(
            key=f"opt-{i:05d}",
            title=f"{'Reduce' if disinvest[i] else 'Invest in'} {CARE_GROUPS[care_group[i]].lower()} {i}",
            cost=Decimal(int(cost[i])),
            people=int(people[i]),
            is_prevention=bool(prevention[i]),
            must_do=bool(must[i]),
            exclusive_group=f"alternatives-{group[i]}" if group[i] >= 0 else None,
            care_group=CARE_GROUPS[care_group[i]],
            partner=PARTNERS[partner[i]],
        )
        for i in range(size)
    ]
    # A latent worth per option; scale follows the people reached; each scorer adds their own view.
    worth = rng.beta(2.2, 2.2, size) * 5
    reach = np.clip(np.log10(people) * 1.4, 0, 5)
    criteria = [c.key for c in DEFAULT_CRITERIA]
    base = np.stack([reach, worth, worth * 0.7 + 1.2 - 0.2 * np.log10(pounds / 1e5), worth], axis=1)
    noise = rng.normal(0, 0.8, (size, len(SCORERS), len(criteria)))
    marks = np.clip(np.rint(base[:, None, :] + noise), 0, 5).astype(int)
    interested = rng.random((size, len(SCORERS))) < 0.03
    interested[:, 0] = False  # the chair declares none, so every option keeps a scorer
    scores = [
        Score(options[i].key, scorer, criterion, int(marks[i, s, c]))
        for i in range(size)
        for s, scorer in enumerate(SCORERS)
        if not interested[i, s]
        for c, criterion in enumerate(criteria)
    ]
    return options, scores


def rules(options: list[Option]) -> tuple[Decimal, list[Limit]]:
    asked = sum((o.cost for o in options if o.cost > 0), Decimal(0))
    budget = (asked * Decimal(str(BUDGET_SHARE)) / 1000).quantize(Decimal(1)) * 1000
    limits = [
        portfolio.spending_limit(
            f"{name} net spending", options, care_group=name, at_most=(budget * Decimal(str(cap))).quantize(1)
        )
        for name, cap in zip(CARE_GROUPS, GROUP_CAPS, strict=True)
    ]
    limits.append(
        portfolio.spending_limit(
            "ICB net spending",
            options,
            partner=PARTNERS[1],
            at_most=(budget * Decimal(str(ICB_CAP))).quantize(1),
        )
    )
    return budget, limits


def binding(used: Decimal, limit: Decimal) -> str:
    """Marks a limit the portfolio reaches (within 0.5 %), so the run shows which rules bite."""
    return " (binding)" if used >= limit * Decimal("0.995") else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--options", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    options, scores = generate(args.options)
    budget, limits = rules(options)
    print(
        f"generated {len(options):,} options ({sum(o.cost < 0 for o in options):,} disinvestments, "
        f"{sum(o.must_do for o in options)} must-do, "
        f"{len({o.exclusive_group for o in options if o.exclusive_group})} groups of alternatives) "
        f"and {len(scores):,} scores in {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    benefits = portfolio.weighted_benefit(options, DEFAULT_CRITERIA, scores)
    print(f"weighted benefit from the scores: {time.perf_counter() - started:.3f} s")
    print(
        f"constraints: budget £{budget:,}, prevention share at least {PREVENTION_SHARE:.0%}, "
        f"must-do options, one per group of alternatives, {len(limits)} spending caps: 10"
    )

    times = []
    result = None
    for _ in range(args.runs):
        started = time.perf_counter()
        result = portfolio.optimise(
            options,
            benefits,
            budget=budget,
            min_prevention_share=PREVENTION_SHARE,
            extra=limits,
            explain=False,
        )
        times.append(time.perf_counter() - started)
    assert result is not None
    share = "none" if result.prevention_share is None else f"{result.prevention_share:.1%}"
    print(
        f"portfolio: {len(result.chosen):,} options, benefit {result.total_benefit:,}, invested "
        f"£{result.invested:,}, released £{result.released:,}, net £{result.total_cost:,} "
        f"(£{result.budget_left:,} left), prevention share {share}, status {result.status}"
    )
    print(
        f"  budget: £{result.total_cost:,} of £{result.budget:,}{binding(result.total_cost, result.budget)}; "
        f"prevention share {share} of at least {PREVENTION_SHARE:.0%}"
        f"{binding(PREVENTION_SHARE * Decimal('1.005'), result.prevention_share or Decimal(1))}"
    )
    chosen = set(result.chosen)
    for limit in limits:
        spent = sum((Decimal(v) for k, v in limit.coefficients.items() if k in chosen), Decimal(0))
        assert limit.at_most is not None
        cap = Decimal(limit.at_most)
        print(f"  {limit.name}: £{spent:,} of at most £{cap:,}{binding(spent, cap)}")
    print(f"optimise runs: {', '.join(f'{t:.3f}' for t in times)} s")
    print(f"solve_s={max(times):.3f} gap={result.gap}")


if __name__ == "__main__":
    main()
